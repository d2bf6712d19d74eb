"""YAML front matter as a tree of positioned nodes, with the text exactly as written.

We never let PyYAML construct Python values: `yaml.compose` (libyaml when
present) gives nodes that keep each scalar's source text and its mark, and
this module turns them into `YMap` / `YSeq` / `YScalar`. Along the way it
refuses what the format has no use for and what is dangerous: aliases
(so alias "bombs" cannot expand), duplicate keys (PyYAML keeps the last one
silently), non-scalar keys, application tags such as `!!python/object`, and
nesting deeper than `MAX_DEPTH`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Union

import yaml

from generator.diagnostics import Diagnostics, Span

try:  # libyaml is several times faster; compose() is all we use, so both behave the same.
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

MAX_DEPTH = 32
"""No field of the format nests deeper than a handful of levels."""

_STANDARD_TAGS = {
    f"tag:yaml.org,2002:{name}"
    for name in ("str", "int", "float", "bool", "null", "timestamp", "seq", "map", "binary")
}


@dataclass
class YScalar:
    text: str
    """The value as written (quotes and escapes already processed by YAML)."""
    span: Span
    tag: str
    quoted: bool
    text_start: Span | None = None
    """Where the first character of `text` is in the file, when offsets in `text` map
    one-to-one onto the file (plain or quoted on one line, or a literal `|` block)."""
    text_indent: int = 0
    """For a literal block: the indentation of its lines (their column is indent + 1 + offset)."""

    @property
    def is_null(self) -> bool:
        return not self.quoted and self.tag.endswith(":null")


@dataclass
class YSeq:
    items: list["YNode"]
    span: Span


@dataclass
class YMap:
    entries: dict[str, tuple[YScalar, "YNode"]]
    """key text -> (key node, value node), in file order."""
    span: Span


YNode = Union[YScalar, YSeq, YMap]


def kind_name(node: YNode) -> str:
    if isinstance(node, YMap):
        return "a mapping"
    if isinstance(node, YSeq):
        return "a list"
    return "text"


def parse_yaml(text: str, path: str, line_offset: int, diags: Diagnostics) -> YNode | None:
    """Compose `text` (which starts at 0-based file line `line_offset`) into positioned nodes.

    Returns None after adding a diagnostic if the YAML cannot be read at all.
    """
    try:
        root = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        span = _span(path, mark, line_offset) if mark else Span(path, line_offset + 1, 1)
        problem = exc.problem or exc.context or "invalid YAML"
        diags.error(span, f"invalid YAML: {problem}", _yaml_hint(problem))
        return None
    except yaml.YAMLError as exc:
        diags.error(Span(path, line_offset + 1, 1), f"invalid YAML: {exc}")
        return None
    except RecursionError:
        diags.error(Span(path, line_offset + 1, 1), "YAML is nested too deeply")
        return None
    if root is None:
        return None
    converter = _Converter(path, line_offset, diags, text)
    try:
        return converter.convert(root, 0)
    except _Stop:
        return None


def _yaml_hint(problem: str) -> str | None:
    if "mapping values are not allowed" in problem:
        return "put text containing ': ' in quotes"
    if "found character '\\t'" in problem:
        return "indent with spaces, not tabs"
    return None


def _span(path: str, mark: yaml.Mark, line_offset: int) -> Span:
    return Span(path, mark.line + line_offset + 1, mark.column + 1)


class _Stop(Exception):
    """Raised inside the converter when going on would be unsafe (alias, depth)."""


class _Converter:
    """Walks composed nodes once; each node may be visited only once (aliases are refused)."""

    def __init__(self, path: str, line_offset: int, diags: Diagnostics, text: str):
        self.path = path
        self.text = text
        self.line_offset = line_offset
        self.diags = diags
        self.seen: set[int] = set()
        self._lines: list[str] | None = None

    def lines(self) -> list[str]:
        if self._lines is None:
            self._lines = self.text.split("\n")
        return self._lines

    def span(self, node: yaml.Node) -> Span:
        return _span(self.path, node.start_mark, self.line_offset)

    def convert(self, node: yaml.Node, depth: int) -> YNode:
        if id(node) in self.seen:
            # compose() resolves `*alias` to the very node object of its anchor.
            self.diags.error(self.span(node), "YAML anchors and aliases are not allowed",
                             "write the value out in full")
            raise _Stop
        self.seen.add(id(node))
        if depth > MAX_DEPTH:
            self.diags.error(self.span(node), f"YAML is nested more than {MAX_DEPTH} levels deep")
            raise _Stop
        if node.tag == "tag:yaml.org,2002:merge":
            self.diags.error(self.span(node), "YAML merge keys ('<<') are not allowed",
                             "write the keys out in full")
            raise _Stop
        if node.tag not in _STANDARD_TAGS:
            self.diags.error(self.span(node), f"YAML tag '{node.tag}' is not allowed",
                             "remove the tag; values are read as plain text")
            raise _Stop
        if isinstance(node, yaml.ScalarNode):
            return self.scalar(node)
        if isinstance(node, yaml.SequenceNode):
            return YSeq([self.convert(item, depth + 1) for item in node.value], self.span(node))
        assert isinstance(node, yaml.MappingNode)
        entries: dict[str, tuple[YScalar, YNode]] = {}
        for key_node, value_node in node.value:
            key = self.convert(key_node, depth + 1)
            value = self.convert(value_node, depth + 1)
            if not isinstance(key, YScalar):
                self.diags.error(key.span, "a key must be plain text")
                continue
            if key.text in entries:
                first = entries[key.text][0].span
                self.diags.error(key.span, f"duplicate key '{key.text}' (first defined at line {first.line})",
                                 "remove one of them")
                continue
            entries[key.text] = (key, value)
        return YMap(entries, self.span(node))

    def scalar(self, node: yaml.ScalarNode) -> YScalar:
        span = self.span(node)
        style = node.style or ""
        text_start: Span | None = None
        indent = 0
        mark = node.start_mark
        if style == "|":
            # The text starts on the line after the '|' indicator, at the block's indentation.
            lines = self.lines()
            first = mark.line + 1
            indent_line = first
            while indent_line < len(lines) - 1 and not lines[indent_line].strip():
                indent_line += 1
            if first < len(lines):
                line = lines[indent_line]
                indent = len(line) - len(line.lstrip(" "))
                text_start = Span(self.path, first + self.line_offset + 1, indent + 1)
        elif "\n" not in node.value and node.start_mark.line == node.end_mark.line:
            text_start = Span(span.path, span.line, span.column + (1 if style in ("'", '"') else 0))
        return YScalar(node.value, span, node.tag, style not in ("",), text_start, indent)
