"""Markdown fields -> HTML, with `@id` links kept as `href="@id"` and located for errors.

Two engines give the same HTML (a test holds them to it): markdown-it-pyrs,
the markdown-it rules compiled in Rust, about 15 times faster, and
markdown-it-py, the fallback and the place for syntax extensions. pyrs is
used when installed and raw HTML is escaped; with `allow_html: true`, or when
EXPLAINER_MARKDOWN=py, markdown-it-py renders (pyrs ends raw HTML blocks with
an extra newline). Both are CommonMark plus tables and strikethrough (`~~gone~~`).

Footnotes (`text[^1]` and `[^1]: note`, or inline `^[note]`) are rendered by
markdown-it-py's footnote plugin (mdit-py-plugins), whichever engine is in use:
pyrs 0.4's own footnote plugin numbers footnotes in the order they are defined
rather than first referenced, keeps the first of two definitions of a label
rather than the last, and reads a definition starting with an indented line
as code, so no rewriting of its HTML could make it agree. A field whose source
has footnote syntax (`[^` or `^[`) goes to markdown-it-py, as text that pyrs
handles badly does (`pyrs_is_safe`). Footnote ids carry a scope per field
(`fn-<scope>-1`), so that the many Markdown fields of one page never share one.

Rendering does not depend on the page a field appears on: `@id`
links stay as `href="@id"` in the cached HTML, and `links.resolve_hrefs`
rewrites them per page with a regular expression. So each field is parsed
exactly once however many pages show it (claims appear on their explainer
and on their actor's page).
"""

from __future__ import annotations

import bisect
import html as html_lib
import os
import re
from collections.abc import Callable, Sequence
from functools import lru_cache
from types import ModuleType
from typing import TYPE_CHECKING, Protocol
from urllib.parse import unquote

from generator.diagnostics import Span
from generator.links import AT_HREF_RE
from generator.model import Markdown

if TYPE_CHECKING:
    from markdown_it.token import Token

AT_SRC_RE = re.compile(r'src="@([^"]*)"')
"""`![alt](@id)`: an image whose source is an `@id`, which can only be a mistake."""

markdown_it_pyrs: ModuleType | None
"""The Rust engine's module, None where it is not installed (it has wheels for some Pythons
only: mypy then sees no stub for it, hence the untyped module)."""
try:
    import markdown_it_pyrs as _pyrs
    markdown_it_pyrs = _pyrs
except ImportError:  # pragma: no cover - a platform without a wheel
    markdown_it_pyrs = None


class _FastEngine(Protocol):
    """What this module uses of `markdown_it_pyrs.MarkdownIt`."""

    def render(self, src: str, *, xhtml: bool = True) -> str: ...

_PYRS_RULES = ["blockquote", "code", "fence", "heading", "hr", "lheading", "list", "paragraph",
               "reference", "autolink", "backticks", "emphasis", "entity", "escape", "image", "link",
               "newline", "table", "strikethrough"]
"""CommonMark without raw HTML (html_block, html_inline), plus tables and strikethrough."""


def _footnote_caption(self: object, tokens: Sequence[Token], idx: int, options: object, env: object) -> str:
    """'[2]' for every reference to footnote 2: markdown-it writes '[2:1]' for the second one,
    which readers take for a verse number."""
    return f"[{tokens[idx].meta['id'] + 1}]"


def has_footnotes(source: str) -> bool:
    """Whether the source may hold a footnote (a reference, a definition or an inline note)."""
    return "[^" in source or "^[" in source


def engine_name(allow_html: bool) -> str:
    """'pyrs' or 'py': which engine renders with this setting."""
    forced = os.environ.get("EXPLAINER_MARKDOWN")
    if forced in ("py", "pyrs"):
        return "pyrs" if forced == "pyrs" and markdown_it_pyrs and not allow_html else "py"
    return "pyrs" if markdown_it_pyrs is not None and not allow_html else "py"


