"""`expo serve` in a real browser: edits appear without a manual reload, errors show and go."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from sitekit import ROOT, build, make_site

ABOUT = "---\ntitle: About\n---\nThe first version of this page.\n"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def launch(root: Path, port: int) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen(
        [sys.executable, "-m", "generator", "serve", "--port", str(port), "--no-search",
         "--templates", str(ROOT / "templates")], cwd=root, env=env,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def start(root: Path, port: int) -> subprocess.Popen:
    """`expo serve` in `root`, once it answers."""
    process = launch(root, port)
    for _ in range(100):
        try:
            if get(f"http://127.0.0.1:{port}/en/about/")[0] == 200:
                return process
        except OSError:
            time.sleep(0.2)
    process.kill()
    pytest.fail(process.stdout.read())


@pytest.fixture
def server(tmp_path: Path):
    make_site(tmp_path, {"content/about.md": ABOUT})
    port = free_port()
    process = start(tmp_path, port)
    yield tmp_path, f"http://127.0.0.1:{port}"
    process.terminate()
    process.wait(timeout=10)


def test_edit_shows_without_reload_and_errors_come_and_go(server, page_in):
    root, url = server
    page = page_in()
    page.goto(url + "/en/about/")
    page.get_by_text("The first version of this page.").wait_for()
    about = root / "content/about.md"

    about.write_text(ABOUT.replace("first version", "second version"))
    page.get_by_text("The second version of this page.").wait_for(timeout=15_000)

    about.write_text("---\ntitle: [About\n---\nBroken.\n")
    page.locator("#expo-errors").wait_for(timeout=15_000)
    assert "content/about.md:2: error: invalid YAML" in page.locator("#expo-errors").inner_text()
    assert get(url + "/en/about/")[0] == 500  # the server keeps answering, with the errors

    about.write_text(ABOUT.replace("first version", "third version"))
    page.get_by_text("The third version of this page.").wait_for(timeout=15_000)
    assert get(url + "/en/about/")[0] == 200
    assert not (root / "output").exists()  # the preview never touches output/


def test_a_save_while_the_page_loads_is_not_missed(server, page_in):
    """The save is built before the page's reload script has connected (held back here):
    once it connects, the page sees it is not the last build and reloads."""
    root, url = server
    page = page_in()
    held = []
    page.route("**/livereload.js*", lambda route: held.append(route))
    page.goto(url + "/en/about/", wait_until="domcontentloaded")
    page.get_by_text("The first version of this page.").wait_for()
    (root / "content/about.md").write_text(ABOUT.replace("first version", "second version"))
    for _ in range(100):  # the server has built the save
        if "second version" in get(url + "/en/about/")[1]:
            break
        time.sleep(0.1)
    else:
        pytest.fail("the save was not built")
    for _ in range(200):  # the page has asked for the reload script (held back)
        if held:
            break
        page.wait_for_timeout(50)
    else:
        pytest.fail("the page never asked for livereload.js")
    assert page.get_by_text("The first version of this page.").is_visible()
    held[0].continue_()
    page.get_by_text("The second version of this page.").wait_for(timeout=15_000)


def test_reload_script_only_when_serving(server, tmp_path):
    root, url = server
    assert "livereload.js" in get(url + "/en/about/")[1]
    build(root)
    assert "livereload" not in (root / "output/en/about/index.html").read_text()


def test_serves_only_files_inside_its_folder(server):
    root, url = server
    (root / "secret.txt").write_text("SECRET")
    host, port = url.removeprefix("http://").split(":")
    for path in ("/../secret.txt", "/%2e%2e/secret.txt", "/..%2fsecret.txt",
                 "/../../../../etc/passwd"):
        with socket.create_connection((host, int(port)), timeout=10) as s:
            s.sendall(f"GET {path} HTTP/1.0\r\nHost: x\r\n\r\n".encode())
            answer = b""
            while chunk := s.recv(65536):
                answer += chunk
        assert b"SECRET" not in answer and b"root:" not in answer, path


def wait_for(check, timeout: float = 15.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.1)
    return False


def test_added_renamed_and_deleted_pages_follow_the_files(server):
    # The preview looks only at the files its watcher reports: a page added, renamed or
    # deleted must appear and go all the same.
    root, url = server
    news = root / "content/news/launch.md"
    news.parent.mkdir()
    news.write_text("---\ntitle: Launch\ndate: 2020-07-01\n---\nWe launched.\n")
    assert wait_for(lambda: get(url + "/en/news/launch/")[0] == 200)
    assert "We launched." in get(url + "/en/news/launch/")[1]
    (root / "content/about.md").rename(root / "content/about-us.md")
    assert wait_for(lambda: get(url + "/en/about-us/")[0] == 200)
    assert get(url + "/en/about/")[0] == 404
    news.unlink()
    assert wait_for(lambda: get(url + "/en/news/launch/")[0] == 404)
    assert "Launch" not in get(url + "/en/")[1]


def test_theme_files_are_kept_by_the_browser_pages_are_not(server):
    root, url = server
    with urllib.request.urlopen(url + "/en/about/", timeout=10) as response:
        assert response.headers["Cache-Control"] == "no-store"
        page = response.read().decode()
    stylesheet = page.split('rel="stylesheet" href="', 1)[1].split('"', 1)[0]
    with urllib.request.urlopen(url + stylesheet, timeout=10) as response:
        assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"


def test_a_new_session_starts_from_where_the_last_one_stopped(tmp_path):
    # about.md has a typo: each session says so, whatever it takes from the last one.
    about = ABOUT.replace("title: About\n", "title: About\nsumary: A typo\n")
    make_site(tmp_path, {"content/about.md": about})
    warning = "content/about.md:3: warning: unknown field 'sumary': did you mean 'summary'?"
    port = free_port()
    for edit, rendered in ((None, None), (None, 0), ("second version", 1)):
        if edit:  # saved while no preview runs
            (tmp_path / "content/about.md").write_text(about.replace("first version", edit))
        process = start(tmp_path, port)
        process.terminate()  # as Ctrl+C: the state is kept for the next session
        said = process.communicate(timeout=30)[0]
        first = re.search(r"Built in [\d.]+ s from [\d,]+ Markdown files?: ([\d,]+) HTML pages? "
                          r"rendered", said)
        assert first, said
        assert said.splitlines().count(warning) == 1, said
        if rendered is not None:  # nothing, then the edited page only, is rendered again
            assert int(first[1]) == rendered, said
    assert "second version" in (tmp_path / ".expo-cache/serve/en/about/index.html").read_text()


def test_saves_made_while_the_preview_starts_are_all_shown(tmp_path):
    # What changed during the first build is added to the watcher's list, and the first save
    # after it is taken from that list: an edit made at any moment of the start must show.
    make_site(tmp_path, {"content/about.md": ABOUT})
    port = free_port()
    about = tmp_path / "content/about.md"
    process = launch(tmp_path, port)

    def shown(text: str) -> bool:
        try:
            return text in get(f"http://127.0.0.1:{port}/en/about/")[1]
        except OSError:
            return False

    try:
        for n in range(40):  # before, during and after the first build
            about.write_text(ABOUT.replace("first version", f"version {n}"))
            time.sleep(0.05)
        assert wait_for(lambda: shown("version 39")), process.stdout
        about.write_text(ABOUT.replace("first version", "last version"))
        assert wait_for(lambda: shown("last version"))
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_no_process_is_forked_while_the_watcher_thread_runs(tmp_path):
    # A fork copies only the thread that forks: a lock another thread held stays locked in
    # the child for ever (Python 3.12 warns of it). Workers start for two pages here.
    make_site(tmp_path, {"content/about.md": ABOUT, "content/more.md": ABOUT})
    port = free_port()
    watch = ("import os, sys, threading\n"
             "os.register_at_fork(before=lambda: threading.active_count() > 1 and print("
             "'forked while', threading.active_count(), 'threads ran', flush=True))\n"
             "import generator.parallel\n"
             "generator.parallel.MIN_PER_WORKER = 1\n"
             "from generator.cli import main\n"
             "sys.exit(main())\n")
    process = subprocess.Popen(
        [sys.executable, "-c", watch, "serve", "--port", str(port), "--no-search", "--jobs", "2",
         "--templates", str(ROOT / "templates")], cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(ROOT)}, stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT, text=True)
    try:
        assert wait_for(lambda: ready(port) and "first version" in get(
            f"http://127.0.0.1:{port}/en/about/")[1], timeout=120)
        (tmp_path / "content/about.md").write_text(ABOUT.replace("first", "second"))
        assert wait_for(lambda: "second version" in get(
            f"http://127.0.0.1:{port}/en/about/")[1], timeout=60)
    finally:
        process.terminate()
        said = process.communicate(timeout=30)[0]
    assert "Built in" in said, said
    assert "forked while" not in said, said


def ready(port: int) -> bool:
    try:
        get(f"http://127.0.0.1:{port}/en/about/")
        return True
    except OSError:
        return False


def test_a_watcher_that_cannot_start_is_explained_and_the_preview_still_answers(tmp_path):
    # inotify's limit of watched folders reached, for one: the editor is told what to do.
    make_site(tmp_path, {"content/about.md": ABOUT})
    port = free_port()
    code = ("import sys, watchfiles\n"
            "def refused(*args, **kwargs):\n"
            "    raise OSError(28, 'OS file watch limit reached')\n"
            "    yield\n"
            "watchfiles.watch = refused\n"
            "from generator.cli import main\n"
            "sys.exit(main(sys.argv[1:]))\n")
    process = subprocess.Popen(
        [sys.executable, "-c", code, "serve", "--port", str(port), "--no-search",
         "--templates", str(ROOT / "templates")], cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(ROOT)}, stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT, text=True)
    try:
        assert wait_for(lambda: _answers(f"http://127.0.0.1:{port}/en/about/"))
    finally:
        process.terminate()
        said = process.communicate(timeout=30)[0]
    assert "cannot watch the files for saves" in said and "WATCHFILES_FORCE_POLLING=1" in said
    assert "Traceback" not in said


def _answers(url: str) -> bool:
    try:
        return get(url)[0] == 200
    except OSError:
        return False


def test_an_address_it_cannot_listen_on_is_refused_before_building(tmp_path):
    # A second `expo serve` on the same port, an address of another machine, a name that is
    # no address: one line saying what to change, exit 2, no traceback, nothing built.
    make_site(tmp_path, {"content/about.md": ABOUT})
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        for args, expected in (
                (["--port", str(port)], f"port {port} of 127.0.0.1 is in use"),
                (["--port", str(free_port()), "--bind", "192.0.2.1"],
                 "cannot listen on 192.0.2.1 port"),
                (["--port", str(free_port()), "--bind", "no-such-host.invalid"],
                 "cannot listen on no-such-host.invalid port")):
            done = subprocess.run(
                [sys.executable, "-m", "generator", "serve", *args, "--templates",
                 str(ROOT / "templates")], cwd=tmp_path, env={**os.environ,
                                                               "PYTHONPATH": str(ROOT)},
                capture_output=True, text=True, timeout=60)
            assert done.returncode == 2, done.stderr
            assert done.stderr.startswith(f"expo: error: {expected}"), done.stderr
            assert "--" in done.stderr.splitlines()[0] and "Traceback" not in done.stderr
    assert not (tmp_path / ".expo-cache/serve").exists()
