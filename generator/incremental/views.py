"""What other pages read of an explainer's claims, sources, timeline and questions, kept between builds.

An actor page lists the actor's claims and events from every explainer that
has them, as cards that show each claim's text, note, sources and related
claims. After an edit, an incremental build re-renders the actor pages the
edit touches, and an edited shared actor touches dozens of them: compiling
every explainer they quote again from its file (YAML, Markdown, checks:
about 7 ms each) made a one-actor edit cost several seconds.

So each compiled explainer also stores its *view*: its resolved claims,
sources and timeline events, its questions (the site's `claims.json` names the
question each claim answers), and its inline actors (an inline actor's page
shows its description), every field of them, as JSON in
`.explainer-cache/views/`, one file per explainer, read only when a page
needs it. A `summary.LazyExplainer` answers `claims`, `sources`, `timeline`
and `questions` from its view, a `summary.LazyActor` its full actor; anything
else raises `summary.NotPrepared`, and the page is rendered again once the file is
compiled (see `dependencies.render_prepared`).

`encode` and `decode` are exact inverses on resolved models (a test checks
it on every test project), so a page rendered from a view is byte-identical
to one rendered from the compiled file.

A view is one line of JSON per claim, source, event, question and inline actor, after a
line naming them, and `decode` turns a line into its object only when a page
reads it (`LazyItems`, `LazyList`). A shared actor's page quotes one or two
claims of each of a hundred explainers (at 5,000 explainers); decoding whole
views for them was a quarter of the rendering, and since not all views fit in
memory at once (`summary.DECODED_VIEWS`), most were decoded several times.

A view is read back from the cache, which a cloned project may have written: each
decoded item is checked against the types its model declares (`_conforms`), and a
status or kind outside the contract's list is refused, before any page sees it. An item
that fails is `fallback`'s instead: the explainer's `NotPrepared`, so the page is rendered
again from the compiled file (a template that met a dict where an id belongs failed the
build until `--clean`).
"""

from __future__ import annotations

import json
import types
import typing
from collections.abc import Callable, Iterator, Mapping, Sequence
from functools import cache
from typing import Any

from generator.dates import PartialDate, parse_date
from generator.diagnostics import Span
from generator.eventdates import EventDate, parse_event_date
from generator.model import (
    ACTOR_KINDS,
    STATUSES,
    Actor,
    Claim,
    Explainer,
    Markdown,
    Question,
    Source,
    TimelineEvent,
    Verdict,
)

VIEW_FIELDS = ("claims", "sources", "timeline", "questions")

_NOT_STORED = {"signature", "home"}
"""Actor fields left out of a view: the summary keeps the signature's digest, and the site
sets `home` (see `resolve.assemble_site`)."""


def encode(explainer: Explainer) -> str:
    """The explainer's view: a line of JSON naming its items, then one line per item (JSON
    text never holds a raw line break)."""
    items = [*(encode_fields(claim) for claim in explainer.claims.values()),
             *(encode_fields(source) for source in explainer.sources.values()),
             *(encode_fields(event) for event in explainer.timeline),
             *(encode_fields(question) for question in explainer.questions.values()),
             *(encode_fields(actor, _NOT_STORED) for actor in explainer.actors.values())]
    names = {"claims": list(explainer.claims), "sources": list(explainer.sources),
             "timeline": len(explainer.timeline), "questions": list(explainer.questions),
             "actors": list(explainer.actors)}
    return "\n".join(_dumps(data) for data in (names, *items))


_dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
"""One encoder for every line: `json.dumps` with options builds a new one per call."""


def decode(text: str, fallback: Callable[[str, Any], Any]) -> dict[str, Any]:
    """`claims`, `sources`, `timeline`, `questions` and `actors` (inline) as the compiled explainer has
    them (but for the actors' `signature` and `home`), each item decoded when first read.
    An item whose line is damaged is `fallback(field, key)` instead (which may raise).

    Raises ValueError, TypeError or KeyError if the view does not have the lines it names."""
    head, *lines = text.split("\n")
    names = json.loads(head)
    claims, sources, questions, actors = (_texts(names[field]) for field in ("claims", "sources", "questions",
                                                                            "actors"))
    events = int(names["timeline"])
    if len(lines) != len(claims) + len(sources) + events + len(questions) + len(actors):
        raise ValueError("not the lines the view names")
    lines.reverse()  # taken from the end, in order
    return {
        "claims": LazyItems({k: lines.pop() for k in claims}, Claim, lambda k: fallback("claims", k)),
        "sources": LazyItems({k: lines.pop() for k in sources}, Source, lambda k: fallback("sources", k)),
        "timeline": LazyList([lines.pop() for _ in range(events)], TimelineEvent,
                             lambda i: fallback("timeline", i)),
        "questions": LazyItems({k: lines.pop() for k in questions}, Question, lambda k: fallback("questions", k)),
        "actors": LazyItems({k: lines.pop() for k in actors}, Actor, lambda k: fallback("actors", k)),
    }


