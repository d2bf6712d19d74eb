"""docs/deploy.md's recipes, run as written on the example project.

Each recipe is a fenced block of docs/deploy.md whose info string names it
("```yaml .github/workflows/explainer.yml", "```toml netlify.toml", "```text _headers",
"```sh rsync", "```sh s3", "```nginx nginx"); the Cloudflare Pages settings are the table
of that section. The tests take them from there, so the documentation cannot drift from
what was tested.

Only the installation of explainer is substituted, always in the same controlled way:
these tests run the explainer of the test environment, which is the version under test
and needs no network. Everything else (the build commands, the scripts, the workflow's
`run:` steps) runs verbatim, in a git clone of the example project with history.

`POLICY` is the cache table of docs/deploy.md: every recipe must give each file of the
built site exactly that `Cache-Control`.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shlex
import shutil
import socket
import subprocess
import sys
import tarfile
import textwrap
import time
import tomllib
import urllib.request
from pathlib import Path

import pytest
import yaml

from generator import workflow
from generator.assets import shipped
from helpers import REPO, copy_example

DEPLOY_DOC = REPO / "docs" / "deploy.md"
VENV_BIN = Path(sys.executable).parent
EXPLAINER = VENV_BIN / "explainer"

REVALIDATE = "public, max-age=0, must-revalidate"
SHORT = "public, max-age=600"
IMMUTABLE = "public, max-age=31536000, immutable"
HOST_DEFAULT = REVALIDATE
"""What Netlify and Cloudflare Pages send when no rule of the site sets Cache-Control."""
FINGERPRINTED = re.compile(r"assets/[a-z]+\.[0-9a-f]{10}\.(css|js|svg)")
"""The name of a theme asset in a built site (see `generator.assets`)."""


def expected_cache_control(path: str) -> str:
    """docs/deploy.md's cache table, for a path under site/."""
    if path.startswith("assets/"):
        return IMMUTABLE
    return SHORT if path.startswith("media/") else REVALIDATE


def asset_named(site: dict[str, bytes], stem: str, suffix: str) -> str:
    """The path in `site` of the theme asset `stem.suffix`, under its fingerprinted name."""
    [path] = [rel for rel in site if FINGERPRINTED.fullmatch(rel) and rel.startswith(f"assets/{stem}.")
              and rel.endswith(f".{suffix}")]
    return path


# -- the recipes, as docs/deploy.md shows them ----------------------------------------

def doc_block(name: str) -> str:
    """The text of the one fenced block of docs/deploy.md whose info string names `name`."""
    blocks = re.findall(r"^```\S+ (\S+)\n(.*?)^```$", DEPLOY_DOC.read_text(encoding="utf-8"),
                        flags=re.MULTILINE | re.DOTALL)
    found = [text for label, text in blocks if label == name]
    assert len(found) == 1, f"docs/deploy.md should have one block named {name!r}, has {len(found)}"
    return found[0]


def doc_table(heading: str) -> list[list[str]]:
    """The rows (cells without their backticks) of the first table after `heading`."""
    text = DEPLOY_DOC.read_text(encoding="utf-8")
    section = text[text.index(f"\n{heading}\n"):]
    rows = []
    for line in section.splitlines()[1:]:
        if line.startswith("|"):
            cells = [cell.strip() for cell in line.strip("|").split(" | ")]
            if not set(cells[0]) <= {"-", " "}:
                rows.append(cells)
        elif rows:
            break
    return rows[1:]  # without the header row


def unquote(cell: str) -> str:
    assert cell.startswith("`") and cell.endswith("`"), cell
    return cell[1:-1]


WORKFLOW_TEXT = doc_block(".github/workflows/explainer.yml")
# BaseLoader keeps every scalar a string (and `on` a key, not True): the workflow as text.
WORKFLOW = yaml.load(WORKFLOW_TEXT, Loader=yaml.BaseLoader)
NETLIFY = tomllib.loads(doc_block("netlify.toml"))
CLOUDFLARE = {row[0]: unquote(row[1]) for row in doc_table("## Cloudflare Pages")}
PACKAGE = WORKFLOW["env"]["EXPLAINER_PACKAGE"]
PYTHON_VERSION = WORKFLOW["env"]["PYTHON_VERSION"]


# -- the project the recipes deploy -----------------------------------------------------

GIT_ENV = {"GIT_AUTHOR_NAME": "Desk", "GIT_AUTHOR_EMAIL": "desk@example.org",
           "GIT_COMMITTER_NAME": "Desk", "GIT_COMMITTER_EMAIL": "desk@example.org",
           "GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": os.devnull}
PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000"
                    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082")
