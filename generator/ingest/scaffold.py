"""`digest new`: the content file of a paper added by hand, ready for a curator to finish."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from generator import model
from generator.content.read import read_content, render_paper_file
from generator.ingest.importer import assign_name
from generator.model import Paper
from generator.model import ARXIV_ID
from generator.ingest.themes import propose_themes

PLACEHOLDER = "TODO: paste the paper's abstract here."


class ScaffoldError(Exception):
    """The paper cannot be added (it is already there, or an argument is wrong)."""


def scaffold_paper(root: Path, title: str, arxiv: str | None, abstract: str | None,
                   added: dt.date, theme_ids: list[str]) -> tuple[str, str]:
    """(path under content/, text) of a new paper file; refuses duplicates and bad input."""
    title = " ".join(title.split())
    if not title:
        raise ScaffoldError("--title: must not be empty")
    if arxiv is not None:
        arxiv = arxiv.strip().removeprefix("arXiv:").removeprefix("https://arxiv.org/abs/")
        arxiv = re.sub(r"v\d+$", "", arxiv)  # the digest keeps ids without a version
        if not ARXIV_ID.fullmatch(arxiv):
            raise ScaffoldError(f"--arxiv: '{arxiv}' is not an arXiv id like 2504.15777")
    content = read_content(root)
    known = {t.id for t in content.themes}
    for theme in theme_ids:
        if theme not in known:
            raise ScaffoldError(f"--theme: unknown theme '{theme}' (known: "
                                f"{', '.join(sorted(known))})")
    key = model.normalize_title(title)
    for paper in content.papers:
        if (arxiv and paper.arxiv == arxiv) or model.normalize_title(paper.title) == key:
            raise ScaffoldError(f"already in the digest as content/papers/{paper.name}.md")
    name = assign_name(title, {p.name for p in content.papers})
    paper = Paper(title=title, arxiv=arxiv, added=added, name=name,
                  abstract=abstract or PLACEHOLDER,
                  themes=theme_ids or propose_themes(title, abstract or "", content.themes))
    return f"papers/{name}.md", render_paper_file(paper)
