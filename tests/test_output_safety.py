"""A build writes only its output directory, and a failing build leaves it exactly as it was."""

from __future__ import annotations

import hashlib
import os
import shutil
import textwrap
from pathlib import Path

import pytest

from helpers import lock_files, make_project

A = textwrap.dedent("""\
    ---
    title: A
    summary: S
    published: 2024-01-01
    tags: [alpha]
    ---
    Body of A.
    """)

B = textwrap.dedent("""\
    ---
    title: B
    summary: S
    published: 2024-01-02
    tags: [beta]
    actors:
      only-in-b:
        name: Only In B
    claims:
      c:
        by: only-in-b
        text: Said in B.
    ---
    Body of B.
    """)


CACHE = ".explainer-cache"
"""The build cache (generator/cache.py): the one thing a successful build may write in the
project besides the output directory. A failing build writes nothing at all, cache included."""


def tree_digest(root: Path, *exclude: str) -> dict[str, str]:
    """Every path under `root` (files with a digest of their bytes), except those under `exclude`."""
    result = {}
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root).as_posix()
        if any(rel == e or rel.startswith(e + "/") for e in exclude):
            continue
        result[rel] = hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() and not path.is_symlink() \
            else "<dir>"
    return result


@pytest.fixture
def built(tmp_path: Path, cli_run) -> Path:  # type: ignore[no-untyped-def]
    """A project with two explainers, already built once."""
    root = make_project(tmp_path / "project", {"content/explainers/a.md": A, "content/explainers/b.md": B})
    assert cli_run("build", "--root", root, "--base-url", "https://example.org/").code == 0
    return root


def test_failing_build_leaves_the_site_byte_for_byte_and_writes_nothing(built: Path, cli_run) -> None:
    before = tree_digest(built / "site")
    assert "a/index.html" in before
    (built / "content/explainers/a.md").write_text(A.replace("published: 2024-01-01", "published: 2024-13-01"))
    project_before = tree_digest(built.parent)
    result = cli_run("build", "--root", built)
    assert result.code == 1
    assert result.error_lines == ["content/explainers/a.md:4:12: error: invalid date in 'published': '2024-13-01' "
                                  "has no month 13; use YYYY-MM-DD or 2024-03-22T20:00:00+03:00"]
    assert tree_digest(built / "site") == before
    assert tree_digest(built.parent) == project_before


def test_template_failure_while_rendering_leaves_the_site(built: Path, cli_run) -> None:
    before = tree_digest(built / "site")
    # Compiles, but fails while rendering: the variable does not exist (StrictUndefined).
    (built / "templates").mkdir()
    (built / "templates/index.html").write_text('{% extends "base.html" %}{% block content %}{{ no_such_thing.x }}'
                                                "{% endblock %}\n")
    project_before = tree_digest(built.parent)
    result = cli_run("build", "--root", built)
    assert result.code == 1
    assert "Traceback" not in result.err
    assert result.error_lines[0].startswith("templates/index.html:1:1: error: template error: ")
    assert tree_digest(built / "site") == before
    assert tree_digest(built.parent) == project_before


def test_deleted_explainer_leaves_no_stale_pages(built: Path, cli_run) -> None:
    assert (built / "site/b/index.html").is_file()
    assert (built / "site/tags/beta/index.html").is_file()
    assert (built / "site/actors/only-in-b/index.html").is_file()
    (built / "content/explainers/b.md").unlink()
    assert cli_run("build", "--root", built, "--base-url", "https://example.org/").code == 0
    site = built / "site"
    assert not (site / "b").exists()
    assert not (site / "tags/beta").exists()
    assert not (site / "actors/only-in-b").exists()
    assert "example.org/b/" not in (site / "sitemap.xml").read_text("utf-8")
    assert "Body of A." in (site / "a/index.html").read_text("utf-8")


def test_renamed_explainer_moves_its_page(built: Path, cli_run) -> None:
    (built / "content/explainers/a.md").rename(built / "content/explainers/a-renamed.md")
    assert cli_run("build", "--root", built).code == 0
    assert not (built / "site/a").exists()
    assert (built / "site/a-renamed/index.html").is_file()


def test_build_writes_nothing_outside_the_output_directory(built: Path, cli_run) -> None:
    (built / "content/explainers/a.md").write_text(A.replace("Body of A.", "New body."))
    project_before = tree_digest(built, "site", CACHE)
    parent_before = sorted(p.name for p in built.parent.iterdir())
    assert cli_run("build", "--root", built).code == 0
    assert tree_digest(built, "site", CACHE) == project_before
    assert sorted(p.name for p in built.parent.iterdir()) == parent_before
    assert "New body." in (built / "site/a/index.html").read_text("utf-8")


