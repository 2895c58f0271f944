"""A persistent cache under .cache/digest/ that makes a rebuild with nothing changed cheap.

Each entry is a JSON file stamped with a fingerprint of the code that produced it, so a change
to the generator (or its templates) invalidates it; deleting the folder is always safe. The
cache holds derived data only: content/ stays the single source of truth.

JSON, never pickle: a pull request can commit a file here (`git add -f` ignores .gitignore),
and loading a pickle runs whatever it names. An entry that is unreadable, from other code, or
not of the shape its reader expects is ignored (the data is computed again), never an error.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
from collections.abc import Callable
from pathlib import Path

from generator import model
from generator.files import real_folder, read_file
from generator.model import Paper
from generator.site import output

PACKAGE = Path(__file__).resolve().parent.parent  # the whole generator package
MAX_ENTRY_BYTES = 1 << 30  # the parse cache of 20,000 papers is about 40 MB


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
    """Named JSON entries in one folder, each valid only for the code fingerprint it was made
    with."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.fingerprint = code_fingerprint()

    def load(self, name: str, default, decode: Callable | None = None):
        """The entry's value (through `decode`, which raises on a wrong shape), or `default`."""
        try:
            stamp, value = json.loads(read_file(self.folder / f"{name}.json", MAX_ENTRY_BYTES))
            if stamp != self.fingerprint:
                return default
            return decode(value) if decode is not None else value
        except (OSError, ValueError, TypeError, KeyError, AttributeError, RecursionError):
            return default

    def save(self, name: str, value, encode: Callable | None = None) -> None:
        """Write the entry atomically (site/output.py's replace_file)."""
        data = json.dumps([self.fingerprint, encode(value) if encode is not None else value],
                          ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        # .cache/digest, made as real folders: never a symlink to write through.
        folder = real_folder(self.folder.parents[1], "/".join(self.folder.parts[-2:]))
        output.replace_file(folder / f"{name}.json", data)


# Shapes of the entries, checked on loading: a value of any other shape raises, and the entry is
# ignored like any stale one.

def _expect(ok: bool) -> None:
    if not ok:
        raise ValueError("cache entry of an unexpected shape")


_DATES = {f.name for f in model.record_fields(Paper)
          if model.check_type(model.field_types(Paper)[f.name], dt.date(2000, 1, 1))}


def encode_parsed(parsed: dict) -> dict:
    """The parse cache ({file name: (size and mtime, Paper)}) as JSON data."""
    fields = [f.name for f in model.record_fields(Paper)]
    return {name: [list(stamp), [getattr(paper, f) if f not in _DATES or getattr(paper, f) is None
                                 else getattr(paper, f).isoformat() for f in fields]]
            for name, (stamp, paper) in parsed.items()}


def decode_parsed(data: dict) -> dict:
    """encode_parsed's data back as Papers, each field checked against its declared type."""
    fields = [f.name for f in model.record_fields(Paper)]
    hints = model.field_types(Paper)
    checks = [model._checker(hints[f]) for f in fields]
    parsed = {}
    _expect(isinstance(data, dict))
    for name, (stamp, values) in data.items():
        _expect(len(values) == len(fields) and len(stamp) == 2
                and all(type(v) is int for v in stamp))
        values = [dt.date.fromisoformat(v) if f in _DATES and v is not None else v
                  for f, v in zip(fields, values)]
        _expect(all(check(v) for check, v in zip(checks, values)))
        paper = Paper(**dict(zip(fields, values)))
        paper.name = name.removesuffix(".md")
        parsed[name] = (tuple(stamp), paper)
    return parsed


def decode_manifest(data: dict) -> dict:
    """A write manifest ({path: (key, size, mtime)}), checked."""
    _expect(isinstance(data, dict))
    manifest = {}
    for path, (key, size, mtime) in data.items():
        _expect(isinstance(key, (str, type(None))) and type(size) is int and type(mtime) is int)
        manifest[path] = (key, size, mtime)
    return manifest
