"""Cross references: ids, @id links with exact positions, relations, actors across files."""

from __future__ import annotations

import json

import pytest

HEAD = """\
---
title: T
summary: S
published: 2024-01-01
actors:
  putin:
    name: Vladimir Putin
  lukashenko:
    name: Alexander Lukashenko
sources:
  tass:
    title: TASS report
claims:
  window:
    by: putin
    text: Ukraine prepared a window.
"""
"""Lines 1-16; a test's own front matter continues on line 17."""


def page(front: str = "", body: str = "Body.\n") -> str:
    return HEAD + front + "---\n" + body


def errors_of(project, cli_run, files):  # type: ignore[no-untyped-def]
    root = project(files)
    result = cli_run("check", "--root", root)
    assert "Traceback" not in result.err
    errors = [line for line in result.err_lines if ": error: " in line]
    assert result.code == (1 if errors else 0), result.err
    return errors


A = "content/explainers/a.md"


# -- ids in fields ---------------------------------------------------------------------------

@pytest.mark.parametrize("front, expected", [
    ("  route:\n    by: lukashenk\n    text: T\n",
     f"{A}:18:9: error: unknown actor 'lukashenk' in claim 'route'; did you mean 'lukashenko'?"),
    ("  route:\n    by: zelensky\n    text: T\n",
     f"{A}:18:9: error: unknown actor 'zelensky' in claim 'route'"),
    ("  route:\n    by: tass\n    text: T\n",
     f"{A}:18:9: error: 'tass' in claim 'route' is a source, not an actor"),
    ("  route:\n    by: putin\n    text: T\n    sources: [tass, tas]\n",
     f"{A}:20:21: error: unknown source 'tas' in claim 'route'; did you mean 'tass'?"),
    ("  route:\n    by: putin\n    text: T\n    contradicts: [windw]\n",
     f"{A}:20:19: error: unknown claim 'windw' in claim 'route'; did you mean 'window'?"),
    ("  route:\n    by: putin\n    text: T\n    supports: [putin]\n",
     f"{A}:20:16: error: 'putin' in claim 'route' is an actor, not a claim"),
])
def test_claim_references_are_checked(project, cli_run, front: str, expected: str) -> None:
    assert errors_of(project, cli_run, {A: page(front)}) == [expected]


def test_timeline_references_are_checked(project, cli_run) -> None:
    front = ("timeline:\n"
             "  - date: 2024\n"
             "    title: Event\n"
             "    actors: [putn]\n"
             "    claims: [windo]\n"
             "    sources: [tass, nope]\n")
    assert errors_of(project, cli_run, {A: page(front)}) == [
        f"{A}:20:14: error: unknown actor 'putn' in timeline event 'Event'; did you mean 'putin'?",
        f"{A}:21:14: error: unknown claim 'windo' in timeline event 'Event'; did you mean 'window'?",
        f"{A}:22:21: error: unknown source 'nope' in timeline event 'Event'",
    ]


def test_affiliations_are_checked(project, cli_run) -> None:
    text = HEAD.replace("    name: Alexander Lukashenko\n",
                        "    name: Alexander Lukashenko\n    affiliation: belarus\n") + \
        "  belta:\n    by: putin\n    text: T\n---\n"
    text = text.replace("    name: Vladimir Putin\n", "    name: Vladimir Putin\n    affiliation: tass\n")
    assert errors_of(project, cli_run, {A: text}) == [
        f"{A}:8:18: error: 'tass' in the affiliation of actor 'putin' is a source, not an actor",
        f"{A}:11:18: error: unknown actor 'belarus' in the affiliation of actor 'lukashenko'",
    ]


def test_affiliation_to_a_shared_actor_is_shown(project, cli_run) -> None:
    root = project({
        "content/actors/russia.yaml": "name: Russia\nkind: government\n",
        A: page().replace("    name: Vladimir Putin\n", "    name: Vladimir Putin\n    affiliation: russia\n"),
    })
    assert cli_run("build", "--root", root).code == 0
    card = (root / "site/a/index.html").read_text("utf-8")
    assert "Russia" in card
    data = json.loads((root / "site/a/explainer.json").read_text("utf-8"))
    assert {a["id"]: a["affiliation"] for a in data["actors"]}["putin"] == "russia"


