"""What a page says of a summit session's calendar: the addresses of its iCalendar file and
of the whole summit's (webcal://), its UID and description, and links that open it in Google
Calendar and Outlook. ics.py writes the files. UIDs come from the translation key and the
site's host: the same session keeps its UID across builds and languages' files, and nothing
depends on the time of the build."""

from __future__ import annotations

from datetime import UTC
from urllib.parse import quote, urlencode, urlsplit

from .site import Site
from .urls import absolute


def session_ics_path(url_path: str) -> str:
    """The calendar file of one session, beside its page: en/summit/x/ → en/summit/x/x.ics."""
    slug = url_path.rstrip("/").rsplit("/", 1)[-1]
    return f"{url_path}{slug}.ics"


def summit_ics_path(lang: str) -> str:
    return f"{lang}/summit/summit.ics"


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
