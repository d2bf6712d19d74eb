"""Compiled templates kept in the user's cache folder (generator/template_cache.py): used
only where only this user can write, found again by a new environment, never stale."""

from __future__ import annotations

import os
from pathlib import Path

import jinja2
import pytest

from generator import render
from generator.incremental import template_cache
from helpers import copy_example, make_project


@pytest.fixture
def cache_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.delenv("EXPLAINER_TEMPLATE_CACHE", raising=False)
    return tmp_path / "cache" / "explainer" / "templates"


def _environment(root: Path, version: str = "v1") -> jinja2.Environment:
    return render.make_environment(root, template_cache.user_cache(version))


def _refuse_to_compile(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    compiled: list[str] = []
    original = jinja2.Environment.compile

    def compile_(self, source, name=None, filename=None, raw=False, defer_init=False):
        compiled.append(name)
        return original(self, source, name, filename, raw, defer_init)

    monkeypatch.setattr(jinja2.Environment, "compile", compile_)
    return compiled


def test_a_new_environment_loads_the_compiled_templates(cache_home: Path, tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    first = _environment(tmp_path).get_template("explainer.html")
    assert cache_home.is_dir() and (cache_home.stat().st_mode & 0o777) == 0o700
    entries = sorted(p.name for p in cache_home.iterdir())
    assert entries and all(name.endswith(".jinja") for name in entries)

    compiled = _refuse_to_compile(monkeypatch)
    again = _environment(tmp_path).get_template("explainer.html")
    assert compiled == []
    assert again.render.__code__.co_code == first.render.__code__.co_code

    _environment(tmp_path, version="v2").get_template("explainer.html")  # another generator
    assert "explainer.html" in compiled


def test_an_edited_template_is_compiled_again(cache_home: Path, tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    root = make_project(tmp_path / "p", {"templates/note.html": "<p>one {{ x }}</p>"})
    assert _environment(root).get_template("note.html").render(x=1) == "<p>one 1</p>"
    (root / "templates/note.html").write_text("<p>two {{ x }}</p>")
    compiled = _refuse_to_compile(monkeypatch)
    assert _environment(root).get_template("note.html").render(x=1) == "<p>two 1</p>"
    assert compiled == ["note.html"]


@pytest.mark.parametrize("junk", [b"", b"j2 not really", b"\x00" * 64])
def test_a_broken_entry_only_costs_a_compile(cache_home: Path, tmp_path: Path, junk: bytes,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    _environment(tmp_path).get_template("_macros.html")
    for entry in cache_home.iterdir():
        entry.write_bytes(junk)
    compiled = _refuse_to_compile(monkeypatch)
    macros = _environment(tmp_path).get_template("_macros.html")
    assert compiled == ["_macros.html"]
    assert 'class="badge badge-false"' in str(macros.module.badge("false", "False"))


@pytest.mark.parametrize("spoil", ["group-writable", "symlink", "file"])
def test_a_folder_others_could_write_is_not_used(cache_home: Path, tmp_path: Path, spoil: str) -> None:
    cache_home.parent.mkdir(parents=True)
    if spoil == "group-writable":
        cache_home.mkdir(mode=0o700)
        os.chmod(cache_home, 0o770)
    elif spoil == "symlink":
        (tmp_path / "elsewhere").mkdir(mode=0o700)
        cache_home.symlink_to(tmp_path / "elsewhere")
    else:
        cache_home.write_text("")
    assert template_cache.user_cache("v1") is None
    _environment(tmp_path).get_template("explainer.html")  # compiles from source
    if spoil == "symlink":
        assert not any((tmp_path / "elsewhere").iterdir())


def test_it_can_be_turned_off(cache_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EXPLAINER_TEMPLATE_CACHE", "off")
    assert template_cache.user_cache("v1") is None
    assert not cache_home.exists()


def test_a_relative_cache_home_means_the_default(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/cache")
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.chdir(tmp_path)
    assert template_cache.user_cache("v1") is not None
    assert (tmp_path / ".cache/explainer/templates").is_dir()
    assert not (tmp_path / "relative").exists()


def test_old_entries_are_pruned(cache_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(template_cache, "MAX_ENTRIES", 10)
    cache_home.mkdir(parents=True, mode=0o700)
    for i in range(11):
        entry = cache_home / f"{i:02}.jinja"
        entry.write_bytes(b"")
        os.utime(entry, ns=(i * 10**9, i * 10**9))
    template_cache.user_cache("v1")
    assert sorted(p.name for p in cache_home.iterdir()) == [f"{i:02}.jinja" for i in range(6, 11)]


def test_pages_are_the_same_with_and_without_it(cache_home: Path, tmp_path: Path, cli_run,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    root = copy_example(tmp_path / "example")
    for run in ("fill", "use"):
        assert cli_run("build", "--root", root, "--out", tmp_path / run, "--clean").code == 0
    monkeypatch.setenv("EXPLAINER_TEMPLATE_CACHE", "off")
    assert cli_run("build", "--root", root, "--out", tmp_path / "off", "--clean").code == 0
    assert any(cache_home.iterdir())
    for page in sorted((tmp_path / "off").rglob("*")):
        if page.is_file():
            rel = page.relative_to(tmp_path / "off")
            assert (tmp_path / "use" / rel).read_bytes() == page.read_bytes(), rel
