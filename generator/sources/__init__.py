"""Readers of the digest's sources: Hugging Face listing text and daily-papers API JSON.

Both yield SourceEntry records that keep where they came from (`line`: the line of a listing
entry, or the 1-based item number of an API file), so later problems can point at them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

# Largest values a source may give; an entry beyond them is reported and skipped, never written
# (real titles are under 200 characters, arXiv abstracts under 2,000).
MAX_TITLE = 500  # characters; in a listing, a longer line is an abstract, not a title
MAX_ABSTRACT = 20_000  # characters
MAX_SOURCE_BYTES = 20_000_000  # one listing file or API answer


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
