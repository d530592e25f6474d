"""Site search with Pagefind (extended build: it segments Chinese words).

Run over the finished site just before it is swapped in: Pagefind reads every page's `<html
lang>` and writes one index per language into `pagefind/`. Only the part of a page marked
`data-pagefind-body` (the main content of item and plain pages) is indexed, so navigation and
listings never match; drafts are never built, so never indexed.

Pagefind runs as its command-line program, which exits once every file is written. Its Python
service API answers "written" while it is still writing and is then stopped: on a busy machine
that published empty files (pagefind-entry.json among them) and a broken search.
"""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

SEARCH_DIR = "pagefind"


class SearchError(Exception):
    pass


def index_site(folder: Path) -> int:
    """Index the built site in `folder`; returns the number of pages indexed."""
    try:
        from pagefind.service import get_executable  # the extended binary when installed
    except ImportError as exc:  # pragma: no cover - a dependency of the package
        raise SearchError("Pagefind is not installed: pip install 'pagefind[extended]'") from exc
    executable = get_executable()
    if executable is None:
        raise SearchError("the Pagefind program is missing: pip install 'pagefind[extended]'")
    # The site's own folder as working folder, and no PAGEFIND_* settings from the environment:
    # no pagefind.yml or variable of the machine changes what is published.
    env = {name: value for name, value in os.environ.items() if not name.startswith("PAGEFIND_")}
    try:
        done = subprocess.run([str(executable), "--site", ".", "--output-subdir", SEARCH_DIR],
                              cwd=folder, env=env, capture_output=True, text=True,
                              errors="replace")
    except OSError as exc:
        raise SearchError(f"search indexing failed: {exc}") from exc
    if done.returncode != 0:
        said = (done.stderr.strip() or done.stdout.strip()).splitlines()[-3:]
        raise SearchError(f"search indexing failed: {' '.join(said) or done.returncode}")
    indexed = re.search(r"Indexed (\d+) pages?", done.stdout)
    return int(indexed.group(1)) if indexed else 0
