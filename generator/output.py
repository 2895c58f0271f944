"""The one module that writes files: content files, the generated docs/ tree, the site swap.

It writes only what changed (so MkDocs' live reload and a no-change rebuild stay cheap), removes
what is stale, refuses any path that would leave its folder, and swaps a finished site into
place only once it is complete.
"""

from __future__ import annotations

import functools
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Callable


class UnsafePathError(ValueError):
    """A generated path that would land outside its output folder."""


def safe_target(root: Path, relpath: str) -> Path:
    """root/relpath, refusing absolute paths, '..', backslashes and hidden tricks."""
    pure = PurePosixPath(relpath)
    if (pure.is_absolute() or not pure.parts or any(p in ("", ".", "..") for p in pure.parts)
            or "\\" in relpath or "\x00" in relpath or relpath != pure.as_posix()):
        raise UnsafePathError(f"refusing to write outside {root}: {relpath!r}")
    # Plain relative parts cannot climb out; only a symlink inside root could, so look for one.
    target = root.joinpath(*pure.parts)
    for parent in list(target.parents)[: len(pure.parts) - 1]:
        if parent.is_symlink():
            raise UnsafePathError(f"refusing to write through a symlink: {relpath!r}")
    return target


def write_file(target: Path, text: str) -> bool:
    """Write text atomically (temp file + rename) if it differs; returns whether it wrote."""
    data = text.encode("utf-8")
    if target.is_file() and target.read_bytes() == data:
        return False
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.chmod(tmp, 0o644)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return True


@dataclass(frozen=True)
class Deferred:
    """A file whose text is rendered only when its inputs (summed up by `key`) changed."""

    key: str
    render: Callable[[], str]


def deferred_files(key: str, render_all: Callable[[], dict[str, str]],
                   paths: list[str]) -> dict[str, Deferred]:
    """Several files made by one renderer: rendered together, once, only if any is stale."""
    memo: dict[str, dict[str, str]] = {}

    def render(path: str) -> str:
        if "files" not in memo:
            memo["files"] = render_all()
        return memo["files"][path]

    return {path: Deferred(key, functools.partial(render, path)) for path in paths}


def is_stale(target: Path, value: Deferred, known: tuple | None) -> bool:
    """Whether a Deferred file must be rendered: new inputs, or the file is not as written."""
    if not known or known[0] != value.key:
        return True
    try:
        stat = target.stat()
    except OSError:
        return True
    return known[1:] != (stat.st_size, stat.st_mtime_ns)


def write_files(root: Path, files: dict[str, str]) -> list[str]:
    """Write {relative path: text} under root; returns the paths that changed, sorted."""
    targets = {rel: safe_target(root, rel) for rel in files}  # check every path before writing
    return [rel for rel in sorted(files) if write_file(targets[rel], files[rel])]


def write_tree(root: Path, files: dict[str, str | Deferred], manifest: dict | None = None,
               progress=None) -> tuple[list[str], list[str]]:
    """Make root hold exactly these files: write the changed ones, delete the stale ones.

    `manifest` (path -> key, size, mtime of the last write) lets a Deferred file whose key and
    file are unchanged be skipped without rendering or reading it; it is updated in place.
    """
    targets = {rel: safe_target(root, rel) for rel in files}  # check every path before writing
    previous = dict(manifest or {})
    if manifest is not None:
        manifest.clear()
    changed = []
    for done, rel in enumerate(sorted(files), start=1):
        if progress is not None:
            progress(done, len(files), "writing docs/")
        value, target = files[rel], targets[rel]
        if isinstance(value, Deferred):
            if not is_stale(target, value, previous.get(rel)):
                manifest[rel] = previous[rel]
                continue
            key, value = value.key, value.render()
        else:
            key = None
        if write_file(target, value):
            changed.append(rel)
        if manifest is not None:
            stat = target.stat()
            manifest[rel] = (key, stat.st_size, stat.st_mtime_ns)
    keep = set(targets.values())
    removed = []
    for path in sorted(root.rglob("*"), reverse=True):
        if path.is_file() and path not in keep:
            path.unlink()
            removed.append(path.relative_to(root).as_posix())
        elif path.is_dir() and not any(path.iterdir()):
            path.rmdir()
    return changed, sorted(removed)


def new_staging_dir(final: Path) -> Path:
    """An empty folder beside `final` to build into (same file system, so the swap is a rename)."""
    final.parent.mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(dir=final.parent, prefix=f".{final.name}-new-"))


def swap_into_place(staging: Path, final: Path) -> None:
    """Replace `final` by the finished `staging` folder; the old one is removed afterwards."""
    old = None
    if final.exists():
        old = Path(tempfile.mkdtemp(dir=final.parent, prefix=f".{final.name}-old-"))
        old.rmdir()
        os.rename(final, old)
    os.rename(staging, final)
    if old is not None:
        shutil.rmtree(old)


def discard(staging: Path) -> None:
    """Remove an unfinished build."""
    shutil.rmtree(staging, ignore_errors=True)
