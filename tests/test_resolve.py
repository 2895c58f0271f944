"""`digest resolve` (arXiv ids by exact title) and `digest fetch --search`, over real HTTP on
127.0.0.1 serving recorded paper-search responses; the title-search links of id-less papers."""

from __future__ import annotations

import json
import shutil
import urllib.parse
from pathlib import Path

from conftest import FIXTURES, LISTINGS, JsonAnswers, run_digest, serve_answers
from generator.content.read import read_content

SEARCH = FIXTURES / "search"
TODAY = {"DIGEST_TODAY": "2026-03-10"}
# Each title the test project holds, and what the recorded search answers for it.
ANSWERS = {
    "CARFT: Boosting LLM Reasoning via Contrastive Learning": (200, "exact.json"),
    "MindMerger: Efficient Boosting LLM Reasoning in non-English Languages":
        (200, "ambiguous.json"),
    "Late Last Year": (200, "none.json"),
    "Earlier This Year": (500, ""),
    "Explicit Year With Upvotes": (200, "not json"),
    "reasoning": (200, str(FIXTURES / "api" / "daily_papers.json")),
}


class _Search(JsonAnswers):
    def answer(self, path: str) -> tuple[int, bytes]:
        query = urllib.parse.parse_qs(urllib.parse.urlsplit(path).query)
        status, answer = ANSWERS.get(query.get("q", [""])[0], (200, "[]"))
        if answer.endswith(".json"):
            return status, Path(answer if "/" in answer else SEARCH / answer).read_bytes()
        return status, answer.encode()


def search_server():
    return serve_answers(_Search, "/api/papers/search")


def papers(project: Path) -> dict:
    content = read_content(project / "content")
    assert content.problems == []
    return {p.name: p for p in content.papers}


def test_resolve_fills_ids_for_exact_titles_only(project):
    for name in ("metadata_block.txt", "upvotes_and_years.txt"):
        assert run_digest("import", "--year", "2025", str(LISTINGS / name),
                          cwd=project).returncode == 0
    carft_path = project / "content/papers/carft-boosting-llm-reasoning-via-contrastive.md"
    # A curator's edits: a note and themes (curator fields), and upvotes (a source field).
    text = carft_path.read_text().replace("note: null", "note: Read this first.")
    carft_path.write_text(text.replace("upvotes: 3", "upvotes: 4").replace("- other", "- rl"))
    listed = papers(project)["carft-boosting-llm-reasoning-via-contrastive"]
    with search_server() as url:
        result = run_digest("resolve", "--api-url", url, "--delay", "0", "--retries", "0",
                            cwd=project, env=TODAY)
    assert result.returncode == 1  # two searches failed
    assert result.stdout == (
        "found      content/papers/carft-boosting-llm-reasoning-via-contrastive.md: 2508.15202\n"
        "missing    content/papers/late-last-year.md: no exact title match\n"
        "ambiguous  content/papers/mindmerger-efficient-boosting-llm-reasoning-in-non.md: 2 exact "
        "title matches with different ids (2405.17386, 2405.99999); add the right one by hand\n"
        "1 found, 1 ambiguous, 1 missing, 2 failed\n"
        "stored     content/sources/2026-03-10_hf-resolve.json\n"
        "updated    content/papers/carft-boosting-llm-reasoning-via-contrastive.md\n"
        "0 added, 1 updated, 0 unchanged\n")
    failed = result.stderr.splitlines()
    assert len(failed) == 2
    assert failed[0].startswith(
        "failed     content/papers/earlier-this-year.md: could not fetch "
        f"{url}?q=Earlier+This+Year: HTTP 500")
    assert failed[1].startswith(
        "failed     content/papers/explicit-year-with-upvotes.md: could not fetch "
        f"{url}?q=Explicit+Year+With+Upvotes: ")
    assert "Traceback" not in result.stderr
    # One search per paper without an id, sequential, in file-name order.
    assert [urllib.parse.parse_qs(urllib.parse.urlsplit(r).query)["q"][0]
            for r in _Search.requests] == [
        "CARFT: Boosting LLM Reasoning via Contrastive Learning", "Earlier This Year",
        "Explicit Year With Upvotes", "Late Last Year",
        "MindMerger: Efficient Boosting LLM Reasoning in non-English Languages"]
    after = papers(project)
    carft = after["carft-boosting-llm-reasoning-via-contrastive"]
    assert carft.arxiv == "2508.15202"
    assert carft.authors == ["Wenqiao Zhu", "Ji Liu"]  # names instead of a count
    assert carft.links == ["https://github.com/WNQzhu/CARFT"]
    assert (carft.note, carft.themes, carft.upvotes) == ("Read this first.", ["rl"], 4)
    assert str(carft.added) == "2025-12-08"  # the search's day is later: added stays
    # A lookup only fills in: the listing keeps its title, abstract and dates.
    assert (carft.title, carft.abstract, carft.listed, carft.published) == (
        listed.title, listed.abstract, listed.listed, listed.published)
    assert carft.sources == ["2025-12-08_metadata_block.txt:13", "2026-03-10_hf-resolve.json:1"]
    # Only the exact match is stored, with the query's day: provenance for every filled value.
    stored = json.loads((project / "content/sources/2026-03-10_hf-resolve.json").read_text())
    assert stored["searched"] == "2026-03-10"
    assert [item["paper"]["id"] for item in stored["papers"]] == ["2508.15202"]
    assert all(p.arxiv is None for name, p in after.items() if name != carft.name)
    # Re-importing what resolve stored changes nothing; check passes.
    again = run_digest("import", str(project / "content/sources/2026-03-10_hf-resolve.json"),
                       cwd=project)
    assert again.stdout.endswith("0 added, 0 updated, 1 unchanged\n"), again.stdout
    assert run_digest("check", cwd=project).returncode == 0
    # Deleted by hand, the paper is missing once, at its earliest entry, not once per source.
    carft_path.unlink()
    check = run_digest("check", cwd=project)
    assert check.stderr.splitlines()[0].startswith(
        "content/sources/2025-12-08_metadata_block.txt:13: paper 'CARFT: ")
    assert check.stderr.splitlines()[1:] == ["1 problem(s) in content/"]


