"""The records of the digest: Paper, Theme, Rejection, Scope and Checks, each declared once.

Every field is a dataclass field with a type, a default and a docstring (``metadata["doc"]``).
That single declaration drives front-matter parsing and validation (``content/read.py``, ``content/rules.py``), the order
of keys in front matter, which fields the importer may refresh (``owner``) and the field
reference in the README (``render_schema_table``).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import re
import types
import typing
from collections.abc import Callable
from dataclasses import dataclass, field

SOURCE = "source"  # refreshed by the importer from the listings, unless a curator changed it
CURATOR = "curator"  # proposed once when a paper is added, then never touched by the importer

# An arXiv identifier without version: new style (2504.15777) or old style (hep-th/0101001).
ARXIV_ID = re.compile(r"\d{4}\.\d{4,5}|[a-z][a-z.-]*/\d{7}")
# A source entry a paper came from: `<stored source file>:<line>` (for JSON, the item number).
SOURCE_REF = re.compile(r"(?P<file>[^:/\\]+):(?P<line>[1-9][0-9]*)")


def _field(default, doc: str, owner: str, required: bool = False):
    kwargs = {"default_factory": list} if default == [] else {"default": default}
    return field(metadata={"doc": doc, "owner": owner, "required": required}, **kwargs)


@dataclass
class Paper:
    """One paper: the front matter of content/papers/<name>.md plus its abstract (the body)."""

    title: str = _field("", "The paper's title, as the listing gives it.", SOURCE, required=True)
    arxiv: str | None = _field(
        None, "The arXiv identifier without version (like 2504.15777), when known.", SOURCE
    )
    authors: int | list[str] | None = _field(
        None, "How many authors the paper has, or their names when known; null if unknown.", SOURCE
    )
    organization: str | None = _field(
        None, "The organisation a listing shows instead of an author count, if any.", SOURCE
    )
    published: dt.date | None = _field(
        None, "The paper's own date (its arXiv date), or null when no listing gave one.", SOURCE
    )
    listed: dt.date | None = _field(
        None, "The first day a Hugging Face listing showed the paper.", SOURCE
    )
    added: dt.date = _field(
        None,
        "The day the paper entered the digest; feeds order and date their items by it.",
        SOURCE,
        required=True,
    )
    upvotes: int | None = _field(
        None, "Hugging Face upvotes, from the newest listing that shows a count.", SOURCE
    )
    themes: list[str] = _field(
        [], "Theme ids from content/themes.yml (at least one); proposed by the rules.", CURATOR
    )
    tags: list[str] = _field([], "Free-form keywords chosen by curators.", CURATOR)
    links: list[str] = _field(
        [], "Code, project and data URLs (found in the abstract, or added by hand).", SOURCE
    )
    note: str | None = _field(None, "The curator's own remarks, shown on the paper page.", CURATOR)
    sources: list[str] = _field(
        [],
        "The listing entries the paper came from: `<stored listing>:<line>` under content/sources/.",
        SOURCE,
    )
    abstract: str = field(default="", metadata={"doc": "The body of the file.", "owner": SOURCE})
    # Where the record lives; not front matter.
    name: str = field(default="", compare=False, metadata={"internal": True})


@dataclass
class Theme:
    """One theme of content/themes.yml."""

    id: str = _field("", "Short permanent id: the theme page lives at themes/<id>/.", CURATOR, True)
    title: str = _field("", "The theme's name as readers see it.", CURATOR, True)
    description: str = _field("", "One or two sentences shown on the theme page.", CURATOR, True)
    rules: list[str] = _field(
        [],
        "Regular expressions (case-insensitive) matched against a new paper's title and abstract; "
        "a match in the title counts three times.",
        CURATOR,
    )
    fallback: bool = _field(
        False, "Given to a new paper that matches no rule (at most one theme has it).", CURATOR
    )


@dataclass
class Rejection:
    """One paper a curator removed from the digest: an entry of content/rejected.yml.

    Imports and fetches never add it again, and the scope model learns from it as a negative.
    """

    title: str = _field("", "The paper's title when it was rejected.", CURATOR, required=True)
    arxiv: str | None = _field(None, "Its arXiv identifier without version, when known.", CURATOR)
    sources: list[str] = _field(
        [], "The stored source entries it came from (`<stored source>:<line>`).", CURATOR
    )
    reason: str = _field("", "Why the curator removed it, in a few words.", CURATOR, required=True)
    rejected: dt.date = _field(None, "The day it was rejected.", CURATOR, required=True)
    abstract: str = _field("", "Its abstract, kept so the scope model can learn from it.", CURATOR)


@dataclass
class Scope:
    """What the digest is about: content/scope.yml, separate from the themes.

    `digest fetch` and `digest import` score every new paper against it (scope.py).
    """

    description: str = _field(
        "", "What the digest covers, in a few sentences; the scope model reads it as one more "
        "on-topic example.", CURATOR, required=True)
    threshold: float = _field(
        0.5, "`digest fetch` imports the new papers scoring at least this (0 to 1); a pasted "
        "listing is imported whole, and its papers below it are flagged.", CURATOR, required=True)
    terms: list[str] = _field(
        [], "Words and phrases that mark an on-topic paper. Case, hyphens and punctuation are "
        "ignored; a trailing `*` matches any ending (`reason*`: reasoning, reasoner). A score's "
        "reason names the terms the paper matched.", CURATOR)
    off_topic: list[str] = _field(
        [], "Short descriptions of nearby subjects the digest leaves out. The model learns them "
        "as off-topic examples, with the papers of content/rejected.yml, so a digest without "
        "rejections still has negatives.", CURATOR)


@dataclass
class Checks:
    """The digest's own content policy: content/checks.yml, applied by `digest check` and
    refused by `digest build` like any other problem (content/policy.py).

    Every rule is optional and off unless the file sets it: what a balanced digest looks like
    is the digest's decision, not the generator's.
    """

    min_papers: int | None = _field(
        None, "The fewest papers content/papers/ may hold (a merge or an import that loses "
        "papers then fails the check).", CURATOR)
    min_themes: int | None = _field(
        None, "The fewest themes content/themes.yml may declare.", CURATOR)
    max_themes: int | None = _field(
        None, "The most themes content/themes.yml may declare.", CURATOR)
    max_themes_per_paper: int | None = _field(
        None, "The most themes one paper may be filed under (every paper needs at least one).",
        CURATOR)
    max_theme_share: float | None = _field(
        None, "The largest share of the papers (0 to 1) one theme may hold; a paper counts in "
        "each of its themes. A theme past it is too broad to sort by: split it.", CURATOR)
    every_theme_used: bool = _field(
        False, "Whether every theme must hold at least one paper.", CURATOR)


@dataclass(frozen=True)
class SiteSettings:
    """What renderers need to know about the site, read from mkdocs.yml."""

    site_url: str  # absolute, ending in '/'
    title: str
    description: str
    id_authority: str  # the `tag:` URI authority of feed item ids
    edit_base: str = ""  # URL a content path is appended to for "Suggest an edit" ('' = none)
    author: str = ""  # the feeds' author: mkdocs.yml's site_author, else site_name

    def edit_url(self, content_path: str) -> str:
        """The page on the code host that edits a file under content/."""
        return self.edit_base + content_path if self.edit_base else ""


@functools.lru_cache(maxsize=None)
def record_fields(cls) -> tuple[dataclasses.Field, ...]:
    """The fields of a record that are written to its file, in file order."""
    return tuple(f for f in dataclasses.fields(cls) if not f.metadata.get("internal"))


def front_matter_fields() -> list[dataclasses.Field]:
    """Paper fields that live in front matter (everything but the abstract body)."""
    return [f for f in record_fields(Paper) if f.name != "abstract"]


def describe_type(tp) -> str:
    """A reader's name for a field type: 'a whole number', 'a date (YYYY-MM-DD)', ..."""
    names = {
        bool: "true or false",
        str: "text",
        int: "a whole number",
        float: "a number",
        dt.date: "a date (YYYY-MM-DD)",
        type(None): "null",
    }
    if tp in names:
        return names[tp]
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        return " or ".join(describe_type(a) for a in typing.get_args(tp))
    if origin is list:
        return f"a list of {describe_type(typing.get_args(tp)[0])}"
    raise TypeError(tp)


