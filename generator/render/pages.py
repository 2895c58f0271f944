"""Rendering the generated Markdown pages of docs/: pure functions from records to text.

Pages are Jinja templates with autoescaping on; untrusted text enters them only through the
`md` filter (escaped Markdown, where Markdown reads it), the `text` filter (escaped HTML on one
line, inside HTML blocks, which Markdown leaves alone), the `yaml` filter (front matter) or as
HTML already made safe by `text.py`. Links are written only inside HTML blocks, after
`digest check` has validated them as URLs. MkDocs/Material print front-matter `title` and
`description` unescaped, so those are HTML-escaped before they are written.
"""

from __future__ import annotations

import calendar
import functools
import hashlib
import json
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import quote_plus, urlsplit

import jinja2
from markupsafe import Markup, escape

from generator.render.charts import render_horizontal_bars
from generator.render.exports import render_bibtex
from generator.render.feeds import FORMATS
from generator.model import Paper, Theme, sort_newest
from generator.render.text import md_escape, render_abstract_html, render_note_html, render_plain

LATEST = 20  # papers on the home page
# Ranked papers on top/ (all time; the newest month), top/<YYYY-MM>/ and the home page.
TOP_ALL_TIME, TOP_LATEST_MONTH, TOP_MONTH, TOP_HOME = 100, 10, 50, 5
PAGE_SIZE = 100  # papers per theme page; longer themes continue on themes/<id>/page/<n>/
SUMMARY_CHARS = 200
MONTH_LABEL_WIDTH = 72  # px: "Sep 2025" in the charts' 14 px text


def _yaml_string(value) -> Markup:
    # JSON strings are valid YAML double-quoted scalars; keep non-ASCII readable.
    return Markup(json.dumps(str(value), ensure_ascii=False))


@functools.lru_cache(maxsize=4096)  # listings repeat the same days thousands of times
def _long_date(value) -> str:
    return f"{value:%B} {value.day}, {value.year}"


_env = jinja2.Environment(
    loader=jinja2.PackageLoader("generator.render", "templates"),
    autoescape=True,
    keep_trailing_newline=True,
    trim_blocks=True,
    lstrip_blocks=True,
    undefined=jinja2.StrictUndefined,
)
_env.filters["md"] = lambda value: Markup(md_escape(str(value)))
_env.filters["yaml"] = _yaml_string
# One line: a line break could end the HTML block the text sits in.
_env.filters["text"] = lambda value: " ".join(str(value).split())
_env.filters["longdate"] = _long_date


@functools.lru_cache(maxsize=1024)
def tag_anchor(tag: str) -> str:
    """The id of a tag's section on the tags page, as Material's tags plugin makes it
    (its default `tags_slugify` and `tags_slugify_format`)."""
    from pymdownx.slugs import slugify

    return f"tag:{slugify(case='lower')(tag, '-')}"


_env.filters["tag_anchor"] = tag_anchor


@dataclass(frozen=True)
class Deferred:
    """A page rendered only when its inputs, summed up by `key`, changed since the last build
    (the writer, site/output.py, compares the key with the one it wrote the page for)."""

    key: str
    render: Callable[[], str]


@dataclass(frozen=True)
class Link:
    """An external link as shown on a paper page."""

    url: str
    kind: str
    label: str


def classify_link(url: str) -> Link:
    """Name a URL by what it most likely is: code, data or project page."""
    parts = urlsplit(url)
    host = parts.netloc.lower().removeprefix("www.")
    path = parts.path.rstrip("/")
    if host in ("github.com", "gitlab.com", "bitbucket.org") or host.endswith(".github.com"):
        kind = "code"
    elif host == "huggingface.co" and path.startswith(("/datasets", "/spaces")):
        kind = "data" if path.startswith("/datasets") else "demo"
    elif host == "huggingface.co":
        kind = "model"
    else:
        kind = "project"
    return Link(url, kind, (host + path) if path else host)


def summarize(paper: Paper, limit: int = SUMMARY_CHARS) -> str:
    """The start of the abstract as plain text, cut at a word."""
    text = render_plain(paper.abstract)
    if len(text) <= limit:
        return text
    return text[:limit].rsplit(" ", 1)[0].rstrip(",;:") + "…"


