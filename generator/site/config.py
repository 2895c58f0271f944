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

from generator.files import FileRefused, read_file
from generator.render.text import check_url, printable
from generator.model import SiteSettings
from generator.problems import BuildError, Problem, format_problems

CONFIG = "mkdocs.yml"


def load_mkdocs_config(project: Path, **overrides):
    """mkdocs.yml as MkDocs validates it (docs/ is created first: MkDocs requires it).

    Raises BuildError naming the line of each key MkDocs refused. Warnings that do not stop the
    build (without `strict: true`) are logged in the same form.
    """
    from mkdocs.config import load_config
    from mkdocs.exceptions import Abort, ConfigurationError

    code = find_code_in_config(project)
    if code:
        raise BuildError(format_problems(code) + f"\n{len(code)} problem(s) in {CONFIG}: it "
                         "must not run code or reach outside the project; nothing was built "
                         "and site/ is unchanged")
    missing = [p for p in find_missing_settings(project) if p.field not in SITE_SETTINGS]
    if missing:  # site_url and feed_id: site_settings names them, once MkDocs validated them
        raise BuildError(format_problems(missing) + f"\n{len(missing)} problem(s) in {CONFIG}: "
                         "settings the digest needs; nothing was built and site/ is unchanged")
    overrides = {**theme_overrides(project), **overrides}
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
    custom_dir = config["theme"].custom_dir
    if custom_dir and not _inside(Path(custom_dir), project.resolve(), THEME):
        # MkDocs publishes every file of the theme's folders: `custom_dir: /` would publish
        # the machine.
        raise BuildError(str(Problem(CONFIG, key_line(project / CONFIG, "theme", "custom_dir"),
                                     "theme.custom_dir", "must be a folder inside the project"))
                         + "\nnothing was built and site/ is unchanged")
    if custom_dir and _inside(Path(custom_dir), *(project.resolve() / folder for folder in
                                                   ("content", "docs", "site", ".cache"))):
        # Its templates are Jinja, which runs Python: not from the folders content and the
        # build write.
        raise BuildError(str(Problem(CONFIG, key_line(project / CONFIG, "theme", "custom_dir"),
                                     "theme.custom_dir", "must not be in content/, docs/, "
                                     "site/ or .cache/ (its templates run code)"))
                         + "\nnothing was built and site/ is unchanged")
    return config


THEME = Path(__file__).resolve().parent / "theme"  # the generator's own theme overrides
PYTHON_TAG = "tag:yaml.org,2002:python/"
# Markdown extensions of these installed packages may be named without being registered.
NAMED_PACKAGES = ("material.", "pymdownx.", "markdown.")
# `!!python/name:` (an object MkDocs passes to an extension or plugin, such as Material's emoji
# index) may name only these objects of those packages: extensions and plugins call what they are given, and those
# packages also hold other callables (`material.plugins.blog.plugin.rmtree` is shutil.rmtree:
# as toc's slugify it was called with every heading's text).
NAMED_OBJECTS = {
    "material.plugins.tags.tag_name", "material.plugins.tags.tag_name_casefold",
    "material.extensions.emoji.twemoji", "material.extensions.emoji.to_svg",
    "pymdownx.superfences.fence_code_format", "pymdownx.superfences.fence_div_format",
    "pymdownx.arithmatex.arithmatex_fenced_format", "pymdownx.arithmatex.arithmatex_inline_format",
    "markdown.extensions.toc.slugify", "markdown.extensions.toc.slugify_unicode",
}
MAX_CONFIG_BYTES = 1_000_000
# Plugins that only work on docs/ and site/; Material's others read or write other folders
# (projects builds other mkdocs.yml files, privacy and social fetch and cache files, info zips
# the project), and group enables them.
PLUGINS = {"search", "tags", "material/search", "material/tags", "offline", "material/offline",
           "typeset", "material/typeset"}
FILE_EXTENSIONS = {"pymdownx.snippets"}
# Material prints site_name, copyright, repo_name... into pages unescaped, and into attributes.
_MARKUP = re.compile(r"[<>\"]")
# A file of the site: a relative path, no scheme, no `//host`, no `..`.
_LOCAL_ASSET = re.compile(r"(?!/)(?!.*(?:^|/)\.\.(?:/|$))[A-Za-z0-9._~/+-]+")


def _inside(path: Path, *folders: Path) -> bool:
    resolved = path.resolve()
    return any(resolved == folder or folder in resolved.parents for folder in folders)


