"""A pull request's files never make the build read, publish or delete outside the project, or
run code: committed symlinks of every kind, special files, a committed cache of pickles."""

from __future__ import annotations

import json
import os
import pickle
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import LISTINGS, make_project, run_digest

SECRET = "Secret Paper From Outside The Repository"
PAPER = f"""---
title: {SECRET}
added: 2025-12-08
themes:
- rl
---
An abstract that must never be published.
"""


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    """The real command line, with a short timeout: nothing here may hang."""
    return subprocess.run([sys.executable, "-m", "generator", *args], cwd=cwd, text=True,
                          capture_output=True, timeout=120,
                          env={**os.environ, "GITHUB_ACTIONS": ""})


@pytest.fixture(scope="module")
def base(tmp_path_factory) -> Path:
    """A digest project with a few imported papers (not built)."""
    project = make_project(tmp_path_factory.mktemp("base") / "digest")
    result = run_digest("import", "--year", "2025", str(LISTINGS / "metadata_block.txt"),
                        cwd=project)
    assert result.returncode == 0, result.stderr
    return project


@pytest.fixture
def repo(base, tmp_path) -> tuple[Path, Path]:
    """A copy of the base project inside a folder with an outside neighbour, as a git clone:
    (project, outside folder holding a file that must survive)."""
    project = tmp_path / "checkout"
    shutil.copytree(base, project, symlinks=True)
    outside = tmp_path / "neighbour"
    outside.mkdir()
    (outside / "keep.txt").write_text("not yours")
    (outside / "paper.md").write_text(PAPER)
    (outside / "papers").mkdir()
    (outside / "papers" / "paper.md").write_text(PAPER)
    return project, outside


def commit(project: Path) -> None:
    """Commit everything, symlinks and ignored files included, as a pull request could."""
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.org"]
    subprocess.run(["git", "init", "-q"], cwd=project, check=True)
    subprocess.run(["git", "add", "-A", "-f", "."], cwd=project, check=True)
    subprocess.run([*git, "commit", "-q", "-m", "pull request"], cwd=project, check=True)


def tree(folder: Path) -> dict[str, str]:
    """Every entry below a folder (links as links), to compare before and after."""
    found = {}
    for path in sorted(folder.rglob("*")):
        key = path.relative_to(folder).as_posix()
        if path.is_symlink():
            found[key] = "-> " + os.readlink(path)
        elif path.is_file():
            found[key] = path.read_text(errors="replace")
        else:
            found[key] = "/"
    return found


def link_docs_to_parent(project, outside):
    (project / "docs").symlink_to("..")


def link_papers_folder(project, outside):
    shutil.rmtree(project / "content/papers")
    (project / "content/papers").symlink_to(outside / "papers")


def link_paper(project, outside):
    (project / "content/papers/x.md").symlink_to(outside / "paper.md")


def link_extras(project, outside):
    (project / ".cache/digest").mkdir(parents=True, exist_ok=True)
    (project / ".cache/digest/extras").symlink_to(outside)


def link_site(project, outside):
    (project / "site").symlink_to(outside)


def link_themes(project, outside):
    theme_file = outside / "themes.yml"
    shutil.copy(project / "content/themes.yml", theme_file)
    (project / "content/themes.yml").unlink()
    (project / "content/themes.yml").symlink_to(theme_file)


def link_dev_zero(project, outside):
    (project / "content/papers/zero.md").symlink_to("/dev/zero")


def link_dangling(project, outside):
    (project / "content/papers/dangling.md").symlink_to(outside / "nothing-here.md")


def link_source(project, outside):
    source = next((project / "content/sources").iterdir())
    source.unlink()
    source.symlink_to(outside / "keep.txt")


def link_content(project, outside):
    shutil.move(project / "content", outside / "content")
    (project / "content").symlink_to(outside / "content")


