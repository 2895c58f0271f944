"""`digest serve`: MkDocs' live-reload server, with docs/ regenerated from content/ before every
build and content errors shown in the browser.

Everything goes through MkDocs' public extension points: `serve(watch=[content/],
build_type="dirty")` and four hooks (MkDocs' `hooks` option; `serve_hooks.py` hands them to
the Preview object here):
- on_serve: content/ is watched and docs/ is not: docs/ is written by on_pre_build itself, so a
  watch on it would start a second build after every edit.
- on_pre_build: docs/ is regenerated, writing only the pages an edit changed; MkDocs' dirty
  build then renders only those. After an edit of mkdocs.yml (its settings are on every page)
  the site's pages are removed first, so every page is rebuilt. Feeds, exports and the search
  index are rendered as in `digest build` (extras.py), but in this process: the server's
  threads run, and a fork would copy only this one (pool.py).
- on_env: MkDocs makes a new Jinja environment for every build, which compiles the theme's
  templates again; the environment is given a bytecode cache (Jinja's public BytecodeCache)
  that keeps them compiled between builds. Jinja checks each template's source against its
  checksum, so an edited template is compiled again; environments that compile differently
  (extensions, delimiters) get caches of their own.
- on_post_build: the extras are put into the served site. While content/ has an error, every
  page of the served site is set aside and replaced by a page that names the files and lines
  (also printed in the terminal); live reload shows it in the open tab. Once the error is
  fixed, the pages set aside come back and the dirty build renders what changed meanwhile.

A dirty build does not re-read the pages it does not rebuild, so the tags page shows the tags
of the last full build until mkdocs.yml changes or the server restarts.
"""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
import tempfile
from html import escape
from pathlib import Path

import jinja2

from generator.site import output
from generator.site.build import BuildError, generate_docs, load_mkdocs_config, refuse_symlinks
from generator.site.extras import start_extras
from generator.files import FileRefused
from generator.site.output import LockTimeout, project_lock
from generator.site.config import theme_overrides
from generator.site.pool import Pool

HOOKS = Path(__file__).with_name("serve_hooks.py")
_preview: Preview | None = None  # the running preview, for serve_hooks.py


def render_error_page(message: str) -> str:
    """The page shown instead of every page while content/ has an error."""
    return ("<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            "<title>Content error - digest serve</title>"
            "<style>body{font:16px/1.5 system-ui,sans-serif;margin:2rem;max-width:60rem}"
            "pre{white-space:pre-wrap;background:#f6f6f6;color:#111;padding:1rem}</style>"
            "</head><body><h1>Content error</h1>"
            "<p><code>digest serve</code> cannot rebuild the site: fix what is named below and "
            "save; this page reloads by itself.</p>"
            f"<pre>{escape(message)}</pre></body></html>\n")


class Preview:
    """The state `digest serve` keeps between MkDocs' builds."""

    def __init__(self, project: Path, echo) -> None:
        self.project = project
        self.echo = echo
        self.error: str | None = None
        self.aside: Path | None = None  # the served pages, while the error page replaces them
        self.config_key: str | None = None  # mkdocs.yml as the last build read it
        self.wait_for_extras = self.stop_extras = None
        self.compiled: dict[tuple, CompiledTemplates] = {}  # by compile_settings()

    def on_serve(self, server, config, builder):
        server.unwatch(config.docs_dir)
        return server

    def on_pre_build(self, config) -> None:
        key = hashlib.sha256((self.project / "mkdocs.yml").read_bytes()).hexdigest()
        if self.stop_extras is not None:  # the last build failed before its extras were used
            self.stop_extras()
        self.wait_for_extras = self.stop_extras = None
        try:
            # The project lock is held only while docs/ is written, not while serving.
            with project_lock(self.project, echo=self.echo):
                refuse_symlinks(self.project)
                pool = Pool(0)  # no workers: see the module's docstring
                content, changed, removed, inputs = generate_docs(self.project, config, pool)
        except (BuildError, LockTimeout, FileRefused) as exc:
            self.echo(str(exc))
            # What `digest build` adds about site/ is not so here: the preview shows the error.
            self.error = str(exc).replace("; nothing was built and site/ is unchanged", "")
            return
        self.wait_for_extras, self.stop_extras = start_extras(self.project, pool, inputs)
        if self.config_key is not None:
            self.echo(f"content/ changed: {len(changed)} page(s) written, {len(removed)} removed")
        site = Path(config.site_dir)
        if self.aside is not None:
            _move_pages(self.aside, site)  # MkDocs' dirty build renders what changed since
            shutil.rmtree(self.aside)
            self.aside = None
        if self.config_key not in (None, key):
            _remove_pages(site)  # a dirty build then renders every page
        self.error, self.config_key = None, key

    def on_env(self, env: jinja2.Environment, config, files) -> jinja2.Environment:
        settings = compile_settings(env)
        if settings is not None:  # before any template is loaded: Jinja reads it then
            env.bytecode_cache = self.compiled.setdefault(settings, CompiledTemplates())
        return env

    def on_shutdown(self) -> None:
        if self.stop_extras is not None:
            self.stop_extras()
        if self.aside is not None:  # MkDocs removes its site folder itself, not this one
            shutil.rmtree(self.aside, ignore_errors=True)

    def on_post_build(self, config) -> None:
        site = Path(config.site_dir)
        if self.wait_for_extras is not None:
            folder, _ = self.wait_for_extras()
            self.wait_for_extras = self.stop_extras = None
            _copy_extras(folder, site)
        if self.error is None:
            return
        if self.aside is None:
            self.aside = Path(tempfile.mkdtemp(prefix="digest-serve-pages-"))
            _move_pages(site, self.aside)
        page = render_error_page(self.error)
        for path in sorted(self.aside.rglob("*.html")):
            output.write_file(site / path.relative_to(self.aside), page)


