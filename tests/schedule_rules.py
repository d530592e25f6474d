"""The rules of the frab schedule format, written here in Python from voc/schedule's two schemas
(validator/xsd/schedule.xml.xsd for schedule.xml, validator/json/schema.json for
schedule.json): required elements and fields, their types and patterns, what may appear at
all, and what must be unique. Each function returns what breaks a rule, one line each.
"""

from __future__ import annotations

import re
import uuid
import xml.etree.ElementTree as ET
from datetime import date, datetime
from typing import Any

# -- types of the XSD (patterns are whole-value matches there) --------------------------------
DATE_TIME_TZ = re.compile(r".+(Z|\+[0-9]{1,2}:[0-9]{2}|-[0-9]{1,2}:[0-9]{2})")
DURATION = re.compile(r"([0-9]{1,2}:[0-9]{2})|([0-9]{1,2}:[0-9]{2}:[0-9]{1,2})")
START = re.compile(r"([0-2][0-9]:[0-5][0-9])|([0-2][0-9]:[0-5][0-9]:[0-5][0-9])")
UUID = re.compile(r"[0-9a-fA-F]{8}(-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}")
ACRONYM = re.compile(r"[a-z0-9_-]{4,}")
VOC_SLUG = re.compile(r"[a-z0-9_]{4,}-[a-z0-9\-_]{4,}")
TRACK_SLUG = re.compile(r"[a-z][a-z0-9-]+")
HTTP_URI = re.compile(r"https?://.*")
HEX_COLOR = re.compile(r"#[0-9a-fA-F]{6}")

CONFERENCE_ONCE = {"title", "acronym", "start", "end", "days", "timeslot_duration", "base_url",
                   "logo", "url", "time_zone_name"}
EVENT_REQUIRED = {"room", "title", "type", "date", "start", "duration", "abstract", "track"}
EVENT_OPTIONAL = {"subtitle", "slug", "logo", "persons", "language", "description",
                  "recording", "links", "attachments", "video_download_url", "url",
                  "feedback_url", "origin_url"}


def _date_time_tz(value: str | None) -> bool:
    if value is None or not DATE_TIME_TZ.fullmatch(value):
        return False
    try:
        datetime.fromisoformat(value)
    except ValueError:
        return False
    return "T" in value


def _xs_date(value: str | None) -> bool:
    if value is None or not re.fullmatch(r"-?\d{4,}-\d{2}-\d{2}", value):
        return False
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return True


def _positive(value: str | None) -> bool:
    return value is not None and re.fullmatch(r"\+?0*[1-9][0-9]*", value.strip()) is not None


def xml_problems(root: ET.Element) -> list[str]:
    """What in a parsed schedule.xml breaks the XSD's rules."""
    found: list[str] = []
    if root.tag != "schedule":
        return [f"root is <{root.tag}>, not <schedule>"]
    order = ["generator", "url", "version", "conference", "day"]
    tags = [child.tag for child in root]
    positions = [order.index(t) if t in order else -1 for t in tags]
    if -1 in positions or positions != sorted(positions):
        found.append(f"<schedule> holds {tags}: generator?, url?, version, conference, day+")
    for tag in ("version", "conference"):
        if tags.count(tag) != 1:
            found.append(f"<schedule> needs exactly one <{tag}>")
    if tags.count("generator") > 1 or tags.count("url") > 1:
        found.append("<schedule> holds more than one <generator> or <url>")
    if "day" not in tags:
        found.append("<schedule> needs at least one <day>")
    for url in root.findall("url"):
        if not HTTP_URI.fullmatch(url.text or ""):
            found.append(f"<schedule><url> {url.text!r} is no http(s) URI")
    for conference in root.findall("conference"):
        found += _xml_conference(conference)
    indexes = [day.get("index") for day in root.findall("day")]
    if len(set(indexes)) != len(indexes):
        found.append(f"day indexes are not unique: {indexes}")
    for day in root.findall("day"):
        found += _xml_day(day)
    events = root.findall("day/room/event")
    for name, values in (("guid", [e.get("guid") for e in events]),
                         ("id", [e.get("id") for e in events]),
                         ("code", [e.get("code") for e in events if e.get("code")]),
                         ("slug", [s.text for s in root.findall("day/room/event/slug")])):
        if len(set(values)) != len(values):
            found.append(f"event {name}s are not unique: {values}")
    return found


