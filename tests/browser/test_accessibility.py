"""axe-core's default rule set — WCAG 2.x A and AA and its best practices, what auditors run — in
real Chromium on every page of the bundled site — every page template in both languages: entry
page, homes, each section listing, the summit schedule, category pages, each item type, plain
pages, search (with results: typed, from the address, more of them, none), 404 (also at
depth), an alias's redirect page — on a desktop and on a 375 px phone; then the keyboard alone,
from the top of a page, reaches the skip link, the main menu, the language switcher, the
catalogue filters, the video player and the search box.

axe-core comes from npm (.ci/run installs it into the git-ignored .ci/node/, or set
EXPO_AXE_JS). Without it the axe tests skip, except under EXPO_REQUIRE_BROWSER (set by .ci/run).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sitekit import AXE_JS, SITE_YAML, build, forwards, html, make_site, require_file, site_pages

WIDTHS = {"desktop": 1280, "phone": 375}
SEARCHES = {"en": "traffic", "zh-tw": "交通"}  # a query per language that finds results
MANY = {"en": "smart", "zh-tw": "智慧"}  # ... and one that finds more than ten
FIELD = "main form[role=search] input[name=q]"
RESULT_LINKS = ".search-result__title a"


@pytest.fixture(scope="module")
def axe_js() -> str:
    return str(require_file(AXE_JS, "axe.min.js (axe-core)"))


def pages(bundled: Path) -> list[str]:
    """Every page of the site, as a path to request ('' for the entry page); not the redirect
    pages of old addresses, which forward at once (test_redirect_pages_have_no_axe_violations
    checks one with the forward held back)."""
    found = []
    for page in site_pages(bundled):
        if forwards(page):
            continue
        rel = page.relative_to(bundled).as_posix()
        found.append(rel.removesuffix("index.html"))
    return found


def violations(page, axe_js: str) -> list[str]:
    """What axe-core's default rules (WCAG 2.x A/AA, best practices) find on the page as it
    stands, one line per element."""
    page.add_script_tag(path=axe_js)
    result = page.evaluate("axe.run(document)")
    return [f"{v['id']} ({v['impact']}): {' '.join(map(str, node['target']))}: "
            f"{node['failureSummary'].splitlines()[-1].strip()}"
            for v in result["violations"] for node in v["nodes"]]


def check_all(page, bundled_url: str, paths: list[str], axe_js: str) -> dict[str, list[str]]:
    found = {}
    for path in paths:
        page.goto(f"{bundled_url}/{path or '#languages'}")  # the entry page, not forwarding
        page.wait_for_load_state("load")
        problems = violations(page, axe_js)
        if problems:
            found[path] = problems
        assert page.page_errors == [], (path, page.page_errors)
    return found


@pytest.mark.parametrize("width", WIDTHS.values(), ids=WIDTHS.keys())
def test_every_page_has_no_axe_violations(axe_js, page_in, bundled_url, bundled, width,
                                          tally):
    paths = pages(bundled)
    # every template in both languages is among them
    for path in ("", "en/", "zh-tw/", "en/about/", "zh-tw/about/", "en/search/", "zh-tw/search/",
                 "404.html", "en/404.html", "zh-tw/404.html",
                 "en/solutions/category/smart-transportation/",
                 "zh-tw/solutions/category/smart-transportation/"):
        assert path in paths
    for lang in ("en", "zh-tw"):
        for section in ("solutions", "pavilions", "summit", "cities", "tours", "news"):
            assert f"{lang}/{section}/" in paths
            assert any(p.startswith(f"{lang}/{section}/") and p.count("/") == 3 for p in paths)
    page = page_in(viewport={"width": width, "height": 900})
    found = check_all(page, bundled_url, paths, axe_js)
    assert found == {}, "\n".join(f"{p}: {line}" for p, lines in found.items() for line in lines)
    tally(f"pages checked by axe-core at {width}px", len(paths))


@pytest.mark.parametrize("width", WIDTHS.values(), ids=WIDTHS.keys())
def test_pages_in_their_interactive_states_have_no_axe_violations(axe_js, page_in, bundled_url,
                                                                 bundled, width, tally):
    """Search results (typed; from the address, and more of them; none), a filtered catalogue,
    a session before, during and after (?now=), a playing video, a 404 at depth."""
    page = page_in(viewport={"width": width, "height": 900})
    page.route("https://www.youtube-nocookie.com/**", lambda route: route.fulfill(
        content_type="text/html",
        body="<!DOCTYPE html><html lang=en><title>Player</title><p>Player</p></html>"))
    checked = 0
    for lang, query in SEARCHES.items():
        page.goto(f"{bundled_url}/{lang}/search/")
        page.locator(FIELD).fill(query)
        page.locator(RESULT_LINKS).first.wait_for(timeout=30_000)
        assert violations(page, axe_js) == [], f"{lang}/search/ with results"
        page.goto(f"{bundled_url}/{lang}/search/?q={MANY[lang]}")
        page.locator(".search-page__more").click()
        page.locator(RESULT_LINKS).nth(10).wait_for(timeout=30_000)
        assert violations(page, axe_js) == [], f"{lang}/search/?q={MANY[lang]}, more results"
        page.locator(FIELD).fill("zzzzqqq")
        page.locator(".search-page__status").filter(has_text="zzzzqqq").wait_for()
        assert violations(page, axe_js) == [], f"{lang}/search/ without results"
        page.goto(f"{bundled_url}/{lang}/solutions/")
        category = page.locator("#filter-category option").nth(1).get_attribute("value")
        page.select_option("#filter-category", category)
        assert violations(page, axe_js) == [], f"{lang}/solutions/ filtered"
        session = next(path for path in pages(bundled) if path.startswith(f"{lang}/summit/")
                       and html(bundled / path / "index.html").select_one("[data-player]"))
        for now in ("2020-01-01T00:00Z", "2020-08-13T08:30Z", "2030-01-01T00:00Z"):
            page.goto(f"{bundled_url}/{session}?now={now}")  # before, live (Europe), after
            assert violations(page, axe_js) == [], f"{session}?now={now}"
        page.goto(f"{bundled_url}/{session}")  # over: its replay (a stream too, hidden)
        page.locator(".player__button:visible").first.click()
        page.locator(".player__iframe").first.wait_for()
        assert violations(page, axe_js) == [], f"{session} playing"
        response = page.goto(f"{bundled_url}/{lang}/no/such/page/")
        assert response.status == 404
        assert violations(page, axe_js) == [], "404 at depth"
        checked += 9
    assert page.page_errors == []
    tally(f"page states checked by axe-core at {width}px", checked)


def test_redirect_pages_have_no_axe_violations(axe_js, tmp_path, serve, page_in):
    """The page an old address shows while it forwards (its 0-second refresh is allowed by
    WCAG 2.2.1, and checked by vnu.jar): checked as it reads with the forward held back."""
    make_site(tmp_path, {"content/about.md": "---\ntitle: About\naliases: [/old/]\n---\n",
                         "content/about.zh-tw.md": "---\ntitle: 關於\n---\n"})
    build(tmp_path, "--no-search")
    source = (tmp_path / "output/old/index.html").read_text(encoding="utf-8")
    refresh = re.search(r'<meta http-equiv="refresh" content="0; url=/en/about/">\n', source)
    assert refresh is not None
    url = serve(tmp_path / "output")
    page = page_in()
    page.route("**/old/", lambda route: route.fulfill(
        content_type="text/html; charset=utf-8", body=source.replace(refresh.group(), "")))
    page.goto(f"{url}/old/")
    assert page.locator("a[href='/en/about/']").count() == 1
    assert violations(page, axe_js) == []


def test_edit_links_and_outdated_notices_have_no_axe_violations(axe_js, tmp_path, serve,
                                                                page_in):
    """The editors' additions to a page: "Edit this page" (site.yaml's edit_url) and the
    notice of a translation behind its original, in both languages, on a desktop and a phone."""
    make_site(tmp_path, {
        "content/site.yaml": SITE_YAML + "edit_url: https://github.com/org/site/edit/main/\n",
        "content/about.md": "---\ntitle: About\n---\nUs.\n",
        "content/about.zh-tw.md": "---\ntitle: 關於\ntranslated_from: \"0\"\n---\n我們。\n",
        "content/solutions/index.md": "---\ntitle: Solutions\n---\nAll.\n"})
    build(tmp_path, "--no-search")
    url = serve(tmp_path / "output")
    for width in WIDTHS.values():
        page = page_in(viewport={"width": width, "height": 900})
        for path in ("en/about/", "zh-tw/about/", "en/solutions/", "zh-tw/solutions/"):
            page.goto(f"{url}/{path}")
            assert page.locator("p.edit-link a").count() == 1, path
            assert page.locator("p.notice a").count() == (path == "zh-tw/about/"), path
            assert violations(page, axe_js) == [], (width, path)


# -- the keyboard alone ---------------------------------------------------------------------------

FOCUSED = """() => {
  const e = document.activeElement;
  if (!e || e === document.body) return null;
  const box = e.getBoundingClientRect();
  const nav = e.closest("nav");
  return {tag: e.tagName.toLowerCase(), id: e.id, cls: e.className, main: !!e.closest("main"),
          nav: nav ? nav.className : "", visible: box.width > 0 && box.height > 0,
          outline: getComputedStyle(e).outlineStyle,
          ring: getComputedStyle(e.closest(".card") || e).outlineStyle};
}"""


def tab_through(page, presses: int = 60) -> list[dict]:
    """What Tab focuses, press after press, from the top of a freshly loaded page."""
    stops = []
    for _ in range(presses):
        page.keyboard.press("Tab")
        focused = page.evaluate(FOCUSED)
        if focused is None:  # past the last control: back at the document
            break
        stops.append(focused)
    return stops


def keyboard_page(page_in, url: str, ready: str):
    page = page_in(viewport={"width": 1280, "height": 900})
    page.goto(url)
    page.locator(ready).first.wait_for(state="visible", timeout=15_000)
    return page


def first_index(stops: list[dict], test) -> int:
    return next((i for i, stop in enumerate(stops) if test(stop)), -1)


def session_with_player(bundled: Path, lang: str) -> str:
    return next(path for path in pages(bundled) if path.startswith(f"{lang}/summit/")
                and html(bundled / path / "index.html").select_one("[data-player]"))


TARGETS = {
    "solutions": ("{lang}/solutions/", "form[data-filter]",
                  lambda s: s["tag"] == "select" and s["id"] == "filter-category"),
    "session": (None, ".player__button:visible",
                lambda s: s["tag"] == "button" and "player__button" in s["cls"]),
    "search": ("{lang}/search/", FIELD,
               lambda s: s["tag"] == "input" and s["id"] == "search" and s["main"]),
}


@pytest.mark.parametrize("lang", ["en", "zh-tw"])
@pytest.mark.parametrize("target", TARGETS)
def test_tab_alone_reaches_menu_switcher_and_the_pages_controls(page_in, bundled_url,
                                                                bundled, lang, target):
    path, ready, is_target = TARGETS[target]
    path = path.format(lang=lang) if path else session_with_player(bundled, lang)
    page = keyboard_page(page_in, f"{bundled_url}/{path}", ready)
    stops = tab_through(page)
    assert stops, "Tab focuses nothing"
    assert "skip-link" in stops[0]["cls"], stops[0]
    menu = first_index(stops, lambda s: "site-nav" in s["nav"])
    switcher = first_index(stops, lambda s: "lang-switch" in s["nav"])
    control = first_index(stops, is_target)
    assert menu > 0 and switcher > 0, stops[:15]
    assert control > max(menu, switcher), [(s["tag"], s["cls"]) for s in stops]
    hidden = [s for s in stops if not s["visible"]]
    assert hidden == [], "Tab stops on something invisible"
    no_ring = [s for s in stops if s["outline"] == "none" and s["ring"] == "none"]
    assert no_ring == [], "focus without a visible outline"


def test_skip_link_moves_focus_to_the_main_content(page_in, bundled_url):
    page = keyboard_page(page_in, f"{bundled_url}/en/solutions/", "form[data-filter]")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip-link"
    assert page.locator(".skip-link").is_visible()
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
    page.keyboard.press("Tab")  # the next stop is inside <main>, past the whole header
    assert page.evaluate("!!document.activeElement.closest('main')")
