"""Reading and writing Markdown files with YAML front matter, with file line numbers.

Untrusted YAML is refused before it can cost much: files over a size limit, anchors/aliases
(the "billion laughs" expansion) and tags other than the plain safe ones.
"""

from __future__ import annotations

import datetime as dt
import re

import yaml

from generator.problems import Problem



class NotADate(str):
    """A YAML timestamp that names no real day (2025-02-30); validation reports it."""


class Loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):
    """Safe loader whose impossible dates become NotADate instead of a crash."""

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


# Could the text hold an anchor or alias? (False positives just take the slow, exact path.)
MAYBE_ALIAS = re.compile(r"(?:^|[\s\[{,:])[&*]")


# The front matter the generator itself writes: `key: scalar` lines and `- scalar` list items.
_KEY_LINE = re.compile(r"([a-z_]+):(?: (.*))?")
_INT = re.compile(r"0|-?[1-9][0-9]*")
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_SINGLE_QUOTED = re.compile(r"'((?:[^']|'')*)'")
_PLAIN = re.compile(r"[A-Za-z0-9][^\t#{}\[\]&*!|>%@`]*")


def _simple_scalar(value: str):
    """A scalar as PyYAML's safe loader reads it, or raise ValueError when unsure."""
    if value in ("null", "~"):
        return None
    if value == "[]":
        return []
    if _INT.fullmatch(value):
        return int(value)
    if _DATE.fullmatch(value):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            return NotADate(value)
    if match := _SINGLE_QUOTED.fullmatch(value):
        return match[1].replace("''", "'")
    if (_PLAIN.fullmatch(value) and ": " not in value and not value.endswith((":", " "))
            and not any(regexp.match(value) for _, regexp in  # what YAML would not read as str
                        yaml.resolver.Resolver.yaml_implicit_resolvers.get(value[0], ()))):
        return value
    raise ValueError(value)


def load_simple_yaml(text: str) -> dict | None:
    """The mapping the generator writes, parsed without YAML (5x faster), or None.

    Accepts only top-level `key: scalar` lines and unindented `- scalar` items under an empty
    key, with scalars of forms whose YAML meaning is certain; anything else returns None, and
    the caller parses with libyaml instead. Equal to yaml.load on what it accepts (tested).
    """
    data: dict = {}
    key = None  # the key whose list items may follow
    empty = set()  # keys with nothing after the colon: null, unless list items follow
    try:
        for line in text.split("\n"):
            if line.startswith("- ") and key is not None:
                data[key].append(_simple_scalar(line[2:]))
                empty.discard(key)
                continue
            match = _KEY_LINE.fullmatch(line)
            if match is None:
                if line == "" and data:  # the final newline
                    continue
                return None
            key, value = match[1], match[2]
            if key in data:
                return None
            data[key] = [] if value is None else _simple_scalar(value)
            if value is None:
                empty.add(key)
            else:
                key = None
    except ValueError:
        return None
    for key in empty:
        data[key] = None
    return data


def load_yaml_fast(text: str, path: str, first_line: int = 1):
    """Parse YAML text into a value, without line numbers.

    Checking thousands of valid files only needs values; line numbers are found again with
    `load_yaml` for the few files that have a problem. Text that might hold anchors or aliases
    goes through `load_yaml`, which refuses them.
    """
    if len(text) > MAX_BYTES or MAYBE_ALIAS.search(text):
        return load_yaml(text, path, first_line)[0]
    simple = load_simple_yaml(text)
    if simple is not None:
        return simple
    try:
        return yaml.load(text, Loader=Loader)
    except yaml.YAMLError:
        return load_yaml(text, path, first_line)[0]  # raises with the exact line


def load_yaml(text: str, path: str, first_line: int = 1):
    """Parse YAML text into (value, node); marks in the node are made file line numbers."""
    if len(text.encode("utf-8")) > MAX_BYTES:
        raise FrontMatterError(
            Problem(path, first_line, "", f"YAML is larger than {MAX_BYTES} bytes; refused")
        )
    try:
        node = yaml.compose(text, Loader=Loader)
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
    _refuse_aliases(node, path, first_line)
    loader = Loader("")
    try:
        value = loader.construct_document(node)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or node.start_mark
        reason = getattr(exc, "problem", None) or str(exc)
        raise FrontMatterError(
            Problem(path, first_line + mark.line, "", f"invalid YAML: {reason}")
        ) from None
    return value, node


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
