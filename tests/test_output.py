"""The one writer: paths that would leave the output folder are refused, only changes written."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from generator.render.pages import Deferred
from generator.site.output import UnsafePathError, write_tree


@pytest.mark.parametrize("path", ["../x.md", "/etc/x", "a/../../x.md", "a\\b.md", "", "a//b.md",
                                  "./a.md", "a/./b.md", "papers/../../x"])
def test_paths_that_could_leave_the_folder_are_refused(tmp_path, path):
    with pytest.raises(UnsafePathError):
        write_tree(tmp_path / "out", {path: "x"})
    assert not (tmp_path / "x.md").exists()


@pytest.mark.parametrize("path", ["papers/x.md", "papers/.hidden/x.md"])  # fast and exact path
def test_no_writing_through_a_symlinked_folder(tmp_path, path):
    outside = tmp_path / "outside"
    outside.mkdir()
    root = tmp_path / "out"
    root.mkdir()
    (root / "papers").symlink_to(outside)
    with pytest.raises(UnsafePathError, match="symlink"):
        write_tree(root, {"index.md": "home", path: "x"})
    assert list(outside.iterdir()) == [] and not (root / "index.md").exists()


def test_only_changed_files_are_written_and_stale_ones_removed(tmp_path):
    root = tmp_path / "out"
    manifest: dict = {}
    renders = []

    def page(text: str) -> Deferred:
        return Deferred(text, lambda: renders.append(text) or text)

    files = {"a.md": "A", "sub/b.md": page("B"), "sub/c.md": page("C")}
    assert write_tree(root, files, manifest) == (["a.md", "sub/b.md", "sub/c.md"], [])
    (root / "stale.md").write_text("old")
    renders.clear()
    files = {"a.md": "A", "sub/b.md": page("B2"), "sub/c.md": page("C")}
    assert write_tree(root, files, manifest) == (["sub/b.md"], ["stale.md"])
    assert renders == ["B2"]  # c.md's inputs and file did not change: not even rendered
    assert (root / "sub/b.md").read_text() == "B2"


def test_a_symlinked_output_folder_is_neither_entered_nor_cleaned(tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "precious.txt").write_text("keep")
    (tmp_path / "out").symlink_to(outside)
    with pytest.raises(UnsafePathError, match="^out: symlink not allowed$"):
        write_tree(tmp_path / "out", {"index.md": "home"})
    assert sorted(p.name for p in outside.iterdir()) == ["precious.txt"]


def test_a_symlink_below_the_output_folder_stops_the_cleaning_before_any_deletion(tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "precious.txt").write_text("keep")
    root = tmp_path / "out"
    (root / "sub").mkdir(parents=True)
    (root / "stale.md").write_text("old")
    (root / "sub" / "link").symlink_to(outside)
    with pytest.raises(UnsafePathError, match="^out/sub/link: symlink not allowed$"):
        write_tree(root, {"index.md": "home"})
    assert (root / "stale.md").exists() and (outside / "precious.txt").exists()


def test_content_files_are_staged_committed_then_moved_sources_first(tmp_path, monkeypatch):
    import os

    from generator.site import output

    root, staging = tmp_path / "content", tmp_path / "staging"
    staging.mkdir()
    moved = []
    replace = os.replace
    monkeypatch.setattr(os, "replace", lambda a, b: (moved.append(Path(b).relative_to(tmp_path)
                                                                   .as_posix()), replace(a, b)))
    files = {"papers/a.md": "A", "sources/s.txt": "S", "papers/b.md": "B"}
    assert output.write_files(root, files, staging) == sorted(files)
    commit, *renames = moved
    assert re.fullmatch(r"staging/staging-\w+/moves\.json", commit)
    assert renames == ["content/sources/s.txt", "content/papers/a.md", "content/papers/b.md"]
    assert list(staging.iterdir()) == []
    moved.clear()
    assert output.write_files(root, {**files, "papers/b.md": "B2"}, staging) == ["papers/b.md"]
    assert moved[1:] == ["content/papers/b.md"] and (root / "papers/b.md").read_text() == "B2"
