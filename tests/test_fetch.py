"""`digest fetch` against hostile servers on 127.0.0.1: bounded in time and size, Retry-After
honoured, pages read to their end or the limit reported, and every failure one line, exit 1,
content/ unchanged, never a traceback."""

from __future__ import annotations

import email.utils
import http.server
import json
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
from contextlib import contextmanager
from pathlib import Path

import pytest

from conftest import FIXTURES

DAY = "2026-03-06"
ITEMS = json.loads((FIXTURES / "api" / "daily_papers.json").read_text())


def item(number: int) -> dict:
    """A valid daily-papers item that matches no theme of the sample project."""
    return {"paper": {"id": f"2603.{number:05d}", "title": f"Snail Paper {number}",
                      "summary": f"Snails number {number}.",
                      "submittedOnDailyAt": f"{DAY}T08:00:00.000Z"}}


class _Server(http.server.BaseHTTPRequestHandler):
    """Answers every GET with `respond(handler, query, number)`; logs the requests' times."""

    protocol_version = "HTTP/1.1"
    respond = None
    requests: list[tuple[float, dict]] = []

    def do_GET(self):  # noqa: N802 (http.server's naming)
        query = {k: v[0] for k, v in urllib.parse.parse_qs(
            urllib.parse.urlsplit(self.path).query).items()}
        type(self).requests.append((time.monotonic(), query))
        try:
            type(self).respond(self, query, len(type(self).requests))
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up, as it should

    def send_body(self, body: bytes, status: int = 200, headers: dict | None = None,
                  length: int | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body) if length is None else length))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)
        self.wfile.flush()

    def log_message(self, *args):
        pass


@contextmanager
def server(respond):
    _Server.respond, _Server.requests = staticmethod(respond), []
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Server)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}/api/daily_papers"
    finally:
        httpd.shutdown()
        httpd.server_close()


def tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes()
            for p in sorted(root.rglob("*")) if p.is_file()}


def fetch(project: Path, url: str, *flags: str, limit: float = 60) -> subprocess.CompletedProcess:
    """The real command; `limit` is a generous bound that fails the test if fetch hangs."""
    return subprocess.run(
        # --all: these tests are about reading the API, not about the scope's selection.
        [sys.executable, "-m", "generator", "fetch", "--date", DAY, "--api-url", url, "--all",
         *flags],
        cwd=project, capture_output=True, text=True, timeout=limit,
        env={**os.environ, "GITHUB_ACTIONS": ""})


def first_url(url: str) -> str:
    return f"{url}?date={DAY}&limit=100&p=0"


def assert_refused(project: Path, result, message: str) -> None:
    assert result.returncode == 1
    assert result.stderr == f"{message}\nnothing was imported; content/ is unchanged\n"
    assert not (project / "content/sources").exists()
    assert list((project / "content/papers").iterdir()) == []


def drip(handler, query, number):
    """Headers at once, then the body one byte every 2 s: no single read ever times out."""
    handler.send_response(200)
    handler.send_header("Content-Length", "100")
    handler.end_headers()
    for _ in range(50):
        handler.wfile.write(b" ")
        handler.wfile.flush()
        time.sleep(2)


def drip_headers(handler, query, number):
    handler.wfile.write(b"HTTP/1.1 200 OK\r\n")
    for _ in range(50):
        handler.wfile.write(b"X")
        handler.wfile.flush()
        time.sleep(2)


@pytest.mark.parametrize("respond", [drip, drip_headers], ids=["body", "headers"])
def test_a_server_dripping_bytes_is_cut_off_at_the_deadline(project, respond):
    with server(respond) as url:
        # 3 s deadline; the 30 s subprocess limit only catches a hang (the old fetch ran 60 s).
        result = fetch(project, url, "--timeout", "3", "--retries", "0", limit=30)
    assert_refused(project, result, f"could not fetch {first_url(url)}: no complete answer "
                                    "within 3 s (--timeout)")


def test_a_response_announced_too_large_is_not_read(project):
    def huge(handler, query, number):
        handler.send_body(b"[", length=50_000_000)

    with server(huge) as url:
        result = fetch(project, url)
    assert_refused(project, result, f"could not fetch {first_url(url)}: the answer is "
                                    "50,000,000 bytes, more than the 20,000,000 fetch accepts; "
                                    "nothing was read")
    assert len(_Server.requests) == 1  # asking again would not make it smaller


