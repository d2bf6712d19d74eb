"""Notice source changes, wait for the save to settle, then call back once.

Where inotify works (Linux, local disks) the watcher is event-driven: nothing
runs while nothing changes. Every folder of the tree is watched (each watch
added before the folder is listed, so nothing created meanwhile is missed, new
folders included), and an event is followed by a look at just the paths it
names: one `stat` for a saved file, a scan of the folder for a new folder.
The parents of the watched roots are watched too, for `site.yaml` and for a
`content/` or `templates/` that is deleted or created. A full scan runs only
at the start, after the kernel's queue overflowed, and as a slow safety
rescan (every `SAFETY_SECONDS`, longer if a scan is costly, so that it stays
under `SAFETY_SHARE` of a core).

Everywhere else the scan is the judge, on a timer (`POLL_SECONDS`, longer
if a scan is costly, so that polling stays under `POLL_SHARE` of a core):
on macOS and Windows, where `EXPLAINER_POLL=1` is set, on network and
shared-folder file systems (`inotify.remote_file_system`), where the watch
limit is reached, and from the moment a safety rescan finds a change that no
event announced. There inotify, where it exists, still wakes the poller early.

A scan records (mtime_ns, size, inode) per file, so a save that replaces the
file by renaming a temp file over it is seen even when size and timestamp
happen to match. Editors save in bursts (write a temp file, fsync, rename,
sometimes touch a backup), so a change is acted on only once nothing new
happened for a short quiet period; the whole burst then triggers one build.
Editor droppings (swap files, backups, `.#locks`, vim's `4913` probe) are
never part of a snapshot and their events are dropped, so they trigger nothing.
"""

from __future__ import annotations

import errno
import functools
import os
import stat
import sys
import threading
import time
import traceback
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TypeVar

from generator.serve import inotify as kernel
from generator.serve.inotify import Event, Inotify

POLL_SECONDS = 0.1
"""The shortest polling interval, where polling is the way changes are noticed."""

POLL_SHARE = 0.01
"""Polling waits at least 100 times as long as its last scan took: at most 1 % of a core."""

QUIET_SECONDS = 0.06
"""A burst of writes is over once this long passes without another change."""

SAFETY_SECONDS = 5.0
"""The shortest interval of the full rescans that check inotify missed nothing."""

SAFETY_SHARE = 0.002
"""Safety rescans wait at least 500 times as long as the last scan took: at most 0.2 % of a core."""

POLL_VARIABLE = "EXPLAINER_POLL"
"""Set (non-empty) to poll even where inotify works, for a file system that misreports events."""

T = TypeVar("T")

Snapshot = dict[str, tuple[int, int, int]]
"""path -> (mtime_ns, size, inode) of every watched file."""

FolderHook = Callable[[str, tuple[int, int]], None]
"""Called with (folder, (st_dev, st_ino)) just before the scan lists that folder."""

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


def scan(paths: Iterable[Path | str], *, on_folder: FolderHook | None = None,
         seen: set[tuple[int, int]] | None = None) -> Snapshot:
    """Snapshot of every non-ignored file at or under `paths` (missing paths are simply empty).

    `seen` holds the (st_dev, st_ino) of folders not to enter (again): it stops
    symlink loops, and a partial rescan passes the folders it already knows.
    Raises `IncompleteScan` when out of file descriptors.
    """
    snapshot: Snapshot = {}
    seen = set() if seen is None else seen
    for path in paths:
        try:
            info = os.stat(path)
        except OSError:
            continue
        if stat.S_ISDIR(info.st_mode):
            key = (info.st_dev, info.st_ino)
            if key not in seen:
                seen.add(key)
                _scan_dir(str(path), key, snapshot, seen, on_folder)
        else:
            snapshot[str(path)] = (info.st_mtime_ns, info.st_size, info.st_ino)
    return snapshot


def _scan_dir(folder: str, key: tuple[int, int], snapshot: Snapshot, seen: set[tuple[int, int]],
              on_folder: FolderHook | None) -> None:
    if on_folder is not None:
        on_folder(folder, key)
    try:
        entries = list(os.scandir(folder))
    except OSError as exc:
        if exc.errno in (errno.EMFILE, errno.ENFILE):
            raise IncompleteScan(folder) from exc
        return  # removed between the parent's scan and ours: the next look sees it gone
    for entry in entries:
        if is_ignored(entry.name):
            continue
        try:
            info = entry.stat()
        except OSError:  # vanished, or a dangling symlink
            continue
        if stat.S_ISDIR(info.st_mode):
            child = (info.st_dev, info.st_ino)
            if child not in seen:
                seen.add(child)
                _scan_dir(entry.path, child, snapshot, seen, on_folder)
        else:
            snapshot[entry.path] = (info.st_mtime_ns, info.st_size, info.st_ino)


