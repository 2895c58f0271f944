"""Accessibility and privacy of the built site in headless Chromium.

axe-core (the npm package pinned in package.json / package-lock.json; `npm ci` installs it) runs
on every page of the fixture site that its sitemap lists, except that of the paper pages (one
template) only a few are checked: the home page, the themes index, every theme page and a
theme's second page, the archive, every month and a month's second page, tags, subscribe, and
whatever page type is added later (it is in the sitemap); plus open search results. Each in the
light and the dark palette, at a phone's width (390 px) and a desktop's (1280 px); no violation
of impact "serious" or "critical" is allowed. The fixes to Material's defaults live in
generator/site/theme/assets/a11y.css and generator/site/theme/partials/.

The charts' text is measured as rendered (at least 12 px at both widths, inside its chart), the
Subscribe page must not scroll sideways on a phone, and the BibTeX copy button must not cover
the code. The same pages must not contact any other origin (no fonts, analytics, CDNs or
production host), must not log errors to the console, and must be reachable by clicking from
the home page.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from conftest import LISTINGS, REPO, make_project, run_digest

SAMPLE_LISTINGS = ["metadata_block.txt", "organisation_line.txt", "no_metadata.txt"]
AXE = REPO / "node_modules" / "axe-core" / "axe.min.js"
BLOCKING_IMPACTS = ("serious", "critical")
SEARCH_QUERY = "reasoning"  # matches every sample paper: a long, open result list
SYNTHETIC = 105  # papers in both rl and efficient, all in one month: second pages for each

PAGES = {
    "home": "",
    "theme": "themes/rl/",
    "paper": "papers/carft-boosting-llm-reasoning-via-contrastive/",
}
# Paper pages axe checks (one template: these have an arXiv id, tags, links, or none of them).
AXE_PAPERS = ["papers/carft-boosting-llm-reasoning-via-contrastive/",
              "papers/psylite-technical-report/",
              "papers/synthetic-paper-number-000-on-efficient/"]
SCHEMES = {"light": "default", "dark": "slate"}  # prefers-color-scheme -> Material's palette
WIDTHS = {"phone": 390, "desktop": 1280}


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    project = make_project(tmp_path_factory.mktemp("a11y") / "digest")
    synthetic = project / "synthetic.txt"
    synthetic.write_text("Nov 5\n\n" + "".join(
        f"Synthetic Paper Number {i:03d} On Efficient Reinforcement Learning\n\n"
        f"Abstract {i}: concise chains of thought trained with rewards.\n\n"
        for i in range(SYNTHETIC)))
    result = run_digest("import", "--year", "2025", str(synthetic),
                        *[str(LISTINGS / n) for n in SAMPLE_LISTINGS], cwd=project)
    assert result.returncode == 0, result.stderr
    carft = project / "content/papers/carft-boosting-llm-reasoning-via-contrastive.md"
    text = carft.read_text().replace("arxiv: null", "arxiv: '2508.15202'")
    carft.write_text(text.replace("tags: []", "tags:\n- GRPO\n- agents\n- code available"))
    build = run_digest("build", cwd=project)
    assert build.returncode == 0, build.stderr
    return project / "site"


def axe_pages(site: Path) -> dict[str, str]:
    """{name: path} of the pages axe checks: every page in the sitemap, but only AXE_PAPERS of
    the paper pages; plus "search" (the home page with results open)."""
    sitemap = ET.parse(site / "sitemap.xml").getroot()
    ns = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
    paths = [urlsplit(loc.text).path.lstrip("/") for loc in sitemap.iter(ns + "loc")]
    chosen = [p for p in paths if not p.startswith("papers/") or p in AXE_PAPERS]
    assert set(AXE_PAPERS) <= set(chosen)
    return {**{(p or "home"): p for p in chosen}, "search": ""}


@pytest.fixture(scope="module")
def base_url(site):
    from browser import serve_folder

    with serve_folder(site) as base:
        yield base


@pytest.fixture(scope="module")
def browser():
    from browser import chromium

    with chromium() as browser:
        yield browser


def axe_script() -> Path:
    """axe.min.js from node_modules, as pinned (installed with `npm ci` on first use, so the
    README's test command works in a fresh clone); an install that fails fails the test."""
    pinned = json.loads((REPO / "package.json").read_text())["devDependencies"]["axe-core"]
    stale = not AXE.is_file() or json.loads(
        (AXE.parent / "package.json").read_text())["version"] != pinned
    if stale and shutil.which("npm"):
        subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=REPO, check=False,
                       capture_output=True, timeout=300)
    if not AXE.is_file():
        pytest.fail(f"{AXE.relative_to(REPO)} is missing: the accessibility tests need axe-core "
                    "from npm. Run `npm ci` in the repository root (see package.json).")
    installed = json.loads((AXE.parent / "package.json").read_text())["version"]
    if installed != pinned:
        pytest.fail(f"node_modules has axe-core {installed}, package.json pins {pinned}: "
                    "run `npm ci` in the repository root.")
    return AXE


