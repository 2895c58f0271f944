"""Rendering the digest's RSS 2.0 feed with feedgen: a pure function from records to XML.

feedgen's traps, handled here: it stamps lastBuildDate with the clock (we set it from the data),
it prepends entries by default (we append in our own order), and the RSS channel <link> is the
last link() call (the site's own page is set last).

Item ids (guid) are `tag:` URIs built from the paper's permanent file name, not from the site's
address, so moving the site to another domain does not make every item reappear as new.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from feedgen.feed import FeedGenerator

from .model import Paper, Theme
from .pages import sort_newest
from .text import render_abstract_html

FEED_ITEMS = 50  # at least this many of the newest papers, whole days at a time
FEED_MAX_ITEMS = 500  # even when one day brings more


def select_feed_papers(papers: list[Paper]) -> list[Paper]:
    """The newest papers, never splitting a day: a reader who polls daily misses none."""
    newest = sort_newest(papers)
    if len(newest) <= FEED_ITEMS:
        return newest
    last_day = newest[FEED_ITEMS - 1].added
    return [p for p in newest if p.added >= last_day][:FEED_MAX_ITEMS]


@dataclass(frozen=True)
class FeedSettings:
    """What a feed needs to know about the site (from mkdocs.yml)."""

    site_url: str  # absolute, ending in '/'
    title: str
    description: str
    id_authority: str  # the `tag:` URI authority of item ids, e.g. 'llm-reasoning-digest,2025'


def paper_guid(settings: FeedSettings, paper: Paper) -> str:
    """A paper's feed id: fixed by its file name, which never changes once published."""
    return f"tag:{settings.id_authority}:papers/{paper.name}"


def _midnight(day: dt.date) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, tzinfo=dt.timezone.utc)


def render_rss(papers: list[Paper], themes: list[Theme], settings: FeedSettings) -> str:
    """The RSS 2.0 feed of the newest additions, newest first."""
    titles = {t.id: t.title for t in themes}
    newest = select_feed_papers(papers)
    feed = FeedGenerator()
    feed.title(settings.title)
    feed.description(settings.description)
    feed.language("en")
    feed.generator("LLM Reasoning Digest generator (feedgen)")
    feed.link(href=f"{settings.site_url}feed.xml", rel="self")
    feed.link(href=settings.site_url, rel="alternate")  # last: the RSS channel <link>
    if newest:
        feed.lastBuildDate(_midnight(newest[0].added))
        feed.pubDate(_midnight(newest[0].added))
    else:
        feed.lastBuildDate(_midnight(dt.date(1970, 1, 1)))
    for paper in newest:
        entry = feed.add_entry(order="append")
        entry.id(paper_guid(settings, paper))
        entry.guid(paper_guid(settings, paper), permalink=False)
        entry.title(paper.title)
        entry.link(href=f"{settings.site_url}papers/{paper.name}/")
        entry.description(render_abstract_html(paper.abstract))
        entry.pubDate(_midnight(paper.added))
        for theme in paper.themes:
            entry.category(term=titles.get(theme, theme))
    return feed.rss_str(pretty=True).decode("utf-8")
