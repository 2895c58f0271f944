"""Building the site: check content/, render docs/, run MkDocs, swap site/ into place.

content/ --read_content--> records --pages--> {path: text or Deferred}
--write_tree (only what changed)--> docs/ --MkDocs (strict)--> staging folder
             records --feeds, exports, search index (forked, alongside MkDocs)--> staging
--swap--> site/

A build that fails at any step leaves the previous site/ exactly as it was. The only date MkDocs
would take from the clock (sitemap lastmod, gzip header) comes from SOURCE_DATE_EPOCH, which is
set from the data: the newest `added` date."""

from __future__ import annotations

import calendar
import contextlib
import functools
import gc
import logging
import os
import time
from collections.abc import Callable
from pathlib import Path

from generator.site import freshness
from generator.site import output
from generator.site.cache import Cache, decode_manifest, decode_parsed, encode_parsed
from generator.content.read import Content, read_content
from generator.site.extras import link_extras, start_extras
from generator.render.feeds import channels
from generator.files import find_symlinks
from generator.site.mkdocs_run import build_mkdocs
from generator.render.pages import PageKeys, render_listing_pages, render_paper_pages
from generator.site.parallel import ChildFailed, ForkedCall
from generator.problems import BuildError, format_problems
from generator.render.related import fork_related_worker, start_related_papers
from generator.site.config import load_mkdocs_config, site_settings, tag_vocabulary
from generator.render.text import harden_json_text

os.environ.setdefault("NO_MKDOCS_2_WARNING", "1")  # Material 9.8 nags about MkDocs 2 otherwise


def read_checked_content(project: Path, parsed: dict | None = None, progress=None) -> Content:
    """content/ as records, or a BuildError listing every problem."""
    content = read_content(project / "content", tag_vocabulary(project), parsed, progress)
    if content.problems:
        raise BuildError(format_problems(content.problems) + f"\n{len(content.problems)} "
                         "problem(s) in content/; nothing was built and site/ is unchanged")
    return content


def refuse_symlinks(project: Path) -> None:
    """BuildError naming every symlink in content/, docs/, site/ and the cache: the build
    would read, publish or delete through them (files.py)."""
    links = find_symlinks(project)
    if links:
        raise BuildError(format_problems(links) + f"\n{len(links)} problem(s): symlinks are "
                         "never followed; nothing was built and site/ is unchanged")


def generate_docs(project: Path, config, progress=None,
                  later: list[Callable[[], None]] | None = None,
                  worker: ForkedCall | None = None) -> tuple[Content, list[str], list[str], str]:
    """Render every page and make docs/ hold exactly them (writing only changes).

    Returns the content, the docs/ paths written and removed, and a key summing up every
    input of the extras (feeds, exports, search index). Those are rendered alongside MkDocs
    (extras.py), by `digest build` and `digest serve` alike.
    Given a list `later`, cache writes nothing here waits for are appended to it, not done.
    `worker` is a `fork_related_worker()` forked earlier; one is forked here if not given.
    """
    cache = Cache(project / ".cache" / "digest")
    if worker is None:
        worker = fork_related_worker()
    try:  # until the worker's result is taken: any failure stops it
        parsed = cache.load("papers", {}, decode_parsed)
        content = read_checked_content(project, parsed, progress)
        save_parsed = functools.partial(cache.save, "papers", parsed, encode_parsed)
        if later is None:
            save_parsed()
        else:
            later.append(save_parsed)  # 0.3 s at 20,000 papers
        settings = site_settings(config)
        wait_for_related = start_related_papers(content, cache, worker)
        keys = PageKeys()  # each paper's digest, computed once for all the pages it is on
        files = render_listing_pages(content.papers, content.themes,
                                     channels(settings, content.themes), settings, keys)
        inputs = keys.of("extras", content.papers, content.themes, settings)
        manifest = cache.load("docs-manifest", {}, decode_manifest)
        # Render what changed now, while related papers may still be computing elsewhere.
        for path, value in files.items():
            if isinstance(value, output.Deferred) and output.is_stale(
                    project / "docs" / path, value, manifest.get(path)):
                files[path] = output.Deferred(value.key, functools.partial(str, value.render()))
        related = wait_for_related()
    except BaseException:
        worker.cancel()
        raise
    files.update(render_paper_pages(content.papers, content.themes, settings, related, keys))
    changed, removed = output.write_tree(project / "docs", files, manifest, progress)
    cache.save("docs-manifest", manifest)
    return content, changed, removed, inputs


def source_date_epoch(content: Content) -> str:
    """The newest `added` date as seconds since the epoch: the build's only date."""
    newest = max((p.added for p in content.papers), default=None)
    return str(calendar.timegm(newest.timetuple())) if newest else "0"


