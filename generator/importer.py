"""Importing listings into content/: one paper, one file, curators' edits kept.

Each imported listing is stored under content/sources/ (`<date>_<name>.txt`) and every paper
records the entries it came from (`sources: [<stored listing>:<line>]`). A paper's source-owned
fields are *derived* from all of its entries: the newest listing that gives a value wins,
first-seen dates come from the earliest. So import order cannot matter.

To keep curators' edits, the importer merges three ways: for each source-owned field, if the
file still holds what its previous sources derived, it takes the new derivation; otherwise a
curator changed it and the file wins. Curator-owned fields (themes, tags, note) are only
proposed when a paper is first added.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass, field, replace
from pathlib import Path

from . import model
from .content import SOURCE_REF, read_paper, read_themes, rel, render_paper_file
from .model import Paper
from .problems import Problem
from .sources.hf_listing import Listing, ListingEntry, decode_listing, parse_listing
from .text import extract_links
from .themes import propose_themes

MAX_NAME = 50  # characters of a paper's file name before `.md`
STORED = re.compile(r"(?P<date>\d{4}-\d{2}-\d{2})_[a-z0-9._-]+\.txt")
LATEST_WINS = ("title", "abstract", "arxiv", "authors", "organization", "published", "upvotes")


@dataclass
class ImportPlan:
    """What an import would do: files to write (relative to content/) and what to report."""

    files: dict[str, str] = field(default_factory=dict)
    actions: list[tuple[str, str]] = field(default_factory=list)  # (added|updated|unchanged, path)
    warnings: list[Problem] = field(default_factory=list)  # skipped entries; the rest imported
    errors: list[Problem] = field(default_factory=list)  # nothing may be written


def slugify(title: str, limit: int = MAX_NAME) -> str:
    """ASCII file name stem of a title: lowercase words joined by '-', cut at a word."""
    ascii_text = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    words = re.sub(r"[^a-z0-9]+", " ", ascii_text.lower()).split()
    slug = ""
    for word in words:
        candidate = f"{slug}-{word}" if slug else word
        if len(candidate) > limit:
            break
        slug = candidate
    return slug or (words[0][:limit] if words else "paper")


def assign_name(title: str, taken: set[str]) -> str:
    """A new, unique file name; a clash gets a suffix derived from the title, not the order."""
    slug = slugify(title)
    if slug not in taken:
        return slug
    digest = hashlib.sha1(model.normalize_title(title).encode()).hexdigest()
    for size in range(6, 41):
        candidate = f"{slug}-{digest[:size]}"
        if candidate not in taken:
            return candidate
    raise RuntimeError(f"no free file name for {title!r}")


def stored_name(listing: Listing, path: Path) -> str:
    """The name a listing is kept under in content/sources/: its full date, then its name."""
    stem = re.sub(r"[^a-z0-9._-]+", "-", path.stem.lower()).strip("-.") or "listing"
    return f"{listing.date.isoformat()}_{stem[:60]}.txt"


def ref_key(ref: str) -> tuple[str, int]:
    """Sort key of a `<stored listing>:<line>` reference (dates first, lines as numbers)."""
    match = SOURCE_REF.fullmatch(ref)
    return (match["file"], int(match["line"])) if match else (ref, 0)


class SourceStore:
    """The stored listings of content/sources/ plus those being imported, parsed on demand."""

    def __init__(self, root: Path):
        self.root = root
        self.texts: dict[str, str] = {}
        self.entries: dict[str, tuple[object, ListingEntry]] = {}
        self.parsed: set[str] = set()

    def text(self, name: str) -> str | None:
        if name not in self.texts:
            path = self.root / "sources" / name
            if not path.is_file():
                return None
            self.texts[name] = path.read_bytes().decode("utf-8", errors="replace")
        return self.texts[name]

    def entry(self, ref: str):
        """(listing date, entry) of a reference, or None when it cannot be resolved."""
        match = SOURCE_REF.fullmatch(ref)
        stored = STORED.fullmatch(match["file"]) if match else None
        if stored is None:
            return None
        name = match["file"]
        if name not in self.parsed and self.text(name) is not None:
            self.parsed.add(name)
            listing = parse_listing(self.texts[name], name, int(stored["date"][:4]))
            for item in listing.entries:
                self.entries[f"{name}:{item.line}"] = (listing.date, item)
        return self.entries.get(ref)


def derive(refs: list[str], store: SourceStore) -> dict | None:
    """Source-owned fields from a paper's listing entries (None when none resolves)."""
    found = sorted((e[0], ref_key(r), e[1]) for r in refs if (e := store.entry(r)) is not None)
    if not found:
        return None
    values: dict = {}
    for name in LATEST_WINS:
        newest = [getattr(item, name) for _, _, item in reversed(found)]
        values[name] = next((v for v in newest if v is not None), None)
    values["listed"] = values["added"] = found[0][0]
    values["links"] = extract_links(values["abstract"])
    values["sources"] = sorted(set(refs), key=ref_key)
    return values


