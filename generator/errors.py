"""Problems found in content, settings and templates.

Every stage reports into one `Problems` collector instead of raising, so a run shows the editor
*all* of what needs fixing at once. Only the command line prints them and turns them into an
exit status.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

ERROR = "error"
WARNING = "warning"


@dataclass(frozen=True, order=True)
class Problem:
    path: str
    line: int
    severity: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.severity}: {self.message}"


def display_path(path: Path | str) -> str:
    """The path as the editor should see it: relative to the current folder when possible."""
    path = Path(path)
    try:
        rel = os.path.relpath(path)
    except ValueError:  # another drive on Windows
        return str(path)
    return str(path) if rel.startswith(".." + os.sep + "..") else rel


@dataclass
class Problems:
    items: list[Problem] = field(default_factory=list)

    def error(self, path: Path | str, line: int, message: str) -> None:
        self._add(Problem(display_path(path), max(1, line), ERROR, message))

    def warning(self, path: Path | str, line: int, message: str) -> None:
        self._add(Problem(display_path(path), max(1, line), WARNING, message))

    def _add(self, problem: Problem) -> None:
        if problem not in self.items:  # a translation shares its original's fields and errors
            self.items.append(problem)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.items if p.severity == ERROR]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.items if p.severity == WARNING]

    def sorted(self) -> list[Problem]:
        """Problems by file and line, so output is stable whatever the work order."""
        return sorted(self.items, key=lambda p: (p.path, p.line, p.severity, p.message))


class BuildFailed(Exception):
    """Raised by the build when content or templates have errors; carries all of them."""

    def __init__(self, problems: Problems):
        super().__init__(f"{len(problems.errors)} error(s)")
        self.problems = problems


class UsageError(Exception):
    """A wrong command line or a dangerous output folder: exit status 2."""