def check_type(tp, value) -> bool:
    """Whether a YAML value fits a declared field type (bool is not a number here)."""
    return _checker(tp)(value)


@functools.lru_cache(maxsize=None)
def _checker(tp) -> Callable[[object], bool]:
    # One test per declared type, composed once: walking the type on every value was half of
    # the time spent reading 2,000 paper files.
    if tp is type(None):
        return lambda value: value is None
    if tp is bool:
        return lambda value: isinstance(value, bool)
    if tp is int:
        return lambda value: isinstance(value, int) and not isinstance(value, bool)
    if tp is float:
        return lambda value: isinstance(value, (int, float)) and not isinstance(value, bool)
    if tp is dt.date:
        return lambda value: isinstance(value, dt.date) and not isinstance(value, dt.datetime)
    if tp is str:
        return lambda value: isinstance(value, str)
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        options = tuple(_checker(a) for a in typing.get_args(tp))
        return lambda value: any(fits(value) for fits in options)
    if origin is list:
        (item,) = typing.get_args(tp)
        fits = _checker(item)
        return lambda value: isinstance(value, list) and all(fits(v) for v in value)
    raise TypeError(tp)


@functools.lru_cache(maxsize=None)
def field_types(cls) -> dict[str, object]:
    """Resolved annotations of a record (annotations are strings under __future__)."""
    return typing.get_type_hints(cls)


