"""What other pages read of an explainer's claims, sources and timeline, kept between builds.

An actor page lists the actor's claims and events from every explainer that
has them, as cards that show each claim's text, note, sources and related
claims. After an edit, an incremental build re-renders the actor pages the
edit touches, and an edited shared actor touches dozens of them: compiling
every explainer they quote again from its file (YAML, Markdown, checks:
about 7 ms each) made a one-actor edit cost several seconds.

So each compiled explainer also stores its *view*: its resolved claims,
sources and timeline events, every field of them, as JSON in
`.explainer-cache/views/`, one file per explainer, read only when a page
needs it. A `summary.LazyExplainer` answers `claims`, `sources` and
`timeline` from its view; anything else still compiles the file.

`encode` and `decode` are exact inverses on resolved models (a test checks
it on every test project), so a page rendered from a view is byte-identical
to one rendered from the compiled file.
"""

from __future__ import annotations

import dataclasses
import json
from typing import Any

from generator.dates import PartialDate, parse_date
from generator.diagnostics import Span
from generator.model import Claim, Explainer, Markdown, Source, TimelineEvent

VIEW_FIELDS = ("claims", "sources", "timeline")


def encode(explainer: Explainer) -> str:
    """The explainer's view as JSON text."""
    return json.dumps({
        "claims": {claim_id: _fields(claim) for claim_id, claim in explainer.claims.items()},
        "sources": {source_id: _fields(source) for source_id, source in explainer.sources.items()},
        "timeline": [_fields(event) for event in explainer.timeline],
    }, ensure_ascii=False, separators=(",", ":"))


def decode(text: str) -> dict[str, Any]:
    """`claims`, `sources` and `timeline` as the compiled explainer has them.

    Raises ValueError, TypeError or KeyError on anything `encode` did not write."""
    data = json.loads(text)
    return {
        "claims": {_text(k): Claim(**_values(v)) for k, v in data["claims"].items()},
        "sources": {_text(k): Source(**_values(v)) for k, v in data["sources"].items()},
        "timeline": [TimelineEvent(**_values(v)) for v in data["timeline"]],
    }


def _fields(model: Any) -> dict[str, Any]:
    return {f.name: _encode_value(getattr(model, f.name)) for f in dataclasses.fields(model)}


def _encode_value(value: Any) -> Any:
    """JSON for a field: spans, dates and Markdown fields tagged, so `decode` rebuilds them."""
    if isinstance(value, Span):
        return {"$span": list(value)}
    if isinstance(value, PartialDate):
        return {"$date": value.text}
    if isinstance(value, Markdown):
        return {"$md": _fields(value)}
    if isinstance(value, (list, tuple)):
        return [_encode_value(v) for v in value]
    if isinstance(value, dict):
        return {k: _encode_value(v) for k, v in value.items()}
    if value is None or isinstance(value, (str, int, bool)):
        return value
    raise TypeError(f"cannot store a {type(value).__name__} in a view")


def _values(data: Any) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise TypeError("not a mapping")
    return {_text(k): _decode_value(v) for k, v in data.items()}


def _decode_value(value: Any) -> Any:
    if isinstance(value, dict):
        if "$span" in value:
            path, line, column = value["$span"]
            return Span(_text(path), int(line), int(column))
        if "$date" in value:
            return parse_date(_text(value["$date"]))
        if "$md" in value:
            fields = _values(value["$md"])
            fields["links"], fields["image_links"] = tuple(fields["links"]), tuple(fields["image_links"])
            return Markdown(**fields)
        return {_text(k): _decode_value(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_decode_value(v) for v in value]
    return value


def _text(value: Any) -> str:
    if not isinstance(value, str):
        raise TypeError("not a string")
    return value
