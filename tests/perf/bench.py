"""Benchmark: build a generated bilingual site of N pages and print per-phase times.

    python tests/perf/bench.py [--pages 10000] [--words 450-1250] [--keep DIR]
                               [--search | --no-search] [--bare-theme] [--floor [--pairs N]]

Prints, for the default build (with the search index) and then for `--no-search`, a cold
build, a no-change rebuild, a one-page edit, a one-template edit and a CI build (a fresh
checkout in another folder, with `.expo-cache/` restored), each a whole process: the wall
time, the CPU time of all its processes, the time of each phase and the peak memory: of the
build's largest process (with the search index the site is built in a child process, and
Pagefind runs after it has ended), of the build as a whole (all its processes, which share
much of their memory: the sum of their proportional set sizes, sampled every 0.2 s on Linux)
and of the search indexer's processes among them (Pagefind's). `--search` or `--no-search`
runs one of the two only. Compare with `tests/perf/floor.py` run the same way on the same
machine: figures mean something only as ratios.

`--words 450-1250` makes each solution (and its Chinese translation) that many words long with
made-up prose, as long as a real catalogue's pages: what the search index costs grows with
the words, and the default pages are short.
`--floor` runs floor.py on the same site just before the cold build and prints the ratio of
the two whole processes (wall and CPU time, Python's start and imports included in both): this
machine's speed drifts within minutes, so a floor measured at another time says little;
`--pairs N` runs N such pairs and prints each ratio and their median.
`--bare-theme` builds with one-line templates like the floor's instead of the bundled theme:
what is left above the floor is the generator's own cost, the rest is the theme's.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CATEGORIES = ["smart-government", "smart-transportation", "smart-health", "smart-buildings",
              "smart-education", "smart-economy", "smart-environment", "smart-security"]

BODY = """\
## Overview