def _xml_conference(conference: ET.Element) -> list[str]:
    found = []
    tags = [child.tag for child in conference]
    for child in conference:
        text = child.text or ""
        if child.tag not in CONFERENCE_ONCE | {"color", "track"}:
            found.append(f"<conference> may not hold <{child.tag}>")
        elif child.tag in CONFERENCE_ONCE and tags.count(child.tag) > 1:
            found.append(f"<conference> holds <{child.tag}> more than once")
        if child.tag == "acronym" and not ACRONYM.fullmatch(text):
            found.append(f"acronym {text!r} breaks [a-z0-9_-]{{4,}}")
        if child.tag in ("start", "end") and not (_date_time_tz(text) or _xs_date(text)):
            found.append(f"conference <{child.tag}> {text!r} is no date or date-time with zone")
        if child.tag == "days" and not re.fullmatch(r"[+-]?[0-9]+", text.strip()):
            found.append(f"conference <days> {text!r} is no integer")
        if child.tag == "timeslot_duration" and not DURATION.fullmatch(text):
            found.append(f"timeslot_duration {text!r} is no duration")
        if child.tag in ("base_url", "logo", "url") and not HTTP_URI.fullmatch(text):
            found.append(f"conference <{child.tag}> {text!r} is no http(s) URI")
        if child.tag == "track":
            if child.get("name") is None:
                found.append("a <track> has no name")
            if child.get("slug") is not None and not TRACK_SLUG.fullmatch(child.get("slug")):
                found.append(f"track slug {child.get('slug')!r} breaks [a-z][a-z0-9-]+")
            if child.get("color") is not None and not HEX_COLOR.fullmatch(child.get("color")):
                found.append(f"track color {child.get('color')!r} is no #rrggbb")
    return found


def _xml_day(day: ET.Element) -> list[str]:
    found = []
    where = f"day {day.get('index')}"
    for name in ("start", "end"):
        if not _date_time_tz(day.get(name)):
            found.append(f"{where}: {name}={day.get(name)!r} is no date-time with zone")
    if not _positive(day.get("index")):
        found.append(f"{where}: index is no positive integer")
    if day.get("date") is not None and not _xs_date(day.get("date")):
        found.append(f"{where}: date={day.get('date')!r} is no date")
    for room in day:
        if room.tag != "room":
            found.append(f"{where} may hold <room> only, not <{room.tag}>")
            continue
        if room.get("name") is None:
            found.append(f"{where}: a room has no name")
        if room.get("guid") is not None and not UUID.fullmatch(room.get("guid")):
            found.append(f"{where}: room guid {room.get('guid')!r} is no UUID")
        for event in room:
            if event.tag != "event":
                found.append(f"room {room.get('name')} may hold <event> only")
            else:
                found += _xml_event(event)
    return found


def _xml_event(event: ET.Element) -> list[str]:
    found = []
    where = f"event {event.get('guid')}"
    tags = [child.tag for child in event]
    for tag in EVENT_REQUIRED:
        if tag not in tags:
            found.append(f"{where}: <{tag}> is missing")
    for tag in tags:
        if tag not in EVENT_REQUIRED | EVENT_OPTIONAL:
            found.append(f"{where}: <{tag}> is not allowed in <event>")
        elif tags.count(tag) > 1:
            found.append(f"{where}: <{tag}> is there more than once")
    if not _positive(event.get("id")):
        found.append(f"{where}: id {event.get('id')!r} is no positive integer")
    if not UUID.fullmatch(event.get("guid") or ""):
        found.append(f"{where}: guid is no UUID")
    if event.get("code") is not None and not re.fullmatch(r"[0-9A-Z]{6}", event.get("code")):
        found.append(f"{where}: code {event.get('code')!r} breaks [0-9A-Z]{{6}}")
    checks = {"date": _date_time_tz, "start": lambda v: bool(START.fullmatch(v or "")),
              "duration": lambda v: bool(DURATION.fullmatch(v or "")),
              "slug": lambda v: bool(VOC_SLUG.fullmatch(v or "")),
              "logo": lambda v: bool(re.fullmatch(r"https?://.*|\s*", v or "")),
              **{t: lambda v: bool(HTTP_URI.fullmatch(v or "")) for t in (
                  "url", "video_download_url", "feedback_url", "origin_url")}}
    for child in event:
        if child.tag in checks and not checks[child.tag](child.text):
            found.append(f"{where}: <{child.tag}> {child.text!r} breaks its type")
        if child.tag in ("persons", "links", "attachments"):
            item = {"persons": "person", "links": "link", "attachments": "attachment"}[child.tag]
            for grandchild in child:
                if grandchild.tag != item or len(grandchild):
                    found.append(f"{where}: <{child.tag}> holds <{grandchild.tag}>")
                if item == "person" and grandchild.get("guid") is not None and \
                        not UUID.fullmatch(grandchild.get("guid")):
                    found.append(f"{where}: a person's guid is no UUID")
        if child.tag == "recording" and {c.tag for c in child} < {"license", "optout"}:
            found.append(f"{where}: <recording> needs <license> and <optout>")
    return found