def render_schema_table() -> str:
    """The Markdown field reference of a paper's front matter, as shown in the README."""
    hints = field_types(Paper)
    rows = ["| field | type | owner | meaning |", "|---|---|---|---|"]
    for f in front_matter_fields():
        required = " (required)" if f.metadata.get("required") else ""
        rows.append(
            f"| `{f.name}` | {describe_type(hints[f.name])}{required} | {f.metadata['owner']} "
            f"| {f.metadata['doc']} |"
        )
    return "\n".join(rows) + "\n"


def render_scope_table() -> str:
    """The Markdown field reference of content/scope.yml, as shown in the README."""
    hints = field_types(Scope)
    rows = ["| field | type | meaning |", "|---|---|---|"]
    for f in record_fields(Scope):
        required = " (required)" if f.metadata.get("required") else ""
        rows.append(f"| `{f.name}` | {describe_type(hints[f.name])}{required} "
                    f"| {f.metadata['doc']} |")
    return "\n".join(rows) + "\n"


def render_checks_table() -> str:
    """The Markdown field reference of content/checks.yml, as shown in the README."""
    hints = field_types(Checks)
    rows = ["| field | type | meaning |", "|---|---|---|"]
    for f in record_fields(Checks):
        rows.append(f"| `{f.name}` | {describe_type(hints[f.name])} | {f.metadata['doc']} |")
    return "\n".join(rows) + "\n"


def sort_newest(papers: list[Paper]) -> list[Paper]:
    """Newest additions first; ties by title, then file name, so the order is total."""
    ordered = sorted(papers, key=lambda p: (p.title.casefold(), p.name))
    return sorted(ordered, key=lambda p: p.added, reverse=True)


_NOT_ALNUM = re.compile(r"[\W_]+")


def normalize_title(title: str) -> str:
    """A paper's identity across listings: case, accents, punctuation and spacing ignored."""
    import unicodedata

    if title.isascii():  # the common case, fast; the same result as below
        key = " ".join(_NOT_ALNUM.sub(" ", title.lower()).split())
        return key or " ".join(title.casefold().split())
    text = unicodedata.normalize("NFKD", title).casefold()
    text = "".join(c for c in text if not unicodedata.combining(c))
    key = " ".join("".join(c if c.isalnum() else " " for c in text).split())
    return key or " ".join(title.casefold().split())  # all punctuation: compare it as written
