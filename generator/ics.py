"""Summit sessions as iCalendar files (RFC 5545), written with the `icalendar` library.

Times keep the session's own zone (TZID plus a VTIMEZONE covering the session's year), so
calendar programs show the right instant on both sides of a daylight-saving change. Each event
has the stream as URL and CONFERENCE and a reminder 15 minutes before; the whole-summit
calendar is the one programs subscribe to (webcal://). Imported only by a build that writes a
calendar: `icalendar` takes a sixth of the command line's start to import.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import icalendar

from .calendar import description, summit_ics_path, uid
from .site import Site
from .urls import absolute


def calendar(site: Site, lang: str, sessions: list, whole: bool = False) -> bytes:
    """One VCALENDAR holding `sessions` (Pages), as a visitor of `lang` reads them. The
    whole-summit calendar (`whole`), which programs subscribe to, carries its name, where it
    lives (SOURCE) and how often to fetch it again (REFRESH-INTERVAL, RFC 7986)."""
    cal = icalendar.Calendar()
    cal.add("prodid", "-//expo//Smart City Online//EN")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", site.config.title.get(lang, ""))
    if whole:
        cal.add("name", site.config.title.get(lang, ""))
        cal.add("refresh-interval", REFRESH, parameters={"VALUE": "DURATION"})
        cal.add("source", absolute(site.config, summit_ics_path(lang)),
                parameters={"VALUE": "URI"})
    years = [y for p in sessions for y in (p.fields["start"].year, p.fields["end"].year)]
    for zone in sorted({str(p.fields["timezone"]) for p in sessions}):  # before the events
        cal.add_component(vtimezone(zone, min(years), max(years)))
    for page in sessions:
        cal.add_component(_event(site, page))
    return cal.to_ical()


REFRESH = timedelta(hours=12)  # how often a subscribed program fetches the summit again
REMINDER = timedelta(minutes=15)  # the alarm before each session


def _event(site: Site, page) -> icalendar.Event:
    fields = page.fields
    page_url = absolute(site.config, page.url_path)
    event = icalendar.Event()
    event.add("uid", uid(site, page))
    event.add("dtstamp", fields["start"].astimezone(UTC))  # reproducible, not build time
    event.add("dtstart", fields["start"])
    event.add("dtend", fields["end"])
    event.add("summary", page.title)
    event.add("description", description(site, page))
    event.add("url", fields.get("livestream") or page_url)
    event.add("location", fields.get("livestream") or page_url)
    if fields.get("livestream"):
        event.add("conference", fields["livestream"],
                  parameters={"VALUE": "URI", "FEATURE": "VIDEO"})
    alarm = icalendar.Alarm()
    alarm.add("action", "DISPLAY")
    alarm.add("trigger", -REMINDER)
    alarm.add("description", page.title)
    event.add_component(alarm)
    return event


def vtimezone(name: str, first_year: int, last_year: int) -> icalendar.Timezone:
    """The zone's rules over the years the calendar needs, read from the IANA database.

    Each onset's DTSTART is the local time *before* the change, as RFC 5545 §3.6.5 requires
    (the second Sunday of March 2020 in New York: 02:00, not 03:00).
    """
    zone = ZoneInfo(name)
    start = datetime(first_year, 1, 1, tzinfo=UTC)
    end = datetime(last_year + 1, 1, 1, tzinfo=UTC)
    timezone = icalendar.Timezone()
    timezone.add("tzid", name)
    offset = start.astimezone(zone).utcoffset()
    timezone.add_component(_onset(start.astimezone(zone), offset, offset))
    moment = start
    while moment < end:
        following = moment + timedelta(days=1)
        if following.astimezone(zone).utcoffset() != offset:
            change = _transition(zone, moment, following)
            new_offset = change.astimezone(zone).utcoffset()
            timezone.add_component(_onset(change.astimezone(zone), offset, new_offset))
            offset = new_offset
        moment = following
    return timezone


def _transition(zone: ZoneInfo, before: datetime, after: datetime) -> datetime:
    """The first minute (UTC) with the new offset, between two instants a day apart."""
    offset = before.astimezone(zone).utcoffset()
    while after - before > timedelta(minutes=1):
        middle = before + (after - before) / 2
        if middle.astimezone(zone).utcoffset() == offset:
            before = middle
        else:
            after = middle
    return after.replace(second=0, microsecond=0)


def _onset(local: datetime, offset_from: timedelta, offset_to: timedelta):
    kind = icalendar.TimezoneDaylight if local.dst() else icalendar.TimezoneStandard
    onset = kind()
    onset.add("dtstart", (local.replace(tzinfo=None) - offset_to + offset_from))
    onset.add("tzoffsetfrom", offset_from)
    onset.add("tzoffsetto", offset_to)
    onset.add("tzname", local.tzname() or "")
    return onset
