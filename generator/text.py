"""Untrusted text (titles, abstracts, notes) to safe, faithful HTML or Markdown.

Abstracts are written by authors and copied from the web: they carry LaTeX leftovers
(`\\%`, `\\textbf{..}`, `\\footnote{url}`, `v_{reason}`, `^{13}C`, `$...$`), Markdown bold
(`**Med**ical`), literal tags (`<think>`) and URLs followed by sentence punctuation. Everything
is escaped first; only the markup this module itself emits survives, and nh3 (an allowlist
sanitiser) checks the result again so no script, handler or `javascript:` URL can get through.

pylatexenc converts `$...$` math to Unicode text. It is not used on whole abstracts: it drops
the formatting of `\\textbf` and eats literal strings such as `"\\n\\n"`.
"""

from __future__ import annotations

import functools
import html
import re

import nh3
from pylatexenc.latex2text import LatexNodes2Text

URL = re.compile(r"https?://[^\s<>\"'{}|\\^`\[\]*]+")
TRAILING = ".,;:!?'\""  # sentence punctuation after a URL is not part of it
TOKEN = re.compile(
    # The lookahead first: every alternative starts with one of these characters, and testing
    # one class per position is 6x faster than trying seven alternatives with lookbehinds.
    r"(?=[h\\_^*$])(?:"
    r"(?P<url>https?://)"
    r"|(?P<cmd>\\(?P<name>textbf|textit|emph|texttt|underline|footnote|url)\{)"
    r"|(?P<esc>\\[%&_#${}])"
    r"|(?P<script>[_^]\{)"
    r"|(?P<power>(?<=[A-Za-z0-9)])\^(?P<digits>\d{1,3}))"
    r"|(?P<bold>\*\*(?=\S))"
    r"|(?P<math>(?<!\\)\$(?P<tex>[^$\n]{1,200}?)(?<!\\)\$))"
)
WRAP = {"textbf": "strong", "textit": "em", "emph": "em", "texttt": "code", "underline": "u"}
ALLOWED_TAGS = {"a", "strong", "em", "code", "u", "sub", "sup", "span", "p", "br"}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "span": {"class"}}
_latex = LatexNodes2Text(math_mode="text")


def split_url(text: str, start: int) -> tuple[str, int]:
    """The URL starting at text[start:] and where it ends, without trailing punctuation."""
    match = URL.match(text, start)
    if match is None:
        return "", start
    url = match.group()
    while url and (url[-1] in TRAILING or (url[-1] == ")" and url.count("(") < url.count(")"))):
        url = url[:-1]
    return url, start + len(url)


def extract_links(text: str) -> list[str]:
    """Every http(s) URL of a text, in order, each once."""
    links: list[str] = []
    for match in URL.finditer(text):
        url, _ = split_url(text, match.start())
        if url.count("/") >= 2 and len(url) > len("https://x") and url not in links:
            links.append(url)
    return links


def _closing_brace(text: str, start: int) -> int:
    """Index of the `}` that closes the group opened just before `start`, or -1."""
    depth = 1
    for index in range(start, len(text)):
        char = text[index]
        if char == "\\":
            continue
        if char == "{" and text[index - 1] != "\\":
            depth += 1
        elif char == "}" and text[index - 1] != "\\":
            depth -= 1
            if depth == 0:
                return index
    return -1


def _link(url: str) -> str:
    href = html.escape(url, quote=True)
    return f'<a href="{href}">{href}</a>'


