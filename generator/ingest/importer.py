"""Importing sources into content/: one paper, one file, curators' edits kept.

Each imported source (listing text or API JSON) is stored under content/sources/ and every
paper records the entries it came from (`sources: [<stored source>:<line>]`). A paper's
source-owned fields are *derived* from all of its entries: the newest source that gives a value
wins, first-seen dates come from the earliest. So import order cannot matter.

To keep curators' edits, the importer merges three ways: for each source-owned field, if the
file still holds what its previous sources derived, it takes the new derivation; otherwise a
curator changed it and the file wins. Curator-owned fields (themes, tags, note) are only
proposed when a paper is first added. Papers match by arXiv id, else by normalized title
(including titles of their earlier sources), so a paper first seen in a listing and later in
the API keeps its file name and gains its id.

Before anything is planned, a listing's date is checked against the year it was read with (not
in the future, not stored already under another year, not before its papers' own dates), and
papers recorded in content/rejected.yml are skipped, each reported in `ImportPlan.skipped`.
Every new paper is scored against the digest's scope (scope.py) when content/scope.yml exists:
`digest fetch` leaves out those below its threshold, a pasted listing keeps them and flags them.
The plan records what was added, updated and skipped, with scores and reasons, for the output
and the review sheet (review.py).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import unicodedata
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Callable

from generator import model
from generator.content.read import read_paper, read_themes, rel, render_paper_file
from generator.model import Paper
from generator.problems import Problem
from generator.content.rejections import (
    IMPORTED,
    describe_rejection,
    index_rejections,
    is_fetched,
    match_rejection,
    read_imported,
    read_rejections,
    render_imported,
)
from generator.ingest.scope import Relevance, read_scope
from generator.ingest.entries import SourceEntry
from generator.ingest.hf_listing import LISTING_DATE, Listing
from generator.ingest.store import STORED, SourceStore, read_source, ref_key, stored_name
from generator.render.text import extract_links
from generator.ingest.themes import propose_themes

MAX_NAME = 50  # characters of a paper's file name before `.md`
LATEST_WINS = ("title", "abstract", "arxiv", "authors", "organization", "published", "upvotes")
Selector = Callable[[SourceEntry], bool]
LOOKUP = "hf-resolve"  # the stored name of `digest resolve`'s exact-title matches
LOOKUP_FILLS = ("arxiv", "authors")  # what a lookup may set (and links, added to the others')


def is_lookup(stored: str) -> bool:
    """Whether a stored source is a `digest resolve` lookup, not a listing of the paper."""
    return stored.partition("_")[2].startswith(LOOKUP)


@dataclass
class Candidate:
    """A paper an import added, updated or left out, with what the review sheet shows of it."""

    title: str
    arxiv: str | None
    refs: list[str]  # the stored source entries (`<stored source>:<line>`) it comes from
    path: str = ""  # content/papers/<name>.md, when it was added or updated
    relevance: Relevance | None = None  # its score against the scope (new papers only)
    themes: list[str] = field(default_factory=list)  # proposed themes of an added paper
    changed: list[str] = field(default_factory=list)  # the fields an update changes
    why: str = ""  # why it was skipped: below the threshold, rejected DATE: reason, ...
    rejected: bool = False  # skipped because content/rejected.yml records it


@dataclass
class ImportPlan:
    """What an import would do: files to write (relative to content/) and what to report."""

    files: dict[str, str] = field(default_factory=dict)
    actions: list[tuple[str, str]] = field(default_factory=list)  # (added|updated|unchanged, path)
    warnings: list[Problem] = field(default_factory=list)  # skipped entries; the rest imported
    errors: list[Problem] = field(default_factory=list)  # nothing may be written
    sources: list[str] = field(default_factory=list)  # stored names of the sources imported
    added: list[Candidate] = field(default_factory=list)
    updated: list[Candidate] = field(default_factory=list)
    # Papers left out, each with its reason (`why`); any step that leaves a paper out (the
    # scope's threshold, a rejection) appends it here, and the output and the sheet list it.
    skipped: list[Candidate] = field(default_factory=list)
    threshold: float | None = None  # the scope's threshold, when papers were scored

    @property
    def flagged(self) -> list[Candidate]:
        """Added papers scoring below the scope's threshold (a listing keeps them)."""
        return [c for c in self.added if c.relevance is not None and self.threshold is not None
                and c.relevance.score < self.threshold]


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


