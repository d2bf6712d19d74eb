"""Footnotes and strikethrough in every Markdown field, with both engines (issue #17).

An explainer page shows many Markdown fields (the body, every claim's note, every event's
text, the description of every actor on it) and an actor page shows notes and events of
many explainers: footnote ids carry a scope per field, so that two notes with a footnote 1
never both write `id="fn1"`. Footnotes are rendered by markdown-it-py whichever engine is
in use (see `generator.markdown`), so both engines give the same pages.
"""

from __future__ import annotations

import collections
import shutil
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from generator import markdown
from helpers import html_tree, make_project

PAGE = """\
---
title: T
summary: S
published: 2024-01-01
actors:
  p:
    name: P
    description: |
      Inline actor.[^1] ~~Former~~ current role.

      [^1]: From the actor's own page.
claims:
  c1:
    by: p
    text: First.
    note: |
      First note.[^1] Again.[^1]

      [^1]: The first note's footnote.
  c2:
    by: shared
    text: Second.
    note: |
      Second note.[^1] ~~struck~~

      [^1]: The second note's footnote.
timeline:
  - date: 2024-01-01
    title: E
    actors: [p]
    text: "Event.^[An inline footnote.]"
---
Body.[^1] ~~Old~~ new. [The claim](@c1), [shared](@shared).

[^1]: The body's footnote.
"""

SHARED = 'name: Shared\ndescription: "Shared actor.[^n] ~~gone~~\\n\\n[^n]: Its note."\n'


def build(root: Path, out: Path, monkeypatch: pytest.MonkeyPatch, engine: str) -> dict[str, bytes]:
    from generator.config import BuildOptions
    from generator.pipeline import Builder

    monkeypatch.setenv("EXPLAINER_MARKDOWN", engine)
    shutil.rmtree(out, ignore_errors=True)
    Builder(BuildOptions(root, out, base_url="https://example.org/"), use_cache=False).build()
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}


@pytest.fixture
def footnoted(tmp_path: Path) -> Path:
    return make_project(tmp_path / "project", {"content/explainers/a.md": PAGE, "content/actors/shared.yaml": SHARED})


def footnote_ids(page: Path) -> list[str]:
    return [element.get("id") for element in html_tree(page).iter()
            if (element.get("id") or "").startswith(("fn-", "fnref-"))]


def test_footnote_ids_are_unique_on_every_page(footnoted: Path, tmp_path: Path, monkeypatch) -> None:
    build(footnoted, tmp_path / "site", monkeypatch, "py")
    explainer_page = tmp_path / "site/a/index.html"
    ids = footnote_ids(explainer_page)
    assert sorted(ids) == sorted([
        "fn-a-1", "fnref-a-1",
        "fn-a_claim_c1-1", "fnref-a_claim_c1-1", "fnref-a_claim_c1-1:1",
        "fn-a_claim_c2-1", "fnref-a_claim_c2-1",
        "fn-a_event_0-1", "fnref-a_event_0-1",
        "fn-actor_p-1", "fnref-actor_p-1",
        "fn-actor_shared-1", "fnref-actor_shared-1",
    ])
    every_id = [element.get("id") for element in html_tree(explainer_page).iter() if element.get("id")]
    assert [i for i, n in collections.Counter(every_id).items() if n > 1] == []
    for actor in ("p", "shared"):
        page_ids = [e.get("id") for e in html_tree(tmp_path / f"site/actors/{actor}/index.html").iter() if e.get("id")]
        assert [i for i, n in collections.Counter(page_ids).items() if n > 1] == [], actor
    assert "fn-a_claim_c1-1" in footnote_ids(tmp_path / "site/actors/p/index.html")
    assert "fn-a_claim_c2-1" in footnote_ids(tmp_path / "site/actors/shared/index.html")