@lru_cache(maxsize=4)
def _engine(allow_html: bool, name: str) -> Callable[..., str]:
    """`render(text, footnote_scope="")` of one engine; pyrs is never given footnotes."""
    if name == "pyrs":
        assert markdown_it_pyrs is not None, "engine_name picks pyrs only where it is installed"
        fast: _FastEngine = markdown_it_pyrs.MarkdownIt("zero").enable_many(_PYRS_RULES)

        def render(text: str, footnote_scope: str = "") -> str:
            try:
                return fast.render(text, xhtml=False)
            except (KeyboardInterrupt, SystemExit):
                raise
            except BaseException:  # noqa: BLE001 - a Rust panic is a BaseException (PanicException)
                # A pyrs bug that `pyrs_is_safe` does not know yet: the same HTML, slower.
                return _engine(allow_html, "py")(text, footnote_scope)

        return render
    # Imported when first needed: with pyrs, most builds never do (30 ms of every start).
    from markdown_it import MarkdownIt
    from mdit_py_plugins.footnote import footnote_plugin

    md = MarkdownIt("commonmark", {"html": allow_html, "xhtmlOut": False})
    md.enable(["table", "strikethrough"])
    md.use(footnote_plugin)
    md.add_render_rule("footnote_caption", _footnote_caption)

    def render_py(text: str, footnote_scope: str = "") -> str:
        # The plugin writes ids as fn-<docId>-1, fnref-<docId>-1 (and fnref-<docId>-1:1 ...).
        html: str = md.render(text, {"docId": footnote_scope} if footnote_scope else None)
        return html

    return render_py


MAX_MARKDOWN_CHARS = 500_000
"""A Markdown field longer than this is refused (see `resolve`): both engines need several
hundred bytes of memory per character of dense Markdown (4 MB of table rows took 1.8 GB in
pyrs and about 3 GB in markdown-it-py), and no explainer needs a field of 80,000 words."""

_PREFIX_CHARS = " \t>*+-0123456789.)"
_DEEP_PREFIX = 100
"""A line starting with 100 characters of indentation, `>` or list markers: block nesting that
deep makes pyrs recurse once per level, and it overflows the stack (a segmentation fault that
kills the build, or `serve`) from about 40,000 levels on, fewer on a thread's smaller stack."""


def _deep_prefix(source: str) -> bool:
    """Whether a line starts with `_DEEP_PREFIX` characters that could each open a block."""
    return any(len(line) - len(line.lstrip(_PREFIX_CHARS)) >= _DEEP_PREFIX
               for line in source.split("\n") if len(line) >= _DEEP_PREFIX)


_LINE_START_BRACKET = re.compile(r"^ {0,3}\[", re.MULTILINE)
_BACKTICK_RUN = re.compile(r"`+")


def _unclosed_code_span(source: str) -> bool:
    """Whether pyrs may meet a backtick run it cannot close while scanning a link label.

    Modelled on what it does: from a `[`, each backtick run opens a code span that the next
    run of the same length closes. The model is conservative: a closing run must be in the
    same line and table cell as its opener (a paragraph and a cell are made of whole such
    pieces), every `[` is a possible start (even one inside a code span), and backticks whose
    role the model does not know (escaped, inside a possible autolink or link destination, or
    more than 1,000 runs) count as a risk."""
    if "\\`" in source or _AMBIGUOUS_BACKTICK.search(source):
        return True
    runs = [(m.start(), len(m.group())) for m in _BACKTICK_RUN.finditer(source)]
    if len(runs) > 1000:
        return True
    positions = [start for start, _ in runs]
    piece, previous, separators = [], 0, 0
    for start in positions:  # line or table cell of each run, counted once along the text
        separators += source.count("\n", previous, start) + source.count("|", previous, start)
        piece.append(separators)
        previous = start
    closer: list[int | None] = [None] * len(runs)  # the next run of the same length
    seen: dict[int, int] = {}
    for index in range(len(runs) - 1, -1, -1):
        closer[index] = seen.get(runs[index][1])
        seen[runs[index][1]] = index
    firsts = sorted({bisect.bisect_right(positions, m.start()) for m in re.finditer(r"\[", source)})
    for first in firsts:  # at most 1,001 starts of at most 1,000 steps each
        index = first
        while index < len(runs):
            end = closer[index]
            if end is None or piece[end] != piece[index]:
                return True
            index = end + 1
    return False


