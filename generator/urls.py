"""Site paths, links and output file names, all honouring a `base_url` sub-path.

A *site path* is relative to the site root without a leading slash ("en/solutions/x/"); a link
puts the base path in front ("/expo/en/solutions/x/"); an output file is the site path's
`index.html`. Nothing from content becomes a file name without passing `safe_output_path`.
"""

from __future__ import annotations

import posixpath
import re
from functools import lru_cache
from pathlib import Path
from urllib.parse import SplitResult, quote, urlsplit

from .config import SiteConfig

UNSAFE = re.compile(r"[\x00-\x1f\\:*?\"<>|]")


def split_url(value: str) -> SplitResult | None:
    """`urlsplit(value)`, or None for an address no browser can follow (urlsplit raises for
    "http://[x", a broken IPv6 host, and for a port out of range)."""
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 - checked for its ValueError
    except ValueError:
        return None
    return parts


def href(config: SiteConfig, site_path: str) -> str:
    """Root-relative link to a site path: "/expo/en/x/"."""
    return config.base_path + _quoted(site_path)


def absolute(config: SiteConfig, site_path: str) -> str:
    """Absolute URL for feeds, sitemap, OpenGraph and calendars."""
    return config.base_url + _quoted(site_path)


@lru_cache(maxsize=1 << 17)  # a page links to dozens of the site's paths, the same on every page
def _quoted(site_path: str) -> str:
    return quote(site_path, safe="/#%?=&-._~")


def media_path(content_path: str) -> str:
    """Where a file from content/ (an image of a page) is published."""
    return "media/" + content_path


def edit_href(config: SiteConfig, content_dir: Path, source: Path) -> str | None:
    """Where an editor edits `source`, a file of content/: site.yaml's `edit_url` followed by
    the file's path inside content/ (SPEC §5); None when the site has no `edit_url`."""
    if config.edit_url is None:
        return None
    return config.edit_url + quote(source.relative_to(content_dir).as_posix(), safe="/-._~")


def media_href(config: SiteConfig, content_path: str, full: bool = False) -> str:
    """Link to a published content file, every unusual character of its name escaped."""
    quoted = quote(media_path(content_path), safe="/-._~")
    return (config.base_url if full else config.base_path) + quoted


@lru_cache(maxsize=1 << 16)  # every output path, at every build of the preview
def safe_output_path(path: str) -> str | None:
    """A normalised relative file path that stays inside the output folder, or None."""
    if not path or UNSAFE.search(path) or path.startswith("/"):
        return None
    normal = posixpath.normpath(path)
    if normal.startswith("..") or normal in (".", "") or posixpath.isabs(normal):
        return None
    parts = normal.split("/")
    if any(p in ("..", ".") or p.startswith(".") for p in parts):
        return None
    return normal


def alias_output(alias: str) -> str | None:
    """The file a redirect for an old URL is written to: "/old/" → "old/index.html"."""
    alias = alias.strip()
    if not alias.startswith("/") or "//" in alias or "?" in alias or "#" in alias:
        return None
    path = alias.lstrip("/")
    if not path:
        return None
    if path.endswith("/") or not posixpath.splitext(path)[1]:
        path = path.rstrip("/") + "/index.html"
    return safe_output_path(path)


def web_or_mail(value: str | None) -> str | None:
    """A link to a field that is a web address or an e-mail address (SPEC §4)."""
    if not value:
        return None
    return value if value.startswith(("http://", "https://")) else f"mailto:{value}"
