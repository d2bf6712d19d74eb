"""Markdown fields -> HTML, with `@id` links kept as `href="@id"` and located for errors.

Two engines give the same HTML (a test holds them to it): markdown-it-pyrs,
the markdown-it rules compiled in Rust, about 15 times faster, and
markdown-it-py, the fallback and the place for syntax extensions. pyrs is
used when installed and raw HTML is escaped; with `allow_html: true`, or when
EXPLAINER_MARKDOWN=py, markdown-it-py renders (pyrs ends raw HTML blocks with
an extra newline). Both are CommonMark plus tables.

Rendering does not depend on the page a field appears on: `@id`
links stay as `href="@id"` in the cached HTML, and `links.resolve_hrefs`
rewrites them per page with a regular expression. So each field is parsed
exactly once however many pages show it (claims appear on their explainer
and on their actor's page).
"""

from __future__ import annotations

import os
import re
from functools import lru_cache
from typing import Callable
from urllib.parse import unquote

from markdown_it import MarkdownIt

from generator.diagnostics import Span
from generator.links import AT_HREF_RE

AT_SRC_RE = re.compile(r'src="@([^"]*)"')
"""`![alt](@id)`: an image whose source is an `@id`, which can only be a mistake."""
from generator.model import Markdown




try:
    import markdown_it_pyrs
except ImportError:  # pragma: no cover - a platform without a wheel
    markdown_it_pyrs = None

_PYRS_RULES = ["blockquote", "code", "fence", "heading", "hr", "lheading", "list", "paragraph",
               "reference", "autolink", "backticks", "emphasis", "entity", "escape", "image", "link",
               "newline", "table"]
"""CommonMark without raw HTML (html_block, html_inline), plus tables."""


def engine_name(allow_html: bool) -> str:
    """'pyrs' or 'py': which engine renders with this setting."""
    forced = os.environ.get("EXPLAINER_MARKDOWN")
    if forced in ("py", "pyrs"):
        return "pyrs" if forced == "pyrs" and markdown_it_pyrs and not allow_html else "py"
    return "pyrs" if markdown_it_pyrs is not None and not allow_html else "py"


@lru_cache(maxsize=4)
def _engine(allow_html: bool, name: str) -> Callable[[str], str]:
    if name == "pyrs":
        fast = markdown_it_pyrs.MarkdownIt("zero").enable_many(_PYRS_RULES)
        return lambda text: fast.render(text, xhtml=False)
    md = MarkdownIt("commonmark", {"html": allow_html, "xhtmlOut": False})
    md.enable("table")
    return md.render


def to_html(source: str, allow_html: bool) -> str:
    """Render Markdown source with the engine in use."""
    return _engine(allow_html, engine_name(allow_html))(source)


def render_markdown(field: Markdown, allow_html: bool) -> None:
    """Fill `field.html` and `field.links` (the `@id` targets, in order, as written)."""
    html = to_html(field.source, allow_html)
    field.html = html
    field.links = tuple(unquote(target) for target in AT_HREF_RE.findall(html))
    if 'src="@' in html:
        field.image_links = tuple(unquote(t) for t in AT_SRC_RE.findall(html))


def locate_links(field: Markdown, target: str) -> list[Span]:
    """Every position in the file of a link to `@target` inside this field, in order.

    markdown-it gives inline tokens no positions, so we search the field's
    source for the link destination (`](@id` or a `[ref]: @id` definition).
    """
    if not field.exact:
        # Every offset would map to the field's start: one error there, not one per link.
        return [field.span]
    pattern = re.compile(r"(?:\]\(\s*<?|\]:[ \t]*<?)(@" + re.escape(target) + r")(?=[\s)>]|$)")
    spans = [offset_to_span(field, m.start(1)) for m in pattern.finditer(field.source)]
    return spans or [field.span]


def offset_to_span(field: Markdown, offset: int) -> Span:
    """File position of a character offset in a Markdown field's source."""
    if not field.exact:
        return field.span
    source = field.source
    line = source.count("\n", 0, offset)
    column = offset - (source.rfind("\n", 0, offset) + 1)
    if line == 0:
        return Span(field.span.path, field.span.line, field.span.column + column)
    return Span(field.span.path, field.span.line + line, field.indent + 1 + column)
