"""Site search with Pagefind (extended build: it segments Chinese words).

Run over the finished site just before it is swapped in: Pagefind reads every page's `<html
lang>` and writes one index per language into `pagefind/`. Only the part of a page marked
`data-pagefind-body` (the main content of item and plain pages) is indexed, so navigation and
listings never match; drafts are never built, so never indexed.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

SEARCH_DIR = "pagefind"


class SearchError(Exception):
    pass


def index_site(folder: Path) -> int:
    """Index the built site in `folder`; returns the number of pages indexed."""
    try:
        from pagefind.index import IndexConfig, PagefindIndex
    except ImportError as exc:  # pragma: no cover - a dependency of the package
        raise SearchError("Pagefind is not installed: pip install 'pagefind[extended]'") from exc

    async def run() -> int:
        config = IndexConfig(output_path=str(folder / SEARCH_DIR))
        async with PagefindIndex(config=config) as index:
            result = await index.add_directory(str(folder))
        return int(result.get("page_count", 0))

    try:
        return asyncio.run(run())
    except Exception as exc:  # the service reports errors in many shapes
        raise SearchError(f"search indexing failed: {exc}") from exc
