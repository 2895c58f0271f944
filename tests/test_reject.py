"""`digest reject`: rejections that stick; `digest check` on rejected and hand-deleted papers."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from conftest import FIXTURES, LISTINGS, run_digest

CARFT = "content/papers/carft-boosting-llm-reasoning-via-contrastive.md"
MIND = "content/papers/mindmerger-efficient-boosting-llm-reasoning-in-non.md"
TODAY = {"DIGEST_TODAY": "2026-03-10"}
LISTING = str(LISTINGS / "metadata_block.txt")


@pytest.fixture
def imported(project: Path) -> Path:
    result = run_digest("import", "--year", "2025", LISTING, cwd=project)
    assert result.returncode == 0, result.stderr
    return project


def test_rejected_paper_is_removed_recorded_and_never_imported_again(imported):
    result = run_digest("reject", "carft-boosting-llm-reasoning-via-contrastive.md", "--reason",
                        "  fine-tuning,   not reasoning ", cwd=imported, env=TODAY)
    assert result.returncode == 0, result.stderr
    assert result.stdout == (
        f"removed    {CARFT}\n"
        "1 rejected, 1 new in content/rejected.yml: imports and fetches will skip them\n")
    assert not (imported / CARFT).exists()
    assert (imported / "content/rejected.yml").read_text() == (
        "# Papers removed from the digest (`digest reject`): imports and fetches skip them.\n"
        "# Delete an entry to let its paper be imported again.\n"
        "- title: 'CARFT: Boosting LLM Reasoning via Contrastive Learning'\n"
        "  arxiv: null\n"
        "  sources:\n"
        "  - 2025-12-08_metadata_block.txt:13\n"
        "  reason: fine-tuning, not reasoning\n"
        "  rejected: 2026-03-10\n"
        "  abstract: Reinforced fine-tuning with annotated chains of thought, up to 10.15\\% "
        "better. Code is available at https://github.com/WNQzhu/CARFT.\n")
    again = run_digest("import", "--year", "2025", LISTING, cwd=imported)
    assert again.returncode == 0, again.stderr
    assert again.stdout == (
        "skipped    'CARFT: Boosting LLM Reasoning via Contrastive Learning' "
        "(rejected 2026-03-10: fine-tuning, not reasoning)\n"
        "0 added, 0 updated, 1 unchanged, 1 skipped (rejected)\n")
    assert not (imported / CARFT).exists()
    # The API knows it by its arXiv id and a retitled copy: still rejected (by title).
    api = run_digest("import", str(FIXTURES / "api" / "daily_papers.json"), cwd=imported)
    assert "skipped    'CARFT: Boosting LLM Reasoning via Contrastive Learning' " in api.stdout
    assert not (imported / CARFT).exists()
    assert run_digest("check", cwd=imported).returncode == 0


def test_reject_by_arxiv_id_and_path_together(project):
    assert run_digest("import", str(FIXTURES / "api" / "daily_papers.json"),
                      cwd=project).returncode == 0
    result = run_digest("reject", "arXiv:2603.01234v2",
                        "content/papers/a-field-guide-to-garden-snails.md", "--reason",
                        "off topic", "--date", "2026-03-07", cwd=project)
    assert result.returncode == 0, result.stderr
    assert result.stdout == (
        "removed    content/papers/a-field-guide-to-garden-snails.md\n"
        "removed    content/papers/verifiable-rewards-teach-small-models-to-reason.md\n"
        "2 rejected, 2 new in content/rejected.yml: imports and fetches will skip them\n")
    text = (project / "content/rejected.yml").read_text()
    # Sorted by date, then title: the same rejections always give the same file.
    assert text.index("title: A Field Guide") < text.index("title: Verifiable Rewards")
    assert "arxiv: '2603.01234'" in text
    # The second skip is matched by id although the API item kept its title.
    again = run_digest("import", str(FIXTURES / "api" / "daily_papers.json"), cwd=project)
    assert again.stdout.endswith("0 added, 0 updated, 2 unchanged, 2 skipped (rejected)\n")


def test_reject_of_an_unknown_paper_changes_nothing(imported):
    result = run_digest("reject", "no-such-paper", CARFT, "--reason", "x", cwd=imported)
    assert result.returncode == 1
    assert result.stderr == (
        "'no-such-paper' names no paper of content/papers/ (give its file name, its path, its "
        "arXiv id, or a stored source entry like 2025-12-08_listing.txt:13)\n"
        "nothing was rejected; content/ is unchanged\n")
    assert (imported / CARFT).exists()
    assert not (imported / "content/rejected.yml").exists()


def test_paper_deleted_by_hand_fails_check_with_the_fix(imported):
    (imported / CARFT).unlink()  # as GitHub's web editor would
    result = run_digest("check", cwd=imported)
    assert result.returncode == 1
    assert result.stderr == (
        "content/sources/2025-12-08_metadata_block.txt:13: paper 'CARFT: Boosting LLM Reasoning "
        "via Contrastive Learning' is missing from content/papers/, but its source entry is "
        "still stored and the next import would add it back: restore its file, or record its "
        "removal with `digest reject 2025-12-08_metadata_block.txt:13 --reason TEXT`\n"
        "1 problem(s) in content/\n")
    # Under GitHub Actions the same line is an annotation on the source file.
    ci = run_digest("check", cwd=imported, env={"GITHUB_ACTIONS": "true"})
    assert ("::error file=content/sources/2025-12-08_metadata_block.txt,line=13::paper 'CARFT"
            in ci.stderr)
    # The fix it names works, and the paper stays out.
    fix = run_digest("reject", "2025-12-08_metadata_block.txt:13", "--reason", "duplicate",
                     cwd=imported, env=TODAY)
    assert fix.returncode == 0, fix.stderr
    assert fix.stdout == (
        "recorded   'CARFT: Boosting LLM Reasoning via Contrastive Learning' "
        "(2025-12-08_metadata_block.txt:13)\n"
        "1 rejected, 1 new in content/rejected.yml: imports and fetches will skip them\n")
    assert run_digest("check", cwd=imported).returncode == 0
    again = run_digest("import", "--year", "2025", LISTING, cwd=imported)
    assert again.stdout.endswith("1 skipped (rejected)\n")


def test_paper_both_present_and_rejected_fails_check(imported):
    (imported / "content/rejected.yml").write_text(
        "- title: 'MindMerger: efficient boosting LLM reasoning in non-English languages'\n"
        "  reason: out of scope\n"
        "  rejected: 2026-01-02\n")
    result = run_digest("check", cwd=imported)
    assert result.returncode == 1
    assert result.stderr == (
        f"{MIND}:1: title: this paper was rejected on 2026-01-02 (content/rejected.yml:1: "
        "out of scope): delete its file, or remove its entry from content/rejected.yml to "
        "keep it\n"
        "1 problem(s) in content/\n")


def test_rejected_yml_is_checked_line_by_line(imported):
    (imported / "content/rejected.yml").write_text(
        "- title: A\n"
        "  reason: ''\n"
        "  rejected: 2026-01-02\n"
        "- title: B\n"
        "  arxiv: 2501.1234v2\n"
        "  sources: [nowhere]\n"
        "  reason: off topic\n"
        "  rejected: 2026-01-02\n"
        "- title: C\n"
        "  reason: off topic\n"
        "  rejected: 2026-02-30\n"
        "- title: D\n"
        "  reason: off topic\n"
        "  rejected: 2026-01-02\n"
        "  why: unknown\n"
        "- title: ' b '\n"
        "  reason: twice\n"
        "  rejected: 2026-01-03\n"
        "- title: E\n"
        "  sources: [2025-01-01_gone.txt:3]\n"
        "  reason: its listing was deleted\n"
        "  rejected: 2026-01-03\n")
    result = run_digest("check", cwd=imported)
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        "content/rejected.yml:2: reason: must not be empty",
        "content/rejected.yml:5: arxiv: '2501.1234v2' is not an arXiv id like 2504.15777 (no "
        "'v2' version suffix)",
        "content/rejected.yml:6: sources: 'nowhere' should be '<stored source>:<line>'",
        "content/rejected.yml:11: rejected: '2026-02-30' is not a calendar date",
        "content/rejected.yml:15: why: unknown field (known: title, arxiv, sources, reason, "
        "rejected, abstract)",
        "content/rejected.yml:16: title: the same paper is rejected twice (first at line 4)",
        "content/rejected.yml:19: sources: '2025-01-01_gone.txt' is not in content/sources/",
        "7 problem(s) in content/",
    ]
    # An import refuses to run past a rejections file it cannot read: it could re-add them.
    blocked = run_digest("import", "--year", "2025", LISTING, cwd=imported)
    assert blocked.returncode == 1
    assert blocked.stderr.endswith("nothing was imported\n")


def test_papers_a_fetch_left_out_are_not_missing_but_those_it_took_are(project):
    from test_api import api_server

    shutil.copy(FIXTURES / "scope" / "scope.yml", project / "content" / "scope.yml")
    with api_server() as url:
        result = run_digest("fetch", "--date", "2026-03-06", "--api-url", url, cwd=project)
    assert result.returncode == 0, result.stderr
    check = run_digest("check", cwd=project)
    assert check.returncode == 0, check.stderr  # the garden snails were never papers here
    # A fetched paper deleted by hand is seen too: the fetch recorded which items it imported.
    (project / "content/papers/concise-chains-efficient-reasoning-without.md").unlink()
    check = run_digest("check", cwd=project)
    assert check.stderr.splitlines() == [
        "content/sources/2026-03-06_hf-daily-papers.json:2: paper 'Concise Chains: Efficient "
        "Reasoning without Overthinking' is missing from content/papers/, but its source entry "
        "is still stored and the next import would add it back: restore its file, or record its "
        "removal with `digest reject 2026-03-06_hf-daily-papers.json:2 --reason TEXT`",
        "1 problem(s) in content/"]


def test_rejected_papers_are_in_the_review_sheet_as_skipped_with_their_reason(project, tmp_path):
    from test_api import api_server

    shutil.copy(FIXTURES / "scope" / "scope.yml", project / "content" / "scope.yml")
    assert run_digest("import", str(FIXTURES / "api" / "daily_papers.json"),
                      cwd=project).returncode == 0
    assert run_digest("reject", "arXiv:2603.01234", "--reason", "off topic: <b>rewards</b>",
                      "--date", "2026-03-07", cwd=project).returncode == 0
    sheet = tmp_path / "fetch.md"
    with api_server() as url:
        result = run_digest("fetch", "--date", "2026-03-06", "--api-url", url, "--review",
                            str(sheet), cwd=project)
    assert result.returncode == 0, result.stderr
    assert ("skipped    'Verifiable Rewards Teach Small Models to Reason' "
            "(rejected 2026-03-07: off topic: <b>rewards</b>)\n") in result.stdout
    text = sheet.read_text(encoding="utf-8")
    skipped = text.split("### Skipped (1)\n", 1)[1]
    assert skipped.strip() == (
        "- [Verifiable Rewards Teach Small Models to Reason](https://huggingface.co/papers/"
        "2603.01234): rejected 2026\\-03\\-07\\: off topic\\: \\<b\\>rewards\\<\\/b\\>")
    # A re-imported listing reports its rejected papers in the sheet the same way.
    sheet = tmp_path / "import.md"
    again = run_digest("import", str(FIXTURES / "api" / "daily_papers.json"), "--review",
                       str(sheet), cwd=project)
    assert again.returncode == 0, again.stderr
    assert again.stdout.endswith("0 added, 0 updated, 3 unchanged, 1 skipped (rejected)\n")
    text = sheet.read_text(encoding="utf-8")
    assert "**0 added, 0 updated, 1 skipped**" in text
    assert "Small Models to Reason](https://huggingface.co/papers/2603.01234): rejected " \
        "2026\\-03\\-07\\: off topic" in text
