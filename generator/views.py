"""What other pages read of an explainer's claims, sources and timeline, kept between builds.

An actor page lists the actor's claims and events from every explainer that
has them, as cards that show each claim's text, note, sources and related
claims. After an edit, an incremental build re-renders the actor pages the
edit touches, and an edited shared actor touches dozens of them: compiling
every explainer they quote again from its file (YAML, Markdown, checks:
about 7 ms each) made a one-actor edit cost several seconds.

So each compiled explainer also stores its *view*: its resolved claims,
sources and timeline events, and its inline actors (an inline actor's page
shows its description), every field of them, as JSON in
`.explainer-cache/views/`, one file per explainer, read only when a page
needs it. A `summary.LazyExplainer` answers `claims`, `sources` and
`timeline` from its view, a `summary.LazyActor` its full actor; anything
else still compiles the file.

`encode` and `decode` are exact inverses on resolved models (a test checks
it on every test project), so a page rendered from a view is byte-identical
to one rendered from the compiled file.

A view is one line of JSON per claim, source, event and inline actor, after a
line naming them, and `decode` turns a line into its object only when a page
reads it (`LazyItems`, `LazyList`). A shared actor's page quotes one or two
claims of each of a hundred explainers (at 5,000 explainers); decoding whole
views for them was a quarter of the rendering, and since not all views fit in
memory at once (`summary.DECODED_VIEWS`), most were decoded several times.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from typing import Any, Callable

from generator.dates import PartialDate, parse_date
from generator.diagnostics import Span
from generator.model import Actor, Claim, Explainer, Markdown, Source, TimelineEvent

VIEW_FIELDS = ("claims", "sources", "timeline")

_NOT_STORED = {"signature", "home"}
"""Actor fields left out of a view: the summary keeps the signature's digest, and the site
sets `home` (see `resolve.assemble_site`)."""


def encode(explainer: Explainer) -> str:
    """The explainer's view: a line of JSON naming its items, then one line per item (JSON
    text never holds a raw line break)."""
    items = [*(encode_fields(claim) for claim in explainer.claims.values()),
             *(encode_fields(source) for source in explainer.sources.values()),
             *(encode_fields(event) for event in explainer.timeline),
             *(encode_fields(actor, _NOT_STORED) for actor in explainer.actors.values())]
    names = {"claims": list(explainer.claims), "sources": list(explainer.sources),
             "timeline": len(explainer.timeline), "actors": list(explainer.actors)}
    return "\n".join(_dumps(data) for data in (names, *items))


_dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
"""One encoder for every line: `json.dumps` with options builds a new one per call."""


def decode(text: str, fallback: Callable[[str, Any], Any]) -> dict[str, Any]:
    """`claims`, `sources`, `timeline` and `actors` (inline) as the compiled explainer has
    them (but for the actors' `signature` and `home`), each item decoded when first read.
    An item whose line is damaged is `fallback(field, key)` instead (from the file).

    Raises ValueError, TypeError or KeyError if the view does not have the lines it names."""
    head, *lines = text.split("\n")
    names = json.loads(head)
    claims, sources, actors = (_texts(names[field]) for field in ("claims", "sources", "actors"))
    events = int(names["timeline"])
    if len(lines) != len(claims) + len(sources) + events + len(actors):
        raise ValueError("not the lines the view names")
    lines.reverse()  # taken from the end, in order
    return {
        "claims": LazyItems({k: lines.pop() for k in claims}, Claim, lambda k: fallback("claims", k)),
        "sources": LazyItems({k: lines.pop() for k in sources}, Source, lambda k: fallback("sources", k)),
        "timeline": LazyList([lines.pop() for _ in range(events)], TimelineEvent,
                             lambda i: fallback("timeline", i)),
        "actors": LazyItems({k: lines.pop() for k in actors}, Actor, lambda k: fallback("actors", k)),
    }


_DAMAGED = (ValueError, TypeError, KeyError, IndexError, AttributeError)


def _decode_item(text: str, model: type) -> Any:
    return model(**_loads(text))


def encode_actor(actor: Actor) -> str:
    """A shared actor, every field, as one line of JSON (see `cache.save_shared`)."""
    return _dumps(encode_fields(actor))


def decode_actor(text: str) -> Actor:
    """What `encode_actor` made, exactly: the signature (scalars and a tuple of links) is a
    tuple again. Raises ValueError, TypeError or KeyError on anything else."""
    actor = _decode_item(text, Actor)
    actor.signature = tuple(tuple(part) if isinstance(part, list) else part for part in actor.signature)
    return actor


class LazyItems(Mapping[str, Any]):
    """A view's claims, sources or inline actors by id, each decoded when first read."""

    def __init__(self, texts: dict[str, str], model: type, fallback: Callable[[str], Any]):
        self._texts = texts
        self._model = model
        self._fallback = fallback
        self._decoded: dict[str, Any] = {}

    def __getitem__(self, key: str) -> Any:
        found = self._decoded.get(key)
        if found is None:
            text = self._texts[key]  # KeyError for an id it does not have, as a dict
            try:
                found = _decode_item(text, self._model)
            except _DAMAGED:
                found = self._fallback(key)  # a damaged line only costs time
            self._decoded[key] = found
        return found

    def __contains__(self, key: object) -> bool:
        return key in self._texts  # (Mapping's own would decode the item)

    def __iter__(self) -> Iterator[str]:
        return iter(self._texts)

    def __len__(self) -> int:
        return len(self._texts)

    def __repr__(self) -> str:
        return f"LazyItems({list(self._texts)!r})"


class LazyList(Sequence[Any]):
    """A view's timeline events, each decoded when first read."""

    def __init__(self, texts: list[str], model: type, fallback: Callable[[int], Any]):
        self._items = LazyItems({str(i): text for i, text in enumerate(texts)}, model,
                                lambda key: fallback(int(key)))

    def __getitem__(self, index: Any) -> Any:
        if isinstance(index, slice):
            return [self[i] for i in range(len(self))[index]]
        if not -len(self) <= index < len(self):
            raise IndexError("timeline index out of range")
        return self._items[str(index % len(self))]

    def __len__(self) -> int:
        return len(self._items)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, (list, LazyList)) and list(self) == list(other)

    def __repr__(self) -> str:
        return f"LazyList({len(self)} events)"


