"""Hostile values in every field of the contract, in every output context (issue #7, part 1).

The table is FIELDS x VALUES: each hostile value is put into every text field of one project
(each field's copy tagged with the field's name, so a leak says which field it came from),
the project is built once per value, and then

- `test_the_built_site_runs_nothing`: no page has an `on*` attribute, a script other than the
  theme's and the one JSON-LD block, a `javascript:`/`data:`/`vbscript:` URL or an element
  the theme never writes; every JSON file parses; feed and sitemap parse and contain only
  their own elements;
- `test_field_is_shown_as_text`: for each (field, value), the value comes out as text in each
  of the field's contexts (page text, attributes, JSON-LD, explainer.json, claims.json, what
  TimelineJS shows of timeline.json, the Atom feed): present, whole, and never as markup;
- `test_bidi_controls_stay_inside_their_value`: in every text node and attribute outside the
  Markdown fields, and in the feed, the bidi controls are balanced (docs/hardening.md);

and URL fields, ids, file names and Markdown link schemes have their own tables: a value that
is refused is refused with an error at its line and column.
"""

from __future__ import annotations

import contextlib
import functools
import html
import io
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import html5lib
import pytest
import yaml
from helpers import (
    assert_clean_cli,
    assert_no_executable_markup,
    assert_site_is_inert,
    html_tree,
    make_project,
    text_of,
)

from generator import cli
from generator.fields import contain_bidi

BASE = "https://example.org/news/"

VALUES = {
    "html": "<img src=x onerror=alert(1)>",
    "attribute": "\"' onmouseover=alert(1) x=\"",
    "script": "</script><script>alert(1)</script><!--",
    "javascript-url": "javascript:alert(1)",
    "data-url": "data:text/html,<script>alert(1)</script>",
    "bidi": "abc\u202edcba\u2066xyz",
    "bidi-closers": "\u202c\u2069closers without openers\u202c",
    "zero-width": "a\u200bb\ufeffc\u200dd\u2060e",
    "entities": "&lt;img src=x onerror=alert(1)&gt; &amp;amp; &#x3C;b&#62;",
    "template": "{{ 7 + 7 }}{% raw %}${7+7}#{7+7}{{ config }}",
    "separators": "line\u2028sep\u2029end",
    "cdata": "]]><x:y xmlns:x='urn:x'/><![CDATA[",
    "long-override": "\u202e" + "spoofed words " * 12 + "end",
}
"""Hostile text. 'long-override' is longer than every `truncate` in the theme, so a cut-off
closer would show if truncation could undo the balancing."""

SITE_FIELDS = ("site-title", "site-description", "site-publisher")


def tagged(field: str, value: str) -> str:
    """The copy of `value` that goes into `field`."""
    return f"{field.upper()}~{value}"


def project_files(value: str, allow_html: bool = False) -> dict[str, str]:
    """A project with `value` (tagged) in every text field of the contract."""
    v: Callable[[str], str] = lambda field: tagged(field, value)
    front: dict[str, Any] = {
        "title": v("title"),
        "summary": v("summary"),
        "published": "2024-03-01",
        "authors": [v("author")],
        "tags": ["hostile"],
        "actors": {"bob": {"name": v("actor-name"), "role": v("actor-role"), "description": v("actor-description"),
                           "kind": "person", "links": ["https://example.org/bob"], "wikidata": "Q42"}},
        "sources": {"src": {"title": v("source-title"), "publisher": v("source-publisher"),
                            "url": "https://example.org/source", "date": "2024-02"}},
        "claims": {
            "first": {"by": "bob", "text": v("claim-text"), "quote": v("claim-quote"), "note": v("claim-note"),
                      "status": "false", "sources": ["src"], "date": "2024-02-29"},
            "second": {"by": "shared-one", "text": v("claim2-text"), "status": "disputed",
                       "contradicts": ["first"]},
        },
        "timeline": [{"date": "2024-02-28T10:00:00+03:00", "title": v("event-title"), "text": v("event-text"),
                      "actors": ["bob"], "claims": ["first"], "sources": ["src"]}],
        "corrections": [{"date": "2024-03-02", "text": v("correction-text")}],
    }
    body = f"{v('body')}\n\nSee [the shared actor](@shared-one) and [Bob](@bob).\n"
    site = {"title": v("site-title"), "description": v("site-description"), "publisher": v("site-publisher"),
            "base_url": BASE, "allow_html": allow_html}
    shared = {"name": v("shared-name"), "role": v("shared-role"), "description": v("shared-description")}
    return {
        "site.yaml": dump(site),
        "content/explainers/evil.md": "---\n" + dump(front) + "---\n" + body,
        "content/actors/shared-one.yaml": dump(shared),
    }


