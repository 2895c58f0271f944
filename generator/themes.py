"""Proposing themes for a new paper from the rules of content/themes.yml.

Proposals are made once, when a paper is added; afterwards themes belong to curators and the
build reads front matter only.
"""

from __future__ import annotations

import re

from .model import Theme

TITLE_WEIGHT = 3  # a theme named in the title is what the paper is about
MIN_SCORE = 2
MAX_THEMES = 3


def score_theme(theme: Theme, title: str, abstract: str) -> int:
    """How strongly a paper's text matches a theme's rules."""
    score = 0
    for rule in theme.rules:
        pattern = re.compile(rule, re.IGNORECASE)
        score += TITLE_WEIGHT * len(pattern.findall(title)) + len(pattern.findall(abstract))
    return score


def propose_themes(title: str, abstract: str, themes: list[Theme]) -> list[str]:
    """1-3 theme ids for a paper: the best-scoring themes, else the fallback theme."""
    scored = [(score_theme(t, title, abstract), i, t.id) for i, t in enumerate(themes)]
    ranked = sorted((s for s in scored if s[0] >= MIN_SCORE), key=lambda s: (-s[0], s[1]))
    if ranked:
        # Only themes scoring at least a third of the best one: fewer, truer proposals.
        top = ranked[0][0]
        return [theme_id for score, _, theme_id in ranked[:MAX_THEMES] if 3 * score >= top]
    fallback = [t.id for t in themes if t.fallback]
    return fallback[:1] or [t.id for t in themes[:1]]


def matches_themes(title: str, abstract: str, themes: list[Theme]) -> bool:
    """Whether a paper belongs in the digest: some theme's rules score it high enough."""
    return any(score_theme(t, title, abstract) >= MIN_SCORE for t in themes)