def build_site(project: Path, echo=print, progress=None, force: bool = False,
               worker: ForkedCall | None = None) -> str:
    """The whole build; returns a one-line report, raises BuildError on any failure.

    When nothing site/ is built from changed since it was built, MkDocs is not run again
    (unless `force`): the result would be byte-identical. `worker`: see generate_docs; the
    command line forks it before importing this module.
    """
    from mkdocs.exceptions import Abort, MkDocsException

    project = project.resolve()
    final = project / "site"
    for note in output.clean_stale(project):
        echo(note)
    refuse_symlinks(project)
    staging = output.new_staging_dir(final)
    stop_extras = None
    later: list[Callable[[], None]] = []  # cache writes, done alongside MkDocs
    skipped = ("MkDocs: 0.00 s (skipped: site/ is already the build of these inputs; "
               "`digest build --force` rebuilds it)")
    if worker is None:
        worker = fork_related_worker()
    try:
        loading = time.perf_counter()
        config = load_mkdocs_config(project, site_dir=str(staging), strict=True)
        started = time.perf_counter()
        quick = freshness.content_stamp(project, config)
        report = None if force else freshness.current_site(project, "content", quick)
        if report is not None:
            worker.cancel()
            output.discard(staging)
            echo(f"content/: unchanged since site/ was built "
                 f"({time.perf_counter() - started:.2f} s)")
            echo(skipped)
            return report.replace("built", "unchanged", 1)
        content, changed, removed, inputs = generate_docs(project, config, progress,
                                                          later=later, worker=worker)
        generated = time.perf_counter()
        echo(f"docs/: {len(changed)} written, {len(removed)} removed "
             f"({generated - started:.2f} s)")
        report = (f"built site/: {len(content.papers)} papers, {len(content.themes)} themes, "
                  f"{3 * (len(content.themes) + 1)} feeds")
        stamp = freshness.docs_stamp(project, config, inputs)
        if not force and freshness.current_site(project, "docs", stamp) is not None:
            for save in later:
                save()
            output.discard(staging)
            freshness.save_site(project, report, quick, stamp)  # the next check is the quick one
            echo(skipped)
            return report.replace("built", "unchanged", 1)
        wait_for_extras, stop_extras = start_extras(project, content, site_settings(config),
                                                    inputs, later)
        previous = os.environ.get("SOURCE_DATE_EPOCH")
        os.environ["SOURCE_DATE_EPOCH"] = source_date_epoch(content)
        if len(content.papers) >= 500:
            echo(f"MkDocs: building {len(content.papers)} paper pages ...")
        handler = _mkdocs_log_handler()
        # The records stay alive during MkDocs' build: spare its garbage collections from
        # walking them again and again (they hold no cycles worth collecting).
        gc.freeze()
        building = time.perf_counter()
        try:
            build_mkdocs(config)
        except (Abort, MkDocsException) as exc:
            raise BuildError(f"MkDocs build failed: {exc}\nsite/ is unchanged") from None
        finally:
            logging.getLogger("mkdocs").removeHandler(handler)
            _restore_env("SOURCE_DATE_EPOCH", previous)
            gc.unfreeze()
        built = time.perf_counter()
        # MkDocs' share, as in a plain `mkdocs build`: loading mkdocs.yml (mostly importing
        # MkDocs, its theme and plugins), then building.
        echo(f"MkDocs: {started - loading + built - building:.2f} s (mkdocs.yml loaded in "
             f"{started - loading:.2f} s, pages built in {built - building:.2f} s)")
        harden_json(staging)  # MkDocs' JSON; the extras are written hardened
        folder, seconds = wait_for_extras()
        try:
            count = link_extras(folder, staging)
        except FileExistsError as exc:
            raise BuildError(f"{exc}\nsite/ is unchanged") from None
        echo(f"feeds, exports, search index: {count} files, "
             + ("unchanged inputs: previous files reused" if seconds is None else
                f"rendered in {seconds:.2f} s alongside MkDocs")
             + f" (waited {time.perf_counter() - built:.2f} s)")
        output.swap_into_place(staging, final)
        freshness.save_site(project, report, quick, stamp)
    except BaseException as exc:
        worker.cancel()  # if generate_docs never took it (mkdocs.yml failed to load, say)
        if stop_extras is not None:
            stop_extras()
            if isinstance(exc, Exception):  # not interrupted: keep what was read for next time
                with contextlib.suppress(OSError):
                    for save in later:
                        save()
        output.discard(staging)
        if isinstance(exc, ChildFailed):  # a forked worker (pages, related papers, extras)
            raise BuildError(f"the build failed in a worker process: {exc}\nsite/ is unchanged"
                             ) from None
        raise
    return report


def harden_json(site: Path) -> None:
    """Escape <, > and & in the JSON MkDocs wrote (lunr index, tags) as \\u escapes."""
    found = []
    for folder, dirs, names in os.walk(site):  # os.walk: 0.03 s, rglob 0.05 s at 2,000 papers
        if folder == str(site) and "papers" in dirs:
            # One folder per paper, each holding only the page MkDocs made of docs/papers/
            # (which holds nothing else): walking them was 0.3 s at 20,000 papers.
            dirs.remove("papers")
        found += [Path(folder, name) for name in names if name.endswith(".json")]
    for path in sorted(found):
        text = path.read_text(encoding="utf-8")
        safe = harden_json_text(text)
        if safe != text:
            path.write_text(safe, encoding="utf-8")


def _mkdocs_log_handler() -> logging.Handler:
    handler = logging.StreamHandler()
    handler.setLevel(logging.WARNING)
    handler.setFormatter(logging.Formatter("%(levelname)s - %(message)s"))
    logging.getLogger("mkdocs").addHandler(handler)
    return handler


def _restore_env(name: str, value: str | None) -> None:
    if value is None:
        os.environ.pop(name, None)
    else:
        os.environ[name] = value
