"""`digest new` scaffolds a hand-added paper; `digest verify` refuses an incomplete site."""

from __future__ import annotations

import shutil

from conftest import LISTINGS, run_digest
from generator.content.read import read_content


def test_new_scaffolds_a_paper_that_check_asks_to_finish(project):
    result = run_digest("new", "--title", "Reinforcement Learning With Verifiable Rewards",
                        "--arxiv", "https://arxiv.org/abs/2511.00001v3", "--added", "2026-01-05",
                        cwd=project)
    assert result.returncode == 0, result.stderr
    assert result.stdout == (
        "added      content/papers/reinforcement-learning-with-verifiable-rewards.md\n"
        "paste the abstract into its body, then run `digest check`\n")
    check = run_digest("check", cwd=project)
    assert check.stderr.splitlines()[0] == (
        "content/papers/reinforcement-learning-with-verifiable-rewards.md:1: abstract: the body "
        "is still the placeholder of `digest new`: paste the abstract")
    path = project / "content/papers/reinforcement-learning-with-verifiable-rewards.md"
    text = path.read_text()
    assert "arxiv: '2511.00001'\n" in text and "added: 2026-01-05\n" in text
    assert "themes:\n- rl\n" in text
    path.write_text(text.replace("TODO: paste the paper's abstract here.", "An abstract."))
    assert run_digest("check", cwd=project).returncode == 0


def test_new_refuses_duplicates_and_bad_input(project):
    run_digest("import", "--year", "2025", str(LISTINGS / "metadata_block.txt"), cwd=project)
    again = run_digest("new", "--title", "carft: boosting LLM reasoning via contrastive "
                       "learning!", cwd=project)
    assert again.returncode == 1
    assert again.stderr == ("already in the digest as "
                            "content/papers/carft-boosting-llm-reasoning-via-contrastive.md\n")
    bad = run_digest("new", "--title", "X", "--arxiv", "12345", cwd=project)
    assert bad.stderr == "--arxiv: '12345' is not an arXiv id like 2504.15777\n"
    theme = run_digest("new", "--title", "X", "--theme", "robotics", cwd=project)
    assert theme.stderr == "--theme: unknown theme 'robotics' (known: efficient, other, rl)\n"


def test_verify_accepts_a_complete_site_and_refuses_a_partial_one(project):
    run_digest("import", "--year", "2025", str(LISTINGS / "metadata_block.txt"), cwd=project)
    missing = run_digest("verify", cwd=project)
    assert missing.returncode == 1 and "site/index.html: missing" in missing.stderr
    assert run_digest("build", cwd=project).returncode == 0
    assert run_digest("verify", cwd=project).stdout == "site/ is complete\n"
    shutil.rmtree(project / "site/papers/carft-boosting-llm-reasoning-via-contrastive")
    partial = run_digest("verify", cwd=project)
    assert partial.returncode == 1
    assert partial.stderr == (
        "site/papers/: 1 of 2 paper pages missing (first: carft-boosting-llm-reasoning-via-"
        "contrastive)\nsite/ must not be published\n")
    assert len(read_content(project / "content").papers) == 2


def test_progress_shows_at_a_terminal_and_stays_quiet_when_piped():
    import io

    from generator.progress import Progress

    class Terminal(io.StringIO):
        def isatty(self):
            return True

    shown, piped = Terminal(), io.StringIO()
    for done in range(1, 1001):
        Progress(shown)(done, 1000, "reading")  # a fresh object: no rate limit between calls
        Progress(piped)(done, 1000, "reading")
    assert shown.getvalue().endswith("\rreading: 1000/1000\n")
    assert piped.getvalue() == ""