def dump(data: object) -> str:
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=10_000)


def build(root: Path, *extra: str) -> tuple[int, str]:
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        code = cli.main(["build", "--root", str(root), *extra])
    return code, err.getvalue()


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], Path]:
    """built(value name) -> the site of the project holding that value; each is built once."""
    sites: dict[str, Path] = {}

    def get(name: str) -> Path:
        if name not in sites:
            root = make_project(tmp_path_factory.mktemp(f"hostile-{name}"), project_files(VALUES[name]))
            code, err = build(root)
            assert_clean_cli(code, err, allowed=(0,))
            sites[name] = root / "site"
        return sites[name]

    return get


# -- the whole site runs nothing -------------------------------------------------------------------

@pytest.mark.parametrize("name", VALUES)
def test_the_built_site_runs_nothing(built, name: str) -> None:
    assert_site_is_inert(built(name))


def test_plain_text_stays_text_when_markdown_may_hold_html(tmp_path: Path) -> None:
    """`allow_html: true` lets raw HTML through the Markdown fields (the site's own decision);
    every plain-text field stays escaped, and nothing outside the Markdown runs."""
    root = make_project(tmp_path / "p", project_files(VALUES["html"], allow_html=True))
    code, err = build(root)
    assert_clean_cli(code, err, allowed=(0,))
    assert_site_is_inert(root / "site", prose_may_have_markup=True)
    page = (root / "site/evil/index.html").read_text("utf-8")
    assert 'BODY~<img src=x onerror=alert(1)>' in page  # the author asked for raw HTML here
    assert "TITLE~&lt;img src=x onerror=alert(1)&gt;" in page


# -- each field in each of its contexts -------------------------------------------------------------------

PAGE, HOME, ACTOR, SHARED_ACTOR = "evil/index.html", "index.html", "actors/bob/index.html", "actors/shared-one/index.html"

FIELDS: dict[str, tuple[str, tuple[str, ...]]] = {
    # field: (kind, contexts). Contexts: "text:<page>" page text, "attr:<page>" an attribute's
    # whole value, "jsonld" a string in the JSON-LD, "json" a string in evil/explainer.json,
    # "claims" a string in claims.json, "timeline" what TimelineJS shows of a string in
    # evil/timeline.json (see `timeline_shown`), "feed" the text of feed.xml, "map:<page>" the names of the claim map's nodes (the SVG
    # <title> of each, which holds the actor's name and the claim's text whole).
    "title": ("text", (f"text:{PAGE}", f"attr:{PAGE}", f"text:{HOME}", "text:tags/hostile/index.html",
                       f"text:{ACTOR}", "jsonld", "json", "claims", "timeline", "feed")),
    "summary": ("text", (f"text:{PAGE}", f"attr:{PAGE}", f"text:{HOME}", "jsonld", "json", "timeline", "feed")),
    "author": ("text", (f"text:{PAGE}", "jsonld", "json", "feed")),
    "actor-name": ("text", (f"text:{PAGE}", f"text:{ACTOR}", "jsonld", "json", "claims", "timeline",
                            f"map:{PAGE}")),
    "actor-role": ("text", (f"text:{PAGE}", f"text:{ACTOR}", "json")),
    "actor-description": ("markdown", (f"text:{PAGE}", f"text:{ACTOR}", "json")),
    "shared-name": ("text", (f"text:{PAGE}", f"text:{SHARED_ACTOR}", "jsonld", "json", "claims", f"map:{PAGE}")),
    "shared-role": ("text", (f"text:{PAGE}", f"text:{SHARED_ACTOR}", "json")),
    "shared-description": ("markdown", (f"text:{PAGE}", f"text:{SHARED_ACTOR}", "json")),
    "source-title": ("text", (f"text:{PAGE}", "json", "claims")),
    "source-publisher": ("text", (f"text:{PAGE}", "json", "claims")),
    "claim-text": ("text", (f"text:{PAGE}", f"text:{ACTOR}", "jsonld", "json", "claims", f"map:{PAGE}")),
    "claim-quote": ("text", (f"text:{PAGE}", f"text:{ACTOR}", "json", "claims")),
    "claim-note": ("markdown", (f"text:{PAGE}", f"text:{ACTOR}", "json")),
    "claim2-text": ("text", (f"text:{PAGE}", f"text:{SHARED_ACTOR}", "jsonld", "json", "claims", f"map:{PAGE}")),
    "event-title": ("text", (f"text:{PAGE}", f"text:{ACTOR}", "json", "timeline")),
    "event-text": ("markdown", (f"text:{PAGE}", f"text:{ACTOR}", "json", "timeline")),
    "correction-text": ("text", (f"text:{PAGE}", "jsonld", "json", "feed")),
    "body": ("markdown", (f"text:{PAGE}", "json")),
    "site-title": ("text", (f"text:{PAGE}", f"attr:{PAGE}", f"text:{HOME}", f"text:{ACTOR}", "claims", "feed")),
    "site-description": ("text", (f"text:{HOME}", f"attr:{HOME}", "feed")),
    "site-publisher": ("text", ("jsonld",)),
}


