"""`digest check`: every mistake printed as path:line: field: message, then exit 1."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import shutil
import time

import pytest

from conftest import FIXTURES, LISTINGS, REPO, make_project, run_digest
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


ROUND_TRIP_SOURCES = [LISTINGS / name for name in (
    "metadata_block.txt", "organisation_line.txt", "no_metadata.txt", "upvotes_and_years.txt",
    "abstract_in_sentence_lines.txt", "bom_crlf.txt", "control_characters.txt",
)] + [FIXTURES / "api" / "daily_papers.json"]


def test_every_paper_file_round_trips(tmp_path):
    # Papers as the importer writes them (listings of every shape, an API day), a curator's
    # edits (a note with a link, tags, author names, a re-quoted title) and hostile values in
    # every field: each parses back to the record it was rendered from.
    project = make_project(tmp_path / "digest")
    imported = run_digest("import", "--year", "2025", *map(str, ROUND_TRIP_SOURCES),
                          cwd=project)
    assert imported.returncode == 0, imported.stderr
    papers = sorted((project / "content/papers").glob("*.md"))
    assert len(papers) >= 10
    edited = papers[0].read_text(encoding="utf-8")
    title = re.search(r"^title: (.*)$", edited, re.M)
    edited = edited.replace(title.group(), 'title: "Re-quoted: ' + title.group(1).strip("'\"")
                            .replace("''", "'") + '"', 1)
    edited = re.sub(r"^note: null$", "note: See [the code](https://github.com/a/b), **bold**.",
                    edited, count=1, flags=re.M)
    papers[0].write_text(edited, encoding="utf-8")
    content = read_content(project / "content")
    assert content.problems == []
    hostile = tmp_path / "hostile"
    shutil.copytree(FIXTURES / "hostile" / "papers", hostile)
    files = [(path, project / "content") for path in papers] + [
        (path, hostile.parent) for path in sorted(hostile.glob("*.md"))]
    for path, root in files:
        paper, problems, _ = read_paper(path, root)
        assert problems == [] and paper is not None, path.name
        reloaded = path.with_name("roundtrip.tmp")
        reloaded.write_text(render_paper_file(paper), encoding="utf-8")
        again, problems, _ = read_paper(reloaded, root)
        reloaded.unlink()
        assert problems == [] and again == paper, path.name
    assert content.papers[0].title.startswith("Re-quoted: ")
    assert content.papers[0].note.startswith("See [the code]")


def test_readme_documents_every_front_matter_field():
    from generator.model import render_schema_table

    assert render_schema_table() in (REPO / "README.md").read_text(encoding="utf-8")


def test_checks_agree_whether_a_paper_is_read_or_cached(tmp_path):
    # A build reads unchanged files from its cache and checks them as it checks files it
    # parses: both give the same problems.
    project = make_project(tmp_path / "digest")
    imported = run_digest("import", "--year", "2025", *map(str, ROUND_TRIP_SOURCES),
                          cwd=project)
    assert imported.returncode == 0, imported.stderr
    root = project / "content"
    originals = sorted((root / "papers").glob("*.md"))
    copies = -(-230 // len(originals)) - 1  # at least 230 files in all
    for path in originals:
        paper = read_paper(path, root)[0]
        for number in range(1, copies + 1):
            copy = dataclasses.replace(paper, title=f"Copy {number} of {paper.title}")
            path.with_name(f"{path.stem}-copy-{number}.md").write_text(
                render_paper_file(copy), encoding="utf-8")
    papers = sorted((root / "papers").glob("*.md"))
    assert len(papers) >= 230
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


# The digest's own policy (content/checks.yml): each rule met, then breached, on small fixtures.
CHECKS = FIXTURES / "checks"
POLICY_PAPERS = {"one-theme": ["rl"], "two-themes": ["rl", "efficient"], "fallback": ["other"]}


def write_policy_papers(project, names):
    from generator.model import Paper

    for name in names:
        paper = Paper(title=f"A paper filed under {name}", added=dt.date(2025, 12, 8),
                      themes=POLICY_PAPERS[name], abstract="An abstract.")
        (project / "content/papers" / f"{name}.md").write_text(render_paper_file(paper),
                                                               encoding="utf-8")


def test_a_digest_without_checks_yml_has_no_policy(project):
    write_policy_papers(project, ["two-themes"])  # one theme holds every paper, one is empty
    result = run_digest("check", cwd=project)
    assert (result.returncode, result.stdout) == (0, "content/ is valid: 1 papers, 3 themes\n")


@pytest.mark.parametrize("fixture", ["met.yml", "empty.yml"])
def test_content_meeting_its_policy_passes(project, fixture):
    write_policy_papers(project, POLICY_PAPERS)
    shutil.copy(CHECKS / fixture, project / "content/checks.yml")
    result = run_digest("check", cwd=project)
    assert (result.returncode, result.stderr) == (0, "")


def test_every_breach_of_the_policy_is_reported_where_it_is(project):
    write_policy_papers(project, ["one-theme", "two-themes"])
    shutil.copy(CHECKS / "breached.yml", project / "content/checks.yml")
    result = run_digest("check", cwd=project)
    assert result.returncode == 1
    assert result.stderr == (
        "content/checks.yml:2: min_papers: content/papers/ holds 2 papers, fewer than 4\n"
        "content/checks.yml:3: min_themes: content/themes.yml declares 3 themes, fewer than 4\n"
        "content/papers/two-themes.md:10: themes: 2 themes, more than the 1 that "
        "content/checks.yml allows (max_themes_per_paper)\n"
        "content/themes.yml:1: id: theme 'rl' holds 2 of the 2 papers (100%), more than the "
        "share of 0.5 that content/checks.yml allows (max_theme_share): split it, or file some "
        "of its papers elsewhere\n"
        "content/themes.yml:13: id: theme 'other' holds no paper (content/checks.yml requires "
        "every theme used: every_theme_used)\n"
        "5 problem(s) in content/\n")
    # The build refuses what the check refuses, and says the same.
    build = run_digest("build", cwd=project)
    assert build.returncode == 1
    assert "content/checks.yml:2: min_papers: content/papers/ holds 2 papers" in build.stderr
    assert not (project / "site").exists()


def test_too_many_themes_is_reported_at_the_rule(project):
    write_policy_papers(project, POLICY_PAPERS)
    shutil.copy(CHECKS / "too_many_themes.yml", project / "content/checks.yml")
    result = run_digest("check", cwd=project)
    assert result.stderr == ("content/checks.yml:1: max_themes: content/themes.yml declares 3 "
                             "themes, more than 2\n1 problem(s) in content/\n")


@pytest.mark.parametrize("fixture, expected", [
    ("mistakes.yml",
     "content/checks.yml:6: every_theme_used: expected true or false, found 'yes please'\n"
     "content/checks.yml:7: balance: unknown field (known: min_papers, min_themes, max_themes, "
     "max_themes_per_paper, max_theme_share, every_theme_used)\n"
     "2 problem(s) in content/\n"),
    ("not_a_mapping.yml",
     "content/checks.yml:1: expected a mapping of fields, found list\n1 problem(s) in content/\n"),
])
def test_mistakes_in_checks_yml_are_reported_by_line(project, fixture, expected):
    shutil.copy(CHECKS / fixture, project / "content/checks.yml")
    result = run_digest("check", cwd=project)
    assert (result.returncode, result.stderr) == (1, expected)


def test_values_out_of_range_in_checks_yml_are_reported_by_line(project):
    text = (CHECKS / "mistakes.yml").read_text(encoding="utf-8")
    (project / "content/checks.yml").write_text(
        "\n".join(line for line in text.splitlines() if not line.startswith(("every", "bal"))),
        encoding="utf-8")
    result = run_digest("check", cwd=project)
    assert (result.returncode, result.stderr) == (1, (
        "content/checks.yml:1: min_papers: expected 0 or more, found -1\n"
        "content/checks.yml:4: max_themes_per_paper: expected 1 or more, found 0\n"
        "content/checks.yml:5: max_theme_share: expected a number above 0 and at most 1, "
        "found 1.5\n"
        "content/checks.yml:3: max_themes: 4 is below min_themes (5)\n"
        "4 problem(s) in content/\n"))


def test_readme_documents_every_checks_field():
    from generator.model import render_checks_table

    assert render_checks_table() in (REPO / "README.md").read_text(encoding="utf-8")
