"""The one module that writes files: content files, the generated docs/ tree, the site swap.

It writes only what changed (so MkDocs' live reload and a no-change rebuild stay cheap), removes
what is stale (only inside its own real folders, never through a symlink), refuses any path
that would leave its folder, writes content files all or nothing, and swaps a finished site
into place only once it is complete. It also holds the project lock that keeps two writing
commands apart, and cleans up after a killed one.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import itertools
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable
from pathlib import Path, PurePosixPath

from generator.files import FileRefused, is_real_folder, read_file, real_folder

try:
    import fcntl
except ImportError:  # Windows
    fcntl = None

STAGING_PREFIX = "staging-"  # folders of files being written into content/, under the cache
JOURNAL = "moves.json"  # a staging folder's renames; once it is there, the write is committed
_PLAIN_NAME = re.compile(r"[0-9]+")  # the names of staged files


class UnsafePathError(ValueError):
    """A generated path that would land outside its output folder."""


# Relative paths of plain names (none empty, none starting with a dot): nothing to climb with.
_PLAIN_PATH = re.compile(r"[A-Za-z0-9_][A-Za-z0-9._-]*(?:/[A-Za-z0-9_][A-Za-z0-9._-]*)*")


def safe_target(root: Path, relpath: str, checked: set | None = None) -> Path:
    """root/relpath, refusing absolute paths, '..', backslashes and hidden tricks.

    `checked` remembers folders already found not to be symlinks (one check per folder when
    thousands of files share it).
    """
    if checked is not None and _PLAIN_PATH.fullmatch(relpath):  # the usual case, and cheaper than resolving
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
    replace_file(target, data)
    return True


def replace_file(target: Path, data: bytes) -> None:
    """Write data to target atomically: into a temporary file beside it, then one rename.

    The temporary name is this process' own, so two writers never write into the same file;
    a crash leaves the old file whole (and, in the cache, a `.tmp` that clean_stale removes).
    """
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.chmod(tmp, 0o644)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


@contextlib.contextmanager
def temporary_file(name: str, text: str):
    """A file `name` holding text, in a new private folder removed on leaving (with the file).

    A fetched answer is handed to the importer this way, as the file it reads like any source.
    """
    with tempfile.TemporaryDirectory(prefix="digest-") as folder:
        path = Path(folder) / name
        replace_file(path, text.encode("utf-8"))
        yield path


def is_stale(target: Path, value, known: tuple | None) -> bool:
    """Whether a deferred file (one with a `key` summing up its inputs, and `render()`) must be
    rendered: new inputs, or the file is not as written."""
    if not known or known[0] != value.key:
        return True
    try:
        stat = target.stat()
    except OSError:
        return True
    return known[1:] != (stat.st_size, stat.st_mtime_ns)


def stale_files(root: Path, files: dict, manifest: dict | None) -> list[str]:
    """The deferred files of `files` that write_tree would render (sorted)."""
    known = manifest or {}
    return [rel for rel in sorted(files) if not isinstance(files[rel], str)
            and is_stale(root / rel, files[rel], known.get(rel))]


def _check_root(root: Path) -> None:
    """An output folder must be a real folder (made here if missing), never a symlink."""
    if os.path.islink(root):
        raise UnsafePathError(f"{root.name}: symlink not allowed")
    root.mkdir(parents=True, exist_ok=True)


def write_files(root: Path, files: dict[str, str], staging_parent: Path,
                executable: frozenset[str] = frozenset()) -> list[str]:
    """Write {relative path: text} under root, all or nothing; returns the paths that changed.
    The paths in `executable` are written as scripts (mode 755; every other file 644).

    Every changed file is first written in full into a new folder under `staging_parent` (on
    the same file system); then the list of renames to make is written there (the journal,
    itself put in place by one rename: the commit), then each file is moved into place with
    one rename, files under `sources/` first. A kill before the commit changes nothing: the
    next command removes the staging folder. A kill after it leaves a write the next command
    finishes from the journal (`clean_stale`), so no reader is left with half an import: a
    source stored whose papers are not, or papers of a source not yet stored.
    """
    _check_root(root)
    checked: set = set()  # folders known not to be symlinks
    targets = {rel: safe_target(root, rel, checked) for rel in files}  # check all before writing
    changed = []
    for rel in sorted(files):
        try:
            if read_file(targets[rel], len(files[rel].encode("utf-8"))).decode(
                    "utf-8") == files[rel]:
                continue
        except (OSError, UnicodeDecodeError):  # missing, or not what it should be
            pass
        changed.append(rel)
    if not changed:
        return []
    staging = Path(tempfile.mkdtemp(dir=staging_parent, prefix=STAGING_PREFIX))
    try:
        staged = {}
        for number, rel in enumerate(changed):
            staged[rel] = staging / str(number)
            with open(staged[rel], "xb") as handle:
                handle.write(files[rel].encode("utf-8"))
            os.chmod(staged[rel], 0o755 if rel in executable else 0o644)
        order = sorted(changed, key=lambda rel: (not rel.startswith("sources/"), rel))
        journal = {"root": os.path.relpath(root, staging),
                   "moves": [[staged[rel].name, rel] for rel in order]}
        with open(staging / f"{JOURNAL}.tmp", "x", encoding="utf-8") as handle:
            json.dump(journal, handle)
        os.replace(staging / f"{JOURNAL}.tmp", staging / JOURNAL)
        _move_staged(staging, root, journal["moves"], checked)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return changed


def _move_staged(staging: Path, root: Path, moves: list, checked: set) -> int:
    """Move each staged file of the journal still in `staging` to root/its path, in the
    journal's order; returns how many moved. Files already moved are skipped, so a write
    killed half-way is finished by doing this again."""
    moved = 0
    for name, rel in moves:
        target = safe_target(root, rel, checked)
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(staging / name, target)
        except FileNotFoundError:
            if not os.path.lexists(staging / name):
                continue  # moved before the kill
            raise
        moved += 1
    return moved


def _finish_staged(project: Path, staging: Path) -> int | None:
    """Finish a committed write a kill interrupted; returns how many files it moved, or None
    when the staging folder holds no (readable) journal: a write killed before its commit."""
    try:
        with open(staging / JOURNAL, encoding="utf-8") as handle:
            journal = json.load(handle)
        root = Path(os.path.normpath(staging / journal["root"]))
        moves = [(str(name), str(rel)) for name, rel in journal["moves"]]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if not all(_PLAIN_NAME.fullmatch(name) for name, _ in moves) or (
            root != project and project not in root.parents):
        return None  # not a journal this module wrote: nothing is moved on its word
    checked: set = set()
    try:
        _check_root(root)
        for _, rel in moves:  # all checked before any is moved, as when it was written
            safe_target(root, rel, checked)
    except UnsafePathError:  # a symlink put in the way since: the write is dropped
        return None
    return _move_staged(staging, root, moves, checked)


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


def write_tree(root: Path, files: dict, manifest: dict | None = None, progress=None,
               rendered: Iterable[tuple[str, str]] = ()) -> tuple[list[str], list[str]]:
    """Make root hold exactly these files: write the changed ones, delete the stale ones.

    A value is a text, or a deferred file: its `key` sums up its inputs and `render()` gives
    its text. `manifest` (path -> key, size, mtime of the last write) lets a deferred file whose
    key and file are unchanged be skipped without rendering or reading it; it is updated in
    place. `rendered` yields (path, text) of stale deferred files rendered elsewhere (by the
    build's workers), written as they arrive; the others are rendered here.
    """
    _check_root(root)
    checked: set = set()  # folders known not to be symlinks
    targets = {rel: safe_target(root, rel, checked) for rel in files}  # check all before writing
    previous = dict(manifest or {})
    fresh: dict[str, tuple] = {}
    todo = []
    for rel in sorted(files):
        value = files[rel]
        if not isinstance(value, str) and not is_stale(targets[rel], value, previous.get(rel)):
            fresh[rel] = previous[rel]
        else:
            todo.append(rel)
    changed: list[str] = []
    step = itertools.count(1)

    def write(rel: str, text: str) -> None:
        if progress is not None:
            progress(next(step), len(todo), f"writing {root.name}/")
        target, value = targets[rel], files[rel]
        if write_file(target, text, direct_new=True):
            changed.append(rel)
        stat = target.stat()
        fresh[rel] = (None if isinstance(value, str) else value.key,
                      stat.st_size, stat.st_mtime_ns)

    for rel in todo:
        if isinstance(files[rel], str):
            write(rel, files[rel])
    for rel, text in rendered:
        if rel not in targets or isinstance(files[rel], str):
            raise ValueError(f"rendered a file that is not a deferred one: {rel!r}")
        write(rel, text)
    for rel in todo:
        if rel not in fresh:
            write(rel, files[rel].render())
    changed.sort()
    if manifest is not None:
        manifest.clear()
        manifest.update(sorted(fresh.items()))
    return changed, remove_stale(root, {str(target) for target in targets.values()})


def remove_stale(root: Path, keep: set[str]) -> list[str]:
    """Delete every file under root not in `keep` (full paths), then empty folders; returns
    the removed paths, relative and sorted.

    Only inside real folders: a symlink anywhere below root stops it before anything is
    deleted (UnsafePathError), and nothing is ever followed.
    """
    stale, folders = [], []
    for folder, dirs, names in os.walk(root, topdown=False):
        for name in dirs + names:
            if os.path.islink(os.path.join(folder, name)):
                shown = Path(folder, name).relative_to(root).as_posix()
                raise UnsafePathError(f"{root.name}/{shown}: symlink not allowed")
        stale += [path for name in names if (path := os.path.join(folder, name)) not in keep]
        folders += [os.path.join(folder, name) for name in dirs]
    for path in stale:
        os.unlink(path)
    for path in folders:  # deepest first (bottom-up walk)
        if not os.listdir(path):
            os.rmdir(path)
    return sorted(Path(path).relative_to(root).as_posix() for path in stale)


def new_staging_dir(final: Path) -> Path:
    """An empty folder beside `final` to build into (same file system, so the swap is a rename)."""
    final.parent.mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(dir=final.parent, prefix=f".{final.name}-new-"))


def _free_name(final: Path, kind: str) -> Path:
    """A name beside `final` that nothing has: `.<name>-<kind>-<random>`."""
    path = Path(tempfile.mkdtemp(dir=final.parent, prefix=f".{final.name}-{kind}-"))
    path.rmdir()
    return path


def _exchange(first: Path, second: Path) -> bool:
    """Swap two folders in one atomic step (Linux renameat2 RENAME_EXCHANGE); False where
    the system or file system cannot."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):  # glibc before 2.28, or another C library
        return False
    at_cwd, rename_exchange = -100, 2
    if renameat2(at_cwd, os.fsencode(first), at_cwd, os.fsencode(second), rename_exchange) == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EPERM):
        return False
    raise OSError(code, os.strerror(code), str(second))


