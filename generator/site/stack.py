"""Which MkDocs the build runs: ProperDocs when it is installed, else MkDocs.

ProperDocs (a maintained fork of MkDocs 1.x, the `properdocs` package) is a drop-in: its own
`properdocs.replacement` makes every `import mkdocs...` (ours, Material's, any plugin's) load
ProperDocs' module of the same name, and it ignores the entry points of an MkDocs installed
beside it (Material's dependency pulls MkDocs in). Installing ProperDocs is the switch: the
build then runs unchanged through `mkdocs.commands.build.build`, and only the pages' generator
tag tells the two sites apart (README, Supported stacks). Nothing else in generator/ names it.
"""

from __future__ import annotations

import sys
from importlib.util import find_spec


def select_mkdocs() -> str:
    """Make `import mkdocs` load ProperDocs when it is installed; the package it loads."""
    if "mkdocs" not in sys.modules and find_spec("properdocs") is not None:
        import properdocs.replacement  # noqa: F401  (installs ProperDocs' import alias)
    module = sys.modules.get("mkdocs")
    return module.__name__ if module is not None else "mkdocs"
