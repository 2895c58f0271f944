"""MkDocs' build with page rendering shared by a forked child: the same site, byte for byte, and
the child's warnings and failures stop the build as the parent's do."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import mkdocs.commands.build as mkdocs_build
import pytest
from mkdocs.exceptions import Abort

from conftest import LISTINGS, make_project, run_digest
from generator import mkdocs_run
from generator.build import load_mkdocs_config
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
def shared_pages(monkeypatch) -> list[int]:
    """Share pages even on the tiny sample; returns how many pages each child was given."""
    monkeypatch.setattr(mkdocs_run, "MIN_PAGES", 2)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1735689600")  # sitemap.xml.gz's header
    given: list[int] = []
    start_child = mkdocs_run._start_child

    def spy(build_page, pages, *args):
        given.append(len(pages))
        return start_child(build_page, pages, *args)

    monkeypatch.setattr(mkdocs_run, "_start_child", spy)
    return given


def test_shared_build_is_byte_identical_to_mkdocs_alone(generated, shared_pages, tmp_path):
    mkdocs_build.build(load_mkdocs_config(generated, site_dir=str(tmp_path / "alone"),
                                          strict=True))
    mkdocs_run.build_mkdocs(load_mkdocs_config(generated, site_dir=str(tmp_path / "shared"),
                                               strict=True))
    papers = len(list((generated / "docs/papers").glob("*.md")))
    assert shared_pages and shared_pages[0] >= papers // 2  # the child rendered its half
    alone, shared = digest_tree(tmp_path / "alone"), digest_tree(tmp_path / "shared")
    assert len(alone) > papers and shared == alone


def _in_child_only(action):
    """MkDocs' page renderer, doing `action(page)` first when it runs in a forked child."""
    parent, render = os.getpid(), mkdocs_build._build_page

    def build_page(page, *args, **kwargs):
        if os.getpid() != parent:
            action(page)
        return render(page, *args, **kwargs)

    return build_page


def test_a_warning_in_the_child_fails_a_strict_build(generated, shared_pages, tmp_path,
                                                     monkeypatch):
    warn = lambda page: logging.getLogger("mkdocs.test").warning(  # noqa: E731
        f"odd page {page.file.src_uri}")
    monkeypatch.setattr(mkdocs_build, "_build_page", _in_child_only(warn))
    config = load_mkdocs_config(generated, site_dir=str(tmp_path / "site"), strict=True)
    with pytest.raises(Abort) as failed:
        mkdocs_run.build_mkdocs(config)
    # Each page the child rendered warned once.
    assert str(failed.value) == f"Aborted with {shared_pages[0]} warnings in strict mode!"


def test_a_failure_in_the_child_fails_the_build(generated, shared_pages, tmp_path, monkeypatch):
    def fail(page):
        raise RuntimeError(f"cannot render {page.file.src_uri}")

    monkeypatch.setattr(mkdocs_build, "_build_page", _in_child_only(fail))
    config = load_mkdocs_config(generated, site_dir=str(tmp_path / "site"), strict=True)
    with pytest.raises(Abort, match=r"^rendering pages in the second process failed: "
                                    r"RuntimeError: cannot render \S+\.md$"):
        mkdocs_run.build_mkdocs(config)


def test_other_mkdocs_versions_build_in_one_process(generated, shared_pages, tmp_path,
                                                    monkeypatch):
    monkeypatch.setattr(mkdocs_run, "CHECKED_VERSION", "0.0")
    mkdocs_run.build_mkdocs(load_mkdocs_config(generated, site_dir=str(tmp_path / "site"),
                                               strict=True))
    assert shared_pages == [] and (tmp_path / "site/index.html").is_file()
