"""Loading and validating content/: papers (Markdown + front matter) and themes.yml, with
the scope (ingest/scope.py) and the digest's own policy (content/policy.py) checked alongside.

Every problem is collected with its file and line (the line in the file, not in the front
matter block) before anything fails; `digest check` prints them and `digest build` refuses
content that has any.
"""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass, field
from pathlib import Path

from generator import model
from generator.files import FileRefused, find_symlinks, read_file
from generator.content.frontmatter import (
    MAX_BYTES,
    FrontMatterError,
    NotADate,
    key_lines,
    load_yaml,
    render_front_matter_file,
    split_front_matter,
)
from generator.model import Paper, Theme
from generator.problems import Problem
from generator.content.rules import TAG, THEME_ID, check_paper, check_theme
from generator.ingest.themes import check_rule


@dataclass
class Content:
    """Everything under content/, as records, with every problem found on the way."""

    root: Path
    papers: list[Paper] = field(default_factory=list)
    themes: list[Theme] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    lines: dict[str, dict[str, int]] = field(default_factory=dict)  # paper name -> key -> line


def rel(path: Path, root: Path) -> str:
    """A path as printed in messages: relative to the project (content/'s parent)."""
    text, base = str(path), str(root.parent) + os.sep
    if text.startswith(base):  # the usual case, without pathlib's slower parsing
        return text[len(base):].replace(os.sep, "/")
    try:
        return path.relative_to(root.parent).as_posix()
    except ValueError:
        return path.as_posix()


def parse_record(cls, data, lines: dict[str, int], path: str, line: int):
    """Check a mapping against a record's declared fields; returns (record or None, problems)."""
    problems: list[Problem] = []
    if not isinstance(data, dict):
        return None, [Problem(path, line, "", f"expected a mapping of fields, found "
                              f"{type(data).__name__}")]
    hints = model.field_types(cls)
    declared = _declared(cls)
    values = {}
    for key, value in data.items():
        where = lines.get(str(key), line)
        spec = declared.get(key) if isinstance(key, str) else None
        if spec is None or (cls is Paper and key == "abstract"):
            known = ", ".join(n for n in declared if not (cls is Paper and n == "abstract"))
            problems.append(Problem(path, where, str(key), f"unknown field (known: {known})"))
        elif isinstance(value, NotADate):
            problems.append(Problem(path, where, key, f"'{value}' is not a calendar date"))
        elif not model.check_type(hints[key], value):
            hint = ""
            if model.check_type(hints[key], str(value)) and not isinstance(value, (list, dict)):
                hint = " (YAML read it as a number, date or boolean: put it in quotes)"
            problems.append(Problem(path, where, key, f"expected {model.describe_type(hints[key])}"
                                    f", found {_show(value)}{hint}"))
        else:
            values[key] = value
    for name, spec in declared.items():
        if spec.metadata.get("required") and name not in data:
            problems.append(Problem(path, line, name, "missing (required)"))
        elif spec.metadata.get("required") and name in values and values[name] in ("", None):
            problems.append(Problem(path, lines.get(name, line), name, "must not be empty"))
    if problems:
        return None, problems
    return cls(**values), []


@functools.lru_cache(maxsize=None)
def _declared(cls) -> dict:
    return {f.name: f for f in model.record_fields(cls)}


def _show(value) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def read_themes(root: Path) -> tuple[list[Theme], list[Problem], dict[str, int]]:
    """Load and validate content/themes.yml; returns themes, problems and each id's line."""
    path = root / "themes.yml"
    name = rel(path, root)
    try:
        data, node = load_yaml(read_text_file(path, name), name)
    except FileNotFoundError:
        return [], [Problem(name, 0, "", "missing: the digest needs its themes")], {}
    except FrontMatterError as exc:
        return [], [exc.problem], {}
    entries, problems = parse_record_list(Theme, data, node, name, "themes")
    themes, first_line = [], {}
    for theme, item_lines, line in entries:
        problems += check_theme(theme, item_lines, name, line)
        if not THEME_ID.fullmatch(theme.id):
            problems.append(Problem(name, line, "id", f"'{theme.id}' must be lowercase letters, "
                                    "digits and '-' (at most 40)"))
        if theme.id in first_line:
            problems.append(Problem(name, line, "id", f"theme '{theme.id}' is listed twice "
                                    f"(first at line {first_line[theme.id]})"))
            continue
        for rule in theme.rules:
            if (reason := check_rule(rule)) is not None:
                problems.append(Problem(name, line, "rules", f"'{rule}' {reason}"))
        first_line[theme.id] = line
        themes.append(theme)
    fallbacks = [t.id for t in themes if t.fallback]
    if len(fallbacks) > 1:
        problems.append(Problem(name, first_line[fallbacks[1]], "fallback",
                                f"only one theme may be the fallback (also '{fallbacks[0]}')"))
    return themes, sorted(problems, key=lambda p: p.line), first_line


