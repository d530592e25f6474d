"""One build at a time in a project.

Builds of one project share its cache folder (rendered images, compiled templates, build
states) and replace the same output folder: two at once would prune what the other still needs,
or swap a folder in while the other swaps. Each build (and each of `expo serve`'s, only while it
builds) holds the operating system's lock on a file in the cache folder; a second one waits
for it. The system releases the lock of a process that ends, however it ends: a killed build
never leaves a project locked.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from .errors import display_path

try:
    import fcntl
except ImportError:  # Windows: no advisory locks of this kind, builds are not serialised
    fcntl = None  # type: ignore[assignment]

LOCK_NAME = "lock"


@contextmanager
def project_lock(cache: Path, waiting: Callable[[str], None]) -> Iterator[None]:
    """Hold the lock of the project whose cache folder is `cache`; when another process holds
    it, tell `waiting` (one line, naming that process) and wait until it is released."""
    if fcntl is None:
        yield
        return
    cache.mkdir(parents=True, exist_ok=True)
    path = cache / LOCK_NAME
    with open(path, "a+b", buffering=0) as file:  # unbuffered: a write fails at once or not
        try:
            fcntl.flock(file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            file.seek(0)
            holder = file.read().decode(errors="replace").strip()
            who = f"process {holder}" if holder.isdigit() else "a process"
            waiting(f"expo: waiting for another build of this project to end ({who} holds "
                    f"{display_path(path)})")
            fcntl.flock(file, fcntl.LOCK_EX)
        try:
            file.seek(0)
            file.truncate()
            with contextlib.suppress(OSError):  # only for the message above (a full disk)
                file.write(str(os.getpid()).encode())
            yield
        finally:
            file.seek(0)
            file.truncate()
            fcntl.flock(file, fcntl.LOCK_UN)
