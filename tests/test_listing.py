"""The listing reader: golden records per fixture, exact problems for bad input."""

from __future__ import annotations

import dataclasses
import json

import pytest

from conftest import LISTINGS
from generator.sources.hf_listing import decode_listing, parse_listing, resolve_year

GOOD = ["metadata_block", "organisation_line", "upvotes_and_years", "no_metadata", "bom_crlf"]


def read(name: str, year: int = 2025):
    path = LISTINGS / f"{name}.txt"
    text, problems = decode_listing(path.read_bytes(), f"{name}.txt")
    assert text is not None, problems
    return parse_listing(text, f"{name}.txt", year)


@pytest.mark.parametrize("name", GOOD)
def test_listing_records_match_golden(name, golden):
    listing = read(name)
    assert listing.problems == []
    records = {"date": listing.date.isoformat(),
               "entries": [dataclasses.asdict(e) for e in listing.entries]}
    golden.check(f"listings/{name}.json", json.dumps(records, indent=2, default=str) + "\n")


def test_organisation_line_takes_the_place_of_authors():
    (entry,) = read("organisation_line").entries
    assert (entry.authors, entry.organization, entry.upvotes) == (None, "NJU-LINK Lab", 2)


def test_yearless_dates_are_the_latest_not_after_the_listing():
    late, early, explicit = read("upvotes_and_years").entries
    assert str(late.published) == "2024-12-14"  # Dec 14 after a Jan 10 listing: last year
    assert (str(early.published), early.upvotes) == ("2025-01-06", 12)
    assert (str(explicit.published), explicit.upvotes) == ("2024-01-16", 2)


def test_resolve_year_on_the_listing_day_itself():
    import datetime as dt
    assert resolve_year("Dec", "8", dt.date(2025, 12, 8)) == dt.date(2025, 12, 8)


def test_bom_and_crlf_read_like_plain_text():
    listing = read("bom_crlf")
    assert [e.title for e in listing.entries] == ["Windows Line Endings Paper"]
    assert listing.entries[0].line == 13


def test_entries_without_abstract_are_reported_and_the_rest_kept():
    listing = read("missing_abstract")
    assert [str(p) for p in listing.problems] == [
        "missing_abstract.txt:13: abstract: 'A Title Without Its Abstract' has a title but no "
        "abstract; entry skipped",
        "missing_abstract.txt:19: abstract: 'Another Title Without Abstract' has a title but no "
        "abstract; entry skipped",
    ]
    assert [e.title for e in listing.entries] == ["A Paper That Is Complete", "The Last Paper"]


def test_impossible_date_is_reported_not_a_crash():
    listing = read("impossible_date")
    assert [str(p) for p in listing.problems] == [
        "impossible_date.txt:19: published: 'Feb 29, 2023' is not a calendar date; "
        "imported without a published date"]
    assert listing.entries[0].published is None


@pytest.mark.parametrize("name, message", [
    ("empty", "empty.txt: the listing is empty"),
    ("not_utf8", "not_utf8.txt:13: not UTF-8 text (byte 115); save the listing as UTF-8 and "
                 "import it again"),
])
def test_undecodable_listing_gives_one_clear_problem(name, message):
    text, problems = decode_listing((LISTINGS / f"{name}.txt").read_bytes(), f"{name}.txt")
    assert text is None
    assert [str(p) for p in problems] == [message]


def test_listing_without_a_date_is_refused():
    listing = read("no_date")
    assert listing.entries == []
    assert [str(p) for p in listing.problems] == [
        "no_date.txt:1: date: expected the listing's date (like 'Dec 8') after the page header"]
