"""Broken sites: every class of content and template error, pinned to file, line and text.

Each fixture `tests/sites/broken-<name>/` holds a small `content/` folder and `expected.txt`,
the problem lines expo must print (`path:line: error: message`, paths relative to the fixture
folder, which is the current folder of the run). A fixture with a `templates/` folder holds
only the theme files it breaks: the test lays them over a copy of the repository's theme.

Every fixture is copied into a temporary folder first, so no run writes into the repository,
and is run through both `expo check` and `expo build`: both must exit 1 without a traceback
and print exactly the expected problems, all of them in one run (SPEC §7).
"""

from __future__ import annotations

import contextlib
import os
import re
import resource
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sitekit import PRAGUE, ROOT, build, expo, fails

SITES = ROOT / "tests" / "sites"
PROBLEM = re.compile(r":\d+: (error|warning):")

# One fixture per error class; listed rather than globbed so that a lost folder fails a test.
BROKEN = [
    "broken-yaml",  # invalid YAML, at the line of the YAML problem
    "broken-yaml-tag",  # a tag that would build a Python object, and an unknown tag
    "broken-alias-bomb",  # "billion laughs": refused, not expanded
    "broken-no-front-matter",  # no front matter, and front matter never closed
    "broken-encoding",  # bytes that are not UTF-8, in the front matter and in the body
    "broken-missing-field",  # a required field left out, per content type: line 1
    "broken-wrong-type",  # weight: ten, draft: "yes", tags not a list, ...
    "broken-bad-date",  # a date YAML reads as a date but the calendar does not have
    "broken-line-separators",  # values holding U+2028, U+2029, U+0085: YAML ends lines there
    "broken-todo",  # a TODO placeholder of `expo new` left in place
    "broken-slug",  # a `slug:` that is not [a-z0-9-]+
    "broken-no-slug",  # a file name of Chinese characters only and no `slug:`
    "broken-unknown-key",  # a category and a region missing from _data/ (one file BOM + CRLF)
    "broken-timezone",  # a session's time zone that is not an IANA name
    "broken-session-times",  # end before start, and an end that is no time at all
    "broken-image-alt",  # an image without image_alt
    "broken-image-missing",  # a cover image and a gallery image that do not exist
    "broken-body-image",  # images in the body that do not exist
    "broken-refs",  # pavilion, cities, a tour's solutions, a speaker's city: no such item
    "broken-ref-draft",  # a ref and a link to a draft
    "broken-body-link",  # .md links in the body to files that do not exist
    "broken-cascade",  # refs to a page that has an error: only that error is reported
    "broken-unreadable-target",  # links and refs to files that gave no page: only their errors
    "broken-one-page-many",  # a field error does not hide the page's ref and link errors
    "broken-duplicate-slug",  # a `slug:` that is another item's slug
    "broken-duplicate-alias",  # an alias that is another page's URL
    "broken-duplicate-bundle",  # x.md and x/index.md
    "broken-alias-path",  # aliases that would write outside their place
    "broken-unknown-field",  # unknown fields: warnings, which fail only with --strict
    "broken-translation",  # a translation's inherited bad field, reported at the original
    "broken-language",  # about.fr.md in a site without fr; a link to it is no second error
    "broken-site-config",  # site.yaml: bad base_url, time zone and html_lang; an unknown setting
    "broken-data",  # _data/ files that cannot be read: no cascade of "unknown category"
    "broken-template-undefined",  # an undefined variable in an included template
    "broken-template-syntax",  # syntax errors in a used and an unused template; not UTF-8
    "broken-many",  # errors of different kinds in different files, all in one run
]
WARNINGS_ONLY = {"broken-unknown-field"}  # these fail only with --strict


def copy_fixture(name: str, tmp_path: Path) -> Path:
    """The fixture in a temporary folder, its templates/ laid over a copy of the theme."""
    source = SITES / name
    site = tmp_path / name
    if (source / "templates").is_dir():
        shutil.copytree(ROOT / "templates", site / "templates")
    shutil.copytree(
        source, site, dirs_exist_ok=True, ignore=shutil.ignore_patterns("output", "expected.txt")
    )
    return site


def site_args(name: str, site: Path) -> list[str]:
    # `fails` passes the repository's theme; a later --templates wins (argparse keeps the last).
    args = ["--templates", "templates"] if (site / "templates").is_dir() else []
    return [*args, "--strict"] if name in WARNINGS_ONLY else args


def problems(stderr: str) -> list[str]:
    return sorted(line for line in stderr.splitlines() if PROBLEM.search(line))


