"""JSON-LD for search engines: a NewsArticle per explainer and a ClaimReview per rated claim.

ClaimReview follows Google's fact-check profile: `claimReviewed` under 75
characters, `reviewRating.alternateName` = the status label, `url` = the
claim's anchor on the page, `author` = the publisher, `itemReviewed` = a
Claim with its author (Person or Organization, `sameAs` from wikidata and
links), `datePublished` and `appearance` (the claim's first source URL).
The data is embedded with `render._json_for_script`, which escapes `<`, `>`
and `&`, so no content can close the `<script>` element.
"""

from __future__ import annotations

from typing import Any

from generator.config import SiteConfig
from generator.dates import latest
from generator.fields import contain_bidi
from generator.model import STATUS_LABELS, Actor, Explainer

_PERSON_KINDS = ("person",)
_RATING = {"true": 5, "mostly-true": 4, "misleading": 2, "false": 1, "disputed": 3, "unproven": 2}


def _shorten(text: str, limit: int = 74) -> str:
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0].rstrip(",;:.")
    # The cut may drop the closer of a bidi control (see fields.contain_bidi): a search
    # engine showing the headline would reorder what follows it.
    return contain_bidi(cut) + "…"


def actor_entity(actor: Actor, page_url: str) -> dict[str, Any]:
    entity: dict[str, Any] = {
        "@type": "Person" if actor.kind in _PERSON_KINDS else "Organization",
        "name": actor.name,
        "url": f"{page_url}#actor-{actor.id}",
    }
    same_as = list(actor.links)
    if actor.wikidata:
        same_as.insert(0, f"https://www.wikidata.org/wiki/{actor.wikidata}")
    if same_as:
        entity["sameAs"] = same_as
    return entity


def publisher_entity(config: SiteConfig) -> dict[str, Any]:
    entity: dict[str, Any] = {"@type": "Organization", "name": config.publisher_name}
    if config.absolute:
        entity["url"] = config.base_url
    return entity


def explainer_jsonld(explainer: Explainer, actors: dict[str, Actor], config: SiteConfig,
                     page_url: str) -> list[dict[str, Any]]:
    """The JSON-LD objects for one explainer page."""
    publisher = publisher_entity(config)
    # Never before publication: an `updated` day can be earlier than a published date-time.
    updated = latest(explainer.published, explainer.modified) or explainer.published
    article: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": _shorten(explainer.title, 110),
        "description": explainer.summary,
        "datePublished": explainer.published.iso(),
        "dateModified": updated.iso(),
        "author": [{"@type": "Person", "name": name} for name in explainer.authors] or [publisher],
        "publisher": publisher,
        "url": page_url,
        "mainEntityOfPage": page_url,
    }
    if explainer.corrections:
        article["correction"] = [{"@type": "CorrectionComment", "datePublished": c.date.iso(),
                                  "text": c.text} for c in explainer.corrections]
    objects: list[dict[str, Any]] = [article]
    for claim in explainer.claims.values():
        if claim.status == "unrated":
            continue
        author = actors.get(claim.by)
        item: dict[str, Any] = {"@type": "Claim"}
        if author is not None:
            item["author"] = actor_entity(author, page_url)
        if claim.date is not None:
            item["datePublished"] = claim.date.iso()
        first_url = next((explainer.sources[s].url for s in claim.sources if explainer.sources[s].url), None)
        if first_url:
            item["appearance"] = {"@type": "CreativeWork", "url": first_url}
        review: dict[str, Any] = {
            "@context": "https://schema.org",
            "@type": "ClaimReview",
            "url": f"{page_url}#claim-{claim.id}",
            "claimReviewed": _shorten(claim.text),
            "author": publisher,
            "datePublished": updated.iso(),
            "itemReviewed": item,
            "reviewRating": {"@type": "Rating", "alternateName": STATUS_LABELS[claim.status]},
        }
        if claim.status in _RATING:
            review["reviewRating"].update({"ratingValue": _RATING[claim.status], "bestRating": 5,
                                           "worstRating": 1})
        objects.append(review)
    return objects
