"""Whether site/ is already the build of the current inputs, so MkDocs need not run again.

Two stamps, checked in order. The content stamp (every file under content/ by name, size and
modification time, plus mkdocs.yml, the theme overrides and the MkDocs and Material versions) is
taken before anything is read: with 20,000 papers it settles a rebuild with nothing changed in
well under a second. When it differs (a `git checkout` touches files without changing them), the
docs stamp, taken after docs/ is generated (what MkDocs would read, plus the extras' inputs),
still can. The generator's own code is in every cache entry's stamp (cache.py), and the site
marker (inode, size and time of a few files of site/) catches a site/ rebuilt or edited by other
means. Saved only after a complete build has been swapped into place.
"""

from __future__ import annotations

import hashlib
import os
import stat
from importlib.metadata import version
from pathlib import Path

from generator.site.cache import Cache, decode_manifest
from generator.files import is_regular_file, read_file

MARKER_FILES = ("index.html", "sitemap.xml", "searchindex/index.json")
THEME_FILE_BYTES = 50_000_000  # a theme override is a few KB


def files_stat(folder: Path) -> list[tuple[str, int, int]]:
    """Every file under folder as (path, size, modification time), sorted; nothing is read."""
    if os.path.islink(folder) or not folder.is_dir():
        return []
    found = []
    stack = [folder]
    while stack:
        with os.scandir(stack.pop()) as entries:
            for entry in entries:
                if entry.is_dir(follow_symlinks=False):
                    stack.append(Path(entry.path))
                else:  # a symlink as itself: never followed (the build refuses it anyway)
                    info = entry.stat(follow_symlinks=False)
                    found.append((entry.path, info.st_size, info.st_mtime_ns))
    return sorted(found)


def _setup(project: Path, config) -> list:
    """What besides content/ and docs/ shapes the site."""
    custom_dir = config["theme"].custom_dir
    theme = [(path.as_posix(), read_file(path, THEME_FILE_BYTES))
             for path in sorted(Path(custom_dir).rglob("*")) if is_regular_file(path)
             ] if custom_dir else []
    # The MkDocs that runs, by module: ProperDocs answers `import mkdocs` with itself (its
    # `properdocs.replacement`) and leaves no "mkdocs" distribution to ask for a version.
    import mkdocs

    return [read_file(project / "mkdocs.yml", THEME_FILE_BYTES), theme,
            (mkdocs.__name__, mkdocs.__version__), version("mkdocs-material")]


def content_stamp(project: Path, config) -> str:
    """content/ as files on disk (not read), and the setup."""
    content = files_stat(project / "content")
    return hashlib.sha256(repr((content, _setup(project, config))).encode()).hexdigest()


def docs_stamp(project: Path, config, inputs: str) -> str:
    """docs/ as last written (its manifest), the extras' inputs, and the setup."""
    manifest = Cache(project / ".cache" / "digest").load("docs-manifest", {}, decode_manifest)
    return hashlib.sha256(repr((sorted(manifest.items()), inputs, _setup(project, config))
                               ).encode()).hexdigest()


def _site_marker(site: Path) -> tuple | None:
    """Inode, size and time of a few files of site/ (None unless each is a regular file)."""
    try:
        found = [os.lstat(site / name) for name in MARKER_FILES]
    except OSError:
        return None
    if os.path.islink(site) or not all(stat.S_ISREG(s.st_mode) for s in found):
        return None
    return tuple((s.st_ino, s.st_size, s.st_mtime_ns) for s in found)


def current_site(project: Path, kind: str, stamp: str) -> str | None:
    """The report of the build site/ holds, if it was built from inputs with this stamp."""
    saved = Cache(project / ".cache" / "digest").load("site", None)
    if (not isinstance(saved, dict) or saved.get(kind) != stamp
            or not isinstance(saved.get("report"), str)):
        return None
    marker = _site_marker(project / "site")
    if marker is None or marker != _as_marker(saved.get("marker")):
        return None
    return saved["report"]


def _as_marker(value) -> tuple | None:
    """A marker as saved in JSON (lists) back as _site_marker's tuples; None if malformed."""
    try:
        marker = tuple(tuple(int(n) for n in item) for item in value)
    except (TypeError, ValueError):
        return None
    return marker if len(marker) == len(MARKER_FILES) else None


def save_site(project: Path, report: str, content: str, docs: str) -> None:
    """Record the stamps of the build now in site/."""
    Cache(project / ".cache" / "digest").save("site", {
        "content": content, "docs": docs, "report": report,
        "marker": _site_marker(project / "site")})
