"""Property tests (Hypothesis): whatever an author writes, the generator either builds or
reports located errors, never a traceback; positions fall inside the file; dates round-trip.

The examples are derandomized (see the profile in conftest.py): every run checks the same
cases, so a failure here is reproducible and CI is deterministic.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from xml.etree import ElementTree

import yaml
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from generator.dates import DateError, parse_date
from generator.diagnostics import Diagnostics
from generator.load import split_front_matter
from generator.model import STATUSES
from helpers import html_tree, iter_files, text_of

BUILD_EXAMPLES = 50
"""Examples for the properties that run a whole build (~40 ms each, mostly compiling the
theme's templates); the cheap properties use the profile's 150."""

EXPLAINER = "content/explainers/story.md"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"

FILE_LINE = re.compile(r"^(?P<path>[^:\n]+):(?P<line>\d+):(?P<col>\d+): (?P<severity>error|warning): .+")
NO_FILE_LINE = re.compile(r"^explainer: (error|warning): .+")
SUMMARY = re.compile(r"^explainer: \d+ errors?; nothing was written$")


# -- strategies --------------------------------------------------------------------------------

ids = st.one_of(
    st.sampled_from(["putin", "lukashenko", "tass", "window", "route", "russia", "x", "Bad_Id", "a--b", "-",
                     "tags", "12"]),
    st.from_regex(r"[a-z0-9]{1,6}(-[a-z0-9]{1,4})?", fullmatch=True),
)
date_texts = st.one_of(
    st.sampled_from(["1956", "2022-02", "2024-03-27", "2024-03-22T20:00:00+03:00", "2024-03-22T17:00:00Z",
                     "2023-02-30", "2023-13", "next week", "2024-03-22T20:00Z", "0000", "2024-02-29"]),
    st.dates().map(str),
    st.integers(0, 99999).map(str),
)
date_values = st.one_of(date_texts, st.dates(), st.integers(0, 3000))
"""Strings (dumped quoted when they look like dates) and date/int objects (dumped unquoted)."""
short_text = st.text(max_size=20)
markdown = st.lists(
    st.one_of(short_text, ids.map(lambda i: f"[link](@{i})"), st.sampled_from([
        "<script>alert(1)</script>", "| a | b |\n| --- | --- |\n| [c](@putin) | d |\n", "**bold**", "\n\n",
        "[bad](javascript:alert(1))", "[ref]: @tass\n", "> quote\n", "- item\n", "`code [x](@y)`"])),
    max_size=6,
).map(" ".join)
scalars = st.one_of(short_text, st.integers(), st.booleans(), st.none(), date_values,
                    st.floats(allow_nan=False, allow_infinity=False))
anything = st.recursive(scalars, lambda children: st.lists(children, max_size=3)
                        | st.dictionaries(short_text, children, max_size=3), max_leaves=8)
relation_lists = st.lists(ids, max_size=3)

actor = st.fixed_dictionaries({"name": short_text}, optional={
    "kind": st.sampled_from(["person", "organization", "government", "group", "media", "persn"]),
    "role": short_text, "affiliation": ids, "description": markdown,
    "image": st.sampled_from(["images/p.png", "../x.png", "images/nope.png", "/etc/passwd", "images/p.svg"]),
})
source = st.fixed_dictionaries({"title": short_text}, optional={
    "publisher": short_text, "date": date_values,
    "url": st.sampled_from(["https://example.org/a?b=1&c=2", "javascript:alert(1)", "ftp://x.org/", "http://",
                            "https://例え.jp/パス"]),
})
claim = st.fixed_dictionaries({"by": ids, "text": short_text}, optional={
    "quote": short_text, "date": date_values, "sources": st.lists(ids, max_size=3),
    "status": st.sampled_from(STATUSES + ("fals", "")), "note": markdown,
    "contradicts": relation_lists, "supports": relation_lists, "responds_to": relation_lists,
})
event = st.fixed_dictionaries({"date": date_values, "title": short_text}, optional={
    "text": markdown, "actors": st.lists(ids, max_size=3), "claims": st.lists(ids, max_size=3),
    "sources": st.lists(ids, max_size=3),
})
front_matter = st.fixed_dictionaries(
    {"title": st.one_of(short_text, anything), "summary": short_text, "published": date_values},
    optional={
        "updated": date_values, "authors": st.lists(short_text, max_size=3), "tags": st.lists(ids, max_size=3),
        "actors": st.dictionaries(ids, st.one_of(actor, anything), max_size=3),
        "sources": st.dictionaries(ids, st.one_of(source, anything), max_size=3),
        "claims": st.dictionaries(ids, st.one_of(claim, anything), max_size=4),
        "timeline": st.lists(st.one_of(event, anything), max_size=4),
        "extra": anything,
    },
)
site_yaml = st.fixed_dictionaries({}, optional={
    "title": short_text, "allow_html": st.one_of(st.booleans(), short_text),
    "base_url": st.sampled_from(["https://example.org/news/", "/", "/sub/", "ftp://x", "example.org"]),
    "language": short_text, "titel": short_text,
})

YAML_TOKENS = ["title", "summary", "published", "actors", "claims", "timeline", "sources", "tags", "by", "text",
               "note", "date", ":", ": ", " ", "  ", "\n", "\n  ", "- ", "[", "]", "{", "}", ", ", "'", '"', "|",
               "|-", ">", "&a ", "*a", "!!str ", "!!python/object:os.system ", "!x ", "#", "? ", "<<: ",
               "2024-03-27", "1956", "2023-02-30", "@putin", "[x](@y)", "\t", "\\", "%YAML 1.2\n", "---", "...",
               "~", "null", "yes", "\u2028", "\x85", "\ufeff", "\x07"]
yamlish = st.lists(st.one_of(st.sampled_from(YAML_TOKENS), st.text(max_size=4)), max_size=40).map("".join)


def dump(data: object) -> str:
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False, default_flow_style=None)


# -- checking the outcome ------------------------------------------------------------------------

def file_lines(data: bytes) -> list[str]:
    """The file's lines as an editor shows them (what positions count in)."""
    text = data.decode("utf-8", "replace")
    if text.startswith("\ufeff"):
        text = text[1:]
    return text.replace("\r\n", "\n").replace("\r", "\n").split("\n")


def assert_clean_outcome(code: int, err: str, root: Path) -> None:
    """Exit 0 or 1; every stderr line in the contract's form; positions inside their file."""
    assert "Traceback" not in err
    assert code in (0, 1), err
    lines = err.splitlines()
    assert lines, "a build always says something"
    if code == 1:
        assert SUMMARY.match(lines[-1]), lines[-1]
        body = lines[:-1]
        assert any(": error: " in line for line in body)
    else:
        body = lines[:-1]  # the last line says what was written, or that there are no errors
        assert lines[-1].startswith("explainer: ") and ": error: " not in lines[-1]
    for line in body:
        match = FILE_LINE.match(line)
        assert match or NO_FILE_LINE.match(line), f"not in the contract's form: {line!r}"
        if code == 0:
            assert ": error: " not in line
        if match:
            path = root / match["path"]
            assert path.is_file(), f"{line!r} names a file that does not exist"
            if path.suffix in (".md", ".yaml"):
                flines = file_lines(path.read_bytes())
                number, column = int(match["line"]), int(match["col"])
                assert 1 <= number <= len(flines), f"{line!r}: the file has {len(flines)} lines"
                assert 1 <= column <= len(flines[number - 1]) + 1, \
                    f"{line!r}: line {number} has {len(flines[number - 1])} characters"


def build(cli_run, root: Path) -> None:  # type: ignore[no-untyped-def]
    result = cli_run("build", "--root", root)
    assert_clean_outcome(result.code, result.err, root)


# -- (a) arbitrary front matter builds or fails cleanly -------------------------------------------

@settings(max_examples=BUILD_EXAMPLES)
@given(front=front_matter, body=markdown, shared=st.dictionaries(ids, actor, max_size=2),
       site=st.none() | site_yaml)
def test_structured_front_matter_builds_or_fails_cleanly(project, cli_run, front, body, shared, site) -> None:
    files: dict[str, str | bytes] = {
        EXPLAINER: "---\n" + dump(front) + "---\n" + body + "\n",
        "content/images/p.png": PNG,
        "content/images/p.svg": "<svg/>",
    }
    for actor_id, fields in shared.items():
        if actor_id and "/" not in actor_id:
            files[f"content/actors/{actor_id}.yaml"] = dump(fields)
    if site is not None:
        files["site.yaml"] = dump(site)
    build(cli_run, project(files))


@settings(max_examples=BUILD_EXAMPLES)
@given(front=yamlish, body=markdown)
def test_yaml_like_text_builds_or_fails_cleanly(project, cli_run, front: str, body: str) -> None:
    text = "---\ntitle: T\nsummary: S\npublished: 2024-01-01\n" + front + "\n---\n" + body
    build(cli_run, project({EXPLAINER: text, "content/actors/russia.yaml": front}))


@settings(max_examples=BUILD_EXAMPLES)
@given(front=front_matter)
def test_two_explainers_sharing_random_inline_actors_fail_cleanly(project, cli_run, front) -> None:
    other = dict(front)
    other["title"] = "Other"
    build(cli_run, project({EXPLAINER: "---\n" + dump(front) + "---\n",
                            "content/explainers/other.md": "---\n" + dump(other) + "---\n[x](@putin)\n"}))


@st.composite
def valid_projects(draw):  # type: ignore[no-untyped-def]
    """A consistent explainer (every reference defined) with arbitrary text in every field."""
    # Any text a page can show: control characters are refused by validation (see test_load).
    free = st.text(st.characters(exclude_categories=("Cc", "Cs")), min_size=1, max_size=25).filter(str.strip)
    actor_ids = draw(st.lists(st.sampled_from(["putin", "lukashenko", "zakharova", "isis-k"]), min_size=1,
                              max_size=4, unique=True))
    source_ids = draw(st.lists(st.sampled_from(["tass", "belta", "wt-2024"]), max_size=3, unique=True))
    claim_ids = draw(st.lists(st.sampled_from(["window", "route", "denial", "c1"]), max_size=4, unique=True))
    day = st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2100, 1, 1))
    dates = st.one_of(day.map(str), day.map(lambda d: f"{d.year:04d}"), day.map(lambda d: f"{d:%Y-%m}"),
                      st.tuples(day, offsets).map(lambda t: f"{t[0]}T12:34:56{t[1]}"))
    links = st.sampled_from(actor_ids + source_ids + claim_ids).map(lambda i: f"[{i}](@{i})")
    md = st.lists(st.one_of(free, links, st.sampled_from(["<b>raw</b>", "**b**", "\n\n| a |\n|---|\n| b |\n"])),
                  max_size=4).map(" ".join)
    front: dict[str, object] = {
        # Published in the past: a date still to come is an embargo, and keeps the page out.
        "title": draw(free), "summary": draw(free),
        "published": draw(st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2024, 12, 31))).isoformat(),
        "authors": draw(st.lists(free, max_size=2)), "tags": draw(st.lists(st.sampled_from(["a", "b-c", "x1"]),
                                                                            unique=True, max_size=3)),
        "actors": {a: {"name": draw(free), "role": draw(free), "description": draw(md),
                       "kind": draw(st.sampled_from(["person", "organization", "government", "group", "media"]))}
                   for a in actor_ids},
        "sources": {s: {"title": draw(free), "publisher": draw(free), "date": draw(dates),
                        "url": "https://example.org/" + s} for s in source_ids},
        "claims": {},
        "timeline": [{"date": draw(dates), "title": draw(free), "text": draw(md),
                      "actors": draw(st.lists(st.sampled_from(actor_ids), unique=True, max_size=2))}
                     for _ in range(draw(st.integers(0, 3)))],
    }
    for c in claim_ids:
        others = [o for o in claim_ids if o != c]
        claim: dict[str, object] = {"by": draw(st.sampled_from(actor_ids)), "text": draw(free), "quote": draw(free),
                                    "status": draw(st.sampled_from(STATUSES)), "note": draw(md),
                                    "date": draw(dates)}
        if source_ids:
            claim["sources"] = draw(st.lists(st.sampled_from(source_ids), unique=True, max_size=2))
        if others:
            claim["contradicts"] = draw(st.lists(st.sampled_from(others), unique=True, max_size=2))
        front["claims"][c] = claim  # type: ignore[index]
    return front, draw(md)


