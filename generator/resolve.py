"""Link the validated model together and build the one cross-explainer index.

Checks every reference (claim authors, sources, relations, timeline
references, affiliations, `@id` links in every Markdown field), renders each
Markdown field once, fills the inverse claim relations, decides which actors
each explainer page shows, and indexes actors and tags across the project in a
single pass, so no page ever rescans the project.
"""

from __future__ import annotations

import html as html_lib
import posixpath
import re
import unicodedata
from collections.abc import Set
from dataclasses import dataclass, field
from urllib.parse import unquote, urlsplit

from generator import media
from generator.config import SiteConfig
from generator.diagnostics import Diagnostics, Span, did_you_mean
from generator.fields import ID_RE
from generator.links import MEDIA_SRC, media_path
from generator.markdown import (
    IMG_RE,
    MAX_MARKDOWN_CHARS,
    foreign_links,
    locate_destination,
    locate_links,
    locate_protocol_relative,
    locate_scheme,
    protocol_relative_links,
    render_markdown,
)
from generator.model import RELATIONS, Actor, Claim, Explainer, ExplainerListing, Markdown, TimelineEvent
from generator.sitelinks import LinkHome, SiteLink, collect


@dataclass
class Site:
    """Everything the renderer needs, resolved and indexed."""

    config: SiteConfig
    explainers: list[Explainer]
    """Newest first by `published`, then by slug."""
    actors: dict[str, Actor]
    """Every actor of the project (shared and inline), by id, sorted by id."""
    claim_refs: dict[str, list[tuple[Explainer, str]]] = field(default_factory=dict)
    """Actor id -> (explainer, claim id) of the actor's claims, newest explainer first."""
    event_refs: dict[str, list[tuple[Explainer, int]]] = field(default_factory=dict)
    """Actor id -> (explainer, index in its timeline) of the events naming the actor."""
    actor_explainers: dict[str, list[Explainer]] = field(default_factory=dict)
    """Explainers whose page shows the actor (it is referred to there)."""
    tags: dict[str, list[Explainer]] = field(default_factory=dict)
    """Tag -> explainers, newest first; tags sorted."""
    images: set[str] = field(default_factory=set)
    """Image paths under content/ to copy to site/media/."""
    members: dict[str, list[str]] = field(default_factory=dict)
    """Actor id -> ids of the actors that name it as their `affiliation`, by name then id."""
    by_slug: dict[str, Explainer] = field(default_factory=dict)
    stories: dict[str, list[Explainer]] = field(default_factory=dict)
    """Story id (`story:`) -> its explainers on the site, one per language, by language tag."""

    def versions(self, explainer: ExplainerListing) -> list[Explainer]:
        """The explainer's story in every language the site has it in, itself included (empty
        when it tells no story in another language): its pages' `hreflang` alternates."""
        found = self.stories.get(explainer.story or "", [])
        return found if len(found) > 1 else []

    # The index keeps ids rather than objects: an explainer known only from its summary
    # (see `summary.LazyExplainer`) is compiled when a page shows its claims, not before.

    def claims_of(self, actor_id: str) -> list[tuple[Explainer, Claim]]:
        return [(e, e.claims[claim_id]) for e, claim_id in self.claim_refs.get(actor_id, [])]

    def events_of(self, actor_id: str) -> list[tuple[Explainer, TimelineEvent]]:
        return [(e, e.timeline[index]) for e, index in self.event_refs.get(actor_id, [])]

    @property
    def actor_claims(self) -> dict[str, list[tuple[Explainer, Claim]]]:
        """Actor id -> every (explainer, claim) by the actor (for templates; compiles them all)."""
        return {actor_id: self.claims_of(actor_id) for actor_id in self.claim_refs}

    @property
    def actor_events(self) -> dict[str, list[tuple[Explainer, TimelineEvent]]]:
        """Actor id -> every (explainer, event) naming the actor (for templates)."""
        return {actor_id: self.events_of(actor_id) for actor_id in self.event_refs}


def resolve_shared_actors(shared: dict[str, Actor], config: SiteConfig, diags: Diagnostics,
                          files: Set[str] = frozenset()) -> dict[str, list[SiteLink]]:
    """Check shared actors' affiliations and description links (to shared actors only);
    returns each description's links to pages of the site (see `sitelinks`), by actor id.
    `files` are the files under content/ (`load.ContentFiles`): what Markdown images may show."""
    return {actor.id: _resolve_shared_actor(actor, shared, config, diags, files) for actor in shared.values()}


