"""The review sheet of an import: a Markdown summary for the curator (the ingest PR's body).

It lists every added paper (its Hugging Face page, score and reason, proposed themes, the
nearest papers already in the digest), every updated paper (which fields changed) and every
paper left out (score, or why). GitHub renders it, and titles come from strangers: every value
is escaped so that nothing in it becomes a link, an image, HTML, a mention or an issue reference.
The renderer is pure: an import plan in, Markdown out.
"""

from __future__ import annotations

import re
import unicodedata

from generator.model import ARXIV_ID

HF_PAPER = "https://huggingface.co/papers/{}"
MAX_TEXT = 300  # characters of one title or reason in the sheet
MAX_SHEET = 20_000  # GitHub refuses a pull request body over 65,536 characters: room for 3 days
# Every ASCII punctuation character: CommonMark lets a backslash make any of them literal.
_PUNCTUATION = re.compile(r"([!-/:-@\[-`{-~])")
# A mention (@user), an issue reference (#12, owner/repo#12): GitHub links these in the text
# after rendering, escaped or not; a word joiner after the sign keeps them plain text.
_REFERENCE = re.compile(r"([@#])(?=\w)")
_WORD_JOINER = "\u2060"


def escape_markdown(text: str, limit: int = MAX_TEXT) -> str:
    """Text shown as itself in GitHub Markdown: one line, no markup, links or mentions."""
    # Control and format characters (bidirectional overrides among them) can disguise text.
    text = "".join(c for c in text if unicodedata.category(c) not in ("Cc", "Cf", "Zl", "Zp")
                   or c in " \t\n")
    text = " ".join(text.split())
    if len(text) > limit:
        text = text[: limit - 1].rstrip() + "…"
    text = _PUNCTUATION.sub(r"\\\1", text)
    return _REFERENCE.sub(lambda m: m[1] + _WORD_JOINER, text)


def paper_link(title: str, arxiv: str | None) -> str:
    """The title, linked to its Hugging Face page when the arXiv id is a valid one."""
    shown = escape_markdown(title)
    if arxiv and ARXIV_ID.fullmatch(arxiv):
        return f"[{shown}]({HF_PAPER.format(arxiv)})"
    return shown


def _code(text: str) -> str:
    """A path, file name or theme id as inline code; they are plain names (rules.py), and any
    other character is dropped so that nothing can close the code span."""
    return "`" + re.sub(r"[^A-Za-z0-9._/-]", "", text) + "`"


def render_added(candidate, threshold: float | None) -> list[str]:
    """The entry of one added paper: link, score, reason, themes, nearest papers."""
    head = f"- **{paper_link(candidate.title, candidate.arxiv)}**"
    relevance = candidate.relevance
    if relevance is not None:
        low = threshold is not None and relevance.score < threshold
        head += f" · score **{relevance.score:.2f}**" + (" · ⚠ below the threshold" if low
                                                          else "")
    lines = [head + f" · {_code(candidate.path)}"]
    if relevance is not None:
        terms = ", ".join(relevance.terms) if relevance.terms else "none"
        model = f"; model {relevance.model:.2f}" if relevance.model is not None else ""
        lines.append(f"  - why: scope terms {escape_markdown(terms)}{model}")
        if relevance.unlike:
            lines.append(f"  - most like the off-topic example: "
                         f"{escape_markdown(relevance.unlike)}")
        if relevance.nearest:
            lines.append("  - nearest in the digest: "
                         + ", ".join(f"“{escape_markdown(t)}”" for t in relevance.nearest))
    if candidate.themes:
        lines.append("  - themes: " + ", ".join(_code(t) for t in candidate.themes))
    return lines


def render_skipped(candidate, brief: bool = False) -> list[str]:
    """The entry of one paper left out: link and why (score and reason, or a rejection)."""
    why = candidate.why
    if brief and candidate.relevance is not None:
        why = f"score {candidate.relevance.score:.2f}"
    return [f"- {paper_link(candidate.title, candidate.arxiv)}: {escape_markdown(why, 600)}"]


def render_updated(candidate) -> list[str]:
    """The entry of one updated paper: link, file and the fields that changed."""
    changed = ", ".join(candidate.changed) or "formatting"
    return [f"- {paper_link(candidate.title, candidate.arxiv)} · {_code(candidate.path)} · "
            f"changed: {escape_markdown(changed)}"]


def _score(candidate) -> float:
    return candidate.relevance.score if candidate.relevance is not None else 1.0


def render_review_sheet(plan) -> str:
    """The whole sheet of an import plan, at most about MAX_SHEET characters."""
    sources = ", ".join(_code(f"content/sources/{name}") for name in plan.sources) or "nothing"
    counts = (f"**{len(plan.added)} added, {len(plan.updated)} updated, {len(plan.skipped)} "
              f"skipped**")
    if plan.threshold is not None:
        counts += f" · scope threshold {plan.threshold:.2f} (`content/scope.yml`)"
    if plan.flagged:
        counts += f" · {len(plan.flagged)} added below the threshold"
    head = [f"## Imported from {sources}", "", counts, ""]
    # The papers most worth a second look first: added ones by lowest score, skipped ones by
    # highest (the near misses); then by file and source, so the order is total.
    added = [line for c in sorted(plan.added, key=lambda c: (_score(c), c.path))
             for line in render_added(c, plan.threshold)]
    skipped = sorted(plan.skipped, key=lambda c: (-_score(c), c.refs))
    updated = [line for c in plan.updated for line in render_updated(c)]
    sections = [(f"### Added ({len(plan.added)})", added),
                (f"### Updated ({len(plan.updated)})", updated)]

    def sheet(skipped: list[str]) -> str:
        lines = list(head)
        for title, body in [*sections, (f"### Skipped ({len(plan.skipped)})", skipped)]:
            if body:
                lines += [title, "", *body, ""]
        return "\n".join(lines).rstrip("\n") + "\n"

    text = sheet([line for c in skipped for line in render_skipped(c)])
    if len(text) > MAX_SHEET:  # a long day: the skipped papers with their score only, or fewer
        brief = [line for c in skipped for line in render_skipped(c, brief=True)]
        for keep in range(len(brief), -1, -1):
            more = [f"- … and {len(brief) - keep} more: see the job's log"] if keep < len(
                brief) else []
            text = sheet(brief[:keep] + more)
            if len(text) <= MAX_SHEET:
                break
    return text
