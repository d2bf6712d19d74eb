"""The example project (the repository's own content/) built with
base_url https://example.org/explainers/ must match tests/golden/example/ byte for byte.

After an intended change to the output (the theme, the generator), regenerate with

    UPDATE_GOLDEN=1 .venv/bin/python -m pytest tests/test_golden.py

and review the diff of tests/golden/ like any other change.

The same bytes come from either Markdown engine: the site is built once more with
markdown-it-py, which renders where markdown-it-pyrs has no wheel (Python 3.13 and later).
"""

from __future__ import annotations

import difflib
import os
import shutil
from pathlib import Path

from helpers import EXAMPLE_BASE_URL, build_project, copy_example

GOLDEN = Path(__file__).parent / "golden" / "example"


def _files(root: Path) -> list[str]:
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())


def _first_difference(expected: bytes, actual: bytes, name: str) -> str:
    try:
        diff = difflib.unified_diff(expected.decode("utf-8").splitlines(), actual.decode("utf-8").splitlines(),
                                    f"golden/{name}", f"built/{name}", lineterm="", n=2)
        return "\n".join(list(diff)[:40])
    except UnicodeDecodeError:
        return f"{name}: binary files differ ({len(expected)} vs {len(actual)} bytes)"


def test_example_site_matches_the_golden_files(built_example: Path) -> None:
    if os.environ.get("UPDATE_GOLDEN"):
        shutil.rmtree(GOLDEN, ignore_errors=True)
        shutil.copytree(built_example, GOLDEN)
    assert_golden(built_example)


def test_the_site_built_with_markdown_it_py_matches_the_golden_files(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("EXPLAINER_MARKDOWN", "py")
    root = copy_example(tmp_path / "project")
    build_project(root, root / "site", EXAMPLE_BASE_URL)
    assert_golden(root / "site")


def assert_golden(built_example: Path) -> None:
    assert GOLDEN.is_dir(), "no golden files: run UPDATE_GOLDEN=1 .venv/bin/python -m pytest tests/test_golden.py"
    assert _files(built_example) == _files(GOLDEN), "the build writes other files than the golden site"
    different = [name for name in _files(GOLDEN)
                 if (GOLDEN / name).read_bytes() != (built_example / name).read_bytes()]
    if different:
        first = different[0]
        detail = _first_difference((GOLDEN / first).read_bytes(), (built_example / first).read_bytes(), first)
        raise AssertionError(f"{len(different)} file(s) differ from tests/golden/example/: {different}\n{detail}\n"
                             "If the change is intended: UPDATE_GOLDEN=1 .venv/bin/python -m pytest "
                             "tests/test_golden.py")
