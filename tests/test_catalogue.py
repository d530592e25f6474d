"""The catalogue on built sites: gathered lists on pavilion and city pages, the untranslated items
of a listing, category pages, cities by region and country, solution JSON-LD, OpenGraph tags."""

from __future__ import annotations

import io
import json
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from PIL import Image
from sitekit import SiteBuilder, forwards, html, markdown_file

REGIONS = """\
europe: {en: Europe, zh-tw: 歐洲}
asia-pacific: {en: Asia-Pacific, zh-tw: 亞太}
americas: {en: Americas, zh-tw: 美洲}
"""

# A small expo: two pavilions, four cities (two untranslated), solutions in English and Chinese,
# one solution and one tour without translation, one solution only in Chinese, two sessions.
FILES = {
    "content/_data/regions.yaml": REGIONS,
    "content/pavilions/taipei.md": "---\ntitle: Taipei Pavilion\norganizer: Taipei City\n---\n",
    "content/pavilions/taipei.zh-tw.md": "---\ntitle: 臺北館\norganizer: 臺北市政府\n---\n",
    "content/pavilions/harbour.md": "---\ntitle: Harbour Pavilion\norganizer: Port Co.\n---\n",
    "content/cities/prague.md": """
        ---
        title: Prague
        country: Czech Republic
        region: europe
        leader: Jan Novák, Mayor
        website: https://www.praha.eu/
        ---
        """,
    "content/cities/prague.zh-tw.md":
        "---\ntitle: 布拉格\ncountry: 捷克\nleader: 市長 Jan Novák\n---\n",
    "content/cities/brno.md": "---\ntitle: Brno\ncountry: Czech Republic\nregion: europe\n---\n",
    "content/cities/brno.zh-tw.md": "---\ntitle: 布爾諾\ncountry: 捷克\n---\n",
    "content/cities/gdynia.md": "---\ntitle: Gdynia\ncountry: Poland\nregion: europe\n---\n",
    "content/cities/da-nang.md":
        "---\ntitle: Da Nang\ncountry: Vietnam\nregion: asia-pacific\n---\n",
    "content/solutions/signals.md": """
        ---
        title: Adaptive signals
        company: Signal Co.
        category: smart-transportation
        pavilion: taipei
        cities: [prague, da-nang]
        website: https://signals.example.com/
        contact: hello@signals.example.com
        weight: 1
        ---
        Signals.
        """,
    "content/solutions/signals.zh-tw.md":
        "---\ntitle: 適應性號誌\ncompany: 號誌公司\n---\n號誌。\n",
    "content/solutions/kiosk.md": """
        ---
        title: Health kiosk
        company: Kiosk Co.
        category: smart-health
        pavilion: taipei
        cities: [gdynia]
        ---
        Kiosk.
        """,
    "content/solutions/parking.md": """
        ---
        title: Parking guidance
        company: Parking Co.
        category: smart-transportation
        pavilion: harbour
        cities: [prague]
        ---
        """,
    "content/solutions/parking.zh-tw.md": "---\ntitle: 停車導引\n---\n",
    "content/solutions/app.md":
        "---\ntitle: Care app\ncompany: App Co.\ncategory: smart-health\n---\n",
    "content/solutions/night-market.zh-tw.md": """
        ---
        title: 夜市行動支付
        company: 支付公司
        category: smart-health
        pavilion: taipei
        ---
        """,
    "content/tours/neihu.md":
        "---\ntitle: Neihu tour\npavilion: taipei\nsolutions: [signals]\n---\n",
    "content/tours/neihu.zh-tw.md": "---\ntitle: 內湖導覽\n---\n",
    "content/tours/xinyi.md": "---\ntitle: Xinyi tour\npavilion: taipei\n---\n",
    "content/summit/europe.md": """
        ---
        title: Europe session
        start: 2020-08-13 17:00
        end: 2020-08-13 18:30
        timezone: Europe/Prague
        region: europe
        speakers:
          - {name: Jan Novák, city: prague}
          - {name: Anna Nowak, city: gdynia}
        ---
        """,
    "content/summit/europe.zh-tw.md": "---\ntitle: 歐洲場\n---\n",
    "content/summit/late.md": """
        ---
        title: Late session
        start: 2020-08-20 09:00
        end: 2020-08-20 10:00
        timezone: Europe/Prague
        region: europe
        speakers: [{name: Jan Novák, city: prague}]
        ---
        """,
}


