"""content/ → Pages: the sources found (sources.py) read, translations joined, every field
checked.

SPEC §3: the section folder gives the type, `name.<lang>.md` is the translation of `name.md`
(they share a translation key), a field a translation leaves out comes from its original, and
files or folders starting with `_` or `.` are not pages.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .config import SiteConfig
from .errors import Problems
from .frontmatter import Document, load_yaml_file, parse
from .model import Page, Source
from .paths import OUTSIDE_CONTENT, resolved_inside, slugify
from .schema import MAX_NAME, SECTION_TYPES, Context, check_page
from .sources import discover

NOT_INHERITED = {"aliases", "translated_from"}
MAX_SOURCE_BYTES = 8 * 1024 * 1024  # no editor writes an 8 MB page; a mistake we refuse early


def load_data(content_dir: Path, problems: Problems) -> dict[str, Any]:
    """_data/*.yaml → {name: value}, for templates and for category and region checks."""
    data: dict[str, Any] = {}
    folder = content_dir / "_data"
    if not folder.is_dir():
        return data
    for path in sorted(folder.glob("*.y*ml")):
        if path.name.startswith("."):
            continue
        if resolved_inside(path, content_dir.resolve()) is None:
            problems.error(path, 1, OUTSIDE_CONTENT)
            continue
        parsed = load_yaml_file(path, problems)
        if parsed is not None:
            value, lines = parsed
            data[path.stem] = value
            if path.stem in ("categories", "regions"):
                _check_labels(path, value, lines, problems)
    return data


def _check_labels(path: Path, value: Any, lines: dict, problems: Problems) -> None:
    if not isinstance(value, dict):
        problems.error(path, 1, "write one key per line: 'key: {en: Label, zh-tw: 標籤}'")
        return
    for key, labels in value.items():
        if not isinstance(labels, dict | str):
            problems.error(path, lines.get((key,), 1), f"'{key}' needs a label per language "
                           "like {en: Label, zh-tw: 標籤}")


@dataclass(slots=True)
class ParsedFile:
    stamp: tuple[int, int]  # size and modification time when parsed
    doc: Document | None
    problems: list


@dataclass(slots=True)
class MadePage:
    documents: tuple  # (original, translation) it was made from
    settings: str
    page: Page | None
    problems: list
    draft: bool  # left out as a draft
    files: frozenset[str]  # the files its checks looked for, found or not


@dataclass(slots=True)
class KeyPages:
    """What the files of one translation key gave: the page made in each language, the
    problems of reading and checking them, whether one gave no page (`failed`) or was left out
    as a draft."""

    made: dict[str, MadePage]
    pages: list[Page]
    problems: list
    failed: bool
    draft: bool


class ParseCache:
    """What the last build read, for a Builder to reuse: each source file's parse (while its
    size and modification time stay the same) and each page made from unchanged documents
    under the same settings and data; and what each translation key gave, kept as it was
    while none of its files, nor a file its checks looked for, is among those changed."""

    def __init__(self) -> None:
        self.files: dict[Path, ParsedFile] = {}
        self.sources: dict[str, Source] = {}  # see discover
        self.sources_config: SiteConfig | None = None
        self.found: tuple[list[Source], list] | None = None  # the last walk and its problems
        self.keys: dict[str, KeyPages] = {}  # by translation key, made under `settings`
        self.settings = ""
        self.by_key: dict[str, list[Source]] = {}  # the sources of the last walk, by key
        self.looked: dict[str, set[str]] = {}  # file → keys whose checks looked for it


@dataclass(frozen=True)
class _Making:
    """What every page is made with (see _key_pages)."""

    content_dir: Path
    config: SiteConfig
    data: dict[str, Any]
    include_drafts: bool
    settings: str  # a hash of the four above


def load_pages(content_dir: Path, config: SiteConfig, data: dict[str, Any],
               include_drafts: bool, problems: Problems, parsed: ParseCache | None = None,
               changed: Collection[str] | None = None
               ) -> tuple[list[Page], set[str], set[str]]:
    """Read, merge and check every page, reporting every problem.

    Pages with errors come back with `ok` false: the site checks their references and links
    but never publishes them. Also returns the translation keys of drafts left out, so a
    reference to one can say so, and of files that gave no page (unreadable front matter, no
    address), so a reference to one is not a second error. `parsed` (updated here) spares
    re-reading unchanged files; `changed`, the absolute paths of every file that may have
    changed since (as the operating system reported them to the preview), spares even looking
    at the others: only the translation keys of the files changed, or whose checks looked for
    one, are made again.
    """
    parsed = ParseCache() if parsed is None else parsed
    if parsed.sources_config != config:
        parsed.sources.clear()
        parsed.sources_config, parsed.found = config, None
    making = _Making(content_dir, config, data, include_drafts, hashlib.blake2b(
        repr((content_dir, config, data, include_drafts)).encode(), digest_size=16).hexdigest())
    walked = _walk(content_dir, config, parsed, changed)
    sources, found_problems = parsed.found
    problems.add_all(found_problems)
    if walked or parsed.settings != making.settings:
        parsed.by_key, parsed.looked = {}, {}
        for source in sources:
            parsed.by_key.setdefault(source.key, []).append(source)
        last, parsed.keys = parsed.keys, {}
        redo: Collection[str] = parsed.by_key
    else:  # the same files, but those changed
        assert changed is not None
        last = parsed.keys
        redo = {parsed.sources[path].key for path in changed if path in parsed.sources} | {
            key for path in changed for key in parsed.looked.get(path, ())}
    parsed.settings = ""  # until every key is made: a build stopped half-way leaves a full one
    for key in redo:
        parsed.keys[key] = _key_pages(key, parsed.by_key[key], last.get(key), parsed, changed,
                                      making)
    parsed.settings = making.settings
    if walked:  # forget the files gone
        for gone in parsed.files.keys() - {source.path for source in sources}:
            del parsed.files[gone]
            parsed.sources.pop(str(gone), None)
    pages, drafts, failed = [], set(), set()
    for key, kept in parsed.keys.items():
        problems.add_all(kept.problems)
        pages += kept.pages
        if kept.draft:
            drafts.add(key)
        if kept.failed:
            failed.add(key)
    return pages, drafts, failed


def _walk(content_dir: Path, config: SiteConfig, parsed: ParseCache,
          changed: Collection[str] | None) -> bool:
    """Walk the folders again (into `parsed.found`) unless `changed` says no file was added,
    moved or removed; whether they were."""
    root = str(content_dir.resolve()) + os.sep
    if changed is not None and parsed.found is not None and all(
            path in parsed.sources and os.path.isfile(path) and not os.path.islink(path)
            for path in changed if path.startswith(root)):
        return False
    found = Problems()
    parsed.found = (discover(content_dir, config, found, parsed.sources), found.items)
    return True


def _key_pages(key: str, sources: list[Source], last: KeyPages | None, parsed: ParseCache,
               changed: Collection[str] | None, making: _Making) -> KeyPages:
    """The pages of one translation key, from its files (in the order found): each page kept
    from `last` when made from the same documents under the same settings, and none of the
    files its checks looked for changed."""
    own, docs, failed = Problems(), {}, False
    for source in sources:
        path = str(source.path)
        doc = _read(source.path, own, parsed.files, None if changed is None else
                    path not in changed and path in parsed.sources)
        if doc is None:
            failed = True
        elif source.lang in docs:
            own.error(source.path, 1, f"two files for one page in '{source.lang}': "
                      f"{docs[source.lang].path.name} and {source.path.name}")
        else:
            docs[source.lang] = doc
    original = docs.get(making.config.default_language)
    made, pages, draft = {}, [], False
    for lang, doc in docs.items():
        one = last.made.get(lang) if last is not None else None
        if one is None or one.documents[1] is not doc or one.documents[0] is not original \
                or one.settings != making.settings or not _files_unchanged(one.files, changed):
            one = _made_page(making.content_dir, key, lang, original, doc, making.settings,
                             making.config, making.data, making.include_drafts)
        made[lang] = one
        own.add_all(one.problems)
        for file in one.files:
            parsed.looked.setdefault(file, set()).add(key)
        if one.draft:
            draft = True
        elif one.page is not None:
            pages.append(one.page)
        else:
            failed = True
    return KeyPages(made, pages, own.items, failed, draft)


def _made_page(content_dir: Path, key: str, lang: str, original: Document | None,
               doc: Document, settings: str, config: SiteConfig, data: dict[str, Any],
               include_drafts: bool) -> MadePage:
    """One page made from its file and its original's (None for a draft left out)."""
    merged = doc if original is None or doc is original else _merge(original, doc)
    own, looked = Problems(), set()
    draft = merged.data.get("draft") is True and not include_drafts
    page = None if draft else _page(content_dir, key, lang, merged, config, data, own, looked)
    return MadePage((original, doc), settings, page, own.items, draft, frozenset(looked))


def _files_unchanged(files: frozenset[str], changed: Collection[str] | None) -> bool:
    """Whether the files a page's checks looked for are as they were: none of them among
    those the preview was told of (`changed`); when it was told of nothing, a page that looked
    for files is checked again."""
    return not files if changed is None else files.isdisjoint(changed)


def _read(path: Path, problems: Problems, parsed: dict[Path, ParsedFile],
          unchanged: bool | None = None) -> Document | None:
    """One source parsed, or taken from `parsed` when the file is as it was: known to be
    `unchanged` (then its size and time are not even looked at), or, when that is not known
    (None), of the same size and time. A file known to have changed is read again, even with
    the same size and time (saved twice within the clock's precision)."""
    known = parsed.get(path)
    if unchanged and known is not None:
        problems.add_all(known.problems)
        return known.doc
    try:
        info = os.stat(path)
    except OSError as exc:
        problems.error(path, 1, f"cannot read the file: {exc.strerror}")
        return None
    stamp = (info.st_size, info.st_mtime_ns)
    if known is not None and known.stamp == stamp and unchanged is None:
        problems.add_all(known.problems)
        return known.doc
    if info.st_size > MAX_SOURCE_BYTES:
        problems.error(path, 1, f"the file is {info.st_size // 1024 // 1024} MB: pages must "
                       "be under 8 MB; put large media in separate files")
        return None
    own = Problems()
    try:
        doc = parse(path, path.read_bytes(), own)
    except OSError as exc:
        own.error(path, 1, f"cannot read the file: {exc.strerror}")
        doc = None
    parsed[path] = ParsedFile(stamp, doc, own.items)
    problems.add_all(own.items)
    return doc


def _merge(original: Document, translation: Document) -> Document:
    """A translation's own fields, and its original's for every field it leaves out.

    `aliases` are not inherited: an old address redirects to one page, the original;
    nor is `translated_from`: it says which text of the original a translation follows.
    """
    inherited = {k: v for k, v in original.data.items() if k not in NOT_INHERITED}
    data = {**inherited, **translation.data}
    lines = {k: v for k, v in original.lines.items() if k[0] not in translation.data}
    lines.update(translation.lines)
    origin = {k: original.path for k in inherited if k not in translation.data}
    return Document(translation.path, data, lines, translation.body, translation.body_line,
                    origin)


AGENDA_SLUG = "agenda"  # /<lang>/summit/agenda/ is the visitor's own agenda (SPEC §6)


def kind_of(key: str) -> tuple[str, str | None]:
    parts = key.split("/") if key else []
    if not parts:
        return "home", None
    if parts[0] in SECTION_TYPES:
        return ("section" if len(parts) == 1 else SECTION_TYPES[parts[0]]), parts[0]
    return "page", None


def _page(content_dir: Path, key: str, lang: str, doc: Document, config: SiteConfig,
          data: dict[str, Any], problems: Problems, looked: set[str]) -> Page | None:
    """The page made from `doc`; `looked` gets the files its checks looked for."""
    kind, section = kind_of(key)
    ctx = Context(doc, problems, content_dir, data, config.timezone, lang, looked)
    fields, ok = check_page(ctx, kind if kind not in ("home", "section") else "page")
    parts = key.split("/") if key else []
    slug = fields.get("slug")
    if kind in ("home", "section"):
        url = "/".join([lang, *parts[:1]]) + "/"
        slug = parts[0] if parts else ""
    else:
        name = parts[-1]
        slug = slug or slugify(name)
        if len(slug) > MAX_NAME:  # from a long file name (a slug field is checked as written)
            problems.error(doc.path, 1, f"the name '{name}' gives an address of {len(slug)} "
                           f"characters: rename the file, or add a shorter 'slug:' line")
            return None
        if not slug:
            problems.error(doc.path, 1, f"the name '{name}' gives no URL: add a line like "
                           "'slug: smart-parking' (lower-case letters, digits and '-')")
            return None
        if kind == "session" and slug == AGENDA_SLUG:
            problems.error(*doc.where("slug"), f"the slug '{slug}' is the address of the "
                           f"visitors' agenda (/{lang}/summit/{slug}/): rename the file or set "
                           "another 'slug:'")
            return None
        folders = [slugify(p) for p in parts[:-1]]
        if kind != "page":
            folders = [section]
        elif not all(folders):
            problems.error(doc.path, 1, "a folder name gives no URL: rename it with letters "
                           "a-z, digits or '-'")
            return None
        url = "/".join([lang, *folders, slug]) + "/"
    return Page(doc, key, lang, kind, section, slug, url, fields, ok=ok)
