"""schema.org structured data (JSON-LD) for sessions and solutions.

Search engines and calendar assistants read these: a session is an online `Event` with a
`VirtualLocation`, a solution a `Service` offered by its company's `Organization`.
"""

from __future__ import annotations

import json
from typing import Any

from markupsafe import Markup

# What json.dumps(data, ensure_ascii=False, separators=(",", ":")) makes for every call.
_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))


def dump(data: dict[str, Any]) -> Markup:
    """JSON safe inside <script>: no '<', '>' or '&' can end the element early."""
    text = _ENCODER.encode(data)
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return Markup(text)


def event(view, site_title: str, base_url: str) -> dict[str, Any]:
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "Event",
        "name": view.title,
        "description": view.summary,
        "url": view.abs_url,
        "inLanguage": view.html_lang,
        "startDate": view.start.isoformat(),
        "endDate": view.end.isoformat(),
        "eventAttendanceMode": "https://schema.org/OnlineEventAttendanceMode",
        "eventStatus": "https://schema.org/EventScheduled",
        "location": {"@type": "VirtualLocation", "url": view.livestream or view.abs_url},
        "organizer": {"@type": "Organization", "name": site_title, "url": base_url},
        "performer": [_person(s) for s in view.speakers],
    }
    if view.image:
        data["image"] = [view.image["abs_url"]]
    if view.host:
        data["organizer"]["member"] = {"@type": "Person", "name": view.host}
    return data


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


def _person(speaker: dict[str, Any]) -> dict[str, Any]:
    person: dict[str, Any] = {"@type": "Person", "name": speaker["name"]}
    if speaker.get("title"):
        person["jobTitle"] = speaker["title"]
    if speaker.get("city"):
        person["affiliation"] = {"@type": "City", "name": speaker["city"].title,
                                 "url": speaker["city"].abs_url}
    return person
