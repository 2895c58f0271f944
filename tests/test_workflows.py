"""The repository's GitHub files under .github/, checked offline.

- zizmor (a security linter for GitHub Actions) audits the workflows and dependabot.yml and must
  report nothing;
- check-jsonschema validates every file against GitHub's published schemas (its built-in copies);
- and the project's own rules: no `pull_request_target`, every action pinned to a commit SHA with
  its version in a comment, `permissions: {}` at the top and write scopes only where listed below,
  no checkout keeping its credentials, publish.yml building with the README's own command, the
  daily ingest scheduled, dispatchable and opening its pull request with create-pull-request.

zizmor and check-jsonschema come with the test extra (`pip install -e '.[test]'`).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parent.parent
GITHUB = REPO / ".github"
WORKFLOW_DIR = GITHUB / "workflows"
WORKFLOWS = sorted(WORKFLOW_DIR.glob("*.y*ml"))
DEPENDABOT = GITHUB / "dependabot.yml"
ISSUE_TEMPLATES = GITHUB / "ISSUE_TEMPLATE"
ISSUE_FORMS = [ISSUE_TEMPLATES / "suggest-paper.yml", ISSUE_TEMPLATES / "report-mistake.yml"]
ISSUE_CONFIG = ISSUE_TEMPLATES / "config.yml"

# The only write scopes any job may hold: (workflow file, job id) -> scopes it may write.
WRITE_ALLOWED = {
    ("publish.yml", "deploy"): {"pages", "id-token"},
    # Only for the GITHUB_TOKEN fallback when no GitHub App token is configured.
    ("ingest.yml", "ingest"): {"contents", "pull-requests"},
    # Re-enabling the scheduled workflow through the REST API.
    ("ingest.yml", "keepalive"): {"actions"},
}

# `uses: owner/repo[/path]@<40 hex> # v1.2.3` (a local `./action` needs no pin).
PINNED_USES = re.compile(
    r"^\s*(?:-\s+)?uses:\s*(?P<ref>[A-Za-z0-9_.-]+/[A-Za-z0-9_./-]+)@(?P<sha>[0-9a-f]{40})"
    r"\s+#\s*v\d+(?:\.\d+){0,2}\s*$")
USES_LINE = re.compile(r"^\s*(?:-\s+)?uses:")


def tool(name: str) -> str:
    """An executable installed beside this Python (the test extra's zizmor, check-jsonschema)."""
    path = Path(sys.executable).parent / name
    if not path.exists():
        pytest.fail(f"{name} is not installed beside {sys.executable}: "
                    "run `pip install -e '.[test]'`")
    return str(path)


def load(path: Path) -> dict:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(data, dict), f"{path.name}: not a YAML mapping"
    return data


def triggers(workflow: dict) -> dict:
    """The `on:` mapping (YAML 1.1, as PyYAML reads it, turns the key `on` into True)."""
    on = workflow.get("on", workflow.get(True))
    if isinstance(on, str):
        return {on: None}
    if isinstance(on, list):
        return {name: None for name in on}
    return on or {}


def steps(workflow: dict, job: str | None = None) -> list[dict]:
    jobs = workflow["jobs"] if job is None else {job: workflow["jobs"][job]}
    return [step for spec in jobs.values() for step in spec.get("steps", [])]


def action(step: dict) -> str:
    """`owner/repo` of a step's action, or '' for a `run:` step."""
    return step.get("uses", "").split("@", 1)[0]


def workflow(name: str) -> dict:
    return load(WORKFLOW_DIR / name)


def readme_build_command() -> str:
    """The first command of README.md's Quick start code block, without its comment."""
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Quick start", 1)[1]
    block = re.search(r"```(?:sh|bash|console)?\n(.*?)```", section, re.S)
    assert block, "README.md: no code block under Quick start"
    first = block.group(1).strip().splitlines()[0]
    return first.split("#", 1)[0].strip()


def run_tool(*args: str) -> subprocess.CompletedProcess:
    env = {key: value for key, value in os.environ.items()
           if key not in {"GH_TOKEN", "GITHUB_TOKEN", "ZIZMOR_GITHUB_TOKEN"}}
    return subprocess.run(list(args), cwd=REPO, capture_output=True, text=True, timeout=300,
                          env={**env, "NO_COLOR": "1"})


# --- the files are there ---------------------------------------------------------------------

def test_expected_files_exist():
    names = {path.name for path in WORKFLOWS}
    assert {"ci.yml", "publish.yml", "ingest.yml"} <= names
    for path in [DEPENDABOT, ISSUE_CONFIG, *ISSUE_FORMS, GITHUB / "pull_request_template.md",
                 REPO / "CONTRIBUTING.md"]:
        assert path.is_file(), f"missing {path.relative_to(REPO)}"


# --- linters ----------------------------------------------------------------------------------

def test_zizmor_reports_nothing():
    """zizmor's default ("regular") audits, offline, over the repository (workflows and
    dependabot.yml). Exit codes: 0 no findings, 1 an error, 10 + the highest severity found
    (11 informational ... 14 high) otherwise."""
    result = run_tool(tool("zizmor"), "--offline", "--strict-collection", "--no-progress",
                      "--format=json", str(REPO))
    assert result.returncode == 0, (
        f"zizmor exited {result.returncode}\n"
        + run_tool(tool("zizmor"), "--offline", "--no-progress", str(REPO)).stdout
        + result.stderr)
    assert json.loads(result.stdout) == []
    for path in [*WORKFLOWS, DEPENDABOT]:  # it really audited each of them
        assert path.name in result.stderr, f"zizmor did not audit {path.name}\n{result.stderr}"


@pytest.mark.parametrize("schema, paths", [
    ("vendor.github-workflows", WORKFLOWS),
    ("vendor.dependabot", [DEPENDABOT]),
    ("vendor.github-issue-forms", ISSUE_FORMS),
    ("vendor.github-issue-config", [ISSUE_CONFIG]),
], ids=["workflows", "dependabot", "issue-forms", "issue-config"])
def test_files_match_githubs_schemas(schema, paths):
    assert paths
    result = run_tool(tool("check-jsonschema"), "--builtin-schema", schema,
                      *(str(path) for path in paths))
    assert result.returncode == 0, result.stdout + result.stderr


# --- rules for every workflow -----------------------------------------------------------------

def test_no_pull_request_target_anywhere():
    for path in sorted(GITHUB.rglob("*")):
        if path.is_file() and path.suffix in {".yml", ".yaml", ".md"}:
            assert "pull_request_target" not in path.read_text(encoding="utf-8"), path
    for path in WORKFLOWS:
        assert "pull_request_target" not in triggers(load(path)), path.name


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda path: path.name)
def test_every_action_is_pinned_to_a_commit_with_its_version(path):
    lines = [line for line in path.read_text(encoding="utf-8").splitlines()
             if USES_LINE.match(line) and "uses: ./" not in line]
    assert lines, f"{path.name}: uses no action"
    for line in lines:
        assert PINNED_USES.match(line), (
            f"{path.name}: `{line.strip()}` is not `owner/repo@<40-hex SHA> # vX.Y.Z`")
    uses = [step["uses"] for step in steps(load(path)) if "uses" in step]
    assert len(uses) == len(lines)  # nothing hides in a form the line check would miss
    for ref in uses:
        assert ref.startswith("./") or re.fullmatch(r"[\w.-]+/[\w./-]+@[0-9a-f]{40}", ref), ref


