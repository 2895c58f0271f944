"""The `digest` command line: each command's options, output and exit status.

The work itself is done by the stages (ingest, content, render, site); this module parses the
options, holds the project lock around the commands that write, and reports.

Commands work on the project in the current directory (the folder holding mkdocs.yml and
content/), or on the one given with --project. Bad input never ends in a traceback: problems
are printed as `path:line: field: message` and the exit status is 1.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import os
import sys
from pathlib import Path

import click

from generator import DISTRIBUTION, __version__
from generator.site import output
from generator.progress import Progress
from generator.ingest.hf_api import DEFAULT_API_URL, FetchError, fetch_daily_papers
from generator.ingest.hf_search import (
    DEFAULT_SEARCH_URL,
    render_search_source,
    search_papers,
    search_stem,
)
from generator.content.read import read_content
from generator.files import OUTPUT_FOLDERS, FileRefused, find_symlinks, real_folder
from generator.problems import format_problems


def _project(ctx: click.Context) -> Path:
    return ctx.obj["project"]


def _today() -> dt.date:
    """Today in UTC, or DIGEST_TODAY (YYYY-MM-DD) so that tests and re-runs do not read a clock."""
    fixed = os.environ.get("DIGEST_TODAY", "")
    if fixed:
        try:
            return dt.date.fromisoformat(fixed)
        except ValueError:
            click.echo(f"DIGEST_TODAY: '{fixed}' is not a date like 2026-03-06", err=True)
            sys.exit(2)
    return dt.datetime.now(dt.timezone.utc).date()


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="digest",
                      message=f"%(prog)s ({DISTRIBUTION}) %(version)s")
@click.option("--project", type=click.Path(file_okay=False, path_type=Path), default=".",
              show_default=True, help="The digest's folder (holding mkdocs.yml and content/).")
@click.pass_context
def main(ctx: click.Context, project: Path) -> None:
    """A digest of research papers: paper pages, themes, feeds and search, built from content/.

    `digest init DIR` starts a new digest; in a digest's folder, `digest build` builds site/.
    """
    ctx.obj = {"project": project.resolve()}


@contextlib.contextmanager
def _locked(ctx: click.Context):
    """Hold the project lock while a command writes (another such command waits for it); a
    lock that cannot be had, or a symlinked .cache/, ends the command with its message."""
    try:
        with output.project_lock(_project(ctx), echo=lambda line: click.echo(line, err=True)):
            yield
    except (output.LockTimeout, FileRefused) as exc:
        click.echo(str(exc), err=True)
        sys.exit(1)


def _finish_interrupted_writes(ctx: click.Context) -> None:
    """Before a command that reads content/ without the lock: a write a kill interrupted after
    its commit is finished first (under the lock), so nothing reads half an import."""
    if output.committed_writes(_project(ctx)):
        with _locked(ctx):
            for note in output.clean_stale(_project(ctx)):
                click.echo(note, err=True)


def _ready_to_write_content(ctx: click.Context, what: str) -> Path:
    """Under the lock: clean up after a killed command, refuse symlinks in content/ and the
    cache (nothing is read or written through one); returns where files are staged."""
    project = _project(ctx)
    for note in output.clean_stale(project):
        click.echo(note, err=True)
    links = find_symlinks(project, ("content", ".cache"))
    if links:
        click.echo(format_problems(links) + f"\n{len(links)} problem(s): symlinks are never "
                   f"followed; {what}", err=True)
        sys.exit(1)
    return real_folder(project, ".cache/digest")


def _run_import(ctx: click.Context, paths: list[Path], year: int, strict: bool,
                select=None, below_threshold: str = "flag", review: Path | None = None,
                fetched: bool = False):
    """Plan an import, write it (all or nothing), and report like a compiler; returns the plan.
    `fetched`: paths is the one temporary file of a fetched answer."""
    with _locked(ctx):
        return _import_locked(ctx, paths, year, strict, select, below_threshold, review,
                              fetched)


def _import_locked(ctx: click.Context, paths: list[Path], year: int, strict: bool,
                   select=None, below_threshold: str = "flag", review: Path | None = None,
                   fetched: bool = False):
    """The import itself, run under the project lock by _run_import."""
    from generator.site.build import BuildError, tag_vocabulary

    staging = _ready_to_write_content(ctx, "nothing was imported")
    root = _project(ctx) / "content"
    try:
        vocabulary = tag_vocabulary(_project(ctx))
    except BuildError as exc:
        click.echo(str(exc), err=True)
        sys.exit(1)
    from generator.ingest import importer  # only import and fetch need it (build starts faster)

    from generator.ingest.themes import RuleError

    try:
        plan = importer.plan_import(paths, year, root, select=select, vocabulary=vocabulary,
                                    progress=Progress(), today=_today(),
                                    below_threshold=below_threshold)
    except RuleError as exc:
        click.echo(f"{_rule_problem(root, exc)}\nnothing was imported", err=True)
        sys.exit(1)
    if fetched:
        _name_stored_answer(plan, str(paths[0]))
    if plan.errors or (strict and plan.warnings):
        click.echo(format_problems(plan.errors + plan.warnings), err=True)
        click.echo("nothing was imported" + ("" if plan.errors else
                                            " (--strict: any problem fails the import)"), err=True)
        sys.exit(1)
    output.write_files(root, plan.files, staging)
    _echo_import_changes(plan)
    if review is not None:
        from generator.ingest.review import render_review_sheet

        output.write_file(review, render_review_sheet(plan))
        click.echo(f"{'review':<10} {review}")
    if plan.warnings:
        click.echo(format_problems(plan.warnings), err=True)
    click.echo(_import_summary(plan))
    return plan


def _echo_import_changes(plan) -> None:
    """A line for each file an import stored, added or updated, and each paper it flagged or
    skipped."""
    for name in sorted(p for p in plan.files if p.startswith("sources/")):
        click.echo(f"stored     content/{name}")
    for action, path in plan.actions:
        if action != "unchanged":
            click.echo(f"{action:<10} {path}")
    for paper in plan.flagged:
        click.echo(f"{'flagged':<10} '{paper.title}' (score {paper.relevance.score:.2f}: "
                   f"{paper.relevance.reason()})")
    for paper in plan.skipped:
        click.echo(f"{'skipped':<10} '{paper.title}' ({paper.why})")


def _import_summary(plan) -> str:
    """An import's last line: how many papers it added, updated, left, skipped and flagged."""
    counts = {a: sum(1 for b, _ in plan.actions if b == a) for a in ("added", "updated",
                                                                      "unchanged")}
    rejected = sum(1 for paper in plan.skipped if paper.rejected)
    below = len(plan.skipped) - rejected
    summary = [f"{counts['added']} added", f"{counts['updated']} updated",
               f"{counts['unchanged']} unchanged"]
    summary += [f"{rejected} skipped (rejected)"] if rejected else []
    summary += [f"{below} skipped (below the threshold)"] if below else []
    summary += [f"{len(plan.flagged)} flagged"] if plan.flagged else []
    summary += [f"{len(plan.warnings)} problem(s) reported"] if plan.warnings else []
    return ", ".join(summary)


