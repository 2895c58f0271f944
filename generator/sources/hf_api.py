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
import time
import urllib.parse

from ..problems import Problem
from ..text import check_url, printable
from . import SourceEntry

DEFAULT_API_URL = "https://huggingface.co/api/daily_papers"
ARXIV_ID = re.compile(r"\d{4}\.\d{4,5}|[a-z][a-z.-]*/\d{7}")
PAGE_SIZE = 100
MAX_PAGES = 20


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
        data = json.loads(text.lstrip("\ufeff"))
    except json.JSONDecodeError as exc:
        return [], [Problem(path, exc.lineno, "", f"invalid JSON: {exc.msg}")]
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
                       retries: int = 3, backoff: float = 1.0) -> str:
    """All items of one day's list as JSON text; retries, then raises FetchError."""
    items: list = []
    for page in range(MAX_PAGES):
        query = urllib.parse.urlencode({"date": day.isoformat(), "limit": PAGE_SIZE, "p": page})
        batch = _get_json(f"{api_url}?{query}", timeout, retries, backoff)
        if not isinstance(batch, list):
            raise FetchError(f"{api_url} answered something other than a list of papers")
        items += batch
        if len(batch) < PAGE_SIZE:
            break
    text = json.dumps(items, ensure_ascii=False, indent=1, sort_keys=True) + "\n"
    # A lone surrogate (`"\ud800"` in the response) cannot be written as UTF-8: it stays a
    # \u escape, the same JSON; the import then reports and removes it (clean_entries).
    return re.sub("[\ud800-\udfff]", lambda m: f"\\u{ord(m.group()):04x}", text)


def _get_json(url: str, timeout: float, retries: int, backoff: float):
    # Imported here: urllib.request (http.client, email, ssl) is 40 ms of every `digest build`.
    import urllib.error
    import urllib.request

    last = ""
    for attempt in range(retries + 1):
        if attempt:
            time.sleep(backoff * 2 ** (attempt - 1))
        try:
            request = urllib.request.Request(url, headers={
                "Accept": "application/json", "User-Agent": "llm-reasoning-digest"})
            with urllib.request.urlopen(request, timeout=timeout) as response:
                return json.loads(response.read().decode("utf-8"))
        except urllib.error.HTTPError as exc:
            last = f"HTTP {exc.code} {exc.reason}"
            if exc.code < 500 and exc.code != 429:
                break  # a client error will not go away by asking again
        except (urllib.error.URLError, TimeoutError, ConnectionError) as exc:
            last = str(getattr(exc, "reason", exc))
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            last = f"not JSON ({exc})"
    raise FetchError(f"could not fetch {url}: {last}")