def test_resolve_does_not_give_one_id_to_two_papers(project):
    assert run_digest("import", "--year", "2025", str(LISTINGS / "metadata_block.txt"),
                      cwd=project).returncode == 0
    mind = project / "content/papers/mindmerger-efficient-boosting-llm-reasoning-in-non.md"
    mind.write_text(mind.read_text().replace("arxiv: null", "arxiv: '2508.15202'"))
    with search_server() as url:
        result = run_digest("resolve", "--api-url", url, "--delay", "0", cwd=project, env=TODAY)
    assert result.returncode == 0, result.stderr
    assert result.stdout == (
        "ambiguous  content/papers/carft-boosting-llm-reasoning-via-contrastive.md: its exact "
        "title match 2508.15202 is already content/papers/"
        "mindmerger-efficient-boosting-llm-reasoning-in-non.md\n"
        "0 found, 1 ambiguous, 0 missing, 0 failed\n")
    assert not (project / "content/sources/2026-03-10_hf-resolve.json").exists()


def test_fetch_search_imports_results_like_a_fetched_day(project):
    shutil.copy(FIXTURES / "scope" / "scope.yml", project / "content" / "scope.yml")
    with search_server() as url:
        result = run_digest("fetch", "--search", "reasoning", "--api-url", url, cwd=project,
                            env=TODAY)
    assert result.returncode == 0, result.stderr
    assert _Search.requests == ["/api/papers/search?q=reasoning"]
    assert result.stdout == (
        "stored     content/sources/2026-03-10_hf-search-reasoning.json\n"
        "stored     content/sources/2026-03-10_hf-search-reasoning.json.imported\n"
        "added      content/papers/carft-boosting-llm-reasoning-via-contrastive.md\n"
        "added      content/papers/concise-chains-efficient-reasoning-without.md\n"
        "added      content/papers/verifiable-rewards-teach-small-models-to-reason.md\n"
        "skipped    'A Field Guide to Garden Snails' (score 0.00, below the threshold 0.50: no "
        "scope term)\n"
        "3 added, 0 updated, 0 unchanged, 1 skipped (below the threshold)\n")  # as a fetched day
    stored = json.loads((project / "content/sources/2026-03-10_hf-search-reasoning.json")
                        .read_text())
    assert (stored["query"], stored["searched"], len(stored["papers"])) == (
        "reasoning", "2026-03-10", 4)
    new = papers(project)["verifiable-rewards-teach-small-models-to-reason"]
    assert (str(new.listed), str(new.added)) == ("2026-03-06", "2026-03-10")
    assert (project / "content/sources/2026-03-10_hf-search-reasoning.json.imported"
            ).read_text().splitlines()[2:] == ["1", "2", "3"]  # the selected items, for the check
    assert run_digest("check", cwd=project).returncode == 0
    # The same search again the same day: the same file, nothing new.
    with search_server() as url:
        again = run_digest("fetch", "--search", "reasoning", "--api-url", url, cwd=project,
                           env=TODAY)
    assert again.stdout.endswith(
        "0 added, 0 updated, 3 unchanged, 1 skipped (below the threshold)\n")