def norm(text: str) -> str:
    return " ".join(text.split())


def strings_in(data: Any) -> list[str]:
    """Every string in a JSON value."""
    if isinstance(data, str):
        return [data]
    if isinstance(data, dict):
        return [s for v in data.values() for s in strings_in(v)]
    if isinstance(data, list):
        return [s for v in data for s in strings_in(v)]
    return []


@functools.lru_cache(maxsize=256)
def context_strings(site: Path, context: str) -> tuple[list[str], bool]:
    """(the strings a context holds, whether to compare with whitespace normalised); each page
    is parsed once for all the fields that appear in it."""
    kind, _, page = context.partition(":")
    if kind == "text":
        return [norm(text_of(html_tree(site / page)))], True
    if kind == "attr":
        return [value for el in html_tree(site / page).iter() for value in el.attrib.values()], False
    if kind == "map":
        svg = "{http://www.w3.org/2000/svg}"
        titles = [t for a in html_tree(site / page).iter(f"{svg}a") for t in a.iter(f"{svg}title")]
        assert len(titles) == 2, "the hostile explainer's claim map has a node for each claim"
        return [norm(text_of(title)) for title in titles], True
    if kind == "jsonld":
        tree = html_tree(site / PAGE)
        blocks = [el.text or "" for el in tree.iter("script") if el.get("type") == "application/ld+json"]
        assert len(blocks) == 1
        return [norm(s) for s in strings_in(json.loads(blocks[0]))], True
    if kind == "json":
        return strings_in(json.loads((site / "evil/explainer.json").read_text("utf-8"))), False
    if kind == "claims":
        return strings_in(json.loads((site / "claims.json").read_text("utf-8"))), False
    if kind == "timeline":
        return timeline_shown(json.loads((site / "evil/timeline.json").read_text("utf-8"))), True
    if kind == "feed":
        root = ElementTree.parse(site / "feed.xml").getroot()
        return [norm(" ".join(t for el in root.iter() for t in (el.text, el.tail) if t))], True
    raise AssertionError(context)


def html_text(markup: str) -> str:
    """The text a browser shows of `markup` set as an element's HTML."""
    body = html5lib.parse(markup, treebuilder="etree", namespaceHTMLElements=False).find("body")
    assert body is not None
    return "".join(body.itertext())


def timeline_shown(data: dict[str, Any]) -> list[str]:
    """What TimelineJS shows of each string of a timeline.json (generator/timelinejs.py):
    `headline`, `text`, `caption` and `credit` as HTML; `group` and `display_date` stripped of
    markup (the text of the value as HTML) and then as HTML; `alt` as it is."""
    slides = [data["title"], *data["events"]]
    markup = [slide["text"][key] for slide in slides for key in ("headline", "text")]
    markup += [slide["media"][key] for slide in slides if "media" in slide for key in ("caption", "credit")
               if key in slide["media"]]
    stripped = [slide[key] for slide in slides for key in ("group", "display_date") if key in slide]
    alts = [slide["media"]["alt"] for slide in slides if "media" in slide]
    return [norm(text) for text in (*map(html_text, markup), *(html_text(html_text(s)) for s in stripped), *alts)]


def shown(kind: str, value: str) -> str:
    """What a page shows for `value`: plain text with its bidi controls balanced, or what
    CommonMark makes of it (character references are references there)."""
    return contain_bidi(value) if kind == "text" else html.unescape(value)