@pytest.fixture(scope="module")
def out(tmp_path_factory) -> Path:
    site = SiteBuilder(tmp_path_factory.mktemp("catalogue"), FILES)
    site.build()
    return site.root / "output"


def section_links(page, section_id: str) -> list[str]:
    """The card links of one related section (by its heading id), in page order."""
    section = page.find("section", attrs={"aria-labelledby": section_id})
    assert section is not None, f"no section {section_id}"
    return [a["href"] for a in section.select(".card__title a")]


def card_links(page) -> list[str]:
    return [a["href"] for a in page.select("main .card__title a")]


# -- pavilion and city pages ------------------------------------------------------------------

def test_pavilion_gathers_its_solutions_and_tours_in_listing_order(out: Path):
    page = html(out / "en/pavilions/taipei/index.html")
    assert section_links(page, "pavilion-solutions") == [
        "/en/solutions/signals/", "/en/solutions/kiosk/"]  # weight 1 first, then by title
    assert section_links(page, "pavilion-tours") == ["/en/tours/neihu/", "/en/tours/xinyi/"]
    assert "Taipei City" in page.select_one(".facts").get_text()
    harbour = html(out / "en/pavilions/harbour/index.html")
    assert section_links(harbour, "pavilion-solutions") == ["/en/solutions/parking/"]
    assert harbour.find("section", attrs={"aria-labelledby": "pavilion-tours"}) is None


def test_pavilion_in_chinese_falls_back_to_english_items_and_marks_them(out: Path):
    page = html(out / "zh-tw/pavilions/taipei/index.html")
    # The Chinese-only solution is listed here (it is written in this language), the untranslated
    # kiosk links to its English page; zh-Hant-TW collation puts Chinese titles before Latin.
    assert section_links(page, "pavilion-solutions") == [
        "/zh-tw/solutions/signals/", "/zh-tw/solutions/night-market/", "/en/solutions/kiosk/"]
    assert section_links(page, "pavilion-tours") == ["/zh-tw/tours/neihu/", "/en/tours/xinyi/"]
    # The same order as the zh-tw tours listing.
    assert card_links(html(out / "zh-tw/tours/index.html")) == section_links(page, "pavilion-tours")
    kiosk = page.find("a", href="/en/solutions/kiosk/")
    assert kiosk["lang"] == "en" and kiosk["hreflang"] == "en"
    assert kiosk.find_parent("article").select_one(".badge").get_text() == "僅有英文版"
    assert page.find("a", href="/zh-tw/solutions/signals/").get("lang") is None
    # The English pavilion does not show the Chinese-only solution.
    assert "night-market" not in (out / "en/pavilions/taipei/index.html").read_text()


def test_city_gathers_sessions_with_dates_and_solutions_deployed_there(out: Path):
    page = html(out / "en/cities/prague/index.html")
    assert section_links(page, "city-sessions") == ["/en/summit/europe/", "/en/summit/late/"]
    times = [t["datetime"] for t in page.find("section", attrs={
        "aria-labelledby": "city-sessions"}).find_all("time")]
    assert times == ["2020-08-13T17:00:00+02:00", "2020-08-20T09:00:00+02:00"]
    assert section_links(page, "city-solutions") == [
        "/en/solutions/signals/", "/en/solutions/parking/"]
    facts = page.select_one(".facts").get_text(" ", strip=True)
    for text in ("Czech Republic", "Europe", "Jan Novák, Mayor", "www.praha.eu"):
        assert text in facts
    assert page.select_one(".facts a[href='/en/cities/#region-europe']") is not None
    # An English-only city speaks in one session and has one solution.
    gdynia = html(out / "en/cities/gdynia/index.html")
    assert section_links(gdynia, "city-sessions") == ["/en/summit/europe/"]
    assert section_links(gdynia, "city-solutions") == ["/en/solutions/kiosk/"]