def settle(page) -> None:
    """Wait until CSS transitions (search results fade in) are over: axe measures colours."""
    page.wait_for_function(
        "document.getAnimations().every(a => a.playState !== 'running'"
        " || !a.effect || a.effect.getComputedTiming().endTime === Infinity)")


def open_page(context, base: str, name: str, path: str):
    page = context.new_page()
    page.goto(base + path, wait_until="networkidle")
    if name == "search" and page.viewport_size["width"] >= 1220:
        from browser import search

        search(page, SEARCH_QUERY)
        assert page.is_checked("#__search"), "the search dialog should be open"
    elif name == "search":  # a phone: the header's search button opens the search dialog
        from browser import wait_for_results

        page.click('label.md-header__button[for="__search"]')
        page.type("input.md-search__input", SEARCH_QUERY)
        wait_for_results(page, SEARCH_QUERY)
        assert page.is_checked("#__search"), "the search dialog should be open"
    return page


def blocking_violations(page) -> list[dict]:
    page.add_script_tag(path=str(axe_script()))
    settle(page)
    violations = page.evaluate("""async () => {
        const result = await axe.run(document, {resultTypes: ['violations']});
        return result.violations.map(v => ({
            id: v.id, impact: v.impact, help: v.help,
            nodes: v.nodes.map(n => ({target: n.target, summary: n.failureSummary})),
        }));
    }""")
    return [v for v in violations if v["impact"] in BLOCKING_IMPACTS]


def describe(violations: list[dict]) -> str:
    lines = []
    for v in violations:
        lines.append(f"  {v['id']} [{v['impact']}] {v['help']}")
        for node in v["nodes"]:
            target = " >> ".join(json.dumps(t) if not isinstance(t, str) else t
                                 for t in node["target"])
            summary = " ".join((node["summary"] or "").split())
            lines.append(f"    {target}: {summary}")
    return "\n".join(lines)


def test_axe_checks_every_page_type(site):
    pages = axe_pages(site)
    for expected in ["home", "themes/", "themes/rl/", "themes/rl/page/2/", "themes/efficient/",
                     "themes/other/", "archive/", "archive/2025-11/", "archive/2025-11/page/2/",
                     "archive/2025-12/", "tags/", "subscribe/", "search", *AXE_PAPERS]:
        assert expected in pages, expected


@pytest.mark.parametrize("width", list(WIDTHS))
@pytest.mark.parametrize("scheme", list(SCHEMES))
def test_no_serious_accessibility_violations(browser, site, base_url, scheme, width):
    axe_script()  # fail early and clearly without axe-core
    context = browser.new_context(color_scheme=scheme,
                                  viewport={"width": WIDTHS[width], "height": 900})
    failures = []
    try:
        for name, path in axe_pages(site).items():
            page = open_page(context, base_url, name, path)
            palette = page.evaluate("document.body.dataset.mdColorScheme")
            assert palette == SCHEMES[scheme], f"expected the {scheme} palette, got {palette}"
            violations = blocking_violations(page)
            if violations:
                failures.append(f"{name} ({page.url}), axe-core {page.evaluate('axe.version')}:"
                                f"\n{describe(violations)}")
            page.close()
    finally:
        context.close()
    assert not failures, (f"serious/critical violations, {scheme} palette, {WIDTHS[width]} px:\n"
                          + "\n".join(failures))