class CompiledTemplates(jinja2.BytecodeCache):
    """Compiled templates in memory, by Jinja's key of the template's name and file. Jinja
    stores each with its source's checksum and compiles the template again when they differ."""

    def __init__(self) -> None:
        self.code: dict[str, bytes] = {}

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        if bucket.key in self.code:
            bucket.bytecode_from_string(self.code[bucket.key])

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        self.code[bucket.key] = bucket.bytecode_to_string()


def compile_settings(env: jinja2.Environment) -> tuple | None:
    """What an environment's compiled code depends on besides the source: its syntax, its
    extensions and the settings Jinja's code generator reads; None when a setting is a function
    made at run time (`select_autoescape(...)`), which no name tells apart from another."""
    def named(value):
        return (value.__module__, value.__qualname__) if callable(value) else value

    if any("<locals>" in getattr(value, "__qualname__", "")
           for value in (env.autoescape, env.finalize)):
        return None
    return (env.block_start_string, env.block_end_string, env.variable_start_string,
            env.variable_end_string, env.comment_start_string, env.comment_end_string,
            env.line_statement_prefix, env.line_comment_prefix, env.trim_blocks,
            env.lstrip_blocks, env.newline_sequence, env.keep_trailing_newline,
            tuple(sorted(env.extensions)), named(env.autoescape), named(env.finalize),
            env.optimized, env.is_async, named(env.undefined))


# These three work in MkDocs' own temporary site folder of `serve` (and a folder beside it),
# never in the project's site/.

def _move_pages(source: Path, target: Path) -> None:
    """Move every page (HTML file) of `source` to the same place under `target`."""
    for path in sorted(source.rglob("*.html")):
        destination = target / path.relative_to(source)
        destination.parent.mkdir(parents=True, exist_ok=True)
        os.replace(path, destination)


def _remove_pages(site: Path) -> None:
    for path in site.rglob("*.html"):  # a page missing there is rebuilt by a dirty build
        path.unlink()


def _copy_extras(folder: Path, site: Path) -> None:
    """Hard-link each extra of `folder` into the served site, replacing an older one."""
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        target = site / path.relative_to(folder)
        if target.exists() and os.path.samefile(path, target):
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        temporary = target.with_name(f".{target.name}.tmp")
        temporary.unlink(missing_ok=True)
        try:
            os.link(path, temporary)
        except OSError:  # another file system: copy
            shutil.copy2(path, temporary)
        os.replace(temporary, target)


def _not_the_dirty_build_warning(record: logging.LogRecord) -> bool:
    # MkDocs warns on every dirty build that its navigation may be inaccurate, and the strict
    # mode of mkdocs.yml turns any warning into a failed build. The pages this preview does not
    # rebuild are the pages an edit did not change; every other warning still counts.
    return "A 'dirty' build is being performed" not in record.getMessage()


def serve_site(project: Path, dev_addr: str, echo=print) -> None:
    """Serve with MkDocs' live reload; content/ edits regenerate docs/ and reload the page."""
    global _preview
    from mkdocs.commands.serve import serve

    project = project.resolve()
    refuse_symlinks(project)  # before mkdocs.yml is loaded: MkDocs makes docs/ if missing
    load_mkdocs_config(project)  # mkdocs.yml's mistakes (and code it would run), by line
    _preview = Preview(project, echo)
    logging.getLogger("mkdocs.commands.build").addFilter(_not_the_dirty_build_warning)
    serve(config_file=str(project / "mkdocs.yml"), dev_addr=dev_addr, livereload=True,
          build_type="dirty", watch=[str(project / "content")],
          hooks=[str(HOOKS)],  # mkdocs.yml may not declare hooks (site_config)
          **theme_overrides(project))  # the package's theme overrides, as the build adds them
