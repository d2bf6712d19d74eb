"""What the rest of the site needs to know of an explainer, kept between builds.

An incremental `build` starts in a fresh process. Recompiling every explainer
to rebuild one page would make a one-word edit cost as much as a full compile
(about 2 ms per file: 10 s at 5,000 explainers). Instead each build stores,
per explainer, a small JSON *summary*: what listings show (title, summary,
dates, tags, counts, corrections; the sitemap's last change), which actors
its page shows, which claims and events name which actor, its inline actors,
the pictures its Markdown shows, and what its share card shows besides (its
lead image, if any, and how many claims have each status: see `sharecard`).
The next build turns each unchanged file's summary into a `LazyExplainer`,
which answers those questions at once (it satisfies `model.ExplainerListing`).
Actor pages, which show its claims and events and an inline actor's description,
read them from its stored view (see `views`). Anything else raises `NotPrepared`:
a template never starts a compile. The page is then rendered again once its
explainers are compiled, outside the template (`dependencies.render_prepared`);
the explainer's own page gets the compiled `Explainer` from the start. Which
fields the summary keeps follows from what pages declare they read
(`dependencies.KEPT_BY_READ`).

The summary is data, never code: JSON in the sealed cache (see `cache`), type-checked as it is
read (a summary of the wrong shape is dropped and its file compiled).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from typing import Any

from generator import i18n
from generator.dates import PartialDate, parse_date
from generator.diagnostics import Span
from generator.incremental import views
from generator.model import STATUSES, Actor, Correction, Explainer, VerdictChange

SummaryData = dict[str, Any]

DECODED_VIEWS = 1024
"""Views kept decoded at once. A decoded view is about 100 KB of Python objects: all 5,000
of a large project would take half a gigabyte in every render worker. The oldest is
dropped (and decoded again if a page needs it again): a shared actor's page quotes
explainers from all over the project, so beyond this size some are decoded twice."""

_decoded: deque[LazyExplainer] = deque()


class NotPrepared(Exception):
    """A page read more of an explainer than its summary and view hold (a project's own
    template, or a damaged view item): it is compiled and the page rendered again (see
    `dependencies.render_prepared`)."""

    def __init__(self, explainer: LazyExplainer, name: str):
        super().__init__(f"{explainer.src_path}: {name} is not prepared")
        self.explainer = explainer

_ACTOR_FIELDS = ("name", "kind", "role", "affiliation", "image", "wikidata", "links")
"""Inline actor fields kept in the summary: what actor lists, claim cards and the
cross-explainer checks read. The description is not: a page that shows it compiles the file."""


SUMMARY_FIELDS = ("slug", "src_path", "title", "summary", "published", "updated", "updated_from_git",
                  "modified", "last_changed", "authors", "tags", "draft", "corrections", "claim_count",
                  "rated_count", "timeline_count", "page_actors", "claim_refs", "event_refs", "quoted",
                  "media", "image", "status_counts", "actors", "language", "story", "story_span",
                  "verdict_changes")
"""What `summarize` keeps: what pages declare they read of explainers they have not
compiled (`dependencies.KEPT_BY_READ`), and what assembling the site reads (`resolve`)."""


def summarize(explainer: Explainer, quoted: dict[str, str]) -> SummaryData:
    """The JSON-ready summary of a compiled, error-free explainer; `quoted` are its quote
    digests (see `quotes`), which only the cache keeps."""
    e = explainer
    return {
        "slug": e.slug, "src_path": e.src_path, "title": e.title, "summary": e.summary,
        "published": e.published.text, "updated": e.updated.text if e.updated else None,
        "updated_from_git": e.updated_from_git, "modified": e.modified.text if e.modified else None,
        "last_changed": e.last_changed.text, "authors": e.authors, "tags": e.tags, "draft": e.draft,
        "corrections": [[c.date.text, c.text, list(c.span)] for c in e.corrections],
        "claim_count": e.claim_count, "rated_count": e.rated_count, "timeline_count": e.timeline_count,
        "page_actors": e.page_actors,
        "claim_refs": [list(ref) for ref in e.claim_refs],
        "event_refs": [[index, actors] for index, actors in e.event_refs],
        "quoted": quoted, "media": e.media,
        "image": e.image, "status_counts": e.status_counts,
        "verdict_changes": [[c.claim, c.by, c.text, c.old, c.new, c.date.text, c.commit] for c in e.verdict_changes],
        "language": e.language, "story": e.story, "story_span": list(e.story_span) if e.story_span else None,
        "actors": {a.id: {**{f: getattr(a, f) for f in _ACTOR_FIELDS}, "span": list(a.span),
                          "signature_key": a.signature_key}
                   for a in e.actors.values()},
    }


class LazyExplainer:
    """An explainer known from its summary (and its view), until it is compiled.

    It offers the attributes listings and the site index read (see `summarize`), and
    `claims`, `sources`, `timeline` and `questions` from its view; any other attribute raises
    `NotPrepared` until `full()` has compiled the file (outside any template), after which
    every attribute is the compiled `Explainer`'s.
    """

    def __init__(self, data: SummaryData, materialize: Callable[[], Explainer] | None = None):
        self._materialize = materialize
        self._view: Callable[[], str | None] | None = None
        self._view_actors: dict[str, Actor] | None = None
        """The inline actors of the decoded view; None while it is not decoded."""
        self._full: Explainer | None = None
        self.slug = _text(data["slug"])
        self.src_path = _text(data["src_path"])
        self.title = _text(data["title"])
        self.summary = _text(data["summary"])
        self.published: PartialDate = parse_date(_text(data["published"]))
        self.updated: PartialDate | None = parse_date(_text(data["updated"])) if data["updated"] else None
        self.updated_from_git = _flag(data["updated_from_git"])
        self.modified: PartialDate | None = parse_date(_text(data["modified"])) if data["modified"] else None
        self.last_changed: PartialDate = parse_date(_text(data["last_changed"]))
        self.authors = _texts(data["authors"])
        self.tags = _texts(data["tags"])
        self.draft = _flag(data["draft"])
        self.corrections = [Correction(parse_date(_text(date)), _text(text), _span(span))
                            for date, text, span in data["corrections"]]
        self.claim_count = _number(data["claim_count"])
        self.rated_count = _number(data["rated_count"])
        self.timeline_count = _number(data["timeline_count"])
        self.page_actors = _texts(data["page_actors"])
        self.claim_refs = [(_text(claim_id), _text(by)) for claim_id, by in data["claim_refs"]]
        self.event_refs = [(_number(index), _texts(actors)) for index, actors in data["event_refs"]]
        self.media = _texts(data["media"])
        self.image: str | None = _text(data["image"]) if data["image"] is not None else None
        self.status_counts = {_text(status): int(n) for status, n in data["status_counts"].items()}
        self.verdict_changes = [VerdictChange(_text(claim), _text(by), _text(text), _status(old), _status(new),
                                              parse_date(_text(date)), _text(commit))
                                for claim, by, text, old, new, date, commit in data["verdict_changes"]]
        self.actors = {actor_id: LazyActor(actor_id, fields, self)
                       for actor_id, fields in data["actors"].items()}
        self.language = _language(data["language"])
        self.story: str | None = _text(data["story"]) if data["story"] is not None else None
        self.story_span: Span | None = _span(data["story_span"]) if data["story_span"] is not None else None

    def bind(self, materialize: Callable[[], Explainer], view: Callable[[], str | None] | None = None) -> None:
        """Say how to compile the file (with the shared actors and settings of this build),
        and where to read its stored view (None when there is none)."""
        self._materialize = materialize
        self._view = view

    def full(self) -> Explainer:
        """The compiled explainer (compiled once). Never called from a template."""
        if self._full is None:
            if self._materialize is None:
                raise RuntimeError(f"{self.src_path} was never bound to a build")
            self._full = self._materialize()
            if self._view_actors is not None:  # from now on, everything is the compiled one's
                _decoded.remove(self)
                self._drop_view()
            self._view = None
        return self._full

    def prepared(self) -> bool:
        """Compiled: every attribute can be read."""
        return self._full is not None

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):  # copy, pickle and friends probe for these
            raise AttributeError(name)
        if self._full is not None:
            return getattr(self._full, name)
        if name in views.VIEW_FIELDS and self._load_view():
            return self.__dict__[name]
        raise NotPrepared(self, name)

    def full_actor(self, actor_id: str) -> Actor:
        """One of its inline actors with every field: from the view if there is one, else
        from the compiled file. Never called from a template."""
        if self._full is None and self._load_view():
            assert self._view_actors is not None
            try:
                return self._view_actors[actor_id]
            except NotPrepared:
                pass  # a damaged view item: compiled
        return self.full().actors[actor_id]

    def prepared_actor(self, actor_id: str) -> Actor:
        """One of its inline actors with every field, if that needs no compile; else
        `NotPrepared` (what a template may reach)."""
        if self._full is not None:
            return self._full.actors[actor_id]
        if self._load_view():
            assert self._view_actors is not None
            actor: Actor = self._view_actors[actor_id]
            return actor
        raise NotPrepared(self, f"actor {actor_id}")

    def _load_view(self) -> bool:
        """Set `claims`, `sources`, `timeline`, `questions` and the full inline actors from the stored
        view, if it is usable (see `DECODED_VIEWS`)."""
        if self._view_actors is not None:
            return True
        text = self._view() if self._view else None
        if text is None:
            return False
        try:
            decoded = views.decode(text, self._damaged)
        except (ValueError, TypeError, KeyError, IndexError, AttributeError):
            decoded = None  # a damaged view only costs time: the file is compiled
        if decoded is None or set(decoded["actors"]) != set(self.actors):
            self._view = None  # damaged, or not the version of the file the summary describes
            return False
        self._view_actors = decoded.pop("actors")
        self.__dict__.update(decoded)
        _decoded.append(self)
        if len(_decoded) > DECODED_VIEWS:
            _decoded.popleft()._drop_view()
        return True

    def _damaged(self, field: str, key: object) -> Any:
        """A view item that cannot be read: the page is rendered again from the compiled file."""
        raise NotPrepared(self, f"{field}[{key!r}]")

    @staticmethod
    def drop_decoded_views() -> None:
        """Forget every decoded view (a new build starts: it has LazyExplainers of its own)."""
        while _decoded:
            _decoded.popleft()._drop_view()

    def _drop_view(self) -> None:
        """Forget the decoded view (the next use decodes it again)."""
        for name in views.VIEW_FIELDS:
            self.__dict__.pop(name, None)
        self._view_actors = None

    def __repr__(self) -> str:
        return f"LazyExplainer({self.src_path!r})"


class LazyActor:
    """An inline actor known from its explainer's summary; the rest (its description) is
    read from its explainer's view, or raises `NotPrepared` (see `LazyExplainer`)."""

    def __init__(self, actor_id: str, fields: dict[str, Any], explainer: LazyExplainer):
        self._explainer = explainer
        self.id = actor_id
        for name in _ACTOR_FIELDS:
            value = fields[name]
            setattr(self, name, _texts(value) if name == "links" else value if value is None else _text(value))
        self.span = _span(fields["span"])
        self.signature_key = _text(fields["signature_key"])
        self.shared = False
        self.home: str | None = None
        self.affiliation_span = None

    def full(self) -> Actor:
        """Every field, compiling the explainer if its view cannot say. Never from a template."""
        actor = self._explainer.full_actor(self.id)
        actor.home = self.home
        return actor

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        actor = self._explainer.prepared_actor(self.id)
        actor.home = self.home
        return getattr(actor, name)

    def __repr__(self) -> str:
        return f"LazyActor({self.id!r})"