def test_first_build_writes_nothing_but_the_output_directory(tmp_path: Path, cli_run) -> None:
    root = make_project(tmp_path / "project", {"content/explainers/a.md": A})
    before = tree_digest(tmp_path)
    assert cli_run("build", "--root", root).code == 0
    assert tree_digest(tmp_path, "project/site", f"project/{CACHE}", *(f"project/{n}" for n in lock_files())) == before


def test_build_to_another_directory_leaves_the_project_alone(built: Path, tmp_path: Path, cli_run) -> None:
    before = tree_digest(built, CACHE)
    out = tmp_path / "elsewhere" / "public"
    assert cli_run("build", "--root", built, "--out", out).code == 0
    assert (out / "a/index.html").is_file()
    assert tree_digest(built, CACHE) == before
    assert sorted(p.name for p in out.parent.iterdir()) == sorted(["public", *lock_files("public")])


@pytest.mark.parametrize("out, message", [
    (".", "output directory {out} contains the project; choose another --out"),
    ("..", "output directory {out} contains the project; choose another --out"),
    ("content", "output directory {out} is inside content/; choose another --out"),
    ("content/explainers", "output directory {out} is inside content/; choose another --out"),
    ("templates", "output directory {out} is inside templates/; choose another --out"),
])
def test_output_directory_that_would_destroy_the_project_is_refused(built: Path, cli_run, out: str,
                                                                    message: str) -> None:
    before = tree_digest(built.parent)
    target = built / out
    result = cli_run("build", "--root", built, "--out", target)
    assert result.code == 2
    assert result.err_lines == ["explainer: error: " + message.format(out=target)]
    assert tree_digest(built.parent) == before


def test_output_directory_that_is_not_a_site_is_refused(built: Path, tmp_path: Path, cli_run) -> None:
    documents = make_project(tmp_path / "documents", {"thesis.txt": "do not delete\n"})
    result = cli_run("build", "--root", built, "--out", documents)
    assert result.code == 2
    assert result.err_lines == [f"explainer: error: output directory {documents} is not empty and does not look "
                                "like a built site; empty it or choose another --out"]
    assert (documents / "thesis.txt").read_text() == "do not delete\n"


def test_output_path_that_is_a_file_is_refused(built: Path, tmp_path: Path, cli_run) -> None:
    target = tmp_path / "file"
    target.write_text("x")
    result = cli_run("build", "--root", built, "--out", target)
    assert result.code == 2
    assert result.err_lines == [f"explainer: error: output path {target} exists and is not a directory"]
    assert target.read_text() == "x"


def test_stray_files_in_the_old_site_do_not_survive_a_rebuild(built: Path, cli_run) -> None:
    (built / "site/stray.html").write_text("old")
    assert cli_run("build", "--root", built).code == 0
    assert not (built / "site/stray.html").exists()


def test_rebuild_after_an_edit_writes_what_a_clean_build_writes(built: Path, cli_run, tmp_path: Path) -> None:
    (built / "content/explainers/a.md").write_text(A.replace("Body of A.", "Edited body.").replace("[alpha]", "[gamma]"))
    (built / "content/explainers/b.md").touch()
    assert cli_run("build", "--root", built, "--base-url", "https://example.org/").code == 0
    clean = tmp_path / "clean"
    shutil.copytree(built / "content", clean / "content")
    assert cli_run("build", "--root", clean, "--base-url", "https://example.org/").code == 0
    assert tree_digest(built / "site") == tree_digest(clean / "site")
    assert not (built / "site/tags/alpha").exists()


def test_a_replaced_site_is_deleted_in_the_background(built: Path, cli_run, monkeypatch) -> None:
    """`build --clean` replaces the whole site; the old one is moved into the cache's trash and
    deleted there by a background process (see `write.discard_later`), not while the build
    waits. The new site is complete when the build returns."""
    import time
    from generator import write
    spawned: list[list[str]] = []
    original = write.subprocess.Popen
    monkeypatch.setattr(write.subprocess, "Popen", lambda args, **kw: spawned.append(args) or original(args, **kw))
    old_page = (built / "site/a/index.html").stat().st_ino
    assert cli_run("build", "--root", built, "--clean", "--base-url", "https://example.org/").code == 0
    assert (built / "site/a/index.html").stat().st_ino != old_page
    trash = built / ".explainer-cache/trash"
    assert [args for args in spawned if str(trash) in args]  # (git runs too)
    for _ in range(100):  # the background process empties it
        if not any(trash.iterdir()):
            break
        time.sleep(0.05)
    assert not any(trash.iterdir())
    assert not [n for n in os.listdir(built) if n.startswith(".site.") and n not in lock_files()]
