"""Faults of the machine, not of the content: a disk that fills up, a permission refused, a
damaged cache, two builds at once.

A failure of the machine is one line, `path: error: cause` (SPEC §7), exit 1, no traceback,
and output/ byte for byte as it was; the next build, once the fault is gone, gives what a clean
build gives. CI runs as root, where file modes refuse nothing, so the errors are injected into
`expo build` run in-process (`generator.cli.main`): `open` hands out files whose writes fail
with ENOSPC as a full disk does (no file name in the error), `os.mkdir` and `os.replace` refuse
with EACCES. Where the machine allows mounting, a real full file system (a small tmpfs) is
tried too.
"""

from __future__ import annotations

import builtins
import errno
import io
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from PIL import Image
from sitekit import ROOT, build, expo, make_site, output_files
from test_interrupt import differences, snapshot

import generator.parallel
from generator.cli import main

SITE = {
    "content/index.md": "---\ntitle: Home\n---\nWelcome.\n",
    "content/about.md": "---\ntitle: About\nimage: cover.png\nimage_alt: A cover\n---\n"
                        "About us.\n",
    "content/news/one.md": "---\ntitle: One\ndate: 2020-07-01\n---\nNews.\n",
    "content/pavilions/taipei.md": "---\ntitle: Taipei Pavilion\norganizer: TCG\n---\nHall.\n",
}
EDIT = ("content/news/one.md", "---\ntitle: One, updated\ndate: 2020-07-01\n---\nNews!\n")


def write_cover(root: Path, colour: str) -> None:
    Image.new("RGB", (600, 400), colour).save(root / "content/cover.png")


def project(root: Path) -> Path:
    make_site(root, SITE)
    write_cover(root, "teal")
    return root


def edit(root: Path) -> None:
    """A new text and a new picture: the next build writes pages and renders images."""
    (root / EDIT[0]).write_text(EDIT[1], encoding="utf-8")
    write_cover(root, "orange")


@pytest.fixture(scope="module")
def clean(tmp_path_factory) -> dict[str, tuple[Path, dict[str, str]]]:
    """The edited site built from nothing, with and without the search index."""
    root = project(tmp_path_factory.mktemp("clean"))
    edit(root)
    found = {}
    for args in (["--no-search"], []):
        build(root, "--output", f"out{len(args)}", *args)
        found[" ".join(args)] = root / f"out{len(args)}"
    return {name: (folder, snapshot(folder)) for name, folder in found.items()}


def tree(folder: Path) -> dict[str, bytes | None]:
    """Every file (with its bytes) and folder below `folder`, the marker included."""
    return {p.relative_to(folder).as_posix(): None if p.is_dir() else p.read_bytes()
            for p in sorted(folder.rglob("*"))}


def run(root: Path, monkeypatch, capsys, *args: str) -> tuple[int, list[str]]:
    """`expo build ARGS` run in this process (and the processes it forks), so that the faults
    injected here reach every write; its exit status and lines on stderr."""
    monkeypatch.chdir(root)
    code = main(["build", "--templates", str(ROOT / "templates"), "--jobs", "1", *args])
    return code, capsys.readouterr().err.splitlines()


class FullDisk(io.RawIOBase):
    """A file being written on a full disk: each write fails as the system's does, without
    the file's name."""

    def __init__(self, file):
        super().__init__()
        self.file = file

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    def close(self) -> None:
        self.file.close()
        super().close()


class Hits:
    """The paths a fault was met at, in whatever process met it (a forked child or worker
    process does not share this one's memory)."""

    def __init__(self) -> None:
        handle, name = tempfile.mkstemp(prefix="expo-fault-")
        os.close(handle)
        self.log = Path(name)

    def append(self, path: str) -> None:
        with self.log.open("a", encoding="utf-8", errors="surrogateescape") as log:
            log.write(path + "\n")

    def __bool__(self) -> bool:
        return self.log.stat().st_size > 0