def _render(text: str) -> str:
    out: list[str] = []
    position = 0
    while True:
        match = TOKEN.search(text, position)
        if match is None:
            out.append(html.escape(text[position:], quote=False))
            return "".join(out)
        out.append(html.escape(text[position : match.start()], quote=False))
        position = match.end()
        if match["url"]:
            url, position = split_url(text, match.start())
            out.append(_link(url) if url != match.group() else html.escape(url, quote=False))
        elif match["cmd"]:
            end = _closing_brace(text, position)
            if end == -1:
                out.append(html.escape(match.group(), quote=False))
                continue
            inner, position = text[match.end() : end], end + 1
            name = match["name"]
            if name in ("footnote", "url"):
                url, stop = split_url(inner.strip(), 0)
                out.append(f" ({_link(url)})" if url and stop >= len(inner.strip()) - 1
                           else f" ({_render(inner)})")
            else:
                out.append(f"<{WRAP[name]}>{_render(inner)}</{WRAP[name]}>")
        elif match["esc"]:
            out.append(html.escape(match.group()[1], quote=False))
        elif match["script"]:
            end = _closing_brace(text, position)
            if end == -1:
                out.append(html.escape(match.group(), quote=False))
                continue
            tag = "sub" if match.group()[0] == "_" else "sup"
            out.append(f"<{tag}>{_render(text[match.end() : end])}</{tag}>")
            position = end + 1
        elif match["power"]:
            out.append(f"<sup>{match['digits']}</sup>")
        elif match["bold"]:
            end = text.find("**", position)
            if end == -1 or end == position or text[end - 1].isspace():
                out.append("**")
                continue
            out.append(f"<strong>{_render(text[position:end])}</strong>")
            position = end + 2
        elif match["math"]:
            out.append(f'<span class="math">{html.escape(_math(match["tex"]), quote=False)}</span>')


def _math(tex: str) -> str:
    try:
        return _latex.latex_to_text(tex).strip() or tex
    except Exception:  # pylatexenc rejects some malformed input; show it as written
        return tex


def sanitize_html(markup: str) -> str:
    """Keep only the inline markup this module emits; drop every other tag and attribute."""
    return nh3.clean(
        markup,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https"},
        link_rel="nofollow noopener",
    )


@functools.lru_cache(maxsize=None)
def render_abstract_html(text: str) -> str:
    """An abstract (or note) as safe inline HTML, LaTeX and Markdown leftovers rendered.

    Cached: pages, three feed formats and summaries all render the same abstracts.
    """
    paragraphs = [p.strip() for p in re.split(r"\n\s*\n", text.strip()) if p.strip()]
    return sanitize_html("".join(f"<p>{_render(' '.join(p.split()))}</p>" for p in paragraphs))


@functools.lru_cache(maxsize=None)
def render_plain(text: str) -> str:
    """An abstract as plain text (no markup), for descriptions and summaries.

    Paragraphs are separated by a space (their <p> tags alone would glue "ends.Next").
    """
    markup = render_abstract_html(text).replace("</p><p>", "</p> <p>")
    # The markup is nh3's output: every < in its text is escaped, and its only attribute values
    # are URLs, which cannot hold a >. So a tag is exactly a <...> run (a second nh3 pass
    # stripping every tag cost twice as much).
    return html.unescape(TAG_RUN.sub("", markup)).strip()


TAG_RUN = re.compile(r"<[^>]*>")
# Python-Markdown's escapable characters (markdown.Markdown.ESCAPED_CHARS).
MARKDOWN_SPECIALS = re.compile(r"[\\`*_{}\[\]()#+\-.!]")


@functools.lru_cache(maxsize=None)
def md_escape(text: str) -> str:
    """Untrusted text as literal Markdown: HTML escaped, Markdown specials backslashed."""
    escaped = html.escape(" ".join(text.split()), quote=False)
    # A function, not the template r"\\\1": re expands a template 1.5x slower.
    return MARKDOWN_SPECIALS.sub(_backslashed, escaped)


def _backslashed(match: re.Match) -> str:
    return "\\" + match.group()


def harden_json_text(text: str) -> str:
    """JSON text with <, > and & written as \\u escapes: the same data, but a title like
    `<script>` can no longer be read as markup by anything that inlines the JSON into a page.
    In JSON these characters only occur inside strings."""
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
