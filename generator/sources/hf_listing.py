"""Reader for Hugging Face *Daily Papers* listings as a browser copies them (see README).

A listing is a fixed header, the listing's own date (`Dec 8`, no year), then one entry per
paper: a title line, an abstract paragraph and, in some listings, a three-line metadata block
(`• 21 authors` or an organisation, `·`, a date with optional year and upvote count).
Entries keep the line of their title so every later problem can point at it.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from ..problems import Problem
from . import SourceEntry

HEADER_LINES = {
    "new",
    "Get trending papers in your email inbox!",
    "Subscribe",
    "Daily Papers",
    "byAK and the research community",
}
MONTHS = {m: i for i, m in enumerate(
    "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split(), start=1)}
LISTING_DATE = re.compile(r"(?P<mon>[A-Z][a-z]{2}) (?P<day>\d{1,2})")
META_DATE = re.compile(
    r"(?P<mon>[A-Z][a-z]{2}) (?P<day>\d{1,2})(?:, (?P<year>\d{4}))?(?: (?P<upvotes>\d+))?"
)
AUTHORS = re.compile(r"•\s*(?P<n>\d+)\s+authors?")
META_SEPARATOR = "·"
MAX_TITLE = 400  # characters; a longer single line is an abstract, not a title


@dataclass
class Listing:
    """A parsed listing: its date, its entries, and the problems met on the way."""

    path: str
    date: dt.date | None
    entries: list[SourceEntry] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def decode_listing(data: bytes, path: str) -> tuple[str | None, list[Problem]]:
    """Bytes to text (UTF-8, optional BOM, any line ending), or a problem saying why not."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        return None, [Problem(path, line, "", f"not UTF-8 text (byte {exc.start}); "
                              "save the listing as UTF-8 and import it again")]
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        return None, [Problem(path, 0, "", "the listing is empty")]
    return text, []


def _blocks(text: str) -> list[tuple[int, list[str]]]:
    """Paragraphs as (first line number, stripped lines), split at blank lines."""
    blocks: list[tuple[int, list[str]]] = []
    current: list[str] = []
    start = 0
    for number, raw in enumerate(text.split("\n"), start=1):
        line = raw.strip()
        if line:
            if not current:
                start = number
            current.append(line)
        elif current:
            blocks.append((start, current))
            current = []
    if current:
        blocks.append((start, current))
    return blocks


def parse_date(mon: str, day: str, year: int) -> dt.date | None:
    """A calendar date, or None when it does not exist (Feb 30, Feb 29 in 2025, 'Foo 3')."""
    month = MONTHS.get(mon)
    if month is None:
        return None
    try:
        return dt.date(year, month, int(day))
    except ValueError:
        return None


def resolve_year(mon: str, day: str, listing_date: dt.date) -> dt.date | None:
    """A yearless date: the latest such date not after the listing date."""
    for year in (listing_date.year, listing_date.year - 1):
        date = parse_date(mon, day, year)
        if date is not None and date <= listing_date:
            return date
    return None


def _is_meta(lines: list[str]) -> bool:
    return META_SEPARATOR in lines and len(lines) <= 4


def _looks_like_title(lines: list[str]) -> bool:
    # Titles are one line with no closing full stop; abstracts are sentences.
    text = lines[0]
    return len(lines) == 1 and len(text) <= MAX_TITLE and not text.endswith((".", "。"))


def parse_listing(text: str, path: str, year: int) -> Listing:
    """Parse listing text; the year completes the listing's own yearless date."""
    blocks = _blocks(text)
    listing = Listing(path, None)
    position = 0
    while position < len(blocks) and len(blocks[position][1]) == 1 \
            and blocks[position][1][0] in HEADER_LINES:
        position += 1
    if position < len(blocks):
        line, lines = blocks[position]
        match = LISTING_DATE.fullmatch(lines[0]) if len(lines) == 1 else None
        if match:
            listing.date = parse_date(match["mon"], match["day"], year)
            if listing.date is None:
                listing.problems.append(Problem(path, line, "date", f"'{lines[0]} {year}' is not a "
                                                "calendar date"))
                return listing
            position += 1
    if listing.date is None:
        line = blocks[position][0] if position < len(blocks) else 1
        listing.problems.append(Problem(path, line, "date", "expected the listing's date "
                                        "(like 'Dec 8') after the page header"))
        return listing

    pending: tuple[int, str] | None = None  # a title still waiting for its abstract
    last: SourceEntry | None = None  # the entry a metadata block may still belong to
    for line, lines in blocks[position:]:
        if _is_meta(lines):
            if pending is not None:
                listing.problems.append(_no_abstract(path, pending))
                pending = None
            elif last is not None:
                _apply_meta(listing, last, lines, line)
                last = None
            else:
                listing.problems.append(Problem(path, line, "", "metadata block without a paper"))
            continue
        if pending is None:
            if len(lines) > 1 or len(lines[0]) > MAX_TITLE:
                listing.problems.append(Problem(path, line, "title", "expected a one-line title, "
                                                "found a paragraph"))
                continue
            pending, last = (line, lines[0]), None
        elif _looks_like_title(lines):
            listing.problems.append(_no_abstract(path, pending))
            pending = (line, lines[0])
        else:
            last = SourceEntry(pending[1], " ".join(lines), pending[0])
            listing.entries.append(last)
            pending = None
    if pending is not None:
        listing.problems.append(_no_abstract(path, pending))
    return listing


def _no_abstract(path: str, pending: tuple[int, str]) -> Problem:
    return Problem(path, pending[0], "abstract",
                   f"'{pending[1][:60]}' has a title but no abstract; entry skipped")


def _apply_meta(listing: Listing, entry: SourceEntry, lines: list[str], line: int) -> None:
    who, date_text = lines[0], lines[-1]
    authors = AUTHORS.fullmatch(who)
    if authors:
        entry.authors = int(authors["n"])
    elif who != META_SEPARATOR:
        entry.organization = _organization(who)
    match = META_DATE.fullmatch(date_text)
    if not match:
        listing.problems.append(Problem(listing.path, line + len(lines) - 1, "published",
                                        f"expected a date like 'Jul 24', 'May 27, 2024' or "
                                        f"'Aug 20 3', found '{date_text}'"))
        return
    if match["upvotes"] is not None:
        entry.upvotes = int(match["upvotes"])
    if match["year"]:
        entry.published = parse_date(match["mon"], match["day"], int(match["year"]))
    else:
        entry.published = resolve_year(match["mon"], match["day"], listing.date)
    if entry.published is None:
        listing.problems.append(Problem(listing.path, line + len(lines) - 1, "published",
                                        f"'{date_text}' is not a calendar date; "
                                        "imported without a published date"))


def _organization(line: str) -> str:
    # The copied page repeats the organisation's handle (its avatar's alt text) before its name.
    first, _, rest = line.partition(" ")
    return rest if rest.startswith(first) else line
