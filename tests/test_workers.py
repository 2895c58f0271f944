"""The build's workers (site/pool.py): a failing worker is a clear error, no worker outlives
its build however it ends, and the site is the same bytes whatever the number of workers."""

from __future__ import annotations

import multiprocessing
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import LISTINGS, make_project, run_digest
from test_build import digest_tree


@pytest.fixture
def imported(tmp_path) -> Path:
    project = make_project(tmp_path / "digest")
    for listing in ("metadata_block.txt", "upvotes_and_years.txt"):
        result = run_digest("import", "--year", "2025", str(LISTINGS / listing), cwd=project)
        assert result.returncode == 0, result.stderr
    return project


def _fresh(project: Path) -> None:
    """Forget docs/ and the cache, so the next build renders every page again."""
    import shutil

    for folder in ("docs", ".cache"):
        shutil.rmtree(project / folder, ignore_errors=True)


def test_the_site_is_the_same_whatever_the_number_of_workers(imported):
    from generator.site.build import build_site

    assert run_digest("build", "--jobs", "1", cwd=imported).returncode == 0
    site = digest_tree(imported / "site")
    _fresh(imported)
    assert run_digest("build", "--force", cwd=imported, env={"DIGEST_JOBS": "3"}).returncode == 0
    assert digest_tree(imported / "site") == site
    _fresh(imported)
    build_site(imported, echo=lambda *a: None, force=True, jobs=0)  # no workers, as serve
    assert digest_tree(imported / "site") == site


def test_only_workers_drop_the_renderings_their_paper_pages_cached(imported):
    """A worker gives its cached abstracts back after each task; a process rendering pages
    itself (as `digest serve` does on every edit) keeps them for its feeds and next rebuild."""
    from generator.render.text import render_abstract_html
    from generator.site.build import generate_docs
    from generator.site.config import load_mkdocs_config
    from generator.site.pool import Pool

    config = load_mkdocs_config(imported, site_dir=str(imported / "out"), strict=True)
    with Pool(1) as pool:
        assert pool.forked
        generate_docs(imported, config, pool)
        assert pool.submit(_cached_abstracts).result() == 0
    render_abstract_html.cache_clear()
    _fresh(imported)
    generate_docs(imported, config, Pool(0))
    assert _cached_abstracts() >= 2  # both listings' papers, each page rendered here


def _cached_abstracts() -> int:
    from generator.render.text import render_abstract_html

    return render_abstract_html.cache_info().currsize


def _build_in_process(project: Path, *args: str, env: dict | None = None):
    """`digest build` through the real command, in this process (so that what a test patches
    reaches the workers forked from it). Only for builds that fail: a finished build ends its
    process."""
    from generator.cli import main

    result = CliRunner().invoke(main, ["--project", str(project), "build", *args], env=env)
    assert result.exit_code != 0, "a successful build would have ended the test process"
    return result


@pytest.mark.parametrize("how", ["raises", "dies"])
def test_a_failing_worker_fails_the_build_with_its_error_and_no_traceback(imported,
                                                                          monkeypatch, how):
    from generator.site import build

    assert run_digest("build", cwd=imported).returncode == 0
    site = digest_tree(imported / "site")
    render, parent = build.render_paper_page, os.getpid()

    def render_in_worker(paper, *args):
        if os.getpid() != parent:
            if how == "dies":
                os._exit(3)  # as a worker killed by the system
            raise RuntimeError(f"cannot render {paper.name}")
        return render(paper, *args)

    monkeypatch.setattr(build, "render_paper_page", render_in_worker)
    (imported / "docs").joinpath("papers").rename(imported / "old-papers")  # to be rendered
    result = _build_in_process(imported, "--force", "--jobs", "2")
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    if how == "raises":
        assert re.fullmatch(r"the build failed in a worker process: RuntimeError: cannot render "
                            r"\S+ \(at \S+test_workers\.py:\d+, in render_in_worker\)", lines[0])
    else:
        assert lines[0] == ("the build failed in a worker process: a worker process ended "
                            "unexpectedly (killed, or out of memory)")
    assert lines[1:] == ["site/ is unchanged"]
    assert "Traceback" not in result.output + result.stderr
    assert multiprocessing.active_children() == []
    assert digest_tree(imported / "site") == site
    assert not list(imported.glob(".site-new-*"))


@pytest.mark.parametrize("case", ["content unchanged", "unknown mkdocs.yml key", "no site_url",
                                  "broken paper", "MkDocs fails", "interrupted"])
