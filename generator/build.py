"""Building the site: check content/, render docs/, run MkDocs, swap site/ into place.

content/ --read_content--> records --pages, feeds, exports--> {path: text or Deferred}
--write_tree (only what changed)--> docs/ --MkDocs (strict)--> staging folder
--Pagefind--> staging/pagefind/ --swap--> site/

A build that fails at any step leaves the previous site/ exactly as it was. The only date MkDocs
would take from the clock (sitemap lastmod, gzip header) comes from SOURCE_DATE_EPOCH, which is
set from the data: the newest `added` date.
"""

from __future__ import annotations

import calendar
import functools
import hashlib
import logging
import multiprocessing
import os
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Callable

import yaml

from . import output
from .cache import Cache
from .content import Content, read_content
from .exports import export_paths, render_exports
from .feeds import channels, feed_paths, render_feeds
from .model import SiteSettings
from .pages import render_listing_pages, render_paper_pages
from .problems import format_problems
from .related import compute_related

os.environ.setdefault("NO_MKDOCS_2_WARNING", "1")  # Material 9.8 nags about MkDocs 2 otherwise


class BuildError(Exception):
    """A build that stopped; its message says why and that site/ was left untouched."""


def load_mkdocs_config(project: Path, **overrides):
    """mkdocs.yml as MkDocs validates it (docs/ is created first: MkDocs requires it)."""
    from mkdocs.config import load_config
    from mkdocs.exceptions import ConfigurationError

    (project / "docs").mkdir(exist_ok=True)
    try:
        return load_config(str(project / "mkdocs.yml"), **overrides)
    except ConfigurationError as exc:
        raise BuildError(f"mkdocs.yml: {exc}") from None


def site_settings(config) -> SiteSettings:
    """Site settings from the MkDocs config (site_url must be absolute for feeds)."""
    site_url = config["site_url"] or ""
    if not site_url.startswith(("http://", "https://")):
        raise BuildError("mkdocs.yml: site_url: feeds need the site's absolute address")
    digest = (config["extra"] or {}).get("digest") or {}
    if not digest.get("feed_id"):
        raise BuildError("mkdocs.yml: extra.digest.feed_id: the feed item id authority is missing")
    return SiteSettings(
        site_url=site_url.rstrip("/") + "/",
        title=config["site_name"],
        description=config["site_description"] or config["site_name"],
        id_authority=str(digest["feed_id"]),
        # MkDocs' edit_uri points at content/ (the files curators edit), never at docs/.
        edit_base=(config["repo_url"].rstrip("/") + "/" + config["edit_uri"].strip("/") + "/"
                   if config["repo_url"] and config["edit_uri"] else ""),
    )


class _ConfigLoader(yaml.SafeLoader):
    """Reads mkdocs.yml without running it: `!!python/...` and `!ENV` tags become None."""


_ConfigLoader.add_multi_constructor("", lambda loader, suffix, node: None)


def tag_vocabulary(project: Path) -> set[str] | None:
    """The tags papers may use: `tags_allowed` of the tags plugin in mkdocs.yml, or None (any).

    Read as plain YAML so `digest check` stays fast (MkDocs itself would import every plugin).
    """
    try:
        config = yaml.load((project / "mkdocs.yml").read_text(encoding="utf-8"), _ConfigLoader)
    except (OSError, yaml.YAMLError) as exc:
        raise BuildError(f"mkdocs.yml: cannot be read: {exc}") from None
    for plugin in (config or {}).get("plugins") or []:
        if isinstance(plugin, dict) and ("tags" in plugin or "material/tags" in plugin):
            options = plugin.get("tags") or plugin.get("material/tags") or {}
            allowed = options.get("tags_allowed")
            return {str(tag) for tag in allowed} if allowed else None
    return None


def read_checked_content(project: Path, parsed: dict | None = None, progress=None) -> Content:
    """content/ as records, or a BuildError listing every problem."""
    content = read_content(project / "content", tag_vocabulary(project), parsed, progress)
    if content.problems:
        raise BuildError(format_problems(content.problems) + f"\n{len(content.problems)} "
                         "problem(s) in content/; nothing was built and site/ is unchanged")
    return content