def _texts(value: Any) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise TypeError("not a list of ids")
    return value


_PLAIN = (str, int, bool, type(None))


def encode_fields(model: Any, leave_out: set[str] = set()) -> dict[str, Any]:  # noqa: B006 (never mutated)
    """A model's fields as JSON-ready values (spans, dates and Markdown tagged, see `decode`)."""
    # vars(): a dataclass instance's fields are its attributes (much faster than dataclasses.fields).
    return {name: value if value.__class__ in _PLAIN else _encode_value(value)
            for name, value in vars(model).items() if name not in leave_out}


def _encode_value(value: Any) -> Any:
    """JSON for a field: spans, dates and Markdown fields tagged, so `decode` rebuilds them."""
    if value.__class__ in _PLAIN:
        return value
    if isinstance(value, Span):
        return {"$span": list(value)}
    if isinstance(value, PartialDate):
        return {"$date": value.text}
    if isinstance(value, Markdown):
        return {"$md": encode_fields(value)}
    if isinstance(value, (list, tuple)):
        return [_encode_value(v) for v in value]
    if isinstance(value, dict):
        return {k: _encode_value(v) for k, v in value.items()}
    raise TypeError(f"cannot store a {type(value).__name__} in a view")


def _decode_tagged(value: dict[str, Any]) -> Any:
    """json's object_hook (innermost objects first): a tagged object back to its type."""
    if len(value) == 1:
        if "$span" in value:
            path, line, column = value["$span"]
            return Span(_text(path), int(line), int(column))
        if "$date" in value:
            return parse_date(_text(value["$date"]))
        if "$md" in value:
            fields = dict(value["$md"])
            for name in ("links", "image_links", "images"):
                fields[name] = tuple(fields[name])
            return Markdown(**fields)
    return value


def _text(value: Any) -> str:
    if not isinstance(value, str):
        raise TypeError("not a string")
    return value


_loads = json.JSONDecoder(object_hook=_decode_tagged).decode
"""One decoder for every line: `json.loads` with an `object_hook` builds a new one per call."""