def test_fetch_takes_a_day_or_a_query_not_both(project):
    # Neither: the day is today (tests/test_fetch.py).
    result = run_digest("fetch", "--date", "2026-03-06", "--search", "x", cwd=project)
    assert (result.returncode, result.stderr) == (2, "pass either --date YYYY-MM-DD or "
                                                  "--search QUERY, not both\n")


def test_search_failure_changes_nothing(project):
    with search_server() as url:
        result = run_digest("fetch", "--search", "Earlier This Year", "--api-url", url,
                            "--retries", "0", cwd=project, env=TODAY)
    assert result.returncode == 1
    assert result.stderr.startswith(f"could not fetch {url}?q=Earlier+This+Year: HTTP 500")
    assert result.stderr.endswith("nothing was imported; content/ is unchanged\n")
    assert not (project / "content/sources").exists()


def test_papers_without_an_id_link_to_title_searches():
    from generator.render.pages import render_title_searches

    links = render_title_searches('R1 & "o1": 100% <think> #tags / a+b?')
    assert [link.url for link in links] == [
        "https://arxiv.org/search/?query=R1+%26+%22o1%22%3A+100%25+%3Cthink%3E+%23tags+%2F+a%2Bb"
        "%3F&searchtype=title",
        "https://huggingface.co/papers?q=R1+%26+%22o1%22%3A+100%25+%3Cthink%3E+%23tags+%2F+a%2Bb%3F"]


def test_resolve_asks_nothing_of_broken_content(project):
    (project / "content/papers/broken.md").write_text("---\ntitle: [\n---\n")
    with search_server() as url:
        result = run_digest("resolve", "--api-url", url, cwd=project)
    assert result.returncode == 1
    assert result.stderr.endswith("nothing was looked up; fix content/ first (digest check)\n")
    assert _Search.requests == []


def test_resolve_looks_up_ids_while_the_digest_breaks_its_own_policy(project):
    # content/checks.yml is the curators' to meet (digest check reports it); adding ids changes
    # nothing it counts, so resolve does not wait for it. Broken content still stops it.
    assert run_digest("import", "--year", "2025", str(LISTINGS / "metadata_block.txt"),
                      cwd=project).returncode == 0
    (project / "content/checks.yml").write_text("min_papers: 100\n", encoding="utf-8")
    assert "min_papers" in run_digest("check", cwd=project).stderr
    with search_server() as url:
        result = run_digest("resolve", "--api-url", url, "--delay", "0", "--retries", "0",
                            cwd=project, env=TODAY)
        assert result.stdout.startswith(
            "found      content/papers/carft-boosting-llm-reasoning-via-contrastive.md: "
            "2508.15202\n"), result.stderr
        (project / "content/themes.yml").write_text("- id: [broken\n", encoding="utf-8")
        broken = run_digest("resolve", "--api-url", url, "--delay", "0", cwd=project, env=TODAY)
    assert broken.returncode == 1
    assert broken.stderr.endswith("nothing was looked up; fix content/ first (digest check)\n")
