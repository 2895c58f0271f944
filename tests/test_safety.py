"""Untrusted text never runs: a hostile listing, imported and built, opened in Chromium."""

from __future__ import annotations

import html.parser
import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from browser import chromium, search, serve_folder
from conftest import LISTINGS, make_project, run_digest


@pytest.fixture(scope="module")
def hostile(tmp_path_factory) -> Path:
    project = make_project(tmp_path_factory.mktemp("hostile") / "digest")
    first = run_digest("import", "--year", "2025", str(LISTINGS / "metadata_block.txt"),
                       cwd=project)
    assert first.returncode == 0, first.stderr
    result = run_digest("import", "--year", "2025", str(LISTINGS / "hostile.txt"), cwd=project)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    assert (f"{LISTINGS / 'hostile.txt'}:29: abstract: 'A Title Without An Abstract' has a title "
            "but no abstract; entry skipped") in result.stderr
    assert result.stdout.endswith("3 added, 1 updated, 0 unchanged, 1 problem(s) reported\n")
    build = run_digest("build", cwd=project)
    assert build.returncode == 0, build.stderr
    return project


class _Markup(html.parser.HTMLParser):
    """Collects what would be dangerous if it were markup rather than text."""

    def __init__(self):
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in ("iframe", "object", "embed"):
            self.found.append(f"<{tag}>")
        for name, value in attrs:
            if name.startswith("on") and "__pwned" in (value or ""):
                self.found.append(f"{tag} {name}={value}")
            if name in ("href", "src", "action") and (value or "").strip().lower().startswith(
                    ("javascript:", "data:", "vbscript:")):
                self.found.append(f"{tag} {name}={value}")

    def handle_data(self, data):
        pass


def dangerous_markup(text: str) -> list[str]:
    parser = _Markup()
    parser.feed(text)
    found = parser.found
    # Any script element whose body comes from content.
    found += [s for s in text.split("<script")[1:] if "__pwned" in s.split("</script>")[0]]
    return found


def test_merge_and_faithful_text(hostile):
    carft = next((hostile / "content/papers").glob("carft*.md")).read_text()
    # The repeat merged into the known file. Its upvotes (7) come from an older listing
    # (Oct 2) than the one already imported (Dec 8, 3 upvotes): the newest listing wins.
    assert "upvotes: 3" in carft and "- 2025-10-02_hostile.txt:35\n" in carft
    names = sorted(p.stem for p in (hostile / "content/papers").glob("*.md"))
    assert len(names) == 5


def test_json_data_carries_no_raw_markup(hostile):
    for path in sorted((hostile / "site").rglob("*.json")):
        text = path.read_text()
        assert "<" not in text and ">" not in text, path
    records = [record for group in sorted((hostile / "site/searchindex/p").glob("*.json"))
               for record in json.loads(group.read_text())]
    # The search index holds titles as text (the JSON escapes < and >); the search box
    # inserts them as text nodes.
    assert any(title.startswith("<script>window.__pwned") for _, title, *_ in records)


def test_no_dangerous_markup_in_site_or_feed(hostile):
    for path in sorted((hostile / "site").rglob("*.html")):
        assert dangerous_markup(path.read_text()) == [], path
    feed = ET.parse(hostile / "site/feed.xml")
    descriptions = [d.text or "" for d in feed.iter("description")]
    titles = [t.text or "" for t in feed.iter("title")]
    assert any("&lt;think&gt;" in d for d in descriptions)  # escaped inside the item's HTML
    for description in descriptions:
        assert dangerous_markup(description) == []
        assert "<script" not in description and "<img" not in description
    assert any(t.startswith("<script>window.__pwned") for t in titles)  # plain text in RSS
    atom = ET.parse(hostile / "site/atom.xml")
    for content in atom.iter("{http://www.w3.org/2005/Atom}content"):
        assert content.get("type") == "html" and dangerous_markup(content.text or "") == []
    for item in json.loads((hostile / "site/feed.json").read_text())["items"]:
        assert dangerous_markup(item["content_html"]) == []
        assert "<script" not in item["content_html"] and "<img" not in item["content_html"]


def test_no_script_runs_in_chromium_and_text_reads_as_meant(hostile):
    pages = ["", "themes/", "tags/"] + [
        f"papers/{p.name}/" for p in sorted((hostile / "site/papers").iterdir())]
    with serve_folder(hostile / "site") as base, chromium() as browser:
        page = browser.new_page()
        dialogs: list[str] = []
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        for path in pages:
            page.goto(base + path)
            page.wait_for_load_state("load")
            assert page.evaluate("window.__pwned") is None, path
            assert page.evaluate("""() => [...document.querySelectorAll('*')].filter(
                e => [...e.attributes].some(a => a.name.startsWith('on')
                     && a.value.includes('__pwned'))).length""") == 0, path
            assert page.locator("iframe").count() == 0, path
        # The hostile abstract shows its tags as text and its LaTeX rendered.
        think = next(p for p in pages if p.startswith("papers/script-window-pwned"))
        page.goto(base + think)
        abstract = page.inner_text(".digest-abstract")
        assert "We test <think> tags and <script>window.__pwned" in abstract
        assert "12.5% gains" in abstract and "\\%" not in abstract
        assert page.inner_text(".digest-abstract strong") == "bold"
        assert page.get_attribute(".digest-abstract a", "href") == "https://example.org/paper"
        assert page.title().startswith('<script>window.__pwned = "title-script"</script>')
        # Searching for the payloads renders results without running them.
        page.goto(base)
        results = search(page, "jinja")
        assert "Jinja" in results.first.inner_text()
        results = search(page, "abstract")  # matches the papers whose titles carry payloads
        assert results.count() >= 2
        page.wait_for_timeout(300)
        assert page.evaluate("window.__pwned") is None
        assert dialogs == []
