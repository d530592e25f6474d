"""`edit_url` in site.yaml (SPEC §5): every page made from a content file links "Edit this page"
to edit_url + the file's path inside content/, in both languages; generated pages do not."""

from __future__ import annotations

from sitekit import SITE_YAML, SiteBuilder

EDIT = "https://github.com/org/site/edit/main/content/"
SITE = {
    "content/site.yaml": SITE_YAML + f"edit_url: {EDIT}\n",
    "content/index.md": "---\ntitle: Home\n---\nWelcome.\n",
    "content/index.zh-tw.md": "---\ntitle: 首頁\n---\n歡迎。\n",
    "content/about.md": "---\ntitle: About\n---\nUs.\n",
    "content/about.zh-tw.md": "---\ntitle: 關於\n---\n我們。\n",
    "content/solutions/index.md": "---\ntitle: Our solutions\n---\nAll of them.\n",
    "content/solutions/bus.md": ("---\ntitle: Bus\ncompany: B\ncategory: smart-transportation"
                                 "\n---\nBuses.\n"),
    "content/solutions/bus.zh-tw.md": "---\ntitle: 公車\n---\n公車。\n",
    "content/solutions/lamp/index.md": ("---\ntitle: Lamp\ncompany: L\ncategory: smart-health"
                                        "\n---\nLamps.\n"),
    "content/solutions/lamp/index.zh-tw.md": "---\ntitle: 路燈\n---\n路燈。\n",
    "content/news/one.md": "---\ntitle: One\ndate: 2020-07-01\naliases: [/old/]\n---\nNews.\n",
    "content/guides/start here.md": "---\ntitle: Start\nslug: start\n---\nGo.\n",
}
# Page → the file it is made from; a page without a translation shows its original's file.
MADE_FROM = {
    "en/index.html": "index.md", "zh-tw/index.html": "index.zh-tw.md",
    "en/about/index.html": "about.md", "zh-tw/about/index.html": "about.zh-tw.md",
    "en/solutions/index.html": "solutions/index.md",
    "zh-tw/solutions/index.html": "solutions/index.md",
    "en/solutions/bus/index.html": "solutions/bus.md",
    "zh-tw/solutions/bus/index.html": "solutions/bus.zh-tw.md",
    "en/solutions/lamp/index.html": "solutions/lamp/index.md",
    "zh-tw/solutions/lamp/index.html": "solutions/lamp/index.zh-tw.md",
    "en/news/one/index.html": "news/one.md", "en/guides/start/index.html": "guides/start%20here.md",
}
STRINGS = {"en": "Edit this page", "zh-tw": "編輯此頁"}


def edit_links(site: SiteBuilder, rel: str) -> list[tuple[str, str]]:
    return [(a.get_text(strip=True), a["href"]) for a in
            site.html(rel).select('a[href^="https://github.com/"]')]


def test_every_content_page_links_to_its_own_file_and_generated_pages_do_not(tmp_path):
    site = SiteBuilder(tmp_path, SITE, no_search=True)
    site.build()
    pages = {p.relative_to(tmp_path / "output").as_posix()
             for p in (tmp_path / "output").rglob("*.html")}
    assert MADE_FROM.keys() <= pages
    for page in sorted(pages):
        expected = [(STRINGS[page.split("/")[0]], EDIT + MADE_FROM[page])] \
            if page in MADE_FROM else []
        assert edit_links(site, page) == expected, page
    # The pages without: listings without an intro file, categories, search, 404s, the
    # language entry page, a redirect.
    assert {"en/news/index.html", "en/solutions/category/smart-health/index.html",
            "zh-tw/search/index.html", "en/404.html", "404.html", "index.html",
            "old/index.html"} <= pages - MADE_FROM.keys()


def test_without_edit_url_no_page_has_an_edit_link(tmp_path):
    site = SiteBuilder(tmp_path, {**SITE, "content/site.yaml": SITE_YAML}, no_search=True)
    site.build()
    for page in MADE_FROM:
        assert edit_links(site, page) == []
        assert "Edit this page" not in site.text(page)


def test_edit_url_is_checked_and_gets_its_closing_slash(tmp_path):
    site = SiteBuilder(tmp_path, {**SITE, "content/site.yaml": SITE_YAML +
                                  "edit_url: github.com/org/site\n"}, no_search=True)
    assert site.fails().errors == [
        "content/site.yaml:7: error: 'edit_url' must be an absolute http(s) URL to which a "
        "file's path is added, like https://github.com/ORG/REPO/edit/main/content/"]
    site.edit("content/site.yaml", "github.com/org/site", "https://git.example/site/edit")
    site.build()
    assert edit_links(site, "en/about/index.html") == []  # not github: look it up by text
    assert site.html("en/about/index.html").select_one("p.edit-link a")["href"] == \
        "https://git.example/site/edit/about.md"


def test_a_page_moved_into_a_bundle_links_to_its_new_file_after_an_incremental_build(tmp_path):
    site = SiteBuilder(tmp_path, SITE, no_search=True)
    site.build()
    (tmp_path / "content/about.md").unlink()
    site.write({"content/about/index.md": "---\ntitle: About\n---\nUs.\n"})
    site.build()
    assert edit_links(site, "en/about/index.html") == [
        ("Edit this page", EDIT + "about/index.md")]
