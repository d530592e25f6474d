"""The HTML pages a site is made of: items, listings, category pages, homes, the language
entry page, redirects for aliases and 404s, each with its template and own context."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

from .collation import sort_key
from .config import SiteConfig
from .content import AGENDA_SLUG
from .feeds import SitemapEntry
from .model import Page
from .site import REF_FIELDS, Site
from .urls import absolute, alias_output, href
from .views import PageView

# Pages that say "noindex": redirects, 404s and each visitor's own agenda.
NOT_IN_SITEMAP = ("redirect.html", "404.html", "agenda.html")


@dataclass(slots=True)
class Target:
    """One HTML file to render. It holds no Site: what it shows of the site is made while it
    renders (`lazy`, given the site), so a page's targets last from build to build."""

    path: str  # output file below output/, e.g. "en/solutions/index.html"
    template: str
    lang: str | None
    context: dict[str, Any] = field(default_factory=dict)
    source: Path | None = None  # the content file it comes from, for error messages
    line: int = 1
    shown: Page | None = None  # the page whose data it shows (items, redirects)
    lazy: Callable[[Site], dict[str, Any]] | None = None  # more context, built while rendering
    in_sitemap: SitemapEntry | None = None  # None: a page that says "noindex"

    def __post_init__(self) -> None:
        # Pages that are translations of one another share a group (sitemap alternates); the
        # entry page, in no language, is in the homes' group: their x-default.
        if self.template in NOT_IN_SITEMAP:
            return
        if self.shown is not None:
            group = f"page:{self.shown.key}"
        elif self.lang or self.template == "entry.html":
            group = "path:" + self.path.split("/", 1)[-1]
        else:
            group = f"alone:{self.path}"
        self.in_sitemap = SitemapEntry(self.path, self.lang, group)

    def templates(self) -> list[str]:
        """A section's listing may have its own template: list-summit.html, else list.html."""
        section = self.context.get("section")
        if self.template == "list.html" and section:
            return [f"list-{section}.html", "list.html"]
        return [self.template]


class KeptTargets:
    """The targets of each page (its own HTML file, its aliases' redirects), kept from build
    to build by a Builder. They are made from the page alone (its fields, address and the
    settings, for which a page is made again): a page made from unchanged files under the same
    settings, the same Page (see content.ParseCache), keeps them."""

    def __init__(self) -> None:
        self.by_page: dict[int, tuple[Page, list[Target], list[Target]]] = {}

    def of(self, pages: list[Page], config: SiteConfig) -> list[tuple[list[Target], list[Target]]]:
        """Each page's (own, redirects), made for the pages not seen in the last build; the
        others are forgotten."""
        kept, self.by_page = self.by_page, {}
        found = []
        for page in pages:
            old = kept.get(id(page))
            if old is None or old[0] is not page:
                old = (page, list(_own(page)), list(_redirects(page, config)))
            self.by_page[id(page)] = old
            found.append(old[1:])
        return found


def targets(site: Site, kept: KeptTargets | None = None) -> Iterator[Target]:
    """Every HTML page of the site, in a stable order. Contexts that read other pages are
    built while the page renders (`lazy`), so that what they read is recorded. `kept`: the
    pages' targets of the last build (a preview's)."""
    config = site.config
    of_pages = (kept or KeptTargets()).of(site.pages, config)
    for own, _ in of_pages:
        yield from own
    for lang in config.codes:
        yield Target(f"{lang}/index.html", "home.html", lang, lazy=partial(_home_context, lang))
        for section in site.sections():
            yield Target(f"{lang}/{section}/index.html", "list.html", lang,
                         {"section": section},
                         lazy=partial(_list_context, lang, section, None))
        if "summit" in site.sections():
            yield Target(f"{lang}/summit/{AGENDA_SLUG}/index.html", "agenda.html", lang,
                         {"page": None, "section": "summit"},
                         lazy=partial(_agenda_context, lang))
        for key in _category_keys(site) if "solutions" in site.sections() else ():
            yield Target(f"{lang}/solutions/category/{key}/index.html", "list.html", lang,
                         {"section": "solutions"},
                         lazy=partial(_list_context, lang, "solutions", key))
        yield Target(f"{lang}/search/index.html", "search.html", lang, {"page": None})
        yield Target(f"{lang}/404.html", "404.html", lang, {"page": None})  # per-language 404
    yield Target("index.html", "entry.html", None, {"page": None})
    yield Target("404.html", "404.html", None, {"page": None})
    for _, redirects in of_pages:
        yield from redirects


