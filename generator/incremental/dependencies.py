"""What each output file reads, declared once; its fingerprint and its preparation follow.

Every kind of output (see `plan.PAGE_KINDS`) lists what it reads as `Read` values:

- `Settings`: site.yaml, the options and the generator's code (`config_digest`);
- `PageTemplate`: its template with everything it extends, includes or imports;
- `OwnUnit`: the explainer's whole compiled unit (its file, the settings, the shared
  actors it uses), `OwnFrontMatter` the same but the body, and `Embargo`, whether its
  embargo banner shows;
- `Listing`: what lists show of each explainer listed (`LISTING_FIELDS`);
- `ActorItself` and `ActorClaims`: one actor, and its claims and events across explainers
  (`quotes`);
- `PublishedClaims`: every claim of the published explainers (the site's `claims.json`);
- `VerdictChanges`: how the claims' verdicts changed (the feed's entries of them);
- `SiteNames`, `LastChanged`, `Constant`, `ItemItself`, `CardText`, `FileStamp`: the rest.

`fingerprint` turns a kind's declarations into one digest per output: an incremental
build renders only the outputs whose digest changed (see `plan`). The same declarations
say what the cache must keep of an unchanged explainer (`kept_fields`: its summary,
see `summary`) and what a page needs compiled before it renders (`render_prepared`).

A page whose template a project overrides may read anything of the explainers it is given:
its explainer-scoped reads widen to `full`, the explainers' whole front matter (a body shows
only on its own page, see `shortcut`), and a template that reads past the summary has the
explainers compiled, outside the template, and renders again (`render_prepared`).
"""

from __future__ import annotations

import datetime
import hashlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import jinja2
from jinja2 import meta

from generator.incremental.stamps import file_stamp
from generator.incremental.summary import LazyActor, LazyExplainer, NotPrepared
from generator.model import Actor, Explainer, ExplainerListing

if TYPE_CHECKING:
    from generator.config import SiteConfig
    from generator.render import RenderedFile
    from generator.resolve import Site


def digest(*parts: object) -> str:
    """A short stable hash of the parts' text (one hash call: there are ~10 per output file)."""
    text = "\x1f".join(map(str, parts))
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()


# -- what a build knows when it fingerprints ------------------------------------

@dataclass(frozen=True)
class UnitFacts:
    """What the memory of earlier builds keeps of one explainer's compiled unit."""

    key: str
    """Its file, the settings, the shared actors it uses (`units.Unit.key`)."""
    front_key: str
    """The same without the body."""
    front_digest: str
    """Its front matter alone, without the shared actors it uses."""
    quoted: dict[str, str]
    """Actor id -> what that actor's page shows of it (`quotes.quote_digests`)."""


@dataclass
class Facts:
    """Everything fingerprints are made of, for one build."""

    config: SiteConfig
    config_digest: str
    templates: dict[str, str]
    """Template name -> digest of its closure, and `THEME_PAGES` (see `template_digests`)."""
    units: dict[str, UnitFacts]
    """Slug -> the explainer's unit."""
    root: Path
    site: Site | None = None
    """None for an explainer's own pages, which read nothing of the rest of the site."""
    assets: Sequence[Any] = ()
    """The theme's `assets.Asset`s, under the names the site gives them."""
    now: datetime.datetime = field(default_factory=lambda: datetime.datetime.now(datetime.UTC))
    """The build's clock (`units.now`): which explainers are under embargo."""
    _listings: dict[str, str] = field(default_factory=dict)

    @property
    def whole_site(self) -> Site:
        assert self.site is not None, "a page that reads the site planned without one"
        return self.site

    def themed(self, template: str | None) -> bool:
        """The template and all it uses are the built-in theme's: its reads are as declared."""
        return template is None or template in self.templates.get(THEME_PAGES, "").split(",")

    def listing(self, explainer: ExplainerListing) -> str:
        found = self._listings.get(explainer.slug)
        if found is None:
            found = self._listings[explainer.slug] = listing_digest(explainer)
        return found


# -- the declarations ------------------------------------------------------------
# A read without parameters is a plain class: a frozen dataclass costs a third of a
# millisecond to create at import, which every build (a no-op too) pays.

