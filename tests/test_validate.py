"""Validation of fields: required keys, types, defaults, ids, images and site.yaml."""

from __future__ import annotations

import contextlib
import io
import json

import pytest
from helpers import assert_clean_cli

from generator import cli

HEAD = """\
---
title: T
summary: S
published: 2024-01-01
"""
"""Lines 1-4 of an explainer; a test's own front matter starts on line 5."""


def page(front: str = "", body: str = "Body.\n") -> str:
    return HEAD + front + "---\n" + body


def errors_of(project, cli_run, files):  # type: ignore[no-untyped-def]
    root = project(files)
    result = cli_run("check", "--root", root)
    assert "Traceback" not in result.err
    errors = [line for line in result.err_lines if ": error: " in line]
    assert result.code == (1 if errors else 0), result.err
    return errors


def test_minimal_explainer_builds(project, cli_run) -> None:
    root = project({"content/explainers/a.md": page()})
    result = cli_run("build", "--root", root, "--base-url", "https://example.org/")
    assert result.code == 0, result.err
    assert (root / "site/a/index.html").is_file()


def test_defaults_for_kind_and_status(project, cli_run) -> None:
    root = project({"content/explainers/a.md": page(
        "actors:\n  p:\n    name: P\nclaims:\n  c:\n    by: p\n    text: Something.\n")})
    assert cli_run("build", "--root", root).code == 0
    data = json.loads((root / "site/a/explainer.json").read_text("utf-8"))
    assert data["actors"][0]["kind"] == "person"
    assert data["claims"][0]["status"] == "unrated"


@pytest.mark.parametrize("front, expected", [
    ("title: ''\nsummary: S\npublished: 2024-01-01\n",
     "content/explainers/a.md:2:8: error: 'title' in explainer must not be empty"),
    ("title:\nsummary: S\npublished: 2024-01-01\n",
     "content/explainers/a.md:2:1: error: 'title' in explainer must not be empty"),
    ("title: '   '\nsummary: S\npublished: 2024-01-01\n",
     "content/explainers/a.md:2:8: error: 'title' in explainer must not be empty"),
])
def test_empty_required_text_is_an_error(project, cli_run, front: str, expected: str) -> None:
    assert errors_of(project, cli_run, {"content/explainers/a.md": "---\n" + front + "---\n"}) == [expected]


@pytest.mark.parametrize("front, expected", [
    ("authors: Jane Reporter\n",
     "content/explainers/a.md:5:10: error: 'authors' in explainer must be a list; write authors: [Jane Reporter]"),
    ("tags: {a: b}\n",
     "content/explainers/a.md:5:7: error: 'tags' in explainer must be a list, not a mapping"),
    ("authors: [[a]]\n",
     "content/explainers/a.md:5:11: error: each item of 'authors' in explainer must be text"),
    ("actors: [a, b]\n",
     "content/explainers/a.md:5:9: error: 'actors' in explainer must be a mapping of id: fields; "
     "remove the '- ' list markers"),
    ("sources: none\n",
     "content/explainers/a.md:5:10: error: 'sources' in explainer must be a mapping of id: fields"),
    ("timeline: {date: 2024}\n",
     "content/explainers/a.md:5:11: error: 'timeline' in explainer must be a list"),
    ("timeline:\n  - just text\n",
     "content/explainers/a.md:6:5: error: each timeline event must be a mapping with date and title; "
     "start each event with '- date: ...'"),
    ("claims:\n  c: just text\n",
     "content/explainers/a.md:6:6: error: claim 'c' must be a mapping of fields; indent its fields under the id"),
])
def test_wrong_shapes_are_errors(project, cli_run, front: str, expected: str) -> None:
    assert errors_of(project, cli_run, {"content/explainers/a.md": page(front)}) == [expected]


def test_updated_before_published_is_an_error(project, cli_run) -> None:
    errors = errors_of(project, cli_run, {"content/explainers/a.md": page("updated: 2023-12-31\n")})
    assert errors == ["content/explainers/a.md:5:1: error: 'updated' (2023-12-31) is before 'published' (2024-01-01)"]


def test_updated_may_be_a_date_time(project, cli_run) -> None:
    assert errors_of(project, cli_run, {"content/explainers/a.md": page("updated: 2024-01-02T09:30:00+01:00\n")}) == []


def test_invalid_actor_kind_suggests_the_closest(project, cli_run) -> None:
    errors = errors_of(project, cli_run, {"content/explainers/a.md": page("actors:\n  p:\n    name: P\n    kind: goverment\n")})
    assert errors == ["content/explainers/a.md:8:11: error: 'kind' in actor 'p' is 'goverment', not one of "
                      "person, organization, government, group, media; did you mean 'government'?"]


def test_invalid_kind_without_close_match_lists_the_choices(project, cli_run) -> None:
    errors = errors_of(project, cli_run, {"content/explainers/a.md": page("actors:\n  p:\n    name: P\n    kind: xyz\n")})
    assert errors == ["content/explainers/a.md:8:11: error: 'kind' in actor 'p' is 'xyz', not one of "
                      "person, organization, government, group, media; use one of: person, organization, "
                      "government, group, media"]