def quoted_of(data: SummaryData) -> dict[str, str]:
    """The quote digests a summary keeps (see `quotes`); TypeError if damaged."""
    found = data["quoted"]
    if not isinstance(found, dict):
        raise TypeError("not a table of digests")
    return {_text(actor_id): _text(value) for actor_id, value in found.items()}


def _text(value: Any) -> str:
    """A string from the cache, or TypeError: a damaged summary is dropped, never rendered."""
    if not isinstance(value, str):
        raise TypeError("not a string")
    return value


def _language(value: Any) -> str:
    """A page language from the cache: "" (the site's) or a tag the validator would accept.
    Any other string would reach Babel and the catalogue files' names."""
    language = _text(value)
    if language and i18n.check_language(language) is not None:
        raise ValueError("not a language tag")
    return language


def _status(value: Any) -> str:
    """A claim status from the cache, one of the contract's (templates look up its label)."""
    if value not in STATUSES:
        raise TypeError("not a status")
    return _text(value)


def _flag(value: Any) -> bool:
    if type(value) is not bool:
        raise TypeError("not true or false")
    return value


def _number(value: Any) -> int:
    if type(value) is not int:
        raise TypeError("not a whole number")
    return value


def _texts(value: Any) -> list[str]:
    if not isinstance(value, list):
        raise TypeError("not a list")
    return [_text(item) for item in value]


def _span(value: Any) -> Span:
    path, line, column = value
    return Span(_text(path), _number(line), _number(column))
