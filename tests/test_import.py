"""`digest import`: one paper one file, idempotent, order-independent, curators' edits kept."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from conftest import LISTINGS, SEEDS, make_project, run_digest
from generator.content.read import read_content, read_paper

SEED_FILES = sorted(SEEDS.glob("*.txt"))


def tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes()
            for p in sorted(root.rglob("*")) if p.is_file()}


def imported(project: Path, *paths: Path, year: str = "2025") -> str:
    result = run_digest("import", "--year", year, *map(str, paths), cwd=project)
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_cli_reports_each_file_and_a_summary(project):
    out = imported(project, LISTINGS / "metadata_block.txt")
    assert out == (
        "stored     content/sources/2025-12-08_metadata_block.txt\n"
        "added      content/papers/carft-boosting-llm-reasoning-via-contrastive.md\n"
        "added      content/papers/mindmerger-efficient-boosting-llm-reasoning-in-non.md\n"
        "2 added, 0 updated, 0 unchanged\n")
    text = (project / "content/papers/carft-boosting-llm-reasoning-via-contrastive.md").read_text()
    assert text == (
        "---\n"
        "title: 'CARFT: Boosting LLM Reasoning via Contrastive Learning'\n"
        "arxiv: null\n"
        "authors: 5\n"
        "organization: null\n"
        "published: 2025-08-20\n"
        "listed: 2025-12-08\n"
        "added: 2025-12-08\n"
        "upvotes: 3\n"
        "themes:\n- other\n"
        "tags: []\n"
        "links:\n- https://github.com/WNQzhu/CARFT\n"
        "note: null\n"
        "sources:\n- 2025-12-08_metadata_block.txt:13\n"
        "---\n"
        "Reinforced fine-tuning with annotated chains of thought, up to 10.15\\% better. "
        "Code is available at https://github.com/WNQzhu/CARFT.\n")


@pytest.mark.skipif(not SEED_FILES, reason="../shared/seeds is not beside the repository")
def test_seed_import_is_order_independent_and_idempotent(tmp_path):
    themes = Path(__file__).resolve().parent.parent / "content" / "themes.yml"
    forward = make_project(tmp_path / "forward", themes)
    backward = make_project(tmp_path / "backward", themes)
    for path in SEED_FILES:
        imported(forward, path)
    for path in reversed(SEED_FILES):
        imported(backward, path)
    # Whatever listings shared/ holds: the count comes from the files, not from this test.
    count = len(list((forward / "content/papers").glob("*.md")))
    assert count > 0
    assert tree(forward / "content") == tree(backward / "content")
    before = tree(forward / "content")
    assert imported(forward, *SEED_FILES).endswith(f"0 added, 0 updated, {count} unchanged\n")
    assert tree(forward / "content") == before


def test_curator_edits_survive_reimport_and_source_fields_update(project, tmp_path):
    imported(project, LISTINGS / "metadata_block.txt")
    path = project / "content/papers/carft-boosting-llm-reasoning-via-contrastive.md"
    # A curator reformats the file by hand: other key order, other quoting, flow lists.
    path.write_text(
        "---\n"
        'sources: ["2025-12-08_metadata_block.txt:13"]\n'
        "themes: [efficient, rl]\n"
        "tags: [contrastive, cot]\n"
        'note: "Read this first: the **CoT** ablation."\n'
        'title: "CARFT: Contrastive Reinforced Fine-Tuning"\n'
        "authors: 5\norganization: ~\npublished: 2025-08-20\nlisted: 2025-12-08\n"
        "added: 2025-12-08\nupvotes: 3\nlinks: ['https://github.com/WNQzhu/CARFT']\n"
        "---\n"
        "Reinforced fine-tuning with annotated chains of thought, up to 10.15\\% better. "
        "Code is available at https://github.com/WNQzhu/CARFT.\n")
    assert imported(project, LISTINGS / "metadata_block.txt").endswith(
        "0 added, 0 updated, 2 unchanged\n")
    # A newer listing shows the same paper with more upvotes: source fields follow it.
    newer = tmp_path / "newer.txt"
    newer.write_text((LISTINGS / "metadata_block.txt").read_text()
                     .replace("Dec 8", "Dec 20").replace("Aug 20 3", "Aug 20 9"))
    imported(project, newer)
    paper, problems, _ = read_paper(path, project / "content")
    assert problems == []
    assert (paper.title, paper.themes, paper.tags) == (
        "CARFT: Contrastive Reinforced Fine-Tuning", ["efficient", "rl"], ["contrastive", "cot"])
    assert paper.note == "Read this first: the **CoT** ablation."
    assert paper.upvotes == 9
    assert str(paper.listed) == "2025-12-08"
    assert paper.sources == ["2025-12-08_metadata_block.txt:13", "2025-12-20_newer.txt:13"]


def test_broken_entries_are_reported_and_the_rest_imported(project):
    result = run_digest("import", "--year", "2025", str(LISTINGS / "missing_abstract.txt"),
                        cwd=project)
    assert result.returncode == 0
    assert f"{LISTINGS / 'missing_abstract.txt'}:13: abstract: 'A Title Without Its Abstract' " \
           "has a title but no abstract; entry skipped" in result.stderr
    assert result.stdout.endswith("2 added, 0 updated, 0 unchanged, 2 problem(s) reported\n")
    strict = run_digest("import", "--strict", "--year", "2025",
                        str(LISTINGS / "missing_abstract.txt"), cwd=project)
    assert strict.returncode == 1


@pytest.mark.parametrize("name, message", [
    ("empty", "empty.txt: the listing is empty"),
    ("not_utf8", "not_utf8.txt:13: not UTF-8 text (byte 115)"),
    ("no_date", "no_date.txt:1: date: expected the listing's date"),
])
def test_unreadable_listing_writes_nothing(project, name, message):
    imported(project, LISTINGS / "metadata_block.txt")
    before = tree(project / "content")
    # A good listing in the same call is not imported either: all or nothing.
    result = run_digest("import", "--year", "2025", str(LISTINGS / "no_metadata.txt"),
                        str(LISTINGS / f"{name}.txt"), cwd=project)
    assert result.returncode == 1
    assert message in result.stderr and "Traceback" not in result.stderr
    assert result.stderr.endswith("nothing was imported\n")
    assert tree(project / "content") == before


def test_hostile_titles_make_safe_unique_file_names(project, tmp_path):
    titles = ["../../etc/passwd", "- leading: dash # [x] *y* 'q' \"d\"", "Ünïcödé Tïtlé",
              "数学推理", "数学推理模型", "CON", "a" * 300, "...", "???", "/absolute/path.md"]
    listing = tmp_path / "hostile.txt"
    listing.write_text("Sep 3\n\n" + "".join(
        f"{t}\n\nAbstract number {i} of a hostile title.\n\n" for i, t in enumerate(titles)))
    imported(project, listing)
    names = sorted(p.name for p in (project / "content/papers").iterdir())
    assert len(names) == len(titles)
    for name in names:
        assert re.fullmatch(r"[a-z0-9][a-z0-9._-]{0,79}\.md", name), name
    content = read_content(project / "content")
    assert content.problems == []
    assert sorted(p.title for p in content.papers) == sorted(titles)
    assert list(project.glob("etc")) == [] and not (project / "content/etc").exists()


def test_themes_are_proposed_by_rules_with_a_fallback():
    from generator.content.read import read_themes
    from generator.ingest.themes import propose_themes
    from conftest import FIXTURES

    themes, problems, _ = read_themes(FIXTURES / "sample")
    assert problems == []
    assert propose_themes("Reinforced reasoning", "Rewards make it concise.", themes) == ["rl"]
    assert propose_themes("Efficient RL", "Reinforcement learning with rewards, efficiently "
                          "and concisely.", themes) == ["efficient", "rl"]
    assert propose_themes("A study", "Nothing in particular.", themes) == ["other"]


def test_strict_import_of_glued_entries_writes_nothing(project):
    path = LISTINGS / "blank_lines_missing_around_title.txt"
    strict = run_digest("import", "--strict", "--year", "2025", str(path), cwd=project)
    assert strict.returncode == 1
    assert strict.stdout == ""
    assert strict.stderr == (
        f"{path}:13: abstract: 'First Paper On Reasoning': expected a blank line after the "
        "abstract (line 16 looks like a title: 'Second Paper Glued To The Abstract Above'); "
        "entry skipped\n"
        f"{path}:16: title: 'Second Paper Glued To The Abstract Above': expected a blank line "
        "before the title (after line 15) and between the title and its abstract (line 17); "
        "entry skipped\n"
        "nothing was imported (--strict: any problem fails the import)\n")
    assert tree(project / "content") == tree(make_project(project.parent / "empty") / "content")
    # Without --strict the whole entry is imported and the others are reported, not glued.
    result = run_digest("import", "--year", "2025", str(path), cwd=project)
    assert result.returncode == 0
    assert result.stdout.endswith("1 added, 0 updated, 0 unchanged, 2 problem(s) reported\n")
    (paper,) = read_content(project / "content").papers
    assert paper.abstract == "Its abstract is separated by blank lines."


def test_a_theme_rule_that_backtracks_stops_the_import(project):
    themes = project / "content/themes.yml"
    themes.write_text(themes.read_text().replace("  - '\\bconcise\\w*'\n",
                                                 "  - '\\bconcise\\w*'\n  - '(x|x)+$'\n"))
    listing = project.parent / "slow.txt"
    listing.write_text("Dec 8\n\nA Slow Paper\n\n" + "x" * 40 + "y is where it ends.\n")
    result = run_digest("import", "--year", "2025", str(listing), cwd=project)
    assert result.returncode == 1
    assert result.stderr == (
        "content/themes.yml:7: rules: '(x|x)+$' took too long on 'A Slow Paper' (more than "
        "1 s); simplify the rule\nnothing was imported\n")
    assert list((project / "content/papers").iterdir()) == []


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="needs /dev/zero")
def test_an_endless_device_is_refused_unread(project):
    result = run_digest("import", "/dev/zero", cwd=project)
    assert result.returncode == 1
    assert result.stderr == ("/dev/zero: not a regular file (a character device)\n"
                             "nothing was imported\n")


def _refused(project: Path, *args: str, env: dict | None = None) -> str:
    before = tree(project / "content")
    result = run_digest("import", *args, cwd=project, env=env)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert tree(project / "content") == before  # nothing written
    return result.stderr


def test_listing_dated_in_the_future_is_refused_with_the_year_to_pass(project):
    listing = str(LISTINGS / "metadata_block.txt")
    stderr = _refused(project, "--year", "2025", listing, env={"DIGEST_TODAY": "2025-12-01"})
    assert stderr == (
        f"{listing}:11: date: the listing's date Dec 8 read as 2025-12-08 is in the future; "
        "pass --year 2024\n"
        "nothing was imported\n")
    # Without --year the year is today's (DIGEST_TODAY fixes it): the same check applies.
    assert _refused(project, listing, env={"DIGEST_TODAY": "2025-12-01"}).startswith(
        f"{listing}:11: date: the listing's date Dec 8 read as 2025-12-08 is in the future")
    ok = run_digest("import", listing, cwd=project, env={"DIGEST_TODAY": "2025-12-08"})
    assert ok.returncode == 0, ok.stderr


def test_listing_stored_under_another_year_is_refused(project):
    listing = LISTINGS / "metadata_block.txt"
    imported(project, listing, year="2025")
    stderr = _refused(project, "--year", "2026", str(listing), env={"DIGEST_TODAY": "2027-01-01"})
    assert stderr == (
        f"{listing}:11: date: the listing's date Dec 8 read as 2026-12-08, but this listing is "
        "already stored as content/sources/2025-12-08_metadata_block.txt; pass --year 2025\n"
        "nothing was imported\n")


def test_listing_of_the_same_name_and_day_in_another_year_is_refused(project, tmp_path):
    imported(project, LISTINGS / "metadata_block.txt", year="2025")
    edited = tmp_path / "metadata_block.txt"  # copied again later: one more upvote
    edited.write_text((LISTINGS / "metadata_block.txt").read_text().replace("Aug 20 3",
                                                                            "Aug 20 4"))
    stderr = _refused(project, "--year", "2024", str(edited))
    assert stderr == (
        f"{edited}:11: date: the listing's date Dec 8 read as 2024-12-08, but a listing of the "
        "same name and day is already stored as content/sources/2025-12-08_metadata_block.txt; "
        "pass --year 2025\n"
        "nothing was imported\n")


def test_paper_dated_after_its_listing_is_refused(project):
    listing = str(LISTINGS / "paper_year_after_listing.txt")
    stderr = _refused(project, "--year", "2025", listing, env={"DIGEST_TODAY": "2026-06-01"})
    assert stderr == (
        f"{listing}:13: published: the paper's date 2025-12-30 is after the listing's date "
        "Jan 10 read as 2025-01-10; pass --year 2026\n"
        "nothing was imported\n")
    ok = run_digest("import", "--year", "2026", listing, cwd=project,
                    env={"DIGEST_TODAY": "2026-06-01"})
    assert ok.returncode == 0, ok.stderr


def test_a_new_listing_of_the_same_name_a_year_later_is_imported(project, tmp_path):
    imported(project, LISTINGS / "metadata_block.txt", year="2025")
    later = tmp_path / "metadata_block.txt"  # same name and day, other papers: not a copy
    later.write_text((LISTINGS / "metadata_block.txt").read_text().replace("CARFT", "CARFT-2")
                     .replace("MindMerger", "MindSplitter"))
    result = run_digest("import", "--year", "2026", str(later), cwd=project,
                        env={"DIGEST_TODAY": "2026-12-09"})
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("stored     content/sources/2026-12-08_metadata_block.txt\n")
