"""Incremental builds: counts of what a rebuild rewrites, and equality with a clean build."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sitekit import ROOT, make_site, output_files

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


def run(root: Path, *args: str) -> tuple[int, int]:
    """A build with the repository's theme; (files written, files unchanged)."""
    return build_counts(root, *args)[1:]


def build_counts(root: Path, *args: str) -> tuple[int, int, int]:
    """A build with the repository's theme; (pages rendered, files written, unchanged)."""
    done = subprocess.run([sys.executable, "-m", "generator", "build", "--no-search",
                           "--templates", str(root / "theme"), *args], cwd=root,
                          env={**os.environ, "PYTHONPATH": str(ROOT)}, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    match = re.search(r"\(([\d,]+) pages rendered, ([\d,]+) files written, ([\d,]+) "
                      r"unchanged\)", done.stderr)
    assert match, done.stderr
    return tuple(int(match[i].replace(",", "")) for i in (1, 2, 3))


def inodes(output: Path) -> dict[str, int]:
    return {p.relative_to(output).as_posix(): p.stat().st_ino
            for p in output.rglob("*") if p.is_file()}


def project(root: Path) -> Path:
    make_site(root, SITE)
    shutil.copytree(ROOT / "templates", root / "theme")
    return root


def test_second_build_writes_no_file(tmp_path):
    root = project(tmp_path)
    written, _ = run(root)
    assert written > 20
    before = inodes(root / "output")
    folder = (root / "output").stat().st_ino
    assert run(root) == (0, len(before) - 1)  # all but the folder's marker
    assert inodes(root / "output") == before and (root / "output").stat().st_ino == folder


def test_editing_one_body_rewrites_the_page_and_what_shows_it(tmp_path):
    root = project(tmp_path)
    run(root)
    before = inodes(root / "output")
    bus = root / "content/solutions/bus.md"
    bus.write_text(bus.read_text().replace("Buses.", "Electric buses."))
    written, _ = run(root)
    after = inodes(root / "output")
    changed = {path for path in after if before.get(path) != after[path]}
    changed.discard(".expo-output")
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
    assert written == len(changed)
    assert "Electric buses." in (root / "output/en/solutions/bus/index.html").read_text()


def test_editing_a_body_that_no_listing_shows_rerenders_its_page_only(tmp_path):
    # The clinic has a summary of its own: its cards (listings, home) show the summary, so a
    # change of its body alone changes one page, and only that page is rendered again.
    root = project(tmp_path)
    clinic = root / "content/solutions/clinic.md"
    clinic.write_text(clinic.read_text().replace("---\nCare.", "summary: Clinics.\n---\nCare."))
    run(root)
    clinic.write_text(clinic.read_text().replace("Care.", "Care, day and night."))
    assert build_counts(root)[:2] == (1, 1)
    assert "Care, day and night." in (root / "output/en/solutions/clinic/index.html").read_text()
    clinic.write_text(clinic.read_text().replace("summary: Clinics.", "summary: Care."))
    rendered, written, _ = build_counts(root)
    assert rendered > 3 and written > 3  # the summary is on the cards: listings follow


def test_template_change_rerenders_and_site_yaml_change_rebuilds_all(tmp_path):
    root = project(tmp_path)
    run(root)
    page = root / "theme/page.html"
    page.write_text(page.read_text() + "\n{# a comment changes nothing visible #}\n")
    written, unchanged = run(root)
    assert written == 0 and unchanged > 0  # re-rendered, but every byte is the same
    with (root / "content/site.yaml").open("a") as f:
        f.write("description: {en: New words, zh-tw: 新的說明}\n")
    written, _ = run(root)
    assert written > 20


def test_template_edit_rerenders_exactly_the_pages_using_it(tmp_path):
    root = project(tmp_path)
    run(root)
    # One page uses news.html: the news item (untranslated: only listed in Chinese).
    news = root / "theme/news.html"
    news.write_text(news.read_text().replace('<p class="byline">', '<p class="byline new">'))
    before = inodes(root / "output")
    rendered, written, _ = build_counts(root)
    after = inodes(root / "output")
    changed = {path for path in after if before.get(path) != after[path]} - {".expo-output"}
    assert changed == {"en/news/one/index.html"}, sorted(changed)
    assert rendered == written == 1
    assert 'class="byline new"' in (root / "output/en/news/one/index.html").read_text()
    # A listing template that did not exist is looked for first: adding it re-renders the
    # news listings, in both languages, and nothing else.
    listing = (root / "theme/list.html").read_text()
    (root / "theme/list-news.html").write_text(listing.replace(
        '<div class="wrap">', '<div class="wrap news-list">', 1))
    before = inodes(root / "output")
    rendered, written, _ = build_counts(root)
    after = inodes(root / "output")
    changed = {path for path in after if before.get(path) != after[path]} - {".expo-output"}
    assert changed == {"en/news/index.html", "zh-tw/news/index.html"}, sorted(changed)
    assert rendered == written == 2
    # A theme file: only pages linking to it get its new (hashed) name.
    script = root / "theme/static/js/filter.js"
    script.write_text(script.read_text() + "\n// edited\n")
    rendered, written, unchanged = build_counts(root)
    using = sorted(p.relative_to(root / "output").as_posix()
                   for p in (root / "output").rglob("*.html")
                   if "static/js/filter." in p.read_text())
    assert len(using) == 6  # the catalogue and its two category pages, in two languages
    assert rendered == written - 1 == len(using)  # and the renamed script itself
    # The shared base template: every page.
    base = root / "theme/base.html"
    base.write_text(base.read_text().replace("<body>", '<body class="edited">'))
    rendered, written, unchanged = build_counts(root)
    pages = list((root / "output").rglob("*.html"))
    assert rendered == len(pages) == written


def test_cache_and_output_folder_can_each_be_deleted(tmp_path):
    root = project(tmp_path)
    run(root)
    site = output_files(root / "output")
    # CI restoring only .expo-cache/: its Markdown is reused, every page written again.
    shutil.rmtree(root / "output")
    rendered, written, unchanged = build_counts(root)
    assert output_files(root / "output") == site and unchanged == 0 and rendered > 20
    # The cache deleted: a full build, the same site.
    shutil.rmtree(root / ".expo-cache")
    rendered, written, unchanged = build_counts(root)
    assert output_files(root / "output") == site and rendered > 20


def test_deleted_page_leaves_no_stale_output(tmp_path):
    root = project(tmp_path)
    run(root)
    (root / "content/solutions/clinic.md").unlink()
    run(root)
    assert not (root / "output/en/solutions/clinic").exists()
    assert "Clinic" not in (root / "output/en/solutions/index.html").read_text()


# -- random edit sequences: an incremental build equals a clean one ---------------------

EDITS = st.lists(st.tuples(
    st.sampled_from(["body", "title", "category", "new", "delete", "translate", "draft",
                     "rename", "weight", "template"]),
    st.sampled_from(["clinic", "lamp", "park"]),  # bus stays: about.md links to it
    st.integers(0, 99)), min_size=1, max_size=5)


def apply(root: Path, edit: str, slug: str, n: int) -> None:
    folder = root / "content/solutions"
    path = folder / f"{slug}.md"
    text = path.read_text() if path.exists() else None
    if edit == "new" or text is None:
        path.write_text(textwrap.dedent(f"""\
            ---
            title: {slug.title()} {n}
            company: Co {n}
            category: {"smart-health" if n % 2 else "smart-transportation"}
            ---
            About {slug}, number {n}.
            """))
    elif edit == "body":
        path.write_text(text + f"\nMore text {n}.\n")
    elif edit == "title":
        path.write_text(re.sub(r"title: .*", f"title: {slug} title {n}", text, count=1))
    elif edit == "category":
        new = "smart-health" if "transportation" in text else "smart-transportation"
        path.write_text(re.sub(r"category: .*", f"category: {new}", text, count=1))
    elif edit == "delete":
        path.unlink()
        for other in folder.glob(f"{slug}.*.md"):
            other.unlink()
    elif edit == "translate":
        (folder / f"{slug}.zh-tw.md").write_text(f"---\ntitle: 譯名 {n}\n---\n內容 {n}。\n")
    elif edit == "draft":  # toggle
        path.write_text(text.replace("draft: true\n", "") if "draft: true" in text
                        else text.replace("---\n", "---\ndraft: true\n", 1))
    elif edit == "rename":  # with its translation
        if not (folder / f"{slug}-{n}.md").exists():
            for old in [path, *folder.glob(f"{slug}.*.md")]:
                old.rename(folder / old.name.replace(slug, f"{slug}-{n}", 1))
    elif edit == "weight":
        path.write_text(re.sub(r"weight: .*\n", "", text).replace(
            "---\n", f"---\nweight: {n % 7}\n", 1))
    elif edit == "template":  # invisible, visible on every page, a listing template appears
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


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(sequences=st.lists(EDITS, min_size=1, max_size=3))
def test_random_edits_give_the_same_site_as_a_clean_build(tmp_path_factory, sequences):
    root = project(tmp_path_factory.mktemp("incremental"))
    run(root)
    for edits in sequences:
        for edit in edits:
            apply(root, *edit)
        run(root)
        clean = tmp_path_factory.mktemp("clean")
        shutil.copytree(root / "content", clean / "content")
        shutil.copytree(root / "theme", clean / "theme")
        run(clean)
        assert output_files(root / "output") == output_files(clean / "output"), edits


@settings(max_examples=12, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(sequences=st.lists(EDITS, min_size=1, max_size=3))
def test_preview_after_random_edits_equals_a_clean_build(tmp_path_factory, sequences):
    """`expo serve` keeps sources, pages, Markdown and cards in memory from build to build
    and updates its folder in place, looking only at the files its watcher reports changed:
    after any edits, that folder is a clean build's."""
    from generator.build import Builder, Options

    root = project(tmp_path_factory.mktemp("preview")).resolve()
    preview = Builder(Options(content=root / "content", templates=root / "theme",
                              output=root / "preview", base_url=PREVIEW_URL, no_search=True,
                              cache=root / ".expo-cache"), persist=False)
    preview.build()
    preview.warm()  # as the server does between two saves
    for edits in sequences:
        before = watched_files(root)
        for edit in edits:
            apply(root, *edit)
        after = watched_files(root)
        # What the watcher reports: every file written, added or removed (by its absolute path).
        preview.build({path for path in before.keys() | after.keys()
                       if before.get(path) != after.get(path)})
        if edits[0][2] % 2:  # the next save came after the server's idle step, or before it
            preview.warm()
        clean = tmp_path_factory.mktemp("clean")
        shutil.copytree(root / "content", clean / "content")
        shutil.copytree(root / "theme", clean / "theme")
        run(clean, "--base-url", PREVIEW_URL)
        assert output_files(root / "preview") == output_files(clean / "output"), edits


PREVIEW_URL = "http://127.0.0.1:8000/"


def watched_files(root: Path) -> dict[str, bytes]:
    return {str(path): path.read_bytes() for folder in ("content", "theme")
            for path in (root / folder).rglob("*") if path.is_file()}