def test_the_same_action_has_the_same_pin_everywhere():
    pins: dict[str, set[str]] = {}
    for path in WORKFLOWS:
        for line in path.read_text(encoding="utf-8").splitlines():
            match = PINNED_USES.match(line)
            if match:
                comment = line.split("#", 1)[1].strip()
                pins.setdefault(match["ref"], set()).add(f"{match['sha']} {comment}")
    for ref, seen in pins.items():
        assert len(seen) == 1, f"{ref} is pinned differently: {sorted(seen)}"


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda path: path.name)
def test_permissions_are_empty_at_the_top_and_least_per_job(path):
    data = load(path)
    assert "permissions" in data and data["permissions"] == {}, (
        f"{path.name}: needs `permissions: {{}}` at the top level")
    for job_id, job in data["jobs"].items():
        granted = job.get("permissions")
        assert isinstance(granted, dict), f"{path.name}: job {job_id} must list its permissions"
        for scope, level in granted.items():
            assert level in {"read", "write", "none"}, f"{path.name}: {job_id}: {scope}: {level}"
        writes = {scope for scope, level in granted.items() if level == "write"}
        allowed = WRITE_ALLOWED.get((path.name, job_id), set())
        assert writes <= allowed, f"{path.name}: job {job_id} may not write {writes - allowed}"


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda path: path.name)
def test_checkouts_do_not_keep_credentials(path):
    checkouts = [step for step in steps(load(path)) if action(step) == "actions/checkout"]
    for step in checkouts:
        assert step.get("with", {}).get("persist-credentials") is False, (
            f"{path.name}: a checkout without `persist-credentials: false`")


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda path: path.name)
def test_no_expression_is_spliced_into_a_script(path):
    """Values reach `run:` scripts through `env:`; an expression inside a script would be pasted
    into the shell before it runs (template injection)."""
    for step in steps(load(path)):
        assert "${{" not in step.get("run", ""), f"{path.name}: expression in `{step['run']}`"


