"""Raw files -> model objects: required and unknown keys, types, ids, dates, image paths.

Checks here look at one object at a time, plus the one-namespace rule inside
each explainer. Whether a referenced id exists is `resolve`'s question.

An object whose own fields have errors is not dropped: the bad fields are
reported and replaced by placeholders ("" for text, `MISSING_DATE` for dates),
and the object is kept. That way `resolve` still checks everything else in it
(its references, its `@id` links), so one run reports every error of the file,
and references *to* it are not reported again as unknown ids. A project with
errors is never rendered, so no placeholder reaches a page.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from generator import i18n, media, shapes
from generator.dates import PartialDate
from generator.diagnostics import Diagnostics, Span
from generator.eventdates import EventDate, exact
from generator.fields import FieldReader, check_id
from generator.load import RawActor, RawExplainer
from generator.model import (
    RELATIONS,
    Actor,
    Claim,
    Correction,
    Explainer,
    Markdown,
    Question,
    Source,
    TimelineEvent,
)
from generator.statuses import status_hint
from generator.yamlnodes import YMap, YScalar, YSeq

RESERVED_SLUGS = ("actors", "tags", "assets", "media", "schema")
"""Folders of the site's own: an explainer of that slug would share its folder."""

WIKIDATA_RE = re.compile(shapes.WIKIDATA_PATTERN)

MISSING_DATE = PartialDate("", 1, sort_key=(1, 0, 0, 0, (0, 0, 0, 0), 0.0))
"""Stands in for a required date that is missing or invalid (already reported)."""
MISSING_EVENT_DATE: EventDate = exact(MISSING_DATE)
"""The same for a timeline event's date."""

MAX_TAGS = shapes.MAX_TAGS


def validate_shared_actors(raw_actors: list[RawActor], images: set[str],
                           diags: Diagnostics) -> dict[str, Actor]:
    """content/actors/*.yaml -> actors by id. An unreadable file (already reported) still
    defines its id, so that uses of it are not reported a second time as unknown."""
    shared: dict[str, Actor] = {}
    for raw_actor in raw_actors:
        span = Span(raw_actor.src_path)
        if raw_actor.data is None:
            shared[raw_actor.id] = Actor(raw_actor.id, "", span, shared=True)
            continue
        shared[raw_actor.id] = validate_actor(raw_actor.id, raw_actor.data, span, images, diags,
                                              shared=True)
    return shared


def validate_actor(actor_id: str, node: YMap, span: Span, images: set[str], diags: Diagnostics,
                   shared: bool = False) -> Actor:
    """An actor's fields; an actor with errors has an empty `signature` (see `resolve`)."""
    errors_before = len(diags.errors)
    what = f"actor '{actor_id}'"
    r = FieldReader(node, what, shapes.ACTOR, diags)
    name = r.text("name")
    kind = r.choice("kind")
    role = r.text("role")
    affiliation = r.id_ref("affiliation")
    description = r.markdown("description")
    image = image_path(r, images, diags)
    wikidata = r.text("wikidata")
    if wikidata is not None and not WIKIDATA_RE.fullmatch(wikidata):
        diags.error(r.node.entries["wikidata"][1].span, f"'wikidata' in {what} must be a Wikidata item id "
                    f"like Q7747, got '{wikidata}'", "copy the Q-number from the item's page")
        wikidata = None
    links = r.url_list("links")
    if affiliation and affiliation[0] == actor_id:
        diags.error(affiliation[1], f"actor '{actor_id}' cannot be affiliated with itself")
        affiliation = None
    complete = len(diags.errors) == errors_before
    return Actor(
        id=actor_id, name=name or "", span=span, kind=kind, role=role,
        affiliation=affiliation[0] if affiliation else None,
        affiliation_span=affiliation[1] if affiliation else None,
        description=description, image=image, shared=shared, wikidata=wikidata, links=links,
        # Only a complete definition can be compared with another one: a field read as
        # missing because it was wrong would make two identical definitions differ.
        signature=(name, kind, role, affiliation[0] if affiliation else None,
                   description.source if description else None, image, wikidata, tuple(links))
        if complete else (),
    )


def image_path(r: FieldReader, images: set[str], diags: Diagnostics) -> str | None:
    """The `image` field: a picture file under content/ (of a raster type, not hidden, not a
    link out of the project), normalized, or None after an error."""
    node = r.scalar_node("image")
    if node is None:
        return None
    text = node.text.strip()
    normalized, problem = media.check_path(text, images)
    if problem is not None:
        diags.error(node.span, problem.message, problem.hint)
    return normalized


