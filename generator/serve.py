"""`digest serve`: docs/ generated as for a build, served by MkDocs with live reload."""

from __future__ import annotations

import threading
import time
from pathlib import Path

from . import freshness
from .build import BuildError, generate_docs, load_mkdocs_config, refuse_symlinks
from .files import FileRefused
from .output import LockTimeout, project_lock


def serve_site(project: Path, dev_addr: str, echo=print) -> None:
    """Generate docs/, then serve with MkDocs' live reload; content/ edits regenerate docs/."""
    from mkdocs.commands.serve import serve

    project = project.resolve()

    def regenerate():
        # The lock is held only while docs/ is written, not while serving.
        with project_lock(project, echo=echo):
            refuse_symlinks(project)
            return generate_docs(project, config, extras_in_docs=True)

    refuse_symlinks(project)  # before mkdocs.yml is loaded: MkDocs makes docs/ if missing
    config = load_mkdocs_config(project)
    regenerate()

    def watch_content() -> None:
        # MkDocs watches docs/; this thread turns content/ edits into docs/ edits.
        seen = freshness.files_stat(project / "content")
        while True:
            time.sleep(1.0)
            current = freshness.files_stat(project / "content")
            if current == seen:
                continue
            seen = current
            try:
                _, changed, removed, _ = regenerate()
                echo(f"content/ changed: {len(changed)} page(s) written, {len(removed)} removed")
            except (BuildError, LockTimeout, FileRefused) as exc:
                echo(str(exc))

    threading.Thread(target=watch_content, daemon=True).start()
    serve(config_file=str(project / "mkdocs.yml"), dev_addr=dev_addr, livereload=True)
