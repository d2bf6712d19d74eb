"""Fuzzing (issue #7, part 5): valid projects always build; no bytes make the loader crash.

- `valid_projects`: structurally valid projects of every shape the contract allows (several
  explainers; inline actors shared identically between explainers; shared actors with
  affiliations and descriptions linking each other; claims with relations in both
  directions; sources; timeline events at every date precision; Markdown with `@id` links;
  tags; corrections; drafts) and arbitrary text in every text field. Each must build (exit 0),
  and every id must be rendered: each actor card, each claim with its `data-status` and its
  relations both ways, each source, each timeline date as written, a page for every actor and
  tag; no two output paths may differ only in case; nothing in the site may run.
- Byte-level fuzzing of the loader: arbitrary bytes, and a valid explainer mutated (bytes
  flipped, truncated, `---` inserted, lines repeated or dropped, random Unicode inserted), as
  an explainer, a shared actor and site.yaml at once. `explainer check` must exit 0 or 1,
  print no traceback, and print only `path:line:col: error: ...` lines (inside the file) or
  `explainer: ...` lines.
- Markdown token soups render in time linear in their length, whichever engine renders them.

CI runs a small share; the long run (`HYPOTHESIS_PROFILE=long` or `EXPLAINER_HARDENING=long`,
see test_hardening_common) thousands of examples. Examples are derandomized in CI.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import json
import os
import re
import tempfile
import time
from pathlib import Path
from typing import Any

import pytest
import yaml
from helpers import (
    FILE_LINE,
    NO_FILE_LINE,
    assert_clean_cli,
    assert_site_is_inert,
    html_tree,
    hypothesis_settings,
    make_project,
)
from hypothesis import assume, given
from hypothesis import strategies as st

from generator import cli, markdown
from generator.config import SiteConfig
from generator.diagnostics import Diagnostics
from generator.load import load_explainer, load_shared_actor
from generator.model import STATUSES
from generator.resolve import resolve_explainer, resolve_shared_actors
from generator.validate import validate_explainer, validate_shared_actors

REPORT = os.environ.get("HARDENING_REPORT")
"""A file to append example counts to (the long run writes docs/hardening.md's table from it)."""


def record(name: str) -> None:
    if REPORT:
        with open(REPORT, "a", encoding="utf-8") as handle:
            handle.write(json.dumps({"test": name}) + "\n")


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
        lambda s: not set(s) & {"actors", "tags", "assets", "media"}))
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
                    claim["date"] = any_date(draw)
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
            event: dict[str, Any] = {"date": any_date(draw), "title": draw(TEXT)}
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
            written = sorted(str(e["date"]) for e in events)
            shown = sorted(li.find(".//time").get("datetime") for li in timeline[0].findall("li"))  # type: ignore[union-attr]
            assert shown == written
        data_json = json.loads((site / slug / "explainer.json").read_text("utf-8"))
        assert {c["id"] for c in data_json["claims"]} == set(claims)
    for actor_id in actor_pages:
        assert (site / "actors" / actor_id / "index.html").is_file(), f"no page for actor {actor_id}"
    for tag in tags:
        assert (site / "tags" / tag / "index.html").is_file()
    assert_site_is_inert(site)


# -- byte-level fuzzing of the loader --------------------------------------------------------------

VALID = (
    b"---\n"
    b"title: Who was behind the attack?\n"
    b"summary: Competing claims, and the evidence for each.\n"
    b"published: 2024-03-28\n"
    b"tags: [russia, terrorism]\n"
    b"actors:\n"
    b"  putin:\n"
    b"    name: Vladimir Putin\n"
    b"    role: President of Russia\n"
    b"    description: |\n"
    b"      Leads [Russia](@russia).\n"
    b"sources:\n"
    b"  tass:\n"
    b"    title: Putin's address\n"
    b"    url: https://example.org/tass\n"
    b"    date: 2024-03-23\n"
    b"claims:\n"
    b"  window:\n"
    b"    by: putin\n"
    b"    text: A \"window\" was prepared.\n"
    b"    sources: [tass]\n"
    b"    status: unproven\n"
    b"    note: No evidence, says [TASS](@tass).\n"
    b"timeline:\n"
    b"  - date: 2024-03-22T20:00:00+03:00\n"
    b"    title: Gunmen attack\n"
    b"    actors: [putin]\n"
    b"---\n"
    b"[Mr. Putin](@putin) said [so](@window).\n"
)
SHARED = b"name: Russia\nkind: government\ndescription: |\n  A state.\n"
SITE = b"title: The Desk\nbase_url: https://example.org/news/\nallow_html: false\n"

