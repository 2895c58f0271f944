"""The digest's scope: content/scope.yml checked, papers scored, fetch's threshold, the review
sheet of an import (golden file, hostile titles rendered by GitHub's own cmark-gfm)."""

from __future__ import annotations

import html.parser
import json
import re
import shutil
from pathlib import Path

import cmarkgfm
import pytest
import yaml

from conftest import FIXTURES, LISTINGS, REPO, SEEDS, JsonAnswers, run_digest, serve_answers
from generator.content.read import read_content
from generator.ingest.importer import Candidate, ImportPlan
from generator.model import Paper, Rejection, Scope
from generator.ingest.review import MAX_SHEET, render_review_sheet
from generator.ingest.scope import Relevance, ScopeModel, read_scope
from generator.ingest.hf_api import parse_api_items

SCOPE = FIXTURES / "scope"
DAYS = SCOPE / "days"
LABELS = yaml.safe_load((DAYS / "labels.yml").read_text(encoding="utf-8"))
# Days by another engineer, who read neither the scope's examples nor DAYS: never tune on them.
INDEPENDENT = SCOPE / "independent"
INDEPENDENT_LABELS = yaml.safe_load((INDEPENDENT / "labels.yml").read_text(encoding="utf-8"))


def with_scope(project: Path) -> Path:
    shutil.copy(SCOPE / "scope.yml", project / "content" / "scope.yml")
    return project


def papers(project: Path) -> dict[str, Paper]:
    content = read_content(project / "content")
    assert content.problems == []
    return {p.title: p for p in content.papers}


def day_entries(day: str):
    entries, problems = parse_api_items((DAYS / f"{day}.json").read_text(encoding="utf-8"), day)
    assert problems == []
    return entries


class _Day(JsonAnswers):
    """A recorded daily-papers API serving one file for its first page, [] for any other."""

    body = b"[]"

    def answer(self, path: str) -> tuple[int, bytes]:
        return 200, type(self).body if "p=0" in path else b"[]"


def serve_day(path: Path):
    _Day.body = path.read_bytes()
    return serve_answers(_Day, "/api/daily_papers")


# --- content/scope.yml ---------------------------------------------------------------------

SCOPE_CASES = {
    "threshold_out_of_range": ["2: threshold: expected a number from 0 to 1, found 1.5"],
    "threshold_as_text": ["2: threshold: expected a number, found 'high'"],
    "duplicate_term": ["6: terms: 'Chain-of-Thought' is listed twice (first at line 4)"],
    "bad_terms": ["4: terms: 'reason*ing': '*' may only end a term",
                  "5: terms: '***' has no letters or digits",
                  "7: off_topic: an off-topic example must describe a subject in words"],
    "unknown_field": ["3: keywords: unknown field (known: description, threshold, terms, "
                      "off_topic)"],
    "missing_description": ["1: description: missing (required)"],
    "neither_terms_nor_examples": ["1: terms: declare terms or off_topic examples: with neither, "
                                   "the scope cannot tell one paper from another"],
    "off_topic_mapping": ["4: off_topic: YAML read this entry as a mapping (because of ': ' in "
                          "it): put it in quotes"],
}


@pytest.mark.parametrize("case", sorted(SCOPE_CASES))
def test_scope_file_mistakes_are_reported_with_their_line(project, case):
    shutil.copy(SCOPE / "bad" / f"{case}.yml", project / "content" / "scope.yml")
    result = run_digest("check", cwd=project)
    assert result.returncode == 1
    messages = [f"content/scope.yml:{m}" for m in SCOPE_CASES[case]]
    assert result.stderr == "\n".join(messages) + f"\n{len(messages)} problem(s) in content/\n"


def test_a_digest_without_a_scope_is_valid_but_fetch_needs_one(project):
    assert run_digest("check", cwd=project).returncode == 0
    with serve_day(FIXTURES / "api" / "daily_papers.json") as url:
        result = run_digest("fetch", "--date", "2026-03-06", "--api-url", url, cwd=project)
    assert result.returncode == 1
    assert result.stderr == (
        "content/scope.yml: missing: only the papers the digest's scope accepts are fetched; "
        "declare it (README, Scope) or fetch every paper with --all\nnothing was imported\n")
    assert not (project / "content" / "sources").exists()


def test_readme_documents_every_scope_field():
    from generator.model import render_scope_table

    assert render_scope_table() in (REPO / "README.md").read_text(encoding="utf-8")


# --- the model -----------------------------------------------------------------------------

def fixture_papers(day: str, label: str) -> list[Paper]:
    return [Paper(title=e.title, abstract=e.abstract, name=f"p-{e.arxiv}")
            for e in day_entries(day) if LABELS[e.arxiv] == label]