def start_related_papers(content: Content, cache: Cache) -> Callable[[], dict]:
    """Begin computing related papers; returns a function that waits for the result.

    Reused from the cache when no title or abstract changed. Otherwise a forked process does
    the work (importing scikit-learn alone takes a second) while this one renders everything
    else, so on two cores the wait mostly disappears.
    """
    corpus = hashlib.sha256()
    for paper in sorted(content.papers, key=lambda p: p.name):
        corpus.update(repr((paper.name, paper.title, paper.abstract)).encode())
    known = cache.load("related", {})
    if known.get("corpus") == corpus.hexdigest():
        return lambda: known["related"]
    try:
        executor = ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("fork"))
        future = executor.submit(compute_related, content.papers)
    except (OSError, ValueError):  # no fork here: compute in this process
        executor, future = None, None

    def wait() -> dict:
        related = future.result() if future else compute_related(content.papers)
        if executor:
            executor.shutdown()
        cache.save("related", {"corpus": corpus.hexdigest(), "related": related})
        return related

    return wait


def generate_docs(project: Path, config, progress=None) -> tuple[Content, list[str], list[str]]:
    """Render every generated file and make docs/ hold exactly them (writing only changes)."""
    cache = Cache(project / ".cache" / "digest")
    parsed = cache.load("papers", {})
    content = read_checked_content(project, parsed, progress)
    cache.save("papers", parsed)
    settings = site_settings(config)
    wait_for_related = start_related_papers(content, cache)
    files = render_listing_pages(content.papers, content.themes,
                                 channels(settings, content.themes), settings)
    # Feeds and exports depend on every paper: one key for all of them.
    inputs = hashlib.sha256(repr((content.papers, content.themes, settings)).encode()).hexdigest()
    files.update(output.deferred_files(inputs, lambda: {
        **render_feeds(content.papers, content.themes, settings),
        **render_exports(content.papers, content.themes, settings)},
        feed_paths(settings, content.themes) + export_paths(content.themes)))
    manifest = cache.load("docs-manifest", {})
    # Render what changed now, while related papers may still be computing elsewhere.
    for path, value in files.items():
        if isinstance(value, output.Deferred) and output.is_stale(
                project / "docs" / path, value, manifest.get(path)):
            files[path] = output.Deferred(value.key, functools.partial(str, value.render()))
    files.update(render_paper_pages(content.papers, content.themes, settings,
                                    wait_for_related()))
    changed, removed = output.write_tree(project / "docs", files, manifest, progress)
    cache.save("docs-manifest", manifest)
    return content, changed, removed


def source_date_epoch(content: Content) -> str:
    """The newest `added` date as seconds since the epoch: the build's only date."""
    newest = max((p.added for p in content.papers), default=None)
    return str(calendar.timegm(newest.timetuple())) if newest else "0"


def build_site(project: Path, echo=print, progress=None) -> str:
    """The whole build; returns a one-line report, raises BuildError on any failure."""
    from mkdocs.commands.build import build
    from mkdocs.exceptions import Abort, MkDocsException

    project = project.resolve()
    final = project / "site"
    staging = output.new_staging_dir(final)
    try:
        config = load_mkdocs_config(project, site_dir=str(staging), strict=True)
        started = time.perf_counter()
        content, changed, removed = generate_docs(project, config, progress)
        generated = time.perf_counter()
        echo(f"docs/: {len(changed)} written, {len(removed)} removed "
             f"({generated - started:.2f} s)")
        previous = os.environ.get("SOURCE_DATE_EPOCH")
        os.environ["SOURCE_DATE_EPOCH"] = source_date_epoch(content)
        if len(content.papers) >= 500:
            echo(f"MkDocs: building {len(content.papers)} paper pages ...")
        handler = _mkdocs_log_handler()
        try:
            build(config)
        except (Abort, MkDocsException) as exc:
            raise BuildError(f"MkDocs build failed: {exc}\nsite/ is unchanged") from None
        finally:
            logging.getLogger("mkdocs").removeHandler(handler)
            _restore_env("SOURCE_DATE_EPOCH", previous)
        built = time.perf_counter()
        echo(f"MkDocs: {built - generated:.2f} s")
        reused = index_search(project, staging, final)
        echo(f"search index: {time.perf_counter() - built:.2f} s"
             + (" (unchanged pages: previous index reused)" if reused else ""))
        harden_json(staging)
        output.swap_into_place(staging, final)
    except BaseException:
        output.discard(staging)
        raise
    return (f"built site/: {len(content.papers)} papers, {len(content.themes)} themes, "
            f"{3 * (len(content.themes) + 1)} feeds")


