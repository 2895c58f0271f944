"""Progress lines for long runs, shown only to a person at a terminal (quiet when piped)."""

from __future__ import annotations

import sys
import time


class Progress:
    """Call with (done, total, label); redraws one stderr line at most ten times a second."""

    def __init__(self, stream=None):
        self.stream = stream or sys.stderr
        self.enabled = self.stream.isatty()
        self.last = 0.0

    def __call__(self, done: int, total: int, label: str) -> None:
        if not self.enabled or total < 500:
            return
        now = time.monotonic()
        if done < total and now - self.last < 0.1:
            return
        self.last = now
        end = "\n" if done >= total else ""
        self.stream.write(f"\r{label}: {done}/{total}{end}")
        self.stream.flush()