INSERTS = [b"---\n", b"---", b"\n", b"\r\n", b"\r", b"...\n", b"\t", b": ", b"- ", b"[", b"{", b"&a ", b"*a", b"!!python/object ",
           b"\xef\xbb\xbf", b"\xff\xfe", b"\x00", b"\xc3", b"\xe2\x80\xae", b"\xe2\x80\xa8", b"'", b'"', b"|", b">",
           b"%YAML 1.1\n", b"<<: ", b"? ", b"#", b"@", b"`", b"\\", b"\x85", b"2024-13-45", b"](@", b"\xf0\x9f\x92"]


@st.composite
def mutated(draw: Any, base: bytes) -> bytes:
    """`base` after a few random edits: flips, cuts, insertions, repeats, deletions."""
    data = bytearray(base)
    for _ in range(draw(st.integers(1, 6))):
        op = draw(st.sampled_from(["flip", "truncate", "insert", "unicode", "delete", "repeat", "replace-line"]))
        at = draw(st.integers(0, max(len(data), 1)))
        if op == "flip" and data:
            at = min(at, len(data) - 1)
            data[at] ^= 1 << draw(st.integers(0, 7))
        elif op == "truncate":
            del data[at:]
        elif op == "insert":
            data[at:at] = draw(st.sampled_from(INSERTS))
        elif op == "unicode":
            data[at:at] = draw(st.text(min_size=1, max_size=4)).encode("utf-8", "surrogatepass")
        elif op == "delete":
            del data[at:at + draw(st.integers(1, 40))]
        elif op == "repeat":
            data[at:at] = bytes(data[at:at + draw(st.integers(1, 60))])
        elif op == "replace-line":
            lines = bytes(data).split(b"\n")
            index = draw(st.integers(0, len(lines) - 1))
            lines[index] = draw(st.binary(max_size=30))
            data = bytearray(b"\n".join(lines))
    return bytes(data)


loader_inputs = st.one_of(st.binary(max_size=400), mutated(VALID), mutated(SHARED),
                          st.binary(max_size=100).map(lambda b: b"---\n" + b + b"\n---\nBody\n"))


def file_lines(data: bytes) -> list[str]:
    text = data.decode("utf-8", "replace")
    text = text.removeprefix("\ufeff")
    return text.replace("\r\n", "\n").replace("\r", "\n").split("\n")


def assert_check_is_clean(root: Path, code: int, err: str) -> None:
    lines = assert_clean_cli(code, err)
    for line in lines:
        match = FILE_LINE.match(line)
        if not match:
            assert NO_FILE_LINE.match(line), line
            continue
        path = root / match["path"]
        assert path.is_file(), f"{line!r} names no file"
        flines = file_lines(path.read_bytes())
        number, column = int(match["line"]), int(match["col"])
        assert 1 <= number <= len(flines), f"{line!r}: the file has {len(flines)} lines"
        assert 1 <= column <= len(flines[number - 1]) + 1, f"{line!r}: line {number} is {len(flines[number - 1])} long"


@hypothesis_settings(ci=40, long=5000)
@given(explainer=loader_inputs, actor=st.one_of(st.just(SHARED), mutated(SHARED), st.binary(max_size=200)),
       site=st.one_of(st.just(SITE), mutated(SITE)))
def test_check_never_crashes_on_any_bytes(tmp_path_factory, explainer: bytes, actor: bytes, site: bytes) -> None:
    """The whole command, templates included: ~50 ms an example."""
    record("loader bytes (check)")
    root = make_project(tmp_path_factory.mktemp("bytes"), {"content/explainers/story.md": explainer,
                                                           "content/actors/russia.yaml": actor, "site.yaml": site})
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        code = cli.main(["check", "--root", str(root)])
    assert_check_is_clean(root, code, err.getvalue())