def validate_explainer(raw: RawExplainer, shared: dict[str, Actor], images: set[str],
                       diags: Diagnostics) -> Explainer | None:
    """One explainer's fields, objects and id namespace (None if its front matter is unreadable)."""
    if raw.slug in RESERVED_SLUGS:
        # Reported, and the file is still checked, so that its other errors show up too.
        diags.error(Span(raw.src_path), f"'{raw.slug}' is reserved for the site's own pages",
                    f"rename the file, e.g. to {raw.slug}-explained.md")
    if raw.front is None:
        return None
    r = FieldReader(raw.front, "explainer", shapes.EXPLAINER, diags)
    title = r.text("title")
    summary = r.text("summary")
    published = r.date("published")
    updated = r.date("updated")
    authors = r.text_list("authors")
    tags = r.id_list("tags")
    if len(tags) > MAX_TAGS:
        diags.error(tags[MAX_TAGS][1], f"explainer has {len(tags)} tags; the limit is {MAX_TAGS}",
                    "keep the topics that matter most")
        tags = tags[:MAX_TAGS]
    if published and updated and updated.is_before(published):
        diags.error(r.key_span("updated"), f"'updated' ({updated.text}) is before 'published' "
                    f"({published.text})")
    namespace = _Namespace(raw.src_path, shared, diags)
    actors = {}
    for actor_id, key_span, node in _objects(r, "actors", diags):
        if actor_id in shared:
            diags.error(key_span, f"actor '{actor_id}' is defined both inline and in "
                        f"content/actors/{actor_id}.yaml", "remove one of the two definitions")
            continue
        actor = (validate_actor(actor_id, node, key_span, images, diags) if node is not None
                 else Actor(actor_id, "", key_span))
        if namespace.add(actor_id, "actor", key_span):
            actors[actor_id] = actor
    sources = {}
    for source_id, key_span, node in _objects(r, "sources", diags):
        source = (_validate_source(source_id, node, key_span, diags) if node is not None
                  else Source(source_id, "", key_span))
        if namespace.add(source_id, "source", key_span):
            sources[source_id] = source
    claims = {}
    for claim_id, key_span, node in _objects(r, "claims", diags):
        claim = (_validate_claim(claim_id, node, key_span, diags) if node is not None
                 else Claim(claim_id, "", key_span, "", key_span))
        if namespace.add(claim_id, "claim", key_span):
            claims[claim_id] = claim
    questions = _validate_questions(r, namespace, diags)
    timeline = _validate_timeline(r, diags)
    image, image_alt, image_credit = lead_image(r, images, diags)
    draft = r.boolean("draft")
    corrections = _validate_corrections(r, published, diags)
    language = language_field(r)
    story = r.id_ref("story")
    body = Markdown(raw.body, Span(raw.src_path, raw.body_line, 1))
    return Explainer(
        slug=raw.slug, src_path=raw.src_path, title=title or "", summary=summary or "",
        published=published or MISSING_DATE,
        updated=updated, authors=authors, tags=[t for t, _ in tags], tag_spans=[s for _, s in tags],
        actors=actors, sources=sources, claims=claims, timeline=timeline, questions=questions, body=body,
        content_hash=raw.digest, draft=draft, corrections=corrections,
        image=image, image_alt=image_alt, image_credit=image_credit,
        language=language or "", story=story[0] if story else None, story_span=story[1] if story else None,
    )


def language_field(r: FieldReader) -> str | None:
    """`language`: a BCP 47 tag the Unicode CLDR has data for (its plural rules, date
    formats and direction), or None when absent or wrong (reported)."""
    node = r.scalar_node("language")
    if node is None:
        return None
    language = node.text.strip()
    problem = i18n.check_language(language)
    if problem is not None:
        r.diags.error(node.span, f"'language' in {r.what}: {problem}",
                      "use a BCP 47 language tag, such as en, fr, ru, uk, ar or pt-BR")
        return None
    return i18n.canonical_tag(language)


