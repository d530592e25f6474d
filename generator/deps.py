"""Dependency recording: while an output renders, every lookup of the site and of the theme
notes what it gave in the current recorder; a later build renders the output again only when
one of those no longer gives the same (the Lektor model, see cache.py).

The recorder is a `contextvars` context set around a render (`recording`), not an attribute
of a shared object: a card made inside a page records into its own, then hands it to the page.
Dependencies are typed below: one tuple type per kind, its kind first. They stay plain tuples
at run time: a page records some thirty, and each build checks them all.
"""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from .cache import DepTable

if TYPE_CHECKING:
    from .site import Site

# Lookups of the site (Site.lookup answers them); recorded with a fingerprint of what they gave.
PageLookup = tuple[Literal["page"], str, str]  # key, language: the version shown
RefLookup = tuple[Literal["ref"], str, str, str]  # section, slug, language
TranslationsLookup = tuple[Literal["translations"], str]  # key: every version
ItemsLookup = tuple[Literal["items"], str, str]  # section, language: in listing order
RelatedLookup = tuple[Literal["related"], str, str, str, str]  # section, field, slug, lang
CategoriesLookup = tuple[Literal["categories"], str]  # language: solutions per category
SectionsLookup = tuple[Literal["sections"]]  # the sections that have something to show
SiteLookup = (PageLookup | RefLookup | TranslationsLookup | ItemsLookup | RelatedLookup
              | CategoriesLookup | SectionsLookup)
# What an output showed of one page (key, language); recorded with Site's fingerprint of it.
PageData = tuple[Literal["data"], str, str]  # its fields, address and pictures
PageBody = tuple[Literal["body"], str, str]  # its rendered Markdown and table of contents
# What it read of the theme; recorded with the template's hash, the asset's address.
TemplateRead = tuple[Literal["template"], str]  # a template used, or looked for and missing
AllTemplates = tuple[Literal["templates"], Literal["*"]]  # a template named at run time
AssetRead = tuple[Literal["asset"], str]  # a theme file linked with `url()`
Dependency = SiteLookup | PageData | PageBody | TemplateRead | AllTemplates | AssetRead

Recorder = dict[Dependency, Any]  # dependency → what it gave

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


@dataclass
class Answers:
    """What the site's dependencies gave in one build, kept by a Builder with the state it
    left: every output in the state's `table` was recorded against these answers (rendered in
    that build, or kept because nothing it read had changed), so the next build in the same
    process checks again only the dependencies that may answer otherwise: the data and body
    of pages whose fingerprints differ, the theme's, and the lookups unless the site's
    lookup memo is still the same (Site.reuse_lookups: every lookup gives what it gave)."""

    table: DepTable
    data: dict[tuple[str, str], str]  # Site.page_fingerprints
    body: dict[tuple[str, str], str]  # Site.body_fingerprints
    lookups: dict | None  # Site.memo["found"]


