"""Which files a site consists of, and what each one depends on.

`plan_site` lists every output file as an `OutputJob`: its path, a
fingerprint of everything that goes into it, and how to make it. The
fingerprint is the whole dependency graph in one string per file: an
explainer page depends on its explainer's compiled unit and on the templates
it uses; an actor page on the actor, on every explainer that shows it and on the
actors affiliated with it; the
home page, feed and sitemap on the listing data (title, summary, dates, tags)
of every explainer, not on their bodies. `pipeline.Builder` renders only the
jobs whose fingerprint changed since the previous build: the one mechanism
behind `serve`'s rebuilds and incremental `build`s.
"""

from __future__ import annotations

import datetime
import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable

import jinja2
from jinja2 import meta

from generator import __version__, jsondata, sharecard
from generator.assets import Asset
from generator.model import Explainer
from generator.render import THEME_DIR, RenderedFile, Renderer, members_of
from generator.resolve import Site
from generator.incremental.stamps import file_stamp


@dataclass(frozen=True)
class OutputJob:
    dest_path: str
    fingerprint: str
    make: Callable[[], RenderedFile]
    reads: str = ""
    """The one explainer whose view the page reads, if it reads one: an inline actor's page
    reads only its explainer's. Render workers get such pages together (`parallel.deal`)."""


def _code_stamp() -> str:
    """The generator's own code: a development install changes it without a version bump."""
    package = Path(__file__).parent
    return "|".join(f"{p.name}:{file_stamp(p)}" for p in sorted(package.rglob("*.py")))


def digest(*parts: object) -> str:
    """A short stable hash of the parts' text (one hash call: there are ~10 per output file)."""
    text = "\x1f".join(map(str, parts))
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()


def listing_digest(explainer: Explainer) -> str:
    """What lists of explainers (home, tags, feed, sitemap, actor pages) show of one."""
    e = explainer
    return digest(e.slug, e.title, e.summary, e.published.text, e.updated.text if e.updated else "",
                  e.modified.text if e.modified else "", e.tags, e.authors, e.claim_count, e.rated_count, e.timeline_count,
                  *(f"{c.date.text}:{c.text}" for c in e.corrections))


THEME_PAGES = "(from the theme)"
"""The entry of `template_digests` that lists the page templates made of the built-in theme's
templates alone (comma-separated), whose pages `plan_site` may fingerprint by what the theme
shows (see `quotes`)."""


def template_digests(env: jinja2.Environment, names: Iterable[str],
                     asset_paths: dict[str, str]) -> dict[str, str]:
    """For each page template, a digest of its own source and of every template it
    extends, includes or imports, so that editing a partial re-renders only the pages using it,
    and of the paths of the theme's assets (`url('asset', ...)`): a changed style sheet has a
    new name, which every page links to; and `THEME_PAGES`."""
    loader = env.loader
    assert loader is not None
    sources: dict[str, str] = {}
    refs: dict[str, set[str]] = {}
    from_theme: set[str] = set()
    theme = str(THEME_DIR)

    def visit(name: str) -> None:
        if name in sources:
            return
        try:
            source, filename, _ = loader.get_source(env, name)
        except jinja2.TemplateNotFound:
            sources[name] = ""
            refs[name] = set()
            return
        sources[name] = source
        if filename and filename.startswith(theme):
            from_theme.add(name)
        try:
            found = {r for r in meta.find_referenced_templates(env.parse(source)) if r}
        except jinja2.TemplateSyntaxError:
            found = set()
        refs[name] = found
        for ref in found:
            visit(ref)

    result = {}
    themed: list[str] = []
    for name in names:
        visit(name)
        closure: set[str] = set()
        stack = [name]
        while stack:
            current = stack.pop()
            if current in closure:
                continue
            closure.add(current)
            stack.extend(refs.get(current, ()))
        result[name] = digest(code_version(), *sorted(asset_paths.items()),
                              *(f"{n}:{sources[n]}" for n in sorted(closure)))
        if closure <= from_theme:
            themed.append(name)
    result[THEME_PAGES] = ",".join(themed)
    return result


def code_version() -> str:
    """Version plus a digest of the code, computed once per process."""
    global _CODE_VERSION
    if _CODE_VERSION is None:
        _CODE_VERSION = f"{__version__}+{digest(_code_stamp())}"
    return _CODE_VERSION


_CODE_VERSION: str | None = None


