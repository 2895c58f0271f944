"""Accessibility and privacy of the built site in headless Chromium.

axe-core (the npm package pinned in package.json / package-lock.json; `npm ci` installs it) runs
on the home page, a theme page, a paper page, the tags and subscribe pages and open search
results, in the light and the dark palette; no violation of impact "serious" or "critical" is
allowed. The fixes to Material's defaults live in generator/theme/assets/a11y.css and
generator/theme/partials/.

The same pages must not contact any other origin (no fonts, analytics, CDNs or production host),
must not log errors to the console, and must be reachable by clicking from the home page.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from conftest import LISTINGS, REPO, make_project, run_digest

SAMPLE_LISTINGS = ["metadata_block.txt", "organisation_line.txt", "no_metadata.txt"]
AXE = REPO / "node_modules" / "axe-core" / "axe.min.js"
BLOCKING_IMPACTS = ("serious", "critical")
SEARCH_QUERY = "reasoning"  # matches every sample paper: a long, open result list

PAGES = {
    "home": "",
    "theme": "themes/rl/",
    "paper": "papers/carft-boosting-llm-reasoning-via-contrastive/",
}
# axe also checks the listing pages with their own components (tag index, feed buttons), and
# "search": the home page with a query typed and the results open.
AXE_PAGES = {**PAGES, "tags": "tags/", "subscribe": "subscribe/", "search": ""}
SCHEMES = {"light": "default", "dark": "slate"}  # prefers-color-scheme -> Material's palette


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    project = make_project(tmp_path_factory.mktemp("a11y") / "digest")
    result = run_digest("import", "--year", "2025",
                        *[str(LISTINGS / n) for n in SAMPLE_LISTINGS], cwd=project)
    assert result.returncode == 0, result.stderr
    build = run_digest("build", cwd=project)
    assert build.returncode == 0, build.stderr
    return project / "site"


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


def open_page(context, base: str, name: str):
    page = context.new_page()
    page.goto(base + AXE_PAGES[name], wait_until="networkidle")
    if name == "search":
        from browser import search

        search(page, SEARCH_QUERY)
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


@pytest.mark.parametrize("scheme", list(SCHEMES))
@pytest.mark.parametrize("name", list(AXE_PAGES))
def test_no_serious_accessibility_violations(browser, base_url, name, scheme):
    axe_script()  # fail early and clearly without axe-core
    context = browser.new_context(color_scheme=scheme)
    try:
        page = open_page(context, base_url, name)
        palette = page.evaluate("document.body.dataset.mdColorScheme")
        assert palette == SCHEMES[scheme], f"expected the {scheme} palette, got {palette}"
        violations = blocking_violations(page)
        version = page.evaluate("axe.version")
        assert not violations, (
            f"axe-core {version}: {len(violations)} serious/critical violation(s) on {name} "
            f"({page.url}, {scheme} palette):\n{describe(violations)}")
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
