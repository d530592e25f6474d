"""The card cache: blocks of a template (`{% call cached(...) %}`) made once per page and
reused on every listing showing it, and by the next build, while what they read is the same;
and blocks the same on every page of a language (`{% call cached_once(...) %}`), made once
per build."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from markupsafe import Markup

from .deps import DependencyCheck, current, recording
from .site import Site
from .views import PageView

# A block made by `cached`: (fingerprint of its page's data, its HTML, what it read of the site).
Card = tuple[str | None, Markup, dict]


class Cards:
    """The `cached` and `cached_each` globals of the theme, over the cards kept by a Builder
    (`cards`); `new_cards`: those made since it was last emptied (workers send them back)."""

    def __init__(self, site: Site, dependencies: DependencyCheck,
                 made: dict[tuple, Card] | None = None):
        self.site = site
        self.dependencies = dependencies
        self.cards = {} if made is None else made
        self.new_cards: list[tuple] = []
        self._checked: set[tuple] = set()  # cards made or found good in this build
        self._once: dict[tuple, tuple[Markup, dict]] = {}  # `cached_once` blocks of this build

    def cached(self, name: str, view: PageView, *vary: Any, caller: Callable[..., str]
               ) -> Markup:
        """`{% call cached("card", item, level) %}…{% endcall %}`: the block, made once per
        page, language read and `vary` values and reused — on every listing showing the page,
        and by the next build — while the page's data and all the block read stay the same.

        The block may use the page, the `vary` values and what is the same on every page of
        one language (t, lang, url…); nothing else of the page around it.
        """
        return self._cached((name, *vary), view, caller)

    def cached_each(self, name: str, views: list[PageView], caller: Callable[..., str]
                    ) -> Markup:
        """`{% call(item, first) cached_each("row", items) %}…{% endcall %}`: `cached` for
        each view of a list, joined — the loop runs in Python, which matters on a catalogue
        of thousands of items. `first` is true for the first view only."""
        return Markup("").join(
            self._cached((name, index == 0), view, partial(caller, view, index == 0))
            for index, view in enumerate(views))

    def cached_once(self, name: str, *vary: Any, caller: Callable[[], str]) -> Markup:
        """`{% call cached_once("footer", lang) %}…{% endcall %}`: the block, made once per
        build and `vary` values and reused on every page giving the same. It may use the `vary`
        values and what is the same on every page of one language (t, url, the navigation's
        links…): pass `lang` among them, and anything else of the page it depends on."""
        key = (name, *vary)
        found = self._once.get(key)
        if found is None:
            with recording({}) as deps:
                html = caller()
            found = self._once[key] = (Markup(html), deps)
        outer = current()
        if outer is not None:
            outer.update(found[1])
        return found[0]

    def _cached(self, name: tuple, view: PageView, make: Callable[[], str]) -> Markup:
        page, site = view.model, self.site
        key = (*name, page.key, page.lang, view.lang)
        found = self.cards.get(key)
        outer = current()
        if found is None or key not in self._checked:  # not yet made or found good
            if found is None or found[0] != site.page_fingerprints.get(
                    (page.key, page.lang)) or not self.dependencies.unchanged(found[2]):
                with recording({}) as deps:
                    site.record_data(page)
                    html = make()
                found = self.cards[key] = (site.page_fingerprints.get((page.key, page.lang)),
                                           Markup(html), deps)
                self.new_cards.append(key)
            self._checked.add(key)
        if outer is not None:
            outer.update(found[2])
        return found[1]
