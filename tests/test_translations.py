"""`expo translations` (SPEC §7): which translations are missing, outdated, current or never
marked; `--mark` writing the `translated_from` digest (SPEC §4) and nothing else; and the notice
an outdated translated page shows its visitors, after clean and incremental builds and in the
preview."""

from __future__ import annotations

import json
from pathlib import Path

from sitekit import SITE_YAML, SiteBuilder, expo, make_site

SITE = {
    "content/index.md": "---\ntitle: Home\n---\nWelcome.\n",
    "content/about.md": "---\ntitle: About\n---\nWho we are.\n",
    "content/about.zh-tw.md": "---\ntitle: 關於\n---\n我們是誰。\n",
    "content/pavilions/taipei.md": "---\ntitle: Taipei Pavilion\norganizer: TCG\n---\nHall.\n",
    "content/pavilions/hall.md": "---\ntitle: Hall\norganizer: TCG\n---\nHall two.\n",
    "content/solutions/bus.md": ("---\ntitle: Bus\ncompany: B\ncategory: smart-transportation"
                                 "\npavilion: taipei\n---\nBuses.\n"),
    "content/solutions/bus.zh-tw.md": "---\ntitle: 公車\n---\n公車。\n",
    "content/solutions/lamp/index.md": ("---\ntitle: Lamp\ncompany: L\ncategory: smart-health"
                                        "\n---\nLamps.\n"),
    "content/solutions/lamp/index.zh-tw.md": "---\ntitle: 路燈\n---\n路燈。\n",
    "content/news/one.md": "---\ntitle: One\ndate: 2020-07-01\n---\nNews.\n",
    "content/news/two.zh-tw.md": "---\ntitle: 只有中文\ndate: 2020-07-02\n---\n新聞。\n",
    "content/news/draft.md": "---\ntitle: Draft\ndate: 2020-07-03\ndraft: true\n---\nLater.\n",
}
TRANSLATIONS = ["content/about.zh-tw.md", "content/solutions/bus.zh-tw.md",
                "content/solutions/lamp/index.zh-tw.md"]


def statuses(root: Path, *args: str) -> dict[str, str]:
    """`expo translations --format json`: key → status (one language)."""
    run = expo(root, "translations", "--format", "json", *args)
    assert run.returncode == 0, run.stderr
    return {row["key"]: row["status"] for row in json.loads(run.stdout)}


def mark(root: Path, *files: str) -> None:
    run = expo(root, "translations", "--mark", *files)
    assert run.returncode == 0, run.stderr
    assert run.stdout.splitlines() == [
        f"{f}: marked current with {f.replace('.zh-tw', '')}" for f in files]


def edit(root: Path, rel: str, old: str, new: str) -> None:
    path = root / rel
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")


def test_missing_untracked_current_and_outdated(tmp_path):
    make_site(tmp_path, SITE)
    # Every published item of the default language; not a draft, nor a page only in Chinese.
    assert statuses(tmp_path) == {"about": "untracked", "index": "missing",
                                  "news/one": "missing", "pavilions/hall": "missing",
                                  "pavilions/taipei": "missing", "solutions/bus": "untracked",
                                  "solutions/lamp": "untracked"}
    mark(tmp_path, *TRANSLATIONS)
    assert set(statuses(tmp_path).values()) == {"missing", "current"}
    edit(tmp_path, "content/about.md", "Who we are.", "Who we are, and why.")  # the body
    edit(tmp_path, "content/solutions/bus.md", "title: Bus", "title: Electric Bus")  # the title
    found = statuses(tmp_path)
    assert (found["about"], found["solutions/bus"], found["solutions/lamp"]) == (
        "outdated", "outdated", "current")
    mark(tmp_path, "content/about.zh-tw.md")
    assert statuses(tmp_path)["about"] == "current"


