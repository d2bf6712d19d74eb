"""JSON-LD for search engines: a NewsArticle per explainer and a ClaimReview per rated claim.

ClaimReview follows Google's fact-check profile: `claimReviewed` under 75
characters, `reviewRating.alternateName` = the status label, `url` = the
claim's anchor on the page, `author` = the publisher, `itemReviewed` = a
Claim with its author (Person or Organization, `sameAs` from wikidata and
links), `datePublished` (the claim's date; of an uncertain one, only a month or year
that is certainly true, see `EventDate.true_date`) and `appearance` (the claim's
first cited source with a URL, else its first cited source: a CreativeWork with
the source's URL, title, date and publisher). The NewsArticle's `image` is the page's share picture.
Every date is given at the precision it was written with (`2024-03-28`, `2024-03`, or a
date-time): schema.org takes ISO 8601 dates, and a date alone given as midnight UTC would
state a time nobody wrote (and, west of Greenwich, the day before). Only the feed, whose
format requires a date-time, turns a date into midnight UTC.
The data is embedded with `render._json_for_script`, which escapes `<`, `>`
and `&`, so no content can close the `<script>` element.
"""

from __future__ import annotations

from typing import Any

from generator.config import SiteConfig
from generator.dates import latest
from generator.fields import contain_bidi
from generator.model import Actor, Explainer, Source

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


def image_entity(image: Any) -> dict[str, Any]:
    """A `render.ShareImage` as an ImageObject (width and height are left to `og:image`:
    schema.org's range for them is a Distance, not a number of pixels)."""
    entity: dict[str, Any] = {"@type": "ImageObject", "url": image.url}
    if image.credit:
        entity["creditText"] = image.credit
    return entity


def appearance_entity(source: Source) -> dict[str, Any]:
    """A cited source as the CreativeWork a claim appears in (`itemReviewed.appearance`)."""
    entity: dict[str, Any] = {"@type": "CreativeWork", "name": source.title}
    if source.url:
        entity["url"] = source.url
    if source.date is not None:
        entity["datePublished"] = source.date.edtf()
    if source.publisher:
        entity["publisher"] = {"@type": "Organization", "name": source.publisher}
    return entity


def explainer_jsonld(explainer: Explainer, actors: dict[str, Actor], config: SiteConfig,
                     page_url: str, image: Any = None) -> list[dict[str, Any]]:
    """The JSON-LD objects for one explainer page; `image` is the page's `render.ShareImage`.
    Its words (a verdict's name) are in the explainer's language, as the page's are."""
    messages = config.strings.messages(explainer.language or config.language)
    publisher = publisher_entity(config)
    # Never before publication: an `updated` day can be earlier than a published date-time.
    updated = latest(explainer.published, explainer.modified) or explainer.published
    article: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": _shorten(explainer.title, 110),
        "description": explainer.summary,
        "inLanguage": messages.language,
        "datePublished": explainer.published.edtf(),
        "dateModified": updated.edtf(),
        "author": [{"@type": "Person", "name": name} for name in explainer.authors] or [publisher],
        "publisher": publisher,
        "url": page_url,
        "mainEntityOfPage": page_url,
    }
    if image is not None:
        article["image"] = image_entity(image)
    if explainer.corrections:
        article["correction"] = [{"@type": "CorrectionComment", "datePublished": c.date.edtf(),
                                  "text": c.text} for c in explainer.corrections]
    objects: list[dict[str, Any]] = [article]
    for claim in explainer.claims.values():
        if claim.status == "unrated":
            continue
        author = actors.get(claim.by)
        item: dict[str, Any] = {"@type": "Claim"}
        if author is not None:
            item["author"] = actor_entity(author, page_url)
        made = claim.date
        if made is not None and made.exact and made.start is not None:
            item["datePublished"] = made.start.edtf()
        elif made is not None and made.true_date is not None:
            # Only what is certainly true, at its own precision (an ISO 8601 month or year:
            # "2023-06" for between 5 and 7 June 2023), never a made-up first instant; none
            # for "around", "by" and "from" (the page's `data-edtf` has them exactly).
            item["datePublished"] = made.true_date.text
        cited = [explainer.sources[s] for s in claim.sources]
        # The first cited source with an address (where a reader can see the claim made),
        # else the first cited source.
        appearance = next((source for source in cited if source.url), cited[0] if cited else None)
        if appearance is not None:
            item["appearance"] = appearance_entity(appearance)
        review: dict[str, Any] = {
            "@context": "https://schema.org",
            "@type": "ClaimReview",
            "url": f"{page_url}#claim-{claim.id}",
            "claimReviewed": _shorten(claim.text),
            "author": publisher,
            "datePublished": updated.edtf(),
            "itemReviewed": item,
            "reviewRating": {"@type": "Rating", "alternateName": messages.status(claim.status)},
        }
        if claim.status in _RATING:
            review["reviewRating"].update({"ratingValue": _RATING[claim.status], "bestRating": 5,
                                           "worstRating": 1})
        objects.append(review)
    return objects
