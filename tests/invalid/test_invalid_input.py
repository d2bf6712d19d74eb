"""One case per kind of bad input: the exact stderr of `explainer check` and `explainer build`.

Each case (invalid/cases.py) is a small project (files) and the full list of lines expected on
stderr: `path:line:column: error: message; hint` lines, sorted, then the summary line. Both
commands must exit 1, print no traceback, and write nothing.
"""

from __future__ import annotations

import pytest
from invalid.cases import CASES, Case


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
@pytest.mark.parametrize("command", ["check", "build"])
def test_bad_input_is_reported_exactly(project, cli_run, case: Case, command: str) -> None:
    root = project(case.files)
    result = cli_run(command, "--root", root)
    count = len(case.errors)
    summary = f"explainer: {count} error{'s' if count != 1 else ''}; nothing was written"
    assert result.err_lines == case.errors + [summary]
    assert result.code == 1
    assert result.out == ""
    assert "Traceback" not in result.err
    assert not (root / "site").exists()


def test_every_case_is_a_different_kind() -> None:
    assert len({c.id for c in CASES}) == len(CASES)
