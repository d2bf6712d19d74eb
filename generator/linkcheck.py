"""After rendering: every internal link and image must point at a file the site has.

Each page's `href` and `src` values are resolved against the page's own
path; a link to another page must name a file the build writes (a folder
means its index.html), and a `#fragment` must name an element id on the
target page. A broken link fails the build with the page, the position in
the page and the link. External URLs (with a scheme or `//`) are not
fetched. Pages are scanned where they are rendered (in the worker that made
them); only links into other pages travel back, to be checked against the
whole site.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable
from urllib.parse import unquote, urlsplit

from generator.diagnostics import Diagnostic, Span

_ID_RE = re.compile(rb'\sid="([^"]*)"')
_LINK_RE = re.compile(rb'\s(href|src)="([^"]*)"')


@dataclass
class PageLinks:
    """What one rendered page offers (ids) and asks for (links into other files)."""

    dest_path: str
    ids: set[str]
    outgoing: list[tuple[str, str, str, int, int]] = field(default_factory=list)
    """(target dest_path, fragment, link as written, line, column)."""
    errors: list[Diagnostic] = field(default_factory=list)
    """Broken in-page fragments, found while scanning."""


def page_ids(data: bytes) -> set[str]:
    return {m.decode("utf-8", "replace") for m in _ID_RE.findall(data)}


def scan_page(dest_path: str, data: bytes, out_label: str) -> PageLinks:
    """Collect a page's ids and links; check its in-page `#fragment` links on the spot."""
    ids = page_ids(data)
    page = PageLinks(dest_path, ids)
    base_dir = posixpath.dirname(dest_path)
    lines = _LineCounter(data)
    for match in _LINK_RE.finditer(data):
        raw = match.group(2).decode("utf-8", "replace").replace("&amp;", "&")
        if not raw or raw.startswith(("mailto:", "tel:", "data:")):
            continue
        parts = urlsplit(raw)
        if parts.scheme or parts.netloc:
            continue  # external: not fetched
        fragment = unquote(parts.fragment)
        if not parts.path:
            if fragment and fragment not in ids:
                line, column = lines.position(match.start(2))
                page.errors.append(Diagnostic(f"broken link '{raw}': no element with id '{fragment}' "
                                              "on this page", Span(f"{out_label}/{dest_path}", line, column)))
            continue
        if parts.path.startswith("/"):
            continue  # root-relative links depend on where the site is served; we never make them
        target = posixpath.normpath(posixpath.join(base_dir, unquote(parts.path)))
        if parts.path.endswith("/") or target == ".":
            target = "index.html" if target == "." else f"{target}/index.html"
        line, column = lines.position(match.start(2))
        page.outgoing.append((target, fragment, raw, line, column))
    return page


def check_site(pages: list[PageLinks], outputs: set[str], out_label: str,
               read_page: Callable[[str], bytes | None]) -> list[Diagnostic]:
    """Check every page's links into other files; ids of pages not rendered in this build
    (an incremental build) are read from the output directory when needed."""
    errors: list[Diagnostic] = []
    ids: dict[str, set[str]] = {page.dest_path: page.ids for page in pages}
    for page in pages:
        errors += page.errors
        for target, fragment, raw, line, column in page.outgoing:
            if target.startswith("..") or target not in outputs:
                errors.append(Diagnostic(f"broken link '{raw}': the site has no {target}",
                                         Span(f"{out_label}/{page.dest_path}", line, column),
                                         "check the template or the link's target"))
                continue
            if fragment:
                if target not in ids:
                    data = read_page(target)
                    ids[target] = page_ids(data) if data else set()
                if fragment not in ids[target]:
                    errors.append(Diagnostic(f"broken link '{raw}': {target} has no element with id "
                                             f"'{fragment}'", Span(f"{out_label}/{page.dest_path}", line, column)))
    return errors


class _LineCounter:
    """Line and column of increasing offsets in one pass over the page."""

    def __init__(self, data: bytes):
        self.data = data
        self.offset = 0
        self.line = 1

    def position(self, offset: int) -> tuple[int, int]:
        if offset < self.offset:
            self.offset, self.line = 0, 1
        self.line += self.data.count(b"\n", self.offset, offset)
        self.offset = offset
        start = self.data.rfind(b"\n", 0, offset) + 1
        return self.line, len(self.data[start:offset].decode("utf-8", "replace")) + 1


def read_output(out_dir: Path) -> Callable[[str], bytes | None]:
    def read(dest_path: str) -> bytes | None:
        try:
            return (out_dir / dest_path).read_bytes()
        except OSError:
            return None
    return read
