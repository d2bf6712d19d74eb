"""What a page is shared with: an explainer's lead image (`image`, `image_alt`, `image_credit`),
site.yaml's default image, and otherwise a share card drawn by the build (generator/sharecard.py).
The validators' side (Open Graph, schema.org, HTML) is in test_validators.py."""

from __future__ import annotations

import io
import json
import os
import shutil
import struct
import zlib
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from generator import sharecard
from generator.catalogues import Strings
from generator.config import BuildOptions
from generator.pipeline import Builder
from helpers import html_tree, make_project, text_of

BASE = "https://example.org/news/"

HEAD = "---\ntitle: T\nsummary: S\npublished: 2024-01-01\n"
"""Lines 1-4 of an explainer; a test's own front matter starts on line 5."""


def png(width: int = 8, height: int = 6) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (10, 20, 30)).save(out, "PNG")
    return out.getvalue()


def explainer(title: str = "T", front: str = "", body: str = "Body.", statuses: tuple[str, ...] = ()) -> str:
    claims = "".join(f"  c{i}:\n    by: p\n    text: Claim {i}.\n    status: {s}\n" for i, s in enumerate(statuses))
    return (f"---\ntitle: {title}\nsummary: S\npublished: 2024-01-01\n{front}"
            f"actors:\n  p:\n    name: P\n" + (f"claims:\n{claims}" if claims else "") + f"---\n{body}\n")


def error_lines(result) -> list[str]:  # type: ignore[no-untyped-def]
    assert "Traceback" not in result.err
    return [line for line in result.err_lines if ": error: " in line]


# -- validation -------------------------------------------------------------------------------------

@pytest.mark.parametrize("front, expected", [
    ("image: images/lead.png\n",
     "content/explainers/a.md:5:1: error: 'image' in explainer needs 'image_alt'; add image_alt: a short "
     "description of what the picture shows, for readers who cannot see it"),
    ("image: images/lead.png\nimage_alt: ''\n",
     "content/explainers/a.md:6:12: error: 'image_alt' in explainer must not be empty"),
    ("image_alt: A picture\n",
     "content/explainers/a.md:5:1: error: 'image_alt' in explainer without 'image'; add image: "
     "images/picture.jpg (a file under content/), or remove image_alt"),
    ("image_credit: Someone\n",
     "content/explainers/a.md:5:1: error: 'image_credit' in explainer without 'image'; add image: "
     "images/picture.jpg (a file under content/), or remove image_credit"),
    ("image: images/missing.png\nimage_alt: A picture\n",
     "content/explainers/a.md:5:8: error: image 'images/missing.png' not found under content/"),
    ("image: images/lead.svg\nimage_alt: A picture\n",
     "content/explainers/a.md:5:8: error: image 'images/lead.svg' is an SVG file, which can carry script; "
     "convert it to PNG or WebP"),
])
def test_a_lead_image_needs_its_alt_text_and_a_file(project, cli_run, front: str, expected: str) -> None:
    root = project({"content/explainers/a.md": HEAD + front + "---\nBody.\n",
                    "content/images/lead.png": png(), "content/images/lead.svg": "<svg/>"})
    result = cli_run("build", "--root", root)
    assert (result.code, error_lines(result)) == (1, [expected])
    assert not (root / "site").exists()


