"""`digest init DIR`: a complete new digest that builds with no papers and after a first import,
names nothing of the LLM Reasoning Digest, never overwrites a file, and whose workflows pass the
same linters as this repository's."""

from __future__ import annotations

import re
import shutil

import pytest
from click.testing import CliRunner

from conftest import LISTINGS, REPO, TODAY, run_digest
from generator import __version__
from test_workflows import run_tool, tool

TITLE = "Diffusion Models Digest"
URL = "https://diffusion-digest.github.io/"
DESCRIPTION = "Research papers on diffusion models for images, video and audio."
OPTIONS = ("--title", TITLE, "--site-url", URL, "--description", DESCRIPTION)
FILES = [
    ".ci/run", ".github/ISSUE_TEMPLATE/config.yml", ".github/ISSUE_TEMPLATE/report-mistake.yml",
    ".github/ISSUE_TEMPLATE/suggest-paper.yml", ".github/dependabot.yml",
    ".github/pull_request_template.md", ".github/workflows/ci.yml",
    ".github/workflows/ingest.yml", ".github/workflows/publish.yml", ".gitignore",
    "CONTRIBUTING.md", "README.md", "content/papers/.gitkeep", "content/scope.yml",
    "content/themes.yml", "mkdocs.yml", "requirements.txt",
]


def files_of(folder) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): p.read_text(encoding="utf-8")
            for p in sorted(folder.rglob("*")) if p.is_file() and ".cache" not in p.parts}


@pytest.fixture(scope="module")
def digest(tmp_path_factory):
    folder = tmp_path_factory.mktemp("init") / "diffusion"
    result = run_digest("init", str(folder), *OPTIONS, cwd=folder.parent)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "".join(f"created    {name}\n" for name in FILES) + (
        f"a new digest in {folder}: cd there, then `digest build` (and `digest import` or "
        "`digest fetch` for its first papers)\n")
    return folder


def test_a_new_digest_has_every_file_and_names_only_itself(digest):
    files = files_of(digest)
    assert sorted(files) == FILES
    for name, text in files.items():
        assert not re.search(r"llm.reasoning", text, re.I), name
    assert (digest / ".ci/run").stat().st_mode & 0o777 == 0o755
    config = files["mkdocs.yml"]
    assert f'site_name: "{TITLE}"\n' in config and f'site_url: "{URL}"\n' in config
    assert 'repo_url: "https://github.com/diffusion-digest/diffusion-digest.github.io"' in config
    assert f'feed_id: "diffusion-digest.github.io,{TODAY[:4]}"' in config
    assert "custom_dir" not in config.replace("set no theme.custom_dir", "")
    assert f'description: "{DESCRIPTION}"' in files["content/scope.yml"]
    assert '- "diffusion models"' in files["content/scope.yml"]
    assert "pip install -r requirements.txt && digest build" in files["README.md"]
    assert re.fullmatch(r"(#.*\n)+paper-digest-generator==\d+\.\d+\.\d+\n",
                        files["requirements.txt"])


def test_a_new_digest_builds_with_no_papers_then_after_an_import(digest, tmp_path):
    folder = tmp_path / "d"
    shutil.copytree(digest, folder)
    assert run_digest("check", cwd=folder).stdout == "content/ is valid: 0 papers, 3 themes\n"
    built = run_digest("build", cwd=folder)
    assert built.returncode == 0 and "Traceback" not in built.stderr, built.stderr
    home = (folder / "site/index.html").read_text()
    assert f"<h1 id=\"diffusion-models-digest\">{TITLE}" in home and DESCRIPTION in home
    assert "No papers yet" in home
    assert f"<generator>{TITLE} (paper-digest-generator, feedgen)</generator>" in (
        folder / "site/feed.xml").read_text()
    for path in folder.joinpath("site").rglob("*"):
        if path.is_file() and path.suffix in (".html", ".xml", ".json"):
            assert not re.search(r"llm.reasoning", path.read_text(), re.I), path
    empty = run_digest("verify", cwd=folder)
    assert (empty.returncode, empty.stderr) == (1, "content/papers/: no papers: refusing to "
                                                "publish an empty digest\nsite/ must not be "
                                                "published\n")
    assert run_digest("verify", "--allow-empty", cwd=folder).stdout == "site/ is complete\n"
    imported = run_digest("import", "--year", "2025", str(LISTINGS / "metadata_block.txt"),
                          cwd=folder)
    assert imported.returncode == 0, imported.stderr
    assert run_digest("check", cwd=folder).stdout == "content/ is valid: 2 papers, 3 themes\n"
    assert run_digest("build", cwd=folder).returncode == 0
    assert run_digest("verify", cwd=folder).stdout == "site/ is complete\n"
    assert "2 papers" in (folder / "site/index.html").read_text()


def test_init_never_overwrites_a_file(tmp_path):
    folder = tmp_path / "d"
    (folder / "content").mkdir(parents=True)
    (folder / "mkdocs.yml").write_text("site_name: Mine\n")
    (folder / "content/themes.yml").write_text("[]\n")
    result = run_digest("init", str(folder), *OPTIONS, cwd=tmp_path)
    assert (result.returncode, result.stderr) == (1, (
        f"{folder}/content/themes.yml: already exists\n{folder}/mkdocs.yml: already exists\n"
        "nothing was created: digest init never overwrites a file\n"))
    assert files_of(folder) == {"content/themes.yml": "[]\n", "mkdocs.yml": "site_name: Mine\n"}


