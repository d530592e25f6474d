"""Titles and country names in each language's own order (SPEC §4): stroke order on the zh-tw
site, where code-point order means nothing to a reader; alphabetical in English, whatever the
case and accents."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import icu
import pytest
from sitekit import build, html, make_site

# Strokes of the characters the titles start with, as a Taiwanese dictionary counts them.
STROKES = {"一": 1, "人": 2, "大": 3, "巴": 4, "日": 4, "中": 4, "台": 5, "仙": 5, "東": 8,
           "法": 8, "美": 9, "柏": 9, "紐": 10, "臺": 14, "德": 15, "龍": 16}


def by_strokes(texts: list[str]) -> list[str]:
    """What a reader in Taiwan expects (the tests use no texts whose first strokes tie), checked
    against ICU's zh-Hant-TW collation itself, and not what sorting by code point gives."""
    expected = sorted(texts, key=lambda text: STROKES[text[0]])
    collator = icu.Collator.createInstance(icu.Locale.forLanguageTag("zh-Hant-TW"))
    assert sorted(texts, key=collator.getSortKey) == expected
    assert sorted(texts) != expected
    return expected


def alphabetical(texts: list[str]) -> list[str]:
    """What an English reader expects: letters first, case and accents aside; neither what
    sorting by code point gives, nor by casefolded code point."""
    expected = sorted(texts, key=lambda text: "".join(
        c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c)
    ).casefold())
    assert sorted(texts) != expected and sorted(texts, key=str.casefold) != expected
    return expected


# slug: (English title, Chinese title); neither order is the one of code points.
SOLUTIONS = {
    "signals": ("Zebra crossings", "中央號誌"),
    "bikes": ("bike sharing", "龍潭單車"),
    "lamps": ("Émile's lamps", "一站式路燈"),
    "meters": ("eco meters", "臺北智慧電表"),
    "parking": ("Eve parking", "人行停車"),
    "flows": ("adaptive flows", "台灣人流"),
    "data": ("Data lake", "大數據平台"),
}
# slug: (English title and country, Chinese title and country).
CITIES = {
    "tokyo": ("Tokyo", "Japan", "東京", "日本"),
    "osaka": ("Osaka", "Japan", "大阪", "日本"),
    "sendai": ("Sendai", "Japan", "仙台", "日本"),
    "paris": ("Paris", "France", "巴黎", "法國"),
    "new-york": ("New York", "United States", "紐約", "美國"),
    "berlin": ("Berlin", "Germany", "柏林", "德國"),
}


def files() -> dict[str, str]:
    found = {"content/_data/regions.yaml": "world: {en: World, zh-tw: 世界}\n"}
    for slug, (en, zh) in SOLUTIONS.items():
        found[f"content/solutions/{slug}.md"] = (
            f"---\ntitle: \"{en}\"\ncompany: Co.\ncategory: smart-health\n"
            f"cities: [{', '.join(CITIES)}]\n---\n")
        found[f"content/solutions/{slug}.zh-tw.md"] = f"---\ntitle: {zh}\n---\n"
    for slug, (en, country, zh, zh_country) in CITIES.items():
        found[f"content/cities/{slug}.md"] = \
            f"---\ntitle: {en}\ncountry: {country}\nregion: world\n---\n"
        found[f"content/cities/{slug}.zh-tw.md"] = \
            f"---\ntitle: {zh}\ncountry: {zh_country}\n---\n"
    return found


@pytest.fixture(scope="module")
def out(tmp_path_factory) -> Path:
    root = make_site(tmp_path_factory.mktemp("collation"), files())
    build(root)
    return root / "output"


def card_titles(page) -> list[str]:
    return [a.get_text(strip=True) for a in page.select("main .card__title a")]


def test_chinese_listing_runs_by_stroke_count(out: Path):
    titles = card_titles(html(out / "zh-tw/solutions/index.html"))
    assert titles == by_strokes([zh for _, zh in SOLUTIONS.values()])
    assert titles == ["一站式路燈", "人行停車", "大數據平台", "中央號誌", "台灣人流",
                      "臺北智慧電表", "龍潭單車"]
    # So do the category page and the options of the listing's city filter.
    assert card_titles(html(out / "zh-tw/solutions/category/smart-health/index.html")) == titles
    select = html(out / "zh-tw/solutions/index.html").select_one("form select[name=city]")
    assert [o.get_text() for o in select.find_all("option")][1:] == by_strokes(
        [c[2] for c in CITIES.values()])


def test_english_listing_is_alphabetical_whatever_the_case_and_accents(out: Path):
    titles = card_titles(html(out / "en/solutions/index.html"))
    assert titles == alphabetical([en for en, _ in SOLUTIONS.values()])
    assert titles == ["adaptive flows", "bike sharing", "Data lake", "eco meters", "Émile's lamps",
                      "Eve parking", "Zebra crossings"]


def test_cities_by_country_in_the_readers_order(out: Path):
    def countries(lang: str) -> list[tuple[str, list[str]]]:
        page = html(out / f"{lang}/cities/index.html")
        return [(country.find("h3").get_text(strip=True),
                 [a.get_text(strip=True) for a in country.select("a.city-entry__name")])
                for country in page.select("main section.country")]

    assert countries("zh-tw") == [("日本", ["大阪", "仙台", "東京"]), ("法國", ["巴黎"]),
                                  ("美國", ["紐約"]), ("德國", ["柏林"])]
    assert [name for name, _ in countries("zh-tw")] == by_strokes(["德國", "日本", "法國", "美國"])
    assert countries("en") == [("France", ["Paris"]), ("Germany", ["Berlin"]),
                               ("Japan", ["Osaka", "Sendai", "Tokyo"]),
                               ("United States", ["New York"])]