def parse_record_list(cls, data, node, name: str, what: str
                      ) -> tuple[list[tuple[object, dict[str, int], int]], list[Problem]]:
    """A YAML list of records (themes.yml, rejected.yml), each entry checked against the
    record's declared fields: (record, its keys' lines, its line) of every usable entry, and
    the problems of the others."""
    if not isinstance(data, list):
        return [], [Problem(name, 1, "", f"expected a list of {what}")]
    entries, problems = [], []
    for item, item_node in zip(data, node.value):
        line = item_node.start_mark.line + 1
        keys = key_lines(item_node, 1)
        record, found = parse_record(cls, item, keys, name, line)
        problems += found
        if record is not None:
            entries.append((record, keys, line))
    return entries, problems


def read_text_file(path: Path, name: str) -> str:
    """A content file's text: never through a symlink, never more than MAX_BYTES, only from
    a regular file (FrontMatterError saying why not; FileNotFoundError when missing)."""
    try:
        data = read_file(path, MAX_BYTES)
    except FileRefused as exc:
        raise FrontMatterError(Problem(name, 0, "", str(exc))) from None
    except FileNotFoundError:
        raise
    except OSError as exc:
        raise FrontMatterError(Problem(name, 0, "", f"cannot be read: {exc.strerror}")) from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise FrontMatterError(Problem(name, line, "", "not UTF-8 text")) from None


def read_paper(path: Path, root: Path) -> tuple[Paper | None, list[Problem], dict[str, int]]:
    """Load one paper file; returns the record (None if unusable), problems and key lines."""
    name = rel(path, root)
    try:
        try:
            text = read_text_file(path, name)
        except FileNotFoundError:  # gone since the folder was listed
            raise FrontMatterError(Problem(name, 0, "", "missing")) from None
        head, body, first = split_front_matter(text, name)
        data, node = load_yaml(head, name, first)
        lines = key_lines(node, first)
        lines["abstract"] = _body_line(head, body, first)
        paper, problems = parse_record(Paper, data, lines, name, 1)
    except FrontMatterError as exc:
        return None, [exc.problem], {}
    if paper is not None:
        paper.abstract = body.strip()
        paper.name = path.stem
    return paper, problems, lines


def _body_line(head: str, body: str, first: int) -> int:
    """The line of the file where the abstract (the body, stripped) starts."""
    return first + head.count("\n") + 1 + body[: len(body) - len(body.lstrip())].count("\n")


class _lazy_lines(dict):
    """Key -> line mapping of a paper file, parsed on first use: valid files rarely need it."""

    def __init__(self, path: Path, root: Path):
        super().__init__()
        self._source: tuple[Path, Path] | None = (path, root)

    def _load(self) -> None:
        if self._source is not None:
            path, root = self._source
            self._source = None
            name = rel(path, root)
            try:
                head, body, first = split_front_matter(read_text_file(path, name), name)
                self.update(key_lines(load_yaml(head, name, first)[1], first))
                self["abstract"] = _body_line(head, body, first)
            except (FrontMatterError, FileNotFoundError):
                pass

    def get(self, key, default=None):
        self._load()
        return super().get(key, default)

    def __getitem__(self, key):
        self._load()
        return super().__getitem__(key)