_WORKDIR = Path(tempfile.mkdtemp(prefix="explainer-fuzz-"))
(_WORKDIR / "content" / "explainers").mkdir(parents=True)
(_WORKDIR / "content" / "actors").mkdir(parents=True)


@hypothesis_settings(ci=300, long=20000)
@given(explainer=loader_inputs, actor=st.one_of(mutated(SHARED), st.binary(max_size=200)))
def test_load_validate_resolve_never_raise(explainer: bytes, actor: bytes) -> None:
    """The same stages without the command line and the templates, ~1 ms an example, so many
    more examples: load, validate, resolve must report, never raise, and every position must
    be inside the file."""
    record("loader bytes (stages)")
    story = _WORKDIR / "content/explainers/story.md"
    russia = _WORKDIR / "content/actors/russia.yaml"
    story.write_bytes(explainer)
    russia.write_bytes(actor)
    diags = Diagnostics()
    config = SiteConfig()
    raw_actor = load_shared_actor(_WORKDIR, russia, diags)
    shared = validate_shared_actors([raw_actor] if raw_actor else [], set(), diags)
    resolve_shared_actors(shared, config, diags)
    raw = load_explainer(_WORKDIR, story, diags)
    if raw is not None:
        model = validate_explainer(raw, shared, set(), diags)
        if model is not None:
            resolve_explainer(model, shared, config, diags)
    err = "\n".join(str(d) for d in diags.sorted())
    assert_check_is_clean(_WORKDIR, 1 if diags.errors else 0, err)


# -- Markdown: time linear in the length ------------------------------------------------------------

MD_TOKENS = ["[", "]", "(", ")", "![", "](", "[a]:", "[a]: /u\n", "<", ">", "*", "_", "**", "`", "```\n", "~~~\n", "#",
             "|", "\\", "&", "&#", "&amp;", "- ", "* ", "1. ", "1) ", "> ", "\n", "\n\n", "    ", "\t", "[a](", "[a][",
             "<http://", "a\n===\n", "a\n---\n", "***\n", "|a|\n", "|-|\n", "  \n", "\\\n", "x", "word ", "](@id)",
             "~", "~~", "[^1]", "[^1]: ", "^[", "[^"]


@hypothesis_settings(ci=60, long=3000)
@given(parts=st.lists(st.sampled_from(MD_TOKENS), min_size=1, max_size=40), repeat=st.integers(1, 2000))
def test_markdown_renders_in_linear_time(parts: list[str], repeat: int) -> None:
    """A token soup repeated up to 2,000 times: each engine is linear on what it is given
    (pyrs only where `pyrs_is_safe`), so ~50 KB of anything renders in well under a second."""
    record("markdown soup")
    source = "".join(parts) * repeat
    assume(len(source) <= 60_000)
    started = time.perf_counter()
    markdown.to_html(source, False)
    elapsed = time.perf_counter() - started
    assert elapsed < 0.5 + len(source) / 20_000, f"{elapsed:.2f} s for {len(source)} characters: {parts!r}"


# -- what the fuzzers found, kept as plain tests ------------------------------------------------

def test_a_bracket_then_an_unclosed_backtick_renders(project, cli_run) -> None:
    """markdown-it-pyrs 0.4 panics on `[` followed by a backtick run nothing closes ("see [`",
    "[x `y"): a Rust backtrace and a PanicException traceback. Such text is rendered by
    markdown-it-py instead (`markdown.pyrs_is_safe`), giving the same HTML."""
    for text in ("see [`", "[x `y", "![a`", "[x\n`y", "| [a | `b |\n|---|---|\n| c | d |", "[`]", "[a](b`) [`",
                 "[ <http://x`> `a", "![- ](``)> # ![``]\\", "[ ](![\\*]`# )![\\ `"):
        assert not markdown.pyrs_is_safe(text), text
        assert markdown.to_html(text, False) == markdown._engine(False, "py")(text)
    root = project({"content/explainers/a.md": "---\ntitle: T\nsummary: S\npublished: 2024-01-01\n---\n"
                                               "Press [Ctrl-` to open it.\n"})
    result = cli_run("build", "--root", root)
    assert result.code == 0, result.err
    assert "Press [Ctrl-` to open it." in (root / "site/a/index.html").read_text("utf-8")


