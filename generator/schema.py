"""JSON Schemas (draft 2020-12) of the files writers edit, written from `shapes`.

`explainer.schema.json` (an explainer's front matter), `actor.schema.json` (a shared actor,
content/actors/<id>.yaml) and `site.schema.json` (site.yaml) let an editor check a file as it
is typed, complete its keys and show what each one means. They are made from the shapes the
validator reads by, with the patterns of the grammars it parses with (`dates`, `eventdates`,
`fields`), so they cannot drift from `explainer check`: docs/schema/ keeps a copy (a test
fails when it is stale), `explainer schema` prints them, and every site publishes them under
/schema/.

The values are those a YAML 1.2 reader gives, as editors read YAML: `1956` is a number,
`2024-03-28` a string, `yes` a string (PyYAML, which reads YAML 1.1, makes it true; so does
`explainer`, and so the schema accepts it for true or false). What no schema can check is in
docs/schema.md: references between objects and files, the order of dates, whether a picture
exists, what a language tag or a catalogue says.
"""

from __future__ import annotations

import functools
import json
from typing import Any

from generator import config, dates, eventdates, fields, media, shapes, yamlnodes
from generator.shapes import Field, Shape

DIALECT = "https://json-schema.org/draft/2020-12/schema"

FILES = {"explainer": shapes.EXPLAINER, "actor": shapes.ACTOR, "site": shapes.SITE}
"""Each schema's name (`<name>.schema.json`) and the shape of the file it describes."""
TITLES = {"explainer": "explainer front matter", "actor": "explainer shared actor", "site": "explainer site.yaml"}

FOLDER = "schema"
"""Where a site publishes them (a reserved slug: see `validate.RESERVED_SLUGS`)."""

_SCALAR = ["string", "number", "boolean"]
"""A text field's values: YAML 1.2 reads `1956` as a number and `true` as a boolean, and both
are text to `explainer`."""

Schema = dict[str, Any]

_YAML12_WORDS = {"true": True, "false": False}
"""Words YAML 1.2 reads as something else than text (of those a choice could be)."""


def file_name(name: str) -> str:
    return f"{name}.schema.json"


@functools.cache
def text(name: str) -> str:
    """The schema `name` as JSON text: the same bytes on every platform and Python."""
    return json.dumps(document(FILES[name], name), indent=2, ensure_ascii=True) + "\n"


def document(shape: Shape, name: str) -> Schema:
    """The schema of a whole file of `shape`, with its nested shapes in `$defs`."""
    defs: dict[str, Schema] = {}
    root = _object(shape, defs)
    head: Schema = {"$schema": DIALECT, "title": TITLES[name]}
    return {**head, **root, **({"$defs": dict(sorted(defs.items()))} if defs else {})}


def _object(shape: Shape, defs: dict[str, Schema]) -> Schema:
    schema: Schema = {
        "description": shape.about,
        "type": "object",
        "properties": {f.name: {"description": f.about, **_value(f, defs)} for f in shape.fields},
        "additionalProperties": False,
    }
    required = [f.name for f in shape.fields if f.required]
    if required:
        schema["required"] = required
    if shape.needs:
        schema["allOf"] = [_needs(shape, given, needed, defs) for given, needed in shape.needs]
    return schema


def _needs(shape: Shape, given: str, needed: str, defs: dict[str, Schema]) -> Schema:
    """`given`, when it has a value, needs `needed` with one (as if it were required)."""
    return {"if": {"required": [given], "properties": {given: {"not": {"type": "null"}}}},
            "then": {"required": [needed], "properties": {needed: _value(shape.field(needed), defs, required=True)}}}


def _ref(shape: Shape, defs: dict[str, Schema]) -> Schema:
    name = shape.name.replace(" ", "-")
    if name not in defs:
        defs[name] = _object(shape, defs)
    return {"$ref": f"#/$defs/{name}"}


def _value(f: Field, defs: dict[str, Schema], required: bool | None = None) -> Schema:
    """The values of field `f`: absent or null (`key:` with nothing after it) is as good as
    absent for an optional field, and an error for a required one."""
    required = f.required if required is None else required
    schema = _kind(f, defs, required)
    if required:
        return schema
    if "enum" in schema:
        return {**schema, "enum": [*schema["enum"], None]}
    if "type" in schema:
        types = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
        return {**schema, "type": [*types, "null"]}
    return {"anyOf": [{"type": "null"}, schema]}


