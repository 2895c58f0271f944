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

from conftest import REPO, TODAY, make_project, run_digest
from stacks import PROPERDOCS, StackUnavailable, stack_python


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


def test_properdocs_builds_the_same_site_apart_from_the_generator_tag(tmp_path):
    python = python_of("properdocs")
    found = run_in(python, "-c", "import importlib.util as u; print(u.find_spec('mkdocs'))",
                   cwd=tmp_path)
    assert found.stdout.strip() == "None", "the ProperDocs venv must not hold MkDocs"
    with_mkdocs = copy_of_digest(tmp_path / "mkdocs")
    with_properdocs = copy_of_digest(tmp_path / "properdocs")
    built = run_digest("build", cwd=with_mkdocs)
    assert built.returncode == 0, built.stderr
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
