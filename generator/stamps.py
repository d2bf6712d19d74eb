"""File stamps: cheap change detection without reading files.

A stamp is the modification time, the status-change time and the size of a
file. The status-change time cannot be set back by tools that restore
modification times (`cp -p`, `tar`, some editors), so a changed file gets a
new stamp; a stamp that changed on an unchanged file only costs a re-read.
"""

from __future__ import annotations

import os
from pathlib import Path


def _stamp(stat: os.stat_result) -> str:
    return f"{stat.st_mtime_ns}:{stat.st_ctime_ns}:{stat.st_size}"


def file_stamp(path: Path) -> str:
    return _stamp(path.stat())


def stamp_or_empty(path: Path) -> str:
    """The stamp, or "" for a file that vanished or is a dangling link (reported elsewhere)."""
    try:
        return file_stamp(path)
    except OSError:
        return ""


def tree_stamps(folder: Path, label: str, into: dict[str, str]) -> None:
    """Add `label/relative path -> stamp` for every file under `folder` (absent folder: none)."""
    cut = len(str(folder)) + 1  # entry paths start with the folder and "/": no relpath (5,400 files)
    stack = [folder]
    while stack:
        current = stack.pop()
        try:
            entries = list(os.scandir(current))
        except OSError:
            continue
        for entry in entries:
            if entry.is_dir(follow_symlinks=False):
                stack.append(Path(entry.path))
                continue
            try:
                into[f"{label}/{entry.path[cut:]}"] = _stamp(entry.stat())
            except OSError:
                continue


def source_stamps(root: Path, theme: Path) -> dict[str, str]:
    """Stamp of every file a build may read: site.yaml, content/, templates/ and the built-in
    theme (which changes without a version bump in a development install)."""
    stamps: dict[str, str] = {}
    if (root / "site.yaml").is_file():
        stamps["site.yaml"] = stamp_or_empty(root / "site.yaml")
    tree_stamps(root / "content", "content", stamps)
    tree_stamps(root / "templates", "templates", stamps)
    tree_stamps(theme, "(theme)", stamps)
    return stamps


def all_exist(out_dir: Path, outputs: dict[str, str]) -> bool:
    """Every output of the last build is still on disk (someone may have deleted one).

    One `stat` each, relative to the open folder: 30,230 outputs at 5,000 explainers, where
    `os.path.exists` and joined paths took half as long again."""
    try:
        folder = os.open(out_dir, os.O_RDONLY | os.O_DIRECTORY)
    except OSError:
        return False
    stat = os.stat
    try:
        for dest in outputs:
            stat(dest, dir_fd=folder)
    except (OSError, ValueError):  # ValueError: a NUL in a tampered cache's path
        return False
    finally:
        os.close(folder)
    return True