def link_cache(project, outside):
    shutil.rmtree(project / ".cache", ignore_errors=True)
    (project / ".cache").symlink_to(outside)


SYMLINKS = {
    "docs -> ..": (link_docs_to_parent, "docs"),
    "content/papers itself": (link_papers_folder, "content/papers"),
    "a paper file to a file outside": (link_paper, "content/papers/x.md"),
    "the cache's extras folder": (link_extras, ".cache/digest/extras"),
    "site itself": (link_site, "site"),
    "content/themes.yml": (link_themes, "content/themes.yml"),
    "a paper file to /dev/zero": (link_dev_zero, "content/papers/zero.md"),
    "a dangling paper file": (link_dangling, "content/papers/dangling.md"),
    "a stored source": (link_source, None),  # its name is the listing's
    "content itself": (link_content, "content"),
    ".cache itself": (link_cache, ".cache"),
}


@pytest.mark.parametrize("case", sorted(SYMLINKS))
def test_a_committed_symlink_is_refused_by_check_and_build(repo, case):
    project, outside = repo
    make, shown = SYMLINKS[case]
    make(project, outside)
    if shown is None:
        shown = next((project / "content/sources").iterdir()).relative_to(project).as_posix()
    commit(project)
    before, content = tree(outside), tree(project / "content")
    message = f"{shown}: symlink not allowed"
    check = run("check", cwd=project)
    assert check.returncode == 1 and message in check.stderr.splitlines(), check.stderr
    build = run("build", cwd=project)
    assert build.returncode == 1, build.stdout + build.stderr
    assert message in build.stderr.splitlines(), build.stderr
    assert "nothing was built and site/ is unchanged" in build.stderr or ".cache" in shown
    for result in (check, build):
        assert "Traceback" not in result.stderr
    # Nothing outside was read into an output, changed or deleted; content/ is as committed.
    assert tree(outside) == before
    assert tree(project / "content") == content
    assert not (project / "site").is_dir() or (project / "site").is_symlink()
    for path in project.rglob("*"):
        if path.is_file() and not path.is_symlink() and ".git" not in path.parts:
            assert SECRET not in path.read_text(errors="replace"), path


@pytest.mark.parametrize("case", ["a paper file to a file outside", "content/papers itself",
                                  ".cache itself"])
def test_import_refuses_to_write_through_a_symlink(repo, case):
    project, outside = repo
    make, shown = SYMLINKS[case]
    make(project, outside)
    before = tree(outside)
    result = run("import", "--year", "2025", str(LISTINGS / "upvotes_and_years.txt"),
                 cwd=project)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert f"{shown}: symlink not allowed" in result.stderr.splitlines()[0]
    assert tree(outside) == before


def test_a_symlink_deep_in_the_output_folders_is_refused_and_nothing_deleted(repo):
    project, outside = repo
    assert run("build", cwd=project).returncode == 0
    (project / "docs/papers/evil").symlink_to(outside)
    (project / "site/papers/evil").symlink_to(outside)
    check = run("check", cwd=project)
    assert check.stderr.splitlines()[:2] == ["docs/papers/evil: symlink not allowed",
                                             "site/papers/evil: symlink not allowed"]
    assert check.returncode == 1
    (project / "content/papers" / next((project / "content/papers").iterdir()).name).touch()
    build = run("build", cwd=project)
    assert build.returncode == 1
    assert build.stderr.splitlines()[:2] == check.stderr.splitlines()[:2]
    assert sorted(p.name for p in outside.iterdir()) == ["keep.txt", "paper.md", "papers"]


def make_fifo(path: Path) -> None:
    os.mkfifo(path)


SPECIAL = {
    "FIFO": (make_fifo, "not a regular file (a FIFO)"),
    "directory": (Path.mkdir, "not a regular file (a directory)"),
    "oversized": (lambda path: path.write_text(PAPER + "x" * 1_000_001),
                  "file is larger than 1000000 bytes; refused"),
}


