"""Related papers: the scikit-learn version against the numpy/scipy one it replaced.

Usage: python benchmarks/related.py [N ...] [--workdir DIR] [--repeats R]
       (default N: 2000 20000; the committed content/ is always measured first)

For the committed content and for each synthetic corpus of N papers (benchmarks/make_corpus.py,
imported with `digest import` into a project under DIR), both versions compute every paper's 5
related papers from the same records: `generator.render.related.compute_related` (now) and
the frozen copy of the code before in benchmarks/related_before.py (before). Printed per corpus:
which path ran (exact cosines, or LSA past EXACT_LIMIT papers), the seconds of each (fastest of
R, imports excluded), and how far the lists agree: the mean share of a paper's 5 related papers
that both name, the share of papers whose list is the same (same papers, same order), and whose
first related paper is the same. Past EXACT_LIMIT papers both versions approximate (LSA), so
there the exact cosines are computed too (the exact path without the limit) and, for each
version and the exact one, the overlap with the exact lists and the mean exact cosine of the
papers chosen (how similar they really are). Then the import time of each version's libraries,
in a fresh interpreter (fastest of 3). The two versions run alternately, R times each, so a
machine whose load changes affects both alike. Timings are wall-clock seconds on this machine.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "benchmarks"))

import related_before  # noqa: E402
from make_corpus import write_corpus  # noqa: E402
from run import make_project  # noqa: E402

from generator.content.read import read_content  # noqa: E402
from generator.render import related  # noqa: E402

IMPORTS = {
    "before": "import numpy, scipy.sparse, scipy.linalg",
    "now": "import sklearn.decomposition, sklearn.feature_extraction.text, "
           "sklearn.metrics.pairwise, sklearn.preprocessing",
}


def read_papers(n: int, workdir: Path) -> list:
    """The records of a synthetic digest of n papers, imported as a curator would."""
    project = workdir / f"digest-{n}"
    if not (project / "content" / "papers").is_dir() or len(
            os.listdir(project / "content" / "papers")) != n:
        listings = write_corpus(n, workdir / f"corpus-{n}")
        make_project(project)
        subprocess.run([sys.executable, "-m", "generator", "import", "--year", "2025",
                        *map(str, listings)], cwd=project, check=True, capture_output=True,
                       env={**os.environ, "NO_MKDOCS_2_WARNING": "1"})
    content = read_content(project / "content")
    assert not content.problems, content.problems[:3]
    return content.papers


def timed(function, papers) -> tuple[float, dict]:
    started = time.perf_counter()
    result = function(papers)
    return time.perf_counter() - started, result


def exact_related(papers) -> dict:
    """The lists of the exact path, at any size (what LSA approximates)."""
    limit = related.EXACT_LIMIT
    related.EXACT_LIMIT = len(papers)
    try:
        return related.compute_related(papers)
    finally:
        related.EXACT_LIMIT = limit


def mean_cosine(papers, lists: dict) -> float:
    """The mean exact TF-IDF cosine between each paper and the papers its list names."""
    import numpy as np
    from sklearn.feature_extraction.text import TfidfVectorizer

    ordered = sorted(papers, key=lambda p: p.name)
    number = {p.name: i for i, p in enumerate(ordered)}
    vectors = TfidfVectorizer(sublinear_tf=True, stop_words=sorted(related.STOP_WORDS)
                              ).fit_transform([f"{p.title}. {p.title}. {p.abstract}"
                                               for p in ordered])
    pairs = np.array([(number[name], number[other]) for name, others in lists.items()
                      for other in others])
    return float(np.asarray(vectors[pairs[:, 0]].multiply(vectors[pairs[:, 1]]).sum(axis=1)
                            ).mean())


def agreement(before: dict, now: dict) -> tuple[float, float, float]:
    """(mean share of the lists both name, share of equal lists, share of equal first ones)."""
    shares, equal, first = [], 0, 0
    for name, old in before.items():
        new = now[name]
        shares.append(len(set(old) & set(new)) / max(len(old), len(new), 1))
        equal += old == new
        first += old[:1] == new[:1]
    return statistics.mean(shares), equal / len(before), first / len(before)


def import_seconds(statement: str) -> float:
    code = f"import time; t = time.perf_counter(); {statement}; print(time.perf_counter() - t)"
    return min(float(subprocess.run([sys.executable, "-c", code], capture_output=True,
                                    text=True, check=True).stdout) for _ in range(3))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sizes", nargs="*", type=int, default=[2000, 20000])
    parser.add_argument("--workdir", type=Path, help="kept between runs (default: a temp dir)")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="digest-related-"))
    workdir.mkdir(parents=True, exist_ok=True)
    corpora = [("content/", lambda: read_content(REPO / "content").papers)]
    corpora += [(f"{n} synthetic", lambda n=n: read_papers(n, workdir)) for n in args.sizes]
    print(f"{'corpus':<16} {'papers':>6} {'path':>6} {'before (s)':>10} {'now (s)':>8} "
          f"{'top-5 overlap':>13} {'same list':>9} {'same first':>10}")
    for statement in IMPORTS.values():  # imports are timed apart, below
        exec(statement)
    for label, papers_of in corpora:
        papers = papers_of()
        path = "LSA" if len(papers) > related.EXACT_LIMIT else "exact"
        times: dict[str, list[float]] = {"before": [], "now": []}
        for _ in range(args.repeats):
            seconds, old = timed(related_before.compute_related, papers)
            times["before"].append(seconds)
            seconds, new = timed(related.compute_related, papers)
            times["now"].append(seconds)
        overlap, same, first = agreement(old, new)
        print(f"{label:<16} {len(papers):>6} {path:>6} {min(times['before']):>10.2f} "
              f"{min(times['now']):>8.2f} {overlap:>13.4f} {same:>9.4f} {first:>10.4f}",
              flush=True)
        if path == "LSA":
            seconds, exact = timed(exact_related, papers)
            print(f"  exact cosines: {seconds:.2f} s, mean cosine of the chosen papers "
                  f"{mean_cosine(papers, exact):.4f}")
            for version, lists in (("before", old), ("now", new)):
                print(f"  {version}: top-5 overlap with the exact lists "
                      f"{agreement(exact, lists)[0]:.4f}, mean exact cosine of the chosen "
                      f"papers {mean_cosine(papers, lists):.4f}", flush=True)
    for version, statement in IMPORTS.items():
        print(f"import ({version}): {import_seconds(statement):.2f} s")


if __name__ == "__main__":
    main()
