"""Request path -> a regular file inside the output directory, or nothing.

`explainer serve` is a development server, but it listens on a socket and
the folders around its preview folder hold drafts, configuration and the
build cache, so it serves only what the build wrote. The request path is checked segment by
segment *before* it touches the file system (no `..`, no encoded `/` or
`\\`, no NUL, no hidden names, no empty segments that would make `//host`),
and the joined path is resolved again after symlinks and must still lie
inside the output directory. Everything refused is answered exactly like a
missing file (404), so a client cannot tell a forbidden path from an absent
one.
"""

from __future__ import annotations

import mimetypes
import os
import stat
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote

CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".htm": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8",
    ".json": "application/json",
    ".map": "application/json",
    ".xml": "application/xml; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".webp": "image/webp",
    ".gif": "image/gif",
    ".avif": "image/avif",
    ".svg": "image/svg+xml",
    ".ico": "image/x-icon",
    ".woff": "font/woff",
    ".woff2": "font/woff2",
    ".pdf": "application/pdf",
}
"""Explicit, because `mimetypes` reads the host's /etc/mime.types and differs between
machines (avif and webp are missing on many); the table is the contract, `mimetypes`
only a fallback for anything else a template author drops into the site."""

_FORBIDDEN_IN_SEGMENT = ("/", "\\", "\x00", ":")
"""After decoding: an encoded slash or backslash would smuggle a separator past the
split, NUL truncates paths in C, and ':' names drives and streams on Windows."""


@dataclass(frozen=True)
class Found:
    """A regular file to send; `page` is its path under the output directory, `/`-separated."""

    path: Path
    page: str


@dataclass(frozen=True)
class Redirect:
    """A directory asked for without its trailing slash: relative links need the slash."""

    location: str


def content_type(path: str | Path) -> str:
    suffix = os.path.splitext(str(path))[1].lower()
    if suffix in CONTENT_TYPES:
        return CONTENT_TYPES[suffix]
    guessed, _ = mimetypes.guess_type(str(path))
    return guessed or "application/octet-stream"


def split_request_path(raw_path: str) -> tuple[list[str], bool] | None:
    """Percent-decoded segments of a raw request path and whether it ends in '/', or None if unsafe.

    Decoding happens per segment, after splitting, so that `%2f` can never become a
    separator; a decoded segment must still be a plain file name.
    """
    if not raw_path.startswith("/"):
        return None
    parts = raw_path[1:].split("/")
    trailing_slash = parts[-1] == ""
    if trailing_slash:
        parts.pop()
    segments = []
    for part in parts:
        try:
            name = unquote(part, errors="strict")
        except UnicodeDecodeError:
            return None
        if not name or name.startswith(".") or any(c in name for c in _FORBIDDEN_IN_SEGMENT):
            return None
        segments.append(name)
    return segments, trailing_slash


def resolve(out_dir: Path, raw_path: str) -> Found | Redirect | None:
    """What to answer for `raw_path` (undecoded, without query): a file, a redirect, or None for 404."""
    split = split_request_path(raw_path)
    if split is None:
        return None
    segments, trailing_slash = split
    base = os.path.realpath(out_dir)
    target = _inside(base, os.path.join(base, *segments))
    if target is None:
        return None
    if os.path.isdir(target):
        if not trailing_slash:
            return Redirect(raw_path + "/")
        target = _inside(base, os.path.join(target, "index.html"))
        segments = [*segments, "index.html"]
    elif trailing_slash and segments:
        return None  # /feed.xml/ is not a directory
    if target is None or not os.path.isfile(target):
        return None
    return Found(Path(target), "/".join(segments))


def _inside(base: str, path: str) -> str | None:
    """`path` with every symlink resolved, if that is still `base` or under it."""
    real = os.path.realpath(path)
    prefix = base if base.endswith(os.sep) else base + os.sep
    return real if real == base or real.startswith(prefix) else None


def read_whole(path: Path) -> bytes:
    """The file's bytes, read completely before a single byte is sent.

    The build swaps a finished site in with one rename, so an open file is always a
    complete one; reading it whole means a swap during a slow response cannot mix
    two versions either. Raises OSError (answered as 404) if the file vanished or
    is not a regular file any more.
    """
    with open(path, "rb") as handle:
        if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
            raise IsADirectoryError(str(path))
        return handle.read()
