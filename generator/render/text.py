"""Untrusted text (titles, abstracts, notes, links) to safe, faithful HTML or Markdown.

Abstracts are written by authors and copied from the web: they carry LaTeX leftovers
(`\\%`, `\\textbf{..}`, `\\footnote{url}`, `v_{reason}`, `^{13}C`, `$...$`), Markdown bold
(`**Med**ical`), literal tags (`<think>`) and URLs followed by sentence punctuation. Everything
is escaped first; only the markup this module itself emits survives, and nh3 (an allowlist
sanitiser) checks the result again so no script, handler or `javascript:` URL can get through.
Curator notes are rendered the same way, and a Markdown link `[text](https://...)` in a note
becomes a link (http and https only; anything else stays text).

Rendering is one left-to-right pass (braces are matched once, up front, with a stack; open
constructs are a stack too), so time is linear in the text and nesting is capped at MAX_DEPTH:
deeper constructs stay literal text. Both matter for hostile input: 400 KB of `\\textbf{`
must neither take minutes nor exhaust Python's recursion limit or the sanitiser's.

This module also owns what a URL must be (`check_url`) and which characters no text may hold
(`find_forbidden`): controls, lone surrogates and non-characters, which XML cannot carry.

pylatexenc converts `$...$` math to Unicode text. It is not used on whole abstracts: it drops
the formatting of `\\textbf` and eats literal strings such as `"\\n\\n"`.
"""

from __future__ import annotations

import functools
import html
import re
import unicodedata
from urllib.parse import urlsplit

import nh3
from pylatexenc.latex2text import LatexNodes2Text

URL = re.compile(r"https?://[^\s<>\"'{}|\\^`\[\]*]+")
TRAILING = ".,;:!?'\""  # sentence punctuation after a URL is not part of it
_TOKENS = (
    r"(?P<url>https?://)"
    r"|(?P<cmd>\\(?P<name>textbf|textit|emph|texttt|underline|footnote|url)\{)"
    r"|(?P<esc>\\[%&_#${}])"
    r"|(?P<script>[_^]\{)"
    r"|(?P<power>(?<=[A-Za-z0-9)])\^(?P<digits>\d{1,3}))"
    r"|(?P<bold>\*\*(?=\S))"
    r"|(?P<math>(?<!\\)\$(?P<tex>[^$\n]{1,200}?)(?<!\\)\$)"
)
# The lookahead first: every alternative starts with one of these characters, and testing
# one class per position rejects most positions at once, before seven alternatives with
# lookbehinds are tried.
TOKEN = re.compile(r"(?=[h\\_^*$])(?:" + _TOKENS + ")")
# Notes also have Markdown links: a label without brackets, a URL with at most one level of
# balanced parentheses (Wikipedia's `Foo_(bar)`), both bounded so a failed try costs little.
NOTE_TOKEN = re.compile(
    r"(?=[h\\_^*$\[])(?:(?P<mdlink>\[(?P<label>[^\[\]\n]{1,500})\]"
    r"\((?P<href>(?:[^()\s]|\([^()\s]*\)){1,2000})\))|" + _TOKENS + ")")
BRACES = re.compile(r"\\.|[{}]", re.DOTALL)
WRAP = {"textbf": "strong", "textit": "em", "emph": "em", "texttt": "code", "underline": "u"}
MAX_DEPTH = 16  # nested constructs; real abstracts use 3 at most
MAX_MATH = 200  # formulas converted per paragraph (the rest are shown as written): real
# abstracts hold a few dozen, and each costs pylatexenc about as much as 1 KB of text
ALLOWED_TAGS = {"a", "strong", "em", "code", "u", "sub", "sup", "span", "p", "br"}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "span": {"class"}}
_latex = LatexNodes2Text(math_mode="text")

MAX_URL = 2000  # characters; browsers and servers cope with this much, and no real link is longer
# RFC 3986's characters; anything else in ASCII (space, quotes, <>, {}, |, \\, ^, `) is not part
# of a URL and, printed in a page, could be read as markup.
_URL_ASCII = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
                       "-._~:/?#[]@!$&'()*+,;=%")