@pytest.mark.parametrize("kind", sorted(SPECIAL))
def test_a_special_file_named_md_is_a_problem_not_a_hang(repo, kind):
    project, _ = repo
    make, message = SPECIAL[kind]
    make(project / "content/papers/x.md")
    for command in ("check", "build"):
        result = run(command, cwd=project)
        assert result.returncode == 1 and "Traceback" not in result.stderr
        assert f"content/papers/x.md: {message}" in result.stderr.splitlines(), result.stderr


@pytest.mark.parametrize("path", ["/dev/zero", "zero-link"])
def test_importing_a_device_is_refused(project, tmp_path, path):
    if path == "zero-link":  # a link the user typed is followed, and still refused
        path = str(tmp_path / "zero.txt")
        os.symlink("/dev/zero", path)
    result = run("import", "--year", "2025", path, cwd=project)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert result.stderr.splitlines()[0] == f"{path}: not a regular file (a character device)"


class Payload:
    """Unpickling this runs `touch <path>`: what a committed cache could do."""

    def __init__(self, path: Path):
        self.path = path

    def __reduce__(self):
        return (os.system, (f"touch {self.path}",))


def test_a_committed_pickle_in_the_cache_is_never_loaded(base, tmp_path):
    project = tmp_path / "digest"
    shutil.copytree(base, project)
    assert run("build", cwd=project).returncode == 0
    pwned = tmp_path / "pwned"
    cache = project / ".cache/digest"
    for name in ("papers", "docs-manifest", "related", "site", "extras"):
        (cache / f"{name}.pickle").write_bytes(pickle.dumps(Payload(pwned)))
        (cache / f"{name}.json").unlink(missing_ok=True)
    commit(project)
    result = run("build", cwd=project)
    assert result.returncode == 0, result.stderr
    assert not pwned.exists()
    assert (project / "site/index.html").is_file()


GARBAGE = ["not json", "[]", '["wrong fingerprint", {}]', "[" * 100_000, "\x00\xff"]


@pytest.mark.parametrize("kind", ["garbage", "this code's stamp, wrong shapes"])
def test_a_corrupt_or_foreign_cache_is_ignored_and_rebuilt(base, tmp_path, kind):
    from generator.site.cache import code_fingerprint

    project = tmp_path / "digest"
    shutil.copytree(base, project)
    assert run("build", cwd=project).returncode == 0
    reference = tree(project / "site")
    cache = project / ".cache/digest"
    for number, path in enumerate(sorted(cache.glob("*.json"))):
        if kind == "garbage":
            data = GARBAGE[number % len(GARBAGE)]
        else:
            data = json.dumps([code_fingerprint(), {"x.md": [[1, 2], [None] * 3],
                                                    "related": 5, "marker": "x"}])
        path.write_text(data)
    (project / "content/papers" / next((project / "content/papers").iterdir()).name).touch()
    result = run("build", cwd=project)
    assert result.returncode == 0 and "Traceback" not in result.stderr, result.stderr
    assert "built site/" in result.stdout
    assert tree(project / "site") == reference


def test_a_cache_entry_of_the_wrong_shape_loads_as_the_default(tmp_path):
    from generator.site.cache import Cache, decode_manifest, decode_parsed, encode_parsed
    from generator.content.read import read_paper

    project = make_project(tmp_path / "digest")
    cache = Cache(project / ".cache/digest")
    paper_file = project / "content/papers/x.md"
    paper_file.write_text(PAPER)
    paper, problems, _ = read_paper(paper_file, project / "content")
    assert problems == []
    cache.save("papers", {"x.md": ((1, 2), paper)}, encode_parsed)
    loaded = cache.load("papers", {}, decode_parsed)
    assert loaded == {"x.md": ((1, 2), paper)} and loaded["x.md"][1].name == "x"
    for wrong in ({"x.md": [[1, 2], ["title"]]}, {"x.md": [[1, "2"], []]}, [],
                  {"x.md": [[1, 2], [5] + [None] * 14]}):
        cache.save("papers", wrong)
        assert cache.load("papers", "default", decode_parsed) == "default"
    cache.save("docs-manifest", {"a.md": ["key", 1, 2]})
    assert cache.load("docs-manifest", {}, decode_manifest) == {"a.md": ("key", 1, 2)}
    cache.save("docs-manifest", {"a.md": ["key", "1", 2]})
    assert cache.load("docs-manifest", {}, decode_manifest) == {}
    assert [p.name for p in cache.folder.iterdir()] == ["docs-manifest.json", "papers.json"]


