"""Run `explainer` as on a platform without `fork`, `fcntl`, `renameat2`, folder descriptors,
user ids, the POSIX `os.open` flags and the Rust Markdown engine: Windows with Python 3.13, as
far as Linux can pretend.

    python tests/no_posix.py build --root DIR ...

takes those away before the generator is imported (so that its imports meet the same
absences), gives `generator.compat` a stand-in for Windows' `msvcrt` (its byte locks made
of `flock` on the locked file; only there, as the standard library takes the presence of
`msvcrt` for Windows), then runs the command line. A test process that takes the lock as
Windows would uses the same stand-in (`fake_msvcrt`).
"""

from __future__ import annotations

import fcntl as _posix_fcntl
import os
import sys
import types

FLOCK = _posix_fcntl.flock


def fake_msvcrt() -> types.ModuleType:
    """A module with Windows' `msvcrt.locking` and its constants, behaving as it does for one
    byte at the file's position 0: LK_NBLCK raises OSError while another open file holds it."""
    module = types.ModuleType("msvcrt")
    module.LK_UNLCK, module.LK_LOCK, module.LK_NBLCK, module.LK_RLCK, module.LK_NBRLCK = 0, 1, 2, 3, 4

    def locking(fd: int, mode: int, nbytes: int) -> None:
        assert nbytes == 1 and os.lseek(fd, 0, os.SEEK_CUR) == 0, "the stand-in locks byte 0 only"
        if mode == module.LK_UNLCK:
            FLOCK(fd, _posix_fcntl.LOCK_UN)
        elif mode in (module.LK_NBLCK, module.LK_NBRLCK):
            FLOCK(fd, _posix_fcntl.LOCK_EX | _posix_fcntl.LOCK_NB)  # BlockingIOError is an OSError
        else:
            raise AssertionError("the generator must not use the locking modes that give up after 10 s")

    module.locking = locking  # type: ignore[attr-defined]
    return module


def take_posix_away() -> None:
    """What Windows lacks, taken away from this process before the generator is imported."""
    sys.modules["fcntl"] = None  # type: ignore[assignment]  # `import fcntl` raises ImportError
    sys.modules["markdown_it_pyrs"] = None  # type: ignore[assignment]  # no wheel for 3.13
    for name in ("fork", "getuid", "fchmod", "O_DIRECTORY", "O_NOFOLLOW", "O_NONBLOCK", "O_CLOEXEC"):
        delattr(os, name)
    os.supports_dir_fd = set()  # type: ignore[misc]
    # renameat2 cannot be taken out of the C library; the generator's own switch turns it off.
    os.environ["EXPLAINER_FALLBACKS"] = "renameat2"


if __name__ == "__main__":
    take_posix_away()
    from generator import cli, compat

    compat.msvcrt = fake_msvcrt()

    sys.exit(cli.main(sys.argv[1:]))
