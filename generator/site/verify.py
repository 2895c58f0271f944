"""Checking a built site/ against content/ before it is published: never an empty or partial
site (the publish workflow runs `digest verify` before deploying)."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

from generator.site.build import tag_vocabulary
from generator.content.read import read_content
from generator.files import find_symlinks, is_regular_file, read_file

MAX_SITE_FILE_BYTES = 1 << 30  # papers.json of 20,000 papers is about 40 MB


def verify_site(project: Path) -> list[str]:
    """What is wrong with site/ compared with content/ (empty list: fit to publish)."""
    site = project / "site"
    content = read_content(project / "content", tag_vocabulary(project))
    # Nothing of site/ is followed or read through a link (files.py): a published link could
    # point anywhere.
    problems = [str(p) for p in find_symlinks(project, ("site",)) + content.problems]
    if not content.papers:
        problems.append("content/papers/: no papers: refusing to publish an empty digest")
    texts = {}
    for name in ("index.html", "feed.xml", "papers.json", "searchindex/index.json"):
        try:
            texts[name] = read_file(site / name, MAX_SITE_FILE_BYTES)
        except FileNotFoundError:
            problems.append(f"site/{name}: missing")
        except OSError as exc:
            problems.append(f"site/{name}: {exc}")
    missing = [p.name for p in content.papers
               if not is_regular_file(site / "papers" / p.name / "index.html")]
    if missing:
        problems.append(f"site/papers/: {len(missing)} of {len(content.papers)} paper pages "
                        f"missing (first: {missing[0]})")
    if "feed.xml" in texts:
        try:
            items = ET.fromstring(texts["feed.xml"]).findall("./channel/item")
            if content.papers and not items:
                problems.append("site/feed.xml: no items")
        except ET.ParseError as exc:
            problems.append(f"site/feed.xml: not XML: {exc}")
    for name, what in (("papers.json", "papers"), ("searchindex/index.json", "index")):
        if name not in texts:
            continue
        try:
            data = json.loads(texts[name])
            count = len(data) if what == "papers" else data.get("papers")
        except (ValueError, TypeError, AttributeError, RecursionError):
            problems.append(f"site/{name}: not the JSON the build writes")
            continue
        if count != len(content.papers):
            problems.append(f"site/{name}: {count} papers, content/ has {len(content.papers)}")
    return problems
