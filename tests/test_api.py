"""The Hugging Face daily-papers API: import of API JSON, and `digest fetch` over real HTTP."""

from __future__ import annotations

import json
import shutil
import urllib.parse
from pathlib import Path

import pytest

from conftest import FIXTURES, LISTINGS, JsonAnswers, run_digest, serve_answers
from generator.content.read import read_content
from generator.ingest.hf_api import parse_api_items

API = FIXTURES / "api"


def papers(project: Path) -> dict:
    content = read_content(project / "content")
    assert content.problems == []
    return {p.name: p for p in content.papers}


def test_api_items_are_mapped_by_hand():
    entries, problems = parse_api_items((API / "daily_papers.json").read_text(), "d.json")
    assert problems == []
    first, second = entries[0], entries[1]
    assert (first.arxiv, first.authors, first.organization) == (
        "2603.01234", ["Ada Lovelace", "Alan Turing"], "Example Lab")
    assert (str(first.published), str(first.listed), first.upvotes) == (
        "2026-03-02", "2026-03-06", 10)
    assert first.links == ["https://github.com/example/vr-small",
                           "https://example.github.io/vr-small/"]
    assert second.upvotes == 0  # zero is a count, not "unknown"
    assert entries[3].authors is None


def test_bad_items_are_reported_and_the_rest_kept():
    entries, problems = parse_api_items((API / "bad_items.json").read_text(), "bad.json")
    assert [str(p) for p in problems] == [
        "bad.json:1: paper: item 1 has no 'paper' object; skipped",
        "bad.json:2: title: item 2 has no title; skipped",
        "bad.json:3: id: item 3: 'not-an-id' is not an arXiv id; imported without it",
    ]
    assert [(e.title, e.arxiv) for e in entries] == [("A Paper With A Bad Id", None)]


@pytest.mark.parametrize("text, problem", [
    ("[" * 100_000, "d.json:1: invalid JSON: nested more than 64 levels deep"),
    ("[" * 70 + "]" * 70, "d.json:1: invalid JSON: nested more than 64 levels deep"),
    ("[\n{]", "d.json:2: invalid JSON: Expecting property name enclosed in double quotes"),
])
def test_unusable_json_is_one_problem_not_a_traceback(text, problem):
    assert [str(p) for p in parse_api_items(text, "d.json")[1]] == [problem]


def test_listing_paper_gains_its_arxiv_id_and_keeps_its_name(project):
    assert run_digest("import", "--year", "2025", str(LISTINGS / "metadata_block.txt"),
                      cwd=project).returncode == 0
    before = papers(project)["carft-boosting-llm-reasoning-via-contrastive"]
    assert before.arxiv is None
    result = run_digest("import", str(API / "daily_papers.json"), cwd=project)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[0] == "stored     content/sources/2026-03-06_daily_papers.json"
    assert result.stdout.endswith("3 added, 1 updated, 0 unchanged\n")
    after = papers(project)
    carft = after["carft-boosting-llm-reasoning-via-contrastive"]  # same file, same feed id
    assert carft.arxiv == "2508.15202"
    assert carft.upvotes == 12 and carft.authors == ["Wenqiao Zhu"]
    assert carft.sources == ["2025-12-08_metadata_block.txt:13", "2026-03-06_daily_papers.json:3"]
    assert (str(carft.listed), str(carft.added)) == ("2025-12-08", "2025-12-08")
    new = after["verifiable-rewards-teach-small-models-to-reason"]
    assert new.arxiv == "2603.01234" and new.authors == ["Ada Lovelace", "Alan Turing"]
    assert new.links == ["https://github.com/example/vr-small",
                         "https://example.github.io/vr-small/"]
    assert new.tags == ["GRPO", "small models"]  # keywords that name a vocabulary tag
    assert (str(new.listed), str(new.added), str(new.published)) == (
        "2026-03-06", "2026-03-06", "2026-03-02")
    assert after["concise-chains-efficient-reasoning-without"].upvotes == 0
    # Importing the same API file again changes nothing.
    again = run_digest("import", str(API / "daily_papers.json"), cwd=project)
    assert again.stdout.endswith("0 added, 0 updated, 4 unchanged\n")
    build = run_digest("build", cwd=project)
    assert build.returncode == 0, build.stderr
    html = (project / "site/papers/verifiable-rewards-teach-small-models-to-reason/index.html"
            ).read_text()
    assert 'href="https://arxiv.org/abs/2603.01234"' in html
    assert 'href="https://huggingface.co/papers/2603.01234"' in html
    feed = (project / "site/feed.xml").read_text()
    assert "tag:llm-reasoning-digest,2025:papers/carft-boosting-llm-reasoning-via-contrastive" \
        in feed


class _Api(JsonAnswers):
    """A recorded daily-papers API: serves the fixture for its day, [] for other days."""

    failures_left = 0

    def answer(self, path: str) -> tuple[int, bytes]:
        query = urllib.parse.parse_qs(urllib.parse.urlsplit(path).query)
        if type(self).failures_left:
            type(self).failures_left -= 1
            return 503, b""
        items = json.loads((API / "daily_papers.json").read_text())
        return 200, json.dumps(items if query.get("date") == ["2026-03-06"]
                               and query.get("p") == ["0"] else []).encode()


def api_server(failures: int = 0):
    _Api.failures_left = failures
    return serve_answers(_Api, "/api/daily_papers")


@pytest.mark.parametrize("flags, expected", [
    ([], {"verifiable-rewards-teach-small-models-to-reason",
          "concise-chains-efficient-reasoning-without"}),
    (["--all"], {"verifiable-rewards-teach-small-models-to-reason",
                 "concise-chains-efficient-reasoning-without",
                 "carft-boosting-llm-reasoning-via-contrastive",
                 "a-field-guide-to-garden-snails"}),
])
def test_fetch_imports_the_day_keeping_the_raw_json(project, flags, expected):
    shutil.copy(FIXTURES / "scope" / "scope.yml", project / "content" / "scope.yml")
    with api_server(failures=1) as url:  # the first request fails: fetch retries
        result = run_digest("fetch", "--date", "2026-03-06", "--api-url", url, *flags,
                            cwd=project)
    assert result.returncode == 0, result.stderr
    assert _Api.requests[0].startswith("/api/daily_papers?date=2026-03-06&limit=100&p=0")
    assert set(papers(project)) >= expected - {"carft-boosting-llm-reasoning-via-contrastive"}
    if "--all" not in flags:
        assert "a-field-guide-to-garden-snails" not in papers(project)
        assert "skipped    'A Field Guide to Garden Snails' (score 0.00, below the threshold " \
            "0.50: no scope term)\n" in result.stdout
    stored = project / "content/sources/2026-03-06_hf-daily-papers.json"
    assert len(json.loads(stored.read_text())) == 4  # the whole day, for provenance


def test_fetch_with_the_network_down_changes_nothing(project):
    with api_server() as url:
        pass  # the server is gone: connections are refused
    before = sorted(p.name for p in (project / "content").rglob("*"))
    result = run_digest("fetch", "--date", "2026-03-06", "--api-url", url, "--retries", "1",
                        "--timeout", "2", cwd=project)
    assert result.returncode == 1
    assert result.stderr.startswith(f"could not fetch {url}?date=2026-03-06&limit=100&p=0: ")
    assert result.stderr.endswith("nothing was imported; content/ is unchanged\n")
    assert "Traceback" not in result.stderr
    assert sorted(p.name for p in (project / "content").rglob("*")) == before
