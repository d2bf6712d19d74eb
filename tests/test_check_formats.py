"""`check --format` and `build --format`: the contract's text lines on stderr (default),
GitHub Actions workflow annotations or JSON lines on stdout; the exit statuses do not change."""

from __future__ import annotations

import json
import re

import pytest

from generator.diagnostics import Diagnostic, Span, github_annotation, json_line

INVALID = {
    "site.yaml": "title: T\nbase_url: https://example.org/\n",
    "content/explainers/bad.md": """
        ---
        title: A
        summary: S
        published: 2024-02-30
        actors: 3
        ---
        See [x](@nobody).
        """,
    "content/explainers/100%,a:b.md": "x",  # a name with what GitHub's properties must escape
}

DATE_MESSAGE = "invalid date in 'published': '2024-02-30' is not a real day (February 2024 has 29 days)"
DATE_HINT = "use YYYY-MM-DD or 2024-03-22T20:00:00+03:00"
NAME_MESSAGE = ("invalid file name '100%,a:b.md': the name must match [a-z0-9]+(-[a-z0-9]+)* before the "
                "extension")
NAME_HINT = "rename it to '100-a-b.md'"
ACTORS_MESSAGE = "'actors' in explainer must be a mapping of id: fields"
ID_MESSAGE = "unknown id '@nobody' in the body"

TEXT = [
    f"content/explainers/100%,a:b.md:1:1: error: {NAME_MESSAGE}; {NAME_HINT}",
    f"content/explainers/bad.md:4:12: error: {DATE_MESSAGE}; {DATE_HINT}",
    f"content/explainers/bad.md:5:9: error: {ACTORS_MESSAGE}",
    f"content/explainers/bad.md:7:9: error: {ID_MESSAGE}",
]
GITHUB = [
    "::error file=content/explainers/100%25%2Ca%3Ab.md,line=1,col=1,title=explainer::"
    "invalid file name '100%25,a:b.md': the name must match [a-z0-9]+(-[a-z0-9]+)* before the extension"
    f"%0A{NAME_HINT}",
    f"::error file=content/explainers/bad.md,line=4,col=12,title=explainer::{DATE_MESSAGE}%0A{DATE_HINT}",
    f"::error file=content/explainers/bad.md,line=5,col=9,title=explainer::{ACTORS_MESSAGE}",
    f"::error file=content/explainers/bad.md,line=7,col=9,title=explainer::{ID_MESSAGE}",
]
JSON = [
    {"path": "content/explainers/100%,a:b.md", "line": 1, "column": 1, "severity": "error",
     "message": NAME_MESSAGE, "hint": NAME_HINT},
    {"path": "content/explainers/bad.md", "line": 4, "column": 12, "severity": "error",
     "message": DATE_MESSAGE, "hint": DATE_HINT},
    {"path": "content/explainers/bad.md", "line": 5, "column": 9, "severity": "error",
     "message": ACTORS_MESSAGE, "hint": None},
    {"path": "content/explainers/bad.md", "line": 7, "column": 9, "severity": "error",
     "message": ID_MESSAGE, "hint": None},
]
SUMMARY = "explainer: 4 errors; nothing was written"

WARNED = {  # valid, but base_url has no scheme and host: a warning, not an error
    "site.yaml": "title: T\nbase_url: /news/\n",
    "content/explainers/good.md": "---\ntitle: A\nsummary: S\npublished: 2024-01-01\n---\nBody.\n",
}
WARNING_MESSAGE = "base_url has no scheme and host, so feed.xml and sitemap.xml use root-relative URLs"
WARNING_HINT = "set base_url in site.yaml or pass --base-url"


@pytest.fixture
def invalid(project, monkeypatch):
    root = project(INVALID)
    monkeypatch.chdir(root)  # GitHub names files from the working directory (the repository)
    monkeypatch.delenv("GITHUB_WORKSPACE", raising=False)
    return root


@pytest.mark.parametrize("command", ["check", "build"])
def test_text_is_the_default_on_stderr(cli_run, invalid, command) -> None:
    for args in ([], ["--format", "text"]):
        result = cli_run(command, *args)
        assert (result.code, result.out, result.err_lines) == (1, "", [*TEXT, SUMMARY])
    assert not (invalid / "site").exists()