@pytest.mark.parametrize("tag, hint", [("Russia", "russia"), ("middle east", "middle-east"),
                                       ("a--b", "a-b"), ("-x", "x")])
def test_invalid_tag_suggests_a_valid_one(project, cli_run, tag: str, hint: str) -> None:
    errors = errors_of(project, cli_run, {"content/explainers/a.md": page(f"tags: ['{tag}']\n")})
    assert errors == [f"content/explainers/a.md:5:8: error: invalid tag '{tag}': use lowercase letters, digits "
                      f"and single hyphens; try '{hint}'"]


def test_overlong_id_is_refused(project, cli_run) -> None:
    long_id = "a" * 101
    errors = errors_of(project, cli_run, {"content/explainers/a.md": page(f"sources:\n  {long_id}:\n    title: X\n")})
    assert errors == [f"content/explainers/a.md:6:3: error: source id '{'a' * 20}...' is longer than 100 characters"]


def test_same_id_for_a_source_and_a_claim_is_an_error(project, cli_run) -> None:
    front = ("actors:\n  p:\n    name: P\nsources:\n  x:\n    title: S\n"
             "claims:\n  x:\n    by: p\n    text: T\n")
    errors = errors_of(project, cli_run, {"content/explainers/a.md": page(front)})
    assert errors == ["content/explainers/a.md:12:3: error: id 'x' is already used by the source at line 9; "
                      "ids of actors, sources and claims share one namespace per explainer"]


def test_actor_affiliated_with_itself_is_an_error(project, cli_run) -> None:
    errors = errors_of(project, cli_run, {"content/explainers/a.md": page("actors:\n  p:\n    name: P\n    affiliation: p\n")})
    assert errors == ["content/explainers/a.md:8:18: error: actor 'p' cannot be affiliated with itself"]


@pytest.mark.parametrize("image, message", [
    ("/etc/passwd.png", "image '/etc/passwd.png' must be a path inside content/; write it relative to content/, "
                        "e.g. images/portrait.jpg"),
    ("images/../../x.png", "image 'images/../../x.png' must be a path inside content/; write it relative to "
                           "content/, e.g. images/portrait.jpg"),
    ("C:/x.png", "image 'C:/x.png' must be a path inside content/; write it relative to content/, "
                 "e.g. images/portrait.jpg"),
    ("images/.hidden.png", "image 'images/.hidden.png' names a hidden file or folder"),
    ("images/p.svg", "image 'images/p.svg' is an SVG file, which can carry script; convert it to PNG or WebP"),
    ("images/p.bmp", "image 'images/p.bmp' is not a supported image type; use one of .jpg, .jpeg, .png, .gif, "
                     ".webp, .avif"),
    ("images/nope.png", "image 'images/nope.png' not found under content/"),
])
def test_bad_image_paths_are_refused(project, cli_run, image: str, message: str) -> None:
    errors = errors_of(project, cli_run, {
        "content/explainers/a.md": page(f"actors:\n  p:\n    name: P\n    image: '{image}'\n"),
        "content/images/p.svg": "<svg/>",
        "content/images/.hidden.png": b"\x89PNG",
    })
    assert errors == [f"content/explainers/a.md:8:12: error: {message}"]


def test_image_path_is_normalised_and_copied(project, cli_run) -> None:
    root = project({
        "content/explainers/a.md": page("actors:\n  p:\n    name: P\n    image: images/./p.png\n"),
        "content/images/p.png": b"\x89PNG\r\n\x1a\nfake",
    })
    assert cli_run("build", "--root", root).code == 0
    assert (root / "site/media/images/p.png").read_bytes() == b"\x89PNG\r\n\x1a\nfake"


# -- one run reports everything, without cascades ---------------------------------------------

def test_explainer_missing_required_fields_still_reports_its_other_errors(project, cli_run) -> None:
    text = ("---\n"
            "summary: S\n"
            "published: 2024-03\n"
            "claims:\n"
            "  c:\n"
            "    by: nobody\n"
            "    text: T\n"
            "---\n"
            "See [x](@missing).\n")
    errors = errors_of(project, cli_run, {"content/explainers/a.md": text})
    assert errors == [
        "content/explainers/a.md:2:1: error: missing required key 'title' in explainer",
        "content/explainers/a.md:3:12: error: invalid date in 'published': '2024-03' must be a full date "
        "(YYYY-MM-DD) or a date-time; use YYYY-MM-DD or 2024-03-22T20:00:00+03:00",
        "content/explainers/a.md:6:9: error: unknown actor 'nobody' in claim 'c'",
        "content/explainers/a.md:9:9: error: unknown id '@missing' in the body",
    ]


