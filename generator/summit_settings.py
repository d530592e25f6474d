"""site.yaml's `summit`: the programme as a whole (SPEC §5) — its title, its acronym and its
organizers — typed, defaulted and validated like every other setting."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import Problems

# The frab schedule format's JSON schema (voc/schedule, validator/json/schema.json) accepts
# these acronyms only: letters, digits and "_" (a "-" first, or before a year and a word).
ACRONYM = re.compile(r"^[a-z0-9_-][a-z0-9_]{3,}(-2[0-9]{3}-[a-z]+)?$")
KEYS = {"title", "acronym", "organizer"}
WEB_URL = re.compile(r"^https?://[^\s<>\"'`]+$")


@dataclass(frozen=True)
class Organizer:
    name: dict[str, str]  # per language
    url: str | None = None


@dataclass(frozen=True)
class SummitSettings:
    """The programme as a whole (SPEC §5): its frab schedule, its schema.org Event."""

    title: dict[str, str] = field(default_factory=dict)  # {}: the section's title
    acronym: str = "summit"
    organizers: tuple[Organizer, ...] = ()


def default_acronym(site_title: str) -> str:
    """"Smart City Online" → "smart_city_online"; a title without Latin letters → "summit"."""
    acronym = re.sub(r"[^a-z0-9]+", "_", site_title.lower()).strip("_")
    return acronym if ACRONYM.match(acronym) else "summit"


def load_summit(value: dict | None, site_title: str, codes: list[str], path: Path,
                line: Callable[..., int], problems: Problems) -> SummitSettings:
    """summit: {title: {en: ..., zh-tw: ...}, acronym: mayors_summit, organizer: [{name, url}]}
    (`value`: the group, its keys checked; None: not a group, reported)."""
    default = SummitSettings(acronym=default_acronym(site_title))
    if value is None:
        return default
    title = _texts(value.get("title"), codes) if value.get("title") is not None else {}
    if title is None:
        problems.error(path, line("summit", "title"), "summit 'title' must be a text, or one "
                       "text per language like {en: Mayors' Summit, zh-tw: 市長論壇}")
        title = {}
    acronym = value.get("acronym", default.acronym)
    if not isinstance(acronym, str) or not ACRONYM.match(acronym):
        problems.error(path, line("summit", "acronym"), f"summit 'acronym' {acronym!r} is not "
                       "one conference apps accept: lower-case letters, digits and '_', at "
                       "least 4, like mayors_summit")
        acronym = default.acronym
    return SummitSettings(title, acronym, _organizers(value.get("organizer", []), codes, path,
                                                     line, problems))


def _texts(value: Any, codes: list[str]) -> dict[str, str] | None:
    """One text for every language, or one per language (the default's for a missing one)."""
    if isinstance(value, str) and value.strip():
        return {code: value.strip() for code in codes}
    if isinstance(value, dict) and value and all(isinstance(v, str) and v.strip()
                                                 for v in value.values()):
        first = str(value.get(codes[0], next(iter(value.values())))).strip() if codes else ""
        return {code: str(value.get(code, first)).strip() for code in codes}
    return None


def _organizers(value: Any, codes: list[str], path: Path, line: Callable[..., int],
                problems: Problems) -> tuple[Organizer, ...]:
    if not isinstance(value, list):
        value = [value]
    found = []
    for index, item in enumerate(value):
        item = {"name": item} if isinstance(item, str) else item
        name = _texts(item.get("name"), codes) if isinstance(item, dict) else None
        url = item.get("url") if isinstance(item, dict) else None
        if name is None or (url is not None and not (isinstance(url, str) and
                                                     WEB_URL.match(url))):
            problems.error(path, line("summit", "organizer", index), "each summit "
                           "'organizer' must be {name: ..., url: https://...}: a name (one "
                           "text, or one per language) and an optional web address")
            continue
        found.append(Organizer(name, url))
    return tuple(found)
