"""The digest built on the other stacks (README, Supported stacks): ProperDocs 1.6.7 in place
of MkDocs gives the same site apart from the generator tag; Zensical 0.0.73 builds the same
mkdocs.yml, and the search box works there (headless Chromium).

Each stack runs in its own venv (tests/stacks.py), made by `.ci/run` before the tests. The
digest built is a copy of the committed one (content/ as it is): what is compared is two builds
of the same input, so any valid edit to content/ leaves the test green.
"""

from __future__ import annotations

import importlib.metadata
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from browser import chromium, search, serve_folder
from conftest import REPO, TODAY, Golden, make_project, run_digest
from stacks import MATERIAL, PROPERDOCS, StackUnavailable, stack_python

THEME = REPO / "generator" / "site" / "theme"
MATERIAL_SEARCH_CSS = THEME / "assets" / "material-search.css"


def python_of(name: str) -> Path:
    """The stack's Python; skipped (never in CI) when its venv cannot be made."""
    try:
        return stack_python(name)
    except StackUnavailable as exc:
        if os.environ.get("CI"):
            raise
        pytest.skip(f"no {name} venv (is the package registry reachable?): {exc}")


def copy_of_digest(root: Path) -> Path:
    project = make_project(root)
    shutil.rmtree(project / "content")
    shutil.copytree(REPO / "content", project / "content")
    return project


def run_in(python: Path, *args: str, cwd: Path) -> subprocess.CompletedProcess:
    """A command of the stack's venv, with this checkout's generator importable."""
    env = {**os.environ, "PYTHONPATH": str(REPO), "DIGEST_TODAY": TODAY, "GITHUB_ACTIONS": "",
           "VIRTUAL_ENV": str(python.parent.parent)}
    env["PATH"] = f"{python.parent}{os.pathsep}{env.get('PATH', '')}"
    return subprocess.run([str(python), *args], cwd=cwd, capture_output=True, text=True,
                          env=env, timeout=600)


def tree(site: Path) -> dict[str, bytes]:
    return {path.relative_to(site).as_posix(): path.read_bytes()
            for path in sorted(site.rglob("*")) if path.is_file()}


def generator_tag(mkdocs_version: str) -> bytes:
    """The tag Material writes on every page: its MkDocs part is `mkdocs-` + mkdocs.__version__
    (ProperDocs' is "ProperDocs 1.6.7")."""
    material = importlib.metadata.version("mkdocs-material")
    return (f'<meta name="generator" content="mkdocs-{mkdocs_version}, '
            f'mkdocs-material-{material}">').encode()


@pytest.fixture(scope="module")
def with_mkdocs(tmp_path_factory) -> Path:
    """The digest built by `digest build` on MkDocs 1.6.1 (this venv)."""
    project = copy_of_digest(tmp_path_factory.mktemp("stacks") / "mkdocs")
    built = run_digest("build", cwd=project)
    assert built.returncode == 0, built.stderr
    return project


def test_properdocs_builds_the_same_site_apart_from_the_generator_tag(with_mkdocs, tmp_path):
    python = python_of("properdocs")
    found = run_in(python, "-c", "import importlib.util as u; print(u.find_spec('mkdocs'))",
                   cwd=tmp_path)
    assert found.stdout.strip() == "None", "the ProperDocs venv must not hold MkDocs"
    found = run_in(python, "-c", "import generator.site, mkdocs; print(mkdocs.__name__, "
                   "mkdocs.__version__)", cwd=tmp_path)
    assert found.stdout.strip() == f"properdocs {PROPERDOCS}", found.stderr
    with_properdocs = copy_of_digest(tmp_path / "properdocs")
    built = run_in(python, "-m", "generator", "build", cwd=with_properdocs)
    assert built.returncode == 0, built.stderr
    assert "Traceback" not in built.stderr
    assert "built site/:" in built.stdout

    mkdocs_site = tree(with_mkdocs / "site")
    properdocs_site = tree(with_properdocs / "site")
    assert sorted(properdocs_site) == sorted(mkdocs_site)
    mkdocs_tag = generator_tag(importlib.metadata.version("mkdocs"))
    properdocs_tag = generator_tag(f"ProperDocs {PROPERDOCS}")
    differing = [name for name in mkdocs_site if mkdocs_site[name] != properdocs_site[name]]
    assert differing, "ProperDocs' build shows no sign of ProperDocs: did MkDocs run?"
    for name in differing:  # every difference is the tag, on an HTML page, once
        assert name.endswith(".html"), name
        assert mkdocs_site[name].count(mkdocs_tag) == 1, name
        assert properdocs_site[name].replace(properdocs_tag, mkdocs_tag) == mkdocs_site[name], name
    pages = [name for name in mkdocs_site if name.endswith(".html")]
    assert differing == pages  # ... and on every page


