"""Pictures copied into the site: which paths may name one, and whether its bytes are what
its name says.

An actor's `image` and a Markdown image (`![alt](images/x.jpg)`) name a file under
`content/` that the build copies to `site/media/`. A web server sends it with the type its
extension says, and a browser that opens it directly trusts its bytes: an SVG named `.png`,
with a script inside, was published as a "picture" (issue #15). So the first bytes of
every picture under `content/` are read once per build (one small read each: about 4 µs)
and compared with its extension, and SVG is refused whatever its name.
"""

from __future__ import annotations

import os
import posixpath
import stat
import unicodedata
from collections.abc import Iterable, Set
from dataclasses import dataclass
from pathlib import Path

from generator import compat

IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".gif", ".webp", ".avif")
"""Raster images only: an SVG can carry script that runs when the file is opened directly."""

FORMATS = {".jpg": "JPEG", ".jpeg": "JPEG", ".png": "PNG", ".gif": "GIF", ".webp": "WebP", ".avif": "AVIF"}
"""The format each accepted extension promises."""

MAX_IMAGE_PATH = 255
"""Characters in an image path: it is copied to site/media/<path>, beside a staging folder's
name, and the file system refuses paths of more than 4,096 bytes."""

_HEAD_BYTES = 512
"""Enough for every signature below, and for an `<svg` after an XML declaration and a comment."""

SVG = "SVG"
MARKUP = "markup"
EMPTY = "empty"
UNKNOWN = "unknown"


def sniff(head: bytes) -> str:
    """What a file's first bytes say it is: a value of `FORMATS`, or `SVG`, `MARKUP` (HTML or
    other XML), `EMPTY`, `UNKNOWN`."""
    if not head:
        return EMPTY
    if head.startswith(b"\xff\xd8\xff"):
        return "JPEG"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "PNG"
    if head.startswith((b"GIF87a", b"GIF89a")):
        return "GIF"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "WebP"
    if head[4:8] == b"ftyp" and _avif_brands(head):
        return "AVIF"
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n\x0c").lower()
    if b"<svg" in head.lower():
        return SVG
    if text.startswith(b"<"):
        return MARKUP
    return UNKNOWN


def _avif_brands(head: bytes) -> bool:
    """An ISO media file whose `ftyp` box names AVIF as its major or a compatible brand."""
    size = int.from_bytes(head[:4], "big")
    brands = [head[8:12]] + [head[i:i + 4] for i in range(16, min(size, len(head)) - 3, 4)]
    return any(brand in (b"avif", b"avis") for brand in brands)


def read_format(path: str) -> str:
    """`sniff` of the file at `path`, or 'unreadable: <reason>'. Opened without blocking and
    checked on the descriptor: a named pipe called `x.jpg` must not hang the build."""
    try:
        fd = os.open(path, os.O_RDONLY | compat.O_NONBLOCK | compat.O_CLOEXEC | compat.O_BINARY)
    except OSError as exc:
        return f"unreadable: {exc.strerror or exc}"
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return "unreadable: not a regular file"
        return sniff(os.read(fd, _HEAD_BYTES))
    except OSError as exc:
        return f"unreadable: {exc.strerror or exc}"
    finally:
        os.close(fd)


def mismatched_images(content: Path, files: Iterable[str]) -> dict[str, str]:
    """Path -> what its bytes are, for every picture under content/ whose bytes are not the
    format its extension promises. The build depends on this map (see `pipeline`): a file
    whose bytes change format is checked again, wherever it is used."""
    found = {}
    for path in files:
        suffix = posixpath.splitext(path)[1].lower()
        if suffix in FORMATS:
            kind = read_format(os.path.join(content, path))
            if kind != FORMATS[suffix]:
                found[path] = kind
    return found


@dataclass(frozen=True)
class Problem:
    message: str
    hint: str | None = None


def check_path(text: str, files: Set[str], where: str = "") -> tuple[str | None, Problem | None]:
    """The picture path `text` (relative to content/) normalised, or the problem with it.

    `files` is the set of files under content/ (`load.ContentFiles`, whose `outside` and
    `mismatched` say more); `where` follows the path in messages (" in the body")."""
    normalized = posixpath.normpath(text) if text else ""
    label = f"image '{text}'{where}"
    if len(text) > MAX_IMAGE_PATH:
        return None, Problem(f"image path{where} is {len(text):,} characters long; the limit is {MAX_IMAGE_PATH}",
                             "use a shorter file name and fewer folders")
    odd = next((c for c in text if unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp")
                and not ("\x00" <= c < " " and c not in "\t\n\r")), None)  # those: yamlnodes says
    if odd is not None:
        # A line break or a bidi control in a file name only ever hides what the name is.
        return None, Problem(f"image path{where} has the invisible character U+{ord(odd):04X}",
                             "rename the file with letters, digits, '-', '_' and '.'")
    if (not text or text.startswith(("/", "\\")) or "\\" in text or ":" in text
            or normalized.startswith("..") or normalized == "."):
        return None, Problem(f"{label} must be a path inside content/",
                             "write it relative to content/, e.g. images/portrait.jpg")
    if any(part.startswith(".") for part in normalized.split("/")):
        return None, Problem(f"{label} names a hidden file or folder")
    suffix = posixpath.splitext(normalized)[1].lower()
    if suffix in (".svg", ".svgz"):
        return None, Problem(f"{label} is an SVG file, which can carry script",
                             "convert it to PNG or WebP")
    if suffix not in FORMATS:
        return None, Problem(f"{label} is not a supported image type", f"use one of {', '.join(IMAGE_SUFFIXES)}")
    outside = getattr(files, "outside", ())
    if normalized in outside or any(normalized.startswith(link) for link in outside if link.endswith("/")):
        # A link to a file outside the project would publish that file (see load.ContentFiles).
        return None, Problem(f"{label} is a symbolic link pointing outside the project",
                             "copy the picture into content/ instead")
    if normalized not in files:
        return None, Problem(f"{label} not found under content/")
    found = getattr(files, "mismatched", {}).get(normalized)
    if found is not None:
        return None, _mismatch(label, normalized, FORMATS[suffix], found)
    return normalized, None


def _mismatch(label: str, path: str, promised: str, found: str) -> Problem:
    """The problem of a picture whose bytes are not the format its extension promises."""
    expected = f"{'an' if promised[0] in 'AEIOU' else 'a'} {promised} image"
    if found == SVG:
        return Problem(f"{label} is an SVG file, not {expected}", "SVG can carry script: convert it to PNG or WebP")
    if found in FORMATS.values():
        suffix = next(s for s, f in FORMATS.items() if f == found)
        article = "an" if found[0] in "AEIOU" else "a"
        return Problem(f"{label} is {article} {found} image, not {expected}",
                       f"rename it to {posixpath.splitext(path)[0]}{suffix}")
    again = f"export the picture again as {', '.join(IMAGE_SUFFIXES)}"
    if found == MARKUP:
        return Problem(f"{label} is an HTML or XML file, not {expected}", again)
    if found == EMPTY:
        return Problem(f"{label} is an empty file, not {expected}", again)
    if found.startswith("unreadable: "):
        return Problem(f"{label} cannot be read ({found.removeprefix('unreadable: ')})")
    return Problem(f"{label} is not {expected}: its bytes are of no image format", again)
