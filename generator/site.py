"""The Site: the index of every published Page, and the lookups templates make through it
(a page, a reference, translations, a section's items, gathered lists), each recorded.

Pages refer to each other by translation key or by (section, slug); only the Site turns those
into pages, always preferring the visitor's language and falling back to the default one.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Callable, Collection, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

from .collation import sort_key
from .config import SiteConfig
from .content import kind_of
from .deps import SiteLookup, current
from .images import Picture, Reference
from .model import Page
from .schema import SECTION_TYPES

# Fields holding references, by content type: field → section it points into.
REF_FIELDS = {
    "solution": {"pavilion": "pavilions", "cities": "cities"},
    "tour": {"pavilion": "pavilions", "solutions": "solutions"},
}


class Site:
    """Every page of one build by key and by (section, slug), and what was found of them."""

    def __init__(self, config: SiteConfig, data: dict[str, Any], pages: list[Page],
                 content_dir: Path, drafts: set[str], failed: Collection[str] = ()):
        self.config = config
        self.data = data
        self.content_dir = content_dir.resolve()
        self.drafts = drafts
        ordered = sorted(pages, key=lambda p: (p.key, config.codes.index(p.lang)))
        self.pages = [p for p in ordered if p.ok]
        self.broken = [p for p in ordered if not p.ok]  # checked, never published
        # What broken pages, and files that gave no page (`failed`), would have been: a link
        # or a reference to one is not a second error (the file's own error is the one to fix).
        self.broken_targets = broken_targets(ordered, failed)
        self.by_key: dict[str, dict[str, Page]] = {}
        self.by_slug: dict[tuple[str, str], dict[str, Page]] = {}
        for page in self.pages:
            self.by_key.setdefault(page.key, {})[page.lang] = page
            if page.section and page.kind != "section":
                self.by_slug.setdefault((page.section, page.slug), {})[page.lang] = page
        self.media: set[str] = set()  # content paths of other files pages link to
        self.file_sizes: dict[str, int] = {}  # content path → bytes, of files shown with a size
        self.image_refs: dict[str, list[Reference]] = {}  # content path → where it is used
        self.covers: set[str] = set()  # images used as a page's cover (get an OG crop)
        self.pictures: dict[str, Picture] = {}  # filled by the image pipeline
        self._items: dict[tuple, list[Page]] = {}  # what item lookups gave in this build
        self._counts: dict[tuple, tuple] = {}  # what category counts gave in this build
        self._listed: dict[tuple, list[tuple[str, str]]] = {}  # see reuse_lookups
        self.memo: dict[str, Any] = {}
        # By (key, language), from deps.fingerprint_pages: of its fields, address and images;
        # of its rendered Markdown.
        self.page_fingerprints: dict[tuple[str, str], str] = {}
        self.body_fingerprints: dict[tuple[str, str], str] = {}
        self._fingerprints: dict[SiteLookup, str] = {}  # see _fingerprint
        self._related: dict[tuple[str, str, str], dict[str, list[Page]]] = {}
        self._sections: tuple[str, ...] | None = None

    # -- finding pages ----------------------------------------------------------------

    def in_language(self, versions: dict[str, Page] | None, lang: str) -> Page | None:
        if not versions:
            return None
        return versions.get(lang) or versions.get(self.config.default_language)

    # Every way a template reaches a page goes through these methods; while an output renders
    # they note what it read (deps.current()), so a later build knows when to render it again.

    def page(self, key: str, lang: str) -> Page | None:
        return self._noted(("page", key, lang))

    def ref(self, section: str, slug: str, lang: str) -> Page | None:
        return self._noted(("ref", section, slug, lang))

    def translations(self, page: Page) -> list[Page]:
        """Every language version of a page, itself included, in site language order."""
        return self._noted(("translations", page.key))

    def items(self, section: str, lang: str) -> list[Page]:
        """A section's items in one language: its own pages, else the default language's."""
        return self._noted(("items", section, lang))

    def related(self, section: str, field: str, slug: str, lang: str) -> list[Page]:
        """Items of a section whose `field` refers to `slug` (gathered lists, SPEC §4)."""
        return self._noted(("related", section, field, slug, lang))

    def category_counts(self, lang: str) -> dict[str, int]:
        return dict(self._noted(("categories", lang)))

    def sections(self) -> tuple[str, ...]:
        """Sections that have something to show, in the order of SPEC §3."""
        return self._noted(("sections",))

    def record_data(self, page: Page) -> None:
        """Note that the output being rendered shows this page's data (not its body)."""
        recorder = current()
        if recorder is not None:
            recorder[("data", page.key, page.lang)] = self.page_fingerprints.get(
                (page.key, page.lang))

    def record_body(self, page: Page) -> None:
        """Note that the output being rendered shows this page's body: a listing of cards
        does not, so a change of a body alone re-renders its page only."""
        recorder = current()
        if recorder is not None:
            recorder[("body", page.key, page.lang)] = self.body_fingerprints.get(
                (page.key, page.lang))

    def _noted(self, dependency: SiteLookup) -> Any:
        """A lookup, noting which pages it gave (their data is noted when a view shows it)."""
        found = self.lookup(dependency)
        recorder = current()
        if recorder is not None:
            recorder[dependency] = self._fingerprint(dependency, found)
        return found

    def _fingerprint(self, dependency: SiteLookup, found: Any) -> str:
        """A short hash of which pages a lookup gave; the same lookup is hashed once."""
        if dependency not in self._fingerprints:
            self._fingerprints[dependency] = fingerprint(found)
        return self._fingerprints[dependency]

    def found(self, dependency: SiteLookup) -> str:
        """The short hash of which pages a lookup gives now."""
        known = self._fingerprints.get(dependency)
        return known if known is not None else self._fingerprint(dependency,
                                                                 self.lookup(dependency))

    def lookup(self, dependency: SiteLookup) -> Any:
        """What a lookup of the site gives now: a page, a list of pages, or counts."""
        kind, *args = dependency
        if kind == "page":
            return self.in_language(self.by_key.get(args[0]), args[1])
        if kind == "ref":
            return self.in_language(self.by_slug.get((args[0], args[1])), args[2])
        if kind == "translations":
            versions = self.by_key.get(args[0], {})
            return [versions[c] for c in self.config.codes if c in versions]
        if kind == "items":
            return self.remembered(dependency, self._find_items, *args)
        if kind == "related":
            return self.remembered(dependency, self._related_lookup, *args)
        if kind == "categories":  # how many solutions each category has, in one language
            if dependency not in self._counts:
                counts = Counter(page.fields.get("category")
                                 for page in self.lookup(("items", "solutions", args[0])))
                self._counts[dependency] = tuple(sorted(counts.items()))
            return self._counts[dependency]
        if kind == "sections":
            if self._sections is None:
                used = {section for section, _ in self.by_slug}
                self._sections = tuple(s for s in SECTION_TYPES if s in used or s in self.by_key)
            return self._sections
        raise ValueError(dependency)

    def reuse_lookups(self, memo: dict[str, Any]) -> None:
        """Keep which pages each lookup gave from build to build (`memo`, kept by a Builder)
        while no page is added, removed or changed but for its body: then every lookup gives
        what it gave, and checking 10,000 outputs (or listing a section: the order of its
        items) needs none of them made again."""
        # Every page by (key, language) with its fingerprint: which pages there are (their
        # order follows) and their data; compared as they are, not hashed.
        shape = (self.config, self.page_fingerprints)
        if memo.get("shape") != shape:
            memo.clear()
            memo.update(shape=shape, found={}, listed={})
        self._fingerprints, self._listed = memo["found"], memo["listed"]
        self.memo = memo

    def remembered(self, dependency: tuple, find: Callable[..., list[Page]], *args: Any
             ) -> list[Page]:
        """The pages a lookup gives (`find(*args)`: pages found from other lookups and page
        data only), as the last build found them while no page's data has changed since (see
        reuse_lookups): then only the current versions are fetched."""
        if dependency not in self._items:
            listed = self._listed.get(dependency)
            if listed is None:
                found = find(*args)
                self._listed[dependency] = [(p.key, p.lang) for p in found]
            else:
                found = [self.by_key[key][lang] for key, lang in listed]
            self._items[dependency] = found
        return self._items[dependency]

    def _find_items(self, section: str, lang: str) -> list[Page]:
        found = []
        for (sec, _), versions in self.by_slug.items():
            if sec == section:
                page = self.in_language(versions, lang)
                if page is not None and (page.lang == lang or lang not in self._only_in(page)):
                    found.append(page)
        title_key = sort_key(self.config.language(lang).html_lang)
        return sorted(found, key=lambda page: listing_order(page, title_key))

    def _only_in(self, page: Page) -> set[str]:
        """Languages in which a translation-only page (no original) must not be listed."""
        if self.config.default_language in self.by_key.get(page.key, {}):
            return set()
        return {c for c in self.config.codes if c != page.lang}

    def _related_lookup(self, section: str, field: str, slug: str, lang: str) -> list[Page]:
        """In listing order, from one index per (section, field, language)."""
        key = (section, field, lang)
        if key not in self._related:
            index: dict[str, list[Page]] = {}
            for page in self.lookup(("items", section, lang)):  # the index is no dependency
                for value in dict.fromkeys(_referenced(page.fields.get(field), field)):
                    index.setdefault(value, []).append(page)
            self._related[key] = index
        return self._related[key].get(slug, [])

