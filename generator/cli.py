"""The `digest` command line: import, check, build, serve.

Commands work on the project in the current directory (the folder holding mkdocs.yml and
content/), or on the one given with --project. Bad input never ends in a traceback: problems
are printed as `path:line: field: message` and the exit status is 1.
"""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import click

from . import importer, output
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


@main.command("import")
@click.argument("paths", nargs=-1, required=True,
                type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--year", type=click.IntRange(1990, 2999), default=None,
              help="Year of the listings' dates, which the listing text does not state "
                   "[default: the current year].")
@click.option("--strict", is_flag=True, help="Exit with status 1 if any entry was skipped.")
@click.pass_context
def import_command(ctx: click.Context, paths: tuple[Path, ...], year: int | None,
                   strict: bool) -> None:
    """Add or update papers from Hugging Face Daily Papers listings (text copied from the page)."""
    root = _project(ctx) / "content"
    year = year or dt.date.today().year  # the only clock: the documented default
    plan = importer.plan_import(list(paths), year, root)
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
    counts = {a: sum(1 for b, _ in plan.actions if b == a) for a in ("added", "updated",
                                                                      "unchanged")}
    if plan.warnings:
        click.echo(format_problems(plan.warnings), err=True)
    skipped = f", {len(plan.warnings)} problem(s) reported" if plan.warnings else ""
    click.echo(f"{counts['added']} added, {counts['updated']} updated, "
               f"{counts['unchanged']} unchanged{skipped}")
    if strict and plan.warnings:
        sys.exit(1)


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
@click.pass_context
def build(ctx: click.Context) -> None:
    """Build the site: content/ -> docs/ -> MkDocs -> site/ (feeds included)."""
    from .build import BuildError, build_site

    try:
        report = build_site(_project(ctx), echo=click.echo)
    except BuildError as exc:
        click.echo(str(exc), err=True)
        sys.exit(1)
    click.echo(report)


@main.command()
@click.option("--dev-addr", default="127.0.0.1:8000", show_default=True,
              help="Address to serve on.")
@click.pass_context
def serve(ctx: click.Context, dev_addr: str) -> None:
    """Build, then serve with live reload; edits under content/ rebuild the pages."""
    from .build import BuildError, serve_site

    try:
        serve_site(_project(ctx), dev_addr, echo=click.echo)
    except BuildError as exc:
        click.echo(str(exc), err=True)
        sys.exit(1)