def expected(name: str) -> list[str]:
    text = (SITES / name / "expected.txt").read_text(encoding="utf-8")
    return sorted(line for line in text.splitlines() if line.strip())


def test_every_fixture_is_listed():
    found = {p.name for p in SITES.glob("broken-*") if p.is_dir()}
    assert found == set(BROKEN)
    for name in BROKEN:
        assert expected(name), f"{name}/expected.txt lists no problem"


@pytest.mark.parametrize("command", ["check", "build"])
@pytest.mark.parametrize("name", BROKEN)
def test_broken_site(tmp_path, name, command):
    site = copy_fixture(name, tmp_path)
    run = fails(site, *site_args(name, site), command=command)
    assert problems(run.stderr) == expected(name), run.stderr


def test_a_page_broken_after_a_good_build_is_the_only_error(site):
    # The second build reuses the first one's Markdown: the link to about.md, which resolved
    # then, is not reported now that the file fails to load; its own error is.
    root = site({"content/index.md": "---\ntitle: Home\n---\n\nRead [about us](about.md).\n",
                 "content/about.md": "---\ntitle: About\n---\n\nWho we are.\n"})
    build(root)
    (root / "content/about.md").write_text("---\ntitle: About: us\n---\n\nWho we are.\n")
    for command in ("build", "check"):
        run = fails(root, command=command)
        assert problems(run.stderr) == [
            "content/about.md:2: error: invalid YAML: mapping values are not allowed in this "
            "context (a value containing ': ' must be put in quotes)"], run.stderr


def test_warnings_alone_do_not_fail_without_strict(tmp_path):
    name = "broken-unknown-field"
    site = copy_fixture(name, tmp_path)
    checked = expo(site, "check", "--templates", str(ROOT / "templates"))
    assert checked.returncode == 0, checked.stderr
    assert problems(checked.stderr) == expected(name)
    built = build(site)
    assert problems(built.stderr) == expected(name)
    assert (site / "output" / "en" / "solutions" / "smart-parking" / "index.html").is_file()


def test_strict_failure_says_why(tmp_path):
    site = copy_fixture("broken-unknown-field", tmp_path)
    run = fails(site, "--strict", command="check")
    assert "Failed: 3 warnings with --strict" in run.stderr


def test_failed_build_leaves_output_alone(tmp_path):
    site = copy_fixture("broken-unknown-field", tmp_path)
    build(site)
    before = {p: p.read_bytes() for p in (site / "output").rglob("*") if p.is_file()}
    page = site / "content" / "solutions" / "smart-parking.md"
    page.write_text(
        page.read_text(encoding="utf-8").replace("company:", "compan:"), encoding="utf-8"
    )
    run = fails(site)
    assert problems(run.stderr) == [
        "content/solutions/smart-parking.md:1: error: missing required field 'company': "
        "add 'company: ...'",
        "content/solutions/smart-parking.md:3: warning: unknown field 'compan': "
        "did you mean 'company'?",
        *expected("broken-unknown-field"),
    ]
    after = {p: p.read_bytes() for p in (site / "output").rglob("*") if p.is_file()}
    assert after == before


def test_alias_bomb_fails_fast_in_little_memory(tmp_path):
    """An alias bomb is refused before expansion: no hang, no memory blow-up, no traceback."""
    site = copy_fixture("broken-alias-bomb", tmp_path)
    limit = 1024 * 1024 * 1024  # 1 GiB of address space: plenty for a tiny site

    def cap_memory() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

    done = subprocess.run(
        [sys.executable, "-m", "generator", "check", "--templates", str(ROOT / "templates")],
        cwd=site,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=60,
        preexec_fn=cap_memory,
    )
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr and "MemoryError" not in done.stderr
    assert problems(done.stderr) == expected("broken-alias-bomb")


def test_yaml_tag_runs_nothing(tmp_path):
    site = copy_fixture("broken-yaml-tag", tmp_path)
    fails(site, command="check")
    fails(site)
    assert not (site / "pwned").exists()


# -- good sites pass ------------------------------------------------------------------------

