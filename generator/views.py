"""Read-only projections of pages for templates, in the language a visitor reads.

Templates never see a `Page`: they get a `PageView` whose references are already resolved to
other views (in the same language where a translation exists) and whose gathered lists —
a pavilion's solutions, a city's sessions — come from the Site.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from markupsafe import Markup

from .deps import per_recorder
from .model import Page
from .schema import COMMON, TYPE_FIELDS
from .site import Site
from .type_fields import SessionFields, SolutionFields
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


class PageView(SolutionFields, SessionFields):
    """A page as its templates see it (front-matter fields by name, references as views),
    in the language the visitor reads; the fields of one content type are in type_fields.py."""

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

    @per_recorder
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

    @per_recorder
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

    @per_recorder
    def translations(self) -> list[dict[str, str]]:
        """Every language version, this one included, for hreflang alternates."""
        return [{"lang": p.lang, "html_lang": self._site.config.language(p.lang).html_lang,
                 "name": self._site.config.language(p.lang).name,
                 "url": href(self._site.config, p.url_path),
                 "abs_url": absolute(self._site.config, p.url_path)}
                for p in self._site.translations(self._page)]

    # -- resolved references ------------------------------------------------------------
    @per_recorder
    def category(self) -> dict[str, str] | None:
        key = self._page.fields.get("category")
        if key is None:
            return None
        return {"key": key, "label": data_label(self._site, "categories", key, self.lang),
                "url": href(self._site.config, f"{self.lang}/solutions/category/{key}/")}

    @per_recorder
    def region(self) -> dict[str, str] | None:
        key = self._page.fields.get("region")
        return None if key is None else {
            "key": key, "label": data_label(self._site, "regions", key, self.lang)}

    @per_recorder
    def pavilion(self) -> PageView | None:
        slug = self._page.fields.get("pavilion")
        return self._ref("pavilions", slug) if slug else None

    @per_recorder
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

    # -- helpers ------------------------------------------------------------------------
    def _ref(self, section: str, slug: str) -> PageView | None:
        page = self._site.ref(section, slug, self.lang)
        return PageView(page, self._site, self.lang) if page else None

    def _gathered(self, section: str, field: str) -> list[PageView]:
        return self._views(self._site.related(section, field, self._page.slug, self.lang))

    def _views(self, pages: list[Page]) -> list[PageView]:
        return [PageView(p, self._site, self.lang) for p in pages]


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
