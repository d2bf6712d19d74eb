"""The command line: help, usage errors (2), content errors (1), `python -m generator`, check, new."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import pytest

from generator import compat
from helpers import REPO, iter_files

GOOD = {
    "content/explainers/a.md": """
        ---
        title: A
        summary: S
        published: 2024-01-01
        ---
        Body.
        """,
}

BAD = {
    "content/explainers/a.md": """
        ---
        title: A
        summary: S
        published: 2024-02-30
        ---
        Body.
        """,
}
BAD_LINES = [
    "content/explainers/a.md:4:12: error: invalid date in 'published': '2024-02-30' is not a real day "
    "(February 2024 has 29 days); use YYYY-MM-DD or 2024-03-22T20:00:00+03:00",
    "explainer: 1 error; nothing was written",
]


def snapshot(root: Path) -> dict[str, str]:
    """Every file and directory under `root` with a digest of its bytes."""
    result = {}
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root).as_posix()
        result[rel] = hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else "<dir>"
    return result


# -- help and usage ------------------------------------------------------------------------------

@pytest.mark.parametrize("args", [["--help"], ["build", "--help"], ["check", "--help"], ["new", "--help"],
                                  ["serve", "--help"], ["schema", "--help"], ["--version"]])
def test_help_exits_0(cli_run, args: list[str]) -> None:
    result = cli_run(*args)
    assert result.code == 0
    assert result.out.startswith("usage: explainer") or result.out.startswith("explainer ")


def test_build_help_names_its_options(cli_run) -> None:
    out = cli_run("build", "--help").out
    for option in ("--root", "--out", "--base-url"):
        assert option in out


@pytest.mark.parametrize("args, message", [
    ([], "explainer: error: the following arguments are required: COMMAND"),
    (["publish"], "explainer: error: argument COMMAND: invalid choice: 'publish'"),
    (["build", "--bogus"], "explainer: error: unrecognized arguments: --bogus"),
    (["new"], "explainer new: error: the following arguments are required: TITLE"),
    (["serve", "--port", "eighty"], "explainer serve: error: argument --port: invalid int value: 'eighty'"),
])
def test_wrong_usage_exits_2(cli_run, args: list[str], message: str) -> None:
    result = cli_run(*args)
    assert result.code == 2
    assert result.err_lines[0].startswith("usage: explainer")
    assert result.err_lines[-1].startswith(message)


def test_missing_project_directory_is_wrong_usage(cli_run, tmp_path) -> None:
    result = cli_run("build", "--root", tmp_path / "nowhere")
    assert result.code == 2
    assert result.err_lines == [f"explainer: error: project directory {tmp_path / 'nowhere'} does not exist"]


# -- build and check -----------------------------------------------------------------------------

def test_build_succeeds_and_says_what_it_wrote(project, cli_run) -> None:
    root = project(GOOD)
    result = cli_run("build", "--root", root, "--base-url", "https://example.org/")
    assert result.code == 0
    assert result.out == ""
    assert len(result.err_lines) == 1
    assert result.err_lines[0].startswith("explainer: ") and "error" not in result.err_lines[0]
    assert (root / "site/index.html").is_file()


def test_build_timings_say_how_long_each_stage_took(project, cli_run) -> None:
    import re
    root = project(GOOD)
    args = ("build", "--root", root, "--base-url", "https://example.org/", "--timings")
    full = cli_run(*args)
    assert full.code == 0
    assert re.fullmatch(r"explainer: stages: compile \d+\.\d\d s, plan \d+\.\d\d s, render \d+\.\d\d s, "
                        r"swap \d+\.\d\d s, cache \d+\.\d\d s", full.err_lines[-1])
    assert cli_run(*args).err_lines[-1] == "explainer: stages: none (nothing changed)"


def test_content_errors_exit_1_without_traceback(project, cli_run) -> None:
    root = project(BAD)
    for command in ("build", "check"):
        result = cli_run(command, "--root", root)
        assert result.code == 1
        assert result.err_lines == BAD_LINES
        assert "Traceback" not in result.err
    assert not (root / "site").exists()


def test_check_on_a_good_project(project, cli_run) -> None:
    root = project(GOOD)
    result = cli_run("check", "--root", root)
    assert result.code == 0
    assert result.err_lines[-1] == "explainer: no errors"


def test_check_writes_nothing(project, cli_run) -> None:
    root = project(GOOD)
    parent_before = sorted(p.name for p in root.parent.iterdir())
    before = snapshot(root)
    assert cli_run("check", "--root", root).code == 0
    assert snapshot(root) == before
    assert sorted(p.name for p in root.parent.iterdir()) == parent_before


def test_check_compiles_the_templates(project, cli_run) -> None:
    files = dict(GOOD)
    files["templates/index.html"] = '{% extends "base.html" %}\n{% block content %}{{ oops }\n'
    root = project(files)
    result = cli_run("check", "--root", root)
    assert result.code == 1
    assert result.error_lines == ["templates/index.html:2:1: error: template syntax error: unexpected '}'"]


def test_build_with_a_broken_template_writes_nothing(project, cli_run) -> None:
    files = dict(GOOD)
    files["templates/explainer.html"] = "{% extends 'base.html' %}{% block content %}{% if %}{% endblock %}\n"
    root = project(files)
    result = cli_run("build", "--root", root)
    assert result.code == 1
    assert "Traceback" not in result.err
    assert result.error_lines[0].startswith("templates/explainer.html:1:1: error: template syntax error: ")
    assert not (root / "site").exists()


def test_default_root_is_the_current_directory(project, cli_run, monkeypatch) -> None:
    root = project(GOOD)
    monkeypatch.chdir(root)
    assert cli_run("build").code == 0
    assert (root / "site/a/index.html").is_file()


# -- python -m generator -------------------------------------------------------------------------

def _run_module(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, PYTHONPATH=str(REPO))
    return subprocess.run([sys.executable, "-m", "generator", *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=60)


def test_python_dash_m_generator_builds(project) -> None:
    root = project(GOOD)
    result = _run_module("build", "--root", str(root), "--base-url", "https://example.org/", cwd=root)
    assert result.returncode == 0, result.stderr
    assert (root / "site/a/index.html").is_file()


def test_python_dash_m_generator_exit_codes(project) -> None:
    root = project(BAD)
    errors = _run_module("check", "--root", str(root), cwd=root)
    assert errors.returncode == 1
    assert errors.stderr.splitlines() == BAD_LINES
    usage = _run_module("frobnicate", cwd=root)
    assert usage.returncode == 2
    assert "Traceback" not in usage.stderr


# -- new -----------------------------------------------------------------------------------------

def test_new_creates_an_explainer_that_builds(tmp_path, cli_run) -> None:
    result = cli_run("new", "Some Title", "--root", tmp_path)
    assert result.code == 0, result.err
    assert result.out == "content/explainers/some-title.md\n"
    created = tmp_path / "content/explainers/some-title.md"
    assert created.read_text("utf-8").startswith('---\ntitle: "Some Title"\n')
    assert cli_run("check", "--root", tmp_path).code == 0
    assert cli_run("build", "--root", tmp_path, "--drafts").code == 0  # the starter is a draft
    page = (tmp_path / "site/some-title/index.html").read_text("utf-8")
    assert "Some Title" in page
    # The starter shows every part of the format: a question and a claim that answers it.
    assert 'id="question-example-question"' in page
    assert 'href="#question-example-question" class="ref ref-question"' in page


def test_new_keeps_quotes_and_punctuation_in_the_title(tmp_path, cli_run) -> None:
    result = cli_run("new", 'Who said "no" \\ why?', "--root", tmp_path)
    assert result.out == "content/explainers/who-said-no-why.md\n"
    assert cli_run("build", "--root", tmp_path, "--drafts").code == 0
    page = (tmp_path / "site/who-said-no-why/index.html").read_text("utf-8")
    assert "Who said &#34;no&#34; \\ why?" in page or "Who said &quot;no&quot; \\ why?" in page


def test_new_avoids_reserved_slugs(tmp_path, cli_run) -> None:
    assert cli_run("new", "Tags", "--root", tmp_path).out == "content/explainers/tags-explainer.md\n"


def test_new_refuses_to_overwrite(tmp_path, cli_run) -> None:
    assert cli_run("new", "Some Title", "--root", tmp_path).code == 0
    path = tmp_path / "content/explainers/some-title.md"
    path.write_text("my work\n", "utf-8")
    result = cli_run("new", "Some  title", "--root", tmp_path)
    assert result.code == 1
    assert result.error_lines == ["explainer: error: content/explainers/some-title.md already exists; "
                                  "choose another title or edit that file"]
    assert path.read_text("utf-8") == "my work\n"


def test_new_with_an_empty_title_is_refused(tmp_path, cli_run) -> None:
    result = cli_run("new", "   ", "--root", tmp_path)
    assert result.code == 1
    assert result.error_lines == ["explainer: error: the title must not be empty"]
    assert list(iter_files(tmp_path)) == []


def test_new_drops_accents_from_the_slug_and_control_characters_from_the_title(tmp_path, cli_run) -> None:
    result = cli_run("new", "Crème brûlée à Paris\x07", "--root", tmp_path)
    assert result.out == "content/explainers/creme-brulee-a-paris.md\n"
    assert cli_run("build", "--root", tmp_path, "--drafts").code == 0
    assert "Crème brûlée à Paris" in (tmp_path / "site/creme-brulee-a-paris/index.html").read_text("utf-8")


def test_root_that_is_a_file_is_wrong_usage(cli_run, tmp_path) -> None:
    (tmp_path / "file").write_text("x")
    result = cli_run("check", "--root", tmp_path / "file")
    assert result.code == 2
    assert result.err_lines == [f"explainer: error: project directory {tmp_path / 'file'} is not a directory"]


@pytest.mark.skipif(sys.platform != "linux" or not compat.can_fork(), reason="a pseudo-terminal, and forked workers")
def test_a_long_build_counts_on_a_terminal_and_is_quiet_when_piped(tmp_path) -> None:
    """On a terminal, a full build shows a running count while it compiles (on the workers)
    and while it renders, then one closing line; piped, or in CI, only the closing line."""
    import pty
    import select
    sys.path.insert(0, str(REPO / "bench"))
    from synth import make_project as synth_project
    root = synth_project(tmp_path / "p", 150, shared_pool=20, body_words=300)
    env = {k: v for k, v in os.environ.items() if k != "CI"}
    command = [sys.executable, "-m", "generator", "build", "--root", str(root), "--jobs", "2", "--clean"]

    leader, follower = pty.openpty()
    process = subprocess.Popen(command, cwd=REPO, env=env, stdin=follower, stdout=follower, stderr=follower)
    os.close(follower)
    shown = b""
    while True:
        ready, _, _ = select.select([leader], [], [], 120)
        try:
            chunk = os.read(leader, 65536) if ready else b""
        except OSError:  # the build ended and closed the terminal
            chunk = b""
        if not chunk:
            break
        shown += chunk
    assert process.wait(timeout=120) == 0
    os.close(leader)
    text = shown.decode()
    assert "\r\x1b[Kexplainer: compiling 0/150 explainers" in text  # each line clears the last
    assert "\r\x1b[Kexplainer: rendering " in text
    assert text.rstrip().splitlines()[-1].endswith(" s") and "written" in text.splitlines()[-1]

    piped = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, timeout=120)
    assert piped.returncode == 0
    assert "\r" not in piped.stderr and piped.stderr.count("\n") == 1 and "written" in piped.stderr
