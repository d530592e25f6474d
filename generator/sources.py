"""content/ walked: every Markdown file as a Source (its translation key, language and whether
it is a bundle's index.md), in a stable order, with the problems of its name (SPEC §3: files or
folders starting with `_` or `.` are not pages; `name.<lang>.md` translates `name.md`)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

from .config import LANG_CODE, SiteConfig
from .errors import Problems
from .model import Source
from .paths import OUTSIDE_CONTENT, resolved_inside


def discover(content_dir: Path, config: SiteConfig, problems: Problems,
             known: dict[str, Source] | None = None) -> list[Source]:
    """Every Markdown source below content/, in a stable order; symlinks never lead outside.
    `known`: the sources found last time under the same settings, by path (kept up to date)."""
    root = content_dir.resolve()
    sources: list[Source] = []
    known = {} if known is None else known
    # Depth first, in name order, with a stack of the folders being read (a recursive closure
    # would leave the list to the cyclic garbage collector: slow in a preview).
    stack = [(_entries(root, problems), ())]
    while stack:
        entries, rel = stack[-1]
        entry = next(entries, None)
        if entry is None:
            stack.pop()
            continue
        if entry.name.startswith(("_", ".")):
            continue
        source = known.get(entry.path)
        if source is not None and not entry.is_symlink() and entry.is_file(follow_symlinks=False):
            sources.append(source)  # a file seen before: its name says the same as last time
            continue
        path = Path(entry.path)
        if entry.is_symlink():
            target = resolved_inside(path, root)
            if target is None:
                problems.error(path, 1, OUTSIDE_CONTENT)
                continue
            if target.is_dir():
                problems.warning(path, 1, "symbolic links to folders are not followed: "
                                 "move the folder here instead")
                continue
        if entry.is_dir(follow_symlinks=False):
            stack.append((_entries(path, problems), (*rel, entry.name)))
        elif entry.name.endswith(".md") and entry.is_file():
            if not _utf8("/".join((*rel, entry.name))):
                problems.error(path, 1, "the file or folder name is not UTF-8 text: rename "
                               "it (its page address is made from it)")
                continue
            source = _source(path, rel, entry.name[:-3], config, problems)
            if source:
                sources.append(source)
                if not entry.is_symlink():
                    known[entry.path] = source
    return sources


def _entries(folder: Path, problems: Problems) -> Iterator[os.DirEntry]:
    try:
        return iter(sorted(os.scandir(folder), key=lambda e: e.name))
    except OSError as exc:
        problems.error(folder, 1, f"cannot read the folder: {exc.strerror}")
        return iter(())


def _utf8(name: str) -> bool:
    """Whether a name read from the file system is text: bytes that are not UTF-8 come back as
    lone surrogates (os.fsdecode), which no URL, page or message can carry."""
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def unknown_language(stem: str, codes: tuple[str, ...]) -> str | None:
    """The language a file name's stem ends in ("about.fr") when site.yaml has no such
    language: the file gives no page (an error at its line 1)."""
    base, _, suffix = stem.rpartition(".")
    return suffix if base and LANG_CODE.match(suffix) and suffix not in codes else None


def _source(path: Path, rel: tuple[str, ...], stem: str, config: SiteConfig,
            problems: Problems) -> Source | None:
    lang = config.default_language
    if (unknown := unknown_language(stem, config.codes)) is not None:
        problems.error(path, 1, f"unknown language '{unknown}' in the file name: site.yaml "
                       f"has {', '.join(config.codes)}")
        return None
    base, _, suffix = stem.rpartition(".")
    if base and suffix in config.codes:
        stem, lang = base, suffix
    bundle = stem == "index" and bool(rel)
    parts = rel if stem == "index" else (*rel, stem)
    return Source(path, "/".join(parts), lang, bundle)
