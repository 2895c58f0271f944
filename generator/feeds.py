"""Rendering the feeds: RSS 2.0, Atom and JSON Feed 1.1 for the digest and for every theme,
plus an OPML file bundling them. Pure functions from records to text.

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

from .model import Paper, SiteSettings, Theme, sort_newest
from .text import render_abstract_html, render_plain

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


def _generator(channel: Channel, papers: list[Paper], themes: dict[str, Theme],
               settings: SiteSettings, self_name: str):
    # Imported here: feedgen (lxml, dateutil) is 60 ms that only the feeds' own process needs.
    from feedgen.feed import FeedGenerator

    feed = FeedGenerator()
    feed.id(f"tag:{settings.id_authority}:" + (f"themes/{channel.key}" if channel.key
                                                 else "digest"))
    feed.title(channel.title)
    # RSS readers take a <description> as HTML (items' descriptions are HTML here): a theme
    # description is text, so it is escaped as HTML first. Atom's subtitle is typed text.
    feed.subtitle(html.escape(channel.description, quote=False) if self_name == "feed.xml"
                  else channel.description)
    feed.language("en")
    feed.generator("LLM Reasoning Digest generator (feedgen)")
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
        if self_name == "atom.xml":
            entry.content(render_abstract_html(paper.abstract), type="html")
        else:
            entry.description(render_abstract_html(paper.abstract))
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
    items = [{
        "id": paper_guid(settings, p),
        "url": f"{settings.site_url}papers/{p.name}/",
        "title": p.title,
        "content_html": render_abstract_html(p.abstract),
        "summary": render_plain(p.abstract)[:500],
        "date_published": _midnight(p.added).isoformat(),
        "tags": [themes[t].title if t in themes else t for t in p.themes] + list(p.tags),
        **({"external_url": p.links[0]} if p.links else {}),
    } for p in papers]
    feed = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": channel.title,
        "home_page_url": settings.site_url + channel.page,
        "feed_url": channel.url(settings, "feed.json"),
        "description": channel.description,
        "language": "en",
        "items": items,
    }
    return json.dumps(feed, ensure_ascii=False, indent=2) + "\n"


def render_opml(settings: SiteSettings, all_channels: list[Channel]) -> str:
    """One OPML file that subscribes a reader to every RSS feed of the digest."""
    # Imported here, in the extras' process: xml.sax.saxutils imports urllib.request, 15 ms
    # of the build's own start otherwise.
    from xml.sax.saxutils import quoteattr

    outlines = "\n".join(
        f"    <outline type=\"rss\" text={quoteattr(c.title)} title={quoteattr(c.title)} "
        f"xmlUrl={quoteattr(c.url(settings, 'feed.xml'))} "
        f"htmlUrl={quoteattr(settings.site_url + c.page)}/>"
        for c in all_channels)
    return ("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<opml version=\"2.0\">\n  <head>\n"
            f"    <title>{_xml_text(settings.title)} feeds</title>\n  </head>\n  <body>\n"
            f"{outlines}\n  </body>\n</opml>\n")


def _xml_text(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def feed_paths(settings: SiteSettings, themes: list[Theme]) -> list[str]:
    """Every file render_feeds writes."""
    return [c.file(name) for c in channels(settings, themes) for name in FORMATS] + [
        "feeds.opml"]


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
    files["feeds.opml"] = render_opml(settings, all_channels)
    return files