def assemble_site(explainers: list[Explainer], shared: dict[str, Actor], config: SiteConfig,
                  diags: Diagnostics) -> Site:
    """The project-wide part: one actor per id across explainers, the order, the index.

    Each explainer must already be resolved on its own (`resolve_explainer`): that part
    depends only on the explainer and the shared actors, so a build's memory (`incremental.memory`) can keep
    its result between builds.
    """
    actors: dict[str, Actor] = dict(shared)
    first_definition: dict[str, Explainer] = {}
    for explainer in sorted(explainers, key=lambda e: e.src_path):
        for actor in explainer.actors.values():
            _merge_inline_actor(actor, explainer, actors, first_definition, diags)
    ordered = sorted(explainers, key=lambda e: e.slug)
    ordered.sort(key=lambda e: e.published.sort_key, reverse=True)
    site = Site(config, ordered, dict(sorted(actors.items())), by_slug={e.slug: e for e in ordered})
    _index(site)
    _check_image_names(site, diags)
    site.stories = _stories(ordered, diags)
    return site


def _stories(explainers: list[Explainer], diags: Diagnostics) -> dict[str, list[Explainer]]:
    """Story id -> its explainers, by language; two versions of a story in one language are
    an error (which one would a reader of it be sent to?)."""
    stories: dict[str, dict[str, Explainer]] = {}
    for explainer in sorted(explainers, key=lambda e: e.src_path):
        if explainer.story is None:
            continue
        versions = stories.setdefault(explainer.story, {})
        other = versions.get(explainer.language)
        if other is not None:
            diags.error(explainer.story_span or Span(explainer.src_path),
                        f"story '{explainer.story}' is told in '{explainer.language}' by {other.src_path} too",
                        "give each language one version of a story: set 'language' to the language it is "
                        "written in, or give it another 'story'")
            continue
        versions[explainer.language] = explainer
    return {story: [versions[tag] for tag in sorted(versions)] for story, versions in sorted(stories.items())}


def _check_image_names(site: Site, diags: Diagnostics) -> None:
    """Two pictures whose paths differ only in case or in Unicode normalisation (`Putin.jpg`,
    `putin.jpg`; `café` composed or decomposed) would be one file on the case-insensitive
    disks of macOS and Windows and on many web hosts: one would silently replace the other."""
    first: dict[str, tuple[str, str]] = {}  # key -> (path, who uses it)
    users = [(actor.image, f"actor '{actor.id}'", actor.span) for actor in site.actors.values() if actor.image]
    users += [(path, explainer.src_path, Span(explainer.src_path))  # sorted: the same error on every run
              for explainer in sorted(site.explainers, key=lambda e: e.src_path) for path in explainer.media]
    for path, who, span in users:
        key = unicodedata.normalize("NFC", path).casefold()
        other, other_who = first.setdefault(key, (path, who))
        if other != path:
            diags.error(span, f"image '{path}' of {who} differs from '{other}' ({other_who}) only in upper "
                        "and lower case or accent encoding",
                        "rename one of the files: many disks and web servers cannot tell them apart")


def _merge_inline_actor(actor: Actor, explainer: Explainer, actors: dict[str, Actor],
                        first_definition: dict[str, Explainer], diags: Diagnostics) -> None:
    """Inline actors with one id in several explainers are one actor and must be identical."""
    actor.home = explainer.slug
    if actor.id not in actors:
        actors[actor.id] = actor
        first_definition[actor.id] = explainer
        return
    other = actors[actor.id]
    # An empty signature marks a definition with errors of its own (see `validate`): comparing
    # it would report a difference that is only the consequence of those errors.
    if other.signature_key and actor.signature_key and other.signature_key != actor.signature_key:
        where = first_definition[actor.id].src_path
        # Renaming comes first: two explainers' "U.S. officials" are often two groups, and
        # moving the actor to content/actors/ would merge them into one page.
        diags.error(actor.span, f"actor '{actor.id}' is defined differently in {where}:{other.span.line}",
                    f"if these are different actors, give one of them another id (e.g. '{actor.id}-2'); "
                    f"if they are the same, make the two definitions identical or move it to "
                    f"content/actors/{actor.id}.yaml")


