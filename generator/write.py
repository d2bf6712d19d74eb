"""RenderedFile list -> a staging directory -> swapped in for the output directory.

The previous site stays in place, byte for byte, until the new one is
complete. On Linux the swap is one atomic `renameat2(RENAME_EXCHANGE)`, so
at no instant is the output directory missing or half-written; elsewhere it
falls back to two renames.
"""

from __future__ import annotations

import ctypes
import hashlib
import ctypes.util
import os
import posixpath
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from generator.render import RenderedFile

_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


class OutputError(Exception):
    """The output directory cannot be used; the message says why."""


@dataclass(frozen=True)
class WriteReport:
    files: int
    bytes: int
    digests: dict[str, str]
    """dest_path -> content digest of every file written."""


def check_output_dir(out_dir: Path, root: Path) -> None:
    """Refuse output directories whose replacement would destroy something that is not a site."""
    out = out_dir.resolve()
    project = root.resolve()
    if out == project or out in project.parents:
        raise OutputError(f"output directory {out_dir} contains the project; choose another --out")
    for protected in ("content", "templates"):
        if out == project / protected or (project / protected) in out.parents:
            raise OutputError(f"output directory {out_dir} is inside {protected}/; choose another --out")
    if out.exists() and not out.is_dir():
        raise OutputError(f"output path {out_dir} exists and is not a directory")
    if out.is_dir() and any(out.iterdir()) and not (out / "index.html").exists() \
            and not (out / "sitemap.xml").exists():
        raise OutputError(f"output directory {out_dir} is not empty and does not look like a built site; "
                          "empty it or choose another --out")


def safe_dest(staging: Path, dest_path: str) -> Path:
    """The file path for `dest_path` under `staging`; refuses anything that would leave it."""
    normalized = posixpath.normpath(dest_path)
    if (dest_path.startswith("/") or "\\" in dest_path or normalized.startswith("..")
            or normalized != dest_path or "\x00" in dest_path):
        raise OutputError(f"refusing to write outside the output directory: {dest_path!r}")
    return staging / normalized


def write_site(files: list[RenderedFile], out_dir: Path) -> WriteReport:
    """Write every file into a fresh staging directory, then swap it in for `out_dir`."""
    out_dir = out_dir.absolute()
    seen: set[str] = set()
    for file in files:
        key = file.dest_path.lower()
        if key in seen:
            raise OutputError(f"two outputs would be written to {file.dest_path}")
        seen.add(key)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.staging-", dir=out_dir.parent))
    total = 0
    digests: dict[str, str] = {}
    try:
        made: set[Path] = set()
        for file in files:
            dest = safe_dest(staging, file.dest_path)
            if dest.parent not in made:
                dest.parent.mkdir(parents=True, exist_ok=True)
                made.add(dest.parent)
            if file.data is not None:
                dest.write_bytes(file.data)
                total += len(file.data)
                digests[file.dest_path] = hashlib.blake2b(file.data, digest_size=16).hexdigest()
            elif file.copy_from is not None:
                shutil.copyfile(file.copy_from, dest)
                stat = dest.stat()
                total += stat.st_size
                digests[file.dest_path] = _file_digest(dest)
        os.chmod(staging, 0o755)  # mkdtemp makes it 0700; a web server must read it
        swap_in(staging, out_dir)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return WriteReport(len(files), total, digests)


def _file_digest(path: Path) -> str:
    with open(path, "rb") as handle:
        return hashlib.file_digest(handle, lambda: hashlib.blake2b(digest_size=16)).hexdigest()


def swap_in(staging: Path, out_dir: Path) -> None:
    """Make `staging` the new `out_dir` and delete the old one."""
    if not out_dir.exists():
        os.rename(staging, out_dir)
        return
    if _exchange(staging, out_dir):
        shutil.rmtree(staging, ignore_errors=True)  # now holds the old site
        return
    old = out_dir.with_name(f".{out_dir.name}.old-{os.getpid()}")
    os.rename(out_dir, old)
    os.rename(staging, out_dir)
    shutil.rmtree(old, ignore_errors=True)


def _exchange(a: Path, b: Path) -> bool:
    """Atomically exchange two paths (Linux renameat2); False where unsupported."""
    libc_name = ctypes.util.find_library("c")
    if not libc_name:
        return False
    libc = ctypes.CDLL(libc_name, use_errno=True)
    renameat2 = getattr(libc, "renameat2", None)
    if renameat2 is None:
        return False
    result = renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE)
    return result == 0


def update_site(files: list[RenderedFile], stale: list[str], out_dir: Path) -> WriteReport:
    """Write changed files into `out_dir` in place and delete `stale` ones (an incremental build).

    Each file is replaced atomically (written beside itself, then renamed over), so a
    reader never sees a half-written page; unchanged files are not touched at all.
    """
    out_dir = out_dir.absolute()
    total = 0
    digests: dict[str, str] = {}
    made: set[Path] = set()
    for file in files:
        dest = safe_dest(out_dir, file.dest_path)
        if dest.parent not in made:
            dest.parent.mkdir(parents=True, exist_ok=True)
            made.add(dest.parent)
        temp = dest.with_name(f".{dest.name}.tmp-{os.getpid()}")
        try:
            if file.data is not None:
                temp.write_bytes(file.data)
                total += len(file.data)
                digests[file.dest_path] = hashlib.blake2b(file.data, digest_size=16).hexdigest()
            elif file.copy_from is not None:
                shutil.copyfile(file.copy_from, temp)
                total += temp.stat().st_size
                digests[file.dest_path] = _file_digest(temp)
            os.replace(temp, dest)
        except BaseException:
            temp.unlink(missing_ok=True)
            raise
    for dest_path in stale:
        dest = safe_dest(out_dir, dest_path)
        dest.unlink(missing_ok=True)
        parent = dest.parent
        while parent != out_dir and parent.is_dir() and not any(parent.iterdir()):
            parent.rmdir()
            parent = parent.parent
    return WriteReport(len(files), total, digests)
