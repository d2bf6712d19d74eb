"""What an actor's page shows of one explainer, as one digest per actor.

An actor page lists the actor's claims and the timeline events that name it,
from every explainer that has them. Its fingerprint (see `plan`) used to
include each such explainer's whole front matter and the shared actors that
explainer uses, so a shared actor's new role re-rendered every actor page
quoting any explainer that used the actor: nearly all 200 shared actors'
pages at 5,000 explainers, 23 s for a one-line edit, to change one page.

`quote_digests` covers what the built-in theme's actor page shows of an
explainer: for each actor, its claims there (every field, the related claims
with their authors' names, the titles of the sources cited), the events that
name it (every field), and the explainer's slug and title. A role shows only
on the actor's own page, which depends on the actor itself. `plan` uses these
digests only while the actor page's templates are the theme's own; a project
that overrides one of them may show anything of an explainer there, and gets
the broad fingerprint.
"""

from __future__ import annotations

import hashlib
import json
from typing import Callable

from generator import views
from generator.model import RELATIONS, Actor, Explainer


def quote_digests(explainer: Explainer, actor: Callable[[str], Actor | None]) -> dict[str, str]:
    """Actor id -> digest of what that actor's page shows of `explainer` (resolved, without
    errors), for every actor with a claim or an event in it. `actor(id)` finds an actor
    the explainer names (its own or a shared one)."""
    shown: dict[str, list[object]] = {}
    for claim in explainer.claims.values():
        related = [claim_id for relation in RELATIONS
                   for claim_id in (*getattr(claim, relation), *claim.inverse.get(relation, []))]
        others = [explainer.claims.get(claim_id) for claim_id in related]
        shown.setdefault(claim.by, []).append([
            "claim", views.encode_fields(claim),
            [[o.id, o.by, o.text, _name(actor, o.by)] for o in others if o is not None],
            [[s, explainer.sources[s].title if s in explainer.sources else ""] for s in claim.sources],
        ])
    for event in explainer.timeline:
        for actor_id in event.actors:
            shown.setdefault(actor_id, []).append(["event", views.encode_fields(event)])
    return {actor_id: _digest([explainer.slug, explainer.title, items]) for actor_id, items in shown.items()}


def _name(actor: Callable[[str], Actor | None], actor_id: str) -> str:
    found = actor(actor_id)
    return found.name if found else ""


def _digest(value: object) -> str:
    text = json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()
