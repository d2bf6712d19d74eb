"""The JSON Schemas: current in docs/schema/, valid, read alike by Python and JavaScript, the
same as the validator on every date, id and URL, printed by `explainer schema` and published
in every site under /schema/ (docs/schema.md). Whether they give every test project the
verdict `explainer check` gives is test_schema_verdicts.py's question."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import jsonschema
import pytest
from helpers import hypothesis_settings
from hypothesis import given
from hypothesis import strategies as st

from generator import config, dates, eventdates, fields, schema
from generator.diagnostics import Diagnostics, Span

REPO = Path(__file__).resolve().parent.parent
NAMES = ("explainer", "actor", "site")
REGENERATE = ".venv/bin/explainer schema --out docs/schema"


@pytest.mark.parametrize("name", NAMES)
def test_docs_schema_is_current(name: str) -> None:
    kept = (REPO / f"docs/schema/{name}.schema.json").read_text("utf-8")
    assert kept == schema.text(name), f"docs/schema/{name}.schema.json is stale: run {REGENERATE}"


def test_docs_schema_has_no_other_file() -> None:
    assert sorted(p.name for p in (REPO / "docs/schema").iterdir()) == sorted(f"{n}.schema.json" for n in NAMES)


@pytest.mark.parametrize("name", NAMES)
def test_each_schema_is_a_valid_draft_2020_12_schema(name: str) -> None:
    document = json.loads(schema.text(name))
    assert document["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    jsonschema.Draft202012Validator.check_schema(document)
    assert schema.text(name).isascii() and "\r" not in schema.text(name)


def _patterns(value: object) -> list[str]:
    if isinstance(value, dict):
        found = [value["pattern"]] if isinstance(value.get("pattern"), str) else []
        return found + [p for key, item in value.items() if key != "pattern" for p in _patterns(item)]
    if isinstance(value, list):
        return [p for item in value for p in _patterns(item)]
    return []


SAMPLES = ["", " ", "2024", "2024-02-29", "2023-02-29", "0000", "~1956", "1956~", "2023..2024", "../2023-06-06",
           "2023-06-05/2023-06-07", "2024-03-22T20:00:00+03:00", "2024-03-22T24:00:00Z", "putin", "Putin",
           "a" * 101, "https://example.org/a?b#c", "https://example.org/\u202e", "http://[::1]/", "ftp://x",
           "/news/", "//host/", "images/a.PNG", "/etc/a.png", "Q7747", "Q0", "x\ny", "\u00e9t\u00e9"]


@pytest.mark.skipif(shutil.which("node") is None, reason="no Node.js to read the patterns as JavaScript does")
def test_javascript_reads_every_pattern_as_python_does(tmp_path: Path) -> None:
    """Editors run the schemas' patterns in JavaScript (with the `u` flag, as the YAML language
    server does): each must compile there and match the same samples as in Python."""
    patterns = sorted({p for name in NAMES for p in _patterns(json.loads(schema.text(name)))})
    script = tmp_path / "match.js"
    script.write_text("const [patterns, samples] = JSON.parse(require('fs').readFileSync(0, 'utf8'));\n"
                      "console.log(JSON.stringify(patterns.map(p => { const r = new RegExp(p, 'u');\n"
                      "  return samples.map(s => r.test(s)); })));\n")
    done = subprocess.run(["node", str(script)], input=json.dumps([patterns, SAMPLES]), capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    javascript = json.loads(done.stdout)
    python = [[re.search(p, s) is not None for s in SAMPLES] for p in patterns]
    assert javascript == python


# -- the patterns say what the validator says ----------------------------------------------------

def _accepts(value_schema: dict[str, object], text: str) -> bool:
    return jsonschema.Draft202012Validator(value_schema).is_valid(text)


def _field(name: str, shape: str, key: str) -> dict[str, object]:
    document = json.loads(schema.text(name))
    properties = document["$defs"][shape]["properties"] if shape else document["properties"]
    return properties[key]  # type: ignore[no-any-return]


DATE_TOKENS = ["1956", "2024", "2023", "2000", "1900", "0000", "9999", "0001", "-", "02", "29", "30", "31", "12", "13",
               "00", "06", "T", "t", " ", "10:00:00", "24:00:00", "23:59:59", "00:30:00", ".5", "Z", "z", "+03:00",
               "-24:00", "+23:59", "~", "..", "/", "?", "%", "x", "\u0662"]
DATE_TEXT = st.one_of(st.lists(st.sampled_from(DATE_TOKENS), max_size=9).map("".join), st.text(max_size=12))
UNCHECKABLE = ("ends before it starts", "starts and ends on the same date", "has ends that overlap",
               "is out of range: in UTC")
"""The date errors no pattern can check (docs/schema.md: range-order, date-outside-utc)."""


def _parses(parse, text: str) -> bool | None:  # type: ignore[no-untyped-def]
    """True or False as the parser says; None for an error no pattern can check."""
    try:
        parse(text)
    except dates.DateError as exc:
        return None if any(problem in str(exc) for problem in UNCHECKABLE) else False
    return True


@hypothesis_settings(ci=400, long=5000)
@given(DATE_TEXT)
def test_a_date_pattern_accepts_what_parse_date_accepts(text: str) -> None:
    for key, full in (("updated", True), ("date", False)):
        value = _field("explainer", "" if full else "source", key)
        parsed = _parses(lambda t: dates.parse_date(t, full_only=full), text)
        if parsed is not None:
            assert _accepts(value, text) == parsed, (key, text)


@hypothesis_settings(ci=400, long=5000)
@given(DATE_TEXT)
def test_the_event_date_pattern_accepts_what_parse_event_date_accepts(text: str) -> None:
    parsed = _parses(eventdates.parse_event_date, text)
    if parsed is not None:
        assert _accepts(_field("explainer", "timeline-event", "date"), text) == parsed, text
    else:
        assert _accepts(_field("explainer", "timeline-event", "date"), text), text


@hypothesis_settings(ci=300, long=3000)
@given(st.one_of(st.from_regex(r"\s?[a-z0-9-]{0,6}\s?", fullmatch=True), st.text(max_size=8),
                 st.just("a" * 100), st.just("a" * 101)))
def test_the_id_pattern_accepts_what_check_id_accepts(text: str) -> None:
    diags = Diagnostics()
    assert _accepts(schema.id_value(), text) == fields.check_id(text.strip(), Span("a"), "id", diags), text


URL_TEXT = st.one_of(
    st.lists(st.sampled_from(["http", "HTTPS", "ftp", ":", "//", "/", "example.org", "?", "#", " ", "\u202e",
                              "\u00a0", "[", "]", "::1", "a", "\t", "@", "x:80"]), max_size=7).map("".join),
    st.text(max_size=10))


@hypothesis_settings(ci=300, long=3000)
@given(URL_TEXT)
def test_the_url_pattern_accepts_what_check_url_accepts(text: str) -> None:
    diags = Diagnostics()
    valid = fields.check_url(text.strip(), Span("a"), "url", diags)
    if not ("[" in text or "]" in text or any(ord(c) > 0xFFFF for c in text)):  # url-host-or-character
        assert _accepts({"type": "string", "pattern": schema.url_pattern()}, text) == valid, text
    elif valid:
        assert _accepts({"type": "string", "pattern": schema.url_pattern()}, text), text


@hypothesis_settings(ci=300, long=3000)
@given(st.one_of(st.lists(st.sampled_from(["http", "https", "HTTP", "://", "/", "//", "example.org", "news", "?",
                                           "#", " ", "'", "<", "a:"]), max_size=6).map("".join), st.text(max_size=8)))
def test_the_base_url_pattern_accepts_what_site_yaml_accepts(text: str) -> None:
    diags = Diagnostics()
    config.read_config(None, diags, text)
    valid = not diags.errors
    if "[" not in text and "]" not in text:
        assert _accepts({"type": "string", "pattern": schema.base_url_pattern()}, text) == valid, text


# -- explainer schema ------------------------------------------------------------------------------

@pytest.mark.parametrize("name", NAMES)
def test_schema_prints_one(cli_run, name: str) -> None:
    result = cli_run("schema", name)
    assert (result.code, result.out, result.err) == (0, schema.text(name), "")


def test_schema_out_writes_them_all_replacing_a_link_not_its_target(cli_run, tmp_path: Path) -> None:
    out = tmp_path / "schemas"
    out.mkdir()
    (tmp_path / "mine.json").write_text("{}")
    (out / "site.schema.json").symlink_to(tmp_path / "mine.json")
    result = cli_run("schema", "--out", out)
    assert result.code == 0, result.err
    assert sorted(result.out.splitlines()) == sorted(str(out / f"{n}.schema.json") for n in NAMES)
    assert sorted(p.name for p in out.iterdir()) == sorted(f"{n}.schema.json" for n in NAMES)
    assert not (out / "site.schema.json").is_symlink()
    assert (tmp_path / "mine.json").read_text() == "{}"
    for name in NAMES:
        assert (out / f"{name}.schema.json").read_bytes() == schema.text(name).encode()
    again = cli_run("schema", "actor", "--out", tmp_path / "new/folder")
    assert again.code == 0 and [p.name for p in (tmp_path / "new/folder").iterdir()] == ["actor.schema.json"]


@pytest.mark.parametrize("args, message", [
    ([], "name one schema to print (or write them all with --out DIR)"),
    (["site", "actor"], "name one schema to print (or write them all with --out DIR)"),
    (["front"], "unknown schema 'front': choose from explainer, actor, site"),
    (["front", "--out", "x"], "unknown schema 'front': choose from explainer, actor, site"),
])
def test_schema_usage_errors(cli_run, args: list[str], message: str) -> None:
    result = cli_run("schema", *args)
    assert (result.code, result.out) == (2, "")
    assert result.err_lines[-1] == f"explainer schema: error: {message}"


def test_schema_out_into_a_file_is_an_error(cli_run, tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x")
    result = cli_run("schema", "--out", tmp_path / "file")
    assert (result.code, result.out) == (1, "")
    assert result.err_lines == [f"explainer: error: File exists: {tmp_path / 'file'}"]


def test_schema_out_that_is_a_link_is_refused(cli_run, tmp_path: Path) -> None:
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "schemas").symlink_to(tmp_path / "elsewhere")
    result = cli_run("schema", "--out", tmp_path / "schemas")
    assert (result.code, result.out) == (1, "")
    assert result.err_lines == [f"explainer: error: {tmp_path / 'schemas'} is a symbolic link; refusing to "
                                "write through it; give the folder it points to, or another"]
    assert list((tmp_path / "elsewhere").iterdir()) == []


# -- published in every site --------------------------------------------------------------------

def test_every_site_publishes_them_and_links_to_them_are_checked(project, cli_run) -> None:
    body = ("See [the schema](../schema/explainer.schema.json), [the actors'](/news/schema/actor.schema.json) "
            "and [the settings'](https://example.org/news/schema/site.schema.json).\n")
    root = project({"site.yaml": "base_url: https://example.org/news/\n",
                    "content/explainers/a.md": "---\ntitle: T\nsummary: S\npublished: 2024-01-01\n---\n" + body})
    assert cli_run("build", "--root", root).code == 0
    for name in NAMES:
        assert (root / f"site/schema/{name}.schema.json").read_bytes() == (REPO / f"docs/schema/{name}.schema.json"
                                                                          ).read_bytes()
    (root / "content/explainers/a.md").write_text((root / "content/explainers/a.md").read_text()
                                                  .replace("actor.schema.json", "actors.schema.json"))
    result = cli_run("check", "--root", root)
    assert result.code == 1
    assert result.error_lines[0].startswith("content/explainers/a.md:6:66: error: broken link "
                                            "'/news/schema/actors.schema.json': the site has no "
                                            "schema/actors.schema.json")


def test_schema_is_a_reserved_slug(project, cli_run) -> None:
    root = project({"content/explainers/schema.md": "---\ntitle: T\nsummary: S\npublished: 2024-01-01\n---\n"})
    result = cli_run("check", "--root", root)
    assert result.error_lines == ["content/explainers/schema.md:1:1: error: 'schema' is reserved for the site's "
                                  "own pages; rename the file, e.g. to schema-explained.md"]