def test_dates_refs_and_other_fields_that_are_not_text_leave_a_translation_current(tmp_path):
    make_site(tmp_path, {**SITE, "content/news/one.zh-tw.md": "---\ntitle: 一\n---\n新聞。\n"})
    mark(tmp_path, *TRANSLATIONS, "content/news/one.zh-tw.md")
    edit(tmp_path, "content/news/one.md", "date: 2020-07-01", "date: 2020-07-05")
    edit(tmp_path, "content/solutions/bus.md", "pavilion: taipei", "pavilion: hall\nweight: 3")
    edit(tmp_path, "content/solutions/lamp/index.md", "category: smart-health",
         "category: smart-transportation\nwebsite: https://example.org/lamp")
    edit(tmp_path, "content/about.md", "Who we are.\n", "\nWho we are.\n\n")  # blank lines
    assert set(statuses(tmp_path).values()) == {"missing", "current"}
    edit(tmp_path, "content/solutions/lamp/index.md", "company: L", "company: Lumen")
    assert statuses(tmp_path)["solutions/lamp"] == "outdated"


def test_free_text_of_list_items_counts_too(tmp_path):
    """Speakers' names and titles and gallery captions are text; their cities are refs."""
    session = ("---\ntitle: Talk\nstart: 2020-08-13 10:00\nend: 2020-08-13 11:00\n"
               "timezone: Europe/Prague\nregion: europe\ntopic: Mobility\nspeakers:\n"
               "  - {name: Jane Doe, title: Mayor, city: prague}\n---\n")
    make_site(tmp_path, {"content/summit/talk.md": session,
                         "content/summit/talk.zh-tw.md": "---\ntitle: 論壇\n---\n"})
    mark(tmp_path, "content/summit/talk.zh-tw.md")
    edit(tmp_path, "content/summit/talk.md", "city: prague", "city: brno")
    edit(tmp_path, "content/summit/talk.md", "11:00", "12:00")
    assert statuses(tmp_path) == {"summit/talk": "current"}
    edit(tmp_path, "content/summit/talk.md", "title: Mayor", "title: Deputy Mayor")
    assert statuses(tmp_path) == {"summit/talk": "outdated"}
    mark(tmp_path, "content/summit/talk.zh-tw.md")
    edit(tmp_path, "content/summit/talk.md", "topic: Mobility", "topic: Transport")
    assert statuses(tmp_path) == {"summit/talk": "outdated"}


def test_json_lists_every_language_sorted_by_language_then_key(tmp_path):
    three = SITE_YAML.replace("timezone:", "  ja: {name: 日本語, html_lang: ja}\ntimezone:"
                              ).replace("測試展}", "測試展, ja: テスト}")
    make_site(tmp_path, {"content/site.yaml": three,
                         "content/solutions/lamp/index.md": SITE["content/solutions/lamp/index.md"],
                         "content/solutions/lamp/index.ja.md": "---\ntitle: 街灯\n---\n",
                         "content/about.md": SITE["content/about.md"],
                         "content/about.zh-tw.md": SITE["content/about.zh-tw.md"]})
    mark(tmp_path, "content/about.zh-tw.md")
    run = expo(tmp_path, "translations", "--format", "json")
    assert (run.returncode, run.stderr) == (0, "")
    assert json.loads(run.stdout) == [
        {"key": "about", "lang": "ja", "status": "missing", "original": "content/about.md",
         "translation": None},
        {"key": "solutions/lamp", "lang": "ja", "status": "untracked",
         "original": "content/solutions/lamp/index.md",
         "translation": "content/solutions/lamp/index.ja.md"},
        {"key": "about", "lang": "zh-tw", "status": "current", "original": "content/about.md",
         "translation": "content/about.zh-tw.md"},
        {"key": "solutions/lamp", "lang": "zh-tw", "status": "missing",
         "original": "content/solutions/lamp/index.md", "translation": None},
    ]
    only = expo(tmp_path, "translations", "--format", "json", "--lang", "ja")
    assert [row["lang"] for row in json.loads(only.stdout)] == ["ja", "ja"]
    # From another folder, paths are as problem lines give them: relative to where it runs.
    elsewhere = expo(tmp_path / "content", "translations", "--content", ".", "--format", "json")
    assert json.loads(elsewhere.stdout)[0]["original"] == "about.md"


