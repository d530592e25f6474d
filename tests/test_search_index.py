"""The search index is made from cut-down copies of the pages: it must hold exactly what
Pagefind records from the whole pages (text, title, image, filters, anchors of every page)."""

from __future__ import annotations

import gzip
import json
import os
import shutil
import sys
import textwrap
import time
from pathlib import Path

import pytest
from sitekit import ROOT, build, fails

from generator import search


def records(bundle: Path) -> dict[str, dict]:
    """Every page Pagefind recorded in a bundle, by URL: its fragment, decoded."""
    found = {}
    for path in (bundle / "fragment").iterdir():
        data = gzip.decompress(path.read_bytes())
        assert data.startswith(b"pagefind_dcd")
        record = json.loads(data[len(b"pagefind_dcd"):])
        found[record["url"]] = record
    return found


def whole_page_records(site: Path, code: str, into: Path) -> dict[str, dict]:
    """What Pagefind records when it reads the whole pages of a language, as it did before."""
    search._run_pagefind(site, code, into)
    return records(into)


SHM = Path("/dev/shm")


def running(folder: Path) -> bool:
    """Whether the process that named a folder `expo-search-<pid>-…` is running."""
    try:
        os.kill(int(folder.name.split("-")[2]), 0)
    except ProcessLookupError:
        return False
    return True


def test_bundled_site_index_holds_what_whole_pages_give(tmp_path):
    shutil.copytree(ROOT / "content", tmp_path / "content")
    left = SHM / "expo-search-2147483647-left"  # by a build killed (no such process)...
    recent = SHM / "expo-search-2147483646-recent"  # ...or by one this process cannot see
    if SHM.is_dir():
        left.mkdir()
        os.utime(left, (time.time() - 7200, time.time() - 7200))  # two hours ago
        recent.mkdir()
    before = set(SHM.glob("expo-search-*"))
    build(tmp_path)
    after = set(SHM.glob("expo-search-*"))
    shutil.rmtree(recent, ignore_errors=True)
    # The old folder of a gone process is removed, the recent one kept; this build left none
    # (a new folder of a process still running is another build's, on the same machine).
    assert left not in after and (recent in after or not SHM.is_dir())
    assert [folder for folder in after - before if not running(folder)] == []
    output = tmp_path / "output"
    for code in ("en", "zh-tw"):
        built = records(output / "pagefind" / code)
        assert len(built) > 20, code
        assert built == whole_page_records(output, code, tmp_path / f"whole-{code}")
    # The theme gives Pagefind nothing that makes it read a whole page.
    assert [p for p in output.rglob("*.html") if search.cut_down(p.read_text()) is None] == []


PAGE = """\
<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>{name}</title>{head}</head>
<body>
<header><a href="/">Expo</a><nav><a href="/en/">Home</a> <img src="/logo.png" alt="Logo"></nav>
{before}</header>
{main}
<footer>Footer words {after}</footer>
</body>
</html>
"""

CASES = {
    # name: (head, before the body, the page's main part, after it, cut down?)
    "plain": ("", "", """
        <main data-pagefind-body><h1>Plain quokka</h1><p>Text with
        <span data-pagefind-ignore>hidden</span>words around it.</p>
        <img src="/plain.png" alt="Plain">
        <nav data-pagefind-ignore><div><div>Nested <div>toc</div></div></div></nav>
        <section data-pagefind-ignore="all"><h2>More</h2><p>Card text</p></section>
        <p data-pagefind-weight="5">Weighted words</p>
        <h2 id="later">Later heading</h2><p>After the cut.</p></main>""", "", True),
    "upper-case-tags": ("", "", """
        <DIV class="x" data-pagefind-body><H1>Loud</H1><DIV data-pagefind-ignore>
        <div>gone</div></DIV><P>kept</P></DIV>""", "", True),
    "two-bodies": ("", "", """
        <article data-pagefind-body><h1>First part</h1></article>
        <aside>Between them</aside>
        <div data-pagefind-body><p>Second part</p></div>""", "", True),
    "filter-in-head": ('<meta data-pagefind-filter="author[content]" content="Ann">', "", """
        <main data-pagefind-body><h1>Filtered</h1></main>""", "", False),
    "meta-after-body": ("", "", """
        <main data-pagefind-body><h1>Meta</h1></main>""",
        '<span data-pagefind-meta="date:2026">x</span>', False),
    "no-h1": ("", "", """
        <main data-pagefind-body><h2>Only a subheading</h2><p>Body</p></main>""", "", True),
    "h1-in-header": ("", "<h1>Site name</h1>", """
        <main data-pagefind-body><h2>No h1 here</h2><p>Body</p></main>""", "", False),
    "image-after-body": ("", "", """
        <main data-pagefind-body><h1>Imageless</h1><p>Body</p></main>""",
        '<img src="/footer.png" alt="Footer">', False),
    "image-in-ignored": ("", "", """
        <main data-pagefind-body><h1>Cards</h1>
        <section data-pagefind-ignore><img src="/card.png" alt="Card"></section></main>""",
        "", False),
    "image-in-ignored-all": ("", "", """
        <main data-pagefind-body><h1>Cards</h1>
        <section data-pagefind-ignore="all"><img src="/card.png" alt="Card"></section></main>""",
        "", True),
    "image-after-ignored-all": ("", "", """
        <main data-pagefind-body><h1>Cards</h1>
        <section data-pagefind-ignore='all'><img src="/card.png" alt="Card"></section></main>""",
        '<img src="/footer.png" alt="Footer">', False),
    "filter-in-ignored": ("", "", """
        <main data-pagefind-body><h1>Kept filter</h1>
        <div data-pagefind-ignore><span data-pagefind-filter="kind">Tool</span></div>
        <p>words</p></main>""", "", True),
    "words-about-attributes": ("", "", """
        <main data-pagefind-body><h1>About data-pagefind-body</h1>
        <p class="x">Write data-pagefind-ignore on a tag; data-pagefind-meta too.</p></main>""",
        "", True),
    "listing": ("", "", "<main><h1>A listing</h1><p>Not indexed</p></main>", "", True),
    "unclosed": ("", "", "<main data-pagefind-body><h1>Unclosed</h1><p>Body", "", False),
}