@pytest.mark.parametrize("command", ["check", "build"])
def test_github_annotations_on_stdout(cli_run, invalid, command) -> None:
    result = cli_run(command, "--format", "github")
    assert (result.code, result.out.splitlines(), result.err_lines) == (1, GITHUB, [SUMMARY])
    assert not (invalid / "site").exists()


@pytest.mark.parametrize("command", ["check", "build"])
def test_one_json_object_per_line_on_stdout(cli_run, invalid, command) -> None:
    result = cli_run(command, "--format", "json")
    assert (result.code, result.err_lines) == (1, [SUMMARY])
    assert [json.loads(line) for line in result.out.splitlines()] == JSON
    assert all(list(json.loads(line)) == ["path", "line", "column", "severity", "message", "hint"]
               for line in result.out.splitlines())


def test_github_names_files_from_the_workspace(cli_run, invalid, monkeypatch) -> None:
    """With `--root` below the repository, the annotation's file is the path in the repository
    (GITHUB_WORKSPACE, else the working directory); the text and JSON paths stay the project's."""
    monkeypatch.chdir(invalid.parent)
    result = cli_run("check", "--root", invalid.name, "--format", "github")
    assert result.out.splitlines()[1].startswith(f"::error file={invalid.name}/content/explainers/bad.md,line=4,")
    monkeypatch.chdir("/")
    monkeypatch.setenv("GITHUB_WORKSPACE", str(invalid.parent))
    assert cli_run("check", "--root", invalid, "--format", "github").out == result.out
    assert json.loads(cli_run("check", "--root", invalid, "--format", "json").out.splitlines()[1]) == JSON[1]


@pytest.mark.parametrize("command", ["check", "build"])
@pytest.mark.parametrize("form, out, err", [
    ("text", [], [f"explainer: warning: {WARNING_MESSAGE}; {WARNING_HINT}"]),
    ("github", [f"::warning title=explainer::{WARNING_MESSAGE}%0A{WARNING_HINT}"], []),
    ("json", ['{"path": null, "line": null, "column": null, "severity": "warning", '
              f'"message": "{WARNING_MESSAGE}", "hint": "{WARNING_HINT}"}}'], []),
])
def test_a_warning_in_each_format_and_exit_0(cli_run, project, command, form, out, err) -> None:
    root = project(WARNED)
    result = cli_run(command, "--root", root, "--format", form)
    assert result.code == 0
    assert result.out.splitlines() == out
    assert result.err_lines[:-1] == err  # then the closing line
    closing = (re.escape("explainer: no errors") if command == "check"
               else re.escape("explainer: ") + r"(\d+) files \(6 pages\) in " + re.escape(f"{root}/site: ")
               + r"\1 written, 0 unchanged, [\d.]+ s")
    assert re.fullmatch(closing, result.err_lines[-1]), result.err_lines[-1]


def test_an_unknown_format_is_wrong_usage(cli_run, invalid) -> None:
    result = cli_run("check", "--format", "xml")
    assert result.code == 2
    assert result.err_lines[-1] == ("explainer check: error: argument --format: invalid choice: 'xml' "
                                    "(choose from 'text', 'github', 'json')")


def test_github_escapes_what_would_end_a_value_or_the_line() -> None:
    diagnostic = Diagnostic("100% sure, a: b\r\nnext line", Span("content/a,b:c%.md", 3, 7), "fix: it, now")
    assert github_annotation(diagnostic, "content/a,b:c%.md") == (
        "::error file=content/a%2Cb%3Ac%25.md,line=3,col=7,title=explainer::"
        "100%25 sure, a: b\\r\\nnext line%0Afix: it, now")
    warning = Diagnostic("quoted \u202eevil", None, None, "warning")
    assert github_annotation(warning, None) == "::warning title=explainer::quoted \\u202eevil"


def test_json_lines_are_ascii_and_one_line_whatever_the_text() -> None:
    diagnostic = Diagnostic("caf\u00e9 \u2028 \x85 line\nbreak", Span("content/\u00e9.md", 2, 3), None)
    line = json_line(diagnostic)
    assert line.isascii() and len(line.splitlines()) == 1
    assert json.loads(line) == {"path": "content/\u00e9.md", "line": 2, "column": 3, "severity": "error",
                                "message": "caf\u00e9 \u2028 \x85 line\nbreak", "hint": None}
