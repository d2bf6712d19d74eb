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
"""

from __future__ import annotations

import json
from typing import Any

from generator.dates import PartialDate, parse_date
from generator.diagnostics import Span
from generator.model import Actor, Claim, Explainer, Markdown, Source, TimelineEvent

VIEW_FIELDS = ("claims", "sources", "timeline")

_NOT_STORED = {"signature", "home"}
"""Actor fields left out of a view: the summary keeps the signature's digest, and the site
sets `home` (see `resolve.assemble_site`)."""


def encode(explainer: Explainer) -> str:
    """The explainer's view as JSON text."""
    return json.dumps({
        "claims": {claim_id: encode_fields(claim) for claim_id, claim in explainer.claims.items()},
        "sources": {source_id: encode_fields(source) for source_id, source in explainer.sources.items()},
        "timeline": [encode_fields(event) for event in explainer.timeline],
        "actors": {actor_id: encode_fields(actor, _NOT_STORED) for actor_id, actor in explainer.actors.items()},
    }, ensure_ascii=False, separators=(",", ":"))


def decode(text: str) -> dict[str, Any]:
    """`claims`, `sources`, `timeline` and `actors` (inline) as the compiled explainer has
    them (but for the actors' `signature` and `home`).

    Raises ValueError, TypeError or KeyError on anything `encode` did not write."""
    data = json.loads(text, object_hook=_decode_tagged)
    return {
        "claims": {k: Claim(**v) for k, v in data["claims"].items()},
        "sources": {k: Source(**v) for k, v in data["sources"].items()},
        "timeline": [TimelineEvent(**v) for v in data["timeline"]],
        "actors": {k: Actor(**v) for k, v in data["actors"].items()},
    }


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
            fields["links"], fields["image_links"] = tuple(fields["links"]), tuple(fields["image_links"])
            return Markdown(**fields)
    return value


def _text(value: Any) -> str:
    if not isinstance(value, str):
        raise TypeError("not a string")
    return value