# -- the JSON schema (draft-06: patterns are searched, formats as jsonschema reads them) --------
JSON_ACRONYM = re.compile(r"^[a-z0-9_-][a-z0-9_]{3,}(-2[0-9]{3}-[a-z]+)?$")
JSON_ZONE = re.compile(r"^([A-Z][a-z]+/[A-Z][a-z]+)|UTC$")
JSON_SLUG = re.compile(r"^[a-z0-9_-]+[a-z0-9]$")
JSON_START = re.compile(r"^(0[0-9]|1[0-9]|2[0-3]):[0-5][0-9]$")
JSON_DURATION = re.compile(r"^[0-9]+:[0-9]{2}$")
CONFERENCE_FIELDS = {"acronym", "title", "description", "start", "end", "daysCount",
                     "timeslot_duration", "time_zone_name", "logo", "colors", "keywords", "url",
                     "tracks", "rooms", "meta", "days"}
CONFERENCE_REQUIRED = {"title", "acronym", "days", "daysCount", "start", "end",
                       "timeslot_duration"}
EVENT_FIELDS = {"guid", "code", "id", "logo", "date", "start", "end", "duration", "room",
                "slug", "url", "title", "subtitle", "track", "type", "language", "abstract",
                "description", "recording_license", "do_not_record", "do_not_stream",
                "persons", "links", "feedback_url", "origin_url", "attachments"}
JSON_EVENT_REQUIRED = {"abstract", "date", "duration", "guid", "id", "language", "links",
                       "persons", "room", "slug", "start", "subtitle", "title", "track", "type",
                       "url"}
REFERENCE_TYPES = {"slides", "paper", "web", "blog", "article", "media", "related",
                   "activitypub"}
NULLABLE_TEXT = ("subtitle", "track", "language", "abstract", "description")


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _uuid(value: Any) -> bool:
    try:
        uuid.UUID(value)
    except (TypeError, ValueError, AttributeError):
        return False
    return isinstance(value, str) and UUID.fullmatch(value) is not None


def _json_date_time(value: Any) -> bool:
    """RFC 3339 date-time, as the schema's "date-time" format: a zone is required."""
    return isinstance(value, str) and re.fullmatch(
        r"\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})", value
    ) is not None and _date_time_tz(value.upper())


def _uri(value: Any) -> bool:
    return isinstance(value, str) and re.match(r"^[A-Za-z][A-Za-z0-9+.-]*:\S+$", value) is not None


def json_problems(data: Any) -> list[str]:
    """What in a loaded schedule.json breaks the JSON schema's rules."""
    if not isinstance(data, dict):
        return ["the document is no object"]
    found = [f"top-level field {k!r} is not allowed" for k in data
             if k not in ("schedule", "$schema", "generator")]
    schedule = data.get("schedule")
    if not isinstance(schedule, dict):
        return [*found, "'schedule' is missing or no object"]
    for key in ("conference", "version"):
        if key not in schedule:
            found.append(f"schedule needs {key!r}")
    if not isinstance(schedule.get("version", ""), str):
        found.append("schedule version is no string")
    if "rooms" in schedule:
        found.append("schedule may not hold 'rooms'")
    if "base_url" in schedule and not _uri(schedule["base_url"]):
        found.append("schedule base_url is no URI")
    conference = schedule.get("conference")
    if not isinstance(conference, dict):
        return [*found, "conference is no object"]
    found += [f"conference needs {k!r}" for k in sorted(CONFERENCE_REQUIRED - conference.keys())]
    found += [f"conference may not hold {k!r}" for k in conference if k not in CONFERENCE_FIELDS]
    if not JSON_ACRONYM.search(str(conference.get("acronym"))) or not isinstance(
            conference.get("acronym"), str):
        found.append(f"acronym {conference.get('acronym')!r} breaks the schema's pattern")
    if not _is_int(conference.get("daysCount")):
        found.append("daysCount is no integer")
    for key in ("title", "start", "end", "timeslot_duration"):
        if not isinstance(conference.get(key), str):
            found.append(f"conference {key} is no string")
    if "time_zone_name" in conference and not JSON_ZONE.search(conference["time_zone_name"]):
        found.append(f"time_zone_name {conference['time_zone_name']!r} breaks the pattern")
    for track in conference.get("tracks", []):
        if "slug" in track and not JSON_SLUG.search(track["slug"]):
            found.append(f"track slug {track['slug']!r} breaks the pattern")
    for room in conference.get("rooms", []):
        found += [f"room {room.get('name')!r} needs {k!r}" for k in ("name", "guid")
                  if k not in room]
        if "guid" in room and not _uuid(room["guid"]):
            found.append(f"room {room.get('name')!r}: guid is no UUID")
    days = conference.get("days")
    if not isinstance(days, list):
        return [*found, "conference days is no list"]
    for day in days:
        found += _json_day(day)
    return found