def find_code_in_config(project: Path) -> list[Problem]:
    """What in mkdocs.yml would run code or reach outside the project when MkDocs loads it.

    MkDocs reads mkdocs.yml with PyYAML's full loader, which runs `!!python/object/apply:...`
    as it reads; `hooks:` are Python files it runs, a Markdown extension it does not know by
    name is imported as a module (from the project's folder, too), `!ENV` copies the build
    machine's environment into the site, `INHERIT` reads another file, and `docs_dir` decides
    which folder is published. A pull request can change any of them, so each is refused here,
    before MkDocs reads the file.
    """
    path = project / CONFIG
    try:
        text = read_file(path, MAX_CONFIG_BYTES).decode("utf-8-sig")
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except FileNotFoundError:
        return []  # MkDocs says so
    except (FileRefused, UnicodeDecodeError) as exc:
        return [Problem(CONFIG, 0, "", str(exc) if isinstance(exc, FileRefused) else
                        "not UTF-8 text")]
    except yaml.YAMLError:
        return []  # MkDocs reports the syntax error with its line
    problems = _find_code_tags(root) if root is not None else []
    if isinstance(root, yaml.MappingNode):
        top = {key.value: (key, value) for key, value in root.value
               if isinstance(key, yaml.ScalarNode)}
        problems += _find_unsafe_settings(top)
    return sorted(problems)


def _find_unsafe_settings(top: dict) -> list[Problem]:
    """The top-level settings of mkdocs.yml (name -> (key node, value node)) that would run
    code, read other files, publish another folder or put a foreign script or link on a page."""
    problems = []
    for name in ("hooks", "INHERIT", "extra_templates"):
        # extra_templates renders generated pages as Jinja: `{{ ... }}` in an abstract
        # would run as Python at build time.
        if name in top:
            problems.append(Problem(CONFIG, top[name][0].start_mark.line + 1, name,
                                    "not allowed: it makes MkDocs run or read other files"))
    problems += _find_unsafe_links(top)
    for name in ("extra_javascript", "extra_css"):
        for item in _items(top.get(name, (None, None))[1]):
            if not _LOCAL_ASSET.fullmatch(item.value):
                problems.append(Problem(CONFIG, item.start_mark.line + 1, name,
                                        f"{printable(item.value)!r} must be a file of the "
                                        "site (a relative path: no other site's script)"))
    if "extra" in top and isinstance(top["extra"][1], yaml.MappingNode):
        # The theme reads other keys (social links, analytics) into links and scripts.
        for name, _ in top["extra"][1].value:
            if getattr(name, "value", None) != "digest":
                problems.append(Problem(CONFIG, name.start_mark.line + 1, "extra",
                                        f"'{printable(str(name.value))}' not allowed (only "
                                        "extra.digest: the theme prints the others into "
                                        "pages and scripts)"))
    if "plugins" in top:
        problems += [Problem(CONFIG, name.start_mark.line + 1, "plugins",
                             f"'{printable(name.value)}' not allowed (only "
                             f"{', '.join(sorted(PLUGINS))}: others read, write or fetch "
                             "files outside docs/ and site/)")
                     for name in _names(top["plugins"][1]) if name.value not in PLUGINS]
    for name, folder in (("docs_dir", "docs"), ("site_dir", "site")):
        if name in top and not (isinstance(top[name][1], yaml.ScalarNode)
                                and top[name][1].value.strip("/") == folder):
            problems.append(Problem(CONFIG, top[name][0].start_mark.line + 1, name,
                                    f"must be {folder} (the folder the digest builds)"))
    if "markdown_extensions" in top:
        problems += _unknown_extensions(top["markdown_extensions"][1])
    return problems


def _find_unsafe_links(top: dict) -> list[Problem]:
    """The links of mkdocs.yml the theme writes into every page as they are, unless safe."""
    problems = []
    # repo_url is every page's repository link (site_url: site_settings wants http(s)).
    value = top.get("repo_url", (None, None))[1]
    if isinstance(value, yaml.ScalarNode) and value.value and check_url(value.value):
        problems.append(Problem(CONFIG, value.start_mark.line + 1, "repo_url",
                                f"{printable(value.value)!r}: {check_url(value.value)}"))
    # A nav entry or edit_uri with a scheme is a link the theme writes as it is
    # (`- Evil: javascript:alert(1)` became a nav link).
    links = [("nav", link) for link in _nav_links(top.get("nav", (None, None))[1])]
    links += [("edit_uri", link) for link in _nav_links(top.get("edit_uri", (None, None))[1])]
    for name, link in links:
        if ":" in link.value and check_url(link.value):
            problems.append(Problem(CONFIG, link.start_mark.line + 1, name,
                                    f"{printable(link.value)!r}: {check_url(link.value)}"))
    return problems


