"""File operations that never follow a symbolic link the build did not make.

A cloned project may hold anything under the names the build keeps for its own
files: `.explainer-cache/` and what is in it, `.site.staging-*`, `.site.trash`
beside the output directory. A committed link `.explainer-cache/trash -> ../..`
once made the background cleanup delete the clone and its neighbours (issue 15).
So whatever the build reads, writes or deletes there goes through here:

- `read_file` opens with O_NOFOLLOW and reads a regular file only (a link, a
  folder or a named pipe is an OSError, which the cache treats as "no entry");
- `write_file` writes a new file made with O_EXCL | O_NOFOLLOW under a name
  nobody can guess, then renames it over the target: a rename replaces a link
  found at the target, it never writes through it;
- `own_folder` makes a name the build owns a real folder of this user's,
  removing a link or a file found there, and refuses another user's folder;
- `remove_tree` deletes through open folder descriptors: a link is removed, never
  followed, and a mount point is never entered (what lies on another file system, or
  is mounted there from the same one, stays with the folders that hold it): a folder
  on another device, or listed in `/proc/self/mountinfo` (a bind mount keeps the
  device number of its source).

What this guards against is a hostile tree, committed or unpacked beforehand, and
other users; not a process of the same user racing the build, which could as well
edit the site itself.

Windows has no O_NOFOLLOW, no folder descriptors and no user ids: there a link (or a
junction) is looked for with `lstat` before a file is opened, trees are deleted by path
(`_PathRemover`, each entry looked at with `lstat` first, a link or junction removed and
never entered), and a folder's owner is not checked (its access list, not `st_uid`, says
who may write it).
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import stat
from pathlib import Path

from generator import compat

_READ_FLAGS = os.O_RDONLY | compat.O_NOFOLLOW | compat.O_NONBLOCK | compat.O_CLOEXEC | compat.O_BINARY
"""O_NONBLOCK: opening a named pipe planted under a cache file's name must not wait for a writer."""
_FOLDER_FLAGS = os.O_RDONLY | compat.O_DIRECTORY | compat.O_NOFOLLOW | compat.O_CLOEXEC
_WRITE_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | compat.O_NOFOLLOW | compat.O_CLOEXEC | compat.O_BINARY
_MAX_DEPTH = 256
"""Folders deeper than this are left in place by `remove_tree` (a site is a few levels deep;
a hostile tree thousands deep would exhaust the descriptors or the stack)."""


def read_file(path: Path | str) -> bytes:
    """The bytes of the regular file at `path`; OSError if it is a link or anything else."""
    if not compat.O_NOFOLLOW and is_link(os.lstat(path)):
        raise OSError(errno.ELOOP, "a symbolic link", str(path))
    fd = os.open(path, _READ_FLAGS)
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise OSError(errno.EINVAL, "not a regular file", str(path))
    except BaseException:
        os.close(fd)
        raise
    with open(fd, "rb") as handle:
        return handle.read()


def write_file(path: Path, data: bytes) -> None:
    """Replace `path` with a file holding `data`, atomically (a reader sees the old file or
    the new one). A link or a folder found at `path` is replaced, never written through."""
    temp = path.with_name(f".{path.name}.{os.urandom(6).hex()}.tmp")
    fd = os.open(temp, _WRITE_FLAGS, 0o644)
    try:
        with open(fd, "wb") as handle:
            handle.write(data)
        try:
            os.replace(temp, path)
        except IsADirectoryError:  # a folder planted under a file's name
            remove_tree(path)
            os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise


def is_own_folder(path: Path | str) -> bool:
    """`path` itself (not what a link points at) is a folder, and this user's."""
    try:
        info = os.lstat(path)
    except OSError:
        return False
    return stat.S_ISDIR(info.st_mode) and not is_link(info) and is_own(info)


def is_own(info: os.stat_result) -> bool:
    """The file is this user's (where files have an owner id: not on Windows)."""
    return not hasattr(os, "getuid") or info.st_uid == os.getuid()


def is_link(info: os.stat_result) -> bool:
    """An `lstat` result is a symbolic link, or a Windows junction (which `lstat` calls a folder)."""
    return stat.S_ISLNK(info.st_mode) or getattr(info, "st_reparse_tag", 0) == _JUNCTION


_JUNCTION = 0xA0000003
"""IO_REPARSE_TAG_MOUNT_POINT, the reparse tag of a Windows junction (in `stat` on Windows only)."""


def own_folder(path: Path, mode: int = 0o755) -> bool:
    """Make `path`, whose name belongs to the build, a real folder of this user's: made if
    missing, a link or file there removed first (the link, not what it points at). False if
    it is another user's folder or cannot be made (the caller does without it)."""
    for _ in range(2):  # a second try if another build made or removed it meanwhile
        try:
            info = os.lstat(path)
        except FileNotFoundError:
            try:
                os.mkdir(path, mode)
            except FileExistsError:
                continue
            except OSError:
                return False
            return True
        except OSError:
            return False
        if stat.S_ISDIR(info.st_mode) and not is_link(info):
            return is_own(info)
        try:
            os.unlink(path)  # a file or a link (on Windows also a junction), not what it points at
        except OSError:
            return False
    return False


