"""Front-matter fields per content type (SPEC §4): each value checked, typed and cleaned.

A field is a name, a checker and whether it is required. A checker turns the YAML value into
the value the site uses, or reports what the editor must change at the field's own line.
References are only checked for shape here; `site.py` resolves them once every page is known.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from .config import valid_timezone
from .errors import Problems
from .filekinds import is_kind, kind_name
from .frontmatter import Document
from .paths import resolve_file
from .urls import alias_output, split_url

MAX_NAME = 200  # characters of a slug, bytes of an alias's part: file systems take 255
SLUG = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
EMAIL = re.compile(r"^[^@\s<>\"'()]+@[^@\s<>\"'()]+\.[^@\s<>\"'()]+$")
IMAGE_TYPES = {".jpg", ".jpeg", ".png", ".gif", ".webp", ".avif"}
LANG_TAG = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$")  # BCP 47, as <track srclang>

SECTION_TYPES = {
    "solutions": "solution",
    "pavilions": "pavilion",
    "summit": "session",
    "cities": "city",
    "tours": "tour",
    "news": "news",
}


@dataclass
class Context:
    """What checkers need besides the value: the site's data and where files live."""

    doc: Document
    problems: Problems
    content_dir: Path
    data: dict[str, Any]  # _data/*.yaml
    site_timezone: str
    lang: str
    # The files its checks looked for, found or not (absolute paths): the page is checked
    # again when one of them is added, removed or changed.
    files: set[str] = field(default_factory=set)

    def error(self, keys: tuple, message: str) -> None:
        path, line = self.doc.where(*keys)
        self.problems.error(path, line, message)

    def warning(self, keys: tuple, message: str) -> None:
        path, line = self.doc.where(*keys)
        self.problems.warning(path, line, message)


Checker = Callable[[Context, tuple, Any], Any]
_INVALID = object()  # a checker's "reported, do not use"


def text(ctx: Context, keys: tuple, value: Any) -> Any:
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        ctx.error(keys, f"'{_name(keys)}' must be a text")
        return _INVALID
    value = str(value).strip()
    if not value:
        ctx.error(keys, f"'{_name(keys)}' is empty: write a text or remove the field")
        return _INVALID
    return value


def boolean(ctx: Context, keys: tuple, value: Any) -> Any:
    if not isinstance(value, bool):
        ctx.error(keys, f"'{_name(keys)}' must be true or false")
        return _INVALID
    return value


def integer(ctx: Context, keys: tuple, value: Any) -> Any:
    if isinstance(value, bool) or not isinstance(value, int) or abs(value) > 10**9:
        ctx.error(keys, f"'{_name(keys)}' must be a whole number such as 10")
        return _INVALID
    return value


def slug(ctx: Context, keys: tuple, value: Any) -> Any:
    if not isinstance(value, str) or not SLUG.match(value):
        ctx.error(keys, f"'slug' must be lower-case letters, digits and '-' (like "
                  f"'smart-parking'), not {value!r}")
        return _INVALID
    if len(value) > MAX_NAME:
        ctx.error(keys, f"'slug' has {len(value)} characters: at most {MAX_NAME} make a "
                  "folder name every file system takes")
        return _INVALID
    return value


def url(ctx: Context, keys: tuple, value: Any) -> Any:
    if not isinstance(value, str) or not _is_web_url(value):
        ctx.error(keys, f"'{_name(keys)}' must be a full web address starting with https://")
        return _INVALID
    return value.strip()


def email(ctx: Context, keys: tuple, value: Any) -> Any:
    if not isinstance(value, str) or not EMAIL.match(value.strip()):
        ctx.error(keys, f"'{_name(keys)}' must be an e-mail address such as info@example.org")
        return _INVALID
    return value.strip()


def url_or_email(ctx: Context, keys: tuple, value: Any) -> Any:
    if isinstance(value, str) and (_is_web_url(value) or EMAIL.match(value.strip())):
        return value.strip()
    ctx.error(keys, f"'{_name(keys)}' must be a web address (https://...) or an e-mail address")
    return _INVALID


