"""The fields of every object of the format, declared once.

An explainer's front matter, its actors, sources, claims, questions, timeline events and
corrections, a shared actor file and `site.yaml` are each a `Shape`: its fields, each with
a name, a kind (what values it takes), whether it is required, its choices or nested
shape. Two readers read these declarations and nothing else:

- `fields.FieldReader`, with which `validate` and `config` read a YAML mapping: the keys
  it knows, which are required, a choice's values, a date's precision, what an id names;
- `schema`, which writes the JSON Schemas editors check the same files with.

So a field added here is known to both, and neither keeps a second list of the format.
What a shape cannot say (a reference to an id of another object, the order of two dates,
whether a picture exists) stays in `validate` and `resolve`; docs/schema.md lists it.
"""

from __future__ import annotations

from dataclasses import dataclass

from generator.model import ACTOR_KINDS, RELATIONS, STATUSES

# -- kinds of value -----------------------------------------------------------------------

TEXT = "text"
"""Any scalar, read as its text: a required one must not be empty."""
MARKDOWN = "markdown"
"""Text rendered as Markdown (its `@id` links and pictures are checked by `resolve`)."""
BOOLEAN = "boolean"
"""true or false (YAML 1.1's yes, no, on and off too, as PyYAML reads them)."""
CHOICE = "choice"
"""One of `Field.choices`."""
DATE = "date"
"""An exact date: YYYY, YYYY-MM, YYYY-MM-DD or an RFC 3339 date-time (`dates`)."""
FULL_DATE = "full date"
"""An exact date to the day, or a date-time."""
EVENT_DATE = "event date"
"""An exact date, or an uncertain one: around, by, from or between (`eventdates`)."""
URL = "url"
"""An absolute http or https URL."""
ID = "id"
"""An id (`fields.ID_PATTERN`): of what, `Field.what` says."""
IMAGE = "image"
"""A picture file under content/ (`media.check_path`)."""
LANGUAGE = "language"
"""A BCP 47 language tag the Unicode CLDR has data for (`i18n.check_language`)."""
BASE_URL = "base url"
"""site.yaml's `base_url`: an http(s) URL, or a path starting with '/'."""
TEXT_LIST = "text list"
URL_LIST = "url list"
ID_LIST = "id list"
"""A list of distinct ids."""
OBJECTS = "objects"
"""A mapping of `id: fields`, each of `Field.shape`."""
LIST = "list"
"""A list of mappings, each of `Field.shape`."""
CATALOGUES = "catalogues"
"""site.yaml's `strings`: language tag -> catalogue of messages (`catalogues`)."""


@dataclass(frozen=True)
class Field:
    """One key of a shape."""

    name: str
    kind: str
    about: str
    """What the field holds, in a line: editors show it when the cursor is on the key."""
    required: bool = False
    choices: tuple[str, ...] = ()
    default: str | bool | None = None
    """The value of an absent choice or boolean."""
    what: str = ""
    """What an id or the ids of a list name: "actor id", "claim id"."""
    shape: Shape | None = None
    """The shape of each object of an `OBJECTS` or `LIST` field."""
    pattern: str | None = None
    """A regular expression a `TEXT` value must match whole (after its surrounding spaces)."""
    max_items: int | None = None


@dataclass(frozen=True)
class Shape:
    """The fields of one kind of mapping, in the order the documentation gives them."""

    name: str
    about: str
    fields: tuple[Field, ...]
    needs: tuple[tuple[str, str], ...] = ()
    """(a, b): a field `a` that is given needs field `b` given too (`image_alt` with `image`)."""

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields)

    def field(self, name: str) -> Field:
        for f in self.fields:
            if f.name == name:
                return f
        raise KeyError(f"{self.name} has no field '{name}'")


WIKIDATA_PATTERN = r"Q[1-9][0-9]*"

MAX_TAGS = 50
"""Tags per explainer. Each tag is a page that lists the explainer with all its tags, so n tags
make n pages of n links each: 20,000 tags (a 140 KB file) would write 20,000 pages and about
400 million links. No newsroom tags a story fifty times."""

_IMAGE_PAIR = (("image", "image_alt"), ("image_alt", "image"))

ACTOR = Shape("actor", "A person, government, organization, group or media outlet.", (
    Field("name", TEXT, "The actor's name, as the page shows it.", required=True),
    Field("kind", CHOICE, "What the actor is (default: person).", choices=ACTOR_KINDS, default="person"),
    Field("role", TEXT, "A short role: 'President of Russia'."),
    Field("affiliation", ID, "The id of the actor this one belongs to.", what="actor id"),
    Field("description", MARKDOWN, "A few sentences about the actor (Markdown)."),
    Field("image", IMAGE, "A portrait: a picture file under content/, such as images/putin.jpg."),
    Field("wikidata", TEXT, "The actor's Wikidata item id, such as Q7747.", pattern=WIKIDATA_PATTERN),
    Field("links", URL_LIST, "Official pages and profiles: http or https URLs."),
))

SOURCE = Shape("source", "A document, report or article the explainer relies on.", (
    Field("title", TEXT, "The source's title.", required=True),
    Field("publisher", TEXT, "Who published it."),
    Field("url", URL, "Where to read it: an http or https URL."),
    Field("date", DATE, "When it was published: YYYY, YYYY-MM, YYYY-MM-DD or a date-time."),
))

