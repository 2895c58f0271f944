"""Hugging Face paper search (`GET /api/papers/search?q=`) as a source, and its fetcher.

The endpoint is the one huggingface_hub's `list_papers(query=...)` calls: it answers a JSON
list of items shaped like the daily-papers items (the paper under `paper`), so the same reader
(hf_api.parse_api_items) maps them. A search has no day of its own, so the stored file wraps
the items with the query and the day of the search: `{"query", "searched", "papers"}`; that
day dates the stored source (`<searched>_hf-search-<query>.json`, `<searched>_hf-resolve.json`),
which keeps `added` of papers already in the digest unchanged (the earliest source wins).
"""

from __future__ import annotations

import datetime as dt
import json
import re
import urllib.parse

from generator.ingest.hf_api import FetchError, fetch_json
from generator.model import ARXIV_ID

DEFAULT_SEARCH_URL = "https://huggingface.co/api/papers/search"
MAX_QUERY = 300  # characters; a title is far shorter, and the query goes into a URL


def search_papers(query: str, api_url: str = DEFAULT_SEARCH_URL, timeout: float = 30,
                  retries: int = 3, backoff: float = 1.0) -> list:
    """The raw items the search answers for one query; raises FetchError."""
    query = " ".join(query.split())[:MAX_QUERY]
    url = f"{api_url}?{urllib.parse.urlencode({'q': query})}"
    items = fetch_json(url, timeout=timeout, retries=retries, backoff=backoff)
    if not isinstance(items, list):
        raise FetchError(f"{url} answered something other than a list of papers")
    return items


def render_search_source(query: str, day: dt.date, items: list) -> str:
    """The stored text of search results: the query, the day searched, the items as answered."""
    data = {"query": query, "searched": day.isoformat(), "papers": items}
    return json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True) + "\n"


def read_search_date(text: str) -> dt.date | None:
    """The day a stored search was made, or None when the JSON is not a stored search."""
    try:
        data = json.loads(text.lstrip("\ufeff"))
    except (json.JSONDecodeError, RecursionError):
        return None
    value = data.get("searched") if isinstance(data, dict) else None
    try:
        return dt.date.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None


def search_stem(query: str) -> str:
    """The name a search for `query` is stored under (before the date and extension)."""
    slug = re.sub(r"[^a-z0-9]+", "-", query.lower()).strip("-")[:40].strip("-")
    return f"hf-search-{slug or 'query'}"


def pick_exact_match(titles: set[str], items: list) -> tuple[str, list]:
    """The search result whose normalized title is one of `titles`: ("found", [item]),
    ("ambiguous", [ids]) when exact matches carry different arXiv ids, or ("missing", [])."""
    from generator.model import normalize_title

    matches = []
    for item in items:
        paper = item.get("paper") if isinstance(item, dict) else None
        if not isinstance(paper, dict):
            continue
        title, arxiv, summary = paper.get("title"), paper.get("id"), paper.get("summary")
        if (isinstance(title, str) and isinstance(arxiv, str) and ARXIV_ID.fullmatch(arxiv)
                and isinstance(summary, str) and summary.strip()
                and normalize_title(" ".join(title.split())) in titles):
            matches.append(item)
    ids = sorted({item["paper"]["id"] for item in matches})
    if not ids:
        return "missing", []
    if len(ids) > 1:
        return "ambiguous", ids
    return "found", [matches[0]]
