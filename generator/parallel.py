"""Spreading work over processes, with results in the order of the input.

Workers are forked after the site is loaded, so they share it without pickling it; only each
chunk's results travel back. The order of results never depends on the number of workers, so
a build is byte-identical whatever `--jobs` says.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import Any, TypeVar

T = TypeVar("T")
R = TypeVar("R")
MIN_PER_WORKER = 200  # below this, starting processes costs more than it saves

_state: Any = None
_work: Callable | None = None


def jobs_for(jobs: int | None) -> int:
    return jobs or os.cpu_count() or 1


def chunked_map(work: Callable[[Any, list[T]], list[R]], state: Any, items: Sequence[T],
                jobs: int | None) -> list[R]:
    """`work(state, chunk)` over chunks of `items`, in worker processes when worth it."""
    workers = jobs_for(jobs)
    if workers < 2 or len(items) < 2 * MIN_PER_WORKER or "fork" not in \
            multiprocessing.get_all_start_methods():
        return work(state, list(items))
    size = max(MIN_PER_WORKER // 4, len(items) // (workers * 4) + 1)
    chunks = [list(items[i:i + size]) for i in range(0, len(items), size)]
    global _state, _work
    _state, _work = state, work
    try:
        context = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(workers, mp_context=context) as pool:
            results = list(pool.map(_run, chunks))
    finally:
        _state, _work = None, None
    return [result for chunk in results for result in chunk]


def _run(chunk: list) -> list:
    assert _work is not None
    return _work(_state, chunk)