def plan_site(site: Site, renderer: Renderer, unit_keys: dict[str, str], front_keys: dict[str, str],
              templates: dict[str, str], config_digest: str, root: Path,
              front_digests: dict[str, str], theme_assets: Iterable[Asset]) -> list[OutputJob]:
    """Every output file with its fingerprint. `unit_keys` maps slug -> compiled unit key,
    `front_keys` slug -> the same without the body: an actor page shows an explainer's
    claims, events and listing, all from its front matter, so editing a body re-renders
    only that explainer's own page and JSON (which explainers show an actor, which body
    links can change, is in the fingerprint as the list of contributors). `front_digests`
    (slug -> digest of the front matter alone, without the shared actors it uses) let the
    theme's actor pages depend on no more than they show (see `quotes`). `theme_assets` are
    the theme's files with the names they get in the site (see `assets`)."""
    jobs: list[OutputJob] = []
    listings = {e.slug: listing_digest(e) for e in site.explainers}
    all_listings = digest(*(listings[e.slug] for e in site.explainers))

    def add(dest: str, fingerprint: str, make: Callable[[], RenderedFile], reads: str = "") -> None:
        jobs.append(OutputJob(dest, fingerprint, make, reads))

    add("index.html", digest(templates["index.html"], config_digest, all_listings, list(site.tags)),
        renderer.home_page)
    for card in (sharecard.site_card(site.config),
                 *(sharecard.explainer_card(explainer, site.config) for explainer in site.explainers)):
        if card is not None:  # fingerprinted by what it shows: an unchanged card is not drawn again
            add(card.dest_path, card.key, _bind(renderer.share_card, card))
    now = datetime.datetime.now(datetime.timezone.utc)
    for explainer in site.explainers:
        key = unit_keys[explainer.slug]
        embargoed = explainer.published.instant() > now  # its banner goes when the embargo lifts
        page, data = own_page_fingerprints(templates, config_digest, key, embargoed)
        add(f"{explainer.slug}/index.html", page, _bind(renderer.explainer_page, explainer))
        add(f"{explainer.slug}/explainer.json", data, _bind(renderer.explainer_json, explainer))
    themed_actor_pages = "actor.html" in templates.get(THEME_PAGES, "").split(",")
    for actor in site.actors.values():
        # An inline actor's description links to its explainer's claims and sources.
        home_key = (front_digests if themed_actor_pages else front_keys).get(actor.home or "", "")
        affiliation = site.actors.get(actor.affiliation or "")
        quoting = [e for e, _ in site.claim_refs.get(actor.id, [])] + [e for e, _ in site.event_refs.get(actor.id, [])]
        appearing = site.actor_explainers.get(actor.id, [])
        if themed_actor_pages:  # what the page shows of each explainer (see `quotes`)
            shown = [f"{e.slug}:{e.quoted.get(actor.id, '')}" for e in quoting]
            shown += [f"{e.slug}={listings[e.slug]}" for e in appearing]
        else:  # a project's template may show anything of them: all their front matter
            shown = [f"{e.slug}={front_keys[e.slug]}" for e in (*appearing, *quoting)]
        # Its members: other actors' affiliation, name, kind, role and picture show here.
        members = [f"{m.id}:{m.name}:{m.kind}:{m.role}:{m.image}" for m in members_of(site, actor.id)]
        add(f"actors/{actor.id}/index.html",
            digest(templates["actor.html"], config_digest, actor.signature_key, actor.home, home_key,
                   affiliation.name if affiliation else "", *shown, "members", *members),
            _bind(renderer.actor_page, actor), actor.home or "")
    for tag, explainers in site.tags.items():
        add(f"tags/{tag}/index.html",
            digest(templates["tag.html"], config_digest, *(listings[e.slug] for e in explainers)),
            _bind(renderer.tag_page, tag))
    add("feed.xml", digest(templates["feed.xml"], config_digest, all_listings), _bind(renderer.xml, "feed.xml"))
    # The sitemap also shows when each page last changed, which git may tell (see `history`).
    add("sitemap.xml", digest(templates["sitemap.xml"], config_digest, all_listings, list(site.actors),
                              list(site.tags), [e.last_changed.text for e in site.explainers]),
        _bind(renderer.xml, "sitemap.xml"))
    for asset in theme_assets:
        add(asset.dest_path, digest(asset.dest_path, asset.digest), _bind(_data, asset))
    for image in sorted(site.images):
        source = root / "content" / image
        add(f"media/{image}", digest(image, file_stamp(source)), _bind(_copy, f"media/{image}", source))
    return jobs


def own_page_fingerprints(templates: dict[str, str], config_digest: str, unit_key: str,
                          embargoed: bool) -> tuple[str, str]:
    """Fingerprints of an explainer's page and of its `explainer.json`: both depend on the
    explainer's compiled unit alone (`unit_key`: its file, the settings, the shared actors
    it uses), and the page on whether its embargo banner shows."""
    return (digest(templates["explainer.html"], config_digest, unit_key, embargoed),
            digest(jsondata.SCHEMA_VERSION, config_digest, unit_key))


def _copy(dest: str, source: Path) -> RenderedFile:
    return RenderedFile(dest, copy_from=source)


def _data(asset: Asset) -> RenderedFile:
    return RenderedFile(asset.dest_path, asset.data)


def _bind(function: Callable[..., RenderedFile], *args: object) -> Callable[[], RenderedFile]:
    return lambda: function(*args)


def stale_files(previous: Iterable[str], current: Iterable[str]) -> list[str]:
    """Outputs of the previous build that this build no longer makes (a deleted explainer)."""
    keep = set(current)
    return sorted(p for p in previous if p not in keep)

