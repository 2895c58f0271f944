"""`digest build` of a tiny sample site: real MkDocs, real feed parsing, golden docs/."""

from __future__ import annotations

import hashlib
import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import feedparser
import pytest

from conftest import FIXTURES, LISTINGS, make_project, run_digest
from generator.content.read import read_content

SAMPLE_LISTINGS = ["metadata_block.txt", "organisation_line.txt", "no_metadata.txt"]


def digest_tree(root: Path) -> dict[str, str]:
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def sample(tmp_path_factory) -> Path:
    project = make_project(tmp_path_factory.mktemp("sample") / "digest")
    result = run_digest("import", "--year", "2025",
                        *[str(LISTINGS / n) for n in SAMPLE_LISTINGS], cwd=project)
    assert result.returncode == 0, result.stderr
    # A curator adds the arXiv id and the author names of one paper by hand.
    carft = project / "content/papers/carft-boosting-llm-reasoning-via-contrastive.md"
    text = carft.read_text().replace("arxiv: null", "arxiv: '2508.15202'")
    assert "authors: 5\n" in text
    carft.write_text(text.replace("authors: 5\n", "authors:\n- Wenqiao Zhu\n- Ji Liu\n"))
    build = run_digest("build", cwd=project)
    assert build.returncode == 0, build.stderr
    assert "WARNING" not in build.stderr  # the build is strict: any warning would fail it
    return project


def papers_of(project: Path) -> dict[str, str]:
    out = {}
    for path in sorted((project / "content/papers").glob("*.md")):
        out[path.stem] = re.search(r"^title: (.*)$", path.read_text(), re.M).group(1).strip("'\"")
    return out


def test_generated_docs_and_extras_match_golden(sample, golden):
    # docs/ (what MkDocs builds) and the extras rendered beside it: feeds, exports, search index.
    outputs = {}
    for prefix, root in [("sample_docs", sample / "docs"),
                         ("sample_extras", sample / ".cache/digest/extras")]:
        for path in sorted(root.rglob("*")):
            if path.is_file():
                outputs[f"{prefix}/{path.relative_to(root).as_posix()}"] = path.read_text()
                # The extras in site/ are these very files.
                if prefix == "sample_extras":
                    assert (sample / "site" / path.relative_to(root)).read_bytes() == \
                        path.read_bytes()
    for name, text in outputs.items():
        golden.check(name, text)
    stale = [name for name in golden.names("sample_docs", "sample_extras") if name not in outputs]
    if golden.update:
        golden.remove(stale)
        stale = []
    assert not stale, f"golden files nothing produces (DIGEST_UPDATE_GOLDEN=1 removes): {stale}"


def searchable_papers(site: Path) -> dict[str, str]:
    """url -> title of every paper in the site's search index."""
    entry = json.loads((site / "searchindex/index.json").read_text())
    records = [record for group in sorted((site / "searchindex/p").glob("*.json"))
               for record in json.loads(group.read_text())]
    assert len(records) == entry["papers"]
    return {url: title for url, title, *_ in records}


def test_every_paper_has_a_page_and_is_searchable(sample):
    searchable = searchable_papers(sample / "site")
    for name, title in papers_of(sample).items():
        assert (sample / f"site/papers/{name}/index.html").is_file()
        assert searchable[f"papers/{name}/"] == title
    assert len(searchable) == len(papers_of(sample))
    # Material's lunr index holds no paper (nobody downloads it; it cost 12% of MkDocs' time)
    # and no listing page.
    lunr = json.loads((sample / "site/search/search_index.json").read_text())
    assert not [d for d in lunr["docs"]
                if d["location"].startswith(("papers/", "themes/", "tags/"))]


def test_theme_pages_list_their_papers_newest_first(sample):
    html = (sample / "site/themes/other/index.html").read_text()
    assert "Everything else." in html
    listed = list(dict.fromkeys(re.findall(r'href="\.\./\.\./papers/([^/"]+)/"', html)))
    content = read_content(sample / "content")
    members = [p for p in content.papers if "other" in p.themes]
    # Newest addition first (Dec 8 before Sep 3), then by title.
    expected = [p.name for p in sorted(members, key=lambda p: (-p.added.toordinal(),
                                                               p.title.casefold()))]
    assert listed == expected and len(expected) >= 2
    assert len({p.added for p in members}) == 2  # the order is really tested across dates
    assert (sample / "site/themes/index.html").is_file()


