"""Running MkDocs' build, with its page rendering shared by two processes.

MkDocs builds in one process: it reads every page (Markdown), then renders each through the
theme's templates and writes it, one after another. The rendering is about half of its time
and leaves the second core idle. Here, at the first page MkDocs renders, a forked child takes
every second page that adds nothing to Material's search index (pages with `search: exclude`:
every paper, theme and month page) and renders those while MkDocs goes on with the others.

Nothing else changes: the same MkDocs build function, the same plugins, the same files (byte
for byte; the tests compare both ways). Rendering a page only reads what the reading step
gathered, and the one plugin that collects state while pages render, search, skips excluded
pages. The child's warnings count in strict mode as the parent's do. The split relies on MkDocs'
internal `_build_page`, so it is used only with the MkDocs version it was checked against;
any other version, or a system without fork, builds in one process.
"""

from __future__ import annotations

import gc
import logging
import os
import threading

from .parallel import ChildFailed, _receive, _reply_and_exit, _terminate

CHECKED_VERSION = "1.6.1"  # the mkdocs version whose _build_page loop this shares
MIN_PAGES = 200  # below this, forking costs more than it saves


def build_mkdocs(config) -> None:
    """mkdocs.commands.build.build(config), rendering pages on two cores where it can."""
    import mkdocs
    from mkdocs.commands import build as mkdocs_build
    from mkdocs.exceptions import Abort

    if (mkdocs.__version__ != CHECKED_VERSION or not hasattr(os, "fork")
            or threading.active_count() > 1):
        mkdocs_build.build(config)
        return
    original = mkdocs_build._build_page
    split: dict = {}  # "theirs": ids of the pages the child renders; "child": (pipe, pid)

    def build_page(page, config, doc_files, nav, env, dirty=False, excluded=False):
        if "theirs" not in split:
            shared = [f.page for f in doc_files if _shareable(f.page)][1::2]
            split["theirs"] = {id(p) for p in shared} if len(shared) >= MIN_PAGES // 2 else set()
            if split["theirs"]:
                split["child"] = _start_child(original, shared, config, doc_files, nav, env,
                                              dirty)
        if id(page) not in split["theirs"]:
            original(page, config, doc_files, nav, env, dirty, excluded)

    mkdocs_build._build_page = build_page
    try:
        mkdocs_build.build(config)
    except BaseException:
        if "child" in split:
            _terminate(split["child"][1])
            _discard(*split["child"])
        raise
    finally:
        mkdocs_build._build_page = original
    if "child" in split:
        try:
            warnings = _receive(*split["child"])
        except ChildFailed as exc:
            raise Abort(f"rendering pages in the second process failed: {exc}") from None
        if warnings and config.strict:
            raise Abort(f"Aborted with {warnings} warnings in strict mode!")


def _shareable(page) -> bool:
    """Whether a page may be rendered in the child: search skips it, so no state is lost."""
    search = page.meta.get("search") or {}
    return bool(search.get("exclude"))


def _start_child(build_page, pages, config, doc_files, nav, env, dirty) -> tuple[int, int]:
    gc.freeze()  # the child only reads these objects: spare their memory pages from its GC
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read_end)
        counter = _WarningCounter()
        logging.getLogger("mkdocs").addHandler(counter)

        def render() -> int:
            for page in pages:
                build_page(page, config, doc_files, nav, env, dirty,
                           page.file.inclusion.is_excluded())
            return counter.count

        _reply_and_exit(write_end, render)
    os.close(write_end)
    return read_end, pid


def _discard(read_end: int, pid: int) -> None:
    os.close(read_end)
    os.waitpid(pid, 0)


class _WarningCounter(logging.Handler):
    """Counts the warnings the child logs (MkDocs' strict mode counts the parent's)."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        self.count += 1
