"""Problems found in content, settings and templates.

Every stage reports into one `Problems` collector instead of raising, so a run shows the editor
*all* of what needs fixing at once. Only the command line prints them and turns them into an
exit status.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

ERROR = "error"
WARNING = "warning"
# Characters that would break a problem's one line or disguise it: control characters, line and
# paragraph separators, bidirectional overrides (a file name or field name may hold any of them).
UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u200e\u200f\u202a-\u202e"
                         "\u2066-\u2069]")


@dataclass(frozen=True, order=True)
class Problem:
    path: str
    line: int
    severity: str
    message: str

    def __str__(self) -> str:
        return f"{_one_line(self.path)}:{self.line}: {self.severity}: {_one_line(self.message)}"


def _one_line(text: str) -> str:
    """`text` kept on one line: every UNPRINTABLE character written as its backslash escape."""
    return UNPRINTABLE.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), text)


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
    _seen: set[Problem] = field(default_factory=set, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        self._seen.update(self.items)

    def error(self, path: Path | str, line: int, message: str) -> None:
        self._add(Problem(display_path(path), max(1, line), ERROR, message))

    def warning(self, path: Path | str, line: int, message: str) -> None:
        self._add(Problem(display_path(path), max(1, line), WARNING, message))

    def add_all(self, problems: list[Problem]) -> None:
        for problem in problems:
            self._add(problem)

    def _add(self, problem: Problem) -> None:
        if problem not in self._seen:  # a translation shares its original's fields and errors
            self._seen.add(problem)
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

    def __reduce__(self) -> tuple:  # from a child process, with its problems
        return BuildFailed, (self.problems,)


class UsageError(Exception):
    """A wrong command line or a dangerous output folder: exit status 2."""


@dataclass(frozen=True)
class MachineFault:
    """A failure of the machine rather than the content (a full disk, a permission refused):
    where, as the editor sees it ("expo" when no file is named), and the cause."""

    path: str
    cause: str

    def __str__(self) -> str:
        return f"{_one_line(self.path)}: error: {_one_line(self.cause)}"  # SPEC §7


def machine_fault(exc: OSError) -> MachineFault:
    path = display_path(os.fsdecode(exc.filename)) if exc.filename is not None else "expo"
    return MachineFault(path, exc.strerror or str(exc))


def machine_error(exc: OSError) -> str:
    """The line for a failure of the machine: `path: error: cause`."""
    return str(machine_fault(exc))


@contextmanager
def naming(path: Path | str, instead_of: Path | str | None = None) -> Iterator[None]:
    """An OSError raised inside that names no file (writing to or reading from a file already
    open fails without a name: a disk filling up), or names `instead_of` (the temporary file
    written for `path`), is about `path`."""
    try:
        yield
    except OSError as exc:
        if exc.filename is None or instead_of is not None and \
                os.fsdecode(exc.filename) == os.fspath(instead_of):
            exc.filename = os.fspath(path)
        raise
