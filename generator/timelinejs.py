"""`<slug>/timeline.json`: an explainer's timeline in Knight Lab TimelineJS3's JSON format.

TimelineJS (https://timeline.knightlab.com/docs/json-format.html) reads one object: a
`title` slide and one slide per event in `events`. What each slide holds, and how
TimelineJS shows it, decides how a value is written (shape in docs/json.md):

- `start_date` has the date's own fields only (`{"year": 2024}` for "2024"): TimelineJS
  then shows it at that precision. A date-time keeps its wall-clock time as written (the
  order the page shows) and names its offset in the slide's `display_date`. An uncertain
  date ("by 6 June 2023") starts where the page places it, at the first date written in
  it (`EventDate.anchor`), and says what it is in `display_date`; a range gets no
  `end_date`, which TimelineJS would draw as a span of time, not as a date somewhere in it.
- `text.headline`, `text.text` and `media.caption`/`credit` are HTML: TimelineJS cleans
  them with DOMPurify and sets them as `innerHTML`. Plain text (a title, a summary) is
  escaped once; Markdown is its HTML, with every link absolute (the file is read from
  wherever the timeline is embedded).
- `group` and `display_date` are text that TimelineJS first strips of markup (it reads the
  `textContent` of the value parsed as HTML, which decodes character references) and then
  sets as `innerHTML`: escaped once, `&lt;script&gt;` would come out as a live `<script>`
  element. They are escaped twice, so the text comes out as written.
- `media.alt` is set as the image's `alt` property: plain text.
- `group` is the name of the first actor the event names: TimelineJS gives each group a
  row of its own, so the timeline reads by actor.
- `unique_id` (TimelineJS's slide id and `#event-` bookmark) is made from the event's date
  and title: events have no ids of their own, and an id made from their position would
  move every later bookmark when an event is added.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Callable
from typing import Any

from markupsafe import escape

from generator.dates import PartialDate
from generator.eventdates import EventDate
from generator.fields import contain_bidi
from generator.links import MEDIA_SRC, SiteURLs, media_path
from generator.load import suggest_id
from generator.model import Explainer, Markdown, TimelineEvent
from generator.resolve import Site

TITLE_ID = "title"
"""The title slide's `unique_id`; no event's starts so (they start with `event-`)."""

_FIRST_PICTURE = re.compile(re.escape(MEDIA_SRC) + r'([^"]*)" alt="([^"]*)"')
"""A picture under content/ that a Markdown field shows (see `resolve._check_images`)."""

ID_LENGTH = 60


def text_html(text: str) -> str:
    """Plain text for a field TimelineJS takes as HTML."""
    return str(escape(contain_bidi(text)))


def stripped_text(text: str) -> str:
    """Plain text for a field TimelineJS strips of markup and then takes as HTML (`group`,
    `display_date`): escaped twice (see the module's docstring)."""
    return str(escape(str(escape(contain_bidi(text)))))


def date_object(date: PartialDate) -> dict[str, int]:
    """TimelineJS's date object at the date's precision; a date-time's time as written."""
    found = {"year": date.year}
    if date.month is not None:
        found["month"] = date.month
    if date.day is not None:
        found["day"] = date.day
    if date.time is not None:
        found.update(hour=date.time.hour, minute=date.time.minute, second=date.time.second)
        if date.time.microsecond:
            found["millisecond"] = date.time.microsecond // 1000
    return found


def event_ids(events: list[TimelineEvent]) -> list[str]:
    """`event-<date>-<title>` in lower-case ASCII letters, digits and dashes (every script
    transliterated, see `load.suggest_id`), `ID_LENGTH` characters at most after `event-`,
    cut between words; one per event, a repeated one with `-2`, `-3`, ... in display order."""
    ids: list[str] = []
    seen: set[str] = set()
    for event in events:
        words = suggest_id(f"{event.date.text} {event.title}")
        if len(words) > ID_LENGTH:
            words = words[:ID_LENGTH + 1].rsplit("-", 1)[0]
        base = f"event-{words}"
        found, n = base, 1
        while found in seen:
            n += 1
            found = f"{base}-{n}"
        seen.add(found)
        ids.append(found)
    return ids


def _picture(field: Markdown | None, urls: SiteURLs) -> dict[str, str] | None:
    """The first picture under content/ that the field shows, as a media object."""
    found = _FIRST_PICTURE.search(field.html) if field is not None else None
    if found is None:
        return None
    return {"url": urls(f"media/{found.group(1)}"), "alt": html.unescape(found.group(2))}


def timeline_json(explainer: Explainer, site: Site, page_url: str, urls: SiteURLs,
                  markdown: Callable[[Markdown], str], display: Callable[[EventDate], str]) -> bytes:
    """The explainer's timeline as TimelineJS reads it; `markdown` makes a field's HTML
    with absolute links (see `render.markdown_html`), `display` a date as the explainer's
    language writes it (see `i18n.Messages.event_date`)."""
    title: dict[str, Any] = {
        "unique_id": TITLE_ID,
        "text": {"headline": f'<a href="{escape(page_url)}">{text_html(explainer.title)}</a>',
                 "text": f"<p>{text_html(explainer.summary)}</p>"},
    }
    urls.add(page_url)
    if explainer.image:
        title["media"] = {"url": urls(f"media/{media_path(explainer.image)}"),
                          "alt": explainer.image_alt or "", "link": page_url}
        if explainer.image_credit:
            title["media"]["credit"] = text_html(explainer.image_credit)
    events = []
    for event, unique_id in zip(explainer.timeline, event_ids(explainer.timeline), strict=True):
        slide: dict[str, Any] = {
            "unique_id": unique_id,
            "start_date": date_object(event.date.anchor),
            "text": {"headline": text_html(event.title),
                     "text": markdown(event.text) if event.text is not None else ""},
        }
        if event.date.anchor.time is not None or not event.date.exact:
            slide["display_date"] = stripped_text(display(event.date))
        picture = _picture(event.text, urls)
        if picture is not None:
            slide["media"] = picture
        if event.actors:
            actor = explainer.actors.get(event.actors[0]) or site.actors[event.actors[0]]
            slide["group"] = stripped_text(actor.name)
        events.append(slide)
    data = {"title": title, "events": events}
    return (json.dumps(data, ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8")