EXPLAINER_PAGE = "crocus-city-hall-attack/index.html"
SECOND_EXPLAINER = """\
---
title: Who claimed the attack?
summary: The Islamic State said it did, within hours.
published: 2024-03-23
---
The [Islamic State](@islamic-state) claimed the attack on its channels.
"""


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=cwd, env={**os.environ, **GIT_ENV}, check=True,
                          capture_output=True, text=True).stdout


def commit_all(repo: Path, subject: str) -> None:
    git(repo, "add", "--all")
    git(repo, "commit", "--quiet", "--message", subject)


def make_origin(path: Path) -> Path:
    """The newsroom's content repository: the example with an actor picture (so that the
    site has media/), a second explainer, and two commits touching the example explainer."""
    copy_example(path)
    (path / "content" / "images").mkdir()
    (path / "content" / "images" / "putin.png").write_bytes(PNG)
    actor = path / "content" / "actors" / "vladimir-putin.yaml"
    actor.write_text(actor.read_text(encoding="utf-8") + "image: images/putin.png\n", encoding="utf-8")
    (path / "content" / "explainers" / "second-explainer.md").write_text(SECOND_EXPLAINER, encoding="utf-8")
    git(path, "init", "--quiet", "--initial-branch", "main")
    commit_all(path, "Publish the Crocus City Hall explainer")
    edit_explainer(path, "Correct the time of the attack")
    return path


def edit_explainer(repo: Path, subject: str) -> None:
    page = repo / "content" / "explainers" / "crocus-city-hall-attack.md"
    page.write_text(page.read_text(encoding="utf-8") + f"\n{subject}.\n", encoding="utf-8")
    commit_all(repo, subject)


def second_edition(origin: Path) -> None:
    """The next publication: the example explainer edited, the second explainer withdrawn,
    and Putin's picture replaced by one under a new name."""
    edit_explainer(origin, "Add the second suspect's statement")
    (origin / "content" / "explainers" / "second-explainer.md").unlink()
    images = origin / "content" / "images"
    (images / "putin.png").rename(images / "putin-2024.png")
    actor = origin / "content" / "actors" / "vladimir-putin.yaml"
    actor.write_text(actor.read_text(encoding="utf-8").replace("putin.png", "putin-2024.png"), encoding="utf-8")
    commit_all(origin, "Withdraw the second explainer")


def clone(origin: Path, dest: Path, *options: str) -> Path:
    """A checkout as a host makes it (`file://`, so that --depth is honoured)."""
    subprocess.run(["git", "clone", "--quiet", *options, origin.as_uri(), str(dest)], check=True,
                   env={**os.environ, **GIT_ENV}, capture_output=True)
    return dest


def build_env(**extra: str) -> dict[str, str]:
    """A build machine's environment: the explainer under test first on PATH."""
    env = {"PATH": f"{VENV_BIN}{os.pathsep}{os.environ['PATH']}", "HOME": os.environ.get("HOME", "/"),
           "XDG_CACHE_HOME": os.environ["XDG_CACHE_HOME"], "LANG": "C.UTF-8", "CI": "true", **GIT_ENV}
    env.update(extra)
    return env


