"""Atom 1.0 feeds per language (news and dated solutions), sitemap.xml and robots.txt.

Everything here is built with ElementTree, so escaping is never by hand, and from content
dates only, so two builds of the same content give the same bytes.
"""

from __future__ import annotations

import html
import re
import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from typing import NamedTuple
from urllib.parse import urlsplit

from .model import Page
from .site import Site
from .urls import absolute

ATOM = "http://www.w3.org/2005/Atom"
SITEMAP = "http://www.sitemaps.org/schemas/sitemap/0.9"
XHTML = "http://www.w3.org/1999/xhtml"
FEED_SECTIONS = ("news", "solutions")
FEED_LIMIT = 50
EPOCH = datetime(2000, 1, 1, tzinfo=UTC)


def feed_path(lang: str) -> str:
    return f"{lang}/feed.xml"


def feed_entries(site: Site, lang: str) -> list[Page]:
    """The newest news items and dated solutions of one language, newest first."""
    return site.remembered(("feed", lang), lambda: sorted(
        (p for s in FEED_SECTIONS for p in site.items(s, lang) if p.fields.get("date")),
        key=lambda p: p.fields["date"], reverse=True)[:FEED_LIMIT])


def feed(site: Site, lang: str, entries: list[Page]) -> bytes:
    """The Atom feed of `entries` (see feed_entries)."""
    config = site.config
    ET.register_namespace("", ATOM)
    root = ET.Element(f"{{{ATOM}}}feed", {"{http://www.w3.org/XML/1998/namespace}lang":
                                           config.language(lang).html_lang})
    home = absolute(config, f"{lang}/")
    _text(root, "id", home)
    _text(root, "title", config.title.get(lang, ""))
    if config.description.get(lang):
        _text(root, "subtitle", config.description[lang])
    _text(root, "updated", _stamp(entries[0].fields["date"] if entries else EPOCH))
    ET.SubElement(root, f"{{{ATOM}}}link", rel="self", type="application/atom+xml",
                  href=absolute(config, feed_path(lang)))
    ET.SubElement(root, f"{{{ATOM}}}link", rel="alternate", type="text/html", href=home)
    author = ET.SubElement(root, f"{{{ATOM}}}author")
    _text(author, "name", config.title.get(lang, ""))
    for page in entries:
        _entry(root, site, page)
    ET.indent(root)
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, encoding="utf-8")


def _entry(root: ET.Element, site: Site, page: Page) -> None:
    config = site.config
    url = absolute(config, page.url_path)
    entry = ET.SubElement(root, f"{{{ATOM}}}entry")
    _text(entry, "id", url)
    _text(entry, "title", page.title)
    _text(entry, "published", _stamp(page.fields["date"]))
    _text(entry, "updated", _stamp(page.fields["date"]))
    ET.SubElement(entry, f"{{{ATOM}}}link", rel="alternate", type="text/html", href=url,
                  hreflang=config.language(page.lang).html_lang)
    name = page.fields.get("author") or page.fields.get("company")
    if name:
        _text(ET.SubElement(entry, f"{{{ATOM}}}author"), "name", name)
    if page.fields.get("summary"):
        _text(entry, "summary", page.fields["summary"])
    content = ET.SubElement(entry, f"{{{ATOM}}}content", type="html")
    content.text = absolute_links(page.html, config.base_url)


def absolute_links(html: str, base_url: str) -> str:
    """Root-relative href/src/srcset made absolute, for readers outside the site."""
    origin = "{0.scheme}://{0.netloc}".format(urlsplit(base_url))
    return re.sub(r'((?:href|src)=")/(?!/)', rf"\1{origin}/",
                  re.sub(r'(srcset="[^"]*)', lambda m: re.sub(
                      r'(^|, )/(?!/)', rf"\1{origin}/", m.group(1)), html))


def _text(parent: ET.Element, tag: str, text: str) -> ET.Element:
    element = ET.SubElement(parent, f"{{{ATOM}}}{tag}")
    element.text = text
    return element


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class SitemapEntry(NamedTuple):  # a tuple: the build hashes one a page as a memo key
    path: str  # output file, e.g. "en/solutions/x/index.html"
    lang: str | None
    group: str  # the same group in each language: translations of one another


def sitemap(site: Site, entries: list[SitemapEntry]) -> bytes:
    """Every page, each with hreflang alternates to all its translations and x-default: the
    page of its group in no language (the entry page, for the homes), else the default
    language's. Every page of a group lists the same set.

    Written as text, not built as an element tree: on a large catalogue the tree alone took
    longer than the rest of an incremental build."""
    config = site.config
    groups: dict[str, dict[str | None, str]] = {}
    for entry in entries:
        groups.setdefault(entry.group, {})[entry.lang] = entry.path
    html_lang = {lang: config.language(lang).html_lang for lang in config.codes}
    lines = ['<?xml version="1.0" encoding="utf-8"?>',
             f'<urlset xmlns="{SITEMAP}" xmlns:xhtml="{XHTML}">']
    for entry in entries:
        lines += ["  <url>", f"    <loc>{_xml_text(_loc(site, entry.path))}</loc>"]
        versions = groups[entry.group]
        languages = [(html_lang[lang], versions[lang]) for lang in config.codes
                     if lang in versions]
        if len(languages) > 1:
            default = versions.get(None) or versions.get(config.default_language) \
                or languages[0][1]
            lines += [f'    <xhtml:link rel="alternate" hreflang="{hreflang}" '
                      f'href="{_xml_attribute(_loc(site, path))}" />'
                      for hreflang, path in [*languages, ("x-default", default)]]
        lines.append("  </url>")
    lines.append("</urlset>")
    return "\n".join(lines).encode("utf-8")


def robots(site: Site) -> bytes:
    return f"User-agent: *\nAllow: /\n\nSitemap: {site.config.base_url}sitemap.xml\n".encode()


def _loc(site: Site, path: str) -> str:
    return absolute(site.config, path.removesuffix("index.html"))


def _xml_text(value: str) -> str:
    """`value` as XML character data (not xml.sax.saxutils, which imports urllib.request)."""
    return html.escape(value, quote=False)


def _xml_attribute(value: str) -> str:
    """`value` in a double-quoted XML attribute."""
    return html.escape(value, quote=False).replace('"', "&quot;")
