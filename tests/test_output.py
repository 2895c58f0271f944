"""The one writer: paths that would leave the output folder are refused, only changes written."""

from __future__ import annotations

import pytest

from generator.output import Deferred, UnsafePathError, write_tree


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
