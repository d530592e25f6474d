"""`--jobs N` spreads Markdown and templates over processes; the site is the same for any N."""

from __future__ import annotations

import sys

from sitekit import ROOT, build, output_files

sys.path.insert(0, str(ROOT / "tests" / "perf"))
from bench import generate  # noqa: E402  (the benchmark's site generator)


def test_jobs_1_and_2_build_identical_sites(tmp_path):
    generate(tmp_path, 1200)  # large enough for both stages to use worker processes
    build(tmp_path, "--jobs", "1", "--no-search", "--output", "one")
    build(tmp_path, "--jobs", "2", "--no-search", "--output", "two")
    one, two = output_files(tmp_path / "one"), output_files(tmp_path / "two")
    assert len(one) > 1000
    assert one.keys() == two.keys()
    assert [name for name in one if one[name] != two[name]] == []
