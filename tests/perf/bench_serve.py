"""Benchmark of the preview: from saving a page to seeing it changed in the browser.

    python tests/perf/bench_serve.py [--pages 10000] [--keep DIR] [--edits 10] [--pause 2]

Generates the site of `bench.py` (or reuses `--keep DIR`), starts `expo serve` on it, opens a
solution page in headless Chromium (/usr/bin/chromium) and edits that page's Markdown again and
again. Each time it prints how long after the save the browser had loaded the changed page
(livereload's reload): the time an editor waits. Between two saves it waits `--pause` seconds,
as an editor types between saves: a save right after another finds the machine's caches warm
and is faster than an editor's. Needs Playwright and Chromium.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench import ROOT, generate  # noqa: E402

FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=10_000)
    parser.add_argument("--keep", type=Path, help="generate the site here and keep it")
    parser.add_argument("--edits", type=int, default=10)
    parser.add_argument("--page", default="s4001", help="the solution to edit")
    parser.add_argument("--pause", type=float, default=2.0, help="seconds between saves")
    args = parser.parse_args()
    root = args.keep or Path(tempfile.mkdtemp(prefix="expo-bench-"))
    if not (root / "content").exists():
        generate(root, args.pages)
    shutil.rmtree(root / "theme", ignore_errors=True)
    shutil.copytree(ROOT / "templates", root / "theme")
    # The preview folder and the state a last run kept: the first build is a cold one.
    shutil.rmtree(root / ".expo-cache", ignore_errors=True)
    port = free_port()
    started = time.perf_counter()
    log = (root / "serve.log").open("w+")
    server = subprocess.Popen(
        [sys.executable, "-m", "generator", "serve", "--port", str(port), "--templates",
         str(root / "theme")], cwd=root, env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/en/solutions/{args.page}/"
    try:
        while True:
            try:
                urllib.request.urlopen(url, timeout=5).read()
                break
            except urllib.error.HTTPError as error:  # the server answers: no such page
                sys.exit(f"{url}: {error.code}; choose a solution of the site with --page")
            except OSError:
                if server.poll() is not None:
                    sys.exit("expo serve stopped")
                time.sleep(0.2)
        print(f"first build and server up: {time.perf_counter() - started:.1f} s")
        from playwright.sync_api import sync_playwright

        source = root / f"content/solutions/{args.page}.md"
        original = source.read_text(encoding="utf-8")
        times = []
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=FLAGS)
            page = browser.new_page()
            page.goto(url)
            page.wait_for_timeout(500)  # livereload's script connects
            loads = []
            for _ in range(3):  # the browser's own share: a reload with nothing to build
                reloaded = time.perf_counter()
                page.reload()
                loads.append(time.perf_counter() - reloaded)
            page.wait_for_timeout(500)
            try:
                for n in range(args.edits):
                    marker = f"Edited paragraph number {n} of the benchmark."
                    with page.expect_event("load", timeout=60_000):
                        saved = time.perf_counter()
                        source.write_text(original + f"\n{marker}\n", encoding="utf-8")
                    seen = time.perf_counter() - saved
                    if marker not in page.content():
                        sys.exit(f"edit {n}: the reloaded page does not show the change")
                    times.append(seen)
                    print(f"edit {n + 1}: shown {seen * 1000:.0f} ms after the save")
                    page.wait_for_timeout(args.pause * 1000)
            finally:
                source.write_text(original, encoding="utf-8")
                browser.close()
        print(f"save → changed page in the browser: median {statistics.median(times) * 1000:.0f}"
              f" ms, first {times[0] * 1000:.0f} ms, max {max(times) * 1000:.0f} ms "
              f"({len(times)} edits)")
        print(f"a reload of the page alone (no save): median "
              f"{statistics.median(loads) * 1000:.0f} ms")
        log.seek(0)
        builds = [float(m) for m in re.findall(r"Built in ([\d.]+) s", log.read())]
        if len(builds) > 1:
            print(f"of which the rebuild (as the server reports it): median "
                  f"{statistics.median(builds[1:]) * 1000:.0f} ms")
    finally:
        server.terminate()
        server.wait(timeout=20)


if __name__ == "__main__":
    main()
