"""Build state: what the last build read and wrote, so the next one redoes only what changed.

The Lektor model: for every output the dependencies it read while rendering (lookups of other
pages and a fingerprint of each page's data), plus a key over everything global (the
generator's code, the options, site.yaml, _data and the whole theme). A page is rendered again
only when its key or one of its dependencies changed; Markdown bodies are reused by content
and replayed links; when no input file changed at all, the build stops after a stat of each.

The state is a pickle in the cache folder, one per output folder. It can be deleted at any
time (the next build is a full one) and restored by CI between runs.
"""

from __future__ import annotations

import hashlib
import os
import pickle
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

FORMAT = 1


@dataclass
class CachedBody:
    source: str  # hash of the Markdown text, its file and language
    html: str
    toc: str
    ids: frozenset[str]
    links: list[tuple[str, str, str | None]]  # (value, tag, what the link became)


@dataclass
class BuildState:
    key: str = ""  # everything global; a different key means a full build
    inputs: dict[str, tuple[int, int]] = field(default_factory=dict)  # path → size, mtime
    output_id: tuple[int, int] = (0, 0)  # the output folder's device and inode
    outputs: dict[str, tuple[str, dict | None]] = field(default_factory=dict)  # digest, deps
    bodies: dict[tuple[str, str], CachedBody] = field(default_factory=dict)
    settings: str = ""  # the options the build ran with
    pages: int = 0
    images: int = 0


def state_file(cache: Path, output: Path) -> Path:
    name = hashlib.blake2b(str(output.resolve()).encode(), digest_size=6).hexdigest()
    return cache / f"state-{name}.pickle"


@dataclass
class Quick:
    """The little a no-change build needs, kept apart so that it loads in milliseconds."""

    settings: str
    inputs: dict[str, tuple[int, int]]
    output_id: tuple[int, int]
    pages: int
    images: int
    outputs: int


def load(path: Path) -> BuildState | None:
    found = _read(path)
    return found if isinstance(found, BuildState) else None


def load_quick(path: Path) -> Quick | None:
    found = _read(path.with_suffix(".quick"))
    return found if isinstance(found, Quick) else None


def save(path: Path, state: BuildState) -> None:
    """The state, then its quick part (written last: it vouches for the state)."""
    _write(path, state)
    _write(path.with_suffix(".quick"), Quick(state.settings, state.inputs, state.output_id,
                                              state.pages, state.images, len(state.outputs)))


def _read(path: Path) -> Any:
    try:
        with path.open("rb") as f:
            version, value = pickle.load(f)
    except Exception:  # missing, from another version, damaged: a full build, never a crash
        return None
    return value if version == FORMAT else None


def _write(path: Path, value: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    with tmp.open("wb") as f:
        pickle.dump((FORMAT, value), f, protocol=pickle.HIGHEST_PROTOCOL)
    os.replace(tmp, path)


def snapshot(folders: list[Path]) -> dict[str, tuple[int, int]]:
    """Size and modification time of every file below the folders: the no-change check."""
    found: dict[str, tuple[int, int]] = {}
    for folder in folders:
        for root, dirs, files in os.walk(folder, followlinks=False):
            dirs[:] = [d for d in dirs if d != "__pycache__"]
            for name in files:
                path = os.path.join(root, name)
                try:
                    info = os.stat(path)
                except OSError:
                    continue
                found[path] = (info.st_size, info.st_mtime_ns)
    return found


def digest(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def global_key(parts: list[Any], folders: list[Path], files: list[Path]) -> str:
    """A hash of the options and of the bytes of every global input."""
    h = hashlib.blake2b(repr((FORMAT, parts)).encode(), digest_size=16)
    paths = [p for folder in folders if folder.is_dir() for p in sorted(folder.rglob("*"))
             if p.is_file() and "__pycache__" not in p.parts] + [p for p in files if p.is_file()]
    for path in paths:
        h.update(str(path).encode() + b"\0" + path.read_bytes())
    return h.hexdigest()


def output_id(output: Path) -> tuple[int, int]:
    try:
        info = os.stat(output)
    except OSError:
        return (0, 0)
    return (info.st_dev, info.st_ino)