class DependencyCheck:
    """Whether the dependencies an earlier build recorded still give the same: the site's
    lookups, and the theme's (`theme`: kind → function of the dependency's arguments)."""

    def __init__(self, site: Site, theme: dict[str, Callable[..., Any]]):
        self.site = site
        self.theme = theme
        self._same: dict[tuple[Dependency, Any], bool] = {}  # (dependency, value) → holds

    def unchanged(self, dependencies: Recorder) -> bool:
        """Whether every dependency in `dependencies` still gives what it gave."""
        for recorded in dependencies.items():
            same = self._same.get(recorded)
            if same is None:
                same = self._same[recorded] = self._holds(recorded)
            if not same:
                return False
        return True

    def changed_numbers(self, table: DepTable, since: Answers | None = None) -> set[int]:
        """The numbers of the pairs in `table` (see cache.DepTable) that no longer hold: an
        output recorded with none of them is unchanged. `since`: what the dependencies gave
        in the build that left `table`, when its outputs were all recorded against them;
        then only the dependencies that may give otherwise now are checked."""
        if since is None or since.table is not table:
            data, body = self.site.page_fingerprints, self.site.body_fingerprints
            holds = self._holds
            return {number for number, (dependency, value) in enumerate(table.pairs)
                    if not (data.get(dependency[1:]) == value if dependency[0] == "data" else
                            body.get(dependency[1:]) == value if dependency[0] == "body" else
                            holds((dependency, value)))}
        pairs, index, changed = table.pairs, table.by_dependencies(), set()
        lookups_same = since.lookups is not None and self.site.memo.get("found") is since.lookups
        for kind, recorded in index.items():
            if kind not in ("data", "body") and (kind in self.theme or not lookups_same):
                for numbers in recorded.values():
                    changed.update(n for n in numbers if not self._holds(pairs[n]))
        for kind, now, then in (("data", self.site.page_fingerprints, since.data),
                                ("body", self.site.body_fingerprints, since.body)):
            recorded = index.get(kind, {})
            for key in {k for k, value in now.items() if then.get(k) != value} | (
                    then.keys() - now.keys()):
                value = now.get(key)
                changed.update(n for n in recorded.get((kind, *key), ()) if pairs[n][1] != value)
        return changed

    def answers(self, table: DepTable) -> Answers:
        """What the dependencies give now, for a later check of the outputs in `table`."""
        return Answers(table, self.site.page_fingerprints, self.site.body_fingerprints,
                       self.site.memo.get("found"))

    def _holds(self, recorded: tuple[Dependency, Any]) -> bool:
        dependency, value = recorded
        kind = dependency[0]
        if kind == "data":  # most of them: answered without a lookup
            return self.site.page_fingerprints.get(dependency[1:]) == value
        if kind == "body":
            return self.site.body_fingerprints.get(dependency[1:]) == value
        if kind in self.theme:
            return value == self.theme[kind](*dependency[1:])
        return value == self.site.found(dependency)


def fingerprint_pages(site: Site, memo: dict[int, tuple] | None = None) -> None:
    """Hashes of everything a template can read of each page: one of its fields, address
    and images, one of its body (rendered Markdown and table of contents).

    `memo` (kept by a Builder) holds the last hashes: a page made from unchanged files,
    with the same body and pictures, keeps its hash without being hashed again."""
    memo = {} if memo is None else memo
    fresh = {}
    data, body = site.page_fingerprints, site.body_fingerprints
    for page in site.pages:
        fields = page.fields
        pictures = [site.pictures.get(i) for i in (
            fields.get("image"), *(g["src"] for g in fields.get("gallery") or ())) if i
                    ] if "image" in fields or "gallery" in fields else []
        if "brochure" in fields:  # shown with its size, which may change while the page does not
            pictures.append(site.file_sizes.get(fields["brochure"]))
        old = memo.get(id(page))
        if old is None or old[0] is not page or old[1] is not page.html \
                or old[2] != pictures or old[3] != page.translation:
            # Besides its fields: its file's name (its edit link) and status as a translation.
            shown = (pictures, page.doc.path.name, page.translation)
            state = (page.kind, page.url_path, sorted(fields.items()), shown)
            hashed = hashlib.blake2b(page.html.encode(), digest_size=16)
            hashed.update(b"\xff" + page.toc.encode())  # 0xff is in no UTF-8 text
            old = (page, page.html, pictures, page.translation, hashlib.blake2b(
                repr(state).encode(), digest_size=16).hexdigest(), hashed.hexdigest())
        fresh[id(page)] = old
        key = page.key, page.lang
        data[key], body[key] = old[4], old[5]
    memo.clear()
    memo.update(fresh)


_MISSING = object()


def per_recorder(make: Any) -> property:
    """A property of a view worked out once per recorder, not at each of the ten times a
    page's template asks for it: what it read of the site must be noted again when an output
    is rendered with another recorder (a card made inside a page). The view keeps them in its
    `_worked_out` slot."""
    name = make.__name__

    def get(self: Any) -> Any:
        recorder = current()
        if self._worked_out is None or self._worked_out[0] is not recorder:
            self._worked_out = (recorder, {})
        found = self._worked_out[1].get(name, _MISSING)
        if found is _MISSING:
            found = self._worked_out[1][name] = make(self)
        return found

    return property(get, doc=make.__doc__)