# --- ci.yml -----------------------------------------------------------------------------------

def test_ci_runs_the_checks_tests_and_build_and_keeps_a_preview():
    data = workflow("ci.yml")
    on = triggers(data)
    assert "pull_request" in on
    assert on["push"]["branches"] == ["main"]
    runs = [step.get("run", "") for step in steps(data)]
    script = "\n".join(runs)
    for command in ["pip install -e '.[test]'", "npm ci", "digest check", "pytest",
                    "digest build", "apt-get install"]:
        assert command in script, f"ci.yml does not run `{command}`"
    assert "chromium" in script
    assert any(step.get("with", {}).get("python-version") == "3.11" for step in steps(data)
               if action(step) == "actions/setup-python")
    uploads = [step for step in steps(data) if action(step) == "actions/upload-artifact"]
    assert [step["with"]["path"].rstrip("/") for step in uploads] == ["site"]
    # the preview is built after the content check, from the same job
    job = next(job_id for job_id, spec in data["jobs"].items()
               if any(action(step) == "actions/upload-artifact" for step in spec["steps"]))
    order = [step.get("run", action(step)) for step in steps(data, job)]
    assert order.index("digest check") < order.index("digest build") < order.index(
        "actions/upload-artifact")


# --- publish.yml ------------------------------------------------------------------------------

def test_readme_build_command_is_what_we_expect():
    assert readme_build_command() == "pip install -e . && digest build"


def test_publish_builds_with_the_readmes_command_then_verifies_and_uploads():
    data = workflow("publish.yml")
    on = triggers(data)
    assert on["push"]["branches"] == ["main"] and "workflow_dispatch" in on
    assert data["concurrency"] == {"group": "pages", "cancel-in-progress": False}
    build = steps(data, "build")
    order = [step.get("run", "").strip() or action(step) for step in build]
    command = readme_build_command()
    assert command in order, f"publish.yml must run `{command}` exactly, as one step"
    assert order.index("actions/checkout") < order.index("actions/setup-python") < order.index(
        command) < order.index("digest verify") < order.index(
        "actions/configure-pages") < order.index("actions/upload-pages-artifact")
    upload = next(step for step in build if action(step) == "actions/upload-pages-artifact")
    assert upload["with"]["path"].rstrip("/") == "site"


def test_publish_gives_pages_and_oidc_writes_to_the_deploy_job_only():
    data = workflow("publish.yml")
    build, deploy = data["jobs"]["build"], data["jobs"]["deploy"]
    assert build["permissions"].get("contents") == "read"
    assert "write" not in build["permissions"].values()
    assert deploy["permissions"] == {"pages": "write", "id-token": "write"}
    assert deploy["needs"] in ("build", ["build"])
    assert deploy["environment"] == {"name": "github-pages",
                                     "url": "${{ steps.deployment.outputs.page_url }}"}
    (step,) = deploy["steps"]
    assert action(step) == "actions/deploy-pages" and step["id"] == "deployment"
    for other_id, other in data["jobs"].items():
        if other_id != "deploy":
            assert not {"pages", "id-token"} & {
                scope for scope, level in other["permissions"].items() if level == "write"}


# --- ingest.yml -------------------------------------------------------------------------------

def test_ingest_is_scheduled_and_dispatchable_with_an_optional_date():
    on = triggers(workflow("ingest.yml"))
    (cron,) = [entry["cron"] for entry in on["schedule"]]
    minute, hour, *rest = cron.split()
    assert minute.isdigit() and 0 < int(minute) < 60, "pick a fixed minute, not on the hour"
    assert hour.isdigit() and rest == ["*", "*", "*"], "daily, at a fixed UTC time"
    date = on["workflow_dispatch"]["inputs"]["date"]
    assert date.get("required") is False and date.get("type") == "string"