GOOD = {
    "content/index.md": """
        ---
        title: Home
        ---
        Welcome to the [Taipei Pavilion](pavilions/taipei.md).
        """,
    "content/about.md": """
        ---
        title: About
        ---
        About the expo.
        """,
    "content/solutions/smart-parking.md": """
        ---
        title: Smart parking
        company: Acme Parking
        category: smart-transportation
        pavilion: taipei
        cities: [prague]
        ---
        Sensors in every bay.
        """,
    "content/solutions/smart-parking.zh-tw.md": """
        ---
        title: 智慧停車
        ---
        停車感測器。
        """,
    "content/pavilions/taipei.md": """
        ---
        title: Taipei Pavilion
        organizer: Taipei City Government
        ---
        """,
    "content/summit/europe.md": """
        ---
        title: Europe session
        start: 2020-08-13 17:00
        end: 2020-08-13 18:30
        timezone: Europe/Prague
        region: europe
        speakers:
          - {name: Zdeněk Hřib, title: Mayor of Prague, city: prague}
        ---
        """,
    "content/cities/prague.md": PRAGUE,
    "content/tours/neihu.md": """
        ---
        title: Neihu tour
        pavilion: taipei
        solutions: [smart-parking]
        ---
        """,
    "content/news/opening.md": """
        ---
        title: Expo opens
        date: 2020-08-01
        ---
        See [smart parking](../solutions/smart-parking.md).
        """,
}


def test_check_passes_on_a_good_site(site):
    root = site(GOOD)
    run = expo(root, "check", "--strict", "--templates", str(ROOT / "templates"))
    assert run.returncode == 0, run.stderr
    assert problems(run.stderr) == []
    assert not (root / "output").exists()


def test_check_passes_on_the_bundled_site(tmp_path):
    run = expo(
        tmp_path,
        "check",
        "--content",
        str(ROOT / "content"),
        "--templates",
        str(ROOT / "templates"),
    )
    assert run.returncode == 0, run.stderr
    assert [p for p in problems(run.stderr) if ": error:" in p] == []


# -- `expo new`: only its placeholders are errors -----------------------------------------


def _todo(path: str, line: int, field: str, placeholder: str) -> str:
    return (
        f"{path}:{line}: error: '{field}' still holds the placeholder '{placeholder}': "
        "replace it with the real value"
    )


NEW = {
    "solution": (
        "content/solutions/my-solution.md",
        [
            ("title", "TODO: title"),
            ("company", "TODO: company name"),
            ("category", "TODO: a key of _data/categories.yaml"),
        ],
    ),
    "pavilion": (
        "content/pavilions/my-pavilion.md",
        [("title", "TODO: title"), ("organizer", "TODO: organizer")],
    ),
    "session": (
        "content/summit/my-session.md",
        [
            ("title", "TODO: title"),
            ("start", "TODO: 2020-08-13 17:00"),
            ("end", "TODO: 2020-08-13 18:30"),
            ("timezone", "TODO: Europe/Prague"),
            ("region", "TODO: a key of _data/regions.yaml"),
        ],
    ),
    "city": (
        "content/cities/my-city.md",
        [
            ("title", "TODO: title"),
            ("country", "TODO: country"),
            ("region", "TODO: a key of _data/regions.yaml"),
        ],
    ),
    "tour": ("content/tours/my-tour.md", [("title", "TODO: title")]),
    "news": ("content/news/my-news.md", [("title", "TODO: title"), ("date", "TODO: 2020-08-01")]),
    "page": ("content/my-page.md", [("title", "TODO: title")]),
}
REAL_VALUES = {
    "title": "My title",
    "company": "Acme",
    "category": "smart-health",
    "organizer": "Taipei City Government",
    "start": "2020-08-13 17:00",
    "end": "2020-08-13 18:30",
    "timezone": "Europe/Prague",
    "region": "europe",
    "country": "Czech Republic",
    "date": "2020-08-01",
}
PLACEHOLDER = re.compile(r'^(\w+): "TODO:[^"]*"', re.M)


