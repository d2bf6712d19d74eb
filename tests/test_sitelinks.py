"""Links written in Markdown to pages of the site (generator/sitelinks.py).

A broken one is reported at the line and column of the file the writer wrote (body, claim
note, actor description, timeline text; YAML blocks too), by `check` as by `build`; a link
to another explainer's `.md` file becomes a link to its page, from whichever page shows it.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from generator.config import BuildOptions
from generator.diagnostics import BuildFailed
from generator.pipeline import Builder
from helpers import by_id, html_tree, links_in

A = "content/explainers/a.md"
ROUTE = "content/explainers/route.md"


def explainer_a(body: str = "Intro.\n", note: str = "      Compare [the route](route.md#claim-route).\n",
                extra: str = "") -> str:
    """Lines 1-11 are fixed; the note's block starts on line 13; the body on line 15."""
    return ("---\ntitle: A\nsummary: S\npublished: 2024-01-01\nactors:\n  putin:\n    name: Vladimir Putin\n"
            "claims:\n  window:\n    by: putin\n    text: Ukraine prepared a window.\n"
            f"    note: |\n{note}{extra}---\n{body}")


ROUTE_TEXT = ("---\ntitle: The route\nsummary: S\npublished: 2024-01-02\nactors:\n  lukashenko:\n"
              "    name: Alexander Lukashenko\nclaims:\n  route:\n    by: lukashenko\n"
              "    text: They went to Belarus.\n---\nThe route.\n")


def snapshot(root: Path) -> dict[str, tuple[bytes, int]]:
    """Every path under `root` with its bytes (files) and mtime."""
    return {p.relative_to(root).as_posix(): (p.read_bytes() if p.is_file() else b"", p.lstat().st_mtime_ns)
            for p in [root, *sorted(root.rglob("*"))]}


# -- reported at the source ----------------------------------------------------------------------

def test_a_broken_explainer_link_in_the_body_is_reported_at_its_source_by_check_and_build(project, cli_run) -> None:
    root = project({A: explainer_a(body="Intro.\n\nSee [the route](rout.md).\n"), ROUTE: ROUTE_TEXT})
    expected = (f"{A}:17:17: error: broken link 'rout.md': there is no content/explainers/rout.md; "
                "did you mean 'route.md'?")
    before = snapshot(root)
    check = cli_run("check", "--root", root)
    assert (check.code, check.error_lines) == (1, [expected])
    assert snapshot(root) == before, "check writes nothing at all"
    assert not (root / ".explainer-cache").exists()
    build = cli_run("build", "--root", root)
    assert (build.code, build.error_lines) == (1, [expected])
    assert not (root / "site").exists()


def test_a_relative_link_to_a_page_beside_is_reported_in_the_body(project, cli_run) -> None:
    """`other/` on a's page is a/other/ (once a strict xfail in test_resolve.py: reported in the
    rendered page, and not by check): said at the source, with the link the writer meant."""
    root = project({A: explainer_a(body="Intro.\n\nSee [the other page](route/).\n"), ROUTE: ROUTE_TEXT})
    result = cli_run("check", "--root", root)
    assert (result.code, result.error_lines) == (1, [
        f"{A}:17:22: error: broken link 'route/': the site has no page a/route/; a link is relative to the "
        "page it is on (a/): did you mean '../route/'?"])
    assert cli_run("build", "--root", root).error_lines == result.error_lines
    (root / A).write_text(explainer_a(body="Intro.\n\nSee [the claim](route/#claim-route).\n"))
    assert cli_run("check", "--root", root).error_lines == [
        f"{A}:17:17: error: broken link 'route/#claim-route': the site has no page a/route/; a link is relative "
        "to the page it is on (a/): did you mean '../route/#claim-route'?"]


def test_a_broken_link_in_a_claim_note_block_is_reported_at_its_line_and_column(project, cli_run) -> None:
    note = "      Compare\n      [the route](route.md#claim-rout).\n"
    root = project({A: explainer_a(note=note), ROUTE: ROUTE_TEXT})
    result = cli_run("check", "--root", root)
    assert (result.code, result.error_lines) == (1, [
        f"{A}:14:19: error: broken link 'route.md#claim-rout': the page route/ has no element with id "
        "'claim-rout'; did you mean 'route.md#claim-route'?"])