CLAIM = Shape("claim", "Something an actor said, with its status and relations to other claims.", (
    Field("by", ID, "The id of the actor who made the claim.", required=True, what="actor id"),
    Field("text", TEXT, "The claim, in the explainer's words.", required=True),
    Field("quote", TEXT, "The actor's exact words, if quoted."),
    Field("date", EVENT_DATE, "When the claim was made: exact, or ~1956, ..2023-06-06, 2023-06-06.., "
          "2023-06-05..2023-06-07 or their EDTF forms."),
    Field("sources", ID_LIST, "The ids of the sources that report the claim.", what="source id"),
    Field("status", CHOICE, "What the evidence says of the claim (default: unrated).", choices=STATUSES,
          default="unrated"),
    Field("note", MARKDOWN, "Why the claim has its status (Markdown)."),
    *(Field(relation, ID_LIST, f"The ids of the claims this one {relation.replace('_', ' ')}.", what="claim id")
      for relation in RELATIONS),
    Field("about", ID, "The id of the question the claim answers.", what="question id"),
))

QUESTION = Shape("question", "A question the explainer answers; claims name it with `about`.", (
    Field("question", TEXT, "The question, as readers would ask it.", required=True),
    Field("note", MARKDOWN, "What the explainer says of it (Markdown)."),
))

EVENT = Shape("timeline event", "One event of the timeline.", (
    Field("date", EVENT_DATE, "When it happened: exact, or ~1956, ..2023-06-06, 2023-06-06.., "
          "2023-06-05..2023-06-07 or their EDTF forms.", required=True),
    Field("title", TEXT, "What happened, in a line.", required=True),
    Field("text", MARKDOWN, "More about it (Markdown)."),
    Field("actors", ID_LIST, "The ids of the actors it involves.", what="actor id"),
    Field("claims", ID_LIST, "The ids of the claims it involves.", what="claim id"),
    Field("sources", ID_LIST, "The ids of its sources.", what="source id"),
))

CORRECTION = Shape("correction", "A correction to the published explainer.", (
    Field("date", FULL_DATE, "When it was corrected: YYYY-MM-DD or a date-time.", required=True),
    Field("text", TEXT, "What was corrected.", required=True),
))

EXPLAINER = Shape("explainer", "The front matter of an explainer (content/explainers/<slug>.md).", (
    Field("title", TEXT, "The explainer's title.", required=True),
    Field("summary", TEXT, "One or two sentences: what the explainer untangles.", required=True),
    Field("published", FULL_DATE, "When it was published: YYYY-MM-DD or a date-time.", required=True),
    Field("updated", FULL_DATE, "When it was last updated: YYYY-MM-DD or a date-time."),
    Field("authors", TEXT_LIST, "The authors' names."),
    Field("tags", ID_LIST, "Topics, as ids: each gets a page.", what="tag", max_items=MAX_TAGS),
    Field("image", IMAGE, "The lead picture: a picture file under content/ (needs image_alt)."),
    Field("image_alt", TEXT, "What the lead picture shows, for readers who cannot see it."),
    Field("image_credit", TEXT, "Who made the lead picture."),
    Field("actors", OBJECTS, "The explainer's own actors, by id.", what="actor id", shape=ACTOR),
    Field("sources", OBJECTS, "Its sources, by id.", what="source id", shape=SOURCE),
    Field("claims", OBJECTS, "Its claims, by id.", what="claim id", shape=CLAIM),
    Field("timeline", LIST, "Its timeline: events in any order (the page sorts them by date).",
          shape=EVENT),
    Field("draft", BOOLEAN, "true keeps the explainer out of the site (default: false).", default=False),
    Field("corrections", LIST, "Corrections, each with its date and text.", shape=CORRECTION),
    Field("questions", OBJECTS, "The questions it answers, by id.", what="question id", shape=QUESTION),
    Field("language", LANGUAGE, "Its language, if not the site's: a BCP 47 tag such as en, fr or pt-BR."),
    Field("story", ID, "The id of the story it tells, shared by its versions in other languages.",
          what="story id"),
), needs=(*_IMAGE_PAIR, ("image_credit", "image")))

SITE = Shape("site.yaml", "The site's settings.", (
    Field("title", TEXT, "The site's title (default: Explainers)."),
    Field("base_url", BASE_URL, "Where the site is published: an http(s) URL or a path starting with '/'."),
    Field("language", LANGUAGE, "The site's language: a BCP 47 tag such as en, fr or pt-BR (default: en)."),
    Field("description", TEXT, "What the site is about."),
    Field("allow_html", BOOLEAN, "true passes raw HTML in Markdown through (default: false).", default=False),
    Field("publisher", TEXT, "The news organisation (default: the site's title)."),
    Field("updated_from_git", BOOLEAN, "true dates an explainer without 'updated' by its last commit "
          "(default: false).", default=False),
    Field("image", IMAGE, "The default share picture: a picture file under content/ (needs image_alt)."),
    Field("image_alt", TEXT, "What the default share picture shows."),
    Field("strings", CATALOGUES, "The site's own wording of the theme's messages, by language tag."),
    Field("search", BOOLEAN, "false leaves out the search page and its index (default: true).", default=True),
), needs=_IMAGE_PAIR)

SHAPES = (EXPLAINER, ACTOR, SITE)
"""The shapes of whole files: an explainer's front matter, a shared actor, site.yaml."""