class _Scope:
    """What an id means inside one explainer: its inline actors, sources, claims, shared actors."""

    def __init__(self, explainer: Explainer | None, shared: dict[str, Actor], files: Set[str] = frozenset()):
        self.explainer = explainer
        self.shared = shared
        self.files = files
        """The files under content/: Markdown images must name one of them."""

    def kind(self, id_: str) -> str | None:
        e = self.explainer
        if e is not None:
            if id_ in e.actors:
                return "actor"
            if id_ in e.sources:
                return "source"
            if id_ in e.claims:
                return "claim"
            if id_ in e.questions:
                return "question"
        return "actor" if id_ in self.shared else None

    def ids(self, kind: str) -> list[str]:
        e = self.explainer
        if kind == "actor":
            return list(e.actors if e else ()) + list(self.shared)
        if e is None:
            return []
        if kind == "question":
            return list(e.questions)
        return list(e.sources if kind == "source" else e.claims)

    def check(self, id_: str, kind: str, span: Span, context: str, diags: Diagnostics) -> bool:
        found = self.kind(id_)
        if found == kind:
            return True
        if found is not None:
            diags.error(span, f"'{id_}' in {context} is {_article(found)}, not {_article(kind)}")
        else:
            diags.error(span, f"unknown {kind} '{id_}' in {context}", did_you_mean(id_, self.ids(kind)))
        return False


def _article(kind: str) -> str:
    """'an actor', 'a claim', 'a source'."""
    return f"an {kind}" if kind[0] in "aeiou" else f"a {kind}"


def _resolve_shared_actor(actor: Actor, shared: dict[str, Actor], config: SiteConfig,
                          diags: Diagnostics, files: Set[str]) -> list[SiteLink]:
    scope = _Scope(None, shared, files)
    if actor.affiliation and actor.affiliation_span:
        if not scope.check(actor.affiliation, "actor", actor.affiliation_span,
                           f"the affiliation of shared actor '{actor.id}'", diags):
            actor.affiliation = None
    links: list[SiteLink] = []
    if actor.description:
        # Its links are written from its file in content/actors/, and from its own page.
        home = LinkHome(f"actors/{actor.id}", posixpath.dirname(actor.span.path), _base_path(config))
        _check_markdown(actor.description, scope, f"the description of actor '{actor.id}'", config, diags,
                        f"actor_{actor.id}", shared_only=True, home=home, links=links)
    return links


def _base_path(config: SiteConfig) -> str:
    return urlsplit(config.base_url).path or "/"


