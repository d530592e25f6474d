"""Fixtures shared by every test module; the helpers themselves live in sitekit.py."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sitekit import ROOT, build, make_site


@pytest.fixture(scope="session")
def bundled(tmp_path_factory) -> Path:
    """The bundled site (content/) built once, as `expo build` does, for the tests that only
    look at it; its output folder."""
    folder = tmp_path_factory.mktemp("bundled")
    shutil.copytree(ROOT / "content", folder / "content")
    build(folder)
    return folder / "output"


@pytest.fixture
def site(tmp_path: Path):
    """`site({...})` writes a small site in a temporary folder and returns that folder."""
    return lambda files, base=True: make_site(tmp_path, files, base)


@pytest.fixture
def tally(record_property):
    """`tally("pages validated", 184)`: a number the test proves something over, printed (with
    -s) and listed in the "counts" section at the end of the run, also under pytest-xdist."""

    def count(what: str, number: int) -> None:
        print(f"{what}: {number:,}")
        record_property(f"count: {what}", number)

    return count


def pytest_terminal_summary(terminalreporter) -> None:
    lines = []
    for reports in terminalreporter.stats.values():
        for report in reports:
            if getattr(report, "when", None) != "call":
                continue
            for name, value in getattr(report, "user_properties", ()):
                if isinstance(name, str) and name.startswith("count: "):
                    lines.append(f"{name[7:]}: {value:,}  ({report.nodeid})")
    if lines:
        terminalreporter.write_sep("-", "counts")
        for line in sorted(lines):
            terminalreporter.write_line(line)