def swap_into_place(staging: Path, final: Path) -> None:
    """Replace `final` by the finished `staging` folder, then delete the old one.

    There is a complete `final` at every moment: the two folders are exchanged in one step
    where the system can. Elsewhere the old one is first renamed `.<name>-swap-*`, and a kill
    before the new one is in place is repaired by the next build (`clean_stale` renames it
    back). Deleting the old site takes seconds at 20,000 papers (40,000 files), so a detached
    process does it; old folders it left behind are included.
    """
    if os.path.islink(final):
        raise UnsafePathError(f"{final.name}: symlink not allowed")
    if os.path.isdir(final):
        if _exchange(staging, final):
            os.rename(staging, _free_name(final, "old"))  # staging now holds the old site
        else:
            aside = _free_name(final, "swap")
            os.rename(final, aside)
            os.rename(staging, final)
            os.rename(aside, _free_name(final, "old"))
    else:
        os.rename(staging, final)
    _delete_detached(_leftovers(final, "old"))


def _leftovers(final: Path, kind: str) -> list[Path]:
    """The real folders `.<name>-<kind>-*` beside final (a symlink of that name is left alone)."""
    return sorted(path for path in final.parent.glob(f".{final.name}-{kind}-*")
                  if path.is_dir() and not path.is_symlink())


