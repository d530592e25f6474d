"""`expo serve`: build into a folder of its own, serve it, rebuild and reload on every change.

The editor saves a file; the watcher rebuilds; the browser reloads (livereload, whose script
is injected only into pages served here, never into `expo build` output). Builds and
requests run on one thread, so a request waits for a build in progress and never sees a
half-built site. A failed build keeps the last good site on disk, and every page shows the
`path:line: error:` list until the next good save brings the site back.
"""

from __future__ import annotations

import errno
import html
import mimetypes
import signal
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from urllib.parse import unquote

import watchfiles
from livereload import Server
from livereload.watcher import Watcher
from tornado import ioloop, netutil

from . import cache
from .build import Builder, Options, Result, default_templates
from .config import load_config
from .errors import BuildFailed, Problems, UsageError, machine_error
from .lock import project_lock
from .reports import counted

# More files changed at once than an editor saves (a checkout, a folder copied in): the build
# looks at every file instead of trusting the list (in case the system's queue overflowed).
MANY_CHANGES = 200
IMMUTABLE = "public, max-age=31536000, immutable"

mimetypes.add_type("text/calendar", ".ics")
mimetypes.add_type("application/atom+xml", ".xml")  # feed.xml (sitemap reads fine as Atom)
mimetypes.add_type("application/wasm", ".wasm")


# Livereload reloads the pages connected when a build ends; a page whose script connects
# after that (a save while it loads) would keep what it showed. So every page says which build
# it shows, and asks once connected whether that is still the last one.
BUILD_PATH = "/__expo-build"
CHECK = ('<script>document.addEventListener("LiveReloadConnect",function(){fetch("'
         + BUILD_PATH + '",{cache:"no-store"}).then(function(r){return r.text()})'
         '.then(function(n){if(n!=="%d")location.reload()})})</script>')


@dataclass
class Preview:
    """The WSGI application serving the preview folder, or the errors of the last build."""

    folder: Path
    base_path: str  # "/" or "/expo/": the site is served where it will be published
    errors: list[str] = field(default_factory=list)
    build: int = 0  # builds ended, good or not: what the pages served show

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        path = unquote(environ.get("PATH_INFO") or "/")
        if path == BUILD_PATH:
            return self._send(start_response, "200 OK", "text/plain", str(self.build).encode())
        if self.errors and (path.endswith("/") or path.endswith(".html")):
            return self._send(start_response, "500 Build failed", "text/html; charset=utf-8",
                              error_page(self.errors))
        if not path.startswith(self.base_path):
            return self._redirect(start_response, self.base_path)
        root = self.folder.resolve()
        target = (root / path[len(self.base_path):]).resolve()
        if target != root and root not in target.parents:  # no way out of the folder
            return self._not_found(start_response, root)
        if target.is_dir():
            if not path.endswith("/"):
                return self._redirect(start_response, path + "/")
            target = target / "index.html"
        if not target.is_file():
            return self._not_found(start_response, root)
        kind = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
        if kind.startswith("text/") or kind.endswith(("xml", "javascript", "json")):
            kind += "; charset=utf-8"
        # Theme files and images have their content's hash in their names (README, "What to
        # upload"): the browser keeps them, and a reload after a save fetches the page only.
        lasting = path[len(self.base_path):].startswith(("static/", "_img/"))
        return self._send(start_response, "200 OK", kind, target.read_bytes(),
                          IMMUTABLE if lasting else "no-store")

    def _not_found(self, start_response, root: Path) -> Iterable[bytes]:
        page = root / "404.html"
        body = page.read_bytes() if page.is_file() else b"<!DOCTYPE html><title>404</title>"
        return self._send(start_response, "404 Not Found", "text/html; charset=utf-8", body)

    @staticmethod
    def _redirect(start_response, location: str) -> Iterable[bytes]:
        start_response("302 Found", [("Location", location), ("Content-Length", "0")])
        return [b""]

    def _send(self, start_response, status: str, kind: str, body: bytes,
              cache: str = "no-store") -> Iterable[bytes]:
        if kind.startswith("text/html"):
            body = body.replace(b"</head>", (CHECK % self.build).encode() + b"</head>", 1)
        start_response(status, [("Content-Type", kind), ("Content-Length", str(len(body))),
                                ("Cache-Control", cache)])
        return [body]


