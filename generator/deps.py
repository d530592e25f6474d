"""Dependency recording: while an output renders, every lookup of the site and of the theme
notes what it gave in the current recorder; a later build renders the output again only when
one of those no longer gives the same (the Lektor model, see cache.py).

The recorder is a `contextvars` context set around a render (`recording`), not an attribute
of a shared object: a card made inside a page records into its own, then hands it to the page.
A dependency is a tuple, its kind first: ("data", key, lang), ("items", section, lang),
("template", name)…; Site.lookup answers the site's kinds, the theme lookups the others.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any

from .cache import DepTable

if TYPE_CHECKING:
    from .site import Site

Recorder = dict[tuple, Any]  # dependency → what it gave

_current: ContextVar[Recorder | None] = ContextVar("recorder", default=None)


def current() -> Recorder | None:
    """The recorder of the output rendering now; None when nothing is recorded."""
    return _current.get()


@contextlib.contextmanager
def recording(into: Recorder | None) -> Iterator[Recorder | None]:
    """Record into `into` (None: record nothing) until the block ends."""
    token = _current.set(into)
    try:
        yield into
    finally:
        _current.reset(token)


class DependencyCheck:
    """Whether the dependencies an earlier build recorded still give the same: the site's
    lookups, and the theme's (`theme`: kind → function of the dependency's arguments)."""

    def __init__(self, site: Site, theme: dict[str, Callable[..., Any]]):
        self.site = site
        self.theme = theme
        self._same: dict[tuple, bool] = {}  # (dependency, recorded value) → still the same

    def unchanged(self, dependencies: Recorder) -> bool:
        """Whether every dependency in `dependencies` still gives what it gave."""
        for recorded in dependencies.items():
            same = self._same.get(recorded)
            if same is None:
                same = self._same[recorded] = self._holds(recorded)
            if not same:
                return False
        return True

    def changed_numbers(self, table: DepTable) -> set[int]:
        """The numbers of the pairs in `table` (see cache.DepTable) that no longer hold: an
        output recorded with none of them is unchanged."""
        data, body = self.site.page_fingerprints, self.site.body_fingerprints
        holds = self._holds
        return {number for number, (dependency, value) in enumerate(table.pairs)
                if not (data.get(dependency[1:]) == value if dependency[0] == "data" else
                        body.get(dependency[1:]) == value if dependency[0] == "body" else
                        holds((dependency, value)))}

    def _holds(self, recorded: tuple[tuple, Any]) -> bool:
        dependency, value = recorded
        kind = dependency[0]
        if kind == "data":  # most of them: answered without a lookup
            return self.site.page_fingerprints.get(dependency[1:]) == value
        if kind == "body":
            return self.site.body_fingerprints.get(dependency[1:]) == value
        if kind in self.theme:
            return value == self.theme[kind](*dependency[1:])
        return value == self.site.found(dependency)