def _authors(paper: Paper) -> str:
    if isinstance(paper.authors, int):
        return f"{paper.authors} author{'s' if paper.authors != 1 else ''}"
    return ", ".join(paper.authors or [])


def render_title_searches(title: str) -> list[Link]:
    """Without an arXiv id, links that search arXiv and Hugging Face for the paper's title."""
    query = quote_plus(" ".join(title.split()))
    return [Link(f"https://arxiv.org/search/?query={query}&searchtype=title", "arXiv",
                 "search for this title"),
            Link(f"https://huggingface.co/papers?q={query}", "Hugging Face", "search for this title")]


def render_paper_page(paper: Paper, themes: dict[str, Theme], settings,
                      related: list[Paper] = ()) -> str:
    """docs/papers/<name>.md for one paper."""
    arxiv_links = [Link(f"https://arxiv.org/abs/{paper.arxiv}", "arXiv", paper.arxiv),
                   Link(f"https://huggingface.co/papers/{paper.arxiv}", "Hugging Face",
                        "huggingface.co/papers/" + paper.arxiv)] if paper.arxiv else \
        render_title_searches(paper.title)
    return _env.get_template("paper.md.j2").render(
        bibtex=render_bibtex(paper, settings),
        edit_url=settings.edit_url(f"papers/{paper.name}.md"),
        related=related,
        paper=paper,
        summary=escape(summarize(paper, 160)),
        authors=_authors(paper),
        themes=[themes[t] for t in paper.themes],
        links=arxiv_links + [classify_link(url) for url in paper.links],
        abstract=Markup(render_abstract_html(paper.abstract)),
        note=Markup(render_note_html(paper.note)) if paper.note else "",
    )


def theme_counts(papers: list[Paper], themes: list[Theme]) -> list[tuple[Theme, int]]:
    """Each theme (in themes.yml order) with how many papers it holds."""
    counts = Counter(t for p in papers for t in p.themes)
    return [(theme, counts[theme.id]) for theme in themes]


def render_theme_pages(theme: Theme, members: list[Paper], titles: dict[str, str],
                       settings, keys: PageKeys, by_upvotes: bool = False,
                       shared: dict[str, Markup] | None = None) -> dict[str, Deferred]:
    """themes/<id>.md and, past PAGE_SIZE papers, themes/<id>/page/<n>.md (newest first); with
    `by_upvotes`, the same papers most upvoted first: themes/<id>/top.md, .../top/page/<n>.md.

    `shared` holds the entries rendered so far for this theme's pages in the other order.
    """
    shared = {} if shared is None else shared
    chunks = [members[i : i + PAGE_SIZE] for i in range(0, len(members), PAGE_SIZE)] or [[]]
    first = f"themes/{theme.id}/top.md" if by_upvotes else f"themes/{theme.id}.md"
    paths = [first] + [f"{first[:-3]}/page/{n}.md" for n in range(2, len(chunks) + 1)]
    files = {}
    for number, (path, chunk) in enumerate(zip(paths, chunks), start=1):
        root = "../" * path.count("/")  # from this page back to docs/
        arguments = dict(
            theme=theme, papers=chunk, total=len(members), titles=titles, root=root,
            site_title=settings.title, number=number, page_count=len(paths),
            by_upvotes=by_upvotes)
        files[path] = deferred_template(
            "theme.md.j2", arguments, keys, lambda chunk=chunk, root=root, number=number: dict(
                entries=_theme_entries(chunk, theme.id, root, titles, shared),
                page_links=_page_links(paths, number, root)))
    return files


_ROOT = "\x00"  # stands for a page's way back to docs/ in an entry shared by pages


def _theme_entries(papers: list[Paper], theme_id: str, root: str, titles: dict[str, str],
                   shared: dict[str, Markup]) -> Markup:
    """A theme page's entries. Each paper's entry is rendered once for the theme's pages in
    both orders (by date, by upvotes), with a stand-in for the root that each page replaces."""
    entries = []
    for paper in papers:
        entry = shared.get(paper.name)
        if entry is None:
            entry = shared[paper.name] = render_theme_entry(paper, theme_id, _ROOT, titles)
        entries.append(entry)
    return Markup(_join(entries).replace(_ROOT, root))