def test_feed_is_valid_rss_with_stable_unique_ids(sample):
    feed = feedparser.parse((sample / "site/feed.xml").read_bytes())
    assert feed.bozo == 0, feed.bozo_exception
    assert feed.version == "rss20"
    assert feed.feed.link == "https://llm-reasoning-digest.github.io/"
    ids = [e.id for e in feed.entries]
    assert len(ids) == len(set(ids)) == 5
    assert all(i.startswith("tag:llm-reasoning-digest,2025:papers/") for i in ids)
    dates = [e.published_parsed for e in feed.entries]
    assert dates == sorted(dates, reverse=True)
    # Newest listing (Dec 8) first; its papers carry pubDate = added.
    assert feed.entries[0].published == "Mon, 08 Dec 2025 00:00:00 +0000"
    assert feed.feed.updated == "Mon, 08 Dec 2025 00:00:00 +0000"
    assert all(e.link.startswith("https://llm-reasoning-digest.github.io/papers/")
               for e in feed.entries)


def feed_names(theme: str = "") -> list[str]:
    suffix = f"-{theme}" if theme else ""
    return [f"feed{suffix}.xml", f"atom{suffix}.xml", f"feed{suffix}.json"]


def test_every_page_advertises_its_feeds(sample):
    pages = list((sample / "site").rglob("*.html"))
    assert pages
    for page in pages:
        folder = page.parent.relative_to(sample / "site")
        # A theme's pages (by date, by upvotes, further pages) advertise the theme's feeds.
        theme = folder.parts[1] if len(folder.parts) >= 2 and folder.parts[0] == "themes" else ""
        title = "LLM Reasoning Digest" + (": " if theme else " (")
        # Relative links, so a local copy stays on its own origin; the 404 page is served at
        # any depth, so MkDocs gives it root-relative links.
        up = "/" if page.name == "404.html" else "../" * len(folder.parts)
        html = page.read_text()
        for kind, name in zip(["rss+xml", "atom+xml", "feed+json"], feed_names(theme)):
            assert (f'<link rel="alternate" type="application/{kind}" title="{title}'
                    in html), page
            assert f'href="{up}{name}">' in html, (page, name)
            assert (sample / "site" / name).is_file()


def test_feeds_for_the_digest_and_each_theme(sample):
    themes = ["", "rl", "efficient", "other"]
    titles = {"rl": "Reinforcement learning", "efficient": "Efficient reasoning",
              "other": "Other reasoning"}
    for theme in themes:
        rss_name, atom_name, json_name = feed_names(theme)
        for name in (rss_name, atom_name):
            feed = feedparser.parse((sample / "site" / name).read_bytes())
            assert feed.bozo == 0, (name, feed.bozo_exception)
            assert feed.version == ("rss20" if name == rss_name else "atom10")
            ids = [e.id for e in feed.entries]
            assert ids and len(ids) == len(set(ids))
            assert all(e.tags for e in feed.entries)  # themes (and tags) as categories
            if theme:  # RSS names a category by its title, Atom by its id (and label)
                assert all({theme, titles[theme]} & {t.term for t in e.tags}
                           for e in feed.entries)
        data = json.loads((sample / "site" / json_name).read_text())
        assert data["version"] == "https://jsonfeed.org/version/1.1"
        rss_ids = [e.id for e in feedparser.parse((sample / "site" / rss_name).read_bytes())
                   .entries]
        assert [item["id"] for item in data["items"]] == rss_ids
    # feeds.opml is the one subscription (every paper once); the theme feeds, which overlap,
    # are bundled apart and say so.
    for name, chosen in [("feeds.opml", themes[:1]), ("feeds-themes.opml", themes[1:])]:
        opml = ET.parse(sample / "site" / name)
        urls = [o.get("xmlUrl") for o in opml.iter("outline")]
        assert urls == [f"https://llm-reasoning-digest.github.io/{feed_names(t)[0]}"
                        for t in chosen]
    assert "overlapping" in ET.parse(sample / "site/feeds-themes.opml").find("head/title").text
    subscribe = (sample / "site/subscribe/index.html").read_text()
    for theme in themes:
        for name in feed_names(theme):
            assert f'href="../{name}"' in subscribe


