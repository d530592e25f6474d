"""Test helpers: small sites written inline, and the `expo` command run as editors run it."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

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


def html(path: Path) -> BeautifulSoup:
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


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