_URL_CHARS = re.compile(r"[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]*")  # the same, as one test


# The common link, decided by one regex (urlsplit costs far more): host names, then a path,
# query and fragment of RFC 3986's characters with well-formed escapes. Others take the long way.
_PLAIN_URL = re.compile(r"https?://[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.?"
                        r"(?:[/?#][A-Za-z0-9\-._~:/?#!$&'()*+,;=]*"
                        r"(?:%[0-9A-Fa-f]{2}[A-Za-z0-9\-._~:/?#!$&'()*+,;=]*)*)?", re.IGNORECASE)
# C0 controls but tab, newline and carriage return; DEL; C1 controls; lone surrogates;
# non-characters. XML 1.0 (the feeds) cannot carry most of them, YAML refuses them, and none
# belongs in a title or an abstract: they are copy-and-paste accidents or attempts to confuse.
# The non-characters of planes 1-16 (U+1FFFE...) are tested apart: in one class with the rest
# they made every search many times slower.
FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufdd0-\ufdef"
                       "\ufffe\uffff]")
_ASTRAL = re.compile("[\U00010000-\U0010ffff]")


def _forbidden(text: str) -> re.Match | None:
    match = FORBIDDEN.search(text)
    if not text.isascii():
        end = match.start() if match else len(text)
        for astral in _ASTRAL.finditer(text, 0, end):
            if ord(astral.group()) & 0xFFFE == 0xFFFE:
                return astral
    return match


def describe_forbidden(char: str) -> str:
    """What a forbidden character is, for messages: 'control character U+001B'."""
    code = ord(char)
    if 0xD800 <= code <= 0xDFFF:
        kind = "lone surrogate"
    elif code <= 0x9F:
        kind = "control character"
    else:
        kind = "non-character"
    return f"{kind} U+{code:04X}"


def find_forbidden(text: str) -> int:
    """The index of the first forbidden character of a text, or -1."""
    match = _forbidden(text)
    return -1 if match is None else match.start()


def remove_forbidden(text: str) -> tuple[str, str | None]:
    """The text without forbidden characters, and the first one removed described (or None)."""
    match = _forbidden(text)
    if match is None:
        return text, None
    clean = FORBIDDEN.sub("", text)
    if not clean.isascii():
        clean = _ASTRAL.sub(lambda m: "" if ord(m.group()) & 0xFFFE == 0xFFFE else m.group(),
                            clean)
    return clean, describe_forbidden(match.group())


def printable(text: str, limit: int = 80) -> str:
    """Untrusted text as it may be printed in a message: shortened, no control characters
    (a terminal would obey an escape sequence), invisible characters written as escapes."""
    if len(text) > limit:
        text = text[: limit - 3] + "..."
    return "".join(c if c.isprintable() or c == " " else ascii(c)[1:-1] for c in text)


def check_url(url: str) -> str | None:
    """Why a text is not a link the digest publishes, or None when it is one.

    A link is an absolute http(s) URL with a host, at most MAX_URL characters, made only of the
    characters URLs are made of (non-ASCII letters allowed, as browsers show them): no space,
    control, quote, angle bracket, brace or backslash, no user name or password.
    """
    if not isinstance(url, str):
        return "not text"
    scheme, separator, _ = url.partition("://")
    if not separator or scheme.lower() not in ("http", "https"):
        return "only http:// and https:// links are allowed"
    if len(url) > MAX_URL:
        return f"longer than {MAX_URL} characters"
    if _PLAIN_URL.fullmatch(url):
        return None
    for char in "" if _URL_CHARS.fullmatch(url) else url:
        if (char not in _URL_ASCII) if char.isascii() else unicodedata.category(char)[0] in "CZ":
            return f"{describe_character(char)} is not allowed in a URL (percent-encode it)"
    try:
        parts = urlsplit(url)
        host = parts.hostname
        parts.port  # noqa: B018 (a port that is not a number raises here)
    except ValueError:
        return "its host or port is not valid"
    if not host:
        return "it has no host"
    if "@" in parts.netloc:
        return "it must not hold a user name or password"
    if "[" in url.replace(parts.netloc, "", 1) or "]" in url.replace(parts.netloc, "", 1):
        return "'[' and ']' are only allowed around an IPv6 address (percent-encode them)"
    if re.search(r"%(?![0-9A-Fa-f]{2})", url):
        return "'%' must start an escape like %20"
    return None


