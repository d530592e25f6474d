"""A new site swapped in once its search index is made, with its build state."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from .. import cache
from ..errors import BuildFailed, Problems
from ..output import Staged, publish, reported_as
from ..search import SearchError, index_site


@dataclass
class Unpublished:
    """A new site in its folder beside the output, waiting to be swapped in: for its build
    state to be saved aside (a build that fails before keeps the last site and state), and
    for its search index."""

    staged: Staged
    output: Path
    languages: tuple[str, ...]
    jobs: int | None  # --jobs: how many languages may be indexed at once
    search: bool = True  # whether it waits for its search index
    state: Path | None = None  # where the build state goes, saved aside until then

    def publish(self, problems: Problems,
                progress: Callable[[str, int, int], None] | None = None) -> None:
        """Index the new site, then swap it in and its state with it. If indexing fails, both
        are removed instead and the build fails (BuildFailed, the reason in `problems`)."""
        if progress is not None and self.search:
            progress("Search index", 0, 0)
        try:
            with reported_as(self.output):
                publish(self.staged, self.output, (lambda folder, pages_changed: index_site(
                    folder, self.languages, pages_changed, self.output, self.jobs)) if self.search
                    else None)
        except BaseException as exc:
            if self.state is not None:
                cache.discard(self.state)
            if isinstance(exc, SearchError):
                problems.error(self.output, 1, str(exc))
                raise BuildFailed(problems) from exc
            raise
        if self.state is not None:
            cache.commit(self.state)

    def discard(self) -> None:
        """Remove the new site and its state, neither published."""
        shutil.rmtree(self.staged.folder, ignore_errors=True)
        if self.state is not None:
            cache.discard(self.state)
