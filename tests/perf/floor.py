"""The floor for the benchmark: the bare cost of Python-Markdown + Jinja2 + writing the pages
of the same generated site, spread over the same cores, with nothing else.

    python tests/perf/floor.py DIR     (DIR: a site made by `bench.py --keep DIR`)
"""

from __future__ import annotations

import os
import shutil
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import jinja2
import markdown
import yaml

TEMPLATE = jinja2.Environment(autoescape=True).from_string(
    "<!DOCTYPE html><html lang=en><head><title>{{ title }}</title></head>"
    "<body><main><h1>{{ title }}</h1>{{ body|safe }}</main></body></html>")


def work(paths: list[str]) -> int:
    md = markdown.Markdown(extensions=["tables", "fenced_code", "codehilite", "toc"])
    out = Path(sys.argv[1]) / "floor-output"
    for path in paths:
        text = Path(path).read_text(encoding="utf-8")
        _, front, body = text.split("---\n", 2)
        meta = yaml.load(front, Loader=yaml.CSafeLoader)
        md.reset()
        html = TEMPLATE.render(title=meta["title"], body=md.convert(body))
        target = out / Path(path).stem / "index.html"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(html, encoding="utf-8")
    return len(paths)


def main() -> None:
    root = Path(sys.argv[1])
    paths = sorted(str(p) for p in (root / "content").rglob("*.md"))
    cores = os.cpu_count() or 1
    # Into an empty folder, as a cold build writes, and with the deletion of the last run's
    # folders finished: a file system busy freeing 10,000 folders writes several times slower.
    shutil.rmtree(root / "floor-output", ignore_errors=True)
    os.sync()
    chunks = [paths[i::cores * 4] for i in range(cores * 4)]
    started = time.perf_counter()
    with ProcessPoolExecutor(cores) as pool:
        done = sum(pool.map(work, chunks))
    print(f"floor: {done:,} pages in {time.perf_counter() - started:.2f} s on {cores} cores")


if __name__ == "__main__":
    main()