def test_city_in_chinese_lists_translations_else_english_pages(out: Path):
    page = html(out / "zh-tw/cities/prague/index.html")
    assert section_links(page, "city-sessions") == ["/zh-tw/summit/europe/", "/en/summit/late/"]
    assert section_links(page, "city-solutions") == [
        "/zh-tw/solutions/signals/", "/zh-tw/solutions/parking/"]
    late = page.find("a", href="/en/summit/late/")
    assert late["lang"] == "en" and late.find_parent("article").select_one(".badge")
    facts = page.select_one(".facts").get_text(" ", strip=True)
    assert "捷克" in facts and "歐洲" in facts and "市長 Jan Novák" in facts
    brno = html(out / "zh-tw/cities/brno/index.html")
    assert brno.find("section", attrs={"aria-labelledby": "city-sessions"}) is None
    assert brno.find("section", attrs={"aria-labelledby": "city-solutions"}) is None


# -- the catalogue ------------------------------------------------------------------------------

def test_chinese_catalogue_lists_untranslated_solutions_marked_and_linked(out: Path):
    page = html(out / "zh-tw/solutions/index.html")
    assert card_links(page) == [  # weight 1, then 夜 (8 strokes), 停 (11), then Latin
        "/zh-tw/solutions/signals/", "/zh-tw/solutions/night-market/",
        "/zh-tw/solutions/parking/", "/en/solutions/app/", "/en/solutions/kiosk/"]
    for slug in ("app", "kiosk"):
        link = page.find("a", href=f"/en/solutions/{slug}/")
        assert link["lang"] == "en" and link["hreflang"] == "en"
        card = link.find_parent("article")
        assert "card--fallback" in card["class"]
        assert card.select_one(".badge").get_text() == "僅有英文版"
        assert card.select_one(".badge")["lang"] == "zh-Hant-TW"
        assert (out / f"en/solutions/{slug}/index.html").is_file()
        assert not (out / f"zh-tw/solutions/{slug}").exists()
    translated = page.find("a", href="/zh-tw/solutions/signals/").find_parent("article")
    assert "card--fallback" not in translated["class"] and translated.select_one(".badge") is None
    # Category labels are in the visitor's language, also on untranslated cards.
    kiosk = page.find("a", href="/en/solutions/kiosk/").find_parent("article")
    assert "智慧醫療" in kiosk.select_one(".card__meta").get_text()
    # A solution written only in Chinese is not in the English catalogue.
    assert card_links(html(out / "en/solutions/index.html")) == [
        "/en/solutions/signals/", "/en/solutions/app/", "/en/solutions/kiosk/",
        "/en/solutions/parking/"]


def test_catalogue_cards_carry_filter_values_and_the_form_is_hidden(out: Path):
    page = html(out / "en/solutions/index.html")
    items = {li.select_one(".card__title a")["href"].split("/")[3]: li
             for li in page.select("[data-filter-items] > li")}
    assert items["signals"]["data-category"] == "smart-transportation"
    assert items["signals"]["data-pavilion"] == "taipei"
    assert items["signals"]["data-cities"] == "prague da-nang"
    assert items["app"]["data-pavilion"] == "" and items["app"]["data-cities"] == ""
    form = page.select_one("form[data-filter]")
    assert form.has_attr("hidden")
    options = {s["name"]: [(o["value"], o.get_text()) for o in s.find_all("option")]
               for s in form.find_all("select")}
    assert options["category"] == [("", "All categories"),
                                   ("smart-transportation", "Smart Transportation"),
                                   ("smart-health", "Smart Health")]
    assert options["pavilion"] == [("", "All pavilions"), ("harbour", "Harbour Pavilion"),
                                   ("taipei", "Taipei Pavilion")]
    assert options["city"] == [("", "All cities"), ("da-nang", "Da Nang"),
                               ("gdynia", "Gdynia"), ("prague", "Prague")]
    for select in form.find_all("select"):
        assert form.find("label", attrs={"for": select["id"]}) is not None
    status = form.select_one("[data-filter-status]")
    assert status["aria-live"] == "polite" and status["role"] == "status"
    assert status.get_text() == "Showing all 4 solutions"
    # In Chinese an untranslated city's option keeps its language.
    zh = html(out / "zh-tw/solutions/index.html").select_one("form[data-filter]")
    gdynia = zh.find("option", value="gdynia")
    assert gdynia.get_text() == "Gdynia" and gdynia["lang"] == "en"
    assert zh.find("option", value="prague").get_text() == "布拉格"


