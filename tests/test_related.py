"""Related papers: TF-IDF neighbours, never the paper itself, stable order."""

from __future__ import annotations

import datetime as dt

from generator.model import Paper
from generator.related import compute_related


def paper(name: str, title: str, abstract: str) -> Paper:
    return Paper(title=title, abstract=abstract, added=dt.date(2025, 1, 1), themes=["x"],
                 name=name)


def test_most_similar_papers_come_first_and_never_the_paper_itself():
    papers = [
        paper("rl-a", "Reinforcement learning for math reasoning",
              "We train with verifiable rewards and GRPO on math problems."),
        paper("rl-b", "GRPO with verifiable rewards",
              "Reinforcement learning with verifiable rewards improves math reasoning."),
        paper("video", "Video reasoning with multimodal models",
              "Vision-language models watch videos and answer questions."),
        paper("video-2", "Multimodal video question answering",
              "A benchmark of video questions for vision-language models."),
    ]
    related = compute_related(papers, count=2)
    assert related["rl-a"][0] == "rl-b" and related["video"][0] == "video-2"
    assert all(name not in others for name, others in related.items())
    assert compute_related(list(reversed(papers)), count=2) == related


def test_a_lone_paper_has_no_related_papers():
    assert compute_related([paper("only", "A title", "An abstract.")]) == {"only": []}