class Read(Protocol):
    """One thing an output reads."""

    def parts(self, item: Any, facts: Facts, full: bool) -> Iterable[object]:
        """What goes into the fingerprint; `full` when the template is a project's own."""

    def explainers(self, item: Any, facts: Facts) -> Iterable[ExplainerListing]:
        """The explainers it reads, compiled before rendering if the template reads past
        their summaries (see `render_prepared`)."""


Select = Callable[[Any, "Site"], Iterable[ExplainerListing]]
"""Which explainers a read covers, given the output's item and the site."""


def every_explainer(_item: Any, site: Site) -> Iterable[ExplainerListing]:
    return site.explainers


def tagged(tag: str, site: Site) -> Iterable[ExplainerListing]:
    return site.tags[tag]


class _NoExplainers:
    def explainers(self, item: Any, facts: Facts) -> Iterable[ExplainerListing]:
        return ()


class Settings(_NoExplainers):
    def parts(self, item: Any, facts: Facts, full: bool) -> Iterable[object]:
        return (facts.config_digest,)


@dataclass(frozen=True)
class PageTemplate(_NoExplainers):
    name: str

    def parts(self, item: Any, facts: Facts, full: bool) -> Iterable[object]:
        return (facts.templates[self.name],)


class ItemItself(_NoExplainers):
    """The item, a name whose file the generator's code alone makes (a JSON Schema): a new
    version of that code is a new cache (`plan.code_version`)."""

    def parts(self, item: Any, facts: Facts, full: bool) -> Iterable[object]:
        return (item,)


@dataclass(frozen=True)
class Constant(_NoExplainers):
    """A value the output depends on that only a new version of the generator changes."""

    value: str

    def parts(self, item: Any, facts: Facts, full: bool) -> Iterable[object]:
        return (self.value,)


class OwnUnit:
    """The explainer (the item) whole: its unit key."""

    def parts(self, item: Any, facts: Facts, full: bool) -> Iterable[object]:
        return (facts.units[item.slug].key,)

    def explainers(self, item: Any, facts: Facts) -> Iterable[ExplainerListing]:
        return (item,)


class OwnFrontMatter(OwnUnit):
    """The explainer (the item) but its body: for a page that shows no body (an embed), so a
    body edit leaves it alone. The body cannot change the rest: the actors its links put on
    the page are linked only from the body (the other Markdown fields' actors are on the page
    anyway). With a project's template, which may show the body, the whole unit."""

    def parts(self, item: Any, facts: Facts, full: bool) -> Iterable[object]:
        unit = facts.units[item.slug]
        return (unit.key if full else unit.front_key,)


class Embargo(_NoExplainers):
    """Whether the explainer (the item) is under embargo: its banner goes when it lifts."""

    def parts(self, item: Any, facts: Facts, full: bool) -> Iterable[object]:
        return (item.published.instant() > facts.now,)


@dataclass(frozen=True)
class Listing:
    """What lists show of each explainer `select` gives (`LISTING_FIELDS`), in order."""

    select: Select = every_explainer

    def parts(self, item: Any, facts: Facts, full: bool) -> Iterable[object]:
        if full:
            return [facts.units[e.slug].front_key for e in self.explainers(item, facts)]
        return [facts.listing(e) for e in self.explainers(item, facts)]

    def explainers(self, item: Any, facts: Facts) -> Iterable[ExplainerListing]:
        return self.select(item, facts.whole_site)


@dataclass(frozen=True)
class SiteNames(_NoExplainers):
    """The ids of every actor and every tag (the sitemap), or of the tags alone (home)."""

    actors: bool = True

    def parts(self, item: Any, facts: Facts, full: bool) -> Iterable[object]:
        site = facts.whole_site
        return (list(site.actors) if self.actors else "", list(site.tags))


class SearchPage(_NoExplainers):
    """What the search page lists besides the tags: every actor's name."""

    def parts(self, item: Any, facts: Facts, full: bool) -> Iterable[object]:
        return [a.name for a in facts.whole_site.actors.values()]


class LastChanged(_NoExplainers):
    """When each explainer last changed, which git may tell (see `history`)."""

    def parts(self, item: Any, facts: Facts, full: bool) -> Iterable[object]:
        return [e.last_changed.text for e in facts.whole_site.explainers]


