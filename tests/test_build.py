"""Building sites and checking what a visitor gets: pages, links, languages, sub-paths."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path
from urllib.parse import unquote, urlsplit

from sitekit import ROOT, build, expo, fails, forwards, html, make_site, site_pages

URL_ATTRS = ("href", "src", "srcset", "imagesrcset", "poster", "action", "data", "cite")
META_URLS = ("og:url", "og:image")  # absolute, under base_url


def internal_links(output: Path, base_path: str = "/", base_url: str | None = None,
                   skip: str | None = None):
    """(page, url) for every link of every page that stays on the site: every URL attribute of
    every element (each srcset candidate), a redirect's refresh target, and — given the site's
    `base_url` — absolute links under it (canonical, alternates, feeds, OpenGraph) as paths.
    `skip`: a CSS selector of parts left out (".content": what editors wrote as it stands)."""
    for page in site_pages(output):
        soup = html(page)
        for part in soup.select(skip) if skip else ():
            part.decompose()
        for element in soup.find_all(True):
            values = []
            for attr in URL_ATTRS:
                value = element.get(attr)
                if not value:
                    continue
                if attr.endswith("srcset"):
                    values += [part.strip().split()[0] for part in value.split(",")
                               if part.strip()]
                else:
                    values.append(value.strip())
            if element.name == "meta":
                content = element.get("content") or ""
                if (element.get("http-equiv") or "").lower() == "refresh":
                    values.append(content.split("url=", 1)[1] if "url=" in content else "")
                elif element.get("property") in META_URLS:
                    values.append(content)
            for url in values:
                if base_url and url.startswith(base_url):
                    url = base_path + url[len(base_url):]
                if urlsplit(url).scheme or url.startswith("//") or not url:
                    continue
                yield page, url


def resolve(output: Path, page: Path, url: str, base_path: str) -> tuple[Path | None, str]:
    """The file a link leads to (None when it leaves the site) and its fragment."""
    parts = urlsplit(url)
    if not parts.path:
        return page, parts.fragment
    if parts.path.startswith("/"):
        if not parts.path.startswith(base_path):
            return None, parts.fragment
        rel = unquote(parts.path[len(base_path):])
        target = output / rel
    else:
        target = (page.parent / unquote(parts.path)).resolve()
    if target.is_dir() or parts.path.endswith("/"):
        target = target / "index.html"
    return target, parts.fragment


def assert_links_resolve(output: Path, base_path: str = "/", base_url: str | None = None) -> int:
    """Every internal link leads to a file under output/, every #fragment to an element id.
    Returns the number of links checked."""
    broken, checked = [], 0
    ids: dict[Path, set[str]] = {}
    for page, url in internal_links(output, base_path, base_url):
        checked += 1
        target, fragment = resolve(output, page, url, base_path)
        if target is None or not target.is_file():
            broken.append(f"{page.relative_to(output)}: {url}")
            continue
        if fragment and target.suffix == ".html":
            if target not in ids:
                ids[target] = {e["id"] for e in html(target).find_all(id=True)}
            if unquote(fragment) not in ids[target]:
                broken.append(f"{page.relative_to(output)}: {url} (no id {fragment!r})")
    assert not broken, "\n".join(broken[:30])
    return checked + assert_alternates_reciprocal(output, base_path, base_url)


def assert_alternates_reciprocal(output: Path, base_path: str = "/",
                                 base_url: str | None = None) -> int:
    """Every hreflang pair followed both ways: a page that declares alternates names itself
    among them, and each page it names (x-default too) declares the very same set — search
    engines drop alternates that are not returned. Returns the number of pairs followed."""
    declared: dict[Path, dict[str, str]] = {}

    def alternates(page: Path) -> dict[str, str]:
        if page not in declared:
            declared[page] = {link["hreflang"]: link["href"] for link in
                              html(page).find_all("link", rel="alternate", hreflang=True)}
        return declared[page]

    broken, followed = [], 0
    for page in site_pages(output):
        links, name = alternates(page), page.relative_to(output).as_posix()
        targets = []
        for hreflang, url in links.items():
            followed += 1
            path = base_path + url[len(base_url):] if base_url and url.startswith(base_url) \
                else url
            target, _ = resolve(output, page, path, base_path)
            targets.append(target)
            if target is None or not target.is_file():
                broken.append(f"{name}: {hreflang} {url} leads nowhere")
            elif alternates(target) != links:
                broken.append(f"{name}: {hreflang} {url} declares {alternates(target)}, "
                              f"not {links}")
        if links and page not in targets:
            broken.append(f"{name}: not among its own alternates {links}")
    assert not broken, "\n".join(broken[:30])
    return followed


def test_bundled_site_builds_every_section_in_both_languages(bundled: Path):
    for lang in ("en", "zh-tw"):
        for section in ("solutions", "pavilions", "summit", "cities", "tours", "news"):
            assert (bundled / lang / section / "index.html").is_file()
        assert (bundled / lang / "index.html").is_file()
        assert (bundled / lang / "about" / "index.html").is_file()
    assert (bundled / "index.html").is_file()
    assert (bundled / "404.html").is_file()
    assert (bundled / "en/solutions/category/smart-transportation/index.html").is_file()


def test_bundled_site_links_and_fragments_resolve(bundled: Path, tally):
    checked = assert_links_resolve(bundled, "/", "https://example.org/")
    assert checked > 3000
    tally("links checked (bundled site)", checked)


def test_bundled_site_links_resolve_under_a_sub_path(tmp_path, tally):
    shutil.copytree(ROOT / "content", tmp_path / "content")
    build(tmp_path, "--base-url", "https://host.example/expo/")
    output = tmp_path / "output"
    outside = [(page, url) for page, url in internal_links(output)
               if not url.startswith(("/expo/", "#"))]
    assert outside == []
    checked = assert_links_resolve(output, "/expo/", "https://host.example/expo/")
    assert checked > 3000
    tally("links checked (bundled site under /expo/)", checked)


def test_markdown_link_to_source_file_becomes_page_url_with_fragment(bundled: Path):
    about = html(bundled / "en/about/index.html")
    hrefs = {a["href"] for a in about.select("main a[href]")}
    assert "/en/summit/2020-08-13-europe/#panel-question" in hrefs


def test_pages_declare_language_and_alternates(bundled: Path):
    page = html(bundled / "zh-tw/about/index.html")
    assert page.html["lang"] == "zh-Hant-TW"
    alternates = {link["hreflang"]: link["href"]
                  for link in page.find_all("link", rel="alternate", hreflang=True)}
    assert alternates["en"] == "https://example.org/en/about/"
    assert alternates["zh-Hant-TW"] == "https://example.org/zh-tw/about/"


def test_the_entry_page_is_the_x_default_of_the_homes(bundled: Path):
    """/ picks a language: it is what the homes name for visitors of any other language, and
    it names the homes back."""
    expected = {"en": "https://example.org/en/", "zh-Hant-TW": "https://example.org/zh-tw/",
                "x-default": "https://example.org/"}
    for path in ("index.html", "en/index.html", "zh-tw/index.html"):
        page = html(bundled / path)
        alternates = {link["hreflang"]: link["href"]
                      for link in page.find_all("link", rel="alternate", hreflang=True)}
        assert alternates == expected, path
    assert assert_alternates_reciprocal(bundled, "/", "https://example.org/") > 100


def test_every_page_but_the_search_page_has_a_search_form_in_its_header(bundled: Path):
    """A plain GET form (?q=…) to the search page of the page's language, with a labelled
    field: it works before any script, and a search can be linked. The search page has its
    own form in its main part instead; the entry page, in no language, has none."""
    pages = [p for p in sorted(bundled.rglob("*.html")) if p.relative_to(bundled).parts[0]
             not in ("index.html", "pagefind") and not forwards(p)]  # old addresses forward
    assert len(pages) > 80
    for page in pages:
        rel = page.relative_to(bundled).as_posix()
        lang = rel.split("/")[0] if "/" in rel else "en"
        soup = html(page)
        searching = rel == f"{lang}/search/index.html"
        forms = soup.select("header form[role=search]")
        assert len(forms) == (0 if searching else 1), rel
        form, = soup.select("main form[role=search]") if searching else forms
        assert form["method"] == "get" and form["action"] == f"/{lang}/search/", rel
        field, = form.select("input[name=q]")
        assert field["type"] == "search"
        assert form.find("label", attrs={"for": field["id"]}).get_text(strip=True), rel
        assert form.find("button", type="submit").get_text(strip=True), rel
    assert html(bundled / "index.html").find("form") is None


def test_a_site_in_one_language_declares_no_alternates(site):
    root = site({"content/site.yaml": "title: {en: One}\nbase_url: https://example.org/\n"
                                      "languages:\n  en: {name: English, html_lang: en}\n",
                 "content/about.md": "---\ntitle: About\n---\nText.\n"})
    build(root)
    pages = sorted((root / "output").rglob("*.html"))
    assert len(pages) > 5
    assert [p for p in pages if html(p).find("link", rel="alternate", hreflang=True)] == []


def test_untranslated_items_are_listed_in_other_language_and_marked(bundled: Path):
    # gdynia.md has no zh-tw translation: the zh-tw listing links to the English page.
    assert not (bundled / "zh-tw/cities/gdynia").exists()
    listing = html(bundled / "zh-tw/cities/index.html")
    links = [a for a in listing.select("main a[href]") if a["href"] == "/en/cities/gdynia/"]
    assert links, "English-only city missing from the zh-tw listing"
    card = links[0].find_parent(["li", "article"])
    assert card is not None and card.find(lang="en") is not None


def test_language_switcher_never_leads_to_a_missing_page(bundled: Path):
    switcher_links = 0
    for page in bundled.rglob("index.html"):
        for link in html(page).find_all("a", hreflang=True):
            target, _ = resolve(bundled, page, link["href"], "/")
            assert target is not None and target.is_file(), (page, link["href"])
            switcher_links += 1
    assert switcher_links > 100
    # An English-only page switches to the other language's section listing.
    gdynia = html(bundled / "en/cities/gdynia/index.html")
    assert gdynia.find("a", hreflang="zh-Hant-TW")["href"] == "/zh-tw/cities/"
    # A translated page switches to its translation.
    prague = html(bundled / "en/cities/prague/index.html")
    assert prague.find("a", hreflang="zh-Hant-TW")["href"] == "/zh-tw/cities/prague/"


def test_translation_inherits_fields_from_original(site):
    root = site({
        "content/solutions/bus.md": """
            ---
            title: Smart Bus
            company: Bus Co.
            category: smart-transportation
            ---
            Buses.
            """,
        "content/solutions/bus.zh-tw.md": """
            ---
            title: 智慧公車
            ---
            公車。
            """,
    })
    build(root)
    page = html(root / "output/zh-tw/solutions/bus/index.html")
    text = page.get_text()
    assert "智慧公車" in text and "Bus Co." in text and "智慧交通" in text


def test_sub_path_base_url_prefixes_every_link(site, tmp_path):
    root = site({
        "content/index.md": "---\ntitle: Home\n---\nSee [news](/en/news/) and [a](about.md).\n",
        "content/about.md": "---\ntitle: About\naliases: [/old-about/]\n---\nText.\n",
        "content/news/one.md": "---\ntitle: One\ndate: 2020-07-01\n---\nNews.\n",
    })
    build(root, "--base-url", "https://host.example/expo/")
    output = root / "output"
    for page, url in internal_links(output):
        assert url.startswith(("/expo/", "#")), (page, url)
    assert_links_resolve(output, "/expo/")
    home = html(output / "en/index.html")
    assert "/expo/en/news/" in {a["href"] for a in home.find_all("a")}
    redirect = (output / "old-about/index.html").read_text()
    assert "/expo/en/about/" in redirect


def test_aliases_write_redirect_pages(site):
    root = site({"content/about.md": "---\ntitle: About\naliases: [/old/, /older.html]\n---\n"})
    build(root)
    for path in ("old/index.html", "older.html"):
        page = html(root / "output" / path)
        refresh = page.find("meta", attrs={"http-equiv": "refresh"})
        assert refresh is not None and "/en/about/" in refresh["content"]


def test_drafts_only_with_flag(site):
    root = site({
        "content/news/a.md": "---\ntitle: Out\ndate: 2020-07-01\ndraft: true\n---\n",
        "content/news/b.md": "---\ntitle: In\ndate: 2020-07-02\n---\n",
    })
    build(root)
    assert not (root / "output/en/news/a").exists()
    assert "Out" not in (root / "output/en/news/index.html").read_text()
    build(root, "--drafts")
    assert (root / "output/en/news/a/index.html").is_file()


def test_bom_crlf_and_ignored_files(site):
    root = site({
        "content/about.md": b"\xef\xbb\xbf---\r\ntitle: Caf\xc3\xa9\r\n---\r\nHello\r\n",
        "content/_notes.md": "not a page",
        "content/.hidden.md": "not a page",
        "content/_private/x.md": "---\ntitle: X\n---\n",
    })
    build(root)
    assert html(root / "output/en/about/index.html").find("h1").get_text(strip=True) == "Café"
    assert not list((root / "output").rglob("*notes*"))
    assert not (root / "output/en/_private").exists()


def test_slugs_from_file_names_and_nested_pages(site):
    root = site({
        "content/Smart Parking.md": "---\ntitle: Parking\n---\n",
        "content/guides/how-to/join.md": "---\ntitle: Join\n---\n",
        "content/solutions/ABC_Lights.md":
            "---\ntitle: Lights\ncompany: L\ncategory: smart-health\n---\n",
        "content/solutions/renamed.md":
            "---\ntitle: R\ncompany: L\ncategory: smart-health\nslug: new-name\n---\n",
    })
    build(root)
    out = root / "output/en"
    assert (out / "smart-parking/index.html").is_file()
    assert (out / "guides/how-to/join/index.html").is_file()
    assert (out / "solutions/abc-lights/index.html").is_file()
    assert (out / "solutions/new-name/index.html").is_file()


def test_bundle_images_are_published_and_linked(site):
    from PIL import Image

    root = site({
        "content/solutions/lamp/index.md": """
            ---
            title: Lamp
            company: L
            category: smart-health
            image: cover.png
            image_alt: A street lamp
            ---
            ![Inside the lamp](inside.png)
            """,
    })
    for name in ("cover.png", "inside.png"):
        Image.new("RGB", (40, 20), "red").save(root / "content/solutions/lamp" / name)
    build(root)
    page = html(root / "output/en/solutions/lamp/index.html")
    alts = {img.get("alt"): img["src"] for img in page.find_all("img")}
    assert alts["Inside the lamp"].startswith("/_img/inside-")
    assert alts["A street lamp"].startswith("/_img/cover-")
    assert not (root / "output/media").exists()  # originals are not published
    assert_links_resolve(root / "output")


def test_refs_resolve_in_same_language_else_default(site):
    root = site({
        "content/pavilions/taipei.md": "---\ntitle: Taipei Pavilion\norganizer: TCG\n---\n",
        "content/pavilions/taipei.zh-tw.md": "---\ntitle: 臺北館\n---\n",
        "content/cities/prague.md": "---\ntitle: Prague\ncountry: CZ\nregion: europe\n---\n",
        "content/solutions/bus.md": """
            ---
            title: Bus
            company: B
            category: smart-transportation
            pavilion: taipei
            cities: [prague]
            ---
            """,
        "content/solutions/bus.zh-tw.md": "---\ntitle: 公車\n---\n",
    })
    build(root)
    page = html(root / "output/zh-tw/solutions/bus/index.html")
    hrefs = {a["href"] for a in page.select("main a[href]")}
    assert "/zh-tw/pavilions/taipei/" in hrefs
    assert "/en/cities/prague/" in hrefs  # no zh-tw Prague: the English page
    pavilion = html(root / "output/zh-tw/pavilions/taipei/index.html")
    assert "/zh-tw/solutions/bus/" in {a["href"] for a in pavilion.select("main a[href]")}
    city = html(root / "output/en/cities/prague/index.html")
    assert "/en/solutions/bus/" in {a["href"] for a in city.select("main a[href]")}


def test_code_is_highlighted_with_classes_and_headings_get_ids(site):
    root = site({"content/doc.md": """
        ---
        title: Doc
        ---
        ## Getting started

        ```python
        def hello():
            return 1
        ```

        | a | b |
        |---|---|
        | 1 | 2 |
        """})
    build(root)
    page = html(root / "output/en/doc/index.html")
    assert page.find(id="getting-started") is not None
    highlight = page.find(class_="highlight")
    assert highlight is not None and highlight.find("span", class_="k") is not None
    assert not page.find(style=True)
    assert page.find("table") is not None


def test_the_closing_line_names_each_number_for_what_it_is(site):
    # Three Markdown files and an image make more HTML pages than three (home pages, listings,
    # 404 pages): each number of the line is counted here in what was built.
    from PIL import Image

    root = site({
        "content/about.md": "---\ntitle: About\n---\n\n![The hall](hall.png)\n",
        "content/about.zh-tw.md": "---\ntitle: 關於\n---\n",
        "content/news/one.md": "---\ntitle: One\ndate: 2020-07-01\n---\n\nNews.\n",
    })
    Image.new("RGB", (40, 20), "red").save(root / "content/hall.png")
    last = build(root, "--no-search").lines[-1]
    files = [p for p in (root / "output").rglob("*") if p.is_file() and p.name != ".expo-output"]
    pages = sum(p.suffix == ".html" for p in files)
    assert pages > 3
    assert re.fullmatch(rf"Built output in [\d.]+ s from 3 Markdown files and 1 image \(1 "
                        rf"processed\): {pages} HTML pages rendered, {len(files)} files written, "
                        rf"0 files unchanged", last), last
    last = build(root, "--no-search").lines[-1]
    assert re.fullmatch(rf"Built output in [\d.]+ s from 3 Markdown files and 1 image \(0 "
                        rf"processed\): 0 HTML pages rendered, 0 files written, {len(files)} "
                        rf"files unchanged", last), last
    checked = expo(root, "check", "--templates", str(ROOT / "templates"))
    assert checked.lines[-1] == f"No errors in 3 Markdown files ({pages} HTML pages rendered)"


def test_check_writes_nothing(site):
    root = site({"content/about.md": "---\ntitle: About\n---\n"})
    run = expo(root, "check", "--templates", str(ROOT / "templates"))
    assert run.returncode == 0, run.stderr
    assert not (root / "output").exists()


def test_usage_errors_exit_2(site):
    root = site({"content/about.md": "---\ntitle: About\n---\n"})
    assert expo(root, "build", "--jobs", "0").returncode == 2
    assert expo(root, "build", "--content", "nope").returncode == 2
    assert expo(root, "frobnicate").returncode == 2
    run = expo(root, "build", "--base-url", "not a url")
    assert run.returncode == 2 and "--base-url" in run.stderr


def test_failed_build_reports_all_errors_at_once(site):
    root = site({
        "content/a.md": "---\ntitle: [unclosed\n---\n",
        "content/news/b.md": "---\ntitle: B\n---\n",
    })
    run = fails(root)
    assert any(line.startswith("content/a.md:2: error:") for line in run.lines)
    assert "content/news/b.md:1: error: missing required field 'date': add 'date: ...'" \
        in run.lines


def test_content_only_folder_builds_with_installed_theme(tmp_path):
    """`pip install .` ships templates/ in the package: a folder with only content/ builds."""
    target = tmp_path / "lib"
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps",
                    "--target", str(target), str(ROOT)],
                   check=True, capture_output=True, timeout=300)
    assert (target / "generator/theme/base.html").is_file()
    site_dir = tmp_path / "site"
    shutil.copytree(ROOT / "content", site_dir / "content")
    done = subprocess.run([sys.executable, "-m", "generator", "build"], cwd=site_dir,
                          env={"PYTHONPATH": str(target), "PATH": "/usr/bin:/bin"},
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert (site_dir / "output/en/solutions/index.html").is_file()
    assert len(list((site_dir / "output/static/css").glob("site.*.css"))) == 1


def test_translation_does_not_inherit_aliases(site):
    root = site({
        "content/about.md": "---\ntitle: About\naliases: [/old-about/]\n---\n",
        "content/about.zh-tw.md": "---\ntitle: 關於\n---\n",
    })
    build(root)
    redirect = html(root / "output/old-about/index.html")
    assert "/en/about/" in redirect.find("meta", attrs={"http-equiv": "refresh"})["content"]


def test_a_ui_string_missing_in_a_language_comes_from_the_default_language(tmp_path):
    theme = tmp_path / "theme"
    shutil.copytree(ROOT / "templates", theme)
    chinese = theme / "i18n/zh-tw.yaml"
    chinese.write_text("".join(line for line in chinese.read_text().splitlines(True)
                               if not line.startswith("footer.top:")), encoding="utf-8")
    make_site(tmp_path, {"content/about.md": "---\ntitle: About\n---\nText.\n",
                         "content/about.zh-tw.md": "---\ntitle: 關於\n---\n內文。\n"})
    run = expo(tmp_path, "build", "--templates", str(theme), "--no-search")
    assert run.returncode == 0, run.stderr
    page = html(tmp_path / "output/zh-tw/about/index.html")
    assert page.select_one(".site-footer__top a").get_text() == "Back to top"
    assert page.select_one(".breadcrumbs a").get_text() == "首頁"  # its own, kept
    chinese.write_text(chinese.read_text() + "footer.top: 回到頁首\n", encoding="utf-8")
    english = theme / "i18n/en.yaml"
    english.write_text("".join(line for line in english.read_text().splitlines(True)
                               if not line.startswith("footer.top:")), encoding="utf-8")
    failed = expo(tmp_path, "build", "--templates", str(theme), "--no-search")
    assert failed.returncode == 1 and "Traceback" not in failed.stderr
    assert "UI string 'footer.top' is missing from templates/i18n/en.yaml" in failed.stderr
