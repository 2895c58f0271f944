"""Sources as files: reading one (listing text or API JSON, told apart by content), and the
store of imported sources under content/sources/ that papers refer to as `<file>:<line>`.

A stored source is named `<YYYY-MM-DD>_<name>.txt|json`: the date is the listing's (with the
year given at import) or, for API files, the day its papers were featured.
"""

from __future__ import annotations

import re
from pathlib import Path

from generator.files import FileRefused, read_file
from generator.model import SOURCE_REF
from generator.problems import Problem
from generator.ingest.entries import MAX_ABSTRACT
from generator.ingest.entries import MAX_SOURCE_BYTES
from generator.ingest.entries import MAX_TITLE
from generator.ingest.entries import SourceEntry
from generator.ingest.entries import clean_entries
from generator.ingest.hf_api import looks_like_api_json, parse_api_items, source_date
from generator.ingest.hf_listing import Listing, decode_listing, parse_listing
from generator.ingest.hf_search import read_search_date

STORED = re.compile(r"(?P<date>\d{4}-\d{2}-\d{2})_[a-z0-9._-]+\.(?P<kind>txt|json)")


def parse_source(text: str, shown: str, year: int) -> tuple[Listing, str]:
    """Parse source text as API JSON or listing text; returns it and its kind (json|txt).

    Either way, its entries lose any control characters (clean_entries, each reported)."""
    if looks_like_api_json(text):
        entries, problems = parse_api_items(text, shown)
        # A stored search is dated by the day it was made, not by its papers' listing days.
        day = read_search_date(text) if text.lstrip("\ufeff \t\r\n")[:1] == "{" else None
        source = Listing(shown, day or source_date(entries), entries, problems)
        if source.date is None and not problems:
            source.problems.append(Problem(shown, 1, "submittedOnDailyAt", "no item says when "
                                           "it was featured, so the file cannot be dated"))
        kind = "json"
    else:
        source, kind = parse_listing(text, shown, year), "txt"
    source.entries, removed = clean_entries(source.entries, shown)
    source.problems += removed
    source.entries = [e for e in source.entries if not _oversized(e, source)]
    source.problems.sort(key=lambda p: p.line)
    return source, kind


def _oversized(entry: SourceEntry, source: Listing) -> bool:
    """Whether a field is beyond its limit (then reported): such an entry is not imported."""
    for name, value, limit in (("title", entry.title, MAX_TITLE),
                               ("abstract", entry.abstract, MAX_ABSTRACT)):
        if len(value) > limit:
            source.problems.append(Problem(source.path, entry.line, name, f"'{entry.title[:60]}': "
                                           f"the {name} has {len(value):,} characters, more "
                                           f"than the {limit:,} a paper may have; entry skipped"))
            return True
    return False


def read_source(path: Path, year: int) -> tuple[Listing | None, str, str, list[Problem]]:
    """Read one source file: (parsed source or None, text, kind, fatal problems)."""
    shown = str(path)
    try:
        data = read_file(path, MAX_SOURCE_BYTES, follow_links=True)  # a path the user typed
    except FileRefused as exc:
        return None, "", "", [Problem(shown, 0, "", str(exc))]
    except OSError as exc:
        return None, "", "", [Problem(shown, 0, "", f"cannot read: {exc.strerror}")]
    if len(data) > MAX_SOURCE_BYTES:
        return None, "", "", [Problem(shown, 0, "", f"larger than the {MAX_SOURCE_BYTES:,} "
                                      "bytes a source may have; nothing was read")]
    text, problems = decode_listing(data, shown)
    if text is None:
        return None, "", "", problems
    source, kind = parse_source(text, shown, year)
    if source.date is None:
        return None, text, kind, source.problems or [Problem(shown, 1, "", "no entries")]
    return source, text, kind, []


def stored_name(source: Listing, path: Path, kind: str) -> str:
    """The name a source is kept under in content/sources/: its full date, then its name."""
    stem = re.sub(r"[^a-z0-9._-]+", "-", path.stem.lower()).strip("-.") or "source"
    return f"{source.date.isoformat()}_{stem[:60]}.{kind}"


def ref_key(ref: str) -> tuple[str, int]:
    """Sort key of a `<stored source>:<line>` reference (dates first, lines as numbers)."""
    match = SOURCE_REF.fullmatch(ref)
    return (match["file"], int(match["line"])) if match else (ref, 0)


class SourceStore:
    """The stored sources of content/sources/ plus those being imported, parsed on demand."""

    def __init__(self, root: Path):
        self.root = root
        self.texts: dict[str, str] = {}
        self.entries: dict[str, tuple[object, SourceEntry]] = {}
        self.parsed: set[str] = set()

    def text(self, name: str) -> str | None:
        if name not in self.texts:
            try:  # never through a symlink (the project scan reports those)
                data = read_file(self.root / "sources" / name, MAX_SOURCE_BYTES)
            except OSError:
                return None
            self.texts[name] = data.decode("utf-8", errors="replace")
        return self.texts[name]

    def entry(self, ref: str):
        """(source date, entry) of a reference, or None when it cannot be resolved."""
        match = SOURCE_REF.fullmatch(ref)
        stored = STORED.fullmatch(match["file"]) if match else None
        if stored is None:
            return None
        name = match["file"]
        if name not in self.parsed and self.text(name) is not None:
            self.parsed.add(name)
            source, _ = parse_source(self.texts[name], name, int(stored["date"][:4]))
            for item in source.entries:
                self.entries[f"{name}:{item.line}"] = (source.date, item)
        return self.entries.get(ref)

    def titles(self, name: str) -> list[str]:
        """The titles of a stored source's entries (none when it is not stored)."""
        self.entry(f"{name}:1")  # parses the whole source once
        return [item.title for ref, (_, item) in self.entries.items()
                if ref.rpartition(":")[0] == name]

    def add(self, source: Listing, path: Path, text: str, kind: str) -> tuple[str, bool]:
        """Keep a source once; returns (stored name, whether it is new). ValueError on a clash."""
        for existing in sorted((self.root / "sources").glob(f"{source.date.isoformat()}_*")):
            if self.text(existing.name) == text:
                return existing.name, False  # the same source again, whatever its name now
        name = stored_name(source, path, kind)
        if self.text(name) is not None or name in self.texts:
            raise ValueError(f"a different source is already stored as content/sources/{name}; "
                             "rename the file and import again")
        self.texts[name] = text
        return name, True
