"""The theme's static files, published under names that carry a hash of their content.

`static/css/site.css` is published as `static/css/site.3f9a0c1b2d.css` and every reference
(templates' `url()`, `url(...)` inside stylesheets) uses that name, so hosts can cache these
files forever: a changed file gets a new name. With `--minify`, CSS and JS are minified first
(HTML is minified as pages are written).

One file keeps its name: `/favicon.ico`, where browsers look for a site's icon whatever its
pages say — the theme's `static/favicon.ico`, or one made from its `static/icons/favicon.png`.
"""

from __future__ import annotations

import hashlib
import io
import posixpath
import re
from dataclasses import dataclass, field
from pathlib import Path

import PIL.IcoImagePlugin  # noqa: F401 - the ICO writer, loaded by name: see favicon
from PIL import Image

from .errors import Problems
from .model import OutputFile

CSS_URL = re.compile(r"""url\(\s*(['"]?)([^'")]+)\1\s*\)""")
FAVICON = "favicon.ico"  # below static/: published as it is, at the root of the site
ICON = "icons/favicon.png"  # below static/: the picture /favicon.ico is made of otherwise
ICON_SIZES = [(16, 16), (32, 32), (48, 48)]


@dataclass
class Assets:
    names: dict[str, str] = field(default_factory=dict)  # "static/x.css" → "static/x.<h>.css"
    files: list[OutputFile] = field(default_factory=list)

    def url_for(self, site_path: str) -> str:
        return self.names.get(site_path, site_path)


def collect(folder: Path, minify: bool, problems: Problems) -> Assets:
    """Read, (minify,) hash and rename every file of the theme's static/ folder; and
    /favicon.ico."""
    assets = Assets()
    if not folder.is_dir():
        return assets
    paths = sorted(p for p in folder.rglob("*") if p.is_file() and not any(
        part.startswith(".") for part in p.relative_to(folder).parts))
    icon = favicon(folder, problems)
    if icon is not None:
        assets.files.append(icon)
        paths = [p for p in paths if p != folder / FAVICON]
    # Stylesheets last: their url(...) references must already have their final names.
    for path in sorted(paths, key=lambda p: p.suffix == ".css"):
        rel = "static/" + path.relative_to(folder).as_posix()
        data = path.read_bytes()
        if path.suffix == ".css":
            data = _rewrite_css(data.decode("utf-8"), rel, assets).encode("utf-8")
        if minify:
            data = _minify(path.suffix, data)
        digest = hashlib.sha256(data).hexdigest()[:10]
        stem, ext = posixpath.splitext(rel)
        name = f"{stem}.{digest}{ext}"
        assets.names[rel] = name
        assets.files.append(OutputFile(name, data, path))
    return assets


def favicon(folder: Path, problems: Problems) -> OutputFile | None:
    """/favicon.ico: the theme's own, else made of its icon picture (16, 32 and 48 pixels);
    None for a theme with neither. (Pillow saving to a format whose writer it has not loaded
    loads every format it knows first: the ICO writer is imported above instead.)"""
    own, picture = folder / FAVICON, folder / ICON
    if own.is_file():
        return OutputFile(FAVICON, own.read_bytes(), own)
    if not picture.is_file():
        return None
    try:
        with Image.open(picture) as image:
            data = io.BytesIO()
            image.save(data, format="ICO", sizes=ICON_SIZES)
    except (OSError, ValueError, Image.DecompressionBombError) as exc:
        problems.error(picture, 1, f"cannot make /{FAVICON}: the file is damaged or not a "
                                   f"picture ({exc})")
        return None
    return OutputFile(FAVICON, data.getvalue(), picture)


def _rewrite_css(css: str, rel: str, assets: Assets) -> str:
    here = posixpath.dirname(rel)

    def replace(match: re.Match) -> str:
        target = match.group(2)
        if ":" in target or target.startswith(("/", "#")):
            return match.group(0)
        path, _, rest = target.partition("?")
        resolved = posixpath.normpath(posixpath.join(here, path))
        if resolved not in assets.names:
            return match.group(0)
        new = posixpath.relpath(assets.names[resolved], here)
        return f'url("{new}{"?" + rest if rest else ""}")'

    return CSS_URL.sub(replace, css)


def _minify(suffix: str, data: bytes) -> bytes:
    if suffix == ".css":
        import rcssmin

        return rcssmin.cssmin(data.decode("utf-8")).encode("utf-8")
    if suffix == ".js":
        import rjsmin

        return rjsmin.jsmin(data.decode("utf-8")).encode("utf-8")
    return data


def minify_html(data: bytes) -> bytes:
    import minify_html as mh

    return mh.minify(data.decode("utf-8"), minify_css=True, minify_js=True,
                     keep_closing_tags=True, keep_html_and_head_opening_tags=True).encode("utf-8")