def test_category_pages_show_only_their_items_with_counts(out: Path):
    for lang, key, expected in [
        ("en", "smart-transportation", ["/en/solutions/signals/", "/en/solutions/parking/"]),
        ("en", "smart-health", ["/en/solutions/app/", "/en/solutions/kiosk/"]),
        ("zh-tw", "smart-health", ["/zh-tw/solutions/night-market/", "/en/solutions/app/",
                                   "/en/solutions/kiosk/"]),
    ]:
        page = html(out / f"{lang}/solutions/category/{key}/index.html")
        assert card_links(page) == expected
        nav = page.select_one("nav.filters")
        current = nav.select("a[aria-current]")
        assert [a["href"] for a in current] == [f"/{lang}/solutions/category/{key}/"]
        assert current[0].select_one(".count").get_text() == str(len(expected))
        # Category pages filter by pavilion and city only: the category is the page.
        form = page.select_one("form[data-filter]")
        assert form is None or form.find("select", attrs={"name": "category"}) is None
    counts = {a["href"]: a.select_one(".count").get_text()
              for a in html(out / "en/solutions/index.html").select("nav.filters a")
              if a.select_one(".count")}
    assert counts == {"/en/solutions/category/smart-transportation/": "2",
                      "/en/solutions/category/smart-health/": "2"}
    listing = html(out / "en/solutions/index.html").select_one("nav.filters")
    assert listing.select_one("a[aria-current]")["href"] == "/en/solutions/"


def test_cities_page_groups_by_region_then_country(out: Path):
    def groups(lang: str) -> list[tuple[str, list[tuple[str, list[str]]]]]:
        page = html(out / f"{lang}/cities/index.html")
        return [(region.find("h2").find(string=True).strip(),
                 [(country.find("h3").get_text(strip=True),
                   [a["href"] for a in country.select("a.city-entry__name")])
                  for country in region.select("section.country")])
                for region in page.select("main section.region")]

    assert groups("en") == [
        ("Europe", [("Czech Republic", ["/en/cities/brno/", "/en/cities/prague/"]),
                    ("Poland", ["/en/cities/gdynia/"])]),
        ("Asia-Pacific", [("Vietnam", ["/en/cities/da-nang/"])]),
    ]
    assert groups("zh-tw") == [
        ("歐洲", [("捷克", ["/zh-tw/cities/prague/", "/zh-tw/cities/brno/"]),
                 ("Poland", ["/en/cities/gdynia/"])]),
        ("亞太", [("Vietnam", ["/en/cities/da-nang/"])]),
    ]
    page = html(out / "zh-tw/cities/index.html")
    gdynia = page.find("a", href="/en/cities/gdynia/")
    assert gdynia["lang"] == "en" and gdynia.find_parent("li").select_one(".badge")
    # Region links jump to their section; the empty Americas region is left out.
    jumps = [a["href"] for a in page.select("nav.filters a")]
    assert jumps == ["#region-europe", "#region-asia-pacific"]
    assert page.find(id="region-americas") is None


# -- structured data and social metadata ----------------------------------------------------------

def jsonld(page) -> dict:
    scripts = page.find_all("script", type="application/ld+json")
    assert len(scripts) == 1
    return json.loads(scripts[0].string)


