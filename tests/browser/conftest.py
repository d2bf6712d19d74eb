"""Fixtures for the theme's browser tests.

- `example_site` / `edge_site`: the repository's example project and the edge-case fixture
  project (tests/browser/fixtures/edge), each built once per session into a temporary
  directory and served by a local HTTP server thread on a free port.
- `history_site`: a copy of the example project in git, one of whose claims' verdict changed
  (its card's verdict history).
- `rtl_example_site` / `ltr_example_copy_site`: copies of the example project with
  `language: ar` and `language: ar-Latn` (the same words, left to right), built and served the same way (tests/browser/test_rtl.py
  compares the two).
- `browser`: Debian's Chromium (/usr/bin/chromium) driven by Playwright. Never
  `playwright install`. If Chromium is missing or cannot start, the tests that need it skip
  with "Chromium not available: ...".
- `artifacts`: tests/browser/artifacts/ (gitignored), where screenshots go for a reviewer.

Helpers live in browser_support.py (a conftest module should not be imported by name).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Iterator

import pytest
from helpers import example_with_verdict_history
from validator_tools import unavailable

from browser_support import (ARTIFACTS, CHROMIUM_ARGS, REPO, ServedSite, chromium_path,
                             prepare_edge_project, prepare_example_copy, serve_built)


@pytest.fixture(scope="session")
def example_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServedSite]:
    with serve_built(REPO, tmp_path_factory.mktemp("example") / "site") as site:
        yield site


@pytest.fixture(scope="session")
def edge_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServedSite]:
    root = prepare_edge_project(tmp_path_factory.mktemp("edge") / "project")
    with serve_built(root, tmp_path_factory.mktemp("edge") / "site") as site:
        yield site


@pytest.fixture(scope="session")
def history_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServedSite]:
    """The example in git, with a claim whose verdict changed (`example_with_verdict_history`)."""
    root = tmp_path_factory.mktemp("example-history") / "project"
    example_with_verdict_history(root)
    with serve_built(root, tmp_path_factory.mktemp("example-history") / "site") as site:
        yield site


@pytest.fixture(scope="session")
def rtl_example_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServedSite]:
    root = prepare_example_copy(tmp_path_factory.mktemp("example-ar") / "project", "ar")
    with serve_built(root, tmp_path_factory.mktemp("example-ar") / "site") as site:
        yield site


@pytest.fixture(scope="session")
def ltr_example_copy_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServedSite]:
    # `ar-Latn`: the Arabic catalogue's words and CLDR's Arabic dates, laid out left to right
    # (a named Latin script decides the direction), so that only the direction differs.
    root = prepare_example_copy(tmp_path_factory.mktemp("example-en") / "project", "ar-Latn")
    with serve_built(root, tmp_path_factory.mktemp("example-en") / "site") as site:
        yield site


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as exc:  # pragma: no cover - depends on the machine
        unavailable(f"Chromium not available: Playwright is not installed ({exc}); run ./dev test")
    path = chromium_path()
    if path is None:
        wanted = os.environ.get("EXPLAINER_CHROMIUM") or "/usr/bin/chromium"
        unavailable(f"Chromium not available: {wanted} not found (./dev test installs it with apt-get)")
    manager = sync_playwright().start()
    try:
        instance = manager.chromium.launch(executable_path=path, args=CHROMIUM_ARGS, timeout=60_000)
    except Exception as exc:  # pragma: no cover - depends on the machine
        manager.stop()
        unavailable(f"Chromium not available: {path} could not be launched: {exc}")
    try:
        yield instance
    finally:
        instance.close()
        manager.stop()


@pytest.fixture
def site_for(request: pytest.FixtureRequest) -> Any:
    """site_for('example_site') -> that session fixture's ServedSite (so pages can be parametrized)."""
    return request.getfixturevalue
