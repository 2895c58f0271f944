"""The rules a paper must follow beyond the types its fields declare (model.py).

File name, known and unique themes, tags Material can print, arXiv ids, http(s) links, sources
that exist. content.py applies them while reading content/ and reports every problem found.
"""

from __future__ import annotations

import re

from .model import Paper
from .problems import Problem

NAME = re.compile(r"[a-z0-9][a-z0-9._-]{0,79}")
THEME_ID = re.compile(r"[a-z0-9][a-z0-9-]{0,39}")
ARXIV = re.compile(r"\d{4}\.\d{4,5}|[a-z][a-z.-]*/\d{7}")  # new and old style, no version
TAG = re.compile(r"\w[\w .+#/-]{0,39}")  # Material prints tag names unescaped: no markup
SOURCE_REF = re.compile(r"(?P<file>[^:/\\]+):(?P<line>[1-9][0-9]*)")


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
    if paper.arxiv is not None and not ARXIV.fullmatch(paper.arxiv):
        problems.append(Problem(path, at("arxiv"), "arxiv", f"'{paper.arxiv}' is not an arXiv id "
                                "like 2504.15777 (no 'v2' version suffix)"))
    for tag in paper.tags:
        if not TAG.fullmatch(tag):
            problems.append(Problem(path, at("tags"), "tags", f"{tag!r} must be letters, digits, "
                                    "spaces and . + # / - (at most 40)"))
    for link in paper.links:
        if not re.match(r"https?://[^\s]+$", link):
            problems.append(Problem(path, at("links"), "links", f"'{link}' is not an http(s) URL"))
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
