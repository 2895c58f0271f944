"""MkDocs' build with page rendering shared by a forked child: the same site, byte for byte, and
the child's warnings and failures stop the build as the parent's do."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import mkdocs.commands.build as mkdocs_build
import pytest
from mkdocs.exceptions import Abort
from mkdocs.structure.pages import Page

from conftest import LISTINGS, make_project, run_digest
from generator.site import mkdocs_run
from generator.site.build import load_mkdocs_config
from test_build import SAMPLE_LISTINGS, digest_tree


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> Path:
    """A project whose docs/ is generated (by a real `digest build`)."""
    project = make_project(tmp_path_factory.mktemp("mkdocs_run") / "digest")
    result = run_digest("import", "--year", "2025",
                        *[str(LISTINGS / n) for n in SAMPLE_LISTINGS], cwd=project)
    assert result.returncode == 0, result.stderr
    assert run_digest("build", cwd=project).returncode == 0
    return project


@pytest.fixture
def shared_pages(monkeypatch) -> dict[str, int]:
    """Share pages even on the tiny sample; returns how many pages each child was given."""
    monkeypatch.setattr(mkdocs_run, "MIN_PAGES", 2)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1735689600")  # sitemap.xml.gz's header
    given: dict[str, int] = {}
    start_reading, start_writing = mkdocs_run._start_reading, mkdocs_run._start_writing

    def spy_reading(reading, *args):
        start_reading(reading, *args)
        given["reading"] = len(reading["theirs"])

    def spy_writing(build_page, pages, *args):
        given["writing"] = len(pages)
        return start_writing(build_page, pages, *args)

    monkeypatch.setattr(mkdocs_run, "_start_reading", spy_reading)
    monkeypatch.setattr(mkdocs_run, "_start_writing", spy_writing)
    return given


def test_shared_build_is_byte_identical_to_mkdocs_alone(generated, shared_pages, tmp_path):
    mkdocs_build.build(load_mkdocs_config(generated, site_dir=str(tmp_path / "alone"),
                                          strict=True))
    mkdocs_run.build_mkdocs(load_mkdocs_config(generated, site_dir=str(tmp_path / "shared"),
                                               strict=True))
    pages = len(list((generated / "docs").rglob("*.md")))
    papers = len(list((generated / "docs/papers").glob("*.md")))
    # Each child did its half: every second page converted, every second paper page written.
    assert shared_pages["reading"] == pages // 2 and shared_pages["writing"] >= papers // 2
    alone, shared = digest_tree(tmp_path / "alone"), digest_tree(tmp_path / "shared")
    assert len(alone) > pages and shared == alone


def _in_child_only(monkeypatch, step: str, action) -> None:
    """Make the child of `step` (reading: Markdown conversion, writing: page rendering) do
    `action(page)` before each of its pages; the parent's pages are untouched."""
    owner, name = (Page, "render") if step == "reading" else (mkdocs_build, "_build_page")
    method, parent = getattr(owner, name), os.getpid()

    def in_child_first(page, *args, **kwargs):
        if os.getpid() != parent:
            action(page)
        return method(page, *args, **kwargs)

    monkeypatch.setattr(owner, name, in_child_first)


def _warn(page) -> None:
    logging.getLogger("mkdocs.test").warning(f"odd page {page.file.src_uri}")


def _fail(page) -> None:
    raise RuntimeError(f"cannot render {page.file.src_uri}")


@pytest.mark.parametrize("step", ["reading", "writing"])
def test_a_warning_in_a_child_fails_a_strict_build(generated, shared_pages, tmp_path,
                                                   monkeypatch, step):
    _in_child_only(monkeypatch, step, _warn)
    config = load_mkdocs_config(generated, site_dir=str(tmp_path / "site"), strict=True)
    with pytest.raises(Abort) as failed:
        mkdocs_run.build_mkdocs(config)
    # Each page the child handled warned once.
    assert str(failed.value) == f"Aborted with {shared_pages[step]} warnings in strict mode!"


@pytest.mark.parametrize("step", ["reading", "writing"])
def test_a_failure_in_a_child_fails_the_build(generated, shared_pages, tmp_path, monkeypatch,
                                              step):
    _in_child_only(monkeypatch, step, _fail)
    config = load_mkdocs_config(generated, site_dir=str(tmp_path / "site"), strict=True)
    with pytest.raises(Abort, match=r"^a page failed in the second process: "
                                    r"RuntimeError: cannot render \S+\.md$"):
        mkdocs_run.build_mkdocs(config)


def test_other_mkdocs_versions_build_in_one_process(generated, shared_pages, tmp_path,
                                                    monkeypatch):
    monkeypatch.setattr(mkdocs_run, "CHECKED_VERSION", "0.0")
    mkdocs_run.build_mkdocs(load_mkdocs_config(generated, site_dir=str(tmp_path / "site"),
                                               strict=True))
    assert shared_pages == {} and (tmp_path / "site/index.html").is_file()
