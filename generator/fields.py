"""Typed reading of one YAML mapping, with a located error for every problem.

`validate` and `config` read each object of the format with a `FieldReader` made for its
`shapes.Shape`: `title = r.text("title")`. Which keys exist, which are required, a choice's
values, a date's precision and what an id names all come from the shape, the declaration
the JSON Schemas are written from too (see `schema`). The reader reports wrong types,
empty values, bad ids, dates and URLs, and any key the shape does not have, with a
did-you-mean hint. It never raises: a bad value is reported and read as missing, so that
validation goes on and finds the rest.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from urllib.parse import urlsplit

from generator import shapes
from generator.dates import DateError, PartialDate, parse_date
from generator.diagnostics import Diagnostics, Span, did_you_mean
from generator.eventdates import ACCEPTED_FORMS, EventDate, is_uncertain, parse_event_date
from generator.load import suggest_id
from generator.model import Markdown
from generator.shapes import Field, Shape
from generator.yamlnodes import YMap, YNode, YScalar, YSeq, kind_name

ID_PATTERN = r"[a-z0-9]+(?:-[a-z0-9]+)*"
"""The contract's id syntax (ids, tags, slugs), for `re` and JSON Schema alike."""
ID_RE = re.compile(ID_PATTERN)
MAX_ID_LENGTH = 100

_BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]")
_EMBEDDINGS = "\u202a\u202b\u202d\u202e"
"""LRE, RLE, LRO, RLO: closed by PDF (U+202C)."""
_ISOLATES = "\u2066\u2067\u2068"
"""LRI, RLI, FSI: closed by PDI (U+2069), which also closes embeddings opened inside."""
_PDF, _PDI = "\u202c", "\u2069"


def contain_bidi(text: str) -> str:
    """`text` with its bidirectional controls balanced, so that they reorder only `text` itself.

    Arabic and Hebrew need no controls (the Unicode bidi algorithm orders them), but quoted
    text may carry some: isolates around a mixed-direction phrase, or the embeddings some word
    processors insert. An override left open (U+202E RIGHT-TO-LEFT OVERRIDE) would instead reorder
    what the page shows after the value, in the same paragraph: the role and date after a name,
    the status after a claim ("exe.gpj" tricks). So every opener still open at the end gets its
    closer, and a closer with nothing of its own to close is dropped (it would close an opener
    of the surrounding text). Text without controls is returned as it is."""
    if text.isascii() or not _BIDI_CONTROLS.search(text):
        return text
    out: list[str] = []
    open_: list[str] = []  # the closer each open control needs, innermost last
    for char in text:
        if char in _EMBEDDINGS:
            open_.append(_PDF)
        elif char in _ISOLATES:
            open_.append(_PDI)
        elif char == _PDF:
            if not open_ or open_[-1] != _PDF:
                continue
            open_.pop()
        elif char == _PDI:
            if _PDI not in open_:
                continue
            while open_.pop() != _PDI:
                pass
        out.append(char)
    out.extend(reversed(open_))
    return "".join(out)


def check_id(text: str, span: Span, what: str, diags: Diagnostics) -> bool:
    """Report an id that does not match the contract's id syntax."""
    if len(text) > MAX_ID_LENGTH:
        diags.error(span, f"{what} '{text[:20]}...' is longer than {MAX_ID_LENGTH} characters")
        return False
    if not ID_RE.fullmatch(text):
        diags.error(span, f"invalid {what} '{text}': use lowercase letters, digits and single hyphens",
                    f"try '{suggest_id(text)}'")
        return False
    return True


def not_in_urls(char: str) -> bool:
    """Spaces, controls and invisible format characters (U+202E, U+200B...): a real URL has
    them percent-encoded, and unencoded they only disguise where a link goes."""
    return char.isspace() or ord(char) < 32 or unicodedata.category(char) in ("Cc", "Cf", "Zl", "Zp")


def check_url(text: str, span: Span, key: str, diags: Diagnostics, what: str | None = None) -> bool:
    """Only absolute http and https URLs with a host; anything else could be `javascript:`.

    `what` names the object ("source 'tass'"), as every other field error does."""
    try:
        parts = urlsplit(text)
    except ValueError:
        parts = None
    if (parts is None or parts.scheme.lower() not in ("http", "https") or not parts.netloc
            or any(map(not_in_urls, text))):
        where = f"'{key}' in {what}" if what else f"'{key}'"
        diags.error(span, f"{where} must be an http or https URL, got '{text}'",
                    "write the full address, starting with https://")
        return False
    return True