def test_scores_are_deterministic_and_say_why():
    scope, problems = read_scope(SCOPE)
    assert problems == []
    positives = fixture_papers("2026-03-02", "on-topic")
    candidates = [(e.title, e.abstract) for e in day_entries("2026-03-03")]
    first = ScopeModel(scope, positives, []).score(candidates)
    again = ScopeModel(scope, list(reversed(positives)), []).score(candidates)
    assert first == again
    by_title = dict(zip((t for t, _ in candidates), first))
    lean = by_title["Numina-Lean-R: Reinforcement Learning from Lean Compiler Feedback for "
                    "Whole-Proof Generation"]
    assert {"proof*", "lean 4", "grpo"} <= set(lean.terms)
    assert lean.score >= scope.threshold
    assert lean.nearest[0] == ("Lean Copilot 2: Whole-Proof Generation with Subgoal "
                               "Decomposition")
    assert len(lean.nearest) == 3
    assert lean.reason().startswith("terms ")
    moe = by_title["MoE-Lightning: High-Throughput Batch Inference for Mixture-of-Experts on "
                   "Memory-Constrained GPUs"]
    assert moe.terms == () and moe.score < scope.threshold
    assert moe.unlike.startswith("Mixture-of-experts serving and training systems")
    assert moe.reason().startswith("no scope term, model ")


def test_rejected_papers_are_learned_as_off_topic():
    scope, _ = read_scope(SCOPE)
    positives = fixture_papers("2026-03-02", "on-topic")
    kv = next(e for e in day_entries("2026-03-03") if e.title.startswith("Efficient KV Cache"))
    rejected = Rejection(title="Paged Attention Caches for Serving Long Contexts", reason="off "
                         "topic: serving", rejected=None, abstract="We compress and evict the "
                         "KV cache of long-context LLM serving to raise GPU throughput.")
    before = ScopeModel(scope, positives, []).score([(kv.title, kv.abstract)])[0]
    after = ScopeModel(scope, positives, [rejected]).score([(kv.title, kv.abstract)])[0]
    assert after.model < before.model
    assert after.unlike == "Paged Attention Caches for Serving Long Contexts"


def test_a_new_digest_scores_with_its_scope_alone():
    """No papers, no rejections, no off-topic examples: the terms decide, and say so."""
    scope = Scope(description="Reasoning in language models.", threshold=0.5,
                  terms=["chain of thought", "theorem*"])
    on, off = ScopeModel(scope, [], []).score([
        ("Chain-of-Thought for Theorem Proving", "Chain-of-thought helps theorem provers."),
        ("Bird Photographs", "A dataset of birds."),
    ])
    assert (on.model, off.model) == (None, None)  # nothing learned: the model has no say
    assert on.terms == ("chain of thought", "theorem*") and on.score >= 0.5 > off.score
    assert on.nearest == () and off.unlike == ""


# --- fetch and import ----------------------------------------------------------------------

def seeded(project: Path) -> Path:
    """A project holding a real listing's 43 reasoning papers, and the scope."""
    result = run_digest("import", "--year", "2025", str(SEEDS / "001_d6d70d582d6c1492.txt"),
                        cwd=with_scope(project))
    assert result.returncode == 0, result.stderr
    return project


def test_fetch_imports_the_day_s_on_topic_papers_only(project):
    day = "2026-03-04"  # a day held out when the scope was tuned
    with serve_day(DAYS / f"{day}.json") as url:
        result = run_digest("fetch", "--date", day, "--api-url", url, cwd=seeded(project))
    assert result.returncode == 0, result.stderr
    entries = day_entries(day)
    added = set(papers(project)) & {e.title for e in entries}
    on_topic = {e.title for e in entries if LABELS[e.arxiv] == "on-topic"}
    assert len(added & on_topic) >= 0.9 * len(on_topic)  # recall
    assert len(added & on_topic) >= 0.9 * len(added)  # precision
    skipped = [line for line in result.stdout.splitlines() if line.startswith("skipped")]
    assert len(skipped) == len(entries) - len(added)
    assert all(re.fullmatch(r"skipped    '.+' \(score 0\.\d\d, below the threshold 0\.50: "
                            r"(terms .+|no scope term), model 0\.\d\d(, .+)?\)", line)
               for line in skipped)
    assert result.stdout.endswith(f"{len(added)} added, 0 updated, 0 unchanged, "
                                  f"{len(skipped)} skipped (below the threshold)\n")
    stored = project / "content" / "sources" / f"{day}_hf-daily-papers.json"
    assert len(json.loads(stored.read_text())) == len(entries)  # the whole day, for provenance


@pytest.mark.parametrize("day", ["2026-04-06", "2026-04-07"])
def test_fetch_meets_the_targets_on_the_independent_days(project, day):
    path = INDEPENDENT / f"{day}.json"
    with serve_day(path) as url:
        result = run_digest("fetch", "--date", day, "--api-url", url, cwd=seeded(project))
    assert result.returncode == 0, result.stderr
    entries, problems = parse_api_items(path.read_text(encoding="utf-8"), path.name)
    assert problems == [] and len(entries) == 40
    added = set(papers(project)) & {e.title for e in entries}
    on_topic = {e.title for e in entries if INDEPENDENT_LABELS[e.arxiv] == "on-topic"}
    assert len(on_topic) == 14
    assert len(added & on_topic) >= 0.9 * len(on_topic)  # recall
    assert len(added & on_topic) >= 0.9 * len(added)  # precision