class VerdictChanges(_NoExplainers):
    """How the claims of every explainer on the site changed status since publication (the
    feed's entries, see `verdicts`), with the names of the claims' actors."""

    def parts(self, item: Any, facts: Facts, full: bool) -> Iterable[object]:
        site = facts.whole_site
        return [f"{e.slug}:{c.claim}:{c.text}:{c.old}:{c.new}:{c.date.text}:{c.commit}:"
                f"{_name(site, c.by)}" for e in site.explainers for c in e.verdict_changes]


def _name(site: Site, actor_id: str) -> str:
    actor = site.actors.get(actor_id)
    return actor.name if actor is not None else ""


class ActorItself:
    """The actor (the item), its affiliation's name, its members, and the explainer that
    defines it if it is an inline actor (its description links into it)."""

    def parts(self, item: Any, facts: Facts, full: bool) -> Iterable[object]:
        site = facts.whole_site
        home = facts.units.get(item.home or "")
        affiliation = site.actors.get(item.affiliation or "")
        members = [f"{m.id}:{m.name}:{m.kind}:{m.role}:{m.image}" for m in _members(site, item.id)]
        home_key = "" if home is None else home.front_key if full else home.front_digest
        return (item.signature_key, item.home, home_key, affiliation.name if affiliation else "",
                "members", *members)

    def explainers(self, item: Any, facts: Facts) -> Iterable[ExplainerListing]:
        home = facts.whole_site.by_slug.get(item.home or "")
        return (home,) if home is not None else ()


class ActorClaims:
    """The actor's (the item's) claims and the events naming it across explainers, and
    the listing of the explainers whose pages show it."""

    def parts(self, item: Any, facts: Facts, full: bool) -> Iterable[object]:
        site = facts.whole_site
        quoting = self._quoting(item.id, site)
        appearing = site.actor_explainers.get(item.id, [])
        if full:
            return [f"{e.slug}={facts.units[e.slug].front_key}" for e in (*appearing, *quoting)]
        shown = [f"{e.slug}:{facts.units[e.slug].quoted.get(item.id, '')}" for e in quoting]
        return shown + [f"{e.slug}={facts.listing(e)}" for e in appearing]

    def explainers(self, item: Any, facts: Facts) -> Iterable[ExplainerListing]:
        site = facts.whole_site
        return (*site.actor_explainers.get(item.id, []), *self._quoting(item.id, site))

    @staticmethod
    def _quoting(actor_id: str, site: Site) -> list[ExplainerListing]:
        quoting: list[ExplainerListing] = [e for e, _ in site.claim_refs.get(actor_id, [])]
        return quoting + [e for e, _ in site.event_refs.get(actor_id, [])]


@dataclass(frozen=True)
class Keyed:
    """Explainers, each with the key of what a file joined from their parts (see `plan.Joined`)
    reads of it: the item of such a file."""

    explainers: tuple[ExplainerListing, ...]
    keys: tuple[str, ...]


def front_keys(explainers: Iterable[ExplainerListing], facts: Facts) -> Keyed:
    """`explainers`, each keyed by its unit's `front_key`: its front matter, the shared actors
    it uses and the settings."""
    listed = tuple(explainers)
    return Keyed(listed, tuple(facts.units[e.slug].front_key for e in listed))


class PublishedClaims:
    """The claims of the explainers the item lists (`published`, in the site's order, keyed
    by `front_keys`), with what they name: their actors, sources and questions. An edit to
    any part of an explainer's front matter counts; its body does not."""

    def parts(self, item: Any, facts: Facts, full: bool) -> Iterable[object]:
        return [f"{e.slug}={key}" for e, key in zip(item.explainers, item.keys, strict=True)]

    def explainers(self, item: Any, facts: Facts) -> Iterable[ExplainerListing]:
        # None up front: the file has no template that could read past the views, and only an
        # explainer whose part is not kept is read at all (a damaged view item compiles it).
        return ()


def published(explainer: ExplainerListing, now: datetime.datetime) -> bool:
    """Published at `now`: not a draft, and not under embargo (whatever `--drafts` shows)."""
    return not explainer.draft and explainer.published.instant() <= now


