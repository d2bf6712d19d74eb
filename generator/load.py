"""Read the project's files: explainers, shared actors and site.yaml, with positions.

Each file is read once, as bytes, decoded as UTF-8 (a BOM is dropped, CRLF
becomes LF) and split into front matter and body. Nothing here knows the
meaning of a key: that is `validate`'s job.
"""

from __future__ import annotations

import hashlib
import os
import re
import stat
from dataclasses import dataclass
from pathlib import Path

from anyascii import anyascii

from generator import compat
from generator.diagnostics import Diagnostics, Span
from generator.yamlnodes import YMap, YNode, parse_yaml

MAX_FILE_BYTES = 5 * 1024 * 1024
"""A source file larger than this is refused: no explainer is that long, and it bounds memory."""

MAX_NAME_LENGTH = 100
"""File names (slugs, actor ids) longer than this are refused."""

SLUG_RE = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")

_FENCE_RE = re.compile(r"---[ \t]*\n")
_CLOSE_RE = re.compile(r"^(?:---|\.\.\.)[ \t]*$", re.MULTILINE)


@dataclass
class RawExplainer:
    """An explainer file as read: front matter nodes (None if unreadable) and body text."""

    src_path: str
    slug: str
    front: YMap | None
    body: str
    body_line: int
    """1-based file line on which the body starts."""
    digest: str
    front_digest: str = ""
    """Hash of the front matter alone: actor pages show nothing of the body (see `plan`)."""


@dataclass
class RawActor:
    """A shared actor file, content/actors/<id>.yaml."""

    src_path: str
    id: str
    data: YMap | None
    digest: str


def load_site_yaml(root: Path, diags: Diagnostics) -> tuple[YMap | None, str]:
    """site.yaml's fields (None when absent or unreadable) and its text ('' when absent)."""
    site_file = root / "site.yaml"
    if not site_file.is_file():
        return None, ""
    text = read_text(root, site_file, diags)
    if text is None:
        return None, ""
    before = len(diags.items)
    return _expect_mapping(parse_yaml(text, "site.yaml", 0, diags), Span("site.yaml"), diags, before), text


class ContentFiles(set[str]):
    """The files under content/ (paths relative to it), as a set of str.

    `outside` holds what is left out of the set because it is a symbolic link pointing
    outside the project: files, and folders (with a trailing '/'). An image there would be
    copied into the published site (`content/images/x.jpg -> /etc/passwd`), so `validate`
    refuses it by name instead of saying it does not exist.

    `mismatched` holds the pictures whose bytes are not what their extension says, and
    what they are instead (filled by the build: see `media.mismatched_images`)."""

    def __init__(self) -> None:
        super().__init__()
        self.outside: set[str] = set()
        self.mismatched: dict[str, str] = {}


def list_content_files(content: Path) -> ContentFiles:
    """All regular files under content/ (images are checked against this set), but for
    hidden folders; a linked folder is not entered, and a link that leads outside the
    project is set apart (`outside`). The folder entries say which are links: no `lstat`
    per file (5,200 at 5,000 explainers)."""
    found = ContentFiles()
    root = os.path.realpath(content.parent)
    stack = [(str(content), "")]
    while stack:
        folder, prefix = stack.pop()
        try:
            entries = list(os.scandir(folder))
        except OSError:
            continue
        for entry in entries:
            name = entry.name
            try:
                is_dir = entry.is_dir()  # a link to a folder counts as a folder, as in os.walk
            except OSError:
                is_dir = False
            if is_dir and name.startswith("."):
                continue
            if entry.is_symlink() and not _within(root, os.path.realpath(entry.path)):
                found.outside.add(f"{prefix}{name}/" if is_dir else prefix + name)
            elif is_dir:
                if not entry.is_symlink():
                    stack.append((entry.path, f"{prefix}{name}/"))
            else:
                found.add(prefix + name)
    return found


