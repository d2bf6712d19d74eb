"""This user's secret key, kept outside every project, and the keyed checksums made with it.

`.explainer-cache/` travels with a project: a cloned repository, a contributor's branch
or an unpacked archive can hold one, written by anyone. Its files are therefore sealed:
each carries a keyed BLAKE2b checksum (a MAC) made with a random key that only this
user's builds know, so a file that this user's builds did not write, or that was changed
since, is detected and ignored (it costs a rebuild of what it covered, never output).

The key is 32 random bytes in `$XDG_CACHE_HOME/explainer/cache-key` (by default
`~/.cache/explainer/`), the file made with mode 0600 in a folder made with mode 0700,
and used only while the folder is this user's own, not a symbolic link and writable by
no one else, and the file is a regular file of this user's that no one else can read
(the checks `template_cache` makes for its compiled templates). Where that cannot be,
`key()` is None and the build goes without its cache (`problem()` says why).

Each kind of file has its own personalisation (`seal`'s `kind`), so a sealed file of one
kind cannot be passed off as another.

On Windows, files have no owner id and their mode bits are made up (every folder says
0777): what keeps other users out of `~/.cache/explainer/` is the user profile's access
list. There the folder and the key must only be a real folder and a real file (no link,
no junction).
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import os
import stat
from pathlib import Path

from generator import compat, safefs

KEY_BYTES = 32
KEY_NAME = "cache-key"

_known: dict[tuple[str, str], tuple[bytes, str]] = {}
"""($XDG_CACHE_HOME, $HOME) -> (key, its file): read once per process (a `serve` session, the
build's workers); a missing key is looked for again each time."""


def cache_home() -> Path | None:
    """`$XDG_CACHE_HOME`, by default `~/.cache` (None without a home directory)."""
    base = os.environ.get("XDG_CACHE_HOME") or ""
    if not os.path.isabs(base):  # the XDG rule: a relative path is to be ignored
        home = os.path.expanduser("~")
        if not os.path.isabs(home):
            return None
        base = os.path.join(home, ".cache")
    return Path(base)


def own_folder(*parts: str) -> Path | None:
    """`<cache_home>/explainer/<parts>`, each folder made with mode 0700 if missing, or None
    unless each is this user's own, not a symbolic link and writable by no one else."""
    base = cache_home()
    if base is None:
        return None
    try:
        os.makedirs(base, mode=0o700, exist_ok=True)
    except OSError:
        return None
    folder = base
    for part in ("explainer", *parts):
        folder = folder / part
        try:
            os.mkdir(folder, 0o700)
        except FileExistsError:
            pass
        except OSError:
            return None
        if not _private(folder):
            return None
    return folder


def _private(folder: Path) -> bool:
    try:
        info = os.lstat(folder)
    except OSError:
        return False
    if not stat.S_ISDIR(info.st_mode) or safefs.is_link(info):
        return False
    if not _MODES_MEAN_SOMETHING:
        return True  # Windows: see the module docstring
    return info.st_uid == os.getuid() and not stat.S_IMODE(info.st_mode) & 0o022


_MODES_MEAN_SOMETHING = hasattr(os, "getuid")
"""Files have an owner id and mode bits that say who may read and write them (not Windows)."""


def key() -> bytes | None:
    """This user's key (made on first use), or None where it cannot be kept safely."""
    return _lookup()[0]


def problem() -> str | None:
    """Why there is no key (None if there is one)."""
    return _lookup()[1] or None


def seal(kind: str, data: bytes | memoryview, secret: bytes) -> str:
    """The keyed checksum of `data` as a `kind` of file (32 hex digits); a `memoryview` is
    hashed where it lies, not copied."""
    return hashlib.blake2b(data, key=secret, digest_size=16, person=kind.encode()[:16]).hexdigest()


def is_sealed(kind: str, data: bytes | memoryview, checksum: bytes | str, secret: bytes) -> bool:
    """`checksum` is the seal of `data` as a `kind`. Compared as bytes: a damaged file's
    checksum may hold any byte, and `compare_digest` refuses strings that are not ASCII."""
    if isinstance(checksum, str):
        checksum = checksum.encode("utf-8", "surrogateescape")
    return hmac.compare_digest(seal(kind, data, secret).encode("ascii"), checksum)


def _lookup() -> tuple[bytes | None, str]:
    where = (os.environ.get("XDG_CACHE_HOME", ""), os.environ.get("HOME", ""))
    known = _known.get(where)
    if known is not None:
        return known[0], ""
    folder = own_folder()
    if folder is None:
        home = cache_home()
        shown = home / "explainer" if home else "$XDG_CACHE_HOME/explainer (there is no home directory)"
        return None, f"{shown} is not a folder of this user's that no one else can write"
    found, problem = _read_or_make(folder / KEY_NAME)
    if found is not None:
        _known[where] = (found, str(folder / KEY_NAME))
    return found, problem


def _read_or_make(path: Path) -> tuple[bytes | None, str]:
    for _ in range(3):  # another build may make or replace it at the same moment
        try:
            if not compat.O_NOFOLLOW and safefs.is_link(os.lstat(path)):
                return None, f"{path} cannot be read as a file (a link)"
            fd = os.open(path, os.O_RDONLY | compat.O_NOFOLLOW | compat.O_NONBLOCK | compat.O_CLOEXEC
                         | compat.O_BINARY)
        except FileNotFoundError:
            problem = _make(path, replace=False)
            if problem:
                return None, problem
            continue
        except OSError as exc:  # ELOOP: a link
            return None, f"{path} cannot be read as a file ({exc.strerror})"
        try:
            info = os.fstat(fd)
            data = os.read(fd, KEY_BYTES + 1)
        finally:
            os.close(fd)
        if not stat.S_ISREG(info.st_mode) or not safefs.is_own(info):
            return None, f"{path} is not a file of this user's"
        if (_MODES_MEAN_SOMETHING and stat.S_IMODE(info.st_mode) & 0o077) or len(data) != KEY_BYTES:
            # Readable by others, or damaged: a new key (the cache written with the old one is
            # then ignored, which costs one full build).
            problem = _make(path, replace=True)
            if problem:
                return None, problem
            continue
        return data, ""
    return None, f"{path} keeps changing"


def _make(path: Path, replace: bool) -> str:
    """Write a new key, whole, under a temporary name first; "" or what went wrong."""
    temp = path.with_name(f".{KEY_NAME}.{os.urandom(6).hex()}.tmp")
    try:
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | compat.O_NOFOLLOW | compat.O_CLOEXEC
                     | compat.O_BINARY, 0o600)
        try:
            os.write(fd, os.urandom(KEY_BYTES))
            os.fsync(fd)
        finally:
            os.close(fd)
        if replace:
            os.replace(temp, path)
        else:
            with contextlib.suppress(FileExistsError):  # another build made one first: theirs
                os.link(temp, path)
    except OSError as exc:
        return f"cannot write {path} ({exc.strerror})"
    finally:
        with contextlib.suppress(OSError):
            os.unlink(temp)
    return ""