_AMBIGUOUS_BACKTICK = re.compile(r"<[^<>\n]*`|\]\([^)\n]*`|\]:[^\n]*`")
"""A backtick in what may be an autolink, a link destination or title, or a reference
definition: pyrs may or may not take it for a code span's."""


def pyrs_is_safe(source: str) -> bool:
    """False for Markdown that markdown-it-pyrs 0.4 handles badly; markdown-it-py renders it
    instead, in linear time, with nesting capped at 20 levels (found by tests/test_resource_limits.py):

    - deep block nesting (`>>>>...`, `- - - ...`, `1. 1. ...`): a stack overflow;
    - many emphasis or strikethrough delimiters (`*a *a ... a* a*`, `~~a ~~a ... a~~ a~~`):
      quadratic time (50,000 nested `~~` took 31 s), and a stack overflow from about 100,000
      nested openers;
    - many reference definitions (`[r]: /u`), or many lines starting with `[` (each one starts a
      reference-definition scan to the end of the text): quadratic time (10,000 took 2 s,
      40,000 took 35 s);
    - a `[` and, later in its paragraph, a backtick run that nothing closes (`[x` then a lone
      backtick, even "see [`"): pyrs 0.4 panics (index out of bounds in its code-span scanner),
      which Python sees as a `PanicException` and the terminal as a Rust backtrace.

    The counts are absolute, not relative to the size, so that the quadratic cost stays a few
    milliseconds; real explainers stay far below them and keep the fast engine."""
    if source.count("*") + source.count("_") + source.count("~") > 2000 or source.count("]:") > 200:
        return False
    if "`" in source and "[" in source and _unclosed_code_span(source):
        return False
    if source.count("[") > 200 and len(_LINE_START_BRACKET.findall(source)) > 200:
        return False
    return not _deep_prefix(source)


def to_html(source: str, allow_html: bool, footnote_scope: str = "") -> str:
    """Render Markdown source with the engine in use (markdown-it-py where pyrs is unsafe, and
    for footnotes); footnote ids are `fn-<footnote_scope>-<n>` (`fn<n>` without a scope)."""
    name = engine_name(allow_html)
    if name == "pyrs" and (not pyrs_is_safe(source) or has_footnotes(source)):
        name = "py"
    return _engine(allow_html, name)(source, footnote_scope)


def render_markdown(field: Markdown, allow_html: bool, footnote_scope: str = "") -> None:
    """Fill `field.html` and `field.links` (the `@id` targets, in order, as written).
    `footnote_scope` tells this field's footnotes apart from other fields' on the same page
    (see `resolve`)."""
    html = to_html(field.source, allow_html, footnote_scope)
    field.html = html
    field.links = tuple(unquote(target) for target in AT_HREF_RE.findall(html))
    if 'src="@' in html:
        field.image_links = tuple(unquote(t) for t in AT_SRC_RE.findall(html))


LINK_SCHEMES = ("http", "https", "mailto", "tel")
"""The schemes a link or image in Markdown may have (besides none: relative, `#x`, `@id`).
markdown-it already leaves `javascript:`, `vbscript:`, `file:` and `data:` (except raster
images) as plain text; `data:` images, and schemes that start other programs (`ms-msdt:`,
`search-ms:`, `intent:`...), are refused by `resolve` with a located error."""

_URL_ATTR_RE = re.compile(r'(?:href|src)="([A-Za-z][A-Za-z0-9+.\-]*):([^"]*)"')


def foreign_links(html: str) -> list[str]:
    """Every link or image URL in rendered Markdown whose scheme is not in `LINK_SCHEMES`."""
    if ':' not in html:
        return []
    return [f"{m.group(1)}:{m.group(2)}" for m in _URL_ATTR_RE.finditer(html)
            if m.group(1).lower() not in LINK_SCHEMES]


_PROTOCOL_RELATIVE_RE = re.compile(r'(?:href|src)="(//[^"]*)"')