def _page_links(paths: list[str], number: int, root: str) -> Markup:
    """Links to every page of a theme but this one (`number`, in bold), or nothing if only one.

    Built here: in the template, this loop runs over every page on every page (a theme of the
    largest digests has a hundred pages), each expression escaped by Jinja.
    """
    if len(paths) < 2:
        return Markup("")
    return Markup(" · ".join(f"**{n}**" if n == number else f"[{n}]({escape(root + path)})"
                             for n, path in enumerate(paths, start=1)))


def render_theme_entry(paper: Paper, theme_id: str, root: str, titles: dict[str, str]) -> Markup:
    """One paper in a theme's list: title, facts, other themes, the start of the abstract.

    Built here rather than in the template: a theme list holds every paper of the theme, and
    Jinja's escaping of each expression made theme and month lists the largest part of the
    generator step (the README's Performance section has the figures).
    """
    facts = f"added {_long_date(paper.added)}"
    if paper.upvotes is not None:
        facts += f" · {paper.upvotes} upvote{'s' if paper.upvotes != 1 else ''}"
    others = [_theme_link(root, t, titles[t]) for t in paper.themes if t != theme_id]
    if others:
        facts += " · also in " + ", ".join(others)
    return Markup(f"- [{md_escape(paper.title)}]({root}papers/{escape(paper.name)}.md)  \n"
                  f"  <small>{facts}</small>  \n"
                  f'  <span class="digest-summary">{md_escape(summarize(paper, 160))}</span>')


def _join(entries) -> Markup:
    """List entries as one text, each on its line(s): one value for the template to print."""
    return Markup("".join(f"{entry}\n" for entry in entries))


def render_month_entry(paper: Paper, titles: dict[str, str], root: str = "../") -> Markup:
    """One paper in a month's list (built here for the reason of render_theme_entry)."""
    facts = f"added {_long_date(paper.added)}"
    if paper.published:
        facts += f" · published {_long_date(paper.published)}"
    facts += " · " + ", ".join(_theme_link(root, t, titles[t]) for t in paper.themes)
    return Markup(f"- [{md_escape(paper.title)}]({root}papers/{escape(paper.name)}.md)  \n"
                  f"  <small>{facts}</small>")


@functools.lru_cache(maxsize=1024)
def _theme_link(root: str, theme_id: str, title: str) -> str:
    return f"[{md_escape(title)}]({root}themes/{escape(theme_id)}.md)"


class PageKeys:
    """Keys of Deferred pages: a digest of the repr of everything a page is made from.

    Each paper's repr is digested once per build (a paper is on its own page, on a page of each
    of its themes and on its month's page); the key of a page holds its papers' digests.
    """

    def __init__(self) -> None:
        self._papers: dict[int, tuple[Paper, str]] = {}  # id -> (the paper, kept alive; digest)

    def of(self, *parts) -> str:
        return hashlib.sha256(repr(self._form(parts)).encode()).hexdigest()

    def paper(self, paper: Paper) -> str:
        known = self._papers.get(id(paper))
        if known is None:
            digest = hashlib.sha256(repr(paper).encode()).hexdigest()
            known = self._papers[id(paper)] = (paper, digest)
        return known[1]

    def _form(self, value):
        if isinstance(value, Paper):
            return ("paper", self.paper(value))
        if isinstance(value, (list, tuple)):
            if value and all(isinstance(item, Paper) for item in value):  # a page's papers
                return ("papers", "".join(map(self.paper, value)))
            return tuple(self._form(item) for item in value)
        if isinstance(value, dict):
            return ("dict",) + tuple((k, self._form(value[k])) for k in sorted(value))
        return value


def deferred_template(template: str, arguments: dict, keys: PageKeys, extra=None) -> Deferred:
    """A page rendered from a template only when its arguments changed since the last build.

    `extra` computes further arguments that follow from `arguments` (costly, so deferred too).
    """
    key = keys.of(template, arguments)

    def render() -> str:
        return _env.get_template(template).render(**arguments, **(extra() if extra else {}))

    return Deferred(key, render)


def month_key(day) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def month_name(key: str) -> str:
    year, month = key.split("-")
    return f"{calendar.month_name[int(month)]} {year}"


