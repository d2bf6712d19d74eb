"""The records a build keeps of what it compiled, so that the next one compiles only what changed.

A *unit* is one explainer file compiled on its own (loaded, validated, resolved), with
the keys that say when it must be compiled again: the stamp and digest of the file, and
the digest of everything else compiling it read. The *shared* record is the shared
actors, compiled together. Both live in memory between `serve`'s builds and, summarized,
in the sealed cache between `build`s (see `memory`, `cache`).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from generator.diagnostics import Diagnostic, errors_in
from generator.incremental import cache, dependencies, views
from generator.incremental.summary import LazyExplainer, SummaryData, quoted_of, summarize
from generator.model import Actor, Explainer
from generator.plan import digest
from generator.sitelinks import SiteLink


@dataclass
class Unit:
    """One explainer file compiled on its own, kept between builds."""

    stamp: str
    """mtime and size of the file when it was read."""
    digest: str
    """Hash of the file's bytes."""
    context: str
    """Digest of everything else compiling it read: settings, images, the shared actors it uses."""
    used_shared: tuple[str, ...]
    explainer: Explainer | LazyExplainer | None
    diagnostics: list[Diagnostic]
    front_digest: str = ""
    """Hash of the front matter alone (see `plan.plan_site`)."""
    summary: SummaryData | None = None
    """What the site needs of the explainer, when the unit comes from the cache (see
    `summary`) or from a worker (see `shards`); `explainer` is then a `LazyExplainer` over it."""
    view: str | None = None
    """The explainer's view (see `views`), when a worker compiled it."""
    view_saved: bool = False
    """The worker also stored the view in the cache (`cache.save_view`)."""
    site_links: list[SiteLink] = field(default_factory=list)
    """The links its Markdown fields make to pages of the site (see `sitelinks`), checked
    against the whole site by every build, even when the file is not compiled again. Not
    part of what the rest of the site reads of it (`cache.unit_mark`): a body edit that
    changes them takes the shortcut, which checks them."""
    quoted: dict[str, str] = field(default_factory=dict)
    """What each actor's page shows of the explainer (`quotes`), kept with its summary."""

    @property
    def key(self) -> str:
        return digest(self.digest, self.context)

    @property
    def front_key(self) -> str:
        return digest(self.front_digest, self.context)

    @property
    def facts(self) -> dependencies.UnitFacts:
        """What fingerprints read of the unit (see `dependencies`)."""
        return dependencies.UnitFacts(self.key, self.front_key, self.front_digest, self.quoted)

    @property
    def compiled(self) -> Explainer | None:
        """The explainer, if this build compiled it in full and without errors."""
        if isinstance(self.explainer, Explainer) and not errors_in(self.diagnostics):
            return self.explainer
        return None

    def to_json(self) -> dict[str, object]:
        """The unit as the cache stores it: its keys and its explainer's summary."""
        data = self.summary
        if data is None:
            assert isinstance(self.explainer, Explainer)
            data = summarize(self.explainer, self.quoted)
        return {"stamp": self.stamp, "digest": self.digest, "front_digest": self.front_digest,
                "context": self.context, "used_shared": list(self.used_shared), "summary": data,
                "warnings": cache.diagnostics_to_json(self.diagnostics),
                "site_links": [link.to_json() for link in self.site_links]}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Unit:
        """Raises ValueError, TypeError or KeyError on anything but what `to_json` wrote."""
        keys = [data[name] for name in ("stamp", "digest", "front_digest", "context")]
        used, summary, links = data["used_shared"], data["summary"], data["site_links"]
        if not (all(isinstance(k, str) for k in keys) and isinstance(used, list)
                and all(isinstance(a, str) for a in used) and isinstance(summary, dict)):
            raise TypeError("not a cached unit")
        if not isinstance(links, list):
            raise TypeError("not a list of links")
        stamp, digest_, front, context = keys
        return cls(stamp=stamp, digest=digest_, context=context, used_shared=tuple(used), explainer=None,
                   diagnostics=cache.diagnostics_from_json(data["warnings"]), front_digest=front,
                   summary=summary, site_links=[SiteLink.from_json(link) for link in links],
                   quoted=quoted_of(summary))


@dataclass
class Shared:
    """The shared actors, compiled together, with the stamps of their files."""

    stamps: dict[str, str]
    config_digest: str
    actors: dict[str, Actor]
    digests: dict[str, str]
    diagnostics: list[Diagnostic]
    site_links: dict[str, list[SiteLink]] = field(default_factory=dict)
    """Actor id -> the links its description makes to pages of the site (see `sitelinks`)."""

    def to_json(self) -> dict[str, Any]:
        return {"stamps": self.stamps, "context": self.config_digest, "digests": self.digests,
                "actors": [views.encode_actor(a) for a in self.actors.values()],
                "warnings": cache.diagnostics_to_json(self.diagnostics),
                "site_links": {actor_id: [link.to_json() for link in links]
                               for actor_id, links in self.site_links.items()}}


def now() -> datetime.datetime:
    """The build's clock (one place, so a test can move it past an embargo)."""
    return datetime.datetime.now(datetime.UTC)


def on_site(explainer: Explainer | LazyExplainer, drafts: bool, now: datetime.datetime) -> bool:
    """The explainer is published on the site built now: not a draft, and its embargo has
    lifted (or the build shows drafts, which shows both)."""
    return drafts or dependencies.published(explainer, now)


def kept_shared(root: Path, stamps: dict[str, str], context: str) -> Shared | None:
    """The shared actors as the last build compiled them, if their files and what compiling
    them read (`context`) are unchanged: a one-explainer edit at 5,000 explainers spent 30 ms
    compiling 200 unchanged files."""
    data = cache.load_shared(root)
    if data is None or data.get("stamps") != stamps or data.get("context") != context:
        return None
    try:
        actors = {actor.id: actor for actor in map(views.decode_actor, data["actors"])}
        digests = data["digests"]
        if not isinstance(digests, dict) or not all(isinstance(v, str) for v in digests.values()):
            return None
        links = {str(actor_id): [SiteLink.from_json(link) for link in actor_links]
                 for actor_id, actor_links in data["site_links"].items()}
        return Shared(stamps, context, actors, digests, cache.diagnostics_from_json(data["warnings"]), links)
    except (ValueError, TypeError, KeyError, AttributeError):
        return None


def units_from_cache(data: dict[str, Any]) -> dict[str, Unit]:
    """The units a previous build stored; a damaged entry is dropped (its file is compiled)."""
    units = {}
    for rel, item in data.items():
        try:
            unit = Unit.from_json(item)
            assert unit.summary is not None
            unit.explainer = LazyExplainer(unit.summary)
        except (ValueError, TypeError, KeyError, IndexError, AttributeError):
            continue
        units[rel] = unit
    return units


def unit_context(context: str, used: tuple[str, ...], shared: Shared) -> str:
    """A unit's context: the project's, and the digests of the shared actors it uses."""
    return digest(context, *(f"{a}={shared.digests.get(a, '-')}" for a in used))


def used_shared(explainer: Explainer, shared: dict[str, Actor]) -> tuple[str, ...]:
    """Shared actors whose definition shows on the explainer's page: those it refers to,
    and the affiliations of every actor on the page."""
    used = {a for a in explainer.page_actors if a in shared}
    for actor_id in explainer.page_actors:
        actor = explainer.actors.get(actor_id) or shared.get(actor_id)
        if actor and actor.affiliation in shared:
            used.add(actor.affiliation)
    return tuple(sorted(used))