ITEM_KINDS = {"solution", "pavilion", "session", "city", "tour", "news", "page"}


def _own(page: Page) -> Iterator[Target]:
    if page.kind in ITEM_KINDS:
        yield Target(page.output_path, f"{page.kind}.html", page.lang, {},
                     *page.doc.where("slug"), shown=page, lazy=partial(_item_context, page))


def _item_context(page: Page, site: Site) -> dict[str, Any]:
    return {"page": PageView(page, site)}


def _home_context(lang: str, site: Site) -> dict[str, Any]:
    home = site.page("", lang)
    return {"page": PageView(home, site, lang) if home else None}


def _agenda_context(lang: str, site: Site) -> dict[str, Any]:
    """The visitor's agenda holds any of the sessions: all are on the page, the browser shows
    the starred ones."""
    return {"items": [PageView(p, site, lang) for p in site.items("summit", lang)]}


def _list_context(lang: str, section: str, category: str | None, site: Site) -> dict[str, Any]:
    intro = site.page(section, lang) if category is None else None
    pages = [p for p in site.items(section, lang)
             if category is None or p.fields.get("category") == category]
    categories = _categories(site, lang, category)
    return {"page": PageView(intro, site, lang) if intro else None, "section": section,
            "items": [PageView(p, site, lang) for p in pages], "categories": categories,
            "category": next((c for c in categories if c["key"] == category), None),
            "referenced": _referenced(site, lang, pages)}


def _referenced(site: Site, lang: str, pages: list[Page]) -> dict[str, list[PageView]]:
    """For each reference field of the listed items (a solution's pavilion and cities), the
    pages they name, by title: the options of a listing's filter."""
    title_key = sort_key(site.config.language(lang).html_lang)
    slugs: dict[str, dict[str, str]] = {}
    for page in pages:
        for name, section in REF_FIELDS.get(page.kind, {}).items():
            value = page.fields.get(name)
            for slug in [value] if isinstance(value, str) else value or ():
                slugs.setdefault(name, {}).setdefault(slug, section)
    found = {}
    for name, named in slugs.items():
        views = [PageView(p, site, lang) for slug, section in named.items()
                 if (p := site.ref(section, slug, lang)) is not None]
        found[name] = sorted(views, key=lambda view: title_key(view.title))
    return found


def _category_keys(site: Site) -> list[str]:
    categories = site.data.get("categories")
    return [str(k) for k in categories] if isinstance(categories, dict) else []


def _categories(site: Site, lang: str, current: str | None) -> list[dict]:
    counts = site.category_counts(lang)
    found = []
    for key in _category_keys(site):
        labels = site.data["categories"][key]
        label = labels.get(lang) or labels.get(site.config.default_language) or key \
            if isinstance(labels, dict) else str(labels)
        found.append({"key": key, "label": label, "current": key == current,
                      "url": href(site.config, f"{lang}/solutions/category/{key}/"),
                      "count": counts.get(key, 0)})
    return found


def _redirects(page: Page, config: SiteConfig) -> Iterator[Target]:
    for index, alias in enumerate(page.fields.get("aliases") or ()):
        path = alias_output(alias) or alias  # schema.alias has reported a bad one
        source, line = page.doc.where("aliases", index)
        yield Target(path, "redirect.html", page.lang,
                     {"page": None, "target": href(config, page.url_path),
                      "target_abs": absolute(config, page.url_path),
                      "alias": alias, "title": page.title}, source, line, shown=page)