def test_closed_code_spans_after_brackets_keep_the_fast_engine() -> None:
    for text in ("[`code` in a link](https://example.org/)", "[a] and `b`", "`x` [a](https://example.org/) `y`"):
        assert markdown.pyrs_is_safe(text), text


def test_invalid_utf8_after_a_lone_carriage_return_is_on_the_next_line(project, cli_run) -> None:
    root = project({"content/explainers/a.md": "---\ntitle: T\nsummary: S\npublished: 2024-01-01\n---\nx\n",
                    "content/actors/r.yaml": b"name: A\r\x80"})
    result = cli_run("check", "--root", root)
    assert result.error_lines == ["content/actors/r.yaml:2:1: error: file is not valid UTF-8 (byte 0x80); "
                                  "save the file as UTF-8"]


def test_yaml_error_at_the_end_of_a_file_without_final_line_break_is_inside_the_file(project, cli_run) -> None:
    root = project({"content/explainers/a.md": "---\ntitle: T\nsummary: S\npublished: 2024-01-01\n---\nx\n",
                    "site.yaml": b"title: The Desk\nb"})
    result = cli_run("check", "--root", root)
    assert result.error_lines == ["site.yaml:2:2: error: invalid YAML: could not find expected ':' (while scanning "
                                  "a simple key that starts at line 2, column 1)"]


def test_a_date_time_outside_the_utc_years_is_an_error_not_a_traceback(project, cli_run) -> None:
    """The embargo check converts `published` to UTC, which Python cannot do for the last hours
    of year 9999 west of Greenwich: that was a traceback after the site was written."""
    root = project({"content/explainers/a.md": "---\ntitle: T\nsummary: S\npublished: 9999-12-31T23:59:59-12:00\n"
                                               "---\nx\n"})
    result = cli_run("build", "--root", root, "--drafts")
    assert result.code == 1 and "Traceback" not in result.err
    assert result.error_lines == ["content/explainers/a.md:4:12: error: invalid date in 'published': "
                                  "'9999-12-31T23:59:59-12:00' is out of range: in UTC it falls outside the years 1 "
                                  "to 9999; use YYYY-MM-DD or 2024-03-22T20:00:00+03:00"]


def test_a_named_pipe_is_refused_instead_of_blocking_the_build(project, cli_run) -> None:
    root = project({"content/explainers/a.md": "---\ntitle: T\nsummary: S\npublished: 2024-01-01\n---\nx\n"})
    os.mkfifo(root / "content/explainers/pipe.md")
    result = cli_run("check", "--root", root)
    assert result.error_lines == ["content/explainers/pipe.md:1:1: error: not a regular file; replace it with a "
                                  "text file"]


def test_a_file_deleted_during_the_build_is_as_if_never_listed(project) -> None:
    from generator.load import read_text

    root = project({"content/explainers/a.md": "x"})
    diags = Diagnostics()
    assert read_text(root, root / "content/explainers/gone.md", diags) is None
    assert diags.items == []
    (root / "content/explainers/dangling.md").symlink_to(root / "nowhere.md")
    assert read_text(root, root / "content/explainers/dangling.md", diags) is None
    assert [str(d) for d in diags.items] == ["content/explainers/dangling.md:1:1: error: cannot read file: it is a "
                                             "symbolic link to a file that does not exist"]


@pytest.mark.parametrize("where", ["site.yaml", "--base-url"])
def test_a_base_url_with_a_stray_bracket_is_an_error_not_a_traceback(project, where: str) -> None:
    files = {"content/explainers/a.md": "---\ntitle: T\nsummary: S\npublished: 2024-01-01\n---\nx\n"}
    if where == "site.yaml":
        files["site.yaml"] = "base_url: https://[example.org/news/\n"
    root = project(files)
    # `check` has no --base-url (it writes no URLs): the option belongs to `build`.
    args = (["check", "--root", str(root)] if where == "site.yaml"
            else ["build", "--root", str(root), "--base-url", "https://[example.org/"])
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        code = cli.main(args)
    assert code == 1
    assert_clean_cli(code, err.getvalue())
