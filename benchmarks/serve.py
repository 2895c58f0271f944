"""How long a saved edit takes to show in the browser under `digest serve`.

Usage: python benchmarks/serve.py [--papers N] [--repeats R]

Writes a synthetic digest of N papers (make_corpus.py, default 200) in a temporary folder,
starts `digest serve` on a free 127.0.0.1 port, opens pages in headless Chromium and, for each
kind of edit, saves the file and times until the open page (reloaded by MkDocs' live reload)
shows the change: a paper's note, a theme's title, `mkdocs.yml`'s site_name, a new paper (its
month's archive page lists it), and a content error (the page turns into the error page naming
the file and line) and its fix (the page is back). Prints one line per edit: the median and the
slowest of R repeats, in seconds, and the median's ratio to the baseline: MkDocs building every
page of the same docs/ in a warm process (`load_config` and `build`, what `mkdocs serve` does
after an edit of mkdocs.yml, without the server), median of R builds after one to warm up.
"""

from __future__ import annotations

import argparse
import inspect
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))
sys.path.insert(0, str(REPO / "benchmarks"))

from browser import chromium  # noqa: E402
from make_corpus import write_corpus  # noqa: E402

TIMEOUT = 60_000  # ms: an edit that takes longer is reported as a failure


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def make_digest(root: Path, count: int) -> Path:
    """A project with the repository's mkdocs.yml, theme and themes.yml, and N papers."""
    project = root / "digest"
    (project / "content" / "papers").mkdir(parents=True)
    config = (REPO / "mkdocs.yml").read_text(encoding="utf-8")
    config = config.replace("custom_dir: generator/site/theme",
                            f"custom_dir: {REPO / 'generator' / 'site' / 'theme'}")
    (project / "mkdocs.yml").write_text(config, encoding="utf-8")
    shutil.copy(REPO / "content" / "themes.yml", project / "content" / "themes.yml")
    listings = write_corpus(count, root / "listings")
    subprocess.run([sys.executable, "-m", "generator", "import", "--year", "2025",
                    *map(str, listings)], cwd=project, check=True, capture_output=True)
    return project


def time_warm_build(project: Path, repeats: int) -> float:
    """Median seconds of MkDocs loading mkdocs.yml and building every page of the project's
    docs/ into a scratch folder, in this (warm) process, after one build to warm up."""
    from generator.site.stack import select_mkdocs

    select_mkdocs()  # the MkDocs `digest serve` runs (ProperDocs when installed)
    from mkdocs.commands.build import build
    from mkdocs.config import load_config

    from generator.site.config import theme_overrides

    times = []
    with tempfile.TemporaryDirectory(prefix="digest-serve-site-") as site:
        for _ in range(repeats + 1):
            start = time.monotonic()
            build(load_config(str(project / "mkdocs.yml"), site_dir=site,
                              **theme_overrides(project)))
            times.append(time.monotonic() - start)
    return statistics.median(times[1:])


def polling_interval() -> float:
    """Seconds between the polls of MkDocs' live-reload file watcher (its default, which
    `mkdocs serve` keeps)."""
    from mkdocs.livereload import LiveReloadServer

    return inspect.signature(LiveReloadServer).parameters["polling_interval"].default


def wait_for_text(page, text: str, present: bool = True) -> bool:
    """Whether the page shows (or, with present=False, stops showing) `text` within TIMEOUT."""
    from playwright.sync_api import TimeoutError

    try:
        page.wait_for_function(
            "([t, present]) => document.body && document.body.innerText.includes(t) === present",
            arg=[text, present], timeout=TIMEOUT, polling=20)
        return True
    except TimeoutError:
        return False


