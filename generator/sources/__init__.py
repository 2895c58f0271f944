"""Readers of the digest's sources: Hugging Face listing text and daily-papers API JSON.

Both yield SourceEntry records that keep where they came from (`line`: the line of a listing
entry, or the 1-based item number of an API file), so later problems can point at them.
`clean_entries` then removes the characters no text may hold (text.FORBIDDEN), for both.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from ..problems import Problem
from ..text import remove_forbidden


@dataclass
class SourceEntry:
    """One paper as one source shows it; None where the source does not say."""

    title: str
    abstract: str
    line: int
    arxiv: str | None = None
    authors: int | list[str] | None = None
    organization: str | None = None
    published: dt.date | None = None
    upvotes: int | None = None
    listed: dt.date | None = None  # when Hugging Face featured it, if the source says
    links: list[str] = field(default_factory=list)  # code / project pages the source names
    keywords: list[str] = field(default_factory=list)  # suggested tags


def clean_entries(entries: list[SourceEntry], path: str) -> tuple[list[SourceEntry], list[Problem]]:
    """Entries without control characters, lone surrogates or non-characters, each removal
    reported (`path:line: field: control character U+001B removed`).

    Removed rather than the entry skipped: such a character is an invisible accident of
    copying (a PDF's form feed, a terminal's escape), and skipping would lose a real paper for
    it. The report names it, and `--strict` refuses the import. An entry left without a title
    or an abstract is skipped.
    """
    kept, problems = [], []
    for entry in entries:
        for name in ("title", "abstract", "organization", "authors", "keywords", "links"):
            value = getattr(entry, name)
            texts = [value] if isinstance(value, str) else value if isinstance(value, list) else []
            cleaned, first = [], None
            for text in texts:
                clean, found = remove_forbidden(text) if isinstance(text, str) else (text, None)
                cleaned.append(clean)
                first = first or found
            if first is None:
                continue
            problems.append(Problem(path, entry.line, name, f"{first} removed"))
            setattr(entry, name, cleaned[0] if isinstance(value, str) else
                    [text for text in cleaned if text != ""])
        if not entry.title.strip() or not entry.abstract.strip():
            problems.append(Problem(path, entry.line, "title" if not entry.title.strip()
                                    else "abstract", "nothing left once control characters are "
                                    "removed; entry skipped"))
            continue
        kept.append(entry)
    return kept, problems