def derive(refs: list[str], store: SourceStore) -> dict | None:
    """Source-owned fields from a paper's source entries (None when none resolves)."""
    found = sorted((e[0], ref_key(r), e[1]) for r in refs if (e := store.entry(r)) is not None)
    if not found:
        return None
    values: dict = {}
    newest_first = [item for _, _, item in reversed(found)]
    # `digest resolve`'s lookups only fill in what listings lack (the id, author names, links):
    # the paper's own sources keep the say on its title, abstract, dates and upvotes.
    own = [(day, item) for day, key, item in found if not is_lookup(key[0])]
    own = own or [(day, item) for day, _, item in found]
    own_newest_first = [item for _, item in reversed(own)]
    for name in LATEST_WINS:
        pool = newest_first if name in LOOKUP_FILLS else own_newest_first
        values[name] = next((v for item in pool if (v := getattr(item, name)) is not None), None)
    values["listed"] = min(item.listed or day for day, item in own)
    values["added"] = found[0][0]
    links = [u for item in newest_first for u in item.links] + extract_links(values["abstract"])
    values["links"] = list(dict.fromkeys(links))
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


def suggest_tags(keywords: list[str], vocabulary: set[str] | None) -> list[str]:
    """Source keywords that name a tag of the vocabulary (case-insensitive), in its spelling."""
    if not vocabulary:
        return []
    by_key = {tag.casefold(): tag for tag in vocabulary}
    return sorted({by_key[k.casefold()] for k in keywords if k.casefold() in by_key})


def _short_date(day: dt.date) -> str:
    return f"{day:%b} {day.day}"


def _in_year(day: dt.date, year: int) -> dt.date:
    return dt.date(year, day.month, 28 if (day.month, day.day) == (2, 29) else day.day)


def _date_line(text: str) -> int:
    """The line of a listing's own date (`Dec 8`), for messages about it."""
    return next((n for n, line in enumerate(text.split("\n"), start=1)
                 if LISTING_DATE.fullmatch(line.strip())), 1)


def _share_papers(source: Listing, store: SourceStore, stored: str) -> bool:
    """Whether most papers of a listing are those of a stored one (the same page copied twice)."""
    titles = {model.normalize_title(e.title) for e in source.entries}
    theirs = {model.normalize_title(title) for title in store.titles(stored)}
    return bool(titles) and 2 * len(titles & theirs) >= len(titles)


