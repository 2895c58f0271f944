"""The fast front-matter path: equal to PyYAML on what it accepts, and it accepts our files."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import yaml

from generator.content.frontmatter import Loader, NotADate, load_simple_yaml, split_front_matter

REPO = Path(__file__).resolve().parent.parent


def same(a, b) -> bool:
    """Equal values of the same types, lists compared item by item."""
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    return type(a) is type(b) and a == b


@pytest.mark.parametrize("text, expected", [
    ("title: 'It''s: a title'\n", {"title": "It's: a title"}),
    ("note:\n", {"note": None}),
    ("tags: []\nnote: null\n", {"tags": [], "note": None}),
    ("themes:\n- rl\n- math\n", {"themes": ["rl", "math"]}),
    ("authors: 12\nupvotes: 0\n", {"authors": 12, "upvotes": 0}),
    ("added: 2025-12-08\n", {"added": dt.date(2025, 12, 8)}),
    ("added: 2025-02-30\n", {"added": NotADate("2025-02-30")}),
    ("links:\n- https://github.com/a/b\n", {"links": ["https://github.com/a/b"]}),
    ("sources:\n- 2025-12-18_listing-002.txt:2773\n",
     {"sources": ["2025-12-18_listing-002.txt:2773"]}),
    ("organization: 7B models lab\n", {"organization": "7B models lab"}),
    ("arxiv: 1e3\n", {"arxiv": "1e3"}),
])
def test_accepted_forms_read_as_yaml_reads_them(text, expected):
    assert same(load_simple_yaml(text), expected)
    assert same(yaml.load(text, Loader=Loader), expected)


@pytest.mark.parametrize("text", [
    "x: yes\n", "x: Off\n", "x: NULL\n", "x: 012\n", "x: 1:30\n", "x: 1.5\n", "x: 0x1F\n",
    "x: 1_000\n", "x: .inf\n", "x: abc # comment\n", "x: [a]\n", "x: {a: 1}\n", "x:\n- - a\n",
    "x:  two spaces\n", "x: trailing \n", "x: 'open\n", "x: 1\nx: 2\n", "# comment\nx: 1\n",
    "x: &anchor a\n", "x: |\n  block\n", '"quoted key": 1\n', "x:\n  - indented\n",
])
def test_anything_else_is_left_to_yaml(text):
    assert load_simple_yaml(text) is None


def test_every_committed_paper_takes_the_fast_path_with_the_same_values():
    files = sorted((REPO / "content/papers").glob("*.md"))
    assert len(files) > 100
    for path in files:
        head = split_front_matter(path.read_text(encoding="utf-8"), path.name)[0]
        fast = load_simple_yaml(head)
        assert fast is not None, path
        assert same(fast, yaml.load(head, Loader=Loader)), path