PLAIN_FIELDS = ("title", "summary")


@settings(max_examples=BUILD_EXAMPLES)
@given(data=valid_projects())
def test_consistent_explainers_with_any_text_build_and_escape_plain_text(project, cli_run, data) -> None:
    front, body = data
    root = project({EXPLAINER: "---\n" + dump(front) + "---\n" + body + "\n"})
    result = cli_run("build", "--root", root, "--base-url", "https://example.org/")
    assert result.code == 0, result.err
    site = root / "site"
    page = site / "story/index.html"
    tree = html_tree(page)
    shown = text_of(tree)
    for key in PLAIN_FIELDS:  # shown as text, whatever characters it holds
        assert " ".join(str(front[key]).split()) in shown
    for claim_id, claim in front["claims"].items():  # type: ignore[union-attr]
        element = [el for el in tree.iter() if el.get("id") == f"claim-{claim_id}"]
        assert len(element) == 1 and element[0].get("data-status") == claim["status"]
    assert not [el for el in tree.iter("b")], "raw HTML in Markdown must be escaped"
    for path in iter_files(site):
        if path.suffix == ".xml":
            ElementTree.parse(path)


# -- (b) front-matter splitting --------------------------------------------------------------------

SPLIT_TOKENS = ["---", "---\n", "\n", "...", "... \n", " ", "\t", "title: T\n", "a: [\n", "\r\n", "\r", "\ufeff",
                "- x\n", "--- \n", "----\n"]
