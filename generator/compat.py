"""What this platform offers for processes, locks and renames, decided in one place.

The generator uses three things that not every platform has:

- **forked workers** (`can_fork`): render and compile workers inherit the resolved site
  instead of receiving it pickled. Linux and the BSDs fork; macOS does not (its system
  libraries may start threads that a forked child inherits half-way, the reason Python
  spawns there by default), nor does Windows, which has no `fork`. There the work runs
  in this process, with the same output.
- **an exclusive lock** on the folder that holds the output (`exclusive_lock`):
  `fcntl.flock` on the folder itself where `fcntl` exists (nothing is left on disk);
  elsewhere (Windows) a lock file in it, locked with `msvcrt.locking`. Both are released
  by the system when the process ends, however it ends.
- **an atomic exchange** of two folders (`exchange`): Linux's `renameat2(RENAME_EXCHANGE)`.
  Where it is missing (or the file system refuses it), the caller renames twice.

`EXPLAINER_FALLBACKS=fork,flock,renameat2` (or `all`) makes a platform that has the fast
way take the portable one: how the tests, and anyone curious, check the fallbacks on Linux.

It also names the `os.open` flags that only some systems have (`O_BINARY` and the POSIX
ones), as 0 where missing, and says whether folders can be opened and worked in through
descriptors (`FOLDER_DESCRIPTORS`: not on Windows).
"""

from __future__ import annotations

import contextlib
import os
import sys
import time
from collections.abc import Callable, Iterator
from functools import lru_cache
from pathlib import Path
from typing import Protocol


class FileLocks(Protocol):
    """What the generator uses of `fcntl`: whole-file locks."""

    @property
    def LOCK_EX(self) -> int: ...
    @property
    def LOCK_UN(self) -> int: ...
    def flock(self, fd: int, operation: int, /) -> None: ...


class ByteLocks(Protocol):
    """What the generator uses of Windows' `msvcrt`: byte-range locks (tests give a stand-in)."""

    @property
    def LK_NBLCK(self) -> int: ...
    @property
    def LK_UNLCK(self) -> int: ...
    def locking(self, fd: int, mode: int, nbytes: int, /) -> None: ...


fcntl: FileLocks | None = None
if sys.platform != "win32":  # Windows has no `fcntl` (and its stub describes none there)
    try:
        import fcntl as _fcntl
        fcntl = _fcntl
    except ImportError:  # neither POSIX nor Windows (and tests that play Windows on Linux)
        pass

msvcrt: ByteLocks | None = None
if sys.platform == "win32":  # the only platform that has it (and the only one its stub describes)
    import msvcrt as _msvcrt
    msvcrt = _msvcrt

LOCK_RETRY_SECONDS = 0.05
"""How often a waiting lock-file lock tries again (`msvcrt.locking` cannot block for long)."""

_RENAME_EXCHANGE = 2
_AT_FDCWD = -100

O_BINARY = getattr(os, "O_BINARY", 0)
"""Windows opens a descriptor in text mode without it: line ends translated, reading stopped
at the first byte 0x1A. Every `os.open` of the generator's carries it (0 elsewhere)."""
O_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
"""0 on Windows, which has none: there a caller looks for a link with `lstat` first."""
O_NONBLOCK = getattr(os, "O_NONBLOCK", 0)
O_CLOEXEC = getattr(os, "O_CLOEXEC", 0)
O_DIRECTORY = getattr(os, "O_DIRECTORY", 0)


FOLDER_DESCRIPTORS = (hasattr(os, "O_DIRECTORY") and {os.open, os.stat, os.unlink, os.rmdir} <= os.supports_dir_fd
                      and os.scandir in os.supports_fd)
"""Whether folders can be opened and worked in through descriptors (`dir_fd`, `os.scandir` of a
descriptor): POSIX, not Windows."""


def forced_fallback(name: str) -> bool:
    """Whether `EXPLAINER_FALLBACKS` asks for the portable way instead of `name`."""
    asked = {part.strip() for part in os.environ.get("EXPLAINER_FALLBACKS", "").split(",")}
    return name in asked or "all" in asked


def can_fork() -> bool:
    """Whether workers may be forked from this process (see the module docstring)."""
    return hasattr(os, "fork") and sys.platform != "darwin" and not forced_fallback("fork")


@contextlib.contextmanager
def exclusive_lock(folder: Path, lock_name: str) -> Iterator[None]:
    """Hold an exclusive lock on `folder` (which must exist) until the block ends; wait for
    it if another process holds it. `lock_name` is the lock file's name where the folder
    itself cannot be locked."""
    if fcntl is not None and not forced_fallback("flock"):
        fd = os.open(folder, os.O_RDONLY)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)  # releases the lock
        return
    # The file stays: deleting a lock file that another process has open and waits on would
    # let a third one lock a new file of the same name at the same time.
    fd = os.open(folder / lock_name, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        _lock_first_byte(fd)
        try:
            yield
        finally:
            _unlock_first_byte(fd)
    finally:
        os.close(fd)


def _lock_first_byte(fd: int) -> None:
    """Lock the lock file's first byte, waiting as long as another process holds it."""
    if msvcrt is None:
        if fcntl is None:  # pragma: no cover - neither POSIX nor Windows
            raise OSError("no way to lock files on this platform")
        fcntl.flock(fd, fcntl.LOCK_EX)  # the lock file's way, asked for on POSIX
        return
    while True:
        # LK_LOCK would give up after ten seconds; a build can take longer than that.
        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)  # from the position, which stays at 0
            return
        except OSError:
            time.sleep(LOCK_RETRY_SECONDS)


def _unlock_first_byte(fd: int) -> None:
    if msvcrt is None:
        if fcntl is not None:
            fcntl.flock(fd, fcntl.LOCK_UN)
        return
    msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)


def exchange(a: Path, b: Path) -> bool:
    """Atomically exchange two paths; False, with nothing changed, where that is not possible
    (not Linux, a C library without `renameat2`, a file system that refuses it)."""
    renameat2 = _renameat2()
    if renameat2 is None or forced_fallback("renameat2"):
        return False
    return renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0


_Renameat2 = Callable[[int, bytes, int, bytes, int], int]
"""renameat2(olddirfd, oldpath, newdirfd, newpath, flags) -> 0 or -1 (ctypes' default `int` result)."""


@lru_cache(maxsize=1)
def _renameat2() -> _Renameat2 | None:
    """The C library's `renameat2`, or None. Looked up in the running process (the C library
    it is linked with, glibc or musl) rather than by name: `ctypes.util.find_library` needs
    `ldconfig` or a compiler, which slim containers lack."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        import ctypes
        function: _Renameat2 | None = getattr(ctypes.CDLL(None, use_errno=True), "renameat2", None)
        return function
    except (ImportError, OSError):
        return None
