"""Proposing themes for a new paper from the rules of content/themes.yml, with bounded work.

Proposals are made once, when a paper is added; afterwards themes belong to curators and the
build reads front matter only.

Rules are Python `re` expressions. `digest check` refuses one that cannot compile or that
repeats a repetition (`(a+)+`: exponential backtracking on some text). The rules then run on
the `regex` engine, the same syntax and matches, with a time limit per rule and paper: a rule
that needs longer stops the import with RuleError instead of hanging it. A rule is never
skipped silently, since a proposal that depends on the machine's speed would not be
reproducible.
"""

from __future__ import annotations

import functools
import re

from generator.model import Theme

TITLE_WEIGHT = 3  # a theme named in the title is what the paper is about
MIN_SCORE = 2
MAX_THEMES = 3
RULE_TIMEOUT = 1.0  # seconds for one rule on one paper; real rules need a fraction of that


class RuleError(Exception):
    """A theme rule that took too long on a paper (or that the engine refused)."""

    def __init__(self, theme_id: str, rule: str, message: str):
        super().__init__(f"'{rule}' {message}")
        self.theme_id = theme_id
        self.rule = rule


def check_rule(rule: str) -> str | None:
    """Why a rule may not be used (invalid, or a repetition of a repetition), or None."""
    try:
        re.compile(rule)
        tree = re._parser.parse(rule)
    except re.error as exc:
        return f"is not a valid regular expression: {exc}"
    if _repeats_repetition(tree, None):
        return ("repeats a repetition (like '(a+)+'), which can take exponential time on some "
                "text; write it without the nested repetition (like 'a+')")
    return None


# The pattern as `re` itself compiles it: the standard library has no public parser.
_SRE = re._constants
_BACKTRACKING = (_SRE.MAX_REPEAT, _SRE.MIN_REPEAT)  # possessive repeats do not backtrack


def _repeats_repetition(items, outer_unbounded: bool | None) -> bool:
    """Whether a repetition (of more than one) holds another, one of them unbounded.

    `outer_unbounded` is None outside any repetition, else whether the enclosing one is.
    """
    for op, value in items:
        if op in _BACKTRACKING and value[1] > 1:
            unbounded = value[1] == _SRE.MAXREPEAT
            if outer_unbounded is not None and (outer_unbounded or unbounded):
                return True
            inner = [(value[2], unbounded)]
        elif op in _BACKTRACKING or op == _SRE.POSSESSIVE_REPEAT:
            inner = [(value[2], outer_unbounded)]
        elif op == _SRE.SUBPATTERN:
            inner = [(value[3], outer_unbounded)]
        elif op == _SRE.BRANCH:
            inner = [(branch, outer_unbounded) for branch in value[1]]
        elif op in (_SRE.ASSERT, _SRE.ASSERT_NOT):
            inner = [(value[1], outer_unbounded)]
        elif op == _SRE.ATOMIC_GROUP:
            inner = [(value, outer_unbounded)]
        elif op == _SRE.GROUPREF_EXISTS:
            inner = [(branch, outer_unbounded) for branch in value[1:] if branch is not None]
        else:
            continue
        if any(_repeats_repetition(body, flag) for body, flag in inner):
            return True
    return False


@functools.lru_cache(maxsize=None)
def _compiled(theme_id: str, rule: str):
    # Imported here: `regex` is only needed by import, fetch and new, not by the build.
    import regex

    try:
        return regex.compile(rule, regex.IGNORECASE | regex.VERSION0)
    except regex.error as exc:
        raise RuleError(theme_id, rule, f"is not a valid regular expression: {exc}") from None


def _count(theme: Theme, rule: str, text: str, title: str) -> int:
    try:
        return len(_compiled(theme.id, rule).findall(text, timeout=RULE_TIMEOUT))
    except TimeoutError:
        raise RuleError(theme.id, rule, f"took too long on '{title[:60]}' (more than "
                        f"{RULE_TIMEOUT:g} s); simplify the rule") from None


def score_theme(theme: Theme, title: str, abstract: str) -> int:
    """How strongly a paper's text matches a theme's rules; RuleError if a rule is too slow."""
    score = 0
    for rule in theme.rules:
        score += TITLE_WEIGHT * _count(theme, rule, title, title) \
            + _count(theme, rule, abstract, title)
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
