"""`digest check`: every mistake printed as path:line: field: message, then exit 1."""

from __future__ import annotations

import re
import shutil
import time

import pytest

from conftest import FIXTURES, REPO, run_digest
from generator.content.read import read_content, read_paper, render_paper_file

BAD = FIXTURES / "bad_papers"
CASES = {
    "wrong_type": "8: upvotes: expected a whole number or null, found 'lots'",
    "unknown_key": "14: rating: unknown field (known: title, arxiv, authors, organization, published, "
                   "listed, added, upvotes, themes, tags, links, note, sources)",
    "unknown_theme": "9: themes: unknown theme 'robotics' (known: efficient, other, rl)",
    "duplicate_theme": "9: themes: 'rl' is listed twice",
    "impossible_date": "5: published: '2025-02-30' is not a calendar date",
    "date_as_text": "7: added: expected a date (YYYY-MM-DD), found 'yesterday'",
    "yaml_syntax": "2: invalid YAML: while scanning a quoted scalar: found unexpected end of "
                   "stream",
    "missing_title": "1: title: missing (required)",
    "no_theme": "9: themes: at least one theme is required",
    "javascript_link": "12: links: 'javascript:alert(1)' is not an http(s) URL",
    "unsafe_tag": "11: tags: '<script>' must be letters, digits, spaces and . + # / - (at most 40)",
    "missing_source": "14: sources: '2025-01-01_missing.txt' is not in content/sources/",
    "alias_bomb": "2: YAML anchors and aliases (&, *) are not allowed",
    "no_front_matter": "1: expected front matter starting with '---'",
    "unknown_tag": "11: tags: 'reasonning' is not in the tag vocabulary (tags_allowed in "
                   "mkdocs.yml)",
    "arxiv_as_number": "3: arxiv: expected text or null, found 2504.1577 (YAML read it as a "
                       "number, date or boolean: put it in quotes)",
    "bad_arxiv": "3: arxiv: '2504.15777v2' is not an arXiv id like 2504.15777 (no 'v2' version "
                 "suffix)",
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_each_mistake_is_reported_with_file_and_line(project, case):
    shutil.copy(BAD / f"{case}.md", project / "content/papers" / f"{case}.md")
    result = run_digest("check", cwd=project)
    assert result.returncode == 1
    assert result.stderr == (f"content/papers/{case}.md:{CASES[case]}\n"
                             "1 problem(s) in content/\n")


def test_all_mistakes_are_reported_together_with_annotations(project):
    for case in CASES:
        shutil.copy(BAD / f"{case}.md", project / "content/papers" / f"{case}.md")
    result = run_digest("check", cwd=project, env={"GITHUB_ACTIONS": "true"})
    assert result.returncode == 1
    lines = result.stderr.splitlines()
    for case, message in CASES.items():
        assert f"content/papers/{case}.md:{message}" in lines
        line, _, text = message.partition(": ")
        assert f"::error file=content/papers/{case}.md,line={line}::{text}" in lines
    # Several fixtures share a title, so duplicates are reported too: every problem is counted.
    problems = [line for line in lines if line.startswith("content/")]
    assert len(problems) > len(CASES)
    assert lines[-1] == f"{len(problems)} problem(s) in content/"


def test_duplicate_papers_are_reported(project):
    shutil.copy(BAD / "valid.md", project / "content/papers/valid.md")
    shutil.copy(BAD / "duplicate_of_valid.md", project / "content/papers/valid-again.md")
    result = run_digest("check", cwd=project)
    assert result.stderr.splitlines()[0] == (
        "content/papers/valid.md:2: title: the same paper as content/papers/valid-again.md")


@pytest.mark.parametrize("themes, message", [
    ("- id: rl\n  title: A\n  description: B\n- id: rl\n  title: C\n  description: D\n",
     "content/themes.yml:4: id: theme 'rl' is listed twice (first at line 1)"),
    ("- id: Bad Id\n  title: A\n  description: B\n",
     "content/themes.yml:1: id: 'Bad Id' must be lowercase letters, digits and '-' (at most 40)"),
    ("- id: rl\n  title: A\n  description: B\n  rules: ['(unclosed']\n",
     "content/themes.yml:1: rules: '(unclosed' is not a valid regular expression: missing ), "
     "unterminated subpattern at position 0"),
    ("- id: rl\n  title: A\n  description: B\n  rules: ['(a+)+$']\n",
     "content/themes.yml:1: rules: '(a+)+$' repeats a repetition (like '(a+)+'), which can take "
     "exponential time on some text; write it without the nested repetition (like 'a+')"),
    ("- id: rl\n  title: A\n  colour: red\n  description: B\n",
     "content/themes.yml:3: colour: unknown field (known: id, title, description, rules, "
     "fallback)"),
    ("themes: {}\n", "content/themes.yml:1: expected a list of themes"),
])
def test_themes_file_is_checked(project, themes, message):
    (project / "content/themes.yml").write_text(themes)
    result = run_digest("check", cwd=project)
    assert result.returncode == 1
    assert result.stderr.splitlines()[0] == message


def test_oversized_file_is_refused_quickly(project):
    big = project / "content/papers/big.md"
    big.write_text("---\ntitle: x\n---\n" + "a" * 2_000_000)
    started = time.perf_counter()
    content = read_content(project / "content")
    assert time.perf_counter() - started < 5
    assert [str(p) for p in content.problems] == [
        "content/papers/big.md: file is larger than 1000000 bytes; refused"]


def test_committed_content_is_valid_and_round_trips():
    content = read_content(REPO / "content")
    assert content.problems == []
    assert len(content.papers) >= 115
    for paper in content.papers:
        path = REPO / "content/papers" / f"{paper.name}.md"
        reloaded = path.with_name("roundtrip.tmp")
        try:
            reloaded.write_text(render_paper_file(paper), encoding="utf-8")
            again, problems, _ = read_paper(reloaded, REPO / "content")
        finally:
            reloaded.unlink()
        assert problems == [] and again == paper, paper.name


def test_committed_themes_are_balanced():
    content = read_content(REPO / "content")
    assert 8 <= len(content.themes) <= 14
    for theme in content.themes:
        members = [p for p in content.papers if theme.id in p.themes]
        assert 0 < len(members) <= 0.4 * len(content.papers), theme.id
    assert all(1 <= len(p.themes) <= 3 for p in content.papers)


def test_readme_documents_every_front_matter_field():
    from generator.model import render_schema_table

    assert render_schema_table() in (REPO / "README.md").read_text(encoding="utf-8")


def test_checks_agree_whether_a_paper_is_read_or_cached(tmp_path):
    # A build reads unchanged files from its cache and checks them as it checks files it
    # parses: both give the same problems.
    root = tmp_path / "content"
    shutil.copytree(REPO / "content", root)
    for path in sorted((root / "papers").glob("*.md")):  # 115 papers twice: 230 files
        paper = read_paper(path, root)[0]
        paper.title = f"Copy of {paper.title}"
        path.with_name(f"{path.stem}-copy.md").write_text(render_paper_file(paper),
                                                          encoding="utf-8")
    papers = sorted((root / "papers").glob("*.md"))
    tags = {tag for path in papers for tag in read_paper(path, root)[0].tags}
    for number, field, value in [(10, "themes", "robotics"), (11, "tags", "unheard of"),
                                 (12, "tags", "unheard of")]:
        paper = read_paper(papers[number], root)[0]
        setattr(paper, field, [value] + getattr(paper, field))
        papers[number].write_text(render_paper_file(paper), encoding="utf-8")
    title = re.search(r"^title: .*$", papers[20].read_text(encoding="utf-8"), re.M).group()
    papers[21].write_text(re.sub(r"^title: .*$", lambda _: title,
                                 papers[21].read_text(encoding="utf-8"), count=1, flags=re.M),
                          encoding="utf-8")

    parsed: dict = {}
    parsed_now = read_content(root, tags, parsed)
    assert len(parsed) == len(papers)
    cached = read_content(root, tags, parsed)
    messages = [str(p) for p in parsed_now.problems]
    assert messages == [str(p) for p in cached.problems]
    where = [f"content/papers/{papers[n].name}:" for n in (10, 11, 12, 21)]
    assert [m.split(" ")[0] for m in messages] == [w + m.split(":")[1] + ":" for w, m in
                                                   zip(where, messages)]
    assert ": themes: unknown theme 'robotics' (known: " in messages[0]
    assert messages[1].endswith(": tags: 'unheard of' is not in the tag vocabulary "
                                "(tags_allowed in mkdocs.yml)")
    assert messages[3].endswith(f": title: the same paper as content/papers/{papers[20].name}")
