"""Read-only projections of pages for templates, in the language a visitor reads.

Templates never see a `Page`: they get a `PageView` whose references are already resolved to
other views (in the same language where a translation exists) and whose gathered lists —
a pavilion's solutions, a city's sessions — come from the Site.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from markupsafe import Markup

from . import jsonld
from .brochures import size_text
from .calendar import description, session_ics_path, uid, web_calendar_links
from .deps import current
from .filekinds import media_type
from .model import Page
from .schema import COMMON, TYPE_FIELDS
from .site import Site
from .urls import absolute, edit_href, href, media_href
from .video import player


class Listing:
    """Pages as views, made only for the items a template takes: `listing('news')[:3]`
    depends on three pages, not on the whole section."""

    def __init__(self, pages: list[Page], site: Site, lang: str):
        self._pages, self._site, self._lang = pages, site, lang

    def __len__(self) -> int:
        return len(self._pages)

    def __bool__(self) -> bool:
        return bool(self._pages)

    def __getitem__(self, index):
        if isinstance(index, slice):
            return [PageView(p, self._site, self._lang) for p in self._pages[index]]
        return PageView(self._pages[index], self._site, self._lang)

    def __iter__(self):
        return (PageView(p, self._site, self._lang) for p in self._pages)


_MISSING = object()


def _per_recorder(make: Any) -> property:
    """A property of a view worked out once, not at each of the ten times a page's template
    asks for it. What it read of the site is noted again when an output is rendered with
    another recorder (a card made inside a page), so it is kept per recorder."""
    name = make.__name__

    def get(self: PageView) -> Any:
        recorder = current()
        if self._worked_out is None or self._worked_out[0] is not recorder:
            self._worked_out = (recorder, {})
        found = self._worked_out[1].get(name, _MISSING)
        if found is _MISSING:
            found = self._worked_out[1][name] = make(self)
        return found

    return property(get, doc=make.__doc__)


class PageView:
    __slots__ = ("_page", "_site", "lang", "page_lang", "_worked_out")  # one per page and card

    def __init__(self, page: Page, site: Site, lang: str | None = None):
        self._page = page
        self._site = site
        self._worked_out: tuple[dict | None, dict[str, Any]] | None = None
        site.record_data(page)  # the output being rendered depends on this page's data
        self.lang = lang or page.lang  # the language the visitor reads
        self.page_lang = page.lang  # the language the page is written in

    def __repr__(self) -> str:
        return f"<PageView {self._page.url_path}>"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, PageView) and other._page is self._page

    def __hash__(self) -> int:
        return id(self._page)

    def __getattr__(self, name: str) -> Any:
        """Plain front-matter fields of the page's type; None when left out."""
        kind = self._page.kind if self._page.kind in TYPE_FIELDS else "page"
        if name in TYPE_FIELDS[kind] or name in COMMON:
            return self._page.fields.get(name)
        raise AttributeError(name)

    # -- identity ---------------------------------------------------------------------
    @property
    def model(self) -> Page:
        """The page itself, for the generator (templates use the view's attributes)."""
        return self._page

    @property
    def kind(self) -> str:
        return self._page.kind

    @property
    def section(self) -> str | None:
        return self._page.section

    @property
    def key(self) -> str:
        return self._page.key

    @property
    def slug(self) -> str:
        """The item's slug (file name or `slug:`), e.g. for filter values in listings."""
        return self._page.slug

    @property
    def title(self) -> str:
        return self._page.title

    @property
    def summary(self) -> str:
        return self._page.fields.get("summary", "")

    @property
    def date(self) -> datetime | None:
        return self._page.fields.get("date")

    @property
    def url(self) -> str:
        return href(self._site.config, self._page.url_path)

    @property
    def abs_url(self) -> str:
        return absolute(self._site.config, self._page.url_path)

    @property
    def html_lang(self) -> str:
        return self._site.config.language(self.page_lang).html_lang

    @property
    def fallback(self) -> bool:
        """Shown in a listing of another language because it has no translation there."""
        return self.page_lang != self.lang

    @property
    def edit_url(self) -> str | None:
        """"Edit this page": the file it is made from, where site.yaml's `edit_url` says."""
        return edit_href(self._site.config, self._site.content_dir, self._page.doc.path)

    @_per_recorder
    def outdated(self) -> dict[str, str] | None:
        """The original of a translation that changed since the translation was last marked
        current (SPEC §7): {url, html_lang, name of its language}; else None."""
        if self._page.translation != "outdated":
            return None
        config = self._site.config
        original = self._site.page(self._page.key, config.default_language)
        if original is None or original.lang == self._page.lang:
            return None
        view = PageView(original, self._site, self.lang)  # notes what it shows
        return {"url": view.url, "html_lang": view.html_lang,
                "name": config.language(original.lang).name}

    @property
    def content(self) -> Markup:
        self._site.record_body(self._page)
        return Markup(self._page.html)

    @property
    def toc(self) -> Markup:
        self._site.record_body(self._page)
        return Markup(self._page.toc)

    @_per_recorder
    def image(self) -> dict[str, Any] | None:
        """The cover: {url, abs_url (the OpenGraph crop), alt, width, height, picture}."""
        if "image" not in self._page.fields:
            return None
        fields = self._page.fields
        return image_info(self._site, fields["image"], fields["image_alt"])

    @property
    def gallery(self) -> list[dict[str, Any]]:
        return [image_info(self._site, item["src"], item["alt"])
                for item in self._page.fields.get("gallery") or ()]

    @_per_recorder
    def translations(self) -> list[dict[str, str]]:
        """Every language version, this one included, for hreflang alternates."""
        return [{"lang": p.lang, "html_lang": self._site.config.language(p.lang).html_lang,
                 "name": self._site.config.language(p.lang).name,
                 "url": href(self._site.config, p.url_path),
                 "abs_url": absolute(self._site.config, p.url_path)}
                for p in self._site.translations(self._page)]

    # -- resolved references ------------------------------------------------------------
    @_per_recorder
    def category(self) -> dict[str, str] | None:
        key = self._page.fields.get("category")
        if key is None:
            return None
        return {"key": key, "label": data_label(self._site, "categories", key, self.lang),
                "url": href(self._site.config, f"{self.lang}/solutions/category/{key}/")}

    @_per_recorder
    def region(self) -> dict[str, str] | None:
        key = self._page.fields.get("region")
        return None if key is None else {
            "key": key, "label": data_label(self._site, "regions", key, self.lang)}

    @_per_recorder
    def pavilion(self) -> PageView | None:
        slug = self._page.fields.get("pavilion")
        return self._ref("pavilions", slug) if slug else None

    @_per_recorder
    def cities(self) -> list[PageView]:
        return [v for s in self._page.fields.get("cities") or () if (v := self._ref("cities", s))]

    @property
    def solutions(self) -> list[PageView]:
        if self.kind == "tour":
            return [v for s in self._page.fields.get("solutions") or ()
                    if (v := self._ref("solutions", s))]
        if self.kind == "pavilion":
            return self._gathered("solutions", "pavilion")
        if self.kind == "city":
            return self._gathered("solutions", "cities")
        return []

    @property
    def same_category(self) -> list[PageView]:
        """Other solutions of this solution's category, in listing order."""
        if self.kind != "solution":
            return []
        return [PageView(p, self._site, self.lang) for p in self._site.related(
            "solutions", "category", self._page.fields["category"], self.lang)[:4]
            if p.key != self._page.key][:3]

    @property
    def tours(self) -> list[PageView]:
        return self._gathered("tours", "pavilion") if self.kind == "pavilion" else []

    @property
    def sessions(self) -> list[PageView]:
        return self._gathered("summit", "speakers") if self.kind == "city" else []

    @property
    def speakers(self) -> list[dict[str, Any]]:
        return [{"name": s["name"], "title": s.get("title"),
                 "city": self._ref("cities", s["city"]) if s.get("city") else None}
                for s in self._page.fields.get("speakers") or ()]

    @property
    def player(self) -> dict[str, str] | None:
        """Click-to-load player for the livestream (sessions) or video (solutions, tours)."""
        return player(self._page.fields.get("livestream") or self._page.fields.get("video"))

    @property
    def day(self) -> date | None:
        """The session's date in its own zone, for schedules grouped by day."""
        return self.start.date() if self.kind == "session" else None

    @property
    def questions_url(self) -> str | None:
        return web_or_mail(self._page.fields.get("questions"))

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

    # -- summit and structured data -------------------------------------------------------
    @property
    def ics_url(self) -> str | None:
        """The session's own calendar file (in the language it is written in)."""
        if self.kind != "session":
            return None
        return href(self._site.config, session_ics_path(self._page.url_path))

    @property
    def calendar_links(self) -> dict[str, str]:
        """{google, outlook}: links that add the session to those calendars (empty if none)."""
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

    @property
    def jsonld(self) -> Markup:
        """schema.org JSON-LD for solutions, safe to put inside <script> (sessions: event_data)."""
        if self.kind == "solution":
            return jsonld.dump(jsonld.service(self))
        return Markup("")

    @_per_recorder
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

    # -- helpers ------------------------------------------------------------------------
    def _ref(self, section: str, slug: str) -> PageView | None:
        page = self._site.ref(section, slug, self.lang)
        return PageView(page, self._site, self.lang) if page else None

    def _gathered(self, section: str, field: str) -> list[PageView]:
        return [PageView(p, self._site, self.lang)
                for p in self._site.related(section, field, self._page.slug, self.lang)]


def web_or_mail(value: str | None) -> str | None:
    """A link to a field that is a web address or an e-mail address (SPEC §4)."""
    if not value:
        return None
    return value if value.startswith(("http://", "https://")) else f"mailto:{value}"


def data_label(site: Site, kind: str, key: str, lang: str) -> str:
    """The name of a category or region (`kind`) in `lang`, from _data/, else its key."""
    labels = (site.data.get(kind) or {}).get(key, key)
    if isinstance(labels, dict):
        return str(labels.get(lang) or labels.get(site.config.default_language) or key)
    return str(labels)


def image_info(site: Site, content_path: str, alt: str) -> dict[str, Any]:
    """A content image for templates: {url, abs_url (the OpenGraph crop), alt, width,
    height, picture}."""
    config = site.config
    picture = site.pictures.get(content_path)
    if picture is None:  # not processed (a check that stopped early): the source file
        url = media_href(config, content_path)
        return {"url": url, "abs_url": media_href(config, content_path, full=True),
                "alt": alt, "width": None, "height": None, "picture": None}
    largest = picture.largest
    og = picture.og or largest
    return {"url": href(config, largest.path), "abs_url": absolute(config, og.path),
            "alt": alt, "width": og.width, "height": og.height, "picture": picture}