def run_script(script: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """Run a shell script as build services do (bash, stop at the first failing command)."""
    result = subprocess.run(["bash", "-e", "-c", script], cwd=cwd, env=env, capture_output=True, text=True)
    assert result.returncode == 0, f"{script}\nexit {result.returncode}\n{result.stdout}{result.stderr}"
    return result


def site_files(site: Path) -> dict[str, bytes]:
    return {p.relative_to(site).as_posix(): p.read_bytes() for p in sorted(site.rglob("*")) if p.is_file()}


def served_paths(rel: str) -> list[str]:
    """The URL paths (from the site's root) that serve a file: a folder's index.html too."""
    paths = ["/" + rel]
    if rel == "index.html" or rel.endswith("/index.html"):
        paths.append("/" + rel[: -len("index.html")])
    return paths


def summary(stderr: str) -> tuple[int, int, int]:
    """(files, written, unchanged) from build's closing line."""
    match = re.search(r"explainer: (\d+) files \(\d+ pages\) in site: (\d+) written, (\d+) unchanged", stderr)
    assert match, stderr
    files, written, unchanged = (int(n) for n in match.groups())
    return files, written, unchanged


def assert_built(site: Path, base_url: str) -> None:
    """The example was built, for `base_url`, with the history of the example explainer."""
    home = (site / "index.html").read_text(encoding="utf-8")
    assert f'<link rel="canonical" href="{base_url}">' in home
    page = (site / EXPLAINER_PAGE).read_text(encoding="utf-8")
    assert f'<link rel="canonical" href="{base_url}crocus-city-hall-attack/">' in page
    assert "Publish the Crocus City Hall explainer" in page and "Correct the time of the attack" in page
    assert (site / "media" / "images" / "putin.png").read_bytes() == PNG


def substitute_install(command: str) -> str:
    """The hosts' build command with its installation (a virtual environment, and pip from
    EXPLAINER_PACKAGE) replaced by a link to the explainer under test; the rest verbatim."""
    steps = command.split(" && ")
    install = ["python -m venv .venv", '.venv/bin/pip install "$EXPLAINER_PACKAGE"']
    assert steps[steps.index(install[0]):][:2] == install, command
    at = steps.index(install[0])
    steps[at:at + 2] = [f"mkdir -p .venv/bin && ln -s {shlex.quote(str(EXPLAINER))} .venv/bin/explainer"]
    return " && ".join(steps)


# -- GitHub Actions ------------------------------------------------------------------

PAGES_URL = "https://newsroom.github.io/explainers"
"""What actions/configure-pages gives as base_url for a project site: no slash at the end."""


class ActionsCache:
    """actions/cache: entries saved as tar archives, restored by key or newest key prefix."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.keys: list[str] = []

    def restore(self, workspace: Path, key: str, restore_keys: list[str]) -> bool:
        """Restore an entry; True if it was the exact key (then nothing is saved)."""
        candidates = [key] if key in self.keys else []
        for prefix in restore_keys:
            candidates += [k for k in reversed(self.keys) if k.startswith(prefix)]
        if candidates:
            with tarfile.open(self.folder / f"{self.keys.index(candidates[0])}.tar") as archive:
                archive.extractall(workspace, **({"filter": "tar"} if hasattr(tarfile, "tar_filter") else {}))
        return key in self.keys

    def save(self, workspace: Path, key: str, paths: list[str]) -> None:
        self.folder.mkdir(exist_ok=True)
        with tarfile.open(self.folder / f"{len(self.keys)}.tar", "w") as archive:
            for path in paths:
                if (workspace / path).exists():
                    archive.add(workspace / path, arcname=path)
        self.keys.append(key)


def expressions(sha: str) -> dict[str, str]:
    """The value of every `${{ }}` expression the workflow may hold; any other fails the test."""
    return {"env.PYTHON_VERSION": PYTHON_VERSION, "runner.os": "Linux", "github.sha": sha,
            "steps.pages.outputs.base_url": PAGES_URL, "steps.deployment.outputs.page_url": PAGES_URL + "/"}


def evaluate(text: str, values: dict[str, str]) -> str:
    def value(match: re.Match[str]) -> str:
        expression = match.group(1)
        if expression not in values:
            pytest.fail(f"the workflow has an expression this test does not know: ${{{{ {expression} }}}}")
        return values[expression]
    return re.sub(r"\$\{\{\s*(.*?)\s*\}\}", value, text)


def run_workflow(origin: Path, workspace: Path, cache: ActionsCache) -> str:
    """One run of the publish job on a push of origin's HEAD; returns the build step's stderr.

    `uses:` steps are played by what they do here (checkout: a full clone; cache: restore
    now, save after the job); `run:` steps run verbatim in bash, with the environment the
    workflow gives them, except the one that installs explainer (see the module docstring).
    """
    values = expressions(git(origin, "rev-parse", "HEAD").strip())
    [job] = WORKFLOW["jobs"].values()
    env = build_env(**{k: evaluate(v, values) for k, v in {**WORKFLOW["env"], **job.get("env", {})}.items()})
    build_stderr, saved_after_job, uploaded = "", None, False
    for step in job["steps"]:
        given = {k: evaluate(v, values) for k, v in step.get("with", {}).items()}
        action = step.get("uses", "").split("@")[0]
        if action == "actions/checkout":
            assert given == {"fetch-depth": "0"}  # the whole history
            clone(origin, workspace)
        elif action == "actions/setup-python":
            assert given == {"python-version": PYTHON_VERSION}
        elif action == "actions/configure-pages":
            assert step["id"] == "pages"
        elif action == "actions/cache":
            paths = given["path"].split()
            restore_keys = given.get("restore-keys", "").split()
            if not cache.restore(workspace, given["key"], restore_keys):
                saved_after_job = (given["key"], paths)
        elif action == "actions/upload-pages-artifact":
            assert given == {"path": "site"}
            uploaded = (workspace / "site" / "index.html").is_file()
        elif action == "actions/deploy-pages":
            assert step["id"] == "deployment" and uploaded
        elif "run" in step:
            script = evaluate(step["run"], values)
            if "pip install" in script:
                # The one substitution: the test environment already has the explainer under test.
                assert script.strip() == 'python -m pip install "$EXPLAINER_PACKAGE"'
                continue
            step_env = {k: evaluate(v, values) for k, v in step.get("env", {}).items()}
            result = run_script(script, workspace, {**env, **step_env})
            if script.startswith("explainer build"):
                build_stderr = result.stderr
        else:
            pytest.fail(f"the workflow has a step this test does not know: {step}")
    if saved_after_job is not None:
        cache.save(workspace, *saved_after_job)
    assert uploaded and build_stderr
    return build_stderr


def test_the_workflow_builds_the_example_as_written(tmp_path: Path) -> None:
    origin = make_origin(tmp_path / "origin")
    workspace = tmp_path / "runner" / "work" / "news" / "news"  # the same folder on every run
    cache = ActionsCache(tmp_path / "actions-cache")

    first = run_workflow(origin, workspace, cache)
    assert_built(workspace / "site", PAGES_URL + "/")
    files, written, _ = summary(first)
    assert written == files

    # The next push: a fresh checkout in the same folder, the last run's cache restored.
    edit_explainer(origin, "Add the second suspect's statement")
    shutil.rmtree(workspace)
    second = run_workflow(origin, workspace, cache)
    assert "Add the second suspect&#39;s statement" in (workspace / "site" / EXPLAINER_PAGE).read_text()
    files, written, unchanged = summary(second)
    assert 0 < written < files and unchanged > 0, second  # the cache was used...
    clean = tmp_path / "clean"
    subprocess.run([EXPLAINER, "build", "--clean", "--root", workspace, "--out", clean, "--base-url", PAGES_URL],
                   check=True, capture_output=True, env=build_env())
    assert site_files(workspace / "site") == site_files(clean)  # ...and changed nothing


def test_the_workflow_asks_only_for_what_publishing_needs() -> None:
    assert WORKFLOW["permissions"] == {"contents": "read", "pages": "write", "id-token": "write"}
    assert WORKFLOW["concurrency"] == {"group": "pages", "cancel-in-progress": "false"}
    triggers = WORKFLOW["on"]
    assert triggers["push"] == {"branches": ["main"]}
    assert set(triggers) == {"push", "schedule", "workflow_dispatch"}  # schedule: for embargoes
    [job] = WORKFLOW["jobs"].values()
    assert job["environment"]["name"] == "github-pages"
    build = next(step for step in job["steps"] if step.get("name") == "Build")
    # The address comes in through the environment, never pasted into the script.
    # Errors become annotations on the run and in pull requests.
    assert build == {"name": "Build", "run": 'explainer build --base-url "$BASE_URL" --format github',
                     "env": {"BASE_URL": "${{ steps.pages.outputs.base_url }}"}}


def test_the_documented_workflow_is_the_one_explainer_new_writes() -> None:
    assert WORKFLOW_TEXT.encode("utf-8") == workflow.TEMPLATE.read_bytes()


# -- explainer new --github-pages ------------------------------------------------------

WORKFLOW_PATH = ".github/workflows/explainer.yml"


def test_new_github_pages_writes_the_workflow(tmp_path: Path, cli_run) -> None:
    result = cli_run("new", "--github-pages", "--root", tmp_path)
    assert (result.code, result.out) == (0, f"{WORKFLOW_PATH}\n")
    assert result.err_lines == ['explainer: commit it, and choose "GitHub Actions" as the source in the '
                                "repository's Settings > Pages"]
    assert (tmp_path / WORKFLOW_PATH).read_text(encoding="utf-8") == WORKFLOW_TEXT


def test_new_github_pages_never_overwrites(tmp_path: Path, cli_run) -> None:
    (tmp_path / ".github" / "workflows").mkdir(parents=True)
    (tmp_path / WORKFLOW_PATH).write_text("mine\n")
    result = cli_run("new", "--github-pages", "--root", tmp_path)
    assert (result.code, result.out) == (1, "")
    assert result.err_lines == [f"explainer: error: {WORKFLOW_PATH} already exists; delete it first to write "
                                "the current one", "explainer: 1 error; nothing was written"]
    assert (tmp_path / WORKFLOW_PATH).read_text() == "mine\n"


def test_new_with_a_title_and_github_pages_writes_both_or_nothing(tmp_path: Path, cli_run) -> None:
    result = cli_run("new", "A title", "--github-pages", "--root", tmp_path)
    assert (result.code, result.out) == (0, f"content/explainers/a-title.md\n{WORKFLOW_PATH}\n")
    (tmp_path / "content" / "explainers" / "a-title.md").unlink()
    result = cli_run("new", "A title", "--github-pages", "--root", tmp_path)
    assert result.code == 1 and "already exists" in result.err
    assert not (tmp_path / "content" / "explainers" / "a-title.md").exists()


def test_new_without_title_or_github_pages_is_wrong_usage(tmp_path: Path, cli_run) -> None:
    result = cli_run("new", "--root", tmp_path)
    assert result.code == 2
    assert result.err_lines[-1] == ("explainer new: error: the following arguments are required: "
                                    "TITLE (or --github-pages)")


def test_new_github_pages_refuses_a_project_below_the_repository_top(tmp_path: Path, cli_run) -> None:
    git(tmp_path, "init", "--quiet")
    (tmp_path / "news").mkdir()
    result = cli_run("new", "--github-pages", "--root", tmp_path / "news")
    assert result.code == 1
    assert result.err_lines[0] == (
        f"explainer: error: the project is in a subfolder of the git repository {tmp_path}, and GitHub runs "
        f"only the workflows in {tmp_path / '.github' / 'workflows'}; run 'explainer new --github-pages' with "
        "the project at the top of its repository, or adapt the workflow of explainer's docs/deploy.md "
        "(explainer build --root)")
    assert not (tmp_path / "news" / ".github").exists()


# -- Netlify and Cloudflare Pages -----------------------------------------------------

def test_every_recipe_installs_the_same_explainer_with_the_same_python() -> None:
    assert NETLIFY["build"]["environment"] == {"EXPLAINER_PACKAGE": PACKAGE, "PYTHON_VERSION": PYTHON_VERSION}
    assert CLOUDFLARE["Environment variable `EXPLAINER_PACKAGE`"] == PACKAGE
    assert CLOUDFLARE["Environment variable `PYTHON_VERSION`"] == PYTHON_VERSION


def splat_matches(pattern: str, path: str) -> bool:
    """Netlify's and Cloudflare's URL patterns as the recipes use them: an exact path, or a
    prefix ending in one `*` (a splat, which matches anything, `/` included)."""
    assert pattern.startswith("/") and pattern.count("*") <= 1 and ":" not in pattern, pattern
    if pattern.endswith("*"):
        return path.startswith(pattern[:-1])
    assert "*" not in pattern, pattern
    return path == pattern


def header_for(rules: list[tuple[str, dict[str, str]]], path: str, name: str) -> str:
    """The header a host sends for `path`: every matching rule applies, and the values of a
    header set by several are joined with commas (Cloudflare's documented behaviour; the
    recipes must not depend on what Netlify does then)."""
    values = [headers[name] for pattern, headers in rules if splat_matches(pattern, path) and name in headers]
    return ", ".join(values) if values else HOST_DEFAULT


def assert_cache_policy(site: Path, rules: list[tuple[str, dict[str, str]]]) -> None:
    for rel in site_files(site):
        for url in served_paths(rel):
            assert header_for(rules, url, "Cache-Control") == expected_cache_control(rel), url


def test_the_netlify_settings_build_and_serve_the_example(tmp_path: Path) -> None:
    assert set(NETLIFY) == {"build", "headers"}
    build = NETLIFY["build"]
    assert set(build) == {"command", "publish", "environment"} and build["publish"] == "site"
    checkout = clone(make_origin(tmp_path / "origin"), tmp_path / "repo")  # Netlify clones in full
    run_script(substitute_install(build["command"]), checkout,
               build_env(URL="https://explainers.netlify.app", **build["environment"]))
    assert_built(checkout / build["publish"], "https://explainers.netlify.app/")
    rules = []
    for rule in NETLIFY["headers"]:
        assert set(rule) == {"for", "values"}
        rules.append((rule["for"], rule["values"]))
    assert_cache_policy(checkout / "site", rules)


def parse_headers_file(text: str) -> list[tuple[str, dict[str, str]]]:
    """A `_headers` file, checked against Cloudflare's rules: a URL line (a path, or an https
    URL) with at most one splat, then indented `Name: value` (or `! Name`) lines; comments;
    at most 100 rules and 2,000 characters a line."""
    rules: list[tuple[str, dict[str, str]]] = []
    for number, line in enumerate(text.splitlines(), 1):
        assert len(line) <= 2000, f"_headers:{number}: line too long"
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        if not line[0].isspace():
            assert line.startswith(("/", "https://")) and line.count("*") <= 1 and " " not in line, (
                f"_headers:{number}: not a URL pattern: {line!r}")
            rules.append((line, {}))
            continue
        assert rules, f"_headers:{number}: a header before any URL"
        match = re.fullmatch(r"\s+([!#$%&'*+.^_`|~0-9A-Za-z-]+):\s*(\S.*)", line)
        assert match, f"_headers:{number}: not 'Name: value': {line!r}"
        assert match.group(1) not in rules[-1][1], f"_headers:{number}: {match.group(1)} twice in a rule"
        rules[-1][1][match.group(1)] = match.group(2)
    assert 0 < len(rules) <= 100
    return rules


def test_the_cloudflare_settings_build_and_serve_the_example(tmp_path: Path) -> None:
    assert CLOUDFLARE["Framework preset"] == "None"
    assert CLOUDFLARE["Build output directory"] == "site"
    origin = make_origin(tmp_path / "origin")
    (origin / "_headers").write_text(doc_block("_headers"), encoding="utf-8")  # at the top of the repository
    commit_all(origin, "Add the headers for Cloudflare")
    checkout = clone(origin, tmp_path / "repo", "--depth", "1")  # Cloudflare clones the last commit only
    run_script(substitute_install(CLOUDFLARE["Build command"]), checkout,
               build_env(CF_PAGES="1", CF_PAGES_URL="https://0123abcd.explainers.pages.dev",
                         PYTHON_VERSION=CLOUDFLARE["Environment variable `PYTHON_VERSION`"],
                         EXPLAINER_PACKAGE=CLOUDFLARE["Environment variable `EXPLAINER_PACKAGE`"]))
    site = checkout / "site"
    assert_built(site, "https://example.org/explainers/")  # site.yaml's base_url, with the revisions
    headers = (site / "_headers").read_text(encoding="utf-8")
    assert headers == doc_block("_headers")
    (site / "_headers").unlink()  # Cloudflare reads it and does not serve it
    assert_cache_policy(site, parse_headers_file(headers))


@pytest.mark.parametrize("text, problem", [
    ("  Cache-Control: no-cache\n", "a header before any URL"),
    ("media/*\n  Cache-Control: no-cache\n", "not a URL pattern"),
    ("/a/*/b/*\n  X: y\n", "not a URL pattern"),
    ("/media/*\n  Cache-Control no-cache\n", "not 'Name: value'"),
])
def test_the_headers_file_check_finds_mistakes(text: str, problem: str) -> None:
    with pytest.raises(AssertionError, match=problem):
        parse_headers_file(text)


def test_overlapping_rules_would_give_a_file_two_cache_headers() -> None:
    """Why docs/deploy.md warns against a `/*` rule: Cloudflare joins the values."""
    rules = parse_headers_file("/*\n  Cache-Control: no-cache\n/media/*\n  Cache-Control: public, max-age=600\n")
    assert header_for(rules, "/media/images/putin.png", "Cache-Control") == "no-cache, public, max-age=600"


# -- rsync, nginx and S3 ---------------------------------------------------------------

def script_with(name: str, variable: str, value: str) -> str:
    """A shell recipe with its one destination line (`VARIABLE=...`) pointed at the test's."""
    lines = doc_block(name).splitlines(keepends=True)
    at = [i for i, line in enumerate(lines) if line.startswith(f"{variable}=")]
    assert len(at) == 1, f"{name} should set {variable} once"
    lines[at[0]] = f"{variable}={shlex.quote(value)}\n"
    return "".join(lines)


