"""What every source reader yields: the SourceEntry record, the limits a source must keep,
and the cleaning every entry goes through.

Readers (hf_listing, hf_api, hf_search) yield SourceEntry records that keep where they came
from (`line`: the line of a listing entry, or the 1-based item number of an API file), so later
problems can point at them. `clean_entries` then removes the characters no text may hold
(text.FORBIDDEN) and applies the length rules of `digest check` (rules.MAX_LENGTHS), for all.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from generator.problems import Problem
from generator.render.text import printable, remove_forbidden

# Largest values a source may give; an entry beyond them is reported and skipped, never written
# (real titles are under 200 characters, arXiv abstracts under 2,000).
MAX_TITLE = 500  # characters; in a listing, a longer line is an abstract, not a title
MAX_ABSTRACT = 20_000  # characters
MAX_SOURCE_BYTES = 20_000_000  # one listing file or API answer
# Names kept in a paper file; beyond, only their count (a paper file may have 1 MB, and 1,000
# names of 300 characters fit). Real collaborations reach a few thousand authors.
MAX_AUTHOR_NAMES = 1_000
MAX_AUTHOR_BYTES = 500_000  # the names' UTF-8 size


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
    reported (`path:line: field: control character U+001B removed`), and within the lengths
    `digest check` allows (a longer title skips the entry; a longer author name or
    organisation is dropped), so an import writes nothing that check refuses.

    Characters are removed rather than the entry skipped: such a character is an invisible
    accident of copying (a PDF's form feed, a terminal's escape), and skipping would lose a real
    paper for it. The report names it, and `--strict` refuses the import.
    """
    from generator.content.rules import MAX_LENGTHS  # rules imports the model, which is not needed before

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
        for name in ("organization", "authors"):
            value, limit = getattr(entry, name), MAX_LENGTHS[name]
            long = [t for t in ([value] if isinstance(value, str) else value
                                if isinstance(value, list) else []) if isinstance(t, str)
                    and len(t) > limit]
            if long:
                problems.append(Problem(path, entry.line, name, f"longer than {limit} characters "
                                        f"({len(long[0])}): '{printable(long[0], 40)}'; dropped"))
                setattr(entry, name, None if isinstance(value, str) else
                        [t for t in value if t not in long] or None)
        names = entry.authors if isinstance(entry.authors, list) else []
        if len(names) > MAX_AUTHOR_NAMES or sum(len(n.encode()) for n in names
                                                if isinstance(n, str)) > MAX_AUTHOR_BYTES:
            problems.append(Problem(path, entry.line, "authors", f"{len(names):,} names, more "
                                    f"than the {MAX_AUTHOR_NAMES:,} (or {MAX_AUTHOR_BYTES:,} "
                                    "bytes) a paper file keeps; only their count is kept"))
            entry.authors = len(names)
        title, abstract = entry.title.strip(), entry.abstract.strip()
        if not title or not abstract:
            problems.append(Problem(path, entry.line, "title" if not title else "abstract",
                                    "nothing left once control characters are removed; "
                                    "entry skipped"))
        else:  # a title or abstract over its limit is store._oversized's to report
            kept.append(entry)
    return kept, problems
