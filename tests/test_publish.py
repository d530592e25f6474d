"""What hosts and crawlers read: feeds, sitemap, robots.txt — for any base_url."""

from __future__ import annotations

import shutil
import xml.etree.ElementTree as ET
from pathlib import Path
from urllib.parse import urlsplit

import feedparser
import pytest
from PIL import Image
from sitekit import ROOT, build, fails, html, make_site, output_files

NS = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9", "x": "http://www.w3.org/1999/xhtml"}


@pytest.fixture(scope="module", params=["https://example.org/", "https://host.example/expo/"])
def published(request, tmp_path_factory) -> tuple[Path, str]:
    folder = tmp_path_factory.mktemp("publish")
    shutil.copytree(ROOT / "content", folder / "content")
    build(folder, "--base-url", request.param)
    return folder / "output", request.param


def local_file(output: Path, base_url: str, url: str) -> Path:
    assert url.startswith(base_url), url
    rest = url[len(base_url):]
    path = output / rest
    return path / "index.html" if not rest or rest.endswith("/") else path


def test_sitemap_lists_every_page_with_reciprocal_alternates(published):
    output, base_url = published
    root = ET.parse(output / "sitemap.xml").getroot()
    alternates: dict[str, dict[str, str]] = {}
    for url in root.findall("s:url", NS):
        loc = url.find("s:loc", NS).text
        assert local_file(output, base_url, loc).is_file(), loc
        alternates[loc] = {link.get("hreflang"): link.get("href")
                           for link in url.findall("x:link", NS)}
    # every page but those for no search engine (redirects, each visitor's own agenda)
    pages = {p for p in output.rglob("index.html")
             if '<meta name="robots" content="noindex">' not in p.read_text()}
    assert len(alternates) == len(pages)
    for loc, links in alternates.items():
        for href in links.values():
            assert href in alternates, (loc, href)
            assert alternates[href] == links, (loc, href)  # reciprocal, same set, x-default too
        if links:
            assert loc in links.values() and "x-default" in links, loc
        page = html(local_file(output, base_url, loc))  # the page says what the sitemap says
        assert {link["hreflang"]: link["href"] for link in page.find_all(
            "link", rel="alternate", hreflang=True)} == links, loc
    assert alternates[f"{base_url}en/cities/prague/"]["zh-Hant-TW"] == \
        f"{base_url}zh-tw/cities/prague/"
    assert not alternates[f"{base_url}en/cities/gdynia/"]  # English only: no alternates
    # The entry page picks a language: the homes' x-default, naming them back.
    assert alternates[base_url] == alternates[f"{base_url}en/"] == {
        "en": f"{base_url}en/", "zh-Hant-TW": f"{base_url}zh-tw/", "x-default": base_url}


def test_robots_names_the_sitemap(published):
    output, base_url = published
    assert f"Sitemap: {base_url}sitemap.xml" in (output / "robots.txt").read_text()


@pytest.mark.parametrize("lang", ["en", "zh-tw"])
def test_feeds_are_valid_atom_newest_first_with_absolute_links(published, lang):
    output, base_url = published
    parsed = feedparser.parse((output / lang / "feed.xml").read_bytes())
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.version == "atom10"
    entries = parsed.entries
    assert len(entries) >= 3
    dates = [e.published_parsed for e in entries]
    assert dates == sorted(dates, reverse=True)
    for entry in entries:
        assert entry.link.startswith(base_url)
        assert local_file(output, base_url, entry.link).is_file()
        for attr in ("href", "src"):
            for value in _attributes(entry.content[0].value, attr):
                assert urlsplit(value).scheme in ("http", "https", "mailto"), value
    page = (output / lang / "index.html").read_text()
    assert f'href="{base_url}{lang}/feed.xml"' in page or f'{lang}/feed.xml' in page


def _attributes(html: str, attr: str) -> list[str]:
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(html, "html.parser")
    return [e[attr] for e in soup.find_all(attrs={attr: True})]