def modes(folder: Path) -> set[tuple[str, int]]:
    return {(p.relative_to(folder).as_posix(), p.stat().st_mode & 0o777) for p in folder.rglob("*")}


RSYNC_LOGGER = """#!/bin/sh
# rsync as the script calls it, saying what it did: each transfer and each deletion.
echo "== rsync" >> "$RSYNC_LOG"
exec {rsync} --itemize-changes "$@" >> "$RSYNC_LOG"
"""


def rsync_calls(log: Path) -> list[list[tuple[str, str]]]:
    """Per rsync call, what it did in order: ("copy", path) or ("delete", path)."""
    calls: list[list[tuple[str, str]]] = []
    for line in log.read_text().splitlines():
        if line == "== rsync":
            calls.append([])
        elif line.startswith("*deleting "):
            calls[-1].append(("delete", line.split(maxsplit=1)[1]))
        elif re.match(r"[<>c]f", line):
            calls[-1].append(("copy", line.split(maxsplit=1)[1]))
    return calls


@pytest.mark.skipif(shutil.which("rsync") is None, reason="rsync is not installed")
def test_the_rsync_script_copies_only_what_changed_and_deletes_last(tmp_path: Path) -> None:
    origin = make_origin(tmp_path / "origin")
    www = tmp_path / "www" / "explainers"
    www.parent.mkdir()  # the server's /var/www
    script = script_with("rsync", "DEST", f"{www}/")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "rsync").write_text(RSYNC_LOGGER.format(rsync=shlex.quote(shutil.which("rsync") or "")))
    (bin_dir / "rsync").chmod(0o755)
    log = tmp_path / "rsync.log"
    env = build_env(RSYNC_LOG=str(log))
    env["PATH"] = f"{bin_dir}{os.pathsep}{env['PATH']}"
    first = clone(origin, tmp_path / "first")
    run_script(script, first, env)
    assert site_files(www) == site_files(first / "site")
    assert all(mode == (0o755 if (www / rel).is_dir() else 0o644) for rel, mode in modes(www))
    dates = {rel: (www / rel).stat().st_mtime_ns for rel in site_files(www)}

    time.sleep(0.05)
    second_edition(origin)
    second = clone(origin, tmp_path / "second")  # a fresh checkout: every file is built anew
    log.unlink()
    run_script(script, second, env)
    now = site_files(second / "site")
    assert site_files(www) == now and "second-explainer/index.html" not in now
    unchanged = [rel for rel in now if rel in dates and (first / "site" / rel).read_bytes() == now[rel]]
    assert asset_named(now, "style", "css") in unchanged
    # Unchanged files keep their date on the server, so its ETag and Last-Modified stay too.
    assert all((www / rel).stat().st_mtime_ns == dates[rel] for rel in unchanged)
    assert (www / EXPLAINER_PAGE).stat().st_mtime_ns != dates[EXPLAINER_PAGE]
    # The new picture went up first, in a call of its own; old files went last.
    pictures, pages = rsync_calls(log)
    assert pictures == [("copy", "media/images/putin-2024.png")]
    copied = [i for i, (what, _) in enumerate(pages) if what == "copy"]
    deleted = [i for i, (what, _) in enumerate(pages) if what == "delete"]
    assert ("copy", EXPLAINER_PAGE) in pages and ("delete", "media/images/putin.png") in pages
    assert max(copied) < min(deleted)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.mark.skipif(shutil.which("nginx") is None, reason="nginx is not installed")
