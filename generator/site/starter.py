"""`digest init`: the files of a new digest, rendered from the templates in starter_files/.

A new digest is a folder with its mkdocs.yml, content/ (scope, example themes, no papers yet),
requirements.txt naming this generator, the three GitHub workflows, issue forms, a pull request
template, CONTRIBUTING.md, a README and .ci/run. Everything that names the digest (its title,
description, address, feed id) is written into those files; the generator itself names none.

In starter_files/, a leading `_` of a path part stands for `.` (package data keeps no dotfiles
reliably), and a `.j2` file is a Jinja template rendered with the digest's identity; every other
file is copied as it is (the workflows hold `${{ }}` expressions of their own).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import jinja2

from generator import DISTRIBUTION, __version__
from generator.render.text import check_url

FILES = Path(__file__).resolve().parent / "starter_files"
EXECUTABLE = {".ci/run"}
MAX_TITLE = 80
MAX_DESCRIPTION = 300
# mkdocs.yml's texts are printed into pages as HTML: find_code_in_config refuses these.
_MARKUP = re.compile(r"[<>\"]")


class StarterError(Exception):
    """A title, address or description `digest init` cannot use; the message says why."""


@dataclass(frozen=True)
class Identity:
    """What names a new digest: the values `digest init` writes into its files."""

    title: str
    site_url: str  # absolute, ending in '/'
    description: str
    feed_id: str  # the tag: URI authority of its feed items: `<host>,<year>`
    repo_url: str  # its GitHub repository, or '' when unknown


def parse_identity(title: str, site_url: str, description: str, year: int,
                   repo_url: str | None = None) -> Identity:
    """The identity from `digest init`'s options; StarterError naming each unusable value."""
    problems = []
    title, description = " ".join(title.split()), " ".join(description.split())
    for name, value, limit in (("--title", title, MAX_TITLE),
                               ("--description", description, MAX_DESCRIPTION)):
        if not value:
            problems.append(f"{name}: must not be empty")
        elif len(value) > limit:
            problems.append(f"{name}: at most {limit} characters, found {len(value)}")
        elif _MARKUP.search(value):
            problems.append(f"{name}: {_MARKUP.search(value)[0]!r} not allowed (the theme "
                            "prints it into pages as HTML)")
    site_url = site_url.strip()
    if site_url and not site_url.endswith("/"):
        site_url += "/"
    if why := check_url(site_url):
        problems.append(f"--site-url: {site_url!r}: {why}")
    repo_url = (repo_url or "").strip().rstrip("/") or _github_repository(site_url)
    if repo_url and (why := check_url(repo_url)):
        problems.append(f"--repo-url: {repo_url!r}: {why}")
    if problems:
        raise StarterError("\n".join(problems))
    host = (urlsplit(site_url).hostname or "").lower()
    return Identity(title, site_url, description, f"{host},{year}", repo_url)


def _github_repository(site_url: str) -> str:
    """The repository a GitHub Pages address is published from (`https://owner.github.io/name/`
    is github.com/owner/name), or '' for any other address."""
    parts = urlsplit(site_url)
    host = (parts.hostname or "").lower()
    if not host.endswith(".github.io") or host.count(".") != 2:
        return ""
    owner = host.split(".")[0]
    name = parts.path.strip("/").split("/")[0] or host
    return f"https://github.com/{owner}/{name}"


def _scope_terms(title: str) -> list[str]:
    """A first scope term from the title: "Diffusion Models Digest" gives "diffusion models"."""
    words = [word for word in re.findall(r"[\w-]+", title.lower()) if word != "digest"]
    return [" ".join(words)] if words else []


def parse_requirement(requirement: str | None) -> str:
    """The generator's line of the new digest's requirements.txt: this version from the package
    index by default, or what `--requirement` gives (a wheel's URL, a git address)."""
    if requirement is None:
        return f"{DISTRIBUTION}=={__version__}"
    requirement = requirement.strip()
    if not requirement or requirement.startswith("-") or "\n" in requirement or "\r" in requirement:
        raise StarterError(f"--requirement: {requirement!r}: expected one requirement line, like "
                           f"'{DISTRIBUTION}=={__version__}' or '{DISTRIBUTION} @ URL'")
    return requirement


def parse_terms(terms: list[str]) -> list[str]:
    """`--term` values as scope terms (sorted, each once); StarterError naming an empty one."""
    cleaned = sorted({" ".join(term.split()) for term in terms})
    if "" in cleaned:
        raise StarterError("--term: must not be empty")
    return cleaned


def render_starter(identity: Identity, requirement: str | None = None,
                   terms: list[str] | None = None) -> dict[str, str]:
    """Every file of the new digest: {path relative to its folder: text}. `terms`: the scope's
    first terms (default: the title's words, "digest" left out)."""
    env = jinja2.Environment(undefined=jinja2.StrictUndefined, keep_trailing_newline=True,
                             autoescape=False)
    # A YAML scalar: JSON's double-quoted string is one, with every character escaped.
    env.filters["yaml"] = lambda value: json.dumps(str(value), ensure_ascii=False)
    values = {
        "title": identity.title, "description": identity.description,
        "site_url": identity.site_url, "feed_id": identity.feed_id,
        "repo_url": identity.repo_url, "repo_name": identity.repo_url.rpartition("/")[2],
        "terms": parse_terms(terms) if terms else _scope_terms(identity.title),
        "distribution": DISTRIBUTION,
        "requirement": parse_requirement(requirement),
    }
    files = {}
    for path in sorted(FILES.rglob("*")):
        if not path.is_file() or path.name == "__pycache__":
            continue
        relpath = "/".join("." + part[1:] if part.startswith("_") else part
                           for part in path.relative_to(FILES).parts)
        text = path.read_text(encoding="utf-8")
        if relpath.endswith(".j2"):
            relpath = relpath[:-3]
            text = env.from_string(text).render(values)
        files[relpath] = text
    return files


def find_conflicts(folder: Path, files: dict[str, str]) -> list[str]:
    """The files of a new digest that already exist in folder: `digest init` overwrites none."""
    return sorted(relpath for relpath in files if (folder / relpath).exists()
                  or (folder / relpath).is_symlink())