def resolve_explainer(explainer: Explainer, shared: dict[str, Actor], config: SiteConfig,
                       diags: Diagnostics, files: Set[str] = frozenset()) -> None:
    """Check every reference inside one explainer, render its Markdown, fill inverse relations
    and the actors its page shows. Uses only the explainer, the shared actors and the list of
    files under content/ (`files`: what its Markdown images may show)."""
    explainer.language = explainer.language or config.language
    scope = _Scope(explainer, shared, files)
    referenced: list[str] = []  # actor ids referred to, in order
    # Every Markdown field of the explainer is shown relative to its page (see `sitelinks`).
    home = LinkHome(explainer.slug, posixpath.dirname(explainer.src_path), _base_path(config))
    links: list[SiteLink] = []

    for actor in explainer.actors.values():
        if actor.affiliation and actor.affiliation_span:
            if not scope.check(actor.affiliation, "actor", actor.affiliation_span,
                               f"the affiliation of actor '{actor.id}'", diags):
                actor.affiliation = None
        if actor.description:
            referenced += _check_markdown(actor.description, scope, f"the description of actor '{actor.id}'",
                                          config, diags, f"actor_{actor.id}", home=home, links=links)

    for claim in explainer.claims.values():
        context = f"claim '{claim.id}'"
        # An empty `by` was missing or invalid, and is already reported.
        if claim.by and scope.check(claim.by, "actor", claim.by_span, context, diags):
            referenced.append(claim.by)
        claim.sources = _keep_known(claim.sources, claim.sources_spans, "source", scope, context, diags)
        for relation in RELATIONS:
            ids = getattr(claim, relation)
            kept = _keep_known(ids, claim.relation_spans.get(relation, []), "claim", scope, context, diags)
            setattr(claim, relation, kept)
        if claim.note:
            referenced += _check_markdown(claim.note, scope, f"the note of {context}", config, diags,
                                          f"{explainer.slug}_claim_{claim.id}", home=home, links=links)
        if claim.about and claim.about_span and not scope.check(claim.about, "question", claim.about_span,
                                                                context, diags):
            claim.about = None

    for question in explainer.questions.values():
        if question.note:
            referenced += _check_markdown(question.note, scope, f"the note of question '{question.id}'", config,
                                          diags, f"{explainer.slug}_question_{question.id}", home=home, links=links)

    for claim in explainer.claims.values():
        for relation in RELATIONS:
            for other in getattr(claim, relation):
                explainer.claims[other].inverse.setdefault(relation, []).append(claim.id)

    for event in explainer.timeline:
        context = f"timeline event '{event.title}'" if event.title else "a timeline event"
        event.actors = _keep_known(event.actors, event.ref_spans.get("actors", []), "actor", scope,
                                   context, diags)
        referenced += event.actors
        event.claims = _keep_known(event.claims, event.ref_spans.get("claims", []), "claim", scope,
                                   context, diags)
        event.sources = _keep_known(event.sources, event.ref_spans.get("sources", []), "source", scope,
                                    context, diags)
        if event.text:
            referenced += _check_markdown(event.text, scope, f"the text of {context}", config, diags,
                                          f"{explainer.slug}_event_{event.position}", home=home, links=links)

    referenced += _check_markdown(explainer.body, scope, "the body", config, diags, explainer.slug,
                                  home=home, links=links)
    explainer.site_links = links

    fields = [actor.description for actor in explainer.actors.values()]
    fields += [claim.note for claim in explainer.claims.values()]
    fields += [question.note for question in explainer.questions.values()]
    fields += [event.text for event in explainer.timeline] + [explainer.body]
    explainer.media = list(dict.fromkeys(path for f in fields if f is not None for path in f.images))

    page = list(explainer.actors)
    used_shared = {a for a in referenced if a in shared and a not in explainer.actors}
    page += sorted(used_shared, key=lambda a: (shared[a].name.lower(), a))
    explainer.page_actors = page


def _keep_known(ids: list[str], spans: list[Span], kind: str, scope: _Scope, context: str,
                diags: Diagnostics) -> list[str]:
    kept = []
    for i, id_ in enumerate(ids):
        span = spans[i] if i < len(spans) else Span("")
        if scope.check(id_, kind, span, context, diags):
            kept.append(id_)
    return kept


def _check_markdown(field: Markdown, scope: _Scope, context: str, config: SiteConfig,
                    diags: Diagnostics, footnotes: str, shared_only: bool = False, home: LinkHome | None = None,
                    links: list[SiteLink] | None = None) -> list[str]:
    """Render a Markdown field and check its `@id` links; returns the actor ids it links to.
    Its links to pages of the site are added to `links`, rewritten for the page `home`
    (see `sitelinks`).

    `footnotes` is the scope of the field's footnote ids (`fn-<scope>-1`): unique among the
    fields any page shows together. Ids, slugs and tags never hold `_`, so `moscow-attack`
    (the body), `moscow-attack_claim_window` (a note), `moscow-attack_event_3` (the fourth
    event in the file) and `actor_putin` (a description) can never be equal, nor one of
    them plus `-<n>` another's."""
    if len(field.source) > MAX_MARKDOWN_CHARS:
        diags.error(field.span, f"{context} is too long: {len(field.source):,} characters, more than the "
                    f"limit of {MAX_MARKDOWN_CHARS:,}", "split the explainer, or move material out of it")
        return []
    render_markdown(field, config.allow_html, footnotes)
    actors = []
    reported: set[str] = set()
    # Links that could run something: `data:` pages and images, programs' own schemes.
    for scheme in dict.fromkeys(url.split(":", 1)[0].lower() for url in foreign_links(field.html)):
        for span in locate_scheme(field, scheme):
            diags.error(span, f"'{scheme}:' link in {context}: only http, https, mailto and tel links "
                        "are allowed", "use an https:// address")
    if protocol_relative_links(field.html):
        for span, link in locate_protocol_relative(field):
            diags.error(span, f"protocol-relative link '{link}' in {context}: only http, https, mailto and tel "
                        "links are allowed", f"write the whole address: https:{link}")
    if "<img " in field.html:
        _check_images(field, scope.files, context, diags)
    for target in dict.fromkeys(field.image_links):
        for span in locate_links(field, target):
            diags.error(span, f"'![...](@{target})' in {context} makes an image of an @id link",
                        f"drop the '!' to link to it: [text](@{target})")
    for target in field.links:
        if target in reported:
            continue
        kind = scope.kind(target)
        if not ID_RE.fullmatch(target):
            reported.add(target)
            for span in locate_links(field, target):
                diags.error(span, f"invalid @id link '@{target}' in {context}",
                            "an @id link names an actor, claim or source id, like [text](@putin)")
        elif kind is None:
            reported.add(target)
            candidates = scope.ids("actor") + scope.ids("claim") + scope.ids("source") + scope.ids("question")
            hint = did_you_mean(target, candidates)
            if hint is None and shared_only:
                hint = "a shared actor's description may link only to actors in content/actors/"
            for span in locate_links(field, target):
                diags.error(span, f"unknown id '@{target}' in {context}", hint)
        elif shared_only and target not in scope.shared:
            reported.add(target)
            for span in locate_links(field, target):
                diags.error(span, f"'@{target}' in {context} is not a shared actor",
                            "a shared actor's description may link only to shared actors")
        elif kind == "actor":
            actors.append(target)
    if home is not None and links is not None:
        links += collect(field, home, context, diags)
    return actors


