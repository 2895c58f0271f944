"""Any digest folder: the mkdocs.yml settings the generator needs are reported by `digest
check` and `digest build` as `mkdocs.yml:line: ...`, the theme overrides come from the package
when mkdocs.yml names no custom_dir, and `digest verify` refuses a site without its search
box, a feed or a feed link."""

from __future__ import annotations

import re
import shutil

import pytest

from conftest import LISTINGS, make_project, run_digest

MINIMAL = """site_name: Snail Digest
site_url: https://snails.example/
theme:
  name: material
extra:
  digest:
    feed_id: snails.example,2026
"""
MISSING = [
    "mkdocs.yml: extra_css: 'assets/a11y.css' missing (the search box's and charts' contrast "
    "and focus styles)",
    "mkdocs.yml: extra_css: 'assets/digest.css' missing (the pages' styles)",
    "mkdocs.yml: extra_javascript: 'assets/digest-search.js' missing (the search box's script)",
    "mkdocs.yml: plugins: 'tags' missing (the Tags page lists the papers by tag with it)",
]


def test_the_settings_a_digest_needs_are_reported_by_check_and_build(project):
    (project / "mkdocs.yml").write_text(MINIMAL)
    check = run_digest("check", cwd=project)
    assert (check.returncode, check.stderr) == (1, "\n".join(MISSING) + "\n4 problem(s)\n")
    build = run_digest("build", cwd=project)
    assert (build.returncode, build.stderr) == (1, "\n".join(MISSING) + (
        "\n4 problem(s) in mkdocs.yml: settings the digest needs; nothing was built and site/ "
        "is unchanged\n"))
    assert not (project / "site").exists()


def test_each_missing_setting_names_its_line(project):
    (project / "mkdocs.yml").write_text(
        "site_name: Snail Digest\nsite_url: /snails/\ntheme:\n  name: mkdocs\n"
        "plugins:\n  - material/search\n  - material/tags\n"
        "extra_javascript:\n  - assets/digest-search.js\n"
        "extra_css:\n  - path: assets/digest.css\n  - assets/a11y.css\n")
    check = run_digest("check", cwd=project)
    assert check.stderr == (
        "mkdocs.yml: extra.digest.feed_id: the feed item id authority is missing\n"
        "mkdocs.yml:2: site_url: feeds need the site's absolute address\n"
        "mkdocs.yml:4: theme.name: must be material (the generator's theme overrides extend "
        "Material for MkDocs)\n3 problem(s)\n")
    (project / "mkdocs.yml").write_text(MINIMAL + "plugins:\n  - tags\n")
    check = run_digest("check", cwd=project)
    assert "mkdocs.yml:8: plugins: 'search' missing (Material shows the search box only with " \
           "its search plugin)" in check.stderr.splitlines()


def test_the_theme_overrides_come_from_the_package(project):
    config = project / "mkdocs.yml"
    text = config.read_text()
    config.write_text(re.sub(r"\n  custom_dir: .*\n", "\n", text))
    assert "custom_dir" not in config.read_text()
    run_digest("import", "--year", "2025", str(LISTINGS / "metadata_block.txt"), cwd=project)
    assert run_digest("build", cwd=project).returncode == 0
    home = (project / "site/index.html").read_text()
    assert "data-digest-search" in home and 'type="application/atom+xml"' in home
    assert run_digest("verify", cwd=project).stdout == "site/ is complete\n"


def test_digest_serve_uses_the_packages_theme_overrides_too(project):
    import os
    import subprocess
    import sys

    from test_serve import fetch, free_port

    config = project / "mkdocs.yml"
    config.write_text(re.sub(r"\n  custom_dir: .*\n", "\n", config.read_text()))
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "generator", "serve", "--dev-addr", f"127.0.0.1:{port}"],
        cwd=project, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        env={**os.environ, "GITHUB_ACTIONS": ""})
    try:
        assert 'type="application/rss+xml"' in fetch(f"http://127.0.0.1:{port}/",
                                                      "data-digest-search")
    finally:
        server.terminate()
        server.wait(timeout=30)


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    project = make_project(tmp_path_factory.mktemp("verify") / "digest")
    run_digest("import", "--year", "2025", str(LISTINGS / "metadata_block.txt"), cwd=project)
    assert run_digest("build", cwd=project).returncode == 0
    assert run_digest("verify", cwd=project).stdout == "site/ is complete\n"
    return project


def _remove(path: str):
    return lambda site: (site / path).unlink()


def _edit(path: str, old: str, new: str = ""):
    def edit(site):
        text = (site / path).read_text()
        assert old in text
        (site / path).write_text(text.replace(old, new))
    return edit


BROKEN = {
    "search script": (_remove("assets/digest-search.js"),
                      "site/assets/digest-search.js: missing (the search box's script and styles "
                      "come from the generator's theme overrides)"),
    "search script not loaded": (_edit("index.html", 'src="assets/digest-search.js"',
                                       'src="x.js"'),
                                 "site/index.html: does not load assets/digest-search.js "
                                 "(mkdocs.yml: extra_javascript)"),
    "search box": (_edit("index.html", "data-digest-search", "data-x"),
                   "site/index.html: no search box (the generator's theme overrides were not "
                   "used: theme.custom_dir)"),
    "theme feed": (_remove("atom-rl.xml"), "site/atom-rl.xml: missing"),
    "feed not XML": (_edit("feed.xml", "<rss", "<<rss"), None),
    "JSON feed without items": (lambda site: (site / "feed.json").write_text("{}"),
                                "site/feed.json: not a JSON Feed (no items list)"),
    "home feed link": (_edit("index.html", 'href="feed.json"', 'href="other.json"'),
                       'site/index.html: no <link rel="alternate" type="application/feed+json"> '
                       "to feed.json"),
    "theme feed link": (_edit("themes/rl/index.html", 'href="../../feed-rl.xml"'),
                        'site/themes/rl/index.html: no <link rel="alternate" '
                        'type="application/rss+xml"> to feed-rl.xml'),
}


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_verify_refuses_a_site_without_its_search_feeds_or_feed_links(built, tmp_path, case):
    project = tmp_path / "digest"
    shutil.copytree(built, project, symlinks=True)
    breaking, message = BROKEN[case]
    breaking(project / "site")
    result = run_digest("verify", cwd=project)
    assert result.returncode == 1
    problems = result.stderr.splitlines()
    assert problems[-1] == "site/ must not be published"
    if message is None:
        assert len(problems) == 2 and problems[0].startswith("site/feed.xml: not XML: ")
    else:
        assert problems == [message, "site/ must not be published"]
