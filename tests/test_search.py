"""The search index (generator/search.py, generator/pagefind.py, generator/incremental/bundle.py):
records of explainers, claims and actors; the same bytes on every build; kept by its records,
so an edit that changes no indexed text runs no Pagefind; `search: false`; a bad cached bundle
costs time, never output; a Pagefind that cannot run is one clear error."""

from __future__ import annotations

import gzip
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from generator import pagefind, search
from generator.incremental import bundle

REPO = Path(__file__).resolve().parent.parent


def build(root: Path, out: Path, *extra: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "generator", "build", "--root", str(root), "--out", str(out), *extra],
                          cwd=REPO, capture_output=True, text=True, timeout=300, env={**os.environ, **(env or {})})


def project(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    shutil.copytree(REPO / "content", root / "content")
    shutil.copy(REPO / "site.yaml", root / "site.yaml")
    return root


def files(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_the_index_holds_explainers_claims_and_actors_and_is_the_same_twice(tmp_path: Path) -> None:
    root = project(tmp_path)
    assert build(root, tmp_path / "a", "--clean").returncode == 0
    assert build(root, tmp_path / "b", "--clean").returncode == 0
    a, b = files(tmp_path / "a" / "pagefind"), files(tmp_path / "b" / "pagefind")
    assert a == b
    # Pagefind wrote nothing of its own, in the project or anywhere the build did not put it
    assert sorted(p.name for p in root.iterdir()) == [".explainer-cache", "content", "site.yaml"]
    assert {"pagefind.js", "pagefind-worker.js", "pagefind-entry.json", "wasm.en.pagefind"} <= set(a)
    assert not any(name.startswith("pagefind-ui") or "playground" in name for name in a)
    entry = json.loads(a["pagefind-entry.json"])
    claims = json.loads((tmp_path / "a" / "claims.json").read_bytes())["claims"]
    actors = sorted(p.name for p in (tmp_path / "a" / "actors").iterdir())
    assert claims and actors
    assert entry["languages"]["en"]["page_count"] == 1 + len(actors)  # the explainer, the actor pages
    fragments = [json.loads(gzip.decompress(data).removeprefix(b"pagefind_dcd"))
                 for name, data in a.items() if name.startswith("fragment/")]
    assert sorted(f["url"] for f in fragments) == sorted(["crocus-city-hall-attack/",
                                                          *(f"actors/{actor}/" for actor in actors)])
    page = next(f for f in fragments if f["url"] == "crocus-city-hall-attack/")
    assert [anchor["id"] for anchor in page["anchors"]] == [f"claim-{claim['id']}" for claim in claims]
    assert {page["meta"][f"by-claim-{claim['id']}"] for claim in claims} == {c["actor"]["name"] for c in claims}


def test_records_are_documents_and_records_only_and_descriptions_plain_text(tmp_path: Path) -> None:
    from generator.incremental.parts import Part
    record = b'{"type":"AddRecord","url":"a/","content":"x","language":"en","meta":{"title":"A"}}\n'
    part = Part(record + b'{"type":"WriteFiles","output_path":"/tmp"}\n')
    assert list(search.records([part])) == [json.loads(record)]
    html = '<p>President of <a href="@russia">Russia</a> &amp; more</p>'
    assert search.plain_text(html) == "President of Russia & more"


def test_an_edit_that_changes_no_indexed_text_runs_no_pagefind(tmp_path: Path) -> None:
    root = project(tmp_path)
    out = tmp_path / "site"
    assert build(root, out).returncode == 0
    before = files(out / "pagefind")
    page = root / "content" / "explainers" / "crocus-city-hall-attack.md"
    page.write_text(page.read_text(encoding="utf-8") + "\nOne more sentence in the body.\n", encoding="utf-8")
    done = build(root, out, env={"PAGEFIND_BINARY_PATH": str(tmp_path / "no-such-binary")})
    assert done.returncode == 0, done.stderr
    assert files(out / "pagefind") == before


def test_a_claim_edit_makes_the_index_again_and_search_finds_the_new_words(tmp_path: Path) -> None:
    root = project(tmp_path)
    out = tmp_path / "site"
    assert build(root, out).returncode == 0
    before = files(out / "pagefind")
    page = root / "content" / "explainers" / "crocus-city-hall-attack.md"
    text = page.read_text(encoding="utf-8")
    edited = text.replace("carried out by radical Islamists", "carried out by radical Islamists quixotically", 1)
    page.write_text(edited, encoding="utf-8")
    assert build(root, out).returncode == 0
    after = files(out / "pagefind")
    assert after != before
    clean = tmp_path / "clean"
    assert build(root, clean, "--clean").returncode == 0
    assert files(clean / "pagefind") == after


def test_search_false_leaves_out_the_page_the_link_and_the_index(tmp_path: Path) -> None:
    root = project(tmp_path)
    (root / "site.yaml").write_text((root / "site.yaml").read_text(encoding="utf-8") + "search: false\n",
                                    encoding="utf-8")
    out = tmp_path / "site"
    done = build(root, out, env={"PAGEFIND_BINARY_PATH": str(tmp_path / "no-such-binary")})
    assert done.returncode == 0, done.stderr
    assert not (out / "pagefind").exists() and not (out / "search").exists()
    assert b"search/" not in (out / "index.html").read_bytes()


def test_a_pagefind_that_cannot_run_is_one_error_and_the_site_stays(tmp_path: Path) -> None:
    root = project(tmp_path)
    out = tmp_path / "site"
    assert build(root, out, "--clean").returncode == 0
    before = files(out)
    page = root / "content" / "explainers" / "crocus-city-hall-attack.md"
    page.write_text(page.read_text(encoding="utf-8").replace("radical Islamists", "radical Islamists indeed", 1),
                    encoding="utf-8")
    missing = tmp_path / "no-such-binary"
    done = build(root, out, env={"PAGEFIND_BINARY_PATH": str(missing)})
    assert done.returncode == 1
    assert done.stderr.strip().splitlines()[0] == (
        f"explainer: error: the search index could not be made: Pagefind did not start: "
        f"[Errno 2] No such file or directory: '{missing}'; Pagefind comes with the pagefind-bin package "
        "(pip install pagefind-bin), or set search: false in site.yaml")
    assert "Traceback" not in done.stderr
    assert files(out) == before


def test_a_damaged_or_foreign_cached_bundle_is_made_again(tmp_path: Path) -> None:
    root = project(tmp_path)
    out = tmp_path / "site"
    assert build(root, out, "--clean").returncode == 0
    good = files(out / "pagefind")
    kept = root / ".explainer-cache" / bundle.NAME
    data = kept.read_bytes()
    kept.write_bytes(data[:-10] + b"0123456789")  # the seal no longer holds
    assert bundle.load(root) is None
    page = root / "content" / "explainers" / "crocus-city-hall-attack.md"
    page.write_text(page.read_text(encoding="utf-8").replace("radical Islamists", "radical Islamists again", 1),
                    encoding="utf-8")
    assert build(root, out).returncode == 0
    page.write_text(page.read_text(encoding="utf-8").replace("radical Islamists again", "radical Islamists", 1),
                    encoding="utf-8")
    assert build(root, out).returncode == 0
    assert files(out / "pagefind") == good
    assert not bundle.safe_path("../escape") and not bundle.safe_path("/abs") and bundle.safe_path("index/en_1.pf")


def test_pagefind_runs() -> None:
    assert pagefind.check().startswith("pagefind ")


def test_the_preview_makes_no_index_and_its_search_page_says_so(tmp_path: Path) -> None:
    from generator.config import BuildOptions
    from generator.pipeline import Builder
    root = project(tmp_path)
    out = tmp_path / "preview"
    options = BuildOptions(root=root, out_dir=out, drafts=True, fingerprint_assets=False, search_index=False)
    Builder(options, use_cache=False).build()
    assert not (out / "pagefind").exists()
    page = (out / "search" / "index.html").read_text(encoding="utf-8")
    assert "Search works in the built site (explainer build); the preview has no search index." in page
    assert "search.js" not in page and 'href="../actors/vladimir-putin/"' in page


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_a_kept_bundle_changed_anywhere_is_refused_or_sound(tmp_path: Path, data: st.DataObject) -> None:
    root = tmp_path / "p"
    (root / ".explainer-cache").mkdir(parents=True, exist_ok=True)
    made = bundle.Bundle("k", "r", {"pagefind.js": b"js", "index/en_1.pf_index": b"\x00\x01"}, ("a/",))
    assert bundle.store(root, made)
    assert bundle.load(root) == made
    path = root / ".explainer-cache" / bundle.NAME
    sealed = path.read_bytes()
    at = data.draw(st.integers(0, len(sealed) - 1))
    changed = sealed[:at] + data.draw(st.binary(min_size=0, max_size=8)) + sealed[at + 1:]
    path.write_bytes(changed)
    found = bundle.load(root)
    assert found is None or found == made