def error_page(errors: list[str]) -> bytes:
    items = "\n".join(f"<li><code>{html.escape(line)}</code></li>" for line in errors)
    return f"""<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Build failed · expo</title></head>
<body style="font-family: system-ui, sans-serif; margin: 2rem; line-height: 1.5">
<main>
<h1>The site could not be built</h1>
<p>Fix these problems and save: this page reloads by itself.</p>
<ul id="expo-errors">
{items}
</ul>
</main>
</body>
</html>
""".encode()


class Rebuilder:
    """Runs a build and tells the preview (and the terminal) how it went.

    One Builder for the session: what a save did not change stays in memory, and the preview
    folder is updated in place (requests wait for the build: they run on the same thread)."""

    def __init__(self, options: Options, preview: Preview, report: Callable[[str], None]):
        self.builder = Builder(options, persist=False)
        self.preview, self.report = preview, report
        self.loop: ioloop.IOLoop | None = None  # the server's, once it runs
        self.last_good = False

    def __call__(self, changed: set[str] | None = None) -> Result | None:
        """A build; `changed`: every file changed since the last one (see Builder.build)."""
        try:
            # After a failed build, what it read is not known: the next one looks at all.
            trusted, self.last_good = (changed if self.last_good else None), False
            result = self._build(trusted)
            self.last_good = result is not None
            return result
        finally:
            self.preview.build += 1
            if self.loop is not None:  # once the browser has had its page
                self.loop.call_later(1.0, self.builder.warm)
            else:
                self.builder.warm()

    def _build(self, changed: set[str] | None) -> Result | None:
        started = time.perf_counter()
        try:
            with project_lock(self.builder.options.cache, self.report):
                result = self.builder.build(changed)
        except BuildFailed as failed:
            self.preview.errors = [str(p) for p in failed.problems.sorted()]
            for line in self.preview.errors:
                self.report(line)
            self.report(f"Failed: {counted(len(failed.problems.errors), 'error')}; the "
                        "browser shows them until the next good save")
            return None
        except (UsageError, OSError) as exc:  # OSError: the machine's (a full disk)
            self.preview.errors = [machine_error(exc) if isinstance(exc, OSError)
                                   else f"expo: error: {exc}"]
            self.report(self.preview.errors[0])
            return None
        self.preview.errors = []
        for problem in result.problems.sorted():
            self.report(str(problem))
        self.report(f"Built in {time.perf_counter() - started:.2f} s from "
                    f"{counted(result.pages, 'Markdown file')}: "
                    f"{counted(result.rendered, 'HTML page')} rendered, "
                    f"{counted(result.files, 'file')} written")
        return result


class Saves(Watcher):
    """livereload's watcher, told by the operating system which files changed (watchfiles:
    inotify, FSEvents...); `rebuild` runs on the server's loop, then every open page reloads.

    It listens from the end of the first build, and adds what changed during it (two
    snapshots of the folders), so even the first save is taken from the list, without a
    look at every file.
    """

    def __init__(self, watched: list[Path], before: cache.Snapshot, rebuild: Rebuilder,
                 report: Callable[[str], None]) -> None:
        super().__init__()
        self.watched, self.rebuild, self.report = watched, rebuild, report
        self.pending = threading.Event()
        self.lock = threading.Lock()
        self.changed: set[str] | None = set()  # since the last build; None: not known
        self.callback: Callable[[], None] | None = None
        self.listening = threading.Event()
        threading.Thread(target=self._listen, name="expo-watch", daemon=True).start()
        self.listening.wait(10)  # the watches are in place (or it is very slow: go on)
        with self.lock:  # saved during the first build, before the watches were in place
            if self.changed is not None:
                self.changed.update(cache.snapshot(watched).changed_since(before))
                if self.changed:
                    self.pending.set()

    def _listen(self) -> None:
        try:
            self._hear()
        except OSError as exc:  # e.g. the system's limit of watched folders reached
            self.report(f"expo: error: cannot watch the files for saves ({exc}): pages will "
                        "not rebuild; start it as WATCHFILES_FORCE_POLLING=1 expo serve")
        finally:
            self.listening.set()

    def _hear(self) -> None:
        # A save is often several file events (write, rename): wait 20 ms for more. The
        # first timeout (100 ms) says the watches are in place.
        for changes in watchfiles.watch(*self.watched, debounce=400, step=20, rust_timeout=100,
                                        yield_on_timeout=True, raise_interrupt=False):
            self.listening.set()
            if not changes:
                continue
            with self.lock:
                if self.changed is not None:
                    self.changed.update(path for _, path in changes)
                if self.changed is not None and len(self.changed) > MANY_CHANGES:
                    self.changed = None  # a checkout, a copied folder: look at all
                self.pending.set()
                callback, loop = self.callback, self.rebuild.loop
            if callback is not None and loop is not None:
                loop.add_callback(callback)

    def start(self, callback) -> bool:
        with self.lock:  # changes heard during the first build are built at once
            self.callback, self.rebuild.loop = callback, ioloop.IOLoop.current()
            if self.pending.is_set():
                self.rebuild.loop.add_callback(callback)
        return True

    def examine(self) -> tuple[str | None, None]:
        if not self.pending.is_set():
            return None, None
        self.pending.clear()
        with self.lock:
            changed, self.changed = self.changed, set()
        self.rebuild(changed)
        # The path livereload's own Server gives for "reload every page now": for any
        # other, it drops a reload within 3 s of the last one, and each of ours follows a
        # finished build (a quick second save must show).
        return "__livereload__", None


