"""Related papers: TF-IDF neighbours, never the paper itself, stable order."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from pathlib import Path

from generator.render import related as related_module
from generator.model import Paper
from generator.render.related import compute_related

REPO = Path(__file__).resolve().parent.parent


def paper(name: str, title: str, abstract: str) -> Paper:
    return Paper(title=title, abstract=abstract, added=dt.date(2025, 1, 1), themes=["x"],
                 name=name)


PAPERS = [
    paper("rl-a", "Reinforcement learning for math reasoning",
          "We train with verifiable rewards and GRPO on math problems."),
    paper("rl-b", "GRPO with verifiable rewards",
          "Reinforcement learning with verifiable rewards improves math reasoning."),
    paper("video", "Video reasoning with multimodal models",
          "Vision-language models watch videos and answer questions."),
    paper("video-2", "Multimodal video question answering",
          "A benchmark of video questions for vision-language models."),
]


def test_most_similar_papers_come_first_and_never_the_paper_itself():
    related = compute_related(PAPERS, count=2)
    assert related["rl-a"][0] == "rl-b" and related["video"][0] == "video-2"
    assert all(name not in others for name, others in related.items())
    assert compute_related(list(reversed(PAPERS)), count=2) == related


def test_a_lone_paper_has_no_related_papers():
    assert compute_related([paper("only", "A title", "An abstract.")]) == {"only": []}


def test_equal_scores_are_listed_in_file_name_order():
    same = [paper(name, "Process reward models", "Verifiers for math.") for name in "dcba"]
    assert compute_related(same, count=2) == {
        "a": ["b", "c"], "b": ["a", "c"], "c": ["a", "b"], "d": ["a", "b"]}


def test_papers_of_stop_words_only_have_no_related_papers():
    empty = [paper("x", "The", "Of the and a."), paper("y", "It is", "")]
    assert compute_related(empty) == {"x": [], "y": []}
    assert compute_related(PAPERS + empty)["x"] == []


def test_large_digests_use_lsa_and_still_find_the_same_neighbours(monkeypatch):
    # Four papers stand in for more than EXACT_LIMIT; two dimensions hold their two topics.
    monkeypatch.setattr(related_module, "EXACT_LIMIT", 3)
    monkeypatch.setattr(related_module, "LSA_DIMENSIONS", 2)
    related = compute_related(PAPERS, count=1)
    assert related == {"rl-a": ["rl-b"], "rl-b": ["rl-a"], "video": ["video-2"],
                       "video-2": ["video"]}
    assert compute_related(list(reversed(PAPERS)), count=1) == related


def test_importing_the_module_does_not_load_scikit_learn():
    # scikit-learn is imported by the computation only: `digest check` and `digest serve`,
    # which import the build, never pay for it.
    code = ("import sys; import generator.render.related, generator.site.build; "
            "print('sklearn' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, check=False,
                          text=True, timeout=120)
    assert done.stdout == "False\n", done.stderr
