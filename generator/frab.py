"""The summit programme for conference apps: /<lang>/summit/schedule.xml and schedule.json in
the frab schedule format (pretalx and frab export it; Giggity, EventFahrplan, ConfClerk and
info-beamer read it).

Its rules are voc/schedule's XSD (validator/xsd/schedule.xml.xsd) and JSON schema
(validator/json/schema.json). Where they differ (how days and people are written, what an
event must hold), each file follows its own schema. Days, `start` and `date` are in the site's
time zone; a session's region is its room and its track. Identifiers come from page addresses,
so an app keeps a starred session across builds.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
import uuid
import xml.etree.ElementTree as ET
from dataclasses import asdict, dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from .i18n import Strings
from .markdown import plain_text
from .model import Page
from .site import Site
from .urls import absolute, media_href, web_or_mail
from .views import data_label

SCHEMA = "https://c3voc.de/schedule/schema.json"
# Patterns of the two schemas a value must match to be written at all where it is optional.
XSD_SLUG = re.compile(r"[a-z0-9_]{4,}-[a-z0-9\-_]{4,}")  # an event's <slug> (voc-slug-new)
XSD_TRACK_SLUG = re.compile(r"[a-z][a-z0-9-]+")
JSON_SLUG = re.compile(r"^[a-z0-9_-]+[a-z0-9]$")
JSON_ZONE = re.compile(r"^([A-Z][a-z]+/[A-Z][a-z]+)|UTC$")
THEME_DEFAULTS = {"section.summit": "Summit", "session.stream_title": "Livestream",
                  "session.replay_title": "Replay", "field.questions": "Questions"}


def schedule_paths(lang: str) -> tuple[str, str]:
    """Where a language's programme is written: its schedule.xml and schedule.json."""
    return f"{lang}/summit/schedule.xml", f"{lang}/summit/schedule.json"


@dataclass(frozen=True)
class Labels:
    """What the programme says that is not a page's: its title and the names of links and rooms
    in one language (part of what a rebuild compares)."""

    title: str
    stream: str
    replay: str
    questions: str
    regions: tuple[tuple[str, str], ...]  # (key, label)

    @classmethod
    def of(cls, site: Site, strings: Strings, lang: str, sessions: list[Page]) -> Labels:
        def text(key: str) -> str:  # a theme of its own may not have the key
            try:
                return strings.get(lang, key)
            except KeyError:
                return THEME_DEFAULTS[key]

        section = site.page("summit", lang)
        title = site.config.summit.title.get(lang) or (
            section.title if section is not None else text("section.summit"))
        regions = sorted({p.fields["region"] for p in sessions})
        return cls(title, text("session.stream_title"), text("session.replay_title"),
                   text("field.questions"),
                   tuple((key, data_label(site, "regions", key, lang)) for key in regions))


@dataclass
class Link:
    url: str
    title: str
    type: str  # of the JSON schema's Reference: "media", "web"


