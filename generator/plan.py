"""Which files a site consists of, and what each one reads.

A site is made of kinds of output (`PAGE_KINDS`), each one entry of data: the path
of each file, the template, what it iterates over (the site, its explainers, actors or
tags, share cards, the theme's assets, pictures) and what it reads (see
`dependencies`: an explainer's own unit, the listing, one actor's claims across
explainers, settings, templates...). `plan_site` lists every output file as an
`OutputJob`: its path, the fingerprint its declared reads give it, and how to make it.
`pipeline.Builder` renders only the jobs whose fingerprint changed since the previous
build: the one mechanism behind `serve`'s rebuilds and incremental `build`s.

Adding a kind of page is one `PageKind` here and its template: its fingerprints, what
the cache keeps for it and what it needs compiled before rendering all follow from its
reads.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from generator import __version__, jsondata, pagefind, schema, search, sharecard
from generator.assets import content_digest
from generator.config import SiteConfig
from generator.diagnostics import BuildFailed, Diagnostic
from generator.incremental import dependencies as deps
from generator.incremental.dependencies import Facts, Keyed, Read
from generator.incremental.parts import Part
from generator.incremental.stamps import file_stamp
from generator.incremental.summary import NotPrepared
from generator.model import Explainer
from generator.render import EMBED_SECTIONS, RenderedFile, Renderer

digest = deps.digest
THEME_PAGES = deps.THEME_PAGES


@dataclass(frozen=True)
class OutputJob:
    dest_path: str
    fingerprint: str
    make: Callable[[], RenderedFile]
    reads: str = ""
    """The one explainer whose view the page reads, if it reads one: an inline actor's page
    reads only its explainer's. Render workers get such pages together (`parallel.deal`)."""


# -- what a kind of output iterates over ----------------------------------------

@dataclass(frozen=True)
class Over:
    """What a kind of output makes one file for."""

    items: Callable[[Facts], Iterable[Any]]
    fields: Callable[[Any], dict[str, str]]
    """The item's values for the kind's path pattern."""
    own: Callable[[Explainer, SiteConfig], Iterable[Any]] | None = None
    """The items of one explainer alone, for kinds whose files show nothing of the rest of
    the site: rendered by the workers of a full build and by an edit's shortcut (`own_jobs`)."""
    deal_by: Callable[[Any], str] = lambda item: ""
    """The explainer whose view the file reads, if only one (see `OutputJob.reads`)."""


def _explainer_cards(explainer: Explainer, config: SiteConfig) -> list[sharecard.Card]:
    card = sharecard.explainer_card(explainer, config)
    return [card] if card is not None else []


SITE = Over(lambda facts: (None,), lambda _: {})
EXPLAINERS = Over(lambda facts: facts.whole_site.explainers, lambda e: {"slug": e.slug},
                  own=lambda explainer, config: (explainer,))
TIMELINES = Over(lambda facts: [e for e in facts.whole_site.explainers if e.timeline_count], lambda e: {"slug": e.slug},
                 own=lambda explainer, config: (explainer,) if explainer.timeline else ())
"""The explainers that have a timeline (TimelineJS shows an error for a timeline without events)."""


def alone(explainer: Explainer) -> bool:
    """The explainer's page shows nothing of other explainers: it tells no story that other
    explainers tell in other languages (whose pages its `hreflang` alternates name). The
    workers of a full build and an edit's shortcut render such pages alone (`Over.own`)."""
    return explainer.story is None


EXPLAINER_PAGES = Over(EXPLAINERS.items, EXPLAINERS.fields,
                       own=lambda explainer, config: (explainer,) if alone(explainer) else ())
ACTORS = Over(lambda facts: facts.whole_site.actors.values(), lambda a: {"id": a.id},
              deal_by=lambda actor: actor.home or "")
TAGS = Over(lambda facts: facts.whole_site.tags, lambda tag: {"tag": tag})
PUBLISHED = Over(lambda facts: (deps.front_keys([e for e in facts.whole_site.explainers
                                                 if deps.published(e, facts.now)], facts),),
                 lambda _: {})
"""The site once, as the explainers published now (no draft, none under embargo, whatever
`--drafts` shows), each keyed by its front matter (`dependencies.Keyed`)."""
SITE_CARD = Over(lambda facts: [card] if (card := sharecard.site_card(facts.config)) else [],
                 lambda card: {"path": card.dest_path})
EXPLAINER_CARDS = Over(lambda facts: [card for e in facts.whole_site.explainers
                                      for card in _explainer_cards(e, facts.config)],
                       lambda card: {"path": card.dest_path}, own=_explainer_cards)
