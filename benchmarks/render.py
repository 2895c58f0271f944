"""Rendering pathological abstracts and notes: seconds per case, printed.

Reproduce with `python benchmarks/render.py`. The cases are the hostile inputs of issue 15
(400 KB of `\\textbf{` or `_{`, which took minutes before rendering was made one pass) and
their relatives; tests/test_hostile.py runs the same cases under a generous timeout.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from generator import text  # noqa: E402

CASES = {
    "\\textbf{ x 50,000 (unclosed)": "\\textbf{" * 50_000,
    "_{ x 200,000 (unclosed)": "_{" * 200_000,
    "\\textbf{_{ nested 30,000 deep, closed": "\\textbf{_{x}" * 30_000 + "}" * 30_000,
    "\\textbf{x} _{y} x 25,000": "\\textbf{x} _{y} " * 25_000,
    "'**a ' x 100,000": "**a " * 100_000,
    "\\footnote{ x 40,000": "\\footnote{" * 40_000,
    "URL followed by 400,000 ')'": "https://x.org/" + ")" * 400_000,
    "40,000 different formulas": "".join(f"$a_{{{i}}}$ " for i in range(40_000)),
    "'[a](' x 100,000 (note)": "[a](" * 100_000,
}


def main() -> None:
    print(f"{'case':42} {'KB':>5} {'abstract s':>10} {'note s':>7} {'links s':>7}")
    for name, source in CASES.items():
        timings = []
        for render in (text.render_abstract_html, text.render_note_html, text.extract_links):
            started = time.perf_counter()
            render(source)
            timings.append(time.perf_counter() - started)
        print(f"{name:42} {len(source) // 1000:5d} " + " ".join(
            f"{t:{w}.2f}" for t, w in zip(timings, (10, 7, 7))))


if __name__ == "__main__":
    main()
