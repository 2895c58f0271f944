"""`digest serve`: serves the site and turns content/ edits into reloaded pages."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request

from conftest import LISTINGS, make_project, run_digest


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def fetch(url: str, want: str, seconds: float = 30) -> str:
    deadline = time.monotonic() + seconds
    body = ""
    while time.monotonic() < deadline:
        try:
            body = urllib.request.urlopen(url, timeout=2).read().decode()
            if want in body:
                return body
        except OSError:
            pass
        time.sleep(0.3)
    raise AssertionError(f"{want!r} not served at {url} within {seconds} s")


def fetch_until(url: str, test, seconds: float = 30) -> str:
    deadline = time.monotonic() + seconds
    body = ""
    while time.monotonic() < deadline:
        try:
            body = urllib.request.urlopen(url, timeout=2).read().decode()
        except OSError:
            body = ""
        if test(body):
            return body
        time.sleep(0.3)
    raise AssertionError(f"not served at {url} within {seconds} s; last:\n{body[:2000]}")


def test_serve_rebuilds_when_content_changes(tmp_path):
    project = make_project(tmp_path / "digest")
    run_digest("import", "--year", "2025", str(LISTINGS / "metadata_block.txt"), cwd=project)
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "generator", "serve", "--dev-addr", f"127.0.0.1:{port}"],
        cwd=project, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        env={**os.environ, "GITHUB_ACTIONS": ""})
    try:
        url = f"http://127.0.0.1:{port}/papers/carft-boosting-llm-reasoning-via-contrastive/"
        fetch(url, "CARFT")
        paper = project / "content/papers/carft-boosting-llm-reasoning-via-contrastive.md"
        paper.write_text(paper.read_text().replace("note: null", "note: Edited while serving."))
        fetch(url, "Edited while serving.")
        # A theme's title (every page naming the theme) and mkdocs.yml (every page).
        themes = project / "content/themes.yml"
        themes.write_text(themes.read_text().replace("title: Other reasoning",
                                                     "title: Other reasoning, renamed"))
        fetch(url, "Other reasoning, renamed")
        config = project / "mkdocs.yml"
        config.write_text(config.read_text().replace("site_name: LLM Reasoning Digest",
                                                     "site_name: Digest Preview"))
        fetch(url, "Digest Preview")
        fetch(f"http://127.0.0.1:{port}/", "Digest Preview")
        # A new paper gets its page.
        (project / "content/papers/added-while-serving.md").write_text(
            "---\ntitle: Added While Serving\nadded: 2025-12-08\nthemes:\n- other\n---\n"
            "An abstract.\n")
        fetch(f"http://127.0.0.1:{port}/papers/added-while-serving/", "Added While Serving")
        # A content error: every page names the file and line, until it is fixed.
        good = paper.read_text()
        paper.write_text(good.replace("upvotes: 3", "upvotes: lots"))
        line = good.split("\n").index("upvotes: 3") + 1
        message = (f"content/papers/carft-boosting-llm-reasoning-via-contrastive.md:{line}: "
                   "upvotes: expected a whole number or null, found &#x27;lots&#x27;")
        for page in (url, f"http://127.0.0.1:{port}/themes/other/"):
            body = fetch_until(page, lambda b: "Content error" in b)
            assert message in body, body
        paper.write_text(good)
        body = fetch_until(url, lambda b: "Edited while serving." in b)
        assert "Content error" not in body
    finally:
        server.terminate()
        server.wait(timeout=10)


def _refuse_to_compile(*args, **kwargs):
    raise AssertionError("compiled again")


def test_the_preview_keeps_the_themes_templates_compiled_between_builds(tmp_path):
    from mkdocs.config import load_config

    from generator.site.serve import Preview

    project = make_project(tmp_path / "digest")
    (project / "docs").mkdir()
    config = load_config(str(project / "mkdocs.yml"))
    preview = Preview(project, print)
    first = preview.on_env(config.theme.get_env(), config, None)
    page = first.get_template("main.html")  # the theme override's main.html, compiled
    # MkDocs makes a new environment for every build: it loads them all without compiling.
    again = preview.on_env(config.theme.get_env(), config, None)
    again.compile = _refuse_to_compile
    assert again.get_template("main.html").blocks.keys() == page.blocks.keys()


def test_the_preview_compiles_an_edited_template_and_keeps_other_syntaxes_apart(tmp_path):
    import jinja2

    from generator.site.serve import Preview

    (tmp_path / "page.html").write_text("{% if 1 %}one{% endif %}")
    preview = Preview(tmp_path, print)

    def env(**settings):
        return preview.on_env(jinja2.Environment(
            loader=jinja2.FileSystemLoader(tmp_path), **settings), None, None)

    assert env().get_template("page.html").render() == "one"
    (tmp_path / "page.html").write_text("{% if 1 %}two{% endif %}<% if 1 %>three<% endif %>")
    assert env().get_template("page.html").render() == "two<% if 1 %>three<% endif %>"
    other = env(block_start_string="<%", block_end_string="%>")
    assert other.get_template("page.html").render() == "{% if 1 %}two{% endif %}three"
    assert other.bytecode_cache is not env().bytecode_cache
    # An autoescape function made at run time: no cache, rather than one shared by mistake.
    assert env(autoescape=jinja2.select_autoescape(["txt"])).bytecode_cache is None