file_texts = st.lists(st.one_of(st.sampled_from(SPLIT_TOKENS), st.text(max_size=6)), max_size=30).map("".join)


@given(text=file_texts)
def test_front_matter_splitting_never_raises_and_round_trips(text: str) -> None:
    diags = Diagnostics()
    result = split_front_matter(text, "a.md", diags)
    if result is None:
        assert [(d.span.line, d.span.column) for d in diags.items] == [(1, 1)]
        return
    assert diags.items == []
    yaml_text, body, body_line = result
    assert text.endswith(body)
    head = text[: len(text) - len(body)]
    assert head.startswith("---") and yaml_text in head
    assert head.count("\n") + 1 == body_line or (body == "" and not head.endswith("\n"))
    if body:
        assert "\n".join(text.split("\n")[body_line - 1:]) == body


@settings(max_examples=BUILD_EXAMPLES)
@given(text=file_texts)
def test_every_reported_position_is_inside_the_file(project, cli_run, text: str) -> None:
    root = project({EXPLAINER: text.encode("utf-8")})
    result = cli_run("check", "--root", root)
    assert_clean_outcome(result.code, result.err, root)


@settings(max_examples=BUILD_EXAMPLES)
@given(data=st.binary(max_size=200))
def test_arbitrary_bytes_fail_cleanly(project, cli_run, data: bytes) -> None:
    root = project({EXPLAINER: b"---\ntitle: T\n" + data, "content/actors/putin.yaml": data})
    result = cli_run("check", "--root", root)
    assert result.code == 1
    assert_clean_outcome(result.code, result.err, root)


