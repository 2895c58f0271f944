"""Front matter through libyaml: the values YAML means, file line numbers, and the guards.

A curator may write any valid YAML for a value (CONTRIBUTING allows re-quoting a title): the
record, and `digest check`, must not change.
"""

from __future__ import annotations

import datetime as dt

import pytest

from conftest import run_digest
from generator.content.frontmatter import (
    MAX_BYTES,
    FrontMatterError,
    NotADate,
    key_lines,
    load_yaml,
)
from generator.content.read import read_paper, render_paper_file


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
    ("arxiv: 2504.1577\n", {"arxiv": 2504.1577}),
    ("x: yes\n", {"x": True}),
    ("title: A* search\n", {"title": "A* search"}),
])
def test_values_are_what_yaml_means(text, expected):
    value, _ = load_yaml(text, "p.md", 2)
    assert same(value, expected)


def test_key_lines_are_file_lines():
    _, node = load_yaml("title: a\n\n# a comment\nthemes:\n- rl\n", "p.md", 2)
    assert key_lines(node, 2) == {"title": 2, "themes": 5}


# An alias is reported at its anchor: the node both name.
@pytest.mark.parametrize("text, message", [
    ("title: a\nx: &anchor b\ny: *anchor\n", "p.md:3: YAML anchors and aliases (&, *) are not "
                                             "allowed"),
    ("title: A* search\nx: &a [b]\ny: [*a, *a]\n", "p.md:3: YAML anchors and aliases (&, *) are "
                                                  "not allowed"),
    ("title: a\nnote: 'open\n", "p.md:3: invalid YAML: while scanning a quoted scalar: found "
                                "unexpected end of stream"),
    ("title: a\n? [a, b]\n: c\n", "p.md:3: invalid YAML: found unhashable key"),
    ("title: !!python/name:os.system a\n", "p.md:2: invalid YAML: could not determine a "
                                           "constructor for the tag "
                                           "'tag:yaml.org,2002:python/name:os.system'"),
    ("a: " + "x" * MAX_BYTES + "\n", f"p.md:2: YAML is larger than {MAX_BYTES} bytes; refused"),
])
def test_unreadable_yaml_is_one_problem_at_its_file_line(text, message):
    with pytest.raises(FrontMatterError) as raised:
        load_yaml(text, "p.md", 2)
    assert str(raised.value.problem) == message


# The paper as the generator writes it, then the same values written other valid ways.
WRITTEN = """---
title: 'Don''t Think: Reasoning "Fast" & Slow'
arxiv: null
authors: 3
organization: null
published: 2025-08-20
listed: 2025-09-03
added: 2025-09-03
upvotes: 2
themes:
- rl
tags:
- math
links: []
note: null
sources: []
---
An abstract.
"""
REFORMATTED = {
    "title_double_quoted": ("title: 'Don''t Think: Reasoning \"Fast\" & Slow'",
                            'title: "Don\'t Think: Reasoning \\"Fast\\" & Slow"'),
    "title_folded": ("title: 'Don''t Think: Reasoning \"Fast\" & Slow'",
                     'title: >-\n  Don\'t Think: Reasoning "Fast"\n  & Slow'),
    "title_literal": ("title: 'Don''t Think: Reasoning \"Fast\" & Slow'",
                      'title: |-\n  Don\'t Think: Reasoning "Fast" & Slow'),
    "title_single_quoted_over_two_lines": ("title: 'Don''t Think: Reasoning \"Fast\" & Slow'",
                                           "title: 'Don''t Think: Reasoning \"Fast\"\n  & Slow'"),
    "lists_indented": ("themes:\n- rl\ntags:\n- math", "themes:\n  - rl\ntags:\n    - math"),
    "lists_in_flow_style": ("themes:\n- rl\ntags:\n- math", "themes: [rl]\ntags: ['math']"),
    "nulls_written_as_tilde_and_nothing": ("organization: null", "organization: ~"),
    "note_left_empty": ("note: null", "note:"),
    "comments_and_blank_lines": ("upvotes: 2\n", "upvotes: 2  # as listed\n\n# curated\n"),
    "keys_reordered": ("title: 'Don''t Think: Reasoning \"Fast\" & Slow'\narxiv: null\n",
                       "arxiv: null\ntitle: 'Don''t Think: Reasoning \"Fast\" & Slow'\n"),
}


@pytest.mark.parametrize("case", sorted(REFORMATTED))
def test_reformatted_values_read_as_the_same_record_and_pass_check(project, case):
    papers = project / "content/papers"
    written = papers / "written.md"
    written.write_text(WRITTEN, encoding="utf-8")
    expected, problems, _ = read_paper(written, project / "content")
    assert problems == [] and expected.title == 'Don\'t Think: Reasoning "Fast" & Slow'
    assert render_paper_file(expected) == WRITTEN  # WRITTEN is the generator's own form
    written.unlink()
    old, new = REFORMATTED[case]
    assert WRITTEN.count(old) == 1
    path = papers / f"{case}.md"
    path.write_text(WRITTEN.replace(old, new), encoding="utf-8")
    paper, problems, _ = read_paper(path, project / "content")
    assert problems == []
    expected.name = case
    assert paper == expected
    result = run_digest("check", cwd=project)
    assert (result.returncode, result.stderr) == (0, "")
    assert result.stdout == "content/ is valid: 1 papers, 3 themes\n"


def test_problem_lines_count_the_lines_a_reformatting_adds(project):
    # A folded title takes three lines: the mistake below it is still reported where it is.
    text = WRITTEN.replace("title: 'Don''t Think: Reasoning \"Fast\" & Slow'",
                           'title: >-\n  Don\'t Think\n  & Slow').replace("upvotes: 2",
                                                                       "upvotes: lots")
    (project / "content/papers/folded.md").write_text(text, encoding="utf-8")
    result = run_digest("check", cwd=project)
    assert result.returncode == 1
    assert result.stderr == ("content/papers/folded.md:11: upvotes: expected a whole number or "
                             "null, found 'lots'\n1 problem(s) in content/\n")