ATOM = "{http://www.w3.org/2005/Atom}"
SCHEMAS = FIXTURES / "schemas"
CARFT = "https://llm-reasoning-digest.github.io/papers/carft-boosting-llm-reasoning-via-contrastive/"


def test_atom_feeds_are_valid_against_rfc_4287(sample):
    from lxml import etree

    schema = etree.RelaxNG(etree.parse(str(SCHEMAS / "atom.rng")))
    feeds = sorted((sample / "site").glob("atom*.xml"))
    assert len(feeds) == 4
    for path in feeds:
        document = etree.parse(str(path))
        assert schema.validate(document), (path.name, str(schema.error_log))
        # RFC 4287 4.1.1 (a Schematron rule, not RELAX NG): a feed without an author is valid
        # only if every entry has one; entries whose authors are unknown inherit the feed's.
        names = document.getroot().findall(f"{ATOM}author/{ATOM}name")
        assert [n.text for n in names] == ["LLM Reasoning Digest"], path.name


def test_the_schema_rejects_an_invalid_atom_feed(sample):
    from lxml import etree

    schema = etree.RelaxNG(etree.parse(str(SCHEMAS / "atom.rng")))
    document = etree.parse(str(sample / "site/atom.xml"))
    entry = document.getroot().find(f"{ATOM}entry")
    entry.remove(entry.find(f"{ATOM}id"))  # atom:id is required
    assert not schema.validate(document)


def test_rss_feeds_have_the_required_rss_2_elements(sample):
    for path in sorted((sample / "site").glob("feed*.xml")):
        root = ET.parse(path).getroot()
        assert root.tag == "rss" and root.get("version") == "2.0"
        channel = root.find("channel")
        for required in ("title", "link", "description"):  # RSS 2.0: required channel elements
            assert (channel.findtext(required) or "").strip(), (path.name, required)
        items = channel.findall("item")
        assert items
        for item in items:  # an item needs a title or a description; ours have both and more
            for element in ("title", "description", "link", "guid", "pubDate"):
                assert (item.findtext(element) or "").strip(), (path.name, element)
            assert item.find("guid").get("isPermaLink") == "false"


def test_json_feeds_are_valid_json_feed_1_1(sample):
    import jsonschema

    schema = json.loads((SCHEMAS / "jsonfeed-1.1.schema.json").read_text())
    validator = jsonschema.Draft202012Validator(schema)
    for path in sorted((sample / "site").glob("feed*.json")):
        errors = [e.message for e in validator.iter_errors(json.loads(path.read_text()))]
        assert errors == [], path.name
    broken = json.loads((sample / "site/feed.json").read_text())
    del broken["items"][0]["id"]
    assert [e.message for e in validator.iter_errors(broken)] == ["'id' is a required property"]


def test_feed_items_carry_authors_and_the_arxiv_and_hugging_face_links(sample):
    site = sample / "site"
    arxiv, hf = "https://arxiv.org/abs/2508.15202", "https://huggingface.co/papers/2508.15202"
    atom = ET.parse(site / "atom.xml").getroot()
    entry = next(e for e in atom.iter(f"{ATOM}entry")  # the first link: the paper's page
                 if e.find(f"{ATOM}link").get("href") == CARFT)
    assert [n.text for n in entry.iter(f"{ATOM}name")] == ["Wenqiao Zhu", "Ji Liu"]
    assert [(l.get("title"), l.get("href")) for l in entry.findall(f"{ATOM}link[@rel='related']")
            ] == [("arXiv", arxiv), ("Hugging Face", hf)]
    item = next(i for i in ET.parse(site / "feed.xml").iter("item")
                if i.findtext("link") == CARFT)
    assert [c.text for c in item.iter("{http://purl.org/dc/elements/1.1/}creator")
            ] == ["Wenqiao Zhu", "Ji Liu"]
    for text in (item.findtext("description"), entry.findtext(f"{ATOM}content")):
        assert "<p>Wenqiao Zhu, Ji Liu</p>" in text
        assert f'<a href="{arxiv}">arXiv</a> · <a href="{hf}">Hugging Face</a>' in text
    json_item = next(i for i in json.loads((site / "feed.json").read_text())["items"]
                     if i["url"] == CARFT)
    assert json_item["authors"] == [{"name": "Wenqiao Zhu"}, {"name": "Ji Liu"}]
    assert json_item["external_url"] == arxiv
    # A paper known only by its author count: the count in the text, no names invented.
    other = next(i for i in json.loads((site / "feed.json").read_text())["items"]
                 if "authors" not in i and i["content_html"].startswith("<p>"))
    assert re.match(r"<p>\d+ authors?</p>", other["content_html"]), other["content_html"]