def _name_stored_answer(plan, fetched: str) -> None:
    """Problems of a fetched answer name the file it is stored as (its item numbers are that
    file's), not the temporary file it was imported from, which is gone once fetch ends."""
    import dataclasses

    stored = [name for name in plan.files if name.startswith("sources/")
              and name.endswith(".json")]
    if len(stored) == 1:
        for problems in (plan.errors, plan.warnings):
            problems[:] = [dataclasses.replace(p, path=f"content/{stored[0]}")
                           if p.path == fetched else p for p in problems]


def _rule_problem(root: Path, exc) -> str:
    """A theme rule's RuleError as `content/themes.yml:line: rules: ...` (the theme's line)."""
    from generator.content.read import read_themes, rel
    from generator.problems import Problem

    _, _, lines = read_themes(root)
    return str(Problem(rel(root / "themes.yml", root), lines.get(exc.theme_id, 0), "rules",
                       str(exc)))


def _at_terminal() -> bool:
    return sys.stdin.isatty()


def _ask(value: str | None, option: str, question: str, default: str | None = None) -> str:
    """An option's value, asked for at a terminal when it was not given; without a terminal
    a missing option ends the command (a script must pass it)."""
    if value is not None:
        return value
    if not _at_terminal():
        click.echo(f"{option}: required (no terminal to ask)", err=True)
        sys.exit(2)
    return click.prompt(question, default=default)