def _find_code_tags(root) -> list[Problem]:
    """Every node of mkdocs.yml, for the tags that run code or read the environment, and for
    texts holding markup (the theme prints them into pages as HTML)."""
    problems = []
    stack = [(root, "")]
    while stack:
        node, key = stack.pop()
        line = node.start_mark.line + 1
        if isinstance(node, yaml.ScalarNode) and _MARKUP.search(node.value):
            problems.append(Problem(CONFIG, line, key, f"{_MARKUP.search(node.value)[0]!r} "
                                    "not allowed: the theme prints mkdocs.yml's texts into "
                                    "pages as HTML"))
        if node.tag.startswith(PYTHON_TAG):
            kind = node.tag[len(PYTHON_TAG):]
            if not kind.startswith("name:"):
                problems.append(Problem(CONFIG, line, "", f"the tag !!python/{kind} runs "
                                        "Python code; not allowed"))
            elif kind[5:] not in NAMED_OBJECTS:
                problems.append(Problem(CONFIG, line, "", f"the tag !!python/{kind} names an "
                                        "object MkDocs would call; only "
                                        f"{', '.join(sorted(NAMED_OBJECTS))} are allowed"))
        elif node.tag in ("!ENV", "!relative"):
            problems.append(Problem(CONFIG, line, "", f"the tag {node.tag} is not allowed "
                                    "(no environment variables or paths outside the project)"))
        if isinstance(node, yaml.MappingNode):
            stack += [(item, key or getattr(pair[0], "value", "")) for pair in node.value
                      for item in pair]
        elif isinstance(node, yaml.SequenceNode):
            stack += [(item, key) for item in node.value]
    return problems


def _unknown_extensions(node) -> list[Problem]:
    """Markdown extensions that are neither registered by an installed package nor part of
    one of NAMED_PACKAGES: Markdown would import them as modules, from the project too."""
    from importlib.metadata import entry_points

    known = {entry.name for entry in entry_points(group="markdown.extensions")}
    names = _names(node)
    return [Problem(CONFIG, name.start_mark.line + 1, "markdown_extensions",
                    f"'{name.value}' is not an installed Markdown extension")
            for name in names
            if name.value not in known and not name.value.startswith(NAMED_PACKAGES)] + [
        # snippets copies any file it is told into every page (`auto_append: [/etc/passwd]`).
        Problem(CONFIG, name.start_mark.line + 1, "markdown_extensions",
                f"'{name.value}' not allowed: it copies files into the pages")
        for name in names if name.value in FILE_EXTENSIONS]


def _names(node) -> list:
    """The names of a list of MkDocs plugins or Markdown extensions (`- x` or `- x: {...}`)."""
    names = []
    for item in node.value if isinstance(node, yaml.SequenceNode) else []:
        if isinstance(item, yaml.MappingNode):
            names += [key for key, _ in item.value]
        else:
            names.append(item)
    return [name for name in names if isinstance(name, yaml.ScalarNode)]


def _nav_links(node) -> list:
    """The page paths and links of a nav (`- Title: path`, nested sections, `- path`)."""
    if isinstance(node, yaml.ScalarNode):
        return [node]
    if isinstance(node, yaml.SequenceNode):
        return [link for item in node.value for link in _nav_links(item)]
    if isinstance(node, yaml.MappingNode):
        return [link for _, value in node.value for link in _nav_links(value)]
    return []


def _items(node) -> list:
    """The paths of extra_javascript or extra_css (`- x.js` or `- path: x.js`)."""
    items = []
    for item in node.value if isinstance(node, yaml.SequenceNode) else []:
        if isinstance(item, yaml.MappingNode):
            items += [value for key, value in item.value if getattr(key, "value", "") == "path"]
        else:
            items.append(item)
    return [item for item in items if isinstance(item, yaml.ScalarNode)]


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
        node = yaml.compose(read_file(path, MAX_CONFIG_BYTES).decode("utf-8-sig"),
                            Loader=yaml.SafeLoader)
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


