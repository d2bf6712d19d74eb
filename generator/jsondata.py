"""`<slug>/explainer.json`: an explainer's data for other tools (shape in docs/json.md)."""

from __future__ import annotations

import json
from typing import Any

from generator.dates import PartialDate
from generator.eventdates import EventDate
from generator.model import RELATIONS, Explainer, Markdown
from generator.questions import questions_json, who_says_what_json
from generator.resolve import Site

SCHEMA_VERSION = 1
INVERSE_KEYS = {"contradicts": "contradicted_by", "supports": "supported_by", "responds_to": "answered_by"}


def _date(value: PartialDate | None) -> str | None:
    return value.text if value else None


def _event_date(value: EventDate | None) -> dict[str, str | None]:
    """A claim's or event's date: as written, and its machine fields (see docs/json.md)."""
    if value is None:
        return {"date": None, "date_qualifier": None, "date_edtf": None, "date_earliest": None,
                "date_latest": None}
    return {"date": value.text, "date_qualifier": value.qualifier, "date_edtf": value.edtf(),
            "date_earliest": value.earliest(), "date_latest": value.latest()}


def _md(value: Markdown | None) -> str | None:
    return value.source if value else None


def explainer_json(explainer: Explainer, site: Site, url: str) -> bytes:
    """The explainer as JSON; dates are strings exactly as written, Markdown fields as source."""
    actors = []
    for actor_id in explainer.page_actors:
        actor = explainer.actors.get(actor_id) or site.actors[actor_id]
        actors.append({
            "id": actor.id, "name": actor.name, "kind": actor.kind, "role": actor.role,
            "affiliation": actor.affiliation, "description": _md(actor.description),
            "image": f"media/{actor.image}" if actor.image else None, "shared": actor.shared,
            "wikidata": actor.wikidata, "links": actor.links,
        })
    claims = []
    for claim in explainer.claims.values():
        entry: dict[str, Any] = {
            "id": claim.id, "by": claim.by, "text": claim.text, "quote": claim.quote,
            **_event_date(claim.date), "sources": claim.sources, "status": claim.status,
            "note": _md(claim.note),
        }
        for relation in RELATIONS:
            entry[relation] = getattr(claim, relation)
            entry[INVERSE_KEYS[relation]] = claim.inverse.get(relation, [])
        entry["about"] = claim.about
        entry["history"] = [{"status": v.status, "date": v.date.text, "commit": v.commit} for v in claim.history]
        claims.append(entry)
    data = {
        "schema_version": SCHEMA_VERSION,
        "slug": explainer.slug,
        "url": url,
        "language": explainer.language,
        "story": explainer.story,
        "title": explainer.title,
        "summary": explainer.summary,
        "published": explainer.published.text,
        "updated": _date(explainer.updated),
        "modified": _date(explainer.modified),
        "authors": explainer.authors,
        "tags": explainer.tags,
        "image": {"path": f"media/{explainer.image}", "alt": explainer.image_alt,
                  "credit": explainer.image_credit} if explainer.image else None,
        "actors": actors,
        "sources": [{"id": s.id, "title": s.title, "publisher": s.publisher, "url": s.url,
                     "date": _date(s.date)} for s in explainer.sources.values()],
        "claims": claims,
        "questions": questions_json(explainer),
        "who_says_what": who_says_what_json(explainer),
        "timeline": [{**_event_date(e.date), "precision": e.date.precision, "title": e.title,
                      "text": _md(e.text), "actors": e.actors, "claims": e.claims,
                      "sources": e.sources} for e in explainer.timeline],
        "corrections": [{"date": c.date.text, "text": c.text} for c in explainer.corrections],
        "revisions": [{"date": r.date.text, "subject": r.subject, "commit": r.commit}
                      for r in explainer.revisions],
        "updated_from_git": explainer.updated_from_git,
        "draft": explainer.draft,
        "body": explainer.body.source,
    }
    # Compact: the C encoder, several times faster than `indent` (pure Python) on 1,000s of files.
    return (json.dumps(data, ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8")
