"""Rendered files -> a staging directory -> the output directory.

Every build writes into a fresh staging directory beside the output
directory first; only when every file is there does the output change:

- a full build swaps the staging directory in for the whole output directory
  with one atomic `renameat2(RENAME_EXCHANGE)` on Linux, so at no instant is the
  output missing or half-written (elsewhere two renames, between which it is
  missing for an instant: see `_rename_swap`);
- an incremental `build` keeps the site before last in the cache's folder, as
  `.explainer-cache/previous-<hash>/` (its unchanged files are hard links to the
  live ones; see `previous_dir`).
  Its staging directory holds only the changed files: they are moved into
  the previous generation, which is brought up to date file by file while
  nobody reads it, and then exchanged with the output directory in one
  rename. The cost follows the number of changed files, not the size of the
  site. Without a previous generation (the first edit after a full build),
  the unchanged files are hard-linked into staging instead (`link_unchanged`)
  and the site it replaces is kept as the previous generation;
- an edit whose changed files all lie in one folder (an explainer's page and
  JSON, see `shortcut`) makes that folder anew in staging, its unchanged files
  hard-linked, and exchanges it with the live folder in one rename
  (`replace_folder`): the cost of the folder, whatever the size of the site;
- `serve`'s rebuilds (of its preview folder, never site/) rename each changed
  file over its old version (atomic per file, after writing a journal that the
  next build replays if the process died half-way) and delete stale files.

A failing build therefore leaves the previous site byte for byte as it was.
A site that a build replaces and keeps no use for is deleted by a background
process, after being moved out of the way (`discard_later`).

Every name the build keeps beside the output directory or in the cache's folder
(`.site.staging-*`, `.site.old-*`, `.site.trash`, `.explainer-cache/trash`,
`previous-*`) may hold anything in a cloned project: they are looked at without
following links, a link found there is removed rather than followed, and trees are
deleted with `safefs.remove_tree`. The previous generation's name is keyed with this
user's key (`previous_dir`), so a hostile tree cannot plant files in it; a journal is
replayed only if this user's key sealed it. The output directory itself may not be a
symbolic link (`check_output_dir`).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import posixpath
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from generator import compat, safefs
from generator.incremental import userkey
from generator.render import RenderedFile


class OutputError(Exception):
    """The output directory cannot be used; the message says why."""


class OutputIsLink(OutputError):
    """The output directory is a symbolic link: refused, since replacing it would replace the
    link (the folder it points at staying stale) and writing through it could not be atomic."""


@dataclass
class WriteReport:
    files: int = 0
    bytes: int = 0
    digests: dict[str, str] = field(default_factory=dict)
    """dest_path -> content digest of every file written."""

    def merge(self, other: WriteReport) -> None:
        self.files += other.files
        self.bytes += other.bytes
        self.digests.update(other.digests)


def refuse_link(out_dir: Path) -> None:
    """OutputIsLink if `out_dir` itself is a symbolic link (one lstat: every build asks)."""
    if os.path.islink(out_dir):
        target = os.path.realpath(out_dir)
        raise OutputIsLink(f"output directory {out_dir} is a symbolic link (to {target}); pass the folder "
                           f"it points to with --out {target}, or remove the link")


def check_output_dir(out_dir: Path, root: Path) -> None:
    """Refuse output directories whose replacement would destroy something that is not a site."""
    refuse_link(out_dir)
    out = out_dir.resolve()
    project = root.resolve()
    if out == project or out in project.parents:
        raise OutputError(f"output directory {out_dir} contains the project; choose another --out")
    for protected in ("content", "templates"):
        if out == project / protected or (project / protected) in out.parents:
            raise OutputError(f"output directory {out_dir} is inside {protected}/; choose another --out")
    if out.exists() and not out.is_dir():
        raise OutputError(f"output path {out_dir} exists and is not a directory")
    looks_built = (out / "index.html").exists() or (out / "sitemap.xml").exists()
    if out.is_dir() and any(out.iterdir()) and not looks_built:
        raise OutputError(f"output directory {out_dir} is not empty and does not look like a built site; "
                          "empty it or choose another --out")


def is_safe_dest(dest_path: str) -> bool:
    """`dest_path` is a plain relative path that stays inside the folder it is joined to."""
    normalized = posixpath.normpath(dest_path)
    return not (dest_path.startswith("/") or "\\" in dest_path or normalized.startswith("..")
                or normalized != dest_path or "\x00" in dest_path)


def safe_dest(base: Path, dest_path: str) -> Path:
    """The file path for `dest_path` under `base`; refuses anything that would leave it."""
    if not is_safe_dest(dest_path):
        raise OutputError(f"refusing to write outside the output directory: {dest_path!r}")
    return base / dest_path


def make_staging(out_dir: Path) -> Path:
    """A fresh, empty directory beside `out_dir` (same file system, so renames are atomic)."""
    out_dir = out_dir.absolute()
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.staging-", dir=out_dir.parent))
    os.chmod(staging, 0o755)  # mkdtemp makes it 0700; a web server must read it
    return staging


def discard(path: Path) -> None:
    """Delete a folder the build made (or a leftover under one of its names) now, following
    no link and entering no other file system (`safefs.remove_tree`)."""
    safefs.remove_tree(path)


def content_digest(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def write_files(files: Iterable[RenderedFile], staging: Path) -> WriteReport:
    """Write files into the staging directory (creating folders as needed)."""
    report = WriteReport()
    made: set[Path] = set()
    for file in files:
        dest = safe_dest(staging, file.dest_path)
        if dest.parent not in made:
            dest.parent.mkdir(parents=True, exist_ok=True)
            made.add(dest.parent)
        if os.path.lexists(dest):
            # A hard link to the previous site's file (see `link_unchanged`): writing through
            # it would change the old site too.
            os.unlink(dest)
        if file.data is not None:
            with open(dest, "wb") as handle:
                handle.write(file.data)
            report.bytes += len(file.data)
            report.digests[file.dest_path] = content_digest(file.data)
        elif file.copy_from is not None:
            shutil.copyfile(file.copy_from, dest)
            report.bytes += dest.stat().st_size
            with open(dest, "rb") as handle:
                report.digests[file.dest_path] = hashlib.file_digest(
                    handle, lambda: hashlib.blake2b(digest_size=16)).hexdigest()
        report.files += 1
    return report


def link_unchanged(out_dir: Path, staging: Path, skip: set[str], folder: str = "") -> None:
    """Fill staging with hard links to every file of `out_dir` (or of its `folder` only) except
    `skip` (the files this build rewrites or deletes), so that an incremental build can swap
    in a complete site (or folder). A hard link costs a directory entry, not a copy; where
    links are not possible, copy."""
    out_dir = out_dir.absolute()
    for dirpath, _dirnames, filenames in os.walk(safe_dest(out_dir, folder) if folder else out_dir):
        rel = os.path.relpath(dirpath, out_dir)
        target_dir = staging if rel == "." else staging / rel
        made = False  # folders are made for the files they keep: none for a deleted page
        for name in filenames:
            dest_path = name if rel == "." else f"{Path(rel).as_posix()}/{name}"
            if dest_path in skip:
                continue
            if not made:
                target_dir.mkdir(parents=True, exist_ok=True)
                made = True
            source = os.path.join(dirpath, name)
            try:
                os.link(source, target_dir / name, follow_symlinks=False)
            except OSError:
                shutil.copy2(source, target_dir / name, follow_symlinks=False)


def previous_dir(out_dir: Path, cache_dir: Path | None) -> Path | None:
    """Where the site before last is kept (see the module docstring): in the build cache's
    folder, which git ignores, when that is on the output directory's file system (the swap
    renames it, and its unchanged files are hard links); else beside the output directory.
    None without a usable cache (`cache_dir` None) or without this user's key.

    Its name is a digest of the output directory keyed with this user's key: a cloned
    project cannot have planted files in it (it is swapped in for the site with every file
    it holds), since no one without the key can tell its name."""
    secret = userkey.key()
    if cache_dir is None or secret is None:
        return None
    out_dir = out_dir.absolute()
    name = hashlib.blake2b(str(out_dir).encode(), key=secret, digest_size=12, person=b"previous").hexdigest()
    if _beside_cache(out_dir, cache_dir):
        return cache_dir.absolute() / f"previous-{name}"
    return out_dir.with_name(f".{out_dir.name}.previous-{name}")


def discard_previous(out_dir: Path, cache_dir: Path | None, trash: Path | None) -> None:
    """Delete the previous generation (a full build leaves none that a state describes), and
    the one an earlier version kept under an unkeyed name."""
    if cache_dir is None:
        return
    found = previous_dir(out_dir, cache_dir)
    if found is not None:
        discard_later(found, trash)
    out_dir = out_dir.absolute()
    unkeyed = hashlib.blake2b(str(out_dir).encode(), digest_size=8).hexdigest()
    for old in (cache_dir / f"previous-{unkeyed}", out_dir.with_name(f".{out_dir.name}.previous")):
        discard_later(old, trash)


def trash_dir(out_dir: Path, cache_dir: Path | None) -> Path:
    """Where `discard_later` moves what it deletes: on the output directory's file system,
    in the build cache's folder where that is possible (and the cache usable: `cache_dir`
    not None), else beside the output directory."""
    out_dir = out_dir.absolute()
    if cache_dir is not None and _beside_cache(out_dir, cache_dir):
        return cache_dir.absolute() / "trash"
    return out_dir.with_name(f".{out_dir.name}.trash")


def _beside_cache(out_dir: Path, cache_dir: Path) -> bool:
    """The cache's folder is (or, made in its parent, would be) on the output's file system."""
    try:
        # Not created here: a build that fails must leave the project as it was. Where it does
        # not exist yet, it will be made in its parent, on the parent's file system.
        where = cache_dir if safefs.is_own_folder(cache_dir) else cache_dir.parent
        return os.stat(where).st_dev == os.stat(out_dir.parent).st_dev
    except OSError:
        return False


_EMPTY_TRASH = ("import os, sys\n"
                "if hasattr(os, 'nice'):  # not on Windows\n"
                "    os.nice(10)\n"
                "sys.path.insert(0, sys.argv[1]); from generator import safefs\n"
                "safefs.empty_folder(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))")
"""The background emptier: `safefs.empty_folder` on the trash folder, if it is still the one
the build moved things into (its device and inode are passed)."""


def discard_later(path: Path, trash: Path | None) -> None:
    """Delete a folder without waiting: move it into `trash` and let a background process
    delete it there. Deleting a replaced site of 5,000 explainers (30,000 files) took 20 s,
    which `build --clean` spent after its work was done. Where it cannot be moved (or
    `trash` is None, or not a real folder of this user's), it is deleted now.

    A link at `path` is moved (or removed) itself; a link or file found at `trash` is
    replaced by a real folder. Nothing is ever deleted through a link."""
    if not os.path.lexists(path):
        return
    if trash is not None:
        try:
            if not safefs.own_folder(trash):
                raise OSError("no trash folder")
            os.rename(path, trash / f"{path.name}-{os.getpid()}-{os.urandom(4).hex()}")
            folder = os.lstat(trash)
        except OSError:
            trash = None
    if trash is None:
        discard(path)
        return
    # Detached, with no file of ours open: it must not hold the output lock (see `lock`).
    package_parent = str(Path(safefs.__file__).resolve().parent.parent)
    subprocess.Popen([sys.executable, "-c", _EMPTY_TRASH, package_parent, str(trash), str(folder.st_dev),
                      str(folder.st_ino)], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                     stderr=subprocess.DEVNULL, start_new_session=True)


def update_previous(staging: Path, previous: Path, out_dir: Path, written: Iterable[str],
                    relink: Iterable[str], stale: Iterable[str]) -> None:
    """Bring the previous generation up to this build's site: move in the files this build
    wrote (from staging), hard-link from the live site the files the last build changed
    (`relink`: the previous generation still has their older version), delete `stale` files
    (and folders left empty). The live site is not touched."""
    made: set[Path] = set()

    def parent_of(dest: Path) -> None:
        if dest.parent not in made:
            dest.parent.mkdir(parents=True, exist_ok=True)
            made.add(dest.parent)

    for dest_path in written:
        dest = safe_dest(previous, dest_path)
        parent_of(dest)
        os.replace(safe_dest(staging, dest_path), dest)
    for dest_path in relink:
        dest = safe_dest(previous, dest_path)
        parent_of(dest)
        source = safe_dest(out_dir, dest_path)
        if os.path.lexists(dest):
            os.unlink(dest)
        try:
            os.link(source, dest, follow_symlinks=False)
        except OSError:
            shutil.copy2(source, dest, follow_symlinks=False)
    for dest_path in stale:
        _remove(previous, dest_path)


def _remove(base: Path, dest_path: str) -> None:
    """Delete a file of a site and the folders it leaves empty."""
    dest = safe_dest(base, dest_path)
    dest.unlink(missing_ok=True)
    parent = dest.parent
    while parent != base and parent.is_dir() and not any(parent.iterdir()):
        parent.rmdir()
        parent = parent.parent


def apply_update(staging: Path, written: Iterable[str], stale: Iterable[str], out_dir: Path) -> None:
    """An incremental build: move each written file from staging over its old version, delete
    stale files (and folders left empty), then remove the staging directory.

    The plan is saved in the staging directory first (`_JOURNAL`): if the process dies
    half-way, the next build's `recover` finishes the moves, so the site ends up new.
    """
    out_dir = out_dir.absolute()
    written, stale = list(written), list(stale)
    payload = json.dumps({"written": written, "stale": stale}).encode("utf-8")
    secret = userkey.key()
    seal = userkey.seal("journal", payload, secret) if secret is not None else "-" * 32
    with open(staging / _JOURNAL, "wb") as handle:
        handle.write(seal.encode() + payload)
        handle.flush()
        os.fsync(handle.fileno())
    _apply(staging, written, stale, out_dir)


def _apply(staging: Path, written: list[str], stale: list[str], out_dir: Path) -> None:
    try:
        for dest_path in written:
            source = safe_dest(staging, dest_path)
            if not source.exists():
                continue  # already moved before an interruption
            dest = safe_dest(out_dir, dest_path)
            dest.parent.mkdir(parents=True, exist_ok=True)
            os.replace(source, dest)
        for dest_path in stale:
            _remove(out_dir, dest_path)
    finally:
        discard(staging)


_JOURNAL = ".explainer-apply.json"


def recover(out_dir: Path) -> None:
    """Clean up after a build that was killed: put back the site that a rename swap had moved
    aside (see `_rename_swap`), finish an interrupted incremental update (its staging
    directory holds a journal), delete any other leftover staging directory.

    A leftover is replayed only if it is a real folder of this user's whose journal this
    user's key sealed (a cloned project may hold anything under these names); a link is
    removed, never followed. Call with `lock(out_dir)` held, so no other build's staging
    directory is touched.
    """
    out_dir = out_dir.absolute()
    for leftover in sorted(out_dir.parent.glob(f".{out_dir.name}.old-*")):
        # Killed between the renames of `_rename_swap`: the old site is put back, if it is a
        # real folder of this user's (not a link, nor another user's tree, in a cloned project).
        if not os.path.lexists(out_dir) and safefs.is_own_folder(leftover):
            os.rename(leftover, out_dir)
        else:
            discard(leftover)
    for leftover in sorted(out_dir.parent.glob(f".{out_dir.name}.staging-*")):
        plan = _journal(leftover) if safefs.is_own_folder(leftover) else None
        if plan is not None and safefs.is_own_folder(out_dir):
            try:
                _apply(leftover, *plan, out_dir)
            except (OutputError, OSError):
                pass
        discard(leftover)


def _journal(staging: Path) -> tuple[list[str], list[str]] | None:
    """The (written, stale) paths `apply_update` saved in `staging`, if this user's key sealed them."""
    secret = userkey.key()
    try:
        data = safefs.read_file(staging / _JOURNAL)
    except OSError:
        return None
    seal, payload = data[:32], data[32:]
    if secret is None or not userkey.is_sealed("journal", payload, seal, secret):
        return None
    try:
        plan = json.loads(payload)
        written, stale = plan["written"], plan["stale"]
    except (ValueError, KeyError, TypeError):
        return None
    paths = [*written, *stale] if isinstance(written, list) and isinstance(stale, list) else [None]
    if not all(isinstance(p, str) and is_safe_dest(p) for p in paths):
        return None
    return written, stale


@contextlib.contextmanager
def lock(out_dir: Path) -> Iterator[None]:
    """Hold an exclusive lock while writing: two builds of one output directory (two `build`s,
    or two `serve` sessions of one project) write one after the other, never into each
    other's files.

    The lock is taken on the directory that holds the output directory (see
    `compat.exclusive_lock`: on POSIX no lock file is left beside the site; on Windows it is
    `.<out>.lock`)."""
    out_dir = out_dir.absolute()
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    with compat.exclusive_lock(out_dir.parent, f".{out_dir.name}.lock"):
        yield


def swap_in(staging: Path, out_dir: Path, keep_old: Path | None = None, trash: Path | None = None) -> None:
    """Make `staging` the new `out_dir`; the old one is deleted (in the background through
    `trash`, if given: see `discard_later`), or moved to `keep_old` (which may be `staging`
    itself: then the two are simply exchanged)."""
    if not os.path.lexists(out_dir):
        os.rename(staging, out_dir)
        return
    old = staging if compat.exchange(staging, out_dir) else _rename_swap(staging, out_dir)
    if keep_old is None:
        discard_later(old, trash)
    elif old != keep_old:
        discard_later(keep_old, trash)
        os.rename(old, keep_old)


def replace_folder(staging: Path, out_dir: Path, folder: str) -> bool:
    """Put `staging/<folder>` in place of `out_dir/<folder>` with one atomic exchange (the old
    folder is left in staging). False, with nothing changed, where that is not possible."""
    old = safe_dest(out_dir.absolute(), folder)
    if old.is_symlink() or not old.is_dir():
        return False
    return compat.exchange(safe_dest(staging, folder), old)


def _rename_swap(staging: Path, out_dir: Path) -> Path:
    """Where folders cannot be exchanged atomically: move `out_dir` aside, then `staging` in;
    returns where the old site now is. Between the two renames `out_dir` is missing for an
    instant (a reader may get a 404). If the second rename fails, the old site is put back;
    if the process dies between the two, the next build's `recover` puts it back."""
    old = out_dir.with_name(f".{out_dir.name}.old-{os.getpid()}-{os.urandom(4).hex()}")
    os.rename(out_dir, old)
    try:
        os.rename(staging, out_dir)
    except BaseException:
        os.rename(old, out_dir)
        raise
    return old
