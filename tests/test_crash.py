"""Killed and concurrent commands: the project is left as it was, as it should be, or in a
state `digest check` accepts and a re-run completes; site/ is always a complete site; nothing
temporary survives the next command.

The kills land at seeded random moments spread over a whole uninterrupted run, half of them on
the command alone (its forked children run on, holding the project lock), half on its whole
process group.
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import LISTINGS, SEEDS, make_project, run_digest

SEED = 15
KILLS = 12
COMPLETE_SITE = ("index.html", "sitemap.xml", "feed.xml", "atom.xml", "feed.json",
                 "papers.json", "searchindex/index.json")


def start(*args: str, cwd: Path, env: dict | None = None) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "generator", *args], cwd=cwd,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "GITHUB_ACTIONS": "", **(env or {})},
                            start_new_session=True)


def kill(process: subprocess.Popen, whole_group: bool) -> None:
    with_children = whole_group and process.poll() is None
    try:
        if with_children:
            os.killpg(process.pid, signal.SIGKILL)
        else:
            process.kill()
    except ProcessLookupError:
        pass
    process.communicate()


def timed(*args: str, cwd: Path) -> float:
    started = time.monotonic()
    result = run_digest(*args, cwd=cwd)
    assert result.returncode == 0, result.stderr
    return time.monotonic() - started


def leftovers(project: Path) -> list[str]:
    """Temporary files and staging folders of any command, anywhere in the project."""
    found = []
    for path in project.rglob("*"):
        name = path.name
        if (name.endswith(".tmp") or name.startswith((".site-new-", ".site-swap-"))
                or (path.parent.name == "digest" and name.startswith("staging-"))):
            found.append(path.relative_to(project).as_posix())
    return sorted(found)


def wait_for_old_sites(project: Path) -> None:
    """Old sites are deleted by a detached process after the swap."""
    deadline = time.monotonic() + 30
    while list(project.glob(".site-old-*")) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert list(project.glob(".site-old-*")) == []


def content_files(project: Path) -> dict[str, bytes]:
    return {path.relative_to(project).as_posix(): path.read_bytes()
            for path in sorted((project / "content").rglob("*")) if path.is_file()}


def assert_complete_site(site: Path) -> None:
    missing = [name for name in COMPLETE_SITE if not (site / name).is_file()]
    assert missing == [], f"site/ is incomplete: {missing}"


def test_a_killed_build_never_leaves_the_project_without_a_complete_site(tmp_path):
    project = make_project(tmp_path / "digest")
    for listing in ("metadata_block.txt", "upvotes_and_years.txt"):
        assert run_digest("import", "--year", "2025", str(LISTINGS / listing),
                          cwd=project).returncode == 0
    paper = sorted((project / "content/papers").iterdir())[0]
    original = paper.read_text()
    rng = random.Random(SEED)
    # The first kills land in the very first build, before there is any site/.
    duration, built = None, False
    for kill_number in range(KILLS):
        if kill_number == 2 and not built:  # give the kills a complete site to protect
            duration = timed("build", cwd=project)
            built = True
        if kill_number % 3 == 0:
            paper.write_text(original.rstrip("\n") + f" Edit {kill_number}.\n")
            args = ("build",)
        else:
            args = ("build", "--force")
        process = start(*args, cwd=project)
        time.sleep(rng.uniform(0.1, 1.2 * (duration or 4.0)))
        finished = process.poll() == 0
        kill(process, whole_group=kill_number % 2 == 1)
        built = built or finished
        if built or (project / "site").exists():
            assert_complete_site(project / "site")
    result = run_digest("build", cwd=project)
    assert result.returncode == 0, result.stderr
    assert_complete_site(project / "site")
    assert run_digest("verify", cwd=project).returncode == 0
    wait_for_old_sites(project)
    assert leftovers(project) == []


@pytest.fixture(scope="module")
def before_import(tmp_path_factory) -> tuple[Path, dict[str, bytes], float]:
    """A project, and its content/ after an uninterrupted import of a seed listing (and how
    long that import took)."""
    base = make_project(tmp_path_factory.mktemp("crash") / "digest")
    assert run_digest("import", "--year", "2025", str(LISTINGS / "metadata_block.txt"),
                      cwd=base).returncode == 0
    reference = tmp_path_factory.mktemp("reference") / "digest"
    shutil.copytree(base, reference)
    duration = timed("import", "--year", "2025", str(SEEDS / "001_d6d70d582d6c1492.txt"),
                     cwd=reference)
    return base, content_files(reference), duration


def test_a_killed_import_leaves_content_that_checks_and_a_rerun_completes(before_import,
                                                                         tmp_path):
    base, expected, duration = before_import
    rng = random.Random(SEED)
    for kill_number in range(KILLS):
        project = tmp_path / f"kill-{kill_number}"
        shutil.copytree(base, project)
        process = start("import", "--year", "2025", str(SEEDS / "001_d6d70d582d6c1492.txt"),
                        cwd=project)
        time.sleep(rng.uniform(0.05, 1.1 * duration))
        kill(process, whole_group=kill_number % 2 == 1)
        check = run_digest("check", cwd=project)
        assert check.returncode == 0, f"kill {kill_number}: {check.stderr}"
        again = run_digest("import", "--year", "2025", str(SEEDS / "001_d6d70d582d6c1492.txt"),
                           cwd=project)
        assert again.returncode == 0, again.stderr
        assert content_files(project) == expected, f"kill {kill_number}"
        assert leftovers(project) == []


def test_an_import_killed_between_any_two_of_its_renames_is_undone_or_finished(before_import,
                                                                              tmp_path):
    # The renames take milliseconds, so few random kills land among them: here a child
    # process dies (os._exit, as a kill) just before each one in turn. The first rename puts
    # the journal in place (the commit): killed before it, the next command finds content/
    # as it was; killed after it, the next command finishes the write.
    from generator.content.read import read_content
    from generator.content.rejections import check_removals
    from generator.files import real_folder
    from generator.ingest import importer
    from generator.site import output
    from generator.site.build import tag_vocabulary

    base, expected, _ = before_import
    listing = SEEDS / "001_d6d70d582d6c1492.txt"
    plan = importer.plan_import([listing], 2025, base / "content",
                                vocabulary=tag_vocabulary(base))
    assert len(plan.files) > 20 and any(path.startswith("sources/") for path in plan.files)
    renames = len(plan.files) + 1
    for killed_at in range(renames + 1):
        project = tmp_path / f"renames-{killed_at}"
        shutil.copytree(base, project)
        pid = os.fork()
        if pid == 0:  # the import, killed before rename number `killed_at`
            replace, done = os.replace, [0]

            def dying_replace(source, target):
                if done[0] == killed_at:
                    os._exit(9)
                done[0] += 1
                replace(source, target)

            os.replace = dying_replace
            try:
                output.write_files(project / "content", plan.files,
                                   real_folder(project, ".cache/digest"))
            finally:
                os._exit(0)
        _, status = os.waitpid(pid, 0)
        assert os.waitstatus_to_exitcode(status) == (0 if killed_at == renames else 9)
        if killed_at == renames // 2:  # `digest check` itself finishes the write
            check = run_digest("check", cwd=project)
            assert check.returncode == 0, check.stderr
            assert check.stderr == (f"moved into place the last {renames - killed_at} file(s) "
                                    "of a command that was interrupted while writing them "
                                    "into content/\n")
        else:
            output.clean_stale(project)  # what the next command does first
        content = read_content(project / "content", tag_vocabulary(project))
        assert content.problems + check_removals(project / "content", content.papers) == [], \
            f"killed before rename {killed_at}"
        assert content_files(project) == (content_files(base) if killed_at == 0 else expected)
        assert leftovers(project) == []


def test_a_journal_never_moves_a_file_outside_the_project(tmp_path):
    from generator.site import output

    project = make_project(tmp_path / "digest")
    staging = project / ".cache/digest/staging-abc"
    for journal in ('{"root": "../../../..", "moves": [["0", "x.txt"]]}',
                    '{"root": "../../../content", "moves": [["0", "../../x.txt"]]}',
                    '{"root": "../../../content", "moves": [["../../../../x.txt", "a.md"]]}',
                    '{"root": "../../../content", "moves": "0"}', '[', '{}'):
        staging.mkdir(parents=True, exist_ok=True)
        (staging / "0").write_text("not for outside")
        (staging / "moves.json").write_text(journal)
        assert output.committed_writes(project) == [staging]
        output.clean_stale(project)
        assert sorted(path.name for path in tmp_path.iterdir()) == ["digest"], journal
        assert not staging.exists() and output.committed_writes(project) == []


def test_two_builds_at_once_wait_for_each_other(tmp_path):
    project = make_project(tmp_path / "digest")
    assert run_digest("import", "--year", "2025", str(LISTINGS / "metadata_block.txt"),
                      cwd=project).returncode == 0
    builds = [start("build", "--force", cwd=project) for _ in range(2)]
    results = [(process.wait(timeout=300), *process.communicate()) for process in builds]
    assert [code for code, _, _ in results] == [0, 0], results
    waited = [err for _, _, err in results if "waiting for another digest command (pid " in err]
    assert len(waited) == 1, results
    assert "Traceback" not in "".join(err for _, _, err in results)
    assert run_digest("verify", cwd=project).returncode == 0
    wait_for_old_sites(project)
    assert leftovers(project) == []


def test_two_imports_at_once_end_as_one_after_the_other(tmp_path):
    listings = [str(LISTINGS / "metadata_block.txt"), str(LISTINGS / "upvotes_and_years.txt")]
    reference = make_project(tmp_path / "reference")
    for listing in listings:
        assert run_digest("import", "--year", "2025", listing, cwd=reference).returncode == 0
    project = make_project(tmp_path / "digest")
    imports = [start("import", "--year", "2025", listing, cwd=project) for listing in listings]
    results = [(process.wait(timeout=300), *process.communicate()) for process in imports]
    assert [code for code, _, _ in results] == [0, 0], results
    assert content_files(project) == content_files(reference)
    assert run_digest("check", cwd=project).returncode == 0


def test_a_command_waits_a_bounded_time_for_the_lock_and_says_for_whom(project):
    from generator.site.output import project_lock

    with project_lock(project):
        result = run_digest("build", cwd=project, env={"DIGEST_LOCK_WAIT": "1"})
        check = run_digest("check", cwd=project)  # reads only: no lock
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        f"waiting for another digest command (pid {os.getpid()}) to finish...",
        f"another digest command (pid {os.getpid()}) is still running after 1 s; nothing "
        "was done"]
    assert check.returncode == 0, check.stderr


def test_a_waiting_import_goes_on_when_the_lock_is_released(project):
    from generator.site.output import project_lock

    with project_lock(project):
        process = start("import", "--year", "2025", str(LISTINGS / "metadata_block.txt"),
                        cwd=project)
        first = process.stderr.readline()
        assert first == f"waiting for another digest command (pid {os.getpid()}) to finish...\n"
        assert process.poll() is None and not list((project / "content/papers").iterdir())
    out, _ = process.communicate(timeout=120)
    assert process.returncode == 0 and out.endswith("0 updated, 0 unchanged\n")


def test_the_next_build_puts_back_a_site_caught_half_way_through_its_swap(project):
    from generator.site import output

    (project / "site").mkdir()
    (project / "site/index.html").write_text("the complete old site")
    # Where folders cannot be exchanged in one step, the old site is set aside first: a kill
    # right then leaves no site/.
    aside = project / ".site-swap-abc"
    os.rename(project / "site", aside)
    (project / ".site-new-def").mkdir()  # an unfinished build
    (project / ".cache/digest/staging-ghi").mkdir(parents=True)  # an unfinished import
    (project / ".cache/digest/staging-ghi/0").write_text("a paper not moved yet")
    (project / ".cache/digest/.papers.json.jkl.tmp").write_text("half")
    notes = output.clean_stale(project)
    assert notes == ["removed the files an interrupted import had not moved into place yet "
                     "(re-run it to finish)",
                     "site/ put back from a build that was interrupted while replacing it"]
    assert (project / "site/index.html").read_text() == "the complete old site"
    wait_for_old_sites(project)
    assert leftovers(project) == []


def test_the_swap_without_an_atomic_exchange_leaves_nothing_behind(project, monkeypatch):
    from generator.site import output

    monkeypatch.setattr(output, "_exchange", lambda first, second: False)
    final = project / "site"
    for text in ("first", "second"):
        staging = output.new_staging_dir(final)
        (staging / "index.html").write_text(text)
        output.swap_into_place(staging, final)
        assert (final / "index.html").read_text() == text
    wait_for_old_sites(project)
    assert leftovers(project) == []


def test_the_swap_exchanges_the_folders_in_one_step(project, monkeypatch):
    from generator.site import output

    final = project / "site"
    final.mkdir()
    staging = output.new_staging_dir(final)
    (staging / "index.html").write_text("new")
    exchanged = []
    real = output._exchange
    monkeypatch.setattr(output, "_exchange", lambda a, b: exchanged.append(real(a, b)) or
                        exchanged[-1])
    monkeypatch.setattr(os, "rename", _no_rename_of(final, os.rename))
    output.swap_into_place(staging, final)
    assert exchanged == [True] and (final / "index.html").read_text() == "new"


def _no_rename_of(final: Path, rename):
    """os.rename that fails if site/ itself is renamed away (the exchange never needs it)."""
    def checked(source, target):
        assert Path(source) != final, "site/ was renamed away"
        return rename(source, target)
    return checked


@pytest.mark.parametrize("unlinks", [0, 1])
def test_a_reject_killed_before_its_removals_are_done_is_finished_by_running_it_again(
        project, unlinks):
    # reject records the papers first, then deletes their files: a kill in between leaves them
    # rejected and present, which `digest check` reports with the fix, never deleted and lost.
    from generator.cli import main

    assert run_digest("import", "--year", "2025", str(LISTINGS / "metadata_block.txt"),
                      cwd=project).returncode == 0
    names = sorted(path.name for path in (project / "content/papers").iterdir())
    assert len(names) == 2
    reject = ["--project", str(project), "reject", *names, "--reason", "off topic",
              "--date", "2026-03-10"]
    pid = os.fork()
    if pid == 0:  # the reject, killed before unlink number `unlinks`
        unlink, done = Path.unlink, [0]

        def dying_unlink(self, *args, **kwargs):
            if self.suffix == ".md":
                if done[0] == unlinks:
                    os._exit(9)
                done[0] += 1
            unlink(self, *args, **kwargs)

        Path.unlink = dying_unlink
        try:
            main(reject, standalone_mode=False)
        finally:
            os._exit(0)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 9
    check = run_digest("check", cwd=project)
    assert check.returncode == 1
    problems = check.stderr.splitlines()
    assert len(problems) == 3 - unlinks and problems[-1] == f"{2 - unlinks} problem(s) in content/"
    assert all("this paper was rejected on 2026-03-10 (content/rejected.yml:" in line
               and line.endswith(": off topic): delete its file, or remove its entry from "
                                 "content/rejected.yml to keep it") for line in problems[:-1])
    assert leftovers(project) == []
    # Rejecting again the papers check names (a deleted one is no longer a paper to name).
    named = [line.split(":", 1)[0].removeprefix("content/papers/") for line in problems[:-1]]
    assert named == names[unlinks:]
    again = run_digest("reject", *named, "--reason", "off topic", "--date", "2026-03-10",
                       cwd=project)
    assert again.returncode == 0, again.stderr
    assert again.stdout.endswith(f"{len(named)} rejected, 0 new in content/rejected.yml: imports "
                                 "and fetches will skip them\n")
    assert run_digest("check", cwd=project).returncode == 0
    assert not list((project / "content/papers").iterdir())


def test_reject_and_resolve_wait_for_the_lock_and_change_nothing_without_it(project):
    from generator.site.output import project_lock
    from test_resolve import search_server

    assert run_digest("import", "--year", "2025", str(LISTINGS / "metadata_block.txt"),
                      cwd=project).returncode == 0
    before = content_files(project)
    (name, *_) = sorted(path.name for path in (project / "content/papers").iterdir())
    wait = {"DIGEST_LOCK_WAIT": "1"}
    with project_lock(project), search_server() as url:
        reject = run_digest("reject", name, "--reason", "x", cwd=project, env=wait)
        resolve = run_digest("resolve", "--api-url", url, "--delay", "0", cwd=project, env=wait)
    for result in (reject, resolve):
        assert result.returncode == 1
        assert result.stderr.endswith(
            f"waiting for another digest command (pid {os.getpid()}) to finish...\n"
            f"another digest command (pid {os.getpid()}) is still running after 1 s; nothing "
            "was done\n"), result.stderr
    assert "found" in resolve.stdout  # it looked the ids up, then could not import them
    assert content_files(project) == before
    assert leftovers(project) == []
