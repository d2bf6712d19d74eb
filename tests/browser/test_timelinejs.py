"""TimelineJS3 itself renders the `<slug>/timeline.json` a build writes.

TimelineJS (npm `@knight-lab/timelinejs`, the release `validator_tools.TIMELINEJS_VERSION`)
is installed on first use into tests/.tools/ (`validator_tools.timelinejs_dist`: the machine
reaches package registries, never a CDN). Its built files are served next to the built site,
with a page that loads them and the explainer's `timeline.json` as any newsroom would embed
a timeline; Chromium opens it, and the test reads what TimelineJS drew: one slide per event
plus the title slide, the headlines, the groups' labels, the dates. Every request stays on
the local server (TimelineJS's default font comes from Google Fonts: the page asks for none).

Hostile text (markup, character references, quotes) in an event's title, an actor's name
(a group's label) and a date's text comes out as the text written, and runs nothing.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from browser_support import REPO, ServedSite, open_page, serve_built, tiny_png
from validator_tools import timelinejs_dist

PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>A timeline</title><link rel="icon" href="data:,">
<link rel="stylesheet" href="_timelinejs/css/timeline.css">
<script src="_timelinejs/js/timeline.js"></script></head>
<body><div id="timeline" style="width: 1200px; height: 650px"></div>
<script>
  window.timeline = new TL.Timeline("timeline", "{slug}/timeline.json",
      {{font: null, script_path: new URL("_timelinejs/js/", location.href).href}});
  window.timeline.on("loaded", () => {{ window.timelineLoaded = true; }});
</script></body></html>
"""
"""The embedding page: TimelineJS fetches the JSON itself. `script_path` points it at the
local copy for its language and icons; `font: null` keeps it from loading Google Fonts."""

RECORD_ALERTS = "window.alerts = []; window.alert = (m) => window.alerts.push(String(m));"

DRAWN = """() => ({
    slides: Array.from(document.querySelectorAll('.tl-slide')).map(s => ({
        id: s.id,
        headline: (s.querySelector('.tl-headline') || {}).textContent || '',
        date: (s.querySelector('.tl-headline-date') || {}).textContent || '',
        alt: (s.querySelector('img.tl-media-image') || {}).alt || null})),
    markers: document.querySelectorAll('.tl-timemarker').length,
    groups: Array.from(document.querySelectorAll('.tl-timegroup-message')).map(g => g.textContent),
    injected: document.querySelectorAll('#timeline script, #timeline [onerror], #timeline [onmouseover]').length,
    alerts: window.alerts,
})"""


def with_timelinejs(site: ServedSite, slug: str) -> str:
    """Serve TimelineJS and a page embedding `slug`'s timeline beside the site; its URL."""
    shutil.copytree(timelinejs_dist(), site.directory / "_timelinejs", dirs_exist_ok=True)
    (site.directory / f"_timeline-{slug}.html").write_text(PAGE.format(slug=slug), encoding="utf-8")
    return site.page_url(f"_timeline-{slug}.html")


def drawn(browser: Any, site: ServedSite, slug: str, last_has_media: bool = False) -> dict[str, Any]:
    """What TimelineJS drew of `slug`'s timeline; fails on any console error, failed request
    or request off the local server."""
    url = with_timelinejs(site, slug)
    with open_page(browser, site, 1280) as (page, log):
        page.add_init_script(RECORD_ALERTS)
        page.goto(url)
        page.wait_for_function("window.timelineLoaded === true")
        # TimelineJS loads a slide's media when the slide comes near: show the last one.
        page.evaluate("window.timeline.goToEnd()")
        if last_has_media:
            page.wait_for_selector(".tl-slide:last-child img.tl-media-image", state="attached")
        page.wait_for_load_state("networkidle")
        found: dict[str, Any] = page.evaluate(DRAWN)
        assert log.problems() == []
    return found


@pytest.fixture(scope="module")
def example_timelines(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServedSite]:
    """The example, built and served on its own (TimelineJS's files are added to its folder)."""
    with serve_built(REPO, tmp_path_factory.mktemp("timelinejs") / "site") as site:
        yield site


def test_timelinejs_renders_the_example_timeline(browser, example_timelines: ServedSite) -> None:
    slug = "crocus-city-hall-attack"
    data = json.loads((example_timelines.directory / slug / "timeline.json").read_text("utf-8"))
    explainer = json.loads((example_timelines.directory / slug / "explainer.json").read_text("utf-8"))
    found = drawn(browser, example_timelines, slug)
    events = explainer["timeline"]
    assert len(found["slides"]) == len(events) + 1 == 10
    assert found["markers"] == len(events)
    assert [s["headline"] for s in found["slides"]] == [explainer["title"], *(e["title"] for e in events)]
    assert [s["id"] for s in found["slides"]] == ["title", *(e["unique_id"] for e in data["events"])]
    # One row per actor that leads an event (the name of its first actor), in order of first
    # appearance, and an unlabelled row for the events that name none.
    names = {a["id"]: a["name"] for a in explainer["actors"]}
    leads = list(dict.fromkeys(names[e["actors"][0]] for e in events if e["actors"]))
    assert found["groups"] == [*leads, ""]
    # Dates as the page says them: the uncertain "..2024-03-22" in its words (display_date),
    # "2024-03-22" at its precision, a day.
    assert [s["date"] for s in found["slides"][1:3]] == ["by 22 March 2024", "March 22, 2024"]
    assert found["alerts"] == [] and found["injected"] == 0


HOSTILE = {
    "html": "<img src=x onerror=alert(1)>",
    "script": "</script><script>alert(2)</script><!--",
    "entities": "&lt;img src=x onerror=alert(3)&gt; &amp;amp;",
    "attribute": "\"' onmouseover=alert(4) x=\"",
}


def _hostile_project(root: Path) -> Path:
    actors = "".join(f"  {key}:\n    name: {json.dumps(value)}\n" for key, value in HOSTILE.items())
    events = "".join(
        f"  - date: {date}\n    title: {json.dumps(value)}\n    actors: [{key}]\n"
        for (key, value), date in zip(HOSTILE.items(), ("1956", "2024-02", "2024-02-28",
                                                        "2024-02-28T10:00:00+03:00"), strict=True))
    text = "    text: |\n      Said <script>alert(5)</script> here.\n\n      ![A <b>picture</b>](images/p.png)\n"
    front = f"title: {json.dumps(HOSTILE['html'])}\nsummary: A summary.\npublished: 2024-03-01\n"
    root.mkdir(parents=True)
    (root / "content/explainers").mkdir(parents=True)
    (root / "content/images").mkdir()
    (root / "content/images/p.png").write_bytes(tiny_png())
    (root / "content/explainers/evil.md").write_text(
        f"---\n{front}actors:\n{actors}timeline:\n{events}{text}---\nBody.\n", encoding="utf-8")
    return root


def test_hostile_text_in_a_timeline_stays_text_in_timelinejs(browser, tmp_path: Path) -> None:
    root = _hostile_project(tmp_path / "project")
    with serve_built(root, tmp_path / "site") as site:
        found = drawn(browser, site, "evil", last_has_media=True)
    values = list(HOSTILE.values())
    assert [s["headline"] for s in found["slides"]] == [HOSTILE["html"], *values]
    assert found["groups"] == values
    assert [s["date"] for s in found["slides"]][1:] == [
        "1956", "February 2024", "February 28, 2024", "28 February 2024, 10:00 UTC+03:00"]
    assert found["slides"][4]["alt"] == "A <b>picture</b>"
    assert found["alerts"] == [] and found["injected"] == 0

