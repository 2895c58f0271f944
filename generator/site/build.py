"""Building the site: check content/, render docs/, run MkDocs, swap site/ into place.

content/ --read_content--> records --pages--> {path: text or Deferred}
--write_tree (only what changed)--> docs/ --MkDocs' build() (strict)--> staging folder
             records --feeds, exports, search index (a worker, alongside MkDocs)--> staging
--swap--> site/

The work that pays runs on the build's one pool of workers (pool.py), forked once content/ is
read, so they inherit its records: related papers while this process renders the listing pages,
paper pages while it writes docs/, the extras while MkDocs builds. MkDocs runs as MkDocs: its
public build(), in this process, so every plugin of mkdocs.yml sees every page.

A build that fails at any step leaves the previous site/ exactly as it was. The only date MkDocs
would take from the clock (sitemap lastmod, gzip header) comes from SOURCE_DATE_EPOCH, which is
set from the data: the newest `added` date."""

from __future__ import annotations

import calendar
import functools
import gc
import hashlib
import itertools
import logging
import os
import time
from collections.abc import Callable, Iterator
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

from generator.site import freshness
from generator.site import output
from generator.site.cache import Cache, decode_manifest, decode_parsed, encode_parsed
from generator.content.read import Content, read_content
from generator.site.extras import link_extras, start_extras
from generator.render.feeds import channels
from generator.files import find_symlinks
from generator.render.pages import (PageKeys, render_listing_pages, render_paper_page,
                                    render_paper_pages)
from generator.site.pool import (Pool, WorkerError, describe_failure, give_back_memory,
                                 in_worker, shared)
from generator.problems import BuildError, format_problems
from generator.site.config import load_mkdocs_config, site_settings, tag_vocabulary
from generator.render.text import forget_rendered, harden_json_text

os.environ.setdefault("NO_MKDOCS_2_WARNING", "1")  # Material 9.8 nags about MkDocs 2 otherwise

PAGES_PER_TASK = 50  # paper pages a worker renders per task (each task is a round trip)
RELATED = 5  # related papers listed on a paper page


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


def generate_docs(project: Path, config, pool: Pool, progress=None
                  ) -> tuple[Content, list[str], list[str], str]:
    """Render every page and make docs/ hold exactly them (writing only changes).

    Returns the content, the docs/ paths written and removed, and a key summing up every
    input of the extras (feeds, exports, search index). The content and settings are shared
    with `pool` (its workers render the extras alongside MkDocs afterwards: extras.py).
    """
    cache = Cache(project / ".cache" / "digest")
    parsed = cache.load("papers", {}, decode_parsed)
    content = read_checked_content(project, parsed, progress)
    settings = site_settings(config)
    pool.share(content=content, settings=settings, parsed=parsed)
    wait_for_related = start_related_papers(content, cache, pool)  # first: the longest task
    saving = pool.submit(save_parsed_papers, cache.folder)
    keys = PageKeys()  # each paper's digest, computed once for all the pages it is on
    files = render_listing_pages(content.papers, content.themes,
                                 channels(settings, content.themes), settings, keys)
    inputs = keys.of("extras", content.papers, content.themes, settings)
    manifest = cache.load("docs-manifest", {}, decode_manifest)
    docs = project / "docs"
    # Rendered here while a worker computes the related papers that paper pages show.
    listing = [(path, files[path].render()) for path in output.stale_files(docs, files, manifest)]
    related = wait_for_related()
    papers = render_paper_pages(content.papers, content.themes, settings, related, keys)
    files.update(papers)
    # Written as they come, while the workers render the next ones.
    rendered = itertools.chain(listing, render_paper_texts(
        pool, output.stale_files(docs, papers, manifest), related))
    changed, removed = output.write_tree(docs, files, manifest, progress, rendered)
    cache.save("docs-manifest", manifest)
    saving.result()
    return content, changed, removed, inputs