@pytest.mark.parametrize("site_yaml, expected", [
    ("image: images/desk.png\n",
     ["site.yaml:1:1: error: 'image' in site.yaml needs 'image_alt'; add image_alt: a short description of "
      "what the picture shows, for readers who cannot see it"]),
    ("image_alt: The desk\n",
     ["site.yaml:1:1: error: 'image_alt' in site.yaml without 'image'; add image: images/picture.jpg (a file "
      "under content/), or remove image_alt"]),
    ("image: ../desk.png\nimage_alt: The desk\n",
     ["site.yaml:1:8: error: image '../desk.png' must be a path inside content/; write it relative to "
      "content/, e.g. images/portrait.jpg"]),
    ("image: images/desk.png\nimage_alt: The desk\nimage_credit: Someone\n",
     ["site.yaml:3:1: error: unknown key 'image_credit' in site.yaml; did you mean 'image_alt'?"]),
])
def test_the_default_image_is_checked_like_a_lead_image(project, cli_run, site_yaml: str,
                                                        expected: list[str]) -> None:
    root = project({"site.yaml": site_yaml, "content/explainers/a.md": explainer(),
                    "content/images/desk.png": png()})
    result = cli_run("check", "--root", root)
    assert (result.code, error_lines(result)) == (1, expected)


# -- the lead figure and what pages share ---------------------------------------------------------------

def test_a_lead_image_is_shown_with_its_credit_and_shared(project, cli_run) -> None:
    root = project({"content/explainers/a.md": explainer(front=(
        "image: images/lead pic.png\nimage_alt: Rescuers at the <dam>\nimage_credit: Jane Doe / Agency\n")),
        "content/images/lead pic.png": png()})
    assert cli_run("build", "--root", root, "--base-url", BASE).code == 0
    tree = html_tree(root / "site/a/index.html")
    [figure] = [f for f in tree.iter("figure") if f.get("class") == "lead-figure"]
    [img] = list(figure.iter("img"))
    assert (img.get("src"), img.get("alt")) == ("../media/images/lead%20pic.png", "Rescuers at the <dam>")
    assert text_of(figure.find("figcaption")) == "Jane Doe / Agency"
    assert (root / "site/media/images/lead pic.png").read_bytes() == png()
    meta = {m.get("property"): m.get("content") for m in tree.iter("meta") if m.get("property")}
    assert meta["og:image"] == f"{BASE}media/images/lead%20pic.png"
    assert meta["og:image:alt"] == "Rescuers at the <dam>"
    assert "og:image:width" not in meta  # the build does not open the author's picture
    assert not (root / "site/a/share.png").exists()
    assert (root / "site/share.png").is_file()  # the other pages still share the site's card
    assert json.loads((root / "site/a/explainer.json").read_text("utf-8"))["image"] == {
        "path": "media/images/lead pic.png", "alt": "Rescuers at the <dam>", "credit": "Jane Doe / Agency"}


def test_without_an_image_the_page_shares_its_card_and_others_the_sites(project, cli_run) -> None:
    root = project({"site.yaml": "title: The Desk\ndescription: Who said what.\n",
                    "content/explainers/a.md": explainer("A headline", statuses=("false", "false", "disputed"))})
    assert cli_run("build", "--root", root, "--base-url", BASE).code == 0
    meta = {m.get("property") or m.get("name"): m.get("content")
            for m in html_tree(root / "site/a/index.html").iter("meta")}
    assert meta["og:image"] == f"{BASE}a/share.png"
    assert (meta["og:image:width"], meta["og:image:height"]) == ("1200", "630")
    assert meta["og:image:alt"] == "A headline. The Desk. Claims: 2 false and 1 disputed."
    assert meta["twitter:card"] == "summary_large_image"
    home = {m.get("property"): m.get("content") for m in html_tree(root / "site/index.html").iter("meta")}
    assert home["og:image"] == f"{BASE}share.png"
    assert home["og:image:alt"] == "Who said what. The Desk."
    for card in ("a/share.png", "share.png"):
        with Image.open(root / "site" / card) as image:
            assert (image.format, image.size) == ("PNG", (1200, 630))


def test_a_site_without_an_absolute_base_url_shares_root_relative_addresses(project, cli_run) -> None:
    root = project({"content/explainers/a.md": explainer()})
    assert cli_run("build", "--root", root).code == 0
    meta = {m.get("property"): m.get("content") for m in html_tree(root / "site/a/index.html").iter("meta")}
    assert (meta["og:url"], meta["og:image"]) == ("/a/", "/a/share.png")


