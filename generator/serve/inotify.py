"""Linux inotify through ctypes (no dependency): which names changed in which watched folders.

The watcher (`generator.serve.watch`) relies on these events to know when and
where to look, so an idle project costs nothing: no thread wakes up until the
kernel reports a change. Events can be missing where the change happens
behind the kernel's back (network file systems, a virtual machine's shared
folder, some container volumes): `remote_file_system` names the file systems
where that is to be expected, so the watcher polls there instead.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import select
import struct
import sys
from dataclasses import dataclass

IN_MODIFY = 0x2
IN_ATTRIB = 0x4
IN_CLOSE_WRITE = 0x8
IN_MOVED_FROM = 0x40
IN_MOVED_TO = 0x80
IN_CREATE = 0x100
IN_DELETE = 0x200
IN_DELETE_SELF = 0x400
IN_MOVE_SELF = 0x800
IN_Q_OVERFLOW = 0x4000
"""The kernel's queue was full (fs.inotify.max_queued_events): events were lost."""
IN_IGNORED = 0x8000
"""The watch is gone: its folder was deleted, or the file system unmounted."""
IN_ONLYDIR = 0x01000000
IN_ISDIR = 0x40000000

FOLDER_MASK = (IN_MODIFY | IN_ATTRIB | IN_CLOSE_WRITE | IN_MOVED_FROM | IN_MOVED_TO | IN_CREATE | IN_DELETE
               | IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR)
"""Every change to an entry of a folder: writes, metadata, creation, deletion and both ends of a rename."""

_HEADER = struct.Struct("iIII")
"""struct inotify_event: wd, mask, cookie, len; then `len` bytes of NUL-padded name."""

REMOTE_FILE_SYSTEMS = frozenset({
    "nfs", "nfs4", "cifs", "smb3", "smbfs", "ncpfs", "afs", "ceph", "glusterfs", "lustre", "gpfs",
    "9p", "drvfs", "virtiofs", "vboxsf", "prl_fs", "vmhgfs", "davfs",
    "fuse.sshfs", "fuse.rclone", "fuse.s3fs", "fuse.gcsfuse", "fuse.glusterfs", "fuse.vmhgfs-fuse",
    "fuse.grpcfuse", "fuse.osxfs", "fuse.davfs2", "fuse.smbnetfs",
})
"""File systems whose files can change elsewhere (another machine, the host of a virtual
machine or of Docker Desktop, WSL's Windows drives: drvfs, 9p) without an inotify event here."""


@dataclass(frozen=True)
class Event:
    wd: int
    """The watch (folder) it happened in; -1 for IN_Q_OVERFLOW."""
    mask: int
    name: str
    """The entry of the folder it concerns; '' for the folder itself."""


class Inotify:
    """One inotify instance: add and remove folder watches, wait for and read events."""

    def __init__(self, libc: ctypes.CDLL, fd: int):
        self._libc = libc
        self.fd = fd

    @classmethod
    def open(cls) -> Inotify | None:
        """An inotify instance, or None where there is none (not Linux, or out of instances)."""
        if not sys.platform.startswith("linux"):
            return None
        try:
            libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
            fd = libc.inotify_init1(os.O_NONBLOCK | os.O_CLOEXEC)
        except (OSError, AttributeError):
            return None
        return cls(libc, fd) if fd >= 0 else None

    def add(self, folder: str) -> int:
        """Watch `folder` (again: the same folder always gets the same watch descriptor).

        Raises OSError: ENOSPC when the user's limit of watches is reached
        (fs.inotify.max_user_watches), ENOENT or ENOTDIR if it is gone.
        """
        wd: int = self._libc.inotify_add_watch(self.fd, os.fsencode(folder), FOLDER_MASK)
        if wd < 0:
            code = ctypes.get_errno()
            raise OSError(code, os.strerror(code), folder)
        return wd

    def remove(self, wd: int) -> None:
        """Stop watching; a watch the kernel already dropped (folder deleted) is fine."""
        self._libc.inotify_rm_watch(self.fd, wd)

    def wait(self, timeout: float | None, also: int | None = None) -> bool:
        """Whether events are waiting, after at most `timeout` seconds (None: no limit).

        `also` is another descriptor that ends the wait when readable (the watcher's stop pipe).
        """
        fds = [self.fd] if also is None else [self.fd, also]
        ready, _, _ = select.select(fds, [], [], timeout)
        return self.fd in ready

    def read(self) -> list[Event]:
        """Every event waiting now (none if there are none), without blocking."""
        events: list[Event] = []
        while True:
            try:
                data = os.read(self.fd, 65536)
            except BlockingIOError:
                return events
            if not data:
                return events
            events.extend(parse(data))

    def close(self) -> None:
        os.close(self.fd)


def parse(data: bytes) -> list[Event]:
    """The events in one buffer read from an inotify descriptor."""
    events = []
    offset = 0
    while offset + _HEADER.size <= len(data):
        wd, mask, _cookie, length = _HEADER.unpack_from(data, offset)
        offset += _HEADER.size
        name = data[offset:offset + length].split(b"\0", 1)[0]
        offset += length
        events.append(Event(wd, mask, os.fsdecode(name)))
    return events


def remote_file_system(path: str, mountinfo: str = "/proc/self/mountinfo") -> str | None:
    """The type of the file system holding `path` if it is one of REMOTE_FILE_SYSTEMS, else None.

    Read from /proc/self/mountinfo: the mount with the longest mount point that
    contains the path (the last one listed, if several share a mount point).
    """
    try:
        with open(mountinfo, encoding="utf-8", errors="surrogateescape") as file:
            lines = file.read().splitlines()
    except OSError:
        return None
    target = os.path.realpath(path)
    best, kind = "", None
    for line in lines:
        fields = line.split()
        if " - " not in line or len(fields) < 5:
            continue
        mount_point = _unescape(fields[4])
        after = line.split(" - ", 1)[1].split()
        if not after or not _contains(mount_point, target) or len(mount_point) < len(best):
            continue
        best, kind = mount_point, after[0]
    return kind if kind in REMOTE_FILE_SYSTEMS else None


def _contains(mount_point: str, path: str) -> bool:
    return mount_point == "/" or path == mount_point or path.startswith(mount_point.rstrip("/") + "/")


def _unescape(field: str) -> str:
    """mountinfo writes space, tab, newline and backslash in paths as octal escapes (\\040)."""
    for code in ("\\040", "\\011", "\\012", "\\134"):
        field = field.replace(code, chr(int(code[1:], 8)))
    return field
