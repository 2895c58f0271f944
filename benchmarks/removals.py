"""Time the removal checks of `digest check` (rejected.yml, papers rejected but present, source
entries whose paper file is gone) against the whole check, at N synthetic papers.

Usage: python benchmarks/removals.py [N...] [--repeats R]   (default: 2000, 5 repeats)

The corpus is benchmarks/make_corpus.py's listings, imported with `digest import`; 1% of the
papers are rejected, so every stored entry is matched against papers and rejections.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from make_corpus import write_corpus  # noqa: E402
from run import make_project  # noqa: E402


def bench(n: int, workdir: Path, repeats: int) -> dict[str, float]:
    from generator.content.read import read_content
    from generator.content.rejections import check_removals

    project = make_project(workdir / f"n{n}")
    listings = write_corpus(n, workdir / f"listings{n}")
    subprocess.run([sys.executable, "-m", "generator", "import", "--year", "2025",
                    *map(str, listings)], cwd=project, check=True, capture_output=True)
    names = sorted(p.stem for p in (project / "content/papers").glob("*.md"))
    subprocess.run([sys.executable, "-m", "generator", "reject", *names[::100], "--reason",
                    "benchmark", "--date", "2026-01-01"], cwd=project, check=True,
                   capture_output=True)
    root = project / "content"
    papers = read_content(root).papers
    inner, whole = [], []
    for _ in range(repeats):
        start = time.perf_counter()
        problems = check_removals(root, papers)
        inner.append(time.perf_counter() - start)
        assert problems == [], problems[:3]
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "generator", "check"], cwd=project, check=True,
                       capture_output=True)
        whole.append(time.perf_counter() - start)
    return {"papers": len(papers), "listings": len(listings),
            "removal checks (s)": statistics.median(inner),
            "digest check (s)": statistics.median(whole)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sizes", nargs="*", type=int, default=[2000])
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        for n in args.sizes:
            row = bench(n, Path(folder), args.repeats)
            print("  ".join(f"{k}: {v:.3f}" if isinstance(v, float) else f"{k}: {v}"
                            for k, v in row.items()))


if __name__ == "__main__":
    main()