def test_ingest_fetches_checks_and_opens_one_pull_request():
    data = workflow("ingest.yml")
    job = steps(data, "ingest")
    script = "\n".join(step.get("run", "") for step in job)
    assert "pip install -e ." in script
    assert re.search(r"digest fetch --date \"?\$", script), "fetch the chosen day"
    fetch = next(step for step in job if "digest fetch" in step.get("run", ""))
    assert fetch["env"]["INPUT_DATE"] == "${{ inputs.date }}"  # through env, never inline
    assert "date -u" in fetch["run"], "today is taken in UTC"
    names = [step.get("run", "").strip() or action(step) for step in job]
    create = next(step for step in job if action(step) == "peter-evans/create-pull-request")
    opened = names.index("peter-evans/create-pull-request")
    # digest check runs before the pull request is opened; a failure still opens it, with the
    # problems on top of its body, and then fails the run
    check = next(i for i, step in enumerate(job) if step.get("run", "").lstrip().startswith(
        "set -uo pipefail\nif digest check"))
    assert check < opened
    assert 'digest check 2> "${RUNNER_TEMP}/check.txt"' in job[check]["run"]
    assert job[check]["env"]["BODY"] == "${{ steps.fetch.outputs.body }}"
    assert 'echo "failed=true" >> "$GITHUB_OUTPUT"' in job[check]["run"]
    (failing,) = [step for step in job[opened + 1:] if "exit 1" in step.get("run", "")]
    assert failing["if"] == f"steps.{job[check]['id']}.outputs.failed == 'true'"
    # arXiv ids are resolved after the fetch and before the check, and never fail the ingest
    resolve = next(i for i, step in enumerate(job) if "digest resolve" in step.get("run", ""))
    assert job.index(fetch) < resolve < check
    assert "||" in job[resolve]["run"] or job[resolve].get("continue-on-error") is True
    branch = create["with"]["branch"]
    if branch.startswith("${{ env."):
        branch = data["jobs"]["ingest"]["env"][branch[len("${{ env."):-len(" }}")]]
    assert branch == "ingest/daily-papers"
    assert create["with"]["add-paths"].strip().rstrip("/") == "content"
    # the GitHub App token when its secrets exist, GITHUB_TOKEN otherwise
    app = next(step for step in job if action(step) == "actions/create-github-app-token")
    assert app["id"] in create["with"]["token"] and "github.token" in create["with"]["token"]
    assert "if" in app and "secrets.APP_ID" in data["jobs"]["ingest"]["env"]["HAS_APP_TOKEN"]
    assert app["with"]["app-id"] == "${{ secrets.APP_ID }}"
    assert app["with"]["private-key"] == "${{ secrets.APP_PRIVATE_KEY }}"
    # the pull request's body is the fetch's review sheets, written to a file (never inlined)
    assert re.search(r"digest fetch --date \"\$d\" --review ", fetch["run"])
    assert create["with"]["body-path"] == "${{ steps.fetch.outputs.body }}"
    assert "body" not in create["with"]


def test_ingest_keeps_its_schedule_enabled():
    data = workflow("ingest.yml")
    keepalive = data["jobs"]["keepalive"]
    assert keepalive["permissions"] == {"actions": "write"}
    assert "schedule" in keepalive["if"]
    (step,) = keepalive["steps"]
    assert re.search(r"gh api -X PUT \"?repos/\$\{?GITHUB_REPOSITORY\}?/actions/workflows/"
                     r"ingest\.yml/enable", step["run"])


def test_contributing_explains_the_app_token_the_ingest_uses():
    contributing = (REPO / "CONTRIBUTING.md").read_text(encoding="utf-8")
    for word in ["APP_ID", "APP_PRIVATE_KEY", "ingest/daily-papers", "site-preview",
                 "digest new", "digest import", "digest check", "digest serve", "pytest",
                 "tags_allowed", "content/themes.yml"]:
        assert word in contributing, f"CONTRIBUTING.md does not mention {word}"


# --- dependabot.yml and issue forms ----------------------------------------------------------