def _kind(f: Field, defs: dict[str, Schema], required: bool) -> Schema:
    kind = f.kind
    if kind in (shapes.TEXT, shapes.MARKDOWN):
        if f.pattern is not None:  # an empty value is read as absent, as for any optional text
            optional = "" if required else "?"
            return {"type": "string", "pattern": _whole(f"(?:{f.pattern}){optional}")}
        return {"type": _SCALAR, "pattern": r"\S"} if required else {"type": _SCALAR}
    if kind == shapes.BOOLEAN:
        words = sorted(w for w in yamlnodes.BOOL_WORDS if w.lower() not in ("true", "false"))
        return {"enum": [True, False, *words], "default": f.default}
    if kind == shapes.CHOICE:
        # `status: false` is the boolean false to YAML 1.2, and the status "false" to explainer.
        as_read = [_YAML12_WORDS[choice] for choice in f.choices if choice in _YAML12_WORDS]
        return {"enum": [*f.choices, *as_read], "default": f.default}
    if kind in (shapes.DATE, shapes.FULL_DATE, shapes.EVENT_DATE):
        return _date(kind)
    if kind == shapes.URL:
        return _url()
    if kind == shapes.ID:
        return id_value()
    if kind == shapes.IMAGE:
        return {"type": "string", "pattern": image_pattern()}
    if kind == shapes.LANGUAGE:
        return {"type": "string", "pattern": r"\S"}
    if kind == shapes.BASE_URL:
        return {"type": "string", "pattern": base_url_pattern()}
    if kind == shapes.TEXT_LIST:
        return {"type": "array", "items": {"type": _SCALAR}}
    if kind == shapes.URL_LIST:
        return {"type": "array", "items": _url()}
    if kind == shapes.ID_LIST:
        schema: Schema = {"type": "array", "items": id_value(), "uniqueItems": True}
        return schema if f.max_items is None else {**schema, "maxItems": f.max_items}
    if kind == shapes.OBJECTS:
        assert f.shape is not None
        return {"type": "object", "propertyNames": id_key(), "additionalProperties": _ref(f.shape, defs)}
    if kind == shapes.LIST:
        assert f.shape is not None
        return {"type": "array", "items": _ref(f.shape, defs)}
    if kind == shapes.CATALOGUES:
        return {"type": "object", "additionalProperties": {"type": "object"}}
    raise ValueError(f"no schema for the kind '{kind}' of '{f.name}'")


def _url() -> Schema:
    return {"type": "string", "pattern": url_pattern()}


def _whole(pattern: str) -> str:
    """`pattern` matching a whole value, but for the spaces around it, which are dropped
    before a value is read."""
    return rf"^\s*{pattern}\s*$"


def _date(kind: str) -> Schema:
    """A date is a string to YAML 1.2, but for a year alone, which is a number: `0800`, a year,
    and `800`, no date, are the same number 800 to an editor, so any year from 1 is accepted
    (docs/schema.md: year-as-a-number)."""
    if kind == shapes.EVENT_DATE:
        grammar = eventdates.pattern()
    else:
        grammar = dates.calendar_pattern(("day", "datetime") if kind == shapes.FULL_DATE else
                                         ("year", "month", "day", "datetime"))
    if kind == shapes.FULL_DATE:
        return {"type": "string", "pattern": _whole(grammar)}
    return {"type": ["string", "integer"], "pattern": _whole(grammar), "minimum": 1, "maximum": 9999}


def id_value() -> Schema:
    """An id as a value (`by: putin`): its spaces around are dropped first. `by: 2024` is a
    number to YAML 1.2 and a valid id."""
    length = rf"(?=\S{{1,{fields.MAX_ID_LENGTH}}}\s*$)"
    return {"type": ["string", "integer"], "pattern": rf"^\s*{length}{fields.ID_PATTERN}\s*$", "minimum": 0}


def id_key() -> Schema:
    """An id as a key (`putin:` under `actors`), as written."""
    return {"pattern": rf"^{fields.ID_PATTERN}$", "maxLength": fields.MAX_ID_LENGTH}


def _char_class(test: Any) -> str:
    """The characters of the Basic Multilingual Plane for which `test` is true, as a class of
    `\\uXXXX` ranges that Python's `re` and ECMAScript read alike (beyond it they disagree:
    ECMAScript sees two UTF-16 halves without its `u` flag)."""
    ranges: list[tuple[int, int]] = []
    for code in range(0x10000):
        if 0xD800 <= code <= 0xDFFF or not test(chr(code)):
            continue
        if ranges and ranges[-1][1] == code - 1:
            ranges[-1] = (ranges[-1][0], code)
        else:
            ranges.append((code, code))
    return "".join(rf"\u{a:04x}" if a == b else rf"\u{a:04x}-\u{b:04x}" for a, b in ranges)


def _anycase(word: str) -> str:
    return "".join(f"[{c.upper()}{c}]" if c.isalpha() else c for c in word)


@functools.cache
def url_pattern() -> str:
    """`fields.check_url`: http or https, a host, and none of `fields.not_in_urls`."""
    bad = _char_class(fields.not_in_urls)
    return _whole(rf"{_anycase('http')}[Ss]?://[^{bad}/?#]+(?:[/?#][^{bad}]*)?")


def _image_grammar() -> str:
    """A picture's path as far as its text tells: relative, without '\\' or ':', with a
    raster picture's extension (`media.check_path` says the rest)."""
    suffixes = "|".join(_anycase(suffix[1:]) for suffix in media.FORMATS)
    return rf"(?![/\\])[^\\:]*\.(?:{suffixes})"


def image_pattern() -> str:
    return _whole(_image_grammar())


def base_url_pattern() -> str:
    """`config` (`_check_base_url`): empty (the default, '/'), an http(s) URL with a host, or a
    path starting with a single '/'; no query, fragment, space or `config.BASE_URL_REFUSED`."""
    allowed = rf"[^?#\s{config.BASE_URL_REFUSED}]"
    host = rf"[^/?#\s{config.BASE_URL_REFUSED}]+"
    return _whole(rf"(?:{_anycase('http')}[Ss]?://{host}(?:/{allowed}*)?|/(?!/[^/]){allowed}*)?")
