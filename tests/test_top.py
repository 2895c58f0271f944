"""Papers by upvotes: the top/ pages (all time, each month), the home page's most upvoted and
latest additions, and each theme's papers most upvoted first (themes/<id>/top/)."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from conftest import make_project, run_digest
from generator.content.read import render_paper_file
from generator.model import Paper

HOSTILE = '<img src=x onerror="window.__pwned=1"> Upvoted'


def ranked_papers() -> list[Paper]:
    """130 papers with upvotes over two months (some tied), 20 without a count."""
    papers = []
    for i in range(130):
        month = 11 if i < 70 else 12
        papers.append(Paper(
            title=HOSTILE if i == 89 else f"Ranked Paper {i:03d}", name=f"ranked-{i:03d}",
            added=dt.date(2025, month, 1 + i % 28), upvotes=i % 90, themes=["rl"],
            abstract=f"Abstract {i}."))
    for i in range(20):
        papers.append(Paper(title=f"Uncounted Paper {i:02d}", name=f"uncounted-{i:02d}",
                            added=dt.date(2025, 12, 28), themes=["rl", "other"],
                            abstract="No count."))
    return papers


@pytest.fixture(scope="module")
def top_site(tmp_path_factory):
    project = make_project(tmp_path_factory.mktemp("top") / "digest")
    for paper in ranked_papers():
        (project / f"content/papers/{paper.name}.md").write_text(render_paper_file(paper),
                                                                encoding="utf-8")
    build = run_digest("build", cwd=project)
    assert build.returncode == 0, build.stderr
    return project / "site"


def listed(html: str) -> list[str]:
    return list(dict.fromkeys(re.findall(r'href="(?:\.\./)*papers/([^/"]+)/"', html)))


def expected_order(papers: list[Paper]) -> list[str]:
    """Most upvoted first; equal counts newest addition first, then title."""
    return [p.name for p in sorted(papers, key=lambda p: (-p.upvotes, -p.added.toordinal(),
                                                          p.title.casefold()))]


def section(html: str, heading: str) -> str:
    return html.split(f">{heading}<", 1)[1].split("<h2", 1)[0]


def test_all_time_top_lists_the_hundred_most_upvoted_in_order(top_site):
    html = (top_site / "top/index.html").read_text()
    counted = [p for p in ranked_papers() if p.upvotes is not None]
    assert listed(section(html, "All time")) == expected_order(counted)[:100]
    # Ties exist, across days: the order between them is the tie rule's, not chance's.
    assert len({p.upvotes for p in counted}) < len(counted)
    assert "130 of 150 papers have an upvote count; the 20\nwithout one" in html


def test_each_month_has_its_top_fifty_and_the_newest_month_shows_first(top_site):
    html = (top_site / "top/index.html").read_text()
    december = [p for p in ranked_papers() if p.upvotes is not None and p.added.month == 12]
    november = [p for p in ranked_papers() if p.upvotes is not None and p.added.month == 11]
    assert listed(section(html, "Most upvoted in December 2025")) == (
        expected_order(december)[:10])
    by_month = section(html, "By month")
    assert re.findall(r'href="(\d{4}-\d{2})/">(\w+ \d{4})</a> — (\d+) ranked papers', by_month) \
        == [("2025-12", "December 2025", "60"), ("2025-11", "November 2025", "70")]
    for key, papers in (("2025-12", december), ("2025-11", november)):
        month = (top_site / f"top/{key}/index.html").read_text()
        assert listed(month) == expected_order(papers)[:50]
    assert "(20 without one are not ranked)" in (top_site / "top/2025-12/index.html").read_text()


def test_top_page_is_in_the_nav_and_linked_from_home(top_site):
    home = (top_site / "index.html").read_text()
    assert re.search(r'<a href="top/" class="md-nav__link">\s*<span class="md-ellipsis">\s*'
                     r'Top papers', home)
    assert 'the <a href="top/">most upvoted papers</a>' in home
    december = [p for p in ranked_papers() if p.upvotes is not None and p.added.month == 12]
    assert listed(section(home, "Most upvoted in December 2025")) == (
        expected_order(december)[:5])


def test_latest_additions_are_newest_first_then_most_upvoted_with_dates(top_site):
    home = (top_site / "index.html").read_text()
    latest = section(home, "Latest additions")
    papers = ranked_papers()
    order = sorted(papers, key=lambda p: (-p.added.toordinal(),
                                          p.upvotes is None, -(p.upvotes or 0),
                                          p.title.casefold()))
    assert listed(latest) == [p.name for p in order[:20]]
    # Dec 28: the papers with a count (ranked-083, ranked-111: 83 and 21 upvotes) first.
    assert listed(latest)[:3] == ["ranked-083", "ranked-111", "uncounted-00"]
    assert latest.count("added December 28, 2025") == 20


def test_a_theme_lists_its_papers_by_upvotes_too(top_site):
    by_date = (top_site / "themes/other/index.html").read_text()
    assert 'href="top/">most upvoted first</a>' in by_date
    by_votes = (top_site / "themes/rl/top/index.html").read_text()
    assert 'href="../">newest additions first</a>' in by_votes
    pages = [by_votes, (top_site / "themes/rl/top/page/2/index.html").read_text()]
    found = listed(pages[0]) + listed(pages[1])
    counted = [p for p in ranked_papers() if p.upvotes is not None]
    uncounted = sorted(p.name for p in ranked_papers() if p.upvotes is None)
    # Every paper of the theme, most upvoted first, those without a count last.
    assert found == expected_order(counted) + uncounted
    assert len(listed(pages[0])) == 100
    assert "150 papers, most upvoted first (papers without an upvote count last)" in by_votes


def test_titles_on_top_pages_are_text(top_site):
    for page in ("top/index.html", "top/2025-12/index.html", "themes/rl/top/index.html",
                 "index.html"):
        html = (top_site / page).read_text()
        assert "<img src=x" not in html
        assert re.search(r'&lt;img src=x onerror=(&quot;|")window.__pwned=1(&quot;|")&gt; Upvoted',
                         html), page


def test_top_pages_stay_light(top_site):
    for page in [top_site / "top/index.html", *sorted((top_site / "top").glob("*/index.html"))]:
        assert len(page.read_bytes()) < 200_000, page
