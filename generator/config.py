"""site.yaml → SiteConfig: every setting typed, defaulted and validated (SPEC §5)."""

from __future__ import annotations

import dataclasses
import re
import zoneinfo
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from .cms_settings import CmsSettings, load_settings
from .errors import Problems
from .frontmatter import load_yaml_file
from .images import ImageSettings
from .paths import OUTSIDE_CONTENT, resolved_inside
from .summit_settings import KEYS as SUMMIT_KEYS
from .summit_settings import SummitSettings, load_summit

LANG_CODE = re.compile(r"^[a-z]{2,3}(-[a-z0-9]{2,8})*$")
LANGUAGE_TAG = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$")  # BCP 47, as HTML's lang takes
KNOWN = {"title", "base_url", "languages", "timezone", "description", "images", "summit"}
KNOWN |= {"edit_url", "cms"}  # the editors' workflow (SPEC §5)
IMAGE_KEYS = {"widths", "quality", "max_pixels", "originals"}


@dataclass(frozen=True)
class Language:
    code: str  # as in file names and URLs: "zh-tw"
    name: str  # as shown to visitors: "繁體中文"
    html_lang: str  # BCP 47 for <html lang> and hreflang: "zh-Hant-TW"


@dataclass(frozen=True)
class SiteConfig:
    title: dict[str, str]  # per language
    description: dict[str, str]
    base_url: str  # always ends with "/"
    languages: tuple[Language, ...]  # the first is the default language
    timezone: str
    path: Path
    images: ImageSettings = ImageSettings()
    summit: SummitSettings = SummitSettings()
    edit_url: str | None = None  # + a file's path inside content/: where to edit it
    cms: CmsSettings | None = None  # the form-based editor at /admin/ (None: none)

    # Asked for on every link of every page: worked out once (frozen: never stale).
    @cached_property
    def default_language(self) -> str:
        return self.languages[0].code

    @cached_property
    def codes(self) -> tuple[str, ...]:
        return tuple(lang.code for lang in self.languages)

    @cached_property
    def base_path(self) -> str:
        """The sub-path the site lives under: "/" or "/expo/"."""
        return urlsplit(self.base_url).path or "/"

    def language(self, code: str) -> Language:
        return self._by_code[code]

    @cached_property
    def _by_code(self) -> dict[str, Language]:
        return {lang.code: lang for lang in self.languages}

    def with_base_url(self, base_url: str) -> SiteConfig:
        return dataclasses.replace(self, base_url=normalise_base_url(base_url))


def normalise_base_url(url: str) -> str:
    return url if url.endswith("/") else url + "/"


def valid_base_url(url: Any) -> bool:
    if not isinstance(url, str) or re.search(r"[\x00-\x20\"'<>\\^`{|}\x7f]", url):
        return False
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - checked for its ValueError ("http://[x", a port too large)
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.netloc) and not parts.query


def load_config(content_dir: Path, problems: Problems) -> SiteConfig | None:
    path = content_dir / "site.yaml"
    if not path.is_file():
        problems.error(path, 1, "site.yaml is missing: every site needs title, base_url and "
                       "languages (see SPEC §5)")
        return None
    if resolved_inside(path, content_dir.resolve()) is None:
        problems.error(path, 1, OUTSIDE_CONTENT)
        return None
    parsed = load_yaml_file(path, problems)
    if parsed is None:
        return None
    data, lines = parsed
    if not isinstance(data, dict):
        problems.error(path, 1, "site.yaml must be settings written as 'name: value'")
        return None
    before = len(problems.errors)

    def line(*keys: Any) -> int:
        return lines.get(keys, lines.get(keys[:1], 1))

    for key in data:
        if key not in KNOWN:
            problems.warning(path, line(key), f"unknown setting '{key}' (known: "
                             f"{', '.join(sorted(KNOWN))})")

    languages = _languages(data.get("languages"), path, line, problems)
    codes = [lang.code for lang in languages]
    title = _per_language(data.get("title"), codes, "title", path, line, problems, True)
    description = _per_language(data.get("description", ""), codes, "description", path, line,
                                problems, False)
    base_url = data.get("base_url", "/")
    if not valid_base_url(base_url):
        problems.error(path, line("base_url"), "'base_url' must be an absolute http(s) URL "
                       "such as https://example.org/ or https://host/expo/")
        base_url = "https://example.org/"
    timezone = data.get("timezone", "UTC")
    if not valid_timezone(timezone):
        problems.error(path, line("timezone"), f"unknown time zone '{timezone}': use an IANA "
                       "name such as Asia/Taipei")
        timezone = "UTC"
    images = _images(data.get("images", {}), path, line, problems)
    edit_url = _edit_url(data.get("edit_url"), path, line, problems)
    summit = load_summit(_group(data.get("summit", {}), "summit", SUMMIT_KEYS, "{acronym: "
                                "mayors_summit}", path, line, problems),
                         title.get(codes[0], "") if codes else "", codes, path, line, problems)
    cms = load_settings(data["cms"], path, line, problems) if "cms" in data else None
    if len(problems.errors) > before or not languages:
        return None
    return SiteConfig(title, description, normalise_base_url(base_url), tuple(languages),
                      timezone, path, images, summit, edit_url=edit_url, cms=cms)