CONFIG_CODE = {
    "object/apply": ('site_name: !!python/object/apply:os.system ["touch {pwned}"]\n',
                     "mkdocs.yml:1: the tag !!python/object/apply:os.system runs Python code; "
                     "not allowed"),
    "hooks": ("hooks:\n  - evil.py\n",
              "mkdocs.yml:1: hooks: not allowed: it makes MkDocs run or read other files"),
    "a module from the project": ("markdown_extensions:\n  - evil\n",
                                  "mkdocs.yml:2: markdown_extensions: 'evil' is not an "
                                  "installed Markdown extension"),
    "docs_dir": ("docs_dir: ..\n",
                 "mkdocs.yml:1: docs_dir: must be docs (the folder the digest builds)"),
    "ENV": ("site_author: !ENV HOME\n", "mkdocs.yml:1: the tag !ENV is not allowed (no "
                                        "environment variables or paths outside the project)"),
    # Renders docs/papers/x.md as a Jinja template: `{{ lipsum.__globals__.os.popen(...) }}`
    # in an abstract ran at build time.
    "extra_templates": ("extra_templates:\n  - papers/x.md\n",
                        "mkdocs.yml:1: extra_templates: not allowed: it makes MkDocs run or "
                        "read other files"),
    # Copied /etc/hostname into every page.
    "snippets": ("markdown_extensions:\n  - pymdownx.snippets:\n      base_path: [/]\n"
                 "      auto_append: [/etc/hostname]\n",
                 "mkdocs.yml:2: markdown_extensions: 'pymdownx.snippets' not allowed: it copies "
                 "files into the pages"),
    "plugins": ("plugins:\n  - search\n  - material/projects:\n      projects_dir: ..\n",
                "mkdocs.yml:3: plugins: 'material/projects' not allowed (only material/offline, "
                "material/search, material/tags, material/typeset, offline, search, tags, "
                "typeset: others read, write or fetch files outside docs/ and site/)"),
    # Material prints these unescaped: an <img onerror> in every page's footer, a script from
    # another site, a handler attribute on the repository link.
    "copyright": ("copyright: '<img src=x onerror=alert(1)>'\n",
                  "mkdocs.yml:1: copyright: '<' not allowed: the theme prints mkdocs.yml's "
                  "texts into pages as HTML"),
    "extra_javascript": ("extra_javascript:\n  - https://evil.example/x.js\n",
                         "mkdocs.yml:2: extra_javascript: 'https://evil.example/x.js' must be a "
                         "file of the site (a relative path: no other site's script)"),
    "repo_url": ('repo_url: "javascript:alert(1)//"\n',
                 "mkdocs.yml:1: repo_url: 'javascript:alert(1)//': only http:// and https:// "
                 "links are allowed"),
    # shutil.rmtree, imported by Material's blog plugin: toc called it with each heading.
    "a callable of an allowed package": (
        "markdown_extensions:\n  - toc:\n      slugify: "
        "!!python/name:material.plugins.blog.plugin.rmtree\n",
        "mkdocs.yml:3: the tag !!python/name:material.plugins.blog.plugin.rmtree names an object "
        "MkDocs would call; only markdown.extensions.toc.slugify, "
        "markdown.extensions.toc.slugify_unicode, material.extensions.emoji.to_svg, "
        "material.extensions.emoji.twemoji, material.plugins.tags.tag_name, "
        "material.plugins.tags.tag_name_casefold, pymdownx.arithmatex.arithmatex_fenced_format, "
        "pymdownx.arithmatex.arithmatex_inline_format, pymdownx.superfences.fence_code_format, "
        "pymdownx.superfences.fence_div_format are allowed"),
    "nav": ("nav:\n  - Home: index.md\n  - Evil: javascript:alert(1)\n",
            "mkdocs.yml:3: nav: 'javascript:alert(1)': only http:// and https:// links are "
            "allowed"),
    "extra": ("extra:\n  social:\n    - link: javascript:alert(1)\n  digest:\n"
              "    feed_id: x\n",
              "mkdocs.yml:2: extra: 'social' not allowed (only extra.digest: the theme prints "
              "the others into pages and scripts)"),
}