@pytest.mark.parametrize("name", VALUES)
@pytest.mark.parametrize("field", FIELDS)
def test_field_is_shown_as_text(built, field: str, name: str) -> None:
    kind, contexts = FIELDS[field]
    site = built(name)
    value = tagged(field, VALUES[name])
    for context in contexts:
        strings, normalised = context_strings(site, context)
        if context == "json" and kind == "markdown":
            expected = value  # explainer.json keeps Markdown as written
        elif context == "jsonld":
            expected = contain_bidi(value)[:50]  # headlines and claims are shortened there
        else:
            expected = shown(kind, value)
        if normalised:
            expected = norm(expected)
        if context.startswith("attr:"):
            assert expected in strings, f"{field} not an attribute value of {context}"
        else:
            assert any(expected in s for s in strings), f"{field} ({name}) not shown whole in {context}"


# -- bidirectional controls ----------------------------------------------------------------------------

def balanced(text: str) -> bool:
    return contain_bidi(text) == text


@pytest.mark.parametrize("name", ["bidi", "bidi-closers", "long-override"])
def test_bidi_controls_stay_inside_their_value(built, name: str) -> None:
    """No text node or attribute outside the Markdown fields ends with an open override or
    isolate, or holds a closer that would close the text around it; the same in the feed."""
    site = built(name)
    for path in sorted(site.rglob("*.html")):
        tree = html_tree(path)
        prose = {id(c) for el in tree.iter() if "prose" in (el.get("class") or "").split() for c in el.iter()}
        for element in tree.iter():
            if id(element) in prose:
                continue
            for text in (element.text, element.tail, *element.attrib.values()):
                assert text is None or balanced(text), f"{path.relative_to(site)}: {text!r}"
    for element in ElementTree.parse(site / "feed.xml").getroot().iter():
        for text in (element.text, element.tail, *element.attrib.values()):
            assert text is None or balanced(text), f"feed.xml: {text!r}"


def test_contain_bidi_closes_what_is_open_and_drops_stray_closers() -> None:
    RLO, PDF, LRI, PDI, RLE = "\u202e", "\u202c", "\u2066", "\u2069", "\u202b"
    assert contain_bidi("plain") == "plain"
    assert contain_bidi(f"a{RLO}b") == f"a{RLO}b{PDF}"
    assert contain_bidi(f"a{RLO}b{LRI}c") == f"a{RLO}b{LRI}c{PDI}{PDF}"
    assert contain_bidi(f"{PDF}a{PDI}") == "a"
    assert contain_bidi(f"{LRI}a{RLE}b{PDI}c") == f"{LRI}a{RLE}b{PDI}c"  # PDI closes the embedding too
    assert contain_bidi(f"{RLE}a{PDF}") == f"{RLE}a{PDF}"  # balanced text is left alone
    assert contain_bidi(f"{LRI}a{PDF}b") == f"{LRI}ab{PDI}"  # a PDF cannot close an isolate


# -- URL fields ----------------------------------------------------------------------------------------

URLS = {
    "javascript:alert(1)": False,
    "JaVaScRiPt:alert(1)": False,
    "  javascript:alert(1)": False,
    "java\tscript:alert(1)": False,
    "data:text/html,<script>alert(1)</script>": False,
    "data:image/png;base64,iVBORw0KGgo=": False,
    "vbscript:msgbox(1)": False,
    "file:///etc/passwd": False,
    "//evil.example/x": False,
    "http://": False,
    "https://": False,
    "example.org/no-scheme": False,
    "https://exa\u202emple.org/": False,
    "https://example.org/\u200bx": False,
    "https://example.org/a b": False,
    "https://example.org/\"onmouseover=alert(1)//\"x=\"": True,
    "https://example.org/</script><script>alert(1)</script>": True,
    "https://example.org/a'b\"c<d>e&f=g": True,
    "https://例え.jp/パス?q=ü": True,
}
"""URL -> accepted? Only absolute http(s) URLs with a host, with nothing invisible in them."""


