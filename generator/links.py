"""Link resolution in Markdown bodies: a link to another `.md` file becomes that page's
address in the reader's language, a link to a file in content/ its media address; a link
that leads nowhere is reported at its line."""

from __future__ import annotations

import posixpath
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import Problems
from .markdown import body_line
from .model import Page
from .paths import resolve_file, resolved_inside
from .schema import IMAGE_TYPES
from .site import Site
from .sources import unknown_language
from .urls import href, media_href, split_url

if TYPE_CHECKING:
    from .bodies import Body


class Links:
    """Resolves the links of the bodies of one site."""

    def __init__(self, site: Site):
        self.site = site
        self.config = site.config
        self.content_dir = site.content_dir
        self._folders: dict[Path, str] = {}  # a source's folder → its path in content/

    def resolver(self, page: Page, problems: Problems, body: Body):
        """`link(value, tag)` for one page's body: the address to write instead of `value`
        (None: keep it), noting images, files and fragments in `body`."""
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
        site = self.site
        key = _key_of(rel, self.config.codes)
        found = site.page(key, page.lang)
        if found is None:
            if key in site.broken_targets or (
                    unknown_language(posixpath.basename(rel)[:-3], self.config.codes)
                    and (self.content_dir / rel).is_file()):
                return None  # its own errors are reported (a file in an unknown language too)
            if key in site.drafts:
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


def _key_of(rel: str, codes: tuple[str, ...]) -> str:
    stem = rel[:-3]
    base, _, suffix = stem.rpartition(".")
    if base and suffix in codes:
        stem = base
    if stem == "index":
        return ""
    return stem.removesuffix("/index")
