"""Translation status (SPEC §7): which translations are missing, out of date, current or never
marked, from the `translated_from` digest each translation carries in its front matter.

The digest is made of the original's translatable text only (title, summary, the body and the
free-text fields a translation overrides), so a changed date, reference or picture leaves the
translation current. It lives in the translation's own file: the status travels with the files
and needs neither git nor the build cache.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .config import SiteConfig, load_config
from .errors import Problems, UsageError, display_path
from .frontmatter import Document, parse
from .model import Page
from .sources import discover

MARK = "translated_from"
# The free-text fields of SPEC §4 a translation may override, and those inside list items:
# not references, dates, addresses, files or numbers.
TEXT_FIELDS = ("title", "summary", "image_alt", "company", "organizer", "host", "topic",
               "country", "leader", "location", "author")
ITEM_TEXT_FIELDS = {"speakers": ("name", "title"), "gallery": ("alt",)}
STATUSES = ("missing", "outdated", "untracked", "current")  # what needs work first


def digest(original: Document) -> str:
    """16 hex digits of the translatable text of a default-language file."""
    data = original.data
    text: dict[str, Any] = {name: _text(data[name]) for name in TEXT_FIELDS
                            if _text(data.get(name))}
    for name, keys in ITEM_TEXT_FIELDS.items():
        items = data.get(name)
        if isinstance(items, list):
            text[name] = [[_text(item.get(key)) for key in keys] if isinstance(item, dict)
                          else [] for item in items]
    text["body"] = original.body.strip()
    dumped = json.dumps(text, sort_keys=True, ensure_ascii=False)
    return hashlib.blake2b(dumped.encode(), digest_size=8).hexdigest()


def _text(value: Any) -> str:
    return str(value).strip() if isinstance(value, str | int | float) else ""


def status(original: Document, translation: Document | None) -> str:
    """missing, outdated, untracked or current: `translation` against its original."""
    if translation is None:
        return "missing"
    mark = translation.data.get(MARK)
    if mark is None:
        return "untracked"
    return "current" if _text(mark) == digest(original) else "outdated"


def note_status(pages: list[Page], default_language: str) -> None:
    """Give each translated page of a build its status, for the notice an
    outdated page shows its visitors; pages of the default language have none."""
    originals = {page.key: page.doc for page in pages if page.lang == default_language}
    for page in pages:
        original = originals.get(page.key)
        if page.lang != default_language and original is not None:
            page.translation = status(original, page.doc)


# -- the `expo translations` command ------------------------------------------------------

@dataclass(frozen=True)
class Row:
    key: str  # the translation key: the path inside content/ without language and ".md"
    lang: str
    status: str
    original: str  # paths as in problem lines
    translation: str | None  # None: missing

    def as_json(self) -> dict[str, Any]:
        return {"key": self.key, "lang": self.lang, "status": self.status,
                "original": self.original, "translation": self.translation}


@dataclass
class Files:
    """The site's Markdown files by translation key and language, read and parsed."""

    config: SiteConfig
    docs: dict[str, dict[str, Document]]
    keys: dict[Path, tuple[str, str]]  # resolved path → (key, language)
    problems: Problems  # of reading them: files that give no document are left out


def read_files(content: Path, problems: Problems) -> Files | None:
    """Every Markdown file of the site parsed; None when site.yaml cannot be read (reported
    in `problems`)."""
    config = load_config(content, problems)
    if config is None:
        return None
    found = Files(config, {}, {}, Problems())
    for source in discover(content, config, found.problems):
        found.keys[source.path.resolve()] = (source.key, source.lang)
        try:
            doc = parse(source.path, source.path.read_bytes(), found.problems)
        except OSError as exc:
            found.problems.error(source.path, 1, f"cannot read the file: {exc.strerror}")
            continue
        if doc is not None:
            found.docs.setdefault(source.key, {})[source.lang] = doc
    return found


def rows(files: Files, langs: Iterable[str]) -> list[Row]:
    """The status of every published item in each of `langs` (not the default language),
    sorted by language, then key."""
    default = files.config.default_language
    found = []
    for key, versions in files.docs.items():
        original = versions.get(default)
        if original is None or original.data.get("draft") is True:
            continue
        for lang in langs:
            translation = versions.get(lang)
            if translation is not None and {**original.data, **translation.data}.get(
                    "draft") is True:
                translation = None  # a translation in draft is not published yet
            found.append(Row(key or "index", lang, status(original, translation),
                             display_path(original.path),
                             display_path(translation.path) if translation else None))
    return sorted(found, key=lambda row: (row.lang, row.key))