def check_listing_dates(source: Listing, text: str, kind: str, shown: str, store: SourceStore,
                        stem: str, today: dt.date | None) -> list[Problem]:
    """A listing's yearless date read in the wrong year: in the future, already stored under
    another date, or before the dates of its own papers. Each message says which --year fits."""
    if kind != "txt":
        if today is not None and source.date > today:
            return [Problem(shown, 1, "date", f"the file's date {source.date.isoformat()} (when "
                            "its papers were featured) is in the future; check the file")]
        return []
    day, line = source.date, _date_line(text)
    read = f"the listing's date {_short_date(day)} read as {day.isoformat()}"
    problems = []
    if today is not None and day > today:
        fits = today.year if _in_year(day, today.year) <= today else today.year - 1
        problems.append(Problem(shown, line, "date", f"{read} is in the future; "
                                f"pass --year {fits}"))
    folder = store.root / "sources"
    for other in sorted(folder.glob("*.txt")) if folder.is_dir() else []:
        match = STORED.fullmatch(other.name)
        if match is None or match["date"] == day.isoformat():
            continue
        stored_day = dt.date.fromisoformat(match["date"])
        same_text = store.text(other.name) == text
        # The same page copied again (an upvote more) under the same name: a year later, a new
        # listing may share its name and day, but not its papers.
        same_page = (not same_text and other.name.split("_", 1)[1] == f"{stem}.txt"
                     and (stored_day.month, stored_day.day) == (day.month, day.day)
                     and _share_papers(source, store, other.name))
        if same_text or same_page:
            what = "this listing" if same_text else "a listing of the same name and day"
            problems.append(Problem(shown, line, "date", f"{read}, but {what} is already stored "
                                    f"as content/sources/{other.name}; pass --year "
                                    f"{stored_day.year}"))
    late = [e for e in source.entries if e.published is not None and e.published > day]
    if late:
        newest = max(e.published for e in late)
        fits = newest.year if _in_year(day, newest.year) >= newest else newest.year + 1
        for entry in late:
            problems.append(Problem(shown, entry.line, "published", f"the paper's date "
                                    f"{entry.published.isoformat()} is after {read}; "
                                    f"pass --year {fits}"))
    return problems


def plan_import(paths: list[Path], year: int, root: Path, select: Selector | None = None,
                vocabulary: set[str] | None = None, progress=None,
                today: dt.date | None = None, below_threshold: str = "flag") -> ImportPlan:
    """Read sources and content/, and work out every file the import writes.

    `select` keeps only some entries; `vocabulary` is the tag vocabulary that source keywords
    may suggest tags from; `today` (the caller's clock) refuses listings dated in the future.
    Papers recorded in content/rejected.yml are skipped. New papers are scored against
    content/scope.yml when it exists; `below_threshold` says what happens to those scoring
    under its threshold: "flag" (import them, flagged: listings a curator pasted) or "skip"
    (leave them out: `digest fetch`, which then needs the scope).
    """
    plan = ImportPlan()
    store = SourceStore(root)
    incoming = _read_sources(plan, paths, year, store, today)
    digest = _read_digest(plan, root, progress, below_threshold)
    if plan.errors:
        return plan
    groups, rejected = _group_entries(incoming, _index_papers(digest.papers, store), store,
                                      digest.rejections, select)
    selected = _plan_papers(plan, root, store, digest, groups, vocabulary, progress,
                            below_threshold)
    _plan_imported_entries(plan, root, selected)
    plan.actions.sort(key=lambda item: item[1])
    plan.threshold = digest.scope.threshold if digest.scope is not None else None
    plan.skipped += rejected
    for listed in (plan.added, plan.updated, plan.skipped):
        listed.sort(key=lambda c: (c.path, c.refs))
    return plan


@dataclass
class _Digest:
    """What an import reads of content/ besides the sources."""

    themes: list
    scope: object  # Scope or None
    papers: dict[str, Paper]  # by file name
    rejections: list


def _read_sources(plan: ImportPlan, paths: list[Path], year: int, store: SourceStore,
                  today: dt.date | None) -> list[tuple[str, Listing]]:
    """Read each source, check its dates and add it to the store: (stored name, source)."""
    incoming: list[tuple[str, Listing]] = []
    for path in paths:
        source, text, kind, fatal = read_source(path, year)
        if source is None:
            plan.errors += fatal
            continue
        plan.warnings += source.problems
        stem = stored_name(source, path, kind).split("_", 1)[1].rsplit(".", 1)[0]
        dates = check_listing_dates(source, text, kind, str(path), store, stem, today)
        if dates:
            plan.errors += dates
            continue
        try:
            name, new = store.add(source, path, text, kind)
        except ValueError as exc:
            plan.errors.append(Problem(str(path), 0, "", str(exc)))
            continue
        if new:
            plan.files[f"sources/{name}"] = text
        incoming.append((name, source))
        plan.sources.append(name)
    return incoming


