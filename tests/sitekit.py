"""Test helpers: small sites written inline, built in this process (`SiteBuilder`) or by the
`expo` command run as editors run it (`build`, `fails`: for the command line's own contract)."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import tempfile
import textwrap
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from generator.build import Options
from generator.build import build as build_site
from generator.cli import main as cli_main
from generator.errors import BuildFailed

ROOT = Path(__file__).resolve().parent.parent

SITE_YAML = """\
title: {en: Test Expo, zh-tw: 測試展}
base_url: https://example.org/
languages:
  en: {name: English, html_lang: en}
  zh-tw: {name: 繁體中文, html_lang: zh-Hant-TW}
timezone: Asia/Taipei
"""
CATEGORIES = "smart-transportation: {en: Smart Transportation, zh-tw: 智慧交通}\n" \
             "smart-health: {en: Smart Health, zh-tw: 智慧醫療}\n"
REGIONS = "europe: {en: Europe, zh-tw: 歐洲}\namericas: {en: Americas, zh-tw: 美洲}\n"


def site_pages(output: Path) -> list[Path]:
    """The site's own HTML pages: /admin/ is the editor's (its HTML is drawn by the CMS), not
    the theme's, and is left out of the checks of every page."""
    return sorted(p for p in output.rglob("*.html")
                  if p.relative_to(output).parts[0] != "admin")


def markdown_file(body: str = "", /, **fields: str) -> str:
    """A Markdown file: `fields` as front matter, each value YAML as written, then `body`:
    `markdown_file("Text.", title="Bus", company="B")`."""
    return "---\n" + "".join(f"{name}: {value}\n" for name, value in fields.items()) + \
        "---\n" + body


# Content that several suites share, written once.
PRAGUE = markdown_file(title="Prague", country="Czech Republic", region="europe")
SPRINGFIELD = markdown_file(title="Springfield", country="USA", region="americas")
SESSION_HOUR = {"start": "2020-09-01 10:00", "end": "2020-09-01 11:00",
                "timezone": "Europe/Prague", "region": "europe"}  # a plain session's times
# Sessions at the hard times, as written in front matter: slug → start, end (wall clock), zone.
# One crosses midnight between its zone and Taipei (20:00 in New York is 08:00 the next day in
# Taipei); two fall on daylight-saving change days (Prague falls back on 2020-10-25, New York
# springs forward on 2020-03-08).
SUMMIT_SESSIONS = {
    "americas": ("2020-08-18 20:00", "2020-08-18 21:30", "America/New_York"),
    "prague-dst": ("2020-10-25 01:30", "2020-10-25 04:00", "Europe/Prague"),
    "new-york-dst": ("2020-03-08 01:00", "2020-03-08 04:00", "America/New_York"),
    "taipei": ("2020-08-18 10:00", "2020-08-18 11:00", "Asia/Taipei"),
}


@dataclass
class Run:
    returncode: int
    stdout: str
    stderr: str

    @property
    def lines(self) -> list[str]:
        return self.stderr.splitlines()


def make_site(root: Path, files: dict[str, str | bytes], base: bool = True) -> Path:
    """Write a site: site.yaml and _data unless given, then `files` (dedented text or bytes)."""
    defaults = {"content/site.yaml": SITE_YAML, "content/_data/categories.yaml": CATEGORIES,
                "content/_data/regions.yaml": REGIONS} if base else {}
    for rel, data in {**defaults, **files}.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(data, bytes):
            path.write_bytes(data)
        else:
            path.write_text(textwrap.dedent(data).lstrip("\n"), encoding="utf-8")
    return root


