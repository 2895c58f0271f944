"""Rendering the feeds: RSS 2.0, Atom and JSON Feed 1.1 for the digest and for every theme,
plus two OPML files: the digest's feed (one subscription, each paper once) and every theme's
feed (which overlap: a paper is in the feed of each of its themes). Pure functions from records
to text.

Every item carries the paper's authors (Atom `author`, RSS `dc:creator`, JSON Feed `authors`;
RSS's own `author` must be an e-mail address), its page, and its arXiv and Hugging Face pages
when the arXiv id is known (Atom `link rel="related"`, JSON Feed `external_url`, and in every
format a line of links under the abstract). The feed's own author (RFC 4287 requires one for an
entry without authors) is the digest: mkdocs.yml's `site_author`, else its `site_name`.

feedgen's traps, handled here: it stamps dates with the clock (we set every date from the data),
it prepends entries by default (we append in our own order), and the RSS channel <link> is the
last link() call (the site's own page is set last).

Item ids are `tag:` URIs built from the paper's permanent file name, not from the site's
address, so moving the site to another domain does not make every item reappear as new. A paper
has the same id in every feed, so a reader subscribed to two feeds sees it once.
"""

from __future__ import annotations

import datetime as dt
import html
import json
from dataclasses import dataclass
from html import escape

from generator import DISTRIBUTION
from generator.model import Paper, SiteSettings, Theme, sort_newest
from generator.render.text import render_abstract_html, render_plain

FEED_ITEMS = 50  # at least this many of the newest papers, whole days at a time
FEED_MAX_ITEMS = 500  # even when one day brings more
FORMATS = {  # file name -> (MIME type, label)
    "feed.xml": ("application/rss+xml", "RSS"),
    "atom.xml": ("application/atom+xml", "Atom"),
    "feed.json": ("application/feed+json", "JSON Feed"),
}


@dataclass(frozen=True)
class Channel:
    """One subscribable set of papers: the whole digest or one theme.

    Every feed file sits at the site root (feed.xml, feed-<theme>.xml, ...): Material fetches
    `sitemap.xml` beside every `<link rel="alternate">` of a page, and only the root has one.
    """

    key: str  # '' for the digest, the theme id for a theme
    title: str
    description: str
    page: str  # the site page the feed belongs to, relative to the site root
    doc: str  # that page's Markdown source under docs/

    def file(self, name: str) -> str:
        """The channel's file for a format name: feed.xml, atom.xml or feed.json."""
        stem, dot, ext = name.partition(".")
        return f"{stem}-{self.key}{dot}{ext}" if self.key else name

    def url(self, settings: SiteSettings, name: str) -> str:
        return f"{settings.site_url}{self.file(name)}"


def paper_guid(settings: SiteSettings, paper: Paper) -> str:
    """A paper's feed id: fixed by its file name, which never changes once published."""
    return f"tag:{settings.id_authority}:papers/{paper.name}"


def paper_author_names(paper: Paper) -> list[str]:
    """The paper's author names, or none when a listing gave only their number."""
    return list(paper.authors) if isinstance(paper.authors, list) else []


def paper_links(paper: Paper) -> list[tuple[str, str]]:
    """(label, URL) of the paper elsewhere: arXiv and Hugging Face when the arXiv id is known,
    then its own links (code, project, data)."""
    known = [("arXiv", f"https://arxiv.org/abs/{paper.arxiv}"),
             ("Hugging Face", f"https://huggingface.co/papers/{paper.arxiv}")
             ] if paper.arxiv else []
    return known + [("link", url) for url in paper.links
                    if url.lower().startswith(("https://", "http://"))]


def render_item_html(paper: Paper) -> str:
    """An item's content: the authors, the abstract, the links."""
    names = paper_author_names(paper)
    if names:
        byline = f"<p>{escape(', '.join(names))}</p>"
    elif isinstance(paper.authors, int):
        byline = f"<p>{paper.authors} author{'s' if paper.authors != 1 else ''}</p>"
    else:
        byline = ""
    links = " · ".join(f'<a href="{escape(url)}">{escape(label if label != "link" else url)}</a>'
                       for label, url in paper_links(paper))
    return byline + render_abstract_html(paper.abstract) + (f"<p>{links}</p>" if links else "")