def test_footnotes_and_strikethrough_render_in_every_field(footnoted: Path, tmp_path: Path, monkeypatch) -> None:
    build(footnoted, tmp_path / "site", monkeypatch, "py")
    html = (tmp_path / "site/a/index.html").read_text("utf-8")
    # A second reference to footnote 1 reads [1] too, with an id of its own.
    assert ('First note.<sup class="footnote-ref"><a href="#fn-a_claim_c1-1" id="fnref-a_claim_c1-1">[1]</a></sup> '
            'Again.<sup class="footnote-ref"><a href="#fn-a_claim_c1-1" id="fnref-a_claim_c1-1:1">[1]</a></sup>'
            in html)
    assert ('<li id="fn-a_claim_c1-1" class="footnote-item"><p>The first note\'s footnote. '
            '<a href="#fnref-a_claim_c1-1" class="footnote-backref">\u21a9\ufe0e</a> '
            '<a href="#fnref-a_claim_c1-1:1" class="footnote-backref">\u21a9\ufe0e</a></p>' in html)
    assert '<li id="fn-a_event_0-1" class="footnote-item"><p>An inline footnote.' in html
    assert '<li id="fn-a-1" class="footnote-item"><p>The body\'s footnote.' in html
    assert '<li id="fn-actor_shared-1" class="footnote-item"><p>Its note.' in html
    for struck in ("<s>Old</s> new", "<s>Former</s> current role", "<s>struck</s>", "<s>gone</s>"):
        assert struck in html, struck
    # explainer.json keeps the Markdown as written.
    assert "[^1]: The body's footnote." in (tmp_path / "site/a/explainer.json").read_text("utf-8")


def test_both_engines_give_the_same_footnoted_site(footnoted: Path, tmp_path: Path, monkeypatch) -> None:
    if markdown.markdown_it_pyrs is None:
        pytest.skip("markdown-it-pyrs is not installed")
    fast = build(footnoted, tmp_path / "pyrs", monkeypatch, "pyrs")
    reference = build(footnoted, tmp_path / "py", monkeypatch, "py")
    assert fast == reference
    assert b"<s>Old</s>" in fast["a/index.html"] and b'id="fn-a-1"' in fast["a/index.html"]


def test_pyrs_renders_strikethrough_itself_and_leaves_footnotes_to_markdown_it_py(monkeypatch) -> None:
    if markdown.markdown_it_pyrs is None:
        pytest.skip("markdown-it-pyrs is not installed")
    monkeypatch.setenv("EXPLAINER_MARKDOWN", "pyrs")
    rendered: list[str] = []
    original = markdown._engine

    def spy(allow_html: bool, name: str):  # type: ignore[no-untyped-def]
        rendered.append(name)
        return original(allow_html, name)

    monkeypatch.setattr(markdown, "_engine", spy)
    assert markdown.to_html("~~a~~ b", False) == "<p><s>a</s> b</p>\n"
    assert markdown.to_html("x[^1]\n\n[^1]: y\n", False, "s").startswith(
        '<p>x<sup class="footnote-ref"><a href="#fn-s-1" id="fnref-s-1">[1]</a></sup></p>\n')
    assert rendered == ["pyrs", "py"]


def test_many_tildes_go_to_markdown_it_py() -> None:
    """pyrs takes quadratic time on nested strikethrough openers (50,000 took 31 s)."""
    assert markdown.pyrs_is_safe("~~a " * 500 + "a~~ " * 500)
    assert not markdown.pyrs_is_safe("~~a " * 501 + "a~~ " * 501)


TOKENS = ["~", "~~", "[^1]", "[^x]", "^[", "]", "[^1]: ", "[^x]: ", "\n", "\n\n", "*", "_", "word ", "x", " ",
          "[a](https://example.org)", "[a](@c)", "\\~", "    "]


@given(parts=st.lists(st.sampled_from(TOKENS), min_size=1, max_size=30))
def test_engines_agree_on_footnotes_and_strikethrough(parts: list[str]) -> None:
    """Whatever mix of footnote and strikethrough syntax (fences, tables and empty block
    quotes are left out: the engines differ on some of those, footnotes or not)."""
    if markdown.markdown_it_pyrs is None:
        pytest.skip("markdown-it-pyrs is not installed")
    source = "".join(parts)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("EXPLAINER_MARKDOWN", "pyrs")
        fast = markdown.to_html(source, False, "s")
    assert fast == markdown._engine(False, "py")(source, "s")