# What the generator's pages and theme overrides need from mkdocs.yml, each with the reason a
# curator reads in `digest check`: {key: {required value: why}}.
REQUIRED = {
    "plugins": {"search": "Material shows the search box only with its search plugin",
                "tags": "the Tags page lists the papers by tag with it"},
    "extra_javascript": {"assets/digest-search.js": "the search box's script"},
    "extra_css": {"assets/digest.css": "the pages' styles",
                  "assets/a11y.css": "the search box's and charts' contrast and focus styles"},
}
SITE_SETTINGS = ("site_url", "extra.digest.feed_id")  # read by site_settings


def find_missing_settings(project: Path) -> list[Problem]:
    """The settings of mkdocs.yml the digest needs and lacks, as `mkdocs.yml:line: key: ...`
    (a line of 0: the key itself is missing). The theme overrides are not one of them: when
    mkdocs.yml names no custom_dir, the build supplies the generator's own (theme_overrides)."""
    config = _read_plain_config(project)
    if config is None:
        return []  # find_code_in_config and MkDocs report what is wrong with the file
    path = project / CONFIG
    problems = []
    theme = config.get("theme")
    name = theme.get("name") if isinstance(theme, dict) else theme
    if name != "material":
        problems.append(Problem(CONFIG, key_line(path, "theme", "name"), "theme.name",
                                "must be material (the generator's theme overrides extend "
                                "Material for MkDocs)"))
    for key, needed in REQUIRED.items():
        # MkDocs' default, when mkdocs.yml has no plugins: key, is the search plugin alone.
        named = _listed(config.get(key, ["search"] if key == "plugins" else []),
                        "" if key == "plugins" else "path")
        problems += [Problem(CONFIG, key_line(path, key), key, f"'{value}' missing ({why})")
                     for value, why in needed.items() if value not in named]
    site_url = config.get("site_url")
    if not (isinstance(site_url, str) and site_url.startswith(("http://", "https://"))):
        problems.append(Problem(CONFIG, key_line(path, "site_url"), "site_url",
                                "feeds need the site's absolute address"))
    extra = config.get("extra")
    digest = extra.get("digest") if isinstance(extra, dict) else None
    if not (isinstance(digest, dict) and digest.get("feed_id")):
        problems.append(Problem(CONFIG, key_line(path, "extra", "digest", "feed_id"),
                                "extra.digest.feed_id", "the feed item id authority is missing"))
    return sorted(problems)


def _listed(items, field: str) -> set[str]:
    """The names in a list of mkdocs.yml: `- x` or `- x: {options}` (plugins, field ''), or
    `- x` or `- path: x` (extra_javascript, extra_css, field 'path'); `material/x` is also x."""
    names = set()
    for item in items if isinstance(items, list) else []:
        if isinstance(item, dict):
            item = item.get(field) if field else next(iter(item), None)
        if isinstance(item, str):
            names |= {item, item.removeprefix("material/")}
    return names


def _read_plain_config(project: Path) -> dict | None:
    """mkdocs.yml as plain YAML (tags read as None: nothing runs), or None when unreadable."""
    try:
        config = yaml.load(read_file(project / CONFIG, MAX_CONFIG_BYTES).decode("utf-8-sig"),
                           _ConfigLoader)
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return None
    return config if isinstance(config, dict) else None


def theme_overrides(project: Path) -> dict:
    """load_config's override of `theme` that adds the generator's theme overrides (THEME) as
    custom_dir when mkdocs.yml names none: a digest folder needs no copy of them, wherever the
    generator is installed. A digest that names its own custom_dir keeps it."""
    theme = (_read_plain_config(project) or {}).get("theme")
    theme = {"name": theme} if isinstance(theme, str) else theme
    if not isinstance(theme, dict) or theme.get("custom_dir"):
        return {}
    return {"theme": {**theme, "custom_dir": str(THEME)}}


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
        config = yaml.load(read_file(project / CONFIG, MAX_CONFIG_BYTES).decode("utf-8-sig"),
                           _ConfigLoader)
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise BuildError(f"{CONFIG}: cannot be read: {exc}") from None
    for plugin in (config or {}).get("plugins") or []:
        if isinstance(plugin, dict) and ("tags" in plugin or "material/tags" in plugin):
            options = plugin.get("tags") or plugin.get("material/tags") or {}
            allowed = options.get("tags_allowed")
            return {str(tag) for tag in allowed} if allowed else None
    return None
