"""The files the site gets beside MkDocs' pages: feeds, exports and the search index.

None of them goes through MkDocs (they are not pages), so they are rendered in a forked process
while MkDocs builds the pages: on two cores they cost no wall time. They are written to
.cache/digest/extras/ (only the files that changed), and hard-linked into the finished site.
When no paper, theme or setting changed, the previous files are reused without rendering.
`digest serve` renders them the same way and links them into the site MkDocs serves.
"""

from __future__ import annotations

import functools
import os
import shutil
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from generator.site import output
from generator.site.cache import Cache
from generator.content.read import Content
from generator.render.exports import render_exports
from generator.render.feeds import render_feeds
from generator.model import SiteSettings
from generator.site.parallel import ForkedCall
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


def write_extras(folder: Path, content: Content, settings: SiteSettings,
                 then: Sequence[Callable[[], None]] = ()) -> float:
    """Render the extras into `folder` (writing only changed files), then call each of `then`;
    returns the seconds the extras took."""
    started = time.perf_counter()
    output.write_tree(folder, render_extras(content, settings))
    seconds = time.perf_counter() - started
    for call in then:
        call()
    return seconds


def start_extras(project: Path, content: Content, settings: SiteSettings, inputs: str,
                 then: Sequence[Callable[[], None]] = ()
                 ) -> tuple[Callable[[], tuple[Path, float | None]], Callable]:
    """Begin rendering the extras; returns a function that waits for them, and one that stops.

    `inputs` sums up everything they depend on. The waiting function returns the folder that
    holds them and the seconds the rendering took (None when the previous files were reused).
    `then` (cache writes) runs after the extras, in the same process, or here at once when the
    previous extras are reused.
    """
    cache = Cache(project / ".cache" / "digest")
    folder = cache.folder / "extras"
    if cache.load("extras", None) == inputs and folder.is_dir():
        for call in then:
            call()
        return (lambda: (folder, None)), (lambda: None)
    cache.save("extras", None)  # until the new files are complete, nothing is reusable
    worker = ForkedCall(call=functools.partial(write_extras, folder, content, settings, then))

    def wait() -> tuple[Path, float]:
        seconds = worker.result()
        cache.save("extras", inputs)
        return folder, seconds

    return wait, worker.cancel


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
