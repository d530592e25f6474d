"""Writing the built site: into a fresh folder beside output/, swapped in only when complete.

A failed or killed build therefore leaves the published `output/` byte for byte as it was;
a folder expo did not write, or one that holds the project, is never replaced.
"""

from __future__ import annotations

import os
import secrets
import shutil
import tempfile
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from .cache import digest
from .errors import UsageError
from .model import OutputFile
from .urls import safe_output_path

MARKER = ".expo-output"  # says "expo wrote this folder, it may be replaced", and which build
MARKER_TEXT = "written by expo; this folder is replaced on each build\nbuild: {}\n"


def new_build_id() -> str:
    return secrets.token_hex(8)


def build_id(output: Path) -> str | None:
    """The id of the build that wrote `output` last (a build state is trusted only for it)."""
    try:
        text = (output / MARKER).read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None
    return text.rpartition("build: ")[2].strip() or None if "build: " in text else None


def check_output_dir(output: Path, sources: Iterable[Path], project: Path) -> Path:
    """The resolved output folder, or UsageError when replacing it could destroy something.

    It may not be, hold or lie inside a source folder (content/, templates/), nor be or hold
    the project folder, the home folder or `/`.
    """
    out = output.resolve()
    for path in (project, Path.home(), Path(out.anchor)):
        path = path.resolve()
        if out == path or out in path.parents:
            raise UsageError(f"refusing to use {output} as output folder: it would replace {path}")
    for path in sources:
        path = path.resolve()
        if out == path or out in path.parents or path in out.parents:
            raise UsageError(f"refusing to use {output} as output folder: it is, holds or is "
                             f"inside {path}")
    if out.exists() and not out.is_dir():
        raise UsageError(f"{output} exists and is not a folder")
    if out.is_dir() and any(out.iterdir()) and not (out / MARKER).exists():
        raise UsageError(f"{output} holds files expo did not write: empty it or choose another "
                         "--output (expo replaces the whole folder on every build)")
    return out


def recover(output: Path) -> None:
    """Undo a build killed between its two renames: put the previous site back."""
    for old in output.parent.glob(f".{output.name}.old-*"):
        if not output.exists():
            os.replace(old, output)
        else:
            shutil.rmtree(old, ignore_errors=True)
    for tmp in output.parent.glob(f".{output.name}.new-*"):
        shutil.rmtree(tmp, ignore_errors=True)


def new_folder(output: Path) -> Path:
    """The folder a build fills beside `output`, to be swapped in by `publish`."""
    output.parent.mkdir(parents=True, exist_ok=True)
    try:
        return Path(tempfile.mkdtemp(prefix=f".{output.name}.new-", dir=output.parent))
    except OSError as exc:  # named after the folder that refused it
        raise OSError(exc.errno, f"{exc.strerror} (the new site is made in a folder beside "
                      f"{output.name}/, then swapped in)", os.fspath(output.parent)) from exc


@contextmanager
def reported_as(output: Path) -> Iterator[None]:
    """An OSError about a folder a build makes beside `output` (the new site, the old one
    while they are swapped), or about no file at all (a full disk, found while writing to a
    file already open), is reported as about `output`: those folders are gone once the build
    has failed."""
    try:
        yield
    except OSError as exc:
        names = [name for name in (exc.filename, exc.filename2) if name is not None]
        if not names or any(_beside(Path(os.fsdecode(name)), output) for name in names):
            exc.filename, exc.filename2 = os.fspath(output), None
        raise


def _beside(path: Path, output: Path) -> bool:
    """Whether `path` is, or is inside, one of the folders a build makes beside `output`."""
    parent = output.resolve().parent
    path = path if path.is_absolute() else Path.cwd() / path
    rel = os.path.relpath(path, parent).split(os.sep)[0]
    return rel.startswith((f".{output.name}.new-", f".{output.name}.old-"))


def checked_path(path: str) -> str:
    """`safe_output_path(path)`, or ValueError: the build checks paths first, and this is the
    last line of defence before a file is written."""
    rel = safe_output_path(path)
    if rel is None:
        raise ValueError(f"unsafe output path {path!r}")
    return rel


def stage(staging: Path, path: str, data: bytes) -> None:
    """Write one file into the new folder (workers do, as they render pages)."""
    target = os.path.join(staging, checked_path(path))  # os, not pathlib: once a page
    os.makedirs(os.path.dirname(target), exist_ok=True)
    with open(target, "wb") as file:
        file.write(data)


