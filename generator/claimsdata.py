"""`claims.json`: every published claim of the site, for other tools (shape in docs/json.md).

One JSON document rather than JSON Lines: a browser or any language reads it with one
request and one parse, it carries its `schema_version` once, and it keeps the conventions
of `explainer.json` (compact UTF-8 on one line). A tool that wants one claim per line
gets it with `jq -c '.claims[]'`.

Machine values only: status ids, actor kinds and ISO dates, never the labels a page
shows, so a translated site writes the same file. A claim's `text` (the explainer's
wording) and its `quote` (the actor's exact words, if the explainer has them) stay two
fields: a paraphrase is never presented as a quotation.

Drafts and explainers under embargo are left out, even in a `--drafts` build or `serve`:
the file is what has been published (`dependencies.published`).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import Any

from generator.eventdates import EventDate
from generator.model import RELATIONS, Explainer

SCHEMA_VERSION = 1


def date_json(date: EventDate | None) -> dict[str, str | None] | None:
    """A claim's date: as written; `iso`, the most precise ISO 8601 value certainly true of
    it (the date itself when exact, the month or year holding both ends of a range, else
    None); and, for every date, what `explainer.json` says of it (see `eventdates`)."""
    if date is None:
        return None
    true = date.true_date
    return {"written": date.text, "iso": true.edtf() if true is not None else None,
            "precision": date.precision, "qualifier": date.qualifier, "edtf": date.edtf(),
            "earliest": date.earliest(), "latest": date.latest()}


def claims_part(explainer: Explainer, actor_of: Callable[[Explainer, str], Any], url: Callable[[str], str]) -> bytes:
    """The explainer's claims as `claims.json` lists them: each claim's JSON, joined by commas
    (empty without claims). `url(path)` is a file's public address, `actor_of(explainer, id)`
    an actor it names. What it reads of the site besides the explainer (its actors' names
    and kinds, `base_url`) its unit's `front_key` covers: the part is kept by that key (see
    `incremental.parts`)."""
    page = url(f"{explainer.slug}/")
    about_explainer = {"slug": explainer.slug, "url": page, "title": explainer.title}
    claims: list[str] = []
    for claim in explainer.claims.values():
        actor = actor_of(explainer, claim.by)
        question = explainer.questions.get(claim.about) if claim.about else None
        claims.append(_dumps({
            "id": claim.id,
            "url": f"{page}#claim-{claim.id}",
            "explainer": about_explainer,
            "actor": {"id": actor.id, "name": actor.name, "kind": actor.kind, "url": url(f"actors/{actor.id}/")},
            "text": claim.text,
            "quote": claim.quote,
            "date": date_json(claim.date),
            "status": claim.status,
            "sources": [{"id": s.id, "title": s.title, "publisher": s.publisher, "url": s.url}
                        for s in (explainer.sources[source_id] for source_id in claim.sources)],
            "relations": {relation: getattr(claim, relation) for relation in RELATIONS},
            "about": None if question is None else {
                "id": question.id, "question": question.question, "url": f"{page}#question-{question.id}"},
        }))
    return ",".join(claims).encode("utf-8")


def claims_json(parts: Iterable[bytes], site_title: str, base_url: str) -> bytes:
    """The file: every published explainer's part (`claims_part`), in the site's order,
    between the head and the tail. Byte for byte what encoding the whole document at once
    gives (compact JSON: a list's items are joined by a comma and nothing else)."""
    head = _dumps({"schema_version": SCHEMA_VERSION, "site": {"title": site_title, "url": base_url}, "claims": []})
    return b"".join((head[:-2].encode("utf-8"), b",".join(part for part in parts if part), b"]}\n"))


_dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
