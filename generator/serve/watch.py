"""Notice source changes by polling, wait for the save to settle, then call back.

Polling with `os.scandir` + `stat` is portable (Linux, macOS, Windows, network
and container mounts where inotify sees nothing) and cheap at this size: a
project of 1,000 explainers is ~1,000 `stat` calls per scan, a few
milliseconds. A scan records (mtime_ns, size, inode) per file, so a save
that replaces the file by renaming a temp file over it is seen even when
size and timestamp happen to match.

On Linux, inotify (through ctypes, no dependency) wakes the watcher as soon
as something happens in a watched directory, instead of at the next poll;
the scan stays the only judge of what changed, so a file system where inotify
sees nothing (network mounts, some container volumes) still works, just with
the polling delay.

Editors save in bursts (write a temp file, fsync, rename, sometimes touch a
backup), so one change is acted on only once a scan sees nothing new for a
short quiet period; the whole burst then triggers one build. Editor
droppings (swap files, backups, `.#locks`, vim's `4913` probe) are never
part of a snapshot, so they trigger nothing.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import errno
import os
import select
import sys
import threading
import traceback
from pathlib import Path
from typing import Callable, Iterable

POLL_SECONDS = 0.1
"""How often an idle project is scanned: the bulk of the save-to-reload latency."""

QUIET_SECONDS = 0.06
"""A burst of writes is over once a scan this long after the last one sees no change."""

Snapshot = dict[str, tuple[int, int, int]]
"""path -> (mtime_ns, size, inode) of every watched file."""

_TEMP_SUFFIXES = ("~", ".swp", ".swo", ".swx", ".swpx", ".tmp", ".temp", ".bak", ".orig", ".part",
                  ".crdownload", ".kate-swp", "___jb_tmp___", "___jb_old___")
_SKIPPED_DIRS = ("__pycache__", "node_modules")


def is_ignored(name: str) -> bool:
    """True for names editors and tools write next to the real file while saving.

    Covers hidden files (`.x.md.swp`, `.#x.md` Emacs locks, `.goutputstream-*`),
    `#x.md#` Emacs autosaves, `~$` Office locks, backup and partial-download
    suffixes, JetBrains' safe-write files and the `4913` file vim creates to test
    that a directory is writable. The loader skips the same kinds of names.
    """
    return (name.startswith((".", "#", "~")) or name.endswith(_TEMP_SUFFIXES)
            or name == "4913" or name in _SKIPPED_DIRS)


class IncompleteScan(Exception):
    """A folder could not be listed because the process is out of file descriptors (`serve`
    under a flood of connections): its files are not gone, so this scan must not count."""


def scan(paths: Iterable[Path]) -> Snapshot:
    """Snapshot of every non-ignored file at or under `paths` (missing paths are simply empty).
    Raises `IncompleteScan` when out of file descriptors."""
    snapshot: Snapshot = {}
    for path in paths:
        try:
            info = os.stat(path)
        except OSError:
            continue
        if os.path.isdir(path):
            _scan_dir(str(path), snapshot, {(info.st_dev, info.st_ino)})
        else:
            snapshot[str(path)] = (info.st_mtime_ns, info.st_size, info.st_ino)
    return snapshot


def _scan_dir(folder: str, snapshot: Snapshot, seen: set[tuple[int, int]]) -> None:
    """Walk one directory; `seen` stops symlink loops from recursing forever."""
    try:
        entries = list(os.scandir(folder))
    except OSError as exc:
        if exc.errno in (errno.EMFILE, errno.ENFILE):
            raise IncompleteScan(folder) from exc
        return  # removed between the parent's scan and ours: the next scan sees it gone
    for entry in entries:
        if is_ignored(entry.name):
            continue
        try:
            info = entry.stat()
            if entry.is_dir():
                key = (info.st_dev, info.st_ino)
                if key not in seen:
                    seen.add(key)
                    _scan_dir(entry.path, snapshot, seen)
            else:
                snapshot[entry.path] = (info.st_mtime_ns, info.st_size, info.st_ino)
        except OSError:
            continue


def diff(old: Snapshot, new: Snapshot) -> list[str]:
    """Paths added, removed or modified between two snapshots, sorted."""
    changed = {path for path, stamp in new.items() if old.get(path) != stamp}
    changed |= old.keys() - new.keys()
    return sorted(changed)


class Watcher:
    """A thread that scans `paths` and calls `on_change(changed_paths)` once per settled burst.

    `on_change` runs on the watcher thread and may take long (it builds the site):
    changes made meanwhile are picked up by the next scan and cause one more call,
    so builds never overlap and a save during a build is never lost.
    """

    def __init__(self, paths: list[Path], on_change: Callable[[list[str]], None], *,
                 initial: Snapshot | None = None, poll: float = POLL_SECONDS, quiet: float = QUIET_SECONDS):
        self.paths = paths
        self.on_change = on_change
        self.poll = poll
        self.quiet = quiet
        self._snapshot = initial if initial is not None else scan(paths)
        self._stop = threading.Event()
        self._wakeup: Inotify | None = None
        self._thread = threading.Thread(target=self._run, name="explainer-watch")

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        """Stop scanning and wait for the thread; a build in progress is finished first,
        because abandoning it half-way would leave a staging directory behind."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join()

    def _run(self) -> None:
        self._wakeup = Inotify.open()
        try:
            while not self._stop.is_set():
                self._wait()
                if self._stop.is_set():
                    return
                try:
                    latest = scan(self.paths)
                except IncompleteScan:
                    continue  # the next poll looks again
                if latest == self._snapshot:
                    continue
                settled = self._settle(latest)
                if settled is None:
                    return
                changed = diff(self._snapshot, settled)
                self._snapshot = settled
                if changed:
                    self._call(changed)
        finally:
            if self._wakeup is not None:
                self._wakeup.close()

    def _wait(self) -> None:
        """Until the next poll, or sooner if inotify reports activity."""
        if self._wakeup is None:
            self._stop.wait(self.poll)
            return
        self._wakeup.watch(_directories(self.paths, self._snapshot))
        self._wakeup.wait(self.poll)

    def _settle(self, latest: Snapshot) -> Snapshot | None:
        """Rescan until nothing changed for `quiet` seconds; None if stopped meanwhile."""
        while not self._stop.wait(self.quiet):
            try:
                again = scan(self.paths)
            except IncompleteScan:
                continue
            if again == latest:
                return latest
            latest = again
        return None

    def _call(self, changed: list[str]) -> None:
        """Run the callback; a bug in it is reported, but must not end live reload."""
        try:
            self.on_change(changed)
        except Exception:  # noqa: BLE001 - keep watching whatever went wrong
            traceback.print_exc(file=sys.stderr)