@dataclass(frozen=True)
class Strings(_NoExplainers):
    """What the page's language says (see `catalogues`): the theme's catalogue, the project's
    `i18n/<language>.yaml` and site.yaml's `strings:`. The language is the site's, or with
    `own` the explainer's (the item) own."""

    own: bool = False

    def parts(self, item: Any, facts: Facts, full: bool) -> Iterable[object]:
        language = item.language if self.own else facts.config.language
        return (facts.config.strings.messages(language).digest,)


class Versions(_NoExplainers):
    """The explainer's (the item's) story in other languages: their slugs and languages."""

    def parts(self, item: Any, facts: Facts, full: bool) -> Iterable[object]:
        if item.story is None:
            return ("",)
        return [f"{e.slug}:{e.language}" for e in facts.whole_site.versions(item)]


class CardText(_NoExplainers):
    """What a share card (the item) shows: its key."""

    def parts(self, item: Any, facts: Facts, full: bool) -> Iterable[object]:
        return (item.key,)


class FileStamp(_NoExplainers):
    """A file copied or written as it is: a theme asset (the item) by its digest, a picture
    under content/ (the item: its path there) by its stamp."""

    def parts(self, item: Any, facts: Facts, full: bool) -> Iterable[object]:
        if isinstance(item, str):
            return (item, file_stamp(facts.root / "content" / item))
        return (item.dest_path, item.digest)


def _members(site: Site, actor_id: str) -> list[Actor]:
    return [site.actors[member] for member in site.members.get(actor_id, [])]


# -- what the cache keeps ---------------------------------------------------------

LISTING_FIELDS = ("slug", "title", "summary", "published", "updated", "modified", "tags", "authors",
                  "claim_count", "rated_count", "timeline_count", "corrections", "language")
"""What lists of explainers (home, tags, feed, sitemap, actor pages) show of one."""

KEPT_BY_READ: dict[type, tuple[str, ...]] = {
    Listing: LISTING_FIELDS,
    LastChanged: ("last_changed",),
    VerdictChanges: ("verdict_changes",),
    ActorClaims: ("claim_refs", "event_refs", "page_actors", "quoted", *LISTING_FIELDS),
    ActorItself: ("actors",),
    PublishedClaims: ("slug", "title", "draft", "published"),
    CardText: ("title", "image", "status_counts", "language"),
    Versions: ("story", "language"),
    Embargo: ("published",),
}
"""The summary fields (see `summary`) each kind of read needs of an explainer it has not
compiled; `summary.SUMMARY_FIELDS` must hold them all (a test checks it)."""


def kept_fields(reads: Iterable[Read]) -> set[str]:
    """The summary fields that `reads` need of unchanged explainers."""
    return {name for read in reads for name in KEPT_BY_READ.get(type(read), ())}


def listing_digest(explainer: ExplainerListing) -> str:
    """What lists of explainers show of one (`LISTING_FIELDS`)."""
    e = explainer
    return digest(e.slug, e.title, e.summary, e.published.text, e.updated.text if e.updated else "",
                  e.modified.text if e.modified else "", e.tags, e.authors, e.claim_count, e.rated_count,
                  e.timeline_count, e.language, *(f"{c.date.text}:{c.text}" for c in e.corrections))


def fingerprint(kind_name: str, reads: Iterable[Read], item: Any, facts: Facts, full: bool) -> str:
    """The output's fingerprint: a digest of everything its declarations say it reads
    (`full`: its template is a project's own, see `Facts.themed`)."""
    parts: list[object] = [kind_name]
    for read in reads:
        parts.extend(read.parts(item, facts, full))
    return digest(*parts)


# -- what a page needs before it renders --------------------------------------------

def compiled(explainer: ExplainerListing) -> Explainer:
    """The explainer with every field (compiling it, outside any template, if only its
    summary is known)."""
    if isinstance(explainer, LazyExplainer):
        return explainer.full()
    assert isinstance(explainer, Explainer)
    return explainer


def whole_actor(actor: Actor | LazyActor) -> Actor:
    """The actor with every field: an inline actor known from a summary is read from its
    explainer's view, or its explainer compiled."""
    return actor.full() if isinstance(actor, LazyActor) else actor