@main.command()
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path))
@click.option("--title", default=None, help="The digest's name, like \"Diffusion Models "
              "Digest\": the home page's heading and the feeds' title [asked when missing].")
@click.option("--site-url", default=None, help="Where the site will be published, like "
              "https://owner.github.io/diffusion-digest/ [asked when missing].")
@click.option("--description", default=None, help="What the digest covers, in one sentence: "
              "the home page's introduction and the scope's description [asked when missing].")
@click.option("--repo-url", default=None, help="The digest's GitHub repository [default: "
              "derived from a github.io --site-url].")
@click.option("--requirement", default=None, help="How the digest's requirements.txt installs "
              f"the generator, e.g. '{DISTRIBUTION} @ git+https://...@TAG' or a wheel's URL "
              f"[default: {DISTRIBUTION}=={__version__}].")
@click.option("--term", "terms", multiple=True, help="A word or phrase that marks an on-topic "
              "paper, for content/scope.yml (repeatable) [default: the title's words].")
def init(folder: Path, title: str | None, site_url: str | None, description: str | None,
         repo_url: str | None, requirement: str | None, terms: tuple[str, ...]) -> None:
    """Create a new digest in FOLDER: mkdocs.yml, content/ (scope, example themes, no papers),
    requirements.txt, GitHub workflows, issue forms, CONTRIBUTING.md and a README. Existing
    files are never overwritten."""
    from generator.site.starter import StarterError, find_conflicts, parse_identity, render_starter

    title = _ask(title, "--title", "Title of the digest")
    site_url = _ask(site_url, "--site-url", "Address of the published site")
    description = _ask(description, "--description", "What the digest covers, in one sentence")
    try:
        identity = parse_identity(title, site_url, description, _today().year, repo_url)
        files = render_starter(identity, requirement, list(terms))
    except StarterError as exc:
        click.echo(f"{exc}\nnothing was created", err=True)
        sys.exit(2)
    folder = folder.resolve()
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        click.echo(f"{folder}: {exc.strerror or exc}\nnothing was created", err=True)
        sys.exit(1)
    with contextlib.ExitStack() as stack:
        try:
            stack.enter_context(output.project_lock(folder, echo=lambda line: click.echo(
                line, err=True)))
            conflicts = find_conflicts(folder, files) + find_symlinks(folder, ("content",))
            if conflicts:
                click.echo("\n".join(f"{folder / str(c)}: already exists" if isinstance(c, str)
                                      else str(c) for c in conflicts)
                           + "\nnothing was created: digest init never overwrites a file",
                           err=True)
                sys.exit(1)
            output.write_files(folder, files, real_folder(folder, ".cache/digest"),
                               executable=frozenset({".ci/run"}))
        except (output.LockTimeout, FileRefused) as exc:
            click.echo(str(exc), err=True)
            sys.exit(1)
    for relpath in sorted(files):
        click.echo(f"{'created':<10} {relpath}")
    click.echo(f"a new digest in {folder}: cd there, then `digest build` (and `digest import` "
               "or `digest fetch` for its first papers)")


@main.command("import")
@click.argument("paths", nargs=-1, required=True,
                type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--year", type=click.IntRange(1990, 2999), default=None,
              help="Year of the listings' dates, which the listing text does not state "
                   "[default: the current year, UTC].")