def test_the_table_for_people_lists_what_needs_work_first(tmp_path):
    make_site(tmp_path, SITE)
    mark(tmp_path, "content/about.zh-tw.md")
    edit(tmp_path, "content/about.md", "Who", "Whom")
    run = expo(tmp_path, "translations")
    assert run.returncode == 0
    assert run.stdout.splitlines() == [
        "LANGUAGE  STATUS     PAGE              FILE",
        "zh-tw     missing    index             (content/index.md)",
        "zh-tw     missing    news/one          (content/news/one.md)",
        "zh-tw     missing    pavilions/hall    (content/pavilions/hall.md)",
        "zh-tw     missing    pavilions/taipei  (content/pavilions/taipei.md)",
        "zh-tw     outdated   about             content/about.zh-tw.md",
        "zh-tw     untracked  solutions/bus     content/solutions/bus.zh-tw.md",
        "zh-tw     untracked  solutions/lamp    content/solutions/lamp/index.zh-tw.md",
        "zh-tw: 4 missing, 1 outdated, 2 untracked, 0 current",
    ]


def test_mark_changes_that_line_only_byte_for_byte(tmp_path):
    make_site(tmp_path, SITE)
    # CRLF line endings, a BOM, comments, an old mark whose value goes on over two lines.
    marked = (b"\xef\xbb\xbf---\r\n# translated by Mei\r\ntitle: \xe9\x97\x9c\xe6\x96\xbc  "
              b"# keep\r\ntranslated_from: >-\r\n  0123456789abcdef\r\nsummary: x\r\n---\r\n"
              b"\xe6\x88\x91\xe5\x80\x91\xe3\x80\x82\r\n")
    unmarked = b"---\n# no mark yet\ntitle: \xe5\x85\xac\xe8\xbb\x8a\n\n---\n\nbody\n"
    (tmp_path / "content/about.zh-tw.md").write_bytes(marked)
    (tmp_path / "content/solutions/bus.zh-tw.md").write_bytes(unmarked)
    mark(tmp_path, "content/about.zh-tw.md", "content/solutions/bus.zh-tw.md")
    about = (tmp_path / "content/about.zh-tw.md").read_bytes()
    bus = (tmp_path / "content/solutions/bus.zh-tw.md").read_bytes()
    first, rest = marked.split(b"translated_from: >-\r\n  0123456789abcdef\r\n")
    assert about.startswith(first) and about.endswith(rest)
    assert about[len(first):-len(rest)].startswith(b'translated_from: "')
    assert about[len(first):-len(rest)].endswith(b'"\r\n')
    assert bus.startswith(b"---\n# no mark yet\ntitle: \xe5\x85\xac\xe8\xbb\x8a\n\n")
    assert bus.endswith(b'"\n---\n\nbody\n')
    assert bus.count(b"\n") == unmarked.count(b"\n") + 1
    assert statuses(tmp_path)["about"] == statuses(tmp_path)["solutions/bus"] == "current"
    mark(tmp_path, "content/about.zh-tw.md")  # marking again changes nothing
    assert (tmp_path / "content/about.zh-tw.md").read_bytes() == about