_SCHEME_RE = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:")


def _check_images(field: Markdown, files: Set[str], context: str, diags: Diagnostics) -> None:
    """Each Markdown image must have alt text; one with a relative address must name a
    picture under content/ (checked as an actor's `image` is, bytes included), and is then
    copied to site/media/: its `src` becomes `media/<path>` (see `links.resolve_media`).
    Other addresses are checked by the link rules (schemes, `//`, `@id`)."""
    images: list[str] = []
    seen: dict[str, int] = {}  # src -> images with it so far: the n-th is the n-th in the source
    checked: dict[str, str | None] = {}  # src -> its picture's path, None if it has a problem

    def check(match: re.Match[str]) -> str:
        src, alt = match.group(1), match.group(2)
        if src.startswith("@"):  # `![...](@id)`: an error of its own
            return match.group(0)
        text = unquote(html_lib.unescape(src))
        nth = seen[src] = seen.get(src, -1) + 1
        if not alt.strip():
            spans = locate_destination(field, src)
            diags.error(spans[nth] if nth < len(spans) else spans[0], f"image '{text}' in {context} has no alt text",
                        f"describe what it shows between the brackets: ![A crowd at the gate]({text})")
        if _SCHEME_RE.match(src) or src.startswith("//"):
            return match.group(0)
        if src not in checked:
            path, problem = media.check_path(text, files, f" in {context}")
            checked[src] = path
            if problem is not None:
                for span in locate_destination(field, src):
                    diags.error(span, problem.message, problem.hint)
        path = checked[src]
        if path is None:
            return match.group(0)
        images.append(path)
        return f'{MEDIA_SRC}{media_path(path)}" alt="{alt}"'

    field.html = IMG_RE.sub(check, field.html)
    field.images = tuple(dict.fromkeys(images))


def _index(site: Site) -> None:
    """One pass over every explainer: actors -> claims, events, explainers; tags -> explainers;
    and over every actor: affiliations -> members."""
    claims = site.claim_refs
    events = site.event_refs
    appearances = site.actor_explainers
    for explainer in site.explainers:  # newest first, so every list is too
        for claim_id, by in explainer.claim_refs:
            claims.setdefault(by, []).append((explainer, claim_id))
        for index, actor_ids in explainer.event_refs:
            for actor_id in actor_ids:
                events.setdefault(actor_id, []).append((explainer, index))
        for actor_id in explainer.page_actors:
            appearances.setdefault(actor_id, []).append(explainer)
        for tag in explainer.tags:
            site.tags.setdefault(tag, []).append(explainer)
        site.images.update(explainer.media)
        if explainer.image:
            site.images.add(explainer.image)
    for actor in site.actors.values():
        if actor.image:
            site.images.add(actor.image)
        if actor.shared and actor.description:  # an inline actor's are in its explainer's media
            site.images.update(actor.description.images)
        if actor.affiliation in site.actors:
            site.members.setdefault(actor.affiliation, []).append(actor.id)
    for ids in site.members.values():
        ids.sort(key=lambda i: (site.actors[i].name.lower(), i))
    if site.config.image:
        site.images.add(site.config.image)
    site.tags = dict(sorted(site.tags.items()))