def _read_digest(plan: ImportPlan, root: Path, progress, below_threshold: str) -> _Digest:
    """Themes, scope, papers and rejections of content/; what is unreadable is an error."""
    themes, theme_problems, _ = read_themes(root)
    plan.errors += theme_problems
    scope, scope_problems = read_scope(root)
    plan.errors += scope_problems
    if scope is None and not scope_problems and below_threshold == "skip":
        plan.errors.append(Problem("content/scope.yml", 0, "", "missing: only the papers the "
                                   "digest's scope accepts are fetched; declare it (README, "
                                   "Scope) or fetch every paper with --all"))
    papers = {}
    existing = sorted((root / "papers").glob("*.md"))
    for done, path in enumerate(existing, start=1):
        if progress is not None:
            progress(done, len(existing), "reading content/papers")
        paper, problems, _ = read_paper(path, root)
        if paper is None:
            plan.errors += problems  # its title is unknown, so a re-import could duplicate it
        else:
            papers[paper.name] = paper
    rejections, rejection_problems = read_rejections(root)
    plan.errors += rejection_problems  # unreadable, it could let a rejected paper back in
    return _Digest(themes, scope, papers, rejections)


def _index_papers(papers: dict[str, Paper], store: SourceStore) -> dict[str, str]:
    """Every key a paper is known by ("arxiv:<id>", its normalized title and those of its
    sources' entries) -> its file name."""
    index: dict[str, str] = {}
    for paper in papers.values():
        if paper.arxiv:
            index.setdefault(f"arxiv:{paper.arxiv}", paper.name)
        index.setdefault(model.normalize_title(paper.title), paper.name)
        for ref in paper.sources:
            if (found := store.entry(ref)) is not None:
                index.setdefault(model.normalize_title(found[1].title), paper.name)
    return index


def _group_entries(incoming: list[tuple[str, Listing]], index: dict[str, str],
                   store: SourceStore, rejections: list, select: Selector | None
                   ) -> tuple[dict[str, list[str]], list[Candidate]]:
    """The incoming entries by the paper they belong to (a file name, or "new:<title key>"),
    and the rejected papers they hold (left out before the selection: a curator's decision
    comes first)."""
    rejected = index_rejections(rejections, store)
    skipped: dict[int, Candidate] = {}  # rejected papers, by their rejection
    groups: dict[str, list[str]] = {}
    for name, source in sorted(incoming, key=lambda item: item[0]):
        for entry in source.entries:
            record = match_rejection(rejected, entry.title, entry.arxiv)
            if record is not None:
                found = skipped.setdefault(id(record), Candidate(
                    record.title, record.arxiv, [], why=describe_rejection(record), rejected=True))
                found.refs.append(f"{name}:{entry.line}")
                continue
            if select is not None and not select(entry):
                continue
            keys = [f"arxiv:{entry.arxiv}"] if entry.arxiv else []
            keys.append(model.normalize_title(entry.title))
            target = next((index[k] for k in keys if k in index), f"new:{keys[-1]}")
            for key in keys:
                index.setdefault(key, target)
            groups.setdefault(target, []).append(f"{name}:{entry.line}")
    return groups, list(skipped.values())


def _plan_papers(plan: ImportPlan, root: Path, store: SourceStore, digest: _Digest,
                 groups: dict[str, list[str]], vocabulary: set[str] | None, progress,
                 below_threshold: str) -> dict[str, set[int]]:
    """Add or merge the paper of each group into the plan; returns the entries of fetched
    sources that became papers ({stored name: item numbers})."""
    derived = {t: derive(groups[t], store) for t in sorted(groups) if t.startswith("new:")}
    relevance = score_candidates(digest.scope, list(digest.papers.values()), digest.rejections,
                                 derived)
    taken = set(digest.papers)
    selected: dict[str, set[int]] = {}
    for done, target in enumerate(sorted(groups), start=1):
        if progress is not None:
            progress(done, len(groups), "merging papers")
        refs = groups[target]
        if target.startswith("new:"):
            planned = _plan_new_paper(plan, store, digest, derived[target], refs,
                                      relevance.get(target), taken, vocabulary, below_threshold)
            if planned is None:
                continue
            paper, candidate, action = *planned, "added"
        else:
            paper, candidate, action = _plan_known_paper(plan, store, digest.papers[target],
                                                         refs)
        for ref in refs:
            stored, line = ref_key(ref)
            if is_fetched(stored):
                selected.setdefault(stored, set()).add(line)
        relpath = f"papers/{paper.name}.md"
        if candidate is not None:
            candidate.path = rel(root / relpath, root)
        plan.actions.append((action, rel(root / relpath, root)))
        if action != "unchanged":
            plan.files[relpath] = render_paper_file(paper)
    return selected


