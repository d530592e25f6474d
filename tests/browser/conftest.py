"""Real headless Chromium (Debian's) driven by Playwright, over a built site on localhost.

Browser tests skip only where no Chromium is installed; with EXPO_REQUIRE_BROWSER=1 (set by
.ci/run) a missing browser is a failure instead.
"""

from __future__ import annotations

import functools
import http.server
import os
import shutil
import threading
from pathlib import Path

import pytest

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-quic", "--no-first-run", "--disable-sync"]


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        if os.environ.get("EXPO_REQUIRE_BROWSER"):
            pytest.fail(f"Chromium not found at {CHROMIUM}: apt-get install -y chromium")
        pytest.skip("no Chromium on this machine")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield browser
        browser.close()


class _Host(http.server.SimpleHTTPRequestHandler):
    """A static host as deploy targets behave: a missing path gets /404.html, status 404."""

    def log_message(self, *args):  # keep test output readable
        pass

    def send_error(self, code, message=None, explain=None):
        page = Path(self.directory) / "404.html"
        if code != 404 or not page.is_file():
            return super().send_error(code, message, explain)
        body = page.read_bytes()
        self.send_response(404)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)


@pytest.fixture(scope="session")
def bundled_url(bundled: Path, serve) -> str:
    """The bundled site (tests/conftest.py), served on localhost."""
    return serve(bundled)


@pytest.fixture(scope="session")
def serve():
    """`serve(folder)` → base URL of a static HTTP server for that folder on 127.0.0.1."""
    servers = []

    def start(folder: Path) -> str:
        handler = functools.partial(_Host, directory=str(folder))
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}"

    yield start
    for server in servers:
        server.shutdown()


@pytest.fixture
def page_in(browser):
    """`page_in(**context_options)` → a new page; console errors are collected in
    `page.console_errors` and page errors in `page.page_errors`."""
    contexts = []

    def open_page(**options):
        context = browser.new_context(**options)
        contexts.append(context)
        page = context.new_page()
        page.console_errors = []
        page.page_errors = []
        page.on("console", lambda m: m.type == "error" and page.console_errors.append(m.text))
        page.on("pageerror", lambda e: page.page_errors.append(str(e)))
        return page

    yield open_page
    for context in contexts:
        context.close()