def index_search(project: Path, site: Path, previous: Path) -> bool:
    """Index the paper pages with Pagefind into site/pagefind/ (a chunked static index).

    Only the page content counts (the article, not the header or nav); the related-papers and
    citation blocks are marked data-pagefind-ignore in the template. When no paper page, no
    setting and no code changed since the last build, the previous index is reused (hard
    links): it is what Pagefind would write again. Returns whether it was reused.
    """
    import shutil
    import subprocess
    import sys

    cache = Cache(project / ".cache" / "digest")
    pages = sorted((path, entry[0]) for path, entry in cache.load("docs-manifest", {}).items()
                   if path.startswith("papers/"))
    key = hashlib.sha256(repr((pages, (project / "mkdocs.yml").read_bytes())).encode()
                         ).hexdigest()
    if cache.load("search-index", None) == key and (previous / "pagefind" / "pagefind.js"
                                                     ).is_file():
        shutil.copytree(previous / "pagefind", site / "pagefind", copy_function=os.link)
        return True
    done = subprocess.run(
        [sys.executable, "-m", "pagefind", "--site", str(site), "--glob", "papers/*/index.html",
         "--root-selector", "article.md-content__inner", "--exclude-selectors", ".headerlink",
         "--force-language", "en", "--silent"],
        capture_output=True, text=True)
    if done.returncode or not (site / "pagefind" / "pagefind.js").is_file():
        raise BuildError(f"Pagefind could not index the site:\n{done.stderr or done.stdout}"
                         "\nsite/ is unchanged")
    cache.save("search-index", key)
    return False


def harden_json(site: Path) -> None:
    """Escape <, > and & in the site's JSON (search index, tags) as \\u escapes.

    The same data, but a title like `<script>` can no longer be read as markup by anything that
    inlines the JSON into a page. In JSON these characters only occur inside strings.
    """
    for path in sorted(site.rglob("*.json")):
        text = path.read_text(encoding="utf-8")
        safe = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
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


def _content_signature(root: Path) -> tuple:
    return tuple(sorted((str(p), p.stat().st_mtime_ns, p.stat().st_size)
                        for p in root.rglob("*") if p.is_file()))


def serve_site(project: Path, dev_addr: str, echo=print) -> None:
    """Generate docs/, then serve with MkDocs' live reload; content/ edits regenerate docs/."""
    from mkdocs.commands.serve import serve

    project = project.resolve()
    config = load_mkdocs_config(project)
    generate_docs(project, config)

    def watch_content() -> None:
        # MkDocs watches docs/; this thread turns content/ edits into docs/ edits.
        seen = _content_signature(project / "content")
        while True:
            time.sleep(1.0)
            current = _content_signature(project / "content")
            if current == seen:
                continue
            seen = current
            try:
                _, changed, removed = generate_docs(project, config)
                echo(f"content/ changed: {len(changed)} page(s) written, {len(removed)} removed")
            except BuildError as exc:
                echo(str(exc))

    threading.Thread(target=watch_content, daemon=True).start()
    serve(config_file=str(project / "mkdocs.yml"), dev_addr=dev_addr, livereload=True)
