"""The record of rejected papers, content/rejected.yml: papers curators removed, kept for good.

Importers skip them (matched by arXiv id or normalized title) and the scope model reads them as
negatives. The file is a YAML list of Rejection records (model.py); a missing file means none.
"""

from __future__ import annotations

from pathlib import Path

from .content import _read_text, parse_record, rel
from .frontmatter import FrontMatterError, key_lines, load_yaml
from .model import Rejection
from .problems import Problem

FILE = "rejected.yml"


def read_rejections(root: Path) -> tuple[list[Rejection], list[Problem]]:
    """Load and validate content/rejected.yml; returns the rejections and any problems."""
    path = root / FILE
    name = rel(path, root)
    if not path.is_file():
        return [], []
    try:
        data, node = load_yaml(_read_text(path, name), name)
    except FrontMatterError as exc:
        return [], [exc.problem]
    if data is None:
        return [], []
    if not isinstance(data, list):
        return [], [Problem(name, 1, "", "expected a list of rejected papers")]
    rejections, problems = [], []
    for item, item_node in zip(data, node.value):
        line = item_node.start_mark.line + 1
        record, found = parse_record(Rejection, item, key_lines(item_node, 1), name, line)
        problems += found
        if record is not None:
            rejections.append(record)
    return rejections, problems
