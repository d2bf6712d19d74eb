"""After rendering: every internal link and image must point at a file the site has.

Each page's `href` and `src` values are resolved against the page's own
path, or against the file its `<base href>` names (an embed's links are its
explainer page's, see `render.Renderer.embed_page`); a link to another page
must name a file the build writes (a folder means its index.html), and a
`#fragment` must name an element id on the target page. A broken link fails
the build with the page, the position in the page and the link. External
URLs (with a scheme or `//`) are not fetched. Pages are scanned where they
are rendered (in the worker that made them); only links into other pages
travel back, to be checked against the whole site.

Links written in Markdown (recorded per page, `RenderedFile.markdown_hrefs`)
are left out of a page's scan: they are checked at their source instead
(`sitelinks`), through `check_site` too, against the same outputs and ids,
and reported at the line of the file that holds them. What remains here is
the safety net for the links templates make, reported at the rendered page.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Callable, Iterator, Sequence, Set
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import unquote, urlsplit

from generator.diagnostics import Diagnostic, Span

if TYPE_CHECKING:
    from generator.sitelinks import SiteLink, WrittenLinks

# Literal prefixes (no `\s`, no alternation) let the regex engine jump between matches
# with a fast substring search: seven times faster on an 80 KB page.
_ID_RE = re.compile(rb' id="([^"]*)"')
_LINK_RES = (re.compile(rb' href="([^"]*)"'), re.compile(rb' src="([^"]*)"'))
_BASE_RE = re.compile(rb'<base href="([^"]*)"')


@dataclass
class PageLinks:
    """What one rendered page asks for: links into other files (its in-page links are checked
    while scanning)."""

    dest_path: str
    outgoing: list[tuple[str, str, str, int]] = field(default_factory=list)
    """Links to a fragment of another page: (target dest_path, fragment, link as written,
    byte offset in the page)."""
    errors: list[Diagnostic] = field(default_factory=list)
    """Broken in-page fragments, found while scanning."""
    ids: str | None = None
    """The page's element ids, one per line, kept for a page scanned before the site was
    planned (an explainer's page, which other pages link into: `check_site` then need not
    read it back from disk)."""


def page_ids(data: bytes) -> set[str]:
    return {m.decode("utf-8", "replace") for m in _ID_RE.findall(data)}


_PLAIN_RELATIVE = re.compile(r"[^/:%&?\s\x00-\x1f][^:%&?\s\x00-\x1f]*\Z")
"""A relative link that `urlsplit` and `unquote` would leave as it is (no scheme, query,
escape, entity or white space), as almost every link the theme writes is."""


@lru_cache(maxsize=65536)
def _resolve(base_dir: str, raw: str) -> tuple[str, str] | None:
    """(target dest_path, fragment) of a link written on a page in `base_dir`; None if external."""
    if _PLAIN_RELATIVE.match(raw):
        path, _, fragment = raw.partition("#")  # what urlsplit would make of it, 1.5 times faster
    else:
        parts = urlsplit(raw.replace("&amp;", "&"))
        if parts.scheme or parts.netloc or parts.path.startswith("/"):
            return None  # external (not fetched), or root-relative (never made by the theme)
        path, fragment = unquote(parts.path), unquote(parts.fragment)
    if not path:
        return "", fragment
    target = posixpath.normpath(posixpath.join(base_dir, path))
    if path.endswith("/") or target == ".":
        target = "index.html" if target == "." else f"{target}/index.html"
    return target, fragment


def scan_page(dest_path: str, data: bytes, out_label: str, outputs: set[str] | None,
              skip: Set[str] = frozenset(), keep_ids: bool = False,
              links: Sequence[str] | None = None) -> PageLinks:
    """Check a page's links on the spot (in-page fragments, and that every other file it
    names is one of the site's `outputs`); keep only links to a fragment of another page,
    which need that page's ids. Keeping every link of every page would cost hundreds of
    megabytes at 5,000 explainers. Links in `skip` (made from Markdown, checked at their
    source) are left alone.

    With `outputs` None (a page rendered before the site is planned, see `shards`), every
    link to another file is kept, once per link text, for `check_site` to check, and so
    are the page's ids (kept also with `keep_ids`: `check` writes no page to read back).

    A file that is no page gives its `links` instead (see `render.RenderedFile.links`):
    those are checked, not its `href`s, and it has no ids."""
    ids = page_ids(data) if links is None else set()
    page = PageLinks(dest_path, ids="\n".join(ids) if outputs is None or keep_ids else None)
    deferred: set[str] = set()
    page_dir = base_dir = posixpath.dirname(dest_path)
    base_at, based_on = _based_on(page_dir, data) if links is None else (-1, "")
    if based_on is None:
        return page  # a <base href> on another site: the page's relative links lead there
    if based_on:
        base_dir = posixpath.dirname(based_on)
    for value, offset in _links_in(data) if links is None else _declared(links):
        if skip and value.decode("utf-8", "replace") in skip:
            continue
        if value.startswith(b"#") and not based_on:
            fragment = value[1:].decode("utf-8", "replace")
            if b"%" in value:
                fragment = unquote(fragment)
            if fragment and fragment not in ids:
                page.errors.append(broken_link(out_label, dest_path, data, offset,
                                               f"broken link '#{fragment}': no element with id "
                                               f"'{fragment}' on this page"))
            continue
        if not value or value.startswith((b"http:", b"https:", b"mailto:", b"tel:", b"data:", b"//")):
            continue
        raw = value.decode("utf-8", "replace")
        resolved = _resolve(page_dir if offset == base_at else base_dir, raw)
        if resolved is None:
            continue
        target, fragment = resolved
        if not target and based_on:
            target = based_on  # '#id' under <base href>: an element of the base's page
        if not target:
            if fragment and fragment not in ids:
                page.errors.append(broken_link(out_label, dest_path, data, offset,
                                               f"broken link '{raw}': no element with id '{fragment}' "
                                               "on this page", link=raw))
        elif target.startswith("..") or (outputs is not None and target not in outputs):
            page.errors.append(broken_link(out_label, dest_path, data, offset,
                                           f"broken link '{raw}': the site has no {target}", target, raw))
        elif outputs is None:
            if raw not in deferred:
                deferred.add(raw)
                page.outgoing.append((target, fragment, raw, offset))
        elif fragment:
            page.outgoing.append((target, fragment, raw, offset))
    return page


def _based_on(page_dir: str, data: bytes) -> tuple[int, str | None]:
    """Where a page's `<base href="...">` is (the byte offset of its URL, -1 without one) and
    the file it names, resolved from the page's own folder: the page's other relative links
    resolve against that file, `#id` links included (an embed's base is its explainer page).
    The file is "" without a base (or one naming the page itself), None for a base on
    another site."""
    head_end = data.find(b"</head>")
    found = _BASE_RE.search(data, 0, head_end if head_end >= 0 else len(data))
    if found is None:
        return -1, ""
    resolved = _resolve(page_dir, found.group(1).decode("utf-8", "replace"))
    if resolved is None:
        return found.start(1), None
    return found.start(1), resolved[0]


def _links_in(page: bytes) -> Iterator[tuple[bytes, int]]:
    """Each `href` and `src` value of a page, with its byte offset."""
    for pattern in _LINK_RES:
        for match in pattern.finditer(page):
            yield match.group(1), match.start(1)


def _declared(links: Sequence[str]) -> Iterator[tuple[bytes, int]]:
    """The links a file declares (relative to its folder), at no offset (-1): an error finds
    where the file names the link (`broken_link`), which would cost a search of the file per
    link (claims.json names every explainer and actor page)."""
    for link in links:
        yield link.encode("utf-8"), -1


def check_site(pages: list[PageLinks], out_label: str, read_page: Callable[[str], bytes | None],
               read_staged: Callable[[str], bytes | None], outputs: set[str],
               written: WrittenLinks | None = None) -> list[Diagnostic]:
    """Every error found while scanning, plus links to a file the site does not have
    (kept by pages scanned before the site was planned) or to a fragment of another page,
    and the links `written` in Markdown (see `sitelinks`), reported at their source.

    A target page's ids come with it if it was scanned before the site was planned
    (`PageLinks.ids`: explainer pages in a full build, 2 KB each); otherwise they are read
    from disk (`read_page`: this build's staging directory, else the output directory)
    once, and dropped after its links are checked. Reading back every explainer page (440
    MB at 5,000 explainers) took a second of a cold build, on one process. A page with a
    broken link is read back from staging to say where in it the link is.
    """
    errors: list[Diagnostic] = [error for page in pages for error in page.errors]
    known = {page.dest_path: page.ids for page in pages if page.ids is not None}
    by_target: dict[str, list[tuple[PageLinks, str, str, int]]] = {}
    for page in pages:
        for target, fragment, raw, offset in page.outgoing:
            by_target.setdefault(target, []).append((page, fragment, raw, offset))
    from_source: dict[str, list[SiteLink]] = {}
    for link in written.links if written else ():
        from_source.setdefault(link.target, []).append(link)
        by_target.setdefault(link.target, [])
    for target, links in by_target.items():
        sourced = from_source.get(target, [])
        if target not in outputs:
            errors += [broken_link(out_label, page.dest_path, read_staged(page.dest_path) or b"", offset,
                                   f"broken link '{raw}': the site has no {target}", target, raw)
                       for page, _, raw, offset in links]
            if written is not None:  # else `sourced` is empty
                errors += [written.error(link, None, set) for link in sourced]
            continue
        links = [link for link in links if link[1]]
        sourced = [link for link in sourced if link.fragment]
        if not links and not sourced:
            continue
        if target in known:
            ids = set(known[target].split("\n"))
        else:
            data = read_page(target)
            ids = page_ids(data) if data else set()
        if written is not None:  # else `sourced` is empty
            errors += [written.error(link, link.fragment, ids.copy) for link in sourced if link.fragment not in ids]
        for page, fragment, raw, offset in links:
            if fragment not in ids:
                errors.append(broken_link(out_label, page.dest_path, read_staged(page.dest_path) or b"",
                                          offset, f"broken link '{raw}': {target} has no element with "
                                          f"id '{fragment}'", link=raw))
    return errors


def broken_link(out_label: str, dest_path: str, data: bytes, offset: int, message: str,
                missing: str = "", link: str = "") -> Diagnostic:
    """A located error for a link at byte `offset` of a page (positions are only computed
    for errors: counting lines for every link of every page would cost more than the scan).
    `missing` is the file the link names that the site does not have. A link a file declares
    (offset -1, see `_declared`) is where the file first names its path from the site's root
    (the file holds it absolute)."""
    if offset < 0:
        named = link.encode("utf-8").lstrip(b"./")
        offset = max(data.find(named), 0) if named else 0
    line = data.count(b"\n", 0, offset) + 1
    start = data.rfind(b"\n", 0, offset) + 1
    column = len(data[start:offset].decode("utf-8", "replace")) + 1
    hint = "check the template or the link's target"
    if missing.startswith("assets/"):
        # A template that wrote the path out: the theme's files are named by their content.
        hint = (f"the theme's assets are named by their content: write {{{{ url('asset', "
                f"'{posixpath.basename(missing)}') }}}}, with a name the theme's assets/ has")
    return Diagnostic(message, Span(f"{out_label}/{dest_path}", line, column), hint)


def read_output(out_dir: Path) -> Callable[[str], bytes | None]:
    def read(dest_path: str) -> bytes | None:
        try:
            return (out_dir / dest_path).read_bytes()
        except OSError:
            return None
    return read


def read_first(*folders: Path) -> Callable[[str], bytes | None]:
    """Read a page from the first folder that has it (staging, then the output directory)."""
    readers = [read_output(folder) for folder in folders]

    def read(dest_path: str) -> bytes | None:
        for reader in readers:
            data = reader(dest_path)
            if data is not None:
                return data
        return None
    return read