def test_paper_pages_are_not_in_the_nav(sample):
    html = (sample / "site/index.html").read_text()
    nav = html[html.find('<nav class="md-nav md-nav--primary"'):]
    nav = nav[: nav.find("</nav>")]
    assert "papers/" not in nav and "Themes" in nav


def test_rebuild_is_byte_identical(sample):
    before = digest_tree(sample / "site")
    assert run_digest("build", cwd=sample).returncode == 0
    assert digest_tree(sample / "site") == before
    assert "sitemap.xml.gz" in before


def test_broken_content_fails_and_leaves_the_site(tmp_path):
    project = make_project(tmp_path / "digest")
    run_digest("import", "--year", "2025", str(LISTINGS / "metadata_block.txt"), cwd=project)
    assert run_digest("build", cwd=project).returncode == 0
    before = digest_tree(project / "site")
    paper = next((project / "content/papers").glob("carft*.md"))
    paper.write_text(paper.read_text().replace("upvotes: 3", "upvotes: lots"))
    result = run_digest("build", cwd=project)
    assert result.returncode == 1
    assert (f"content/papers/{paper.name}:9: upvotes: expected a whole number or null, "
            "found 'lots'") in result.stderr
    assert digest_tree(project / "site") == before
    assert not list(project.glob(".site-*"))


def test_mistakes_in_mkdocs_yml_are_reported_by_line_and_leave_the_site(tmp_path):
    # MkDocs alone logs each mistake without its line, then stops with a summary that names
    # none of them ("Aborted with 1 configuration warnings in 'strict' mode!").
    project = make_project(tmp_path / "digest")
    run_digest("import", "--year", "2025", str(LISTINGS / "metadata_block.txt"), cwd=project)
    assert run_digest("build", cwd=project).returncode == 0
    before = digest_tree(project / "site")
    config = project / "mkdocs.yml"
    good = config.read_text()
    lines = good.splitlines()
    misspelt = lines.index("strict: true") + 2  # the line inserted after it
    repo_name = next(n for n, line in enumerate(lines, 1) if line.startswith("repo_name:"))
    suffix = "nothing was built and site/ is unchanged\n"

    config.write_text(good.replace("strict: true\n", "strict: true\nsite_nmae: Digest\n"))
    result = run_digest("build", cwd=project)
    assert (result.returncode, result.stderr) == (1, (
        f"mkdocs.yml:{misspelt}: site_nmae: Unrecognised configuration name: site_nmae\n"
        "1 problem(s) in mkdocs.yml (in strict mode, a warning fails the build); " + suffix))

    config.write_text(config.read_text().replace("\nrepo_name: ", "\nrepo_name: [1, 2] #"))
    result = run_digest("build", cwd=project)
    assert (result.returncode, result.stderr) == (1, (
        f"mkdocs.yml:{repo_name}: repo_name: Expected type: <class 'str'> but received: "
        "<class 'list'>\n"  # MkDocs' own words from here on
        f"mkdocs.yml:{misspelt}: site_nmae: Unrecognised configuration name: site_nmae\n"
        "2 problem(s) in mkdocs.yml; " + suffix))
    assert digest_tree(project / "site") == before
    assert not list(project.glob(".site-*"))


def test_a_warning_about_mkdocs_yml_names_its_line_when_not_strict(project, caplog):
    from generator.site.build import load_mkdocs_config

    config = project / "mkdocs.yml"
    config.write_text(config.read_text().replace("strict: true\n", "strict: false\nsite_nmae: X\n"))
    line = config.read_text().splitlines().index("site_nmae: X") + 1
    assert load_mkdocs_config(project)["site_name"] == "LLM Reasoning Digest"
    assert [(r.levelname, r.getMessage()) for r in caplog.records] == [
        ("WARNING", f"mkdocs.yml:{line}: site_nmae: Unrecognised configuration name: site_nmae")]


@pytest.mark.parametrize("value, expected", [
    ("ftp://example.org/digest/", "mkdocs.yml:{line}: site_url: feeds need the site's absolute address"),
    (None, "mkdocs.yml: site_url: feeds need the site's absolute address"),
])
def test_site_url_must_be_absolute(project, value, expected):
    from generator.site.build import BuildError, load_mkdocs_config, site_settings

    config = project / "mkdocs.yml"
    text = re.sub(r"^site_url: .*\n", "" if value is None else f"site_url: {value}\n",
                  config.read_text(), flags=re.M)
    config.write_text(text)
    line = next((n for n, x in enumerate(text.splitlines(), 1) if x.startswith("site_url:")), 0)
    loaded = load_mkdocs_config(project)  # MkDocs itself takes any scheme
    with pytest.raises(BuildError) as caught:
        site_settings(loaded)
    assert str(caught.value) == expected.format(line=line)


def test_a_missing_feed_id_names_its_line(project):
    from generator.site.build import BuildError, load_mkdocs_config, site_settings

    config = project / "mkdocs.yml"
    text = re.sub(r"^    feed_id: .*$", '    feed_id: ""', config.read_text(), flags=re.M)
    config.write_text(text)
    line = text.splitlines().index('    feed_id: ""') + 1
    with pytest.raises(BuildError) as caught:
        site_settings(load_mkdocs_config(project))
    assert str(caught.value) == (f"mkdocs.yml:{line}: extra.digest.feed_id: the feed item id "
                                 "authority is missing")


def test_removed_paper_disappears_everywhere(tmp_path):
    project = make_project(tmp_path / "digest")
    run_digest("import", "--year", "2025", str(LISTINGS / "metadata_block.txt"), cwd=project)
    assert run_digest("build", cwd=project).returncode == 0
    gone = next((project / "content/papers").glob("mindmerger*.md"))
    gone.unlink()
    assert run_digest("build", cwd=project).returncode == 0
    assert not list((project / "docs").rglob(f"{gone.stem}*"))
    assert not list((project / "site").rglob(f"{gone.stem}*"))
    assert gone.stem not in (project / "site/feed.xml").read_text()
    assert f"papers/{gone.stem}/" not in searchable_papers(project / "site")


@pytest.mark.parametrize("query, title", [
    ("WebThinker", "WebThinker: Empowering Large Reasoning Models with Deep Research Capability"),
    ("psychological counseling", "PsyLite Technical Report"),  # words of the abstract only
    ("2508.15202", "CARFT: Boosting LLM Reasoning via Contrastive Learning"),  # one token
])
def test_search_in_chromium_finds_papers_by_title_and_abstract(sample, query, title):
    from browser import chromium, search, serve_folder

    with serve_folder(sample / "site") as base, chromium() as browser:
        page = browser.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.goto(base)
        results = search(page, query)
        assert title in results.first.inner_text()
        results.first.locator("a").first.click()
        page.wait_for_load_state("load")
        assert page.url.startswith(base + "papers/")
        assert errors == []


def test_bibtex_copy_button_works_from_the_keyboard(sample):
    from browser import chromium, serve_folder

    with serve_folder(sample / "site") as base, chromium() as browser:
        context = browser.new_context()
        context.grant_permissions(["clipboard-read", "clipboard-write"], origin=base.rstrip("/"))
        page = context.new_page()
        page.goto(base + "papers/carft-boosting-llm-reasoning-via-contrastive/")
        button = page.locator("button.md-code__button[data-md-type='copy']")
        assert button.count() == 1
        button.focus()  # reached like any button with Tab
        assert page.evaluate("document.activeElement.dataset.mdType") == "copy"
        page.keyboard.press("Enter")
        copied = page.evaluate("navigator.clipboard.readText()")
        assert copied.startswith("@misc{carft-boosting-llm-reasoning-via-contrastive,")
        assert "title = {{CARFT: Boosting LLM Reasoning via Contrastive Learning}}" in copied