def describe_character(char: str) -> str:
    """A character as messages name it: 'space', '{', or 'U+202E'."""
    if char == " ":
        return "a space"
    if char.isprintable() and not char.isspace():
        return f"'{char}'"
    return f"U+{ord(char):04X}"


def split_url(text: str, start: int, end: int | None = None) -> tuple[str, int]:
    """The URL starting at text[start:end] and where it ends, without trailing punctuation."""
    match = URL.match(text, start, len(text) if end is None else end)
    if match is None:
        return "", start
    url = match.group()
    # Counted once and kept up to date: recounting on every stripped character was quadratic
    # on a URL followed by thousands of ')'.
    opened, closed, cut = url.count("("), url.count(")"), len(url)
    while cut:
        char = url[cut - 1]
        if char in TRAILING:
            cut -= 1
        elif char == ")" and opened < closed:
            closed -= 1
            cut -= 1
        else:
            break
    return url[:cut], start + cut


def extract_links(text: str) -> list[str]:
    """Every valid http(s) URL of a text (check_url), in order, each once."""
    links: list[str] = []
    for match in URL.finditer(text):
        url, _ = split_url(text, match.start())
        if url.count("/") >= 2 and len(url) > len("https://x") and url not in links \
                and check_url(url) is None:
            links.append(url)
    return links


def _brace_pairs(text: str) -> dict[int, int]:
    """Each `{` that is closed, by index, with the index of its `}` (escaped braces skipped)."""
    pairs: dict[int, int] = {}
    opened: list[int] = []
    for match in BRACES.finditer(text):
        char = match.group()
        if char == "{":
            opened.append(match.start())
        elif char == "}" and opened:
            pairs[opened.pop()] = match.start()
    return pairs


def _link(url: str, label: str | None = None) -> str:
    href = html.escape(url, quote=True)
    return f'<a href="{href}">{href if label is None else label}</a>'


def _bare_url(text: str, match, bound: int, links_open: int) -> tuple[str, int]:
    """A URL token's HTML (a link when it is a valid URL outside a link, else its text) and the
    index to resume after it."""
    url, position = split_url(text, match.start(), bound)
    if url != match.group() and not links_open and check_url(url) is None:
        return _link(url), position
    return html.escape(url or match.group(), quote=False), max(position, match.end())


def _brace_markup(text: str, match, end: int, links_open: int) -> tuple[str, str] | str:
    """The opening and closing markup of a brace construct (`\\textbf{`, `_{`, `^{`) whose
    content ends at `end`; or, for a footnote or `\\url` holding only a valid URL, the whole
    construct's HTML."""
    if match.lastgroup == "script":
        tag = "sub" if match.group()[0] == "_" else "sup"
        return f"<{tag}>", f"</{tag}>"
    if match["name"] in ("footnote", "url"):
        inner = text[match.end() : end].strip()
        url, stop = split_url(inner, 0)
        if url and stop >= len(inner) - 1 and not links_open and check_url(url) is None:
            return f" ({_link(url)})"
        return " (", ")"
    tag = WRAP[match["name"]]
    return f"<{tag}>", f"</{tag}>"


