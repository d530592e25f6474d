"""The context every template gets around a page's own: the site in the page's language,
navigation, language switcher, breadcrumbs, and the `listing` and `t` functions."""

from __future__ import annotations

from functools import partial
from typing import Any

from .calendar import summit_ics_path, webcal_url
from .i18n import Strings
from .schema import SECTION_TYPES
from .site import Site
from .targets import Target
from .urls import absolute, href
from .views import Listing, PageView


class Contexts:
    """Builds the template context of each page of one site."""

    def __init__(self, site: Site, strings: Strings):
        self.site = site
        self.strings = strings
        self._sites: dict[str, dict] = {}  # the `site` variable, by language
        self._navs: dict[tuple, list[dict[str, Any]]] = {}  # by language, current section, sections

    def _site_context(self, lang: str) -> dict[str, Any]:
        if lang not in self._sites:
            config = self.site.config
            self._sites[lang] = {
                "title": config.title.get(lang, ""),
                "description": config.description.get(lang, ""),
                "base_url": config.base_url,
                "languages": [{"code": lg.code, "lang": lg.code, "name": lg.name,
                               "html_lang": lg.html_lang, "url": href(config, f"{lg.code}/"),
                               "abs_url": absolute(config, f"{lg.code}/")}
                              for lg in config.languages],
                "data": self.site.data,
            }
        return self._sites[lang]

    def context(self, target: Target, own: dict[str, Any]) -> dict[str, Any]:
        """What the template of `target` gets: `own` (its page, its items…) and the rest."""
        lang = target.lang or self.site.config.default_language
        config = self.site.config
        page = own.get("page")
        switcher = self._switcher(target, page)
        return {
            "site": self._site_context(lang),
            "lang": lang,
            "html_lang": config.language(lang).html_lang,
            "t": partial(self.strings.get, lang),
            "nav": self._nav(lang, target),
            "switcher": switcher,
            "canonical": absolute(config, target.path.removesuffix("index.html")),
            "current_url": href(config, target.path.removesuffix("index.html")),
            "listing": lambda section: Listing(self.site.items(section, lang), self.site, lang),
            "breadcrumbs": self._breadcrumbs(lang, target, page, own),
            "summit_calendar": href(config, summit_ics_path(lang))
            if self.site.items("summit", lang) else None,
            "summit_webcal": webcal_url(self.site, lang) if self.site.items("summit", lang)
            else None,
            **own,
        }

    def _nav(self, lang: str, target: Target) -> list[dict[str, Any]]:
        """The navigation, made once per language, current section and sections shown (the
        same list for every page giving the same: templates only read it)."""
        current = target.path.split("/")[1] if target.path.count("/") >= 2 else None
        sections = self.site.sections()  # noted by every page, as the navigation shows them
        key = (lang, current, sections)
        if key not in self._navs:
            self._navs[key] = [
                {"section": s, "title": self.strings.get(lang, f"section.{s}"),
                 "url": href(self.site.config, f"{lang}/{s}/"), "current": s == current}
                for s in sections]
        return self._navs[key]

    def _switcher(self, target: Target, page: PageView | None) -> list[dict[str, Any]]:
        """A link per language: the translation, else that language's section, else its home."""
        if target.lang is None or not target.path.startswith(f"{target.lang}/"):
            return []  # the entry page, 404 and redirects belong to no language folder
        links = []
        config = self.site.config
        for language in config.languages:
            if language.code == target.lang:
                url = href(config, target.path.removesuffix("index.html"))
            elif page is not None and (other := next(
                    (p for p in self.site.translations(page.model) if p.lang == language.code),
                    None)):
                url = href(config, other.url_path)
            elif page is not None and page.section:
                url = href(config, f"{language.code}/{page.section}/")
            else:
                rest = target.path.removesuffix("index.html").split("/", 1)[1]
                generated = rest and (rest.split("/")[0] in (*SECTION_TYPES, "search"))
                url = href(config, f"{language.code}/{rest if generated else ''}")
            links.append({"code": language.code, "lang": language.code, "name": language.name,
                          "html_lang": language.html_lang, "url": url,
                          "abs_url": config.base_url + url[len(config.base_path):],
                          "current": language.code == target.lang})
        return links

    def _breadcrumbs(self, lang: str, target: Target, page: PageView | None,
                     own: dict[str, Any]) -> list[dict]:
        config = self.site.config
        crumbs = [{"title": self.strings.get(lang, "home"), "url": href(config, f"{lang}/")}]
        section = (page.section if page else None) or own.get("section")
        if section and not (page and page.kind == "section"):
            crumbs.append({"title": self.strings.get(lang, f"section.{section}"),
                           "url": href(config, f"{lang}/{section}/")})
        return crumbs