def test_mark_refuses_a_file_that_is_not_a_translation_and_marks_nothing(tmp_path):
    make_site(tmp_path, {**SITE, "notes.md": "---\ntitle: x\n---\n"})
    before = (tmp_path / "content/about.zh-tw.md").read_bytes()
    run = expo(tmp_path, "translations", "--mark", "content/about.zh-tw.md", "content/about.md",
               "content/news/two.zh-tw.md", "notes.md", "content/gone.zh-tw.md")
    assert run.returncode == 1
    assert run.stdout == ""
    assert run.stderr.splitlines() == [
        "content/about.md:1: error: not a translation: this is the original; mark its "
        "translation (name.<language>.md) instead",
        "content/gone.zh-tw.md:1: error: not a translation: give the path of a page's "
        "translation inside content/, like about.zh-tw.md",
        "content/news/two.zh-tw.md:1: error: not a translation: there is no en original "
        "beside it to translate from",
        "notes.md:1: error: not a translation: give the path of a page's translation inside "
        "content/, like about.zh-tw.md",
        "Failed: nothing was marked",
    ]
    assert (tmp_path / "content/about.zh-tw.md").read_bytes() == before


def test_a_file_that_cannot_be_read_is_reported_and_left_out(tmp_path):
    make_site(tmp_path, {**SITE, "content/about.zh-tw.md": "---\ntitle: [broken\n---\n"})
    run = expo(tmp_path, "translations", "--format", "json")
    assert run.returncode == 0
    assert run.stderr.startswith("content/about.zh-tw.md:2: error: invalid YAML: ")
    assert {"key": "about", "lang": "zh-tw", "status": "missing", "original":
            "content/about.md", "translation": None} in json.loads(run.stdout)
    marked = expo(tmp_path, "translations", "--mark", "content/about.zh-tw.md",
                  "content/solutions/bus.zh-tw.md")
    assert marked.returncode == 1
    assert marked.stderr.startswith("content/about.zh-tw.md:2: error: invalid YAML: ")
    assert marked.stderr.endswith("Failed: nothing was marked\n")
    assert "translated_from" not in (tmp_path / "content/solutions/bus.zh-tw.md").read_text()


def test_usage_errors_exit_2(tmp_path):
    make_site(tmp_path, SITE)
    for args in (["--lang", "fr"], ["--lang", "en"], ["--content", "nowhere"],
                 ["--format", "github"]):
        run = expo(tmp_path, "translations", *args)
        assert run.returncode == 2, args
        assert "Traceback" not in run.stderr


def test_new_translation_is_marked_current(tmp_path):
    make_site(tmp_path, SITE)
    run = expo(tmp_path, "new", "news", "one", "--lang", "zh-tw")
    assert run.returncode == 0, run.stderr
    text = (tmp_path / "content/news/one.zh-tw.md").read_text(encoding="utf-8")
    assert text.count("translated_from: ") == 1
    assert statuses(tmp_path)["news/one"] == "current"
    (tmp_path / "content/solutions/lamp/index.zh-tw.md").unlink()  # a bundle: written in it
    bundle = expo(tmp_path, "new", "solution", "lamp", "--lang", "zh-tw")
    assert bundle.stdout == "created content/solutions/lamp/index.zh-tw.md: fill in the " \
                            "fields marked TODO\n"
    assert statuses(tmp_path)["solutions/lamp"] == "current"


def test_translated_from_is_a_known_field_never_inherited(tmp_path):
    make_site(tmp_path, SITE)
    mark(tmp_path, "content/about.zh-tw.md")
    mark_line = next(line for line in (tmp_path / "content/about.zh-tw.md").read_text(
        encoding="utf-8").splitlines() if line.startswith("translated_from"))
    # An original carrying a mark (copied by mistake) gives none to its translations.
    edit(tmp_path, "content/solutions/bus.md", "title: Bus", f"title: Bus\n{mark_line}")
    site = SiteBuilder(tmp_path, no_search=True)
    assert site.build().problems == []
    assert statuses(tmp_path)["solutions/bus"] == "untracked"


# -- what visitors of an outdated translation see -----------------------------------------

def notice(site: SiteBuilder, rel: str) -> tuple[str, str] | None:
    """The out-of-date notice of a built page: (its text, where its link goes)."""
    found = site.html(rel).select("main p.notice")
    if not found:
        return None
    assert len(found) == 1
    return found[0].get_text(" ", strip=True), found[0].a["href"]