def list_sources(root: Path, folder: Path, suffix: str, diags: Diagnostics) -> list[Path]:
    """Source files of one kind, sorted; editor droppings are skipped, misnamed files reported."""
    if not folder.is_dir():
        return []
    paths = []
    for path in sorted(folder.iterdir()):
        name = path.name
        if name.startswith((".", "#", "~")) or name.endswith(("~", ".swp", ".tmp")):
            continue
        rel = path.relative_to(root).as_posix()
        if path.is_dir():
            continue
        if path.suffix != suffix:
            if path.suffix in (".md", ".markdown", ".yaml", ".yml"):
                diags.error(Span(rel), f"'{name}' is not read here: files in "
                            f"{folder.relative_to(root).as_posix()}/ must end in '{suffix}'")
            continue
        stem = path.stem
        if len(stem) > MAX_NAME_LENGTH:
            diags.error(Span(rel), f"file name is longer than {MAX_NAME_LENGTH} characters",
                        "use a shorter name")
            continue
        if not SLUG_RE.fullmatch(stem):
            diags.error(Span(rel), f"invalid file name '{name}': the name must match "
                        "[a-z0-9]+(-[a-z0-9]+)* before the extension", f"rename it to '{suggest_id(stem)}{suffix}'")
            continue
        paths.append(path)
    return paths


def suggest_id(text: str, fallback: str = "item") -> str:
    """A valid id close to `text` ("Vladimir Putin" -> "vladimir-putin", "Jan Novák" -> "jan-novak",
    "Владимир Путин" -> "vladimir-putin"), or `fallback` when it has no letter or digit.

    Every script is transliterated (`anyascii`), so a title in Cyrillic, Greek, Arabic or
    Chinese gives a real slug instead of nothing. A Chinese character is a word of its own:
    written without spaces, "北京大学" would otherwise run together as "beijingdaxue"."""
    plain = anyascii(_HAN.sub(lambda m: f" {m.group()} ", text))
    return "-".join(re.findall(r"[a-z0-9]+", plain.lower())) or fallback


_HAN = re.compile("[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f]")
"""Han ideographs (CJK unified, extension A to H, compatibility)."""


def read_text(root: Path, path: Path, diags: Diagnostics) -> str | None:
    """The file's text as UTF-8 with LF line ends, or None after reporting why it cannot be read."""
    rel = path.relative_to(root).as_posix()
    try:
        # Resolved whether or not the file itself is a link: a linked folder on the way
        # (content/explainers -> /elsewhere) leads outside the project just as well.
        if not inside(root, path):
            diags.error(Span(rel), "symbolic link points outside the project", "copy the file instead")
            return None
        size, data = _read_bounded(path)
    except _NotAFile:
        diags.error(Span(rel), "not a regular file", "replace it with a text file")
        return None
    except FileNotFoundError:
        if not os.path.lexists(path):
            return None  # deleted since the folder was listed (an editor saving): as if never seen
        diags.error(Span(rel), "cannot read file: it is a symbolic link to a file that does not exist")
        return None
    except OSError as exc:
        diags.error(Span(rel), f"cannot read file: {exc.strerror or exc}")
        return None
    if size > MAX_FILE_BYTES:
        diags.error(Span(rel), f"file is {size:,} bytes; the limit is {MAX_FILE_BYTES:,}",
                    "split the explainer or move large material out of it")
        return None
    return decode(data, rel, diags)


class _NotAFile(OSError):
    pass


