"""The rules a paper and a theme must follow beyond the types their fields declare (model.py).

File name, known and unique themes, tags Material can print, arXiv ids, links that are valid
http(s) URLs (text.check_url), sources that exist, no control characters in any text, lengths
that keep a title a title. content/read.py applies them while reading content/ and reports
every problem found. The digest's own rules over its whole content are in content/policy.py.
"""

from __future__ import annotations

import re

from generator.model import ARXIV_ID, SOURCE_REF, Paper, Theme
from generator.problems import Problem
from generator.ingest.entries import MAX_TITLE
from generator.render.text import check_url, describe_forbidden, find_forbidden, printable

NAME = re.compile(r"[a-z0-9][a-z0-9._-]{0,79}")
THEME_ID = re.compile(r"[a-z0-9][a-z0-9-]{0,39}")
TAG = re.compile(r"\w[\w .+#/-]{0,39}")  # Material prints tag names unescaped: no markup
# Characters. A title is printed in headings, lists, feeds and the search index: past this it is
# an abstract pasted into the wrong field (arXiv titles stay under 300).
MAX_LENGTHS = {"title": MAX_TITLE, "authors": 300, "organization": 300}
MAX_THEME_LENGTHS = {"title": 100, "description": 1000}
TEXT_FIELDS = ("title", "arxiv", "authors", "organization", "themes", "tags", "links", "note",
               "sources")


def _texts(value) -> list[str]:
    if isinstance(value, str):
        return [value]
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


def check_characters(record, fields, at, path: str) -> list[Problem]:
    """The first forbidden character (text.FORBIDDEN) of each text field, by field."""
    problems = []
    for name in fields:
        for text in _texts(getattr(record, name)):
            index = find_forbidden(text)
            if index != -1:
                problems.append(Problem(path, at(name), name,
                                        f"{describe_forbidden(text[index])} not allowed"))
                break
    return problems


def check_lengths(record, limits: dict[str, int], at, path: str) -> list[Problem]:
    """The first text of each field (or item of a list field) longer than its limit."""
    problems = []
    for name, limit in limits.items():
        long = next((text for text in _texts(getattr(record, name)) if len(text) > limit), None)
        if long is not None:
            problems.append(Problem(path, at(name), name, f"longer than {limit} characters "
                                    f"({len(long)}): '{printable(long, 40)}'"))
    return problems


def check_theme(theme: Theme, lines: dict[str, int], path: str, line: int) -> list[Problem]:
    """Rules beyond types for one theme of themes.yml: characters and lengths."""
    at = lambda key: lines.get(key, line)  # noqa: E731
    return (check_characters(theme, ("id", "title", "description", "rules"), at, path)
            + check_lengths(theme, MAX_THEME_LENGTHS, at, path))


def check_paper(paper: Paper, lines: dict[str, int], path: str, theme_ids: set[str],
                source_files: set[str]) -> list[Problem]:
    """Rules beyond types: file name, known and unique themes, sources that exist."""
    problems = []
    at = lambda key: lines.get(key, 1)  # noqa: E731
    if not NAME.fullmatch(paper.name):
        problems.append(Problem(path, 1, "", "file name must be lowercase ASCII letters, digits, "
                                "'.', '_' and '-' (at most 80) ending in .md"))
    if not paper.themes:
        problems.append(Problem(path, at("themes"), "themes", "at least one theme is required"))
    for theme in paper.themes:
        if theme not in theme_ids:
            problems.append(Problem(path, at("themes"), "themes", f"unknown theme '{theme}' "
                                    f"(known: {', '.join(sorted(theme_ids))})"))
    for label in ("themes", "tags", "links", "sources"):
        values = getattr(paper, label)
        for value in sorted({v for v in values if values.count(v) > 1}):
            problems.append(Problem(path, at(label), label, f"'{value}' is listed twice"))
    if paper.arxiv is not None and not ARXIV_ID.fullmatch(paper.arxiv):
        problems.append(Problem(path, at("arxiv"), "arxiv", f"'{paper.arxiv}' is not an arXiv id "
                                "like 2504.15777 (no 'v2' version suffix)"))
    for tag in paper.tags:
        if not TAG.fullmatch(tag):
            problems.append(Problem(path, at("tags"), "tags", f"{tag!r} must be letters, digits, "
                                    "spaces and . + # / - (at most 40)"))
    for link in paper.links:
        reason = check_url(link)
        if reason is not None:
            what = ("is not an http(s) URL" if reason.startswith("only http")
                    else f"is not a valid link: {reason}")
            problems.append(Problem(path, at("links"), "links", f"'{printable(link)}' {what}"))
    problems += check_characters(paper, TEXT_FIELDS, at, path)
    problems += check_lengths(paper, MAX_LENGTHS, at, path)
    index = find_forbidden(paper.abstract)
    if index != -1:  # on its own line of the file: the body starts at lines["abstract"]
        problems.append(Problem(path, at("abstract") + paper.abstract.count("\n", 0, index),
                                "abstract", f"{describe_forbidden(paper.abstract[index])} "
                                "not allowed"))
    for source in paper.sources:
        match = SOURCE_REF.fullmatch(source)
        if not match:
            problems.append(Problem(path, at("sources"), "sources", f"'{source}' should be "
                                    "'<stored listing>:<line>'"))
        elif match["file"] not in source_files:
            problems.append(Problem(path, at("sources"), "sources", f"'{match['file']}' is not "
                                    "in content/sources/"))
    if isinstance(paper.authors, int) and paper.authors < 1:
        problems.append(Problem(path, at("authors"), "authors", "expected at least 1"))
    if paper.upvotes is not None and paper.upvotes < 0:
        problems.append(Problem(path, at("upvotes"), "upvotes", "expected 0 or more"))
    if not paper.abstract:
        problems.append(Problem(path, 1, "abstract", "the body (the abstract) is empty"))
    elif paper.abstract.startswith("TODO: paste"):
        problems.append(Problem(path, 1, "abstract", "the body is still the placeholder of "
                                "`digest new`: paste the abstract"))
    return problems
