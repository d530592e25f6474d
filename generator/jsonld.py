"""schema.org structured data (JSON-LD) for sessions and solutions.

Search engines and calendar assistants read these: a session is an online `Event` with a
`VirtualLocation`, a sub-event of the summit's `Event`, recorded in a `VideoObject` once there
is a replay; a solution a `Service` offered by its company's `Organization`.
"""

from __future__ import annotations

import json
from typing import Any
from zoneinfo import ZoneInfo

from markupsafe import Markup

from .config import SiteConfig

# What json.dumps(data, ensure_ascii=False, separators=(",", ":")) makes for every call.
_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))


def dump(data: dict[str, Any]) -> Markup:
    """JSON safe inside <script>: no '<', '>' or '&' can end the element early."""
    text = _ENCODER.encode(data)
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return Markup(text)


ONLINE = "https://schema.org/OnlineEventAttendanceMode"
SCHEDULED = "https://schema.org/EventScheduled"


def summit(config: SiteConfig, lang: str, url: str, name: str, sessions: list[dict]
           ) -> dict[str, Any]:
    """The summit as one Event (`site.yaml`'s `summit`), spanning its sessions; identified by
    `@id`, which every session names as its `superEvent`."""
    zone = ZoneInfo(config.timezone)
    data: dict[str, Any] = {
        "@type": "Event",
        "@id": url + "#event",
        "name": name,
        "alternateName": config.summit.acronym,
        "url": url,
        "eventAttendanceMode": ONLINE,
        "eventStatus": SCHEDULED,
        "location": {"@type": "VirtualLocation", "url": url},
        "organizer": organizers(config, lang),
    }
    if sessions:
        data["startDate"] = min(s["start"] for s in sessions).astimezone(zone).isoformat()
        data["endDate"] = max(s["end"] for s in sessions).astimezone(zone).isoformat()
    return data


def event(view, summit_event: dict[str, Any], government: str) -> dict[str, Any]:
    """A session: an online Event of the summit, its speakers performers affiliated with their
    city's government (`government`: "Government of {city}" in the page's language)."""
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "Event",
        "@id": view.abs_url + "#event",
        "name": view.title,
        "description": view.summary,
        "url": view.abs_url,
        "inLanguage": view.html_lang,
        "startDate": view.start.isoformat(),
        "endDate": view.end.isoformat(),
        "eventAttendanceMode": ONLINE,
        "eventStatus": SCHEDULED,
        "location": {"@type": "VirtualLocation", "url": view.livestream or view.abs_url},
        "organizer": summit_event["organizer"],
        "performer": [_person(s, government) for s in view.speakers],
        "superEvent": summit_event,
    }
    if view.image:
        data["image"] = [view.image["abs_url"]]
    if view.host:  # the first organizer hosts
        host = {"@type": "Person", "name": view.host}
        named = data["organizer"]
        data["organizer"] = dict(named, member=host) if isinstance(named, dict) else [
            dict(named[0], member=host), *named[1:]]
    if view.replay:
        data["recordedIn"] = video(view, view.replay)
    return data


def video(view, replay: dict[str, Any]) -> dict[str, Any]:
    """The recording of a session, as Google's video rich results read it."""
    data: dict[str, Any] = {"@type": "VideoObject", "name": view.title,
                            "description": view.summary or view.title,
                            "uploadDate": view.end.isoformat()}
    player = replay["player"]
    if player:
        data["url"] = replay["url"]
        data["embedUrl"] = player["embed"].split("?")[0]
    else:
        data["contentUrl"] = replay["abs_url"]
        data["encodingFormat"] = replay["type"]
    if view.image:
        data["thumbnailUrl"] = [view.image["abs_url"]]
    elif player and player["provider"] == "youtube":
        data["thumbnailUrl"] = [f"https://i.ytimg.com/vi/{player['id']}/hqdefault.jpg"]
    return data


def organizers(config: SiteConfig, lang: str) -> dict[str, Any] | list[dict[str, Any]]:
    """The summit's organizers from `site.yaml` (one: itself, not a list); without any, the
    site itself."""
    found = [{"@type": "Organization", "name": o.name.get(lang, ""),
              **({"url": o.url} if o.url else {})} for o in config.summit.organizers]
    if len(found) > 1:
        return found
    return found[0] if found else {"@type": "Organization", "name": config.title.get(lang, ""),
                                   "url": config.base_url}


def service(view) -> dict[str, Any]:
    provider: dict[str, Any] = {"@type": "Organization", "name": view.company}
    if view.website:
        provider["url"] = view.website
    if view.contact:
        provider["email"] = view.contact
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "Service",
        "name": view.title,
        "description": view.summary,
        "url": view.abs_url,
        "inLanguage": view.html_lang,
        "provider": provider,
        "serviceType": view.category["label"],
        "areaServed": [{"@type": "City", "name": c.title, "url": c.abs_url}
                       for c in view.cities],
    }
    if view.image:
        data["image"] = [view.image["abs_url"]]
    return data


def _person(speaker: dict[str, Any], government: str) -> dict[str, Any]:
    person: dict[str, Any] = {"@type": "Person", "name": speaker["name"]}
    if speaker.get("title"):
        person["jobTitle"] = speaker["title"]
    city = speaker.get("city")
    if city:
        person["affiliation"] = {
            "@type": "GovernmentOrganization",
            "name": government.format(city=city.title),
            "url": city.website or city.abs_url,
            "areaServed": {"@type": "City", "name": city.title, "url": city.abs_url}}
    return person
