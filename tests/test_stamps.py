"""File stamps (generator/stamps.py): what a build compares to find changed sources and
deleted outputs without reading files."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from generator import compat
from generator.incremental import stamps


def test_tree_stamps_names_every_file_by_its_path_under_the_label(tmp_path: Path) -> None:
    for rel in ("a.md", "sub/b.md", "sub/deeper/c.yaml"):
        (tmp_path / "content" / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / "content" / rel).write_text(rel)
    found: dict[str, str] = {}
    stamps.tree_stamps(tmp_path / "content", "content", found)
    assert sorted(found) == ["content/a.md", "content/sub/b.md", "content/sub/deeper/c.yaml"]
    size = os.stat(tmp_path / "content/sub/b.md").st_size
    assert found["content/sub/b.md"].endswith(f":{size}")
    stamps.tree_stamps(tmp_path / "absent", "templates", found)
    assert len(found) == 3


def test_a_project_folder_linked_out_of_the_project_is_not_walked(tmp_path: Path) -> None:
    """A cloned project's `i18n -> /usr` was walked whole on every build (0.5 to 1 s for
    117,000 files); the link is stamped by where it points instead. A link inside the
    project is followed as before."""
    root, outside, theme = tmp_path / "p", tmp_path / "outside", tmp_path / "theme"
    for folder in (root / "content" / "i18n", outside / "deep", theme):
        folder.mkdir(parents=True)
    (outside / "deep" / "fr.yaml").write_text("x: y\n")
    (root / "content" / "i18n" / "de.yaml").write_text("x: y\n")
    (root / "i18n").symlink_to(outside)
    found = stamps.source_stamps(root, theme)
    assert found["i18n"] == f"link:{outside}"
    assert not [key for key in found if key.startswith("i18n/")]
    (root / "i18n").unlink()
    (root / "i18n").symlink_to(root / "content" / "i18n")
    found = stamps.source_stamps(root, theme)
    assert "i18n" not in found and "i18n/de.yaml" in found


def test_a_rewritten_file_gets_a_new_stamp(tmp_path: Path) -> None:
    (tmp_path / "t").mkdir()
    (tmp_path / "t/a.md").write_text("one")
    before: dict[str, str] = {}
    stamps.tree_stamps(tmp_path / "t", "t", before)
    os.utime(tmp_path / "t/a.md", ns=(1, 1))
    (tmp_path / "t/a.md").write_text("two")
    os.utime(tmp_path / "t/a.md", ns=(1, 1))  # as `cp -p` would: the status-change time moves on
    after: dict[str, str] = {}
    stamps.tree_stamps(tmp_path / "t", "t", after)
    assert before["t/a.md"] != after["t/a.md"]


def test_all_exist_notices_a_deleted_output(tmp_path: Path) -> None:
    site = tmp_path / "site"
    outputs = {"index.html": "", "a/index.html": "", "a/explainer.json": "", "actors/x/index.html": ""}
    for rel in outputs:
        (site / rel).parent.mkdir(parents=True, exist_ok=True)
        (site / rel).write_text("x")
    assert stamps.all_exist(site, outputs)
    (site / "a/explainer.json").unlink()
    assert not stamps.all_exist(site, outputs)
    assert not stamps.all_exist(tmp_path / "gone", {"index.html": ""})
    assert not stamps.all_exist(site, {"index.html": "", "bad\x00name": ""})
    assert stamps.all_exist(site, {})


@pytest.mark.skipif(not compat.can_fork(), reason="where workers are forked (compat.can_fork)")
def test_the_outputs_check_answers_from_another_process(tmp_path: Path) -> None:
    site = tmp_path / "site"
    (site / "a").mkdir(parents=True)
    (site / "a/index.html").write_text("x")
    outputs = {"a/index.html": ""}
    with stamps.OutputsCheck(site, outputs) as check:
        assert check.pid  # forked
        (site / "a/index.html").unlink()  # too late: the child may have looked already, or not
        answer = check.all_exist()
        assert check.all_exist() is answer and check.pid == 0
    with stamps.OutputsCheck(site, outputs) as check:
        assert check.all_exist() is False
    with stamps.OutputsCheck(site, {}) as check:
        child = check.pid
    assert check.pid == 0  # reaped though never asked
    try:
        os.waitpid(child, os.WNOHANG)
    except ChildProcessError:
        pass
    else:
        raise AssertionError("the child was left behind")