def test_shared_actor_affiliation_may_name_only_shared_actors(project, cli_run) -> None:
    errors = errors_of(project, cli_run, {
        "content/actors/russia.yaml": "name: Russia\naffiliation: putin\n",
        "content/actors/belarus.yaml": "name: Belarus\naffiliation: rusia\n",
        A: page(),
    })
    assert errors == [
        "content/actors/belarus.yaml:2:14: error: unknown actor 'rusia' in the affiliation of shared actor "
        "'belarus'; did you mean 'russia'?",
        "content/actors/russia.yaml:2:14: error: unknown actor 'putin' in the affiliation of shared actor 'russia'",
    ]


# -- @id links: every Markdown field, exact positions ------------------------------------------

def test_unknown_at_link_in_body_points_at_the_at_sign(project, cli_run) -> None:
    body = "Intro.\n\nSee what [he said](@windw) and\n[the agency](@tas) wrote.\n"
    assert errors_of(project, cli_run, {A: page(body=body)}) == [
        f"{A}:20:20: error: unknown id '@windw' in the body; did you mean 'window'?",
        f"{A}:21:14: error: unknown id '@tas' in the body; did you mean 'tass'?",
    ]


def test_columns_count_characters_not_bytes(project, cli_run) -> None:
    body = "Café — «naïve» 😀 [x](@nope).\n"
    assert errors_of(project, cli_run, {A: page(body=body)}) == [f"{A}:18:22: error: unknown id '@nope' in the body"]


def test_each_occurrence_of_an_unknown_link_is_reported(project, cli_run) -> None:
    body = "[a](@nope) and [b](@nope).\n"
    assert errors_of(project, cli_run, {A: page(body=body)}) == [
        f"{A}:18:5: error: unknown id '@nope' in the body",
        f"{A}:18:20: error: unknown id '@nope' in the body",
    ]


def test_unknown_at_link_in_a_table_cell_and_reference_definition(project, cli_run) -> None:
    body = "| Who | What |\n| --- | --- |\n| [P](@putn) | x |\n\n[ref]: @tas\n\nSee [it][ref].\n"
    assert errors_of(project, cli_run, {A: page(body=body)}) == [
        f"{A}:20:7: error: unknown id '@putn' in the body; did you mean 'putin'?",
        f"{A}:22:8: error: unknown id '@tas' in the body; did you mean 'tass'?",
    ]


def test_invalid_at_link_syntax_is_an_error(project, cli_run) -> None:
    assert errors_of(project, cli_run, {A: page(body="See [x](@Putin).\n")}) == [
        f"{A}:18:9: error: invalid @id link '@Putin' in the body; an @id link names an actor, claim or source "
        "id, like [text](@putin)",
    ]


def test_unknown_at_link_in_a_literal_claim_note(project, cli_run) -> None:
    front = ("    note: |\n"
             "      First line.\n"
             "        Indented [the route](@lukashenko-route) here.\n")
    assert errors_of(project, cli_run, {A: page(front)}) == [
        f"{A}:19:30: error: unknown id '@lukashenko-route' in the note of claim 'window'; did you mean 'lukashenko'?",
    ]


def test_unknown_at_link_in_a_literal_block_with_leading_blank_line_and_chomping(project, cli_run) -> None:
    front = ("    note: |-\n"
             "\n"
             "      A [x](@nope).\n")
    assert errors_of(project, cli_run, {A: page(front)}) == [f"{A}:19:13: error: unknown id '@nope' in the note of claim 'window'"]


def test_unknown_at_link_in_a_literal_block_with_an_indentation_indicator(project, cli_run) -> None:
    # `|4`: the block is indented 4 more than its parent (8 spaces), so the value keeps 2 of the 10.
    front = "    note: |4\n          Kept [x](@nope).\n"
    assert errors_of(project, cli_run, {A: page(front)}) == [f"{A}:18:20: error: unknown id '@nope' in the note of claim 'window'"]