@click.option("--strict", is_flag=True, help="Import nothing and exit with status 1 if any "
              "entry would be skipped or any problem is reported.")
@click.option("--review", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Also write a Markdown review sheet of the import to this file.")
@click.pass_context
def import_command(ctx: click.Context, paths: tuple[Path, ...], year: int | None,
                   strict: bool, review: Path | None) -> None:
    """Add or update papers from Hugging Face Daily Papers listings (text copied from the page)
    or daily-papers API JSON files (told apart by their content). Every paper is imported;
    those scoring below the scope's threshold are flagged."""
    year = year or _today().year  # the only clock: the documented default
    _run_import(ctx, list(paths), year, strict, review=review)


@main.command()
@click.option("--date", "day", default=None, type=click.DateTime(["%Y-%m-%d"]),
              help="The day whose daily papers to fetch (YYYY-MM-DD) [default: today, UTC].")
@click.option("--search", "query", default=None,
              help="Fetch the Hugging Face paper search results for this query instead of a day.")
@click.option("--api-url", default=None,
              help=f"The API endpoint [default: {DEFAULT_API_URL}, or {DEFAULT_SEARCH_URL} "
                   "with --search].")
@click.option("--all", "take_all", is_flag=True,
              help="Import every paper, flagging those below the scope's threshold.")
@click.option("--review", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Also write a Markdown review sheet (added, updated, skipped) to this file.")
@click.option("--timeout", type=click.FloatRange(0.1, 600), default=30.0, show_default=True,
              help="Seconds for each request as a whole (connecting, headers and body).")
@click.option("--retries", type=click.IntRange(0, 10), default=3, show_default=True,
              help="Retries after a failure.")
@click.pass_context
def fetch(ctx: click.Context, day: dt.datetime | None, query: str | None, api_url: str | None,
          take_all: bool, review: Path | None, timeout: float, retries: int) -> None:
    """Download one day of Hugging Face daily papers (or the results of a paper search), keep
    the JSON under content/sources/, and import the papers scoring at least the threshold of
    content/scope.yml."""

    if day is not None and query is not None:
        click.echo("pass either --date YYYY-MM-DD or --search QUERY, not both", err=True)
        sys.exit(2)
    if day is None and query is None:
        today = _today()  # the documented default, DIGEST_TODAY in tests and re-runs
        day = dt.datetime(today.year, today.month, today.day)
    try:
        if query is None:
            text = fetch_daily_papers(day.date(), api_url or DEFAULT_API_URL, timeout=timeout,
                                      retries=retries,
                                      warn=lambda message: click.echo(f"warning: {message}",
                                                                      err=True))
            name, year = "hf-daily-papers", day.year
        else:
            searched = _today()
            items = search_papers(query, api_url or DEFAULT_SEARCH_URL, timeout=timeout,
                                  retries=retries)
            text = render_search_source(query, searched, items)
            name = _free_stem(_project(ctx) / "content", searched, search_stem(query), text)
            year = searched.year
    except FetchError as exc:
        click.echo(f"{exc}\nnothing was imported; content/ is unchanged", err=True)
        sys.exit(1)
    with output.temporary_file(f"{name}.json", text) as path:
        _run_import(ctx, [path], year, strict=False, review=review,
                    below_threshold="flag" if take_all else "skip", fetched=True)


def _free_stem(root: Path, day: dt.date, stem: str, text: str) -> str:
    """A stored name for a fetched search: the same text again reuses its name, other results
    of the same day get `-2`, `-3`... (a search's results change during a day)."""
    for number in range(1, 1000):
        candidate = stem if number == 1 else f"{stem}-{number}"
        path = root / "sources" / f"{day.isoformat()}_{candidate}.json"
        if not path.is_file() or path.read_bytes() == text.encode("utf-8"):
            return candidate
    import hashlib

    return f"{stem}-{hashlib.sha1(text.encode('utf-8')).hexdigest()[:12]}"


@main.command()
@click.argument("papers", nargs=-1, required=True)
@click.option("--reason", required=True, help="Why the papers do not belong, in a few words.")
@click.option("--date", "day", type=click.DateTime(["%Y-%m-%d"]), default=None,
              help="The day of the rejection [default: today, UTC].")
@click.pass_context
def reject(ctx: click.Context, papers: tuple[str, ...], reason: str,
           day: dt.datetime | None) -> None:
    """Remove papers from the digest for good: delete their files and record them in
    content/rejected.yml, which every later import and fetch obeys.

    A PAPER is a file name (`x.md` or `x`), a path (`content/papers/x.md`), an arXiv id, or a
    stored source entry (`2025-12-08_listing.txt:13`, as `digest check` prints it)."""
    from generator.content import rejections

    root = _project(ctx) / "content"
    reason = " ".join(reason.split())
    if not reason:
        click.echo("--reason: must not be empty", err=True)
        sys.exit(2)
    when = day.date() if day else _today()
    with _locked(ctx):
        staging = _ready_to_write_content(ctx, "nothing was rejected")
        existing, problems = rejections.read_rejections(root)
        chosen, records, errors = rejections.plan_rejections(root, read_content(root).papers,
                                                             list(papers), reason, when)
        errors = [str(p) for p in problems] + errors
        if errors:
            click.echo("\n".join(errors) + "\nnothing was rejected; content/ is unchanged", err=True)
            sys.exit(1)
        entries_only = list(records)
        records += [rejections.reject_paper(p, reason, when) for p in chosen]
        kept = rejections.replace_rejections(existing, records)
        output.write_files(root, {rejections.FILE: rejections.render_rejections(kept)},
                           staging)
        # Recorded first, removed second: stopped in between, the paper is still rejected (and
        # `digest check` says to delete its file), never deleted and forgotten.
        removed = output.remove_files(root, [f"papers/{p.name}.md" for p in chosen])
        for relpath in removed:
            click.echo(f"{'removed':<10} content/{relpath}")
        for record in entries_only:
            click.echo(f"{'recorded':<10} '{record.title}' ({record.sources[0]})")
        click.echo(f"{len(records)} rejected, {len(kept) - len(existing)} new in "
                   f"content/{rejections.FILE}: imports and fetches will skip them")


@main.command()
@click.option("--api-url", default=DEFAULT_SEARCH_URL, show_default=True,
              help="The paper search endpoint.")
@click.option("--delay", default=1.0, show_default=True, type=click.FloatRange(0, 60),
              help="Seconds to wait between two searches.")
@click.option("--limit", default=200, show_default=True, type=click.IntRange(1, 10_000),
              help="At most this many papers are looked up in one run.")
@click.option("--timeout", default=30.0, show_default=True, help="Seconds per request.")
@click.option("--retries", default=2, show_default=True, help="Retries after a failure.")
@click.pass_context
def resolve(ctx: click.Context, api_url: str, delay: float, limit: int, timeout: float,
            retries: int) -> None:
    """Find the arXiv id of papers that have none, by exact title, through the Hugging Face
    paper search; the matching results are stored under content/sources/ and imported."""
    import time

    from generator import model
    from generator.ingest.hf_search import pick_exact_match
    from generator.ingest.store import SourceStore

    root = _project(ctx) / "content"
    _finish_interrupted_writes(ctx)
    # The digest's policy aside: an import that only adds ids may proceed while it is broken.
    content = read_content(root, policy=False)
    if content.problems:  # found ids could not be imported: do not ask the API for nothing
        click.echo(format_problems(content.problems) + "\nnothing was looked up; fix content/ "
                   "first (digest check)", err=True)
        sys.exit(1)
    store = SourceStore(root)
    owners = {p.arxiv: p.name for p in content.papers if p.arxiv}
    todo = sorted((p for p in content.papers if not p.arxiv), key=lambda p: p.name)
    if len(todo) > limit:
        click.echo(f"{len(todo)} papers have no arXiv id; looking up the first {limit} "
                   "(--limit)")
    found_items, counts, failures = [], {"found": 0, "ambiguous": 0, "missing": 0, "failed": 0}, 0
    for number, paper in enumerate(todo[:limit]):
        if number and delay:
            time.sleep(delay)  # one search at a time, spaced: a polite client of a free API
        titles = {model.normalize_title(paper.title)} | {
            model.normalize_title(found[1].title) for ref in paper.sources
            if (found := store.entry(ref)) is not None}
        where = f"content/papers/{paper.name}.md"
        try:
            items = search_papers(paper.title, api_url, timeout=timeout, retries=retries)
        except FetchError as exc:
            counts["failed"] += 1
            failures += 1
            click.echo(f"{'failed':<10} {where}: {exc}", err=True)
            if failures == 3:
                click.echo("three searches in a row failed: stopping", err=True)
                break
            continue
        failures = 0
        status = _take_exact_match(paper.name, pick_exact_match(titles, items), owners,
                                   found_items)
        counts[status] += 1
    click.echo(", ".join(f"{n} {k}" for k, n in counts.items()))
    if found_items:
        searched = _today()
        text = render_search_source("exact titles (digest resolve)", searched, found_items)
        from generator.ingest.importer import LOOKUP

        name = _free_stem(root, searched, LOOKUP, text)
        with output.temporary_file(f"{name}.json", text) as path:
            _run_import(ctx, [path], searched.year, strict=False, fetched=True)
    if counts["failed"]:
        sys.exit(1)


def _take_exact_match(name: str, match: tuple[str, list], owners: dict[str, str],
                      found_items: list[dict]) -> str:
    """Print what a paper's search found; keep a found item whose id no other paper has
    (`owners`: arXiv id -> paper name). Returns found, ambiguous or missing."""
    status, matches = match
    where = f"content/papers/{name}.md"
    if status == "found" and matches[0]["paper"]["id"] in owners:
        arxiv = matches[0]["paper"]["id"]
        click.echo(f"{'ambiguous':<10} {where}: its exact title match {arxiv} is "
                   f"already content/papers/{owners[arxiv]}.md")
        return "ambiguous"
    if status == "found":
        owners[matches[0]["paper"]["id"]] = name
        found_items.append(matches[0])
        click.echo(f"{'found':<10} {where}: {matches[0]['paper']['id']}")
    elif status == "ambiguous":
        click.echo(f"{'ambiguous':<10} {where}: {len(matches)} exact title matches with "
                   f"different ids ({', '.join(matches)}); add the right one by hand")
    else:
        click.echo(f"{'missing':<10} {where}: no exact title match")
    return status


@main.command()
@click.pass_context
def check(ctx: click.Context) -> None:
    """Validate content/: every problem as path:line: field: message, then exit 1."""
    from generator.site.build import BuildError, tag_vocabulary

    _finish_interrupted_writes(ctx)

    try:
        allowed = tag_vocabulary(_project(ctx))
    except BuildError as exc:
        click.echo(str(exc), err=True)
        sys.exit(1)
    # A pull request can also commit symlinks into the folders the build writes, and a
    # mkdocs.yml that runs code: reported with content/'s problems (its own symlinks are
    # reported by read_content).
    from generator.content.rejections import check_removals
    from generator.site.config import find_code_in_config

    from generator.site.config import find_missing_settings

    problems = (find_code_in_config(_project(ctx)) + find_missing_settings(_project(ctx))
                + find_symlinks(_project(ctx), OUTPUT_FOLDERS))
    content = read_content(_project(ctx) / "content", allowed)
    content.problems += check_removals(_project(ctx) / "content", content.papers)
    problems += content.problems
    if problems:
        click.echo(format_problems(problems), err=True)
        where = " in content/" if len(problems) == len(content.problems) else ""
        click.echo(f"{len(problems)} problem(s){where}", err=True)
        sys.exit(1)
    click.echo(f"content/ is valid: {len(content.papers)} papers, {len(content.themes)} themes")


@main.command()
@click.option("--force", is_flag=True,
              help="Run MkDocs even when site/ is already the build of the current inputs.")
@click.option("--jobs", type=click.IntRange(min=1), envvar="DIGEST_JOBS", show_envvar=True,
              default=None, help="Worker processes for the build [default: one per core].")
@click.pass_context
def build(ctx: click.Context, force: bool, jobs: int | None) -> None:
    """Build the site: content/ -> docs/ -> MkDocs -> site/ (feeds included)."""
    from generator.site.build import BuildError, build_site

    try:
        with _locked(ctx):
            report = build_site(_project(ctx), echo=click.echo, progress=Progress(),
                                force=force, jobs=jobs)
    except BuildError as exc:
        click.echo(str(exc), err=True)
        sys.exit(1)
    click.echo(report)
    # Built and reported: end the process here instead of having Python free MkDocs' pages and
    # the records one object at a time on its way out (a cost that grows with the digest); every
    # file is written and closed, and the system takes the memory back at once.
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


@main.command()
@click.option("--dev-addr", default="127.0.0.1:8000", show_default=True,
              help="Address to serve on.")
@click.pass_context
def serve(ctx: click.Context, dev_addr: str) -> None:
    """Build, then serve with live reload; edits under content/ rebuild the pages."""
    from generator.site.build import BuildError
    from generator.site.serve import serve_site

    try:
        serve_site(_project(ctx), dev_addr, echo=click.echo)
    except (BuildError, output.LockTimeout, FileRefused) as exc:
        click.echo(str(exc), err=True)
        sys.exit(1)


@main.command()
@click.option("--title", required=True, help="The paper's title.")
@click.option("--arxiv", "arxiv_id", default=None, help="Its arXiv id, like 2504.15777.")
@click.option("--abstract", default=None, help="Its abstract (or paste it into the file).")
@click.option("--added", type=click.DateTime(["%Y-%m-%d"]), default=None,
              help="The day it enters the digest [default: today, UTC].")
@click.option("--theme", "theme_ids", multiple=True, help="A theme id (repeatable) "
              "[default: proposed by the rules].")
@click.pass_context
def new(ctx: click.Context, title: str, arxiv_id: str | None, abstract: str | None,
        added: dt.datetime | None, theme_ids: tuple[str, ...]) -> None:
    """Scaffold content/papers/<name>.md for a paper added by hand."""
    from generator.ingest.scaffold import ScaffoldError, scaffold_paper
    from generator.ingest.themes import RuleError

    root = _project(ctx) / "content"
    day = added.date() if added else _today()  # an explicit flag's documented default
    with _locked(ctx):
        staging = _ready_to_write_content(ctx, "nothing was added")
        try:
            relpath, text = scaffold_paper(root, title, arxiv_id, abstract, day,
                                           list(theme_ids))
        except ScaffoldError as exc:
            click.echo(str(exc), err=True)
            sys.exit(1)
        except RuleError as exc:
            click.echo(_rule_problem(root, exc), err=True)
            sys.exit(1)
        output.write_files(root, {relpath: text}, staging)
    click.echo(f"added      content/{relpath}")
    if abstract is None:
        click.echo("paste the abstract into its body, then run `digest check`")


@main.command()
@click.option("--allow-empty", is_flag=True, help="Accept a digest with no papers yet (a new "
              "digest's CI); publishing one is refused without it.")
@click.pass_context
def verify(ctx: click.Context, allow_empty: bool) -> None:
    """Check a built site/ against content/ before publishing it: never an empty or partial
    site, every page, the search box, every feed and its links."""
    from generator.site.verify import verify_site

    problems = verify_site(_project(ctx), allow_empty)
    if problems:
        click.echo("\n".join(problems) + "\nsite/ must not be published", err=True)
        sys.exit(1)
    click.echo("site/ is complete")
