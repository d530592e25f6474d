"""Summit sessions as iCalendar files (RFC 5545), written with the `icalendar` library.

Times keep the session's own zone (TZID plus a VTIMEZONE covering the session's year), so
calendar programs show the right instant on both sides of a daylight-saving change. UIDs come
from the translation key and the site's host: the same session keeps its UID across builds and
languages' files, and nothing depends on the time of the build. Each event has the stream
as URL and CONFERENCE and a reminder 15 minutes before; the whole-summit calendar is the one
programs subscribe to (webcal://). Google Calendar and Outlook get links that open the event.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import quote, urlencode, urlsplit
from zoneinfo import ZoneInfo

import icalendar

from .site import Site
from .urls import absolute


def session_ics_path(url_path: str) -> str:
    """The calendar file of one session, beside its page: en/summit/x/ → en/summit/x/x.ics."""
    slug = url_path.rstrip("/").rsplit("/", 1)[-1]
    return f"{url_path}{slug}.ics"


def summit_ics_path(lang: str) -> str:
    return f"{lang}/summit/summit.ics"


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


def uid(site: Site, page) -> str:
    """The session's UID: its translation key and the site's host, the same in every build,
    language and file (the agenda made in the browser uses it too)."""
    host = urlsplit(site.config.base_url).hostname or "expo"
    return f"{page.key.replace('/', '-')}@{host}"


def description(site: Site, page) -> str:
    """What a calendar entry says of a session: summary, topic, its page, stream, questions."""
    fields = page.fields
    lines = [fields.get("summary", ""), fields.get("topic", ""),
             absolute(site.config, page.url_path), fields.get("livestream", ""),
             fields.get("questions", "")]
    return "\n\n".join(line for line in lines if line)


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


def web_calendar_links(site: Site, page) -> dict[str, str]:
    """Links that open a new event in Google Calendar and in Outlook, for personal accounts
    (outlook.live.com) and for work or school ones (Microsoft 365: outlook.office.com), filled
    with the session's UTC instants, title, description and stream."""
    fields = page.fields
    start, end = (fields[name].astimezone(UTC) for name in ("start", "end"))
    where = fields.get("livestream") or absolute(site.config, page.url_path)
    google = {"action": "TEMPLATE", "text": page.title,
              "dates": f"{start:%Y%m%dT%H%M%SZ}/{end:%Y%m%dT%H%M%SZ}",
              "details": description(site, page), "location": where}
    outlook = {"path": "/calendar/action/compose", "rru": "addevent", "subject": page.title,
               "startdt": f"{start:%Y-%m-%dT%H:%M:%SZ}", "enddt": f"{end:%Y-%m-%dT%H:%M:%SZ}",
               "body": description(site, page), "location": where}
    outlook_query = urlencode(outlook, quote_via=quote)
    return {"google": f"{GOOGLE}?{urlencode(google, quote_via=quote)}",
            "outlook": f"{OUTLOOK}?{outlook_query}", "office": f"{OFFICE}?{outlook_query}"}


GOOGLE = "https://calendar.google.com/calendar/render"
OUTLOOK = "https://outlook.live.com/calendar/0/deeplink/compose"
OFFICE = "https://outlook.office.com/calendar/0/deeplink/compose"


def webcal_url(site: Site, lang: str) -> str:
    """The whole-summit calendar as a subscription (webcal://), for calendar programs."""
    address = absolute(site.config, summit_ics_path(lang))
    return "webcal://" + address.split("://", 1)[1]


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