Solution {i} connects **{n} sensors** across the district and reports every
[minute](#results). See the [pavilion](../pavilions/p{p}.md) and [city](../cities/c{c}.md).

| Metric | Before | After |
|---|---|---|
| Travel time | {a} min | {b} min |
| Energy | {a} kWh | {b} kWh |

```python
def reading(sensor):
    return sensor.value * {i}
```

## Results

- Deployed in {n} places
- Saves {b} hours a week
"""


class Prose:
    """Made-up text of a given length, the same at every run: words drawn with the skewed
    frequencies of real text (a few very common, most rare) from a vocabulary of 20,000, so
    the search index grows as a real catalogue's does. English words are made of syllables,
    Chinese ones of one to three characters of the common block."""

    SYLLABLES = [c + v for c in "bcdfghklmnprstvwz" for v in ("a", "e", "i", "o", "u", "ai",
                                                                "ou", "ee")]

    def __init__(self, seed: int) -> None:
        self.random = random.Random(seed)
        pick = random.Random(0)
        self.english = ["".join(pick.choices(self.SYLLABLES, k=pick.choice((1, 2, 2, 3, 3, 4))))
                        for _ in range(20_000)]
        self.chinese = ["".join(chr(0x4E00 + pick.randrange(3000))
                                for _ in range(pick.choice((1, 2, 2, 2, 3))))
                        for _ in range(20_000)]
        self.weights = list(itertools.accumulate(1 / rank for rank in range(1, 20_001)))

    def paragraphs(self, words: int, chinese: bool) -> str:
        """About `words` words in paragraphs of 60 to 140, with a heading every few."""
        vocabulary = self.chinese if chinese else self.english
        drawn = self.random.choices(vocabulary, cum_weights=self.weights, k=words)
        out, position = [], 0
        while position < len(drawn):
            size = self.random.randint(60, 140)
            if len(out) % 4 == 3:
                out.append("## " + " ".join(drawn[position:position + 3]).title())
            sentences = []
            for start in range(position, min(position + size, len(drawn)), 12):
                sentence = drawn[start:start + 12]
                sentences.append("".join(sentence) + "。" if chinese else
                                 " ".join(sentence).capitalize() + ".")
            out.append(("" if chinese else " ").join(sentences))
            position += size
        return "\n\n".join(out) + "\n"


def generate(root: Path, pages: int, words: tuple[int, int] | None = None) -> None:
    """A site of about `pages` pages: mostly solutions, with a translation for half of them;
    with `words`, each solution is made that many words long with made-up prose (Chinese in
    its translation)."""
    content = root / "content"
    (content / "_data").mkdir(parents=True)
    (content / "site.yaml").write_text(textwrap.dedent("""\
        title: {en: Bench Expo, zh-tw: 測試展}
        base_url: https://example.org/
        languages:
          en: {name: English, html_lang: en}
          zh-tw: {name: 繁體中文, html_lang: zh-Hant-TW}
        timezone: Asia/Taipei
        """), encoding="utf-8")
    (content / "_data/categories.yaml").write_text(
        "".join(f"{c}: {{en: {c}, zh-tw: {c}}}\n" for c in CATEGORIES), encoding="utf-8")
    (content / "_data/regions.yaml").write_text("europe: {en: Europe, zh-tw: 歐洲}\n",
                                               encoding="utf-8")
    for folder in ("solutions", "pavilions", "cities", "news", "summit"):
        (content / folder).mkdir()
    for p in range(10):
        (content / f"pavilions/p{p}.md").write_text(
            f"---\ntitle: Pavilion {p}\norganizer: Org {p}\n---\nPavilion {p}.\n")
    for c in range(40):
        (content / f"cities/c{c}.md").write_text(
            f"---\ntitle: City {c}\ncountry: Country\nregion: europe\n---\nCity {c}.\n")
    for s in range(20):
        (content / f"summit/s{s}.md").write_text(textwrap.dedent(f"""\
            ---
            title: Session {s}
            start: 2020-08-{10 + s % 18:02d} 17:00
            end: 2020-08-{10 + s % 18:02d} 18:30
            timezone: Europe/Prague
            region: europe
            speakers:
              - {{name: Mayor {s}, title: Mayor, city: c{s % 40}}}
            ---
            Session {s}.
            """))
    for n in range(50):
        (content / f"news/n{n}.md").write_text(
            f"---\ntitle: News {n}\ndate: 2020-07-{1 + n % 28:02d}\n---\nNews {n}.\n")
    solutions = max(1, (pages - 2 * 120) * 2 // 3)
    prose = Prose(pages)
    for i in range(solutions):
        front = (f"---\ntitle: Solution {i}\ncompany: Company {i % 97}\n"
                 f"category: {CATEGORIES[i % 8]}\npavilion: p{i % 10}\ncities: [c{i % 40}]\n"
                 f"weight: {i % 5}\n---\n")
        body = BODY.format(i=i, n=i % 50 + 3, p=i % 10, c=i % 40, a=i % 30 + 20, b=i % 20 + 5)
        length = max(0, prose.random.randint(*words) - len(body.split())) if words else 0
        (content / f"solutions/s{i}.md").write_text(
            front + body + ("\n" + prose.paragraphs(length, False) if words else ""),
            encoding="utf-8")
        if i % 2 == 0:
            (content / f"solutions/s{i}.zh-tw.md").write_text(
                f"---\ntitle: 解決方案 {i}\n---\n" + body
                + ("\n" + prose.paragraphs(length, True) if words else ""), encoding="utf-8")


BARE = ("<!DOCTYPE html><html lang={{ lang }}><head><title>{% if page is defined and page %}"
        "{{ page.title }}{% endif %}</title></head><body><main>{% if page is defined and page "
        "and page.content is defined %}{{ page.content }}{% endif %}</main></body></html>\n")


def bare_theme(theme: Path) -> None:
    """Every page template of `theme` replaced by one line like the floor's."""
    for template in theme.glob("*.html"):
        template.write_text("" if template.name.startswith("_") else BARE, encoding="utf-8")


def tree_pss_mb(pid: int) -> tuple[float, float] | None:
    """The proportional set size of a process and all its descendants (Linux), and of the
    search indexer's processes (Pagefind's) among them, in MB."""
    total = indexer = 0
    todo = [pid]
    try:
        while todo:
            current = todo.pop()
            for line in Path(f"/proc/{current}/smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    total += int(line.split()[1])
                    if Path(f"/proc/{current}/comm").read_text().startswith("pagefind"):
                        indexer += int(line.split()[1])
                    break
            for task in Path(f"/proc/{current}/task").iterdir():
                todo += [int(child) for child in (task / "children").read_text().split()]
    except (OSError, ValueError):  # not Linux, or a process ended while being read
        if current == pid:
            return None
    return total / 1024, indexer / 1024


def children_cpu() -> float:
    """User and system seconds of this process's ended children (and theirs), so far."""
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


def run_build(root: Path, label: str, extra: list[str]) -> dict:
    """One whole `expo build` process: wall time, phases, peak memory of its largest process
    (ru_maxrss) and of the build as a whole (see tree_pss_mb)."""
    code = ("import json, resource, sys, time\n"
            "from pathlib import Path\n"
            "from generator.build import Options, build\n"
            "from generator.cli import collector_policy\n"
            "collector_policy()  # as `expo build` runs it\n"
            "t = time.perf_counter()\n"
            "r = build(Options(templates=Path(sys.argv[1]), no_search='--no-search' in sys.argv))\n"
            "print(json.dumps({'pages': r.pages, 'files': r.files, 'phases': r.phases,\n"
            "  'inner': time.perf_counter() - t,\n"
            "  'rss_mb': max(resource.getrusage(who).ru_maxrss / 1024 for who in\n"
            "               (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN))}))\n")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    cpu = children_cpu()
    started = time.perf_counter()
    process = subprocess.Popen([sys.executable, "-c", code, str(root / "theme"), *extra],
                               cwd=root, env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    peaks: list[tuple[float, float]] = []

    def sample() -> None:
        while process.poll() is None:
            found = tree_pss_mb(process.pid)
            if found is not None:
                peaks.append(found)
            time.sleep(0.2)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    stdout, stderr = process.communicate()
    wall = time.perf_counter() - started
    sampler.join()
    if process.returncode:
        sys.exit(f"the build failed:\n{stderr[-3000:]}")
    result = json.loads(stdout)
    result.update(wall=wall, label=label, cpu=children_cpu() - cpu,
                  tree_mb=max((total for total, _ in peaks), default=None),
                  index_mb=max((indexer for _, indexer in peaks), default=None))
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=10_000)
    parser.add_argument("--words", type=words_range, metavar="MIN-MAX",
                        help="solutions of MIN to MAX words (made-up prose), as a real "
                             "catalogue's: 450-1250")
    parser.add_argument("--keep", type=Path, help="generate the site here and keep it")
    which = parser.add_mutually_exclusive_group()
    which.add_argument("--no-search", action="store_true",
                       help="only the builds without the search index (`--no-search`)")
    which.add_argument("--search", action="store_true",
                       help="only the builds with the search index (the default build)")
    parser.add_argument("--bare-theme", action="store_true",
                        help="one-line templates like floor.py's instead of the bundled theme")
    parser.add_argument("--floor", action="store_true",
                        help="run floor.py just before the cold build and print the ratio")
    parser.add_argument("--pairs", type=int, default=1, metavar="N",
                        help="with --floor: N floor runs, each followed by a cold build, and "
                             "the median ratio (the machine's speed drifts)")
    args = parser.parse_args()
    root = args.keep or Path(tempfile.mkdtemp(prefix="expo-bench-"))
    if not (root / "content").exists():
        generate(root, args.pages, args.words)
    shutil.rmtree(root / "theme", ignore_errors=True)
    shutil.copytree(ROOT / "templates", root / "theme")
    if args.bare_theme:
        bare_theme(root / "theme")
    print(f"{os.cpu_count()} cores, Python {sys.version.split()[0]}", flush=True)
    for extra in ([] if args.no_search else [[]]) + ([] if args.search else [["--no-search"]]):
        report(runs(root, extra, args), extra)


def words_range(text: str) -> tuple[int, int]:
    low, _, high = text.partition("-")
    if not (low.isdigit() and high.isdigit() and 0 < int(low) <= int(high)):
        raise argparse.ArgumentTypeError(f"not MIN-MAX: {text}")
    return int(low), int(high)


def runs(root: Path, extra: list[str], args: argparse.Namespace) -> list[dict]:
    """The five builds, each `expo build` with `extra`, and the floor ratios if asked."""
    ratios = []
    for _ in range(args.pairs if args.floor else 1):
        for stale in (root / "output", root / ".expo-cache"):
            shutil.rmtree(stale, ignore_errors=True)
        os.sync()  # the deletion done before the clock starts, as floor.py does
        floor = None
        if args.floor:
            before, started = children_cpu(), time.perf_counter()
            subprocess.run([sys.executable, str(Path(__file__).with_name("floor.py")),
                            str(root)], capture_output=True, check=True)
            # A whole process, as the build is timed: Python's start and imports included.
            floor, floor_cpu = time.perf_counter() - started, children_cpu() - before
            shutil.rmtree(root / "floor-output")  # as floor.py deletes its last output first
            os.sync()
        cold = run_build(root, "cold build", extra)
        if floor:
            ratios.append((cold["wall"] / floor, cold["cpu"] / floor_cpu))
            print(f"floor {floor:.2f} s ({floor_cpu:.1f} s of CPU), cold build "
                  f"{cold['wall']:.2f} s ({cold['cpu']:.1f} s of CPU): {ratios[-1][0]:.2f}, "
                  f"of CPU {ratios[-1][1]:.2f}", flush=True)
    results = [cold, run_build(root, "no-change rebuild", extra)]
    solutions = sorted((root / "content/solutions").glob("s*[0-9].md"),
                       key=lambda path: int(path.stem[1:]))
    page = solutions[len(solutions) * 615 // 1000]  # s4001 of 10,000 pages: not a first card
    original = page.read_text()
    page.write_text(original + "\nOne more line.\n")
    template = root / "theme/news.html"
    original_template = template.read_text()
    try:
        try:
            results.append(run_build(root, "one-page edit", extra))
            template.write_text(original_template + "\n{# edited #}\n")
            results.append(run_build(root, "one-template edit", extra))
        finally:
            page.write_text(original)
        # CI: a fresh checkout in a new folder (every file new), .expo-cache/ restored only.
        checkout = root / "checkout"
        shutil.rmtree(checkout, ignore_errors=True)
        for folder in ("content", "theme", ".expo-cache"):
            shutil.copytree(root / folder, checkout / folder, copy_function=shutil.copy)
        os.sync()
        results.append(run_build(checkout, "CI, cache restored", extra))
        shutil.rmtree(checkout)
    finally:  # a kept site is the same at every run, and the next runs start from it
        template.write_text(original_template)
    if ratios:
        walls, cpus = zip(*ratios, strict=True)
        print(f"cold build / floor: median {statistics.median(walls):.2f} of {len(ratios)} "
              f"pairs ({', '.join(f'{r:.2f}' for r in walls)}); of CPU time "
              f"{statistics.median(cpus):.2f}")
    return results


def report(results: list[dict], extra: list[str]) -> None:
    """A table of the runs: times, phases, peak memory (largest process, all processes, the
    search indexer's processes)."""
    print(f"\nexpo build {' '.join(extra) or '(with search)'}: {results[0]['pages']:,} pages, "
          f"{results[0]['files']:,} files")
    phases = list(dict.fromkeys(p for r in results for p in r["phases"]))
    print(f"{'run':<20}{'wall s':>8}{'CPU s':>8}" + "".join(f"{p:>10}" for p in phases)
          + f"{'max MB':>9}{'all MB':>8}{'index MB':>10}")
    for r in results:
        print(f"{r['label']:<20}{r['wall']:>8.2f}{r['cpu']:>8.1f}"
              + "".join(f"{r['phases'].get(p, 0):>10.2f}" for p in phases)
              + f"{r['rss_mb']:>9.0f}"
              + "".join(f"{r[k]:>{w}.0f}" if r[k] is not None else f"{'-':>{w}}"
                        for k, w in (("tree_mb", 8), ("index_mb", 10))), flush=True)


if __name__ == "__main__":
    main()