# The search box's geometry, as the reader sees it: closed (in the header), then open with
# results. Sizes only: Zensical's header places the box elsewhere than Material's.
GEOMETRY = """() => {
  const box = (selector) => {
    const element = document.querySelector(selector);
    if (!element) return null;
    const rect = element.getBoundingClientRect();
    return {width: Math.round(rect.width), height: Math.round(rect.height),
            top: Math.round(rect.top), left: Math.round(rect.left),
            background: getComputedStyle(element).backgroundColor};
  };
  return {form: box(".md-search__form"), input: box(".md-search__input"),
          icon: box(".md-search__icon[for=__search]"), output: box(".md-search__output"),
          header: box(".md-header")};
}"""


def read_search_box(site: Path, query: str, width: int = 1280
                    ) -> tuple[dict, dict, str, list[str]]:
    """Geometry closed and open, the first result's link, and any errors and requests for an
    index other than the digest's. Below 960 px (a phone), the header's button opens the box."""
    with serve_folder(site) as base, chromium() as browser:
        page = browser.new_page(viewport={"width": width, "height": 800})
        problems: list[str] = []
        page.on("pageerror", lambda exc: problems.append(str(exc)))
        page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
        page.on("request", lambda r: problems.append(r.url) if "search" in r.url
                and "searchindex/" not in r.url and "digest-search" not in r.url
                and "material-search" not in r.url else None)
        page.goto(base)
        closed = page.evaluate(GEOMETRY)
        if width < 960:
            page.click("label.md-header__button[for=__search]")
            page.wait_for_function("() => document.activeElement.matches('.md-search__input')")
        results = search(page, query)
        opened = page.evaluate(GEOMETRY)
        first = results.first.locator("a").get_attribute("href").removeprefix(base)
        return closed, opened, first, problems


def test_zensical_builds_the_site_and_the_search_box_works(with_mkdocs, tmp_path):
    """Zensical builds the docs/ `digest build` generated, with the same mkdocs.yml. Its site
    gets the digest's search index (written by the generator, not by MkDocs), and the box looks
    and answers as on the MkDocs site: the same sizes closed and open, the same first result."""
    python = python_of("zensical")
    project = tmp_path / "zensical"
    project.mkdir()
    shutil.copy(with_mkdocs / "mkdocs.yml", project)
    shutil.copytree(with_mkdocs / "docs", project / "docs")
    built = run_in(python.parent / "zensical", "build", "-f", "mkdocs.yml", cwd=project)
    assert built.returncode == 0, built.stdout + built.stderr
    site = project / "site"
    page = (site / "index.html").read_text(encoding="utf-8")
    assert '<meta name="generator" content="zensical-' in page
    assert 'href="./assets/material-search.css"' in page
    assert "data-digest-search" in page
    shutil.copytree(with_mkdocs / "site" / "searchindex", site / "searchindex")

    from generator.content.read import read_content

    paper = read_content(with_mkdocs / "content").papers[0]
    mkdocs_closed, mkdocs_open, mkdocs_first, problems = read_search_box(
        with_mkdocs / "site", paper.title)
    assert problems == []
    assert mkdocs_first == f"papers/{paper.name}/"
    closed, opened, first, problems = read_search_box(site, paper.title)
    assert problems == []
    assert first == mkdocs_first
    sizes = {"width", "height", "background"}
    for part in ("form", "input", "icon"):
        assert {k: closed[part][k] for k in sizes} == {k: mkdocs_closed[part][k] for k in sizes}
        assert {k: opened[part][k] for k in sizes} == {k: mkdocs_open[part][k] for k in sizes}
    # Closed, the box sits in the header, its icon inside it; open, the results show below.
    header, form, icon = closed["header"], closed["form"], closed["icon"]
    assert header["top"] <= form["top"] and form["top"] + form["height"] <= header["height"]
    assert form["top"] <= icon["top"] and icon["top"] + icon["height"] <= form["top"] + form["height"]
    assert opened["output"]["height"] > 100 and closed["output"]["height"] == 0
    assert opened["output"]["top"] >= opened["form"]["top"] + opened["form"]["height"]

    # On a phone: the header's button opens the box over the whole page, as on the MkDocs
    # site (as wide as the header: Zensical keeps a scrollbar's gutter, Material does not).
    mkdocs_closed, mkdocs_open, *_ = read_search_box(with_mkdocs / "site", paper.title, 400)
    closed, opened, first, problems = read_search_box(site, paper.title, 400)
    assert (first, problems) == (mkdocs_first, [])
    for part in ("form", "input", "output"):
        assert opened[part] == {**mkdocs_open[part], "width": closed["header"]["width"]}, part

