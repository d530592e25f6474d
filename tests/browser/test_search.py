"""Search in a real browser: Pagefind's index per language, Chinese words segmented; the
search page's own form over Pagefind's JS API, a search in the address (?q=…), and the form in
every other page's header, which works before any script (a plain GET form)."""

from __future__ import annotations

import shutil
from urllib.parse import parse_qs, quote, urlsplit

import pytest
from sitekit import ROOT, build, make_site

FIELD = "main form[role=search] input[name=q]"  # the search page's own field
RESULT_LINKS = ".search-result__title a"


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


def result_links(page) -> list[str]:
    page.locator(RESULT_LINKS).first.wait_for(timeout=15_000)
    return page.locator(RESULT_LINKS).evaluate_all(
        "links => links.map(a => a.getAttribute('href'))")


def search(page_in, site_url: str, lang: str, query: str) -> list[str]:
    """The results of typing `query` into the search page's field."""
    page = page_in()
    page.goto(f"{site_url}/{lang}/search/")
    page.locator(FIELD).fill(query)
    links = result_links(page)
    assert page.page_errors == [] and page.console_errors == []
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
    page.locator(FIELD).fill("zebracorn")
    page.get_by_role("status").filter(has_text="No results for “zebracorn”").wait_for(
        timeout=15_000)
    assert page.locator(RESULT_LINKS).count() == 0


def test_related_cards_do_not_make_a_page_a_result(tmp_path, serve, page_in):
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


# -- the search in the address, the header's form, the results as shown -----------------------

@pytest.mark.parametrize(("lang", "query", "found", "announced"), [
    ("en", "traffic signals", "en/solutions/adaptive-traffic-signals/",
     "results for “traffic signals”"),
    ("zh-tw", "停車", "zh-tw/solutions/smart-parking-guidance/", "「停車」的搜尋結果："),
])
def test_a_search_in_the_address_is_run_on_arrival(page_in, site_url, lang, query, found,
                                                   announced):
    page = page_in()
    page.goto(f"{site_url}/{lang}/search/?q={quote(query)}")
    assert f"/expo/{found}" in result_links(page)
    assert page.locator(FIELD).input_value() == query
    count = page.locator(RESULT_LINKS).count()
    status = page.get_by_role("status")
    status.filter(has_text=announced).wait_for()
    assert str(count) in status.inner_text()
    assert page.page_errors == [] and page.console_errors == []


def test_what_is_typed_is_kept_in_the_address(page_in, site_url):
    page = page_in()
    page.goto(f"{site_url}/zh-tw/search/")
    page.locator(FIELD).fill("交通")
    page.wait_for_url(f"**/expo/zh-tw/search/?q={quote('交通')}")
    links = result_links(page)
    page.reload()  # a bookmark of the address gives the same results
    page.locator(RESULT_LINKS).nth(len(links) - 1).wait_for()
    assert result_links(page) == links
    page.locator(FIELD).fill("")
    page.wait_for_url("**/expo/zh-tw/search/")
    assert page.locator(RESULT_LINKS).count() == 0


@pytest.mark.parametrize("script", [True, False], ids=["with-js", "without-js"])
def test_the_header_form_of_every_page_searches_on_the_search_page(page_in, site_url, script):
    page = page_in(java_script_enabled=script)
    page.goto(f"{site_url}/en/solutions/")
    assert page.locator(FIELD).count() == 0
    header = page.locator("header form[role=search]")
    header.get_by_label("Search this site").fill("traffic signals")
    header.get_by_role("button", name="Search").click()
    # the form's address, or the same as the search page writes it back (%20 for +)
    page.wait_for_url(lambda url: urlsplit(url).path == "/expo/en/search/" and
                      parse_qs(urlsplit(url).query) == {"q": ["traffic signals"]})
    if script:
        assert "/expo/en/solutions/adaptive-traffic-signals/" in result_links(page)
        assert page.page_errors == [] and page.console_errors == []
    else:  # the search page, which says in <noscript> where to look instead
        assert page.get_by_role("heading", level=1).inner_text() == "Search"
        assert "Search needs JavaScript" in page.locator("noscript").inner_html()


def test_more_results_come_ten_at_a_time_and_take_the_focus(tmp_path, serve, page_in):
    make_site(tmp_path, {f"content/news/n{i:02}.md": f"---\ntitle: Note {i:02}\n"
                                                      f"date: 2020-07-{i:02}\n---\n"
                                                      "The okapi plan.\n" for i in range(1, 13)})
    build(tmp_path)
    page = page_in()
    page.goto(f"{serve(tmp_path / 'output')}/en/search/?q=okapi")
    page.get_by_role("status").filter(has_text="12 results for “okapi”").wait_for(
        timeout=15_000)
    assert len(result_links(page)) == 10
    more = page.get_by_role("button", name="More results")
    more.click()
    page.locator(RESULT_LINKS).nth(11).wait_for()
    assert len(result_links(page)) == 12
    assert more.is_hidden()
    focused = page.evaluate("document.activeElement.getAttribute('href')")
    assert focused == result_links(page)[10]


def test_excerpts_show_the_page_text_as_text_with_the_words_found_marked(tmp_path, serve,
                                                                        page_in):
    make_site(tmp_path, {"content/news/tags.md": """---
title: Tags
date: 2020-07-01
---
The quagga writes `<img src=x onerror="document.title='hacked'">` and `<b>bold</b>` text.
"""})
    build(tmp_path)
    page = page_in()
    page.on("dialog", lambda dialog: dialog.dismiss())
    page.goto(f"{serve(tmp_path / 'output')}/en/search/?q=quagga")
    assert result_links(page) == ["/en/news/tags/"]
    excerpt = page.locator(".search-result__excerpt")
    assert "<img src=x onerror=" in excerpt.inner_text()
    assert "<b>bold</b>" in excerpt.inner_text()
    assert excerpt.locator("*").evaluate_all("nodes => nodes.map(n => n.outerHTML)") == [
        "<mark>quagga</mark>"]
    assert page.title() != "hacked" and page.page_errors == []
