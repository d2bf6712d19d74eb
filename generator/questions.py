"""The "Who says what" section: who answers each of an explainer's questions, and how.

An explainer may list what it asks (`questions:`) and say which question each claim
answers (`about:`). The section then shows, per question, the actors and their claims on
it, with the claims that contradict each other side by side; a question that no rated
claim answers yet is open ("What we don't know"). An explainer without questions still
gets the section: its claims grouped by their relations (the connected components of
`contradicts`, `supports` and `responds_to`), each group under the text of the claim the
others point at most, and the claims related to none together at the end.

The view is made from the compiled explainer alone, so its page and `explainer.json`
(which read only their own unit) show it, and the same file always gives the same view:
every order here is the file's order.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from generator.model import RELATIONS, Claim, Explainer, Question


@dataclass(frozen=True)
class Disagreement:
    """`claim` contradicts `other` (as written on `claim`), shown side by side."""

    claim: Claim
    other: Claim


@dataclass(frozen=True)
class Group:
    """Claims shown together: those about one question, or one web of related claims."""

    claims: list[Claim]
    """Grouped by actor (actors in the order of their first claim here), each actor's claims
    in file order."""
    disagreements: list[Disagreement]
    """Every contradiction with at least one side in the group, in file order."""
    question: Question | None = None
    """The question the claims answer (grouping by questions)."""
    lead: Claim | None = None
    """Grouping by relations: the claim whose text heads the group (None for the claims
    related to no other claim)."""

    @property
    def rated(self) -> bool:
        """Some claim of the group has a verdict: a question without one is still open."""
        return any(claim.status != "unrated" for claim in self.claims)


@dataclass(frozen=True)
class WhoSaysWhat:
    """The whole section: `groups` in the table, `open` questions listed apart."""

    by_questions: bool
    groups: list[Group]
    """Questions some rated claim answers, in file order; or the relation groups."""
    open: list[Group]
    """Questions no rated claim answers, in file order (always empty without questions)."""

    def __bool__(self) -> bool:
        return bool(self.groups or self.open)


def who_says_what(explainer: Explainer) -> WhoSaysWhat:
    """The section for `explainer`: by its questions if it has any, else by relations."""
    claims = list(explainer.claims.values())
    if explainer.questions:
        groups = [_group([c for c in claims if c.about == question.id], claims, question=question)
                  for question in explainer.questions.values()]
        return WhoSaysWhat(True, [g for g in groups if g.rated], [g for g in groups if not g.rated])
    return WhoSaysWhat(False, _relation_groups(claims), [])


def _group(members: list[Claim], claims: list[Claim], question: Question | None = None,
           lead: Claim | None = None) -> Group:
    actor_order: dict[str, int] = {}
    for claim in members:
        actor_order.setdefault(claim.by, len(actor_order))
    ordered = sorted(members, key=lambda c: actor_order[c.by])  # stable: file order per actor
    inside = {claim.id for claim in members}
    by_id = {claim.id: claim for claim in claims}
    disagreements = [Disagreement(claim, by_id[other]) for claim in claims for other in claim.contradicts
                     if other in by_id and (claim.id in inside or other in inside)]
    return Group(ordered, disagreements, question, lead)


def _relation_groups(claims: list[Claim]) -> list[Group]:
    """The connected components of the relations, in the order of their first claim; then
    one group of the claims related to none (if any)."""
    position = {claim.id: i for i, claim in enumerate(claims)}
    parent = {claim.id: claim.id for claim in claims}  # union-find; a component's root is its first claim

    def root(claim_id: str) -> str:
        while parent[claim_id] != claim_id:
            parent[claim_id] = parent[parent[claim_id]]
            claim_id = parent[claim_id]
        return claim_id

    for claim in claims:
        for relation in RELATIONS:
            for other in getattr(claim, relation):
                if other in parent:
                    first, second = sorted((root(claim.id), root(other)), key=position.__getitem__)
                    parent[second] = first
    components: dict[str, list[Claim]] = {}
    for claim in claims:
        components.setdefault(root(claim.id), []).append(claim)
    groups: list[Group] = []
    alone: list[Claim] = []
    for members in components.values():
        if len(members) == 1:
            alone += members
            continue
        lead = max(members, key=lambda c: (_pointed_at(c), -position[c.id]))
        groups.append(_group(members, claims, lead=lead))
    if alone:
        groups.append(_group(alone, claims))
    return groups


def _pointed_at(claim: Claim) -> int:
    """How many relations point at the claim: the one a web of claims is about."""
    return sum(len(ids) for ids in claim.inverse.values())


# -- explainer.json -----------------------------------------------------------------

def questions_json(explainer: Explainer) -> list[dict[str, Any]]:
    """`questions` in explainer.json: each question as written, with the ids of the claims
    about it (file order) and whether it is open (no rated claim answers it)."""
    entries = []
    for question in explainer.questions.values():
        about = [claim for claim in explainer.claims.values() if claim.about == question.id]
        entries.append({
            "id": question.id, "question": question.question,
            "note": question.note.source if question.note else None,
            "claims": [claim.id for claim in about],
            "open": not any(claim.status != "unrated" for claim in about),
        })
    return entries


def who_says_what_json(explainer: Explainer) -> dict[str, Any]:
    """`who_says_what` in explainer.json: the section as the page shows it, in machine values
    (ids, status ids, dates as written)."""
    view = who_says_what(explainer)
    return {"grouped_by": "questions" if view.by_questions else "relations",
            "groups": [_group_json(group) for group in view.groups],
            "open": [_group_json(group) for group in view.open]}


def _group_json(group: Group) -> dict[str, Any]:
    return {
        "question": group.question.id if group.question else None,
        "lead": group.lead.id if group.lead else None,
        "claims": [{"id": c.id, "by": c.by, "status": c.status, "date": c.date.text if c.date else None}
                   for c in group.claims],
        "disagreements": [[d.claim.id, d.other.id] for d in group.disagreements],
    }
