"""Site search with Pagefind (extended build: it segments Chinese words).

Run over the finished site just before it is swapped in, once per language: the pages below
`<lang>/` make the bundle `pagefind/<lang>/`, which that language's search page loads. Only
the part of a page marked `data-pagefind-body` (the main content of item and plain pages) is
indexed, less what is marked `data-pagefind-ignore` (related cards, the table of contents), so
navigation and listings never match; drafts are never built, so never indexed.

One run per language holds one language's index in memory at a time, and a build that changed
no page of a language keeps that language's bundle from the last build (hard links) instead of
indexing it again.

Pagefind runs as its command-line program, which exits once every file is written. Its Python
service API answers "written" while it is still writing and is then stopped: on a busy machine
that published empty files (pagefind-entry.json among them) and a broken search.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterable
from pathlib import Path

from .output import keep

SEARCH_DIR = "pagefind"
ENTRY = "pagefind-entry.json"  # Pagefind writes it last: a bundle without it is incomplete


class SearchError(Exception):
    pass


def index_site(folder: Path, languages: Iterable[str], changed: Iterable[str] = (),
               previous: Path | None = None) -> None:
    """Write the search bundle of each language into `folder`, the built site.

    `changed`: the paths (below the site) of the pages added, changed or removed since the
    site in `previous`, whose bundles are kept for the languages none of them belongs to.
    """
    touched = {path.split("/", 1)[0] for path in changed}
    for code in languages:
        old = previous / SEARCH_DIR / code if previous is not None else None
        if old is not None and code not in touched and (old / ENTRY).is_file():
            _link_tree(old, folder / SEARCH_DIR / code)
        elif (folder / code).is_dir():
            _pagefind(folder, code)


def _pagefind(folder: Path, code: str) -> None:
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
        done = subprocess.run([str(executable), "--site", ".", "--glob", f"{code}/**/*.html",
                               "--output-subdir", f"{SEARCH_DIR}/{code}"],
                              cwd=folder, env=env, capture_output=True, text=True,
                              errors="replace")
    except OSError as exc:
        raise SearchError(f"search indexing failed: {exc}") from exc
    if done.returncode != 0:
        said = (done.stderr.strip() or done.stdout.strip()).splitlines()[-3:]
        raise SearchError(f"search indexing failed: {' '.join(said) or done.returncode}")


def _link_tree(old: Path, new: Path) -> None:
    """The same files in the new folder: hard links, or copies where links are not possible."""
    for path in old.rglob("*"):
        if path.is_file():
            target = new / path.relative_to(old)
            target.parent.mkdir(parents=True, exist_ok=True)
            keep(path, target)