def timed(page, path: Path, new: str, text: str, present: bool = True) -> float:
    """Save `new` as the file at `path`, return the seconds until `page` shows `text`
    (infinity: not within TIMEOUT)."""
    start = time.monotonic()
    path.write_text(new, encoding="utf-8")
    return time.monotonic() - start if wait_for_text(page, text, present) else float("inf")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--papers", type=int, default=200)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    results: dict[str, list[float]] = {}
    with tempfile.TemporaryDirectory(prefix="digest-serve-") as tmp:
        project = make_digest(Path(tmp), args.papers)
        port = free_port()
        base = f"http://127.0.0.1:{port}/"
        log = open(Path(tmp) / "serve.log", "w")
        server = subprocess.Popen(
            [sys.executable, "-m", "generator", "serve", "--dev-addr", f"127.0.0.1:{port}"],
            cwd=project, stdout=log, stderr=subprocess.STDOUT,
            env={**os.environ, "GITHUB_ACTIONS": ""})
        try:
            with chromium() as browser:
                page = browser.new_page()
                deadline = time.monotonic() + 300
                while True:  # the first build
                    try:
                        page.goto(base, wait_until="load")
                        break
                    except Exception:
                        if time.monotonic() > deadline:
                            raise
                        time.sleep(0.5)
                papers = sorted((project / "content" / "papers").glob("*.md"))
                paper = papers[0]
                paper_url = f"{base}papers/{paper.stem}/"
                themes = project / "content" / "themes.yml"
                config = project / "mkdocs.yml"
                for run in range(args.repeats):
                    page.goto(paper_url, wait_until="load")
                    text = paper.read_text()
                    marker = f"Edited note {run}"
                    results.setdefault("note of a paper (its page)", []).append(timed(
                        page, paper, text.replace("note: null", f"note: {marker}"), marker))
                    paper.write_text(text)
                    wait_for_text(page, marker, present=False)

                    page.goto(f"{base}themes/rl-for-reasoning/", wait_until="load")
                    original = themes.read_text()
                    title = f"Reinforcement learning, edited {run}"
                    results.setdefault("title of a theme (its page)", []).append(timed(
                        page, themes, original.replace(
                            "title: Reinforcement learning for reasoning", f"title: {title}"),
                        title))
                    themes.write_text(original)
                    wait_for_text(page, title, present=False)

                    page.goto(paper_url, wait_until="load")
                    original = config.read_text()
                    name = f"Digest preview {run}"
                    results.setdefault("site_name in mkdocs.yml (a paper page)", []).append(
                        timed(page, config, original.replace(
                            "site_name: LLM Reasoning Digest", f"site_name: {name}"), name))
                    config.write_text(original)
                    wait_for_text(page, name, present=False)

                    new = project / "content" / "papers" / f"zz-new-paper-{run}.md"
                    added = paper.read_text().split("\nadded: ")[1][:10]
                    page.goto(f"{base}archive/{added[:7]}/", wait_until="load")
                    new_title = f"A Paper Added While Serving {run}"
                    body = (f"---\ntitle: {new_title}\nadded: {added}\nthemes:\n"
                            "- rl-for-reasoning\n---\nAn abstract written by hand.\n")
                    results.setdefault("a new paper (its month's page)", []).append(
                        timed(page, new, body, new_title))
                    new.unlink()
                    wait_for_text(page, new_title, present=False)

                    page.goto(paper_url, wait_until="load")
                    text = paper.read_text()
                    results.setdefault("a content error (shown on the open page)", []).append(
                        timed(page, paper, text.replace("\nupvotes: ", "\nupvotes: lots #", 1),
                              f"content/papers/{paper.name}:"))
                    results.setdefault("the error fixed (the page is back)", []).append(
                        timed(page, paper, text, f"content/papers/{paper.name}:", present=False))
        finally:
            server.terminate()
            server.wait(timeout=30)
            log.close()
        baseline = time_warm_build(project, args.repeats)
    print(f"digest serve, {args.papers} papers, {args.repeats} repeats: seconds from saving the "
          "file to the open page showing the change (median, slowest, median / baseline)")
    for name, times in results.items():
        median = statistics.median(times)
        print(f"  {name:45s} {median:6.2f} {max(times):6.2f} {median / baseline:6.2f}")
    print(f"baseline: MkDocs building every page of the same docs/ in a warm process "
          f"(median of {args.repeats}): {baseline:.2f} s; MkDocs' file watcher polls every "
          f"{polling_interval():g} s")


if __name__ == "__main__":
    main()