def serve(options: Options, bind: str, port: int, report: Callable[[str], None],
          settle: Callable[[], None] = lambda: None) -> None:
    """Serve until interrupted. `options.output` is the preview folder; `settle()` runs once
    the first build is done, before any other thread (the command line's collector policy)."""
    # Absolute, symbolic links resolved: the paths of changed files are compared with those
    # the build finds.
    watched = [options.content.resolve(), (options.templates or default_templates()).resolve()]

    listen_check(bind, port)  # before the first build: not a wait, then a refusal
    config = load_config(options.content, Problems())
    sub_path = config.base_path if config else "/"
    host = f"[{bind}]" if ":" in bind else bind
    options = replace(options, base_url=f"http://{host}:{port}{sub_path}")
    preview = Preview(options.output, sub_path)
    rebuild = Rebuilder(options, preview, report)
    # The first build may fork workers: no other thread runs yet (a fork copies only the
    # thread that forks, and a lock another thread held stays locked in the child for ever).
    # The later ones, while the watcher's thread runs, are built in this process.
    before = cache.snapshot(watched)
    rebuild()
    settle()
    rebuild.builder.options = replace(rebuild.builder.options, jobs=1)
    saves = Saves(watched, before, rebuild, report)
    server = Server(app=preview, watcher=saves)
    for folder in watched:
        server.watch(str(folder))
    report(f"Serving http://{host}:{port}{sub_path} — edits reload the page; Ctrl+C stops")
    signal.signal(signal.SIGTERM, _interrupt)  # stopped by a supervisor: as by Ctrl+C
    try:
        server.serve(port=port, host=bind, debug=False, open_url_delay=None)
    except OSError as exc:  # the port taken during the first build
        if exc.errno != errno.EADDRINUSE:
            raise
        raise UsageError(_cannot_listen(bind, port, exc)) from None
    finally:  # the next `expo serve` starts from where this one stopped, not from nothing
        rebuild.builder.save()


def listen_check(bind: str, port: int) -> None:
    """Refuse an address the server cannot listen on, as a usage error."""
    try:
        sockets = netutil.bind_sockets(port, address=bind)
    except OSError as exc:  # in use, not this machine's, not an address at all
        raise UsageError(_cannot_listen(bind, port, exc)) from None
    for sock in sockets:
        sock.close()


def _cannot_listen(bind: str, port: int, exc: OSError) -> str:
    if exc.errno == errno.EADDRINUSE:
        return (f"port {port} of {bind} is in use (another expo serve?): stop that program, "
                f"or choose another port with --port")
    if exc.errno == errno.EACCES:
        return f"port {port} needs administrator rights: choose one above 1023 with --port"
    return (f"cannot listen on {bind} port {port} ({exc.strerror or exc}): give --bind an "
            f"address of this machine, such as 127.0.0.1 (the default) or 0.0.0.0 (all)")


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt
