"""Checking a built site/ against content/ before it is published: never an empty or partial
site (the publish workflow runs `digest verify` before deploying). Besides a page for every
paper: the search box (its script, styles and index), and every feed of the digest and of each
theme, parsed, and advertised by its page's `<link rel="alternate">`."""

from __future__ import annotations

import json
import posixpath
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path

from generator.site.build import tag_vocabulary
from generator.content.read import read_content
from generator.files import find_symlinks, is_regular_file, read_file
from generator.render.feeds import FORMATS, Channel

# The theme overrides' files every page needs (generator/site/theme/assets/).
SEARCH_ASSETS = ("assets/digest-search.js", "assets/digest.css", "assets/a11y.css")
ATOM = "{http://www.w3.org/2005/Atom}"

MAX_SITE_FILE_BYTES = 1 << 30  # papers.json of 20,000 papers is about 40 MB


def verify_site(project: Path, allow_empty: bool = False) -> list[str]:
    """What is wrong with site/ compared with content/ (empty list: fit to publish).
    `allow_empty`: a digest with no papers yet passes (a new digest's CI, not its publishing)."""
    site = project / "site"
    content = read_content(project / "content", tag_vocabulary(project))
    # Nothing of site/ is followed or read through a link (files.py): a published link could
    # point anywhere.
    problems = [str(p) for p in find_symlinks(project, ("site",)) + content.problems]
    if not content.papers and not allow_empty:
        problems.append("content/papers/: no papers: refusing to publish an empty digest")
    texts = {}
    for name in ("index.html", "papers.json", "searchindex/index.json"):
        try:
            texts[name] = read_file(site / name, MAX_SITE_FILE_BYTES)
        except FileNotFoundError:
            problems.append(f"site/{name}: missing")
        except OSError as exc:
            problems.append(f"site/{name}: {exc}")
    missing = [p.name for p in content.papers
               if not is_regular_file(site / "papers" / p.name / "index.html")]
    if missing:
        problems.append(f"site/papers/: {len(missing)} of {len(content.papers)} paper pages "
                        f"missing (first: {missing[0]})")
    for name, what in (("papers.json", "papers"), ("searchindex/index.json", "index")):
        if name not in texts:
            continue
        try:
            data = json.loads(texts[name])
            count = len(data) if what == "papers" else data.get("papers")
        except (ValueError, TypeError, AttributeError, RecursionError):
            problems.append(f"site/{name}: not the JSON the build writes")
            continue
        if count != len(content.papers):
            problems.append(f"site/{name}: {count} papers, content/ has {len(content.papers)}")
    problems += verify_search(site, texts.get("index.html"))
    problems += verify_feeds(site, [""] + [theme.id for theme in content.themes],
                             bool(content.papers))
    return problems


class _Page(HTMLParser):
    """The feed links, scripts, styles and search box of one built page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.alternates: dict[str, str] = {}  # href: type
        self.scripts: set[str] = set()
        self.styles: set[str] = set()
        self.search_box = False

    def handle_starttag(self, tag: str, attrs: list) -> None:
        found = {name: value or "" for name, value in attrs}
        if tag == "link" and found.get("rel") == "alternate" and "href" in found:
            self.alternates[found["href"]] = found.get("type", "")
        elif tag == "link" and found.get("rel") == "stylesheet":
            self.styles.add(found.get("href", "").split("?")[0])
        elif tag == "script" and "src" in found:
            self.scripts.add(found["src"].split("?")[0])
        if "data-digest-search" in found:
            self.search_box = True


def read_page(path: Path) -> _Page | None:
    """A built page's links, or None when it is missing."""
    try:
        text = read_file(path, MAX_SITE_FILE_BYTES).decode("utf-8", "replace")
    except OSError:
        return None
    page = _Page()
    page.feed(text)
    return page


def verify_search(site: Path, home: bytes | None) -> list[str]:
    """The search box: its script and styles published and loaded by the home page, and the
    box itself (the theme override), whose index verify_site checks."""
    problems = [f"site/{name}: missing (the search box's script and styles come from the "
                "generator's theme overrides)" for name in SEARCH_ASSETS
                if not is_regular_file(site / name)]
    if home is None:
        return problems
    page = _Page()
    page.feed(home.decode("utf-8", "replace"))
    if "assets/digest-search.js" not in page.scripts:
        problems.append("site/index.html: does not load assets/digest-search.js "
                        "(mkdocs.yml: extra_javascript)")
    problems += [f"site/index.html: does not load {name} (mkdocs.yml: extra_css)"
                 for name in SEARCH_ASSETS[1:] if name not in page.styles]
    if not page.search_box:
        problems.append("site/index.html: no search box (the generator's theme overrides "
                        "were not used: theme.custom_dir)")
    return problems


def verify_feeds(site: Path, keys: list[str], has_papers: bool) -> list[str]:
    """Every feed of the digest ('' key) and of each theme: present, parsed, with items when
    there are papers (the digest's), and linked from its page."""
    problems = []
    for key in keys:
        page_path = "index.html" if not key else f"themes/{key}/index.html"
        page = read_page(site / page_path)
        if page is None and key:  # the home page's absence is reported by verify_site
            problems.append(f"site/{page_path}: missing")
        for name, (kind, _) in FORMATS.items():
            file = Channel(key, "", "", "", "").file(name)
            problems += _verify_feed(site / file, file, kind, has_papers and not key)
            linked = {posixpath.normpath(posixpath.join(posixpath.dirname(page_path), href))
                      for href, type_ in (page.alternates.items() if page else ()) if type_ == kind}
            if page is not None and file not in linked:
                problems.append(f"site/{page_path}: no <link rel=\"alternate\" type=\"{kind}\"> "
                                f"to {file}")
    return problems


def _verify_feed(path: Path, file: str, kind: str, needs_items: bool) -> list[str]:
    try:
        text = read_file(path, MAX_SITE_FILE_BYTES)
    except FileNotFoundError:
        return [f"site/{file}: missing"]
    except OSError as exc:
        return [f"site/{file}: {exc}"]
    try:
        if kind.endswith("json"):
            data = json.loads(text)
            items = data.get("items") if isinstance(data, dict) else None
            if not isinstance(items, list):
                return [f"site/{file}: not a JSON Feed (no items list)"]
            count = len(items)
        else:
            root = ET.fromstring(text)
            count = len(root.findall("./channel/item") if kind == "application/rss+xml"
                        else root.findall(f"./{ATOM}entry"))
    except (ValueError, ET.ParseError, RecursionError) as exc:
        return [f"site/{file}: not {'JSON' if kind.endswith('json') else 'XML'}: {exc}"]
    return [f"site/{file}: no items"] if needs_items and not count else []
