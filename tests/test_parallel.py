"""`--jobs N` spreads Markdown and templates over processes; the site is the same for any N."""

from __future__ import annotations

import os
import pty
import re
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


def test_progress_shows_on_a_terminal_only(tmp_path):
    """On a terminal, long phases rewrite one line ("Pages: 1,240/2,500"); piped, never."""
    generate(tmp_path, 1200)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    command = [sys.executable, "-m", "generator", "build", "--no-search", "--jobs", "2"]
    pid, fd = pty.fork()
    if pid == 0:  # the child: a build whose stderr is a terminal
        os.chdir(tmp_path)
        os.execve(sys.executable, command, env)
    shown = b""
    while True:
        try:
            chunk = os.read(fd, 4096)
        except OSError:  # the terminal closes with the build
            break
        if not chunk:
            break
        shown += chunk
    assert os.waitpid(pid, 0)[1] == 0, shown
    text = shown.decode()
    steps = re.findall(r"\r\x1b\[K(\w[\w ]*): ([\d,]+)/([\d,]+)", text)
    assert "Pages" in {phase for phase, _, _ in steps}, text  # (shown after 0.5 s only)
    assert all(int(done.replace(",", "")) <= int(total.replace(",", ""))
               for _, done, total in steps)
    last = text.rsplit("\r\x1b[K", 1)[-1]  # the line is cleared before the summary
    assert last.startswith("Built ") and "pages rendered" in last, text

    piped = build(tmp_path, "--no-search")
    assert "\x1b[K" not in piped.stderr and piped.stderr.startswith("Built "), piped.stderr
