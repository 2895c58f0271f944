"""The record of rejected papers, content/rejected.yml: papers curators removed, kept for good.

Importers skip them (matched by arXiv id or normalized title, including the titles their source
entries gave) and the scope model reads them as negatives. The file is a YAML list of Rejection
records (model.py), sorted by date then title; a missing file means none.

This module also owns the checks that keep removals honest: a paper both present and rejected,
and a stored source entry whose paper file is gone (deleted by hand, not rejected).
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from generator import model
from generator.content.read import parse_record_list, read_text_file, rel
from generator.content.frontmatter import FrontMatterError, dump_yaml, load_yaml
from generator.model import ARXIV_ID, SOURCE_REF, Paper, Rejection
from generator.problems import Problem

FILE = "rejected.yml"
# `digest fetch` (a day, or a search) stores a source whole but imports only the entries its
# selection keeps; their item numbers are kept beside it in `<stored source>.imported`, one per
# line, so that a paper deleted by hand is seen there too. Other sources are imported whole.
IMPORTED = ".imported"
FETCHED = ("hf-daily-papers", "hf-search-")  # the names `digest fetch` stores its sources under
IMPORTED_HEADER = ("# The entries of this source that became papers (item numbers), kept by "
                   "`digest fetch`:\n# `digest check` reports one whose paper file is gone.\n")


def read_rejections(root: Path) -> tuple[list[Rejection], list[Problem]]:
    """Load and validate content/rejected.yml; returns the rejections and any problems."""
    rejections, _, problems = _read_with_lines(root)
    return rejections, problems


def _read_with_lines(root: Path) -> tuple[list[Rejection], list[int], list[Problem]]:
    path = root / FILE
    name = rel(path, root)
    if not path.is_file():
        return [], [], []
    try:
        data, node = load_yaml(read_text_file(path, name), name)
    except FrontMatterError as exc:
        return [], [], [exc.problem]
    if data is None:
        return [], [], []
    entries, problems = parse_record_list(Rejection, data, node, name, "rejected papers")
    rejections, lines = [], []
    for record, keys, line in entries:
        if record.arxiv is not None and not ARXIV_ID.fullmatch(record.arxiv):
            problems.append(Problem(name, keys.get("arxiv", line), "arxiv", f"'{record.arxiv}' "
                                    "is not an arXiv id like 2504.15777 (no 'v2' version suffix)"))
        for ref in record.sources:
            if not SOURCE_REF.fullmatch(ref):
                problems.append(Problem(name, keys.get("sources", line), "sources",
                                        f"'{ref}' should be '<stored source>:<line>'"))
        rejections.append(record)
        lines.append(line)
    seen: dict[str, int] = {}
    for record, line in zip(rejections, lines):
        for key in _keys(record.title, record.arxiv):
            if key in seen:
                problems.append(Problem(name, line, "title", "the same paper is rejected twice "
                                        f"(first at line {seen[key]})"))
                break
        else:
            for key in _keys(record.title, record.arxiv):
                seen[key] = line
    return rejections, lines, sorted(problems, key=lambda p: p.line)


def _keys(title: str, arxiv: str | None) -> list[str]:
    return ([f"arxiv:{arxiv}"] if arxiv else []) + [model.normalize_title(title)]


def index_rejections(rejections: list[Rejection], store=None) -> dict[str, Rejection]:
    """Rejections by "arxiv:<id>" and normalized title, plus the titles of their source entries
    (a curator may have edited the title before rejecting the paper) when a SourceStore is given."""
    index: dict[str, Rejection] = {}
    for record in rejections:
        for key in _keys(record.title, record.arxiv):
            index.setdefault(key, record)
        for ref in record.sources if store is not None else ():
            if (found := store.entry(ref)) is not None:
                index.setdefault(model.normalize_title(found[1].title), record)
    return index


def match_rejection(index: dict[str, Rejection], title: str, arxiv: str | None):
    """The rejection a paper (or source entry) falls under, or None."""
    return next((index[k] for k in _keys(title, arxiv) if k in index), None)


def describe_rejection(record: Rejection) -> str:
    """`rejected DATE: reason`, as import and fetch report a skipped paper."""
    return f"rejected {record.rejected.isoformat()}: {record.reason}"


def reject_paper(paper: Paper, reason: str, day) -> Rejection:
    """The record of one paper a curator removes."""
    return Rejection(title=paper.title, arxiv=paper.arxiv, sources=list(paper.sources),
                     reason=reason, rejected=day, abstract=paper.abstract)


def plan_rejections(root: Path, papers: list[Paper], given: list[str], reason: str, day
                    ) -> tuple[list[Paper], list[Rejection], list[str]]:
    """What `digest reject` removes: (papers to delete, sorted by name; rejections of source
    entries whose paper file is already gone; one message per argument that names nothing).

    An argument is a file name (`x.md` or `x`), a path, an arXiv id (`arXiv:` prefix and version
    allowed), or a stored source entry (`2025-12-08_listing.txt:13`, as `digest check` prints it).
    """
    from generator.ingest.store import SourceStore

    store = SourceStore(root)
    by_name = {p.name: p for p in papers}
    by_key: dict[str, Paper] = {}
    for paper in papers:
        for key in _keys(paper.title, paper.arxiv):
            by_key.setdefault(key, paper)
    chosen: dict[str, Paper] = {}
    records, errors = [], []
    for text in given:
        text = text.strip()
        ref = text.removeprefix("content/").removeprefix("sources/")
        arxiv = re.sub(r"v\d+$", "", text.removeprefix("arXiv:").removeprefix("arxiv:"))
        stem = Path(text).name.removesuffix(".md")
        paper = entry = None
        if SOURCE_REF.fullmatch(ref) and (found := store.entry(ref)) is not None:
            entry = found[1]
            paper = next((by_key[k] for k in _keys(entry.title, entry.arxiv) if k in by_key),
                         None)
        elif ARXIV_ID.fullmatch(arxiv) and f"arxiv:{arxiv}" in by_key:
            paper = by_key[f"arxiv:{arxiv}"]
        elif stem in by_name:
            paper = by_name[stem]
        if paper is not None:
            chosen[paper.name] = paper
        elif entry is not None:
            records.append(Rejection(title=entry.title, arxiv=entry.arxiv, sources=[ref],
                                     reason=reason, rejected=day, abstract=entry.abstract))
        else:
            errors.append(f"'{text}' names no paper of content/papers/ (give its file name, its "
                          "path, its arXiv id, or a stored source entry like "
                          "2025-12-08_listing.txt:13)")
    return [chosen[name] for name in sorted(chosen)], records, errors


def render_rejections(rejections: list[Rejection]) -> str:
    """content/rejected.yml: every rejection in declared field order, by date then title."""
    ordered = sorted(rejections, key=lambda r: (r.rejected, model.normalize_title(r.title),
                                                r.title, r.arxiv or ""))
    data = [{f.name: getattr(r, f.name) for f in model.record_fields(Rejection)} for r in ordered]
    header = ("# Papers removed from the digest (`digest reject`): imports and fetches skip them.\n"
              "# Delete an entry to let its paper be imported again.\n")
    return header + (dump_yaml(data) if data else "[]\n")


def is_fetched(stored: str) -> bool:
    """Whether a stored source is one `digest fetch` keeps whole but imports in part."""
    return stored.partition("_")[2].startswith(FETCHED)


def read_imported(root: Path, stored: str) -> set[int]:
    """The entries of a selectively imported source that became papers (none if not recorded)."""
    path = root / "sources" / f"{stored}{IMPORTED}"
    try:
        text = read_text_file(path, stored) if path.is_file() else ""
    except FrontMatterError:
        return set()
    return {int(line) for line in text.split("\n") if line.strip().isdigit()}


def render_imported(lines: set[int]) -> str:
    """The text of `<stored source>.imported`: a header, then the item numbers in order."""
    return IMPORTED_HEADER + "".join(f"{n}\n" for n in sorted(lines))


def check_removals(root: Path, papers: list[Paper]) -> list[Problem]:
    """content/rejected.yml's own problems, papers both present and rejected, and source entries
    whose paper file is gone without a rejection (deleted by hand)."""
    rejections, lines, problems = _read_with_lines(root)
    name = rel(root / FILE, root)
    folder = root / "sources"
    files = set(os.listdir(folder)) if folder.is_dir() else set()
    stored = _read_stored_sources(root, files)
    entries = {f"{file}:{e.line}": (source.date, e) for file, (source, _) in stored.items()
               for e in source.entries}
    for record, line in zip(rejections, lines):
        for ref in record.sources:
            match = SOURCE_REF.fullmatch(ref)
            if match and match["file"] not in files:
                problems.append(Problem(name, line, "sources", f"'{match['file']}' is not in "
                                        "content/sources/"))
    index = index_rejections(rejections, _Entries(entries))
    line_of = {id(r): line for r, line in zip(rejections, lines)}
    present: set[str] = set()
    for paper in papers:
        keys = _keys(paper.title, paper.arxiv)
        present.update(keys)
        record = next((index[k] for k in keys if k in index), None)
        if record is not None:
            problems.append(Problem(
                f"{rel(root / 'papers', root)}/{paper.name}.md", 1, "title",
                f"this paper was rejected on {record.rejected.isoformat()} ({name}:"
                f"{line_of[id(record)]}: {record.reason}): delete its file, or remove its entry "
                f"from {name} to keep it"))
    referenced = {ref for paper in papers for ref in paper.sources}
    referenced.update(ref for record in rejections for ref in record.sources)
    return problems + _find_deleted_papers(root, stored, referenced, present | set(index))


def _read_stored_sources(root: Path, files: set[str]) -> dict[str, tuple]:
    """Every stored source, parsed: {file: (source, its entries that are papers, or None when
    all are)}. A fetched source whose selection was never recorded is left out."""
    from generator.ingest.store import STORED, parse_source  # the store imports the source readers

    stored: dict[str, tuple] = {}
    for file in sorted(files):
        match = STORED.fullmatch(file)
        if match is None:
            continue
        try:
            text = read_text_file(root / "sources" / file, file)
        except FrontMatterError:
            continue  # an unreadable source is reported by the papers that refer to it
        source, _ = parse_source(text, file, int(match["date"][:4]))
        if is_fetched(file):
            if f"{file}{IMPORTED}" not in files:
                continue  # fetched before its selection was recorded: which entries are papers?
            stored[file] = (source, read_imported(root, file))
        else:
            stored[file] = (source, None)
    return stored


def _find_deleted_papers(root: Path, stored: dict[str, tuple], referenced: set[str],
                         known: set[str]) -> list[Problem]:
    """Stored entries that no paper or rejection refers to and whose paper is neither present
    nor rejected (`known` keys): a paper file deleted by hand, reported once at its earliest
    entry."""
    problems, reported = [], set()
    for file, (source, imported) in stored.items():
        shown = rel(root / "sources" / file, root)
        for entry in source.entries:
            if f"{file}:{entry.line}" in referenced or (imported is not None
                                                         and entry.line not in imported):
                continue
            keys = _keys(entry.title, entry.arxiv)
            if any(k in known or k in reported for k in keys):
                continue
            reported.update(keys)
            problems.append(Problem(
                shown, entry.line, "", f"paper '{entry.title}' is missing from content/papers/, "
                "but its source entry is still stored and the next import would add it back: "
                f"restore its file, or record its removal with `digest reject {file}:"
                f"{entry.line} --reason TEXT`"))
    return problems


class _Entries:
    """Parsed source entries by reference, looked up like a SourceStore."""

    def __init__(self, entries: dict):
        self.entry = entries.get


def replace_rejections(rejections: list[Rejection], new: list[Rejection]) -> list[Rejection]:
    """The rejections with new ones added; a paper already rejected keeps its first record."""
    index = index_rejections(rejections)
    kept = list(rejections)
    for record in new:
        if match_rejection(index, record.title, record.arxiv) is None:
            kept.append(record)
            for key in _keys(record.title, record.arxiv):
                index.setdefault(key, record)
    return kept