def fill_placeholders(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    text = PLACEHOLDER.sub(lambda m: f"{m[1]}: {REAL_VALUES[m[1]]}", text)
    path.write_text(text, encoding="utf-8")


def check_problems(root: Path) -> list[str]:
    return problems(fails(root, command="check").stderr)


def check_passes(root: Path) -> None:
    run = expo(root, "check", "--strict", "--templates", str(ROOT / "templates"))
    assert run.returncode == 0, run.stderr
    assert problems(run.stderr) == []


@pytest.mark.parametrize("kind", list(NEW))
def test_new_file_fails_only_on_its_placeholders(site, kind):
    root = site({})
    path, fields = NEW[kind]
    created = expo(root, "new", kind, path.rsplit("/", 1)[-1].removesuffix(".md"))
    assert created.returncode == 0, created.stderr
    assert (root / path).is_file()
    # One error per required field, each at its own line (title on line 2, then the type's).
    assert check_problems(root) == sorted(
        _todo(path, line, field, placeholder)
        for line, (field, placeholder) in enumerate(fields, start=2)
    )
    fill_placeholders(root / path)
    check_passes(root)


def test_new_translation_fails_only_on_its_title(site):
    root = site({})
    assert expo(root, "new", "solution", "my-solution").returncode == 0
    fill_placeholders(root / "content/solutions/my-solution.md")
    created = expo(root, "new", "solution", "my-solution", "--lang", "zh-tw")
    assert created.returncode == 0, created.stderr
    path = "content/solutions/my-solution.zh-tw.md"
    assert check_problems(root) == [_todo(path, 2, "title", "TODO: title in this language")]
    fill_placeholders(root / path)
    check_passes(root)


def test_failed_search_index_leaves_output_alone(tmp_path):
    """Pagefind failing (here a stand-in that exits 1) fails the build the same way: a clear
    message, exit 1, the published site and the next build's starting point as they were."""
    site = copy_fixture("broken-unknown-field", tmp_path)
    build(site)
    before = {p: p.read_bytes() for p in (site / "output").rglob("*") if p.is_file()}
    fake = tmp_path / "fake" / "pagefind"
    fake.mkdir(parents=True)
    (fake / "__init__.py").write_text("")
    program = tmp_path / "fake" / "pagefind-program"
    program.write_text("#!/bin/sh\necho 'Error: out of disk space' >&2\nexit 1\n")
    program.chmod(0o755)
    (fake / "service.py").write_text(f"def get_executable():\n    return {str(program)!r}\n")
    page = site / "content" / "solutions" / "smart-parking.md"
    page.write_text(page.read_text(encoding="utf-8") + "\nOne more line.\n", encoding="utf-8")
    env = {"PYTHONPATH": f"{fake.parent}{os.pathsep}{ROOT}"}
    run = fails(site, env=env)
    assert [p for p in problems(run.stderr) if ": error: " in p] == [
        "output:1: error: search indexing failed: Error: out of disk space"]
    after = {p: p.read_bytes() for p in (site / "output").rglob("*") if p.is_file()}
    assert after == before
    assert sorted(p.name for p in site.iterdir()) == [".expo-cache", "content", "output"]
    # Once Pagefind works, the edit is built on the last good state: not everything anew.
    unchanged = re.search(r"([\d,]+) files unchanged", build(site).stderr)
    assert unchanged and int(unchanged.group(1).replace(",", "")) > 0


def test_killed_build_process_fails_clearly(tmp_path):
    """With a search index the site is built in a child process. Killed (as the kernel does
    when memory runs out), the build fails with a message, not a traceback, its workers end
    with it, and output/ stays as it was."""
    from sitekit import make_site

    make_site(tmp_path, {f"content/news/n{i}.md": f"---\ntitle: News {i}\ndate: 2020-07-01\n"
                                                  f"---\nText {i}.\n" for i in range(1500)})
    build(tmp_path)
    before = {p: p.read_bytes() for p in (tmp_path / "output").rglob("*") if p.is_file()}
    shutil.rmtree(tmp_path / ".expo-cache")  # every page rendered again: a build of seconds
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    run = subprocess.Popen([sys.executable, "-m", "generator", "build", "--templates",
                            str(ROOT / "templates")], cwd=tmp_path, env=env, text=True,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE)

    def children(pid: int) -> list[int]:
        return [int(c) for task in Path(f"/proc/{pid}/task").iterdir()
                for c in (task / "children").read_text().split()]

    for _ in range(500):
        if found := children(run.pid):
            break
        time.sleep(0.01)
    builder = found[0]
    for _ in range(3000):  # until its workers render
        if workers := children(builder):
            break
        time.sleep(0.01)
    os.kill(builder, signal.SIGKILL)
    try:  # its workers end with it: they would otherwise hold stderr open for ever
        stderr = run.communicate(timeout=120)[1]
    except subprocess.TimeoutExpired:  # nothing of it left running
        run.kill()
        for worker in workers:
            with contextlib.suppress(ProcessLookupError):
                os.kill(worker, signal.SIGKILL)
        raise
    assert workers, "the build had no workers when it was killed: make the site larger"
    assert run.returncode == 1, stderr
    assert "Traceback" not in stderr
    assert [p for p in problems(stderr) if ": error: " in p] == [
        "output:1: error: the build process was stopped by SIGKILL "
        "(the machine may be out of memory)"]
    after = {p: p.read_bytes() for p in (tmp_path / "output").rglob("*") if p.is_file()}
    assert after == before