THEME_ASSETS = Over(lambda facts: facts.assets, lambda asset: {"path": asset.dest_path})
SCHEMAS = Over(lambda facts: sorted(schema.FILES), lambda name: {"name": name})
"""The JSON Schemas of the files writers edit (see `schema`), the same for every site."""
PICTURES = Over(lambda facts: sorted(facts.whole_site.images), lambda image: {"path": f"media/{image}"})


@dataclass(frozen=True)
class PageKind:
    """One kind of output: `path` (a pattern filled from the item, see `Over.fields`), made
    from `template`, one file per item of `over`, reading `reads` (besides its template's
    closure, when it has one)."""

    name: str
    path: str
    over: Over
    reads: tuple[Read, ...]
    render: Callable[[Renderer, Any], RenderedFile]
    template: str | None = None
    prepare: Callable[[Any], Any] = lambda item: item
    """What the renderer is given for the item: the explainer's own pages get the compiled
    `Explainer`, an actor page the whole actor (see `dependencies.compiled`)."""
    joined: Joined | None = None
    """How the file is joined from one part per explainer, if it is (see `Joined`)."""
    files: Callable[[Renderer, Any], list[RenderedFile]] | None = None
    """For a kind whose item makes several files at once, named only as they are made (the
    search index, see `search_files`): those files. `path` and `render` are then unused."""

    @property
    def all_reads(self) -> tuple[Read, ...]:
        return self.reads if self.template is None else (deps.PageTemplate(self.template), *self.reads)


@dataclass(frozen=True)
class Joined:
    """A site-wide file made of one part per explainer, joined in the item's order: `claims.json`
    (a feed, a sitemap or a search index could be too). The item is a `dependencies.Keyed`:
    the explainers, each with the key of what its part reads (`front_keys`: its front matter,
    the shared actors it uses, the settings). Each part is kept by that key in the renderer's
    `PartStore` (see `incremental.parts`), so an edit makes only its own explainer's part
    again and joins the others as they are; a full build's compile workers make every
    explainer's parts from the compiled file (`own_parts`).

    A part may read nothing its key does not cover: no template, no other explainer."""

    part: Callable[[Renderer, Explainer], Part]
    """One explainer's part; given an explainer known from the cache, it reads its view (and
    a `NotPrepared` compiles it, see `dependencies.render_prepared`)."""
    join: Callable[[Renderer, list[Part]], RenderedFile]
    """The file, from the parts in order."""


def _joined(name: str, path: str, over: Over, reads: tuple[Read, ...], joined: Joined) -> PageKind:
    return PageKind(name, path, over, reads, lambda r, item: joined_file(path, joined, r, item), joined=joined)


def joined_file(name: str, joined: Joined, renderer: Renderer, item: Keyed) -> RenderedFile:
    """The file `name` joined from the parts of the item's explainers: those the renderer's
    store keeps for their keys, the others made (and kept)."""
    return joined.join(renderer, _parts(name, joined, renderer, item))


def _parts(name: str, joined: Joined, renderer: Renderer, item: Keyed, later: bool = False) -> list[Part]:
    """The item's parts, kept or made; those made are written to the cache at once, or with
    `later` (while planning, before any check) by a build that succeeds."""
    parts = []
    for explainer, key in zip(item.explainers, item.keys, strict=True):
        part = renderer.parts.get(name, explainer.slug, key)
        if part is None:
            part = joined.part(renderer, explainer)  # type: ignore[arg-type]  # a LazyExplainer reads its view
            renderer.parts.put(name, explainer.slug, key, part, later=later)
        parts.append(part)
    return parts


CLAIMS = Joined(part=lambda r, explainer: r.claims_part(explainer), join=lambda r, parts: r.claims_json(parts))
"""`claims.json`: each explainer's claims (see `claimsdata`)."""

LISTING = (deps.Settings(), deps.Listing(), deps.Strings())

SEARCH_PARTS = Joined(part=lambda r, explainer: r.search_part(explainer), join=lambda r, parts: RenderedFile(""))
"""Each explainer's search records (see `search`), which Pagefind's bundle is made of (its
files are several: `PageKind.files` makes them, and `join` is not used)."""
SEARCHED = Over(lambda facts: PUBLISHED.items(facts) if facts.config.search and facts.config.search_index else (),
                lambda _: {})
"""The published explainers, when the site has a search index (`search: true`, not `serve`)."""
SEARCH_PAGE = Over(lambda facts: (None,) if facts.config.search else (), lambda _: {})