def url_project(url: str) -> tuple[dict[str, str], list[tuple[int, int]]]:
    """A project using `url` as a source URL and an actor link; the (line, column) of each."""
    quoted = json.dumps(url, ensure_ascii=False)
    text = (
        "---\ntitle: T\nsummary: S\npublished: 2024-01-01\n"
        "actors:\n  bob:\n    name: Bob\n"
        f"    links: [{quoted}]\n"
        "sources:\n  src:\n    title: Source\n"
        f"    url: {quoted}\n"
        "claims:\n  c:\n    by: bob\n    text: Said.\n    status: 'false'\n    sources: [src]\n"
        "---\n[Bob](@bob), [src](@src).\n"
    )
    lines = text.split("\n")
    positions = [(lines.index(f"    links: [{quoted}]") + 1, 13), (lines.index(f"    url: {quoted}") + 1, 10)]
    return {"content/explainers/a.md": text}, positions


@pytest.mark.parametrize("url", URLS)
def test_url_fields_take_only_http_urls_and_escape_them(project, cli_run, url: str) -> None:
    files, positions = url_project(url)
    root = project(files)
    result = cli_run("build", "--root", root, "--base-url", BASE)
    lines = assert_clean_cli(result.code, result.err)
    if not URLS[url]:
        assert result.code == 1
        errors = [line for line in lines if ": error: " in line]
        assert [tuple(map(int, line.split(":")[1:3])) for line in errors] == positions, errors
        for line in errors:
            assert "must be an http or https URL" in line
            assert "\u202e" not in line and "\t" not in line  # shown escaped, never raw
        assert not (root / "site").exists()
        return
    assert result.code == 0, result.err
    site = root / "site"
    assert_site_is_inert(site)
    tree = html_tree(site / "a/index.html")
    assert [a.get("href") for a in tree.iter("a") if a.get("rel") == "noopener"] == [url]
    ld = json.loads(next(el.text for el in tree.iter("script") if el.get("type") == "application/ld+json") or "")
    review = next(o for o in ld if o["@type"] == "ClaimReview")
    assert review["itemReviewed"]["appearance"]["url"] == url
    assert url in review["itemReviewed"]["author"]["sameAs"]
    data = json.loads((site / "a/explainer.json").read_text("utf-8"))
    assert data["sources"][0]["url"] == url and data["actors"][0]["links"] == [url]


# -- Markdown links -------------------------------------------------------------------------------------

@pytest.mark.parametrize("markdown, refused", [
    ("[x](javascript:alert(1))", None),  # markdown-it leaves it as text: not a link at all
    ("[x](JAVASCRIPT:alert(1))", None),
    ("[x](&#106;avascript:alert(1))", None),
    ("[x](vbscript:msgbox(1))", None),
    ("[x](data:text/html,<script>alert(1)</script>)", None),
    ("![x](data:image/svg+xml,<svg onload=alert(1)>)", None),
    ("[x](data:image/png;base64,iVBORw0KGgo=)", "data"),
    ("![x](data:image/gif;base64,R0lGODlh)", "data"),
    ("[x](ms-msdt:/id%20PCWDiagnostic)", "ms-msdt"),
    ("[x](search-ms:query=x)", "search-ms"),
    ("<ftp://example.org/file>", "ftp"),
    ("[x][r]\n\n[r]: intent://scan/#Intent;scheme=zxing;end", "intent"),
    ("[x](https://example.org/\"onmouseover=alert(1))", None),
    ("[x](mailto:desk@example.org) [y](tel:+4412345)", None),
])
def test_markdown_links_are_text_or_safe_schemes(project, cli_run, markdown: str, refused: str | None) -> None:
    root = project({"content/explainers/a.md": f"---\ntitle: T\nsummary: S\npublished: 2024-01-01\n---\n{markdown}\n"})
    result = cli_run("build", "--root", root, "--base-url", BASE)
    lines = assert_clean_cli(result.code, result.err)
    if refused:
        errors = [line for line in lines if ": error: " in line]
        assert errors and all(f"'{refused}:' link in the body" in line for line in errors), errors
        line = 6 + markdown[:markdown.lower().index(f"{refused}:")].count("\n")
        assert all(error.startswith(f"content/explainers/a.md:{line}:") for error in errors), errors
        return
    assert result.code == 0, result.err
    assert_no_executable_markup(root / "site/a/index.html")


# -- ids, tags, file names ---------------------------------------------------------------------------------

INVISIBLE = ["\u202e", "\u2066", "\u200b", "\ufeff", "\u200d", "\u00a0", "\u0430"]  # last: Cyrillic 'а'