@dataclass
class Event:
    guid: str
    id: int
    start: datetime  # in the programme's zone
    end: datetime
    room: str  # the region's label, also the track
    slug: str
    url: str
    title: str
    subtitle: str | None
    language: str
    abstract: str
    description: str
    persons: list[str]
    links: list[Link]

    @property
    def duration(self) -> str:
        return _hours_minutes(int((self.end - self.start).total_seconds() // 60))


@dataclass
class Day:
    index: int
    date: date
    events: list[Event]

    @property
    def start(self) -> datetime:
        return min(e.start for e in self.events)

    @property
    def end(self) -> datetime:
        return max(e.end for e in self.events)

    def rooms(self) -> dict[str, list[Event]]:
        rooms: dict[str, list[Event]] = {}
        for event in self.events:
            rooms.setdefault(event.room, []).append(event)
        return rooms


@dataclass
class Programme:
    title: str
    acronym: str
    zone: str
    url: str  # the summit page
    base_url: str
    rooms: list[tuple[str, str, str]]  # (label, key, guid)
    days: list[Day]

    @property
    def timeslot(self) -> str:
        """The grid every session fits: the greatest common divisor of an hour, the starts'
        minutes and the sessions' lengths."""
        minutes = [60]
        for event in (e for day in self.days for e in day.events):
            minutes += [event.start.minute, int((event.end - event.start).total_seconds() // 60)]
        return _hours_minutes(math.gcd(*minutes))

    @property
    def version(self) -> str:
        """Changes whenever what the programme says changes (apps compare it)."""
        text = repr((self.title, self.acronym, self.zone, self.rooms,
                     [asdict(day) for day in self.days]))
        return hashlib.blake2b(text.encode(), digest_size=6).hexdigest()


def programme(site: Site, lang: str, sessions: list[Page], labels: Labels) -> Programme:
    """The summit as a visitor of `lang` reads it (a session without a translation in its
    default language), in the site's time zone."""
    config = site.config
    zone = ZoneInfo(config.timezone)
    summit_url = absolute(config, f"{lang}/summit/")
    rooms = dict(labels.regions)
    taken: set[int] = set()
    events = [_event(site, page, zone, rooms[page.fields["region"]], labels, taken)
              for page in sorted(sessions, key=lambda p: p.key)]  # ids taken in a stable order
    events.sort(key=lambda e: (e.start, e.end, e.slug))
    dates = sorted({e.start.date() for e in events})
    days = [Day(index, day, [e for e in events if e.start.date() == day])
            for index, day in enumerate(dates, 1)]
    return Programme(labels.title, config.summit.acronym, config.timezone, summit_url,
                     config.base_url,
                     [(label, key, _guid(f"{summit_url}#room-{key}")) for key, label in
                      labels.regions], days)


def _event(site: Site, page: Page, zone: ZoneInfo, room: str, labels: Labels,
           taken: set[int]) -> Event:
    config, fields = site.config, page.fields
    url = absolute(config, page.url_path)
    guid = _guid(url)
    number = int(guid.replace("-", "")[:8], 16) % 2_000_000_000 + 1  # fits every app's int
    while number in taken:
        number += 1
    taken.add(number)
    links = []
    if fields.get("livestream"):
        links.append(Link(fields["livestream"], labels.stream, "media"))
    recording = fields.get("recording")
    if isinstance(recording, str):
        address = recording if recording.startswith(("http://", "https://")) else \
            media_href(config, recording, full=True)
        links.append(Link(address, labels.replay, "media"))
    if fields.get("questions"):
        links.append(Link(web_or_mail(fields["questions"]), labels.questions, "web"))
    return Event(guid, number, fields["start"].astimezone(zone), fields["end"].astimezone(zone),
                 room, f"{config.summit.acronym}-{page.slug}", url, page.title,
                 fields.get("topic"), config.language(page.lang).html_lang,
                 fields.get("summary", ""), plain_text(page.html),
                 [s["name"] for s in fields.get("speakers") or ()], links)


def _guid(address: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, address))


def _hours_minutes(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def schedule_xml(p: Programme, file_url: str) -> bytes:
    """schedule.xml, after validator/xsd/schedule.xml.xsd."""
    root = ET.Element("schedule")
    ET.SubElement(root, "generator", name="expo")
    _text(root, "url", file_url)
    _text(root, "version", p.version)
    conference = ET.SubElement(root, "conference")
    for tag, value in (("title", p.title), ("acronym", p.acronym),
                       ("start", p.days[0].date.isoformat()),
                       ("end", p.days[-1].date.isoformat()), ("days", str(len(p.days))),
                       ("timeslot_duration", p.timeslot), ("base_url", p.base_url),
                       ("url", p.url), ("time_zone_name", p.zone)):
        _text(conference, tag, value)
    for label, key, _ in p.rooms:
        track = ET.SubElement(conference, "track", name=label)
        if XSD_TRACK_SLUG.fullmatch(key):
            track.set("slug", key)
    for day in p.days:
        element = ET.SubElement(root, "day", {
            "index": str(day.index), "date": day.date.isoformat(),
            "start": _stamp(day.start), "end": _stamp(day.end)})
        guids = {label: guid for label, _, guid in p.rooms}
        for name, events in day.rooms().items():
            room = ET.SubElement(element, "room", name=name, guid=guids[name])
            for event in events:
                _xml_event(room, event)
    ET.indent(root)
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, encoding="utf-8") \
        + b"\n"


def _xml_event(room: ET.Element, event: Event) -> None:
    element = ET.SubElement(room, "event", guid=event.guid, id=str(event.id))
    for tag, value in (("date", _stamp(event.start)), ("start", event.start.strftime("%H:%M")),
                       ("duration", event.duration), ("room", event.room),
                       ("slug", event.slug if XSD_SLUG.fullmatch(event.slug) else None),
                       ("url", event.url), ("title", event.title),
                       ("subtitle", event.subtitle or ""), ("track", event.room),
                       ("type", "panel"), ("language", event.language),
                       ("abstract", event.abstract), ("description", event.description)):
        if value is not None:
            _text(element, tag, value)
    persons = ET.SubElement(element, "persons")
    for name in event.persons:
        _text(persons, "person", name)
    links = ET.SubElement(element, "links")
    for link in event.links:
        ET.SubElement(links, "link", href=link.url, type=link.type).text = link.title


def schedule_json(p: Programme, file_url: str) -> bytes:
    """schedule.json, after validator/json/schema.json."""
    conference = {
        "acronym": p.acronym, "title": p.title,
        "start": p.days[0].date.isoformat(), "end": p.days[-1].date.isoformat(),
        "daysCount": len(p.days), "timeslot_duration": p.timeslot,
        **({"time_zone_name": p.zone} if JSON_ZONE.search(p.zone) else {}),
        "url": p.url,
        "tracks": [{"name": label, **({"slug": key} if JSON_SLUG.search(key) else {})}
                   for label, key, _ in p.rooms],
        "rooms": [{"name": label, "guid": guid} for label, _, guid in p.rooms],
        "days": [{"index": day.index, "date": day.date.isoformat(),
                  "day_start": _stamp(day.start), "day_end": _stamp(day.end),
                  "rooms": {name: [_json_event(e) for e in events]
                            for name, events in day.rooms().items()}}
                 for day in p.days],
    }
    data = {"$schema": SCHEMA, "generator": {"name": "expo"},
            "schedule": {"version": p.version, "base_url": p.base_url, "url": file_url,
                         "conference": conference}}
    return json.dumps(data, ensure_ascii=False, indent=1).encode("utf-8") + b"\n"


def _json_event(event: Event) -> dict:
    return {
        "guid": event.guid, "id": event.id, "date": _stamp(event.start),
        "start": event.start.strftime("%H:%M"), "end": _stamp(event.end),
        "duration": event.duration, "room": event.room, "slug": event.slug, "url": event.url,
        "title": event.title, "subtitle": event.subtitle, "track": event.room, "type": "panel",
        "language": event.language, "abstract": event.abstract,
        "description": event.description, "persons": [{"name": n} for n in event.persons],
        "links": [{"url": link.url, "title": link.title, "type": link.type}
                  for link in event.links],
    }


def _stamp(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")


def _text(parent: ET.Element, tag: str, text: str) -> ET.Element:
    element = ET.SubElement(parent, tag)
    element.text = text
    return element


def schedule_files(site: Site, lang: str, sessions: list[Page], labels: Labels
                   ) -> dict[str, bytes]:
    """Both files of a language's programme, by output path."""
    made = programme(site, lang, sessions, labels)
    xml_path, json_path = schedule_paths(lang)
    return {xml_path: schedule_xml(made, absolute(site.config, xml_path)),
            json_path: schedule_json(made, absolute(site.config, json_path))}
