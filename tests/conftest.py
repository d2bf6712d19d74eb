"""Shared helpers for the core build tests.

- `make_project(root, files)` (from helpers.py) writes a small project (dedented text, or
  bytes as they are); the `project` fixture makes a fresh directory for each call, so it
  also works inside Hypothesis examples.
- `run_cli(capsys, args)` runs `generator.cli.main(args)` and captures stdout, stderr and
  the return code; the `cli_run` fixture binds it to the test's capsys.
- `built_example` builds the repository's own example project once per test run.

Plain helper functions that test modules import (`from helpers import ...`) live in
`helpers.py`: a conftest module should not be imported by name.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator

import pytest

from generator import cli
from helpers import EXAMPLE_BASE_URL, build_project, copy_example, make_project

# Builds keep compiled templates in the user's cache folder (generator/template_cache.py):
# the tests' builds, and the builds they start as subprocesses, use a folder of their own.
os.environ["XDG_CACHE_HOME"] = tempfile.mkdtemp(prefix="explainer-test-cache-")

# Hypothesis: the same examples on every machine and every run, and fast enough for the suite.
try:
    from hypothesis import HealthCheck, settings

    settings.register_profile(
        "explainer", max_examples=150, deadline=None, derandomize=True, database=None, print_blob=True,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    # The long run of the hardening properties (`HYPOTHESIS_PROFILE=long`, docs/hardening.md):
    # random examples, a thousand each unless a test asks for more (helpers.examples).
    settings.register_profile(
        "long", max_examples=1000, deadline=None, derandomize=False, database=None, print_blob=True,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                               HealthCheck.data_too_large, HealthCheck.filter_too_much],
    )
    settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "explainer"))
except ImportError:  # pragma: no cover - hypothesis is a test dependency
    pass


@pytest.fixture
def project(tmp_path_factory: pytest.TempPathFactory,
            request: pytest.FixtureRequest) -> Iterator[Callable[[dict[str, str | bytes]], Path]]:
    """project(files) -> a new directory holding those files.

    With `EXPLAINER_SCHEMA_VERDICTS=1`, each project is also given, when the test ends, to
    the JSON Schemas and to `explainer check` as it was made, and the two verdicts must agree
    (schema_tools.verdicts_differ; docs/schema.md)."""
    made: list[dict[str, str | bytes]] = []

    def make(files: dict[str, str | bytes]) -> Path:
        if os.environ.get("EXPLAINER_SCHEMA_VERDICTS"):
            made.append(dict(files))
        return make_project(tmp_path_factory.mktemp("project"), files)

    yield make
    for files in made:
        from schema_tools import check_errors, schema_problems, verdicts_differ
        root = make_project(tmp_path_factory.mktemp("verdict"), files)
        differ = verdicts_differ(check_errors(root), schema_problems(root))
        assert differ is None, f"{request.node.nodeid}: {files}: {differ}"


@dataclass
class CliResult:
    code: int
    out: str
    err: str

    @property
    def err_lines(self) -> list[str]:
        return self.err.splitlines()

    @property
    def error_lines(self) -> list[str]:
        """stderr without the closing summary ("explainer: 3 errors; nothing was written")."""
        return [line for line in self.err_lines
                if not (line.startswith("explainer: ") and "nothing was written" in line)]


def run_cli(capsys: pytest.CaptureFixture[str], args: list[str]) -> CliResult:
    """Run the command line in this process, as `explainer ARGS` would."""
    capsys.readouterr()  # drop anything printed before
    code = cli.main([str(a) for a in args])
    captured = capsys.readouterr()
    return CliResult(code, captured.out, captured.err)


@pytest.fixture
def cli_run(capsys: pytest.CaptureFixture[str]) -> Callable[..., CliResult]:
    """cli_run("build", "--root", path, ...) -> CliResult."""

    def run(*args: object) -> CliResult:
        return run_cli(capsys, [str(a) for a in args])

    return run


@pytest.fixture(scope="session")
def built_example(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The repository's example project, built once with base_url https://example.org/explainers/.

    It is built from a copy, so that the build cache it leaves is not the repository's."""
    root = copy_example(tmp_path_factory.mktemp("example") / "project")
    build_project(root, root / "site", EXAMPLE_BASE_URL)
    return root / "site"