def test_dependabot_updates_actions_and_python_weekly():
    updates = {(entry["package-ecosystem"], entry["directory"]): entry
               for entry in load(DEPENDABOT)["updates"]}
    for key in [("github-actions", "/"), ("pip", "/")]:
        assert key in updates, f"dependabot.yml: no {key[0]} updates for {key[1]}"
        assert updates[key]["schedule"]["interval"] == "weekly"


def test_issue_forms_ask_for_what_curators_need():
    assert load(ISSUE_CONFIG)["blank_issues_enabled"] is False
    labels = {path.name: [item["attributes"]["label"].lower() for item in load(path)["body"]
                          if item["type"] != "markdown"] for path in ISSUE_FORMS}
    suggest, report = labels["suggest-paper.yml"], labels["report-mistake.yml"]
    assert any("arxiv" in label for label in suggest)
    assert any("why" in label for label in suggest)
    assert any("theme" in label for label in suggest)
    assert any("url" in label for label in report)
    assert any("wrong" in label for label in report)
    assert any("correction" in label for label in report)


# --- the commands the documents and the ingest run -----------------------------------------

def cli_options() -> dict[str, set[str]]:
    """Every `digest` command and its options, as the CLI defines them."""
    from generator.cli import main

    return {name: {opt for param in command.params for opt in param.opts + param.secondary_opts
                   if opt.startswith("--")} | {"--help"}
            for name, command in main.commands.items() if not command.hidden}


def command_lines(text: str) -> list[tuple[str, set[str]]]:
    """Each `digest CMD ...` of a shell line: the command and the options it passes."""
    found = []
    for match in re.finditer(r"(?<![\w-])digest ([a-z]+)((?: +(?:\S+|\"[^\"]*\"))*)", text):
        if match[1] in {"command"}:  # prose ("the digest command")
            continue
        found.append((match[1], set(re.findall(r"(?<!\S)--[a-z][a-z-]*", match[2]))))
    return found


def test_readme_command_table_lists_every_command_and_option_that_exists():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    rows = re.findall(r"^\| `digest ([a-z]+)([^`]*)` \|", readme, flags=re.M)
    listed: dict[str, set[str]] = {}
    for name, rest in rows:
        listed.setdefault(name, set()).update(re.findall(r"--[a-z][a-z-]*", rest))
    options = cli_options()
    assert sorted(listed) == sorted(options)
    for name, known in options.items():
        assert listed[name] == known - {"--help"}, f"README's row of digest {name}"
    assert "`--project DIR`" in readme


@pytest.mark.parametrize("path", [WORKFLOW_DIR / "ingest.yml", WORKFLOW_DIR / "ci.yml",
                                  WORKFLOW_DIR / "publish.yml"], ids=lambda p: p.name)
def test_workflows_run_commands_and_options_that_exist(path):
    options = cli_options()
    script = "\n".join(step.get("run", "") for job in workflow(path.name)["jobs"].values()
                       for step in job.get("steps", []))
    for name, used in command_lines(script):
        assert name in options, f"{path.name}: digest {name} does not exist"
        assert used <= options[name], f"{path.name}: digest {name} {sorted(used)}"


def test_contributing_runs_commands_and_options_that_exist():
    text = (REPO / "CONTRIBUTING.md").read_text(encoding="utf-8")
    blocks = "\n".join(re.findall(r"^```sh\n(.*?)^```", text, flags=re.M | re.S))
    options = cli_options()
    lines = command_lines(blocks)
    assert len(lines) >= 8
    for name, used in lines:
        assert name in options, f"CONTRIBUTING.md: digest {name} does not exist"
        assert used <= options[name], f"CONTRIBUTING.md: digest {name} {sorted(used)}"
    # A first rejection creates content/rejected.yml: `git commit -a` would leave it out.
    assert "git commit -am" not in text


def test_ingest_carries_the_branch_s_rejections_over_with_their_removals():
    job = steps(workflow("ingest.yml"), "ingest")
    fetch = next(step for step in job if "digest fetch" in step.get("run", ""))["run"]
    union = fetch.index("git merge-file --union content/rejected.yml")
    # A rejected paper that main already had must go too, or `digest check` stops the ingest.
    removals = fetch.index('select(.status == "removed")')
    assert union < removals < fetch.index("digest fetch --date")
    assert "grep -E '^content/papers/[a-z0-9-]+\\.md$'" in fetch
    assert 'rm -f -- "$removed"' in fetch