def test_folded_and_multi_line_yaml_fields_are_located_line_by_line(project, cli_run) -> None:
    extra = ("timeline:\n  - date: 2024\n    title: E\n    text: >\n      Folded, and\n"
             "        more indented [x](../gone/)\n\n      after a blank line [y](gone.md).\n"
             "  - date: 2024\n    title: F\n    text: A plain scalar\n      over two lines [z](#claim-windw).\n")
    root = project({A: explainer_a(extra=extra), ROUTE: ROUTE_TEXT})
    result = cli_run("check", "--root", root)
    assert result.code == 1
    assert result.error_lines == [
        f"{A}:19:27: error: broken link '../gone/': the site has no page gone/ (there is no "
        "content/explainers/gone.md); a link to another explainer names its file, [text](other-slug.md), "
        "or its page, [text](../other-slug/)",
        f"{A}:21:30: error: broken link 'gone.md': there is no content/explainers/gone.md; a link to another "
        "explainer names its file, [text](other-slug.md), or its page, [text](../other-slug/)",
        f"{A}:25:26: error: broken link '#claim-windw': this page has no element with id 'claim-windw'; "
        "did you mean '#claim-window'?",
    ]


def test_a_broken_anchor_names_every_kind_of_in_page_target_or_the_question_meant(project, cli_run) -> None:
    questions = "questions:\n  who-did-it:\n    question: Who did it?\n"
    root = project({A: explainer_a(body="Intro.\n\nSee [background](#background).\n", extra=questions),
                    ROUTE: ROUTE_TEXT})
    result = cli_run("check", "--root", root)
    assert (result.code, result.error_lines) == (1, [
        f"{A}:20:18: error: broken link '#background': this page has no element with id 'background'; "
        "link to a claim, actor, source or question with [text](@id), or to #claim-<id>, #actor-<id>, "
        "#source-<id> or #question-<id> on its explainer's page"])
    (root / A).write_text(explainer_a(body="Intro.\n\nSee [who](#question-who-did).\n", extra=questions))
    assert cli_run("check", "--root", root).error_lines == [
        f"{A}:20:11: error: broken link '#question-who-did': this page has no element with id "
        "'question-who-did'; did you mean '#question-who-did-it'?"]


def test_a_link_to_a_draft_says_it_is_a_draft(project, cli_run) -> None:
    root = project({A: explainer_a(body="See [the route](route.md).\n", note="      No link.\n"),
                    ROUTE: ROUTE_TEXT.replace("title:", "draft: true\ntitle:")})
    result = cli_run("build", "--root", root)
    assert (result.code, result.error_lines) == (1, [
        f"{A}:15:17: error: broken link 'route.md': content/explainers/route.md is a draft, not on the site; "
        "link to it once it is published, or remove the link"])
    assert cli_run("build", "--root", root, "--drafts").code == 0  # the preview shows both


@pytest.mark.parametrize("body, expected", [
    ("See [up](../../up/).\n",
     f"{A}:15:10: error: link '../../up/' in the body leaves the site; link to a page of the site (like "
     "../other-slug/), or give the full https:// address"),
    ("See [notes](../notes/route.md).\n",
     f"{A}:15:13: error: link '../notes/route.md' in the body names content/notes/route.md, which is not an "
     "explainer in content/explainers/; a link to another explainer names its file, like [text](other-slug.md)"),
    ("See [it](Route.md).\n",
     f"{A}:15:10: error: link 'Route.md' in the body names content/explainers/Route.md, which cannot be an "
     "explainer (a file name is a slug: a-z, 0-9 and '-'); a link to another explainer names its file, like "
     "[text](other-slug.md)"),
])
def test_links_that_cannot_work_anywhere_are_errors_of_the_file(project, cli_run, body: str, expected: str) -> None:
    root = project({A: explainer_a(body=body), ROUTE: ROUTE_TEXT})
    result = cli_run("check", "--root", root)
    assert (result.code, result.error_lines) == (1, [expected])


def test_a_shared_actors_md_link_is_relative_to_its_file(project, cli_run) -> None:
    root = project({A: explainer_a(), ROUTE: ROUTE_TEXT,
                    "content/actors/zakharova.yaml": "name: Maria Zakharova\ndescription: See [it](route.md).\n"})
    result = cli_run("check", "--root", root)
    assert (result.code, result.error_lines) == (1, [
        "content/actors/zakharova.yaml:2:23: error: link 'route.md' in the description of actor 'zakharova' "
        "names content/actors/route.md, which is not an explainer in content/explainers/; a link to an "
        "explainer names its file from here, like [text](../explainers/other-slug.md)"])