@dataclass
class Staged:
    """A new folder holding the whole next site, not yet swapped in (see `publish`)."""

    folder: Path
    written: int  # files written anew (the others are hard links to the current ones)
    pages_changed: set[str]  # the pages added, changed or removed


def write_site(files: list[OutputFile], output: Path, build: str,
               previous: dict[str, str] | None = None) -> int:
    """Make `output` hold exactly `files` (`stage_site`, then `publish`); returns how many
    files had to be written."""
    staged = stage_site(files, output, build, previous)
    return 0 if staged is None else publish(staged, output)


def stage_site(files: list[OutputFile], output: Path, build: str,
               previous: dict[str, str] | None = None, staging: Path | None = None
               ) -> Staged | None:
    """A new folder beside `output` holding exactly `files`, or None when that is what
    `output` holds already (then nothing is written at all).

    `previous` maps the paths of the last build to the digests of their bytes: unchanged
    files are hard links to the current ones, never modified in place. `staging`: the new
    folder (`new_folder`) when some files were written into it already (`staged`).
    """
    previous = previous or {}
    changed = [f for f in files if f.staged or f.data is not None and
               previous.get(f.path) != digest(f.data)]
    if output.is_dir() and not changed and {f.path for f in files} == set(previous):
        if staging is not None:
            shutil.rmtree(staging, ignore_errors=True)
        return None
    if staging is None:
        recover(output)
        staging = new_folder(output)
    rewrite = {f.path for f in changed}
    pages_changed = {p for p in rewrite | (set(previous) ^ {f.path for f in files})
                     if p.endswith(".html")}
    try:
        (staging / MARKER).write_text(MARKER_TEXT.format(build), encoding="utf-8")
        made: set[Path] = {staging}
        for file in files:
            if file.staged:  # written by a worker, which made its folder (see `stage`)
                continue
            rel = checked_path(file.path)
            target = staging / rel
            if target.parent not in made:
                target.parent.mkdir(parents=True, exist_ok=True)
                made.add(target.parent)
            if file.path in rewrite or file.data is not None and not (output / rel).is_file():
                target.write_bytes(file.data)
            else:
                keep(output / rel, target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return Staged(staging, len(rewrite), pages_changed)


def publish(staged: Staged, output: Path,
            finish: Callable[[Path, set[str]], None] | None = None) -> int:
    """`finish` adds to the new folder (the search index; it is told which pages changed),
    then the folder is swapped in for `output`; removed instead if either fails. Returns how
    many files were written."""
    try:
        if finish is not None:
            finish(staged.folder, staged.pages_changed)
        _swap(staged.folder, output)
    except BaseException:
        shutil.rmtree(staged.folder, ignore_errors=True)
        raise
    return staged.written


def update_in_place(files: list[OutputFile], output: Path, build: str,
                    previous: dict[str, str]) -> int:
    """Make `output` hold exactly `files` by writing only what changed, in place.

    For the preview's own folder, where requests wait for the build: no staging copy of a
    large site on every save. The marker gets the new build id first, so a build killed
    half-way is never taken for the last complete one.
    """
    if not output.is_dir() or not (output / MARKER).is_file():
        return write_site(files, output, build, previous)
    changed = [f for f in files if f.data is not None and previous.get(f.path) != digest(f.data)]
    gone = set(previous) - {f.path for f in files}
    if not changed and not gone:
        return 0
    (output / MARKER).write_text(MARKER_TEXT.format(build), encoding="utf-8")
    for file in changed:
        target = output / checked_path(file.path)
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(f".{target.name}.tmp")
        tmp.write_bytes(file.data)
        os.replace(tmp, target)
    for path in gone:
        rel = safe_output_path(path)
        if rel is not None:
            (output / rel).unlink(missing_ok=True)
            for folder in (output / rel).parents:  # a moved page leaves no empty folder
                if folder == output or any(folder.iterdir()):
                    break
                folder.rmdir()
    return len(changed)


def keep(old: Path, new: Path) -> None:
    """The same file in the new folder: a hard link, or a copy where links are not possible."""
    try:
        os.link(old, new)
    except OSError:
        shutil.copy2(old, new)


def _swap(staging: Path, output: Path) -> None:
    if not output.exists():
        os.replace(staging, output)
        return
    old = output.parent / f".{output.name}.old-{os.getpid()}"
    os.replace(output, old)
    try:
        os.replace(staging, output)
    except BaseException:
        os.replace(old, output)
        raise
    shutil.rmtree(old, ignore_errors=True)