def lead_image(r: FieldReader, images: set[str], diags: Diagnostics) -> tuple[str | None, str | None, str | None]:
    """`image` with its `image_alt` (required with it) and `image_credit` (optional, where the
    shape has it): an explainer's lead picture, or site.yaml's default share picture. Which
    field needs which is the shape's `needs`.

    The alt text is what a screen reader says and what a network shows while the picture
    loads, so a picture without one is an error, not a warning."""
    image = image_path(r, images, diags)
    alt = None
    if r.has("image") and "image_alt" not in r.node.entries:
        diags.error(r.key_span("image"), f"'image' in {r.what} needs 'image_alt'",
                    "add image_alt: a short description of what the picture shows, for readers "
                    "who cannot see it")
    else:
        alt = r.text("image_alt", required=r.has("image"))
    credit_text = r.text("image_credit") if "image_credit" in r.known else None
    for key in (field for field, needed in r.shape.needs if needed == "image"):
        if r.has(key) and not r.has("image"):
            diags.error(r.key_span(key), f"'{key}' in {r.what} without 'image'",
                        f"add image: images/picture.jpg (a file under content/), or remove {key}")
    return image, alt, credit_text


def _validate_corrections(r: FieldReader, published: PartialDate | None,
                          diags: Diagnostics) -> list[Correction]:
    """`corrections: [{date, text}]`, oldest first; none may predate publication."""
    section = r.sequence("corrections")
    if section is None:
        return []
    corrections = []
    for item in section.items:
        if not isinstance(item, YMap):
            diags.error(item.span, "each correction must be a mapping with date and text",
                        "start each correction with '- date: ...'")
            continue
        cr = FieldReader(item, "correction", shapes.CORRECTION, diags)
        date = cr.date("date")
        text = cr.text("text")
        if date and published and date.is_before(published):
            diags.error(item.entries["date"][1].span, f"correction dated {date.text} is before 'published' "
                        f"({published.text})")
        if date and text:
            corrections.append(Correction(date, text, item.span))
    corrections.sort(key=lambda c: c.date.sort_key)
    return corrections


class _Namespace:
    """One id space per explainer: inline actors, sources, claims and every shared actor."""

    def __init__(self, path: str, shared: dict[str, Actor], diags: Diagnostics):
        self.defined: dict[str, tuple[str, Span]] = {}
        self.shared = shared
        self.diags = diags

    def add(self, id_: str, kind: str, span: Span) -> bool:
        if id_ in self.defined:
            other_kind, other = self.defined[id_]
            kinds = ("actors, sources, claims and questions" if "question" in (kind, other_kind)
                     else "actors, sources and claims")
            self.diags.error(span, f"id '{id_}' is already used by the {other_kind} at line {other.line}",
                             f"ids of {kinds} share one namespace per explainer")
            return False
        if kind != "actor" and id_ in self.shared:
            self.diags.error(span, f"{kind} id '{id_}' is already the id of the shared actor in "
                             f"content/actors/{id_}.yaml", f"rename the {kind}")
            return False
        self.defined[id_] = (kind, span)
        return True


def _objects(r: FieldReader, key: str, diags: Diagnostics) -> Iterator[tuple[str, Span, YMap | None]]:
    """(id, key span, mapping) for each entry of an `id: {fields}` section; the mapping is None
    (after an error) when the entry is not a mapping, so that the id still exists."""
    what = r.field(key, shapes.OBJECTS).what
    section = r.mapping(key)
    if section is None:
        return
    for id_, (key_node, value) in section.entries.items():
        if not check_id(id_, key_node.span, what, diags):
            continue
        if not isinstance(value, YMap):
            diags.error(value.span, f"{what.split()[0]} '{id_}' must be a mapping of fields",
                        "indent its fields under the id")
            yield id_, key_node.span, None
            continue
        yield id_, key_node.span, value


def _validate_source(source_id: str, node: YMap, span: Span, diags: Diagnostics) -> Source:
    r = FieldReader(node, f"source '{source_id}'", shapes.SOURCE, diags)
    title = r.text("title")
    publisher = r.text("publisher")
    url = r.url("url")
    date = r.date("date")
    return Source(source_id, title or "", span, publisher, url, date)


_RELATION_VERBS = {"contradicts": "contradict", "supports": "support", "responds_to": "respond to"}


