"""The site's search: records of explainers, claims and actors, indexed by Pagefind.

A search across the site finds an explainer, a claim or an actor page as a result of its
own. The index is made from records, not from the built pages (see `pagefind`): crawling
35,000 pages of HTML at 5,000 explainers, most of them repeating the same claims, cost more
than the rest of a full build's rendering. The records:

- an explainer: its title, summary, tags and questions, at `<slug>/`;
- each of its claims: the claim, who made it (so that an actor's name finds their claims),
  their exact words if the explainer has them, and the explainer's title, at
  `<slug>/#claim-<id>`, the claim's card on the explainer's page;
- each actor page: the name, role, affiliation and description, at `actors/<id>/`.

An explainer's body is not indexed: a body edit is then seen on the explainer's own pages
alone, and keeps the shortcut that makes a one-explainer edit cost a fraction of a second
(`incremental.shortcut`, docs/performance.md). What an explainer contributes is a part kept
by its unit's `front_key`, as its claims in `claims.json` are (`plan.Joined`); the bundle is
kept by the digest of its records (`incremental.bundle`), so that a build whose records are
those of the previous build runs no Pagefind at all, whatever else changed.

Only published explainers are indexed (as `claims.json` lists them), and every URL is
relative to the site's root: the search page resolves them from its own (`search.js`).
"""

from __future__ import annotations

import importlib.metadata
import json
import re
import tempfile
from collections.abc import Iterable, Iterator, Mapping
from html import unescape
from pathlib import Path
from typing import Any

from generator import pagefind
from generator.assets import content_digest
from generator.incremental.bundle import Bundle, safe_path
from generator.incremental.parts import Part
from generator.model import Actor, Explainer

HINT = "Pagefind comes with the pagefind-bin package (pip install pagefind-bin), or set search: false in site.yaml"

BUNDLE = "pagefind"
"""The folder of the index in the site."""


def _record(url: str, language: str, kind: str, title: str, words: Iterable[str | None],
            explainer: str | None = None, **meta: str) -> bytes:
    """One record as a JSON line. Pagefind searches a record's meta too, so the title of a
    claim's explainer (which the result shows) is a filter, which it does not search: a
    name in an explainer's title would otherwise find every claim of it."""
    content = "\n".join(text for text in words if text)
    record: dict[str, Any] = {"url": url, "content": content, "language": language,
                              "meta": {"title": title, "kind": kind, **meta}}
    if explainer is not None:
        record["filters"] = {"explainer": [explainer]}
    return json.dumps(record, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode("utf-8") + b"\n"


def explainer_part(explainer: Explainer, actor_of: Any) -> Part:
    """The records of one explainer and its claims, one JSON line each. `actor_of(explainer,
    id)` is an actor it names: what the part reads of the site besides the explainer its
    unit's `front_key` covers."""
    page, language = f"{explainer.slug}/", explainer.language
    lines = [_record(page, language, "explainer", explainer.title,
                     [explainer.title, explainer.summary, *explainer.tags,
                      *(question.question for question in explainer.questions.values())])]
    links = [page]
    for claim in explainer.claims.values():
        actor = actor_of(explainer, claim.by)
        url = f"{page}#claim-{claim.id}"
        lines.append(_record(url, language, "claim", claim.text, [actor.name, claim.text, claim.quote],
                             actor=actor.name, explainer=explainer.title))
        links.append(url)
    return Part(b"".join(lines), tuple(links))


def plain_text(html: str) -> str:
    """The text of a Markdown field's HTML, as a reader sees it (links' words, no markup)."""
    return unescape(_TAG.sub("", html))


_TAG = re.compile(r"<[^>]*>")


def actor_records(actors: Mapping[str, Actor], language: str) -> Part:
    """The records of the actor pages, in the site's order, in the site's language (an
    actor page is written in it)."""
    lines, links = [], []
    for actor in actors.values():
        url = f"actors/{actor.id}/"
        affiliated = actors.get(actor.affiliation) if actor.affiliation else None
        affiliation = affiliated.name if affiliated is not None else actor.affiliation
        description = plain_text(actor.description.html) if actor.description else None
        lines.append(_record(url, language, "actor", actor.name,
                             [actor.name, actor.role, affiliation, description]))
        links.append(url)
    return Part(b"".join(lines), tuple(links))


def engine_version() -> str:
    """The version of the Pagefind binary's package: a new one makes the bundle again."""
    try:
        return importlib.metadata.version("pagefind-bin")
    except importlib.metadata.PackageNotFoundError:
        return ""


def records(parts: Iterable[Part]) -> Iterator[dict[str, Any]]:
    """The records the parts hold, in order, as Pagefind takes them."""
    for part in parts:
        for line in part.data.splitlines():
            record = json.loads(line)
            if isinstance(record, dict):
                yield record


def languages(parts: Iterable[Part]) -> list[str]:
    """The languages of the records, sorted: the search page searches each one's index."""
    return sorted({str(record.get("language")) for record in records(parts)})


def bundle(keys: str, parts: list[Part], kept: Bundle | None, version: str) -> Bundle:
    """The search bundle of these parts' records: `kept`'s files if they were made from the
    same records by the same `version` of the generator and Pagefind, else Pagefind's (run in
    a folder of its own, which it leaves empty)."""
    made_from = content_digest(b"".join([version.encode(), *(part.data for part in parts)]))
    links = tuple(dict.fromkeys(link for part in parts for link in part.links))
    if kept is not None and kept.records == made_from:
        return Bundle(keys, made_from, kept.files, links)
    with tempfile.TemporaryDirectory(prefix="explainer-pagefind-") as folder:
        files = pagefind.index(records(parts), cwd=Path(folder))
    if not all(safe_path(path) for path in files):
        raise pagefind.PagefindError("Pagefind named a file outside its folder")
    return Bundle(keys, made_from, files, links)
