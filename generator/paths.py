"""Two rules about the editor's files, each written once: a path read from content/ stays
inside it, and a name becomes a URL-safe slug."""

from __future__ import annotations

import os
import re
from pathlib import Path

OUTSIDE_CONTENT = "this symbolic link points outside content/: copy the file into content/ instead"


def resolved_inside(path: Path, root: Path) -> Path | None:
    """`path` with symbolic links followed, when that is `root` (already resolved) or lies
    below it; else None."""
    target = path.resolve()
    return target if target.is_relative_to(root) else None


def slugify(name: str) -> str:
    """Lower-case letters and digits, every other run of characters one '-': "Smart Parking!"
    → "smart-parking"."""
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


def resolve_file(content_dir: Path, page_path: Path, ref_path: str,
                 looked: set[str] | None = None) -> Path | str:
    """The file a page refers to, inside content/, or a message saying why there is none;
    `looked` gets every path looked at."""
    ref_path = ref_path.strip().split("#")[0].split("?")[0]
    root = content_dir.resolve()
    if "\x00" in ref_path or "\\" in ref_path:
        return f"'{ref_path}' is not a usable path: use '/' between folders"
    candidates = [root / ref_path.lstrip("/")] if ref_path.startswith("/") else [
        page_path.parent / ref_path, root / ref_path]
    for candidate in candidates:
        resolved = resolved_inside(candidate, root)
        if looked is not None:
            looked.add(os.path.normpath(candidate))
            if resolved is not None:
                looked.add(str(resolved))
        if resolved is None:
            return f"'{ref_path}' points outside content/: keep files inside the content folder"
        try:
            if resolved.is_file():
                return resolved
        except OSError as exc:  # a name longer than the file system takes, say
            return f"'{ref_path}' is not a usable path: {exc.strerror}"
    return f"file '{ref_path}' not found (looked next to the page and in content/)"
