"""Benchmark the whole pipeline against a bare MkDocs build of the same pages, in one run.

Usage: python benchmarks/run.py [N ...] [--workdir DIR] [--no-search] [--repeats R]
       (default N: 200 2000 20000)

For each N it writes a synthetic corpus (benchmarks/make_corpus.py) and imports it, then, R
times in a fresh copy of the project, measures a cold `digest build` (split into the generator
step and the MkDocs build) and, as the baseline, a bare `mkdocs build` of the same docs/, with
the same mkdocs.yml, in alternating order; the medians of the pairs' figures are reported.
Then: the parallel parts (docs/ generated: related papers and paper pages on the workers; the
extras rendered by a worker alongside MkDocs) in cold builds with 1 worker and with 2
(`digest build --jobs N`), a rebuild with nothing changed, a rebuild after one curator edit,
the extras (feeds, exports, search index) rendered alone, sizes (site, search index raw and
gzipped, the largest paper, theme and home page) and, in headless Chromium, search latency from
navigation start. It prints one table with ratios to the baseline. Timings are wall-clock seconds on this machine.
Memory: the largest single process' peak RSS (GNU time), and the peak of the whole process
tree's summed PSS (forked workers share pages; PSS counts a shared page once), sampled every
0.1 s in one more cold build, kept apart from the timed ones because the sampling slows the
build it samples.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "benchmarks"))
sys.path.insert(0, str(REPO / "tests"))

from make_corpus import write_corpus  # noqa: E402

QUERIES = ["reinforcement learning", "theorem proving", "overthinking", "distillation"]


def run(cmd: list[str], cwd: Path) -> tuple[float, str]:
    """Run a command; returns (wall seconds, stdout). Fails loudly."""
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    started = time.perf_counter()
    done = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, env=env)
    if done.returncode:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{done.stderr[-3000:]}")
    return time.perf_counter() - started, done.stdout


def timed_rss(cmd: list[str], cwd: Path) -> tuple[float, int, str]:
    """(wall seconds, peak RSS in MB, stdout) of one command, RSS measured by GNU time."""
    seconds, _, out = timed_memory(cmd, cwd, sample=False)
    return seconds, int((cwd / ".rss").read_text().split()[-1]) // 1024, out


def timed_memory(cmd: list[str], cwd: Path, sample: bool = True) -> tuple[float, int, str]:
    """(wall seconds, peak summed PSS in MB, stdout). GNU time writes the largest single
    process' peak RSS to cwd/.rss; meanwhile, every 0.1 s, the proportional set sizes of the
    whole process tree are summed (forked children share pages: PSS counts each once).

    Reading /proc/<pid>/smaps_rollup walks a process' page tables under its memory lock, so
    the sampling slows what it measures: timed runs pass `sample=False` (PSS reads 0)."""
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    # Written data still being flushed (the previous build's site, the project just copied)
    # would slow whichever build runs next: creating 2,000 files took up to 0.3 s longer.
    os.sync()
    started = time.perf_counter()
    with open(cwd / ".out", "w") as out, open(cwd / ".err", "w") as err:
        process = subprocess.Popen(["/usr/bin/time", "-f", "%M", "-o", str(cwd / ".rss")] + cmd,
                                   cwd=cwd, stdout=out, stderr=err, env=env, text=True)
        peak = 0
        while sample and process.poll() is None:
            peak = max(peak, _tree_pss(process.pid))
            time.sleep(0.1)
        process.wait()
    seconds = time.perf_counter() - started
    if process.returncode:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{(cwd / '.err').read_text()[-3000:]}")
    return seconds, peak // 1024, (cwd / ".out").read_text()


def _tree_pss(pid: int) -> int:
    """Summed PSS (KB) of a process and all its descendants, read from /proc."""
    total, todo = 0, [pid]
    while todo:
        current = todo.pop()
        try:
            for line in Path(f"/proc/{current}/smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    total += int(line.split()[1])
            for task in Path(f"/proc/{current}/task").iterdir():
                todo += [int(c) for c in (task / "children").read_text().split()]
        except (OSError, ValueError):
            continue  # the process ended meanwhile
    return total


def make_project(root: Path) -> Path:
    (root / "content" / "papers").mkdir(parents=True)
    shutil.copy(REPO / "content" / "themes.yml", root / "content" / "themes.yml")
    config = (REPO / "mkdocs.yml").read_text(encoding="utf-8").replace(
        "custom_dir: generator/site/theme", f"custom_dir: {REPO / 'generator' / 'site' / 'theme'}")
    (root / "mkdocs.yml").write_text(config, encoding="utf-8")
    return root


def seconds_in(out: str, label: str, after: str = "") -> float:
    """The seconds `digest build` reports on its line starting with `label` (first figure, or
    the one following `after` on that line)."""
    match = re.search(rf"^{re.escape(label)}.*?{re.escape(after)} ?([0-9.]+) s", out, re.M)
    return float(match.group(1)) if match else float("nan")


def largest(files: list[Path]) -> int:
    return max((f.stat().st_size for f in files), default=0)


def folder_size(folder: Path) -> int:
    return sum(f.stat().st_size for f in folder.rglob("*") if f.is_file())


def search_index_files(site: Path) -> list[Path]:
    return [f for f in (site / "searchindex").rglob("*") if f.is_file()]


def measure_extras(project: Path) -> float:
    """Rendering feeds, exports and the search index alone, in memory (in a build, one of its
    workers renders them alongside MkDocs)."""
    code = (
        "import time; from pathlib import Path;"
        "from generator.site.build import load_mkdocs_config, site_settings;"
        "from generator.content.read import read_content;"
        "from generator.site.extras import render_extras;"
        f"p = Path({str(project)!r}); c = read_content(p / 'content');"
        "s = site_settings(load_mkdocs_config(p)); t = time.perf_counter();"
        "render_extras(c, s);"
        "print(time.perf_counter() - t)")
    return float(run([sys.executable, "-c", code], project)[1].strip().splitlines()[-1])


def measure_workers(imported: Path, workdir: Path, n: int, repeats: int) -> dict[str, float]:
    """The parallel parts of cold builds with 1 worker and with 2 (`digest build --jobs N`),
    medians of `repeats` builds each, alternating: docs/ generated (related papers computed
    and paper pages rendered by the workers while this process renders and writes the rest),
    the extras rendered by a worker alongside MkDocs, and the whole build."""
    runs: dict[int, list[tuple[float, float, float]]] = {1: [], 2: []}
    for attempt in range(repeats):
        for jobs in (1, 2) if attempt % 2 == 0 else (2, 1):
            project = make_project(workdir / f"digest-{n}-jobs-{jobs}-{attempt}")
            shutil.copytree(imported / "content", project / "content", dirs_exist_ok=True)
            seconds, _, out = timed_rss([sys.executable, "-m", "generator", "build",
                                         "--jobs", str(jobs)], project)
            runs[jobs].append((seconds_in(out, "docs/:"),
                               seconds_in(out, "feeds, exports, search index:", "rendered in"),
                               seconds))
            shutil.rmtree(project)
    row = {}
    for index, label in enumerate(("docs/ generated (s)", "extras alongside MkDocs (s)",
                                   "build (s)")):
        for jobs in (1, 2):
            row[f"{label}, {jobs} worker{'s' if jobs > 1 else ''}"] = statistics.median(
                run[index] for run in runs[jobs])
    row["docs/ generated: 1 worker / 2 workers"] = (row["docs/ generated (s), 1 worker"]
                                                    / row["docs/ generated (s), 2 workers"])
    return row


def measure_search(site: Path) -> dict[str, float]:
    """From navigation start on the home page: first results, later queries, bytes fetched.

    A later query is typed as soon as the one before shows its results, while that one's
    excerpts may still be loading; its time runs until its own results show. A second visit,
    in a fresh browser context (nothing cached), waits for each query's excerpts too.
    """
    from browser import chromium, serve_folder, wait_for_results

    def visit(browser, base: str):
        """A page in a fresh context with the first query's results shown; (page, start,
        fetched so far)."""
        page = browser.new_context().new_page()
        fetched: list[tuple[float, str, int]] = []

        def finished(request) -> None:
            try:
                size = (request.sizes() or {}).get("responseBodySize", 0)
            except Exception:  # the page closed while title files were still loading
                size = 0
            fetched.append((time.perf_counter(), request.url, size))

        page.on("requestfinished", finished)
        start = time.perf_counter()
        page.goto(base, wait_until="commit")
        page.wait_for_selector("input.md-search__input", state="attached")
        page.click("label.md-search__icon, .md-search__input")
        page.fill("input.md-search__input", QUERIES[0])  # one input event, like a paste
        page.wait_for_selector(".md-search-result__item", timeout=120_000)
        return page, start, fetched

    results: dict[str, float] = {}
    with serve_folder(site) as base, chromium() as browser:
        page, start, fetched = visit(browser, base)
        first = time.perf_counter()
        results["first results (s)"] = first - start
        before = [(url, size) for when, url, size in fetched if when <= first]
        results["downloaded before first results (KB, gz est.)"] = round(sum(
            _gz_size(site, base, url, size) for url, size in before) / 1024, 1)
        shown = []
        for query in QUERIES[1:]:
            started = time.perf_counter()
            page.fill("input.md-search__input", query)
            wait_for_results(page, query, excerpts=False, timeout=60_000)
            shown.append(time.perf_counter() - started)
        results["later query (s, max)"] = max(shown)
        # A pasted title (many words, so many shards): a paper from the middle of the digest.
        titles = json.loads((site / "searchindex/n/0.json").read_text(encoding="utf-8"))
        url, title = titles[len(titles) // 2][:2]
        started = time.perf_counter()
        page.fill("input.md-search__input", title)
        wait_for_results(page, title, excerpts=False, timeout=60_000)
        results["pasted title: results shown (s)"] = time.perf_counter() - started
        first = page.locator(".md-search-result__link").first.get_attribute("href")
        results["pasted title: its paper first"] = "yes" if first == base + url else "NO"
        page.context.close()
        page = visit(browser, base)[0]
        wait_for_results(page, QUERIES[0], timeout=60_000)
        complete = []
        for query in QUERIES[1:]:
            started = time.perf_counter()
            page.fill("input.md-search__input", query)
            wait_for_results(page, query, timeout=60_000)
            complete.append(time.perf_counter() - started)
        results["later query with excerpts (s, max)"] = max(complete)
    return results


def _gz_size(site: Path, base: str, url: str, size: int) -> int:
    # The test server does not compress; GitHub Pages does. Estimate the gzipped transfer.
    path = site / url.removeprefix(base).split("?")[0]
    if path.is_dir():
        path = path / "index.html"
    if path.is_file():
        return len(gzip.compress(path.read_bytes(), 6))
    return size


def bench(n: int, workdir: Path, search: bool, repeats: int) -> dict[str, float | int | str]:
    row: dict[str, float | int | str] = {"papers": n}
    corpus = workdir / f"corpus-{n}"
    listings = write_corpus(n, corpus)
    imported = make_project(workdir / f"digest-{n}")
    digest = [sys.executable, "-m", "generator"]
    row["import (s)"], row["import RSS (MB)"], _ = timed_rss(
        digest + ["import", "--year", "2025", *map(str, listings)], imported)
    # Cold builds, each in a fresh copy of the project (no cache, no docs/, no site/), each
    # paired with a bare MkDocs build of the same docs/. Pairs alternate their order (build
    # then bare, bare then build: the docs/ of every copy are the same bytes), so a machine
    # that slows down or speeds up during the run affects both sides of the ratios alike.
    runs = []
    for attempt in range(repeats):
        project = make_project(workdir / f"digest-{n}-{attempt}")
        shutil.copytree(imported / "content", project / "content", dirs_exist_ok=True)
        bare = [sys.executable, "-m", "mkdocs", "build", "--quiet",
                "-d", str(workdir / f"bare-{n}-{attempt}")]
        if attempt % 2:  # bare first, on the docs/ of the previous copy
            bare_seconds, bare_rss, _ = timed_rss(bare, workdir / f"digest-{n}-{attempt - 1}")
        seconds, rss, out = timed_rss(digest + ["build"], project)
        if not attempt % 2:
            bare_seconds, bare_rss, _ = timed_rss(bare, project)
        mkdocs = seconds_in(out, "MkDocs:")  # loading mkdocs.yml and building, as `mkdocs build`
        loading = seconds_in(out, "MkDocs:", "loaded in")
        runs.append({"build (s)": seconds, "build RSS, largest process (MB)": rss,
                     "MkDocs in build (s)": mkdocs,
                     "of which loading mkdocs.yml (s)": loading,
                     "generator step (s)": seconds - mkdocs,
                     "bare mkdocs build (s)": bare_seconds, "bare RSS (MB)": bare_rss,
                     "generator / bare MkDocs": (seconds - mkdocs) / bare_seconds,
                     "generator / MkDocs in build": (seconds - mkdocs) / mkdocs,
                     # The same, with loading mkdocs.yml counted as the generator's.
                     "generator with mkdocs.yml / MkDocs' build alone":
                         (seconds - mkdocs + loading) / (mkdocs - loading),
                     "MkDocs in build / bare MkDocs": mkdocs / bare_seconds,
                     "pipeline / bare MkDocs": seconds / bare_seconds})
    for key in runs[0]:
        row[key] = statistics.median(run[key] for run in runs)
    for key in ("generator / MkDocs in build", "pipeline / bare MkDocs"):  # the spread too
        row[f"{key}, each build"] = " ".join(f"{run[key]:.3f}" for run in runs)
    row["builds measured (median of)"] = repeats
    row.update(measure_workers(imported, workdir, n, repeats))
    # Memory of the whole process tree, sampled in one more cold build (not timed: see
    # timed_memory).
    sampled = make_project(workdir / f"digest-{n}-memory")
    shutil.copytree(imported / "content", sampled / "content", dirs_exist_ok=True)
    row["build PSS, all processes (MB)"] = timed_memory(digest + ["build"], sampled)[1]
    # The first rebuild reads the project's files back from disk: the builds since (other
    # copies, gigabytes at 20,000 papers) pushed them out of the page cache. A curator's
    # rebuild follows their own build; the second one is that.
    seconds, _, out = timed_rss(digest + ["build"], project)
    row["no-change rebuild, files not cached (s)"] = seconds
    seconds, _, out = timed_rss(digest + ["build"], project)
    row["no-change rebuild (s)"] = seconds
    paper = sorted((project / "content" / "papers").glob("*.md"))[0]
    paper.write_text(paper.read_text(encoding="utf-8").replace(
        "note: null", "note: A curator's note."), encoding="utf-8")
    seconds, _, out = timed_rss(digest + ["build"], project)
    row["one note edited: rebuild (s)"] = seconds
    row["one note edited: generator (s)"] = seconds - seconds_in(out, "MkDocs:")
    row["feeds, exports, search index, alone (s)"] = measure_extras(project)
    site = project / "site"
    row["site (MB)"] = round(folder_size(site) / 1e6, 1)
    index = search_index_files(site)
    row["search index (MB)"] = round(sum(f.stat().st_size for f in index) / 1e6, 2)
    row["search index gz (MB)"] = round(sum(len(gzip.compress(f.read_bytes(), 6))
                                            for f in index) / 1e6, 2)
    row["largest paper page (KB)"] = largest(list((site / "papers").glob("*/index.html"))) // 1024
    row["largest theme page (KB)"] = largest(list((site / "themes").rglob("index.html"))) // 1024
    row["home page (KB)"] = (site / "index.html").stat().st_size // 1024
    row["largest top page (KB)"] = largest(list((site / "top").rglob("index.html"))) // 1024
    if search:
        row.update(measure_search(site))
        row["search KB per paper"] = round(
            row["downloaded before first results (KB, gz est.)"] / n, 3)
    return row


def print_table(rows: list[dict]) -> None:
    keys = list(rows[0])
    print("| measure | " + " | ".join(str(r["papers"]) for r in rows) + " |")
    print("|---|" + "---|" * len(rows))
    for key in keys[1:]:
        cells = []
        for row in rows:
            value = row.get(key, "")
            digits = 3 if " / " in key else 2  # a ratio near its budget needs the third
            cells.append(f"{value:.{digits}f}" if isinstance(value, float) else str(value))
        print(f"| {key} | " + " | ".join(cells) + " |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sizes", nargs="*", type=int, default=[200, 2000, 20000])
    parser.add_argument("--workdir", type=Path, default=None)
    parser.add_argument("--no-search", action="store_true", help="skip the Chromium search run")
    parser.add_argument("--repeats", type=int, default=None,
                        help="cold builds per size, medians reported (default: 3 up to 2,000 "
                             "papers, 1 above)")
    args = parser.parse_args()
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="digest-bench-"))
    rows = []
    for n in args.sizes:
        print(f"benchmarking {n} papers in {workdir} ...", file=sys.stderr)
        repeats = args.repeats or (3 if n <= 2000 else 1)
        rows.append(bench(n, workdir, not args.no_search, repeats))
    print_table(rows)


if __name__ == "__main__":
    main()