def test_the_nginx_settings_send_the_cache_headers(tmp_path: Path) -> None:
    checkout = clone(make_origin(tmp_path / "origin"), tmp_path / "repo")
    run_script("explainer build --base-url https://news.example.org/explainers/", checkout, build_env())
    www = tmp_path / "www"
    shutil.copytree(checkout / "site", www / "explainers")
    locations = doc_block("nginx")
    assert locations.count("root /var/www;") == 3
    port = free_port()
    temp = " ".join(f"{kind}_temp_path {tmp_path / kind};" for kind in ("client_body", "proxy", "fastcgi",
                                                                      "uwsgi", "scgi"))
    config = tmp_path / "nginx.conf"
    config.write_text(textwrap.dedent(f"""\
        {"user root;" if os.geteuid() == 0 else ""}
        worker_processes 1;
        error_log {tmp_path / "error.log"};
        pid {tmp_path / "nginx.pid"};
        events {{}}
        http {{
            include /etc/nginx/mime.types;
            access_log off;
            {temp}
            server {{
                listen 127.0.0.1:{port};
        """) + locations.replace("root /var/www;", f"root {www};") + "    }\n}\n")
    server = subprocess.Popen(["nginx", "-c", str(config), "-p", str(tmp_path), "-g", "daemon off;"],
                              stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert server.poll() is None, server.stderr.read() if server.stderr else ""
                assert time.monotonic() < deadline, "nginx did not start"
                time.sleep(0.05)
        for rel in site_files(www / "explainers"):
            for path in served_paths(rel):
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/explainers{path}") as response:
                    assert response.status == 200
                    assert response.headers.get_all("Cache-Control") == [expected_cache_control(rel)], path
                    assert response.headers["ETag"] and response.headers["Last-Modified"]
    finally:
        server.terminate()
        server.wait(10)


FAKE_AWS = '''\
"""A stand-in for `aws s3 sync LOCAL s3://BUCKET/PREFIX`, as the AWS command line does it:
filters are fnmatch patterns on the path relative to each side's root, every file is
included until a later --exclude/--include says otherwise, and --delete removes only
destination files that the filters include. The bucket and a log live in $FAKE_S3."""
import fnmatch, hashlib, json, os, sys
from pathlib import Path

args = sys.argv[1:]
if args[:2] != ["s3", "sync"] or len(args) < 4 or not args[3].startswith("s3://"):
    sys.exit(f"fake aws: not 's3 sync LOCAL s3://...': {args}")
source, prefix = Path(args[2]), args[3].removeprefix("s3://").rstrip("/") + "/"
filters, cache_control, delete, rest = [], None, False, args[4:]
while rest:
    option = rest.pop(0)
    if option in ("--exclude", "--include"):
        filters.append((option, rest.pop(0)))
    elif option == "--cache-control":
        cache_control = rest.pop(0)
    elif option == "--delete":
        delete = True
    else:
        sys.exit(f"fake aws: option {option} is not simulated")

def included(rel):
    keep = True
    for option, pattern in filters:
        if fnmatch.fnmatch(rel, pattern):
            keep = option == "--include"
    return keep

state_path = Path(os.environ["FAKE_S3"])
state = json.loads(state_path.read_text()) if state_path.exists() else {"objects": {}, "log": []}
local = {p.relative_to(source).as_posix(): p for p in source.rglob("*") if p.is_file()}
for rel, path in sorted(local.items()):
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    key = prefix + rel
    if included(rel) and state["objects"].get(key, {}).get("digest") != digest:
        state["objects"][key] = {"digest": digest, "cache_control": cache_control}
        state["log"].append(["upload", key])
if delete:
    for key in sorted(state["objects"]):
        rel = key[len(prefix):]
        if key.startswith(prefix) and rel not in local and included(rel):
            del state["objects"][key]
            state["log"].append(["delete", key])
state_path.write_text(json.dumps(state))
'''


def test_the_s3_script_gives_every_file_its_cache_header_and_deletes_last(tmp_path: Path) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "aws").write_text(f"#!{sys.executable}\n{FAKE_AWS}")
    (bin_dir / "aws").chmod(0o755)
    bucket = tmp_path / "bucket.json"
    env = build_env(FAKE_S3=str(bucket))
    env["PATH"] = f"{bin_dir}{os.pathsep}{env['PATH']}"
    script = doc_block("s3")
    match = re.search(r"^BUCKET=s3://(\S+)$", script, flags=re.MULTILINE)
    assert match, "the S3 script should set BUCKET"
    prefix = match.group(1)
    origin = make_origin(tmp_path / "origin")

    def deploy(checkout: Path) -> list[list[str]]:
        """Run the script; check the bucket against the site; return what the script did."""
        if bucket.exists():
            bucket.write_text(json.dumps({**json.loads(bucket.read_text()), "log": []}))
        run_script(script, checkout, env)
        state = json.loads(bucket.read_text())
        site = site_files(checkout / "site")
        objects = {key.removeprefix(prefix + "/"): value for key, value in state["objects"].items()}
        assert set(objects) == set(site)
        for rel, value in objects.items():
            assert value == {"digest": hashlib.sha256(site[rel]).hexdigest(),
                             "cache_control": expected_cache_control(rel)}, rel
        return state["log"]

    deploy(clone(origin, tmp_path / "first"))
    second_edition(origin)
    log = deploy(clone(origin, tmp_path / "second"))
    uploads = [key.removeprefix(prefix + "/") for op, key in log if op == "upload"]
    deletes = [key.removeprefix(prefix + "/") for op, key in log if op == "delete"]
    assert uploads[0] == "media/images/putin-2024.png"  # the new picture before the pages that show it
    assert EXPLAINER_PAGE in uploads
    assert {"media/images/putin.png", "second-explainer/index.html"} <= set(deletes)
    assert log.index(["delete", f"{prefix}/{deletes[0]}"]) > log.index(["upload", f"{prefix}/{uploads[-1]}"])


