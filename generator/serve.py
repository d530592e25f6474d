"""`expo serve`: build into a folder of its own, serve it, rebuild and reload on every change.

The editor saves a file; the watcher rebuilds; the browser reloads (livereload, whose script
is injected only into pages served here, never into `expo build` output). Builds and
requests run on one thread, so a request waits for a build in progress and never sees a
half-built site. A failed build keeps the last good site on disk, and every page shows the
`path:line: error:` list until the next good save brings the site back.
"""

from __future__ import annotations

import html
import mimetypes
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from urllib.parse import unquote

from .build import Options, Result, build
from .errors import BuildFailed, UsageError

mimetypes.add_type("text/calendar", ".ics")
mimetypes.add_type("application/atom+xml", ".xml")  # feed.xml (sitemap reads fine as Atom)
mimetypes.add_type("application/wasm", ".wasm")


@dataclass
class Preview:
    """The WSGI application serving the preview folder, or the errors of the last build."""

    folder: Path
    base_path: str  # "/" or "/expo/": the site is served where it will be published
    errors: list[str] = field(default_factory=list)

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        path = unquote(environ.get("PATH_INFO") or "/")
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
        return self._send(start_response, "200 OK", kind, target.read_bytes())

    def _not_found(self, start_response, root: Path) -> Iterable[bytes]:
        page = root / "404.html"
        body = page.read_bytes() if page.is_file() else b"<!DOCTYPE html><title>404</title>"
        return self._send(start_response, "404 Not Found", "text/html; charset=utf-8", body)

    @staticmethod
    def _redirect(start_response, location: str) -> Iterable[bytes]:
        start_response("302 Found", [("Location", location), ("Content-Length", "0")])
        return [b""]

    @staticmethod
    def _send(start_response, status: str, kind: str, body: bytes) -> Iterable[bytes]:
        start_response(status, [("Content-Type", kind), ("Content-Length", str(len(body))),
                                ("Cache-Control", "no-store")])
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
    """Runs a build and tells the preview (and the terminal) how it went."""

    def __init__(self, options: Options, preview: Preview, report: Callable[[str], None]):
        self.options, self.preview, self.report = options, preview, report

    def __call__(self) -> Result | None:
        started = time.perf_counter()
        try:
            result = build(self.options)
        except BuildFailed as failed:
            self.preview.errors = [str(p) for p in failed.problems.sorted()]
            for line in self.preview.errors:
                self.report(line)
            self.report(f"Failed: {len(failed.problems.errors)} error(s); the browser shows "
                        "them until the next good save")
            return None
        except UsageError as exc:
            self.preview.errors = [f"expo: error: {exc}"]
            self.report(self.preview.errors[0])
            return None
        self.preview.errors = []
        for problem in result.problems.sorted():
            self.report(str(problem))
        self.report(f"Built {result.pages:,} pages in {time.perf_counter() - started:.1f} s")
        return result


def serve(options: Options, bind: str, port: int, report: Callable[[str], None]) -> None:
    """Serve until interrupted. `options.output` is the preview folder."""
    from livereload import Server
    from livereload.handlers import LiveReloadHandler
    from livereload.watcher import Watcher
    from tornado import ioloop

    class QuickWatcher(Watcher):
        """Looks for changes every 0.2 s (livereload's own loop waits 0.8 s)."""

        def start(self, callback) -> bool:
            ioloop.PeriodicCallback(callback, 200).start()
            return True

    # livereload drops a reload that comes within 3 s of the previous one, so a quick second
    # save would never show. Here each reload follows a finished build: never drop one.
    LiveReloadHandler.DEFAULT_RELOAD_TIME = 0

    from .build import default_templates
    from .config import load_config
    from .errors import Problems

    config = load_config(options.content, Problems())
    sub_path = config.base_path if config else "/"
    host = f"[{bind}]" if ":" in bind else bind
    options = replace(options, base_url=f"http://{host}:{port}{sub_path}")
    preview = Preview(options.output, sub_path)
    rebuild = Rebuilder(options, preview, report)
    rebuild()
    server = Server(app=preview, watcher=QuickWatcher())
    for folder in (options.content, options.templates or default_templates()):
        server.watch(str(folder), rebuild)
    report(f"Serving http://{host}:{port}{sub_path} — edits reload the page; Ctrl+C stops")
    server.serve(port=port, host=bind, debug=False, open_url_delay=None)
