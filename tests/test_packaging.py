"""A plain (not editable) `pip install .` carries the built-in theme and works from anywhere."""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

from helpers import REPO, copy_example


def test_wheel_carries_theme_and_starter(tmp_path) -> None:
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
                    "-w", str(tmp_path), str(REPO)], check=True, capture_output=True)
    [wheel] = tmp_path.glob("explainer-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    theme = REPO / "generator/theme"
    for path in theme.rglob("*"):
        if path.is_file():
            assert f"generator/theme/{path.relative_to(theme).as_posix()}" in names
    assert "generator/scaffold/explainer.md" in names
    assert "generator/scaffold/github-pages.yml" in names  # explainer new --github-pages
    assert any(n.endswith("entry_points.txt") for n in names)


def test_installed_copy_builds_a_project_outside_the_repository(tmp_path) -> None:
    """Install the wheel into a fresh virtualenv (dependencies from this one, no network) and
    build the example with its `explainer` script, run from a folder that is not the repository."""
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
                    "-w", str(tmp_path / "wheels"), str(REPO)], check=True, capture_output=True)
    [wheel] = (tmp_path / "wheels").glob("explainer-*.whl")
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    subprocess.run([sys.executable, "-m", "pip", "--python", str(venv / "bin/python"), "install",
                    "--no-deps", "-q", str(wheel)], check=True, capture_output=True)
    project = copy_example(tmp_path / "project")
    # The dependencies (jinja2, pyyaml, ...) come from this environment's site-packages; the
    # editable install of the repository there is a .pth file, which PYTHONPATH does not read.
    env = dict(os.environ, PYTHONPATH=sysconfig.get_paths()["purelib"])
    result = subprocess.run([str(venv / "bin/explainer"), "build", "--root", str(project)], cwd=tmp_path,
                            env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert (project / "site/crocus-city-hall-attack/index.html").is_file()
    assert len(list((project / "site/assets").glob("style.*.css"))) == 1
    probe = subprocess.run([str(venv / "bin/python"), "-c", "import generator; print(generator.__file__)"],
                           cwd=tmp_path, env=env, capture_output=True, text=True)
    assert probe.stdout.startswith(str(venv))