def test_a_response_growing_too_large_is_cut_off(project):
    def endless(handler, query, number):
        handler.send_response(200)
        handler.send_header("Connection", "close")  # no length: the body ends when it closes
        handler.end_headers()
        handler.wfile.write(b"[" + b" " * 21_000_000)

    with server(endless) as url:
        result = fetch(project, url)
    assert_refused(project, result, f"could not fetch {first_url(url)}: the answer is larger "
                                    "than the 20,000,000 bytes fetch accepts; nothing was kept")


def test_a_body_shorter_than_announced_is_an_error_not_a_traceback(project):
    def short(handler, query, number):
        handler.send_body(b'[{"paper": ', length=1000)
        handler.close_connection = True

    with server(short) as url:
        result = fetch(project, url, "--retries", "1")
    assert_refused(project, result, f"could not fetch {first_url(url)}: the connection closed "
                                    "after 11 bytes of the answer (1,000 announced)")
    assert len(_Server.requests) == 2  # a broken connection is worth one more try


def busy_then_answer(retry_after):
    def respond(handler, query, number):
        if number == 1:
            handler.send_body(b"busy", 429, {"Retry-After": retry_after(),
                                             "Date": email.utils.formatdate(usegmt=True)})
        else:
            body = json.dumps(ITEMS if query.get("p") == "0" else []).encode()
            handler.send_body(body)
    return respond


@pytest.mark.parametrize("retry_after", [
    lambda: "2",
    lambda: email.utils.formatdate(time.time() + 2, usegmt=True),
], ids=["seconds", "http-date"])
def test_retry_after_is_waited_for(project, retry_after):
    with server(busy_then_answer(retry_after)) as url:
        # --timeout 1: the wait is not part of a request's deadline.
        result = fetch(project, url, "--all", "--timeout", "1")
    assert result.returncode == 0, result.stderr
    (first, _), (second, _) = _Server.requests[:2]
    # The default backoff would have asked again after 1 s. (An HTTP date has whole seconds.)
    assert second - first >= 1.2
    assert result.stdout.endswith("4 added, 0 updated, 0 unchanged\n")


def test_a_retry_after_longer_than_a_minute_is_not_waited_for(project):
    with server(busy_then_answer(lambda: "3600")) as url:
        result = fetch(project, url)
    assert_refused(project, result, f"could not fetch {first_url(url)}: HTTP 429 Too Many "
                                    "Requests; the server asks to retry after 3600 s, more than "
                                    "the 60 s fetch waits; try again later")
    assert len(_Server.requests) == 1


def pages(total: int):
    def respond(handler, query, number):
        start = int(query["p"]) * int(query["limit"])
        handler.send_body(json.dumps([item(n) for n in range(start, min(start + 100, total))
                                      ]).encode())
    return respond


def test_every_page_is_read_to_the_short_one(project):
    with server(pages(150)) as url:
        result = fetch(project, url)
    assert result.returncode == 0, result.stderr
    assert [q["p"] for _, q in _Server.requests] == ["0", "1"]
    assert "warning" not in result.stderr
    stored = json.loads((project / f"content/sources/{DAY}_hf-daily-papers.json").read_text())
    assert len(stored) == 150


def test_more_pages_than_the_limit_are_reported(project):
    with server(pages(10_000)) as url:
        result = fetch(project, url)
    assert result.returncode == 0, result.stderr
    assert [q["p"] for _, q in _Server.requests] == [str(n) for n in range(21)]
    assert result.stderr.startswith(f"warning: the API has more than 2000 papers for {DAY} "
                                    "(20 pages of 100); only the first 2000 were read\n")
    stored = json.loads((project / f"content/sources/{DAY}_hf-daily-papers.json").read_text())
    assert len(stored) == 2000


def answer(body: bytes, status: int = 200):
    def respond(handler, query, number):
        handler.send_body(body, status)
    return respond


@pytest.mark.parametrize("respond, reason", [
    (answer(b"[" * 100_000 + b"]" * 100_000),
     "the answer is not usable JSON (nested more than 64 levels deep)"),
    (answer(b"[" * 65 + b"]" * 65), "the answer is not usable JSON (nested more than 64 levels "
                                    "deep)"),
    (answer(b"<html>Sign in</html>"), "the answer is not usable JSON (line 1: Expecting value)"),
    (answer(b'["caf\xe9"]'), "the answer is not UTF-8 text (byte 5)"),
    (answer(b"[" + b"1" * 5000 + b"]"), "the answer is not usable JSON (Exceeds the limit "
                                         "(4300 digits) for integer string conversion: value "
                                         "has 5000 digits; use sys.set_int_max_str_digits() to "
                                         "increase the limit)"),
    (answer(b'{"error": "Invalid date"}'), "expected a JSON list of papers, found an object"),
    (answer(b"not found", 404), "HTTP 404 Not Found"),
], ids=["deep", "depth-65", "html", "latin-1", "huge-integer", "object", "404"])
def test_bad_answers_are_one_line_each(project, respond, reason):
    with server(respond) as url:
        result = fetch(project, url)
    assert_refused(project, result, f"could not fetch {first_url(url)}: {reason}")
    assert len(_Server.requests) == 1  # none of these pass by asking again