def select_feed_papers(papers: list[Paper]) -> list[Paper]:
    """The newest papers, never splitting a day: a reader who polls daily misses none."""
    newest = sort_newest(papers)
    if len(newest) <= FEED_ITEMS:
        return newest
    last_day = newest[FEED_ITEMS - 1].added
    return [p for p in newest if p.added >= last_day][:FEED_MAX_ITEMS]


def channels(settings: SiteSettings, themes: list[Theme]) -> list[Channel]:
    """The digest's channel, then one per theme in themes.yml order."""
    digest = Channel("", settings.title, settings.description, "", "index.md")
    return [digest] + [
        Channel(t.id, f"{settings.title}: {t.title}", t.description, f"themes/{t.id}/",
                f"themes/{t.id}.md")
        for t in themes
    ]


def _midnight(day: dt.date) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, tzinfo=dt.timezone.utc)


class _NoExtension:
    """A feedgen extension that changes nothing: the feed-level half of _RelatedLinks."""

    def extend_ns(self) -> dict:
        return {}

    def extend_atom(self, element):
        return element

    def extend_rss(self, element):
        return element


class _RelatedLinks(_NoExtension):
    """feedgen entry extension: an Atom entry's `link rel="related"` (arXiv, Hugging Face).

    feedgen's own entry.link() writes every link without its rel and title (feedgen 1.0), so
    they would all be rel="alternate", which RFC 4287 allows once per type and language.
    """

    def __init__(self) -> None:
        self.links: list[tuple[str, str]] = []

    def extend_atom(self, element):
        from lxml import etree

        for title, href in self.links:
            # Unqualified, as feedgen writes its elements: the feed's default namespace is Atom.
            etree.SubElement(element, "link", href=href, rel="related", title=title)
        return element


def _generator(channel: Channel, papers: list[Paper], themes: dict[str, Theme],
               settings: SiteSettings, self_name: str):
    # Imported here: feedgen (lxml, dateutil) is needed only by the process rendering feeds.
    from feedgen.feed import FeedGenerator

    atom = self_name == "atom.xml"
    feed = FeedGenerator()
    feed.load_extension("dc", atom=False, rss=True)  # dc:creator: RSS items' author names
    if atom:
        feed.register_extension("related", _NoExtension, _RelatedLinks, atom=True, rss=False)
    feed.id(f"tag:{settings.id_authority}:" + (f"themes/{channel.key}" if channel.key
                                                 else "digest"))
    feed.title(channel.title)
    # RSS readers take a <description> as HTML (items' descriptions are HTML here): a theme
    # description is text, so it is escaped as HTML first. Atom's subtitle is typed text.
    feed.subtitle(html.escape(channel.description, quote=False) if self_name == "feed.xml"
                  else channel.description)
    feed.author({"name": settings.author or settings.title, "uri": settings.site_url})
    feed.language("en")
    feed.generator(f"{settings.title} ({DISTRIBUTION}, feedgen)")
    feed.link(href=channel.url(settings, self_name), rel="self")
    feed.link(href=settings.site_url + channel.page, rel="alternate")  # last: RSS <link>
    updated = _midnight(papers[0].added if papers else dt.date(1970, 1, 1))
    feed.updated(updated)
    feed.lastBuildDate(updated)
    for paper in papers:
        entry = feed.add_entry(order="append")
        entry.id(paper_guid(settings, paper))
        entry.guid(paper_guid(settings, paper), permalink=False)
        entry.title(paper.title)
        entry.link(href=f"{settings.site_url}papers/{paper.name}/")
        names = paper_author_names(paper)
        if atom:
            if names:
                entry.author([{"name": name} for name in names])
            entry.related.links = paper_links(paper)[:2] if paper.arxiv else []
            entry.content(render_item_html(paper), type="html")
        else:
            if names:
                entry.dc.dc_creator(names)
            entry.description(render_item_html(paper))
        entry.published(_midnight(paper.added))
        entry.updated(_midnight(paper.added))
        for theme in paper.themes:
            entry.category(term=theme, label=themes[theme].title if theme in themes else theme,
                           scheme=f"{settings.site_url}themes/")
        for tag in paper.tags:
            entry.category(term=tag, label=tag, scheme=f"{settings.site_url}tags/")
    return feed