def test_exports_describe_every_paper(sample):
    papers = json.loads((sample / "site/papers.json").read_text())
    schema = json.loads((sample / "site/papers.schema.json").read_text())
    assert {p["name"] for p in papers} == set(papers_of(sample))
    properties = schema["items"]["properties"]
    for paper in papers:
        assert set(paper) <= set(properties)
        assert set(schema["items"]["required"]) <= set(paper)
    bib = (sample / "site/papers.bib").read_text()
    assert bib.count("@misc{") == len(papers)
    assert (sample / "site/themes/rl/papers.bib").read_text().count("@misc{") == 1


def test_every_feed_link_resolves_and_parses(sample):
    site = sample / "site"
    links: set[str] = set()
    for page in site.rglob("*.html"):
        html = page.read_text()
        for href in re.findall(r'<link rel="alternate" type="[^"]+" title="[^"]*" href="([^"]+)"',
                               html) + re.findall(r'href="([^"]+\.(?:xml|json|opml))"', html):
            if page.name != "404.html" and not href.startswith("http"):
                links.add((page.parent / href).resolve().relative_to(site.resolve()).as_posix())
    assert {"feed.xml", "atom.xml", "feed.json", "feeds.opml", "feed-rl.xml"} <= links
    for link in sorted(links):
        data = (site / link).read_bytes()
        if link.endswith(".json"):
            assert json.loads(data), link
        elif link.endswith(".opml"):
            assert ET.fromstring(data).tag == "opml"
        else:
            assert feedparser.parse(data).bozo == 0, link


def test_paper_page_links_arxiv_and_hugging_face(sample):
    html = (sample / "site/papers/carft-boosting-llm-reasoning-via-contrastive/index.html"
            ).read_text()
    assert 'href="https://arxiv.org/abs/2508.15202"' in html
    assert 'href="https://huggingface.co/papers/2508.15202"' in html
    assert 'href="https://github.com/WNQzhu/CARFT"' in html
    assert ('href="https://github.com/llm-reasoning-digest/llm-reasoning-digest/edit/main/'
            'content/papers/carft-boosting-llm-reasoning-via-contrastive.md"') in html
    assert '<h2 id="related-papers">Related papers' in html


def test_rebuild_with_nothing_changed_skips_mkdocs_until_something_changes(tmp_path):
    project = make_project(tmp_path / "digest")
    run_digest("import", "--year", "2025", str(LISTINGS / "metadata_block.txt"), cwd=project)
    first = run_digest("build", cwd=project)
    assert first.returncode == 0 and "skipped" not in first.stdout
    built = digest_tree(project / "site")

    again = run_digest("build", cwd=project)
    assert again.returncode == 0, again.stderr
    assert "MkDocs: 0.00 s (skipped: site/ is already the build of these inputs" in again.stdout
    assert again.stdout.rstrip().splitlines()[-1].startswith("unchanged site/: ")
    assert digest_tree(project / "site") == built

    forced = run_digest("build", "--force", cwd=project)
    assert forced.returncode == 0 and "skipped" not in forced.stdout
    assert digest_tree(project / "site") == built  # byte-identical when rebuilt

    paper = next((project / "content/papers").glob("*.md"))
    paper.write_text(paper.read_text().replace("note: null", "note: A curator's remark."))
    edited = run_digest("build", cwd=project)
    assert edited.returncode == 0 and "skipped" not in edited.stdout
    assert "A curator" in (project / f"site/papers/{paper.stem}/index.html").read_text()

    (project / "site/index.html").write_text("edited by hand")  # site/ no longer as built
    repaired = run_digest("build", cwd=project)
    assert "skipped" not in repaired.stdout
    assert (project / "site/index.html").read_text() != "edited by hand"



def test_papers_read_are_kept_for_the_next_build(tmp_path, monkeypatch):
    # The parsed papers are cached by a worker, before MkDocs runs: a build failing in MkDocs
    # keeps them all the same.
    import mkdocs.commands.build
    from mkdocs.exceptions import MkDocsException

    from generator.site import build
    from generator.site.cache import Cache

    project = make_project(tmp_path / "digest")
    run_digest("import", "--year", "2025", str(LISTINGS / "metadata_block.txt"), cwd=project)
    names = {p.name for p in (project / "content/papers").glob("*.md")}
    cache = Cache(project / ".cache/digest")
    assert run_digest("build", cwd=project).returncode == 0
    assert set(cache.load("papers", {})) == names

    (project / ".cache/digest/papers.json").unlink()

    def fail(config):
        raise MkDocsException("a page is broken")

    monkeypatch.setattr(mkdocs.commands.build, "build", fail)
    with pytest.raises(build.BuildError, match="MkDocs build failed: a page is broken"):
        build.build_site(project, echo=lambda *args: None, force=True)
    assert set(cache.load("papers", {})) == names


