"""Every test project gets the same verdict from the JSON Schemas as from `explainer check`.

The schemas (docs/schema/*.schema.json) are applied by python-jsonschema, which knows nothing
of explainer's code, to the YAML of each file as an editor reads it (schema_tools.py). A
project is valid to the schemas when each of its files is.

A project `check` finds valid must be valid to the schemas: an editor must never flag a file
that builds. A project `check` refuses must be refused by the schemas too, unless each of
its errors is of a kind no schema can check (references between objects and files, the order
of dates, whether a picture exists...), which docs/schema.md lists with the message of each:
that list is read here, and an error is of a kind when its message matches one of them whole.

The projects: the repository's example, tests/projects/, every case of tests/invalid/, and
the cases below, which try what a schema could get wrong: YAML 1.2's types, null values, every
date form, the fields that need each other, the limits.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import jsonschema
import pytest
import yaml
from helpers import copy_example, make_project
from invalid.cases import CASES
from schema_tools import (
    KINDS,
    REPO,
    SCHEMAS,
    Yaml12Loader,
    document,
    kind_of,
    project_files,
    schema_problems,
    verdicts_differ,
    yaml_text,
)
from validator_tools import YamlLanguageServer


def test_the_loader_reads_yaml_1_2() -> None:
    text = "a: 1956\nb: 2024-03-28\nc: yes\nd: true\ne: ~\nf:\ng: 017\nh: 0x1F\ni: 1.5\nj: '1956'\nk: 10:30\n"
    assert yaml.load(text, Yaml12Loader) == {"a": 1956, "b": "2024-03-28", "c": "yes", "d": True, "e": None,
                                             "f": None, "g": 17, "h": 31, "i": 1.5, "j": "1956", "k": "10:30"}
    with pytest.raises(yaml.YAMLError):
        yaml.load("a: 1\na: 2\n", Yaml12Loader)


# -- the verdicts -----------------------------------------------------------------------------

def check_errors(cli_run, root: Path) -> list[str]:  # type: ignore[no-untyped-def]
    """The messages of the errors `explainer check` finds in the project."""
    result = cli_run("check", "--root", root, "--format", "json")
    assert "Traceback" not in result.err
    found = [json.loads(line) for line in result.out.splitlines()]
    errors = [d["message"] for d in found if d["severity"] == "error"]
    assert result.code == (1 if errors else 0), result.err
    return errors


def assert_same_verdict(cli_run, root: Path, expect_valid: bool | None = None) -> None:  # type: ignore[no-untyped-def]
    errors = check_errors(cli_run, root)
    if expect_valid is not None:
        assert not errors if expect_valid else errors, errors
    assert verdicts_differ(errors, schema_problems(root)) is None


def test_every_row_of_the_table_is_a_kind() -> None:
    section = (REPO / "docs/schema.md").read_text("utf-8").split("<!-- kinds: start -->")[1].split("<!-- kinds: end")[0]
    rows = [line for line in section.splitlines() if line.startswith("| `")]
    assert len(rows) == len(KINDS) > 30


def test_the_example_project(cli_run, tmp_path: Path) -> None:
    assert_same_verdict(cli_run, copy_example(tmp_path / "example"), expect_valid=True)


@pytest.mark.parametrize("name", sorted(p.name for p in (REPO / "tests/projects").iterdir()))
def test_the_test_projects(cli_run, tmp_path: Path, name: str) -> None:
    root = Path(shutil.copytree(REPO / "tests/projects" / name, tmp_path / name))
    assert_same_verdict(cli_run, root, expect_valid=True)


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_the_invalid_input_cases(project, cli_run, case) -> None:  # type: ignore[no-untyped-def]
    assert_same_verdict(cli_run, project({**case.files, **case.extra}), expect_valid=False)


# -- cases of our own ---------------------------------------------------------------------------

E = "content/explainers/a.md"
HEAD = "---\ntitle: T\nsummary: S\npublished: 2024-01-01\n"


def page(front: str = "", head: str = HEAD) -> str:
    return head + front + "---\nBody.\n"


PNG = b"\x89PNG\r\n\x1a\n" + bytes(64)
VALID: dict[str, dict[str, str | bytes]] = {
    "numbers-and-booleans-are-text": {E: page(head="---\ntitle: 1956\nsummary: true\npublished: 2024-01-01\n")},
    "yes-and-no-are-true-and-false": {E: page("draft: no\n"), "site.yaml": "allow_html: off\nupdated_from_git: Yes\n"},
    "null-optional-fields": {E: page("updated:\nauthors:\ntags: ~\nimage:\nactors:\nclaims: null\ntimeline:\n"
                                     "draft:\nlanguage:\nstory:\n"),
                             "content/actors/p.yaml": "name: P\nkind:\nrole:\naffiliation:\nwikidata:\nlinks:\n",
                             "site.yaml": "title:\nbase_url:\nlanguage:\nstrings:\n"},
    "empty-optional-text": {E: page("actors:\n  p:\n    name: P\n    role: ''\n    wikidata: ''\n")},
    "a-number-as-an-id": {E: page("actors:\n  2024:\n    name: P\nclaims:\n  c:\n    by: 2024\n    text: T\n"
                                  "tags: [2024, a-b]\n")},
    "every-date-form": {E: page("updated: 2024-02-29T23:59:59.5-12:00\nclaims:\n  c:\n    by: p\n    text: T\n"
                                "    date: 1956\nactors:\n  p:\n    name: P\nsources:\n  s:\n    title: S\n"
                                "    date: 2024-02\ntimeline:\n"
                                + "".join(f"  - date: '{d}'\n    title: E\n" for d in (
                                    "~1956", "1956~", "~ 2023-06", "..2023-06-06", "2023-06-06..", "2022..2023-06-15",
                                    "2023-06-05 .. 2023-06-07", "../2023-06-06", "2023-06-06/..",
                                    "2023-06-05/2023-06-07", "2000-02-29", "2024-03-22 20:00:00Z", " 2024 ")))},
    "corrections": {E: page("corrections:\n  - date: 2024-01-02\n    text: Fixed.\n")},
    "an-image-with-its-alt-text-and-credit": {E: page("image: images/a.PNG\nimage_alt: A\nimage_credit: C\n"),
                                              "content/images/a.PNG": PNG},
    "questions-and-about": {E: page("questions:\n  who:\n    question: Who?\nclaims:\n  c:\n    by: p\n"
                                    "    text: T\n    about: who\n    status: misleading\nactors:\n  p:\n"
                                    "    name: P\n")},
    "links-and-urls": {"content/actors/p.yaml": "name: P\nlinks: ['HTTPS://example.org/a?b#c', 'http://[::1]:80/']\n"
                                                "wikidata: ' Q7747 '\n", E: page()},
    "a-year-before-1000": {E: page("sources:\n  s:\n    title: S\n    date: 0800\ntimeline:\n  - date: 0956\n"
                                   "    title: E\n")},
    "base-url-forms": {"site.yaml": "base_url: ''\n", E: page()},
    "base-url-path": {"site.yaml": "base_url: /news\n", E: page()},
    "base-url-host": {"site.yaml": "base_url: http://example.org\n", E: page()},
    "strings": {"site.yaml": "language: fr\nstrings:\n  fr: {}\n", E: page()},
    "fifty-tags": {E: page("tags: [" + ", ".join(f"t{i}" for i in range(50)) + "]\n")},
    "an-empty-actor-file-needs-a-name": {"content/actors/p.yaml": "name: P\n", E: page()},
}
INVALID: dict[str, dict[str, str | bytes]] = {
    "a-required-field-is-null": {E: "---\ntitle:\nsummary: S\npublished: 2024-01-01\n---\n"},
    "a-required-field-is-blank": {E: "---\ntitle: '  '\nsummary: S\npublished: 2024-01-01\n---\n"},
    "a-quoted-yes-is-no-boolean": {E: page("draft: maybe\n")},
    "a-list-for-text": {E: page("actors:\n  p:\n    name: [P]\n")},
    "a-mapping-for-a-list": {E: page("authors: {a: b}\n")},
    "a-bare-question": {E: page("questions:\n  who: Who did it?\n")},
    "a-list-for-about": {E: page("questions:\n  who:\n    question: Who?\nclaims:\n  c:\n    by: p\n    text: T\n"
                                 "    about: [who]\nactors:\n  p:\n    name: P\n")},
    "a-year-for-published": {E: page(head="---\ntitle: T\nsummary: S\npublished: 2024\n")},
    "february-29-of-a-common-year": {E: page("updated: 2023-02-29\n")},
    "hour-24": {E: page("updated: 2024-01-01T24:00:00Z\n")},
    "an-offset-of-24-hours": {E: page("updated: 2024-01-01T10:00:00+24:00\n")},
    "year-zero": {"content/actors/p.yaml": "name: P\n", E: page("sources:\n  s:\n    title: S\n    date: '0000'\n")},
    "edtf-uncertain": {E: page("timeline:\n  - date: 1956?\n    title: E\n")},
    "around-twice": {E: page("timeline:\n  - date: ~1956~\n    title: E\n")},
    "around-a-range": {E: page("timeline:\n  - date: ~2023..2024\n    title: E\n")},
    "a-range-of-date-times": {E: page("timeline:\n  - date: 2024-01-01T10:00:00Z..2024-02-01\n    title: E\n")},
    "mixed-range-spellings": {E: page("timeline:\n  - date: 2023../2024\n    title: E\n")},
    "an-open-range-both-ways": {E: page("timeline:\n  - date: ../..\n    title: E\n")},
    "a-range-in-a-source-date": {E: page("sources:\n  s:\n    title: S\n    date: ~2024\n")},
    "an-image-without-alt-text": {E: page("image: images/a.png\n"), "content/images/a.png": PNG},
    "alt-text-without-an-image": {E: page("image_alt: A\n")},
    "a-credit-without-an-image": {E: page("image_credit: C\n")},
    "an-empty-alt-text": {E: page("image: images/a.png\nimage_alt: ''\n"), "content/images/a.png": PNG},
    "an-svg-image": {E: page("image: images/a.svg\nimage_alt: A\n"), "content/images/a.svg": "<svg/>"},
    "fifty-one-tags": {E: page("tags: [" + ", ".join(f"t{i}" for i in range(51)) + "]\n")},
    "a-tag-twice": {E: page("tags: [a, a]\n")},
    "an-uppercase-id": {E: page("actors:\n  Putin:\n    name: P\n")},
    "a-long-id": {E: page("actors:\n  " + "a" * 101 + ":\n    name: P\n")},
    "a-negative-id": {E: page("claims:\n  c:\n    by: -1\n    text: T\n")},
    "an-unknown-kind": {"content/actors/p.yaml": "name: P\nkind: state\n", E: page()},
    "a-wikidata-id-without-q": {"content/actors/p.yaml": "name: P\nwikidata: 7747\n", E: page()},
    "an-ftp-link": {"content/actors/p.yaml": "name: P\nlinks: [ftp://example.org/]\n", E: page()},
    "a-url-without-host": {E: page("sources:\n  s:\n    title: S\n    url: 'https:///a'\n")},
    "a-url-with-a-space": {E: page("sources:\n  s:\n    title: S\n    url: 'https://example.org/a b'\n")},
    "a-url-with-an-invisible-character": {E: page("sources:\n  s:\n    title: S\n"
                                                  "    url: \"https://example.org/\\u202e\"\n")},
    "a-base-url-with-a-query": {"site.yaml": "base_url: /news?x\n", E: page()},
    "a-protocol-relative-base-url": {"site.yaml": "base_url: //example.org/\n", E: page()},
    "a-relative-base-url": {"site.yaml": "base_url: news/\n", E: page()},
    "an-empty-language": {E: page("language: ''\n")},
    "a-catalogue-that-is-no-mapping": {"site.yaml": "strings:\n  fr: text\n", E: page()},
    "a-duplicate-key": {E: page("summary: S2\n")},
    "an-actor-file-that-is-a-list": {"content/actors/p.yaml": "- name: P\n", E: page()},
    "an-empty-actor-file": {"content/actors/p.yaml": "", E: page()},
    "empty-front-matter": {E: "---\n---\nBody.\n"},
    "a-timeline-event-that-is-text": {E: page("timeline:\n  - just text\n")},
}

UNCHECKABLE: dict[str, tuple[dict[str, str | bytes], str]] = {
    "a-range-that-ends-before-it-starts": ({E: page("timeline:\n  - date: 2024..2023\n    title: E\n")}, "range-order"),
    "a-missing-image": ({E: page("image: images/b.png\nimage_alt: A\n")}, "image-not-found"),
    "a-capitalized-status": ({E: page("claims:\n  c:\n    by: p\n    text: T\n    status: True\nactors:\n  p:\n"
                                  "    name: P\n")}, "capitalized-status"),
    "an-unknown-language": ({"site.yaml": "language: xx-nope\n", E: page()}, "language"),
    "an-anchor": ({E: page("authors: [&a Ann, *a]\n")}, "yaml-anchor"),
    "a-correction-before-publication": ({E: page("corrections:\n  - date: 2023-12-31\n    text: Fixed.\n")},
                                        "correction-before-published"),
    "updated-before-published": ({E: page("updated: 2023-12-31\n")}, "updated-before-published"),
    "an-unknown-reference": ({E: page("claims:\n  c:\n    by: nobody\n    text: T\n")}, "unknown-reference"),
    "a-source-for-an-actor": ({E: page("sources:\n  s:\n    title: S\nclaims:\n  c:\n    by: s\n    text: T\n")},
                              "wrong-kind-of-reference"),
    "an-id-used-twice": ({E: page("actors:\n  p:\n    name: P\nsources:\n  p:\n    title: S\n")}, "id-used-twice"),
    "a-shared-actor-affiliated-with-itself": ({"content/actors/p.yaml": "name: P\naffiliation: p\n", E: page()},
                                              "affiliated-with-itself"),
    "a-story-told-twice-in-one-language": ({E: page("story: s\n"), "content/explainers/b.md": page("story: s\n")},
                                           "story-told-twice"),
    "a-quoted-yes": ({E: page('draft: "yes"\n')}, "quoted-boolean"),
    "a-three-digit-year": ({E: page("sources:\n  s:\n    title: S\n    date: 800\n")}, "year-as-a-number"),
    "a-hidden-picture": ({E: page("image: .pictures/a.png\nimage_alt: A\n"), "content/.pictures/a.png": PNG},
                         "image-hidden"),
    "a-png-named-jpg": ({E: page("image: a.jpg\nimage_alt: A\n"), "content/a.jpg": PNG}, "image-content"),
    "a-url-with-a-broken-ipv6-host": ({E: page("sources:\n  s:\n    title: S\n    url: 'https://[::1/'\n")},
                                      "url-host-or-character"),
    "a-url-with-a-tag-character": ({E: page("sources:\n  s:\n    title: S\n"
                                            "    url: \"https://example.org/\\U000E0001\"\n")}, "url-host-or-character"),
    "a-date-time-before-year-1-in-utc": ({E: page("updated: 0001-01-01T00:30:00+01:00\n")}, "date-outside-utc"),
    "an-unknown-string-in-a-catalogue": ({"site.yaml": "language: fr\nstrings:\n  fr:\n    no-such-string: x\n",
                                          E: page()},
                                         "catalogue"),
    "a-protocol-relative-link-in-the-body": ({E: page().replace("Body.", "[x](//example.org/)")}, "markdown"),
    "an-unknown-at-link": ({E: page().replace("Body.", "[x](@nobody)")}, "markdown"),
    "a-link-to-a-missing-explainer": ({E: page().replace("Body.", "[x](other.md)")}, "broken-link"),
    "a-control-character": ({E: page('authors: ["A\\x1f"]\n')}, "control-character"),
    "a-reserved-slug": ({"content/explainers/schema.md": page()}, "file-name"),
    "a-missing-picture-in-the-body": ({E: page().replace("Body.", "![Map](images/map.png)")}, "markdown-image"),
    "a-nul-character-in-the-body": ({E: page().replace("Body.", "a\x00b").encode()}, "file"),
    "a-template-that-does-not-compile": ({E: page(), "templates/base.html": "{% block content %}"}, "templates"),
}
"""Projects whose only errors are of a kind no schema can check (docs/schema.md), and that kind."""


@pytest.mark.parametrize("name", sorted(VALID))
def test_valid_cases(project, cli_run, name: str) -> None:
    assert_same_verdict(cli_run, project(VALID[name]), expect_valid=True)


@pytest.mark.parametrize("name", sorted(INVALID))
def test_invalid_cases(project, cli_run, name: str) -> None:
    assert_same_verdict(cli_run, project(INVALID[name]), expect_valid=False)


def test_invalid_cases_are_refused_by_the_schemas(project, cli_run) -> None:  # type: ignore[no-untyped-def]
    for name, files in INVALID.items():
        root = project(files)
        assert check_errors(cli_run, root), name
        assert schema_problems(root), f"{name}: the schemas accept it"


@pytest.mark.parametrize("name", sorted(UNCHECKABLE))
def test_what_no_schema_checks(project, cli_run, name: str) -> None:
    files, kind = UNCHECKABLE[name]
    root = project(files)
    assert schema_problems(root) == []
    assert {kind_of(message) for message in check_errors(cli_run, root)} == {kind}


# -- the YAML language server reads the schemas alike ---------------------------------------------

def test_the_yaml_language_server_gives_each_file_the_same_verdict(tmp_path: Path) -> None:
    """VS Code's YAML extension runs the YAML language server: each file of every project above,
    given to it with its schema as an editor does, is valid to it exactly when it is valid to
    python-jsonschema (a file with no YAML in it, such as one that is not UTF-8 or an empty one,
    is left out)."""
    projects = [copy_example(tmp_path / "example"), *sorted((REPO / "tests/projects").iterdir())]
    cases = [{**c.files, **c.extra} for c in CASES] + [*VALID.values(), *INVALID.values()]
    cases += [files for files, _ in UNCHECKABLE.values()]
    projects += [make_project(tmp_path / f"case-{number}", files) for number, files in enumerate(cases)]
    documents, expected = {}, {}
    for number, root in enumerate(projects):
        for path, name, front in project_files(root):
            text, unreadable = yaml_text(path, front)
            if text is None or not text.strip():
                continue  # nothing to check: the server checks no empty document (docs/schema.md)
            uri = (tmp_path / "documents" / str(number) / f"{path.relative_to(root).as_posix()}.yaml").as_uri()
            schema_uri = (REPO / f"docs/schema/{name}.schema.json").as_uri()
            documents[uri] = f"# yaml-language-server: $schema={schema_uri}\n{text}"
            data, unreadable = document(text)
            expected[uri] = unreadable is None and jsonschema.Draft202012Validator(SCHEMAS[name]).is_valid(data)
    with YamlLanguageServer() as server:
        found = server.diagnostics(documents)
    verdicts = {uri: not any(d.get("severity") == 1 for d in found[uri]) for uri in documents}
    differ = {uri: (found[uri], expected[uri]) for uri in documents if verdicts[uri] != expected[uri]}
    assert differ == {}
    assert sum(expected.values()) > 20 and len(expected) - sum(expected.values()) > 50
