"""Running MkDocs' build with its per-page work shared by two processes.

MkDocs builds in one process, in two passes over the pages: it reads each (Markdown to HTML,
about 80% of its time on our pages), then renders each through the theme's templates and writes
it. The second core stays idle. Here, with the same MkDocs build function and plugins:

- Reading: a child forked at the first page converts the Markdown of every second page, ahead
  of MkDocs, and hands the results back in order. MkDocs still reads every page and runs every
  plugin on it in this process; only the Markdown conversion of those pages is taken from the
  child, which ran the same steps on the same file.
- Writing: a child forked at the first page written renders and writes every second page that
  adds nothing to Material's search index (`search: exclude`: papers, themes, months): search,
  the one plugin that collects state in this pass, skips those pages.

The site is the same, byte for byte (the tests build both ways and compare). The children's
warnings count in strict mode as this process' do, and their failures fail the build. It relies
on MkDocs internals (`Page.render`, `_build_page`), so it is used only with the MkDocs version it
was checked against; any other version, or a system without fork, builds in one process.
"""

from __future__ import annotations

import gc
import logging
import os
import threading

from generator.site.parallel import ChildFailed, receive, reply_and_exit, stream_forked, terminate

CHECKED_VERSION = "1.6.1"  # the mkdocs version whose internals this shares work through
MIN_PAGES = 200  # below this, forking costs more than it saves
CHUNK = 20  # pages converted per message from the reading child


def build_mkdocs(config) -> None:
    """mkdocs.commands.build.build(config), with per-page work on two cores where it can."""
    import mkdocs
    from mkdocs.commands import build as mkdocs_build
    from mkdocs.exceptions import Abort
    from mkdocs.structure.pages import Page

    if (mkdocs.__version__ != CHECKED_VERSION or not hasattr(os, "fork")
            or threading.active_count() > 1):
        mkdocs_build.build(config)
        return
    render, build_page = Page.render, mkdocs_build._build_page
    reading: dict = {}  # "theirs": src_uris the child converts; "chunks", "results": its output
    writing: dict = {}  # "theirs": ids of the pages the child writes; "child": (pipe, pid)

    def shared_render(page, config, files):
        if "theirs" not in reading:
            _start_reading(reading, render, config, files)
        if page.file.src_uri not in reading["theirs"]:
            return render(page, config, files)
        src_uri, content, toc, title, anchors, links, warnings = next(reading["results"])
        if src_uri != page.file.src_uri:  # the two processes would disagree on the page order
            raise RuntimeError(f"converted {src_uri} in the place of {page.file.src_uri}")
        page.content, page.toc, page._title_from_render = content, toc, title
        page.present_anchor_ids = anchors
        if links is not None:
            page.links_to_anchors = {files.get_file_from_path(uri): found
                                     for uri, found in links.items()}
        reading["warnings"] = warnings

    def shared_build_page(page, config, doc_files, nav, env, dirty=False, excluded=False):
        if "theirs" not in writing:
            shared = [f.page for f in doc_files if _shareable(f.page)][1::2]
            writing["theirs"] = {id(p) for p in shared} if len(shared) >= MIN_PAGES // 2 else ()
            if writing["theirs"]:
                writing["child"] = _start_writing(build_page, shared, config, doc_files, nav,
                                                  env, dirty)
        if id(page) not in writing["theirs"]:
            build_page(page, config, doc_files, nav, env, dirty, excluded)

    Page.render, mkdocs_build._build_page = shared_render, shared_build_page
    try:
        mkdocs_build.build(config)
        warnings = reading.get("warnings", 0)
        if "child" in writing:
            warnings += receive(*writing.pop("child"))
    except ChildFailed as exc:
        raise Abort(f"a page failed in the second process: {exc}") from None
    finally:
        Page.render, mkdocs_build._build_page = render, build_page
        if "chunks" in reading:
            reading["chunks"].close()  # ends the reading child if it is still running
        if "child" in writing:  # the build failed: stop the writing child
            terminate(writing["child"][1])
            os.close(writing["child"][0])
            os.waitpid(writing["child"][1], 0)
    if warnings and config.strict:
        raise Abort(f"Aborted with {warnings} warnings in strict mode!")


def _start_reading(reading: dict, render, config, files) -> None:
    """Fork the child that converts the Markdown of every second page, in MkDocs' order."""
    from mkdocs.structure.files import InclusionLevel
    from mkdocs.structure.pages import Page

    order = files.documentation_pages(inclusion=InclusionLevel.is_included)  # MkDocs' loop
    theirs = order[1::2] if len(order) >= MIN_PAGES else []
    reading["theirs"] = {f.src_uri for f in theirs}
    counter = _WarningCounter()

    def convert(file):
        # In the child: what MkDocs does for this page up to the conversion, then the
        # conversion; the results travel back, the page's text is dropped.
        if counter not in logging.getLogger("mkdocs").handlers:
            logging.getLogger("mkdocs").addHandler(counter)
        page = file.page if file.page is not None else Page(None, file, config)
        config._current_page = page
        try:
            page = config.plugins.on_pre_page(page, config=config, files=files)
            page.read_source(config)
            page.markdown = config.plugins.on_page_markdown(page.markdown, page=page,
                                                            config=config, files=files)
            render(page, config, files)
        finally:
            config._current_page = None
        links = page.links_to_anchors
        result = (file.src_uri, page.content, page.toc, page._title_from_render,
                  page.present_anchor_ids,
                  None if links is None else {f.src_uri: found for f, found in links.items()},
                  counter.count)
        page.markdown = page.content = None
        return result

    reading["chunks"] = stream_forked(convert, theirs, CHUNK, min_items=1)  # forks even for few
    reading["results"] = (result for chunk in reading["chunks"] for result in chunk)


def _shareable(page) -> bool:
    """Whether a page may be written by the child: search skips it, so no state is lost."""
    search = page.meta.get("search") or {}
    return bool(search.get("exclude"))


def _start_writing(build_page, pages, config, doc_files, nav, env, dirty) -> tuple[int, int]:
    gc.freeze()  # the child only reads these objects: spare their memory pages from its GC
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read_end)
        counter = _WarningCounter()
        logging.getLogger("mkdocs").addHandler(counter)

        def write() -> int:
            for page in pages:
                build_page(page, config, doc_files, nav, env, dirty,
                           page.file.inclusion.is_excluded())
            return counter.count

        reply_and_exit(write_end, write)
    os.close(write_end)
    return read_end, pid


class _WarningCounter(logging.Handler):
    """Counts the warnings a child logs (MkDocs' strict mode counts this process' own)."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        self.count += 1
