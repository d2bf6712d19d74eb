"""Which edits change an explainer's own pages and nothing else.

The commonest edit is a change to an explainer's body: its page and
`explainer.json` change, and nothing else on the site does, as long as
nothing the rest of the site reads of it changed (its summary: title,
dates, tags, which actors its page shows; and its front matter, which actor
pages quote). For such an edit, a `build` that starts from the cache (see
`edit.rebuild_own_pages`) compiles the edited files and renders
their two pages, without turning the whole project's cached summaries back
into explainers, assembling the site and fingerprinting its every output: at
5,000 explainers that pass is most of an incremental build. Anything else
takes the whole pipeline, which gives the same site (a test checks both).
"""

from __future__ import annotations

from typing import Any

from generator.incremental.cache import unit_mark

EXPLAINERS = "content/explainers/"


def edited_explainers(before: dict[str, str], after: dict[str, str]) -> list[str] | None:
    """The explainer files whose stamp changed between two builds' source stamps, if no other
    file changed and none was added or removed; else None."""
    if before.keys() != after.keys():
        return None
    edited = sorted(path for path, stamp in after.items() if before[path] != stamp)
    if not edited or not all(path.startswith(EXPLAINERS) and path.endswith(".md") for path in edited):
        return None
    return edited


def seen_only_on_own_pages(cached_mark: str, compiled: dict[str, Any]) -> bool:
    """True if a unit compiled again (`units.Unit.to_json`) differs from the cached one, known by its
    mark (`cache.unit_mark`), only in what its own pages show."""
    return unit_mark(compiled) == cached_mark