def render_prepared(render: Callable[[], RenderedFile], reads: Iterable[Read], item: Any,
                    facts: Facts) -> RenderedFile:
    """Render a page whose explainers may be known only by their summaries and views.

    A template that reads past them (a project's own template; a damaged view item) meets
    `summary.NotPrepared`, never a compile: the explainers the page declares it reads are
    then compiled here and the page rendered again (and any other explainer it names, one
    at a time: `site_data` reaches them all)."""
    prepared = False
    while True:
        try:
            return render()
        except NotPrepared as exc:
            if not prepared:
                prepared = True
                for read in reads:
                    for explainer in read.explainers(item, facts):
                        compiled(explainer)
            elif exc.explainer.prepared():
                raise RuntimeError(f"{exc.explainer.src_path}: compiled, yet not prepared") from None
            exc.explainer.full()


# -- templates ------------------------------------------------------------------------

THEME_PAGES = "(from the theme)"
"""The entry of `template_digests` that lists the page templates made of the built-in theme's
templates alone (comma-separated): their pages are fingerprinted by their declared reads
(see `Facts.themed`)."""

LOCAL_PAGES = "(own pages local)"
"""The entry of `template_digests` that is "1" when no template of an explainer's own pages
reads `site_data`: those pages can be rendered with the explainer alone (see `shards`)."""


@dataclass
class TemplateClosure:
    """The page templates with everything each extends, includes or imports, read once."""

    env: jinja2.Environment
    theme_dir: str
    sources: dict[str, str] = field(default_factory=dict)
    refs: dict[str, set[str]] = field(default_factory=dict)
    from_theme: set[str] = field(default_factory=set)
    site_wide: set[str] = field(default_factory=set)
    """Templates that read `site_data`, fail to parse, or name a template computed at run time."""

    def closure(self, name: str) -> set[str]:
        self._visit(name)
        found: set[str] = set()
        stack = [name]
        while stack:
            current = stack.pop()
            if current not in found:
                found.add(current)
                stack.extend(self.refs.get(current, ()))
        return found

    def _visit(self, name: str) -> None:
        if name in self.sources:
            return
        loader = self.env.loader
        assert loader is not None
        try:
            source, filename, _ = loader.get_source(self.env, name)
        except jinja2.TemplateNotFound:
            self.sources[name], self.refs[name] = "", set()
            self.site_wide.add(name)
            return
        self.sources[name] = source
        if filename and filename.startswith(self.theme_dir):
            self.from_theme.add(name)
        try:
            tree = self.env.parse(source)
            referenced = list(meta.find_referenced_templates(tree))
            if "site_data" in meta.find_undeclared_variables(tree) or None in referenced:
                self.site_wide.add(name)
            found = {r for r in referenced if r}
        except jinja2.TemplateSyntaxError:
            self.site_wide.add(name)
            found = set()
        self.refs[name] = found
        for ref in found:
            self._visit(ref)


def template_digests(env: jinja2.Environment, names: Iterable[str], own_page_names: Iterable[str],
                     asset_paths: dict[str, str], code_version: str, theme_dir: Path) -> dict[str, str]:
    """For each page template, a digest of its own source and of every template it extends,
    includes or imports, so that editing a partial re-renders only the pages using it, and
    of the paths of the theme's assets (`url('asset', ...)`: a changed style sheet has a new
    name, which every page links to); and `THEME_PAGES`, `LOCAL_PAGES`."""
    templates = TemplateClosure(env, str(theme_dir))
    result = {}
    themed: list[str] = []
    for name in names:
        closure = templates.closure(name)
        result[name] = digest(code_version, *sorted(asset_paths.items()),
                              *(f"{n}:{templates.sources[n]}" for n in sorted(closure)))
        if closure <= templates.from_theme:
            themed.append(name)
    result[THEME_PAGES] = ",".join(themed)
    local = not any(templates.closure(name) & templates.site_wide for name in own_page_names)
    result[LOCAL_PAGES] = "1" if local else ""
    return result


def own_pages_are_local(templates: dict[str, str]) -> bool:
    """No template of an explainer's own pages reads `site_data` (see `template_digests`)."""
    return templates.get(LOCAL_PAGES) == "1"
