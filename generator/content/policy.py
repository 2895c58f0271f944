"""The digest's own content policy: content/checks.yml (the `Checks` record) and its rules.

A digest states here what its content must look like as a whole (how many papers and themes,
how many themes a paper may have, how large a share of the papers one theme may hold), so
`digest check` enforces it on every pull request and the generator's tests never assert one
digest's content. A digest without the file has no such rule.

Problems point at what breaks the rule: the theme's line in themes.yml, the paper's `themes`
line, or the rule's own line in checks.yml for counts of the whole.
"""

from __future__ import annotations

from pathlib import Path

from generator.content.frontmatter import FrontMatterError, key_lines, load_yaml
from generator.content.read import Content, parse_record, read_text_file, rel
from generator.model import Checks
from generator.problems import Problem

FILE = "checks.yml"


def read_checks(root: Path) -> tuple[Checks | None, list[Problem], dict[str, int]]:
    """Load and validate content/checks.yml: (the rules, problems, each key's line).

    (None, [], {}) when the digest declares no policy; None with problems when the file is wrong.
    """
    path = root / FILE
    name = rel(path, root)
    try:
        data, node = load_yaml(read_text_file(path, name), name)
    except FileNotFoundError:
        return None, [], {}
    except FrontMatterError as exc:
        return None, [exc.problem], {}
    lines = key_lines(node, 1)
    if data is None:
        return None, [], lines  # an empty file: no rule
    checks, problems = parse_record(Checks, data, lines, name, 1)
    if checks is None:
        return None, problems, lines
    for key in ("min_papers", "min_themes", "max_themes"):
        value = getattr(checks, key)
        if value is not None and value < 0:
            problems.append(Problem(name, lines[key], key, f"expected 0 or more, found {value}"))
    if checks.max_themes_per_paper is not None and checks.max_themes_per_paper < 1:
        problems.append(Problem(name, lines["max_themes_per_paper"], "max_themes_per_paper",
                                f"expected 1 or more, found {checks.max_themes_per_paper}"))
    share = checks.max_theme_share
    if share is not None and not 0 < share <= 1:
        problems.append(Problem(name, lines["max_theme_share"], "max_theme_share",
                                f"expected a number above 0 and at most 1, found {share}"))
    if (checks.min_themes is not None and checks.max_themes is not None
            and checks.min_themes > checks.max_themes):
        problems.append(Problem(name, lines["max_themes"], "max_themes",
                                f"{checks.max_themes} is below min_themes ({checks.min_themes})"))
    return (None if problems else checks), problems, lines


def check_policy(content: Content, theme_lines: dict[str, int]) -> list[Problem]:
    """Every problem of content/checks.yml itself, then every breach of its rules by content."""
    root = content.root
    checks, problems, lines = read_checks(root)
    if checks is None:
        return problems
    rules = rel(root / FILE, root)
    themes_file = rel(root / "themes.yml", root)
    papers, themes = content.papers, content.themes
    if checks.min_papers is not None and len(papers) < checks.min_papers:
        problems.append(Problem(rules, lines["min_papers"], "min_papers",
                                f"content/papers/ holds {len(papers)} papers, fewer than "
                                f"{checks.min_papers}"))
    if checks.min_themes is not None and len(themes) < checks.min_themes:
        problems.append(Problem(rules, lines["min_themes"], "min_themes",
                                f"{themes_file} declares {len(themes)} themes, fewer than "
                                f"{checks.min_themes}"))
    if checks.max_themes is not None and len(themes) > checks.max_themes:
        problems.append(Problem(rules, lines["max_themes"], "max_themes",
                                f"{themes_file} declares {len(themes)} themes, more than "
                                f"{checks.max_themes}"))
    problems += _check_papers(content, checks, rules)
    problems += _check_theme_sizes(content, checks, rules, themes_file, theme_lines)
    return problems


def _check_papers(content: Content, checks: Checks, rules: str) -> list[Problem]:
    """max_themes_per_paper, at each paper's `themes` line."""
    most = checks.max_themes_per_paper
    if most is None:
        return []
    prefix = rel(content.root / "papers", content.root)
    return [Problem(f"{prefix}/{paper.name}.md", content.lines[paper.name].get("themes", 1),
                    "themes", f"{len(paper.themes)} themes, more than the {most} that "
                    f"{rules} allows (max_themes_per_paper)")
            for paper in content.papers if len(paper.themes) > most]


def _check_theme_sizes(content: Content, checks: Checks, rules: str, themes_file: str,
                       theme_lines: dict[str, int]) -> list[Problem]:
    """max_theme_share and every_theme_used, at each theme's line in themes.yml."""
    if checks.max_theme_share is None and not checks.every_theme_used:
        return []
    counts = {theme.id: 0 for theme in content.themes}
    for paper in content.papers:
        for theme_id in set(paper.themes):
            if theme_id in counts:
                counts[theme_id] += 1
    total, share = len(content.papers), checks.max_theme_share
    problems = []
    for theme in content.themes:
        held, line = counts[theme.id], theme_lines.get(theme.id, 1)
        if checks.every_theme_used and held == 0:
            problems.append(Problem(themes_file, line, "id", f"theme '{theme.id}' holds no "
                                    f"paper ({rules} requires every theme used: "
                                    "every_theme_used)"))
        elif share is not None and held > share * total:
            problems.append(Problem(themes_file, line, "id", f"theme '{theme.id}' holds {held} "
                                    f"of the {total} papers ({held / total:.0%}), more than the "
                                    f"share of {share:g} that {rules} allows (max_theme_share):"
                                    " split it, or file some of its papers elsewhere"))
    return problems
