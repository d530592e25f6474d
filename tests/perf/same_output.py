"""Does this checkout build the same sites as another revision? Byte for byte, problem for problem.

    python tests/perf/same_output.py BASE [--pages 10000] [--keep DIR]

Builds, with the code and theme of revision BASE (checked out in a temporary git worktree) and
with this checkout's, each of: the bundled site (content/), every fixture site of tests/sites/
(with its own templates where it has them) and bench.py's generated site of `--pages` pages,
all with `--no-search`. It compares every output file byte for byte (not expo's marker, which
names the build) and the problem lines each build printed (not the closing line, which holds
times), in order, and prints one line a site.
Exit status 0 when every site is the same.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench import generate  # noqa: E402 - the benchmark's site, next to this file


def build(code: Path, site: Path, output: Path) -> tuple[int, list[str]]:
    """`expo build --no-search` of `site` into its folder `output` with the code of checkout
    `code`, and its theme unless the site has its own: the exit status and problem lines."""
    env = {**os.environ, "PYTHONPATH": str(code)}
    theme = [] if (site / "templates").is_dir() else ["--templates", str(code / "templates")]
    done = subprocess.run(
        [sys.executable, "-m", "generator", "build", "--no-search", "--quiet", *theme,
         "--output", output.name],
        cwd=site, env=env, capture_output=True, text=True)
    return done.returncode, [line.replace(str(code), "<code>") for line in
                             done.stderr.splitlines()]


def files(output: Path) -> dict[str, bytes]:
    if not output.is_dir():
        return {}
    return {p.relative_to(output).as_posix(): p.read_bytes()
            for p in sorted(output.rglob("*")) if p.is_file() and p.name != ".expo-output"}


def compare(name: str, site: Path, base: Path) -> bool:
    runs = []
    for label, code in (("base", base), ("this", ROOT)):
        output = site / f"output-{label}"
        shutil.rmtree(site / ".expo-cache", ignore_errors=True)
        status, lines = build(code, site, output)
        runs.append((status, lines, files(output)))
    (status_a, lines_a, files_a), (status_b, lines_b, files_b) = runs
    differ = sorted(path for path in files_a.keys() | files_b.keys()
                    if files_a.get(path) != files_b.get(path))
    same = status_a == status_b and lines_a == lines_b and not differ
    detail = f"{len(files_b):,} files, {len(lines_b)} problem lines, exit {status_b}"
    if not same:
        detail += f"; base exit {status_a}, {len(differ)} files differ {differ[:5]}"
        if lines_a != lines_b:
            detail += f"; problem lines differ:\n  base {lines_a[:3]}\n  this {lines_b[:3]}"
    print(f"{'same' if same else 'DIFFERENT':<10}{name:<36}{detail}", flush=True)
    return same


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("base", help="the revision to compare with (a commit, tag or branch)")
    parser.add_argument("--pages", type=int, default=10_000,
                        help="pages of bench.py's generated site (0 to leave it out)")
    parser.add_argument("--keep", type=Path, help="work in this folder and keep it")
    args = parser.parse_args()
    work = args.keep or Path(tempfile.mkdtemp(prefix="expo-same-"))
    work.mkdir(parents=True, exist_ok=True)
    base = work / "base"
    if base.exists():
        subprocess.run(["git", "worktree", "remove", "--force", str(base)], cwd=ROOT)
    subprocess.run(["git", "worktree", "add", "--detach", "--quiet", str(base), args.base],
                   cwd=ROOT, check=True)
    sites = [("bundled", ROOT)]
    sites += [(folder.name, folder) for folder in sorted((ROOT / "tests/sites").iterdir())
              if (folder / "content").is_dir()]
    if args.pages:
        generated = work / f"bench-{args.pages}"
        if not (generated / "content").is_dir():
            generate(generated, args.pages)
        sites.append((f"bench.py, {args.pages:,} pages", generated))
    try:
        results = []
        for name, site in sites:
            copy = work / "sites" / name.split(",")[0]  # builds never touch the sources
            shutil.rmtree(copy, ignore_errors=True)
            for folder in ("content", "templates"):
                if (site / folder).is_dir() and (folder == "content" or site != ROOT):
                    shutil.copytree(site / folder, copy / folder)
            results.append(compare(name.split(",")[0], copy, base))
    finally:
        subprocess.run(["git", "worktree", "remove", "--force", str(base)], cwd=ROOT)
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)
    print(f"{sum(results)} of {len(results)} sites the same")
    sys.exit(0 if all(results) else 1)


if __name__ == "__main__":
    main()