def test_assets_carry_a_content_hash_and_every_reference_uses_it(tmp_path):
    from sitekit import html, make_site

    make_site(tmp_path, {"content/about.md": "---\ntitle: About\n---\nText.\n"})
    theme = tmp_path / "theme"
    shutil.copytree(ROOT / "templates", theme)
    build(tmp_path, "--templates", str(theme))
    names = sorted(p.name for p in (tmp_path / "output/static").rglob("*.*"))
    assert names and all(len(name.split(".")) == 3 for name in names), names
    sheet = html(tmp_path / "output/en/about/index.html").find("link", rel="stylesheet")["href"]
    assert sheet.startswith("/static/css/site.") and (tmp_path / "output" / sheet[1:]).is_file()
    with (theme / "static/css/site.css").open("a") as f:
        f.write("\n.changed { color: red; }\n")
    build(tmp_path, "--templates", str(theme))
    changed = html(tmp_path / "output/en/about/index.html").find("link", rel="stylesheet")["href"]
    assert changed != sheet and (tmp_path / "output" / changed[1:]).is_file()


def test_minify_keeps_pages_whole(tmp_path):
    from sitekit import html, make_site

    make_site(tmp_path, {"content/about.md": "---\ntitle: About\n---\n## Hello\n\nText.\n"})
    build(tmp_path)
    plain = (tmp_path / "output/en/about/index.html").read_bytes()
    build(tmp_path, "--minify")
    small = (tmp_path / "output/en/about/index.html").read_bytes()
    assert len(small) < len(plain) * 0.95
    page = html(tmp_path / "output/en/about/index.html")
    assert page.find("h2", id="hello") is not None and page.html["lang"] == "en"


def icon_links(page: Path) -> list[str]:
    return [link["href"] for link in html(page).find_all("link", href=True)
            if "icon" in link.get("rel", [])]


def test_favicon_ico_is_a_real_icon_and_every_page_names_it(published):
    """Browsers ask for /favicon.ico whatever a page says, and use it where a page names none."""
    output, base_url = published
    base_path = urlsplit(base_url).path
    with Image.open(output / "favicon.ico") as icon:
        assert icon.format == "ICO"
        assert {(16, 16), (32, 32), (48, 48)} <= icon.info["sizes"]
        icon.size = (32, 32)
        pixel = icon.convert("RGB").getpixel((16, 4))  # the theme's #0b5c73
        assert max(abs(a - b) for a, b in zip(pixel, (11, 92, 115), strict=True)) < 8, pixel
    pages = sorted(output.rglob("*.html"))
    assert len(pages) > 50
    for page in pages:
        links = icon_links(page)
        assert f"{base_path}favicon.ico" in links, page
        for href in links:
            assert href.startswith(base_path) and (output / href[len(base_path):]).is_file()


def test_a_redirect_page_names_the_icon_under_the_sub_path(tmp_path):
    make_site(tmp_path, {"content/about.md": "---\ntitle: About\naliases: [/old/, /old.html]\n"
                                             "---\nText.\n"})
    build(tmp_path, "--base-url", "https://host.example/expo/")
    output = tmp_path / "output"
    for redirect in (output / "old/index.html", output / "old.html"):
        assert "http-equiv" in redirect.read_text(encoding="utf-8")
        links = icon_links(redirect)
        assert "/expo/favicon.ico" in links
        assert all((output / href.removeprefix("/expo/")).is_file() for href in links)


def test_a_theme_gives_its_own_favicon_ico(tmp_path):
    make_site(tmp_path, {"content/about.md": "---\ntitle: About\n---\nText.\n"})
    theme = tmp_path / "theme"
    shutil.copytree(ROOT / "templates", theme)
    Image.new("RGB", (16, 16), "red").save(theme / "static/favicon.ico")
    build(tmp_path, "--templates", str(theme))
    output = tmp_path / "output"
    assert (output / "favicon.ico").read_bytes() == (theme / "static/favicon.ico").read_bytes()
    assert list((output / "static").glob("favicon*")) == []  # published at the root only


def test_an_unreadable_theme_icon_is_an_error_at_its_path(tmp_path):
    make_site(tmp_path, {"content/about.md": "---\ntitle: About\n---\nText.\n"})
    theme = tmp_path / "theme"
    shutil.copytree(ROOT / "templates", theme)
    (theme / "static/icons/favicon.png").write_bytes(b"not a picture")
    build(tmp_path)
    before = output_files(tmp_path / "output")
    run = fails(tmp_path, "--templates", str(theme))
    assert run.lines[0].startswith(
        "theme/static/icons/favicon.png:1: error: cannot make /favicon.ico: ")
    assert output_files(tmp_path / "output") == before