def writes_fail(monkeypatch, where: str, error: int = errno.ENOSPC) -> Hits:
    """Files opened for writing whose path holds `where` fail from now on: with a full disk
    (ENOSPC) at each write, as the system's writes do (not naming the file); else at the
    opening (EACCES: a folder whose permissions refuse this user). The paths that did."""
    real = io.open
    hit = Hits()

    def fake(file, mode="r", *args, **kwargs):
        if isinstance(file, (str, bytes, os.PathLike)) and set(mode) & set("wax+") and \
                where in os.fsdecode(file):
            hit.append(os.fsdecode(file))
            if error != errno.ENOSPC:
                raise OSError(error, os.strerror(error), file)
            return FullDisk(real(file, mode, *args, **kwargs))
        return real(file, mode, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", fake)
    monkeypatch.setattr(io, "open", fake)  # pathlib's
    return hit


def refuse(monkeypatch, name: str, where: str) -> Hits:
    """`os.<name>` (mkdir, replace) on a path that holds `where` fails with EACCES; the paths
    refused."""
    real = getattr(os, name)
    hit = Hits()

    def fake(path, *args, **kwargs):
        if where in os.fsdecode(path):
            hit.append(os.fsdecode(path))
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), path)
        return real(path, *args, **kwargs)

    monkeypatch.setattr(os, name, fake)
    return hit


def beside(root: Path) -> list[str]:
    """What lies in the project folder: the folders a build makes beside output/ must be
    gone once it has ended."""
    return sorted(p.name for p in root.iterdir())


def no_leftovers(root: Path) -> None:
    assert beside(root) == [".expo-cache", "content", "output"]
    assert not [p for p in (root / ".expo-cache").rglob("*") if ".tmp" in p.name]


NO_SPACE = ": error: No space left on device"
DENIED = ": error: Permission denied"
FAULTS = {  # name → (inject the fault, the line expected)
    "disk full: pages": (lambda mp: writes_fail(mp, ".output.new-"), "output" + NO_SPACE),
    "disk full: build state": (lambda mp: writes_fail(mp, ".expo-cache/state-"),
                               r"\.expo-cache/state-v\d+-[0-9a-f]+\.next\.pickle" + NO_SPACE),
    "disk full: images": (lambda mp: writes_fail(mp, ".expo-cache/images/"),
                          r"\.expo-cache/images/cover-[0-9a-f]+-600\.jpg" + NO_SPACE),
    "output's parent refused": (
        lambda mp: refuse(mp, "mkdir", ".output.new-"),
        r"\." + DENIED + r" \(the new site is made in a folder beside output/, then swapped "
        r"in\)"),
    "cache folder refused": (lambda mp: writes_fail(mp, ".expo-cache/", errno.EACCES),
                             r"\.expo-cache/lock" + DENIED),
    "cache files refused": (lambda mp: writes_fail(mp, ".expo-cache/images/", errno.EACCES),
                            r"\.expo-cache/images/cover-[0-9a-f]+-600\.jpg" + DENIED),
    "swap refused": (lambda mp: refuse(mp, "replace", ".output.new-"), "output" + DENIED),
}


@pytest.mark.parametrize("search", [False, True], ids=["no-search", "search"])
@pytest.mark.parametrize("fault", list(FAULTS))
def test_a_fault_of_the_machine_is_one_line_and_output_stays(tmp_path, monkeypatch, capsys,
                                                            clean, fault, search):
    """Each fault at its point of the build (in the child process that makes the site when
    the search index is built, in this one when it is swapped in)."""
    args = [] if search else ["--no-search"]
    root = project(tmp_path)
    assert run(root, monkeypatch, capsys, *args)[0] == 0
    before = tree(root / "output")
    edit(root)
    inject, expected = FAULTS[fault]
    with monkeypatch.context() as patched:
        hit = inject(patched)
        code, lines = run(root, monkeypatch, capsys, *args)
    assert hit, "the fault was never met"
    hit.log.unlink()
    assert (code, len(lines)) == (1, 1), lines
    assert re.fullmatch(expected, lines[0]), lines
    assert tree(root / "output") == before
    no_leftovers(root)
    # The fault gone, the next build is the clean build of the same files.
    code, lines = run(root, monkeypatch, capsys, *args)
    assert code == 0, lines
    folder, files = clean[" ".join(args)]
    assert differences(root / "output", snapshot(root / "output"), (folder, files)) == []
    no_leftovers(root)


