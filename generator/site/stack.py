"""Which MkDocs the build runs: MkDocs itself when it is installed, else ProperDocs.

ProperDocs (a maintained fork of MkDocs 1.x, the `properdocs` package) is a drop-in: its own
`properdocs.replacement` makes every `import mkdocs...` (ours, Material's, any plugin's) load
ProperDocs' module of the same name. The build then runs unchanged through
`mkdocs.commands.build.build`; only the page's generator tag tells the two apart (README,
Supported stacks). Nothing else in generator/ names ProperDocs.
"""

from __future__ import annotations

from importlib.util import find_spec


def select_mkdocs() -> str:
    """Make `import mkdocs` load ProperDocs if MkDocs is not installed; the package it loads."""
    if find_spec("mkdocs") is None and find_spec("properdocs") is not None:
        import properdocs.replacement  # noqa: F401  (installs ProperDocs' import alias)

        return "properdocs"
    return "mkdocs"