def diff(old: Snapshot, new: Snapshot) -> list[str]:
    """Paths added, removed or modified between two snapshots, sorted."""
    changed = {path for path, stamp in new.items() if old.get(path) != stamp}
    changed |= old.keys() - new.keys()
    return sorted(changed)


class Untrusted(Exception):
    """inotify cannot be relied on for this tree; the message says why (shown to the user)."""


class EventTree:
    """The snapshot of the watched roots, kept current from inotify events.

    `folders` maps every folder in the tree to its watch and its (st_dev, st_ino);
    `parents` maps each root's parent folder to the roots it holds, by name, so
    that a root created, deleted or replaced (or `site.yaml` saved) is seen.
    Every folder is watched before it is listed, so an entry created between the
    two is either listed or reported.
    """

    def __init__(self, roots: list[str], events: Inotify):
        self.roots = roots
        self.events = events
        self.files: Snapshot = {}
        self.folders: dict[str, tuple[int, tuple[int, int]]] = {}
        self.parents: dict[str, dict[str, str]] = {}
        self._paths: dict[int, str] = {}
        """watch descriptor -> folder (a folder of the tree or a root's parent)."""
        for root in roots:
            parent, name = os.path.split(os.path.abspath(root))
            self.parents.setdefault(parent, {})[name] = root

    def full_scan(self) -> list[str]:
        """Rescan everything, rewatching every folder; returns the paths that changed.
        Raises IncompleteScan (out of file descriptors) with the tree as it was."""
        folders: dict[str, tuple[int, tuple[int, int]]] = {}
        files = scan(self.roots, on_folder=self._watcher(folders))
        for parent in self.parents:
            try:
                self._paths[self.events.add(parent)] = parent
            except OSError as exc:
                self._check_limit(exc)
        for folder, (wd, _key) in self.folders.items():
            if folder not in folders:
                self._unwatch(folder, wd)
        changed = diff(self.files, files)
        self.files, self.folders = files, folders
        return changed

    def note(self, events: list[Event], dirty: set[str]) -> bool:
        """Add to `dirty` the paths `events` concern; whether there was any.

        Events of no interest are dropped here, so they neither wake a build nor
        prolong a burst: editor droppings, the other entries of a root's parent (the
        output folder's swap, the cache), events of watches already removed. An
        overflow adds '' (look at everything again).
        """
        relevant = False
        for event in events:
            if event.mask & kernel.IN_Q_OVERFLOW:
                dirty.add("")
                relevant = True
                continue
            folder = self._paths.get(event.wd)
            if folder is None:
                continue
            if event.mask & kernel.IN_IGNORED:
                del self._paths[event.wd]
                if self.folders.get(folder, (None,))[0] == event.wd:  # still ours: look again
                    dirty.add(folder)
                    relevant = True
                continue
            if event.mask & (kernel.IN_DELETE_SELF | kernel.IN_MOVE_SELF):
                if folder in self.folders:
                    dirty.add(folder)
                    relevant = True
                continue
            root = self.parents.get(folder, {}).get(event.name)
            if root is not None:
                dirty.add(root)
                relevant = True
            if folder in self.folders and event.name and not is_ignored(event.name):
                dirty.add(os.path.join(folder, event.name))
                relevant = True
        return relevant

    def refresh(self, dirty: set[str]) -> list[str]:
        """Look again at each dirty path (everything after an overflow); the paths that changed.

        Each is scanned again: a `stat` for a file, a scan (watching each folder before
        listing it) for a folder. Then what was at or under the dirty paths is replaced
        by what the scans found, and the watches of folders not found again are removed.
        Raises IncompleteScan (out of file descriptors) with the tree as it was.
        """
        if "" in dirty:
            return self.full_scan()
        stale = {folder for folder in self.folders if any(_at_or_under(folder, path) for path in dirty)}
        seen = {key for folder, (_wd, key) in self.folders.items() if folder not in stale}
        folders: dict[str, tuple[int, tuple[int, int]]] = {}
        found: Snapshot = {}
        for path in sorted(dirty):
            found.update(scan([path], on_folder=self._watcher(folders), seen=seen))
        for folder in stale:
            wd = self.folders.pop(folder)[0]
            if folders.get(folder, (None,))[0] != wd:
                self._unwatch(folder, wd)
        self.folders.update(folders)
        before: dict[str, tuple[int, int, int] | None] = {}
        for path in dirty:
            before[path] = self.files.pop(path, None)
        for folder in stale:  # a folder's files: only under a folder the tree had
            prefix = folder + os.sep
            for gone in [f for f in self.files if f.startswith(prefix)]:
                before[gone] = self.files.pop(gone)
        for path, stamp in found.items():
            before.setdefault(path, None)
            self.files[path] = stamp
        return sorted(path for path, stamp in before.items() if self.files.get(path) != stamp)

    def _watcher(self, folders: dict[str, tuple[int, tuple[int, int]]]) -> FolderHook:
        """A scan hook that watches each folder and records it (with its watch) in `folders`."""
        def watch(folder: str, key: tuple[int, int]) -> None:
            try:
                wd = self.events.add(folder)
            except OSError as exc:
                self._check_limit(exc)
                return  # gone already: its parent's event says so
            folders[folder] = (wd, key)
            self._paths[wd] = folder
        return watch

    def _unwatch(self, folder: str, wd: int) -> None:
        """Drop a folder's watch, unless the same watch now serves another path
        (a folder moved within the tree keeps its watch descriptor)."""
        if self._paths.get(wd) == folder:
            del self._paths[wd]
            self.events.remove(wd)

    @staticmethod
    def _check_limit(exc: OSError) -> None:
        if exc.errno in (errno.ENOSPC, errno.ENOMEM):  # fs.inotify.max_user_watches reached
            raise Untrusted("cannot watch every folder (the system's limit of inotify watches, "
                            "fs.inotify.max_user_watches, is reached)") from exc


