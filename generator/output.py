"""The one module that writes files: content files, the generated docs/ tree, the site swap.

It writes only what changed (so MkDocs' live reload and a no-change rebuild stay cheap), removes
what is stale, refuses any path that would leave its folder, and swaps a finished site into
place only once it is complete.
"""

from __future__ import annotations

import contextlib
import functools
import itertools
import os
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Callable

from .sharing import share_forked


class UnsafePathError(ValueError):
    """A generated path that would land outside its output folder."""


# Relative paths of plain names (none empty, none starting with a dot): nothing to climb with.
_PLAIN_PATH = re.compile(r"[A-Za-z0-9_][A-Za-z0-9._-]*(?:/[A-Za-z0-9_][A-Za-z0-9._-]*)*")


def safe_target(root: Path, relpath: str, checked: set | None = None) -> Path:
    """root/relpath, refusing absolute paths, '..', backslashes and hidden tricks.

    `checked` remembers folders already found not to be symlinks (one check per folder when
    thousands of files share it).
    """
    if checked is not None and _PLAIN_PATH.fullmatch(relpath):  # the usual case, 10x faster
        folder = relpath.rpartition("/")[0]
        while folder and folder not in checked:
            if os.path.islink(os.path.join(root, folder)):
                raise UnsafePathError(f"refusing to write through a symlink: {relpath!r}")
            checked.add(folder)
            folder = folder.rpartition("/")[0]
        return root / relpath
    pure = PurePosixPath(relpath)
    if (pure.is_absolute() or not pure.parts or any(p in ("", ".", "..") for p in pure.parts)
            or "\\" in relpath or "\x00" in relpath or relpath != pure.as_posix()):
        raise UnsafePathError(f"refusing to write outside {root}: {relpath!r}")
    # Plain relative parts cannot climb out; only a symlink inside root could, so look for one.
    target = root.joinpath(*pure.parts)
    for parent in list(target.parents)[: len(pure.parts) - 1]:
        if checked is not None and parent in checked:
            continue
        if parent.is_symlink():
            raise UnsafePathError(f"refusing to write through a symlink: {relpath!r}")
        if checked is not None:
            checked.add(parent)
    return target


def write_file(target: Path, text: str, direct_new: bool = False) -> bool:
    """Write text if it differs; returns whether it wrote.

    The file is replaced atomically (temp file + rename), so a reader (MkDocs' live reload, a
    curator's editor) never sees it half-written, and a crash never leaves half a content file.
    With `direct_new`, for build output only, a new file is written directly: a half-written one
    is rewritten by the next build (its manifest entry is saved only after the writing), and it
    halves the cost of a first build.
    """
    data = text.encode("utf-8")
    try:
        if target.read_bytes() == data:
            return False
    except FileNotFoundError:
        target.parent.mkdir(parents=True, exist_ok=True)
        if direct_new:
            try:
                with open(target, "xb") as handle:
                    handle.write(data)
                return True
            except FileExistsError:  # appeared meanwhile: replace it atomically below
                pass
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


CHUNK = 50  # files rendered at a time by write_tree's processes


def _render(value: Deferred) -> str:
    return value.render()


def write_files(root: Path, files: dict[str, str]) -> list[str]:
    """Write {relative path: text} under root; returns the paths that changed, sorted."""
    checked: set = set()  # folders known not to be symlinks
    targets = {rel: safe_target(root, rel, checked) for rel in files}  # check all before writing
    return [rel for rel in sorted(files) if write_file(targets[rel], files[rel])]


def remove_files(root: Path, files: list[str]) -> list[str]:
    """Delete these files under root (content files a command removes); returns those removed."""
    checked: set = set()
    targets = {rel: safe_target(root, rel, checked) for rel in files}  # check all before removing
    removed = []
    for rel in sorted(files):
        with contextlib.suppress(FileNotFoundError):
            targets[rel].unlink()
            removed.append(rel)
    return removed


def write_tree(root: Path, files: dict[str, str | Deferred], manifest: dict | None = None,
               progress=None) -> tuple[list[str], list[str]]:
    """Make root hold exactly these files: write the changed ones, delete the stale ones.

    `manifest` (path -> key, size, mtime of the last write) lets a Deferred file whose key and
    file are unchanged be skipped without rendering or reading it; it is updated in place.
    """
    checked: set = set()  # folders known not to be symlinks
    targets = {rel: safe_target(root, rel, checked) for rel in files}  # check all before writing
    previous = dict(manifest or {})
    fresh: dict[str, tuple] = {}
    todo = []
    for rel in sorted(files):
        value = files[rel]
        if isinstance(value, Deferred) and not is_stale(targets[rel], value, previous.get(rel)):
            fresh[rel] = previous[rel]
        else:
            todo.append(rel)
    # A forked child renders while this process writes what is ready, and renders too when
    # nothing is: creating files is kernel work that does not parallelise within one folder
    # (two processes creating 2,000 files in one folder took as long as one), so one process
    # writes.
    changed: list[str] = []
    step = itertools.count(1)

    def write(rel: str, text: str) -> None:
        if progress is not None:
            progress(next(step), len(todo), f"writing {root.name}/")
        target, value = targets[rel], files[rel]
        if write_file(target, text, direct_new=True):
            changed.append(rel)
        stat = target.stat()
        fresh[rel] = (value.key if isinstance(value, Deferred) else None,
                      stat.st_size, stat.st_mtime_ns)

    rendered = [rel for rel in todo if isinstance(files[rel], Deferred)]
    with contextlib.closing(share_forked(_render, [files[rel] for rel in rendered], CHUNK)
                            ) as chunks:
        for rel in todo:
            if not isinstance(files[rel], Deferred):
                write(rel, files[rel])
        for start, texts in chunks:
            for rel, text in zip(rendered[start : start + len(texts)], texts):
                write(rel, text)
    changed.sort()
    if manifest is not None:
        manifest.clear()
        manifest.update(sorted(fresh.items()))
    keep = {str(target) for target in targets.values()}
    removed = []
    for folder, dirs, names in os.walk(root, topdown=False):
        for name in names:
            path = os.path.join(folder, name)
            if path not in keep:
                os.unlink(path)
                removed.append(Path(path).relative_to(root).as_posix())
        for name in dirs:
            path = os.path.join(folder, name)
            if not os.path.islink(path) and not os.listdir(path):
                os.rmdir(path)
    return changed, sorted(removed)


def new_staging_dir(final: Path) -> Path:
    """An empty folder beside `final` to build into (same file system, so the swap is a rename)."""
    final.parent.mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(dir=final.parent, prefix=f".{final.name}-new-"))


def swap_into_place(staging: Path, final: Path) -> None:
    """Replace `final` by the finished `staging` folder, then delete the old one.

    The swap is two renames. Deleting the old site takes seconds at 20,000 papers (40,000
    files), so a detached process does it; old folders it left behind are included.
    """
    if final.exists():
        old = Path(tempfile.mkdtemp(dir=final.parent, prefix=f".{final.name}-old-"))
        old.rmdir()
        os.rename(final, old)
    os.rename(staging, final)
    leftovers = sorted(str(p) for p in final.parent.glob(f".{final.name}-old-*"))
    if leftovers:
        subprocess.Popen(
            [sys.executable, "-c", "import shutil, sys\n"
             "for path in sys.argv[1:]: shutil.rmtree(path, ignore_errors=True)", *leftovers],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            start_new_session=True)


def discard(staging: Path) -> None:
    """Remove an unfinished build."""
    shutil.rmtree(staging, ignore_errors=True)