# -- the card -------------------------------------------------------------------------------------------

def test_the_tally_counts_in_the_themes_order_in_the_cards_language() -> None:
    english, russian = Strings().messages("en"), Strings().messages("ru")
    counts = {"unrated": 1, "false": 3, "mostly-true": 1, "disputed": 2}
    assert sharecard.status_counts(counts, english) == ["1 mostly true", "3 false", "2 disputed", "1 unrated"]
    assert sharecard.status_counts(counts, russian) == ["1 в основном верное", "3 ложных", "2 спорных",
                                                        "1 без оценки"]
    assert sharecard.status_counts({"false": 5, "true": 21}, russian) == ["21 верное", "5 ложных"]
    assert sharecard.status_counts({}, english) == []


def png_chunks(data: bytes) -> list[bytes]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    chunks, at = [], 8
    while at < len(data):
        length, kind = struct.unpack(">I4s", data[at:at + 8])
        body = data[at + 8:at + 8 + length]
        assert struct.unpack(">I", data[at + 8 + length:at + 12 + length])[0] == zlib.crc32(kind + body)
        chunks.append(kind)
        at += 12 + length
    return chunks


def test_a_card_is_the_same_bytes_every_time_and_carries_no_time(tmp_path) -> None:
    root = make_project(tmp_path / "p", {"content/explainers/a.md": explainer("Same", statuses=("true",))})
    cards = []
    for out in ("one", "two"):
        Builder(BuildOptions(root, tmp_path / out, base_url=BASE), use_cache=False).build()
        cards.append((tmp_path / out / "a/share.png").read_bytes())
    assert cards[0] == cards[1] == sharecard.draw_card("Same", "Explainers", "1 true", "Explainer")
    assert png_chunks(cards[0]) == [b"IHDR", b"PLTE", b"IDAT", b"IEND"]  # no tIME, tEXt, iTXt, zTXt


HEADLINES = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=300) | st.sampled_from([
    "Кто стоит за терактом в «Крокус Сити Холле»? Версии Кремля, Минска и ИГ",
    "Ποιος βρίσκεται πίσω από την επίθεση στο Κρόκους;",
    "من يقف وراء الهجوم على قاعة كروكوس؟",
    "מי עומד מאחורי המתקפה?",
    "谁是克罗库斯市政厅袭击事件的幕后黑手",
    "A" * 400, "word " * 200, "https://example.org/" + "x" * 300, "", "   ", "\u202eevil\u202c", "e\u0301" * 50,
])


@settings(max_examples=60)
@given(headline=HEADLINES, site=HEADLINES, tally=st.sampled_from(["", "1 false", " · ".join(sharecard.status_counts(
    {s: 10 for s in ("true", "mostly-true", "misleading", "false", "unproven", "disputed", "unrated")},
    Strings().messages("en")))]))
def test_any_text_draws_a_card_that_fits(headline: str, site: str, tally: str) -> None:
    data = sharecard.draw_card(headline, site, tally, "Explainer")
    with Image.open(io.BytesIO(data)) as image:
        assert (image.format, image.size) == ("PNG", (1200, 630))
    size, lines = sharecard._fit(headline, 1056, 350)
    assert all(sharecard._length(line, size) <= 1056 for line in lines)
    assert len(lines) * round(size * 1.2) <= 350 or len(lines) == 1


def test_a_long_headline_is_cut_with_an_ellipsis_after_a_word() -> None:
    size, lines = sharecard._fit("A headline that goes on " * 30, 1056, 350)
    assert size == min(sharecard._HEADLINE_SIZES)
    assert lines[-1].endswith("…") and not lines[-1].endswith(" …")
    assert " ".join(lines).replace("…", "") in ("A headline that goes on " * 30)