def text_list(ctx: Context, keys: tuple, value: Any) -> Any:
    if not isinstance(value, list):
        ctx.error(keys, f"'{_name(keys)}' must be a list, like [a, b]")
        return _INVALID
    items = [text(ctx, (*keys, i), v) for i, v in enumerate(value)]
    return _INVALID if _INVALID in items else items


RESERVED = ("static/", "_img/", "pagefind/", "media/")  # folders the generator writes


def alias(ctx: Context, keys: tuple, value: Any) -> Any:
    if not isinstance(value, str) or alias_output(value) is None:
        ctx.error(keys, f"alias {value!r} must be an old address of this site starting with "
                  "'/', like /old/page/ or /old.html (no '..', '?' or '#')")
        return _INVALID
    if any(len(part.encode()) > MAX_NAME for part in value.split("/")):
        ctx.error(keys, f"alias {value!r} has a part longer than {MAX_NAME} bytes, which "
                  "no file system takes as a name")
        return _INVALID
    if value.strip().lstrip("/").startswith(RESERVED):
        ctx.error(keys, f"alias {value!r} is inside a folder the generator writes "
                  f"({', '.join('/' + r for r in RESERVED)}): choose another old address")
        return _INVALID
    return value.strip()


def alias_list(ctx: Context, keys: tuple, value: Any) -> Any:
    if not isinstance(value, list):
        ctx.error(keys, "'aliases' must be a list, like [/old/page/]")
        return _INVALID
    items = [alias(ctx, (*keys, i), v) for i, v in enumerate(value)]
    return _INVALID if _INVALID in items else items


def ref(ctx: Context, keys: tuple, value: Any) -> Any:
    if not isinstance(value, str) or not SLUG.match(value):
        ctx.error(keys, f"'{_name(keys)}' must name an item by its slug, like 'taipei'")
        return _INVALID
    return value


def ref_list(ctx: Context, keys: tuple, value: Any) -> Any:
    if not isinstance(value, list):
        ctx.error(keys, f"'{_name(keys)}' must be a list of slugs, like [taipei, prague]")
        return _INVALID
    items = [ref(ctx, (*keys, i), v) for i, v in enumerate(value)]
    return _INVALID if _INVALID in items else items


def data_key(kind: str) -> Checker:
    def check(ctx: Context, keys: tuple, value: Any) -> Any:
        if kind not in ctx.data and (ctx.content_dir / "_data" / f"{kind}.yaml").exists():
            return value  # the data file itself is broken: that error is reported
        known = ctx.data.get(kind)
        known = known if isinstance(known, dict) else {}
        if not isinstance(value, str) or value not in known:
            choices = ", ".join(sorted(map(str, known))) or f"none: add _data/{kind}.yaml"
            ctx.error(keys, f"unknown {_name(keys)} {value!r}: use a key of "
                      f"_data/{kind}.yaml ({choices})")
            return _INVALID
        return value

    return check


def timezone(ctx: Context, keys: tuple, value: Any) -> Any:
    if not valid_timezone(value):
        ctx.error(keys, f"unknown time zone {value!r}: use an IANA name such as "
                  "Europe/Prague or America/New_York")
        return _INVALID
    return value


def moment(ctx: Context, keys: tuple, value: Any, zone: str | None = None) -> Any:
    """A date or date-time → an aware datetime, in `zone` (default: the site's zone)."""
    tz = ZoneInfo(zone or ctx.site_timezone)
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, date):
        parsed = datetime.combine(value, time())
    elif isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value.strip())
        except ValueError:
            parsed = None
    else:
        parsed = None
    if parsed is None:
        ctx.error(keys, f"'{_name(keys)}' must be a date like 2020-08-13 or a time like "
                  f"2020-08-13 17:00, not {value!r}")
        return _INVALID
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=tz)
    return parsed.astimezone(tz)


def image(ctx: Context, keys: tuple, value: Any) -> Any:
    """A path to an image file: relative to the page's file first, then to content/."""
    return _content_file(ctx, keys, value, "an image file", IMAGE_TYPES, "a supported image")


def pdf(ctx: Context, keys: tuple, value: Any) -> Any:
    """A path to a PDF file, found as an image is (its bytes are checked by brochures.py)."""
    return _content_file(ctx, keys, value, "a PDF file", {".pdf"}, "a PDF file")