@pytest.mark.parametrize("form", ["json", "github"])
def test_a_fault_of_the_machine_reaches_a_machine_reader_too(tmp_path, monkeypatch, capsys,
                                                             form):
    """With --format json or github, a fault of the machine is on standard output in that
    form as well (a script reading the JSON gets an array, not nothing), beside its line."""
    root = project(tmp_path)
    with monkeypatch.context() as patched:
        refuse(patched, "replace", ".output.new-")
        monkeypatch.chdir(root)
        code = main(["build", "--templates", str(ROOT / "templates"), "--no-search",
                     "--format", form])
    out, err = capsys.readouterr()
    assert code == 1 and err.splitlines() == ["output: error: Permission denied"]
    if form == "json":
        assert json.loads(out) == [{"path": "output", "line": None, "severity": "error",
                                    "message": "Permission denied"}]
    else:
        assert out == "::error file=output::Permission denied\n"


def test_a_full_disk_in_a_worker_process_is_one_line(tmp_path, monkeypatch, capsys, clean):
    """Pages rendered and written by worker processes (forked: they inherit the fault)."""
    root = project(tmp_path)
    assert run(root, monkeypatch, capsys, "--no-search")[0] == 0
    before = tree(root / "output")
    edit(root)
    monkeypatch.setattr(generator.parallel, "MIN_PER_WORKER", 1)  # workers for a small site
    with monkeypatch.context() as patched:
        hit = writes_fail(patched, ".output.new-")
        code, lines = run(root, monkeypatch, capsys, "--no-search", "--jobs", "2")
    assert hit, "the fault was never met"
    hit.log.unlink()
    assert (code, lines) == (1, ["output: error: No space left on device"])
    assert tree(root / "output") == before
    no_leftovers(root)
    assert run(root, monkeypatch, capsys, "--no-search", "--jobs", "2")[0] == 0
    assert output_files(root / "output") == output_files(clean["--no-search"][0])


def test_the_preview_shows_a_fault_of_the_machine_and_builds_again_once_it_is_gone(
        tmp_path, monkeypatch):
    """`expo serve`'s builds (in-process, as its server runs them): the line is reported and
    shown instead of the pages, the server goes on, and the next save builds."""
    from generator.build import Options
    from generator.serve import Preview, Rebuilder

    root = project(tmp_path)
    monkeypatch.chdir(root)
    options = Options(templates=ROOT / "templates", output=Path(".expo-cache/serve"),
                      no_search=True, jobs=1)
    preview, said = Preview(options.output, "/"), []
    rebuild = Rebuilder(options, preview, said.append)
    with monkeypatch.context() as patched:
        hit = writes_fail(patched, ".serve.new-")
        assert rebuild() is None
    assert hit
    hit.log.unlink()
    assert said == preview.errors == [".expo-cache/serve: error: No space left on device"]
    assert not (root / ".expo-cache/serve").exists()
    assert rebuild() is not None and preview.errors == []
    assert (root / ".expo-cache/serve/en/news/one/index.html").is_file()