# Every text of both charts as rendered: its font size in CSS px on screen (computed size times
# the scale the SVG draws it at), and whether it lies inside its chart.
CHART_TEXT = """() => [...document.querySelectorAll('svg.digest-chart text')].map(t => {
    const box = t.getBoundingClientRect(), svg = t.ownerSVGElement.getBoundingClientRect();
    const ctm = t.getScreenCTM();
    return {text: t.textContent, size: parseFloat(getComputedStyle(t).fontSize) *
                Math.hypot(ctm.a, ctm.b), height: box.height,
            inside: box.left >= svg.left - 0.5 && box.right <= svg.right + 0.5};
})"""


@pytest.mark.parametrize("width", list(WIDTHS))
@pytest.mark.parametrize("scheme", list(SCHEMES))
def test_chart_text_is_legible(browser, base_url, scheme, width):
    context = browser.new_context(color_scheme=scheme,
                                  viewport={"width": WIDTHS[width], "height": 900})
    try:
        page = context.new_page()
        page.goto(base_url, wait_until="networkidle")
        texts = page.evaluate(CHART_TEXT)
        charts = page.evaluate("[...document.querySelectorAll('svg.digest-chart')].map("
                               "s => [s.getAttribute('role'), s.getBoundingClientRect().width])")
    finally:
        context.close()
    assert [role for role, _ in charts] == ["img", "img"]
    # As wide as the text column (Material's figure once left them at 300 px on every screen).
    assert all(w > (320 if width == "phone" else 600) for _, w in charts), charts
    assert {"Nov 2025", "Dec 2025", "Reinforcement learning", "Other reasoning"} <= {
        t["text"] for t in texts}
    small = [t for t in texts if t["size"] < 12 or t["height"] < 12]
    assert not small, f"chart text under 12 px at {WIDTHS[width]} px: {small}"
    cut = [t for t in texts if not t["inside"]]
    assert not cut, f"chart text outside its chart at {WIDTHS[width]} px: {cut}"


def test_phone_layouts_do_not_overflow(browser, base_url):
    context = browser.new_context(viewport={"width": 390, "height": 900})
    try:
        page = context.new_page()
        for path in ["subscribe/", "", PAGES["paper"]]:
            page.goto(base_url + path, wait_until="networkidle")
            # Nothing wider than the screen: the Subscribe page's feeds once were a table cut
            # off at the right.
            overflow = page.evaluate("""() => [...document.querySelectorAll('.md-content *')]
                .filter(e => e.getBoundingClientRect().right > innerWidth + 0.5
                             && !e.closest('pre, .md-typeset__scrollwrap'))
                .map(e => e.outerHTML.slice(0, 80))""")
            assert overflow == [], (path, overflow)
        # The BibTeX copy button covers no character of the code.
        covered = page.evaluate("""() => {
            const button = document.querySelector('.digest-bibtex .md-code__nav');
            const b = button.getBoundingClientRect(), range = document.createRange();
            range.selectNodeContents(document.querySelector('.digest-bibtex code'));
            return [...range.getClientRects()].filter(r => r.width > 0 && r.left < b.right
                && r.right > b.left && r.top < b.bottom && r.bottom > b.top).length;
        }""")
        assert covered == 0
    finally:
        context.close()