def render_archive(newest: list[Paper], titles: dict[str, str], keys: PageKeys
                   ) -> dict[str, str | Deferred]:
    """archive/index.md (months with counts) and archive/<YYYY-MM>.md (papers added then),
    continued past PAGE_SIZE papers on archive/<YYYY-MM>/page/<n>.md, as a theme is."""
    months: dict[str, list[Paper]] = {}
    for paper in newest:
        months.setdefault(month_key(paper.added), []).append(paper)
    files = {"archive/index.md": _env.get_template("archive.md.j2").render(
        months=[(key, month_name(key), len(items)) for key, items in months.items()])}
    for key, items in months.items():
        files.update(render_month_pages(key, items, titles, keys))
    return files


def render_month_pages(key: str, members: list[Paper], titles: dict[str, str],
                       keys: PageKeys) -> dict[str, Deferred]:
    """archive/<YYYY-MM>.md and, past PAGE_SIZE papers, archive/<YYYY-MM>/page/<n>.md."""
    chunks = [members[i : i + PAGE_SIZE] for i in range(0, len(members), PAGE_SIZE)] or [[]]
    paths = [f"archive/{key}.md"] + [
        f"archive/{key}/page/{n}.md" for n in range(2, len(chunks) + 1)]
    files = {}
    for number, (path, chunk) in enumerate(zip(paths, chunks), start=1):
        root = "../" * path.count("/")
        arguments = dict(name=month_name(key), papers=chunk, total=len(members), titles=titles,
                         root=root, number=number, page_count=len(paths))
        files[path] = deferred_template(
            "month.md.j2", arguments, keys, lambda chunk=chunk, root=root, number=number: dict(
                entries=_join(render_month_entry(p, titles, root) for p in chunk),
                page_links=_page_links(paths, number, root)))
    return files


def sort_by_upvotes(papers: list[Paper]) -> list[Paper]:
    """Most upvoted first, papers without a count last; ties newest first, then by title."""
    return sorted(sort_newest(papers), key=lambda p: (p.upvotes is None, -(p.upvotes or 0)))


def sort_latest(papers: list[Paper]) -> list[Paper]:
    """Newest additions first; on the same day, most upvoted first, then by title."""
    return sorted(sort_by_upvotes(papers), key=lambda p: p.added, reverse=True)


def render_top_entry(paper: Paper, root: str, titles: dict[str, str]) -> Markup:
    """One paper of a ranking (an item of a numbered list): title, upvotes, date, themes."""
    facts = (f"{paper.upvotes} upvote{'s' if paper.upvotes != 1 else ''}"
             f" · added {_long_date(paper.added)} · "
             + ", ".join(_theme_link(root, t, titles[t]) for t in paper.themes))
    return Markup(f"1. [{md_escape(paper.title)}]({root}papers/{escape(paper.name)}.md)  \n"
                  f"   <small>{facts}</small>")


def render_top_pages(newest: list[Paper], titles: dict[str, str]) -> dict[str, str]:
    """top/index.md (the newest month's and all time's most upvoted papers, links to every
    month) and top/<YYYY-MM>.md (a month's most upvoted, by the month papers were added).

    Only papers with an upvote count are ranked; each page says how many have none.
    """
    ranked = sort_by_upvotes([p for p in newest if p.upvotes is not None])
    months: dict[str, list[Paper]] = {}
    for paper in ranked:
        months.setdefault(month_key(paper.added), []).append(paper)
    unranked = Counter(month_key(p.added) for p in newest if p.upvotes is None)
    keys = sorted(months, reverse=True)
    latest = keys[0] if keys else None
    template = _env.get_template("top.md.j2")
    files = {"top/index.md": template.render(
        month=None, total=len(newest), ranked=len(ranked), unranked=len(newest) - len(ranked),
        latest=(latest, month_name(latest)) if latest else None,
        latest_entries=_join(render_top_entry(p, "../", titles)
                             for p in months[latest][:TOP_LATEST_MONTH]) if latest else "",
        latest_count=len(months[latest]) if latest else 0,
        entries=_join(render_top_entry(p, "../", titles) for p in ranked[:TOP_ALL_TIME]),
        shown=min(len(ranked), TOP_ALL_TIME),
        months=[(key, month_name(key), len(months[key])) for key in keys])}
    for key in keys:
        files[f"top/{key}.md"] = template.render(
            month=month_name(key), ranked=len(months[key]), unranked=unranked[key],
            shown=min(len(months[key]), TOP_MONTH),
            entries=_join(render_top_entry(p, "../", titles) for p in months[key][:TOP_MONTH]))
    return files