def test_right_to_left_headlines_are_shaped_when_libraqm_is_there() -> None:
    from PIL import features
    arabic = "من يقف وراء الهجوم على قاعة كروكوس؟"
    engine = sharecard._engine_id(arabic)
    assert engine.startswith("pillow ") and ("raqm" in engine) == bool(features.check("raqm"))
    assert sharecard._engine_id("Latin only").endswith(" basic")
    assert sharecard.card_key(arabic, "S", "") != sharecard.card_key(arabic, "S", "1 false")
    # White space is collapsed before drawing, so it does not change the card either.
    assert sharecard.card_key(arabic, "S", "") == sharecard.card_key(f"  {arabic}\n", "S", "")


def test_a_headline_of_millions_of_characters_is_cut_before_it_is_laid_out() -> None:
    import time
    started = time.perf_counter()
    data = sharecard.draw_card("T" * 4_000_000, "S " * 1_000_000, "", "Explainer")
    assert time.perf_counter() - started < 5
    assert Image.open(io.BytesIO(data)).size == (1200, 630)
    assert sharecard.card_key("T" * 4_000_000, "S", "") == sharecard.card_key("T" * 999 + "…", "S", "")


# -- incremental builds ------------------------------------------------------------------------------

def count_drawn(monkeypatch) -> list[str]:  # type: ignore[no-untyped-def]
    drawn: list[str] = []
    real = sharecard.draw_card

    def draw(headline: str, *args: str) -> bytes:
        drawn.append(headline)
        return real(headline, *args)
    monkeypatch.setattr(sharecard, "draw_card", draw)
    return drawn


def edit(path: Path, text: str) -> None:
    path.write_text(text, encoding="utf-8")
    stat = path.stat()  # a new mtime even within one timestamp tick
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))


def test_a_card_is_drawn_again_only_when_what_it_shows_changed(tmp_path, monkeypatch) -> None:
    root = make_project(tmp_path / "p", {
        "content/explainers/a.md": explainer("Alpha", statuses=("false",)),
        "content/explainers/b.md": explainer("Beta"),
    })
    drawn = count_drawn(monkeypatch)
    Builder(BuildOptions(root, root / "site", base_url=BASE)).build()
    assert sorted(drawn) == ["Alpha", "Beta", "Explainers"]
    for text, redrawn in [(explainer("Alpha", body="A new body.", statuses=("false",)), []),
                          (explainer("Alpha", front="tags: [x]\n", statuses=("false",)), []),
                          (explainer("Alpha", statuses=("false", "true")), ["Alpha"]),
                          (explainer("Alpha renamed", statuses=("false", "true")), ["Alpha renamed"])]:
        drawn.clear()
        edit(root / "content/explainers/a.md", text)
        Builder(BuildOptions(root, root / "site", base_url=BASE)).build()
        assert drawn == redrawn, text


def test_builds_after_image_edits_equal_clean_builds(tmp_path) -> None:
    root = make_project(tmp_path / "p", {"content/explainers/a.md": explainer("Alpha"),
                                         "content/images/lead.png": png(), "content/images/desk.png": png(4, 4)})
    lead = "image: images/lead.png\nimage_alt: Lead\nimage_credit: Credit\n"
    steps = [("content/explainers/a.md", explainer("Alpha", front=lead)),
             ("site.yaml", "title: Desk\nimage: images/desk.png\nimage_alt: Desk\n"),
             ("content/explainers/a.md", explainer("Alpha")),
             ("site.yaml", "title: Desk\n"),
             ("content/explainers/a.md", explainer("Alpha", statuses=("misleading",)))]
    incremental = Builder(BuildOptions(root, root / "site", base_url=BASE))
    incremental.build()
    for rel, text in steps:
        edit(root / rel, text)
        incremental.build()
        shutil.rmtree(tmp_path / "clean", ignore_errors=True)
        Builder(BuildOptions(root, tmp_path / "clean", base_url=BASE), use_cache=False).build()
        assert tree(root / "site") == tree(tmp_path / "clean"), rel


def tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}