def test_a_folder_that_cannot_be_made_is_one_line(tmp_path):
    (tmp_path / "file").write_text("")
    result = run_digest("init", str(tmp_path / "file/d"), *OPTIONS, cwd=tmp_path)
    assert (result.returncode, result.stderr) == (1, f"{tmp_path}/file/d: Not a directory\n"
                                                  "nothing was created\n")


def test_unusable_values_are_named_and_nothing_is_created(tmp_path):
    result = run_digest("init", str(tmp_path / "d"), "--title", "A <b>Digest</b>", "--site-url",
                        "ftp://example.org/", "--description", " ", cwd=tmp_path)
    assert (result.returncode, result.stderr) == (2, (
        "--title: '<' not allowed (the theme prints it into pages as HTML)\n"
        "--description: must not be empty\n"
        "--site-url: 'ftp://example.org/': only http:// and https:// links are allowed\n"
        "nothing was created\n"))
    assert not (tmp_path / "d").exists()


def test_missing_values_are_required_without_a_terminal(tmp_path):
    result = run_digest("init", str(tmp_path / "d"), "--title", TITLE, cwd=tmp_path)
    assert (result.returncode, result.stderr) == (2, "--site-url: required (no terminal to "
                                                  "ask)\n")
    assert not (tmp_path / "d").exists()


def test_missing_values_are_asked_at_a_terminal(tmp_path, monkeypatch):
    from generator import cli

    monkeypatch.setattr(cli, "_at_terminal", lambda: True)
    monkeypatch.setenv("DIGEST_TODAY", TODAY)
    result = CliRunner().invoke(cli.main, ["init", str(tmp_path / "d"), "--title", TITLE],
                                input=f"https://example.org/digest\n{DESCRIPTION}\n")
    assert result.exit_code == 0, result.output
    assert result.output.startswith("Address of the published site: https://example.org/digest\n"
                                    f"What the digest covers, in one sentence: {DESCRIPTION}\n")
    config = (tmp_path / "d/mkdocs.yml").read_text()
    assert 'site_url: "https://example.org/digest/"' in config and "repo_url" not in config
    assert "contact_links" not in (tmp_path / "d/.github/ISSUE_TEMPLATE/config.yml").read_text()


def test_the_new_digests_workflows_pass_the_repositorys_linters(digest):
    result = run_tool(tool("zizmor"), "--offline", "--strict-collection", "--no-progress",
                      "--format=json", str(digest))
    assert (result.returncode, result.stdout.strip()) == (0, "[]"), result.stderr
    for schema, paths in (("vendor.github-workflows", ["ci.yml", "ingest.yml", "publish.yml"]),
                          ("vendor.dependabot", ["../dependabot.yml"]),
                          ("vendor.github-issue-forms", ["../ISSUE_TEMPLATE/report-mistake.yml",
                                                         "../ISSUE_TEMPLATE/suggest-paper.yml"]),
                          ("vendor.github-issue-config", ["../ISSUE_TEMPLATE/config.yml"])):
        checked = run_tool(tool("check-jsonschema"), "--builtin-schema", schema,
                           *(str(digest / ".github/workflows" / path) for path in paths))
        assert checked.returncode == 0, checked.stdout + checked.stderr


def test_the_new_digests_workflows_are_this_repositorys_but_for_the_install(digest):
    """The workflows are copies: a fix to this repository's must reach the starter's."""
    for name in ("ingest.yml", "publish.yml"):
        ours = (REPO / ".github/workflows" / name).read_text().splitlines()
        theirs = (digest / ".github/workflows" / name).read_text().splitlines()
        changed = [(a, b) for a, b in zip(ours, theirs) if a != b]
        assert len(ours) == len(theirs) and all(
            "pip install -e ." in a and "pip install -r requirements.txt" in b
            or "tests/test_workflows.py" in a for a, b in changed), changed


def test_the_generators_requirement_can_name_where_to_install_it_from(tmp_path):
    wheel = "paper-digest-generator @ https://example.org/paper_digest_generator-0.1.0-py3-none-any.whl"
    result = run_digest("init", str(tmp_path / "d"), *OPTIONS, "--requirement", wheel,
                        cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "d/requirements.txt").read_text().splitlines()[-1] == wheel
    bad = run_digest("init", str(tmp_path / "e"), *OPTIONS, "--requirement",
                     "--index-url=https://evil.example/", cwd=tmp_path)
    assert (bad.returncode, bad.stderr) == (2, (
        "--requirement: '--index-url=https://evil.example/': expected one requirement line, "
        f"like 'paper-digest-generator=={__version__}' or 'paper-digest-generator @ URL'\n"
        "nothing was created\n"))


def test_the_scopes_first_terms_can_be_given(tmp_path):
    result = run_digest("init", str(tmp_path / "d"), *OPTIONS, "--term", "score-based",
                        "--term", " denoising  diffusion ", "--term", "score-based", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    scope = (tmp_path / "d/content/scope.yml").read_text()
    assert '\nterms:\n- "denoising diffusion"\n- "score-based"\n\n' in scope
    empty = run_digest("init", str(tmp_path / "e"), *OPTIONS, "--term", " ", cwd=tmp_path)
    assert (empty.returncode, empty.stderr) == (2, "--term: must not be empty\n"
                                                "nothing was created\n")