def render_home_charts(newest: list[Paper], counts: list[tuple[Theme, int]]) -> Markup:
    """Two inline SVG charts: papers added per month, papers per theme."""
    per_month = Counter(month_key(p.added) for p in newest)
    keys = sorted(per_month)
    if keys:  # every month from the first to the last, empty ones included
        first, last = keys[0], keys[-1]
        year, month, keys = int(first[:4]), int(first[5:]), []
        while f"{year:04d}-{month:02d}" <= last:
            keys.append(f"{year:04d}-{month:02d}")
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    months = [(f"{calendar.month_abbr[int(k[5:])]} {k[:4]}", per_month[k]) for k in keys]
    return Markup(
        render_horizontal_bars("chart-months", "Papers added per month", months[-24:],
                               label_width=MONTH_LABEL_WIDTH)
        + render_horizontal_bars("chart-themes", "Papers per theme",
                                 [(t.title, n) for t, n in counts]))


def render_listing_pages(papers: list[Paper], themes: list[Theme], channels: list,
                         settings, keys: PageKeys | None = None) -> dict[str, str | Deferred]:
    """Home, themes, archive, tags and subscribe pages: {path under docs/: text or Deferred}."""
    newest = sort_newest(papers)
    counts = theme_counts(papers, themes)
    titles = {t.id: t.title for t in themes}
    ranked = sort_by_upvotes([p for p in newest if p.upvotes is not None])
    top_month = max((month_key(p.added) for p in ranked), default=None)
    files: dict[str, str | Deferred] = {
        "index.md": _env.get_template("home.md.j2").render(
            title=settings.title,
            intro=settings.description if settings.description != settings.title else "",
            total=len(papers), themes=counts, latest=sort_latest(newest)[:LATEST],
            last_added=newest[0].added if newest else None,
            charts=render_home_charts(newest, counts),
            top_month=month_name(top_month) if top_month else None,
            top=[p for p in ranked if month_key(p.added) == top_month][:TOP_HOME],
        ),
        "themes/index.md": _env.get_template("themes.md.j2").render(themes=counts),
        "tags.md": _env.get_template("tags.md.j2").render(),
        "subscribe.md": _env.get_template("subscribe.md.j2").render(
            channels=channels, formats=[(name, label) for name, (_, label) in FORMATS.items()],
            themes=list(zip(channels[1:], (n for _, n in counts))), total=len(papers),
            shared=sum(len(p.themes) > 1 for p in papers)),
    }
    keys = keys or PageKeys()
    files.update(render_archive(newest, titles, keys))
    files.update(render_top_pages(newest, titles))
    members: dict[str, list[Paper]] = {theme.id: [] for theme in themes}
    for paper in newest:
        for theme_id in paper.themes:
            members.get(theme_id, []).append(paper)
    for theme in themes:
        shared: dict[str, Markup] = {}
        files.update(render_theme_pages(theme, members[theme.id], titles, settings, keys,
                                        shared=shared))
        files.update(render_theme_pages(theme, sort_by_upvotes(members[theme.id]), titles,
                                        settings, keys, by_upvotes=True, shared=shared))
    return files


def render_paper_pages(papers: list[Paper], themes: list[Theme], settings,
                       related: dict[str, list[str]], keys: PageKeys | None = None
                       ) -> dict[str, Deferred]:
    """docs/papers/<name>.md for every paper, as Deferred renders keyed by their inputs, so a
    rebuild skips unchanged pages. `related` maps papers to related papers' names."""
    by_id = {t.id: t for t in themes}
    by_name = {p.name: p for p in papers}
    files, keys = {}, keys or PageKeys()
    fixed = hashlib.sha256(repr(settings).encode())  # hashed once, copied for every page
    for paper in papers:
        others = [by_name[n] for n in related.get(paper.name, []) if n in by_name]
        key = fixed.copy()
        key.update(repr((keys.paper(paper), [(o.name, o.title) for o in others],
                         [(t, by_id[t].title) for t in paper.themes if t in by_id])).encode())
        files[f"papers/{paper.name}.md"] = Deferred(key.hexdigest(), functools.partial(
            render_paper_page, paper, by_id, settings, others))
    return files