def test_a_template_link_is_still_reported_at_the_page_by_check_too(project, cli_run) -> None:
    root = project({A: explainer_a(extra="tags: [t]\n"), ROUTE: ROUTE_TEXT,
                    "templates/tag.html": "{% extends 'base.html' %}{% block content %}"
                                          "<a href=\"../../missing/\">x</a>{% endblock %}"})
    result = cli_run("check", "--root", root)
    assert result.code == 1
    [line] = result.error_lines
    assert line.startswith("site/tags/t/index.html:") and line.endswith(
        "error: broken link '../../missing/': the site has no missing/index.html; check the template or the "
        "link's target")
    assert not (root / "site").exists()


# -- rendered from every page that shows them ---------------------------------------------------

def test_md_links_point_at_the_page_from_the_explainer_page_and_the_actor_page(project, cli_run) -> None:
    body = ("Intro [route](route.md), [claim](./route.md#claim-route), [folder](../explainers/route.md), "
            "[page](../route/), [rooted](/x/route/), [elsewhere](/other/) and [mine](#claim-window).\n")
    note = "      [The route](route.md#claim-route); [this](#claim-window).\n"
    root = project({A: explainer_a(body=body, note=note), ROUTE: ROUTE_TEXT,
                    "content/actors/zakharova.yaml":
                        "name: Maria Zakharova\ndescription: Spoke of [the route](../explainers/route.md).\n",
                    "site.yaml": "base_url: https://example.org/x/\n"})
    (root / ROUTE).write_text(ROUTE_TEXT.replace("The route.\n", "[Zakharova](@zakharova) on the route.\n"))
    assert cli_run("check", "--root", root).code == 0
    assert cli_run("build", "--root", root).code == 0
    page = html_tree(root / "site/a/index.html")
    assert links_in(by_id(page, "claim-window").find(".//div[@class='claim-note prose']")) == [
        ("../route/#claim-route", "The route"), ("#claim-window", "this")]
    body_links = [link for link in links_in(page.find(".//div[@class='body prose']"))]
    assert body_links == [("../route/", "route"), ("../route/#claim-route", "claim"), ("../route/", "folder"),
                          ("../route/", "page"), ("../route/", "rooted"), ("/other/", "elsewhere"),
                          ("#claim-window", "mine")]
    actor = html_tree(root / "site/actors/putin/index.html")
    assert links_in(by_id(actor, "claim-a--window").find(".//div[@class='claim-note prose']")) == [
        ("../../route/#claim-route", "The route"), ("../../a/#claim-window", "this")]
    shared = html_tree(root / "site/actors/zakharova/index.html")
    assert ("../../route/", "the route") in links_in(shared.find(".//div[@class='actor-description prose']"))
    card = by_id(html_tree(root / "site/route/index.html"), "actor-zakharova")
    assert ("../route/", "the route") in links_in(card)


def test_a_footnote_stays_with_its_field_on_every_page(project, cli_run) -> None:
    """A footnote's links point within the field (see resolve's footnote scopes): they are not
    links to the explainer's page, and stay in-page on the actor's page too."""
    note = "      A note with a footnote.[^src] See [the route](route.md).\n\n      [^src]: The source.\n"
    root = project({A: explainer_a(note=note), ROUTE: ROUTE_TEXT})
    assert cli_run("build", "--root", root).code == 0
    for page, card in (("site/a/index.html", "claim-window"), ("site/actors/putin/index.html", "claim-a--window")):
        hrefs = [href for href, _ in links_in(by_id(html_tree(root / page), card))]
        footnotes = [href for href in hrefs if "fn" in href]
        assert footnotes and all(href.startswith("#fn") for href in footnotes), (page, hrefs)
        assert ("../route/" if page == "site/a/index.html" else "../../route/") in hrefs


# -- incremental builds --------------------------------------------------------------------------

