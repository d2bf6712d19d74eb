"""Compiled templates kept between runs, for this user only.

Every new `explainer build` compiled the theme's templates from source: 0.11 s of a
0.6 s one-explainer edit at 5,000 explainers (docs/performance.md). Jinja can keep the
compiled code, but that code is marshalled Python, run as it is loaded, so where it lives
decides who can make a build run code:

- never in the project: `.explainer-cache/` travels with a cloned or shared project and
  holds data only (docs/hardening.md);
- in this user's cache folder, `$XDG_CACHE_HOME/explainer/templates/` (by default
  `~/.cache/explainer/templates/`, made with mode 0700), and only while that folder is
  this user's own, writable by no one else, and not a symbolic link (`userkey.own_folder`,
  which also keeps the key that seals `.explainer-cache/`): what only this user can write
  is no more trusted than their own `__pycache__`. If it is anything else, or cannot be
  made, templates compile from source as before.

An entry is found by the template's name and file and by this generator's code version
(`plan.code_version`) and Jinja's version: the compiled code depends on the
environment's settings, which this code fixes. Jinja itself checks the source's digest
and Python's version before it loads an entry, so an edited template or a new Python
compiles afresh. Past `MAX_ENTRIES` files (each version of the generator or edit of
a template adds its own), the older half goes. `EXPLAINER_TEMPLATE_CACHE=off` turns it
off.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import jinja2

from generator.incremental import userkey

MAX_ENTRIES = 500
"""Compiled templates kept in the folder (the theme has 11)."""


class _VersionedCache(jinja2.FileSystemBytecodeCache):
    """Jinja's file cache, with the generator's code version in every key."""

    def __init__(self, directory: str, version: str):
        super().__init__(directory, "%s.jinja")
        self.version = f"{version}|jinja {jinja2.__version__}"

    def get_cache_key(self, name: str, filename: str | None = None) -> str:
        key = hashlib.blake2b(f"{self.version}|{name}|{filename}".encode("utf-8", "surrogatepass"),
                              digest_size=20)
        return key.hexdigest()


def user_cache(version: str) -> jinja2.BytecodeCache | None:
    """The bytecode cache in this user's cache folder, or None where it is not safe to use."""
    if os.environ.get("EXPLAINER_TEMPLATE_CACHE", "").lower() in ("off", "0", "no"):
        return None
    folder = userkey.own_folder("templates")
    if folder is None:
        return None
    _prune(folder)
    return _VersionedCache(str(folder), version)


def _prune(folder: Path) -> None:
    """Keep the newer half of the entries once there are more than `MAX_ENTRIES`."""
    try:
        entries = [e for e in os.scandir(folder) if e.name.endswith(".jinja")]
        if len(entries) <= MAX_ENTRIES:
            return
        entries.sort(key=lambda e: e.stat().st_mtime_ns)
        for entry in entries[:len(entries) - MAX_ENTRIES // 2]:
            os.unlink(entry.path)
    except OSError:  # another build pruned them first
        pass
