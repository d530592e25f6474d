"""Build state: what the last build read and wrote, so the next one redoes only what changed.

The Lektor model: for every output the dependencies it read while rendering (lookups of other
pages, a fingerprint of each page's data, the templates it used or looked for, the theme files
it linked), plus a key over everything global (the generator's code, the options, site.yaml,
_data and the theme's strings). A page is rendered again only when the key or one of its
dependencies changed; Markdown bodies are reused by content (their links replayed when pages
were added, moved or removed); when no input file changed at all, the build stops after a stat
of each (and a read of those changed just before the last build: see Snapshot).

The state is a pickle in the cache folder, one per output folder, trusted only for the folder
whose marker names the build that saved it. It can be deleted at any time (the next build is
a full one) and restored by CI between runs: it names nothing by where the project is.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import naming

FORMAT = 8


class DepTable:
    """Every (dependency, value) pair outputs recorded, numbered once: an output keeps a tuple
    of numbers, and checking every output checks each pair once and then walks integers."""

    def __init__(self) -> None:
        self.pairs: list[tuple] = []
        self.numbers: dict[tuple, int] = {}
        self.settled = 0  # pairs in use when last compacted
        self.by_dependency: dict[str, dict[tuple, list[int]]] | None = None  # see by_dependencies

    def __getstate__(self) -> dict:  # saved without the index: made again when needed
        return {name: value for name, value in self.__dict__.items() if name != "by_dependency"}

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state, by_dependency=None)

    def by_dependencies(self) -> dict[str, dict[tuple, list[int]]]:
        """By kind of dependency ("data", "template"…), the numbers of the pairs recorded for
        each dependency, whatever they gave (indexed at the first call, then as pairs are
        added)."""
        if self.by_dependency is None:
            self.by_dependency = {}
            for number, (recorded, _) in enumerate(self.pairs):
                self._index(recorded, number)
        return self.by_dependency

    def _index(self, dependency: tuple, number: int) -> None:
        assert self.by_dependency is not None
        self.by_dependency.setdefault(dependency[0], {}).setdefault(dependency, []).append(number)

    def worth_compacting(self) -> bool:
        if not self.settled:
            self.settled = len(self.pairs)
        return len(self.pairs) > 2 * self.settled + 1000

    def intern(self, deps: dict) -> tuple[int, ...]:
        found = []
        for pair in deps.items():
            number = self.numbers.get(pair)
            if number is None:
                number = self.numbers[pair] = len(self.pairs)
                self.pairs.append(pair)
                if self.by_dependency is not None:
                    self._index(pair[0], number)
            found.append(number)
        return tuple(found)

    def compacted(self, outputs: dict[str, tuple[str, tuple[int, ...] | None]]
                  ) -> tuple[DepTable, dict[str, tuple[str, tuple[int, ...] | None]]]:
        """The table without pairs no output uses any more (a long preview session adds some
        with every save), and the outputs numbered in it."""
        table = DepTable()
        outputs = {path: (digest, None if ids is None else table.intern(
            dict(self.pairs[i] for i in ids))) for path, (digest, ids) in outputs.items()}
        table.settled = len(table.pairs)
        return table, outputs


@dataclass
class BuildState:
    key: str = ""  # everything global; a different key means a full build
    inputs: Snapshot | None = None  # the input files when it started (`expo build`)
    build: str = ""  # the id of the build, also written in the output folder's marker
    # output path → digest of its bytes, numbers of its dependencies in `deps` (None: none kept)
    outputs: dict[str, tuple[str, tuple[int, ...] | None]] = field(default_factory=dict)
    bodies: dict[tuple[str, str], Any] = field(default_factory=dict)  # bodies.Body by page
    settings: str = ""  # the options the build ran with
    pages: int = 0
    images: int = 0
    deps: DepTable = field(default_factory=DepTable)
    code: str = ""  # build.generator() of the build: the rendered Markdown is its
    problems: list = field(default_factory=list)  # what it reported (warnings: see StateSummary)


def state_file(cache: Path, output: Path) -> Path:
    """Where the state of `output` is kept. States of other formats (a former version of
    expo) are removed: this one cannot read them, and they are large."""
    name = hashlib.blake2b(portable(output, cache).encode(), digest_size=6).hexdigest()
    for other in cache.glob("state-*"):
        if not other.name.startswith(f"state-v{FORMAT}-"):
            other.unlink(missing_ok=True)
    return cache / f"state-v{FORMAT}-{name}.pickle"


def portable(path: Path, cache: Path) -> str:
    """`path` as the build state names it: relative to the project (the folder holding the
    cache) when inside it, so that a project moved, or checked out in another folder with
    its cache restored (a CI runner's new workspace), keeps its state; else absolute."""
    path, project = path.resolve(), cache.resolve().parent
    return path.relative_to(project).as_posix() if path.is_relative_to(project) else str(path)


@dataclass
class StateSummary:
    """The little a no-change build needs, kept apart from the state so that it loads at once:
    with the problems the last build reported, which the same inputs give again (SPEC §7: a
    rebuild reports the problems of the content as it stands; a build with errors saves no
    state, so they are warnings)."""

    settings: str
    inputs: Snapshot | None
    build: str
    pages: int
    images: int
    outputs: int
    problems: list


def load(path: Path) -> BuildState | None:
    found = _read(path)
    return found if isinstance(found, BuildState) else None


def load_summary(path: Path) -> StateSummary | None:
    found = _read(path.with_suffix(".summary"))
    return found if isinstance(found, StateSummary) else None


def save(path: Path, state: BuildState) -> None:
    """The state, then its summary (written last: it vouches for the state)."""
    _write(path, state)
    _write(path.with_suffix(".summary"), StateSummary(
        settings=state.settings, inputs=state.inputs, build=state.build, pages=state.pages,
        images=state.images, outputs=len(state.outputs), problems=state.problems))


def aside(path: Path) -> Path:
    """Where the state for `path` waits (`save` it there) until the site it describes is
    published (`commit`): a build that fails after saving it leaves the last state in use."""
    return path.with_name(f"{path.stem}.next{path.suffix}")


def commit(path: Path) -> None:
    """Put the state saved `aside` of `path` in its place: the state, then its summary."""
    waiting = aside(path)
    os.replace(waiting, path)
    os.replace(waiting.with_suffix(".summary"), path.with_suffix(".summary"))


def discard(path: Path) -> None:
    """Remove the state saved `aside` of `path`."""
    for waiting in (aside(path), aside(path).with_suffix(".summary")):
        waiting.unlink(missing_ok=True)


def write_whole(path: Path, data: bytes) -> None:
    """Write a file of the cache whole or not at all: a killed build never leaves half a
    file, and two processes writing it never mix their bytes."""
    tmp = path.with_suffix(f"{path.suffix}.{os.getpid()}.tmp")
    try:
        with naming(path, tmp):
            tmp.write_bytes(data)
            os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _read(path: Path) -> Any:
    try:
        with path.open("rb") as f:
            version, value = pickle.load(f)
    except Exception:  # missing, from another version, damaged: a full build, never a crash
        return None
    return value if version == FORMAT else None


def _write(path: Path, value: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    write_whole(path, pickle.dumps((FORMAT, value), protocol=pickle.HIGHEST_PROTOCOL))


# How long after a file's time a later edit may still get the same time: FAT keeps times to
# two seconds, some network file systems to one.
COARSE_CLOCK_NS = 2_000_000_000


@dataclass
class Snapshot:
    """Size and modification time of every input file: the no-change check. A file changed
    within the clock's precision of the snapshot could be edited again, to the same size,
    without its time changing (git calls it "racily clean"): its content's digest is kept too,
    and checked at the next build."""

    files: dict[str, tuple[int, int]]
    recent: dict[str, str]  # path → digest of the bytes, for the files changed just before

    def unchanged_since(self, older: Snapshot | None) -> bool:
        return isinstance(older, Snapshot) and self.files == older.files \
            and not self.changed_since(older)

    def settled(self) -> Snapshot:
        """This snapshot, with the recent files that can no longer change unseen taken as any
        other: their time is now further back than the clock's precision, and their bytes are
        still the ones seen. Taken at the end of a build, so that the next one does not read
        them again (every file of a fresh checkout is recent when its first build starts)."""
        settled_before = time.time_ns() - COARSE_CLOCK_NS
        recent = {}
        for path, found in self.recent.items():
            try:
                if self.files[path][1] <= settled_before and (
                        digest(Path(path).read_bytes()) == found):
                    continue
            except (KeyError, OSError):
                pass
            recent[path] = found
        return Snapshot(self.files, recent)

    def changed_since(self, older: Snapshot) -> set[str]:
        """The files added, removed or changed between `older` and this snapshot."""
        changed = {path for path in self.files.keys() | older.files.keys()
                   if self.files.get(path) != older.files.get(path)}
        for path, found in older.recent.items():
            try:
                if path not in changed and digest(Path(path).read_bytes()) != found:
                    changed.add(path)
            except OSError:
                changed.add(path)
        return changed


def snapshot(folders: list[Path]) -> Snapshot:
    """What the files below the folders look like now (see Snapshot)."""
    recent = time.time_ns() - COARSE_CLOCK_NS
    found = Snapshot({}, {})
    for folder in folders:
        for root, dirs, files in os.walk(folder, followlinks=False):
            dirs[:] = [d for d in dirs if d != "__pycache__"]
            for name in files:
                path = os.path.join(root, name)
                try:
                    info = os.stat(path)
                    if info.st_mtime_ns > recent:
                        found.recent[path] = digest(Path(path).read_bytes())
                except OSError:
                    continue
                found.files[path] = (info.st_size, info.st_mtime_ns)
    return found


def digest(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def global_key(parts: list[Any], folders: list[Path], files: list[Path]) -> str:
    """A hash of the options and of the bytes of every global input: the files below each
    folder by their path in it, the other files by their name (not where they are)."""
    h = hashlib.blake2b(repr((FORMAT, parts)).encode(), digest_size=16)
    named = [(f"{n}:{p.relative_to(folder).as_posix()}", p) for n, folder in enumerate(folders)
             if folder.is_dir() for p in sorted(folder.rglob("*"))
             if p.is_file() and "__pycache__" not in p.parts]
    for name, path in named + [(path.name, path) for path in files if path.is_file()]:
        h.update(name.encode() + b"\0" + path.read_bytes())
    return h.hexdigest()

