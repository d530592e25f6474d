"""Two rules about the editor's files, each written once: a path read from content/ stays
inside it, and a name becomes a URL-safe slug."""

from __future__ import annotations

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
