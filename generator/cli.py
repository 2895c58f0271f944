"""The `digest` command line: import, check, build, serve.

Commands work on the project in the current directory (the folder holding mkdocs.yml and
content/), or on the one given with --project. Bad input never ends in a traceback: problems
are printed as `path:line: field: message` and the exit status is 1.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import sys
from pathlib import Path

import click

from . import output
from .progress import Progress
from .sources.hf_api import DEFAULT_API_URL, FetchError, fetch_daily_papers
from .content import read_content
from .problems import format_problems


def _project(ctx: click.Context) -> Path:
    return ctx.obj["project"]


@click.group()
@click.option("--project", type=click.Path(file_okay=False, path_type=Path), default=".",
              show_default=True, help="The digest's folder (holding mkdocs.yml and content/).")
@click.pass_context
def main(ctx: click.Context, project: Path) -> None:
    """LLM Reasoning Digest: curated paper pages, themes and feeds from content/."""
    ctx.obj = {"project": project.resolve()}


def _run_import(ctx: click.Context, paths: list[Path], year: int, strict: bool,
                select=None, below_threshold: str = "flag", review: Path | None = None) -> None:
    """Plan an import, write it (all or nothing), and report like a compiler."""
    from .build import BuildError, tag_vocabulary

    root = _project(ctx) / "content"
    try:
        vocabulary = tag_vocabulary(_project(ctx))
    except BuildError as exc:
        click.echo(str(exc), err=True)
        sys.exit(1)
    from . import importer  # only import and fetch need it (build starts faster)

    plan = importer.plan_import(paths, year, root, select=select, vocabulary=vocabulary,
                                progress=Progress(), below_threshold=below_threshold)
    if plan.errors:
        click.echo(format_problems(plan.errors), err=True)
        click.echo("nothing was imported", err=True)
        sys.exit(1)
    output.write_files(root, plan.files)
    for name in sorted(p for p in plan.files if p.startswith("sources/")):
        click.echo(f"stored     content/{name}")
    for action, path in plan.actions:
        if action != "unchanged":
            click.echo(f"{action:<10} {path}")
    for paper in plan.flagged:
        click.echo(f"flagged    {paper.title} (score {paper.relevance.score:.2f}: "
                   f"{paper.relevance.reason()})")
    for paper in plan.skipped:
        click.echo(f"skipped    {paper.title} ({paper.why})")
    if review is not None:
        from .review import render_review_sheet

        output.write_file(review, render_review_sheet(plan))
        click.echo(f"review     {review}")
    counts = {a: sum(1 for b, _ in plan.actions if b == a) for a in ("added", "updated",
                                                                      "unchanged")}
    if plan.warnings:
        click.echo(format_problems(plan.warnings), err=True)
    left_out = f", {len(plan.skipped)} skipped" if plan.skipped else ""
    flagged = f", {len(plan.flagged)} flagged" if plan.flagged else ""
    skipped = f", {len(plan.warnings)} problem(s) reported" if plan.warnings else ""
    click.echo(f"{counts['added']} added, {counts['updated']} updated, "
               f"{counts['unchanged']} unchanged{left_out}{flagged}{skipped}")
    if strict and plan.warnings:
        sys.exit(1)


@main.command("import")
@click.argument("paths", nargs=-1, required=True,
                type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--year", type=click.IntRange(1990, 2999), default=None,
              help="Year of the listings' dates, which the listing text does not state "
                   "[default: the current year].")
@click.option("--strict", is_flag=True, help="Exit with status 1 if any entry was skipped.")
@click.option("--review", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Also write a Markdown review sheet of the import to this file.")
@click.pass_context
def import_command(ctx: click.Context, paths: tuple[Path, ...], year: int | None,
                   strict: bool, review: Path | None) -> None:
    """Add or update papers from Hugging Face Daily Papers listings (text copied from the page)
    or daily-papers API JSON files (told apart by their content). Every paper is imported;
    those scoring below the scope's threshold are flagged."""
    year = year or dt.date.today().year  # the only clock: the documented default
    _run_import(ctx, list(paths), year, strict, review=review)


@main.command()
@click.option("--date", "day", required=True, type=click.DateTime(["%Y-%m-%d"]),
              help="The day whose daily papers to fetch (YYYY-MM-DD).")
@click.option("--api-url", default=DEFAULT_API_URL, show_default=True,
              help="The daily-papers API endpoint.")
@click.option("--all", "take_all", is_flag=True,
              help="Import every paper of the day, flagging those below the scope's threshold.")