# Material's search rules, for themes that lack them (Zensical): partials/search.html keeps
# Material's markup, and main.html links this file only when Zensical renders the page.

MATERIAL_CSS_HEADER = f"""/* Material for MkDocs {MATERIAL}'s own rules for its search box and results: every rule of
   its main stylesheet whose selector names the search, and the --md-search-* variables. Linked
   by main.html only when Zensical renders the page: Zensical's stylesheets style its own search
   button, not Material's box that partials/search.html keeps. Generated by tests/test_stacks.py
   from the installed Material (DIGEST_UPDATE_GOLDEN=1 pytest tests/test_stacks.py).
   Copyright (c) 2016-2025 Martin Donath; MIT License, as Material for MkDocs. */
"""
ZENSICAL_CSS_FOOTER = """/* Not Material's: below 60em Zensical hides .md-search (its header button opens its own
   dialog there) and its script does not pin the page under an open search box as Material's
   does (body[data-md-scrolllock]); its header's backdrop-filter would make the header, not
   the screen, the frame of the open box (position: fixed). The digest's box is shown, the page
   pinned and the filter dropped while the box is open, so it covers the screen as in Material. */
html:not(.no-js) .md-search[data-digest-search]{display:block}
@media screen and (max-width:59.984375em){body:has(>[data-md-toggle=search]:checked){position:fixed}[data-md-toggle=search]:checked~.md-header{-webkit-backdrop-filter:none;backdrop-filter:none}}
"""


def _skip_string(css: str, i: int) -> int:
    quote, i = css[i], i + 1
    while css[i] != quote:
        i += 2 if css[i] == "\\" else 1
    return i + 1


def _split(text: str, separator: str) -> list[str]:
    """Pieces of `text` between separators outside strings and brackets."""
    pieces, depth, begin, i = [], 0, 0, 0
    while i < len(text):
        char = text[i]
        if char in "\"'":
            i = _skip_string(text, i)
            continue
        depth += (char in "([") - (char in ")]")
        if char == separator and depth == 0:
            pieces.append(text[begin:i])
            begin = i + 1
        i += 1
    return [*pieces, text[begin:]]


def _blocks(css: str) -> list[tuple[str, str]]:
    """(prelude, body) of each top-level block, strings and comments respected."""
    blocks, depth, begin, prelude, i = [], 0, 0, "", 0
    while i < len(css):
        char = css[i]
        if char in "\"'":
            i = _skip_string(css, i)
            continue
        if css.startswith("/*", i):
            i = css.index("*/", i + 2) + 2
            if depth == 0:
                begin = i
            continue
        if char == "{":
            if depth == 0:
                prelude, begin = css[begin:i].strip(), i + 1
            depth += 1
        elif char == "}":
            depth -= 1
            if depth == 0:
                blocks.append((prelude, css[begin:i]))
                begin = i + 1
        elif char == ";" and depth == 0:  # @charset
            begin = i + 1
        i += 1
    return blocks


def search_rules(css: str) -> list[str]:
    """The rules of a stylesheet that style the search (inside @media/@supports as well)."""
    rules = []
    for prelude, body in _blocks(css):
        if prelude.startswith(("@media", "@supports")):
            inner = search_rules(body)
            if inner:
                rules.append(prelude + "{" + "".join(inner) + "}")
        elif not prelude.startswith("@"):
            selectors = [s for s in _split(prelude, ",") if "search" in s]
            variables = [d for d in _split(body, ";") if d.strip().startswith("--md-search")]
            if selectors:
                rules.append(",".join(selectors) + "{" + body + "}")
            elif variables:
                rules.append(prelude + "{" + ";".join(variables) + "}")
    return rules


def render_material_search_css() -> str:
    import material

    sheets = sorted((Path(material.__file__).parent / "templates/assets/stylesheets")
                    .glob("main.*.min.css"))
    assert len(sheets) == 1, sheets
    rules = search_rules(sheets[0].read_text(encoding="utf-8"))
    return MATERIAL_CSS_HEADER + "\n".join(rules) + "\n" + ZENSICAL_CSS_FOOTER


def test_material_search_css_is_materials_search_rules():
    expected = render_material_search_css()
    assert importlib.metadata.version("mkdocs-material") == MATERIAL
    assert ".md-search__form{" in expected and ".md-search-result__link{" in expected
    if Golden.update:
        MATERIAL_SEARCH_CSS.write_text(expected, encoding="utf-8")
    assert MATERIAL_SEARCH_CSS.read_text(encoding="utf-8") == expected, (
        "regenerate with DIGEST_UPDATE_GOLDEN=1 pytest tests/test_stacks.py")
