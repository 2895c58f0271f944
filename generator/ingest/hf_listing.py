"""Reader for Hugging Face *Daily Papers* listings as a browser copies them (see README).

A listing is a fixed header, the listing's own date (`Dec 8`, no year), then one entry per
paper: a title line, an abstract paragraph and, in some listings, a three-line metadata block
(`• 21 authors` or an organisation, `·`, a date with optional year and upvote count).
Blank lines separate the title, the abstract and the metadata block. Entries keep the line of
their title so every later problem can point at it.

The browser copies every title and every abstract as one line. Where a blank line is missing,
the entries on either side cannot be told apart for certain (is the short line under an
abstract a title, or the abstract's last line?), so they are reported with the line that
needs a blank line and skipped, never glued together: every title of a listing is either
imported or reported.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from generator.problems import Problem
from generator.ingest.entries import MAX_TITLE
from generator.ingest.entries import SourceEntry

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
MAX_WHO = 200  # characters of an organisation's name; a longer line above '·' is an abstract
MAX_DATE_TEXT = 40  # characters of the date line below '·'; a longer line is not a date


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


@dataclass
class _Line:
    """One non-blank line, stripped, and whether a blank line separates it from the one above."""

    number: int
    text: str
    blank_before: bool
    previous: int  # the number of the non-blank line above it (0: none)


@dataclass
class _Unit:
    """A title, an abstract (one line, or sentences on several) or a metadata block."""

    kind: str  # "text" or "meta"
    lines: list[_Line]

    @property
    def line(self) -> int:
        return self.lines[0].number

    @property
    def glued(self) -> bool:
        """Whether it follows the line above with no blank line between them."""
        return not self.lines[0].blank_before


def _lines(text: str) -> list[_Line]:
    lines: list[_Line] = []
    blank = True
    for number, raw in enumerate(text.split("\n"), start=1):
        line = raw.strip()
        if not line:
            blank = True
            continue
        lines.append(_Line(number, line, blank, lines[-1].number if lines else 0))
        blank = False
    return lines


def _looks_like_title(text: str) -> bool:
    # Titles are one line with no closing full stop; abstracts are sentences.
    return len(text) <= MAX_TITLE and not text.endswith((".", "。"))


def _opens_meta(lines: list[_Line], k: int) -> bool:
    text = lines[k].text
    if text == META_SEPARATOR or AUTHORS.fullmatch(text):
        return True
    # An organisation's name is known only by its place: directly above the '·'.
    following = lines[k + 1] if k + 1 < len(lines) else None
    return (following is not None and following.text == META_SEPARATOR
            and not following.blank_before and len(text) <= MAX_WHO)


def _units(lines: list[_Line]) -> list[_Unit]:
    """Lines to titles, abstracts and metadata blocks, also where a blank line is missing.

    A text line that looks like a title always starts a unit of its own, so a title glued to
    the abstract above it is not swallowed by that abstract; other lines continue the text.
    """
    units: list[_Unit] = []
    k = 0
    while k < len(lines):
        start = k
        k += 1
        if _opens_meta(lines, start):
            if lines[start].text != META_SEPARATOR and k < len(lines) \
                    and lines[k].text == META_SEPARATOR and not lines[k].blank_before:
                k += 1
            if k < len(lines) and not lines[k].blank_before and not _opens_meta(lines, k) and (
                    META_DATE.fullmatch(lines[k].text) or lines[k - 1].text == META_SEPARATOR
                    and len(lines[k].text) <= MAX_DATE_TEXT):
                k += 1  # the date line (what follows '·' is meant as one, if it is short)
            units.append(_Unit("meta", lines[start:k]))
            continue
        while k < len(lines) and not lines[k].blank_before and not _opens_meta(lines, k) \
                and not _looks_like_title(lines[k].text):
            k += 1
        units.append(_Unit("text", lines[start:k]))
    return units


_SKIPPED = SourceEntry("", "", 0)  # an entry reported and left out; its metadata goes with it


def parse_listing(text: str, path: str, year: int) -> Listing:
    """Parse listing text; the year completes the listing's own yearless date."""
    lines = _lines(text)
    listing = Listing(path, None)
    position = _read_listing_date(listing, lines, year)
    if listing.date is not None:
        _read_entries(listing, _units(lines[position:]))
    return listing


def _read_listing_date(listing: Listing, lines: list[_Line], year: int) -> int:
    """Set the listing's date from the line after the page header (or report why not);
    returns the position of the first line after it."""
    path, position = listing.path, 0
    while position < len(lines) and lines[position].text in HEADER_LINES:
        position += 1
    if position < len(lines):
        match = LISTING_DATE.fullmatch(lines[position].text)
        if match:
            listing.date = parse_date(match["mon"], match["day"], year)
            if listing.date is None:
                listing.problems.append(Problem(path, lines[position].number, "date",
                                                f"'{lines[position].text} {year}' is not a "
                                                "calendar date"))
                return position
            return position + 1
    line = lines[position].number if position < len(lines) else 1
    listing.problems.append(Problem(path, line, "date", "expected the listing's date "
                                    "(like 'Dec 8') after the page header"))
    return position