def _languages(value: Any, path: Path, line, problems: Problems) -> list[Language]:
    """`languages:`, the default language first: each code with its name and html_lang."""
    languages: list[Language] = []
    if not isinstance(value, dict) or not value:
        problems.error(path, line("languages"), "'languages' must map language codes to "
                       "{name, html_lang}, the default language first")
        return languages
    for code, spec in value.items():
        if not isinstance(code, str) or not LANG_CODE.match(code):
            problems.error(path, line("languages", code), f"language code '{code}' must be "
                           "lower-case like 'en' or 'zh-tw'")
            continue
        spec = spec if isinstance(spec, dict) else {}
        name, html_lang = spec.get("name", code), spec.get("html_lang", code)
        if not isinstance(name, str) or not isinstance(html_lang, str):
            problems.error(path, line("languages", code), f"language '{code}' needs "
                           "text values for name and html_lang")
            continue
        if not LANGUAGE_TAG.match(html_lang):
            problems.error(path, line("languages", code, "html_lang"), f"html_lang "
                           f"'{html_lang}' of language '{code}' is not a language tag: use one "
                           "like en, zh-Hant or zh-Hant-TW")
            continue
        languages.append(Language(code, name, html_lang))
    return languages


def _edit_url(value: Any, path: Path, line, problems: Problems) -> str | None:
    """edit_url: https://github.com/ORG/REPO/edit/main/content/ (a "/" is added when it ends
    with none: the file's path follows it)."""
    if value is None:
        return None
    if not valid_base_url(value):
        problems.error(path, line("edit_url"), "'edit_url' must be an absolute http(s) URL "
                       "to which a file's path is added, like "
                       "https://github.com/ORG/REPO/edit/main/content/")
        return None
    return normalise_base_url(value)


def _images(value: Any, path: Path, line, problems: Problems) -> ImageSettings:
    """images: {widths: [480, 960, 1600], quality: 80, max_pixels: 50000000, originals: no}"""
    default = ImageSettings()
    value = _group(value, "images", IMAGE_KEYS, "{widths: [480, 960, 1600], quality: 80}",
                   path, line, problems)
    if value is None:
        return default
    widths = value.get("widths", list(default.widths))
    if not (isinstance(widths, list) and widths and all(
            isinstance(w, int) and not isinstance(w, bool) and 16 <= w <= 8000 for w in widths)):
        problems.error(path, line("images", "widths"), "'widths' must be a list of pixel "
                       "widths between 16 and 8000, like [480, 960, 1600]")
        widths = list(default.widths)
    quality = value.get("quality", default.quality)
    if isinstance(quality, bool) or not isinstance(quality, int) or not 1 <= quality <= 100:
        problems.error(path, line("images", "quality"), "'quality' must be 1 to 100")
        quality = default.quality
    max_pixels = value.get("max_pixels", default.max_pixels)
    if isinstance(max_pixels, bool) or not isinstance(max_pixels, int) or max_pixels < 1:
        problems.error(path, line("images", "max_pixels"), "'max_pixels' must be a whole "
                       "number of pixels, like 50000000")
        max_pixels = default.max_pixels
    originals = value.get("originals", default.originals)
    if not isinstance(originals, bool):
        problems.error(path, line("images", "originals"), "'originals' must be true or false")
        originals = default.originals
    return ImageSettings(tuple(sorted(set(widths))), quality, max_pixels, originals)


def _group(value: Any, name: str, known: set[str], example: str, path: Path, line,
           problems: Problems) -> dict | None:
    """A group of settings (`images:`, `summit:`): its unknown keys warned about; None (and
    an error) when it is not a group at all."""
    if not isinstance(value, dict):
        problems.error(path, line(name), f"'{name}' must be settings like {example}")
        return None
    for key in value:
        if key not in known:
            problems.warning(path, line(name, key), f"unknown {name} setting '{key}' (known: "
                             f"{', '.join(sorted(known))})")
    return value


def valid_timezone(name: Any) -> bool:
    if not isinstance(name, str) or not name or name.startswith("/") or ".." in name:
        return False
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
        return False
    return True


def _per_language(value, codes, key, path, line, problems, required) -> dict[str, str]:
    """A text that may be one string for all languages or one per language."""
    if isinstance(value, str) and (value or not required):
        return {code: value for code in codes}
    if isinstance(value, dict) and all(isinstance(v, str) for v in value.values()):
        missing = [c for c in codes if c not in value]
        if missing and required:
            problems.error(path, line(key), f"'{key}' has no text for {', '.join(missing)}")
        fallback = value.get(codes[0], "") if codes else ""
        return {code: value.get(code, fallback) for code in codes}
    if required:
        problems.error(path, line(key), f"'{key}' is required: a text, or one text per "
                       "language like {en: ..., zh-tw: ...}")
    return {code: "" for code in codes}