def read_content(root: Path, allowed_tags: set[str] | None = None,
                 parsed: dict | None = None, progress=None, policy: bool = True) -> Content:
    """Read content/ (themes and every paper) and check it as a whole.

    `allowed_tags` is the tag vocabulary (mkdocs.yml, tags plugin `tags_allowed`), if any.
    `parsed` maps file names to (size and mtime, Paper) of earlier reads: unchanged files are
    not parsed again (they are still checked, and their Paper is used as it is, not copied: pass
    a dict just loaded), and it is updated to this read. `policy`: also apply the digest's own
    rules (content/checks.yml); a command that only adds to valid records may leave them out.
    """
    from generator.ingest.scope import read_scope  # scope.py reads its file with this module's helpers

    content = Content(root)
    # No symlink is followed: each is reported, and the walks below pass it by.
    links = find_symlinks(root.parent, (root.name,))
    if any(problem.path == rel(root, root) for problem in links):
        content.problems = links  # content/ itself: nothing in it is read
        return content
    content.themes, content.problems, theme_lines = read_themes(root)
    content.problems += read_scope(root)[1]
    content.problems += [problem for problem in links if problem not in content.problems]
    stamps = _paper_stamps(root / "papers")
    unparsed = [name for name in stamps if parsed is None or name not in parsed
                or parsed[name][0] != stamps[name]]
    read = {}
    for done, name in enumerate(unparsed, start=1):
        if progress is not None:
            progress(done, len(unparsed), "reading content/papers")
        read[name] = read_paper(root / "papers" / name, root)
    fresh = _add_papers(content, stamps, read, parsed, _paper_checker(content, allowed_tags))
    if parsed is not None:
        parsed.clear()
        parsed.update(fresh)
    if policy:
        from generator.content.policy import check_policy  # policy.py reads with this module

        content.problems += [problem for problem in check_policy(content, theme_lines)
                             if problem not in content.problems]
    return content


def _paper_stamps(papers_dir: Path) -> dict[str, tuple[int, int]]:
    """(size, mtime) of each paper file, by file name, in name order (symlinks left out)."""
    stamps = {}  # by name, not Path: a Path is hashed again at every lookup
    for entry in _entries(papers_dir, lambda entry: entry.name.endswith(".md")
                          and not entry.is_symlink()).values():
        stat = entry.stat(follow_symlinks=False)
        stamps[entry.name] = (stat.st_size, stat.st_mtime_ns)
    # Names sorted as strings: sorting Paths (what glob gives) compares them part by part.
    return dict(sorted(stamps.items()))


def _paper_checker(content: Content, allowed_tags: set[str] | None):
    """check(paper, lines, where): the problems of a paper on its own, against the themes read
    and the source files present."""
    theme_ids = {t.id for t in content.themes}
    source_files = set(_entries(content.root / "sources",
                                lambda entry: entry.is_file(follow_symlinks=False)))

    def check(paper: Paper, lines: dict[str, int], where: str) -> list[Problem]:
        problems = check_paper(paper, lines, where, theme_ids, source_files)
        if allowed_tags is not None:
            problems += [
                Problem(where, lines.get("tags", 1), "tags",
                        f"'{tag}' is not in the tag vocabulary (tags_allowed in mkdocs.yml)")
                for tag in paper.tags if tag not in allowed_tags and TAG.fullmatch(tag)]
        return problems

    return check


def _add_papers(content: Content, stamps: dict, read: dict, parsed: dict | None,
                check) -> dict[str, tuple]:
    """Add every paper to `content`, in name order, with its problems and those of it repeating
    an earlier paper's title; the papers just `read` come from their files, the others from
    `parsed`. Returns the new `parsed`: the papers read or kept without a problem of their own."""
    papers_dir = content.root / "papers"
    prefix = rel(papers_dir, content.root) + "/"
    seen_titles: dict[str, str] = {}
    fresh: dict[str, tuple] = {}
    for name, stamp in stamps.items():
        where = prefix + name
        if name in read:
            paper, problems, lines = read[name]
        else:  # loaded from the cache file for this read: not shared with anything else
            paper, problems, lines = parsed[name][1], [], _lazy_lines(papers_dir / name,
                                                                      content.root)
        content.problems += problems
        if paper is None:
            continue
        if not problems:
            fresh[name] = (stamp, paper)
        content.problems += check(paper, lines, where)
        key = model.normalize_title(paper.title)
        if key in seen_titles:
            content.problems.append(Problem(where, lines.get("title", 1), "title",
                                            f"the same paper as {seen_titles[key]}"))
        else:
            seen_titles[key] = where
        content.papers.append(paper)
        content.lines[paper.name] = lines
    return fresh


def _entries(folder: Path, keep) -> dict[str, os.DirEntry]:
    """The entries of a real folder that `keep` accepts, by name ({} if it is not a folder or
    is a symlink: reported by the scan, never listed)."""
    try:
        if os.path.islink(folder):
            return {}
        with os.scandir(folder) as entries:
            return {entry.name: entry for entry in entries if keep(entry)}
    except (FileNotFoundError, NotADirectoryError):
        return {}


def render_paper_file(paper: Paper) -> str:
    """A paper as its content file: front matter in declared order, then the abstract."""
    data = {f.name: getattr(paper, f.name) for f in model.front_matter_fields()}
    return render_front_matter_file(data, paper.abstract)
