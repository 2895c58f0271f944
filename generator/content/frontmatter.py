"""Reading and writing Markdown files with YAML front matter, with file line numbers.

YAML is parsed by libyaml (PyYAML's CSafeLoader) and nothing else: one parse gives both the
values and the node tree whose marks become file line numbers. Untrusted YAML is refused
before it can cost much: files over a size limit, anchors/aliases (the "billion laughs"
expansion) and tags other than the plain safe ones.
"""

from __future__ import annotations

import yaml

from generator.problems import Problem


class NotADate(str):
    """A YAML timestamp that names no real day (2025-02-30); validation reports it."""


# PyYAML's wheels all bundle libyaml; a PyYAML built without it gives the same values, slower.
class Loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):
    """libyaml's safe loader, whose impossible dates become NotADate instead of a crash."""

    def construct_yaml_timestamp(self, node):
        try:
            return super().construct_yaml_timestamp(node)
        except ValueError:
            return NotADate(node.value)


Loader.add_constructor("tag:yaml.org,2002:timestamp", Loader.construct_yaml_timestamp)


class Dumper(getattr(yaml, "CSafeDumper", yaml.SafeDumper)):
    """Safe dumper that writes equal values twice instead of as anchors and aliases."""

    def ignore_aliases(self, data) -> bool:
        return True


MAX_BYTES = 1_000_000  # a paper file is a few KB; anything near this is a mistake or an attack


class FrontMatterError(Exception):
    """A file whose front matter cannot be read at all (one Problem)."""

    def __init__(self, problem: Problem):
        super().__init__(str(problem))
        self.problem = problem


def split_front_matter(text: str, path: str) -> tuple[str, str, int]:
    """Split `---` front matter from the body; returns (yaml, body, first yaml line number)."""
    text = text.lstrip("\ufeff").replace("\r\n", "\n")
    if not text.startswith("---\n"):
        raise FrontMatterError(Problem(path, 1, "", "expected front matter starting with '---'"))
    end = text.find("\n---\n", 3)
    if end == -1 and text.endswith("\n---"):
        end = len(text) - 4
    if end == -1:
        raise FrontMatterError(Problem(path, 1, "", "front matter is not closed by a '---' line"))
    return text[4 : end + 1], text[end + 5 :], 2


def load_yaml(text: str, path: str, first_line: int = 1):
    """Parse YAML text into (value, node); marks in the node are made file line numbers."""
    if len(text.encode("utf-8")) > MAX_BYTES:
        raise FrontMatterError(
            Problem(path, first_line, "", f"YAML is larger than {MAX_BYTES} bytes; refused")
        )
    loader = Loader(text)
    try:
        try:
            node = loader.get_single_node()
        except yaml.YAMLError as exc:
            # Point at where the broken construct starts (an unclosed quote), not where it ended.
            mark = getattr(exc, "context_mark", None) or getattr(exc, "problem_mark", None)
            line = first_line + (mark.line if mark else 0)
            reason = getattr(exc, "problem", None) or str(exc)
            context = getattr(exc, "context", None)
            reason = f"{context}: {reason}" if context else reason
            raise FrontMatterError(Problem(path, line, "", f"invalid YAML: {reason}")) from None
        if node is None:
            return None, None
        # Composed first, so an alias is refused before construction could expand it; an alias
        # is written with a '*', so text without one needs no walk of its nodes.
        if "*" in text:
            _refuse_aliases(node, path, first_line)
        try:
            return loader.construct_document(node), node
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None) or node.start_mark
            reason = getattr(exc, "problem", None) or str(exc)
            raise FrontMatterError(
                Problem(path, first_line + mark.line, "", f"invalid YAML: {reason}")
            ) from None
    finally:
        loader.dispose()


def _refuse_aliases(root, path: str, first_line: int) -> None:
    # A node reached twice is an alias: content never needs one, and expanding them is the bomb.
    seen: set[int] = set()
    stack = [root]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            raise FrontMatterError(
                Problem(path, first_line + node.start_mark.line, "",
                        "YAML anchors and aliases (&, *) are not allowed")
            )
        seen.add(id(node))
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                stack += [key, value]
        elif isinstance(node, yaml.SequenceNode):
            stack += node.value


def key_lines(node, first_line: int) -> dict[str, int]:
    """The file line of each top-level key of a mapping node."""
    if not isinstance(node, yaml.MappingNode):
        return {}
    return {str(k.value): first_line + k.start_mark.line for k, _ in node.value}


def dump_yaml(data) -> str:
    """Dump data as block YAML in the given key order, Unicode kept, one line per scalar."""
    return yaml.dump(
        data, Dumper=Dumper, sort_keys=False, allow_unicode=True, default_flow_style=False,
        width=100_000,
    )


def render_front_matter_file(data: dict, body: str) -> str:
    """A whole Markdown file: front matter, then the body, ending in one newline."""
    body = body.strip("\n")
    return f"---\n{dump_yaml(data)}---\n" + (f"{body}\n" if body else "")