ZH_FIRST = SITE_YAML.replace("  en: {name: English, html_lang: en}\n", "").replace(
    "timezone:", "  en: {name: English, html_lang: en}\ntimezone:")


def test_an_outdated_page_says_so_in_its_language_and_links_to_the_original(tmp_path):
    site = SiteBuilder(tmp_path, SITE, no_search=True)
    mark(tmp_path, *TRANSLATIONS)
    site.edit("content/solutions/bus.md", "Buses.", "Electric buses.")
    site.build()
    assert notice(site, "zh-tw/solutions/bus/index.html") == (
        "本頁原文在翻譯後已有更新，此譯文可能不是最新內容。 閱讀原文（English）",
        "/en/solutions/bus/")
    for current in ("zh-tw/about/index.html", "zh-tw/solutions/lamp/index.html",
                    "en/solutions/bus/index.html", "zh-tw/solutions/index.html"):
        assert notice(site, current) is None, current
    # A site whose default language is Chinese: the English translation says it in English.
    other = SiteBuilder(tmp_path / "zh", {
        "content/site.yaml": ZH_FIRST, "content/about.md": "---\ntitle: 關於\n---\n我們。\n",
        "content/about.en.md": "---\ntitle: About\ntranslated_from: \"0\"\n---\nUs.\n"},
        no_search=True)
    other.build()
    assert notice(other, "en/about/index.html") == (
        "The original of this page has changed since it was translated: this translation "
        "may be out of date. Read the original (繁體中文)", "/zh-tw/about/")
    assert other.html("en/about/index.html").select_one("p.notice a")["hreflang"] == \
        "zh-Hant-TW"


def test_the_notice_follows_the_original_in_incremental_builds(tmp_path):
    site = SiteBuilder(tmp_path, SITE, no_search=True)
    mark(tmp_path, *TRANSLATIONS)
    site.build()
    page = "zh-tw/solutions/bus/index.html"
    assert notice(site, page) is None
    site.edit("content/solutions/bus.md", "title: Bus", "title: Electric Bus")
    built = site.build()
    assert notice(site, page)[1] == "/en/solutions/bus/"
    assert built.rendered < 20  # an incremental build, not a full one
    mark(tmp_path, "content/solutions/bus.zh-tw.md")
    site.build()
    assert notice(site, page) is None
    site.edit("content/solutions/bus.md", "Buses.", "Electric buses.")  # the body alone
    site.build()
    assert notice(site, page) is not None
    # An edit of a date or a ref is no reason to tell visitors.
    mark(tmp_path, "content/solutions/bus.zh-tw.md")
    site.edit("content/solutions/bus.md", "pavilion: taipei", "pavilion: hall")
    site.build()
    assert notice(site, page) is None


def test_the_preview_shows_and_drops_the_notice_as_files_are_saved(tmp_path):
    from generator.build import Builder, Options

    make_site(tmp_path, SITE)
    root = tmp_path.resolve()
    mark(root, *TRANSLATIONS)
    preview = Builder(Options(content=root / "content", output=root / "preview",
                              templates=Path(__file__).parent.parent / "templates",
                              no_search=True, cache=root / ".expo-cache"), persist=False)
    preview.build()
    page = root / "preview/zh-tw/about/index.html"
    assert "class=\"notice\"" not in page.read_text(encoding="utf-8")
    original = root / "content/about.md"
    original.write_text("---\ntitle: About us\n---\nWho we are.\n", encoding="utf-8")
    preview.build({str(original)})
    assert "閱讀原文（English）" in page.read_text(encoding="utf-8")
    mark(root, "content/about.zh-tw.md")
    preview.build({str(root / "content/about.zh-tw.md")})
    assert "class=\"notice\"" not in page.read_text(encoding="utf-8")