def broken_targets(pages: list[Page], failed: Collection[str]) -> set:
    """The keys and (section, slug) of pages with errors and of files that gave no page.
    (section, None) stands for any slug of the section: that of an item whose slug cannot be
    known (its front matter unreadable, its `slug:` refused, no other language's version)."""
    def known(page: Page) -> bool:
        return page.doc.data.get("slug") is None or "slug" in page.fields

    broken = [(p.key, p.slug if known(p) else None) for p in pages if not p.ok] + [
        (key, None) for key in failed]
    wanted = {key for key, _ in broken}
    slugs: dict[str, str] = {}
    for page in pages if wanted else ():
        if page.key in wanted and known(page):
            slugs.setdefault(page.key, page.slug)
    targets: set = set()
    for key, slug in broken:
        targets.add(key)
        kind, section = kind_of(key)
        if section is not None and kind != "section":
            targets.add((section, slug or slugs.get(key)))
    return targets


def listing_order(page: Page, title_key: Callable[[str], bytes]) -> tuple:
    """SPEC §4: weight (lower first, none last), then date newest first, else title in the
    collation of the listing's language (`title_key`, see collation.sort_key).

    Summit sessions are a schedule, so they run in time order instead.
    """
    weight = page.fields.get("weight")
    moment = page.fields.get("start") or page.fields.get("date")
    stamp = moment.timestamp() if isinstance(moment, datetime) else None
    if page.kind == "session" and stamp is not None:
        stamp = -stamp
    return (weight is None, weight or 0, stamp is None, -(stamp or 0), title_key(page.title))


def fingerprint(found: Any) -> str:
    """Which pages a lookup gave (or the tuple it gave): itself when short, else a hash."""
    if isinstance(found, list):
        found = [(p.key, p.lang) for p in found]
    elif isinstance(found, Page):
        found = (found.key, found.lang)
    text = repr(found)
    return text if len(text) <= 48 else hashlib.blake2b(text.encode(),
                                                        digest_size=12).hexdigest()


def _referenced(value: Any, field: str) -> Iterator[str]:
    """The slugs (or keys) a field's value names: a ref, a list of refs, speakers' cities."""
    if field == "speakers":
        yield from (s["city"] for s in value or () if s.get("city"))
    elif isinstance(value, str):
        yield value
    elif isinstance(value, list):
        yield from value


__all__ = ["Site", "listing_order", "SECTION_TYPES"]