def protocol_relative_links(html: str) -> list[str]:
    """Every `//host/path` link or image URL in rendered Markdown. Not in the allow-list
    (`LINK_SCHEMES`): it takes the scheme of the page, and names another site in a form
    that looks like a path."""
    if '="//' not in html:
        return []
    return _PROTOCOL_RELATIVE_RE.findall(html)


def locate_protocol_relative(field: Markdown) -> list[tuple[Span, str]]:
    """Position and text of each `//host/path` link destination in the field's source."""
    if not field.mappable:
        return [(field.span, link) for link in dict.fromkeys(protocol_relative_links(field.html))]
    pattern = re.compile(r"(?:\]\(\s*<?|\]:[ \t]*<?|=[\"']?)(//[^\s<>()\"']*)")
    found = [(offset_to_span(field, m.start(1)), m.group(1)) for m in pattern.finditer(field.source)]
    return found or [(field.span, link) for link in dict.fromkeys(protocol_relative_links(field.html))]


IMG_RE = re.compile(r'<img src="([^"]*)" alt="([^"]*)"')
"""A Markdown image as both engines write it: `src` (percent-encoded), then `alt` (escaped)."""

_DESTINATION_RE = re.compile(r"(?:\]\(\s*|\]:[ \t]*)(<[^<>\n]*>|[^\s()<>]+)")
_BACKSLASH_ESCAPE_RE = re.compile(r"\\([!-/:-@\[-`{-~])")


def locate_destination(field: Markdown, url: str) -> list[Span]:
    """Every position in the file of a link or image destination that renders as `url`
    (a `src` or `href` value as written in the HTML: percent-encoded, HTML-escaped)."""
    if not field.mappable:
        return [field.span]
    wanted = unquote(html_lib.unescape(url))
    spans = []
    for match in _DESTINATION_RE.finditer(field.source):
        written = match.group(1)
        if written.startswith("<"):
            written = written[1:-1]
        written = unquote(html_lib.unescape(_BACKSLASH_ESCAPE_RE.sub(r"\1", written)))
        if written == wanted:
            offset = match.start(1) + (1 if match.group(1).startswith("<") else 0)
            spans.append(offset_to_span(field, offset))
    return spans or [field.span]


def locate_scheme(field: Markdown, scheme: str) -> list[Span]:
    """Positions of link destinations starting with `scheme:` in the field's source."""
    if not field.mappable:
        return [field.span]
    pattern = re.compile(r"(?:\]\(\s*<?|\]:[ \t]*<?|=[\"']?|<)(" + re.escape(scheme) + r":)", re.IGNORECASE)
    spans = [offset_to_span(field, m.start(1)) for m in pattern.finditer(field.source)]
    return spans or [field.span]


def locate_links(field: Markdown, target: str) -> list[Span]:
    """Every position in the file of a link to `@target` inside this field, in order.

    markdown-it gives inline tokens no positions, so we search the field's
    source for the link destination (`](@id` or a `[ref]: @id` definition).
    """
    if not field.mappable:
        # Every offset would map to the field's start: one error there, not one per link.
        return [field.span]
    pattern = re.compile(r"(?:\]\(\s*<?|\]:[ \t]*<?)(@" + re.escape(target) + r")(?=[\s)>]|$)")
    spans = [offset_to_span(field, m.start(1)) for m in pattern.finditer(field.source)]
    return spans or [field.span]


def offset_to_span(field: Markdown, offset: int) -> Span:
    """File position of a character offset in a Markdown field's source."""
    if not field.exact:
        # Folded YAML: the line whose content holds the offset, counted from its start.
        at = bisect.bisect_right(field.segments, (offset, float("inf"), 0)) - 1
        if at < 0:
            return field.span
        start, line, column = field.segments[at]
        return Span(field.span.path, line, column + offset - start)
    source = field.source
    line = source.count("\n", 0, offset)
    column = offset - (source.rfind("\n", 0, offset) + 1)
    if line == 0:
        return Span(field.span.path, field.span.line, field.span.column + column)
    return Span(field.span.path, field.span.line + line, field.indent + 1 + column)