def _content_file(ctx: Context, keys: tuple, value: Any, what: str, suffixes: set[str],
                  kind: str) -> Any:
    """The content path of the file `value` names, if its name ends in one of `suffixes`."""
    if not isinstance(value, str) or not value.strip():
        ctx.error(keys, f"'{_name(keys)}' must be the path of {what}")
        return _INVALID
    found = resolve_file(ctx.content_dir, ctx.doc.origin.get(keys[0], ctx.doc.path), value,
                         ctx.files)
    if isinstance(found, str):
        ctx.error(keys, found)
        return _INVALID
    if found.suffix.lower() not in suffixes:
        ctx.error(keys, f"'{value}' is not {kind}: use {', '.join(sorted(suffixes))}")
        return _INVALID
    return found.relative_to(ctx.content_dir.resolve()).as_posix()


def published_file(*suffixes: str) -> Checker:
    """A file published as it is (a video, captions), found like an image, whose first bytes
    are of the kind its suffix names."""
    what = " or ".join(kind_name(s) for s in suffixes)

    def check(ctx: Context, keys: tuple, value: Any) -> Any:
        rel = _content_file(ctx, keys, value, what, set(suffixes), what)
        if rel is not _INVALID and not is_kind(ctx.content_dir / rel):
            ctx.error(keys, f"'{value}' is not {kind_name(Path(rel).suffix)}: its content is "
                      "something else (export it again, or correct the file name)")
            return _INVALID
        return rel

    return check


def recording(ctx: Context, keys: tuple, value: Any) -> Any:
    """A session's replay: a web address (YouTube and Vimeo get the player) or a video file."""
    if isinstance(value, str) and "://" in value:
        return url(ctx, keys, value)
    return published_file(".mp4", ".webm")(ctx, keys, value)


def language_tag(ctx: Context, keys: tuple, value: Any) -> Any:
    if not isinstance(value, str) or not LANG_TAG.match(value.strip()):
        ctx.error(keys, f"'{_name(keys)}' must be a language tag such as en or zh-Hant, "
                  f"not {value!r}")
        return _INVALID
    return value.strip()


def captions(ctx: Context, keys: tuple, value: Any) -> Any:
    spec = {"lang": (language_tag, True), "src": (published_file(".vtt"), True)}
    return _records(ctx, keys, value, spec, "{lang, src}")


def gallery(ctx: Context, keys: tuple, value: Any) -> Any:
    return _records(ctx, keys, value, {"src": (image, True), "alt": (text, True)}, "{src, alt}")


def speakers(ctx: Context, keys: tuple, value: Any) -> Any:
    spec = {"name": (text, True), "title": (text, False), "city": (ref, False)}
    return _records(ctx, keys, value, spec, "{name, title, city}")


def _records(ctx, keys, value, spec, shape) -> Any:
    if not isinstance(value, list):
        ctx.error(keys, f"'{_name(keys)}' must be a list of {shape} items")
        return _INVALID
    records = []
    for i, item in enumerate(value):
        if not isinstance(item, dict):
            ctx.error((*keys, i), f"each '{_name(keys)}' item must be {shape}")
            return _INVALID
        record, ok = check_fields(ctx, (*keys, i), item, spec)
        records.append(record if ok else _INVALID)
    return _INVALID if _INVALID in records else records


def check_fields(ctx: Context, keys: tuple, data: dict, spec: dict) -> tuple[dict, bool]:
    """Check a mapping against {field: (checker, required)}; unknown fields are warnings.

    Returns the fields that are right, and whether all of them were.
    """
    clean: dict[str, Any] = {}
    ok = True
    for name, value in data.items():
        if name not in spec:
            hint = _close_match(str(name), spec)
            ctx.warning((*keys, name), f"unknown field '{name}'{hint}")
            continue
        if value is None:
            continue  # written but empty: the same as left out
        if isinstance(value, str) and value.startswith("TODO"):
            ctx.error((*keys, name), f"'{name}' still holds the placeholder {value!r}: "
                      "replace it with the real value")
            ok = False
            continue
        checked = spec[name][0](ctx, (*keys, name), value)
        if checked is _INVALID:
            ok = False
        else:
            clean[name] = checked
    for name, (_, required) in spec.items():
        if required and name not in clean and (data.get(name) is None):
            where = f" to {_name(keys)} item {keys[-1] + 1}" if keys else ""
            ctx.error(keys, f"missing required field '{name}': add '{name}: ...'{where}")
            ok = False
    return clean, ok