def search_files(renderer: Renderer, item: Keyed) -> list[RenderedFile]:
    """The search index's files: kept by the digest of what its records are made from, else
    by the digest of the records themselves, else made by Pagefind (`search.bundle`). A
    Pagefind that cannot run is the build's error. Made while planning, not by a job, so an
    explainer known by its summary whose records read past it (a damaged view, an inline
    actor's description) is compiled here, as `dependencies.render_prepared` does for a page."""
    while True:
        try:
            return _search_files(renderer, item)
        except NotPrepared as exc:
            if exc.explainer.prepared():
                raise RuntimeError(f"{exc.explainer.src_path}: compiled, yet not prepared") from None
            exc.explainer.full()


def _search_files(renderer: Renderer, item: Keyed) -> list[RenderedFile]:
    actors = renderer.search_actors()
    version = f"{code_version()} {search.engine_version()}"
    keys = digest(version, renderer.config.language, content_digest(actors.data), *item.keys,
                  *(e.slug for e in item.explainers))
    kept = renderer.parts.bundle()
    if kept is None or kept.keys != keys:
        parts = [*_parts(SEARCH_INDEX.path, SEARCH_PARTS, renderer, item, later=True), actors]
        try:
            kept = search.bundle(keys, parts, kept, version, renderer.config.language)
        except pagefind.PagefindError as exc:
            raise BuildFailed([Diagnostic(f"the search index could not be made: {exc}", hint=search.HINT)]) from None
        renderer.parts.put_bundle(kept)
    links = tuple(f"../{link}" for link in kept.links)
    return [RenderedFile(f"{search.BUNDLE}/{path}", data, links=links if path == "pagefind-entry.json" else ())
            for path, data in kept.files.items()]


SEARCH_INDEX = PageKind("search index", f"{search.BUNDLE}/", SEARCHED, (), lambda r, item: RenderedFile(""),
                        joined=SEARCH_PARTS, files=search_files)


def _embed(section: str) -> PageKind:
    """`<slug>/embed/<section>/`: one section of the explainer page alone, for an iframe
    (`Renderer.embed_page`). It shows the explainer's own unit, as its page does, but not
    its body; and its links point into that page (<base href>): it reads `explainer.html`
    too, so a template that changes the page's ids has the embed's links checked again."""
    return PageKind(f"{section} embed", f"{{slug}}/embed/{section}/index.html", EXPLAINERS,
                    (deps.Settings(), deps.OwnFrontMatter(), deps.PageTemplate("explainer.html"),
                     deps.Strings(own=True)),
                    lambda r, explainer: r.embed_page(explainer, section), f"embed-{section}.html", deps.compiled)


PAGE_KINDS: list[PageKind] = [
    PageKind("home", "index.html", SITE, (*LISTING, deps.SiteNames(actors=False)),
             lambda r, _: r.home_page(), "index.html"),
    PageKind("site card", "{path}", SITE_CARD, (deps.CardText(),), lambda r, card: r.share_card(card)),
    PageKind("explainer card", "{path}", EXPLAINER_CARDS, (deps.CardText(),), lambda r, card: r.share_card(card)),
    PageKind("explainer", "{slug}/index.html", EXPLAINER_PAGES,
             (deps.Settings(), deps.OwnUnit(), deps.Embargo(), deps.Strings(own=True), deps.Versions()),
             lambda r, explainer: r.explainer_page(explainer), "explainer.html", deps.compiled),
    PageKind("explainer data", "{slug}/explainer.json", EXPLAINERS,
             (deps.Constant(str(jsondata.SCHEMA_VERSION)), deps.Settings(), deps.OwnUnit()),
             lambda r, explainer: r.explainer_json(explainer), None, deps.compiled),
    *(_embed(section) for section in EMBED_SECTIONS),
    PageKind("timeline data", "{slug}/timeline.json", TIMELINES,
             (deps.Settings(), deps.OwnFrontMatter(), deps.Strings(own=True)),
             lambda r, explainer: r.timeline_json(explainer), None, deps.compiled),
    PageKind("actor", "actors/{id}/index.html", ACTORS,
             (deps.Settings(), deps.ActorItself(), deps.ActorClaims(), deps.Strings()),
             lambda r, actor: r.actor_page(actor), "actor.html", deps.whole_actor),
    PageKind("tag", "tags/{tag}/index.html", TAGS, (deps.Settings(), deps.Listing(deps.tagged), deps.Strings()),
             lambda r, tag: r.tag_page(tag), "tag.html"),
    _joined("claims data", "claims.json", PUBLISHED, (deps.Settings(), deps.PublishedClaims()), CLAIMS),
    SEARCH_INDEX,
    PageKind("search", "search/index.html", SEARCH_PAGE,
             (deps.Settings(), deps.SiteNames(), deps.SearchPage(), deps.Strings()),
             lambda r, _: r.search_page(), "search.html"),
    PageKind("feed", "feed.xml", SITE, (*LISTING, deps.VerdictChanges()), lambda r, _: r.xml("feed.xml"),
             "feed.xml"),
    PageKind("sitemap", "sitemap.xml", SITE, (*LISTING, deps.SiteNames(), deps.LastChanged()),
             lambda r, _: r.xml("sitemap.xml"), "sitemap.xml"),
    PageKind("theme asset", "{path}", THEME_ASSETS, (deps.FileStamp(),), lambda r, asset: _data(asset)),
    PageKind("schema", f"{schema.FOLDER}/{{name}}.schema.json", SCHEMAS, (deps.ItemItself(),),
             lambda r, name: RenderedFile(f"{schema.FOLDER}/{schema.file_name(name)}", schema.text(name).encode())),
    PageKind("picture", "{path}", PICTURES, (deps.FileStamp(),),
             lambda r, image: _copy(f"media/{image}", r.root / "content" / image)),
]
"""Every kind of output of a site."""