def merge(paper: Paper, base: dict | None, new: dict) -> Paper:
    """Take each newly derived field unless a curator changed it since the last import."""
    changes = {}
    for name, value in new.items():
        current = getattr(paper, name)
        if name == "sources":
            changes[name] = value  # always the union: provenance is never a curator's call
        elif base is None:
            if current in (None, [], ""):
                changes[name] = value  # a hand-made paper: only fill what it lacks
        elif current == base[name]:
            changes[name] = value
    return replace(paper, **changes)


def plan_import(paths: list[Path], year: int, root: Path) -> ImportPlan:
    """Read listings and content/, and work out every file the import writes."""
    plan = ImportPlan()
    store = SourceStore(root)
    incoming: list[tuple[str, Listing]] = []
    for path in paths:
        shown = str(path)
        try:
            data = path.read_bytes()
        except OSError as exc:
            plan.errors.append(Problem(shown, 0, "", f"cannot read: {exc.strerror}"))
            continue
        text, problems = decode_listing(data, shown)
        if text is None:
            plan.errors += problems
            continue
        listing = parse_listing(text, shown, year)
        if listing.date is None:
            plan.errors += listing.problems
            continue
        plan.warnings += listing.problems
        name = _store_listing(store, listing, path, text, plan)
        if name:
            incoming.append((name, listing))
    themes, theme_problems, _ = read_themes(root)
    plan.errors += theme_problems
    papers = {}
    for path in sorted((root / "papers").glob("*.md")):
        paper, problems, _ = read_paper(path, root)
        if paper is None:
            plan.errors += problems  # its title is unknown, so a re-import could duplicate it
        else:
            papers[paper.name] = paper
    if plan.errors:
        return plan

    index: dict[str, str] = {}  # normalized title -> paper name (or "new:" + title key)
    for paper in papers.values():
        index.setdefault(model.normalize_title(paper.title), paper.name)
        for ref in paper.sources:
            if (found := store.entry(ref)) is not None:
                index.setdefault(model.normalize_title(found[1].title), paper.name)
    groups: dict[str, list[str]] = {}
    for name, listing in sorted(incoming, key=lambda item: item[0]):
        for entry in listing.entries:
            key = model.normalize_title(entry.title)
            target = index.setdefault(key, f"new:{key}")
            groups.setdefault(target, []).append(f"{name}:{entry.line}")

    taken = set(papers)
    for target in sorted(groups):
        refs = groups[target]
        if target.startswith("new:"):
            new = derive(refs, store)
            stem = assign_name(new["title"], taken)
            taken.add(stem)
            paper = Paper(**new, name=stem,
                          themes=propose_themes(new["title"], new["abstract"], themes))
        else:
            old = papers[target]
            paper = merge(old, derive(old.sources, store), derive(old.sources + refs, store))
        relpath = f"papers/{paper.name}.md"
        if target.startswith("new:"):
            action = "added"
        elif paper == papers[target]:
            action = "unchanged"  # same values: a curator's own formatting stays as it is
        else:
            action = "updated"
        plan.actions.append((action, rel(root / relpath, root)))
        if action != "unchanged":
            plan.files[relpath] = render_paper_file(paper)
    plan.actions.sort(key=lambda item: item[1])
    return plan


def _store_listing(store: SourceStore, listing: Listing, path: Path, text: str,
                   plan: ImportPlan) -> str | None:
    """Keep the listing's text in content/sources/ (once) and return its stored name."""
    folder = store.root / "sources"
    for existing in sorted(folder.glob(f"{listing.date.isoformat()}_*.txt")):
        if store.text(existing.name) == text:
            return existing.name  # the same listing again, whatever its file is called now
    name = stored_name(listing, path)
    if store.text(name) is not None or name in store.texts:
        plan.errors.append(Problem(str(path), 0, "", f"a different listing is already stored as "
                                   f"content/sources/{name}; rename the file and import again"))
        return None
    store.texts[name] = text
    plan.files[f"sources/{name}"] = text
    return name
