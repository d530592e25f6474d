"""Search in a real browser: Pagefind's index per language, Chinese words segmented."""

from __future__ import annotations

import shutil

import pytest
from sitekit import ROOT, build


@pytest.fixture(scope="module")
def site_url(tmp_path_factory, serve) -> str:
    folder = tmp_path_factory.mktemp("search-site")
    shutil.copytree(ROOT / "content", folder / "content")
    build(folder, "--base-url", "https://example.org/expo/")
    # Served at the root of the test host: mount output/ under /expo/ like the real host.
    host = folder / "host"
    host.mkdir()
    shutil.move(str(folder / "output"), str(host / "expo"))
    shutil.copy(host / "expo" / "404.html", host / "404.html")
    return serve(host) + "/expo"


def search(page_in, site_url: str, lang: str, query: str) -> list[str]:
    page = page_in()
    page.goto(f"{site_url}/{lang}/search/")
    box = page.locator(".pagefind-ui__search-input")
    box.fill(query)
    page.locator(".pagefind-ui__result-link").first.wait_for(timeout=15_000)
    links = page.locator(".pagefind-ui__result-link").evaluate_all(
        "links => links.map(a => a.getAttribute('href'))")
    assert page.page_errors == []
    return links


def test_english_search_finds_the_traffic_solution(page_in, site_url):
    links = search(page_in, site_url, "en", "traffic signals")
    assert "/expo/en/solutions/adaptive-traffic-signals/" in links
    assert all(link.startswith("/expo/en/") for link in links)


@pytest.mark.parametrize("query", ["智慧交通", "交通"])
def test_chinese_search_finds_the_transportation_solution(page_in, site_url, query):
    links = search(page_in, site_url, "zh-tw", query)
    assert "/expo/zh-tw/solutions/adaptive-traffic-signals/" in links
    assert all(link.startswith("/expo/zh-tw/") for link in links)


def test_listings_and_navigation_are_not_indexed(page_in, site_url):
    links = search(page_in, site_url, "en", "solutions")
    assert "/expo/en/solutions/" not in links and "/expo/en/" not in links


def test_404_page_keeps_its_styles_at_any_depth(page_in, site_url):
    page = page_in()
    response = page.goto(f"{site_url}/en/no/such/deep/page/")
    assert response.status == 404
    # The stylesheet loaded: the theme's layout applies (a plain page would keep 8px margins).
    margin = page.evaluate("getComputedStyle(document.body).marginLeft")
    assert margin == "0px"
    assert page.locator("a[hreflang='zh-Hant-TW']").count() >= 1
    assert page.page_errors == []


def test_drafts_are_not_in_the_index(tmp_path, serve, page_in):
    from sitekit import make_site

    make_site(tmp_path, {
        "content/news/out.md": "---\ntitle: Draft\ndate: 2020-07-01\ndraft: true\n---\n"
                               "The zebracorn plan is secret.\n",
        "content/news/in.md": "---\ntitle: Published\ndate: 2020-07-02\n---\n"
                              "The unicorn plan is public.\n",
    })
    build(tmp_path)
    url = serve(tmp_path / "output")
    assert search(page_in, url, "en", "unicorn") == ["/en/news/in/"]
    page = page_in()
    page.goto(f"{url}/en/search/")
    page.locator(".pagefind-ui__search-input").fill("zebracorn")
    page.locator(".pagefind-ui__message").filter(has_text="zebracorn").wait_for(timeout=15_000)
    assert page.locator(".pagefind-ui__result-link").count() == 0


def test_related_cards_do_not_make_a_page_a_result(tmp_path, serve, page_in):
    from sitekit import make_site

    make_site(tmp_path, {
        "content/solutions/quokka.md": "---\ntitle: Quokka counter\ncompany: Q Co.\n"
                                       "category: smart-health\n---\nCounts the animals.\n",
        "content/solutions/kiosk.md": "---\ntitle: Health kiosk\ncompany: K Co.\n"
                                      "category: smart-health\n---\nA kiosk for clinics.\n",
    })
    build(tmp_path)
    kiosk = (tmp_path / "output/en/solutions/kiosk/index.html").read_text(encoding="utf-8")
    assert "Quokka counter" in kiosk  # in the kiosk's "More in" cards, which are not indexed
    url = serve(tmp_path / "output")
    assert search(page_in, url, "en", "quokka") == ["/en/solutions/quokka/"]


def test_an_edit_in_one_language_reindexes_that_language_only(tmp_path, serve, page_in):
    from sitekit import make_site

    make_site(tmp_path, {
        "content/news/plan.md": "---\ntitle: Plan\ndate: 2020-07-01\n---\nThe unicorn plan.\n",
        "content/news/plan.zh-tw.md": "---\ntitle: 計畫\n---\n獨角獸計畫。\n",
    })
    build(tmp_path)
    bundles = tmp_path / "output/pagefind"
    assert sorted(p.name for p in bundles.iterdir()) == ["en", "zh-tw"]

    def inodes(code: str) -> dict[str, int]:
        return {str(p.relative_to(bundles)): p.stat().st_ino
                for p in (bundles / code).rglob("*") if p.is_file()}

    before = {code: inodes(code) for code in ("en", "zh-tw")}
    plan = tmp_path / "content/news/plan.md"
    plan.write_text(plan.read_text(encoding="utf-8").replace("unicorn", "narwhal"),
                    encoding="utf-8")
    build(tmp_path)
    assert inodes("zh-tw") == before["zh-tw"]  # the same files: kept, not indexed again
    assert inodes("en").keys() & before["en"].keys()  # script and styles
    assert inodes("en")["en/pagefind-entry.json"] != before["en"]["en/pagefind-entry.json"]
    url = serve(tmp_path / "output")
    assert search(page_in, url, "en", "narwhal") == ["/en/news/plan/"]
    assert search(page_in, url, "zh-tw", "獨角獸") == ["/zh-tw/news/plan/"]