def _json_day(day: dict) -> list[str]:
    where = f"day {day.get('index')}"
    found = [f"{where}: {k!r} is missing" for k in ("date", "day_end", "day_start", "index",
                                                      "rooms") if k not in day]
    found += [f"{where}: {k!r} is not allowed" for k in day
              if k not in ("index", "date", "day_start", "day_end", "rooms")]
    if not _is_int(day.get("index")):
        found.append(f"{where}: index is no integer")
    if not (isinstance(day.get("date"), str) and _xs_date(day["date"])):
        found.append(f"{where}: date is no date")
    for key in ("day_start", "day_end"):
        if not _json_date_time(day.get(key)):
            found.append(f"{where}: {key} {day.get(key)!r} is no date-time")
    rooms = day.get("rooms")
    if not isinstance(rooms, dict):
        return [*found, f"{where}: rooms is no object"]
    for events in rooms.values():
        if not isinstance(events, list):
            found.append(f"{where}: a room's events are no list")
            continue
        for event in events:
            found += _json_event(event)
    return found


def _json_event(event: dict) -> list[str]:
    where = f"event {event.get('guid')}"
    found = [f"{where}: {k!r} is missing" for k in sorted(JSON_EVENT_REQUIRED - event.keys())]
    found += [f"{where}: {k!r} is not allowed" for k in event if k not in EVENT_FIELDS]
    if not _uuid(event.get("guid")):
        found.append(f"{where}: guid is no UUID")
    if not (_is_int(event.get("id")) and event["id"] >= 1):
        found.append(f"{where}: id is no integer of at least 1")
    if not _json_date_time(event.get("date")):
        found.append(f"{where}: date {event.get('date')!r} is no date-time")
    if "end" in event and not _json_date_time(event["end"]):
        found.append(f"{where}: end {event['end']!r} is no date-time")
    if not (isinstance(event.get("start"), str) and JSON_START.search(event["start"])):
        found.append(f"{where}: start {event.get('start')!r} breaks HH:MM")
    if not (isinstance(event.get("duration"), str) and JSON_DURATION.search(event["duration"])):
        found.append(f"{where}: duration {event.get('duration')!r} breaks H:MM")
    if not (isinstance(event.get("slug"), str) and JSON_SLUG.search(event["slug"])):
        found.append(f"{where}: slug {event.get('slug')!r} breaks the pattern")
    for key in ("room", "title", "type"):
        if not isinstance(event.get(key), str):
            found.append(f"{where}: {key} is no string")
    for key in NULLABLE_TEXT:
        if not (event.get(key) is None or isinstance(event.get(key), str)):
            found.append(f"{where}: {key} is neither a string nor null")
    if not _uri(event.get("url")):
        found.append(f"{where}: url is no URI")
    for person in event.get("persons") if isinstance(event.get("persons"), list) else [None]:
        if not isinstance(person, dict):
            found.append(f"{where}: persons is no list of objects")
            continue
        frab = "public_name" in person and "id" in person
        pretalx = isinstance(person.get("name"), str)
        if frab == pretalx:  # oneOf: exactly one of FrabPerson, PretalxPerson
            found.append(f"{where}: person {person} is not exactly one of frab's or pretalx's")
    for link in event.get("links") if isinstance(event.get("links"), list) else [None]:
        if not isinstance(link, dict) or "url" not in link or not _uri(link["url"]):
            found.append(f"{where}: link {link} has no URI 'url'")
            continue
        found += [f"{where}: link field {k!r} is not allowed" for k in link
                  if k not in ("type", "url", "title")]
        if "type" in link and link["type"] not in REFERENCE_TYPES:
            found.append(f"{where}: link type {link['type']!r} is not one of the schema's")
    return found