def expo(cwd: Path, *args: str, timeout: int = 120, env: dict[str, str] | None = None) -> Run:
    """Run `python -m generator ARGS` in `cwd`, with this checkout's code (and `env`)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), **(env or {})}
    done = subprocess.run([sys.executable, "-m", "generator", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=timeout)
    return Run(done.returncode, done.stdout, done.stderr)


def expo_forked(cwd: Path, *args: str, timeout: int = 120) -> Run:
    """`expo ARGS` in `cwd` as a new process forked from this one, which has the generator
    imported already: the same program as `python -m generator` (its `main`, its streams, its
    exit status, an uncaught exception's traceback), without the interpreter's start. For
    tests that run thousands of builds."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        pid = os.fork()
        if pid == 0:  # the child: never returns into the test
            status = 70
            try:
                os.chdir(cwd)
                os.dup2(out.fileno(), 1)
                os.dup2(err.fileno(), 2)
                sys.stdout = open(1, "w", encoding="utf-8", closefd=False)  # noqa: SIM115
                sys.stderr = open(2, "w", encoding="utf-8",  # noqa: SIM115
                                  errors="backslashreplace", closefd=False)
                try:
                    status = cli_main(list(args))
                except SystemExit as exit_:
                    status = exit_.code if isinstance(exit_.code, int) else 1
                except BaseException:
                    traceback.print_exc()
                    status = 1
                sys.stdout.flush()
                sys.stderr.flush()
            finally:
                os._exit(status)
        deadline = time.monotonic() + timeout
        while (waited := os.waitpid(pid, os.WNOHANG)) == (0, 0):
            if time.monotonic() > deadline:
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
                raise subprocess.TimeoutExpired(["expo", *args], timeout)
            time.sleep(0.005)
        out.seek(0)
        err.seek(0)
        return Run(os.waitstatus_to_exitcode(waited[1]), out.read().decode(errors="replace"),
                   err.read().decode(errors="replace"))


def build(cwd: Path, *args: str) -> Run:
    """Build with the repository's theme; fail the test with expo's messages on an error."""
    run = expo(cwd, "build", "--templates", str(ROOT / "templates"), *args)
    assert run.returncode == 0, run.stderr
    return run


def fails(cwd: Path, *args: str, command: str = "build",
          env: dict[str, str] | None = None) -> Run:
    """Run a build that must fail with content errors: exit 1 and no traceback."""
    extra = ["--templates", str(ROOT / "templates")] if command in ("build", "check") else []
    run = expo(cwd, command, *extra, *args, env=env)
    assert run.returncode == 1, (run.returncode, run.stderr)
    assert "Traceback" not in run.stderr
    return run


def output_files(output: Path) -> dict[str, bytes]:
    """A built site's files by path; not expo's marker, which names the build that wrote the
    folder and so differs between two builds of the same site."""
    return {p.relative_to(output).as_posix(): p.read_bytes()
            for p in sorted(output.rglob("*")) if p.is_file() and p.name != ".expo-output"}


def forwards(page: Path) -> bool:
    """Whether a built page is the redirect page of an old address (`aliases`), which forwards
    at once and has nothing of a page of the site."""
    return '<meta http-equiv="refresh"' in page.read_text(encoding="utf-8")


def html(path: Path) -> BeautifulSoup:
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


@dataclass
class Built:
    """What one build did: the counts its result carries, and its problems as `expo` prints
    them (sorted, one `path:line: severity: message` each)."""

    ok: bool
    pages: int = 0  # Markdown files published
    rendered: int = 0  # HTML pages rendered by templates (the others were kept)
    files: int = 0  # files written
    unchanged: int = 0  # files left as the last build wrote them
    problems: list[str] = field(default_factory=list)

    @property
    def errors(self) -> list[str]:
        return [line for line in self.problems if ": error: " in line]

    @property
    def warnings(self) -> list[str]:
        return [line for line in self.problems if ": warning: " in line]


class SiteBuilder:
    """A site written inline, built in this process as `expo build` builds it (Hugo's
    IntegrationTestBuilder): files as text → `build()` → assertions on the output and the
    counts → `edit()` → `build()`.

    Each build is a new one, as each `expo build` is a new process: what it reuses comes from
    the cache folder. Paths are relative to the site's folder, as the command line's are, so
    problem lines read as an editor sees them. Builds are `expo build`'s (search index
    included) but with one job: a test about parallel work says so (`jobs=2`)."""

    def __init__(self, root: Path, files: dict[str, str | bytes] | None = None,
                 base: bool = True, templates: Path | str = ROOT / "templates", **options):
        """`files` written with site.yaml and _data unless `base` is False (None: a site
        already there); `options`: the `Options` of every build (`no_search=True`)."""
        self.root = root if files is None else make_site(root, files, base)
        self.options = {"templates": Path(templates), "jobs": 1, **options}

    def write(self, files: dict[str, str | bytes]) -> SiteBuilder:
        """Add or replace files (text dedented, as `make_site` writes it)."""
        make_site(self.root, files, base=False)
        return self

    def edit(self, rel: str, old: str, new: str) -> SiteBuilder:
        """Replace `old` (which must be there) by `new` in one file."""
        path = self.root / rel
        text = path.read_text(encoding="utf-8")
        assert old in text, f"{old!r} is not in {rel}"
        path.write_text(text.replace(old, new), encoding="utf-8")
        return self

    def run(self, **options) -> Built:
        """One build with these `Options`, besides the site's own."""
        with contextlib.chdir(self.root):
            try:
                result = build_site(Options(**{**self.options, **options}))
            except BuildFailed as failed:
                return Built(False, problems=[str(p) for p in failed.problems.sorted()])
        return Built(True, result.pages, result.rendered, result.files, result.unchanged,
                     [str(p) for p in result.problems.sorted()])

    def build(self, **options) -> Built:
        """A build that must succeed (warnings allowed)."""
        built = self.run(**options)
        assert built.ok, "\n".join(built.problems)
        return built

    def fails(self, **options) -> Built:
        """A build that must fail on the content's errors (or warnings, with strict=True)."""
        built = self.run(**options)
        assert not built.ok, built
        return built

    def text(self, rel: str) -> str:
        """A built file's text, `rel` below output/."""
        return (self.root / "output" / rel).read_text(encoding="utf-8")

    def html(self, rel: str) -> BeautifulSoup:
        """A built page, parsed: `html("en/solutions/bus/index.html")`."""
        return html(self.root / "output" / rel)


# -- checkers installed from npm by .ci/run (git-ignored .ci/node/) ---------------------------

NODE_MODULES = ROOT / ".ci" / "node" / "node_modules"
VNU_JAR = Path(os.environ.get("EXPO_VNU_JAR") or NODE_MODULES / "vnu-jar/build/dist/vnu.jar")
AXE_JS = Path(os.environ.get("EXPO_AXE_JS") or NODE_MODULES / "axe-core/axe.min.js")
INSTALL_HINT = "npm install --no-save --ignore-scripts --prefix .ci/node vnu-jar axe-core"


def require_file(path: Path, what: str) -> Path:
    """`path` when it exists; else skip the test, or fail it where EXPO_REQUIRE_BROWSER is set
    (.ci/run sets it: in CI a missing checker is a failure, never a silent skip)."""
    if path.is_file():
        return path
    message = f"{what} not found at {path}: {INSTALL_HINT} (or set its environment variable)"
    if os.environ.get("EXPO_REQUIRE_BROWSER"):
        pytest.fail(message)
    pytest.skip(message)