def _delete_detached(folders: list[Path]) -> None:
    if folders:
        subprocess.Popen(
            [sys.executable, "-c", "import shutil, sys\n"
             "for path in sys.argv[1:]: shutil.rmtree(path, ignore_errors=True)",
             *map(str, folders)],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            start_new_session=True)


def discard(staging: Path) -> None:
    """Remove an unfinished build."""
    shutil.rmtree(staging, ignore_errors=True)


def committed_writes(project: Path) -> list[Path]:
    """The staging folders of content writes that were committed but not finished (sorted):
    a command killed among its renames, or one making them right now."""
    if not is_real_folder(project, ".cache/digest"):
        return []
    return sorted(path.parent for path in (project / ".cache" / "digest").glob(
        f"{STAGING_PREFIX}*/{JOURNAL}") if not path.parent.is_symlink())


def clean_stale(project: Path) -> list[str]:
    """Repair and remove what killed commands left behind; returns notes for the user.

    Run under the project lock (`project_lock`), so nothing found belongs to a command still
    running: a site/ caught half-way through its swap is put back, unfinished site builds
    (`.site-new-*`) and temporary files of the cache are deleted, a content write killed
    after its commit is finished (its journal says what is left to move) and one killed
    before it is deleted.
    """
    notes = []
    final = project / "site"
    swaps = _leftovers(final, "swap")
    if swaps and not os.path.lexists(final):
        os.rename(swaps.pop(), final)  # the complete site a killed swap had set aside
        notes.append("site/ put back from a build that was interrupted while replacing it")
    for folder in swaps + _leftovers(final, "new"):
        os.rename(folder, _free_name(final, "old"))
    _delete_detached(_leftovers(final, "old"))
    cache = project / ".cache" / "digest"
    if is_real_folder(project, ".cache/digest"):
        with os.scandir(cache) as entries:
            found = list(entries)
        for entry in found:
            if entry.name.startswith(STAGING_PREFIX) and entry.is_dir(follow_symlinks=False):
                moved = _finish_staged(project.absolute(), Path(entry.path).absolute())
                if moved:
                    notes.append(f"moved into place the last {moved} file(s) of a command "
                                 "that was interrupted while writing them into content/")
                elif moved is None and os.listdir(entry.path):  # killed while staging
                    notes.append("removed the files an interrupted import had not moved into "
                                 "place yet (re-run it to finish)")
                shutil.rmtree(entry.path, ignore_errors=True)
            elif (entry.name.startswith(".") and entry.name.endswith(".tmp")
                  and entry.is_file(follow_symlinks=False)):
                os.unlink(entry.path)
    return sorted(set(notes))