def _case_site(root: Path) -> None:
    for name, (head, before, main, after, _) in CASES.items():
        path = root / "en" / name / "index.html"
        path.parent.mkdir(parents=True)
        path.write_text(PAGE.format(name=name, head=head, before=before,
                                    main=textwrap.dedent(main), after=after))
    no_html = root / "en" / "fragment-only" / "index.html"
    no_html.parent.mkdir()
    no_html.write_text("<main data-pagefind-body><h1>No html element</h1></main>")


def test_cut_down_pages_give_the_records_of_whole_pages(tmp_path):
    site = tmp_path / "site"
    _case_site(site)
    copies = tmp_path / "copies"
    search.copy_for_index(site, sorted((site / "en").rglob("*.html")), copies)
    for name, case in CASES.items():
        text = (site / "en" / name / "index.html").read_text()
        copy = copies / "en" / name / "index.html"
        if name == "listing":
            assert not copy.exists()
        else:  # cut down where nothing recorded is lost, whole elsewhere
            assert (copy.read_text() != text) == case[-1], name
    search._run_pagefind(copies, "en", tmp_path / "cut")
    cut = records(tmp_path / "cut")
    whole = whole_page_records(site, "en", tmp_path / "whole")
    assert set(cut) == set(whole) and "/en/plain/" in cut and "/en/listing/" not in cut
    for url in whole:
        assert cut[url] == whole[url], url
    assert "hidden" not in cut["/en/plain/"]["content"]


@pytest.mark.parametrize("with_body", [False, True])
def test_a_language_without_body_elements_is_indexed_whole(tmp_path, with_body):
    site = tmp_path / "site"
    for name in ("one", "two"):
        main = f"<main{' data-pagefind-body' if with_body and name == 'one' else ''}>" \
               f"<h1>Page {name}</h1></main>"
        path = site / "en" / name / "index.html"
        path.parent.mkdir(parents=True)
        path.write_text(PAGE.format(name=name, head="", before="", main=main, after=""))
    search.copy_for_index(site, sorted((site / "en").rglob("*.html")), tmp_path / "copies")
    search._run_pagefind(tmp_path / "copies", "en", tmp_path / "cut")
    cut = records(tmp_path / "cut")
    assert cut == whole_page_records(site, "en", tmp_path / "whole")
    assert sorted(cut) == (["/en/one/"] if with_body else ["/en/one/", "/en/two/"])


def test_copies_that_cannot_be_written_leave_pagefind_the_pages_themselves(tmp_path,
                                                                           monkeypatch):
    site = tmp_path / "site"
    _case_site(site)
    (tmp_path / "memory").mkdir()
    monkeypatch.setattr(search, "_memory_scratch", lambda needed: tmp_path / "memory")

    def full(site, pages, into):
        into.joinpath("en").mkdir()
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(search, "copy_for_index", full)
    search.index_site(site, ["en"])
    assert records(site / "pagefind" / "en") == whole_page_records(site, "en", tmp_path / "w")
    assert list((tmp_path / "memory").iterdir()) == []


# -- languages indexed at once ------------------------------------------------------------

def bundle_content(bundle: Path) -> dict[str, object]:
    """What a bundle holds: its pages' records, its word index files by bytes, and its filter
    files as the bytes they hold (Pagefind orders a filter's values differently every run,
    which also renames the filter files and the language's meta file)."""
    files = {p.relative_to(bundle).as_posix(): p.read_bytes()
             for p in sorted(bundle.rglob("*")) if p.is_file()}
    return {"records": records(bundle),
            "index": {p: d for p, d in files.items() if p.startswith("index/")},
            "filters": sorted(sorted(gzip.decompress(d)) for p, d in files.items()
                              if p.startswith("filter/")),
            "others": {p: d for p, d in files.items()
                       if "/" not in p and not p.endswith((".pf_meta", "-entry.json"))}}