STATE_KEEPING_PLUGIN = '''
import os

from mkdocs.plugins import BasePlugin


class StateKeeper(BasePlugin):
    """Numbers the pages as MkDocs reads them, and lists at the end every page it wrote."""

    def on_pre_build(self, config):
        self.read, self.written = 0, []

    def on_page_content(self, html, page, config, files):
        self.read += 1
        return html + f"<p>page {self.read} read</p>"

    def on_post_page(self, output, page, config):
        self.written.append(page.file.src_uri)
        return output

    def on_post_build(self, config):
        with open(os.path.join(config.site_dir, "written.txt"), "w") as handle:
            handle.write("".join(f"{uri}\\n" for uri in sorted(self.written)))
'''


@pytest.mark.parametrize("plugin", [False, True], ids=["mkdocs.yml's plugins",
                                                       "a state-keeping plugin added"])
def test_the_site_is_what_mkdocs_alone_builds_from_docs(tmp_path, plugin):
    # MkDocs runs as MkDocs: besides the extras (feeds, exports, search index) linked in and
    # its JSON hardened, the site is what `mkdocs build` makes of the same docs/, with any
    # plugin a digest adds.
    import os
    import subprocess
    import sys

    from generator.content.read import read_content
    from generator.site.build import harden_json, source_date_epoch

    project = make_project(tmp_path / "digest")
    result = run_digest("import", "--year", "2025",
                        *[str(LISTINGS / n) for n in SAMPLE_LISTINGS], cwd=project)
    assert result.returncode == 0, result.stderr
    env = {**os.environ, "GITHUB_ACTIONS": ""}
    digest = [sys.executable, "-m", "generator"]
    if plugin:  # installed for this test only: an entry point in a folder on the path
        installed = tmp_path / "installed"
        (installed / "statekeeper-1.0.dist-info").mkdir(parents=True)
        (installed / "statekeeper-1.0.dist-info/METADATA").write_text(
            "Metadata-Version: 2.1\nName: statekeeper\nVersion: 1.0\n")
        (installed / "statekeeper-1.0.dist-info/entry_points.txt").write_text(
            "[mkdocs.plugins]\nstatekeeper = statekeeper_plugin:StateKeeper\n")
        (installed / "statekeeper_plugin.py").write_text(STATE_KEEPING_PLUGIN)
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(installed),
                                                          env.get("PYTHONPATH")]))
        config = project / "mkdocs.yml"
        config.write_text(config.read_text().replace("plugins:\n  - search\n",
                                                     "plugins:\n  - search\n  - statekeeper\n"))
        # `digest check` allows only plugins known to stay inside docs/ and site/.
        digest = [sys.executable, "-c", "from generator.site import config\n"
                  "config.PLUGINS.add('statekeeper')\n"
                  "from generator.cli import main\nmain()"]
    built = subprocess.run(digest + ["build"], cwd=project, env=env, capture_output=True,
                           text=True)
    assert built.returncode == 0, built.stderr
    env["SOURCE_DATE_EPOCH"] = source_date_epoch(read_content(project / "content"))
    alone = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "--quiet",
                            "-d", str(tmp_path / "alone")], cwd=project, env=env,
                           capture_output=True, text=True)
    assert alone.returncode == 0, alone.stderr
    harden_json(tmp_path / "alone")
    extras = digest_tree(project / ".cache/digest/extras")
    site = digest_tree(project / "site")
    assert set(extras) <= set(site)
    assert {path: digest for path, digest in site.items() if path not in extras} == \
        digest_tree(tmp_path / "alone")
    if plugin:
        pages = sorted(p.relative_to(project / "docs").as_posix()
                       for p in (project / "docs").rglob("*.md"))
        assert (project / "site/written.txt").read_text().splitlines() == pages
        numbers = {re.search(r"<p>page (\d+) read</p>", p.read_text()).group(1)
                   for p in (project / "site").rglob("*.html") if p.name != "404.html"}
        assert numbers == {str(n) for n in range(1, len(pages) + 1)}