def test_objects_with_errors_are_not_reported_again_as_unknown(project, cli_run) -> None:
    front = ("actors:\n"
             "  p:\n"
             "    kind: person\n"          # line 7: p has no name
             "sources:\n"
             "  s:\n"
             "    url: https://example.org/\n"  # line 10: s has no title
             "claims:\n"
             "  c:\n"
             "    by: p\n"
             "    sources: [s]\n"
             "  d:\n"
             "    text: No author.\n"     # line 16: d has no 'by'
             "    contradicts: [c]\n"
             "  e:\n"
             "    by: p\n"
             "    text: E\n"
             "    supports: [c, d]\n"
             "    sources: [s]\n")
    errors = errors_of(project, cli_run, {"content/explainers/a.md": page(front)})
    assert errors == [
        "content/explainers/a.md:7:5: error: missing required key 'name' in actor 'p'",
        "content/explainers/a.md:10:5: error: missing required key 'title' in source 's'",
        "content/explainers/a.md:13:5: error: missing required key 'text' in claim 'c'",
        "content/explainers/a.md:16:5: error: missing required key 'by' in claim 'd'",
    ]


def test_shared_actor_with_errors_is_not_reported_again_where_used(project, cli_run) -> None:
    errors = errors_of(project, cli_run, {
        "content/actors/putin.yaml": "role: President\n",
        "content/actors/russia.yaml": "name: [Russia]\n",
        "content/explainers/a.md": page("claims:\n  c:\n    by: putin\n    text: T\n  d:\n    by: russia\n"
                                        "    text: T\n"),
    })
    assert errors == [
        "content/actors/putin.yaml:1:1: error: missing required key 'name' in actor 'putin'",
        "content/actors/russia.yaml:1:7: error: 'name' in actor 'russia' must be text, not a list",
    ]


def test_unreadable_shared_actor_is_not_reported_again_where_used(project, cli_run) -> None:
    errors = errors_of(project, cli_run, {
        "content/actors/belarus.yaml": "name: 'unclosed\n",
        "content/explainers/a.md": page("claims:\n  e:\n    by: belarus\n    text: T\n"),
    })
    assert errors == [
        "content/actors/belarus.yaml:2:1: error: invalid YAML: found unexpected end of stream "
        "(while scanning a quoted scalar that starts at line 1, column 7)",
    ]


def test_reserved_slug_file_still_reports_its_other_errors(project, cli_run) -> None:
    errors = errors_of(project, cli_run, {"content/explainers/media.md": page("sumary: x\n")})
    assert errors == [
        "content/explainers/media.md:1:1: error: 'media' is reserved for the site's own pages; rename the file, "
        "e.g. to media-explained.md",
        "content/explainers/media.md:5:1: error: unknown key 'sumary' in explainer; did you mean 'summary'?",
    ]


# -- site.yaml ---------------------------------------------------------------------------------

def test_site_yaml_fields_are_used(project, cli_run) -> None:
    root = project({
        "site.yaml": "title: The Desk\nlanguage: fr\ndescription: Explained.\nbase_url: https://news.example/x\n",
        "content/explainers/a.md": page(),
    })
    result = cli_run("build", "--root", root)
    assert result.code == 0
    assert "warning" not in result.err
    home = (root / "site/index.html").read_text("utf-8")
    assert '<html lang="fr"' in home
    assert "The Desk" in home
    assert "https://news.example/x/a/" in (root / "site/sitemap.xml").read_text("utf-8")


@pytest.mark.parametrize("line, expected", [
    ("allow_html: 'true'", "site.yaml:1:13: error: 'allow_html' in site.yaml must be true or false, got 'true'"),
    ("allow_html: maybe", "site.yaml:1:13: error: 'allow_html' in site.yaml must be true or false, got 'maybe'"),
    ("base_url: ftp://example.org/", "site.yaml:1:11: error: base_url 'ftp://example.org/' must be an http(s) URL "
                                     "or a path starting with '/'; for example https://example.org/explainers/"),
    ("base_url: example.org", "site.yaml:1:11: error: base_url 'example.org' must be an http(s) URL or a path "
                              "starting with '/'; for example https://example.org/explainers/"),
    ("title: [a]", "site.yaml:1:8: error: 'title' in site.yaml must be text, not a list"),
    ("baseurl: /x/", "site.yaml:1:1: error: unknown key 'baseurl' in site.yaml; did you mean 'base_url'?"),
])
def test_bad_site_yaml_values_are_errors(project, cli_run, line: str, expected: str) -> None:
    errors = errors_of(project, cli_run, {"site.yaml": line + "\n", "content/explainers/a.md": page()})
    assert errors == [expected]


def test_bad_base_url_option_is_an_error_of_no_file(project, cli_run) -> None:
    root = project({"content/explainers/a.md": page()})
    result = cli_run("build", "--root", root, "--base-url", "javascript:alert(1)")
    assert result.code == 1
    assert result.error_lines == ["explainer: error: base_url 'javascript:alert(1)' must be an http(s) URL or a path "
                                  "starting with '/'; for example https://example.org/explainers/"]
    assert not (root / "site").exists()


def test_empty_site_yaml_uses_defaults(project, cli_run) -> None:
    root = project({"site.yaml": "", "content/explainers/a.md": page()})
    result = cli_run("build", "--root", root)
    assert result.code == 0, result.err
    assert "<title>Explainers</title>" in (root / "site/index.html").read_text("utf-8")


# -- found by fuzzing ----------------------------------------------------------------------------

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
