"""A plain (not editable) `pip install .` carries the built-in theme and works from anywhere;
the wheel is `explainer-ssg` (`explainer` on the package index is another project), with
the `explainer` command, and the Rust Markdown engine only where it has a wheel."""

from __future__ import annotations

import configparser
import os
import subprocess
import sys
import sysconfig
import zipfile
from email.parser import Parser
from pathlib import Path

import pytest
from packaging.requirements import Requirement

from helpers import REPO, copy_example


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("wheels")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
                    "-w", str(folder), str(REPO)], check=True, capture_output=True)
    [built] = folder.glob("*.whl")
    assert built.name == "explainer_ssg-0.1.0-py3-none-any.whl"
    return built


def _dist_info(wheel: Path, name: str) -> str:
    with zipfile.ZipFile(wheel) as archive:
        return archive.read(f"explainer_ssg-0.1.0.dist-info/{name}").decode("utf-8")


def test_the_wheel_is_explainer_ssg_with_the_explainer_command(wheel) -> None:
    metadata = Parser().parsestr(_dist_info(wheel, "METADATA"))
    assert (metadata["Name"], metadata["Version"], metadata["Requires-Python"]) == ("explainer-ssg", "0.1.0", ">=3.11")
    assert "Programming Language :: Python :: 3.14" in metadata.get_all("Classifier")
    entry_points = configparser.ConfigParser()
    entry_points.read_string(_dist_info(wheel, "entry_points.txt"))
    assert dict(entry_points["console_scripts"]) == {"explainer": "generator.cli:main"}


@pytest.mark.parametrize("environment, extras, installed", [
    ({"python_version": "3.11", "sys_platform": "linux", "platform_machine": "x86_64"}, (), True),
    ({"python_version": "3.12", "sys_platform": "darwin", "platform_machine": "arm64"}, (), True),
    ({"python_version": "3.12", "sys_platform": "win32", "platform_machine": "AMD64"}, (), True),
    ({"python_version": "3.12", "sys_platform": "win32", "platform_machine": "ARM64"}, (), False),  # no wheel
    ({"python_version": "3.12", "sys_platform": "linux", "platform_machine": "s390x"}, (), False),  # no wheel
    ({"python_version": "3.12", "platform_python_implementation": "PyPy"}, (), False),  # no wheel
    ({"python_version": "3.13", "sys_platform": "linux", "platform_machine": "x86_64"}, (), False),  # no wheel
    ({"python_version": "3.14", "sys_platform": "win32", "platform_machine": "AMD64"}, (), False),  # no wheel
    ({"python_version": "3.13", "sys_platform": "linux", "platform_machine": "x86_64"}, ("fast",), True),
])
def test_markdown_it_pyrs_comes_only_where_it_has_a_wheel_or_is_asked_for(wheel, environment, extras,
                                                                          installed) -> None:
    """So that no install needs a Rust compiler (markdown-it-pyrs 0.4.0 has wheels for CPython
    3.11 and 3.12 on x86-64, ARM64 but Windows', i686, armv7l and ppc64le)."""
    metadata = Parser().parsestr(_dist_info(wheel, "METADATA"))
    requirements = [Requirement(line) for line in metadata.get_all("Requires-Dist")]
    pyrs = [r for r in requirements if r.name == "markdown-it-pyrs"]
    assert len(pyrs) == 2 and all(r.marker is not None for r in pyrs)
    assert metadata.get_all("Provides-Extra") == ["fast", "test"]
    environment = {"platform_python_implementation": "CPython", **environment}
    wanted = any(r.marker.evaluate({**environment, "extra": extra}) for r in pyrs for extra in ("", *extras))
    assert wanted is installed
    # Everything else is needed everywhere.
    others = [r for r in requirements if r.name != "markdown-it-pyrs" and not (r.marker and "extra" in str(r.marker))]
    assert sorted(r.name for r in others) == ["anyascii", "babel", "jinja2", "markdown-it-py", "markupsafe", "mdit-py-plugins", "orjson",
                                             "pagefind-bin", "pillow", "pyyaml", "tornado"]
    assert all(r.marker is None for r in others)


def test_wheel_carries_theme_and_starter(wheel) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    theme = REPO / "generator/theme"
    for path in theme.rglob("*"):
        if path.is_file():
            assert f"generator/theme/{path.relative_to(theme).as_posix()}" in names
    assert "generator/scaffold/explainer.md" in names
    assert "generator/scaffold/github-pages.yml" in names  # explainer new --github-pages
    assert any(n.endswith("entry_points.txt") for n in names)


def test_installed_copy_builds_a_project_outside_the_repository(tmp_path, wheel) -> None:
    """Install the wheel into a fresh virtualenv (dependencies from this one, no network) and
    build the example with its `explainer` script, run from a folder that is not the repository;
    `python -m generator` is the same command."""
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
    module = subprocess.run([str(venv / "bin/python"), "-m", "generator", "--version"], cwd=tmp_path, env=env,
                            capture_output=True, text=True)
    assert (module.returncode, module.stdout) == (0, "explainer 0.1.0\n")
    script = subprocess.run([str(venv / "bin/explainer"), "check", "--root", str(project)], cwd=tmp_path, env=env,
                            capture_output=True, text=True)
    assert (script.returncode, script.stderr) == (0, "explainer: no errors\n")
