"""Files joined from one part per explainer (`plan.Joined`: `claims.json`), and the parts kept
between builds (generator/incremental/parts.py).

A front-matter edit makes the edited explainer's part again and joins the others as the
cache kept them; a full build's compile workers make every part; a part file that is
tampered with, sealed by another key or of the wrong shape is not used, and the part is
made again. At every step the site equals a clean build's, byte for byte.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from helpers import BASE, BASE_FILES, apply, clean_build, explainer, make_project, tree
from hypothesis import given, settings
from hypothesis import strategies as st

from generator import claimsdata, compat, render, validate
from generator.config import BuildOptions
from generator.incremental import cache, parts, userkey
from generator.pipeline import Builder
from generator.workers import shards

FILES = dict(BASE_FILES, **{f"content/explainers/more-{i}.md": explainer(f"More{i}") for i in range(4)})
SCRIPT = "<script>alert('planted')</script>"


def _made(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The slugs whose part of `claims.json` this process makes from here on."""
    made: list[str] = []
    original = render.Renderer.claims_part
    monkeypatch.setattr(render.Renderer, "claims_part",
                        lambda self, explainer: made.append(explainer.slug) or original(self, explainer))
    return made


def _compiled(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    compiled: list[str] = []
    original = validate.validate_explainer
    monkeypatch.setattr(validate, "validate_explainer",
                        lambda raw, *a: compiled.append(raw.src_path) or original(raw, *a))
    return compiled


def _build(root: Path, **options: object) -> Builder:
    builder = Builder(BuildOptions(root, root / "site", base_url=BASE, jobs=1, **options))  # type: ignore[arg-type]
    builder.build()
    return builder


def _claim_texts(out: Path) -> dict[str, str]:
    data = json.loads((out / "claims.json").read_bytes())
    return {f"{c['explainer']['slug']}/{c['id']}": c["text"] for c in data["claims"]}


def test_a_front_matter_edit_makes_only_its_own_part_of_claims_json(tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """The edited explainer is the only one compiled and the only part made: the other five
    come from the cache, their views unread by claims.json. A body edit (the shortcut)
    makes none, and a deleted explainer's part is left out without making any."""
    root = make_project(tmp_path / "p", FILES)
    out = root / "site"
    _build(root)
    made, compiled = _made(monkeypatch), _compiled(monkeypatch)
    apply(root, ("write", "content/explainers/alpha.md", explainer("Alpha", claim="Edited claim")))
    report = Builder(BuildOptions(root, out, base_url=BASE, jobs=1)).build()
    assert (made, compiled) == (["alpha"], ["content/explainers/alpha.md"])
    assert "claims.json" in report.changed
    assert _claim_texts(out)["alpha/c1"] == "Edited claim of Alpha."
    assert tree(out) == clean_build(root, tmp_path / "clean-1")
    made.clear()
    apply(root, ("write", "content/explainers/alpha.md", explainer("Alpha", claim="Edited claim", body="New.")))
    report = Builder(BuildOptions(root, out, base_url=BASE, jobs=1)).build()
    assert made == [] and "claims.json" not in report.changed
    apply(root, ("delete", "content/explainers/beta.md", None))
    report = Builder(BuildOptions(root, out, base_url=BASE, jobs=1)).build()
    assert made == [] and "claims.json" in report.changed
    assert "beta/c1" not in _claim_texts(out)
    assert tree(out) == clean_build(root, tmp_path / "clean-2")
    # beta's are gone; each explainer has a part of claims.json and one of the search index
    assert len(list((root / cache.CACHE_DIR / parts.FOLDER).iterdir())) == 2 * 5


def test_serve_keeps_the_parts_in_memory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Only there: its parts, made with drafts shown, are not `build`'s, and in one folder
    each would replace the other's."""
    root = make_project(tmp_path / "p", FILES)
    out = root / "site"
    resident = Builder(BuildOptions(root, out, base_url=BASE, jobs=1, drafts=True), resident=True)
    resident.build()
    assert (root / cache.CACHE_DIR).is_dir() and not (root / cache.CACHE_DIR / parts.FOLDER).exists()
    made = _made(monkeypatch)
    for round_ in range(2):
        apply(root, ("write", "content/explainers/more-1.md", explainer("More1", claim=f"Claim {round_}")))
        resident.build()
        assert made == ["more-1"]
        made.clear()
        assert tree(out) == clean_build(root, tmp_path / f"clean-{round_}", drafts=True)
        made.clear()  # the clean build made its own
    assert not (root / cache.CACHE_DIR / parts.FOLDER).exists()


@pytest.mark.skipif(not compat.can_fork(), reason="workers are forked (compat.can_fork)")
@pytest.mark.parametrize("first", [True, False], ids=["first build of the project", "with a cache folder"])
def test_the_compile_workers_of_a_full_build_make_every_part(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                             first: bool) -> None:
    """A full build on forked workers makes each part with the explainer's own pages, from the
    compiled file (none from a view); they reach the cache (stored by the workers, or, on the
    first build of a project, which has no cache folder yet, after the build succeeded), so
    the next front-matter edit makes only its own."""
    monkeypatch.setattr(shards, "MIN_EXPLAINERS_PER_WORKER", 1)
    root = make_project(tmp_path / "p", FILES)
    out = root / "site"
    if not first:
        _build(root)
    made = _made(monkeypatch)  # in this process: the workers make theirs in their own
    builder = Builder(BuildOptions(root, out, base_url=BASE, jobs=2), read_cache=False)
    builder.build()
    assert all(unit.view is not None for unit in builder.units.values())  # compiled on the workers
    assert made == []
    assert len(list((root / cache.CACHE_DIR / parts.FOLDER).iterdir())) == 2 * 6  # claims.json's, the search's
    apply(root, ("write", "content/explainers/beta.md", explainer("Beta", tags="[a, b]", by="shared-two",
                                                                  claim="Edited claim")))
    Builder(BuildOptions(root, out, base_url=BASE, jobs=1)).build()
    assert made == ["beta"]
    assert tree(out) == clean_build(root, tmp_path / "clean")


# -- a part file that is not what the build wrote --------------------------------------------

def _sealed(body: bytes, kind: str = "part", secret: bytes | None = None) -> bytes:
    secret = secret if secret is not None else userkey.key()
    assert secret is not None
    return userkey.seal(kind, body, secret).encode() + b"\n" + body


def _body(path: Path) -> tuple[list[object], bytes]:
    """The head (file, slug, key, links) and the data of a part file."""
    head, _, data = path.read_bytes()[33:].partition(b"\n")
    return json.loads(head), data


def _head(values: list[object]) -> bytes:
    return json.dumps(values).encode()


BAD_PARTS = {
    "its data changed (a script)": lambda path, other: path.write_bytes(
        path.read_bytes().replace(b"Claim of Alpha", SCRIPT.encode())),
    "sealed with another key": lambda path, other: path.write_bytes(
        _sealed(path.read_bytes()[33:].replace(b"Claim of Alpha", SCRIPT.encode()), secret=os.urandom(32))),
    "sealed as a view": lambda path, other: path.write_bytes(_sealed(path.read_bytes()[33:], "view")),
    "another explainer's part under its name": lambda path, other: shutil.copyfile(other, path),
    "a stale key": lambda path, other: path.write_bytes(_sealed(
        _head([*_body(path)[0][:2], "0" * 32, _body(path)[0][3]]) + b"\n" + _body(path)[1])),
    "links that are not strings": lambda path, other: path.write_bytes(_sealed(
        _head([*_body(path)[0][:3], [1, {"a": SCRIPT}]]) + b"\n" + _body(path)[1])),
    "links that are a string": lambda path, other: path.write_bytes(_sealed(
        _head([*_body(path)[0][:3], "alpha/"]) + b"\n" + _body(path)[1])),
    "a head that is not a list": lambda path, other: path.write_bytes(_sealed(
        _head({"name": "claims.json"}) + b"\n" + _body(path)[1])),  # type: ignore[arg-type]
    "a head that is not JSON": lambda path, other: path.write_bytes(_sealed(b"[\n" + _body(path)[1])),
    "a head that is not UTF-8": lambda path, other: path.write_bytes(_sealed(b'["\xff"]\n' + _body(path)[1])),
    "no head line": lambda path, other: path.write_bytes(_sealed(_head(_body(path)[0]))),
    "empty": lambda path, other: path.write_bytes(b""),
    "a folder": lambda path, other: (path.unlink(), path.mkdir()),
    "a link to another part": lambda path, other: (path.unlink(), path.symlink_to(other)),
}


@pytest.mark.parametrize("damage", list(BAD_PARTS))
def test_a_bad_part_file_is_made_again_never_used(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                  damage: str) -> None:
    """Alpha's part is damaged, then beta's claim edited: claims.json makes alpha's part again
    from its view (a bad file costs time, never output) and stores it anew."""
    root = make_project(tmp_path / "p", FILES)
    out = root / "site"
    _build(root)
    folder = root / cache.CACHE_DIR / parts.FOLDER
    alpha, beta = (Path(parts._path(root, "claims.json", slug)) for slug in ("alpha", "beta"))
    assert parts.load(root, "claims.json", "alpha", _body(alpha)[0][2]) is not None  # type: ignore[arg-type]
    key = _body(alpha)[0][2]
    BAD_PARTS[damage](alpha, beta)
    assert parts.load(root, "claims.json", "alpha", key) is None  # type: ignore[arg-type]
    made = _made(monkeypatch)
    apply(root, ("write", "content/explainers/beta.md", explainer("Beta", tags="[a, b]", by="shared-two",
                                                                  claim="Edited claim")))
    Builder(BuildOptions(root, out, base_url=BASE, jobs=1)).build()
    assert sorted(made) == ["alpha", "beta"]
    assert SCRIPT.encode() not in (out / "claims.json").read_bytes()
    assert tree(out) == clean_build(root, tmp_path / "clean")
    assert parts.load(root, "claims.json", "alpha", key) is not None  # type: ignore[arg-type]
    assert all(p.is_file() and not p.is_symlink() for p in folder.iterdir())


def test_a_parts_folder_that_is_a_link_is_replaced_never_written_through(tmp_path: Path) -> None:
    root = make_project(tmp_path / "p", FILES)
    _build(root)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    folder = root / cache.CACHE_DIR / parts.FOLDER
    shutil.rmtree(folder)
    folder.symlink_to(elsewhere)
    apply(root, ("write", "content/explainers/alpha.md", explainer("Alpha", claim="Edited claim")))
    _build(root)
    assert list(elsewhere.iterdir()) == []
    assert folder.is_dir() and not folder.is_symlink()
    assert tree(root / "site") == clean_build(root, tmp_path / "clean")


# -- the format -------------------------------------------------------------------------------

texts = st.text(st.characters(blacklist_categories=("Cs",)), max_size=20)


@settings(max_examples=60, deadline=None)
@given(name=texts, slug=texts, key=texts, data=st.binary(max_size=200), links=st.lists(texts, max_size=4))
def test_a_stored_part_reads_back_exactly_and_only_for_its_own_file_slug_and_key(
        tmp_path_factory: pytest.TempPathFactory, name: str, slug: str, key: str, data: bytes,
        links: list[str]) -> None:
    root = tmp_path_factory.mktemp("parts")
    assert parts.make_folder(root)
    part = parts.Part(data, tuple(links))
    assert parts.store(root, name, slug, key, part)
    assert parts.load(root, name, slug, key) == part
    assert parts.load(root, name, slug, key + "x") is None
    assert parts.load(root, name + "x", slug, key) is None


json_values = st.recursive(st.none() | st.booleans() | st.integers() | texts,
                           lambda inner: st.lists(inner, max_size=3) | st.dictionaries(texts, inner, max_size=3),
                           max_leaves=8)


@settings(max_examples=100, deadline=None)
@given(explainers=st.lists(st.lists(st.dictionaries(texts, json_values, max_size=4), max_size=3), max_size=4),
       title=texts, base_url=texts)
def test_joined_parts_are_the_document_encoded_at_once(explainers: list[list[dict[str, object]]], title: str,
                                                       base_url: str) -> None:
    """`claimsdata.claims_json` joins the parts as bytes: what encoding the whole document
    gives, whatever the claims hold (explainers without claims have an empty part)."""
    encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
    joined = claimsdata.claims_json([",".join(map(encode, claims)).encode() for claims in explainers],
                                    title, base_url)
    whole = {"schema_version": claimsdata.SCHEMA_VERSION, "site": {"title": title, "url": base_url},
             "claims": [claim for claims in explainers for claim in claims]}
    assert joined == (encode(whole) + "\n").encode()
