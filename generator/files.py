"""Reading the project's files without ever following a link: bounded reads, the symlink scan.

Everything under content/ may come from a stranger's pull request, and docs/, site/ and the
cache are folders the build writes and deletes in. A symlink in any of them would make the
build read a file outside the project (and publish it) or delete through it, so none is
followed: the scan reports each as `path: symlink not allowed`, and every read opens the file
itself with O_NOFOLLOW and refuses anything but a regular file of bounded size (a FIFO would
block the read, /dev/zero never ends).
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

from generator.problems import Problem

# The folders of a project the build reads or writes, and whose links it refuses.
CHECKED_FOLDERS = ("content", "docs", "site", ".cache")
OUTPUT_FOLDERS = ("docs", "site", ".cache")
SYMLINK = "symlink not allowed"

_NO_FOLLOW = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0) | getattr(
    os, "O_CLOEXEC", 0)


class FileRefused(OSError):
    """A file that is not read: a symlink, not a regular file, or too large. str() says why."""


def describe_kind(mode: int) -> str:
    """What a non-regular file is, for a message."""
    for test, name in ((stat.S_ISREG, "a regular file"), (stat.S_ISDIR, "a directory"),
                       (stat.S_ISLNK, "a symlink"),
                       (stat.S_ISFIFO, "a FIFO"), (stat.S_ISSOCK, "a socket"),
                       (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device")):
        if test(mode):
            return name
    return "a special file"


def read_file(path: Path | str, limit: int, follow_links: bool = False) -> bytes:
    """The bytes of a regular file of at most `limit` bytes, opened without following a link.

    FileNotFoundError when it is missing; FileRefused (message: why) when it is a symlink,
    anything but a regular file, or larger than the limit. The limit holds however the size
    is reported: at most limit + 1 bytes are ever read. `follow_links` is for a path someone
    typed (a command's argument), never for a file of the project.
    """
    flags = _NO_FOLLOW & ~getattr(os, "O_NOFOLLOW", 0) if follow_links else _NO_FOLLOW
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise FileRefused(SYMLINK) from None
        raise
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise FileRefused(f"not a regular file ({describe_kind(info.st_mode)})")
        if info.st_size > limit:
            raise FileRefused(f"file is larger than {limit} bytes; refused")
        parts, size = [], 0
        while size <= limit:
            part = os.read(fd, min(limit + 1 - size, 1 << 20) or 1)
            if not part:
                break
            parts.append(part)
            size += len(part)
        if size > limit:
            raise FileRefused(f"file is larger than {limit} bytes; refused")
        return b"".join(parts)
    finally:
        os.close(fd)


def is_regular_file(path: Path | str) -> bool:
    """Whether path is a regular file itself (a symlink to one is not)."""
    try:
        return stat.S_ISREG(os.lstat(path).st_mode)
    except OSError:
        return False


def find_symlinks(project: Path, folders=CHECKED_FOLDERS) -> list[Problem]:
    """Every symlink in (or as) these folders of the project, as `path: symlink not allowed`
    (and any of the folders that is a file instead).

    Nothing is followed: a linked folder is reported, not entered.
    """
    found, others = [], []
    for name in folders:
        top = os.path.join(project, name)
        try:
            mode = os.lstat(top).st_mode
        except OSError:
            continue
        if stat.S_ISLNK(mode):
            found.append(name)
            continue
        if not stat.S_ISDIR(mode):  # the build would fail to replace or enter it
            others.append(Problem(name, 0, "", f"not a folder ({describe_kind(mode)})"))
            continue
        stack = [(top, name)]
        while stack:
            folder, shown = stack.pop()
            try:
                entries = os.scandir(folder)
            except OSError:  # not a folder (a file named site), or unreadable: not followed
                continue
            with entries:
                for entry in entries:
                    if entry.is_symlink():
                        found.append(f"{shown}/{entry.name}")
                    elif entry.is_dir(follow_symlinks=False):
                        stack.append((entry.path, f"{shown}/{entry.name}"))
    return sorted(others + [Problem(path, 0, "", SYMLINK) for path in found])


def is_real_folder(project: Path, relpath: str) -> bool:
    """Whether project/relpath exists as folders all the way, none of them a symlink."""
    folder = Path(project)
    for part in relpath.split("/"):
        folder = folder / part
        try:
            if not stat.S_ISDIR(os.lstat(folder).st_mode):  # lstat: a link is not a folder
                return False
        except OSError:
            return False
    return True


def real_folder(project: Path, relpath: str) -> Path:
    """project/relpath as a real folder, made if missing; FileRefused naming the first part of
    the way that is a symlink or not a folder."""
    folder = Path(project)
    shown = []
    for part in relpath.split("/"):
        folder = folder / part
        shown.append(part)
        try:
            mode = os.lstat(folder).st_mode
        except FileNotFoundError:
            try:
                os.mkdir(folder)
            except FileExistsError:  # made meanwhile
                pass
            mode = os.lstat(folder).st_mode
        if stat.S_ISLNK(mode):
            raise FileRefused(f"{'/'.join(shown)}: {SYMLINK}")
        if not stat.S_ISDIR(mode):
            raise FileRefused(f"{'/'.join(shown)}: not a folder ({describe_kind(mode)})")
    return folder
