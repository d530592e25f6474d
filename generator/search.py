"""Site search with Pagefind (extended build: it segments Chinese words).

Run over the finished site just before it is swapped in, once per language: the pages below
`<lang>/` make the bundle `pagefind/<lang>/`, which that language's search page loads. Only
the part of a page marked `data-pagefind-body` (the main content of item and plain pages) is
indexed, less what is marked `data-pagefind-ignore` (related cards, the table of contents), so
navigation and listings never match; drafts are never built, so never indexed.

One run per language, each holding its language's whole index in memory; the languages are
indexed side by side where there are cores and memory for it (see `Indexing`). A build that
changed no page of a language keeps that language's bundle from the last build (hard links)
instead of indexing it again.

Pagefind runs as its command-line program, which exits once every file is written. Its Python
service API answers "written" while it is still writing and is then stopped: on a busy machine
that published empty files (pagefind-entry.json among them) and a broken search.

Much of Pagefind's time goes into parsing markup it then leaves out. So where there is a
file system in memory with room (/dev/shm on Linux), it reads copies of the pages cut down to
their `data-pagefind-body` elements with the ignored parts emptied. A page is copied whole
wherever cutting could change what Pagefind records (a filter, meta or sort attribute, or an
`h1`, outside what is kept; the automatic result image outside it): the index is the same
either way (a test compares them), only cheaper to make. On a disk, writing the copies costs
more than they save, and Pagefind reads the site itself (see tests/perf/README.md).
"""

from __future__ import annotations

import functools
import itertools
import os
import re
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path

from .output import keep
from .parallel import available_memory, jobs_for

SEARCH_DIR = "pagefind"
SCRATCH = "expo-search-"  # the copies of a language's pages for Pagefind: expo-search-<pid>-…
ENTRY = "pagefind-entry.json"  # Pagefind writes it last: a bundle without it is incomplete
# Pagefind's peak memory, with a margin: per run however small (67 MB measured for Chinese, whose
# dictionary it loads; 16 MB for English) and per byte of the pages it reads (35 measured for
# English, 69 for Chinese: tests/perf/bench.py --words 450-1250, its copies cut down).
INDEXER_BASE = 100 * 2**20
INDEXER_PER_BYTE = 80


class SearchError(Exception):
    pass


def index_site(folder: Path, languages: Iterable[str], changed: Iterable[str] = (),
               previous: Path | None = None, jobs: int | None = None) -> None:
    """Write the search bundle of each language into `folder`, the built site.

    `changed`: the paths (below the site) of the pages added, changed or removed since the
    site in `previous`, whose bundles are kept for the languages none of them belongs to.
    `jobs`: the cores the build may use (`--jobs`; None: all), see `Indexing`.
    """
    touched = {path.split("/", 1)[0] for path in changed}
    todo = {}
    for code in languages:
        old = previous / SEARCH_DIR / code if previous is not None else None
        if old is not None and code not in touched and (old / ENTRY).is_file():
            _link_tree(old, folder / SEARCH_DIR / code)
        elif (folder / code).is_dir():
            todo[code] = sorted((folder / code).rglob("*.html"))
    with Indexing(jobs_for(jobs), available_memory()) as indexing:
        for code in sorted(todo, key=lambda code: len(todo[code]), reverse=True):  # longest first
            indexing.start(folder, code, todo[code])


class Indexing:
    """Pagefind's runs, one per language, as many at once as the cores and memory allow.

    Pagefind keeps about one core busy, so languages indexed side by side take about the time
    of the longest instead of the sum of all; but each run holds its language's whole index in
    memory (estimated as INDEXER_BASE, and INDEXER_PER_BYTE for each byte it reads). A run
    starts beside those under way if there is a core for each and the memory free when
    indexing began holds all their estimates; else it waits for them to end. The bundles are
    the same either way: each run reads its own language's pages and writes its own bundle.
    A language's copies are made while the runs before it are under way. Leaving with an
    error (or Ctrl+C) stops the runs under way.
    """

    def __init__(self, cores: int, memory: int | None) -> None:
        self.cores = cores
        self.memory = memory  # None: unknown, one run at a time
        self.running: list[_Run] = []
        self.readers = ThreadPoolExecutor(thread_name_prefix="pagefind")  # read their output

    def start(self, folder: Path, code: str, pages: list[Path]) -> None:
        """Pagefind over `pages`, those of the language `code` below `folder`, the site."""
        size = sum(page.stat().st_size for page in pages)
        scratch = _memory_scratch(2 * size)
        if scratch is None:  # copies on a disk cost more time than they save
            self.add(_Run(code, folder, size), folder / SEARCH_DIR / code)
            return
        copies = tempfile.TemporaryDirectory(prefix=f"{SCRATCH}{os.getpid()}-", dir=scratch,
                                             ignore_cleanup_errors=True)
        try:
            run = _Run(code, Path(copies.name), copy_for_index(folder, pages, Path(copies.name)),
                       copies)
        except OSError:  # filled up meanwhile: the site itself, then
            copies.cleanup()
            run = _Run(code, folder, size)
        except BaseException:
            copies.cleanup()
            raise
        self.add(run, folder / SEARCH_DIR / code)

    def add(self, run: _Run, bundle: Path) -> None:
        try:
            while self.running and not self._room_for(run):
                self._finish_one()
            run.start(bundle, self.readers)
        except BaseException:
            run.cleanup()
            raise
        self.running.append(run)

    def _room_for(self, run: _Run) -> bool:
        return len(self.running) < self.cores and self.memory is not None and \
            sum(r.memory() for r in [*self.running, run]) <= self.memory

    def _finish_one(self) -> None:
        """Wait for the first of the runs under way to end; SearchError if it failed."""
        done, _ = wait([run.said for run in self.running], return_when=FIRST_COMPLETED)
        run = next(run for run in self.running if run.said in done)
        self.running.remove(run)
        run.end()

    def __enter__(self) -> Indexing:
        return self

    def __exit__(self, kind: type[BaseException] | None, *_: object) -> None:
        try:
            while kind is None and self.running:
                self._finish_one()
        finally:
            for run in self.running:  # a failure meanwhile: the others are stopped
                run.stop()
            self.readers.shutdown()