def _read_entries(listing: Listing, units: list[_Unit]) -> None:
    """Pair titles with abstracts and metadata blocks into the listing's entries; every unit
    that does not fit is reported at its line and skipped, never glued to a neighbour."""
    path = listing.path
    pending: _Unit | None = None  # a title still waiting for its abstract
    last: SourceEntry | None = None  # the entry a metadata block may still belong to
    for index, unit in enumerate(units):
        following = units[index + 1] if index + 1 < len(units) else None
        if unit.kind == "meta":
            if pending is not None:
                listing.problems.append(_no_abstract(path, pending))
                pending, last = None, _SKIPPED
            elif last is _SKIPPED:
                last = None
            elif last is not None:
                _apply_meta(listing, last, unit)
                last = None
            else:
                listing.problems.append(Problem(path, unit.line, "", "metadata block without "
                                                "a paper"))
            continue
        first = unit.lines[0].text
        if pending is not None and _looks_like_title(first):
            listing.problems.append(_no_abstract(path, pending))
            pending = None
        if pending is None:
            if len(first) > MAX_TITLE:
                listing.problems.append(Problem(path, unit.line, "title", "expected a one-line "
                                                "title, found a paragraph"))
                last = _SKIPPED
            elif len(unit.lines) > 1:
                listing.problems.append(_unseparated(path, unit, unit, following))
                last = _SKIPPED
            else:
                pending, last = unit, None
        elif pending.glued or unit.glued or (following is not None and following.glued):
            listing.problems.append(_unseparated(path, pending, unit, following))
            pending, last = None, _SKIPPED
        else:
            last = SourceEntry(pending.lines[0].text, " ".join(x.text for x in unit.lines),
                               pending.line)
            listing.entries.append(last)
            pending = None
    if pending is not None:
        listing.problems.append(_no_abstract(path, pending))


def _unseparated(path: str, title: _Unit, abstract: _Unit, following: _Unit | None) -> Problem:
    """An entry not separated from its neighbours by blank lines: skipped, never glued."""
    reasons, side = [], "abstract"
    if title.glued:
        reasons.append(f"before the title (after line {title.lines[0].previous})")
        side = "title"
    if abstract is title:  # the title and its abstract in one paragraph
        reasons.append(f"between the title and its abstract (line {title.lines[1].number})")
        side = "title"
    elif abstract.glued:
        reasons.append(f"between the title and its abstract (line {abstract.line})")
        side = "title"
    if following is not None and following.glued:
        if following.kind == "meta":
            reasons.append(f"between the abstract and its metadata block (line {following.line})")
        else:
            reasons.append(f"after the abstract (line {following.line} looks like a title: "
                           f"'{following.lines[0].text[:60]}')")
    return Problem(path, title.line, side, f"'{title.lines[0].text[:60]}': expected a blank "
                   f"line {' and '.join(reasons)}; entry skipped")


def _no_abstract(path: str, pending: _Unit) -> Problem:
    return Problem(path, pending.line, "abstract",
                   f"'{pending.lines[0].text[:60]}' has a title but no abstract; entry skipped")


def _apply_meta(listing: Listing, entry: SourceEntry, unit: _Unit) -> None:
    texts = [line.text for line in unit.lines]
    if META_SEPARATOR not in texts:
        listing.problems.append(Problem(listing.path, unit.line, "metadata", f"expected "
                                        f"'{META_SEPARATOR}' on the line after '{texts[0][:60]}' "
                                        "(authors or organisation, then the separator, then a "
                                        "date); imported without it"))
        return
    who = texts[0]
    authors = AUTHORS.fullmatch(who)
    if authors:
        entry.authors = int(authors["n"])
    elif who != META_SEPARATOR:
        entry.organization = _organization(who)
    if texts[-1] == META_SEPARATOR:
        listing.problems.append(Problem(listing.path, unit.lines[-1].number, "published",
                                        f"expected a date like 'Jul 24', 'May 27, 2024' or "
                                        f"'Aug 20 3' on the line after '{META_SEPARATOR}'; "
                                        "imported without a published date"))
        return
    date_text, line = texts[-1], unit.lines[-1].number
    match = META_DATE.fullmatch(date_text)
    if not match:
        listing.problems.append(Problem(listing.path, line, "published",
                                        f"expected a date like 'Jul 24', 'May 27, 2024' or "
                                        f"'Aug 20 3', found '{date_text}'; imported without a "
                                        "published date"))
        return
    if match["upvotes"] is not None:
        entry.upvotes = int(match["upvotes"])
    if match["year"]:
        entry.published = parse_date(match["mon"], match["day"], int(match["year"]))
    else:
        entry.published = resolve_year(match["mon"], match["day"], listing.date)
    if entry.published is None:
        listing.problems.append(Problem(listing.path, line, "published",
                                        f"'{date_text}' is not a calendar date; "
                                        "imported without a published date"))


def _organization(line: str) -> str:
    # The copied page repeats the organisation's handle (its avatar's alt text) before its name.
    first, _, rest = line.partition(" ")
    return rest if rest.startswith(first) else line
