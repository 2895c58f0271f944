"""The other stacks the digest is built with (README, Supported stacks), each in its own venv.

`properdocs`: the project's dependencies with ProperDocs 1.6.7 in place of MkDocs (MkDocs is
removed after Material pulled it in, so nothing can import the real one). `zensical`: Zensical
0.0.73, plus Material 9.8.1 and MkDocs only because mkdocs.yml names
`material.plugins.tags.tag_name_casefold` (PyYAML imports it while Zensical reads the file).

A venv is made once per requirement list, under $DIGEST_STACKS (default: a folder in the
temporary directory; never under the project, whose build refuses symlinks and a venv has
some). `.ci/run` makes them before the tests (`python tests/stacks.py`), so CI fails, never
skips, when the registry cannot be reached; a developer's test run makes them on first use.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import time
import tomllib
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PROPERDOCS = "1.6.7"
ZENSICAL = "0.0.73"
MATERIAL = "9.8.1"


class StackUnavailable(Exception):
    """The venv could not be made (pip failed: most often, no registry)."""


def _dependencies() -> list[str]:
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    return project["dependencies"]


def requirements(name: str) -> tuple[list[str], list[str]]:
    """What the stack's venv installs, and what it then removes."""
    if name == "properdocs":
        others = [dep for dep in _dependencies() if not dep.replace(" ", "").startswith("mkdocs==")]
        return [f"properdocs=={PROPERDOCS}", *others], ["mkdocs"]
    if name == "zensical":
        return [f"zensical=={ZENSICAL}", f"mkdocs-material=={MATERIAL}"], []
    raise ValueError(f"unknown stack {name!r}")


def stacks_folder() -> Path:
    return Path(os.environ.get("DIGEST_STACKS")
                or Path(tempfile.gettempdir()) / f"digest-stacks-{os.getuid()}")


def stack_python(name: str) -> Path:
    """The Python of the stack's venv, made (once) if missing; StackUnavailable if pip fails."""
    install, remove = requirements(name)
    key = hashlib.sha256(repr((install, remove, sys.version)).encode()).hexdigest()[:12]
    venv = stacks_folder() / f"{name}-{key}"
    python = venv / "bin" / "python"
    if (venv / "complete").is_file():
        return python
    shutil.rmtree(venv, ignore_errors=True)  # a half-made venv from an interrupted run
    venv.parent.mkdir(parents=True, exist_ok=True)
    steps = [[sys.executable, "-m", "venv", str(venv)],
             [str(python), "-m", "pip", "install", "-q", *install]]
    if remove:
        steps.append([str(python), "-m", "pip", "uninstall", "-q", "-y", *remove])
    for step in steps:
        done = subprocess.run(step, capture_output=True, text=True, timeout=900,
                              env={**os.environ, "PIP_DISABLE_PIP_VERSION_CHECK": "1"})
        if done.returncode:
            shutil.rmtree(venv, ignore_errors=True)
            errors = [line for line in done.stderr.splitlines() if "is ignored" not in line]
            raise StackUnavailable(f"{' '.join(step[2:5])}... failed: "
                                   + " | ".join(errors[-3:]))
    (venv / "complete").write_text(" ".join(install), encoding="utf-8")
    return python


def main() -> None:
    """Make every stack's venv, printing how long each took (for .ci/run)."""
    for name in ("properdocs", "zensical"):
        started = time.perf_counter()
        python = stack_python(name)
        print(f"stack {name}: {python} ({time.perf_counter() - started:.1f} s)")


if __name__ == "__main__":
    main()
