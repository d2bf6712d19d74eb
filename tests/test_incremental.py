"""Incremental builds (serve's rebuilds, build's cache) always equal a clean build.

The property: after ANY sequence of edits (explainers edited, added, deleted and renamed;
shared actors edited, added and deleted; templates and site.yaml edited), what an
incremental build leaves in the output directory is, file for file and byte for byte,
what a clean build of the same sources writes. Checked for a resident Builder (what
`explainer serve` runs) and for a `build` process that starts from `.explainer-cache/`.
Also: output is deterministic, and both Markdown engines give the same site.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from generator import write
from generator.config import BuildOptions
from generator.pipeline import Builder
from helpers import (
    assert_same_as_clean_build,
    BASE,
    BASE_FILES,
    COMMITS,
    EDIT_LIST,
    EDITS,
    REPO,
    apply,
    build_errors,
    builds,
    clean_build,
    copy_example,
    explainer,
    git_commit,
    make_project,
    read_view,
    tree,
    write_view,
)

@settings(max_examples=15)
@given(edits=st.lists(EDITS, min_size=1, max_size=6))
def test_serve_rebuilds_after_any_edits_equal_a_clean_build(tmp_path_factory, edits) -> None:
    root = make_project(tmp_path_factory.mktemp("project"), BASE_FILES)
    out = root / "site"
    resident = Builder(BuildOptions(root, out, base_url=BASE, drafts=True), resident=True)
    assert builds(resident)
    for edit in edits:
        apply(root, edit)
        assert_same_as_clean_build(root, out, build_errors(resident), drafts=True)


@settings(max_examples=15)
@given(edits=st.lists(EDITS, min_size=1, max_size=6))
def test_cached_builds_after_any_edits_equal_a_clean_build(tmp_path_factory, edits) -> None:
    root = make_project(tmp_path_factory.mktemp("project"), BASE_FILES)
    out = root / "site"
    assert builds(Builder(BuildOptions(root, out, base_url=BASE)))
    sites = [tree(out)]
    for edit in edits:
        apply(root, edit)
        # A new Builder each time: a new `explainer build` process, starting from the cache.
        if assert_same_as_clean_build(root, out, build_errors(Builder(BuildOptions(root, out, base_url=BASE)))):
            # The previous generation, which the next edit updates and swaps in, is an
            # earlier site exactly, never a mixture.
            previous = write.previous_dir(out, root / ".explainer-cache")
            assert previous.parent.name == ".explainer-cache"  # out of git's sight
            assert not previous.exists() or tree(previous) in sites
            sites.append(tree(out))


@settings(max_examples=8)
@given(edits=st.lists(st.one_of(EDITS, COMMITS), min_size=2, max_size=6))
def test_cached_builds_after_any_edits_and_commits_equal_a_clean_build(tmp_path_factory, edits) -> None:
    """In git: a commit changes revisions and verdict histories (history.json is read again),
    as the edits between commits change what the files say."""
    root = make_project(tmp_path_factory.mktemp("project"), BASE_FILES)
    git_commit(root, "First", "2024-03-01T09:00:00+00:00")
    apply(root, ("write", "content/explainers/alpha.md", explainer("Alpha", status="false")))
    git_commit(root, "Alpha's claim is false", "2024-03-20T09:00:00+00:00")
    out = root / "site"
    assert builds(Builder(BuildOptions(root, out, base_url=BASE)))
    assert "claim-history" in (out / "alpha/index.html").read_text("utf-8")
    for edit in edits:
        apply(root, edit)
        assert_same_as_clean_build(root, out, build_errors(Builder(BuildOptions(root, out, base_url=BASE))))


@pytest.mark.parametrize("edit", [e for e in EDIT_LIST if isinstance(e[2], str) and "draft: true" in e[2]],
                         ids=lambda edit: edit[1])
def test_the_edits_that_make_drafts_make_drafts(tmp_path, edit) -> None:
    """A draft edit turns its explainer into a valid draft, left out of the site (its event's
    `title:` is not touched: it was, and the file was invalid YAML instead of a draft)."""
    root = make_project(tmp_path / "p", BASE_FILES)
    apply(root, edit)
    slug = Path(edit[1]).stem
    assert build_errors(Builder(BuildOptions(root, root / "site", base_url=BASE), use_cache=False)) == []
    assert (root / "site/index.html").is_file() and not (root / "site" / slug).exists()
    Builder(BuildOptions(root, root / "drafts", base_url=BASE, drafts=True), use_cache=False).build()
    assert (root / "drafts" / slug / "index.html").is_file()


def test_a_corrupt_cache_only_costs_time(tmp_path) -> None:
    root = make_project(tmp_path / "p", BASE_FILES)
    out = root / "site"
    Builder(BuildOptions(root, out, base_url=BASE)).build()
    apply(root, ("write", "content/explainers/alpha.md", explainer("Alpha", body="Changed.")))
    for state in (root / ".explainer-cache").glob("state-*.json"):
        data = state.read_bytes()
        state.write_bytes(data[: len(data) // 2])  # truncated
    report = Builder(BuildOptions(root, out, base_url=BASE)).build()
    assert report.written == report.files  # a full build
    assert tree(out) == clean_build(root, tmp_path / "clean")


@pytest.mark.parametrize("encoder", ["orjson", "json"])
def test_the_cache_reads_back_what_it_wrote_with_either_encoder(tmp_path, monkeypatch, encoder: str) -> None:
    """The state is written with orjson where it is installed, else json; a name that is not
    UTF-8 (a string with lone surrogates, which orjson refuses) falls back to json."""
    from generator.incremental import cache
    if encoder == "json":
        monkeypatch.setattr(cache, "orjson", None)
    elif cache.orjson is None:
        pytest.skip("orjson is not installed")
    root = make_project(tmp_path / "p", BASE_FILES)
    state = cache.CacheState("v|5|site", {"content/a.md": "1:2:3", "content/images/caf\udce9.png": "4:5:6"},
                             {"site/x": "f"}, {"site/x": "d"}, [], "build", "", {"content/a.md": {"unit": 1}},
                             templates={"t": "é"})
    cache.save_cache(root, state)
    loaded = cache.load_cache(root, "v|5|site")
    assert loaded is not None and loaded.sources == state.sources and loaded.templates == {"t": "é"}
    assert cache.load_units(root, loaded) == {"content/a.md": {"unit": 1}}
    assert cache._encode({"a": "é"}) == ('{"a":"é"}'.encode() if encoder == "orjson" else b'{"a":"\\u00e9"}')
    assert cache._encode({"a": "\udce9"}) == b'{"a":"\\udce9"}'  # json, whichever is installed


def test_two_builds_of_the_same_input_are_byte_identical(tmp_path) -> None:
    root = copy_example(tmp_path / "example")
    first = clean_build(root, tmp_path / "one")
    second = clean_build(root, tmp_path / "two")
    assert first == second


def test_parallel_and_serial_rendering_write_the_same_site(tmp_path) -> None:
    sys.path.insert(0, str(REPO / "bench"))
    import synth
    root = synth.make_project(tmp_path / "synth", 60)
    serial, parallel = tmp_path / "serial", tmp_path / "parallel"
    Builder(BuildOptions(root, serial, base_url=BASE, jobs=1), use_cache=False).build()
    Builder(BuildOptions(root, parallel, base_url=BASE, jobs=2), use_cache=False).build()
    assert tree(serial) == tree(parallel)


@pytest.mark.parametrize("project", ["example", "newsroom"])
def test_both_markdown_engines_give_identical_sites(tmp_path, monkeypatch, project) -> None:
    from generator import markdown
    if markdown.markdown_it_pyrs is None:
        pytest.skip("markdown-it-pyrs is not installed")
    if project == "example":
        source = copy_example(tmp_path / "src")
    else:  # a copy: a build records itself in its project's .explainer-cache/
        source = Path(shutil.copytree(REPO / "tests/projects/newsroom", tmp_path / "src"))
    monkeypatch.setenv("EXPLAINER_MARKDOWN", "pyrs")
    fast = clean_build(source, tmp_path / "pyrs")
    monkeypatch.setenv("EXPLAINER_MARKDOWN", "py")
    reference = clean_build(source, tmp_path / "py")
    assert fast == reference


@pytest.mark.parametrize("project", ["example", "newsroom"])
def test_a_build_where_markdown_it_pyrs_cannot_be_imported_gives_the_same_site(tmp_path, project) -> None:
    """As on Python 3.13, which has no wheel of it: the import fails and markdown-it-py renders.
    Against the engine this environment uses (pyrs where installed)."""
    if project == "example":
        source = copy_example(tmp_path / "src")
    else:
        source = Path(shutil.copytree(REPO / "tests/projects/newsroom", tmp_path / "src"))
    usual = clean_build(source, tmp_path / "usual")
    absent = ("import sys; sys.modules['markdown_it_pyrs'] = None\n"
              "from generator import cli, markdown; assert markdown.markdown_it_pyrs is None\n"
              "sys.exit(cli.main(sys.argv[1:]))")
    result = subprocess.run([sys.executable, "-c", absent, "build", "--root", str(source), "--out",
                             str(tmp_path / "absent"), "--base-url", BASE, "--clean"],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert tree(tmp_path / "absent") == usual


def test_an_edited_body_compiles_and_writes_only_its_explainer(tmp_path, monkeypatch) -> None:
    """A `build` after a one-word edit compiles that file alone (the others come from their
    cached summaries) and writes its page and JSON alone, and the site equals a clean build."""
    from generator import validate
    files = dict(BASE_FILES, **{f"content/explainers/more-{i}.md": explainer(f"More{i}") for i in range(8)})
    root = make_project(tmp_path / "p", files)
    out = root / "site"
    Builder(BuildOptions(root, out, base_url=BASE)).build()
    apply(root, ("write", "content/explainers/alpha.md", explainer("Alpha", body="Edited body.")))
    compiled: list[str] = []
    original = validate.validate_explainer
    monkeypatch.setattr(validate, "validate_explainer",
                        lambda raw, *a: compiled.append(raw.src_path) or original(raw, *a))
    report = Builder(BuildOptions(root, out, base_url=BASE)).build()
    assert compiled == ["content/explainers/alpha.md"]
    assert sorted(report.changed) == ["alpha/explainer.json", "alpha/index.html"]
    assert report.written == 2
    monkeypatch.setattr(validate, "validate_explainer", original)
    assert tree(out) == clean_build(root, tmp_path / "clean")


def _planned_builds(monkeypatch) -> list[str]:
    """Record each build that assembles and plans the whole site (not the shortcut)."""
    planned: list[str] = []
    original = Builder._plan
    monkeypatch.setattr(Builder, "_plan", lambda self, *a: planned.append("plan") or original(self, *a))
    return planned


def test_a_body_edit_rewrites_its_own_pages_without_planning_the_site(tmp_path, monkeypatch) -> None:
    """The shortcut (see generator/shortcut.py): an edit that only its explainer's own pages
    show neither reads the units file nor plans the site; the edited unit goes into the
    state, and the next build that needs every unit folds it into the units file. The site
    equals a clean build at every step."""
    root = make_project(tmp_path / "p", BASE_FILES)
    out = root / "site"
    Builder(BuildOptions(root, out, base_url=BASE)).build()
    (units_file,) = (root / ".explainer-cache").glob("units-*.json")
    units_before = units_file.read_bytes()
    planned = _planned_builds(monkeypatch)
    for round_ in range(2):  # the second edit updates the previous generation the first made
        apply(root, ("write", "content/explainers/alpha.md", explainer("Alpha", body=f"Edited body {round_}.")))
        report = Builder(BuildOptions(root, out, base_url=BASE)).build()
        assert planned == []
        assert sorted(report.changed) == ["alpha/explainer.json", "alpha/index.html"]
        assert report.files == len(tree(out)) and report.pages == sum(p.endswith(".html") for p in tree(out))
        assert f"Edited body {round_}." in (out / "alpha/index.html").read_text()
        assert tree(out) == clean_build(root, tmp_path / f"clean-{round_}")
        planned.clear()  # the clean build planned its site
    assert units_file.read_bytes() == units_before
    # A touched file (same bytes) writes nothing.
    apply(root, ("write", "content/explainers/alpha.md", explainer("Alpha", body="Edited body 1.")))
    assert Builder(BuildOptions(root, out, base_url=BASE)).build().written == 0
    # A claim edit shows on the actor page: the whole pipeline, which folds the updates in.
    apply(root, ("write", "content/explainers/alpha.md", explainer("Alpha", body="Edited body 1.", claim="New")))
    report = Builder(BuildOptions(root, out, base_url=BASE)).build()
    assert planned == ["plan"]
    assert "actors/shared-one/index.html" in report.changed
    assert units_file.read_bytes() != units_before
    assert tree(out) == clean_build(root, tmp_path / "clean-last")


def test_serve_takes_the_shortcut_too(tmp_path, monkeypatch) -> None:
    """A resident Builder (`serve`) keeps its last build's stamps and units in memory: a body
    edit rewrites the explainer's own pages without planning the site, a claim edit takes the
    whole pipeline, and the next body edit the shortcut again; the site equals a clean build
    (with drafts, as `serve` shows them) at every step."""
    root = make_project(tmp_path / "p", BASE_FILES)
    out = root / "site"
    resident = Builder(BuildOptions(root, out, base_url=BASE, drafts=True), resident=True)
    resident.build()
    planned = _planned_builds(monkeypatch)
    steps = [("Edited body 0.", "Claim", []), ("Edited body 0.", "New claim", ["plan"]),
             ("Edited body 1.", "New claim", [])]
    for index, (body, claim, plans) in enumerate(steps):
        apply(root, ("write", "content/explainers/alpha.md", explainer("Alpha", body=body, claim=claim)))
        report = resident.build()
        assert planned == plans, index
        if not plans:
            assert sorted(report.changed) == ["alpha/explainer.json", "alpha/index.html"]
        assert body in (out / "alpha/index.html").read_text()
        planned.clear()
        assert tree(out) == clean_build(root, tmp_path / f"clean-{index}", drafts=True)
        planned.clear()  # the clean build planned its site


def test_serve_after_a_failed_build_takes_the_whole_pipeline(tmp_path) -> None:
    """A claim edit whose build fails (a broken link in the body), then a body fix: compared
    with the unit the failed build compiled, the fix changes only the explainer's own pages,
    but no build has shown the new claim on the actor page yet. The whole pipeline does."""
    from generator.diagnostics import BuildFailed
    root = make_project(tmp_path / "p", BASE_FILES)
    out = root / "site"
    resident = Builder(BuildOptions(root, out, base_url=BASE, drafts=True), resident=True)
    resident.build()
    apply(root, ("write", "content/explainers/alpha.md",
                 explainer("Alpha", claim="New claim", body="A [broken link](../nowhere/).")))
    with pytest.raises(BuildFailed):
        resident.build()
    apply(root, ("write", "content/explainers/alpha.md", explainer("Alpha", claim="New claim", body="Fixed.")))
    resident.build()
    assert "New claim" in (out / "actors/shared-one/index.html").read_text()
    assert tree(out) == clean_build(root, tmp_path / "clean", drafts=True)


@pytest.mark.parametrize("edit", [
    explainer("Alpha", body="Now with [another actor](@shared-two)."),  # the page shows one more actor
    explainer("Alpha renamed"),  # listings show the title
    explainer("Alpha", body="Broken [link](@nobody)."),  # an error: reported by the whole pipeline
])
def test_edits_seen_elsewhere_take_the_whole_pipeline(tmp_path, monkeypatch, edit: str) -> None:
    from generator.diagnostics import BuildFailed
    root = make_project(tmp_path / "p", BASE_FILES)
    out = root / "site"
    Builder(BuildOptions(root, out, base_url=BASE)).build()
    planned = _planned_builds(monkeypatch)
    apply(root, ("write", "content/explainers/alpha.md", edit))
    if "@nobody" in edit:
        with pytest.raises(BuildFailed) as failure:
            Builder(BuildOptions(root, out, base_url=BASE)).build()
        assert "nobody" in str(failure.value.diagnostics[0])
        return
    Builder(BuildOptions(root, out, base_url=BASE)).build()
    assert planned == ["plan"]
    assert tree(out) == clean_build(root, tmp_path / "clean")


@pytest.mark.parametrize("themed", [True, False])
def test_a_shared_actors_new_role_re_renders_the_pages_that_show_it(tmp_path, monkeypatch, themed: bool) -> None:
    """A role shows on the actor's own page and on the pages of the explainers that use the
    actor, not on the pages of other actors quoting those explainers (which show only its
    name, next to a related claim): with the theme's templates those are not rendered again
    (see generator/quotes.py). A project's own actor page template may show anything of the
    explainers it quotes, so with one, they are."""
    from generator import render
    files = dict(BASE_FILES)
    if not themed:
        files["templates/actor.html"] = "{% extends 'theme/actor.html' %}"
    root = make_project(tmp_path / "p", files)
    out = root / "site"
    Builder(BuildOptions(root, out, base_url=BASE, jobs=1)).build()
    rendered: list[str] = []
    original = render.Renderer.actor_page
    monkeypatch.setattr(render.Renderer, "actor_page",
                        lambda self, actor: rendered.append(actor.id) or original(self, actor))
    apply(root, ("write", "content/actors/shared-one.yaml", "name: Shared One\nkind: organization\nrole: Ministry\n"))
    report = Builder(BuildOptions(root, out, base_url=BASE, jobs=1)).build()
    assert "Ministry" in (out / "alpha/index.html").read_text()
    assert "actors/shared-one/index.html" in report.changed
    assert "Ministry" not in (out / "actors/local-alpha/index.html").read_text()
    if themed:
        assert sorted(rendered) == ["shared-one"]
    else:
        assert "local-alpha" in rendered
    monkeypatch.setattr(render.Renderer, "actor_page", original)
    assert tree(out) == clean_build(root, tmp_path / "clean")


def test_a_body_edit_puts_back_an_output_deleted_by_hand(tmp_path, monkeypatch) -> None:
    root = make_project(tmp_path / "p", BASE_FILES)
    out = root / "site"
    Builder(BuildOptions(root, out, base_url=BASE)).build()
    (out / "tags/b/index.html").unlink()
    apply(root, ("write", "content/explainers/alpha.md", explainer("Alpha", body="Edited body.")))
    Builder(BuildOptions(root, out, base_url=BASE)).build()
    assert tree(out) == clean_build(root, tmp_path / "clean")


@pytest.mark.parametrize("view", ["stored", "deleted", "damaged", "damaged names", "stale"])
def test_actor_pages_read_other_explainers_claims_from_their_views(tmp_path, monkeypatch, view: str) -> None:
    """An edited claim text re-renders the actor pages that show it; those pages also show
    other explainers' claims, which come from their stored views (see `views`), or, when a
    view is missing, damaged or from an older version of the file, from compiling the file."""
    from generator import validate
    from generator.incremental import cache
    root = make_project(tmp_path / "p", BASE_FILES)
    out = root / "site"
    Builder(BuildOptions(root, out, base_url=BASE)).build()
    alpha_view = cache._view_path(root, "content/explainers/alpha.md")
    assert alpha_view.is_file()
    if view == "deleted":
        alpha_view.unlink()
    # Damaged as only a bug of the build could damage it: sealed with this user's key (a
    # view that is not is never read at all: tests/test_hostile_cache.py).
    elif view == "damaged":  # one claim's line: that claim is read from the compiled file
        key, text = read_view(alpha_view)
        names, first_claim, rest = text.split("\n", 2)
        assert '"c1"' in names and "Claim of Alpha." in first_claim
        write_view(alpha_view, key, "\n".join((names, "[1]", rest)))
    elif view == "damaged names":  # not the lines it names: the whole view is unusable
        key, text = read_view(alpha_view)
        write_view(alpha_view, key, text.replace('"claims":[', '"claims":["x",', 1))
    elif view == "stale":
        key, text = read_view(alpha_view)
        write_view(alpha_view, "0" * len(key), text.replace("Claim of Alpha.", "Old claim."))
    apply(root, ("write", "content/explainers/beta.md",
                 explainer("Beta", tags="[a, b]", by="shared-one", claim="Edited claim")))
    compiled: list[str] = []
    original = validate.validate_explainer
    monkeypatch.setattr(validate, "validate_explainer",
                        lambda raw, *a: compiled.append(raw.src_path) or original(raw, *a))
    report = Builder(BuildOptions(root, out, base_url=BASE, jobs=1)).build()
    assert "actors/shared-one/index.html" in report.changed
    expected = ["content/explainers/beta.md"] if view == "stored" else \
        ["content/explainers/alpha.md", "content/explainers/beta.md"]
    assert sorted(set(compiled)) == expected
    page = (out / "actors/shared-one/index.html").read_text()
    assert "Edited claim of Beta." in page and "Claim of Alpha." in page
    monkeypatch.setattr(validate, "validate_explainer", original)
    assert tree(out) == clean_build(root, tmp_path / "clean")


def _built_without_cache(tmp_path: Path, project: str) -> Builder:
    """A Builder that has built a copy of the example or the newsroom project, no cache.
    (From a copy: even a build without a cache records its writer in the project.)"""
    root = (copy_example(tmp_path / "src") if project == "example"
            else Path(shutil.copytree(REPO / "tests/projects/newsroom", tmp_path / "src")))
    builder = Builder(BuildOptions(root, tmp_path / "site", base_url=BASE), use_cache=False)
    builder.build()
    return builder


@pytest.mark.parametrize("project", ["example", "newsroom"])
def test_a_view_decodes_to_exactly_the_compiled_claims_sources_timeline_questions_and_actors(tmp_path,
                                                                                          project: str) -> None:
    import dataclasses
    from generator.incremental import views
    from generator.model import Explainer
    builder = _built_without_cache(tmp_path, project)
    compiled = [u.explainer for u in builder.units.values() if isinstance(u.explainer, Explainer)]
    assert compiled
    for one in compiled:
        assert views.decode(views.encode(one), lambda field, key: pytest.fail(f"{field} {key}")) == {
            "claims": one.claims, "sources": one.sources, "timeline": one.timeline, "questions": one.questions,
            # The summary keeps an inline actor's signature digest; the site sets its home.
            "actors": {k: dataclasses.replace(a, signature=(), home=None) for k, a in one.actors.items()}}
    assert any(e.actors for e in compiled)
    assert any(e.questions for e in compiled) or project != "example"


@pytest.mark.parametrize("project", ["example", "newsroom"])
def test_a_kept_shared_actor_decodes_to_exactly_the_compiled_one(tmp_path, project: str) -> None:
    from generator.incremental import views
    builder = _built_without_cache(tmp_path, project)
    assert builder.shared is not None and builder.shared.actors
    for actor in builder.shared.actors.values():
        assert views.decode_actor(views.encode_actor(actor)) == actor


@pytest.mark.parametrize("damage", ["none", "edited actor", "damaged file", "nonsense inside"])
def test_shared_actors_are_compiled_again_only_when_their_files_changed(tmp_path, monkeypatch, damage) -> None:
    """A build keeps the compiled shared actors (.explainer-cache/shared.json); the next one
    takes them if content/actors/ and the settings are unchanged, and whatever it finds,
    writes the site of a clean build."""
    import hashlib as h
    import json
    from generator import load
    from generator.incremental import cache
    root = make_project(tmp_path / "p", BASE_FILES)
    out = root / "site"
    Builder(BuildOptions(root, out, base_url=BASE)).build()
    kept = root / ".explainer-cache/shared.json"
    assert kept.is_file()
    if damage == "edited actor":
        (root / "content/actors/shared-one.yaml").write_text("name: Shared One, renamed\nkind: person\n")
    elif damage == "damaged file":
        kept.write_bytes(kept.read_bytes()[:-20])
    elif damage == "nonsense inside":
        data = json.loads(kept.read_bytes()[len(cache._MAGIC) + 32:])
        data["actors"] = ["{\"id\": 3}"]
        payload = json.dumps(data).encode()
        kept.write_bytes(cache._MAGIC + h.blake2b(payload, digest_size=16).hexdigest().encode() + payload)
    apply(root, ("write", "content/explainers/alpha.md", explainer("Alpha", body="Changed.")))
    loaded: list[str] = []
    original = load.load_shared_actor
    monkeypatch.setattr(load, "load_shared_actor", lambda root, path, d: loaded.append(path.name) or original(root, path, d))
    Builder(BuildOptions(root, out, base_url=BASE)).build()
    assert (loaded == []) == (damage == "none")
    monkeypatch.setattr(load, "load_shared_actor", original)
    assert tree(out) == clean_build(root, tmp_path / "clean")


def test_a_damaged_unit_summary_only_costs_time(tmp_path) -> None:
    """A summary that is not what a build wrote (re-signed after editing) is dropped and its
    explainer compiled again; the site still equals a clean build."""
    import hashlib as h
    import json
    from generator.incremental import cache
    root = make_project(tmp_path / "p", BASE_FILES)
    out = root / "site"
    Builder(BuildOptions(root, out, base_url=BASE)).build()
    (units_file,) = (root / ".explainer-cache").glob("units-*.json")
    raw = units_file.read_bytes()[len(cache._MAGIC) + 32:]
    stored = json.loads(raw)
    stored["units"]["content/explainers/alpha.md"]["summary"]["published"] = "not a date"
    stored["units"]["content/explainers/beta.md"]["summary"] = ["nonsense"]
    payload = json.dumps(stored).encode()
    units_file.write_bytes(cache._MAGIC + h.blake2b(payload, digest_size=16).hexdigest().encode() + payload)
    apply(root, ("write", "content/actors/shared-two.yaml", "name: Shared Two\nrole: Edited\n"))
    Builder(BuildOptions(root, out, base_url=BASE)).build()
    assert tree(out) == clean_build(root, tmp_path / "clean")


def test_a_file_changed_during_the_build_is_an_error_not_a_mixed_site(tmp_path, monkeypatch) -> None:
    """An unchanged explainer is compiled from its file when a page needs it (here: its view
    is gone); if the file changed since the build looked at it, the build stops and says so,
    leaving site/ as it was."""
    from generator.incremental import cache
    from generator.diagnostics import BuildFailed
    root = make_project(tmp_path / "p", BASE_FILES)
    out = root / "site"
    Builder(BuildOptions(root, out, base_url=BASE)).build()
    cache._view_path(root, "content/explainers/alpha.md").unlink()
    before = tree(out)
    apply(root, ("write", "content/explainers/beta.md",
                 explainer("Beta", tags="[a, b]", by="shared-one", claim="Edited claim")))
    original = Builder._plan

    def plan_then_edit(self, *args):  # type: ignore[no-untyped-def]
        (root / "content/explainers/alpha.md").write_text(explainer("Alpha", claim="Meanwhile"))
        return original(self, *args)

    monkeypatch.setattr(Builder, "_plan", plan_then_edit)
    with pytest.raises(BuildFailed) as failure:
        Builder(BuildOptions(root, out, base_url=BASE, jobs=1)).build()
    assert [str(d) for d in failure.value.diagnostics] == [
        "explainer: error: content/explainers/alpha.md changed while the site was being built; run the build again"]
    assert tree(out) == before


def test_a_new_generator_version_replaces_the_cache_state_instead_of_adding_one(tmp_path, monkeypatch) -> None:
    from generator import plan
    root = make_project(tmp_path / "p", BASE_FILES)
    Builder(BuildOptions(root, root / "site", base_url=BASE)).build()
    Builder(BuildOptions(root, tmp_path / "elsewhere", base_url=BASE)).build()
    states = sorted((root / ".explainer-cache").glob("state-*.json"))
    assert len(states) == 2  # one per output directory
    monkeypatch.setattr(plan, "_CODE_VERSION", "9.9.9+other")
    report = Builder(BuildOptions(root, root / "site", base_url=BASE)).build()
    assert report.written == report.files  # another version: a full build...
    assert sorted((root / ".explainer-cache").glob("state-*.json")) == states  # ...in the same file
    assert len(list((root / ".explainer-cache").glob("units-*.json"))) == 2
