"""The listing reader fuzzed with mutated real listings: never a traceback, and every title the
mutated text still holds is either imported or reported at its line.

"A title the text holds": a line that is, once stripped, one of the titles of the listing the
mutation started from (parsed cleanly, unmutated), wherever the mutations moved or copied it.
One exception follows from the format itself: a line directly above a `·` line is the
metadata block's organisation line, whatever its text, so it is not counted as a title.
"""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import LISTINGS, SEEDS
from generator.ingest.hf_listing import META_SEPARATOR, decode_listing, parse_listing

REAL = sorted(SEEDS.glob("*.txt")) + [
    LISTINGS / f"{name}.txt" for name in ("metadata_block", "organisation_line", "no_metadata",
                                          "upvotes_and_years", "bom_crlf")]


def _original(path):
    text, problems = decode_listing(path.read_bytes(), path.name)
    listing = parse_listing(text, path.name, 2025)
    assert problems == [] and listing.problems == [] and listing.entries, path
    return text.split("\n"), frozenset(e.title for e in listing.entries)


ORIGINALS = [_original(path) for path in REAL]
# Characters that mean something to the format, to a decoder or to a terminal, and any other.
ODD = st.sampled_from(["\r", "\n", "\x00", "\x1b", "\x7f", "\x85", "\ufeff", "\ufffe",
                       "\u2028", "\u200b", META_SEPARATOR, "•", " ", ".", "\t"])


@st.composite
def mutated_listings(draw):
    """(bytes of a mutated real listing, the titles of the listing it started from)."""
    lines, titles = draw(st.sampled_from(ORIGINALS))
    lines = list(lines)
    for _ in range(draw(st.integers(1, 8))):
        if not lines:
            break
        at = draw(st.integers(0, len(lines) - 1))
        operation = draw(st.sampled_from(["drop", "duplicate", "swap", "join", "unblank",
                                          "insert", "truncate"]))
        if operation == "drop":
            del lines[at]
        elif operation == "duplicate":
            lines.insert(at, lines[at])
        elif operation == "swap":
            other = draw(st.integers(0, len(lines) - 1))
            lines[at], lines[other] = lines[other], lines[at]
        elif operation == "join" and at + 1 < len(lines):  # two lines become one
            lines[at:at + 2] = [lines[at] + " " + lines[at + 1]]
        elif operation == "unblank":  # the next blank line disappears
            blank = next((i for i in range(at, len(lines)) if not lines[i].strip()), None)
            if blank is not None:
                del lines[blank]
        elif operation == "insert":
            text = draw(st.text(st.one_of(ODD, st.characters()), min_size=1, max_size=4))
            cut = draw(st.integers(0, len(lines[at])))
            lines[at] = lines[at][:cut] + text + lines[at][cut:]
        elif operation == "truncate":
            whole = "\n".join(lines)
            lines = whole[:draw(st.integers(0, len(whole)))].split("\n")
    data = "\n".join(lines).encode("utf-8")
    if draw(st.booleans()) and data:  # now and then a byte that is not UTF-8 text
        cut = draw(st.integers(0, len(data)))
        data = data[:cut] + bytes([draw(st.integers(0x80, 0xFF))]) + data[cut:]
    return data, titles


@settings(max_examples=200, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(mutated_listings())
def test_every_title_is_imported_or_reported(case):
    data, titles = case
    text, problems = decode_listing(data, "fuzz.txt")
    if text is None:
        assert problems  # refused as a whole (not UTF-8, empty), with its reason
        return
    listing = parse_listing(text, "fuzz.txt", 2025)
    if listing.date is None:
        assert listing.problems  # no listing date: nothing is imported, and it says why
        return
    imported = {(e.line, e.title) for e in listing.entries}
    reported = {p.line for p in listing.problems}
    lines = text.split("\n")
    for number, line in enumerate(lines, start=1):
        title = line.strip()
        if title not in titles:
            continue
        if number < len(lines) and lines[number].strip() == META_SEPARATOR:
            continue  # an organisation line, by its place
        assert (number, title) in imported or number in reported, (number, title)
    # Whatever was imported is whole: an abstract never holds a title of the listing.
    for entry in listing.entries:
        assert not any(title in entry.abstract for title in titles - {entry.title}
                       if len(title) > 30), entry.title