def test_solution_page_facts_and_json_ld(out: Path):
    page = html(out / "en/solutions/signals/index.html")
    data = jsonld(page)
    assert data["@context"] == "https://schema.org" and data["@type"] == "Service"
    assert data["name"] == "Adaptive signals"
    assert data["url"] == "https://example.org/en/solutions/signals/"
    assert data["provider"] == {"@type": "Organization", "name": "Signal Co.",
                                "url": "https://signals.example.com/",
                                "email": "hello@signals.example.com"}
    assert data["serviceType"] == "Smart Transportation"
    assert data["areaServed"] == [
        {"@type": "City", "name": "Prague", "url": "https://example.org/en/cities/prague/"},
        {"@type": "City", "name": "Da Nang", "url": "https://example.org/en/cities/da-nang/"}]
    facts = page.select_one(".facts")
    hrefs = [a["href"] for a in facts.find_all("a")]
    assert hrefs == ["/en/solutions/category/smart-transportation/", "/en/pavilions/taipei/",
                     "/en/cities/prague/", "/en/cities/da-nang/", "https://signals.example.com/",
                     "mailto:hello@signals.example.com"]
    assert "Signal Co." in facts.get_text()
    # The Chinese page: its own company name, references in Chinese where translated.
    zh = html(out / "zh-tw/solutions/signals/index.html")
    data = jsonld(zh)
    assert data["provider"]["name"] == "號誌公司" and data["inLanguage"] == "zh-Hant-TW"
    assert [c["name"] for c in data["areaServed"]] == ["布拉格", "Da Nang"]
    assert zh.select_one(".facts a[href='/en/cities/da-nang/']")["lang"] == "en"


def test_solution_page_offers_more_of_its_category(out: Path):
    page = html(out / "en/solutions/signals/index.html")
    assert section_links(page, "solution-more") == ["/en/solutions/parking/"]


def test_solution_gallery_and_cover_have_alt_text(tmp_path):
    picture = io.BytesIO()
    Image.new("RGB", (64, 48), (11, 92, 115)).save(picture, "PNG")
    png = picture.getvalue()
    site = SiteBuilder(tmp_path, {
        "content/solutions/cam/index.md": """
            ---
            title: Camera
            company: Cam Co.
            category: smart-transportation
            image: cover.png
            image_alt: A camera on a pole
            gallery:
              - {src: one.png, alt: The camera at night}
            ---
            """,
        "content/solutions/cam/cover.png": png,
        "content/solutions/cam/one.png": png,
    })
    site.build()
    page = site.html("en/solutions/cam/index.html")
    assert page.select_one(".cover img")["alt"] == "A camera on a pole"
    figures = page.select(".gallery figure img")
    assert [img["alt"] for img in figures] == ["The camera at night"]
    listing = site.html("en/solutions/index.html")
    assert listing.select_one(".card img")["alt"] == "A camera on a pole"
    og = {m["property"]: m["content"] for m in page.find_all("meta", property=True)}
    assert urlsplit(og["og:image"]).scheme == "https"


def test_every_page_of_the_bundled_site_has_opengraph_and_twitter_tags(bundled: Path):
    pages = [p for p in sorted(bundled.rglob("*.html")) if not forwards(p)]
    assert len(pages) > 50
    with_image = 0
    for path in pages:
        page = html(path)
        og = {m["property"]: m.get("content", "")
              for m in page.find_all("meta", property=lambda v: v and v.startswith("og:"))}
        where = path.relative_to(bundled)
        assert og.get("og:title"), where
        assert og.get("og:description"), where
        canonical = page.find("link", rel="canonical")["href"]
        assert og["og:url"] == canonical, where
        assert urlsplit(og["og:url"]).scheme == "https" and urlsplit(og["og:url"]).netloc, where
        card = page.find("meta", attrs={"name": "twitter:card"})
        assert card is not None, where
        image = page.select_one("main .cover img, main .hero img")
        if image is not None or "og:image" in og:
            with_image += 1
            assert urlsplit(og.get("og:image", "")).scheme == "https", where
            assert og.get("og:image:alt"), where
            assert card["content"] == "summary_large_image", where
            assert (bundled / urlsplit(og["og:image"]).path.lstrip("/")).is_file(), where
        else:
            assert card["content"] == "summary", where
    assert with_image >= 10


def test_opengraph_urls_honour_a_sub_path(tmp_path):
    site = SiteBuilder(tmp_path, {"content/about.md": markdown_file(title="About",
                                                                    summary="Who we are.")})
    site.build(base_url="https://host.example/expo/")
    page = site.html("en/about/index.html")
    og = {m["property"]: m["content"] for m in page.find_all("meta", property=True)}
    assert og["og:url"] == "https://host.example/expo/en/about/"
    assert og["og:title"] == "About" and og["og:description"] == "Who we are."
