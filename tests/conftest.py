"""Shared test helpers: a throw-away digest project, the real CLI, golden files.

Regenerate every golden file on purpose with:  DIGEST_UPDATE_GOLDEN=1 pytest
then review the diff like code.
"""

from __future__ import annotations

import difflib
import http.server
import os
import shutil
import subprocess
import sys
import threading
from contextlib import contextmanager
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
LISTINGS = FIXTURES / "listings"
GOLDEN = Path(__file__).resolve().parent / "golden"
SEEDS = REPO.parent / "shared" / "seeds"


# "Today" for every command a test runs: no test depends on the machine's clock.
TODAY = "2030-06-30"  # later than every fixture day, so none is "in the future"


def run_digest(*args: str, cwd: Path, env: dict | None = None) -> subprocess.CompletedProcess:
    """The real entry point (`python -m generator`), as a reader of the README would run it."""
    return subprocess.run(
        [sys.executable, "-m", "generator", *args], cwd=cwd, capture_output=True, text=True,
        env={**os.environ, "GITHUB_ACTIONS": "", "DIGEST_TODAY": TODAY, **(env or {})},
        timeout=600,
    )


def make_project(root: Path, themes: Path = FIXTURES / "sample" / "themes.yml") -> Path:
    """A digest project with the fixture mkdocs.yml, the repository's theme, an empty content/."""
    root.mkdir(parents=True, exist_ok=True)
    config = (FIXTURES / "sample" / "mkdocs.yml").read_text(encoding="utf-8")
    # No generator/ folder here: it would shadow the installed package for `python -m`.
    config = config.replace("custom_dir: generator/site/theme",
                            f"custom_dir: {REPO / 'generator' / 'site' / 'theme'}")
    (root / "mkdocs.yml").write_text(config, encoding="utf-8")
    (root / "content" / "papers").mkdir(parents=True)
    shutil.copy(themes, root / "content" / "themes.yml")
    return root


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return make_project(tmp_path / "digest")


class Golden:
    """Compare text with tests/golden/<name>; DIGEST_UPDATE_GOLDEN=1 rewrites it."""

    update = os.environ.get("DIGEST_UPDATE_GOLDEN") == "1"

    def check(self, name: str, text: str) -> None:
        path = GOLDEN / name
        if self.update:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
            return
        assert path.is_file(), f"missing golden file {path}; run DIGEST_UPDATE_GOLDEN=1 pytest"
        expected = path.read_text(encoding="utf-8")
        if text != expected:
            diff = "".join(difflib.unified_diff(
                expected.splitlines(True), text.splitlines(True), f"golden/{name}", "actual"))
            pytest.fail(f"output differs from golden/{name}:\n{diff}")

    def names(self, *folders: str) -> list[str]:
        """Every golden file under these folders, as names for check()."""
        return sorted(p.relative_to(GOLDEN).as_posix() for folder in folders
                      for p in (GOLDEN / folder).rglob("*") if p.is_file())

    def remove(self, names: list[str]) -> None:
        for name in names:
            (GOLDEN / name).unlink()


@pytest.fixture
def golden() -> Golden:
    return Golden()


class JsonAnswers(http.server.BaseHTTPRequestHandler):
    """A recorded JSON API: a subclass's `answer(path)` gives (status, body) for each GET, and
    every path asked for is kept in `requests`, for the test to check what was requested."""

    requests: list[str] = []

    def answer(self, path: str) -> tuple[int, bytes]:
        raise NotImplementedError

    def do_GET(self):  # noqa: N802 (http.server's naming)
        type(self).requests.append(self.path)
        status, body = self.answer(self.path)
        if status != 200:
            self.send_error(status, "recorded failure")
            return
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@contextmanager
def serve_answers(handler: type[JsonAnswers], path: str):
    """Serve a JsonAnswers class on 127.0.0.1 (a free port); yields the endpoint's URL."""
    handler.requests = []
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}{path}"
    finally:
        server.shutdown()
        server.server_close()
