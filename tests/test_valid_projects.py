"""Any valid project builds and renders every id (a fuzzing property; issue #7, part 5).

`valid_projects`: structurally valid projects of every shape the contract allows (several
  explainers; inline actors shared identically between explainers; shared actors with
  affiliations and descriptions linking each other; claims with relations in both
  directions; sources; timeline events and claims at every date precision, exact or
  uncertain (around, by, from, between); Markdown with `@id` links;
  tags; corrections; drafts) and arbitrary text in every text field. Each must build (exit 0),
  and be valid to the JSON Schemas an editor checks its files with (docs/schema.md),
  and every id must be rendered: each actor card, each claim with its `data-status` and its
  relations both ways, each source, each timeline date as written, a page for every actor and
  tag; no two output paths may differ only in case; nothing in the site may run.

The other fuzzers: bytes the loader is given in test_load.py, Markdown token soups in
test_markdown_engines.py. CI runs a small share; the long run (`HYPOTHESIS_PROFILE=long` or
`EXPLAINER_HARDENING=long`, see helpers.py) thousands of examples. Examples are derandomized
in CI.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import json
import re
from typing import Any

import yaml
from helpers import assert_clean_cli, assert_site_is_inert, html_tree, hypothesis_settings, make_project, record
from schema_tools import schema_problems
from hypothesis import given
from hypothesis import strategies as st

from generator import cli
from generator.eventdates import parse_event_date
from generator.model import STATUSES

# -- strategies for valid projects ------------------------------------------------------------------

TEXT = st.text(st.characters(exclude_categories=("Cc", "Cs"), exclude_characters="\ufffe\uffff"),
               min_size=1, max_size=30).filter(lambda t: t.strip())
"""Any text a page can show (control characters are refused by validation, see test_load)."""
MD_TEXT = st.text(st.characters(exclude_categories=("Cc", "Cs"), exclude_characters="\ufffe\uffff<[]"),
                  min_size=1, max_size=30).filter(lambda t: t.strip())
"""Free text inside Markdown: without '[', ']' and '<' it cannot make a link of its own (a
relative link would be a broken link, a link to `ftp:` an error); the strategy adds links."""
WORD = st.from_regex(r"[a-z0-9]{1,8}(-[a-z0-9]{1,5}){0,2}", fullmatch=True)
MD_BLOCKS = ["\n\n## A heading\n\n", "\n\n> A quote\n> - in a list\n\n", "\n\n1. one\n2. two\n\n",
             " **strong** ", " *em* ", " `code` ", "\n\n| a | b |\n| --- | --- |\n| c | d |\n\n",
             "\n\n```\nfenced <code>\n```\n\n", " [site](https://example.org/x?a=1&b=2) ", "\n\n---\n\n"]
PAST = st.dates(min_value=dt.date(1990, 1, 1), max_value=dt.date(2024, 12, 31))
OFFSETS = st.sampled_from(["Z", "+00:00", "+03:00", "-05:30", "+14:00", "-12:00"])


def any_date(draw: Any) -> str:
    """A date at any precision the contract allows: year, month, day or date-time."""
    # Not the first or last day: their extreme hours have no UTC time (see dates.parse_date).
    day = draw(st.dates(min_value=dt.date(1, 1, 2), max_value=dt.date(9999, 12, 30)))
    precision = draw(st.sampled_from(["year", "month", "day", "datetime"]))
    if precision == "year":
        return f"{day.year:04d}"
    if precision == "month":
        return f"{day.year:04d}-{day.month:02d}"
    if precision == "day":
        return day.isoformat()
    moment = draw(st.times())
    return f"{day.isoformat()}T{moment.strftime('%H:%M:%S')}{draw(OFFSETS)}"


def event_date(draw: Any) -> str:
    """A claim's or a timeline event's date: any exact date, or around, by, from or between
    in either spelling (generator/eventdates.py)."""
    form = draw(st.sampled_from(["exact", "exact", "~{}", "{}~", "..{}", "../{}", "{}..", "{}/..", "between"]))
    if form == "exact":
        return any_date(draw)
    day = draw(st.dates(min_value=dt.date(1, 1, 1), max_value=dt.date(9998, 12, 31)))
    written = draw(st.sampled_from([f"{day.year:04d}", f"{day.year:04d}-{day.month:02d}", day.isoformat()]))
    if form != "between":
        return form.format(written)
    return f"{written}{draw(st.sampled_from(['..', '/']))}{day.year + 1:04d}"


def full_date(draw: Any, after: dt.date | None = None) -> str:
    day = draw(st.dates(min_value=after or dt.date(1990, 1, 1), max_value=dt.date(2030, 12, 31)))
    if draw(st.booleans()):
        return day.isoformat()
    # Noon UTC+00:00, so that the instant is never before a plain `published` day.
    return f"{day.isoformat()}T{draw(st.integers(12, 23)):02d}:00:00Z"


def markdown_text(draw: Any, targets: list[str]) -> str:
    parts = draw(st.lists(st.one_of(MD_TEXT, st.sampled_from(MD_BLOCKS),
                                    st.sampled_from(targets or ["x"]).map(lambda i: f" [link text](@{i}) ")
                                    if targets else MD_TEXT), min_size=1, max_size=6))
    return "".join(parts)


def ids(draw: Any, prefix: str, max_size: int, min_size: int = 0) -> list[str]:
    return [f"{prefix}-{w}" for w in draw(st.lists(WORD, min_size=min_size, max_size=max_size, unique=True))]


@st.composite
def valid_projects(draw: Any) -> dict[str, Any]:
    """{"files": {path: text}, "explainers": {slug: front matter}, "shared": {id: fields}, "tags": [...]}"""
    shared_ids = ids(draw, "s", 3)
    shared: dict[str, dict[str, Any]] = {}
    for actor_id in shared_ids:
        fields: dict[str, Any] = {"name": draw(TEXT), "kind": draw(st.sampled_from(
            ["person", "organization", "government", "group", "media"]))}
        if draw(st.booleans()):
            fields["role"] = draw(TEXT)
        others = [o for o in shared_ids if o != actor_id]
        if others and draw(st.booleans()):
            fields["affiliation"] = draw(st.sampled_from(others))
        if draw(st.booleans()):
            fields["description"] = markdown_text(draw, others)
        if draw(st.booleans()):
            fields["wikidata"] = f"Q{draw(st.integers(1, 10**8))}"
            fields["links"] = ["https://example.org/" + draw(WORD)]
        shared[actor_id] = fields
    # Inline actors that several explainers define identically: one actor, one page.
    pool = {actor_id: {"name": draw(TEXT), "role": draw(TEXT)} for actor_id in ids(draw, "a", 4)}
    tag_pool = draw(st.lists(WORD, min_size=1, max_size=5, unique=True))
    slugs = draw(st.lists(WORD, min_size=1, max_size=4, unique=True).filter(
        lambda s: not set(s) & {"actors", "tags", "assets", "media", "schema"}))
    explainers: dict[str, dict[str, Any]] = {}
    for slug in slugs:
        inline = draw(st.lists(st.sampled_from(sorted(pool)), unique=True, max_size=3)) if pool else []
        sources = ids(draw, "src", 3)
        claims = ids(draw, "c", 4)
        actors = inline + shared_ids
        published = draw(PAST)
        front: dict[str, Any] = {"title": draw(TEXT), "summary": draw(TEXT), "published": published.isoformat()}
        if draw(st.booleans()):
            front["updated"] = full_date(draw, published + dt.timedelta(days=1))
        if draw(st.booleans()):
            front["authors"] = draw(st.lists(TEXT, min_size=1, max_size=3))
        front["tags"] = draw(st.lists(st.sampled_from(tag_pool), unique=True, max_size=3))
        if inline:
            front["actors"] = {a: dict(pool[a]) for a in inline}  # identical in every explainer
        if sources:
            front["sources"] = {}
            for s in sources:
                source: dict[str, Any] = {"title": draw(TEXT)}
                if draw(st.booleans()):
                    source["publisher"] = draw(TEXT)
                if draw(st.booleans()):
                    source["url"] = f"https://example.org/{draw(WORD)}?q={draw(WORD)}&r=1"
                if draw(st.booleans()):
                    source["date"] = any_date(draw)
                front["sources"][s] = source
        if claims and actors:
            front["claims"] = {}
            for c in claims:
                claim: dict[str, Any] = {"by": draw(st.sampled_from(actors)), "text": draw(TEXT),
                                         "status": draw(st.sampled_from(STATUSES))}
                if draw(st.booleans()):
                    claim["quote"] = draw(TEXT)
                if draw(st.booleans()):
                    claim["date"] = event_date(draw)
                if sources and draw(st.booleans()):
                    claim["sources"] = draw(st.lists(st.sampled_from(sources), unique=True, min_size=1, max_size=2))
                if draw(st.booleans()):
                    claim["note"] = markdown_text(draw, actors + claims + sources)
                others = [o for o in claims if o != c]
                for relation in ("contradicts", "supports", "responds_to"):
                    if others and draw(st.booleans()):
                        claim[relation] = draw(st.lists(st.sampled_from(others), unique=True, min_size=1,
                                                        max_size=2))
                front["claims"][c] = claim
        else:
            claims = []
        events = []
        for _ in range(draw(st.integers(0, 4))):
            event: dict[str, Any] = {"date": event_date(draw), "title": draw(TEXT)}
            if draw(st.booleans()):
                event["text"] = markdown_text(draw, actors + claims + sources)
            if actors and draw(st.booleans()):
                event["actors"] = draw(st.lists(st.sampled_from(actors), unique=True, min_size=1, max_size=2))
            if claims and draw(st.booleans()):
                event["claims"] = draw(st.lists(st.sampled_from(claims), unique=True, min_size=1, max_size=2))
            if sources and draw(st.booleans()):
                event["sources"] = draw(st.lists(st.sampled_from(sources), unique=True, min_size=1, max_size=2))
            events.append(event)
        if events:
            front["timeline"] = events
        if draw(st.integers(0, 4)) == 0:
            front["corrections"] = [{"date": full_date(draw, published), "text": draw(TEXT)}]
        if draw(st.integers(0, 6)) == 0:
            front["draft"] = True
        front["__body__"] = markdown_text(draw, actors + claims + sources)
        explainers[slug] = front
    files = {"site.yaml": dump({"title": draw(TEXT), "base_url": "https://example.org/news/"})}
    for actor_id, fields in shared.items():
        files[f"content/actors/{actor_id}.yaml"] = dump(fields)
    for slug, front in explainers.items():
        body = front.pop("__body__")
        files[f"content/explainers/{slug}.md"] = "---\n" + dump(front) + "---\n" + body + "\n"
        front["__body__"] = body
    return {"files": files, "explainers": explainers, "shared": shared}


def dump(data: object) -> str:
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=10_000)


AT_LINK = re.compile(r"\]\(@([a-z0-9-]+)\)")


def page_actors(front: dict[str, Any], shared: dict[str, Any]) -> set[str]:
    """The actors whose card the explainer page must show: its inline actors, and every shared
    actor it refers to (as a claim's author, in an event, or by an `@id` link)."""
    referred = {c["by"] for c in front.get("claims", {}).values()}
    referred |= {a for e in front.get("timeline", []) for a in e.get("actors", [])}
    texts = [front["__body__"]] + [c.get("note", "") for c in front.get("claims", {}).values()]
    texts += [e.get("text", "") for e in front.get("timeline", [])]
    referred |= {m for t in texts for m in AT_LINK.findall(t)}
    return set(front.get("actors", {})) | {a for a in referred if a in shared}


@hypothesis_settings(ci=25, long=600)
@given(data=valid_projects())
def test_every_valid_project_builds_and_renders_every_id(tmp_path_factory, data: dict[str, Any]) -> None:
    record("valid project")
    root = make_project(tmp_path_factory.mktemp("valid"), data["files"])
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        code = cli.main(["build", "--root", str(root)])
    assert_clean_cli(code, err.getvalue(), allowed=(0,))
    # An editor checking the files with the JSON Schemas flags none of them (docs/schema.md).
    assert schema_problems(root) == []
    site = root / "site"
    outputs = [p.relative_to(site).as_posix() for p in site.rglob("*") if p.is_file()]
    assert len({p.lower() for p in outputs}) == len(outputs), "two outputs differ only in case"
    actor_pages = set(data["shared"])
    tags: set[str] = set()
    for slug, front in data["explainers"].items():
        page = site / slug / "index.html"
        if front.get("draft"):
            assert not page.exists()
            continue
        tags |= set(front["tags"])
        actor_pages |= set(front.get("actors", {}))
        tree = html_tree(page)
        elements = {el.get("id"): el for el in tree.iter() if el.get("id")}
        for actor_id in page_actors(front, data["shared"]):
            assert f"actor-{actor_id}" in elements, f"{slug}: no card for {actor_id}"
        claims = front.get("claims", {})
        for claim_id, claim in claims.items():
            element = elements.get(f"claim-{claim_id}")
            assert element is not None and element.get("data-status") == claim["status"], f"{slug}: {claim_id}"
            links = {a.get("href") for a in element.iter("a")}
            for relation in ("contradicts", "supports", "responds_to"):
                for other in claim.get(relation, []):
                    assert f"#claim-{other}" in links, f"{slug}: {claim_id} {relation} {other}"
                    other_links = {a.get("href") for a in elements[f"claim-{other}"].iter("a")}
                    assert f"#claim-{claim_id}" in other_links, f"{slug}: {other} does not show {claim_id}"
        for source_id in front.get("sources", {}):
            assert f"source-{source_id}" in elements, f"{slug}: {source_id}"
        timeline = [ol for ol in tree.iter("ol") if "timeline" in (ol.get("class") or "").split()]
        events = front.get("timeline", [])
        if events:
            assert len(timeline) == 1
            # An exact date as written in `datetime`; an uncertain one in EDTF in `data-edtf`.
            written = sorted(parse_event_date(str(e["date"])).edtf() for e in events)
            dates = [next(el for el in li.iter() if el.tag == "time" or el.get("data-edtf"))
                     for li in timeline[0].findall("li")]
            shown = sorted(el.get("data-edtf") or el.get("datetime") for el in dates)
            assert shown == written
        data_json = json.loads((site / slug / "explainer.json").read_text("utf-8"))
        assert {c["id"] for c in data_json["claims"]} == set(claims)
    for actor_id in actor_pages:
        assert (site / "actors" / actor_id / "index.html").is_file(), f"no page for actor {actor_id}"
    for tag in tags:
        assert (site / "tags" / tag / "index.html").is_file()
    assert_site_is_inert(site)