def remove_tree(path: Path | str) -> None:
    """Delete `path`: a link or a file itself; a folder with everything in it. Never follows
    a link and never enters a mount point. Best effort: what cannot be deleted stays."""
    parent, name = os.path.split(os.path.abspath(path))
    if not compat.FOLDER_DESCRIPTORS:
        with contextlib.suppress(OSError):
            _PathRemover(os.stat(parent).st_dev).remove(os.path.join(parent, name), 0)
        return
    try:
        parent_fd = os.open(parent, os.O_RDONLY | compat.O_DIRECTORY | compat.O_CLOEXEC)
    except OSError:
        return
    try:
        _Remover(os.fstat(parent_fd).st_dev, os.path.realpath(parent)).remove(parent_fd, name, 0)
    except OSError:
        pass
    finally:
        os.close(parent_fd)


def empty_folder(path: str, device: int, inode: int) -> None:
    """Delete everything in the folder `path`, if it is still the folder identified by
    `device` and `inode` (opened without following a link); see `write.discard_later`."""
    if not compat.FOLDER_DESCRIPTORS:
        with contextlib.suppress(OSError):
            info = os.lstat(path)
            if (info.st_dev, info.st_ino) == (device, inode) and not is_link(info):
                _PathRemover(device).empty(path, 0)
        return
    try:
        fd = os.open(path, _FOLDER_FLAGS)
    except OSError:
        return
    try:
        info = os.fstat(fd)
        if (info.st_dev, info.st_ino) == (device, inode):
            _Remover(device, os.path.realpath(path)).empty(fd, 0)
    except OSError:
        pass
    finally:
        os.close(fd)


class _Remover:
    """One `remove_tree`: the device it stays on and the mount points it leaves alone, and
    the real path of the folder it is in (to look mount points up by path)."""

    def __init__(self, device: int, where: str):
        self.device = device
        self.mounts = _mount_points()
        self.path = [where]

    def remove(self, dir_fd: int, name: str, depth: int) -> None:
        """Delete `name` in the open folder `dir_fd`."""
        try:
            info = os.stat(name, dir_fd=dir_fd, follow_symlinks=False)
        except OSError:
            return
        if not stat.S_ISDIR(info.st_mode):
            with contextlib.suppress(OSError):
                os.unlink(name, dir_fd=dir_fd)
            return
        path = os.path.join(self.path[-1], name)
        if info.st_dev != self.device or path in self.mounts or depth >= _MAX_DEPTH:
            return  # a mount point (or a hostile depth): left as it is
        try:
            fd = os.open(name, _FOLDER_FLAGS, dir_fd=dir_fd)
        except OSError:
            return
        try:
            opened = os.fstat(fd)
            if (opened.st_dev, opened.st_ino) != (info.st_dev, info.st_ino):
                return  # replaced between the look and the open
            self.path.append(path)
            try:
                self.empty(fd, depth + 1)
            finally:
                self.path.pop()
        finally:
            os.close(fd)
        with contextlib.suppress(OSError):
            os.rmdir(name, dir_fd=dir_fd)

    def empty(self, fd: int, depth: int) -> None:
        with os.scandir(fd) as entries:
            names = [entry.name for entry in entries]
        for name in names:
            self.remove(fd, name, depth)


class _PathRemover:
    """`_Remover` where folders cannot be opened as descriptors (Windows): by path. Each entry
    is looked at with `lstat` before anything is done to it; a link or a junction is removed
    itself (`os.unlink` removes a folder link there too), never entered; a folder on another
    device, or deeper than `_MAX_DEPTH`, is left."""

    def __init__(self, device: int):
        self.device = device

    def remove(self, path: str, depth: int) -> None:
        try:
            info = os.lstat(path)
        except OSError:
            return
        if not stat.S_ISDIR(info.st_mode) or is_link(info):
            with contextlib.suppress(OSError):
                os.unlink(path)
            return
        if info.st_dev != self.device or depth >= _MAX_DEPTH:
            return
        self.empty(path, depth + 1)
        with contextlib.suppress(OSError):
            os.rmdir(path)

    def empty(self, path: str, depth: int) -> None:
        try:
            with os.scandir(path) as entries:
                names = [entry.name for entry in entries]
        except OSError:
            return
        for name in names:
            self.remove(os.path.join(path, name), depth)


def _mount_points() -> frozenset[str]:
    """Every mount point this process sees (Linux; elsewhere none: the device check stays)."""
    try:
        with open("/proc/self/mountinfo", "rb") as handle:
            lines = handle.read().splitlines()
    except OSError:
        return frozenset()
    points = set()
    for line in lines:
        fields = line.split(b" ")
        if len(fields) > 4:  # octal escapes for space, tab, line break and backslash
            raw = re.sub(rb"\\([0-7]{3})", lambda m: bytes([int(m.group(1), 8)]), fields[4])
            points.add(os.fsdecode(raw))
    return frozenset(points)