def save_parsed_papers(folder: Path) -> None:
    """In a worker: keep the papers read for the next build (unchanged files are not parsed
    again)."""
    Cache(folder).save("papers", shared("parsed"), encode_parsed)


def start_related_papers(content: Content, cache: Cache, pool: Pool) -> Callable[[], dict]:
    """Begin computing related papers in a worker; returns a function that waits for them.

    Reused from the cache when no title or abstract changed.
    """
    corpus = hashlib.sha256()
    for paper in sorted(content.papers, key=lambda p: p.name):
        # Lengths first, so the fields cannot run into each other.
        text = (paper.name, paper.title, paper.abstract)
        corpus.update(("%d %d %d|" % tuple(map(len, text)) + "".join(text)).encode())
    known = cache.load("related", {}, _decode_related)
    if known.get("corpus") == corpus.hexdigest():
        return lambda: known["related"]
    computing = pool.submit(compute_shared_related)

    def wait() -> dict:
        related = computing.result()
        cache.save("related", {"corpus": corpus.hexdigest(), "related": related})
        return related

    return wait


def compute_shared_related() -> dict[str, list[str]]:
    """In a worker: the related papers of the shared content."""
    # Imported here, in the worker: its numeric libraries take a second to import, which this
    # process spends rendering meanwhile.
    from generator.render.related import compute_related

    related = compute_related(shared("content").papers, RELATED)
    give_back_memory()  # its similarity blocks: 80 MB each at 20,000 papers
    return related


def _decode_related(data: dict) -> dict:
    """The cached related papers, checked: {"corpus": hash, "related": {name: [names]}}."""
    related = data["related"]
    if not (isinstance(data["corpus"], str) and isinstance(related, dict) and all(
            isinstance(names, list) and all(isinstance(n, str) for n in names)
            for names in related.values())):
        raise ValueError("cache entry of an unexpected shape")
    return data


def render_paper_texts(pool: Pool, paths: list[str], related: dict[str, list[str]]
                       ) -> Iterator[tuple[str, str]]:
    """(path, text) of these paper pages (docs/papers/<name>.md), in order, rendered by the
    workers a chunk at a time; the tasks are submitted now."""
    names = [path.removeprefix("papers/").removesuffix(".md") for path in paths]
    chunks = [[(name, related.get(name, [])) for name in names[start : start + PAGES_PER_TASK]]
              for start in range(0, len(names), PAGES_PER_TASK)]
    texts = pool.map(render_shared_paper_pages, chunks)
    return ((f"papers/{name}.md", text)
            for chunk in chunks for (name, _), text in zip(chunk, next(texts)))


def render_shared_paper_pages(chunk: list[tuple[str, list[str]]]) -> list[str]:
    """In a worker: the pages of these papers of the shared content, each with its related
    papers (names), as render_paper_pages makes them."""
    content, settings = shared("content"), shared("settings")
    by_id, by_name = _indexes(id(content))
    pages = [render_paper_page(by_name[name], by_id, settings,
                               [by_name[n] for n in names if n in by_name])
             for name, names in chunk]
    if in_worker():  # each abstract is on one paper page: nothing to keep for the next task
        forget_rendered()  # (a process rendering the rest itself reuses them)
    return pages


@functools.lru_cache(maxsize=1)
def _indexes(_content_id: int) -> tuple[dict, dict]:
    """The shared content's themes by id and papers by name, made once per worker."""
    content = shared("content")
    return {t.id: t for t in content.themes}, {p.name: p for p in content.papers}


def source_date_epoch(content: Content) -> str:
    """The newest `added` date as seconds since the epoch: the build's only date."""
    newest = max((p.added for p in content.papers), default=None)
    return str(calendar.timegm(newest.timetuple())) if newest else "0"


SKIPPED = ("MkDocs: 0.00 s (skipped: site/ is already the build of these inputs; "
           "`digest build --force` rebuilds it)")


