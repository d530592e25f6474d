"""`expo build`: the site made in a child process, then indexed and published by this one."""

from __future__ import annotations

import os
import pickle
import signal
import sys
import tempfile
import threading
import time
import traceback
from dataclasses import dataclass
from pathlib import Path

from ..errors import BuildFailed, Problems, UsageError
from ..parallel import end_with_parent
from .builder import Builder
from .options import Options, Result
from .publish import Unpublished


@dataclass
class ChildOutcome:
    """What the child of `build` leaves for its parent: a result and the site it left
    unpublished, or the error the parent raises again."""

    result: Result | None = None
    unpublished: Unpublished | None = None
    raised: BuildFailed | UsageError | OSError | None = None


def build(options: Options) -> Result:
    """One build, with the state the last one left in the cache folder.

    With the search index, where processes can fork, the site is made in a child process and
    indexed by this one once the child has ended: Pagefind, which holds a language's whole
    index in memory, then never shares the machine with the site, and a build needs the
    larger of the two, not their sum."""
    if options.no_search or not hasattr(os, "fork"):
        return Builder(options).build()
    outcome = _build_in_child(options)
    result = outcome.result
    if outcome.unpublished is not None:
        started = time.perf_counter()
        outcome.unpublished.publish(result.problems, options.progress)
        result.phases["search"] = time.perf_counter() - started
    return result


def _build_in_child(options: Options) -> ChildOutcome:
    """A build in a child process (see `build`), which leaves a new site unpublished."""
    # The child leaves its outcome in a file: a pipe's end would live on in its workers, and
    # a child killed (by the kernel when memory runs out) would leave this one waiting.
    handle, name = tempfile.mkstemp(prefix="expo-build-", suffix=".pickle")
    os.close(handle)
    report = Path(name)
    try:
        parent = os.getpid()
        child = os.fork()
        if child == 0:
            end_with_parent(parent)
            _build_for_parent(options, report)
        # Asked to stop (a cancelled job, `docker stop`), this process passes it on. Ctrl+C
        # reaches the child too: it removes its new folder and ends.
        main = threading.current_thread() is threading.main_thread()  # where handlers go
        asked = signal.signal(signal.SIGTERM, lambda number, _: os.kill(child, number)) \
            if main else None
        try:
            _, status = os.waitpid(child, 0)
        except BaseException:
            os.waitpid(child, 0)
            raise
        finally:
            if main:
                signal.signal(signal.SIGTERM, asked)
        code = os.waitstatus_to_exitcode(status)
        with report.open("rb") as file:
            outcome = pickle.load(file) if code == 0 else None
    finally:
        report.unlink(missing_ok=True)
    if outcome is None:  # killed, interrupted, or a bug (whose traceback the child printed)
        if code == 130:
            raise KeyboardInterrupt
        problems = Problems()
        problems.error(options.output, 1, f"the build process was stopped by "
                       f"{signal.Signals(-code).name}" + (" (the machine may be out of memory)"
                                                         if -code == signal.SIGKILL else "")
                       if code < 0 else
                       f"the build process ended with exit status {code} (see above)")
        raise BuildFailed(problems)
    if outcome.raised is not None:
        raise outcome.raised
    return outcome


def _build_for_parent(options: Options, report: Path) -> None:
    """In the child of `build`: build, leave the new site unpublished, write the outcome into
    `report` for the parent, end."""
    status = 0
    try:
        builder = Builder(options, index_apart=True)
        try:
            outcome = ChildOutcome(result=builder.build(), unpublished=builder.unpublished)
        except (BuildFailed, UsageError, OSError) as exc:  # raised again by the parent
            outcome = ChildOutcome(raised=exc)
        with report.open("wb") as file:
            pickle.dump(outcome, file, pickle.HIGHEST_PROTOCOL)
    except KeyboardInterrupt:
        status = 130
    except BaseException:
        traceback.print_exc()
        status = 1
    finally:
        clear = getattr(options.progress, "clear", None)  # a terminal line the parent never drew
        if clear is not None:
            clear()
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(status)


