"""Markdown fields -> HTML, with `@id` links kept as `href="@id"` and located for errors.

There is one MarkdownIt instance per setting of `allow_html` (CommonMark plus
tables). Rendering does not depend on the page a field appears on: `@id`
links stay as `href="@id"` in the cached HTML, and `links.resolve_hrefs`
rewrites them per page with a regular expression. So each field is parsed
exactly once however many pages show it (claims appear on their explainer
and on their actor's page).
"""

from __future__ import annotations

import re
from functools import lru_cache
from urllib.parse import unquote

from markdown_it import MarkdownIt

from generator.diagnostics import Span
from generator.links import AT_HREF_RE
from generator.model import Markdown




@lru_cache(maxsize=2)
def _engine(allow_html: bool) -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": allow_html, "xhtmlOut": False})
    md.enable("table")
    return md


def render_markdown(field: Markdown, allow_html: bool) -> None:
    """Fill `field.html` and `field.links` (the `@id` targets, in order, as written)."""
    html = _engine(allow_html).render(field.source)
    field.html = html
    field.links = tuple(unquote(target) for target in AT_HREF_RE.findall(html))


def locate_links(field: Markdown, target: str) -> list[Span]:
    """Every position in the file of a link to `@target` inside this field, in order.

    markdown-it gives inline tokens no positions, so we search the field's
    source for the link destination (`](@id` or a `[ref]: @id` definition).
    """
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
