"""Interrupted builds: `expo build` killed with SIGKILL at random points leaves the published
output/ as it was (byte for byte) or the new site complete — never a mix, never missing — and
the next build is correct: equal to a clean build of the same content in a fresh folder.

The bundled site is built, then rebuilt after a content change while the test kills the build
(the whole process group, as a cancelled CI job or a closed terminal does) at delays spread
over a build's measured duration, switching the content back and forth whenever a build got to
finish first. Without the search index every byte is compared; with it, Pagefind's index files
carry names and bytes that differ on every run (its own ordering), so they are compared by what
they hold (languages, page counts, the files the index names) and everything else by bytes.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sitekit import ROOT, build, output_files

CHANGES = {  # file → (text, replacement): a page and a solution that listings show
    "content/about.md": ("title: About Smart City Online",
                         "title: About Smart City Online, the 2020 edition"),
    "content/solutions/smart-parking-guidance.md": ("title: Smart parking guidance",
                                                    "title: Smart parking guidance (updated)"),
}


def snapshot(folder: Path) -> dict[str, str]:
    """Every file of the site below `folder` → a digest of its bytes."""
    return {path: hashlib.sha256(data).hexdigest() for path, data in output_files(folder).items()}


def search_index(folder: Path, files: dict[str, str]) -> dict[str, str]:
    """What the Pagefind bundles (one per language) hold, without the names and bytes that vary
    from run to run: their fixed files (script, styles, wasm) by bytes, pages per language,
    files per kind."""
    held = {}
    for bundle in sorted({p.rsplit("/", 1)[0] for p in files if p.startswith("pagefind/")}):
        if bundle.count("/") != 1:
            continue
        if f"{bundle}/pagefind-entry.json" not in files:
            held[bundle] = "no pagefind-entry.json"
            continue
        entry = json.loads((folder / bundle / "pagefind-entry.json").read_text(encoding="utf-8"))
        held.update({p: d for p, d in files.items() if p.startswith(f"{bundle}/")
                     and p.count("/") == 2 and not p.endswith((".pf_meta", ".json"))})
        for code, lang in entry["languages"].items():
            meta = f"{bundle}/pagefind.{lang['hash']}.pf_meta"
            held[f"{bundle} {code} pages"] = str(lang["page_count"]) if meta in files \
                else f"no {meta}"
        for kind in ("fragment", "index", "filter"):
            held[f"{bundle} {kind} files"] = str(sum(p.startswith(f"{bundle}/{kind}/")
                                                     for p in files))
    return held


def differences(folder: Path, files: dict[str, str],
                expected: tuple[Path, dict[str, str]]) -> list[str]:
    """How the site in `folder` (its snapshot `files`) differs from the `expected` one."""
    other, other_files = expected
    if any(p.startswith("pagefind/") for p in other_files):
        files = {**{p: d for p, d in files.items() if not p.startswith("pagefind/")},
                 **search_index(folder, files)}
        other_files = {**{p: d for p, d in other_files.items() if not p.startswith("pagefind/")},
                       **search_index(other, other_files)}
    return sorted(p for p in files.keys() | other_files.keys()
                  if files.get(p) != other_files.get(p))


def switch(project: Path, to_b: bool) -> None:
    """Write the content of variant A (as bundled) or B (with CHANGES made)."""
    for rel, (a, b) in CHANGES.items():
        text = (ROOT / rel).read_text(encoding="utf-8")
        assert text.count(a) == 1, rel
        (project / rel).write_text(text.replace(a, b) if to_b else text, encoding="utf-8")


def clean_build(folder: Path, to_b: bool, args: list[str]) -> tuple[Path, dict[str, str]]:
    shutil.copytree(ROOT / "content", folder / "content")
    switch(folder, to_b)
    build(folder, *args)
    return folder / "output", snapshot(folder / "output")


def start_build(project: Path, args: list[str]) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen([sys.executable, "-m", "generator", "build", "--templates",
                             str(ROOT / "templates"), "--quiet", *args], cwd=project, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            start_new_session=True)


@pytest.mark.parametrize("args", [["--no-search"], []], ids=["no-search", "search"])
def test_killed_builds_leave_output_whole_and_the_next_build_correct(tmp_path, args, tally):
    kills = 10
    site_a = clean_build(tmp_path / "clean-a", False, args)
    site_b = clean_build(tmp_path / "clean-b", True, args)
    assert site_a[1] != site_b[1]
    project = tmp_path / "project"
    shutil.copytree(ROOT / "content", project / "content")
    build(project, *args)
    output = project / "output"
    assert differences(output, snapshot(output), site_a) == []

    switch(project, True)  # an edit, then a timed build: how long a killed build would run
    started = time.perf_counter()
    build(project, *args)
    duration = time.perf_counter() - started
    assert differences(output, snapshot(output), site_b) == []
    is_b, survived, finished, history = True, 0, 0, []
    rng = random.Random(os.environ.get("EXPO_KILL_SEED", time.time_ns()))
    delays = sorted(duration * 1.1 * (i + rng.random()) / kills for i in range(kills))
    for delay in delays:
        before = snapshot(output)
        switch(project, not is_b)
        process = start_build(project, args)
        time.sleep(delay)
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=60)
        stderr = process.stderr.read().decode(errors="replace")
        process.stderr.close()
        assert "Traceback" not in stderr, stderr
        assert output.is_dir(), f"output/ missing after a kill at {delay:.2f} s"
        after = snapshot(output)
        history.append(f"content {'A' if is_b else 'B'}, killed at {delay:.2f} s: exit "
                       f"{process.returncode}, output/ (inode {output.stat().st_ino}) "
                       f"{'unchanged' if after == before else 'replaced'}; beside it: "
                       f"{sorted(p.name for p in project.iterdir())}")
        if process.returncode == -signal.SIGKILL:
            survived += 1
            if after == before:
                continue  # the previous site, byte for byte: the kill came before the swap
        else:
            assert process.returncode == 0, stderr
            finished += 1
        # the kill came after the swap, or the build finished: the new site, complete
        expected = site_a if is_b else site_b
        wrong = differences(output, after, expected)
        assert wrong == [], "\n".join([
            f"output/ after a kill at {delay:.2f} s of {duration:.2f} s is neither the "
            f"previous site nor the new one: {wrong}", *history])
        is_b = not is_b

    # Whatever the kills left behind (staging folders, a half-written cache), the next build
    # is right: the same as a clean build of the same content.
    content_b = CHANGES["content/about.md"][1] in (project / "content/about.md").read_text()
    build(project, *args)
    wrong = differences(output, snapshot(output), site_b if content_b else site_a)
    assert wrong == [], "\n".join([f"content {'B' if content_b else 'A'}, final build: output/ "
                                   f"(inode {output.stat().st_ino}) differs in {wrong}",
                                   *history])
    assert sorted(p.name for p in project.iterdir()) == [".expo-cache", "content", "output"]
    assert survived >= kills // 2, f"only {survived} of {kills} builds were still running"
    tally(f"killed builds survived ({' '.join(args) or 'with search'})", survived)
    print(f"build {duration:.2f} s; {survived} killed, {finished} finished before the kill")
