"""Problems found in input: collected with file and line, printed together like a compiler's."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass

# Messages quote untrusted values: characters a terminal or a CI log would obey (escape
# sequences, carriage returns, bidirectional overrides) or cannot print (lone surrogates) are
# written as escapes instead.
_UNPRINTABLE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


def _printable(text: str) -> str:
    return _UNPRINTABLE.sub(lambda m: ascii(m.group())[1:-1], text)


@dataclass(frozen=True, order=True)
class Problem:
    """One mistake in one file: `path:line: field: message`."""

    path: str
    line: int
    field: str
    message: str

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        return _printable(f"{where}: {self.field}: {self.message}" if self.field
                          else f"{where}: {self.message}")

    def annotation(self) -> str:
        """The GitHub Actions workflow command that marks this problem on the pull request."""
        text = _printable(f"{self.field}: {self.message}" if self.field else self.message)
        text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
        line = f",line={self.line}" if self.line else ""
        return f"::error file={self.path}{line}::{text}"


class BuildError(Exception):
    """A build or check that stopped; its message says why (and that site/ was left untouched)."""


def format_problems(problems: list[Problem]) -> str:
    """All problems, one per line, plus GitHub annotations when running under Actions."""
    lines = [str(p) for p in problems]
    if os.environ.get("GITHUB_ACTIONS") == "true":
        lines += [p.annotation() for p in problems]
    return "\n".join(lines)
