"""The generator as an installed tool: its wheel, installed (not editable) into a fresh virtual
environment outside the source tree, starts a digest with `digest init`, builds it with no
papers, imports a listing, builds and verifies it, and Chromium searches it. Nothing of the
source tree is on the path: the theme overrides, page templates and starter files all come
from the installed package.

The environment gets the dependencies from the one running the tests (a `.pth` file naming its
site-packages: no download), and the wheel is built without build isolation (the test extra
installs setuptools).
"""

from __future__ import annotations

import email.parser
import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

from conftest import LISTINGS, REPO, TODAY

TITLE = "Diffusion Models Digest"


def run(*args, cwd: Path, env: dict) -> subprocess.CompletedProcess:
    result = subprocess.run([str(arg) for arg in args], cwd=cwd, env=env, capture_output=True,
                            text=True, timeout=600)
    assert result.returncode == 0, f"{args}\n{result.stdout}\n{result.stderr}"
    assert "Traceback" not in result.stderr, result.stderr
    return result


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """(the wheel, the environment's bin/ folder, the environment variables to run it with)."""
    root = tmp_path_factory.mktemp("install")
    source = root / "source"  # a copy: building writes build/ and egg-info beside the sources
    source.mkdir()
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        shutil.copy(REPO / name, source / name)
    shutil.copytree(REPO / "generator", source / "generator",
                    ignore=shutil.ignore_patterns("__pycache__"))
    env = {key: value for key, value in os.environ.items()
           if key not in ("PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME")}
    env.update(PIP_DISABLE_PIP_VERSION_CHECK="1", PIP_NO_INPUT="1", NO_MKDOCS_2_WARNING="1",
               DIGEST_TODAY=TODAY, GITHUB_ACTIONS="")
    run(sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index",
        "-w", root / "dist", source, cwd=root, env=env)
    wheel, = (root / "dist").glob("*.whl")
    venv = root / "venv"
    run(sys.executable, "-m", "venv", "--without-pip", venv, cwd=root, env=env)
    site, = (venv / "lib").glob("python*/site-packages")
    (site / "dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    run(sys.executable, "-m", "pip", "--python", venv / "bin" / "python", "install", "--no-deps",
        "--no-index", wheel, cwd=root, env=env)
    env["PATH"] = f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    return wheel, venv / "bin", env


def test_the_wheel_carries_its_license_metadata_and_package_files(installed):
    wheel, _, _ = installed
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        info = next(name for name in names if name.endswith(".dist-info/METADATA"))
        metadata = email.parser.Parser().parsestr(archive.read(info).decode())
        entry_points = archive.read(info.replace("METADATA", "entry_points.txt")).decode()
    assert metadata["Name"] == "paper-digest-generator"
    assert metadata["License-Expression"] == "MIT"
    assert metadata["Summary"].startswith("Static site generator for curated digests")
    assert any(url.startswith("Source, https://github.com/") for url in
               metadata.get_all("Project-URL"))
    assert "Framework :: MkDocs" in metadata.get_all("Classifier")
    assert any(name.endswith(".dist-info/licenses/LICENSE") for name in names)
    assert {"generator/site/theme/main.html", "generator/site/theme/partials/search.html",
            "generator/site/theme/assets/digest-search.js", "generator/render/templates/home.md.j2",
            "generator/site/starter_files/mkdocs.yml.j2",
            "generator/site/starter_files/_github/workflows/ci.yml",
            "generator/site/starter_files/_ci/run"} <= names
    assert not any(name.startswith(("tests/", "content/", "benchmarks/")) for name in names)
    assert "digest = generator.cli:main" in entry_points
    assert "paper-digest-generator = generator.cli:main" in entry_points


def test_an_installed_digest_command_starts_builds_and_verifies_a_digest(installed, tmp_path):
    _, bin_folder, env = installed
    where = run(bin_folder / "python", "-c", "import generator; print(generator.__file__)",
                cwd=tmp_path, env=env).stdout.strip()
    assert Path(where).is_relative_to(bin_folder.parent) and not Path(where).is_relative_to(REPO)
    version = run("digest", "--version", cwd=tmp_path, env=env).stdout
    assert version.startswith("digest (paper-digest-generator) ")
    assert run("paper-digest-generator", "-h", cwd=tmp_path, env=env).stdout.startswith("Usage: ")
    run("digest", "init", "diffusion", "--title", TITLE, "--site-url",
        "https://diffusion-digest.github.io/", "--description",
        "Research papers on diffusion models.", cwd=tmp_path, env=env)
    folder = tmp_path / "diffusion"
    assert run("digest", "check", cwd=folder, env=env).stdout == (
        "content/ is valid: 0 papers, 3 themes\n")
    run("digest", "build", cwd=folder, env=env)
    run("digest", "verify", "--allow-empty", cwd=folder, env=env)
    run("digest", "import", "--year", "2025", LISTINGS / "metadata_block.txt", cwd=folder,
        env=env)
    run("digest", "build", cwd=folder, env=env)
    assert run("digest", "verify", cwd=folder, env=env).stdout == "site/ is complete\n"
    home = (folder / "site/index.html").read_text()
    assert TITLE in home and "data-digest-search" in home  # the package's theme overrides
    assert 'href="feed.xml"' in home
    read_site_as_a_reader(folder / "site")


def read_site_as_a_reader(site: Path) -> None:
    """In Chromium: the search box, styled by the package's CSS, finds an imported paper, and
    a theme page advertises its own feeds."""
    from browser import chromium, search, serve_folder

    with serve_folder(site) as base, chromium() as browser:
        page = browser.new_page()
        errors = []
        page.on("console", lambda message: errors.append(message.text)
                if message.type == "error" else None)
        page.goto(base)
        assert page.locator("h1").first.inner_text().rstrip("¶") == TITLE
        results = search(page, "contrastive")
        assert "CARFT" in results.first.inner_text()
        # Material's stylesheet and the digest's: the box is Material's, not an unstyled form.
        assert page.eval_on_selector(".md-search__form", "e => getComputedStyle(e).height") \
            == "36px"  # Material: 1.8rem
        theme = page.goto(base + "themes/methods/")
        assert page.locator("h1").first.inner_text().rstrip("¶") == "Methods"
        for href in ("../../feed-methods.xml", "../../atom-methods.xml", "../../feed-methods.json"):
            assert f'href="{href}"' in theme.text()
            feed = page.request.get(base + href.removeprefix("../../"))
            assert feed.ok and b"CARFT" in feed.body()
        assert errors == []