@click.option("--review", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Also write a Markdown review sheet (added, updated, skipped) to this file.")
@click.option("--timeout", default=30.0, show_default=True, help="Seconds per request.")
@click.option("--retries", default=3, show_default=True, help="Retries after a failure.")
@click.pass_context
def fetch(ctx: click.Context, day: dt.datetime, api_url: str, take_all: bool,
          review: Path | None, timeout: float, retries: int) -> None:
    """Download one day of Hugging Face daily papers, keep the JSON under content/sources/,
    and import the papers scoring at least the threshold of content/scope.yml."""
    import tempfile

    try:
        text = fetch_daily_papers(day.date(), api_url, timeout=timeout, retries=retries)
    except FetchError as exc:
        click.echo(f"{exc}\nnothing was imported; content/ is unchanged", err=True)
        sys.exit(1)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "hf-daily-papers.json"
        path.write_text(text, encoding="utf-8")
        _run_import(ctx, [path], day.year, strict=False, review=review,
                    below_threshold="flag" if take_all else "skip")


@main.command()
@click.pass_context
def check(ctx: click.Context) -> None:
    """Validate content/: every problem as path:line: field: message, then exit 1."""
    from .build import BuildError, tag_vocabulary

    try:
        allowed = tag_vocabulary(_project(ctx))
    except BuildError as exc:
        click.echo(str(exc), err=True)
        sys.exit(1)
    content = read_content(_project(ctx) / "content", allowed)
    if content.problems:
        click.echo(format_problems(content.problems), err=True)
        click.echo(f"{len(content.problems)} problem(s) in content/", err=True)
        sys.exit(1)
    click.echo(f"content/ is valid: {len(content.papers)} papers, {len(content.themes)} themes")


@main.command()
@click.option("--force", is_flag=True,
              help="Run MkDocs even when site/ is already the build of the current inputs.")
@click.pass_context
def build(ctx: click.Context, force: bool) -> None:
    """Build the site: content/ -> docs/ -> MkDocs -> site/ (feeds included)."""
    from .related import fork_related_worker

    worker = fork_related_worker()  # first: it imports numpy while this process imports the rest
    from .build import BuildError, build_site

    try:
        report = build_site(_project(ctx), echo=click.echo, progress=Progress(), force=force,
                            worker=worker)
    except BuildError as exc:
        click.echo(str(exc), err=True)
        sys.exit(1)
    click.echo(report)
    # Built and reported: end the process here instead of having Python free MkDocs' pages and
    # the records one object at a time on its way out (0.17 s at 2,000 papers); every file is
    # written and closed, and the system takes the memory back at once.
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
    from .build import BuildError
    from .serve import serve_site

    try:
        serve_site(_project(ctx), dev_addr, echo=click.echo)
    except BuildError as exc:
        click.echo(str(exc), err=True)
        sys.exit(1)


@main.command()
@click.option("--title", required=True, help="The paper's title.")
@click.option("--arxiv", "arxiv_id", default=None, help="Its arXiv id, like 2504.15777.")
@click.option("--abstract", default=None, help="Its abstract (or paste it into the file).")
@click.option("--added", type=click.DateTime(["%Y-%m-%d"]), default=None,
              help="The day it enters the digest [default: today].")
@click.option("--theme", "theme_ids", multiple=True, help="A theme id (repeatable) "
              "[default: proposed by the rules].")
@click.pass_context
def new(ctx: click.Context, title: str, arxiv_id: str | None, abstract: str | None,
        added: dt.datetime | None, theme_ids: tuple[str, ...]) -> None:
    """Scaffold content/papers/<name>.md for a paper added by hand."""
    from .scaffold import ScaffoldError, scaffold_paper

    root = _project(ctx) / "content"
    day = added.date() if added else dt.date.today()  # an explicit flag's documented default
    try:
        relpath, text = scaffold_paper(root, title, arxiv_id, abstract, day, list(theme_ids))
    except ScaffoldError as exc:
        click.echo(str(exc), err=True)
        sys.exit(1)
    output.write_files(root, {relpath: text})
    click.echo(f"added      content/{relpath}")
    if abstract is None:
        click.echo("paste the abstract into its body, then run `digest check`")


@main.command()
@click.pass_context
def verify(ctx: click.Context) -> None:
    """Check a built site/ against content/ before publishing it: never an empty or partial site."""
    from .verify import verify_site

    problems = verify_site(_project(ctx))
    if problems:
        click.echo("\n".join(problems) + "\nsite/ must not be published", err=True)
        sys.exit(1)
    click.echo("site/ is complete")
