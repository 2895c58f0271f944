"""Reader for the Hugging Face daily-papers API (`GET /api/daily_papers`), and its fetcher.

The raw JSON is mapped here by hand: huggingface_hub's PaperInfo reads several nested fields
from the wrong level and turns 0 upvotes into None. Fields used, all under `paper`:
id (arXiv id, no version), title, summary, authors[].name, publishedAt (arXiv date),
submittedOnDailyAt (the day it was featured), upvotes, githubRepo, projectPage, ai_keywords,
organization. The top-level `publishedAt` is neither date and is ignored.

Every field is untrusted: texts must be strings (anything else is ignored) and links must pass
text.check_url (an invalid one is dropped and reported); sources.clean_entries then applies the
character and length rules, so an import never writes a paper that `digest check` refuses.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import threading
import time
import urllib.parse

from generator.model import ARXIV_ID
from generator.problems import Problem
from generator.render.text import check_url, printable
from generator.ingest.entries import MAX_SOURCE_BYTES
from generator.ingest.entries import SourceEntry

DEFAULT_API_URL = "https://huggingface.co/api/daily_papers"
PAGE_SIZE = 100
MAX_PAGES = 20  # a day lists well under 100 papers; more pages mean an API gone wrong
MAX_RETRY_AFTER = 60  # seconds: a server asking for a longer wait is not waited for
MAX_JSON_DEPTH = 64  # an item nests 4 levels deep


class FetchError(Exception):
    """The API could not be reached or answered nonsense; nothing was changed."""


def looks_like_api_json(text: str) -> bool:
    """Whether a source file is API JSON rather than listing text (decided by content)."""
    return text.lstrip("\ufeff \t\r\n")[:1] in ("[", "{")


def _date(value) -> dt.date | None:
    if not isinstance(value, str):
        return None
    try:
        return dt.datetime.fromisoformat(value.replace("Z", "+00:00")).date()
    except ValueError:
        return None


def _text(value) -> str:
    return " ".join(value.split()) if isinstance(value, str) else ""


def _links(paper: dict, path: str, number: int, problems: list[Problem]) -> list[str]:
    links = []
    for key in ("githubRepo", "projectPage"):
        value = paper.get(key)
        if value is None or value == "":
            continue
        reason = check_url(value) if isinstance(value, str) else "not text"
        if reason is None:
            links.append(value)
        else:
            shown = printable(value) if isinstance(value, str) else type(value).__name__
            problems.append(Problem(path, number, key, f"item {number}: link '{shown}' dropped: "
                                    f"{reason}"))
    return links


def parse_api_items(text: str, path: str) -> tuple[list[SourceEntry], list[Problem]]:
    """API JSON (a list of items, or {"papers"/"items": [...]}) to entries; item n is `line` n."""
    try:
        data = parse_json(text)
    except JSONError as exc:
        return [], [Problem(path, exc.line or 1, "", f"invalid JSON: {exc}")]
    if isinstance(data, dict):
        data = data.get("papers", data.get("items"))
    if not isinstance(data, list):
        return [], [Problem(path, 1, "", "expected a JSON list of daily-papers items")]
    entries, problems = [], []
    for number, item in enumerate(data, start=1):
        paper = item.get("paper") if isinstance(item, dict) else None
        if not isinstance(paper, dict):
            problems.append(Problem(path, number, "paper", f"item {number} has no 'paper' object; "
                                    "skipped"))
            continue
        title, abstract = _text(paper.get("title")), _text(paper.get("summary"))
        if not title or not abstract:
            problems.append(Problem(path, number, "title" if not title else "summary",
                                    f"item {number} has no {'title' if not title else 'summary'}"
                                    "; skipped"))
            continue
        arxiv = paper.get("id") if isinstance(paper.get("id"), str) else None
        if arxiv is not None and not ARXIV_ID.fullmatch(arxiv):
            problems.append(Problem(path, number, "id", f"item {number}: '{printable(arxiv)}' is "
                                    "not an arXiv id; imported without it"))
            arxiv = None
        listed_authors = paper.get("authors")
        authors = [name for a in (listed_authors if isinstance(listed_authors, list) else [])
                   if isinstance(a, dict) and (name := _text(a.get("name")))]
        organization = paper.get("organization")
        organization = (_text(organization.get("fullname")) or _text(organization.get("name"))
                        or None) if isinstance(organization, dict) else None
        upvotes = paper.get("upvotes")
        keywords = paper.get("ai_keywords")
        entries.append(SourceEntry(
            title=title,
            abstract=abstract,
            line=number,
            arxiv=arxiv,
            authors=authors or None,
            organization=organization,
            published=_date(paper.get("publishedAt")),
            # 0 upvotes is a count, not a missing value.
            upvotes=upvotes if isinstance(upvotes, int) and not isinstance(upvotes, bool)
            and upvotes >= 0 else None,
            listed=_date(paper.get("submittedOnDailyAt")),
            links=_links(paper, path, number, problems),
            keywords=[k for k in keywords if isinstance(k, str)] if isinstance(keywords, list)
            else [],
        ))
    return entries, problems


def source_date(entries: list[SourceEntry]) -> dt.date | None:
    """The day an API file stands for: the latest day its papers were featured."""
    return max((e.listed for e in entries if e.listed), default=None)


def fetch_daily_papers(day: dt.date, api_url: str = DEFAULT_API_URL, timeout: float = 30,
                       retries: int = 3, backoff: float = 1.0,
                       warn=None) -> str:
    """All items of one day's list as JSON text; raises FetchError, nothing half-read.

    Pages of PAGE_SIZE are read until a shorter one, at most MAX_PAGES; when the last of those
    is full and the API has more, `warn` is told how many were read.
    """
    items: list = []
    budget = MAX_SOURCE_BYTES  # for all pages together: the stored source has the same limit
    for page in range(MAX_PAGES + 1):
        query = urllib.parse.urlencode({"date": day.isoformat(), "limit": PAGE_SIZE, "p": page})
        url = f"{api_url}?{query}"
        batch, size = fetch_json(url, timeout=timeout, max_bytes=budget, retries=retries,
                                 backoff=backoff, sized=True)
        budget -= size
        if not isinstance(batch, list):
            raise FetchError(f"could not fetch {url}: expected a JSON list of papers, found "
                             f"{_json_kind(batch)}")
        if page == MAX_PAGES:
            if batch and warn is not None:
                warn(f"the API has more than {len(items)} papers for {day.isoformat()} "
                     f"({MAX_PAGES} pages of {PAGE_SIZE}); only the first {len(items)} were read")
            break
        items += batch
        if len(batch) < PAGE_SIZE:
            break
    text = json.dumps(items, ensure_ascii=False, indent=1, sort_keys=True) + "\n"
    # A lone surrogate (`"\ud800"` in the response) cannot be written as UTF-8: it stays a
    # \u escape, the same JSON; the import then reports and removes it (clean_entries).
    return re.sub("[\ud800-\udfff]", lambda m: f"\\u{ord(m.group()):04x}", text)


def fetch_json(url: str, *, timeout: float = 30, max_bytes: int = MAX_SOURCE_BYTES,
               retries: int = 3, backoff: float = 1.0, sized: bool = False):
    """GET a JSON document from any http(s) endpoint, bounded in time and size.

    `timeout` is the deadline of each attempt as a whole (connecting, headers and body), not
    of each read; an answer larger than `max_bytes` is refused unread. Connection failures,
    deadlines, 5xx and 429 are retried (`retries` times, after `backoff` * 1, 2, 4... seconds,
    or the server's Retry-After when it is at most MAX_RETRY_AFTER). Returns the parsed JSON
    (with its size in bytes when `sized`); every failure is one FetchError line naming the URL.
    """
    try:
        parts = urllib.parse.urlsplit(url)
        usable = parts.scheme in ("http", "https") and parts.hostname and (parts.port or 1)
    except ValueError:  # like an unclosed '[' or a port out of range
        usable = False
    if not usable:
        raise FetchError(f"could not fetch {url}: not an http:// or https:// address")
    last, wait = "", None
    for attempt in range(retries + 1):
        if attempt:
            time.sleep(wait if wait is not None else backoff * 2 ** (attempt - 1))
        try:
            body = _get(url, timeout, max_bytes)
        except _Retry as exc:
            last, wait = str(exc), exc.wait
            if wait is not None and wait > MAX_RETRY_AFTER:
                last += (f"; the server asks to retry after {wait:.0f} s, more than the "
                         f"{MAX_RETRY_AFTER} s fetch waits; try again later")
                break
            continue
        except _Refused as exc:
            last = str(exc)
            break
        try:
            data = parse_json(body.decode("utf-8"))
        except UnicodeDecodeError as exc:
            raise FetchError(f"could not fetch {url}: the answer is not UTF-8 text (byte "
                             f"{exc.start})") from None
        except JSONError as exc:
            where = f"line {exc.line}: " if exc.line else ""
            raise FetchError(f"could not fetch {url}: the answer is not usable JSON ({where}"
                             f"{exc})") from None
        return (data, len(body)) if sized else data
    raise FetchError(f"could not fetch {url}: {last}")


class JSONError(ValueError):
    """JSON that cannot be used: its one-line reason, and the line it was found at."""

    def __init__(self, message: str, line: int | None = None):
        super().__init__(message)
        self.line = line


def parse_json(text: str):
    """JSON text to data; JSONError for invalid, too deeply nested or unreadable documents."""
    try:
        data = json.loads(text.lstrip("\ufeff"))
    except json.JSONDecodeError as exc:
        raise JSONError(exc.msg, exc.lineno) from None
    except RecursionError:
        raise JSONError(f"nested more than {MAX_JSON_DEPTH} levels deep") from None
    except ValueError as exc:  # an integer of more digits than Python converts, for one
        raise JSONError(str(exc).split("\n")[0]) from None
    # Checked without recursion: the importer and json.dumps walk what is accepted here.
    stack = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if depth > MAX_JSON_DEPTH:
            raise JSONError(f"nested more than {MAX_JSON_DEPTH} levels deep")
        if isinstance(value, dict):
            stack += [(v, depth + 1) for v in value.values()]
        elif isinstance(value, list):
            stack += [(v, depth + 1) for v in value]
    return data


def _json_kind(value) -> str:
    return {dict: "an object", list: "a list", str: "a string", bool: "a boolean",
            type(None): "null"}.get(type(value), "a number")


class _Retry(Exception):
    """A failure that may pass (network, deadline, 5xx, 429); `wait` is the Retry-After."""

    def __init__(self, message: str, wait: float | None = None):
        super().__init__(message)
        self.wait = wait


class _Refused(Exception):
    """A failure that asking again will not change (4xx, an answer too large)."""


class _Deadline:
    """One attempt's time limit: when it passes, the connection's socket is shut down, which
    ends any read waiting on it, however slowly the server drips its bytes."""

    def __init__(self, seconds: float):
        self.end = time.monotonic() + seconds
        self.expired = False
        self._lock = threading.Lock()
        self._sockets: list = []
        self._timer = threading.Timer(seconds, self._expire)
        self._timer.daemon = True
        self._timer.start()

    def remaining(self) -> float:
        return max(self.end - time.monotonic(), 0.001)

    def watch(self, sock) -> None:
        with self._lock:
            if self.expired:
                raise TimeoutError("deadline passed")
            self._sockets.append(sock)

    def _expire(self) -> None:
        import socket  # here: fetch needs it, `digest build` (which imports this module) not

        with self._lock:
            self.expired = True
            for sock in self._sockets:
                try:
                    socket.socket.shutdown(sock, socket.SHUT_RDWR)
                except OSError:
                    pass  # already closed

    def cancel(self) -> None:
        with self._lock:
            self._timer.cancel()
            self._sockets.clear()


def _opener(deadline: _Deadline):
    """urllib with only http(s) (proxies and redirects kept), each connection watched."""
    # Imported here: urllib.request (http.client, email, ssl) would slow every `digest build`.
    import http.client
    import urllib.request

    def watched(base):
        class Connection(base):
            def connect(self):
                super().connect()
                deadline.watch(self.sock)
        return Connection

    class HTTPHandler(urllib.request.HTTPHandler):
        def http_open(self, req):
            return self.do_open(watched(http.client.HTTPConnection), req)

    class HTTPSHandler(urllib.request.HTTPSHandler):
        def https_open(self, req):
            return self.do_open(watched(http.client.HTTPSConnection), req,
                                context=self._context)

    opener = urllib.request.OpenerDirector()
    for handler in (urllib.request.ProxyHandler(), HTTPHandler(), HTTPSHandler(),
                    urllib.request.HTTPDefaultErrorHandler(),
                    urllib.request.HTTPRedirectHandler(), urllib.request.HTTPErrorProcessor()):
        opener.add_handler(handler)
    return opener


def _get(url: str, timeout: float, max_bytes: int) -> bytes:
    """One attempt: the whole body, or _Retry/_Refused with a one-line reason."""
    import http.client
    import urllib.error
    import urllib.request

    from generator import DISTRIBUTION, __version__

    deadline = _Deadline(timeout)
    late = f"no complete answer within {timeout:g} s (--timeout)"
    try:
        request = urllib.request.Request(url, headers={
            "Accept": "application/json", "User-Agent": f"{DISTRIBUTION}/{__version__}"})
        with _opener(deadline).open(request, timeout=deadline.remaining()) as response:
            length = response.headers.get("Content-Length", "")
            if length.isdigit() and int(length) > max_bytes:
                raise _Refused(f"the answer is {int(length):,} bytes, more than the "
                               f"{max_bytes:,} fetch accepts; nothing was read")
            chunks, size = [], 0
            while chunk := response.read(65536):
                size += len(chunk)
                if size > max_bytes:
                    raise _Refused(f"the answer is larger than the {max_bytes:,} bytes fetch "
                                   "accepts; nothing was kept")
                chunks.append(chunk)
            if deadline.expired:  # its shut socket ended the body early
                raise _Retry(late)
            if length.isdigit() and size < int(length):
                raise _Retry(f"the connection closed after {size:,} bytes of the answer "
                             f"({int(length):,} announced)")
            return b"".join(chunks)
    except urllib.error.HTTPError as exc:
        reason = f"HTTP {exc.code} {exc.reason}"
        exc.close()
        if exc.code in (429, 503):
            raise _Retry(reason, _retry_after(exc.headers)) from None
        if exc.code >= 500:
            raise _Retry(reason) from None
        raise _Refused(reason) from None  # a client error will not go away by asking again
    except http.client.IncompleteRead as exc:  # a chunked body cut short
        if deadline.expired:
            raise _Retry(late) from None
        raise _Retry(f"the connection closed after {len(exc.partial):,} bytes of a part of "
                     "the answer") from None
    except (ValueError, http.client.InvalidURL) as exc:  # asking again will not mend it
        raise _Refused(f"not a usable address ({exc})") from None
    except (urllib.error.URLError, http.client.HTTPException, OSError) as exc:
        if deadline.expired or isinstance(exc, TimeoutError) \
                or isinstance(getattr(exc, "reason", None), TimeoutError):
            raise _Retry(late) from None
        reason = getattr(exc, "reason", exc)
        if isinstance(reason, OSError) and reason.strerror:
            reason = reason.strerror
        raise _Retry(str(reason) or type(exc).__name__) from None
    finally:
        deadline.cancel()


def _retry_after(headers) -> float | None:
    """Seconds a 429/503 asks to wait (Retry-After: seconds or an HTTP date), if it says."""
    value = (headers.get("Retry-After") or "").strip()
    if value.isascii() and value.isdigit():
        return float(value)
    when = _http_date(value)
    if when is None:
        return None
    # Against the server's own clock when it sends one: a skewed local clock does not matter.
    now = _http_date(headers.get("Date") or "") or dt.datetime.now(dt.timezone.utc)
    return max((when - now).total_seconds(), 0.0)


def _http_date(value: str) -> dt.datetime | None:
    import email.utils

    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    return when if when.tzinfo else when.replace(tzinfo=dt.timezone.utc)
