"""A persistent cache under .cache/digest/ that makes a rebuild with nothing changed cheap.

Each entry is a pickle stamped with a fingerprint of the code that produced it, so a change to
the generator (or its templates) invalidates it; deleting the folder is always safe. The cache
holds derived data only: content/ stays the single source of truth.
"""

from __future__ import annotations

import functools
import hashlib
import pickle
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent


@functools.lru_cache(maxsize=None)
def code_fingerprint() -> str:
    """A hash of the generator's own code and templates."""
    digest = hashlib.sha256()
    for path in sorted(PACKAGE.rglob("*")):
        if path.is_file() and path.suffix in (".py", ".j2", ".html", ".css", ".js"):
            digest.update(path.relative_to(PACKAGE).as_posix().encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


class Cache:
    """Named pickles in one folder, each valid only for the code fingerprint it was made with."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.fingerprint = code_fingerprint()

    def load(self, name: str, default):
        try:
            with open(self.folder / f"{name}.pickle", "rb") as handle:
                stamp, value = pickle.load(handle)
        except (OSError, pickle.PickleError, EOFError, AttributeError, ValueError, TypeError,
                ImportError):
            return default
        return value if stamp == self.fingerprint else default

    def save(self, name: str, value) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        temporary = self.folder / f".{name}.pickle.tmp"
        with open(temporary, "wb") as handle:
            pickle.dump((self.fingerprint, value), handle, protocol=pickle.HIGHEST_PROTOCOL)
        temporary.replace(self.folder / f"{name}.pickle")