# -- (c) dates ---------------------------------------------------------------------------------

@given(text=st.text(max_size=40))
def test_parse_date_raises_only_date_error(text: str) -> None:
    try:
        date = parse_date(text)
    except DateError:
        return
    assert date.text == text.strip()
    assert parse_date(date.text) == date
    date.display()
    date.iso()
    date.instant()


offsets = st.sampled_from(["Z", "+00:00", "+03:00", "-05:30", "+14:00", "-12:00", "+05:45"])


@given(day=st.dates(min_value=dt.date(1, 1, 1)), precision=st.sampled_from(["year", "month", "day"]))
def test_written_dates_round_trip(day: dt.date, precision: str) -> None:
    text = {"year": f"{day.year:04d}", "month": f"{day.year:04d}-{day.month:02d}", "day": day.isoformat()}[precision]
    date = parse_date(text)
    assert date.text == text
    assert date.precision == precision
    assert date.year == day.year
    assert str(date.year) in date.display()


@given(moment=st.datetimes(min_value=dt.datetime(1, 1, 2), max_value=dt.datetime(9999, 12, 30)), offset=offsets,
       sep=st.sampled_from(["T", "t", " "]))
def test_written_date_times_round_trip(moment: dt.datetime, offset: str, sep: str) -> None:
    text = moment.strftime(f"%Y-%m-%d{sep}%H:%M:%S").rjust(19, "0") + offset
    assume(len(text.split(sep)[0]) == 10)
    date = parse_date(text)
    assert date.text == text
    assert date.precision == "datetime"
    assert (date.year, date.month, date.day) == (moment.year, moment.month, moment.day)
    assert date.time == moment.time().replace(microsecond=0)
    assert date.display().startswith(f"{moment.day} ")