@pytest.mark.parametrize("case", sorted(CONFIG_CODE))
def test_mkdocs_yml_that_would_run_code_is_refused_before_mkdocs_reads_it(project, tmp_path,
                                                                          case):
    pwned = tmp_path / "pwned"
    (project / "evil.py").write_text(f"open({str(pwned)!r}, 'w').close()\n")
    lines, message = CONFIG_CODE[case]
    config = project / "mkdocs.yml"
    text = config.read_text()
    key = lines.split(":")[0]
    if f"\n{key}:" in text:  # replace the existing key
        start = text.index(f"\n{key}:") + 1
        end = text.find("\n", start) + 1 if key.endswith("_url") or key == "docs_dir" else (
            text.find("\n\n", start) + 1 or len(text))
        text = text[:start] + text[end:]
    config.write_text(lines.format(pwned=pwned) + text)
    for command in ("check", "build"):
        result = run(command, cwd=project)
        assert result.returncode == 1 and "Traceback" not in result.stderr
        assert message in result.stderr.splitlines(), result.stderr
    assert not pwned.exists()


def test_a_theme_folder_outside_the_project_is_refused(project, tmp_path):
    config = project / "mkdocs.yml"
    text = config.read_text()
    start = text.index("  custom_dir: ")
    end = text.index("\n", start) + 1
    config.write_text(text[:start] + f"  custom_dir: {tmp_path}\n" + text[end:])
    result = run("build", cwd=project)
    assert result.returncode == 1
    assert result.stderr.splitlines()[0].endswith(
        ": theme.custom_dir: must be a folder inside the project")


def test_a_theme_folder_in_content_is_refused(project, tmp_path):
    # Its main.html is a Jinja template, which runs Python: a content pull request must not
    # bring one.
    pwned = tmp_path / "pwned"
    (project / "content" / "main.html").write_text(
        f"{{{{ lipsum.__globals__.os.popen('touch {pwned}').read() }}}}")
    config = project / "mkdocs.yml"
    text = config.read_text()
    start = text.index("  custom_dir: ")
    end = text.index("\n", start) + 1
    config.write_text(text[:start] + "  custom_dir: content\n" + text[end:])
    result = run("build", cwd=project)
    assert result.returncode == 1 and not pwned.exists()
    assert result.stderr.splitlines()[0] == (
        f"mkdocs.yml:{text[:start].count(chr(10)) + 1}: theme.custom_dir: must not be in "
        "content/, docs/, site/ or .cache/ (its templates run code)")


def test_an_output_folder_committed_as_a_file_is_reported(repo):
    project, _ = repo
    (project / "site").write_text("not a folder")
    for command in ("check", "build"):
        result = run(command, cwd=project)
        assert result.returncode == 1 and "Traceback" not in result.stderr
        assert "site: not a folder (a regular file)" in result.stderr.splitlines()
    assert (project / "site").read_text() == "not a folder"
