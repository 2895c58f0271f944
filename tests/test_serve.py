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
    finally:
        server.terminate()
        server.wait(timeout=10)
