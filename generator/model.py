"""The values handed from stage to stage: sources, pages and output files."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property
from pathlib import Path
from typing import Any

from .frontmatter import Document


@dataclass(frozen=True)
class Source:
    """A Markdown file found under content/, before it is read."""

    path: Path
    key: str  # translation key: path below content/ without language and ".md", no "/index"
    lang: str
    bundle: bool  # an index.md inside its own folder, holding the page's images


@dataclass
class Page:
    """One page in one language, its front matter checked and merged with its original."""

    doc: Document
    key: str
    lang: str
    kind: str  # solution, pavilion, session, city, tour, news, page, home, section
    section: str | None  # the section folder of an item or section page
    slug: str
    url_path: str  # below the site root, e.g. "en/solutions/smart-parking/"
    fields: dict[str, Any]
    ok: bool = True  # False: it has errors; checked for more, never published
    html: str = ""
    toc: str = ""
    heading_ids: frozenset[str] = frozenset()
    translation: str | None = None  # its status against its original: see translations.py

    @property
    def title(self) -> str:
        return self.fields.get("title", self.key)

    @property
    def date(self) -> datetime | None:
        return self.fields.get("start") or self.fields.get("date")

    @property
    def output_path(self) -> str:
        return self.url_path + "index.html"

    @cached_property
    def source_hash(self) -> str:
        """A hash of what its Markdown renders from (a page keeps its body: see content.py):
        where the file is in content/ (its key and name: links are relative to it, not to
        where the project is), its language and text."""
        return hashlib.blake2b(f"{self.key}\0{self.doc.path.name}\0{self.lang}\0"
                               f"{self.doc.body_line}\0"
                               f"{self.doc.body}".encode(), digest_size=16).hexdigest()


@dataclass(slots=True)  # not frozen: a build makes one per output file, and frozen ones cost more
class OutputFile:
    """One file of the built site: where it goes (below output/) and its bytes."""

    path: str
    data: bytes | None  # None: in the new folder already (`staged`), else kept from the last
    source: Path | None = None  # the file it was made from, for duplicate-URL messages
    line: int = 1
    deps: dict | None = None  # what a rendered page read of the site (see cache.py)
    digest: str | None = None  # of its bytes, when `data` is None but they are known
    staged: bool = False  # written into the new folder by the worker that rendered it
