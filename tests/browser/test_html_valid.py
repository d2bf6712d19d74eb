"""Every built page parses as HTML with html5lib in strict mode (no parse errors at all),
and has no duplicate ids. Needs no browser."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import html5lib
import pytest

from browser_support import REPO, build, prepare_edge_project, prepare_example_copy


@pytest.fixture(scope="module")
def built_pages(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    example = tmp_path_factory.mktemp("valid-example") / "site"
    build(REPO, example, "http://127.0.0.1:8000/")
    edge_root = prepare_edge_project(tmp_path_factory.mktemp("valid-edge") / "project")
    edge = tmp_path_factory.mktemp("valid-edge") / "site"
    build(edge_root, edge, "http://127.0.0.1:8001/")
    # The example in Arabic, right to left (the mirrored claim map, `dir` on the root).
    arabic_root = prepare_example_copy(tmp_path_factory.mktemp("valid-ar") / "project", "ar")
    arabic = tmp_path_factory.mktemp("valid-ar") / "site"
    build(arabic_root, arabic, "http://127.0.0.1:8002/")
    # The smallest projects: one explainer with only the required fields, and no explainer at all.
    bare_root = tmp_path_factory.mktemp("valid-bare") / "project"
    (bare_root / "content" / "explainers").mkdir(parents=True)
    (bare_root / "content" / "explainers" / "bare.md").write_text(
        "---\ntitle: Bare\nsummary: Nothing else.\npublished: 2024-01-01\n---\nJust a body.\n", encoding="utf-8")
    bare = tmp_path_factory.mktemp("valid-bare") / "site"
    build(bare_root, bare, "/")
    empty_root = tmp_path_factory.mktemp("valid-empty") / "project"
    (empty_root / "content").mkdir(parents=True)
    empty = tmp_path_factory.mktemp("valid-empty") / "site"
    build(empty_root, empty, "/")
    pages = [p for site in (example, edge, arabic, bare, empty) for p in sorted(site.rglob("*.html"))]
    assert len(pages) > 10, pages
    return pages


def test_every_page_parses_strictly(built_pages: list[Path]) -> None:
    failures = []
    for page in built_pages:
        parser = html5lib.HTMLParser(strict=True, namespaceHTMLElements=False)
        text = page.read_text(encoding="utf-8")
        try:
            parser.parse(text)
        except html5lib.html5parser.ParseError as exc:
            (line, col), code, data = parser.errors[-1] if parser.errors else ((0, 0), str(exc), {})
            source_line = text.splitlines()[line - 1] if 0 < line <= len(text.splitlines()) else ""
            failures.append(f"{page}:{line}:{col}: {code} {data or ''}\n    {source_line.strip()[:160]}")
    assert not failures, "\n".join(failures)


def test_no_duplicate_ids(built_pages: list[Path]) -> None:
    failures = []
    for page in built_pages:
        tree = html5lib.parse(page.read_bytes(), namespaceHTMLElements=False)
        ids = Counter(el.get("id") for el in tree.iter() if el.get("id"))
        duplicates = sorted(i for i, n in ids.items() if n > 1)
        if duplicates:
            failures.append(f"{page}: duplicate ids {duplicates}")
    assert not failures, "\n".join(failures)


def test_every_page_has_the_contract_shell(built_pages: list[Path]) -> None:
    for page in built_pages:
        text = page.read_text(encoding="utf-8")
        assert text.startswith("<!doctype html>"), page
        assert re.search(r'<html lang="[a-z-]+"', text), page
        assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in text, page
        assert '<main id="main">' in text, page
        if "/embed/" in page.as_posix():
            # A section alone in another site's frame: nothing to skip, and any in-page link
            # would open the full explainer (its <base href>).
            assert '<meta name="robots" content="noindex">' in text and 'href="#main"' not in text, page
        else:
            assert 'href="#main"' in text, page