_DAMAGED = (ValueError, TypeError, KeyError, IndexError, AttributeError)


def _decode_item(text: str, model: type) -> Any:
    fields = _loads(text)
    if not isinstance(fields, dict):
        raise TypeError("not an object")
    item = model(**fields)
    if model is Actor and type(item.signature) is list:  # JSON has no tuples: the signature
        item.signature = tuple(tuple(part) if isinstance(part, list) else part for part in item.signature)
    _check(item)
    return item


_CHOICES = {(Claim, "status"): frozenset(STATUSES), (Actor, "kind"): frozenset(ACTOR_KINDS)}
"""Fields whose value the templates look up in a table (`STATUS_LABELS`...)."""


def _check(item: Any) -> None:
    """TypeError unless every field of the dataclass `item` has its declared type (and a
    status or kind is one of the contract's values)."""
    model: type = type(item)
    for name, conforms in _field_checks(model):
        if not conforms(getattr(item, name)):
            raise TypeError(f"{model.__name__}.{name} is not of its type")


@cache
def _field_checks(model: type) -> list[tuple[str, Callable[[Any], bool]]]:
    """(field, test) for each field of `model`, made once from its type hints."""
    checks = []
    for name, hint in typing.get_type_hints(model).items():
        test = _checker(hint)
        choices = _CHOICES.get((model, name))
        checks.append((name, test if choices is None else _one_of(test, choices)))
    return checks


def _one_of(test: Callable[[Any], bool], choices: frozenset[str]) -> Callable[[Any], bool]:
    return lambda value: test(value) and value in choices


def _checker(hint: Any) -> Callable[[Any], bool]:
    """A test of whether a value is of the type `hint` (as `typing.get_type_hints` gives a
    model's fields): made once per field, so decoding a claim costs microseconds."""
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin is types.UnionType or origin is typing.Union:
        if len(args) == 2:  # X | None: most fields
            first, second = map(_checker, args)
            return lambda v: first(v) or second(v)
        tests = [_checker(arg) for arg in args]
        return lambda v: any(test(v) for test in tests)
    if origin is list:
        test = _checker(args[0])
        return lambda v: type(v) is list and all(map(test, v))
    if origin is tuple and len(args) == 2 and args[1] is Ellipsis:
        test = _checker(args[0])
        return lambda v: type(v) is tuple and all(map(test, v))
    if origin is tuple:  # a fixed length: `Markdown.segments`' (offset, line, column)
        tests = [_checker(arg) for arg in args]
        return lambda v: type(v) is tuple and len(v) == len(tests) and all(t(x) for t, x in zip(tests, v, strict=True))
    if origin is dict:
        key_test, value_test = _checker(args[0]), _checker(args[1])
        return lambda v: type(v) is dict and all(key_test(k) and value_test(x) for k, x in v.items())
    if origin is not None:
        raise TypeError(f"no check for {hint}")  # a new kind of field: say so in the tests
    if hint is object:
        return lambda v: True
    if hint is type(None):
        return lambda v: v is None
    if hint is Markdown:
        def markdown(v: Any) -> bool:
            if type(v) is not Markdown:
                return False
            _check(v)
            return True
        return markdown
    if hint in (int, str, bool):
        return lambda v: type(v) is hint
    return lambda v: isinstance(v, hint)


def encode_actor(actor: Actor) -> str:
    """A shared actor, every field, as one line of JSON (see `cache.save_shared`)."""
    return _dumps(encode_fields(actor))


def decode_actor(text: str) -> Actor:
    """What `encode_actor` made, exactly: the signature (scalars and a tuple of links) is a
    tuple again. Raises ValueError, TypeError or KeyError on anything else."""
    actor = _decode_item(text, Actor)
    assert isinstance(actor, Actor)
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
    if isinstance(value, EventDate):
        return {"$when": value.text}
    if isinstance(value, Markdown):
        return {"$md": encode_fields(value)}
    if isinstance(value, Verdict):
        return {"$verdict": [value.status, value.date.text, value.commit]}
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
        if "$when" in value:
            return parse_event_date(_text(value["$when"]))
        if "$md" in value:
            fields = dict(value["$md"])
            for name in ("links", "image_links", "images"):
                fields[name] = tuple(fields[name])
            fields["segments"] = tuple(tuple(segment) for segment in fields["segments"])
            return Markdown(**fields)
        if "$verdict" in value:
            status, date, commit = value["$verdict"]
            if status not in STATUSES:
                raise TypeError("not a status")
            return Verdict(_text(status), parse_date(_text(date)), _text(commit))
    return value


def _text(value: Any) -> str:
    if not isinstance(value, str):
        raise TypeError("not a string")
    return value


_loads = json.JSONDecoder(object_hook=_decode_tagged).decode
"""One decoder for every line: `json.loads` with an `object_hook` builds a new one per call."""