# -- what the recipes claim about the build output ------------------------------------

def names_its_content(rel: str, data: bytes) -> bool:
    """The file's name holds a hash of its content (8 or more hex digits of a common digest)."""
    digests = [hashlib.new(name, data).hexdigest() for name in ("md5", "sha1", "sha256", "blake2b", "blake2s")]
    digests += [hashlib.blake2b(data, digest_size=size).hexdigest() for size in (4, 8, 16, 32)]
    return any(run in digest for run in re.findall(r"[0-9a-f]{8,}", Path(rel).name) for digest in digests)


def test_the_cache_table_of_the_docs_is_the_policy_tested() -> None:
    rows = doc_table("## Cache headers")
    assert [(row[0].split()[0], unquote(row[1])) for row in rows] == [
        ("pages", REVALIDATE), ("`assets/`", IMMUTABLE), ("`media/`", SHORT)]
    assert [expected_cache_control(p) for p in ("index.html", "a/explainer.json", "feed.xml", "sitemap.xml",
                                                "assets/style.3f2a9c1e0b.css", "media/a.png")] == [
        REVALIDATE, REVALIDATE, REVALIDATE, REVALIDATE, IMMUTABLE, SHORT]


def test_only_files_named_by_their_content_are_immutable(built_example: Path) -> None:
    """`expected_cache_control`, which every recipe is held to, makes `assets/` `immutable`:
    each of its files must be named by a hash of its content (a new version, a new name),
    and be the theme's file under that name (as shipped: a style sheet without comments)."""
    files = site_files(built_example)
    immutable = sorted(rel for rel in files if "immutable" in expected_cache_control(rel))
    assert immutable == sorted(asset_named(files, stem, suffix)
                               for stem, suffix in (("embed", "js"), ("explainer", "js"), ("favicon", "svg"),
                                                    ("search", "css"), ("search", "js"), ("style", "css")))
    for rel in immutable:
        assert names_its_content(rel, files[rel]), rel
        plain = re.sub(r"\.[0-9a-f]{10}\.", ".", rel)
        assert files[rel] == shipped(plain, (REPO / "generator" / "theme" / plain).read_bytes())


def test_names_its_content_knows_a_fingerprinted_name() -> None:
    data = b"body { color: black }"
    assert names_its_content(f"assets/style.{hashlib.sha256(data).hexdigest()[:10]}.css", data)
    assert not names_its_content("assets/style.0123abcd.css", data)
