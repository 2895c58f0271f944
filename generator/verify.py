"""Checking a built site/ against content/ before it is published: never an empty or partial
site (the publish workflow runs `digest verify` before deploying)."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

from .build import tag_vocabulary
from .content import read_content


def verify_site(project: Path) -> list[str]:
    """What is wrong with site/ compared with content/ (empty list: fit to publish)."""
    site = project / "site"
    content = read_content(project / "content", tag_vocabulary(project))
    problems = [str(p) for p in content.problems]
    if not content.papers:
        problems.append("content/papers/: no papers: refusing to publish an empty digest")
    for name in ("index.html", "feed.xml", "papers.json", "searchindex/index.json"):
        if not (site / name).is_file():
            problems.append(f"site/{name}: missing")
    missing = [p.name for p in content.papers
               if not (site / "papers" / p.name / "index.html").is_file()]
    if missing:
        problems.append(f"site/papers/: {len(missing)} of {len(content.papers)} paper pages "
                        f"missing (first: {missing[0]})")
    if (site / "feed.xml").is_file():
        try:
            items = ET.parse(site / "feed.xml").getroot().findall("./channel/item")
            if content.papers and not items:
                problems.append("site/feed.xml: no items")
        except ET.ParseError as exc:
            problems.append(f"site/feed.xml: not XML: {exc}")
    if (site / "papers.json").is_file():
        exported = len(json.loads((site / "papers.json").read_text(encoding="utf-8")))
        if exported != len(content.papers):
            problems.append(f"site/papers.json: {exported} papers, content/ has "
                            f"{len(content.papers)}")
    if (site / "searchindex/index.json").is_file():
        indexed = json.loads((site / "searchindex/index.json").read_text(encoding="utf-8"))
        if indexed.get("papers") != len(content.papers):
            problems.append(f"site/searchindex/index.json: {indexed.get('papers')} papers, "
                            f"content/ has {len(content.papers)}")
    return problems
