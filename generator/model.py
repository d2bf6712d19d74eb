"""The checked content model: what `validate` produces and `resolve` links together.

Field names match the front-matter keys exactly. Every object keeps the
`Span` where it was defined, so later stages can still point at the file.
Markdown fields hold `Markdown` values: the source text, its position, and
(after `resolve`) the rendered HTML with `@id` links still unresolved.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from generator.dates import PartialDate, latest, parse_date
from generator.diagnostics import Span
from generator.eventdates import EventDate

if TYPE_CHECKING:
    from generator.history import Revision
    from generator.sitelinks import SiteLink

ACTOR_KINDS = ("person", "organization", "government", "group", "media")

STATUSES = ("true", "mostly-true", "misleading", "false", "unproven", "disputed", "unrated")

STATUS_LABELS = {
    "true": "True",
    "mostly-true": "Mostly true",
    "misleading": "Misleading",
    "false": "False",
    "unproven": "Unproven",
    "disputed": "Disputed",
    "unrated": "Unrated",
}

STATUS_MEANINGS = {
    "true": "The evidence shows the claim is accurate.",
    "mostly-true": "Accurate in substance, but missing context or detail.",
    "misleading": "Contains some truth but leaves a false impression.",
    "false": "The evidence shows the claim is wrong.",
    "unproven": "No evidence has been offered for the claim.",
    "disputed": "Credible parties contest the claim and the evidence is not settled.",
    "unrated": "Reported without a verdict.",
}

RELATIONS = ("contradicts", "supports", "responds_to")

INVERSE_LABELS = {
    "contradicts": "Contradicted by",
    "supports": "Supported by",
    "responds_to": "Answered by",
}

FORWARD_LABELS = {
    "contradicts": "Contradicts",
    "supports": "Supports",
    "responds_to": "Responds to",
}


@dataclass
class Markdown:
    """A Markdown field: source text and where it starts in its file."""

    source: str
    span: Span
    """Where the first character of `source` is in the file."""
    indent: int = 0
    """Column offset of lines after the first (a YAML literal block's indentation)."""
    exact: bool = True
    """False when offsets in `source` do not map onto the file one to one (folded YAML); errors
    then point into `segments`, or at `span` if there are none."""
    segments: tuple[tuple[int, int, int], ...] = ()
    """When not `exact`: (offset in `source`, line, column) where each file line's content
    starts (see `yamlnodes.YScalar.text_segments`)."""
    html: str = ""
    """Rendered HTML; `@id` links are left as `href="@id"` for `links.resolve_hrefs`."""
    links: tuple[str, ...] = ()
    """Every `@id` this field links to, in order."""
    image_links: tuple[str, ...] = ()
    """`@id`s written as an image source (`![alt](@id)`): always an error."""
    images: tuple[str, ...] = ()
    """Pictures under content/ that the field shows (`![alt](images/x.jpg)`), as paths
    relative to content/: copied to site/media/ (see `resolve`, which checks them and writes
    their `src` as `media/<path>`, and `links.resolve_media`)."""

    @property
    def mappable(self) -> bool:
        """Offsets in `source` can be given a position in the file (see `markdown.offset_to_span`)."""
        return self.exact or bool(self.segments)


@dataclass
class Actor:
    id: str
    name: str
    span: Span
    kind: str = "person"
    role: str | None = None
    affiliation: str | None = None
    affiliation_span: Span | None = None
    description: Markdown | None = None
    image: str | None = None
    """Path under content/, `/`-separated; copied to site/media/<image>."""
    shared: bool = False
    """Defined in content/actors/<id>.yaml rather than inline in an explainer."""
    wikidata: str | None = None
    """Wikidata item id (Q…), emitted as `sameAs` in JSON-LD."""
    links: list[str] = field(default_factory=list)
    """Official pages and profiles (http/https), emitted as `sameAs`."""
    home: str | None = None
    """For an inline actor: the slug of the explainer whose definition is used for its page
    (its description's `@id` links point into that explainer)."""
    signature: tuple[object, ...] = ()
    """What must be equal for two inline definitions to be the same actor."""

    @property
    def signature_key(self) -> str:
        """A digest of `signature` ("" when it is empty): what summaries keep (see `summary`)."""
        if not self.signature:
            return ""
        return hashlib.blake2b(repr(self.signature).encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()


@dataclass
class Source:
    id: str
    title: str
    span: Span
    publisher: str | None = None
    url: str | None = None
    date: PartialDate | None = None


@dataclass(frozen=True)
class Verdict:
    """One step of a claim's verdict history (see `verdicts`): the status it had from `date`
    on, as of `commit`."""

    status: str
    date: PartialDate
    """The commit's date (committer date), or the explainer's `published` date for the status
    it was published with."""
    commit: str

    @property
    def day(self) -> PartialDate:
        """The day of `date` (as written: in the commit's own offset), what readers are shown."""
        return _day(self.date)


@dataclass(frozen=True)
class VerdictChange:
    """A published claim's status changed (an entry of the feed): from `old` to `new` on `date`."""

    claim: str
    by: str
    text: str
    old: str
    new: str
    date: PartialDate
    commit: str

    @property
    def day(self) -> PartialDate:
        return _day(self.date)


def _day(date: PartialDate) -> PartialDate:
    return date if date.time is None else parse_date(date.day_iso())


@dataclass
class Claim:
    id: str
    by: str
    by_span: Span
    text: str
    span: Span
    quote: str | None = None
    date: EventDate | None = None
    """When the claim was made: exact, or around, by, from or between (see `eventdates`)."""
    sources: list[str] = field(default_factory=list)
    sources_spans: list[Span] = field(default_factory=list)
    status: str = "unrated"
    note: Markdown | None = None
    contradicts: list[str] = field(default_factory=list)
    supports: list[str] = field(default_factory=list)
    responds_to: list[str] = field(default_factory=list)
    relation_spans: dict[str, list[Span]] = field(default_factory=dict)
    inverse: dict[str, list[str]] = field(default_factory=dict)
    """Filled by `resolve`: relation name -> ids of claims that point at this one."""
    about: str | None = None
    """The id of the question (see `Question`) the claim answers, or None."""
    about_span: Span | None = None
    history: list[Verdict] = field(default_factory=list)
    """From git (see `verdicts`), oldest first: empty unless the status changed at least once
    since publication."""

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]


@dataclass
class Question:
    """Something the explainer asks ("Was Ukraine involved?"): claims answer it with `about`,
    and the page's "Who says what" shows who answers what (see `questions`)."""

    id: str
    question: str
    span: Span
    note: Markdown | None = None


@dataclass
class TimelineEvent:
    date: EventDate
    """Exact, or around, by, from or between (see `eventdates`)."""
    title: str
    span: Span
    text: Markdown | None = None
    actors: list[str] = field(default_factory=list)
    claims: list[str] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    ref_spans: dict[str, list[Span]] = field(default_factory=dict)
    position: int = 0
    """Index in the file, for the stable tie-break."""


@dataclass
class Correction:
    """A published correction: shown at the top of the page, in the feed and in JSON-LD."""

    date: PartialDate
    text: str
    span: Span


@dataclass
class Explainer:
    slug: str
    src_path: str
    title: str
    summary: str
    published: PartialDate
    body: Markdown
    updated: PartialDate | None = None
    authors: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    tag_spans: list[Span] = field(default_factory=list)
    actors: dict[str, Actor] = field(default_factory=dict)
    """Inline actors only; `resolve` adds the shared actors the explainer uses in `page_actors`."""
    sources: dict[str, Source] = field(default_factory=dict)
    claims: dict[str, Claim] = field(default_factory=dict)
    timeline: list[TimelineEvent] = field(default_factory=list)
    questions: dict[str, Question] = field(default_factory=dict)
    """What the explainer asks, in file order (see `Question`)."""
    page_actors: list[str] = field(default_factory=list)
    """Filled by `resolve`: every actor shown on the page, inline first, then shared, by name."""
    content_hash: str = ""
    """Hash of the source bytes, for incremental builds."""
    draft: bool = False
    """Kept out of every output unless the build is asked for drafts (`--drafts`, `serve`)."""
    corrections: list[Correction] = field(default_factory=list)
    """Oldest first."""
    revisions: list[Revision] = field(default_factory=list)
    """`history.Revision`s of the file, newest first (empty outside git)."""
    updated_from_git: bool = False
    """`updated` was not written, and comes from the last commit touching the file (only when
    site.yaml sets `updated_from_git: true`)."""
    media: list[str] = field(default_factory=list)
    """Pictures its Markdown fields show (body, notes, event texts, inline actors'
    descriptions), in order: copied to site/media/ (see `resolve`)."""
    image: str | None = None
    """The lead picture: a path under content/, `/`-separated; copied to site/media/<image>,
    shown above the article and shared as the page's picture (`og:image`)."""
    image_alt: str | None = None
    """What the lead picture shows, for readers who cannot see it (required with `image`)."""
    image_credit: str | None = None
    """Who made the lead picture ("Photographer / Agency"), shown under it."""
    site_links: list[SiteLink] = field(default_factory=list)
    """Filled by `resolve`: the `sitelinks.SiteLink`s written in its Markdown fields."""
    language: str = ""
    """The BCP 47 tag its pages are written in: its own `language`, else (filled by
    `resolve`) the site's."""
    story: str | None = None
    """The story it tells, shared by its versions in other languages (`story:`): their pages
    link to each other (`hreflang`)."""
    story_span: Span | None = None

    # -- what listings and the site index read (see `summary`, which stores them) ----

    @property
    def modified(self) -> PartialDate | None:
        """The "Updated" date readers are told: the latest of `updated` and the corrections'
        dates (None when there are neither). Editorial facts only: a commit that changes no
        fact (a typo, a format migration) never makes a story read "Updated today"."""
        return latest(self.updated, *(c.date for c in self.corrections))

    @property
    def last_changed(self) -> PartialDate:
        """When the page last changed, for the sitemap's `lastmod`: the latest of `published`,
        `modified` and the last commit touching the file."""
        last_commit = self.revisions[0].date if self.revisions else None
        return latest(self.published, self.modified, last_commit) or self.published

    @property
    def claim_count(self) -> int:
        return len(self.claims)

    @property
    def rated_count(self) -> int:
        """Claims with a verdict (any status but `unrated`): those "checked", each with a
        ClaimReview in the page's structured data (see `structured`)."""
        return sum(claim.status != "unrated" for claim in self.claims.values())

    @property
    def timeline_count(self) -> int:
        return len(self.timeline)

    @property
    def status_counts(self) -> dict[str, int]:
        """Claims per status, in the order of `STATUSES`, for the statuses used."""
        counts = {status: 0 for status in STATUSES}
        for claim in self.claims.values():
            counts[claim.status] += 1
        return {status: n for status, n in counts.items() if n}

    @property
    def verdict_changes(self) -> list[VerdictChange]:
        """Each change of a claim's status since publication (see `verdicts`), oldest first,
        claims in file order on the same date."""
        changes = [VerdictChange(claim.id, claim.by, claim.text, before.status, after.status, after.date,
                                 after.commit)
                   for claim in self.claims.values()
                   for before, after in zip(claim.history, claim.history[1:], strict=False)]
        return sorted(changes, key=lambda change: change.date.instant())

    @property
    def claim_refs(self) -> list[tuple[str, str]]:
        """(claim id, author id) of every claim, in file order."""
        return [(claim.id, claim.by) for claim in self.claims.values()]

    @property
    def event_refs(self) -> list[tuple[int, list[str]]]:
        """(index in `timeline`, actor ids) of every event that names actors."""
        return [(index, event.actors) for index, event in enumerate(self.timeline) if event.actors]


class ExplainerListing(Protocol):
    """What a page may read of an explainer it has not compiled: what lists show, and
    what the site index and share cards need. `Explainer` has it, and so does the summary
    an incremental build keeps of an unchanged explainer (`summary.LazyExplainer`)."""

    @property
    def slug(self) -> str: ...
    @property
    def src_path(self) -> str: ...
    @property
    def title(self) -> str: ...
    @property
    def summary(self) -> str: ...
    @property
    def published(self) -> PartialDate: ...
    @property
    def updated(self) -> PartialDate | None: ...
    @property
    def modified(self) -> PartialDate | None: ...
    @property
    def last_changed(self) -> PartialDate: ...
    @property
    def authors(self) -> list[str]: ...
    @property
    def tags(self) -> list[str]: ...
    @property
    def draft(self) -> bool: ...
    @property
    def corrections(self) -> list[Correction]: ...
    @property
    def claim_count(self) -> int: ...
    @property
    def rated_count(self) -> int: ...
    @property
    def timeline_count(self) -> int: ...
    @property
    def image(self) -> str | None: ...
    @property
    def status_counts(self) -> dict[str, int]: ...
    @property
    def verdict_changes(self) -> list[VerdictChange]: ...
    @property
    def language(self) -> str: ...
    @property
    def story(self) -> str | None: ...
