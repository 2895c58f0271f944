"""Helpers for browser tests: serve a built site on 127.0.0.1, drive Debian's Chromium."""

from __future__ import annotations

import functools
import http.server
import threading
from contextlib import contextmanager
from pathlib import Path

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync"]


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


@contextmanager
def serve_folder(folder: Path):
    """Serve a folder over HTTP on a free loopback port; yields the base URL."""
    handler = functools.partial(_QuietHandler, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


@contextmanager
def chromium():
    """A headless Debian Chromium driven by Playwright (never a downloaded browser)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def wait_for_results(page, query: str, excerpts: bool = True, timeout: float = 30_000) -> None:
    """Wait until the search results show `query`'s results (by default, with their excerpts:
    results show with their titles first; excerpts follow)."""
    page.wait_for_function(
        f"q => document.querySelector('.md-search-result__list')"
        f".dataset.{'complete' if excerpts else 'query'} === q", arg=query, timeout=timeout)


def wait_until(page, condition, seconds: float = 30) -> None:
    """Let the page's events arrive until `condition()` holds (Playwright delivers them to
    Python handlers, such as a route that holds requests back, only while a call waits)."""
    import time

    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"still not true after {seconds} s: {condition.__doc__ or ''}")
        page.wait_for_timeout(10)


def search(page, query: str, seconds: float = 30):
    """Type a query into Material's search box until results show (the index loads async)."""
    import time

    deadline = time.monotonic() + seconds
    page.click("label.md-search__icon, .md-search__input", timeout=5_000)
    while True:
        page.fill("input.md-search__input", "")
        page.type("input.md-search__input", query)
        try:
            page.wait_for_selector(".md-search-result__item", timeout=2_000)
            wait_for_results(page, query, timeout=5_000)
            return page.locator(".md-search-result__item")
        except Exception:
            if time.monotonic() > deadline:
                raise