class LockTimeout(Exception):
    """Another digest command kept the project for longer than the wait allowed."""


LOCK_WAIT = 600.0  # seconds a command waits for another; DIGEST_LOCK_WAIT overrides it


@contextlib.contextmanager
def project_lock(project: Path, echo=print, wait: float | None = None):
    """Hold the project's lock (`.cache/digest/lock`) for a command that writes the project.

    A second such command waits (saying for whom) until the first ends, at most `wait`
    seconds (then LockTimeout). The lock is the system's (flock): it goes with the process,
    however it ends, so a killed command never leaves the project locked. FileRefused if
    .cache/ or .cache/digest/ is a symlink.
    """
    if fcntl is None:  # no flock (Windows): commands are not kept apart
        yield
        return
    if wait is None:
        try:
            wait = float(os.environ.get("DIGEST_LOCK_WAIT") or LOCK_WAIT)
        except ValueError:
            wait = LOCK_WAIT
    folder = real_folder(project, ".cache/digest")
    try:
        fd = os.open(folder / "lock", os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC,
                     0o644)
    except OSError as exc:
        raise FileRefused(f".cache/digest/lock: cannot be opened: {exc.strerror}") from None
    try:
        if not _try_lock(fd):
            holder = os.pread(fd, 20, 0).decode("ascii", "replace").strip()
            holder = f"pid {holder}" if holder.isdigit() else "pid unknown"
            echo(f"waiting for another digest command ({holder}) to finish...")
            deadline = time.monotonic() + wait
            while not _try_lock(fd):
                if time.monotonic() >= deadline:
                    raise LockTimeout(f"another digest command ({holder}) is still running "
                                      f"after {wait:g} s; nothing was done")
                time.sleep(0.05)
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        yield
    finally:
        os.close(fd)  # releases the lock, unless a forked child still runs with it


def _try_lock(fd: int) -> bool:
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True