def _directories(paths: Iterable[Path], snapshot: Snapshot) -> set[str]:
    """Directories to watch: each watched directory, the folder of each watched file,
    and every folder that holds a file (a new empty folder is found by the next poll)."""
    folders = {os.path.dirname(path) for path in snapshot}
    for path in paths:
        folders.add(str(path) if os.path.isdir(path) else os.path.dirname(os.path.abspath(path)))
    return folders


class Inotify:
    """A Linux inotify descriptor that only says *that* something happened, not what.

    The watcher rescans anyway, so event records are read and thrown away; an
    overflowing queue or a missed event costs latency, never correctness.
    """

    _MASK = (0x2 | 0x4 | 0x8 | 0x40 | 0x80 | 0x100 | 0x200 | 0x400 | 0x800)
    """IN_MODIFY, ATTRIB, CLOSE_WRITE, MOVED_FROM, MOVED_TO, CREATE, DELETE, DELETE_SELF, MOVE_SELF."""

    def __init__(self, libc: ctypes.CDLL, fd: int):
        self._libc = libc
        self._fd = fd
        self._watched: dict[str, int] = {}
        """folder -> inode when its watch was added."""

    @classmethod
    def open(cls) -> "Inotify | None":
        """An inotify instance, or None where there is none (not Linux, or out of instances)."""
        if not sys.platform.startswith("linux"):
            return None
        name = ctypes.util.find_library("c")
        try:
            libc = ctypes.CDLL(name, use_errno=True)
            fd = libc.inotify_init1(os.O_NONBLOCK | os.O_CLOEXEC)
        except (OSError, AttributeError):
            return None
        return cls(libc, fd) if fd >= 0 else None

    def watch(self, folders: set[str]) -> None:
        """Watch each folder; again if it was replaced (the kernel drops a deleted folder's watch)."""
        current: dict[str, int] = {}
        for folder in folders:
            try:
                inode = os.stat(folder).st_ino
            except OSError:
                continue
            if self._watched.get(folder) == inode or \
                    self._libc.inotify_add_watch(self._fd, os.fsencode(folder), self._MASK) >= 0:
                current[folder] = inode
        self._watched = current

    def wait(self, timeout: float) -> None:
        """Return after `timeout` seconds, or as soon as an event arrives (events are drained)."""
        ready, _, _ = select.select([self._fd], [], [], timeout)
        if ready:
            try:
                while os.read(self._fd, 65536):
                    pass
            except BlockingIOError:
                pass

    def close(self) -> None:
        os.close(self._fd)
