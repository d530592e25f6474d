"""The Site owns every Page: translations, references, links, listings and gathered lists.

Pages refer to each other by translation key or by (section, slug); only the Site turns those
into pages, always preferring the visitor's language and falling back to the default one.
"""

from __future__ import annotations

import dataclasses
import hashlib
import posixpath
import re
from collections import Counter
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass
from datetime import datetime
from html import unescape
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from .cache import DepTable
from .collation import sort_key
from .config import SiteConfig
from .content import kind_of, slugify
from .errors import Problems
from .images import Picture, Reference
from .markdown import body_line, converter, plain_summary, prepare
from .model import Page
from .parallel import Progress, chunked_map
from .paths import resolved_inside
from .picture import ALT, BODY_SIZES, picture_html
from .schema import IMAGE_TYPES, SECTION_TYPES, resolve_file
from .urls import href, media_href, split_url

# Dependencies recorded with what they gave (a hash, an address), not a fingerprint of pages.
VALUES = {"data", "body", "template", "templates", "asset"}

# Fields holding references, by content type: field → section it points into.
REF_FIELDS = {
    "solution": {"pavilion": "pavilions", "cities": "cities"},
    "tour": {"pavilion": "pavilions", "solutions": "solutions"},
}


class Site:
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
        self._broken_targets = broken_targets(ordered, failed)
        self.by_key: dict[str, dict[str, Page]] = {}
        self.by_slug: dict[tuple[str, str], dict[str, Page]] = {}
        for page in self.pages:
            self.by_key.setdefault(page.key, {})[page.lang] = page
            if page.section and page.kind != "section":
                self.by_slug.setdefault((page.section, page.slug), {})[page.lang] = page
        self.media: set[str] = set()  # content paths of other files pages link to
        self.image_refs: dict[str, list[Reference]] = {}  # content path → where it is used
        self.covers: set[str] = set()  # images used as a page's cover (get an OG crop)
        self.pictures: dict[str, Picture] = {}  # filled by the image pipeline
        self._items: dict[tuple, list[Page]] = {}  # what item lookups gave in this build
        self._counts: dict[tuple, tuple] = {}  # what category counts gave in this build
        self._listed: dict[tuple, list[tuple[str, str]]] = {}  # see reuse_lookups
        self._memo: dict[str, Any] = {}
        self.recorder: dict[tuple, Any] | None = None
        self.page_fingerprints: dict[tuple[str, str], str] = {}  # fields, address, images
        self.body_fingerprints: dict[tuple[str, str], str] = {}  # rendered Markdown
        self._fingerprints: dict[tuple, str] = {}
        self._related: dict[tuple[str, str, str], dict[str, list[Page]]] = {}
        self._sections: tuple[str, ...] | None = None
        self._same: dict[tuple, bool] = {}  # (dependency, recorded value) → still the same
        self._folders: dict[Path, str] = {}  # a source's folder → its path in content/
        # Lookups answered by others (the renderer: templates, theme files), by kind.
        self.external: dict[str, Callable[..., Any]] = {}

    # -- finding pages ----------------------------------------------------------------

    def in_language(self, versions: dict[str, Page] | None, lang: str) -> Page | None:
        if not versions:
            return None
        return versions.get(lang) or versions.get(self.config.default_language)

    # Every way a template reaches a page goes through these methods; while an output renders
    # they note what it read (`recorder`), so a later build knows when to render it again.

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

    def shows(self, page: Page) -> None:
        """Note that the output being rendered shows this page's data (not its body)."""
        if self.recorder is not None:
            self.recorder[("data", page.key, page.lang)] = self.page_fingerprints.get(
                (page.key, page.lang))

    def shows_body(self, page: Page) -> None:
        """Note that the output being rendered shows this page's body: a listing of cards
        does not, so a change of a body alone re-renders its page only."""
        if self.recorder is not None:
            self.recorder[("body", page.key, page.lang)] = self.body_fingerprints.get(
                (page.key, page.lang))

    def _noted(self, dependency: tuple) -> Any:
        """A lookup, noting which pages it gave (their data is noted when a view shows it)."""
        found = self.lookup(dependency)
        if self.recorder is not None:
            self.recorder[dependency] = self._fingerprint(dependency, found)
        return found

    def _fingerprint(self, dependency: tuple, found: Any) -> str:
        """A short hash of which pages a lookup gave; the same lookup is hashed once."""
        if dependency not in self._fingerprints:
            self._fingerprints[dependency] = fingerprint(found)
        return self._fingerprints[dependency]

    def lookup(self, dependency: tuple) -> Any:
        """What a dependency gives now: a page, a list of pages, or None."""
        kind, *args = dependency
        if kind == "page":
            return self.in_language(self.by_key.get(args[0]), args[1])
        if kind == "ref":
            return self.in_language(self.by_slug.get((args[0], args[1])), args[2])
        if kind == "translations":
            versions = self.by_key.get(args[0], {})
            return [versions[c] for c in self.config.codes if c in versions]
        if kind == "items":
            return self.kept(dependency, self._find_items, *args)
        if kind == "related":
            return self.kept(dependency, self._related_lookup, *args)
        if kind == "data":
            return self.page_fingerprints.get((args[0], args[1]))
        if kind == "body":
            return self.body_fingerprints.get((args[0], args[1]))
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
        if kind in self.external:
            return self.external[kind](*args)
        raise ValueError(dependency)

    def unchanged(self, dependencies: dict[tuple, Any]) -> bool:
        """Whether every dependency recorded by an earlier build still gives the same."""
        for recorded in dependencies.items():
            same = self._same.get(recorded)
            if same is None:
                same = self._same[recorded] = self._still(recorded)
            if not same:
                return False
        return True

    def changed_numbers(self, table: DepTable) -> set[int]:
        """The numbers of the pairs in `table` (see cache.DepTable) that no longer hold: an
        output recorded with none of them is unchanged."""
        data, body, still = self.page_fingerprints, self.body_fingerprints, self._still
        return {number for number, (dependency, value) in enumerate(table.pairs)
                if not (data.get(dependency[1:]) == value if dependency[0] == "data" else
                        body.get(dependency[1:]) == value if dependency[0] == "body" else
                        still((dependency, value)))}

    def _still(self, recorded: tuple[tuple, Any]) -> bool:
        dependency, value = recorded
        if dependency[0] == "data":  # most of them: answered without a lookup
            return self.page_fingerprints.get(dependency[1:]) == value
        if dependency[0] == "body":
            return self.body_fingerprints.get(dependency[1:]) == value
        if dependency[0] in VALUES:
            return value == self.lookup(dependency)
        known = self._fingerprints.get(dependency)
        return value == (known if known is not None else
                         self._fingerprint(dependency, self.lookup(dependency)))

    def reuse_lookups(self, memo: dict[str, Any]) -> None:
        """Keep which pages each lookup gave from build to build (`memo`, kept by a Builder)
        while no page is added, removed or changed but for its body: then every lookup gives
        what it gave, and checking every output (or listing a section: the order of its
        items) needs none of them made again."""
        fingerprints = self.page_fingerprints
        shape = (self.config, [(p.key, p.lang, fingerprints[p.key, p.lang]) for p in self.pages])
        if memo.get("shape") != shape:  # compared as they are: quicker than hashing them
            memo.clear()
            memo.update(shape=shape, found={}, listed={})
        self._fingerprints, self._listed = memo["found"], memo["listed"]
        self._memo = memo

    def fingerprint_pages(self, memo: dict[int, tuple] | None = None) -> None:
        """Hashes of everything a template can read of each page: one of its fields, address
        and images, one of its body (rendered Markdown and table of contents).

        `memo` (kept by a Builder) holds the last hashes: a page made from unchanged files,
        with the same body and pictures, keeps its hash without being hashed again."""
        memo = {} if memo is None else memo
        fresh = {}
        for page in self.pages:
            fields = page.fields
            pictures = [self.pictures.get(i) for i in (
                fields.get("image"), *(g["src"] for g in fields.get("gallery") or ())) if i
                        ] if "image" in fields or "gallery" in fields else []
            old = memo.get(id(page))
            if old is None or old[0] is not page or old[1] is not page.html or \
                    old[2] != pictures:
                state = (page.kind, page.url_path, sorted(fields.items()), pictures)
                body = hashlib.blake2b(page.html.encode(), digest_size=16)
                body.update(b"\xff" + page.toc.encode())  # 0xff is in no UTF-8 text
                old = (page, page.html, pictures, hashlib.blake2b(
                    repr(state).encode(), digest_size=16).hexdigest(), body.hexdigest())
            fresh[id(page)] = old
            key = page.key, page.lang
            self.page_fingerprints[key], self.body_fingerprints[key] = old[3], old[4]
        memo.clear()
        memo.update(fresh)

    def kept(self, dependency: tuple, find: Callable[..., list[Page]], *args: Any
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

    # -- checks needing the whole site ----------------------------------------------------

    def check_refs(self, problems: Problems) -> None:
        """Every reference to another page names one that is published (or says why not).
        Once lookups are kept (reuse_lookups), so are the problems found, while no page has
        errors and the drafts are the same."""
        key = None if self._broken_targets else tuple(sorted(self.drafts))
        kept = self._memo.get("refs")
        if kept is not None and key is not None and kept[0] == key:
            problems.add_all(kept[1])
            return
        found = Problems()
        self._check_refs(found)
        problems.add_all(found.items)
        self._memo["refs"] = (key, found.items)

    def _check_refs(self, problems: Problems) -> None:
        for page in self.pages + self.broken:
            for field, section in REF_FIELDS.get(page.kind, {}).items():
                value = page.fields.get(field)
                for index, slug in _refs(value):
                    keys = (field,) if index is None else (field, index)
                    self._check_ref(page, section, slug, keys, problems)
            for index, speaker in enumerate(page.fields.get("speakers") or ()):
                if "city" in speaker:
                    self._check_ref(page, "cities", speaker["city"],
                                    ("speakers", index, "city"), problems)

    def _check_ref(self, page: Page, section: str, slug: str, keys: tuple,
                   problems: Problems) -> None:
        if self.in_language(self.by_slug.get((section, slug)), page.lang) is not None or not \
                self._broken_targets.isdisjoint(((section, slug), (section, None))):
            return
        path, line = page.doc.where(*keys)
        if any(kind_of(k)[1] == section and slugify(k.rsplit("/", 1)[-1]) == slug
               for k in self.drafts):
            problems.error(path, line, f"'{slug}' in {section}/ is a draft: publish it "
                           "(remove 'draft: true') or remove this reference")
            return
        known = sorted(slug for sec, slug in self.by_slug if sec == section)
        hint = f" (known: {', '.join(known[:12])}{', ...' if len(known) > 12 else ''})"
        problems.error(path, line, f"no item '{slug}' in {section}/: check the slug"
                       f"{hint if known else ''}")

    # -- Markdown ---------------------------------------------------------------------

    def render_markdown(self, problems: Problems, jobs: int | None = None,
                        cached: dict[tuple[str, str], Body] | None = None,
                        progress: Progress | None = None) -> dict[tuple[str, str], Body]:
        """Render every body, rewriting links and images; then check link fragments.

        Pages with errors are rendered too, for the problems in their bodies only. A body in
        `cached` with the same text is taken as it is while no page was added, moved or
        removed (`link_world`); else it is reused when its links still resolve the same way.
        Returns the bodies to cache for the next build.
        """
        cached = cached or {}
        world = self.link_world()
        everything = self.broken + self.pages
        results: list[Body | None] = []
        for page in everything:
            old = cached.get((page.key, page.lang))
            results.append(old if old is not None and old.world == world and not old.problems
                           and old.source == page.source_hash and self._files_there(old)
                           else None)
        todo = [i for i, body in enumerate(results) if body is None]
        prepare(everything[i].doc.body for i in todo)
        for index, body in zip(todo, chunked_map(_render_bodies, (self, cached), todo, jobs,
                                                       progress),
                               strict=True):
            body.world = world
            results[index] = body
        bodies = {}
        fragments = []
        for page, result in zip(everything, results, strict=True):
            assert result is not None
            bodies[page.key, page.lang] = result
            if page.ok:
                page.html, page.toc, page.heading_ids = result.html, result.toc, result.ids
                if "summary" not in page.fields:
                    page.fields["summary"] = result.summary
            if result.problems:
                problems.items.extend(p for p in result.problems if p not in problems.items)
            for rel, line in result.images:
                self.image_refs.setdefault(rel, []).append(Reference(page.doc.path, line))
            if result.media:
                self.media.update(result.media)
            if result.fragments:
                fragments += [(page, *fragment) for fragment in result.fragments]
        for page, key, lang, fragment, line in fragments:
            target = self.by_key[key][lang]
            if fragment not in target.heading_ids:
                problems.warning(page.doc.path, line, f"'#{fragment}' is not a heading of "
                                 f"{target.doc.path.name}: the link lands at the page top")
        return bodies

    def link_world(self) -> str:
        """What links resolve against: every page's address, drafts, broken pages, settings."""
        state = (self.config.base_url, self.config.codes, [
            (p.key, p.lang, p.url_path) for p in self.pages], sorted(self._broken_targets,
                                                                       key=repr),
                 sorted(self.drafts))
        return hashlib.blake2b(repr(state).encode(), digest_size=16).hexdigest()

    def _files_there(self, body: Body) -> bool:
        """Whether the images and files a cached body links to are still in content/."""
        return not (body.images or body.media) or all(
            (self.content_dir / rel).is_file()
            for rel in (*(i for i, _ in body.images), *body.media))

    def _linker(self, page: Page, problems: Problems, body: Body):
        seen: dict[str, int] = {}  # a link written twice: the second is found after the first

        def link(value: str, tag: str) -> str | None:
            parts = split_url(value)
            if parts is None:
                line = body_line(page.doc.body, value, page.doc.body_line)
                problems.error(page.doc.path, line, f"'{value}' is not a valid address")
                return None
            if parts.scheme or value.startswith(("#", "//")) or not parts.path:
                return None
            start = page.doc.body.find(value, seen.get(value, -1) + 1)
            seen[value] = start if start >= 0 else seen.get(value, -1)
            line = body_line(page.doc.body, value, page.doc.body_line, max(start, 0))
            target = parts.path
            if target.endswith(".md") and tag == "a":
                return self._page_link(page, target, parts.fragment, line, problems, body)
            is_file = tag == "img" or posixpath.splitext(target)[1].lower() in IMAGE_TYPES
            if target.startswith("/") and not is_file:
                return href(self.config, value.lstrip("/"))
            found = resolve_file(self.content_dir, page.doc.path, target)
            if isinstance(found, Path):
                rel = found.relative_to(self.content_dir).as_posix()
                if is_file:
                    body.images.append((rel, line))
                else:
                    body.media.add(rel)
                fragment = f"#{parts.fragment}" if parts.fragment else ""
                return media_href(self.config, rel) + fragment
            if tag == "img" or found.startswith(f"'{target}' points outside"):
                problems.error(page.doc.path, line, found.replace("file", "image", 1)
                               if tag == "img" else found)
            return None

        return link

    def _page_link(self, page: Page, target: str, fragment: str, line: int,
                   problems: Problems, body: Body) -> str | None:
        base = "" if target.startswith("/") else self._folder(page.doc.path.parent)
        rel = posixpath.normpath(posixpath.join(base, target.lstrip("/")))
        if rel.startswith(".."):
            problems.error(page.doc.path, line, f"link '{target}' points outside content/")
            return None
        key = _key_of(rel, self.config.codes)
        found = self.page(key, page.lang)
        if found is None:
            if key in self._broken_targets:
                return None  # its own errors are reported
            if key in self.drafts:
                problems.error(page.doc.path, line, f"link to '{target}', which is a draft: "
                               "publish it or remove the link")
            else:
                problems.error(page.doc.path, line, f"link to '{target}': no such page in "
                               "content/ (links are relative to this file)")
            return None
        if fragment:
            body.fragments.append((found.key, found.lang, fragment, line))
        return href(self.config, found.url_path) + (f"#{fragment}" if fragment else "")

    def _folder(self, folder: Path) -> str:
        """`folder` relative to content/ ("" when it is not inside), kept: every link asks."""
        if folder not in self._folders:
            self._folders[folder] = folder.relative_to(self.content_dir).as_posix() \
                if resolved_inside(folder, self.content_dir) is not None else ""
        return self._folders[folder]

    def collect_images(self) -> None:
        """Add the images named in front matter (covers, galleries) to `image_refs`."""
        for page in self.pages + self.broken:
            if "image" in page.fields:
                self._image_ref(page.fields["image"], *page.doc.where("image"))
                self.covers.add(page.fields["image"])
            for index, item in enumerate(page.fields.get("gallery") or ()):
                self._image_ref(item["src"], *page.doc.where("gallery", index, "src"))

    def _image_ref(self, rel: str, path: Path, line: int) -> None:
        refs = self.image_refs.setdefault(rel, [])
        if all((r.path, r.line) != (path, line) for r in refs):
            refs.append(Reference(path, line))

    def apply_pictures(self, pictures: dict[str, Picture]) -> None:
        """Put the renditions into the rendered bodies: each <img> of a content image becomes
        a <picture>; a link to the image goes to its largest rendition."""
        self.pictures = pictures
        prefix = re.escape(self.config.base_path + "media/")
        image_tag = re.compile(rf'<img\s[^>]*?src="{prefix}([^"#]+)"[^>]*>')
        link = re.compile(rf'href="{prefix}([^"#]+)"')

        def largest(match: re.Match) -> str:
            picture = pictures.get(unquote(match.group(1)))
            if picture is None:
                return match.group(0)
            return f'href="{href(self.config, picture.largest.path)}"'

        for page in self.pages:
            if "media/" in page.html:
                tags = _PictureTags(self.config, pictures, eager="image" not in page.fields)
                page.html = link.sub(largest, image_tag.sub(tags, page.html))


class _PictureTags:
    """Replaces one page's <img> tags; only the page's first image loads eagerly."""

    def __init__(self, config: SiteConfig, pictures: dict[str, Picture], eager: bool):
        self.config, self.pictures, self.eager = config, pictures, eager

    def __call__(self, match: re.Match) -> str:
        picture = self.pictures.get(unquote(match.group(1)))
        if picture is None:
            return match.group(0)
        alt = ALT.search(match.group(0))
        html = picture_html(self.config, picture, unescape(alt.group(1)) if alt else "",
                            BODY_SIZES, self.eager)
        self.eager = False
        return html


@dataclass
class Body:
    """What rendering one page's Markdown gives, sent back from a worker process."""

    source: str = ""  # hash of the text, file and language (the cache key)
    html: str = ""
    toc: str = ""
    ids: frozenset[str] = frozenset()
    links: list = dataclasses.field(default_factory=list)  # (value, tag, result) in order
    problems: list = dataclasses.field(default_factory=list)
    images: list[tuple[str, int]] = dataclasses.field(default_factory=list)  # (path, line)
    media: set[str] = dataclasses.field(default_factory=set)
    fragments: list[tuple[str, str, str, int]] = dataclasses.field(default_factory=list)
    world: str = ""  # the link world it was rendered in (Site.link_world)
    summary: str = ""  # its first paragraph as text, for pages without a `summary`

    def __reduce__(self) -> tuple:
        """Pickled as its fields in order, not as a `__dict__` each: every body comes back
        from the workers and is loaded again with the build state."""
        return Body, tuple(getattr(self, name) for name in _BODY_FIELDS)


_BODY_FIELDS = tuple(field.name for field in dataclasses.fields(Body))


def _render_bodies(state: tuple, indices: list[int]) -> list[Body]:
    site, cached = state
    everything = site.broken + site.pages
    renderer = converter()
    bodies = []
    for index in indices:
        page = everything[index]
        source = page.source_hash
        old = cached.get((page.key, page.lang))
        body = _replay(site, page, old) if old is not None and old.source == source else None
        if body is None:
            body, problems = Body(source=source), Problems()
            linker = site._linker(page, problems, body)

            def logged(value: str, tag: str, linker=linker, body=body) -> str | None:
                result = linker(value, tag)
                body.links.append((value, tag, result))
                return result

            rendered = renderer.render(page.doc.body, logged)
            body.html, body.toc, body.ids = rendered.html, rendered.toc, rendered.ids
            body.summary = plain_summary(body.html)
            body.problems = problems.items
        bodies.append(body)
    return bodies


def _replay(site: Site, page: Page, old: Body) -> Body | None:
    """The cached body, if its links resolve as they did (they gather images and problems)."""
    body, problems = Body(source=old.source, links=old.links), Problems()
    linker = site._linker(page, problems, body)
    if any(linker(value, tag) != result for value, tag, result in old.links):
        return None
    body.html, body.toc, body.ids, body.problems = old.html, old.toc, old.ids, problems.items
    body.summary = old.summary
    return body


def broken_targets(pages: list[Page], failed: Collection[str]) -> set:
    """The keys and (section, slug) of pages with errors and of files that gave no page.
    (section, None) stands for any slug of the section: that of an item whose slug cannot be
    known (its front matter unreadable, its `slug:` refused, no other language's version)."""
    def known(page: Page) -> bool:
        return page.doc.data.get("slug") is None or "slug" in page.fields

    slugs: dict[str, str] = {}
    for page in pages:
        if known(page):
            slugs.setdefault(page.key, page.slug)
    targets: set = set()
    for key, slug in [(p.key, p.slug if known(p) else None) for p in pages if not p.ok] + [
            (key, None) for key in failed]:
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


def _refs(value: Any) -> Iterator[tuple[int | None, str]]:
    if isinstance(value, str):
        yield None, value
    elif isinstance(value, list):
        yield from enumerate(value)


def _key_of(rel: str, codes: tuple[str, ...]) -> str:
    stem = rel[:-3]
    base, _, suffix = stem.rpartition(".")
    if base and suffix in codes:
        stem = base
    if stem == "index":
        return ""
    return stem.removesuffix("/index")


__all__ = ["Site", "listing_order", "SECTION_TYPES"]
