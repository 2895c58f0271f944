"""Listing pages: theme pagination, the monthly archive and the home page charts."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest

from conftest import make_project, run_digest


@pytest.fixture(scope="module")
def big(tmp_path_factory):
    """A digest with 280 papers over three listings (Oct, Nov 2025 and Jan 2026): 150 in
    November, so its month continues on a second page."""
    project = make_project(tmp_path_factory.mktemp("big") / "digest")
    listings = []
    for month, year, start, count in [("Oct 2", 2025, 0, 100), ("Nov 5", 2025, 100, 150),
                                      ("Jan 7", 2026, 250, 30)]:
        path = project / f"listing-{start}.txt"
        path.write_text(f"{month}\n\n" + "".join(
            f"Synthetic Paper Number {start + i:03d} On Reasoning\n\n"
            f"Abstract {start + i} about chains of thought in language models.\n\n"
            for i in range(count)))
        listings.append((path, str(year)))
    for path, year in listings:
        result = run_digest("import", "--year", year, str(path), cwd=project)
        assert result.returncode == 0, result.stderr
    build = run_digest("build", cwd=project)
    assert build.returncode == 0, build.stderr
    return project


def listed_papers(html: str) -> list[str]:
    return re.findall(r'href="(?:\.\./)+papers/([^/"]+)/"', html)


def test_theme_lists_paginate_past_a_hundred(big):
    site = big / "site/themes"
    first = (site / "other/index.html").read_text()
    second = (site / "other/page/2/index.html").read_text()
    third = (site / "other/page/3/index.html").read_text()
    pages = [listed_papers(first), listed_papers(second), listed_papers(third)]
    assert [len(set(p)) for p in pages] == [100, 100, 80]
    assert not set(pages[0]) & set(pages[1])
    # Newest first: the January 2026 papers open page one.
    assert pages[0][0].startswith("synthetic-paper-number-2")
    assert 'aria-label="Pages of this theme"' in second
    assert 'href="../../">1</a>' in second and 'href="../3/">3</a>' in second


def test_archive_lists_each_month(big):
    index = (big / "site/archive/index.html").read_text()
    assert re.findall(r">(\w+ \d{4})</a> — (\d+) papers", index) == [
        ("January 2026", "30"), ("November 2025", "150"), ("October 2025", "100")]
    october = (big / "site/archive/2025-10/index.html").read_text()
    assert len(set(listed_papers(october))) == 100
    assert "Pages of this month" not in october  # one page: no page links


def test_month_lists_paginate_past_a_hundred(big):
    first = (big / "site/archive/2025-11/index.html").read_text()
    second = (big / "site/archive/2025-11/page/2/index.html").read_text()
    pages = [listed_papers(first), listed_papers(second)]
    assert [len(set(p)) for p in pages] == [100, 50]
    assert not set(pages[0]) & set(pages[1])
    assert "150 papers, newest first, 100 on this page." in first
    assert "Added in November 2025 — page 2" in second
    for html, links in [(first, ['href="page/2/">2</a>']), (second, ['href="../../">1</a>'])]:
        assert 'aria-label="Pages of this month"' in html
        assert all(link in html for link in links), links
    assert not (big / "site/archive/2025-11/page/3").exists()


def test_home_page_charts_are_accessible_svg(big):
    html = (big / "site/index.html").read_text()
    svgs = re.findall(r"<svg class=\"digest-chart\".*?</svg>", html, re.S)
    assert len(svgs) == 2
    months, themes = (ET.fromstring(svg) for svg in svgs)
    ns = "{http://www.w3.org/2000/svg}"
    for svg in (months, themes):
        assert svg.get("role") == "img"
        labelled = svg.get("aria-labelledby").split()
        assert [e.get("id") for e in svg if e.tag in (ns + "title", ns + "desc")] == labelled
    assert months.find(ns + "title").text == "Papers added per month"
    # Every month from the first to the last, empty months included.
    assert months.find(ns + "desc").text == (
        "Oct 2025: 100; Nov 2025: 150; Dec 2025: 0; Jan 2026: 30")
    assert [t.text for t in months.iter(ns + "text")][:4] == ["Oct 2025", "100", "Nov 2025", "150"]
    assert themes.find(ns + "desc").text == (
        "Reinforcement learning: 0; Efficient reasoning: 0; Other reasoning: 280")
    # Fluid, not scaled: no viewBox (text keeps its CSS size at every width; test_a11y
    # measures it in Chromium), bars as percentages of the width.
    assert months.get("viewBox") is None and months.get("width") == "100%"
    assert months.find(ns + "rect").get("width").endswith("%")
    assert "<script" not in "".join(svgs)


def test_page_weights_stay_light(big):
    for page in (big / "site").glob("*/**/index.html"):
        if "papers" not in page.parts:
            assert len(page.read_bytes()) < 200_000, page
    assert len((big / "site/index.html").read_bytes()) < 200_000
    for page in (big / "site/papers").glob("*/index.html"):
        assert len(page.read_bytes()) < 60_000, page
