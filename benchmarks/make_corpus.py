"""Write N synthetic papers as Hugging Face listing files, for benchmarks.

Usage: python benchmarks/make_corpus.py N OUT_DIR [--seed S]

Titles and abstracts are assembled from the vocabulary of LLM-reasoning papers, so TF-IDF,
search and theme rules see realistic text; every title and abstract is unique. Papers are
spread over listings of up to 500 entries, one listing per day going back from 2025-12-20, with
a metadata block (authors, date, upvotes) on most entries. Deterministic for a given seed.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
from pathlib import Path

HEADER = ("new\n\nGet trending papers in your email inbox!\n\nSubscribe\n\nDaily Papers\n\n"
          "byAK and the research community\n\n")
NAMES = ["Think", "Reason", "Chain", "Step", "Verify", "Reflect", "Plan", "Search", "Prove",
         "Distill", "Compress", "Route", "Ground", "Probe", "Align", "Scale", "Critic", "Tutor",
         "Forge", "Atlas", "Lumen", "Vector", "Quill", "Orbit", "Spark", "Delta", "Sigma"]
SUFFIXES = ["R1", "Zero", "Lite", "Pro", "-RL", "-V", "Bench", "Mind", "Coder", "Math", "X"]
METHODS = ["reinforcement learning with verifiable rewards", "group relative policy optimization",
           "process reward models", "Monte Carlo tree search", "self-consistency decoding",
           "chain-of-thought distillation", "latent reasoning tokens", "curriculum learning",
           "preference optimization", "test-time scaling", "adaptive thinking budgets",
           "tool-integrated reasoning", "retrieval-augmented generation", "self-correction",
           "speculative decoding", "mixture of experts routing", "reflective fine-tuning"]
GOALS = ["mathematical reasoning", "code generation", "multimodal understanding",
         "video question answering", "theorem proving", "long-context reasoning",
         "agentic web search", "medical diagnosis", "scientific discovery", "planning",
         "instruction following", "logical deduction", "visual reasoning", "table reasoning",
         "chemistry", "multilingual reasoning", "embodied control", "reward modeling"]
SUBJECTS = ["large language models", "small language models", "vision-language models",
            "large reasoning models", "multimodal LLMs", "code models", "language agents"]
BENCHMARKS = ["GSM8K", "MATH500", "AIME24", "AMC23", "GPQA", "HumanEval", "MMMU", "LiveCodeBench",
              "MathVista", "ARC-Challenge", "BBH", "OlympiadBench", "SWE-bench", "HotpotQA"]
CLAIMS = ["overthinking wastes tokens on easy problems", "longer chains are not always better",
          "reward hacking appears early in training", "verifiers generalise across domains",
          "small models benefit most from distillation", "exploration collapses without entropy "
          "bonuses", "errors compound over long horizons", "data quality matters more than size"]


def make_title(rng: random.Random, used: set[str]) -> str:
    while True:
        name = rng.choice(NAMES) + rng.choice(SUFFIXES)
        title = (f"{name}: {rng.choice(['Boosting', 'Scaling', 'Rethinking', 'Teaching', 'Towards'])}"
                 f" {rng.choice(GOALS).title()} in {rng.choice(SUBJECTS).title()} via "
                 f"{rng.choice(METHODS).title()}")
        if title not in used:
            used.add(title)
            return title


def make_abstract(rng: random.Random, number: int) -> str:
    method, goal, subject = rng.choice(METHODS), rng.choice(GOALS), rng.choice(SUBJECTS)
    bench = rng.sample(BENCHMARKS, 3)
    sentences = [
        f"Recent {subject} show strong {goal}, yet {rng.choice(CLAIMS)}.",
        f"We study {method} as a way to improve {goal} without extra supervision.",
        f"Our analysis reveals that {rng.choice(CLAIMS)}, and that {rng.choice(CLAIMS)}.",
        f"We propose a {rng.choice(['simple', 'scalable', 'principled', 'lightweight'])} "
        f"framework that combines {method} with {rng.choice(METHODS)}.",
        f"Experiments on {bench[0]}, {bench[1]} and {bench[2]} show gains of "
        f"{rng.randint(2, 25)}.{rng.randint(0, 9)}\\% over strong baselines while using "
        f"{rng.randint(20, 70)}% fewer tokens.",
        f"Ablations confirm the role of {rng.choice(METHODS)} in {rng.choice(GOALS)}.",
        f"We release code and data at https://github.com/example/paper-{number}.",
    ]
    return " ".join(sentences[: rng.randint(5, 7)])


def write_corpus(count: int, out: Path, seed: int = 0) -> list[Path]:
    """Write the listings; returns their paths (import them with --year 2025)."""
    rng = random.Random(seed)
    out.mkdir(parents=True, exist_ok=True)
    used: set[str] = set()
    paths, day, number = [], dt.date(2025, 12, 20), 0
    while number < count:
        size = min(500, count - number)
        blocks = []
        for _ in range(size):
            published = day - dt.timedelta(days=rng.randint(0, 200))
            stamp = f"{published:%b} {published.day}" + (
                f", {published.year}" if published.year != day.year else "")
            upvotes = f" {rng.randint(1, 200)}" if rng.random() < 0.6 else ""
            meta = (f"\n\n  • {rng.randint(1, 30)} authors\n·\n{stamp}{upvotes}"
                    if rng.random() < 0.8 else "")
            blocks.append(f"{make_title(rng, used)}\n\n{make_abstract(rng, number)}{meta}")
            number += 1
        path = out / f"listing-{len(paths):03d}.txt"
        path.write_text(f"{HEADER}{day:%b} {day.day}\n\n" + "\n\n".join(blocks) + "\n",
                        encoding="utf-8")
        paths.append(path)
        day -= dt.timedelta(days=1)
        if day.year < 2025:
            day = dt.date(2025, 12, 20)
    return paths


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("count", type=int)
    parser.add_argument("out", type=Path)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    written = write_corpus(args.count, args.out, args.seed)
    print(f"{args.count} papers in {len(written)} listings under {args.out}")