@given(a=date_texts, b=date_texts)
def test_sort_key_puts_calendar_order_first(a: str, b: str) -> None:
    try:
        da, db = parse_date(a), parse_date(b)
    except DateError:
        return
    fields_a = (da.year, da.month or 0, da.day or 0)
    fields_b = (db.year, db.month or 0, db.day or 0)
    if fields_a < fields_b:
        assert da.sort_key < db.sort_key
    if da.text == db.text:
        assert da.sort_key == db.sort_key


def _resolve_by_urlsplit(base_dir: str, raw: str) -> tuple[str, str] | None:
    """The link check's resolution, the long way for every link (what `_resolve` did before
    its shortcut for plain relative links)."""
    import posixpath
    from urllib.parse import unquote, urlsplit
    parts = urlsplit(raw.replace("&amp;", "&"))
    if parts.scheme or parts.netloc or parts.path.startswith("/"):
        return None
    fragment = unquote(parts.fragment)
    if not parts.path:
        return "", fragment
    target = posixpath.normpath(posixpath.join(base_dir, unquote(parts.path)))
    if parts.path.endswith("/") or target == ".":
        target = "index.html" if target == "." else f"{target}/index.html"
    return target, fragment


_LINK_PIECES = ["..", ".", "a", "b-c", "index.html", "", "%41", "%2e%2e", "&amp;", "?q=1", "x:y", " a", "a\t", "//h",
                "é", "#", "#%41"]


@given(base=st.sampled_from(["", "a", "actors/x", "tags/t"]),
       raw=st.one_of(st.text(alphabet="./#-_aZ9é:%&?; \t41", max_size=30),
                     st.lists(st.sampled_from(["..", ".", "a", "b-c", "index.html", ""]), max_size=5)
                     .map("/".join).flatmap(lambda p: st.sampled_from([p, p + "/", p + "#x", p + "/#c-1"])),
                     st.lists(st.sampled_from(_LINK_PIECES), max_size=6).map("".join)))
def test_the_link_checks_shortcut_resolves_links_as_urlsplit_does(base: str, raw: str) -> None:
    from generator import linkcheck
    assert linkcheck._resolve.__wrapped__(base, raw) == _resolve_by_urlsplit(base, raw)


# -- output escaping (render._Template) ----------------------------------------------------

_ESCAPING = """{% macro m(v) %}<i>{{ v }}</i>{% endmacro -%}
{{ v }}|{{ w }}|{{ v ~ w }}|{{ m(v) }}|{% set b %}{{ v }}&{{ w }}{% endset %}{{ b }}|{{ b|length }}|
{%- filter upper %}{{ v }}{% endfilter %}|{{ [v, w]|join(',') }}|{{ v|truncate(5, true, '…', 0) }}|
{%- autoescape false %}{{ v }}{% endautoescape %}|{{ n }}|{{ safe }}|{{ html }}"""


class _HasHtml:
    def __html__(self) -> str:
        return "<b>as html</b>"


def _plain_jinja(root):
    import jinja2
    from generator import render
    env = render.make_environment(root)
    plain = jinja2.Environment(autoescape=True, finalize=env.finalize, trim_blocks=True, lstrip_blocks=True,
                               keep_trailing_newline=True, undefined=jinja2.StrictUndefined)
    return env, plain


@given(st.text(), st.text(alphabet="<>&\"' a\u202e"))
@settings(max_examples=80)
def test_output_is_escaped_exactly_as_jinja_escapes_it(tmp_path_factory, v: str, w: str) -> None:
    """Templates of a build escape each `{{ }}` with `render._escape` (a plain string's escaped
    text without a Markup around it); every kind of output equals what Jinja's own gives."""
    from markupsafe import Markup
    env, plain = _plain_jinja(tmp_path_factory.getbasetemp())
    values = {"v": v, "w": w, "n": 42, "safe": Markup("<em>ok</em>"), "html": _HasHtml()}
    ours = env.from_string(_ESCAPING)
    assert ours.render(**values) == plain.from_string(_ESCAPING).render(**values)


def test_every_template_of_a_build_escapes_with_the_fast_escape(tmp_path) -> None:
    """If Jinja stops looking `escape` up in the template's namespace, this says so (and
    pages are merely slower: `render._Template` leaves other namespaces alone)."""
    from generator import render
    env = render.make_environment(tmp_path)
    for name in render.PAGE_TEMPLATES + ("_claim.html", "_claim_map.html", "_actor_card.html", "_macros.html"):
        assert env.get_template(name).root_render_func.__globals__["escape"] is render._escape, name