def test_unknown_at_link_in_a_one_line_note(project, cli_run) -> None:
    assert errors_of(project, cli_run, {A: page("    note: See [x](@nope).\n")}) == [
        f"{A}:17:19: error: unknown id '@nope' in the note of claim 'window'",
    ]


def test_unknown_at_link_in_a_quoted_note_with_escapes_points_at_the_field(project, cli_run) -> None:
    # After an escape the columns of the value and the file differ: the error points at the
    # field rather than at a wrong column.
    assert errors_of(project, cli_run, {A: page('    note: "A \\"quote\\" and [x](@nope)"\n')}) == [
        f"{A}:17:11: error: unknown id '@nope' in the note of claim 'window'",
    ]


def test_unknown_at_link_in_a_folded_note_is_located_line_by_line(project, cli_run) -> None:
    front = "    note: >\n      Folded [x](@nope)\n      and [y](@nope).\n"
    assert errors_of(project, cli_run, {A: page(front)}) == [
        f"{A}:18:18: error: unknown id '@nope' in the note of claim 'window'",
        f"{A}:19:15: error: unknown id '@nope' in the note of claim 'window'"]


def test_unknown_at_link_in_event_text(project, cli_run) -> None:
    front = ("timeline:\n"
             "  - date: 2024-03-22\n"
             "    title: Attack\n"
             "    text: |\n"
             "      Gunmen attack; [Putin](@putn) speaks.\n"
             "  - date: 2024-03-23\n"
             "    title: Next\n"
             "    text: Plain [x](@windo) text.\n")
    assert errors_of(project, cli_run, {A: page(front)}) == [
        f"{A}:21:30: error: unknown id '@putn' in the text of timeline event 'Attack'; did you mean 'putin'?",
        f"{A}:24:21: error: unknown id '@windo' in the text of timeline event 'Next'; did you mean 'window'?",
    ]


def test_unknown_at_link_in_inline_actor_description(project, cli_run) -> None:
    text = page().replace("    name: Alexander Lukashenko\n",
                          "    name: Alexander Lukashenko\n    description: |\n      Ally of [Putin](@puttin).\n")
    assert errors_of(project, cli_run, {A: text}) == [
        f"{A}:11:23: error: unknown id '@puttin' in the description of actor 'lukashenko'; did you mean 'putin'?",
    ]


def test_shared_actor_description_may_link_only_to_shared_actors(project, cli_run) -> None:
    errors = errors_of(project, cli_run, {
        "content/actors/russia.yaml": "name: Russia\ndescription: |\n  Led by [Putin](@putin), see [w](@window)\n"
                                      "  and [Belarus](@belarus).\n",
        "content/actors/belarus.yaml": "name: Belarus\ndescription: Ally of [Russia](@rusia).\n",
        A: page(),
    })
    assert errors == [
        "content/actors/belarus.yaml:2:31: error: unknown id '@rusia' in the description of actor 'belarus'; "
        "did you mean 'russia'?",
        "content/actors/russia.yaml:3:18: error: unknown id '@putin' in the description of actor 'russia'; "
        "a shared actor's description may link only to actors in content/actors/",
        "content/actors/russia.yaml:3:35: error: unknown id '@window' in the description of actor 'russia'; "
        "a shared actor's description may link only to actors in content/actors/",
    ]


def test_at_links_become_in_page_anchors(project, cli_run) -> None:
    body = "[Putin](@putin) made [a claim](@window) per [TASS](@tass).\n"
    root = project({A: page(body=body)})
    assert cli_run("build", "--root", root).code == 0
    html = (root / "site/a/index.html").read_text("utf-8")
    assert '<a href="#actor-putin"' in html
    assert '<a href="#claim-window"' in html
    assert '<a href="#source-tass"' in html
    assert 'href="@' not in html


# -- one namespace per explainer ------------------------------------------------------------

def test_id_used_twice_in_one_explainer(project, cli_run) -> None:
    front = "  tass:\n    by: putin\n    text: T\n"
    assert errors_of(project, cli_run, {A: page(front)}) == [
        f"{A}:17:3: error: id 'tass' is already used by the source at line 11; ids of actors, sources and claims "
        "share one namespace per explainer",
    ]


