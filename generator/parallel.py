"""Spreading work over processes, with results in the order of the input.

Workers are forked after the site is loaded, so they share it without pickling it; only each
chunk's results travel back (how the collector treats what they share is the command line's
policy: see cli.py). The order of results never depends on the number of workers, so a build
is byte-identical whatever `--jobs` says.
"""

from __future__ import annotations

import contextlib
import ctypes
import math
import multiprocessing
import os
import signal
import sys
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import ExitStack
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")
Progress = Callable[[int, int], None]  # (items done, items in all)
R = TypeVar("R")
MIN_PER_WORKER = 200  # below this, starting processes costs more than it saves
CHUNKS_PER_WORKER = 4  # each chunk is this worker's share of what is left, divided by this
MIN_CHUNK = 8  # items: the smallest chunk, at the end
PR_SET_PDEATHSIG = 1  # prctl(2): the signal a process gets when its parent ends

_state: Any = None
_work: Callable | None = None


def jobs_for(jobs: int | None) -> int:
    return jobs or available_cores()


def available_cores(root: Path = Path("/sys/fs/cgroup"),
                    own: Path = Path("/proc/self/cgroup")) -> int:
    """The cores this process may use: those it may run on, and no more than the CPU quota of
    its control group (`docker --cpus 2`, a Kubernetes CPU limit), so that a CI job given 2
    CPUs of a 64-core host starts 2 workers, not 64 copies of the site."""
    try:
        cores = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # not Linux
        cores = os.cpu_count() or 1
    quotas = [q for q in _quotas(root, own) if q is not None]
    return max(1, min(cores, math.ceil(min(quotas)))) if quotas else cores


def _quotas(root: Path, own: Path) -> Iterator[float | None]:
    """The CPU quotas of this process's control group and of those holding it (each limits
    it): cgroup v2's cpu.max ("200000 100000", or "max 100000": none), v1's
    cpu.cfs_quota_us / cpu.cfs_period_us (-1: none)."""
    for folder, v2 in _groups(root, own, "cpu", "cpu,cpuacct"):
        yield _ratio(folder / "cpu.max", None) if v2 else \
            _ratio(folder / "cpu.cfs_quota_us", folder / "cpu.cfs_period_us")


def available_memory(root: Path = Path("/sys/fs/cgroup"), own: Path = Path("/proc/self/cgroup"),
                     meminfo: Path = Path("/proc/meminfo")) -> int | None:
    """The bytes of memory this process may still take: what the machine has available, and
    no more than the room left under the limit of its control group and of those holding it
    (`docker --memory`, a Kubernetes memory limit); None where neither can be read."""
    rooms = []
    for folder, v2 in _groups(root, own, "memory"):
        limit, used = ("memory.max", "memory.current") if v2 else \
            ("memory.limit_in_bytes", "memory.usage_in_bytes")
        with contextlib.suppress(OSError, ValueError):  # "max", or no such file: no limit
            rooms.append(int((folder / limit).read_text()) - int((folder / used).read_text()))
    with contextlib.suppress(OSError, ValueError, StopIteration):
        rooms.append(next(int(line.split()[1]) * 1024 for line in meminfo.read_text().splitlines()
                          if line.startswith("MemAvailable:")))
    return max(0, min(rooms)) if rooms else None


def _groups(root: Path, own: Path, controller: str, *mounts: str) -> Iterator[tuple[Path, bool]]:
    """The folders of this process's control group and of those holding it, for one
    controller ("cpu"; its v1 hierarchy may also be mounted at `mounts`), and whether each is
    cgroup v2's, seen from inside a container (its own group at the root) or not."""
    try:
        lines = own.read_text().splitlines()
    except OSError:
        return
    for line in lines:
        _, controllers, group = (line.split(":", 2) + ["", ""])[:3]
        if not group:
            continue
        if controllers == "":  # v2
            yield from ((folder, True) for folder in _down(root, group))
        elif controller in controllers.split(","):  # v1
            for mount in dict.fromkeys((root / controllers, root / controller,
                                        *(root / m for m in mounts))):
                yield from ((folder, False) for folder in _down(mount, group))