def table(found: list[Row]) -> str:
    """The rows for people: what needs work first, then a count per language."""
    if not found:
        return "No translations to list: the site has one language, or no pages."
    ordered = sorted(found, key=lambda r: (r.lang, STATUSES.index(r.status), r.key))
    cells = [("LANGUAGE", "STATUS", "PAGE", "FILE")] + [
        (r.lang, r.status, r.key, r.translation or f"({r.original})") for r in ordered]
    widths = [max(len(row[i]) for row in cells) for i in range(3)]
    lines = ["  ".join([*(c.ljust(w) for c, w in zip(row[:3], widths, strict=True)),
                        row[3]]).rstrip() for row in cells]
    for lang in dict.fromkeys(r.lang for r in ordered):
        counts = {s: sum(1 for r in ordered if (r.lang, r.status) == (lang, s))
                  for s in STATUSES}
        lines.append(f"{lang}: " + ", ".join(f"{n} {s}" for s, n in counts.items()))
    return "\n".join(lines)


@dataclass
class Report:
    """What `expo translations` has to say: `text` for standard output, `problems` and
    `note` for standard error; `failed`: exit status 1."""

    text: str
    problems: Problems
    note: str = ""
    failed: bool = False


def translations_command(content: Path, lang: str | None, form: str,
                         marks: list[Path] | None) -> Report:
    """`expo translations`: the status table (or JSON), or `--mark FILE...`."""
    if not content.is_dir():
        raise UsageError(f"content folder {content} not found (use --content DIR)")
    problems = Problems()
    files = read_files(content, problems)
    if files is None:
        return Report("", problems, "Failed: site.yaml cannot be read", failed=True)
    codes = files.config.codes
    if lang is not None and lang not in codes[1:]:
        raise UsageError(f"--lang {lang}: the languages with translations are "
                         f"{', '.join(codes[1:]) or 'none (site.yaml has one language)'}")
    if marks:
        done = mark(files, marks, problems)
        text = "\n".join(f"{display_path(t)}: marked current with {display_path(o)}"
                         for t, o in done)
        return Report(text, problems, "" if done else "Failed: nothing was marked",
                      failed=not done)
    found = rows(files, [lang] if lang else codes[1:])
    problems.add_all(files.problems.items)  # files that could not be read are left out
    if form == "json":
        return Report(json.dumps([row.as_json() for row in found], indent=1), problems)
    return Report(table(found), problems)


# -- --mark: the digest written into the translation, the rest of the file as it was -------

def mark(files: Files, paths: list[Path], problems: Problems) -> list[tuple[Path, Path]]:
    """Write the digest of its original into each translation of `paths`: (translation,
    original) of each. Nothing is written when one of them is not a translation, or it or its
    original cannot be read (reported in `problems`)."""
    default = files.config.default_language
    todo: list[tuple[Document, Document]] = []
    for path in paths:
        key, lang = files.keys.get(path.resolve(), (None, None))
        versions = files.docs.get(key, {}) if key is not None else {}
        original, translation = versions.get(default), versions.get(lang)
        read = {display_path(p) for p in (path, original and original.path) if p}
        problems.add_all([p for p in files.problems.items if p.path in read])
        if key is None:
            problems.error(path, 1, "not a translation: give the path of a page's "
                           f"translation inside {display_path(files.config.path.parent)}/, "
                           "like about.zh-tw.md")
        elif lang == default:
            problems.error(path, 1, "not a translation: this is the original; mark its "
                           "translation (name.<language>.md) instead")
        elif original is None:
            problems.error(path, 1, f"not a translation: there is no {default} original "
                           "beside it to translate from")
        elif translation is not None:
            todo.append((translation, original))
    if problems.errors or len(todo) < len(paths):
        return []
    for translation, original in todo:
        raw = translation.path.read_bytes()
        marked = with_mark(raw, translation, digest(original))
        if marked != raw:
            translation.path.write_bytes(marked)
    return [(t.path, o.path) for t, o in todo]


_LINE_BREAK = re.compile("(\r\n|\r|\n)")


def with_mark(raw: bytes, doc: Document, value: str) -> bytes:
    """The file `raw` (parsed as `doc`) with its `translated_from` line written: the line
    replaced where there is one, else added before the closing `---`; every other byte
    kept, line endings, comments and a BOM included."""
    parts = _LINE_BREAK.split(raw.decode("utf-8"))
    lines = list(zip(parts[::2], [*parts[1::2], ""], strict=True))  # (text, its line break)
    line = f'{MARK}: "{value}"'
    at = doc.lines.get((MARK,))
    if at is None:
        closing = doc.body_line - 2  # the index of the closing `---`
        lines.insert(closing, (line, lines[0][1] or "\n"))
    else:
        end = at  # the value may go on over indented lines
        while end < doc.body_line - 2 and lines[end][0][:1] in (" ", "\t"):
            end += 1
        lines[at - 1:end] = [(line, lines[end - 1][1])]
    return "".join(text + brk for text, brk in lines).encode("utf-8")