COMMON: dict[str, tuple[Checker, bool]] = {
    "title": (text, True),
    "summary": (text, False),
    "date": (moment, False),
    "slug": (slug, False),
    "draft": (boolean, False),
    "image": (image, False),
    "image_alt": (text, False),
    "tags": (text_list, False),
    "weight": (integer, False),
    "aliases": (alias_list, False),
    "translated_from": (text, False),  # written by `expo translations --mark`
}

TYPE_FIELDS: dict[str, dict[str, tuple[Checker, bool]]] = {
    "solution": {
        "company": (text, True), "category": (data_key("categories"), True),
        "pavilion": (ref, False), "cities": (ref_list, False), "website": (url, False),
        "contact": (email, False), "video": (url, False), "gallery": (gallery, False),
        "meeting": (url_or_email, False), "brochure": (pdf, False),
    },
    "pavilion": {"organizer": (text, True)},
    "session": {
        "start": (text, True), "end": (text, True), "timezone": (timezone, True),
        "region": (data_key("regions"), True), "host": (text, False), "topic": (text, False),
        "speakers": (speakers, False), "livestream": (url, False),
        "questions": (url_or_email, False), "recording": (recording, False),
        "captions": (captions, False),
    },
    "city": {"country": (text, True), "region": (data_key("regions"), True),
             "leader": (text, False), "website": (url, False)},
    "tour": {"location": (text, False), "pavilion": (ref, False),
             "solutions": (ref_list, False), "video": (url, False), "gallery": (gallery, False)},
    "news": {"date": (moment, True), "author": (text, False)},
    "page": {},
}


def check_page(ctx: Context, kind: str) -> tuple[dict[str, Any], bool]:
    """The fields of one page that are right, and whether all are (every problem reported).

    A page with errors keeps its good fields so that its references and links are still
    checked: the editor sees all of a file's problems in one run.
    """
    spec = {**COMMON, **TYPE_FIELDS[kind]}
    data = dict(ctx.doc.data)
    # Session times are wall-clock times in the session's own zone: read them as text first.
    raw_start, raw_end = data.get("start"), data.get("end")
    if kind == "session":
        for key in ("start", "end"):
            if isinstance(data.get(key), datetime | date):
                data[key] = data[key].isoformat(sep=" ")
    fields, ok = check_fields(ctx, (), data, spec)
    if "image" in fields and "image_alt" not in fields and "image_alt" not in data:
        ctx.error(("image",), "'image_alt' is required with 'image': describe the picture "
                  "for visitors who cannot see it")
        ok = False
    if kind == "session" and {"start", "end", "timezone"} <= fields.keys():
        zone = fields["timezone"]
        start = moment(ctx, ("start",), raw_start, zone)
        end = moment(ctx, ("end",), raw_end, zone)
        if start is _INVALID or end is _INVALID:
            return fields, False
        if end <= start:
            ctx.error(("end",), "'end' must be after 'start'")
            ok = False
        fields["start"], fields["end"] = start, end
    if "captions" in fields and "://" in fields.get("recording", "://"):
        ctx.warning(("captions",), "'captions' are shown with a 'recording' that is a video "
                    "file (.mp4 or .webm) only: the video host shows its own")
    return fields, ok


def _is_web_url(value: str) -> bool:
    parts = split_url(value.strip())
    return (parts is not None and parts.scheme in ("http", "https") and bool(parts.netloc)
            and not any(c in value for c in "\x00\n\r\t <>\"'`"))


def _name(keys: tuple) -> str:
    names = [k for k in keys if isinstance(k, str)]
    return names[-1] if names else "value"


def _close_match(name: str, spec: dict) -> str:
    import difflib

    match = difflib.get_close_matches(name, list(spec), n=1, cutoff=0.6)
    return f": did you mean '{match[0]}'?" if match else " (it is ignored)"