def test_source_or_claim_id_may_not_be_a_shared_actor_id(project, cli_run) -> None:
    errors = errors_of(project, cli_run, {
        "content/actors/russia.yaml": "name: Russia\n",
        "content/actors/kremlin.yaml": "name: Kremlin\n",
        A: page("  russia:\n    by: putin\n    text: T\n").replace("  tass:\n", "  kremlin:\n")
           .replace("tass", "kremlin"),
    })
    assert errors == [
        f"{A}:11:3: error: source id 'kremlin' is already the id of the shared actor in content/actors/kremlin.yaml; "
        "rename the source",
        f"{A}:17:3: error: claim id 'russia' is already the id of the shared actor in content/actors/russia.yaml; "
        "rename the claim",
    ]


def test_same_ids_in_different_explainers_are_independent(project, cli_run) -> None:
    root = project({A: page(), "content/explainers/b.md": page().replace("title: T", "title: B")})
    result = cli_run("check", "--root", root)
    assert result.code == 0, result.err


# -- actors across explainers --------------------------------------------------------------------

def test_actor_defined_inline_and_shared_is_an_error(project, cli_run) -> None:
    errors = errors_of(project, cli_run, {"content/actors/putin.yaml": "name: Vladimir Putin\n", A: page()})
    assert errors == [f"{A}:6:3: error: actor 'putin' is defined both inline and in content/actors/putin.yaml; "
                      "remove one of the two definitions"]


def test_inline_actors_that_differ_suggest_another_id_first(project, cli_run) -> None:
    errors = errors_of(project, cli_run, {
        A: page(),
        "content/explainers/b.md": page().replace("name: Vladimir Putin", "name: V. Putin"),
    })
    assert errors == ["content/explainers/b.md:6:3: error: actor 'putin' is defined differently in "
                      f"{A}:6; if these are different actors, give one of them another id (e.g. 'putin-2'); if they are "
                      "the same, make the two definitions identical or move it to content/actors/putin.yaml"]


def test_identical_inline_actors_are_one_actor_with_one_page(project, cli_run) -> None:
    root = project({
        A: page(),
        "content/explainers/b.md": page().replace("title: T", "title: Bee")
                                         .replace("Ukraine prepared a window.", "A bridge was built.")
                                         .replace("window", "bridge"),
    })
    assert cli_run("build", "--root", root).code == 0
    actor_page = (root / "site/actors/putin/index.html").read_text("utf-8")
    assert "Ukraine prepared a window." in actor_page
    assert "A bridge was built." in actor_page


# -- relations -------------------------------------------------------------------------------

def test_relation_to_itself_is_an_error(project, cli_run) -> None:
    assert errors_of(project, cli_run, {A: page("    supports: [window]\n")}) == [
        f"{A}:17:16: error: claim 'window' cannot support itself; remove 'window' from 'supports'",
    ]


def test_repeated_id_in_a_relation_list_is_an_error(project, cli_run) -> None:
    front = "  route:\n    by: lukashenko\n    text: T\n    responds_to: [window, window]\n"
    assert errors_of(project, cli_run, {A: page(front)}) == [
        f"{A}:20:27: error: 'window' appears twice in 'responds_to'; remove the repeat",
    ]


def test_inverse_relations_are_in_the_json(project, cli_run) -> None:
    front = ("  route:\n    by: lukashenko\n    text: T\n    contradicts: [window]\n"
             "  echo:\n    by: putin\n    text: E\n    supports: [window]\n    responds_to: [route]\n")
    root = project({A: page(front)})
    assert cli_run("build", "--root", root).code == 0
    claims = {c["id"]: c for c in json.loads((root / "site/a/explainer.json").read_text("utf-8"))["claims"]}
    assert claims["window"]["contradicted_by"] == ["route"]
    assert claims["window"]["supported_by"] == ["echo"]
    assert claims["route"]["answered_by"] == ["echo"]
    assert claims["route"]["contradicts"] == ["window"]
    assert claims["echo"]["contradicted_by"] == []
