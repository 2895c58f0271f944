"""Reading mkdocs.yml: MkDocs' validated config, the digest's settings in it, the tag vocabulary.

Every mistake in mkdocs.yml is reported like a mistake in content/: `mkdocs.yml:line: key:
message`, all of them at once. MkDocs itself logs each one, then stops with a summary that
names none ("Aborted with 1 configuration warnings in 'strict' mode!").
"""

from __future__ import annotations

import logging
import re
from pathlib import Path

import yaml

from .model import SiteSettings
from .problems import BuildError, Problem, format_problems

CONFIG = "mkdocs.yml"


def load_mkdocs_config(project: Path, **overrides):
    """mkdocs.yml as MkDocs validates it (docs/ is created first: MkDocs requires it).

    Raises BuildError naming the line of each key MkDocs refused. Warnings that do not stop the
    build (without `strict: true`) are logged in the same form.
    """
    from mkdocs.config import load_config
    from mkdocs.exceptions import Abort, ConfigurationError

    (project / "docs").mkdir(exist_ok=True)
    logger = logging.getLogger("mkdocs.config")  # where load_config logs each mistake
    found = _Collect()
    logger.addHandler(found)
    propagate, logger.propagate = logger.propagate, False
    try:
        config = load_config(str(project / CONFIG), **overrides)
    except ConfigurationError as exc:  # unreadable: no YAML, no file
        raise BuildError(f"{CONFIG}: {exc}") from None
    except Abort:
        problems = _problems(project / CONFIG, found.records)
        strict = "" if any(r.levelno >= logging.ERROR for r in found.records) else (
            " (in strict mode, a warning fails the build)")
        raise BuildError(format_problems(problems) + f"\n{len(problems)} problem(s) in {CONFIG}"
                         f"{strict}; nothing was built and site/ is unchanged") from None
    finally:
        logger.removeHandler(found)
        logger.propagate = propagate
    for problem in _problems(project / CONFIG, found.records):
        logger.warning(str(problem))
    return config


class _Collect(logging.Handler):
    """Keeps the warnings and errors MkDocs logs while it validates mkdocs.yml."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


_CONFIG_VALUE = re.compile(r"Config value '([^']*)': (.*)", re.S)  # load_config's wording


def _problems(path: Path, records: list[logging.LogRecord]) -> list[Problem]:
    problems = []
    for record in records:
        message = record.getMessage()
        match = _CONFIG_VALUE.fullmatch(message)
        key, message = match.groups() if match else ("", message)
        problems.append(Problem(CONFIG, key_line(path, key) if key else 0, key, message))
    return sorted(problems)


def key_line(path: Path, *keys: str) -> int:
    """The line of a key in a YAML file (nested keys: the deepest one found), or 0."""
    try:  # composed, not loaded: MkDocs' tags (!ENV, !!python/name) need no constructor
        node = yaml.compose(path.read_text(encoding="utf-8"), Loader=yaml.SafeLoader)
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return 0
    line = 0
    for key in keys:
        if not isinstance(node, yaml.MappingNode):
            break
        for name, value in node.value:
            if isinstance(name, yaml.ScalarNode) and name.value == key:
                line, node = name.start_mark.line + 1, value
                break
        else:
            break
    return line


def site_settings(config) -> SiteSettings:
    """Site settings from the MkDocs config (site_url must be absolute for feeds)."""
    path = Path(config.config_file_path)
    site_url = config["site_url"] or ""
    if not site_url.startswith(("http://", "https://")):
        raise BuildError(str(Problem(CONFIG, key_line(path, "site_url"), "site_url",
                                     "feeds need the site's absolute address")))
    digest = (config["extra"] or {}).get("digest") or {}
    if not digest.get("feed_id"):
        raise BuildError(str(Problem(
            CONFIG, key_line(path, "extra", "digest", "feed_id"), "extra.digest.feed_id",
            "the feed item id authority is missing")))
    return SiteSettings(
        site_url=site_url.rstrip("/") + "/",
        title=config["site_name"],
        description=config["site_description"] or config["site_name"],
        id_authority=str(digest["feed_id"]),
        author=config["site_author"] or config["site_name"],
        # MkDocs' edit_uri points at content/ (the files curators edit), never at docs/.
        edit_base=(config["repo_url"].rstrip("/") + "/" + config["edit_uri"].strip("/") + "/"
                   if config["repo_url"] and config["edit_uri"] else ""),
    )


class _ConfigLoader(yaml.SafeLoader):
    """Reads mkdocs.yml without running it: `!!python/...` and `!ENV` tags become None."""


_ConfigLoader.add_multi_constructor("", lambda loader, suffix, node: None)


def tag_vocabulary(project: Path) -> set[str] | None:
    """The tags papers may use: `tags_allowed` of the tags plugin in mkdocs.yml, or None (any).

    Read as plain YAML so `digest check` stays fast (MkDocs itself would import every plugin).
    """
    try:
        config = yaml.load((project / CONFIG).read_text(encoding="utf-8"), _ConfigLoader)
    except (OSError, yaml.YAMLError) as exc:
        raise BuildError(f"{CONFIG}: cannot be read: {exc}") from None
    for plugin in (config or {}).get("plugins") or []:
        if isinstance(plugin, dict) and ("tags" in plugin or "material/tags" in plugin):
            options = plugin.get("tags") or plugin.get("material/tags") or {}
            allowed = options.get("tags_allowed")
            return {str(tag) for tag in allowed} if allowed else None
    return None