def _down(mount: Path, group: str) -> list[Path]:
    """The folders of the groups from `mount` down to `group` ("/a/b": mount, a, a/b)."""
    folders = [mount]
    for part in (p for p in group.split("/") if p):
        folders.append(folders[-1] / part)
    return folders


def _ratio(quota_file: Path, period_file: Path | None) -> float | None:
    try:
        if period_file is None:
            quota, period = quota_file.read_text().split()[:2]
        else:
            quota, period = quota_file.read_text().strip(), period_file.read_text().strip()
        if quota in ("max", "-1") or int(period) <= 0:
            return None
        return int(quota) / int(period)
    except (OSError, ValueError):
        return None


def chunked_map(work: Callable[[Any, list[T]], list[R]], state: Any, items: Sequence[T],
                jobs: int | None, progress: Progress | None = None,
                meanwhile: Callable[[], None] | None = None) -> Iterator[R]:
    """`work(state, chunk)` over chunks of `items`, in worker processes when worth it; the
    results one by one as each chunk comes back (a caller that keeps less of each result than
    the worker sent never holds them all), `progress(done, total)` after each chunk.
    `meanwhile()` runs in this process once the workers have their work, before the first
    result (else before the work): what does not need the results is done while they come."""
    workers = jobs_for(jobs)
    if workers < 2 or len(items) < 2 * MIN_PER_WORKER or "fork" not in \
            multiprocessing.get_all_start_methods():
        if progress is None or len(items) < 2 * MIN_PER_WORKER:
            if meanwhile is not None:
                meanwhile()
            yield from work(state, list(items))
            return
        workers = 1
    chunks = _chunks(items, workers, MIN_PER_WORKER if workers == 1 else None)
    finished = 0
    global _state, _work
    _state, _work = state, work
    try:
        with ExitStack() as stack:
            done = map(_run, chunks) if workers == 1 else stack.enter_context(
                ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork"),
                                    initializer=end_with_parent, initargs=(os.getpid(),))
            ).map(_run, chunks)
            if meanwhile is not None:
                meanwhile()
            for chunk in done:
                finished += len(chunk)
                yield from chunk
                if progress is not None:
                    progress(finished, len(items))
    finally:
        _state, _work = None, None


def _chunks(items: Sequence[T], workers: int, size: int | None) -> list[list[T]]:
    """`items` cut into chunks of `size`; or, when None, into chunks that get smaller towards
    the end (guided scheduling): each a share of what is left, so the first are large and few
    results travel, and the last are small, so that the workers finish nearly together."""
    chunks, start = [], 0
    while start < len(items):
        step = size or max(MIN_CHUNK, (len(items) - start) // (workers * CHUNKS_PER_WORKER))
        chunks.append(list(items[start:start + step]))
        start += step
    return chunks


def aside(work: Callable[..., None], *args: Any, jobs: int | None = None) -> Callable[[], None]:
    """Start `work(*args)` in a forked process, to run on a core this one leaves free, when
    there is one (`jobs`, see jobs_for); the function returned waits until it has ended.
    Nothing comes back: it leaves what it makes in files, and its failure is no one's (the
    work is done again where it is needed)."""
    if jobs_for(jobs) < 2 or "fork" not in multiprocessing.get_all_start_methods():
        return lambda: None
    process = multiprocessing.get_context("fork").Process(
        target=_aside, args=(os.getpid(), work, args), daemon=True)
    process.start()
    return process.join


def _aside(parent: int, work: Callable[..., None], args: tuple) -> None:
    end_with_parent(parent)
    with contextlib.suppress(BaseException):
        work(*args)


def end_with_parent(parent: int) -> None:
    """Make this process (forked by `parent`) end when its parent does (Linux): a process
    killed cannot stop its workers, which would wait for work, and hold the terminal's
    output open, for ever."""
    if not sys.platform.startswith("linux"):
        return
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:  # it ended before this was set
        os._exit(1)


def _run(chunk: list) -> list:
    assert _work is not None
    return _work(_state, chunk)