def test_a_content_file_that_cannot_be_read_is_an_error_at_its_line_1(tmp_path, monkeypatch,
                                                                       capsys):
    """Unreadable content is the content's problem, listed with the others at line 1 of the
    file (SPEC §7), not a failure of the whole build."""
    root = project(tmp_path)
    assert run(root, monkeypatch, capsys, "--no-search")[0] == 0
    before = tree(root / "output")
    edit(root)
    (root / "content/about.md").write_text("---\ntitle: About, edited\n---\n")
    real = io.open

    def unreadable(file, mode="r", *args, **kwargs):
        if isinstance(file, (str, os.PathLike)) and os.fspath(file).endswith("about.md"):
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), file)
        return real(file, mode, *args, **kwargs)

    with monkeypatch.context() as patched:
        patched.setattr(io, "open", unreadable)
        patched.setattr(builtins, "open", unreadable)
        code, lines = run(root, monkeypatch, capsys, "--no-search")
    assert code == 1
    assert lines[0] == "content/about.md:1: error: cannot read the file: Permission denied"
    assert lines[1].startswith("Failed: 1 error;") and len(lines) == 2
    assert tree(root / "output") == before
    no_leftovers(root)


def fill(disk: Path) -> Path:
    """A file taking all the room left on `disk`."""
    filler = disk / "filler"
    with filler.open("wb", buffering=0) as file:  # unbuffered: closing it writes nothing more
        try:
            while True:
                file.write(b"x" * 65536)
        except OSError as exc:
            assert exc.errno == errno.ENOSPC
    return filler


@pytest.mark.skipif(sys.platform != "linux", reason="mounts a tmpfs (Linux)")
@pytest.mark.parametrize("search", [False, True], ids=["no-search", "search"])
def test_a_real_full_file_system(tmp_path, clean, search):
    """`expo build` on a file system that is full (a tmpfs filled up after the first build
    and an edit; the temporary folder on it too, as in many containers): one line, output/
    as it was; with room again, the clean build."""
    args = [] if search else ["--no-search"]
    disk = tmp_path / "disk"
    disk.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=8m", "tmpfs", str(disk)],
                          capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip()}")
    try:
        root = project(disk / "site")
        (disk / "tmp").mkdir()
        build(root, *args)
        before = tree(root / "output")
        edit(root)
        filler = fill(disk)
        failed = expo(root, "build", "--templates", str(ROOT / "templates"), *args,
                      env={"TMPDIR": str(disk / "tmp")})
        assert failed.returncode == 1, failed.stderr
        assert re.fullmatch(r"(?!expo:)[^:\n]+: error: No space left on device\n",
                            failed.stderr), failed.stderr
        assert tree(root / "output") == before
        filler.unlink()
        build(root, *args)
        folder, files = clean[" ".join(args)]
        assert differences(root / "output", snapshot(root / "output"), (folder, files)) == []
        assert beside(root) == [".expo-cache", "content", "output"]
    finally:
        subprocess.run(["umount", "-l", str(disk)], check=False)


# -- a damaged cache ---------------------------------------------------------------------------


