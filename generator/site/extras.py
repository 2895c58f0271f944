"""The files the site gets beside MkDocs' pages: feeds, exports and the search index.

None of them goes through MkDocs (they are not pages), so one of the build's workers renders
them while MkDocs builds the pages. They are written to .cache/digest/extras/ (only the files
that changed), and hard-linked into the finished site. When no paper, theme or setting
changed, the previous files are reused without rendering. `digest serve` renders them the same
way (in its own process) and links them into the site MkDocs serves.
"""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Callable
from pathlib import Path

from generator.site import output
from generator.site.cache import Cache
from generator.content.read import Content
from generator.render.exports import render_exports
from generator.render.feeds import render_feeds
from generator.model import SiteSettings
from generator.site.pool import Pool, shared
from generator.render.search import render_search_index
from generator.render.text import harden_json_text


def render_extras(content: Content, settings: SiteSettings) -> dict[str, str]:
    """Every extra file, {path under the site root: text}; JSON hardened (text.py)."""
    files = {**render_feeds(content.papers, content.themes, settings),
             **render_exports(content.papers, content.themes, settings)}
    files = {path: harden_json_text(text) if path.endswith(".json") else text
             for path, text in files.items()}
    # The index is written hardened by search.py itself.
    return {**files, **render_search_index(content.papers, content.themes)}


def write_extras(folder: Path) -> float:
    """In a worker: render the shared content's extras into `folder` (writing only changed
    files); returns the seconds it took."""
    started = time.perf_counter()
    output.write_tree(folder, render_extras(shared("content"), shared("settings")))
    return time.perf_counter() - started


def start_extras(project: Path, pool: Pool, inputs: str
                 ) -> tuple[Callable[[], tuple[Path, float | None]], Callable]:
    """Begin rendering the extras of the content and settings shared with `pool`; returns a
    function that waits for them, and one that gives up on them.

    `inputs` sums up everything they depend on. The waiting function returns the folder that
    holds them and the seconds the rendering took (None when the previous files were reused).
    """
    cache = Cache(project / ".cache" / "digest")
    folder = cache.folder / "extras"
    if cache.load("extras", None) == inputs and folder.is_dir():
        return (lambda: (folder, None)), (lambda: None)
    cache.save("extras", None)  # until the new files are complete, nothing is reusable
    rendering = pool.submit(write_extras, folder)

    def wait() -> tuple[Path, float]:
        seconds = rendering.result()
        cache.save("extras", inputs)
        return folder, seconds

    return wait, rendering.cancel


def link_extras(folder: Path, site: Path) -> int:
    """Hard-link (or copy) every file of `folder` into the built site; returns how many.

    A path MkDocs already wrote is an error: docs/ must not shadow a feed or the index.
    """
    count = 0
    for root, _dirs, names in os.walk(folder):
        relative = Path(root).relative_to(folder)
        (site / relative).mkdir(parents=True, exist_ok=True)
        for name in names:
            target = site / relative / name
            if target.exists():
                raise FileExistsError(f"site/{(relative / name).as_posix()}: both docs/ and "
                                      "the generator's extras provide this file")
            try:
                os.link(Path(root) / name, target)
            except OSError:  # another file system, or no hard links: copy instead
                shutil.copy2(Path(root) / name, target)
            count += 1
    return count
