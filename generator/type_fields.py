"""Fields of a page's view that one content type has (empty or None on any other page): a
solution's calls to action and schema.org Service, more of its category; a session's day and
times in its own zone and the site's, calendar file and links, replay, and the JSON-LD of it
and of the summit (SPEC §4, §5)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from markupsafe import Markup

from . import jsonld
from .brochures import size_text
from .calendar import description, session_ics_path, uid, web_calendar_links
from .deps import per_recorder
from .filekinds import media_type
from .urls import absolute, href, media_href, web_or_mail
from .video import player


class SolutionFields:
    """Part of `views.PageView`: what only a solution shows."""

    __slots__ = ()

    @property
    def same_category(self) -> list:
        """Other solutions of this solution's category, in listing order (views)."""
        if self.kind != "solution":
            return []
        return self._views([p for p in self._site.related(
            "solutions", "category", self._page.fields["category"], self.lang)[:4]
            if p.key != self._page.key][:3])

    @property
    def meeting_url(self) -> str | None:
        """Where a visiting city or company asks for a meeting: a web page, or a mailto: link."""
        return web_or_mail(self._page.fields.get("meeting"))

    @property
    def brochure(self) -> dict[str, str] | None:
        """The brochure as published: {url, size} ("2.1 MB")."""
        rel = self._page.fields.get("brochure")
        if rel is None:
            return None
        return {"url": media_href(self._site.config, rel),
                "size": size_text(self._site.file_sizes.get(rel, 0))}

    @property
    def jsonld(self) -> Markup:
        """schema.org JSON-LD for solutions, safe to put inside <script> (sessions: event_data)."""
        if self.kind == "solution":
            return jsonld.dump(jsonld.service(self))
        return Markup("")


class SessionFields:
    """Part of `views.PageView`: what only a session shows."""

    __slots__ = ()

    @property
    def day(self) -> date | None:
        """The session's date in its own zone, for schedules grouped by day."""
        return self.start.date() if self.kind == "session" else None

    @property
    def questions_url(self) -> str | None:
        return web_or_mail(self._page.fields.get("questions"))

    @property
    def ics_url(self) -> str | None:
        """The session's own calendar file (in the language it is written in)."""
        if self.kind != "session":
            return None
        return href(self._site.config, session_ics_path(self._page.url_path))

    @property
    def calendar_links(self) -> dict[str, str]:
        """{google, outlook, office}: links that add the session to those calendars (empty if
        none); office: Outlook for work or school accounts (Microsoft 365)."""
        return web_calendar_links(self._site, self._page) if self.kind == "session" else {}

    @property
    def calendar_entry(self) -> dict[str, str]:
        """{uid, description, location}: what the session's calendar files say of it, for the
        agenda the browser makes (empty if not a session)."""
        if self.kind != "session":
            return {}
        page = self._page
        return {"uid": uid(self._site, page), "description": description(self._site, page),
                "location": page.fields.get("livestream") or self.abs_url}

    @property
    def times(self) -> list[dict[str, Any]]:
        """Start and end in the session's zone, then in the site's zone when that differs."""
        if self.kind != "session":
            return []
        zones = dict.fromkeys([self._page.fields["timezone"], self._site.config.timezone])
        return [{"zone": zone, "start": self.start.astimezone(ZoneInfo(zone)),
                 "end": self.end.astimezone(ZoneInfo(zone))} for zone in zones]

    @per_recorder
    def replay(self) -> dict[str, Any] | None:
        """The recording: {url, player (YouTube, Vimeo) or type and abs_url (a video file),
        captions [{url, srclang, label, default}]}."""
        value = self._page.fields.get("recording")
        if not value:
            return None
        if "://" in value:
            return {"url": value, "player": player(value), "type": None, "captions": []}
        config = self._site.config
        captions = [{"url": media_href(config, c["src"]), "srclang": c["lang"],
                     "label": self._language_name(c["lang"]), "default": False}
                    for c in self._page.fields.get("captions") or ()]
        if captions:  # on by default: the captions in the visitor's language, else the first
            reader = config.language(self.lang).name
            next((c for c in captions if c["label"] == reader), captions[0])["default"] = True
        return {"url": media_href(config, value), "abs_url": media_href(config, value, True),
                "player": None, "type": media_type(value), "captions": captions}

    def event_data(self, t: Callable[..., str]) -> Markup:
        """A session's JSON-LD: its Event, a sub-event of the summit's (`t`: the UI strings)."""
        return jsonld.dump(jsonld.event(self, self._summit_event(t), t("jsonld.government")))

    def summit_data(self, t: Callable[..., str]) -> Markup:
        """The summit's Event, every session a sub-event by @id, for the schedule page."""
        summit = dict(self._summit_event(t), **{"@context": "https://schema.org"})
        summit["subEvent"] = [{"@id": absolute(self._site.config, p.url_path) + "#event"}
                              for p in self._site.items("summit", self.lang)]
        return jsonld.dump(summit)

    def _summit_event(self, t: Callable[..., str]) -> dict[str, Any]:
        config, site = self._site.config, self._site
        intro = site.page("summit", self.lang)
        name = (config.summit.title.get(self.lang) or (intro.title if intro else "")
                or t("section.summit"))
        return jsonld.summit(config, self.lang, absolute(config, f"{self.lang}/summit/"), name,
                             [p.fields for p in site.items("summit", self.lang)])

    def _language_name(self, tag: str) -> str:
        """A captions' language as the site names it ("English"), else its tag."""
        for language in self._site.config.languages:
            if tag.lower() in (language.code, language.html_lang.lower()) or \
                    language.html_lang.lower().startswith(tag.lower() + "-"):
                return language.name
        return tag