@pytest.mark.parametrize("char", INVISIBLE)
@pytest.mark.parametrize("where", ["actor id", "tag", "claim id", "source id", "reference", "file name",
                                   "shared actor file"])
def test_ids_refuse_invisible_and_lookalike_characters(project, cli_run, char: str, where: str) -> None:
    """Ids are ASCII by syntax: a bidi control, a zero-width character or a homoglyph in an
    id is an error, shown escaped (or visible) in the message, never raw."""
    bad = f"ev{char}il"
    front = {"title": "T", "summary": "S", "published": "2024-01-01",
             "actors": {"bob": {"name": "Bob"}}, "sources": {"src": {"title": "S"}},
             "claims": {"c": {"by": "bob", "text": "x"}}}
    files: dict[str, str] = {}
    name = "a"
    if where == "actor id":
        front["actors"][bad] = {"name": "X"}
    elif where == "tag":
        front["tags"] = [bad]
    elif where == "claim id":
        front["claims"][bad] = {"by": "bob", "text": "y"}
    elif where == "source id":
        front["sources"][bad] = {"title": "y"}
    elif where == "reference":
        front["claims"]["c"]["by"] = bad
    elif where == "file name":
        name = bad
    else:
        files[f"content/actors/{bad}.yaml"] = "name: X\n"
    files[f"content/explainers/{name}.md"] = "---\n" + dump(front) + "---\nBody.\n"
    root = project(files)
    result = cli_run("check", "--root", root)
    lines = assert_clean_cli(result.code, result.err)
    assert result.code == 1
    errors = [line for line in lines if ": error: " in line]
    assert errors
    assert not re.search("[\u202a-\u202e\u2066-\u2069]", result.err), "bidi controls must be shown escaped"


def test_error_messages_show_bidi_controls_escaped(project, cli_run) -> None:
    root = project({"content/explainers/a.md": "---\ntitle: T\nsummary: S\npublished: 2024-01-01\n"
                                                 "\u202eeltit: x\n---\n"})
    result = cli_run("check", "--root", root)
    assert result.code == 1
    assert result.error_lines[0].startswith("content/explainers/a.md:5:1: error: unknown key '\\u202eeltit'")


# -- fields with a fixed syntax: hostile values are refused where they are ---------------------------

SYNTAX_FIELDS = {
    # field: (YAML line of the explainer, expected message part)
    "wikidata": ("actors:\n  bob:\n    name: Bob\n    wikidata: {v}\n", "must be a Wikidata item id"),
    "kind": ("actors:\n  bob:\n    name: Bob\n    kind: {v}\n", "'kind' in actor 'bob' is"),
    "source date": ("sources:\n  src:\n    title: S\n    date: {v}\n", "invalid date in 'date'"),
    "claim status": ("actors:\n  bob:\n    name: Bob\nclaims:\n  c:\n    by: bob\n    text: T\n    status: {v}\n",
                     "'status' in claim 'c' is"),
    "event date": ("timeline:\n  - date: {v}\n    title: T\n", "invalid date in 'date'"),
    "updated": ("updated: {v}\n", "invalid date in 'updated'"),
    "actor image": ("actors:\n  bob:\n    name: Bob\n    image: {v}\n", "image"),
}


@pytest.mark.parametrize("name", ["html", "attribute", "javascript-url", "bidi", "zero-width", "template"])
@pytest.mark.parametrize("field", SYNTAX_FIELDS)
def test_fields_with_a_syntax_refuse_hostile_values_where_they_are(project, cli_run, field: str, name: str) -> None:
    front, message = SYNTAX_FIELDS[field]
    value = json.dumps("Q1" + VALUES[name] if field == "wikidata" else VALUES[name], ensure_ascii=False)
    text = "---\ntitle: T\nsummary: S\npublished: 2024-01-01\n" + front.format(v=value) + "---\nBody.\n"
    root = project({"content/explainers/a.md": text})
    result = cli_run("build", "--root", root)
    lines = assert_clean_cli(result.code, result.err)
    assert result.code == 1
    errors = [line for line in lines if ": error: " in line]
    value_line = text.split("\n").index(next(l for l in text.split("\n") if value in l)) + 1
    assert any(e.startswith(f"content/explainers/a.md:{value_line}:") and message in e for e in errors), errors
    assert not re.search("[\u202a-\u202e\u2066-\u2069]", result.err)
    assert not (root / "site").exists()