def _validate_claim(claim_id: str, node: YMap, span: Span, diags: Diagnostics) -> Claim:
    """A claim's fields; a missing or invalid `by` is left empty (resolve skips it)."""
    r = FieldReader(node, f"claim '{claim_id}'", shapes.CLAIM, diags)
    by = r.id_ref("by")
    text = r.text("text")
    quote = r.text("quote")
    date = r.event_date("date")
    sources = r.id_list("sources")
    status = r.choice("status", hint=status_hint)
    note = r.markdown("note")
    about = _about(r)
    relations = {}
    for relation in RELATIONS:
        items = r.id_list(relation)
        for other, other_span in items:
            if other == claim_id:
                diags.error(other_span, f"claim '{claim_id}' cannot {_RELATION_VERBS[relation]} itself",
                            f"remove '{claim_id}' from '{relation}'")
        relations[relation] = [(o, s) for o, s in items if o != claim_id]
    return Claim(
        id=claim_id, by=by[0] if by else "", by_span=by[1] if by else span, text=text or "", span=span,
        quote=quote, date=date,
        sources=[s for s, _ in sources], sources_spans=[s for _, s in sources], status=status,
        note=note,
        contradicts=[o for o, _ in relations["contradicts"]],
        supports=[o for o, _ in relations["supports"]],
        responds_to=[o for o, _ in relations["responds_to"]],
        relation_spans={k: [s for _, s in v] for k, v in relations.items()},
        about=about[0] if about else None, about_span=about[1] if about else None,
    )


def _about(r: FieldReader) -> tuple[str, Span] | None:
    """A claim's `about`: the id of the one question it answers (whether that question exists
    is `resolve`'s check). A list gets its own message: it is the likely slip of a writer
    whose claim seems to answer two questions."""
    entry = r.node.entries.get("about")
    if entry is not None and isinstance(entry[1], YSeq):
        first = next((item.text.strip() for item in entry[1].items if isinstance(item, YScalar)), "")
        r.diags.error(entry[1].span, f"'about' in {r.what} must be one question id, not a list",
                      f"a claim answers one question: write about: {first or 'question-id'}, and split a "
                      "claim that answers two")
        return None
    return r.id_ref("about")


def _validate_questions(r: FieldReader, namespace: _Namespace, diags: Diagnostics) -> dict[str, Question]:
    """`questions: {id: {question, note}}`: what the explainer asks, in file order. Their ids
    are in the explainer's one namespace, so that `about` and `[text](@id)` name a question
    as they name anything else. A question written as bare text (`who: Who did it?`, the
    likely slip) is reported with the fix, and still defines its id."""
    what = r.field("questions", shapes.OBJECTS).what
    section = r.mapping("questions")
    if section is None:
        return {}
    questions = {}
    for question_id, (key_node, value) in section.entries.items():
        if not check_id(question_id, key_node.span, what, diags):
            continue
        if isinstance(value, YMap):
            qr = FieldReader(value, f"question '{question_id}'", shapes.QUESTION, diags)
            question = Question(question_id, qr.text("question") or "", key_node.span,
                                qr.markdown("note"))
        else:
            text = value.text.strip() if isinstance(value, YScalar) else ""
            diags.error(value.span, f"question '{question_id}' must be a mapping of fields",
                        f"write the question under the id, as question: {text}" if text
                        else "indent its fields under the id, starting with question: and its text")
            question = Question(question_id, "", key_node.span)
        if namespace.add(question_id, "question", key_node.span):
            questions[question_id] = question
    return questions


def _validate_timeline(r: FieldReader, diags: Diagnostics) -> list[TimelineEvent]:
    section = r.sequence("timeline")
    if section is None:
        return []
    events = []
    for position, item in enumerate(section.items):
        if not isinstance(item, YMap):
            diags.error(item.span, "each timeline event must be a mapping with date and title",
                        "start each event with '- date: ...'")
            continue
        er = FieldReader(item, "timeline event", shapes.EVENT, diags)
        date = er.event_date("date")
        title = er.text("title")
        text = er.markdown("text")
        refs = {key: er.id_list(key) for key in ("actors", "claims", "sources")}
        events.append(TimelineEvent(
            date=date or MISSING_EVENT_DATE, title=title or "", span=item.span, text=text,
            actors=[i for i, _ in refs["actors"]], claims=[i for i, _ in refs["claims"]],
            sources=[i for i, _ in refs["sources"]],
            ref_spans={k: [s for _, s in v] for k, v in refs.items()}, position=position,
        ))
    events.sort(key=lambda e: e.date.sort_key)  # stable: equal dates keep file order
    return events