def test_no_worker_outlives_a_build(imported, monkeypatch, case):
    import mkdocs.commands.build

    from generator.site.build import BuildError, build_site, generate_docs, load_mkdocs_config
    from generator.site.pool import Pool

    expected = BuildError
    if case == "content unchanged":
        assert run_digest("build", cwd=imported).returncode == 0
        expected = None
    if case == "unknown mkdocs.yml key":  # before the build reads anything
        config = imported / "mkdocs.yml"
        config.write_text(config.read_text() + "\nno_such_setting: 1\n")
    if case == "no site_url":
        config = imported / "mkdocs.yml"
        config.write_text(re.sub(r"^site_url: .*$", "", config.read_text(), flags=re.M))
    if case == "broken paper":
        paper = next((imported / "content/papers").glob("*.md"))
        paper.write_text(re.sub(r"^upvotes: .*$", "upvotes: lots", paper.read_text(),
                                count=1, flags=re.M))
    if case in ("MkDocs fails", "interrupted"):  # while the workers render the extras
        from mkdocs.exceptions import MkDocsException

        def fail(config):
            assert len(multiprocessing.active_children()) == 2  # the workers run
            raise MkDocsException("broken") if case == "MkDocs fails" else KeyboardInterrupt

        monkeypatch.setattr(mkdocs.commands.build, "build", fail)
        expected = BuildError if case == "MkDocs fails" else KeyboardInterrupt
    if case == "no site_url":  # found while docs/ is generated, as `digest serve` does it
        with pytest.raises(BuildError, match="site_url"), Pool(2) as pool:
            generate_docs(imported, load_mkdocs_config(imported), pool)
    elif expected is None:
        assert build_site(imported, echo=lambda *a: None, jobs=2).startswith("unchanged")
    else:
        with pytest.raises(expected):
            build_site(imported, echo=lambda *a: None, jobs=2)
    assert multiprocessing.active_children() == []


def _children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        found += [int(c) for c in (task / "children").read_text().split()]
    return found


def _gone(pid: int) -> bool:
    try:  # an orphan's zombie counts as gone: it runs no more, holds no lock
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
    except FileNotFoundError:
        return True


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_workers_end_when_their_build_is_killed(imported):
    process = subprocess.Popen([sys.executable, "-m", "generator", "build", "--jobs", "2"],
                               cwd=imported, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline = time.monotonic() + 120
        while len(workers := _children(process.pid)) < 2 and process.poll() is None:
            assert time.monotonic() < deadline
            time.sleep(0.01)
        assert process.poll() is None, "the build ended before its workers were seen"
        process.send_signal(signal.SIGKILL)  # the build alone, not its process group
        process.wait()
        deadline = time.monotonic() + 10
        while not all(map(_gone, workers)):
            assert time.monotonic() < deadline, "a worker outlived its build"
            time.sleep(0.05)
    finally:
        with_group = process.poll() is None
        if with_group:
            os.killpg(process.pid, signal.SIGKILL)
    # The project lock went with them: the next build runs at once.
    result = run_digest("build", cwd=imported, env={"DIGEST_LOCK_WAIT": "1"})
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("option, env, message", [
    (["--jobs", "0"], {}, "0 is not in the range x>=1."),
    ([], {"DIGEST_JOBS": "many"}, "'many' is not a valid integer range."),
])
def test_a_wrong_number_of_jobs_is_a_usage_error(project, option, env, message):
    result = run_digest("build", *option, cwd=project, env=env)
    assert result.returncode == 2
    assert result.stderr.splitlines()[-1] == ("Error: Invalid value for '--jobs' (env var: "
                                              f"'DIGEST_JOBS'): {message}")


@pytest.mark.parametrize("option, env, jobs", [([], {}, None), (["--jobs", "3"], {}, 3),
                                               ([], {"DIGEST_JOBS": "5"}, 5),
                                               (["--jobs", "2"], {"DIGEST_JOBS": "5"}, 2)])
def test_the_workers_number_comes_from_jobs_or_digest_jobs(project, monkeypatch, option, env,
                                                           jobs):
    from generator.problems import BuildError
    from generator.site import build
    from generator.site.pool import Pool, default_jobs

    asked = []

    class Asked(Pool):
        def __init__(self, jobs=None):
            asked.append(jobs)
            raise BuildError("stopped here")

    monkeypatch.setattr(build, "Pool", Asked)
    monkeypatch.delenv("DIGEST_JOBS", raising=False)
    result = _build_in_process(project, *option, env=env)
    assert result.stderr == "stopped here\n" and asked == [jobs]
    assert Pool().jobs == default_jobs() == os.cpu_count()