@pytest.fixture(scope="module")
def unindexed(tmp_path_factory) -> Path:
    """The bundled site built without its search index."""
    root = tmp_path_factory.mktemp("unindexed")
    shutil.copytree(ROOT / "content", root / "content")
    build(root, "--no-search")
    return root / "output"


@pytest.fixture
def runs(monkeypatch) -> list[str]:
    """What Pagefind's runs do, in order: "start en", "end en"…"""
    log: list[str] = []
    start, end = search._Run.start, search._Run.end

    def logged_start(run, *args):
        log.append(f"start {run.code}")
        start(run, *args)

    def logged_end(run):
        end(run)
        log.append(f"end {run.code}")

    monkeypatch.setattr(search._Run, "start", logged_start)
    monkeypatch.setattr(search._Run, "end", logged_end)
    return log


def index_copy(site: Path, into: Path, jobs: int) -> None:
    shutil.copytree(site, into)
    search.index_site(into, ["en", "zh-tw"], jobs=jobs)


ONE_AT_A_TIME = ["start en", "end en", "start zh-tw", "end zh-tw"]  # more pages in English


def test_languages_indexed_at_once_give_the_bundles_of_one_at_a_time(unindexed, tmp_path,
                                                                      runs):
    index_copy(unindexed, tmp_path / "apart", jobs=1)
    assert runs == ONE_AT_A_TIME
    runs.clear()
    index_copy(unindexed, tmp_path / "together", jobs=2)
    # With two cores the second language starts before the first has ended.
    assert runs[:2] == ["start en", "start zh-tw"] and sorted(runs[2:]) == ["end en",
                                                                            "end zh-tw"]
    for code in ("en", "zh-tw"):
        one, other = (bundle_content(folder / "pagefind" / code)
                      for folder in (tmp_path / "apart", tmp_path / "together"))
        assert len(one["records"]) > 20 and one["index"] and one["filters"], code
        assert one == other, code
    assert list(SHM.glob(f"expo-search-{os.getpid()}-*")) == []


def test_languages_are_indexed_one_at_a_time_where_memory_would_not_hold_both(
        unindexed, tmp_path, monkeypatch, runs):
    both = 0
    for code in ("en", "zh-tw"):
        pages = sorted((unindexed / code).rglob("*.html"))
        size = search.copy_for_index(unindexed, pages, tmp_path / "copies")
        both += search.INDEXER_BASE + search.INDEXER_PER_BYTE * size
    for n, (memory, expected) in enumerate([
            (both - 1, ONE_AT_A_TIME),
            (both, ["start en", "start zh-tw"]),
            (None, ONE_AT_A_TIME)]):  # unknown (not Linux)
        monkeypatch.setattr(search, "available_memory", lambda memory=memory: memory)
        runs.clear()
        index_copy(unindexed, tmp_path / str(n), jobs=2)
        assert runs[:len(expected)] == expected, memory


def test_a_language_that_fails_stops_the_others_and_fails_the_build(tmp_path):
    """Pagefind failing for one language (a stand-in) while another is being indexed: that
    run is stopped, the build fails with the failure's message, and no output is left."""
    shutil.copytree(ROOT / "content", tmp_path / "content")
    fake = tmp_path / "fake" / "pagefind"
    fake.mkdir(parents=True)
    (fake / "__init__.py").write_text("")
    program, log = tmp_path / "fake" / "pagefind-program", tmp_path / "runs.log"
    program.write_text(textwrap.dedent(f"""\
        #!{sys.executable}
        import os, sys, time
        code = sys.argv[sys.argv.index("--glob") + 1].split("/")[0]
        with open({str(log)!r}, "a") as log:
            log.write(f"start {{code}} {{os.getpid()}}\\n")
        if code == "zh-tw":  # fails once the English run is under way
            for _ in range(1200):
                if "start en" in open({str(log)!r}).read():
                    break
                time.sleep(0.05)
            sys.exit("Error: no room for the index")
        time.sleep(60)
        with open({str(log)!r}, "a") as log:
            log.write(f"end {{code}}\\n")
        """))
    program.chmod(0o755)
    (fake / "service.py").write_text(f"def get_executable():\n    return {str(program)!r}\n")
    left = set(SHM.glob("expo-search-*"))
    run = fails(tmp_path, "--jobs", "2",
                env={"PYTHONPATH": f"{fake.parent}{os.pathsep}{ROOT}"})
    assert [line for line in run.stderr.splitlines() if ": error: " in line] == [
        "output:1: error: search indexing failed: Error: no room for the index"]
    started = {line.split()[1]: int(line.split()[2]) for line in log.read_text().splitlines()
               if line.startswith("start ")}
    assert sorted(started) == ["en", "zh-tw"] and "end" not in log.read_text()
    with pytest.raises(ProcessLookupError):  # stopped, not left running
        os.kill(started["en"], 0)
    assert not (tmp_path / "output").exists()
    assert set(SHM.glob("expo-search-*")) <= left