def _read_bounded(path: Path) -> tuple[int, bytes]:
    """(size, bytes) of a regular file, reading at most one byte more than the limit: the size is
    checked on the open file, so a file that grows after a `stat` (or a device, or a named pipe,
    which would block the build for ever) cannot make the build read more."""
    fd = os.open(path, os.O_RDONLY | compat.O_NONBLOCK | compat.O_CLOEXEC | compat.O_BINARY)
    with os.fdopen(fd, "rb") as handle:
        info = os.fstat(handle.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise _NotAFile(path)
        data = handle.read(MAX_FILE_BYTES + 1)
    return max(info.st_size, len(data)), data


def inside(root: Path, path: Path) -> bool:
    """`path`, with every symbolic link on the way resolved, is inside `root` (also resolved)."""
    return _within(os.path.realpath(root), os.path.realpath(path))


def _within(real_root: str, real_path: str) -> bool:
    return real_path == real_root or real_path.startswith(real_root.rstrip(os.sep) + os.sep)


def decode(data: bytes, rel: str, diags: Diagnostics) -> str | None:
    """Decode UTF-8 (BOM optional); CRLF and lone CR become LF."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        diags.error(Span(rel), "file is UTF-16; explainer reads UTF-8 only", "save the file as UTF-8")
        return None
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        # Lines as everywhere else: CRLF, and a lone CR, end a line too ("\r\x80" is line 2).
        before = data[:exc.start].decode("utf-8", "replace").replace("\r\n", "\n").replace("\r", "\n")
        line = before.count("\n") + 1
        column = len(before) - (before.rfind("\n") + 1) + 1
        diags.error(Span(rel, line, column), f"file is not valid UTF-8 (byte 0x{data[exc.start]:02x})",
                    "save the file as UTF-8")
        return None
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if "\x00" in text:
        index = text.index("\x00")
        line = text.count("\n", 0, index) + 1
        column = index - (text.rfind("\n", 0, index) + 1) + 1  # the contract wants the column too
        diags.error(Span(rel, line, column), "file contains a NUL character; is it a binary file?")
        return None
    return text


def split_front_matter(text: str, rel: str, diags: Diagnostics) -> tuple[str, str, int] | None:
    """(front matter YAML, body, 1-based body line), or None after reporting a missing fence."""
    if not _FENCE_RE.match(text):
        diags.error(Span(rel, 1, 1), "missing front matter: the file must start with a '---' line",
                    "add '---', the YAML fields, and another '---' before the body")
        return None
    start = text.index("\n") + 1
    close = _CLOSE_RE.search(text, start)
    if not close:
        diags.error(Span(rel, 1, 1), "front matter is not closed",
                    "add a '---' line between the YAML fields and the body")
        return None
    yaml_text = text[start:close.start()]
    body_start = close.end() + 1 if close.end() < len(text) else close.end()
    body_line = text.count("\n", 0, body_start) + 1
    return yaml_text, text[body_start:], body_line


def load_explainer(root: Path, path: Path, diags: Diagnostics) -> RawExplainer | None:
    """Read one explainer file."""
    rel = path.relative_to(root).as_posix()
    text = read_text(root, path, diags)
    if text is None:
        return None
    digest = hashlib.sha256(text.encode()).hexdigest()
    split = split_front_matter(text, rel, diags)
    if split is None:
        return RawExplainer(rel, path.stem, None, "", 1, digest)
    yaml_text, body, body_line = split
    before = len(diags.items)
    front = _expect_mapping(parse_yaml(yaml_text, rel, 1, diags), Span(rel, 1, 1), diags, before)
    front_digest = hashlib.sha256(yaml_text.encode()).hexdigest()
    return RawExplainer(rel, path.stem, front, body, body_line, digest, front_digest)


def load_shared_actor(root: Path, path: Path, diags: Diagnostics) -> RawActor | None:
    """Read one content/actors/<id>.yaml file."""
    rel = path.relative_to(root).as_posix()
    text = read_text(root, path, diags)
    if text is None:
        return None
    digest = hashlib.sha256(text.encode()).hexdigest()
    before = len(diags.items)
    data = _expect_mapping(parse_yaml(text, rel, 0, diags), Span(rel), diags, before)
    return RawActor(rel, path.stem, data, digest)


def _expect_mapping(node: YNode | None, empty_span: Span, diags: Diagnostics,
                    errors_before: int) -> YMap | None:
    """The document's top-level mapping; an empty document is an empty mapping."""
    if node is None:
        if len(diags.items) > errors_before:
            return None  # unreadable YAML, already reported
        return YMap({}, empty_span)
    if not isinstance(node, YMap):
        diags.error(node.span, "expected a mapping of 'key: value' lines")
        return None
    return node