@pytest.mark.parametrize("builder", ["build", "serve"])
def test_deleting_the_linked_explainer_reports_the_unchanged_one(project, builder: str) -> None:
    """A is not compiled again (unchanged), but its link to B is checked against the new site."""
    root = project({A: explainer_a(body="See [the route](route.md).\n"), ROUTE: ROUTE_TEXT})
    options = BuildOptions(root, root / "site", drafts=builder == "serve")
    resident = Builder(options, resident=True)
    (resident if builder == "serve" else Builder(options)).build()
    os.unlink(root / ROUTE)
    with pytest.raises(BuildFailed) as failed:
        (resident if builder == "serve" else Builder(options)).build()
    assert [str(d) for d in failed.value.diagnostics] == [
        f"{A}:13:27: error: broken link 'route.md#claim-route': there is no content/explainers/route.md; "
        "a link to another explainer names its file, [text](other-slug.md), or its page, [text](../other-slug/)",
        f"{A}:15:17: error: broken link 'route.md': there is no content/explainers/route.md; a link to another "
        "explainer names its file, [text](other-slug.md), or its page, [text](../other-slug/)"]
    assert (root / "site/route/index.html").is_file(), "the failed build left the site as it was"


@pytest.mark.parametrize("body, expected", [
    ("See [the route](rout.md).\n",
     f"{A}:15:17: error: broken link 'rout.md': there is no content/explainers/rout.md; did you mean 'route.md'?"),
    ("See [the route](route.md#claim-rout).\n",
     f"{A}:15:17: error: broken link 'route.md#claim-rout': the page route/ has no element with id "
     "'claim-rout'; did you mean 'route.md#claim-route'?"),
])
@pytest.mark.parametrize("builder", ["build", "serve"])
def test_a_body_edit_that_breaks_a_link_is_reported_at_its_source(project, builder: str, body: str,
                                                                  expected: str) -> None:
    """A body edit takes the one-explainer shortcut (see `shortcut`), which checks the links too."""
    root = project({A: explainer_a(body="See [the route](route.md).\n"), ROUTE: ROUTE_TEXT})
    options = BuildOptions(root, root / "site", drafts=builder == "serve")
    resident = Builder(options, resident=True)
    (resident if builder == "serve" else Builder(options)).build()
    (root / A).write_text(explainer_a(body=body))
    with pytest.raises(BuildFailed) as failed:
        (resident if builder == "serve" else Builder(options)).build()
    assert [str(d) for d in failed.value.diagnostics] == [expected]


# -- every position points at the link as written ------------------------------------------------

BROKEN = ["nope.md", "../nope/", "#claim-nope", "./nope.md#x", "../a/#nope", "nope/", "<../no pe/>",
          "../explainers/nope.md", "/nope/"]
"""Destinations that are all broken (from a's page), in the forms writers use."""
FREE = st.text(st.characters(exclude_categories=("Cc", "Cs"), exclude_characters="[]()<>`\\!*_&#\n"),
               max_size=12)


@settings(max_examples=40)
@given(pieces=st.lists(st.one_of(FREE, st.sampled_from(BROKEN).map(lambda d: ("link", d)), st.just("\n")),
                       min_size=1, max_size=14),
       where=st.sampled_from(["body", "literal", "folded"]))
def test_every_broken_link_is_reported_where_its_destination_is_written(project, cli_run, pieces, where) -> None:
    text = "".join(f" [x]({p[1]}) " if isinstance(p, tuple) else p for p in pieces)
    links = [p[1].strip("<>") for p in pieces if isinstance(p, tuple)]
    lines = [line.strip() or "." for line in text.split("\n")]
    if where == "body":
        files = {A: explainer_a(body="\n".join(lines) + "\n", note="      No link.\n")}
    else:
        block = "".join(f"      {line}\n" for line in lines)
        files = {A: explainer_a(note=block).replace("note: |", "note: >" if where == "folded" else "note: |")}
    root = project(files)
    result = cli_run("check", "--root", root)
    assert "Traceback" not in result.err
    assert result.code == (1 if links else 0), result.err
    source = (root / A).read_text("utf-8").split("\n")
    found = []
    for line in (line for line in result.error_lines if ": error: " in line):
        position, _, message = line.partition(": error: ")
        path, row, column = position.rsplit(":", 2)
        written = message.split("'")[1]
        assert path == A and source[int(row) - 1][int(column) - 1:].startswith(written), line
        found.append((int(row), int(column)))
    assert sorted(found) == sorted(set(found)) and len(found) == len(links), result.err