def build_site(project: Path, echo=print, progress=None, force: bool = False,
               jobs: int | None = None) -> str:
    """The whole build; returns a one-line report, raises BuildError on any failure.

    When nothing site/ is built from changed since it was built, MkDocs is not run again
    (unless `force`): the result would be byte-identical. `jobs`: the workers' number (one per
    core if None).
    """
    project = project.resolve()
    for note in output.clean_stale(project):
        echo(note)
    refuse_symlinks(project)
    staging = output.new_staging_dir(project / "site")
    try:
        with Pool(jobs) as pool:
            return _build_into(staging, project, pool, echo, progress, force)
    except (WorkerError, BrokenProcessPool) as exc:
        raise BuildError(f"the build failed in a worker process: {describe_failure(exc)}\n"
                         "site/ is unchanged") from None
    finally:
        output.discard(staging)  # nothing left once swapped into place


def _build_into(staging: Path, project: Path, pool: Pool, echo, progress, force: bool) -> str:
    """build_site's steps: the site built in `staging`, then swapped into place (or found
    current already)."""
    loading = time.perf_counter()
    config = load_mkdocs_config(project, site_dir=str(staging), strict=True)
    started = time.perf_counter()
    quick = freshness.content_stamp(project, config)
    report = None if force else freshness.current_site(project, "content", quick)
    if report is not None:
        echo(f"content/: unchanged since site/ was built ({time.perf_counter() - started:.2f} s)")
        echo(SKIPPED)
        return report.replace("built", "unchanged", 1)
    content, changed, removed, inputs = generate_docs(project, config, pool, progress)
    forget_rendered()  # the listing pages' renderings: MkDocs' build needs the memory
    give_back_memory()
    generated = time.perf_counter()
    echo(f"docs/: {len(changed)} written, {len(removed)} removed ({generated - started:.2f} s)")
    report = (f"built site/: {len(content.papers)} papers, {len(content.themes)} themes, "
              f"{3 * (len(content.themes) + 1)} feeds")
    stamp = freshness.docs_stamp(project, config, inputs)
    if not force and freshness.current_site(project, "docs", stamp) is not None:
        freshness.save_site(project, report, quick, stamp)  # the next check is the quick one
        echo(SKIPPED)
        return report.replace("built", "unchanged", 1)
    wait_for_extras, _ = start_extras(project, pool, inputs)
    pool.release()  # the extras are the last task: no idle worker through MkDocs' build
    if len(content.papers) >= 500:
        echo(f"MkDocs: building {len(content.papers)} paper pages ...")
    building = time.perf_counter()
    run_mkdocs(config, content)
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
    output.swap_into_place(staging, project / "site")
    freshness.save_site(project, report, quick, stamp)
    return report


def run_mkdocs(config, content: Content) -> None:
    """MkDocs' own build (mkdocs.commands.build.build) of docs/ into config.site_dir, strict;
    BuildError if it fails."""
    from mkdocs.commands import build as mkdocs_build
    from mkdocs.exceptions import Abort, MkDocsException

    previous = os.environ.get("SOURCE_DATE_EPOCH")
    os.environ["SOURCE_DATE_EPOCH"] = source_date_epoch(content)
    handler = _mkdocs_log_handler()
    # The records stay alive during MkDocs' build: spare its garbage collections from
    # walking them again and again (they hold no cycles worth collecting).
    gc.freeze()
    try:
        mkdocs_build.build(config)
    except (Abort, MkDocsException) as exc:
        raise BuildError(f"MkDocs build failed: {exc}\nsite/ is unchanged") from None
    finally:
        logging.getLogger("mkdocs").removeHandler(handler)
        _restore_env("SOURCE_DATE_EPOCH", previous)
        gc.unfreeze()


def harden_json(site: Path) -> None:
    """Escape <, > and & in the JSON MkDocs wrote (lunr index, tags) as \\u escapes."""
    found = []
    for folder, dirs, names in os.walk(site):  # os.walk: faster than rglob here
        if folder == str(site) and "papers" in dirs:
            # One folder per paper, each holding only the page MkDocs made of docs/papers/
            # (which holds nothing else): walking them is most of the walk in a large digest.
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
