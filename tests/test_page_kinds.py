"""A kind of page is one plan entry and its template: incremental builds follow at once.

The test registers a kind the generator does not have, `actors/<id>/claims.json` (one
actor's claims across explainers, from a template in the project's templates/), and runs
the property of `test_incremental` on it: after any edits, `serve`'s rebuilds and cached
`build`s equal a clean build, file for file. Nothing else in the generator knows the kind:
its fingerprints, what the cache keeps for it and what it needs compiled come from the
reads it declares (see `dependencies`).
"""

from __future__ import annotations

import json
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st
from helpers import (
    assert_same_as_clean_build,
    BASE,
    BASE_FILES,
    EDITS,
    LEAD_IMAGE,
    apply,
    build_errors,
    builds,
    clean_build,
    explainer,
    make_project,
    tree,
)

from generator import plan
from generator.config import BuildOptions
from generator.incremental import dependencies as deps
from generator.incremental.summary import SUMMARY_FIELDS
from generator.pipeline import Builder

CLAIMS_TEMPLATE = (
    '{"actor": {{ actor.name|tojson }}, "claims": [\n'
    "{%- for explainer, claim in claims %}\n"
    # `image_alt` is in no summary or view: reading it has the explainer compiled first.
    '  {{ {"explainer": explainer.slug, "title": explainer.title, "picture": explainer.image_alt,'
    ' "claim": claim.id, "text": claim.text, "status": claim.status, "sources": claim.sources}|tojson }}'
    '{{ "," if not loop.last }}\n'
    "{%- endfor %}]}\n")

ACTOR_CLAIMS = plan.PageKind(
    "actor claims", "actors/{id}/claims.json", plan.ACTORS,
    (deps.Settings(), deps.ActorItself(), deps.ActorClaims()),
    lambda renderer, actor: renderer.file("actor-claims.json", f"actors/{actor.id}/claims.json", actor=actor,
                                          claims=renderer.site.claims_of(actor.id)),
    "actor-claims.json", deps.whole_actor)

FILES = {**BASE_FILES, "templates/actor-claims.json": CLAIMS_TEMPLATE}


@settings(max_examples=10)
@given(edits=st.lists(EDITS, min_size=1, max_size=5))
def test_a_new_page_kind_rebuilds_like_a_clean_build_under_serve(tmp_path_factory, edits) -> None:
    with plan.registered(ACTOR_CLAIMS):
        root = make_project(tmp_path_factory.mktemp("project"), FILES)
        out = root / "site"
        resident = Builder(BuildOptions(root, out, base_url=BASE, drafts=True), resident=True)
        assert builds(resident)
        for edit in edits:
            apply(root, edit)
            assert_same_as_clean_build(root, out, build_errors(resident), drafts=True)


@settings(max_examples=10)
@given(edits=st.lists(EDITS, min_size=1, max_size=5))
def test_a_new_page_kind_rebuilds_like_a_clean_build_from_the_cache(tmp_path_factory, edits) -> None:
    with plan.registered(ACTOR_CLAIMS):
        root = make_project(tmp_path_factory.mktemp("project"), FILES)
        out = root / "site"
        assert builds(Builder(BuildOptions(root, out, base_url=BASE)))
        for edit in edits:
            apply(root, edit)
            assert_same_as_clean_build(root, out, build_errors(Builder(BuildOptions(root, out, base_url=BASE))))


def test_the_new_page_kind_reads_past_the_summary_without_a_template_compiling(tmp_path: Path) -> None:
    """A cached build re-renders shared-one's claims after the actor's edit, with alpha known
    only by its summary and view: the template reads `image_alt`, so alpha is compiled
    before the page is rendered again, and the page shows what a clean build shows."""
    with plan.registered(ACTOR_CLAIMS):
        pictured = explainer("Alpha", extra=LEAD_IMAGE)
        root = make_project(tmp_path / "p", {**FILES, "content/explainers/alpha.md": pictured})
        out = root / "site"
        Builder(BuildOptions(root, out, base_url=BASE)).build()
        apply(root, ("write", "content/actors/shared-one.yaml", "name: Shared One, renamed\n"))
        report = Builder(BuildOptions(root, out, base_url=BASE)).build()
        assert "actors/shared-one/claims.json" in report.changed
        shown = json.loads((out / "actors/shared-one/claims.json").read_text(encoding="utf-8"))
        assert shown["actor"] == "Shared One, renamed"
        assert [(c["explainer"], c["claim"], c["text"], c["picture"]) for c in shown["claims"]] == [
            ("alpha", "c1", "Claim of Alpha.", "A lead picture.")]
        assert tree(out) == clean_build(root, tmp_path / "clean")


def test_the_summary_keeps_what_every_declared_read_needs() -> None:
    needed = deps.kept_fields(read for kind in plan.PAGE_KINDS for read in kind.all_reads)
    assert needed <= set(SUMMARY_FIELDS)
