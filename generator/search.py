"""The site's search: explainers, claims and actor pages, indexed by Pagefind.

A search across the site finds an explainer, a claim or an actor page as a result of its
own. The index is made from what the build has checked, not from the built pages (see
`pagefind`): crawling 35,000 pages of HTML at 5,000 explainers, most of them repeating the
same claims, cost more than the rest of a full build's rendering. Pagefind is given:

- each explainer as one small HTML document (`explainer_part`): its title, summary, tags
  and questions, then each claim (the claim, who made it, so that an actor's name finds
  their claims, and their exact words if the explainer has them) under a heading with the
  id of its card, `claim-<id>`: Pagefind's sub-result at `<slug>/#claim-<id>`, which the
  search page shows as a result of its own;
- each actor page as a record (`actor_records`): name, role, affiliation, description.

An explainer's body is not indexed: a body edit is then seen on the explainer's own pages
alone, and keeps the shortcut that makes a one-explainer edit cost a fraction of a second
(`incremental.shortcut`, docs/performance.md). What an explainer contributes is a part kept
by its unit's `front_key`, as its claims in `claims.json` are (`plan.Joined`); the bundle is
kept by the digest of its records (`incremental.bundle`), so that a build whose records are
those of the previous build runs no Pagefind at all, whatever else changed.

Only published explainers are indexed (as `claims.json` lists them), and every URL is
relative to the site's root: the search page resolves them from its own (`search.js`). The
whole index is in the site's language (Pagefind's `force_language`), so that the search page
finds the explainers written in other languages too.
"""

from __future__ import annotations

import json
import re
import tempfile
from collections.abc import Iterable, Iterator, Mapping
from html import unescape
from pathlib import Path
from typing import Any

from markupsafe import escape

from generator import pagefind
from generator.assets import content_digest
from generator.incremental.bundle import Bundle, safe_path
from generator.incremental.parts import Part
from generator.model import Actor, Explainer

HINT = "Pagefind comes with the pagefind-bin package (pip install pagefind-bin), or set search: false in site.yaml"

BUNDLE = "pagefind"
"""The folder of the index in the site."""


def _line(payload: dict[str, Any]) -> bytes:
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode("utf-8") + b"\n"


def explainer_part(explainer: Explainer, actor_of: Any) -> Part:
    """The explainer and its claims as one small HTML document for Pagefind: its words first
    (title, summary, tags, questions), then each claim under a heading with the id of its card
    on the explainer's page, so that Pagefind makes each claim a result of its own within the
    explainer (a sub-result at `<slug>/#claim-<id>`), with who made it in the meta
    `by-claim-<id>` (not searched twice: it is in the claim's words). One document, not one
    record per claim: Pagefind writes a file per record, 12 more per explainer of the
    benchmark, and took twice as long. `actor_of(explainer, id)` is an actor it names: what
    the part reads of the site besides the explainer its unit's `front_key` covers."""
    page = f"{explainer.slug}/"
    words = [explainer.title, explainer.summary, *explainer.tags,
             *(question.question for question in explainer.questions.values())]
    html = [f'<h1>{escape(explainer.title)}</h1><span data-pagefind-meta="kind:explainer"></span>',
            *(f"<p>{escape(text)}</p>" for text in words[1:] if text)]
    links = [page]
    for claim in explainer.claims.values():
        actor, anchor = actor_of(explainer, claim.by), f"claim-{claim.id}"
        html.append(f'<span data-pagefind-meta="by-{anchor}" data-pagefind-ignore>{escape(actor.name)}</span>'
                    f'<h2 id="{anchor}">{escape(claim.text)}</h2><p>{escape(actor.name)}</p>')
        if claim.quote:
            html.append(f"<p>{escape(claim.quote)}</p>")
        links.append(f"{page}#{anchor}")
    document = f'<html lang="{escape(explainer.language)}"><body>{"".join(html)}</body></html>'
    return Part(_line({"type": "AddFile", "url": page, "file_contents": document}), tuple(links))


def plain_text(html: str) -> str:
    """The text of a Markdown field's HTML, as a reader sees it (links' words, no markup)."""
    return unescape(_TAG.sub("", html))


_TAG = re.compile(r"<[^>]*>")


def actor_records(actors: Mapping[str, Actor], language: str) -> Part:
    """The records of the actor pages (one result each), in the site's order."""
    lines, links = [], []
    for actor in actors.values():
        url = f"actors/{actor.id}/"
        affiliated = actors.get(actor.affiliation) if actor.affiliation else None
        affiliation = affiliated.name if affiliated is not None else actor.affiliation
        description = plain_text(actor.description.html) if actor.description else None
        content = "\n".join(text for text in (actor.name, actor.role, affiliation, description) if text)
        lines.append(_line({"type": "AddRecord", "url": url, "content": content, "language": language,
                            "meta": {"title": actor.name, "kind": "actor"}}))
        links.append(url)
    return Part(b"".join(lines), tuple(links))


def engine_version() -> str:
    """The version of the Pagefind binary's package: a new one makes the bundle again.
    (`importlib.metadata` is imported here: 10 to 40 ms that a one-explainer edit, which
    never asks, should not pay.)"""
    import importlib.metadata

    try:
        return importlib.metadata.version("pagefind-bin")
    except importlib.metadata.PackageNotFoundError:
        return ""


def records(parts: Iterable[Part]) -> Iterator[dict[str, Any]]:
    """What the parts hold, in order, as Pagefind takes them: documents and records, and
    nothing else (a message that would make Pagefind write files is never sent)."""
    for part in parts:
        for line in part.data.splitlines():
            record = json.loads(line)
            if isinstance(record, dict) and record.get("type") in ("AddFile", "AddRecord"):
                yield record


def bundle(keys: str, parts: list[Part], kept: Bundle | None, version: str, language: str) -> Bundle:
    """The search bundle of these parts' records: `kept`'s files if they were made from the
    same records by the same `version` of the generator and Pagefind, else Pagefind's (run in
    a folder of its own, which it leaves empty)."""
    made_from = content_digest(b"".join([version.encode(), language.encode(), *(part.data for part in parts)]))
    links = tuple(dict.fromkeys(link for part in parts for link in part.links))
    if kept is not None and kept.records == made_from:
        return Bundle(keys, made_from, kept.files, links)
    with tempfile.TemporaryDirectory(prefix="explainer-pagefind-") as folder:
        files = pagefind.index(records(parts), {"force_language": language}, cwd=Path(folder))
    if not all(safe_path(path) for path in files):
        raise pagefind.PagefindError("Pagefind named a file outside its folder")
    return Bundle(keys, made_from, files, links)