@dataclass
class _Run:
    """Pagefind over the pages of one language below `site` (the built site, or copies)."""

    code: str
    site: Path
    size: int  # the bytes of the pages it reads
    copies: tempfile.TemporaryDirectory | None = None  # removed when the run has ended
    process: subprocess.Popen | None = None
    said: Future[tuple[str, str]] | None = None  # what it prints, and its errors, once ended

    def start(self, bundle: Path, readers: ThreadPoolExecutor) -> None:
        try:
            from pagefind.service import get_executable  # the extended binary when installed
        except ImportError as exc:  # pragma: no cover - a dependency of the package
            raise SearchError("Pagefind is not installed: pip install 'pagefind[extended]'") \
                from exc
        executable = get_executable()
        if executable is None:
            raise SearchError("the Pagefind program is missing: "
                              "pip install 'pagefind[extended]'")
        # The site's own folder as working folder, and no PAGEFIND_* settings from the
        # environment: no pagefind.yml or variable of the machine changes what is published.
        env = {name: value for name, value in os.environ.items()
               if not name.startswith("PAGEFIND_")}
        try:
            self.process = subprocess.Popen(
                [str(executable), "--site", ".", "--glob", f"{self.code}/**/*.html",
                 "--output-path", str(bundle)], cwd=self.site, env=env,
                stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                text=True, errors="replace")
        except OSError as exc:
            raise SearchError(f"search indexing failed: {exc}") from exc
        self.said = readers.submit(self.process.communicate)  # its pipes never fill up

    def end(self) -> None:
        """Wait for Pagefind to end; SearchError if it failed."""
        try:
            out, err = self.said.result()
            if self.process.returncode != 0:
                said = (err.strip() or out.strip()).splitlines()[-3:]
                raise SearchError("search indexing failed: "
                                  f"{' '.join(said) or self.process.returncode}")
        finally:
            self.cleanup()

    def stop(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait()
        self.cleanup()

    def cleanup(self) -> None:
        if self.copies is not None:
            self.copies.cleanup()

    def memory(self) -> int:
        """An estimate of Pagefind's peak memory in this run."""
        return INDEXER_BASE + INDEXER_PER_BYTE * self.size


def _memory_scratch(needed: int) -> Path | None:
    """A folder in memory (Linux's /dev/shm) with room for `needed` bytes, if there is one;
    folders left there by builds that were killed are removed first: those of a process that
    is gone and untouched for an hour (a /dev/shm shared between containers may hold the
    folder of a live build whose process this one cannot see)."""
    shm = Path("/dev/shm")
    try:
        for left in shm.glob(f"{SCRATCH}*"):
            pid = left.name[len(SCRATCH):].split("-", 1)[0]
            if pid.isdigit() and not _alive(int(pid)) and \
                    time.time() - left.stat().st_mtime > 3600:
                shutil.rmtree(left, ignore_errors=True)
        if os.access(shm, os.W_OK) and shutil.disk_usage(shm).free > needed:
            return shm
    except OSError:
        pass
    return None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # another user's
        pass
    return True


def _run_pagefind(site: Path, code: str, bundle: Path) -> None:
    """Pagefind over the pages of one language below `site`, on its own."""
    with Indexing(1, None) as indexing:
        indexing.add(_Run(code, site, 0), bundle)


def _link_tree(old: Path, new: Path) -> None:
    """The same files in the new folder: hard links, or copies where links are not possible."""
    for path in old.rglob("*"):
        if path.is_file():
            target = new / path.relative_to(old)
            target.parent.mkdir(parents=True, exist_ok=True)
            keep(path, target)


# -- the pages as Pagefind needs them -----------------------------------------------------

# Patterns that begin with their literal text: re finds them at the speed of str.find.
_BODY = re.compile(r"data-pagefind-body\b")
_IGNORE = re.compile(r"data-pagefind-ignore\b")
_IGNORE_ALL = re.compile(r"""data-pagefind-ignore\s*=\s*["']?all\b""")
_START_TAG = re.compile(r"<([a-zA-Z][\w-]*)\s[^>]*>")
_HTML = re.compile(r"<html\b[^>]*>", re.IGNORECASE)
_TITLE = re.compile(r"<title\b[^>]*>.*?</title>", re.IGNORECASE | re.DOTALL)
_H1 = re.compile(r"<h1[\s>]", re.IGNORECASE)
_IMG = re.compile(r"<img[\s>]", re.IGNORECASE)
_RECORDED = re.compile(r"data-pagefind-(?!body\b|ignore\b)")  # filter, meta, sort, weight…


def copy_for_index(site: Path, pages: list[Path], into: Path) -> int:
    """The pages (below `site`) as Pagefind will index them, written below `into`; the bytes
    written."""
    bodiless: list[Path] = []  # Pagefind leaves them out if any page has a body element
    written = 0
    for page in pages:
        kept = cut_down(page.read_text(encoding="utf-8", errors="replace"))
        if kept == "":
            bodiless.append(page)
        else:
            written += _write(into / page.relative_to(site), page, kept)
    if len(bodiless) == len(pages):
        for page in bodiless:  # no page has one: Pagefind indexes each page's whole body
            written += _write(into / page.relative_to(site), page, None)
    return written


def _write(target: Path, page: Path, text: str | None) -> int:
    target.parent.mkdir(parents=True, exist_ok=True)
    if text is None:
        shutil.copyfile(page, target)
        return target.stat().st_size
    return target.write_bytes(text.encode())


def cut_down(page: str) -> str | None:
    """The page reduced to what Pagefind indexes and records of it: its html element (the
    language), its title and its `data-pagefind-body` elements with their
    `data-pagefind-ignore` parts emptied; "" for a page without a body element, None where it
    must be indexed whole."""
    html = _HTML.search(page)
    if html is None:
        return None
    kept = _elements(page, _BODY, html.end(), len(page))
    if not kept:
        return "" if kept == [] else None
    ignored = [element for start, _, _, end in kept
               for element in _elements(page, _IGNORE, start, end) or ()]
    cuts = [(inner, close) for _, inner, close, _ in ignored
            if not (_RECORDED.search(page, inner, close) or _H1.search(page, inner, close))]
    outside = [(0, kept[0][0]), *((a[3], b[0]) for a, b in itertools.pairwise(kept)),
               (kept[-1][3], len(page))]
    if any(_RECORDED.search(page, *span) or _H1.search(page, *span) for span in outside):
        return None  # recorded from outside what is kept
    # The result's automatic image: the first img after the first h1 that is not in an
    # element ignored "all"; it must be in what is kept.
    first_h1 = _H1.search(page)
    unseen = [(start, end) for start, inner, _, end in ignored
              if _IGNORE_ALL.search(page, start, inner)]
    for image in _IMG.finditer(page, first_h1.end() if first_h1 else len(page)):
        if not any(a <= image.start() < b for a, b in unseen):
            if any(a <= image.start() < b for a, b in outside + cuts):
                return None
            break
    pieces = []
    for start, _, _, end in kept:
        position = start
        for a, b in (cut for cut in cuts if start <= cut[0] < end):
            pieces.append(page[position:a])
            position = b
        pieces.append(page[position:end])
    title = _TITLE.search(page, 0, kept[0][0])  # the result's title where no h1 gives one
    return (f'<!DOCTYPE html>{html.group(0)}<head><meta charset="utf-8">'
            f'{title.group(0) if title else ""}</head><body>'
            + "\n".join(pieces) + "</body></html>")


def _elements(page: str, attribute: re.Pattern, start: int, stop: int
              ) -> list[tuple[int, int, int, int]] | None:
    """The outermost elements within page[start:stop] with the attribute in their start tag:
    where each starts, where its start tag ends, where its end tag starts, where it ends;
    None if one is not closed within the range."""
    found: list[tuple[int, int, int, int]] = []
    position = start
    while (match := attribute.search(page, position, stop)) is not None:
        position = match.end()
        opening = page.rfind("<", start, match.start())
        tag = _START_TAG.match(page, opening) if opening >= 0 else None
        if tag is None or tag.end() <= match.start() or not page[match.start() - 1].isspace():
            continue  # the words in text, not an attribute
        depth = 1
        for other in _tags(tag.group(1).lower()).finditer(page, tag.end(), stop):
            depth += -1 if other.group(1) else 1
            if depth == 0:
                found.append((tag.start(), tag.end(), other.start(), other.end()))
                break
        else:
            return None
        position = other.end()
    return found


@functools.cache
def _tags(name: str) -> re.Pattern:
    return re.compile(rf"<(/?){re.escape(name)}(?=[\s/>])[^>]*>", re.IGNORECASE)