class Watcher:
    """A thread that watches `paths` and calls `on_change(changed_paths)` once per settled burst.

    `on_change` runs on the watcher thread and may take long (it builds the site):
    changes made meanwhile are picked up afterwards and cause one more call, so
    builds never overlap and a save during a build is never lost.

    `full_scans` counts the scans of the whole tree, and `mode` says how changes
    are noticed ("events" or "polling"): both are there to be checked by tests.
    """

    def __init__(self, paths: list[Path], on_change: Callable[[list[str]], None], *,
                 initial: Snapshot | None = None, poll: float = POLL_SECONDS, quiet: float = QUIET_SECONDS,
                 safety: float = SAFETY_SECONDS):
        self.paths = paths
        self.on_change = on_change
        self.poll = poll
        self.quiet = quiet
        self.safety = safety
        self.full_scans = 0
        self.mode = "starting"
        self._snapshot = initial if initial is not None else scan(paths)
        self._scan_seconds = 0.0
        self._stop = threading.Event()
        self._wake_up_on: FolderHook | None = None
        self._wake: tuple[int, int] | None = None
        """A pipe whose read end ends an inotify wait when the watcher is stopped (from start to stop)."""
        self._thread = threading.Thread(target=self._run, name="explainer-watch")

    def start(self) -> None:
        self._wake = os.pipe()
        self._thread.start()

    def stop(self) -> None:
        """Stop watching and wait for the thread; a build in progress is finished first,
        because abandoning it half-way would leave a staging directory behind."""
        self._stop.set()
        if self._wake is None:
            return  # never started, or stopped already
        os.write(self._wake[1], b"x")
        if self._thread.is_alive():
            self._thread.join()
        for fd in self._wake:
            os.close(fd)
        self._wake = None

    def _run(self) -> None:
        events = None if os.environ.get(POLL_VARIABLE) else Inotify.open()
        try:
            if events is not None:
                reason = self._remote_roots()
                try:
                    if reason is None:
                        self._run_on_events(events)
                except Untrusted as exc:
                    reason = str(exc)
                if reason is not None:
                    _say(f"{reason}; checking for changes by polling instead")
            self._run_polling(events)
        finally:
            if events is not None:
                events.close()

    # -- event-driven ---------------------------------------------------------------

    def _run_on_events(self, events: Inotify) -> None:
        """Until stopped: wait for events, then look at what they name. Raises Untrusted
        when events cannot be relied on (the caller then polls)."""
        self.mode = "events"
        tree = EventTree([str(p) for p in self.paths], events)
        tree.files = dict(self._snapshot)
        while True:  # watch everything; build what changed since `initial`
            try:
                changed = self._timed(tree.full_scan)
                break
            except IncompleteScan:  # out of file descriptors: try again shortly
                if self._stop.wait(self.poll):
                    return
        self._snapshot = dict(tree.files)
        if changed:
            self._call(changed)
        next_safety = time.monotonic() + self._safety_interval()
        carried: list[str] = []
        """Changes a safety rescan found whose events are waiting: built with them."""
        pending: set[str] = set()
        """Paths a look could not finish (out of file descriptors): looked at again shortly."""
        while not self._stop.is_set():
            timeout = self.poll if pending else max(0.0, next_safety - time.monotonic())
            ready = self._wait(events, timeout)
            if self._stop.is_set():
                return
            if not ready and not pending:
                try:
                    carried = self._safety_rescan(tree, events)
                except IncompleteScan:
                    pass  # the next one looks again
                next_safety = time.monotonic() + self._safety_interval()
                continue
            dirty = set(pending)
            noted = ready and tree.note(events.read(), dirty)
            if not (noted or carried or pending):
                continue
            if not self._settle_events(tree, events, dirty):
                return
            try:
                if "" in dirty:  # the queue overflowed
                    changed = self._timed(functools.partial(tree.refresh, dirty))
                else:
                    changed = tree.refresh(dirty)
            except IncompleteScan:
                pending = dirty
                continue
            changed = sorted(set(changed) | set(carried))
            carried, pending = [], set()
            self._snapshot = dict(tree.files)  # a copy: what polling starts from if events fail later
            if changed:
                self._call(changed)

    def _settle_events(self, tree: EventTree, events: Inotify, dirty: set[str]) -> bool:
        """Collect events until none of interest came for `quiet` seconds; False if stopped."""
        quiet_until = time.monotonic() + self.quiet
        while True:
            remaining = quiet_until - time.monotonic()
            if remaining <= 0:
                return True
            if not self._wait(events, remaining):
                return not self._stop.is_set()
            if tree.note(events.read(), dirty):
                quiet_until = time.monotonic() + self.quiet

    def _safety_rescan(self, tree: EventTree, events: Inotify) -> list[str]:
        """A full scan, checking that inotify missed nothing; returns the changes it found
        that events announced, for the event round under way to build once settled.

        A change's event is queued before the change can be seen, so if the scan finds
        a change and the queue is empty, there never was an event: inotify misses
        changes here (a mount it cannot see through). Then the change is built at once
        and Untrusted is raised.
        """
        changed = self._timed(tree.full_scan)
        self._snapshot = dict(tree.files)
        if not changed or events.wait(0):
            return changed
        self._call(changed)
        raise Untrusted(f"a change to {changed[0]} came without a file event (a network or shared folder?)")

    def _safety_interval(self) -> float:
        return max(self.safety, self._scan_seconds / SAFETY_SHARE)

    # -- polling --------------------------------------------------------------------

    def _run_polling(self, events: Inotify | None) -> None:
        """Until stopped: scan on a timer (woken early by inotify where there is one)."""
        self.mode = "polling"
        self._wake_up_on = None if events is None else _watcher_of(events)
        while not self._stop.is_set():
            self._wait(events, max(self.poll, self._scan_seconds / POLL_SHARE))
            if self._stop.is_set():
                return
            if events is not None:
                events.read()
            try:
                latest = self._timed(self._poll_scan)
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

    def _poll_scan(self) -> Snapshot:
        """A full scan; with inotify, each folder is watched too, so that a change
        there wakes the poller before its time (where the file system reports it)."""
        return scan(self.paths, on_folder=self._wake_up_on)

    def _settle(self, latest: Snapshot) -> Snapshot | None:
        """Rescan until nothing changed for `quiet` seconds; None if stopped meanwhile."""
        while not self._stop.wait(self.quiet):
            try:
                again = self._timed(self._poll_scan)
            except IncompleteScan:
                continue
            if again == latest:
                return latest
            latest = again
        return None

    # -- shared ---------------------------------------------------------------------

    def _wait(self, events: Inotify | None, timeout: float) -> bool:
        """Whether inotify has events, after at most `timeout` seconds or until stopped."""
        if events is None or self._wake is None:
            self._stop.wait(timeout)
            return False
        return events.wait(timeout, also=self._wake[0])

    def _timed(self, full_scan: Callable[[], T]) -> T:
        """Run a full scan, counting it and remembering its cost (it sets the intervals)."""
        started = time.perf_counter()
        result = full_scan()  # an IncompleteScan is not counted
        self._scan_seconds = time.perf_counter() - started
        self.full_scans += 1
        return result

    def _remote_roots(self) -> str | None:
        """Why inotify cannot be trusted for these roots, if one is on a remote file system."""
        for path in self.paths:
            kind = kernel.remote_file_system(str(path))
            if kind is not None:
                return f"{path} is on a {kind} file system, where changes can come without a file event"
        return None

    def _call(self, changed: list[str]) -> None:
        """Run the callback; a bug in it is reported, but must not end live reload."""
        try:
            self.on_change(changed)
        except Exception:  # noqa: BLE001 - keep watching whatever went wrong
            traceback.print_exc(file=sys.stderr)


def _at_or_under(path: str, top: str) -> bool:
    return path == top or path.startswith(top + os.sep)


def _watcher_of(events: Inotify) -> FolderHook:
    """A scan hook that watches each folder, for early wake-ups only (so failures do not matter)."""
    def watch(folder: str, key: tuple[int, int]) -> None:
        try:
            events.add(folder)
        except OSError:
            pass
    return watch


def _say(text: str) -> None:
    print(f"explainer: {text}", file=sys.stderr, flush=True)