@contextlib.contextmanager
def registered(*kinds: PageKind) -> Iterator[None]:
    """`kinds` added to the site's outputs while the block runs (a theme's or a test's)."""
    PAGE_KINDS.extend(kinds)
    try:
        yield
    finally:
        for kind in kinds:
            PAGE_KINDS.remove(kind)


def page_templates() -> list[str]:
    """The templates pages are made from, besides the base every theme page extends."""
    names = ["base.html"]
    names += [kind.template for kind in PAGE_KINDS if kind.template and kind.template not in names]
    return names


def own_page_templates() -> list[str]:
    """The templates of an explainer's own pages (see `Over.own`)."""
    return [kind.template for kind in PAGE_KINDS if kind.over.own is not None and kind.template]


def _jobs(kind: PageKind, items: Iterable[Any], renderer: Renderer, facts: Facts) -> list[OutputJob]:
    """The kind's file for each of `items`. What is the same for every file of the kind (its
    reads, whether its template is the theme's) is worked out once: a site of 5,000
    explainers plans 35,000 files, each on every build."""
    if kind.files is not None:
        return [OutputJob(made.dest_path,
                          digest(kind.name, made.dest_path, made.links, content_digest(made.data or b"")),
                          lambda made=made: made)  # type: ignore[misc]
                for item in items for made in kind.files(renderer, item)]
    reads = kind.all_reads
    full = not facts.themed(kind.template)

    def job(item: Any) -> OutputJob:
        def render() -> RenderedFile:
            return kind.render(renderer, kind.prepare(item))

        return OutputJob(kind.path.format(**kind.over.fields(item)),
                         deps.fingerprint(kind.name, reads, item, facts, full),
                         lambda: deps.render_prepared(render, reads, item, facts), kind.over.deal_by(item))

    return [job(item) for item in items]


def plan_site(renderer: Renderer, facts: Facts) -> list[OutputJob]:
    """Every output file of the site with its fingerprint (`facts.site` is the site)."""
    return [job for kind in PAGE_KINDS for job in _jobs(kind, kind.over.items(facts), renderer, facts)]


def own_jobs(explainer: Explainer, renderer: Renderer, facts: Facts) -> list[OutputJob]:
    """The outputs of one explainer that show nothing of the rest of the site (its page,
    `explainer.json`, its share card), fingerprinted as `plan_site` does them."""
    return [job for kind in PAGE_KINDS if kind.over.own is not None
            for job in _jobs(kind, kind.over.own(explainer, facts.config), renderer, facts)]


def own_parts(explainer: Explainer, renderer: Renderer) -> dict[str, Part]:
    """The explainer's part of every file joined from parts (see `Joined`), by file: a full
    build's compile workers make them from the compiled explainer."""
    return {kind.path: kind.joined.part(renderer, explainer) for kind in PAGE_KINDS
            if kind.joined is not None and (kind is not SEARCH_INDEX or renderer.config.search)}


def _code_stamp() -> str:
    """The generator's own code: a development install changes it without a version bump."""
    package = Path(__file__).parent
    return "|".join(f"{p.name}:{file_stamp(p)}" for p in sorted(package.rglob("*.py")))


def code_version() -> str:
    """Version plus a digest of the code, computed once per process."""
    global _CODE_VERSION
    if _CODE_VERSION is None:
        _CODE_VERSION = f"{__version__}+{digest(_code_stamp())}"
    return _CODE_VERSION


_CODE_VERSION: str | None = None


def _copy(dest: str, source: Path) -> RenderedFile:
    return RenderedFile(dest, copy_from=source)


def _data(asset: Any) -> RenderedFile:
    return RenderedFile(asset.dest_path, asset.data)


def stale_files(previous: Iterable[str], current: Iterable[str]) -> list[str]:
    """Outputs of the previous build that this build no longer makes (a deleted explainer)."""
    keep = set(current)
    return sorted(p for p in previous if p not in keep)