def test_only_http_addresses_are_fetched(project):
    result = fetch(project, "file:///etc/passwd")
    assert_refused(project, result, f"could not fetch {first_url('file:///etc/passwd')}: not an "
                                    "http:// or https:// address")


def test_a_redirect_to_another_scheme_is_not_followed(project):
    def redirect(handler, query, number):
        handler.send_body(b"", 302, {"Location": "file:///etc/passwd"})

    with server(redirect) as url:
        result = fetch(project, url, "--retries", "0")
    assert_refused(project, result, f"could not fetch {first_url(url)}: HTTP 302 Found - "
                                    "Redirection to url 'file:///etc/passwd' is not allowed")


def test_a_connection_that_closes_at_once_is_one_line(project):
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]

    def accept_and_close():
        for _ in range(2):
            connection, _ = listener.accept()
            connection.recv(65536)  # the request, read: closing then sends no reset
            connection.close()

    thread = threading.Thread(target=accept_and_close, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{port}/api/daily_papers"
    try:
        result = fetch(project, url, "--retries", "1")
    finally:
        listener.close()
    assert_refused(project, result, f"could not fetch {first_url(url)}: Remote end closed "
                                    "connection without response")


def test_oversized_fields_are_reported_at_import_not_written(project, tmp_path):
    items = [item(1), item(2)]
    items[0]["paper"]["summary"] = "Long. " * 5000
    items[1]["paper"]["title"] = "T" * 600
    path = tmp_path / "oversized.json"
    path.write_text(json.dumps(items))
    result = subprocess.run([sys.executable, "-m", "generator", "import", str(path)],
                            cwd=project, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0
    assert result.stderr.splitlines() == [
        f"{path}:1: abstract: 'Snail Paper 1': the abstract has 29,999 characters, more than the "
        "20,000 a paper may have; entry skipped",
        f"{path}:2: title: '{'T' * 60}': the title has 600 characters, more than the 500 a "
        "paper may have; entry skipped"]
    assert list((project / "content/papers").iterdir()) == []


def test_an_item_with_too_many_authors_keeps_their_count_in_a_file_check_accepts(project):
    # 200,000 names made a 1.9 MB paper file, which `digest check` then refused (1 MB limit).
    answer = [item(1)]
    answer[0]["paper"]["authors"] = [{"name": f"Author {n}"} for n in range(200_000)]
    body = json.dumps(answer).encode()

    def respond(handler, query, number):
        handler.send_body(body if query.get("p") == "0" else b"[]")

    with server(respond) as url:
        result = fetch(project, url)
    assert result.returncode == 0, result.stderr
    # Named as the file it is stored as, not the temporary file fetch imported it from.
    assert result.stderr.splitlines() == [
        f"content/sources/{DAY}_hf-daily-papers.json:1: authors: 200,000 names, more than the "
        "1,000 (or 500,000 bytes) a paper file keeps; only their count is kept"]
    paper = project / "content/papers/snail-paper-1.md"
    assert "\nauthors: 200000\n" in paper.read_text()
    check = subprocess.run([sys.executable, "-m", "generator", "check"], cwd=project,
                           capture_output=True, text=True, timeout=60)
    assert check.returncode == 0, check.stderr


def test_without_date_fetches_today_in_utc(project):
    """`--date` defaults to today (UTC), which DIGEST_TODAY fixes for tests and re-runs."""
    with server(pages(1)) as url:
        result = subprocess.run(
            [sys.executable, "-m", "generator", "fetch", "--api-url", url, "--all"],
            cwd=project, capture_output=True, text=True, timeout=60,
            env={**os.environ, "GITHUB_ACTIONS": "", "DIGEST_TODAY": DAY})
    assert result.returncode == 0, result.stderr
    assert [q["date"] for _, q in _Server.requests] == [DAY]
    assert (project / f"content/sources/{DAY}_hf-daily-papers.json").is_file()