def _plan_new_paper(plan: ImportPlan, store: SourceStore, digest: _Digest, new: dict,
                    refs: list[str], relevance: Relevance | None, taken: set[str],
                    vocabulary: set[str] | None, below_threshold: str
                    ) -> tuple[Paper, Candidate] | None:
    """A new paper from its derived fields (named, tagged, themed), recorded as added; or
    None when it scores below the scope's threshold and `below_threshold` is "skip"."""
    candidate = Candidate(new["title"], new["arxiv"], sorted(refs, key=ref_key),
                          relevance=relevance)
    score = relevance.score if relevance else None
    threshold = digest.scope.threshold if digest.scope is not None else None
    if below_threshold == "skip" and score is not None and score < threshold:
        candidate.why = f"score {score:.2f}, below the threshold {threshold:.2f}: " \
                        f"{relevance.reason()}"
        plan.skipped.append(candidate)
        return None
    stem = assign_name(new["title"], taken)
    taken.add(stem)
    keywords = [k for r in refs for k in store.entry(r)[1].keywords]
    paper = Paper(**new, name=stem, tags=suggest_tags(keywords, vocabulary),
                  themes=propose_themes(new["title"], new["abstract"], digest.themes))
    candidate.themes = paper.themes
    plan.added.append(candidate)
    return paper, candidate


def _plan_known_paper(plan: ImportPlan, store: SourceStore, old: Paper, refs: list[str]
                      ) -> tuple[Paper, Candidate | None, str]:
    """A paper already in the digest merged with its new entries, and whether that changed
    it ("updated", recorded with the fields that changed) or not ("unchanged")."""
    paper = merge(old, derive(old.sources, store), derive(old.sources + refs, store))
    if paper == old:  # same values: a curator's own formatting stays as it is
        return paper, None, "unchanged"
    candidate = Candidate(paper.title, paper.arxiv, sorted(refs, key=ref_key),
                          changed=[f.name for f in model.record_fields(Paper)
                                   if getattr(old, f.name) != getattr(paper, f.name)])
    plan.updated.append(candidate)
    return paper, candidate, "updated"


def _plan_imported_entries(plan: ImportPlan, root: Path, selected: dict[str, set[int]]) -> None:
    """Beside each fetched source, which of its entries are papers, so that `digest check`
    knows them (and sees one deleted by hand); a union: a paper once imported stays one."""
    for name in sorted(selected):
        known = read_imported(root, name)
        if not selected[name] <= known or not (root / "sources" / f"{name}{IMPORTED}").is_file():
            plan.files[f"sources/{name}{IMPORTED}"] = render_imported(selected[name] | known)


def score_candidates(scope, papers: list[Paper], rejections, derived: dict[str, dict]
                     ) -> dict[str, Relevance]:
    """The relevance of each new paper (by group key) to the scope; none without a scope."""
    if scope is None or not derived:
        return {}  # nothing to score: scikit-learn is not even imported
    from generator.ingest.scope import ScopeModel

    keys = sorted(derived)
    scores = ScopeModel(scope, papers, rejections).score(
        [(derived[k]["title"], derived[k]["abstract"]) for k in keys])
    return dict(zip(keys, scores))
