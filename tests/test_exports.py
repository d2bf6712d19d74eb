"""Exports other tools read: `<slug>/timeline.json` (TimelineJS3's format, see
generator/timelinejs.py) and the site's `claims.json` (generator/claimsdata.py), against
real output: the example's files and small projects, the shapes docs/json.md documents,
incremental builds that equal a clean build, the link check. TimelineJS itself renders the
timeline in tests/browser/test_timelinejs.py; hostile text is in test_escaping.py.
"""

from __future__ import annotations

import html
import json
import re
from pathlib import Path
from typing import Any

import pytest
from helpers import (
    BASE,
    BASE_FILES,
    EXPORT_EDITS,
    LEAD_IMAGE,
    PNG,
    REPO,
    apply,
    build_errors,
    build_project,
    clean_build,
    clean_errors,
    copy_example,
    explainer,
    make_project,
    tree,
)

from generator.config import BuildOptions
from generator.dates import parse_date
from generator.eventdates import parse_event_date
from generator.model import TimelineEvent
from generator.pipeline import Builder
from generator.timelinejs import date_object, event_ids

SLUG = "crocus-city-hall-attack"
DOCS = (REPO / "docs/json.md").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def example(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example project built with the base URL its docs show."""
    root = copy_example(tmp_path_factory.mktemp("example") / "project")
    build_project(root, root / "site", "https://example.org/explainers/")
    return root / "site"


def read(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def documented_keys(heading: str) -> list[str]:
    """The keys in the first column of the table under `heading` in docs/json.md (a cell may
    name several: `hour`, `minute`, `second`)."""
    section = DOCS.split(f"\n{heading}\n", 1)[1].split("\n#", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("| `")]
    return [key for row in rows for key in re.findall(r"`([^`]+)`", row.split("|")[1])]


def documented_example(heading: str) -> Any:
    """The JSON block of the `### Example` after `heading` in docs/json.md."""
    section = DOCS.split(f"\n{heading}\n", 1)[1]
    return json.loads(section.split("```json\n", 1)[1].split("\n```", 1)[0])


# -- timeline.json -----------------------------------------------------------------------------

def test_the_example_timeline_has_a_slide_per_event_at_its_precision_grouped_by_actor(example: Path) -> None:
    data = read(example / SLUG / "timeline.json")
    source = read(example / SLUG / "explainer.json")
    events = source["timeline"]
    assert [html.unescape(e["text"]["headline"]) for e in data["events"]] == [e["title"] for e in events]
    names = {a["id"]: a["name"] for a in source["actors"]}
    assert [e.get("group") for e in data["events"]] == [names[e["actors"][0]] if e["actors"] else None
                                                          for e in events]
    # The U.S. warning came "before the attack": by 22 March 2024, placed at that day, and saying so.
    assert [e["start_date"] for e in data["events"][:2]] == [{"year": 2024, "month": 3, "day": 22}] * 2
    assert [e.get("display_date") for e in data["events"][:2]] == ["by 22 March 2024", None]
    ids = [e["unique_id"] for e in data["events"]]
    assert len(set(ids)) == len(ids) and "title" not in ids
    assert all(re.fullmatch(r"event-[a-z0-9]+(-[a-z0-9]+)*", i) and len(i) <= 66 for i in ids)
    assert data["title"]["text"]["headline"] == (f'<a href="https://example.org/explainers/{SLUG}/">'
                                                 f'{html.escape(source["title"])}</a>')
    # Every link is absolute: the file is read wherever the timeline is embedded.
    hrefs = re.findall(r'(?:href|src)="([^"]*)"', json.dumps(data, ensure_ascii=False).replace('\\"', '"'))
    assert hrefs and all(h.startswith("https://example.org/explainers/") for h in hrefs), hrefs


def test_dates_keep_their_precision() -> None:
    assert date_object(parse_date("1956")) == {"year": 1956}
    assert date_object(parse_date("2024-03")) == {"year": 2024, "month": 3}
    assert date_object(parse_date("2024-03-22")) == {"year": 2024, "month": 3, "day": 22}
    # A date-time's wall-clock time as written (the page's order); its offset is in display_date.
    assert date_object(parse_date("2024-03-22T20:00:00+03:00")) == {
        "year": 2024, "month": 3, "day": 22, "hour": 20, "minute": 0, "second": 0}
    assert date_object(parse_date("2024-03-22T20:00:05.250Z"))["millisecond"] == 250


def test_event_ids_are_made_of_date_and_title_and_stay_unique() -> None:
    def event(date: str, title: str) -> TimelineEvent:
        return TimelineEvent(parse_event_date(date), title, span=None)  # type: ignore[arg-type]

    assert event_ids([event("2024-03-22", "Gunmen attack"), event("2024-03-22", "Gunmen attack"),
                      event("2024", "Кто стоит за терактом?"), event("2024", "—")]) == [
        "event-2024-03-22-gunmen-attack", "event-2024-03-22-gunmen-attack-2",
        "event-2024-kto-stoit-za-teraktom", "event-2024"]
    long = event_ids([event("2024-03", "word " * 40)])[0]
    assert long == "event-2024-03" + "-word" * 10  # 57 characters after "event-": 11 words would be 62


def test_pictures_date_times_and_a_timeline_less_explainer(tmp_path: Path) -> None:
    events = ("  - date: 2024-03-02T10:00:00+03:00\n    title: Dated\n"
              "    text: \"![A <b>picture</b>](images/lead.png) of [the claim](@c1).\"\n"
              "    actors: [local-alpha]\n")
    root = make_project(tmp_path / "p", {**BASE_FILES, "content/explainers/alpha.md": explainer(
        "Alpha", events=events, extra=LEAD_IMAGE), "content/explainers/beta.md": explainer("Beta", events="")})
    out = root / "site"
    build_project(root, out, BASE)
    data = read(out / "alpha/timeline.json")
    assert data["title"]["media"] == {"url": f"{BASE}media/images/lead.png", "alt": "A lead picture.",
                                      "link": f"{BASE}alpha/", "credit": "A Photographer"}
    [event] = data["events"]
    assert event["media"] == {"url": f"{BASE}media/images/lead.png", "alt": "A <b>picture</b>"}
    assert event["display_date"] == "2 March 2024, 10:00 UTC+03:00"
    assert event["group"] == "Local Alpha"
    assert f'href="{BASE}alpha/#claim-c1"' in event["text"]["text"]
    assert not (out / "beta/timeline.json").exists()
    assert (out / "beta/index.html").is_file()


def test_a_broken_link_in_a_timeline_fails_the_build_at_the_file(tmp_path: Path) -> None:
    """A project's explainer page without the claims' anchors: the timeline's link to one is
    reported at timeline.json, and the site is not written."""
    events = "  - date: 2024-03\n    title: Event\n    text: See [the claim](@c1).\n"
    root = make_project(tmp_path / "p", {
        **BASE_FILES, "content/explainers/alpha.md": explainer("Alpha", events=events, body="Body."),
        "content/explainers/beta.md": explainer("Beta", events=""),
        "templates/explainer.html": "{% extends 'theme/explainer.html' %}{% block claims %}{% endblock %}"})
    errors = build_errors(Builder(BuildOptions(root, root / "site", base_url=BASE)))
    timeline_errors = [e for e in errors if "timeline.json" in e]
    assert len(timeline_errors) == 1, errors
    assert re.fullmatch(r"site/alpha/timeline\.json:1:\d+: error: broken link '\.\./alpha/#claim-c1': "
                        r"alpha/index\.html has no element with id 'claim-c1'; check the template or the "
                        r"link's target", timeline_errors[0]), timeline_errors
    assert not (root / "site").exists()


# -- claims.json ----------------------------------------------------------------------------

def test_claims_json_has_every_claim_of_the_example_as_its_explainer_json_does(example: Path) -> None:
    data = read(example / "claims.json")
    source = read(example / SLUG / "explainer.json")
    assert data["schema_version"] == 1
    assert data["site"] == {"title": "The Explainer Desk", "url": "https://example.org/explainers/"}
    claims = data["claims"]
    assert [c["id"] for c in claims] == [c["id"] for c in source["claims"]]
    actors = {a["id"]: a for a in source["actors"]}
    sources = {s["id"]: s for s in source["sources"]}
    questions = {q["id"]: q["question"] for q in source["questions"]}
    for claim, written in zip(claims, source["claims"], strict=True):
        page = f"https://example.org/explainers/{SLUG}/"
        assert claim["url"] == f"{page}#claim-{written['id']}"
        assert claim["explainer"] == {"slug": SLUG, "url": page, "title": source["title"]}
        actor = actors[written["by"]]
        assert claim["actor"] == {"id": actor["id"], "name": actor["name"], "kind": actor["kind"],
                                  "url": f"https://example.org/explainers/actors/{actor['id']}/"}
        # The explainer's wording and the actor's words stay apart.
        assert (claim["text"], claim["quote"]) == (written["text"], written["quote"])
        assert claim["status"] == written["status"]  # an id, never a label
        if written["date"] is not None:
            day = written["date"]
            assert claim["date"] == {"written": day, "iso": day, "precision": "day", "qualifier": "exact",
                                     "edtf": day, "earliest": day, "latest": day}
        else:
            assert claim["date"] is None
        assert claim["sources"] == [{k: sources[s][k] for k in ("id", "title", "publisher", "url")}
                                    for s in written["sources"]]
        assert claim["relations"] == {r: written[r] for r in ("contradicts", "supports", "responds_to")}
        assert claim["about"] == {"id": written["about"], "question": questions[written["about"]],
                                  "url": f"{page}#question-{written['about']}"}
    assert sum(c["quote"] is not None for c in claims) == 3


def test_claims_json_is_what_docs_json_md_documents(example: Path) -> None:
    data = read(example / "claims.json")
    assert documented_keys("### `claims.json`: top level") == list(data)
    assert all(documented_keys("### `claims.json`: `claims[]`") == list(claim) for claim in data["claims"])
    shown = documented_example("## `claims.json`")
    assert {k: v for k, v in shown.items() if k != "claims"} == {k: v for k, v in data.items() if k != "claims"}
    by_id = {claim["id"]: claim for claim in data["claims"]}
    assert shown["claims"] and all(claim == by_id[claim["id"]] for claim in shown["claims"])


def test_timeline_json_is_what_docs_json_md_documents(example: Path, tmp_path: Path) -> None:
    data = read(example / SLUG / "timeline.json")
    assert documented_keys("### `timeline.json`: top level") == list(data)
    shown = documented_example("## `<slug>/timeline.json`")
    assert shown["title"] == data["title"]
    by_id = {event["unique_id"]: event for event in data["events"]}
    assert shown["events"] and all(event == by_id[event["unique_id"]] for event in shown["events"])
    # Every key a slide or a date has in the example and a project with pictures and times.
    events = ("  - date: 2024-03-02T10:00:00.5+03:00\n    title: Dated\n"
              "    text: \"![A picture](images/lead.png).\"\n    actors: [local-alpha]\n")
    root = make_project(tmp_path / "p", {**BASE_FILES, "content/explainers/alpha.md": explainer(
        "Alpha", events=events, extra=LEAD_IMAGE)})
    build_project(root, root / "site", BASE)
    slides = [data["title"], *data["events"], *read(root / "site/alpha/timeline.json")["events"]]
    assert {key for slide in slides for key in slide} == set(documented_keys("### Slides"))
    dates = [slide["start_date"] for slide in slides if "start_date" in slide]
    assert {key for date in dates for key in date} == set(documented_keys("### Dates"))


def test_drafts_and_embargoed_explainers_are_never_in_claims_json(tmp_path: Path) -> None:
    root = make_project(tmp_path / "p", {
        **BASE_FILES,
        "content/explainers/draft.md": explainer("Draft", draft=True),
        "content/explainers/later.md": explainer("Later", published="2999-01-01")})
    out = root / "site"
    Builder(BuildOptions(root, out, base_url=BASE, drafts=True)).build()
    assert (out / "draft/index.html").is_file() and (out / "later/index.html").is_file()
    shown = {(c["explainer"]["slug"], c["id"]) for c in read(out / "claims.json")["claims"]}
    assert shown == {("alpha", "c1"), ("alpha", "c2"), ("beta", "c1"), ("beta", "c2")}


def test_a_site_without_explainers_has_an_empty_claims_json(tmp_path: Path) -> None:
    root = make_project(tmp_path / "p", {"content/actors/one.yaml": "name: One\n"})
    build_project(root, root / "site", BASE)
    assert read(root / "site/claims.json") == {"schema_version": 1, "site": {"title": "Explainers", "url": BASE},
                                               "claims": []}


# -- incremental builds ----------------------------------------------------------------------

@pytest.mark.parametrize("resident", [True, False], ids=["serve", "build"])
def test_export_edits_rebuild_like_a_clean_build(tmp_path: Path, resident: bool) -> None:
    """The edits of `EXPORT_EDITS` (also among the random edits of test_incremental), one
    after the other: serve's rebuilds and cached builds equal a clean build."""
    root = make_project(tmp_path / "project", {**BASE_FILES, "content/images/lead.png": PNG})
    out = root / "site"

    def builder() -> Builder:
        return Builder(BuildOptions(root, out, base_url=BASE, drafts=resident), resident=resident)

    kept = builder()
    assert not build_errors(kept)
    pictured, no_events, quoted, embargoed, lifted = EXPORT_EDITS
    # Each edit, and then: does alpha have a timeline, is `later` (under embargo) on the site.
    steps = [(pictured, True, False), (quoted, True, False), (embargoed, True, resident),
             (no_events, False, resident), (lifted, False, False), (pictured, True, False)]
    for edit, timeline, later in steps:
        apply(root, edit)
        errors = build_errors(kept if resident else builder())
        assert errors == [] == clean_errors(root, tmp_path / "clean", drafts=resident)
        assert tree(out) == clean_build(root, tmp_path / "clean", drafts=resident)
        assert (out / "alpha/timeline.json").exists() == timeline
        assert (out / "later/index.html").exists() == later
        assert "later" not in {c["explainer"]["slug"] for c in read(out / "claims.json")["claims"]}
    assert [e["group"] for e in read(out / "alpha/timeline.json")["events"] if "group" in e] == ["Local Alpha"]
