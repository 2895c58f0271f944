"""The listing reader: golden records per fixture, exact problems for bad input."""

from __future__ import annotations

import dataclasses
import json

import pytest

from conftest import LISTINGS
from generator.ingest.hf_listing import decode_listing, parse_listing, resolve_year

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


@pytest.mark.parametrize("name, problems, imported", [
    ("blank_lines_missing_around_title", [
        "blank_lines_missing_around_title.txt:13: abstract: 'First Paper On Reasoning': expected "
        "a blank line after the abstract (line 16 looks like a title: 'Second Paper Glued To The "
        "Abstract Above'); entry skipped",
        "blank_lines_missing_around_title.txt:16: title: 'Second Paper Glued To The Abstract "
        "Above': expected a blank line before the title (after line 15) and between the title "
        "and its abstract (line 17); entry skipped",
    ], ["Third Paper Stays Whole"]),
    ("title_runs_into_abstract", [
        "title_runs_into_abstract.txt:13: title: 'A Title With Its Abstract In One Paragraph': "
        "expected a blank line between the title and its abstract (line 14); entry skipped",
    ], ["The Next Paper Is Whole"]),
    ("title_line_before_metadata", [
        "title_line_before_metadata.txt:13: abstract: 'A Paper Whose Abstract Swallowed A "
        "Title': expected a blank line after the abstract (line 16 looks like a title: 'A Paper "
        "With No Abstract Of Its Own'); entry skipped",
        "title_line_before_metadata.txt:16: abstract: 'A Paper With No Abstract Of Its Own' has "
        "a title but no abstract; entry skipped",
    ], ["The Last Paper"]),
    ("metadata_runs_into_title", [
        "metadata_runs_into_title.txt:20: title: 'A Title Right Under The Date Line': expected "
        "a blank line before the title (after line 19); entry skipped",
    ], ["A Paper With Its Metadata"]),
])
def test_entries_without_their_blank_lines_are_reported_never_glued(name, problems, imported):
    listing = read(name)
    assert [str(p) for p in listing.problems] == problems
    assert [e.title for e in listing.entries] == imported
    # What was imported is whole: no abstract holds another paper's title.
    for entry in listing.entries:
        assert entry.abstract.startswith("Its abstract") or "metadata" in entry.title


def test_metadata_before_the_next_title_still_belongs_to_its_paper():
    (entry,) = read("metadata_runs_into_title").entries
    assert (entry.authors, str(entry.published)) == (2, "2025-12-03")


def test_an_abstract_of_one_sentence_per_line_is_joined():
    (entry,) = read("abstract_in_sentence_lines").entries
    assert entry.abstract == ("The first sentence of the abstract. The second sentence, on a "
                              "line of its own. A third one, also ending with a full stop.")
    assert (entry.authors, entry.upvotes) == (6, 2)


@pytest.mark.parametrize("text, problem", [
    ("A Paper\n\nIts abstract.\n\n  • 3 authors\nDec 1\n",
     "x.txt:7: metadata: expected '·' on the line after '• 3 authors' (authors or organisation, "
     "then the separator, then a date); imported without it"),
    ("A Paper\n\nIts abstract.\n\n  • 3 authors\n·\n",
     "x.txt:8: published: expected a date like 'Jul 24', 'May 27, 2024' or 'Aug 20 3' on the "
     "line after '·'; imported without a published date"),
    ("A Paper\n\nIts abstract.\n\n  • 3 authors\n·\nSometime\n",
     "x.txt:9: published: expected a date like 'Jul 24', 'May 27, 2024' or 'Aug 20 3', found "
     "'Sometime'; imported without a published date"),
])
def test_a_broken_metadata_block_is_reported_and_the_paper_kept(text, problem):
    listing = parse_listing("Dec 8\n\n" + text, "x.txt", 2025)
    assert [str(p) for p in listing.problems] == [problem]
    assert [e.title for e in listing.entries] == ["A Paper"]
