"""What a build is asked to do (Options) and what it reports (Result)."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import BuildFailed, Problems


@dataclass
class Options:
    content: Path = Path("content")
    templates: Path | None = None
    output: Path = Path("output")
    base_url: str | None = None
    drafts: bool = False
    strict: bool = False
    jobs: int | None = None
    cache: Path = Path(".expo-cache")  # renditions; safe to delete at any time
    no_search: bool = False  # skip the search index (quick previews)
    minify: bool = False
    progress: Callable[[str, int, int], None] | None = None  # (phase, done, total): a display

    def templates_folder(self) -> Path:
        return self.templates or default_templates()

    def fail_on(self, problems: Problems) -> None:
        """Stop the build on an error, or on a warning with --strict."""
        if problems.errors or (self.strict and problems.warnings):
            raise BuildFailed(problems)


@dataclass
class Result:
    problems: Problems
    pages: int  # Markdown files published (each one page, in one language)
    files: int  # files written (by `check`: that a build would write)
    phases: dict[str, float] = field(default_factory=dict)  # seconds per phase, for benchmarks
    images: int = 0  # source images shown
    images_processed: int = 0  # of those, decoded in this build (not taken from the cache)
    unchanged: int = 0  # files left as the last build wrote them
    rendered: int = 0  # HTML pages rendered by templates (the others were kept)


class Clock:
    """Seconds spent per phase: `lap("markdown")` closes the phase that just ended."""

    def __init__(self) -> None:
        self.phases: dict[str, float] = {}
        self._last = time.perf_counter()

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        self.phases[name] = self.phases.get(name, 0.0) + now - self._last
        self._last = now


def default_templates() -> Path:
    """templates/ of the current folder, else the theme installed with the package."""
    local = Path("templates")
    if local.is_dir():
        return local
    package = Path(__file__).resolve().parent.parent
    installed = package / "theme"  # pyproject maps templates/ here
    if installed.is_dir():
        return installed
    return package.parent / "templates"  # a source checkout
