"""What an actor's page shows of one explainer, as one digest per actor.

An actor page lists the actor's claims and the timeline events that name it,
from every explainer that has them. Its fingerprint (see `plan`) used to
include each such explainer's whole front matter and the shared actors that
explainer uses, so a shared actor's new role re-rendered every actor page
quoting any explainer that used the actor: nearly all 200 shared actors'
pages at 5,000 explainers, 23 s for a one-line edit, to change one page.

`quote_digests` covers what the built-in theme's actor page shows of an
explainer: for each actor, its claims there (status, date, text, quote, note,
the related claims with their authors' names, the titles of the sources
cited), the events that name it (date, title, text, what they name), and the
explainer's slug and title. A role shows only on the actor's own page, which
depends on the actor itself. `plan` uses these digests only while the actor
page's templates are the theme's own; a project that overrides one of them
may show anything of an explainer there, and gets the broad fingerprint.
"""

from __future__ import annotations

from collections.abc import Callable

from generator.incremental.dependencies import digest
from generator.model import RELATIONS, Actor, Explainer


def quote_digests(explainer: Explainer, actor: Callable[[str], Actor | None]) -> dict[str, str]:
    """Actor id -> digest of what that actor's page shows of `explainer` (resolved, without
    errors), for every actor with a claim or an event in it. `actor(id)` finds an actor
    the explainer names (its own or a shared one).

    Built from the shown fields' text, not the models' JSON: it runs for every explainer
    compiled (encoding every field of every claim took 1.1 ms an explainer)."""
    e = explainer
    # Where a claim note's or event text's @id link points depends on whether the id is a
    # claim or a source of this explainer.
    shown: dict[str, list[str]] = {}
    common = [e.slug, e.title, ",".join(e.claims), ",".join(e.sources)]
    for claim in e.claims.values():
        parts = shown.setdefault(claim.by, list(common))
        parts += ["claim", claim.id, claim.status, claim.date.text if claim.date else "", claim.text,
                  claim.quote or "", claim.note.html if claim.note else "", ",".join(claim.sources),
                  *(f"{v.status}:{v.date.text}:{v.commit}" for v in claim.history)]
        for source_id in claim.sources:
            source = e.sources.get(source_id)
            parts.append(source.title if source else "")
        for relation in RELATIONS:
            for direction, ids in (("to", getattr(claim, relation)), ("from", claim.inverse.get(relation, []))):
                for claim_id in ids:
                    other = e.claims.get(claim_id)
                    if other is not None:
                        parts += [relation, direction, other.id, other.by, other.text, _name(actor, other.by)]
    for event in e.timeline:
        for actor_id in event.actors:
            shown.setdefault(actor_id, list(common)).extend((
                "event", str(event.position), event.date.text, event.title, event.text.html if event.text else "",
                ",".join(event.actors), ",".join(event.claims), ",".join(event.sources)))
    return {actor_id: digest(*parts) for actor_id, parts in shown.items()}


def _name(actor: Callable[[str], Actor | None], actor_id: str) -> str:
    found = actor(actor_id)
    return found.name if found else ""
