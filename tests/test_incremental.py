"""Incremental builds: counts of what a rebuild rewrites, and equality with a clean build."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import textwrap
import time
from collections import Counter
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from hypothesis import given, settings
from hypothesis import strategies as st
from sitekit import (
    CATEGORIES,
    ROOT,
    SITE_YAML,
    Built,
    Run,
    SiteBuilder,
    expo,
    make_site,
    output_files,
)

SITE = {
    "content/index.md": "---\ntitle: Home\n---\nWelcome.\n",
    "content/about.md": "---\ntitle: About\n---\nSee [the bus](solutions/bus.md).\n",
    "content/pavilions/taipei.md": "---\ntitle: Taipei Pavilion\norganizer: TCG\n---\nHall.\n",
    "content/cities/prague.md": "---\ntitle: Prague\ncountry: CZ\nregion: europe\n---\n",
    "content/solutions/bus.md": ("---\ntitle: Bus\ncompany: B\ncategory: smart-transportation"
                                 "\npavilion: taipei\ncities: [prague]\n---\nBuses.\n"),
    "content/solutions/bus.zh-tw.md": "---\ntitle: 公車\n---\n公車。\n",
    "content/solutions/clinic.md": ("---\ntitle: Clinic\ncompany: C\ncategory: smart-health\n"
                                    "---\nCare.\n"),
    "content/news/one.md": "---\ntitle: One\ndate: 2020-07-01\n---\nNews.\n",
}


def project(root: Path) -> SiteBuilder:
    """SITE, with a copy of the theme (tests edit it) as its templates."""
    shutil.copytree(ROOT / "templates", root / "theme")
    return SiteBuilder(root, SITE, templates=root / "theme", no_search=True)


def run(root: Path) -> Built:
    """A build of the project in `root`, in this process, as `expo build --no-search` does."""
    return SiteBuilder(root, templates=root / "theme", no_search=True).build()


def inodes(output: Path) -> dict[str, int]:
    return {p.relative_to(output).as_posix(): p.stat().st_ino
            for p in output.rglob("*") if p.is_file()}


def rewritten(site: SiteBuilder, before: dict[str, int]) -> set[str]:
    """The output files a build wrote since `before` (not the folder's marker)."""
    after = inodes(site.root / "output")
    return {path for path in after if before.get(path) != after[path]} - {".expo-output"}


def test_second_build_writes_no_file(tmp_path):
    site = project(tmp_path)
    assert site.build().files > 20
    before = inodes(site.root / "output")
    folder = (site.root / "output").stat().st_ino
    again = site.build()
    assert (again.files, again.unchanged) == (0, len(before) - 1)  # all but the marker
    assert inodes(site.root / "output") == before
    assert (site.root / "output").stat().st_ino == folder


def test_editing_one_body_rewrites_the_page_and_what_shows_it(tmp_path):
    site = project(tmp_path)
    site.build()
    before = inodes(site.root / "output")
    site.edit("content/solutions/bus.md", "Buses.", "Electric buses.")
    built = site.build()
    changed = rewritten(site, before)
    # Pages showing the English summary, which comes from the edited body. The Chinese pages
    # show the translation's own body and summary: their bytes stay, so they are not written.
    assert changed == {
        "en/solutions/bus/index.html",  # the page
        "en/solutions/index.html",  # the listing and category page showing its card
        "en/solutions/category/smart-transportation/index.html",
        "en/index.html",  # the home shows the first solutions
        "en/pavilions/taipei/index.html",  # gathered on its pavilion
        "en/cities/prague/index.html",  # and on the city where it is deployed
    }, sorted(changed)
    assert built.files == len(changed)
    assert "Electric buses." in site.text("en/solutions/bus/index.html")


def test_editing_a_body_that_no_listing_shows_rerenders_its_page_only(tmp_path):
    # The clinic has a summary of its own: its cards (listings, home) show the summary, so a
    # change of its body alone changes one page, and only that page is rendered again.
    site = project(tmp_path)
    site.edit("content/solutions/clinic.md", "---\nCare.", "summary: Clinics.\n---\nCare.")
    site.build()
    site.edit("content/solutions/clinic.md", "Care.", "Care, day and night.")
    built = site.build()
    assert (built.rendered, built.files) == (1, 1)
    assert "Care, day and night." in site.text("en/solutions/clinic/index.html")
    site.edit("content/solutions/clinic.md", "summary: Clinics.", "summary: Care.")
    built = site.build()
    assert built.rendered > 3 and built.files > 3  # the summary is on the cards: listings follow


def test_template_change_rerenders_and_site_yaml_change_rebuilds_all(tmp_path):
    site = project(tmp_path)
    site.build()
    page = site.root / "theme/page.html"
    page.write_text(page.read_text() + "\n{# a comment changes nothing visible #}\n")
    built = site.build()
    assert built.files == 0 and built.unchanged > 0  # re-rendered, but every byte is the same
    with (site.root / "content/site.yaml").open("a") as f:
        f.write("description: {en: New words, zh-tw: 新的說明}\n")
    assert site.build().files > 20


def test_template_edit_rerenders_exactly_the_pages_using_it(tmp_path):
    site = project(tmp_path)
    site.build()
    # One page uses news.html: the news item (untranslated: only listed in Chinese).
    site.edit("theme/news.html", '<p class="byline">', '<p class="byline new">')
    before = inodes(site.root / "output")
    built = site.build()
    changed = rewritten(site, before)
    assert changed == {"en/news/one/index.html"}, sorted(changed)
    assert built.rendered == built.files == 1
    assert 'class="byline new"' in site.text("en/news/one/index.html")
    # A listing template that did not exist is looked for first: adding it re-renders the
    # news listings, in both languages, and nothing else.
    listing = (site.root / "theme/list.html").read_text()
    (site.root / "theme/list-news.html").write_text(listing.replace(
        '<div class="wrap">', '<div class="wrap news-list">', 1))
    before = inodes(site.root / "output")
    built = site.build()
    changed = rewritten(site, before)
    assert changed == {"en/news/index.html", "zh-tw/news/index.html"}, sorted(changed)
    assert built.rendered == built.files == 2
    # A theme file: only pages linking to it get its new (hashed) name.
    script = site.root / "theme/static/js/filter.js"
    script.write_text(script.read_text() + "\n// edited\n")
    built = site.build()
    using = sorted(p.relative_to(site.root / "output").as_posix()
                   for p in (site.root / "output").rglob("*.html")
                   if "static/js/filter." in p.read_text())
    assert len(using) == 6  # the catalogue and its two category pages, in two languages
    assert built.rendered == built.files - 1 == len(using)  # and the renamed script itself
    # The shared base template: every page.
    site.edit("theme/base.html", "<body>", '<body class="edited">')
    built = site.build()
    pages = list((site.root / "output").rglob("*.html"))
    assert built.rendered == len(pages) == built.files


def test_a_same_size_edit_within_the_clocks_precision_is_not_missed(tmp_path):
    """Some file systems keep a file's time to the second or two (FAT on a USB stick, network
    drives): a second edit made that soon after the first, of the same size, leaves the file
    looking untouched. A build that starts that soon after an edit must not vouch for it."""
    site = project(tmp_path)
    bus = site.root / "content/solutions/bus.md"
    os.utime(bus)  # edited just now, as the build starts
    site.build()
    stat = bus.stat()
    site.edit("content/solutions/bus.md", "Buses.", "Busez.")  # the same size
    os.utime(bus, ns=(stat.st_atime_ns, stat.st_mtime_ns))  # in the same tick of a coarse clock
    built = site.build()
    assert "Busez." in site.text("en/solutions/bus/index.html")
    assert built.files > 0


def test_a_recent_file_is_read_again_until_its_time_is_settled(tmp_path):
    """A file changed within the clock's precision of a build's start is checked by its bytes
    at the next build. Once its time is further back than that precision, and its bytes are
    still the ones seen, it is taken as any other file (the next build does not read it); an
    edit of the same size in the same tick is still found."""
    from generator import cache

    folder = tmp_path / "content"
    folder.mkdir()
    kept, edited = folder / "kept.md", folder / "edited.md"
    for path in (kept, edited):
        path.write_text("Buses.")
        back = time.time_ns() - cache.COARSE_CLOCK_NS + 300_000_000  # settled in 0.3 s
        os.utime(path, ns=(back, back))
    first = cache.snapshot([folder])
    assert set(first.recent) == {str(kept), str(edited)}
    assert set(first.settled().recent) == {str(kept), str(edited)}  # not settled yet
    stat = edited.stat()
    edited.write_text("Busez.")  # the same size, in the same tick of a coarse clock
    os.utime(edited, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    time.sleep(0.4)
    settled = first.settled()
    assert set(settled.recent) == {str(edited)}
    assert settled.files == first.files
    assert cache.snapshot([folder]).changed_since(settled) == {str(edited)}


def test_cache_and_output_folder_can_each_be_deleted(tmp_path):
    site = project(tmp_path)
    site.build()
    files = output_files(site.root / "output")
    # CI restoring only .expo-cache/: its Markdown is reused, every page written again.
    shutil.rmtree(site.root / "output")
    built = site.build()
    assert output_files(site.root / "output") == files and built.unchanged == 0
    assert built.rendered > 20
    # The cache deleted: a full build, the same site.
    shutil.rmtree(site.root / ".expo-cache")
    built = site.build()
    assert output_files(site.root / "output") == files and built.rendered > 20


WARNED = {  # warnings of each kind: a field, a link's fragment, a setting (a build's own)
    "content/site.yaml": SITE_YAML + "colour: blue\n",
    "content/about.md": ("---\ntitle: About\nsumary: A typo\n---\n"
                         "See [the bus](solutions/bus.md#nowhere).\n"),
}
WARNINGS = [
    "content/about.md:3: warning: unknown field 'sumary': did you mean 'summary'?",
    "content/about.md:5: warning: '#nowhere' is not a heading of bus.md: the link lands at the "
    "page top",
    "content/site.yaml:7: warning: unknown setting 'colour' (known: base_url, cms, description, "
    "edit_url, images, languages, summit, timezone, title)",
    "theme/i18n/zh-tw.yaml:1: warning: no UI strings for 'zh-tw': English ones are used",
]


def problem_lines(run: Run) -> list[str]:
    """The problems a run printed, in its order."""
    return [line for line in run.lines if re.search(r":\d+: (error|warning): ", line)]


def test_a_rebuild_reports_the_problems_of_the_content_as_it_stands(tmp_path):
    """SPEC §7: whatever a build reuses, it prints what a clean build of the same files prints,
    and --strict fails on it (a CI restoring .expo-cache/ and output/ lets no typo through)."""
    root = project(tmp_path / "site").root
    make_site(root, WARNED)
    (root / "theme/i18n/zh-tw.yaml").unlink()  # a warning of the theme
    args = ("--templates", "theme")
    first = expo(root, "build", *args)
    assert first.returncode == 0 and problem_lines(first) == WARNINGS, first.stderr
    site = output_files(root / "output")

    # Nothing changed, the cache and output/ in place: the same warnings, and --strict fails.
    strict = expo(root, "build", "--strict", *args)
    assert strict.returncode == 1 and problem_lines(strict) == WARNINGS, strict.stderr
    assert "Failed: 4 warnings with --strict" in strict.stderr
    again = expo(root, "build", *args)
    assert again.returncode == 0 and problem_lines(again) == WARNINGS, again.stderr
    assert output_files(root / "output") == site

    # Another file edited: the pages of about.md are not rendered again, its warnings stay.
    news = root / "content/news/one.md"
    news.write_text(news.read_text().replace("News.", "More news."))
    edited = expo(root, "build", "--strict", *args)
    assert edited.returncode == 1 and problem_lines(edited) == WARNINGS, edited.stderr
    edited = expo(root, "build", *args)
    assert edited.returncode == 0 and problem_lines(edited) == WARNINGS, edited.stderr
    assert expo(root, "build", "--strict", *args).lines == strict.lines

    # The typo fixed: its warning goes, the others stay, as in a clean build of the same files.
    about = root / "content/about.md"
    about.write_text(about.read_text().replace("sumary:", "summary:"))
    fixed = expo(root, "build", *args)
    assert problem_lines(fixed) == WARNINGS[1:], fixed.stderr
    assert problem_lines(expo(root, "build", *args)) == WARNINGS[1:]
    shutil.rmtree(root / ".expo-cache")
    clean = expo(root, "build", *args)
    assert problem_lines(clean) == problem_lines(fixed), clean.stderr


def conversions(monkeypatch) -> list[int]:
    """The bodies that in-process builds convert from Markdown from now on (their indices)."""
    import generator.bodies

    converted: list[int] = []
    render_bodies = generator.bodies._render_bodies
    monkeypatch.setattr(generator.bodies, "_render_bodies",
                        lambda state, indices: converted.extend(indices) or
                        render_bodies(state, indices))
    return converted


def test_a_project_checked_out_elsewhere_keeps_what_its_cache_knows(tmp_path, monkeypatch):
    """CI restoring `.expo-cache/` (and `output/`) into a new workspace, every file with a new
    time as a fresh checkout has: the cache is found wherever the project now is."""

    first = project(tmp_path / "first").root
    first_build = run(first)
    site = output_files(first / "output")
    # With output/ restored too: nothing is rendered, nothing written.
    second = tmp_path / "elsewhere/second"
    shutil.copytree(first, second, copy_function=shutil.copy)
    again = run(second)
    assert (again.rendered, again.files) == (0, 0)
    # With the cache alone: every page rendered, no Markdown converted again.
    third = tmp_path / "third"
    for folder in ("content", "theme", ".expo-cache"):
        shutil.copytree(first / folder, third / folder, copy_function=shutil.copy)
    converted = conversions(monkeypatch)
    built = run(third)
    assert built.rendered > 20 and built.rendered == first_build.rendered
    assert output_files(third / "output") == site and converted == []
    # The check can fail: an edited body is converted again, and only that one.
    SiteBuilder(third, templates=third / "theme", no_search=True).edit(
        "content/solutions/clinic.md", "Care.", "Care, again.").build()
    assert len(converted) == 1


def test_compiled_templates_of_a_former_folder_leave_the_cache_after_a_month(tmp_path):
    # Jinja2 names a compiled template after its full path: a project built in a new folder
    # at every run (some CI runners) adds a set each time; those not written for a month go.
    first = project(tmp_path / "first").root
    run(first)
    compiled = list((first / ".expo-cache").glob("templates-*/__jinja2_*.cache"))
    assert len(compiled) > 10
    second = tmp_path / "second"
    shutil.copytree(first, second)
    run(second)
    entries = set((second / ".expo-cache").glob("templates-*/__jinja2_*.cache"))
    old = {second / path.relative_to(first) for path in compiled}
    assert old < entries and len(entries) == 2 * len(old)  # the first folder's, and its own
    month_ago = time.time() - 31 * 24 * 3600
    for path in old:
        os.utime(path, (month_ago, month_ago))
    (second / "content/about.md").write_text("---\ntitle: About\n---\nChanged.\n")
    run(second)
    assert set((second / ".expo-cache").glob("templates-*/__jinja2_*.cache")) == entries - old


def stored_references(root: Path) -> dict[str, list]:
    """What the cache folder says each template names (by name: one theme here)."""
    stored = next((root / ".expo-cache").glob("templates-*/references.json"))
    return {name: found for name, _, found in json.loads(stored.read_text(encoding="utf-8"))}


def test_what_each_template_names_is_kept_with_the_compiled_templates(tmp_path):
    # The next process takes them from the cache folder, by each template's text: a template
    # given a new include is followed from the first build that sees it.
    site = project(tmp_path)
    site.build()
    assert stored_references(tmp_path)["news.html"] == ["_item.html"]
    site.write({"theme/_note.html": '<p class="note">First note</p>\n'})
    site.edit("theme/news.html", "{% endif %}\n{% endblock %}",
              '{% endif %}\n{% include "_note.html" %}{% endblock %}')
    before = inodes(tmp_path / "output")
    site.build()
    assert rewritten(site, before) == {"en/news/one/index.html"}
    assert stored_references(tmp_path)["news.html"] == ["_item.html", "_note.html"]
    site.edit("theme/_note.html", "First note", "Second note")
    before = inodes(tmp_path / "output")
    site.build()
    assert rewritten(site, before) == {"en/news/one/index.html"}
    assert "Second note" in site.text("en/news/one/index.html")


def test_a_damaged_store_of_what_templates_name_is_found_again(tmp_path):
    site = project(tmp_path)
    first = site.build()
    stored = next((tmp_path / ".expo-cache").glob("templates-*/references.json"))
    for damaged in ("[[", "[1]", '[["news.html", 3, ["_item.html"]]]', '{"abc": []}'):
        stored.write_text(damaged, encoding="utf-8")
        shutil.rmtree(tmp_path / "output")
        assert site.build().rendered == first.rendered
        assert stored_references(tmp_path)["news.html"] == ["_item.html"]


def test_a_new_version_of_the_generator_rebuilds_everything_markdown_included(tmp_path):
    """An upgrade (here a copy of the generator whose code blocks get another class) is a full
    build: pages and rendered Markdown, which the cache would otherwise give as they were."""
    root = project(tmp_path / "site").root
    (root / "content/news/code.md").write_text(
        "---\ntitle: Code\ndate: 2020-07-02\n---\n```python\nprint(1)\n```\n")
    run(root)
    upgraded = tmp_path / "upgraded"
    shutil.copytree(ROOT / "generator", upgraded / "generator",
                    ignore=shutil.ignore_patterns("__pycache__"))
    code = upgraded / "generator/markdown.py"
    assert 'cssclass="highlight"' in code.read_text()
    code.write_text(code.read_text().replace('cssclass="highlight"', 'cssclass="code-v2"'))

    def build_with(generator: Path, *args: str) -> str:
        done = subprocess.run([sys.executable, "-m", "generator", "build", "--no-search",
                               "--templates", str(root / "theme"), *args], cwd=root,
                              env={**os.environ, "PYTHONPATH": str(generator)},
                              capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr
        return (root / "output/en/news/code/index.html").read_text()

    assert 'class="code-v2"' in build_with(upgraded)
    assert 'class="highlight"' in build_with(ROOT)  # and back


def test_a_new_version_of_a_library_shaping_the_output_rebuilds_everything(tmp_path,
                                                                           monkeypatch):
    import generator.build
    from generator.build import Options, build

    root = project(tmp_path).root
    options = Options(content=root / "content", templates=root / "theme",
                      output=root / "output", cache=root / ".expo-cache", no_search=True)
    converted = conversions(monkeypatch)
    # A former version's states (named without the format) are of no use, and large.
    (root / ".expo-cache").mkdir()
    for name in ("state-8c1d2e3f4a5b.pickle", "state-8c1d2e3f4a5b.quick"):
        (root / ".expo-cache" / name).write_bytes(b"old")
    first = build(options)
    assert build(options).rendered == 0 and len(converted) == first.pages
    assert not list((root / ".expo-cache").glob("state-8c1d*"))
    # Pygments upgraded (its highlighting may differ): nothing is taken from the cache.
    real = generator.build.fingerprint.metadata.version
    monkeypatch.setattr(generator.build.fingerprint.metadata, "version",
                        lambda name: "99.0" if name == "pygments" else real(name))
    generator.build.fingerprint.code_fingerprint.cache_clear()
    try:
        again = build(options)
    finally:
        generator.build.fingerprint.code_fingerprint.cache_clear()
    assert again.rendered == first.rendered and len(converted) == 2 * first.pages


def test_a_card_made_inside_its_own_page_notes_what_it_read(tmp_path):
    """A page's view works out `page.pavilion` once; a card of the same page made after it
    (a new recording) must still note that it shows the pavilion, or the preview would keep
    the card, with the pavilion's old title, after the pavilion is edited."""
    from generator.build import Builder, Options

    root = project(tmp_path).root.resolve()
    (root / "theme/solution.html").write_text(
        "{% if page.pavilion %}{{ page.pavilion.title }}|{% call cached('own', page) %}"
        "<p class=own>{{ page.pavilion.title }}</p>{% endcall %}{% endif %}\n",
        encoding="utf-8")
    preview = Builder(Options(content=root / "content", templates=root / "theme",
                              output=root / "preview", no_search=True,
                              cache=root / ".expo-cache"), persist=False)
    preview.build()
    page = root / "preview/en/solutions/bus/index.html"
    assert page.read_text() == "Taipei Pavilion|<p class=own>Taipei Pavilion</p>"
    pavilion = root / "content/pavilions/taipei.md"
    pavilion.write_text(pavilion.read_text().replace("Taipei Pavilion", "Taipei Hall"))
    preview.build({str(pavilion)})
    assert page.read_text() == "Taipei Hall|<p class=own>Taipei Hall</p>"


def test_the_preview_sees_a_missing_file_appear_or_a_found_one_go(tmp_path):
    """A page whose `image` names a file that is not there is an error; saving the file
    (nothing else) must make the page whole in the preview, as in a clean build, and removing
    it must bring the error back (found by the random edits: the preview reused the page's
    checks, made while the file was missing)."""
    from PIL import Image

    from generator.build import Builder, Options
    from generator.errors import BuildFailed

    root = project(tmp_path).root.resolve()
    bus = root / "content/solutions/bus.md"
    bus.write_text(bus.read_text().replace("title:", "image: cover.png\nimage_alt: A bus\ntitle:",
                                           1), encoding="utf-8")
    preview = Builder(Options(content=root / "content", templates=root / "theme",
                              output=root / "preview", no_search=True,
                              cache=root / ".expo-cache"), persist=False)
    with pytest.raises(BuildFailed) as failed:
        preview.build()
    assert [p.message for p in failed.value.problems.errors] == [
        "file 'cover.png' not found (looked next to the page and in content/)"]
    cover = root / "content/solutions/cover.png"
    Image.new("RGB", (40, 30), "teal").save(cover)
    preview.build({str(cover)})
    page = (root / "preview/en/solutions/bus/index.html").read_text(encoding="utf-8")
    assert 'alt="A bus"' in page
    cover.unlink()
    with pytest.raises(BuildFailed):
        preview.build({str(cover)})


def test_a_block_made_once_per_language_shows_it_and_notes_what_it_read_on_every_page(
        tmp_path):
    """`cached_once` makes a block once per language (and values given) for all pages: each
    page shows its own language's, and each notes the theme file the block links to, so that
    editing that file renders them all again with its new address, not only the page that
    happened to make the block."""
    site = project(tmp_path)
    site.write({"theme/solution.html": (
        "{% call cached_once('foot', lang) %}<a href=\"{{ url('static/css/site.css') }}\">"
        "{{ t('home') }}</a>{% endcall %}\n")})
    site.build()
    pages = ["en/solutions/bus/index.html", "en/solutions/clinic/index.html",
             "zh-tw/solutions/bus/index.html"]
    links = {page: site.html(page).a for page in pages}
    assert [a.text for a in links.values()] == ["Home", "Home", "首頁"]
    assert len({a["href"] for a in links.values()}) == 1
    site.edit("theme/static/css/site.css", "}", "}\n/* edited */")
    site.build()
    new = {site.html(page).a["href"] for page in pages}
    assert len(new) == 1 and new != {a["href"] for a in links.values()}


def test_a_retitled_solution_changes_the_more_of_its_category_on_every_page_showing_it(
        tmp_path):
    """The "More in …" block below a solution is made once per build for each list of items
    and shown by every solution listing the same ones: retitling one of them must show the
    new title on all those pages, in a rebuild and in the preview (whose builds share a
    process), not only on the page that made the block."""
    from generator.build import Builder, Options

    site = project(tmp_path)
    slugs = ("tram", "metro", "ferry", "zeppelin")
    for slug in slugs:
        site.write({f"content/solutions/{slug}.md": (
            f"---\ntitle: {slug.title()}\ncompany: T\ncategory: smart-transportation\n---\n"
            "Moves people.\n")})
    root = site.root.resolve()
    preview = Builder(Options(content=root / "content", templates=root / "theme",
                              output=root / "preview", no_search=True,
                              cache=root / ".expo-cache"), persist=False)
    site.build()
    preview.build()
    shared = ["Bus", "Ferry", "Metro"]  # the first three, shown below the two others
    assert [s for s in slugs if more_titles(root / "output", s) == shared] == \
        ["tram", "zeppelin"]
    site.edit("content/solutions/bus.md", "title: Bus", "title: Bus line")
    site.build()
    preview.build({str(root / "content/solutions/bus.md")})
    for output in (root / "output", root / "preview"):
        for slug in ("tram", "zeppelin"):
            assert more_titles(output, slug) == ["Bus line", "Ferry", "Metro"], output.name


def more_titles(output: Path, slug: str) -> list[str]:
    page = BeautifulSoup((output / f"en/solutions/{slug}/index.html").read_text("utf-8"),
                         "html.parser")
    return [a.get_text(strip=True) for a in page.find(id="solution-more").parent.select(
        ".card__title a")]


def test_deleted_page_leaves_no_stale_output(tmp_path):
    root = project(tmp_path).root
    run(root)
    (root / "content/solutions/clinic.md").unlink()
    run(root)
    assert not (root / "output/en/solutions/clinic").exists()
    assert "Clinic" not in (root / "output/en/solutions/index.html").read_text()


# -- random edit sequences: an incremental build equals a clean one ---------------------

# The site of the tests above, with more for the edits to reach: the solutions they edit (the
# park a bundle with its cover), a second pavilion and city, a summit session (its calendars),
# a tour naming solutions, a heading to link to.
RANDOM_SITE = {
    **SITE,
    "content/solutions/lamp.md": ("---\ntitle: Lamp\ncompany: L\ncategory: smart-health\n"
                                  "pavilion: kaohsiung\ncities: [boston]\n---\nLight.\n"),
    "content/solutions/park/index.md": ("---\ntitle: Park\ncompany: P\ncategory: smart-health"
                                        "\nimage: cover.png\nimage_alt: A park\n---\nGreen.\n"),
    "content/pavilions/kaohsiung.md": "---\ntitle: Kaohsiung\norganizer: KCG\n---\nHall.\n",
    "content/cities/boston.md": "---\ntitle: Boston\ncountry: US\nregion: americas\n---\n",
    "content/summit/talk.md": """\
        ---
        title: Talk
        start: 2020-08-13 17:00
        end: 2020-08-13 18:00
        timezone: Europe/Prague
        region: europe
        speakers:
          - {name: A Mayor, title: Mayor, city: prague}
        ---
        Talk.
        """,
    "content/tours/walk.md": "---\ntitle: Walk\npavilion: taipei\nsolutions: [bus]\n---\n",
    "content/solutions/bus.md": SITE["content/solutions/bus.md"].replace(
        "Buses.", "## Routes\n\nBuses."),
}


def random_project(root: Path) -> Path:
    make_site(root, RANDOM_SITE)
    picture(root / "content/solutions/park/cover.png", 0)
    shutil.copytree(ROOT / "templates", root / "theme")
    return root


def set_field(path: Path, name: str, value: object | None) -> None:
    """Set (or with None remove) one front-matter field of a Markdown file."""
    text = re.sub(rf"(?m)^{name}: .*\n", "", path.read_text())
    path.write_text(text if value is None else text.replace("---\n", f"---\n{name}: {value}\n", 1))


def toggle_field(path: Path, name: str, value: object) -> None:
    set_field(path, name, None if re.search(rf"(?m)^{name}: ", path.read_text()) else value)


def solution(root: Path, slug: str) -> Path:
    """The solution's file: a bundle's index.md when it is one (see `bundle`)."""
    bundle = root / f"content/solutions/{slug}/index.md"
    return bundle if bundle.exists() else root / f"content/solutions/{slug}.md"


def translations(path: Path) -> list[Path]:
    stem = path.name.removesuffix(".md")
    return [path, *path.parent.glob(f"{stem}.*.md")]


def picture(path: Path, n: int) -> None:
    from PIL import Image
    Image.new("RGB", (40 + n, 30), (2 * n, 90, 60)).save(path)


def _new(root, slug, n):
    solution(root, slug).write_text(textwrap.dedent(f"""\
        ---
        title: {slug.title()} {n}
        company: Co {n}
        category: {"smart-health" if n % 2 else "smart-transportation"}
        ---
        About {slug}, number {n}.
        """))


def _delete(root, slug, n):
    for path in translations(solution(root, slug)):
        path.unlink()


def _translate(root, slug, n):
    path = solution(root, slug)
    path.with_name(path.name.replace(".md", ".zh-tw.md")).write_text(
        f"---\ntitle: 譯名 {n}\n---\n內容 {n}。\n")


def _draft(root, slug, n):
    path = solution(root, slug)
    text = path.read_text()
    path.write_text(text.replace("draft: true\n", "") if "draft: true" in text
                    else text.replace("---\n", "---\ndraft: true\n", 1))


def _rename(root, slug, n):  # with its translation
    path = solution(root, slug)
    if not (path.parent / f"{slug}-{n}.md").exists() and path.name == f"{slug}.md":
        for old in translations(path):
            old.rename(old.with_name(old.name.replace(slug, f"{slug}-{n}", 1)))


def _bundle(root, slug, n):  # a file becomes a folder with its pictures, and back
    path = solution(root, slug)
    folder = root / f"content/solutions/{slug}"
    for old in translations(path):
        new = (folder.parent / old.name.replace("index", slug, 1) if path.name == "index.md"
               else folder / old.name.replace(slug, "index", 1))
        new.parent.mkdir(exist_ok=True)
        old.rename(new)
    if path.name == "index.md":
        shutil.rmtree(folder)


def _template(root, slug, n):  # invisible, visible on every page, a listing template appears
    if n % 3 == 0:
        card = root / "theme/_macros.html"
        card.write_text(card.read_text() + f"\n{{# edit {n} #}}\n")
    elif n % 3 == 1:
        base = root / "theme/base.html"
        base.write_text(base.read_text().replace("<body>", f"<body data-edit={n}>", 1))
    else:
        listing = (root / "theme/list.html").read_text()
        (root / "theme/list-solutions.html").write_text(listing.replace(
            '<div class="wrap">', f'<div class="wrap" data-edit="{n}">', 1))


def _cover(root, slug, n):  # the picture is in the solution's folder (beside it, or its bundle)
    path = solution(root, slug)
    if not (path.parent / "cover.png").exists():
        picture(path.parent / "cover.png", n)
    toggle_field(path, "image", "cover.png")
    set_field(path, "image_alt", f"Cover {n}" if "image:" in path.read_text() else None)


def _break(root, slug, n):  # front matter that is not YAML, and at the next save mended
    path = solution(root, slug)
    text = path.read_text()
    path.write_text(text.replace("title: [unclosed\n", "") if "[unclosed" in text
                    else text.replace("---\n", "---\ntitle: [unclosed\n", 1))


def _link(root, slug, n):  # to a page that may be gone, renamed or a draft: the build fails
    target = ["bus.md#routes", "clinic.md", "park.md", "../pavilions/taipei.md", "lamp.md#x"]
    path = solution(root, slug)
    prefix = "../" if path.name == "index.md" else ""
    path.write_text(path.read_text() + f"\nSee [this]({prefix}{target[n % 5]}).\n")


def _session(root, slug, n):
    talk = root / "content/summit/talk.md"
    if n % 2:
        set_field(talk, "timezone", ["Asia/Taipei", "America/New_York", "Europe/Prague"][n % 3])
    else:
        set_field(talk, "start", f"2020-08-13 {10 + n % 7}:00")


# Each edit an editor or a theme author makes, on one of the solutions (which may not exist
# yet: then any edit of it creates it) or on what they show and what shows them.
EDIT_KINDS = {
    "new": _new,
    "body": lambda root, slug, n: solution(root, slug).write_text(
        solution(root, slug).read_text() + f"\nMore text {n}.\n"),
    "title": lambda root, slug, n: set_field(solution(root, slug), "title", f"{slug} title {n}"),
    "category": lambda root, slug, n: set_field(solution(root, slug), "category", [
        "smart-health", "smart-transportation"][n % 2]),
    "weight": lambda root, slug, n: set_field(solution(root, slug), "weight", n % 7),
    "summary": lambda root, slug, n: toggle_field(solution(root, slug), "summary", f"Sum {n}"),
    "slug": lambda root, slug, n: toggle_field(solution(root, slug), "slug", f"{slug}-s{n % 3}"),
    "aliases": lambda root, slug, n: toggle_field(solution(root, slug), "aliases",
                                                  f"[/old/{slug}-{n % 3}/]"),
    "pavilion": lambda root, slug, n: set_field(solution(root, slug), "pavilion", [
        None, "taipei", "kaohsiung"][n % 3]),
    "cities": lambda root, slug, n: set_field(solution(root, slug), "cities", [
        None, "[prague]", "[boston, prague]"][n % 3]),
    "delete": _delete,
    "translate": _translate,
    "draft": _draft,
    "rename": _rename,
    "bundle": _bundle,
    "cover": _cover,
    "picture": lambda root, slug, n: picture(solution(root, slug).parent / "cover.png", n),
    "link": _link,
    "break": _break,
    "typo": lambda root, slug, n: toggle_field(solution(root, slug), "sumary", f"Typo {n}"),
    "nothing": lambda root, slug, n: None,  # a build of the same files: the quickest one
    "referenced": lambda root, slug, n: set_field(  # a page the solutions show the title of
        root / ["content/pavilions/taipei.md", "content/cities/prague.md"][n % 2], "title",
        f"Renamed {n}"),
    "tour": lambda root, slug, n: set_field(root / "content/tours/walk.md", "solutions", [
        "[bus]", f"[bus, {slug}]", "[]"][n % 3]),
    "session": _session,
    "label": lambda root, slug, n: (root / "content/_data/categories.yaml").write_text(
        CATEGORIES.replace("Smart Transportation", f"Transportation {n}")),
    "string": lambda root, slug, n: (root / "theme/i18n/en.yaml").write_text(re.sub(
        r"(?m)^home: .*$", f"home: Home {n}", (root / "theme/i18n/en.yaml").read_text())),
    "stylesheet": lambda root, slug, n: (root / "theme/static/css/site.css").write_text(
        (root / "theme/static/css/site.css").read_text() + f"\n/* {n} */\n"),
    "template": _template,
}
EDITS = st.lists(st.tuples(st.sampled_from(sorted(EDIT_KINDS)),
                           st.sampled_from(["clinic", "lamp", "park"]),  # bus stays: linked to
                           st.integers(0, 99)), min_size=1, max_size=5)


def apply(root: Path, edit: str, slug: str, n: int) -> None:
    if edit != "new" and not solution(root, slug).exists():
        edit = "new"
    EDIT_KINDS[edit](root, slug, n)


def clean_copy(root: Path, clean: Path, *args: str) -> Run:
    shutil.copytree(root / "content", clean / "content")
    shutil.copytree(root / "theme", clean / "theme")
    return built_or_refused(clean, *args)


def built_or_refused(root: Path, *args: str) -> Run:
    """A build that may fail (an edit broke a link), as an editor's mistake: exit 1, no
    traceback."""
    done = expo(root, "build", "--no-search", "--templates", str(root / "theme"), *args)
    assert done.returncode in (0, 1) and "Traceback" not in done.stderr, done.stderr
    return done


def test_random_edits_give_the_same_site_as_a_clean_build(tmp_path_factory, tally):
    """After each group of edits, the incremental build gives a clean build's site; or, when
    the edits broke the site, fails as a clean build does and leaves the last site as it was
    (the next good build then equals a clean one all the same)."""
    steps = Counter()

    @settings(max_examples=25, deadline=None)
    @given(sequences=st.lists(EDITS, min_size=1, max_size=3))
    def edit(sequences):
        root = random_project(tmp_path_factory.mktemp("incremental"))
        run(root)
        for edits in sequences:
            step(root, edits)

    def step(root: Path, edits: list) -> None:
        before = output_files(root / "output")
        for edit in edits:
            apply(root, *edit)
        done = built_or_refused(root)
        clean = tmp_path_factory.mktemp("clean")
        expected = clean_copy(root, clean)
        assert done.returncode == expected.returncode, (edits, done.stderr, expected.stderr)
        assert done.lines[:-1] == expected.lines[:-1], edits  # the same problems, warnings too
        if done.returncode:
            assert output_files(root / "output") == before, edits
        else:
            assert output_files(root / "output") == output_files(clean / "output"), edits
        steps["refused" if done.returncode else "built"] += 1

    edit()
    tally("edit steps built, equal to a clean build", steps["built"])
    tally("edit steps refused, as a clean build is", steps["refused"])


def test_preview_after_random_edits_equals_a_clean_build(tmp_path_factory, tally):
    """`expo serve` keeps sources, pages, Markdown and cards in memory from build to build
    and updates its folder in place, looking only at the files its watcher reports changed:
    after any edits, that folder is a clean build's (or, after edits that broke the site, as
    the last good build left it)."""
    from generator.build import Builder, Options
    from generator.errors import BuildFailed

    steps = Counter()

    @settings(max_examples=12, deadline=None)
    @given(sequences=st.lists(EDITS, min_size=1, max_size=3))
    def edit(sequences):
        root = random_project(tmp_path_factory.mktemp("preview")).resolve()
        preview = Builder(Options(content=root / "content", templates=root / "theme",
                                  output=root / "preview", base_url=PREVIEW_URL,
                                  no_search=True, cache=root / ".expo-cache"), persist=False)
        preview.build()
        preview.warm()  # as the server does between two saves
        for edits in sequences:
            before, shown = watched_files(root), output_files(root / "preview")
            for edit in edits:
                apply(root, *edit)
            after = watched_files(root)
            try:  # what the watcher reports: every file written, added or removed
                found = preview.build({path for path in before.keys() | after.keys()
                                       if before.get(path) != after.get(path)}).problems
                failed = False
            except BuildFailed as error:
                found, failed = error.problems, True
            if edits[0][2] % 2:  # the next save came after the server's idle step, or before
                preview.warm()
            clean = tmp_path_factory.mktemp("clean")
            expected = clean_copy(root, clean, "--base-url", PREVIEW_URL)
            assert failed == bool(expected.returncode), (edits, expected.stderr)
            assert [str(p).replace(f"{root}{os.sep}", "") for p in found.sorted()] == \
                expected.lines[:-1], edits  # the same problems, warnings too
            assert output_files(root / "preview") == (
                shown if failed else output_files(clean / "output")), edits
            steps["refused" if failed else "built"] += 1

    edit()
    tally("preview saves built, equal to a clean build", steps["built"])
    tally("preview saves refused, as a clean build is", steps["refused"])


PREVIEW_URL = "http://127.0.0.1:8000/"


def watched_files(root: Path) -> dict[str, bytes]:
    return {str(path): path.read_bytes() for folder in ("content", "theme")
            for path in (root / folder).rglob("*") if path.is_file()}


def _same_tick(root: Path, slug: str, n: int) -> None:
    """A second save of a file within the clock's precision: the same size and time."""
    path = solution(root, slug)
    before = path.stat()
    text = path.read_text()
    path.write_text(text.replace("Light.", "Night.") if "Light." in text
                    else text.replace("Night.", "Light."))
    assert path.stat().st_size == before.st_size
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))


# What a preview keeps from one save to the next (each page's targets, the answers its
# dependencies gave, the parsed files), and an edit that must change what it keeps.
KEPT_EDITS = [
    ("body", "lamp", 1),  # a save changing a body alone: only its page
    ("title", "lamp", 2),  # its listings, its pavilion's and city's cards, the sitemap
    ("aliases", "lamp", 0),  # a redirect appears, holding the title
    ("title", "lamp", 3),  # the redirect's title too
    ("slug", "lamp", 1),  # every address of the page, the redirect's target
    ("referenced", "lamp", 0),  # a pavilion that the solutions' cards name
    ("weight", "clinic", 2),  # the order of the listings
    ("draft", "lamp", 0),  # gone from every listing, its files removed
    ("draft", "lamp", 0),  # and back
    ("translate", "lamp", 4),  # a new page in zh-tw, the switcher of the original
    ("rename", "clinic", 5),  # one page gone, another come
    ("delete", "lamp", 0),  # with its translation
    ("same tick", "park", 0),  # a bundle's page, then a file saved twice in one clock tick
    ("same tick", "park", 0),
]


def test_what_the_preview_keeps_changes_with_what_an_edit_changes(tmp_path_factory):
    """The preview keeps, from save to save, each page's targets, what the dependencies of
    every output gave and the files it parsed: after each edit that changes something kept,
    its folder is byte for byte a clean build's."""
    from generator.build import Builder, Options

    root = random_project(tmp_path_factory.mktemp("kept")).resolve()
    park = root / "content/solutions/park/index.md"
    park.write_text(park.read_text().replace("Green.", "Light."))
    preview = Builder(Options(content=root / "content", templates=root / "theme",
                              output=root / "preview", base_url=PREVIEW_URL, no_search=True,
                              cache=root / ".expo-cache"), persist=False)
    preview.build()
    for number, (edit, slug, n) in enumerate(KEPT_EDITS):
        before = watched_files(root)
        _same_tick(root, slug, n) if edit == "same tick" else apply(root, edit, slug, n)
        after = watched_files(root)
        preview.build({path for path in before.keys() | after.keys()
                       if before.get(path) != after.get(path)})
        if number % 2:
            preview.warm()  # as the server does between two saves
        clean = tmp_path_factory.mktemp("clean")
        assert clean_copy(root, clean, "--base-url", PREVIEW_URL).returncode == 0
        built, expected = output_files(root / "preview"), output_files(clean / "output")
        assert sorted(built) == sorted(expected), edit
        assert [path for path in expected if built[path] != expected[path]] == [], edit
