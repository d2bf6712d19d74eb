"""YAML front matter as a tree of positioned nodes, with the text exactly as written.

We never let PyYAML construct Python values: `yaml.compose` (libyaml when
present) gives nodes that keep each scalar's source text and its mark, and
this module turns them into `YMap` / `YSeq` / `YScalar`. Along the way it
refuses what the format has no use for and what is dangerous: aliases
(so alias "bombs" cannot expand), duplicate keys (PyYAML keeps the last one
silently), non-scalar keys, application tags such as `!!python/object`, and
nesting deeper than `MAX_DEPTH`. It warns where valid YAML means something
other than what a writer sees: a value between typographic quotes (kept as
text) and a plain value cut short by ` #` (a comment).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Protocol

import yaml

from generator.diagnostics import Diagnostics, Span

_STR, _SEQ, _MAP = "tag:yaml.org,2002:str", "tag:yaml.org,2002:seq", "tag:yaml.org,2002:map"
_NULLS = frozenset(("", "~", "null", "Null", "NULL"))
BOOL_WORDS = frozenset(("true", "True", "TRUE", "false", "False", "FALSE", "yes", "Yes", "YES",
                        "no", "No", "NO", "on", "On", "ON", "off", "Off", "OFF"))
"""A plain scalar that is true or false (YAML 1.1's words, as PyYAML reads them)."""


class _PlainScalars:
    """Skips implicit tag resolution: we read every scalar's text ourselves.

    PyYAML's resolver runs a list of regular expressions over every plain scalar
    (to turn `1956` into an int); that was a third of the time of composing a
    front matter. libyaml calls this Python method, so overriding it works with
    the C loader too (unlike `compose_node`, see PITFALLS.md).
    """

    def resolve(self, kind: type, value: object, implicit: object) -> str:
        if kind is yaml.ScalarNode:
            return _STR
        return _SEQ if kind is yaml.SequenceNode else _MAP


class _PyLoader(_PlainScalars, yaml.SafeLoader):
    """The loader where PyYAML was built without libyaml."""


_BaseLoader: type[yaml.CSafeLoader | yaml.SafeLoader] = yaml.SafeLoader
_Loader: type[yaml.CSafeLoader | yaml.SafeLoader] = _PyLoader
# libyaml is several times faster; compose() is all we use, so both behave the same.
if yaml.__with_libyaml__:

    class _CLoader(_PlainScalars, yaml.CSafeLoader):
        """The loader where PyYAML has libyaml (the wheels do)."""

    _BaseLoader, _Loader = yaml.CSafeLoader, _CLoader

MAX_DEPTH = 32
"""No field of the format nests deeper than a handful of levels."""

MAX_ITEMS = 100_000
"""Lines plus commas in one YAML document, an upper bound on its number of values. Composing
keeps every node in memory at once (about 560 bytes per value: a 5 MB flow list of 2.5 million
names took 1.4 GB and 10 s), so the count is checked on the text, before composing. A large
explainer's front matter has a few hundred lines."""

_STANDARD_TAGS = {
    f"tag:yaml.org,2002:{name}"
    for name in ("str", "int", "float", "bool", "null", "timestamp", "seq", "map")
}
"""Explicit tags an author might write (`!!str 1956`); any other tag is refused."""


class _Source:
    """The YAML text of one document, split into lines only when a position inside a
    block scalar is asked for."""

    __slots__ = ("text", "_lines", "odd_breaks")

    def __init__(self, text: str):
        self.text = text
        self._lines: list[str] | None = None
        self.odd_breaks = any(c in text for c in _YAML_ONLY_BREAKS)
        """True if YAML would count lines differently from an editor (see `_span`)."""

    @property
    def lines(self) -> list[str]:
        if self._lines is None:
            self._lines = self.text.split("\n")
        return self._lines


@dataclass(slots=True)
class YScalar:
    text: str
    """The value as written (quotes and escapes already processed by YAML)."""
    span: Span
    tag: str
    """`tag:yaml.org,2002:str` unless the author wrote an explicit tag."""
    style: str
    """'' for plain, "'" or '"' for quoted, '|' or '>' for blocks."""
    one_line: bool
    """The scalar starts and ends on the same line of the file."""
    source: _Source | None = None
    line_offset: int = 0

    @property
    def quoted(self) -> bool:
        """Written in quotes or as a block: never null or boolean."""
        return self.style != ""

    @property
    def is_null(self) -> bool:
        if self.tag == _STR:
            return not self.style and self.text in _NULLS
        return self.tag.endswith(":null")

    @property
    def is_bool(self) -> bool:
        if self.tag == _STR:
            return not self.style and self.text in BOOL_WORDS
        return self.tag.endswith(":bool")

    def text_origin(self) -> tuple[Span, int] | None:
        """(file position of the first character of `text`, indentation of later lines), when
        offsets in `text` map one-to-one onto the file: a one-line plain or quoted scalar, or
        a literal `|` block. None for folded or multi-line flow scalars."""
        span = self.span
        if self.style == "|" and self.source is not None:
            # The text starts on the line after the '|' indicator, at the block's indentation.
            lines = self.source.lines
            first = span.line - self.line_offset  # 0-based index of the line after '|'
            # Value line j is file line first + j minus the block's indentation. Measure that
            # indentation on the first non-blank line as the difference of the two, not as the
            # file line's leading spaces: the value may keep some (`|4` indicator, code).
            values = self.text.split("\n")
            j = next((k for k, value in enumerate(values) if value.strip()), None)
            if j is None or first + j >= len(lines) or not lines[first + j].endswith(values[j]):
                return None
            indent = len(lines[first + j]) - len(values[j])
            return Span(span.path, span.line + 1, indent + 1), indent
        if self.one_line and "\n" not in self.text and self.style != ">":
            if self.style and not self._unescaped():
                return None
            return Span(span.path, span.line, span.column + (1 if self.style else 0)), 0
        return None

    def text_segments(self) -> tuple[tuple[int, int, int], ...]:
        """For text that does not map one to one onto the file (a folded `>` block, a plain or
        quoted scalar over several lines, see `text_origin`): (offset in `text`, line,
        column) where the content of each of its file lines starts in `text`. Folding only
        joins lines, so each line's content is found in `text` in order; () if one is not
        (an escape sequence changed it)."""
        if self.source is None:
            return ()
        lines = self.source.lines
        index = self.span.line - self.line_offset - 1  # the line the node starts on
        if not 0 <= index < len(lines):
            return ()
        text, end = self.text, len(self.text.rstrip())
        pieces: list[tuple[int, int]] = []  # (line index, column) where each line's content starts
        if self.style in ("|", ">"):
            pieces += [(i, 0) for i in range(index + 1, len(lines))]
        else:
            pieces.append((index, self.span.column - 1 + (1 if self.style else 0)))
            pieces += [(i, 0) for i in range(index + 1, len(lines))]
        segments: list[tuple[int, int, int]] = []
        cursor = 0
        for line_index, start in pieces:
            line = lines[line_index][start:]
            content = line.strip()
            if self.style in ("'", '"') and content.endswith(self.style) and not text.endswith(self.style):
                content = content[:-1].rstrip()  # the closing quote
            if not content:
                continue
            found = text.find(content, cursor)
            if found < 0 or text[cursor:found].strip():
                return ()
            column = start + len(line) - len(line.lstrip())
            segments.append((found, line_index + self.line_offset + 1, column + 1))
            cursor = found + len(content)
            if cursor >= end:
                return tuple(segments)
        return ()

    def _unescaped(self) -> bool:
        """A quoted scalar whose value is its source text between the quotes: no `\\"`, `''`
        or other escape shifts the columns of what follows."""
        if self.source is None:
            return False
        lines = self.source.lines
        index = self.span.line - self.line_offset - 1
        if not 0 <= index < len(lines):
            return False
        start = self.span.column  # 0-based index of the character after the opening quote
        line = lines[index]
        end = start + len(self.text)
        return line[start:end] == self.text and line[end:end + 1] == self.style


@dataclass(slots=True)
class YSeq:
    items: list[YNode]
    span: Span


@dataclass(slots=True)
class YMap:
    entries: dict[str, tuple[YScalar, YNode]]
    """key text -> (key node, value node), in file order."""
    span: Span


YNode = YScalar | YSeq | YMap


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
    source = _Source(text)
    items = text.count("\n") + text.count(",")
    if items > MAX_ITEMS:
        diags.error(Span(path, line_offset + 1, 1), f"YAML is too large: {items:,} lines and commas, more "
                    f"than the limit of {MAX_ITEMS:,}", "split the file; long text belongs in the Markdown body")
        return None
    try:
        root = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        span = _span(path, mark, line_offset, source) if mark else Span(path, line_offset + 1, 1)
        problem = exc.problem or exc.context or "invalid YAML"
        if exc.problem and exc.context and exc.context_mark is not None:
            # "found unexpected end of stream" alone does not say what was left open.
            start = _span(path, exc.context_mark, line_offset, source)
            problem += f" ({exc.context} that starts at line {start.line}, column {start.column})"
        tab = mark is not None and text[mark.index:mark.index + 1] == "\t"
        diags.error(span, f"invalid YAML: {problem}",
                    "indent with spaces, not tabs" if tab else _yaml_hint(problem))
        return None
    except yaml.reader.ReaderError as exc:
        # str(exc) spans two lines, and libyaml's `position` counts bytes: locate the
        # character instead (the reader stops at its first occurrence).
        char = chr(exc.character) if isinstance(exc.character, int) else str(exc.character)[:1]
        index = text.find(char) if char else -1
        line = text.count("\n", 0, max(index, 0))
        column = max(index, 0) - (text.rfind("\n", 0, max(index, 0)) + 1)
        diags.error(Span(path, line + line_offset + 1, column + 1),
                    f"invalid YAML: character U+{ord(char or chr(0)):04X} is not allowed in YAML",
                    "remove it, or move the text into the Markdown body")
        return None
    except yaml.YAMLError as exc:
        diags.error(Span(path, line_offset + 1, 1), "invalid YAML: " + " ".join(str(exc).split()))
        return None
    except RecursionError:
        diags.error(Span(path, line_offset + 1, 1), "YAML is nested too deeply")
        return None
    if root is None:
        return None
    converter = _Converter(path, line_offset, diags, source)
    try:
        return converter.convert(root, 0)
    except _Stop:
        return None
    finally:
        if "&" in text:
            _report_anchors(text, path, line_offset, source, diags)


def compose_plain(text: str) -> yaml.Node | None:
    """`text` composed into PyYAML's own nodes (every scalar's tag is "str", nothing is
    constructed), or None if it is too large (`MAX_ITEMS`) or not YAML: for reading a value or
    two of a document that is not checked (an old version of a file, see `verdicts`)."""
    if text.count("\n") + text.count(",") > MAX_ITEMS:
        return None
    try:
        node = yaml.compose(text, Loader=_Loader)
    except (yaml.YAMLError, RecursionError):
        return None
    return node if isinstance(node, yaml.Node) else None


def _report_anchors(text: str, path: str, line_offset: int, source: _Source, diags: Diagnostics) -> None:
    """Refuse anchors (`&name`) and the aliases (`*name`) that use them: the format has no use
    for either. `compose` keeps no trace of an anchor, and an alias is the very node of its
    anchor there, so this walks the parser's events for their positions; the caller skips it
    for text without '&' (an alias needs an anchor)."""
    try:
        for event in yaml.parse(text, Loader=_BaseLoader):
            anchor = getattr(event, "anchor", None)
            if not anchor or event.start_mark is None:  # the parser marks every event
                continue
            alias = isinstance(event, yaml.AliasEvent)
            diags.error(_span(path, event.start_mark, line_offset, source),
                        f"YAML {'alias' if alias else 'anchor'} '{'*' if alias else '&'}{anchor}' is not "
                        "allowed", "write the value out in full")
    except (yaml.YAMLError, RecursionError):  # pragma: no cover - compose() already read it
        pass


def _yaml_hint(problem: str) -> str | None:
    if "mapping values are not allowed" in problem:
        return "put text containing ': ' in quotes"
    if "found character '\\t'" in problem or "tab character" in problem:
        return "indent with spaces, not tabs"
    return None


_YAML_ONLY_BREAKS = ("\x85", "\u2028", "\u2029")
"""Line breaks for YAML (so in `Mark.line`) but not for editors, nor for our positions."""


class _Mark(Protocol):
    """A position in the text: PyYAML's `yaml.Mark` and libyaml's both have these."""

    @property
    def index(self) -> int: ...
    @property
    def line(self) -> int: ...
    @property
    def column(self) -> int: ...


def _span(path: str, mark: _Mark, line_offset: int, source: _Source | None = None) -> Span:
    if source is not None and (source.odd_breaks or mark.index >= len(source.text)):
        # At the end of a text without a final line break the reader has added one, and its
        # mark is on a line the file does not have ("a: b\nc" fails at line 3): clamp to the
        # end of the text, just after its last character.
        # Count '\n' only: `Mark.index` is a character offset in PyYAML and libyaml alike.
        text, index = source.text, min(mark.index, len(source.text))
        line = text.count("\n", 0, index)
        return Span(path, line + line_offset + 1, index - (text.rfind("\n", 0, index) + 1) + 1)
    return Span(path, mark.line + line_offset + 1, mark.column + 1)


_NOT_IN_PAGES = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
"""Characters that XML 1.0 (the feed) forbids and UTF-8 cannot encode (lone surrogates).
YAML refuses them written out, but a double-quoted escape such as "\\x1f" or "\\ud800" makes one,
and it would break feed.xml or crash writing the page."""


_OPENING_QUOTES = frozenset("“„‚‘«»‹›「『")
_CLOSING_QUOTES = frozenset("”“’‘»«›‹」』")
"""Typographic quotation marks, as many languages pair them (“…”, „…“, «…», »…«, 「…」): a
plain YAML value delimited by them keeps them, though a writer may have meant YAML quotes."""

_CUTTING_COMMENT = re.compile(r"[ \t]+#[^\s]")
"""Right after a plain value, a comment that reads like part of the text (`Crocus #2 attack`,
`#MeToo`): a comment meant as one has a space after its '#'."""


def _double_quoted(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _single_quoted(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


class _Stop(Exception):
    """Raised inside the converter when going on would be unsafe (alias, depth)."""


class _Converter:
    """Walks composed nodes once; each node may be visited only once (aliases are refused)."""

    def __init__(self, path: str, line_offset: int, diags: Diagnostics, source: _Source):
        self.path = path
        self.line_offset = line_offset
        self.diags = diags
        self.source = source
        self.seen: set[int] = set()

    def span(self, node: yaml.Node) -> Span:
        return _span(self.path, node.start_mark, self.line_offset, self.source)

    def convert(self, node: yaml.Node, depth: int, key: bool = False) -> YNode:
        if id(node) in self.seen:
            # compose() resolves `*alias` to the very node object of its anchor. Stop before
            # walking it again (an alias "bomb" would expand here); `_report_anchors` reports
            # the anchor and the alias at their own positions.
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
            if node.style == '"':
                self._check_escapes(node)
            elif not node.style and not key:
                self._check_plain(node)
            start, end = node.start_mark, node.end_mark
            return YScalar(node.value, self.span(node), node.tag, node.style or "",
                           start.line == end.line, self.source, self.line_offset)
        if isinstance(node, yaml.SequenceNode):
            return YSeq([self.convert(item, depth + 1) for item in node.value], self.span(node))
        assert isinstance(node, yaml.MappingNode)
        entries: dict[str, tuple[YScalar, YNode]] = {}
        for key_node, value_node in node.value:
            name = self.convert(key_node, depth + 1, key=True)
            value = self.convert(value_node, depth + 1)
            if not isinstance(name, YScalar):
                self.diags.error(name.span, "a key must be plain text")
                continue
            if name.text in entries:
                first = entries[name.text][0].span
                self.diags.error(name.span, f"duplicate key '{name.text}' (first defined at line {first.line})",
                                 "remove one of them")
                continue
            entries[name.text] = (name, value)
        return YMap(entries, self.span(node))

    def _check_plain(self, node: yaml.ScalarNode) -> None:
        """Warn where a plain (unquoted) value is not what the writer sees: typographic quotes
        around it are kept as text, and ` #` ends it (the rest of the line is a comment)."""
        value = node.value
        opener, closer = value[:1], value[-1:]
        if (len(value) >= 2 and opener in _OPENING_QUOTES and closer in _CLOSING_QUOTES
                and opener not in value[1:-1] and closer not in value[1:-1]):
            inner = value[1:-1]
            self.diags.warning(
                self.span(node), f"{value} is written between typographic quotes, which YAML keeps as part "
                "of the text: the page shows them",
                f"to quote it in YAML use straight quotes, {_double_quoted(inner)}, or none; to show the "
                f"quotation marks, put the whole value in straight quotes: {_single_quoted(value)}")
        text, end = self.source.text, node.end_mark.index
        comment = _CUTTING_COMMENT.match(text, end)
        if comment is not None:
            line_end = text.find("\n", end)
            written = (value + text[end:line_end if line_end >= 0 else len(text)]).rstrip()
            hash_at = comment.end() - 2
            line = text.count("\n", 0, hash_at)
            column = hash_at - (text.rfind("\n", 0, hash_at) + 1)
            self.diags.warning(
                Span(self.path, line + self.line_offset + 1, column + 1),
                f"' #' starts a YAML comment, so this value is '{value}', not '{written}'",
                f"if '#' belongs to the text, put the whole value in quotes: {_double_quoted(written)}; "
                "if it starts a comment, put a space after it")

    def _check_escapes(self, node: yaml.ScalarNode) -> None:
        bad = _NOT_IN_PAGES.search(node.value)
        if bad:
            self.diags.error(self.span(node), f"the text has the character U+{ord(bad.group()):04X}, which "
                             "cannot appear in a page", "remove the escape sequence that makes it")