def test_fetch_all_takes_every_paper_and_flags_the_low_scores(project):
    day = "2026-03-05"
    with serve_day(DAYS / f"{day}.json") as url:
        result = run_digest("fetch", "--date", day, "--api-url", url, "--all",
                            cwd=seeded(project))
    assert result.returncode == 0, result.stderr
    entries = day_entries(day)
    assert {e.title for e in entries} <= set(papers(project))
    flagged = [line for line in result.stdout.splitlines() if line.startswith("flagged")]
    off_topic = sum(1 for e in entries if LABELS[e.arxiv] == "off-topic")
    assert off_topic - 2 <= len(flagged) <= off_topic + 2
    assert "skipped" not in result.stdout
    assert result.stdout.endswith(f"{len(entries)} added, 0 updated, 0 unchanged, "
                                  f"{len(flagged)} flagged\n")


def test_a_pasted_listing_is_imported_whole_with_low_scores_flagged(project):
    result = run_digest("import", "--year", "2026", str(SCOPE / "listing_with_off_topic.txt"),
                        cwd=with_scope(project))
    assert result.returncode == 0, result.stderr
    assert set(papers(project)) == {
        "Proof Sketches Before Proofs: Training Lean Provers to Plan Subgoals",
        "Feathers in Focus: A Benchmark of Bird Photographs for Fine-Grained Recognition"}
    flagged = [line for line in result.stdout.splitlines() if line.startswith("flagged")]
    assert len(flagged) == 1
    assert re.fullmatch(r"flagged    'Feathers in Focus: A Benchmark of Bird Photographs for "
                        r"Fine-Grained Recognition' \(score 0\.00: no scope term, like off-topic "
                        r"“Image and species datasets, .+”\)", flagged[0])
    assert result.stdout.endswith("2 added, 0 updated, 0 unchanged, 1 flagged\n")


# --- the review sheet ----------------------------------------------------------------------

def test_review_sheet_of_a_fetch(project, golden, tmp_path):
    with_scope(project)
    listing = run_digest("import", "--year", "2025", str(LISTINGS / "metadata_block.txt"),
                         cwd=project)
    assert listing.returncode == 0, listing.stderr
    sheet = tmp_path / "review.md"
    with serve_day(FIXTURES / "api" / "daily_papers.json") as url:
        result = run_digest("fetch", "--date", "2026-03-06", "--api-url", url, "--review",
                            str(sheet), cwd=project)
    assert result.returncode == 0, result.stderr
    assert f"review     {sheet}\n" in result.stdout
    text = sheet.read_text(encoding="utf-8")
    golden.check("review/fetch.md", text)
    assert "[A Field Guide to Garden Snails](https://huggingface.co/papers/2603.09999): score " \
        in text


class _Tags(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags: set[str] = set()
        self.hrefs: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.add(tag)
        self.hrefs += [value for name, value in attrs if name in ("href", "src")]

    def handle_data(self, data):
        self.text.append(data)


def test_hostile_titles_stay_text_in_the_review_sheet(project, tmp_path):
    sheet = tmp_path / "review.md"
    result = run_digest("import", str(SCOPE / "hostile_titles.json"), "--review", str(sheet),
                        cwd=with_scope(project))
    assert result.returncode == 0, result.stderr
    text = sheet.read_text(encoding="utf-8")
    parsed = _Tags()
    parsed.feed(cmarkgfm.github_flavored_markdown_to_html(text))
    # Only the sheet's own structure: no image, script, HTML from a title, no task list.
    assert parsed.tags <= {"h2", "h3", "p", "strong", "code", "ul", "li", "a"}
    # The only links: the Hugging Face pages of valid arXiv ids.
    assert sorted(parsed.hrefs) == [f"https://huggingface.co/papers/2603.0700{n}"
                                    for n in (1, 2, 3)]
    shown = "".join(parsed.text)
    assert "<img src=x onerror=alert(1)>" in shown and "<script>" in shown  # as text
    # GitHub would link mentions and issue references found in the text: none is left.
    assert not re.search(r"@\w|#\d", shown)
    assert "\u202e" not in text
    assert "- [ ] a task list item # a heading > a quote ~~struck~~" in shown.replace("\u2060",
                                                                                       "")


def test_a_long_day_keeps_the_sheet_under_github_s_limit():
    plan = ImportPlan(sources=["2026-03-06_hf-daily-papers.json"], threshold=0.5)
    relevance = Relevance(0.1, 0.2, (), ("A near paper " * 10,), "an off-topic subject " * 10)
    plan.skipped = [Candidate(f"Off-topic paper number {n} " * 5, f"2603.{n:05d}",
                              [f"2026-03-06_hf-daily-papers.json:{n}"], relevance=relevance,
                              why="score 0.10, below the threshold 0.50: " + "words " * 60)
                    for n in range(1, 400)]
    text = render_review_sheet(plan)
    assert len(text) <= MAX_SHEET
    assert "**0 added, 0 updated, 399 skipped**" in text
    assert re.search(r"\n- … and \d+ more: see the job's log\n$", text)
