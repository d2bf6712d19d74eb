"""What a writer and a reader see is editorially exact.

Each test is one defect a newsroom would not accept, checked on the exact output: a status
hint never inverts a verdict; a paraphrase is never shown as a quotation; counts say what
they count; "Updated" and the modified dates follow the editorial facts (`updated:` and
corrections), not git; YAML that means something other than what the writer sees warns;
actors' hints and pages; `explainer new` starts a real project; a shallow clone says so.
"""

from __future__ import annotations

import pytest

HEAD = """\
---
title: T
summary: S
published: 2024-01-01
"""
"""Lines 1-4 of an explainer; a test's own front matter starts on line 5."""

CLAIM = "actors:\n  p:\n    name: P\nclaims:\n  c:\n    by: p\n    text: Something.\n"
"""An actor and a claim; the claim's fields continue on line 12."""


def page(front: str = "", body: str = "Body.\n") -> str:
    return HEAD + front + "---\n" + body


def check_errors(project, cli_run, files):  # type: ignore[no-untyped-def]
    root = project(files)
    result = cli_run("check", "--root", root)
    assert "Traceback" not in result.err
    return [line for line in result.err_lines if ": error: " in line]


# -- 2. verdict hints ------------------------------------------------------------------------

ALL_STATUSES = ("choose the status that says what you mean: "
                "true (the evidence shows the claim is accurate); "
                "mostly-true (accurate in substance, but missing context or detail); "
                "misleading (contains some truth but leaves a false impression); "
                "false (the evidence shows the claim is wrong); "
                "unproven (no evidence has been offered for the claim); "
                "disputed (credible parties contest the claim and the evidence is not settled); "
                "unrated (reported without a verdict)")


@pytest.mark.parametrize("written, hint", [
    ("Mostly True", "did you mean 'mostly-true'?"),
    ("mostly_true", "did you mean 'mostly-true'?"),
    ("mostly true", "did you mean 'mostly-true'?"),
    ("MOSTLY-TRUE", "did you mean 'mostly-true'?"),
    ("mostly-treu", "did you mean 'mostly-true'?"),
    ("unproved", "did you mean 'unproven'?"),
    ("flase", "did you mean 'false'?"),
    ("mostly false", ALL_STATUSES),
    ("half true", ALL_STATUSES),
    ("partly false", ALL_STATUSES),
    ("not true", ALL_STATUSES),
    ("untrue", ALL_STATUSES),
    ("undisputed", ALL_STATUSES),
])
def test_a_status_hint_fixes_only_the_form_never_the_verdict(project, cli_run, written: str, hint: str) -> None:
    errors = check_errors(project, cli_run, {"content/explainers/a.md": page(CLAIM + f"    status: {written}\n")})
    assert errors == [f"content/explainers/a.md:12:13: error: 'status' in claim 'c' is '{written}', not a status; "
                      f"{hint}"]


# -- 8. actors ---------------------------------------------------------------------------------

def test_two_differing_inline_actors_are_first_offered_another_id(project, cli_run) -> None:
    officials = "actors:\n  us-officials:\n    name: U.S. officials\n    role: {}\n"
    errors = check_errors(project, cli_run, {
        "content/explainers/a.md": page(officials.format("Pentagon spokespeople")),
        "content/explainers/b.md": page(officials.format("State Department diplomats")),
    })
    assert errors == ["content/explainers/b.md:6:3: error: actor 'us-officials' is defined differently in "
                      "content/explainers/a.md:6; if these are different actors, give one of them another id "
                      "(e.g. 'us-officials-2'); if they are the same, make the two definitions identical or move "
                      "it to content/actors/us-officials.yaml"]