def render_json_feed(channel: Channel, papers: list[Paper], themes: dict[str, Theme],
                     settings: SiteSettings) -> str:
    """JSON Feed 1.1 (https://jsonfeed.org/version/1.1) of a channel."""
    items = []
    for p in papers:
        elsewhere = paper_links(p)
        names = paper_author_names(p)
        items.append({
            "id": paper_guid(settings, p),
            "url": f"{settings.site_url}papers/{p.name}/",
            "title": p.title,
            "content_html": render_item_html(p),
            "summary": render_plain(p.abstract)[:500],
            "date_published": _midnight(p.added).isoformat(),
            "tags": [themes[t].title if t in themes else t for t in p.themes] + list(p.tags),
            **({"authors": [{"name": name} for name in names]} if names else {}),
            **({"external_url": elsewhere[0][1]} if elsewhere else {}),
        })
    feed = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": channel.title,
        "home_page_url": settings.site_url + channel.page,
        "feed_url": channel.url(settings, "feed.json"),
        "description": channel.description,
        "authors": [{"name": settings.author or settings.title, "url": settings.site_url}],
        "language": "en",
        "items": items,
    }
    return json.dumps(feed, ensure_ascii=False, indent=2) + "\n"


def render_opml(settings: SiteSettings, chosen: list[Channel], title: str) -> str:
    """An OPML file that subscribes a reader to the RSS feeds of these channels."""
    # Imported here, in the extras' process: xml.sax.saxutils imports urllib.request, which
    # would otherwise slow the build's own start.
    from xml.sax.saxutils import quoteattr

    outlines = "\n".join(
        f"    <outline type=\"rss\" text={quoteattr(c.title)} title={quoteattr(c.title)} "
        f"xmlUrl={quoteattr(c.url(settings, 'feed.xml'))} "
        f"htmlUrl={quoteattr(settings.site_url + c.page)}/>"
        for c in chosen)
    return ("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<opml version=\"2.0\">\n  <head>\n"
            f"    <title>{_xml_text(title)}</title>\n  </head>\n  <body>\n"
            f"{outlines}\n  </body>\n</opml>\n")


def _xml_text(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def render_feeds(papers: list[Paper], themes: list[Theme], settings: SiteSettings
                 ) -> dict[str, str]:
    """Every feed file: {path relative to the site root: text}."""
    by_id = {t.id: t for t in themes}
    files: dict[str, str] = {}
    all_channels = channels(settings, themes)
    for channel in all_channels:
        members = [p for p in papers if not channel.key or channel.key in p.themes]
        chosen = select_feed_papers(members)
        rss = _generator(channel, chosen, by_id, settings, "feed.xml")
        files[channel.file("feed.xml")] = rss.rss_str(pretty=True).decode("utf-8")
        atom = _generator(channel, chosen, by_id, settings, "atom.xml")
        files[channel.file("atom.xml")] = atom.atom_str(pretty=True).decode("utf-8")
        files[channel.file("feed.json")] = render_json_feed(channel, chosen, by_id, settings)
    files["feeds.opml"] = render_opml(settings, all_channels[:1],
                                      f"{settings.title}: every paper, once")
    files["feeds-themes.opml"] = render_opml(
        settings, all_channels[1:],
        f"{settings.title}: every theme (overlapping: a paper is in each of its themes' feeds)")
    return files