class FieldReader:
    """Reads the fields of one mapping of `shape`; reports its unknown keys at once."""

    def __init__(self, node: YMap, what: str, shape: Shape, diags: Diagnostics):
        self.node = node
        self.what = what
        self.shape = shape
        self.known = shape.keys
        self.diags = diags
        self.path = node.span.path
        for key, (key_node, _) in node.entries.items():
            if key not in self.known:
                hint = did_you_mean(key, self.known) or f"known keys: {', '.join(self.known)}"
                diags.error(key_node.span, f"unknown key '{key}' in {what}", hint)

    # -- access -----------------------------------------------------------

    def field(self, key: str, *kinds: str) -> Field:
        """The shape's field `key`, which must be of one of `kinds`: reading a field as
        something its declaration does not say is a bug of the reader, not of the content."""
        found = self.shape.field(key)
        if found.kind not in kinds:
            raise TypeError(f"{self.shape.name}: '{key}' is declared {found.kind}, read as {'/'.join(kinds)}")
        return found

    def has(self, key: str) -> bool:
        entry = self.node.entries.get(key)
        return entry is not None and not (isinstance(entry[1], YScalar) and entry[1].is_null)

    def key_span(self, key: str) -> Span:
        return self.node.entries[key][0].span if key in self.node.entries else self.node.span

    def _value(self, key: str, required: bool) -> YNode | None:
        entry = self.node.entries.get(key)
        if entry is None or (isinstance(entry[1], YScalar) and entry[1].is_null):
            if required:
                if entry is None:
                    self.diags.error(self.node.span, f"missing required key '{key}' in {self.what}")
                else:
                    self.diags.error(entry[0].span, f"'{key}' in {self.what} must not be empty")
            return None
        return entry[1]

    def _scalar(self, key: str, required: bool) -> YScalar | None:
        node = self._value(key, required)
        if node is None:
            return None
        if not isinstance(node, YScalar):
            self.diags.error(node.span, f"'{key}' in {self.what} must be text, not {kind_name(node)}")
            return None
        return node

    # -- typed values -------------------------------------------------------

    def text(self, key: str, required: bool | None = None) -> str | None:
        """A text field; `required` overrides the shape's for a field needed only with another
        (`image_alt` with `image`: see `Shape.needs`)."""
        declared = self.field(key, shapes.TEXT)
        required = declared.required if required is None else required
        node = self._scalar(key, required)
        if node is None:
            return None
        value = node.text.strip()
        if not value:
            if required:
                self.diags.error(node.span, f"'{key}' in {self.what} must not be empty")
            return None
        return contain_bidi(value)

    def scalar_node(self, key: str) -> YScalar | None:
        """A field whose text its caller checks: a picture's path, a language tag, a base URL."""
        declared = self.field(key, shapes.IMAGE, shapes.LANGUAGE, shapes.BASE_URL)
        return self._scalar(key, declared.required)

    def markdown(self, key: str) -> Markdown | None:
        self.field(key, shapes.MARKDOWN)
        node = self._scalar(key, False)
        if node is None or not node.text.strip():
            return None
        origin = node.text_origin()
        if origin is None:
            return Markdown(node.text, node.span, exact=False, segments=node.text_segments())
        return Markdown(node.text, origin[0], origin[1])

    def boolean(self, key: str) -> bool:
        default = self.field(key, shapes.BOOLEAN).default
        assert isinstance(default, bool), f"{key} declares no default"
        node = self._scalar(key, False)
        if node is None:
            return default
        if node.is_bool:
            return node.text.lower() in ("true", "yes", "on")
        self.diags.error(node.span, f"'{key}' in {self.what} must be true or false, got '{node.text}'")
        return default

    def choice(self, key: str, hint: Callable[[str], str] | None = None) -> str:
        """One of the field's choices; `hint(written)` replaces the did-you-mean for a wrong value
        (a claim's status, where the nearest word may mean the opposite: see `statuses`)."""
        declared = self.field(key, shapes.CHOICE)
        choices, default = declared.choices, declared.default
        assert isinstance(default, str), f"{key} declares no default"
        node = self._scalar(key, False)
        if node is None:
            return default
        if node.text in choices:
            return node.text
        if hint is not None:  # which lists the choices itself when it suggests none
            self.diags.error(node.span, f"'{key}' in {self.what} is '{node.text}', not a {key}", hint(node.text))
            return default
        said = did_you_mean(node.text, choices) or f"use one of: {', '.join(choices)}"
        self.diags.error(node.span, f"'{key}' in {self.what} is '{node.text}', not one of "
                         f"{', '.join(choices)}", said)
        return default

    def date(self, key: str) -> PartialDate | None:
        """An exact date: to the day for a `FULL_DATE` field."""
        declared = self.field(key, shapes.DATE, shapes.FULL_DATE)
        full_only = declared.kind == shapes.FULL_DATE
        node = self._scalar(key, declared.required)
        if node is None:
            return None
        try:
            return parse_date(node.text, full_only=full_only)
        except DateError as exc:
            problem = (f"'{node.text.strip()}' is uncertain (around, by, from or between), which only the "
                       "dates of timeline events and claims may be" if is_uncertain(node.text) else str(exc))
            self.diags.error(node.span, f"invalid date in '{key}': {problem}",
                             "use YYYY, YYYY-MM, YYYY-MM-DD or 2024-03-22T20:00:00+03:00"
                             if not full_only else "use YYYY-MM-DD or 2024-03-22T20:00:00+03:00")
            return None

    def event_date(self, key: str) -> EventDate | None:
        """A timeline event's or a claim's date: exact, or around, by, from or between (see
        `eventdates`); the hint of an error lists every form."""
        node = self._scalar(key, self.field(key, shapes.EVENT_DATE).required)
        if node is None:
            return None
        try:
            return parse_event_date(node.text)
        except DateError as exc:
            self.diags.error(node.span, f"invalid date in '{key}': {exc}", ACCEPTED_FORMS)
            return None

    def url(self, key: str) -> str | None:
        node = self._scalar(key, self.field(key, shapes.URL).required)
        if node is None:
            return None
        text = node.text.strip()
        return text if check_url(text, node.span, key, self.diags, self.what) else None

    def id_ref(self, key: str) -> tuple[str, Span] | None:
        declared = self.field(key, shapes.ID)
        node = self._scalar(key, declared.required)
        if node is None:
            return None
        text = node.text.strip()
        return (text, node.span) if check_id(text, node.span, declared.what, self.diags) else None

    def _list(self, key: str) -> list[YScalar]:
        node = self._value(key, False)
        if node is None:
            return []
        if isinstance(node, YScalar):
            self.diags.error(node.span, f"'{key}' in {self.what} must be a list",
                             f"write {key}: [{node.text}]")
            return []
        if isinstance(node, YMap):
            self.diags.error(node.span, f"'{key}' in {self.what} must be a list, not a mapping")
            return []
        items = []
        for item in node.items:
            if not isinstance(item, YScalar) or item.is_null:
                self.diags.error(item.span, f"each item of '{key}' in {self.what} must be text")
                continue
            items.append(item)
        return items

    def url_list(self, key: str) -> list[str]:
        """A list of http(s) URLs; bad ones are reported and left out."""
        self.field(key, shapes.URL_LIST)
        urls = []
        for item in self._list(key):
            text = item.text.strip()
            if check_url(text, item.span, key, self.diags, self.what):
                urls.append(text)
        return urls

    def text_list(self, key: str) -> list[str]:
        self.field(key, shapes.TEXT_LIST)
        return [contain_bidi(item.text.strip()) for item in self._list(key) if item.text.strip()]

    def id_list(self, key: str) -> list[tuple[str, Span]]:
        """A list of ids; each must be valid and appear once."""
        what = self.field(key, shapes.ID_LIST).what
        result: list[tuple[str, Span]] = []
        seen: dict[str, Span] = {}
        for item in self._list(key):
            text = item.text.strip()
            if not check_id(text, item.span, what, self.diags):
                continue
            if text in seen:
                self.diags.error(item.span, f"'{text}' appears twice in '{key}'", "remove the repeat")
                continue
            seen[text] = item.span
            result.append((text, item.span))
        return result

    def mapping(self, key: str) -> YMap | None:
        self.field(key, shapes.OBJECTS, shapes.CATALOGUES)
        node = self._value(key, False)
        if node is None:
            return None
        if not isinstance(node, YMap):
            self.diags.error(node.span, f"'{key}' in {self.what} must be a mapping of id: fields",
                             None if isinstance(node, YScalar) else "remove the '- ' list markers")
            return None
        return node

    def sequence(self, key: str) -> YSeq | None:
        self.field(key, shapes.LIST)
        node = self._value(key, False)
        if node is None:
            return None
        if not isinstance(node, YSeq):
            self.diags.error(node.span, f"'{key}' in {self.what} must be a list")
            return None
        return node
