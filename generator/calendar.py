"""Summit sessions as iCalendar files (RFC 5545), written with the `icalendar` library.

Times keep the session's own zone (TZID plus a VTIMEZONE covering the session's year), so
calendar programs show the right instant on both sides of a daylight-saving change. UIDs come
from the translation key and the site's host: the same session keeps its UID across builds and
languages' files, and nothing depends on the time of the build.
"""

from __future__ import annotations

from datetime import UTC, date
from urllib.parse import urlsplit

import icalendar

from .site import Site
from .urls import absolute


def session_ics_path(url_path: str) -> str:
    """The calendar file of one session, beside its page: en/summit/x/ → en/summit/x/x.ics."""
    slug = url_path.rstrip("/").rsplit("/", 1)[-1]
    return f"{url_path}{slug}.ics"


def summit_ics_path(lang: str) -> str:
    return f"{lang}/summit/summit.ics"


def calendar(site: Site, lang: str, sessions: list) -> bytes:
    """One VCALENDAR holding `sessions` (Pages), as a visitor of `lang` reads them."""
    cal = icalendar.Calendar()
    cal.add("prodid", "-//expo//Smart City Online//EN")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", site.config.title.get(lang, ""))
    host = urlsplit(site.config.base_url).hostname or "expo"
    years = []
    for page in sessions:
        fields = page.fields
        page_url = absolute(site.config, page.url_path)
        event = icalendar.Event()
        event.add("uid", f"{page.key.replace('/', '-')}@{host}")
        event.add("dtstamp", fields["start"].astimezone(UTC))  # reproducible, not build time
        event.add("dtstart", fields["start"])
        event.add("dtend", fields["end"])
        event.add("summary", page.title)
        description = [fields.get("summary", ""), fields.get("topic", ""), page_url]
        if fields.get("questions"):
            description.append(fields["questions"])
        event.add("description", "\n\n".join(d for d in description if d))
        event.add("url", fields.get("livestream") or page_url)
        event.add("location", fields.get("livestream") or page_url)
        cal.add_component(event)
        years += [fields["start"].year, fields["end"].year]
    if years:
        cal.add_missing_timezones(first_date=date(min(years), 1, 1),
                                  last_date=date(max(years) + 1, 1, 1))
    return cal.to_ical()