def damage(root: Path, how: str) -> int:
    """Damage every file of the cache `how`; how many files."""
    files = [p for p in (root / ".expo-cache").rglob("*") if p.is_file() and p.name != "lock"]
    for path in files:
        data = path.read_bytes()
        if how == "cut in half":
            path.write_bytes(data[:len(data) // 2])
        elif how == "cut short":  # past the header a reader checks (Jinja2's: 15 bytes)
            path.write_bytes(data[:20])
        elif how == "garbage":
            path.write_bytes(bytes(range(256)) * (len(data) // 256 + 1))
        elif how == "garbage after the header":
            path.write_bytes(data[:16] + b"\x80\x05garbage" * 50)
        elif how == "emptied":
            path.write_bytes(b"")
    return len(files)


@pytest.mark.parametrize("how", ["cut in half", "cut short", "garbage",
                                 "garbage after the header", "emptied"])
def test_a_damaged_cache_gives_a_clean_build(tmp_path, how):
    """Every file of .expo-cache/ (build states, images and their manifests, compiled
    templates) damaged `how`: the build notices, redoes what it must, and gives the clean
    build's output."""
    root = project(tmp_path / "site")
    build(root, "--no-search")
    edit(root)  # the state no longer matches: the damaged parts must be read
    assert damage(root, how) > 10
    build(root, "--no-search")
    clean_root = project(tmp_path / "clean")
    edit(clean_root)
    build(clean_root, "--no-search")
    assert output_files(root / "output") == output_files(clean_root / "output")


def test_renditions_cut_short_in_the_cache_are_made_again(tmp_path):
    """The images of the cache alone damaged, their manifests intact: never published so."""
    root = project(tmp_path / "site")
    build(root, "--no-search")
    published = output_files(root / "output")
    renditions = [p for p in (root / ".expo-cache/images").iterdir() if p.suffix != ".json"]
    for path in renditions:
        path.write_bytes(path.read_bytes()[:100])
    shutil.rmtree(root / "output")
    build(root, "--no-search")
    assert output_files(root / "output") == published


def test_half_a_state_or_a_state_of_another_version_gives_a_clean_build(tmp_path):
    """The state without its summary, the summary without the state, a state written by
    a future version (another format in the same file): a full build, the clean one."""
    import pickle

    root = project(tmp_path / "site")
    build(root, "--no-search")
    clean_root = project(tmp_path / "clean")
    edit(clean_root)
    build(clean_root, "--no-search")
    expected = output_files(clean_root / "output")
    state = next((root / ".expo-cache").glob("state-*.pickle"))
    summary = state.with_suffix(".summary")
    for damaged in ("no state", "no summary", "future version"):
        edit(root)
        if damaged == "no state":
            state.unlink()
        elif damaged == "no summary":
            summary.unlink()
        else:
            for path in (state, summary):
                path.write_bytes(pickle.dumps((99, {"a future": "format"})))
        build(root, "--no-search")
        assert output_files(root / "output") == expected, damaged
        # back to the first site, for the next round
        project(root)
        build(root, "--no-search")


# -- two builds at once ------------------------------------------------------------------------
#
# A build holds the project's lock (.expo-cache/lock) from start to end, `expo serve` only
# while it builds; the second comes waits, saying so. To meet a build mid-way whatever the
# machine's speed, it is stopped (SIGSTOP) as soon as its new folder holds pages, and let go
# once the other has shown how it takes that.

MANY = {f"content/news/n{n}.md": f"---\ntitle: News {n}\ndate: 2020-07-01\n---\nText {n}.\n"
        for n in range(150)}


class Process:
    """A real `expo` process of its own process group, its stderr read line by line."""

    def __init__(self, root: Path, *args: str):
        self.popen = subprocess.Popen(
            [sys.executable, "-m", "generator", *args, "--templates", str(ROOT / "templates"),
             "--jobs", "1"], cwd=root, env={**os.environ, "PYTHONPATH": str(ROOT)},
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
            start_new_session=True)
        self.lines: list[str] = []
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        for line in self.popen.stderr:
            self.lines.append(line.rstrip("\n"))

    def signal(self, number: int) -> None:
        os.killpg(self.popen.pid, number)

    @staticmethod
    def wait_for(what: Callable[[], bool], timeout: float = 120) -> bool:
        ends = time.monotonic() + timeout
        while time.monotonic() < ends:
            if what():
                return True
            time.sleep(0.01)
        return False

    def said(self, pattern: str, timeout: float = 120) -> str:
        """The first line matching `pattern`, once said (or fail the test)."""
        def found() -> str | None:
            return next((line for line in self.lines if re.search(pattern, line)), None)

        self.wait_for(lambda: found() is not None or self.popen.poll() is not None, timeout)
        if found() is None and self.popen.poll() is not None:
            self.reader.join(10)  # its last lines
        assert found() is not None, (pattern, self.lines)
        return found()

    def end(self) -> int:
        code = self.popen.wait(timeout=300)
        self.reader.join(10)
        return code


@contextmanager
def stopped_midway(holder: Process, folder: Path, name: str) -> Iterator[None]:
    """`holder` stopped (SIGSTOP) as soon as its new folder for `name` (beside it in `folder`)
    holds pages, the lock held; let go (SIGCONT) at the end of the block."""
    assert holder.wait_for(lambda: any(folder.glob(f".{name}.new-*/en/news"))
                           or holder.popen.poll() is not None)
    assert holder.popen.poll() is None, ("it ended before it could be met", holder.lines)
    holder.signal(signal.SIGSTOP)
    try:
        yield
    finally:
        holder.signal(signal.SIGCONT)


def waiting_for(holder: Process) -> str:
    return (rf"^expo: waiting for another build of this project to end \(process "
            rf"{holder.popen.pid} holds \.expo-cache/lock\)$")


def clean_build(folder: Path, *edits: dict[str, str]) -> dict[str, bytes]:
    """The output of a clean build of the project with MANY pages, and `edits` made."""
    root = project(folder)
    for files in (MANY, *edits):
        make_site(root, files)
    build(root, "--no-search")
    return output_files(root / "output")


def test_two_builds_at_once_take_turns_and_both_are_right(tmp_path):
    root = project(tmp_path / "site")
    make_site(root, MANY)
    first = Process(root, "build", "--no-search")
    with stopped_midway(first, root, "output"):
        second = Process(root, "build", "--no-search")
        second.said(waiting_for(first), timeout=60)
    assert first.end() == 0, first.lines
    assert second.end() == 0, second.lines
    assert output_files(root / "output") == clean_build(tmp_path / "clean")
    assert beside(root) == [".expo-cache", "content", "output"]


def test_a_build_and_the_preview_take_turns_and_both_are_right(tmp_path):
    """`expo build` while `expo serve` builds waits; `expo serve` holds the lock only while
    it builds, so a build then goes at once; a save made while a build runs is built by the
    preview once that build has ended."""
    root = project(tmp_path / "site")
    make_site(root, MANY)
    port = free_port()
    preview = Process(root, "serve", "--port", str(port))
    try:
        with stopped_midway(preview, root / ".expo-cache", "serve"):  # its first build
            first = Process(root, "build", "--no-search")
            first.said(waiting_for(preview), timeout=60)
        assert first.end() == 0, first.lines
        preview.said(r"^Serving http://")
        assert "News 7" in get(f"http://127.0.0.1:{port}/en/news/n7/")
        assert output_files(root / "output") == clean_build(tmp_path / "clean")

        # The preview idle: a build goes at once. A save meanwhile waits for it.
        edit = {"content/news/n3.md": MANY["content/news/n3.md"] + "An edit.\n"}
        make_site(root, edit)
        assert preview.wait_for(lambda: "An edit." in get(f"http://127.0.0.1:{port}/en/news/n3/"))
        second = Process(root, "build", "--no-search")
        with stopped_midway(second, root, "output"):
            (root / "content/news/n5.md").write_text(MANY["content/news/n5.md"] + "A save.\n")
            preview.said(waiting_for(second), timeout=60)
        assert second.end() == 0, second.lines
        assert not [line for line in second.lines if "waiting" in line]
        assert preview.wait_for(lambda: "A save." in get(f"http://127.0.0.1:{port}/en/news/n5/"))
        assert output_files(root / "output") == clean_build(tmp_path / "clean2", edit)
    finally:
        preview.popen.terminate()
        preview.end()


def test_a_refused_command_takes_no_lock_and_writes_nothing(tmp_path):
    root = project(tmp_path)
    (root / "public").mkdir()
    (root / "public/mine.txt").write_text("not expo's")
    for args in (["build", "--content", "nope"], ["check", "--templates", "nope"],
                 ["build", "--base-url", "ftp://example.org/"], ["build", "--output", "public"],
                 ["build", "--output", "content"]):
        run = expo(root, *args)
        assert run.returncode == 2 and run.stderr.startswith("expo: error: "), run.stderr
    assert sorted(p.name for p in root.iterdir()) == ["content", "public"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(url: str) -> str:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.read().decode()
    except urllib.error.HTTPError as error:
        return error.read().decode()