def test_paper_tags_link_to_the_tags_page_sorted_as_words(browser, base_url):
    context = browser.new_context()
    try:
        page = context.new_page()
        page.goto(base_url + PAGES["paper"], wait_until="networkidle")
        links = page.locator(".md-content p", has_text="Tags:").locator("a")
        # Sorted as words, as the tags page and Material's tag list above the title sort them.
        assert links.all_inner_texts() == ["agents", "code available", "GRPO"]
        links.last.click()
        page.wait_for_url(base_url + "tags/#tag:grpo")
        assert page.locator("[id='tag:grpo']").count() == 1
        # Casefolded: "agents" and "code available" before "GRPO", not capitals first.
        ids = page.eval_on_selector_all(".md-content h2[id^='tag:']", "hs => hs.map(h => h.id)")
        assert ids == ["tag:agents", "tag:code-available", "tag:grpo"]
    finally:
        context.close()


def visit_everything(page, base: str) -> None:
    """Home, a theme page, a paper page, then a search; every page left to go network-idle."""
    from browser import search

    for path in PAGES.values():
        page.goto(base + path, wait_until="networkidle")
    page.goto(base, wait_until="networkidle")
    search(page, SEARCH_QUERY)
    page.wait_for_load_state("networkidle")


def test_no_request_leaves_the_site(browser, base_url):
    origin = urlsplit(base_url)
    context = browser.new_context()
    requests: list[str] = []
    try:
        page = context.new_page()
        page.on("request", lambda request: requests.append(request.url))
        visit_everything(page, base_url)
    finally:
        context.close()
    urls = [u for u in requests if urlsplit(u).scheme not in ("data", "blob")]
    # The recording works: it saw the pages and the search index's entry and shards (the
    # search box uses the digest's chunked index; Material's lunr index is never downloaded).
    assert base_url + PAGES["paper"] in urls
    assert base_url + "searchindex/index.json" in urls
    assert any(u.startswith(base_url + "searchindex/t/") for u in urls)
    assert base_url + "search/search_index.json" not in urls
    # Nor sitemap.xml (Material fetches it beside every <link rel="alternate">; main.html takes
    # the feed links out of the live page): 3.5 MB and 3 s of parsing at 20,000 papers.
    assert base_url + "sitemap.xml" not in urls
    assert origin.hostname == "127.0.0.1"
    foreign = sorted({u for u in urls if urlsplit(u).netloc != origin.netloc})
    assert not foreign, ("requests to another origin (the site must only talk to the host that "
                         "serves it):\n  " + "\n  ".join(foreign))


def test_no_console_errors(browser, base_url):
    context = browser.new_context()
    errors: list[str] = []
    try:
        page = context.new_page()
        page.on("console", lambda message: message.type == "error" and errors.append(
            f"console error on {page.url}: {message.text} ({message.location.get('url')})"))
        page.on("pageerror", lambda exc: errors.append(f"uncaught on {page.url}: {exc}"))
        visit_everything(page, base_url)
    finally:
        context.close()
    assert not errors, "errors in the browser console:\n  " + "\n  ".join(errors)


def test_click_from_home_to_theme_to_paper(browser, base_url):
    # Ordinary page loads (navigation.instant is off: it parsed all of sitemap.xml on every
    # visit). Wait for URL and heading.
    from playwright.sync_api import expect

    context = browser.new_context()
    errors: list[str] = []
    try:
        page = context.new_page()
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.goto(base_url, wait_until="networkidle")
        content = page.locator(".md-content")

        content.get_by_role("link", name="Reinforcement learning", exact=True).click()
        page.wait_for_url(base_url + "themes/rl/")
        expect(page.get_by_role("heading", level=1)).to_contain_text("Reinforcement learning")
        expect(page).to_have_title(re.compile(r"^Reinforcement learning - "))

        title = "VR-Thinker: Boosting Video Reward Models through Thinking-with-Image Reasoning"
        content.get_by_role("link", name=title, exact=True).click()
        page.wait_for_url(base_url + "papers/vr-thinker-boosting-video-reward-models-through/")
        expect(page.get_by_role("heading", level=1)).to_contain_text(title)
        expect(page).to_have_title(re.compile("^" + re.escape(title) + " - "))
    finally:
        context.close()
    assert errors == []