def _render(text: str, note: bool = False) -> str:
    """One paragraph as inline HTML, in one pass: the open constructs are a stack of
    (closing markup, index where the construct's content ends, index to resume after it)."""
    out: list[str] = []
    token = NOTE_TOKEN if note else TOKEN
    pairs: dict[int, int] | None = None  # computed on the first brace construct
    stack: list[tuple[str, int, int]] = []
    links_open = 0  # no link inside a link
    formulas = 0
    position, bound = 0, len(text)
    escape = functools.partial(html.escape, quote=False)
    while True:
        match = token.search(text, position, bound)
        if match is None:
            out.append(escape(text[position:bound]))
            if not stack:
                return "".join(out)
            closing, _, position = stack.pop()
            links_open -= closing == "</a>"
            out.append(closing)
            bound = stack[-1][1] if stack else len(text)
            continue
        out.append(escape(text[position : match.start()]))
        position = match.end()
        kind = match.lastgroup  # the outer group of the alternative that matched
        deep = len(stack) >= MAX_DEPTH
        if kind == "url":
            markup, position = _bare_url(text, match, bound, links_open)
            out.append(markup)
        elif kind == "mdlink":
            if links_open or deep or check_url(match["href"]) is not None:
                out.append(escape(match.group()))
                continue
            out.append(f'<a href="{html.escape(match["href"], quote=True)}">')
            stack.append(("</a>", match.end("label"), match.end()))
            links_open += 1
            position, bound = match.start("label"), match.end("label")
        elif kind in ("cmd", "script"):
            if pairs is None:
                pairs = _brace_pairs(text)
            end = pairs.get(match.end() - 1, -1)
            if end == -1 or end >= bound or deep:
                out.append(escape(match.group()))
                continue
            markup = _brace_markup(text, match, end, links_open)
            if isinstance(markup, str):  # the whole construct, rendered
                out.append(markup)
                position = end + 1
                continue
            opening, closing = markup
            out.append(opening)
            stack.append((closing, end, end + 1))
            bound = end
        elif kind == "esc":
            out.append(escape(match.group()[1]))
        elif kind == "power":
            out.append(f"<sup>{match['digits']}</sup>")
        elif kind == "bold":
            end = text.find("**", position, bound)
            if end == -1 or end == position or text[end - 1].isspace() or deep:
                out.append("**")
                continue
            out.append("<strong>")
            stack.append(("</strong>", end, end + 2))
            bound = end
        elif kind == "math":
            formulas += 1
            tex = _math(match["tex"]) if formulas <= MAX_MATH else match["tex"]
            out.append(f'<span class="math">{escape(tex)}</span>')


@functools.lru_cache(maxsize=4096)  # hostile text repeats the same formula thousands of times
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
    """An abstract as safe inline HTML, LaTeX and Markdown leftovers rendered.

    Cached: pages, three feed formats and summaries all render the same abstracts.
    """
    return _render_paragraphs(text, note=False)


def render_note_html(text: str) -> str:
    """A curator's note as safe inline HTML: as an abstract, plus Markdown links
    `[text](https://...)` (http and https only; any other link stays literal text)."""
    return _render_paragraphs(text, note=True)


def _render_paragraphs(text: str, note: bool) -> str:
    paragraphs = [p.strip() for p in re.split(r"\n\s*\n", text.strip()) if p.strip()]
    return sanitize_html("".join(f"<p>{_render(' '.join(p.split()), note)}</p>"
                                 for p in paragraphs))


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
# Python-Markdown's escapable characters (markdown.Markdown.ESCAPED_CHARS), with the `|` the
# tables extension adds (a title in a table cell must not end the cell).
MARKDOWN_SPECIALS = re.compile(r"[\\`*_{}\[\]()#+\-.!|]")


@functools.lru_cache(maxsize=None)
def md_escape(text: str) -> str:
    """Untrusted text as literal Markdown: HTML escaped, Markdown specials backslashed."""
    escaped = html.escape(" ".join(text.split()), quote=False)
    # A function, not the template r"\\\1": re parses and expands a template at every match.
    return MARKDOWN_SPECIALS.sub(_backslashed, escaped)


def _backslashed(match: re.Match) -> str:
    return "\\" + match.group()


def forget_rendered() -> None:
    """Drop the renderings kept for reuse (abstracts as HTML and as plain text, escaped
    titles): a process done rendering a set of pages gives their memory back."""
    for function in (render_abstract_html, render_plain, md_escape):
        function.cache_clear()


def harden_json_text(text: str) -> str:
    """JSON text with <, > and & written as \\u escapes: the same data, but a title like
    `<script>` can no longer be read as markup by anything that inlines the JSON into a page.
    In JSON these characters only occur inside strings."""
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
