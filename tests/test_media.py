"""Pictures: bytes that match their extension, SVG refused, Markdown images copied into the
site; and the link allow-list (`//host` links). Issue #15 (images are what they claim) and
issue #17 (images in the article body)."""

from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path

import pytest

from generator import media
from generator.config import BuildOptions
from generator.diagnostics import BuildFailed
from generator.pipeline import Builder

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
GIF = b"GIF89a\x01\x00\x01\x00\x80\x00\x00"
WEBP = b"RIFF\x1a\x00\x00\x00WEBPVP8L\x0d\x00\x00\x00"
AVIF = b"\x00\x00\x00\x1cftypavif\x00\x00\x00\x00avifmif1miaf"
AVIF_COMPATIBLE = b"\x00\x00\x00\x1cftypmif1\x00\x00\x00\x00mif1avifmiaf"
HEIC = b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic"
SVG_WITH_SCRIPT = b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg"><script>alert(document.domain)</script></svg>'
HTML = b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>"

HEAD = "---\ntitle: T\nsummary: S\npublished: 2024-01-01\n"
"""Lines 1-4 of an explainer; a test's own front matter starts on line 5."""


def page(front: str = "", body: str = "Body.\n") -> str:
    return HEAD + front + "---\n" + body


def actor_with_image(path: str) -> str:
    """The `image:` value starts at line 8, column 12."""
    return page(f"actors:\n  p:\n    name: P\n    image: {path}\n")


def check(project, cli_run, files: dict[str, str | bytes]) -> tuple[int, list[str]]:  # type: ignore[no-untyped-def]
    root = project(files)
    result = cli_run("check", "--root", root)
    assert "Traceback" not in result.err
    return result.code, [line for line in result.err_lines if ": error: " in line]


def tree(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


# -- what the bytes say -------------------------------------------------------------------------

@pytest.mark.parametrize("head, kind", [
    (PNG, "PNG"), (JPEG, "JPEG"), (GIF, "GIF"), (b"GIF87a...", "GIF"), (WEBP, "WebP"), (AVIF, "AVIF"),
    (AVIF_COMPATIBLE, "AVIF"), (HEIC, media.UNKNOWN), (SVG_WITH_SCRIPT, media.SVG), (b"\xef\xbb\xbf  <svg/>", media.SVG),
    (b"<!-- drawn by hand -->\n<svg>", media.SVG), (HTML, media.MARKUP), (b"", media.EMPTY),
    (b"%PDF-1.7", media.UNKNOWN), (b"RIFF\x00\x00\x00\x00WAVE", media.UNKNOWN), (b"\x89PNG", media.UNKNOWN),
])
def test_sniff_reads_the_format_from_the_first_bytes(head: bytes, kind: str) -> None:
    assert media.sniff(head) == kind


def test_a_named_pipe_called_jpg_is_not_waited_for(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "x.jpg")
    assert media.read_format(str(tmp_path / "x.jpg")) == "unreadable: not a regular file"


@pytest.mark.parametrize("name, content, message", [
    ("evil.png", SVG_WITH_SCRIPT,
     "image 'images/evil.png' is an SVG file, not a PNG image; SVG can carry script: convert it to PNG or WebP"),
    ("evil.jpg", HTML, "image 'images/evil.jpg' is an HTML or XML file, not a JPEG image; export the picture again "
                       "as .jpg, .jpeg, .png, .gif, .webp, .avif"),
    ("photo.png", JPEG, "image 'images/photo.png' is a JPEG image, not a PNG image; rename it to images/photo.jpg"),
    ("photo.webp", PNG, "image 'images/photo.webp' is a PNG image, not a WebP image; rename it to images/photo.png"),
    ("photo.avif", HEIC, "image 'images/photo.avif' is not an AVIF image: its bytes are of no image format; export "
                         "the picture again as .jpg, .jpeg, .png, .gif, .webp, .avif"),
    ("empty.gif", b"", "image 'images/empty.gif' is an empty file, not a GIF image; export the picture again as "
                       ".jpg, .jpeg, .png, .gif, .webp, .avif"),
    ("drawing.svg", b"<svg/>", "image 'images/drawing.svg' is an SVG file, which can carry script; convert it to "
                               "PNG or WebP"),
    ("drawing.SVG", b"<svg/>", "image 'images/drawing.SVG' is an SVG file, which can carry script; convert it to "
                               "PNG or WebP"),
])
def test_an_actor_image_must_be_what_its_extension_says(project, cli_run, name: str, content: bytes,
                                                        message: str) -> None:
    code, errors = check(project, cli_run, {"content/explainers/a.md": actor_with_image(f"images/{name}"),
                                            f"content/images/{name}": content})
    assert code == 1
    assert errors == [f"content/explainers/a.md:8:12: error: {message}"]


@pytest.mark.parametrize("name, content", [("p.png", PNG), ("p.jpg", JPEG), ("p.jpeg", JPEG), ("p.gif", GIF),
                                           ("p.webp", WEBP), ("p.avif", AVIF), ("P.PNG", PNG)])
def test_images_that_are_what_they_claim_build(project, cli_run, name: str, content: bytes) -> None:
    root = project({"content/explainers/a.md": actor_with_image(f"images/{name}"), f"content/images/{name}": content})
    result = cli_run("build", "--root", root)
    assert result.code == 0, result.err
    assert (root / "site/media/images" / name).read_bytes() == content


def test_an_svg_named_png_in_a_shared_actor_is_refused_and_nothing_is_written(project, cli_run) -> None:
    root = project({"content/explainers/a.md": page(body="[P](@p)\n"),
                    "content/actors/p.yaml": "name: P\nimage: images/p.png\n",
                    "content/images/p.png": PNG})
    assert cli_run("build", "--root", root).code == 0
    before = tree(root / "site")
    (root / "content/images/p.png").write_bytes(SVG_WITH_SCRIPT)
    result = cli_run("build", "--root", root)
    assert result.code == 1
    assert result.error_lines == ["content/actors/p.yaml:2:8: error: image 'images/p.png' is an SVG file, not a "
                                  "PNG image; SVG can carry script: convert it to PNG or WebP"]
    assert tree(root / "site") == before
    assert b"<script>" not in (root / "site/media/images/p.png").read_bytes()


def test_an_unused_picture_is_not_an_error(project, cli_run) -> None:
    code, errors = check(project, cli_run, {"content/explainers/a.md": page(),
                                            "content/images/unused.png": SVG_WITH_SCRIPT})
    assert (code, errors) == (0, [])


# -- Markdown images ------------------------------------------------------------------------------

BODY_IMAGES = page(
    "actors:\n  p:\n    name: P\n    description: |\n      Seen ![P at the desk](images/desk.jpg) here.\n"
    "claims:\n  c:\n    by: p\n    text: X\n    note: See ![The chart](<images/a chart.png> \"Chart\").\n"
    "timeline:\n  - date: 2024-01-01\n    title: E\n    actors: [p]\n    text: \"![The hall](images/hall.webp)\"\n",
    "Lead.\n\n![The crowd at the gate](images/crowd.jpg)\n\n![A remote map](https://example.org/map.png)\n\n"
    "[More](@c) and [p](@p).\n")


@pytest.fixture
def body_images(project):  # type: ignore[no-untyped-def]
    return project({"content/explainers/story.md": BODY_IMAGES, "content/images/crowd.jpg": JPEG,
                    "content/images/desk.jpg": JPEG, "content/images/a chart.png": PNG,
                    "content/images/hall.webp": WEBP})


def test_markdown_images_are_copied_and_linked_from_each_page(body_images, cli_run) -> None:
    root = body_images
    result = cli_run("build", "--root", root)
    assert result.code == 0, result.err
    media_dir = root / "site/media/images"
    assert sorted(p.name for p in media_dir.iterdir()) == ["a chart.png", "crowd.jpg", "desk.jpg", "hall.webp"]
    assert (media_dir / "crowd.jpg").read_bytes() == JPEG
    assert (media_dir / "a chart.png").read_bytes() == PNG
    story = (root / "site/story/index.html").read_text("utf-8")
    assert '<img src="../media/images/crowd.jpg" alt="The crowd at the gate">' in story
    assert '<img src="https://example.org/map.png" alt="A remote map">' in story
    assert '<img src="../media/images/a%20chart.png" alt="The chart" title="Chart">' in story
    assert '<img src="../media/images/hall.webp" alt="The hall">' in story
    assert '<img src="../media/images/desk.jpg" alt="P at the desk">' in story
    # The actor's page shows the description, the note and the event: one folder deeper.
    actor = (root / "site/actors/p/index.html").read_text("utf-8")
    assert '<img src="../../media/images/desk.jpg" alt="P at the desk">' in actor
    assert '<img src="../../media/images/a%20chart.png" alt="The chart" title="Chart">' in actor
    assert '<img src="../../media/images/hall.webp" alt="The hall">' in actor
    # explainer.json keeps the Markdown as written.
    assert "![The crowd at the gate](images/crowd.jpg)" in (root / "site/story/explainer.json").read_text("utf-8")


def test_a_shared_actors_description_image_is_copied(project, cli_run) -> None:
    root = project({"content/explainers/a.md": page(body="[P](@p)\n"),
                    "content/actors/p.yaml": "name: P\ndescription: \"![P speaking](images/p.gif)\"\n",
                    "content/images/p.gif": GIF})
    result = cli_run("build", "--root", root)
    assert result.code == 0, result.err
    assert (root / "site/media/images/p.gif").read_bytes() == GIF
    assert '<img src="../media/images/p.gif" alt="P speaking">' in (root / "site/a/index.html").read_text("utf-8")
    assert '<img src="../../media/images/p.gif" alt="P speaking">' in (
        root / "site/actors/p/index.html").read_text("utf-8")


@pytest.mark.parametrize("body, files, errors", [
    ("Text.\n\n![The gate](images/gone.jpg)\n", {},
     ["content/explainers/a.md:8:13: error: image 'images/gone.jpg' in the body not found under content/"]),
    ("![](images/p.png)\n", {"content/images/p.png": PNG},
     ["content/explainers/a.md:6:5: error: image 'images/p.png' in the body has no alt text; describe what it "
      "shows between the brackets: ![A crowd at the gate](images/p.png)"]),
    ("![ ](https://example.org/x.png)\n", {},
     ["content/explainers/a.md:6:6: error: image 'https://example.org/x.png' in the body has no alt text; describe "
      "what it shows between the brackets: ![A crowd at the gate](https://example.org/x.png)"]),
    ("![A](images/p.png) and ![](images/p.png)\n", {"content/images/p.png": PNG},
     ["content/explainers/a.md:6:28: error: image 'images/p.png' in the body has no alt text; describe what it "
      "shows between the brackets: ![A crowd at the gate](images/p.png)"]),
    ("![Evil](images/evil.png)\n", {"content/images/evil.png": SVG_WITH_SCRIPT},
     ["content/explainers/a.md:6:9: error: image 'images/evil.png' in the body is an SVG file, not a PNG image; "
      "SVG can carry script: convert it to PNG or WebP"]),
    ("![Drawing](images/d.svg)\n", {"content/images/d.svg": b"<svg/>"},
     ["content/explainers/a.md:6:12: error: image 'images/d.svg' in the body is an SVG file, which can carry "
      "script; convert it to PNG or WebP"]),
    ("![Up](../site.yaml.png)\n", {},
     ["content/explainers/a.md:6:7: error: image '../site.yaml.png' in the body must be a path inside content/; "
      "write it relative to content/, e.g. images/portrait.jpg"]),
    ("![Root](/images/p.png)\n", {"content/images/p.png": PNG},
     ["content/explainers/a.md:6:9: error: image '/images/p.png' in the body must be a path inside content/; "
      "write it relative to content/, e.g. images/portrait.jpg"]),
    ("![Hidden](.git/p.png)\n", {},
     ["content/explainers/a.md:6:11: error: image '.git/p.png' in the body names a hidden file or folder"]),
    ("![Doc](files/a.pdf)\n", {"content/files/a.pdf": b"%PDF"},
     ["content/explainers/a.md:6:8: error: image 'files/a.pdf' in the body is not a supported image type; use one "
      "of .jpg, .jpeg, .png, .gif, .webp, .avif"]),
    ("Ref ![Map][m].\n\n[m]: images/gone.png\n", {},
     ["content/explainers/a.md:8:6: error: image 'images/gone.png' in the body not found under content/"]),
])
def test_markdown_image_errors_point_at_the_source(project, cli_run, body: str, files: dict[str, bytes],
                                                   errors: list[str]) -> None:
    code, found = check(project, cli_run, {"content/explainers/a.md": page(body=body), **files})
    assert code == 1
    assert found == errors


def test_markdown_image_errors_in_notes_and_descriptions_point_into_the_yaml(project, cli_run) -> None:
    code, errors = check(project, cli_run, {"content/explainers/a.md": page(
        "actors:\n  p:\n    name: P\n    description: |\n      Line one.\n      See ![](images/p.png).\n"
        "claims:\n  c:\n    by: p\n    text: X\n    note: \"![Chart](images/chart.png)\"\n"),
        "content/images/p.png": PNG})
    assert code == 1
    assert errors == [
        "content/explainers/a.md:10:15: error: image 'images/p.png' in the description of actor 'p' has no alt "
        "text; describe what it shows between the brackets: ![A crowd at the gate](images/p.png)",
        "content/explainers/a.md:15:21: error: image 'images/chart.png' in the note of claim 'c' not found under "
        "content/",
    ]


def test_markdown_images_of_two_names_that_differ_in_case_are_refused(project, cli_run) -> None:
    code, errors = check(project, cli_run, {
        "content/explainers/a.md": page(body="![One](images/Gate.png)\n"),
        "content/explainers/b.md": page(body="![Two](images/gate.png)\n"),
        "content/images/Gate.png": PNG, "content/images/gate.png": PNG})
    assert code == 1
    assert errors == ["content/explainers/b.md:1:1: error: image 'images/gate.png' of content/explainers/b.md differs "
                      "from 'images/Gate.png' (content/explainers/a.md) only in upper and lower case or accent "
                      "encoding; rename one of the files: many disks and web servers cannot tell them apart"]


def test_incremental_builds_follow_the_pictures_bytes(body_images) -> None:
    """A picture's bytes are part of what a build depends on: replaced by an SVG, the next
    (incremental) build fails as a clean one does and writes nothing; put back, it builds what
    a clean build writes; an edit that adds a Markdown image copies it."""
    root = body_images
    out = root / "site"

    def build() -> None:
        Builder(BuildOptions(root, out, base_url="https://example.org/")).build()

    def clean() -> dict[str, str]:
        shutil.rmtree(root.parent / "clean", ignore_errors=True)
        Builder(BuildOptions(root, root.parent / "clean", base_url="https://example.org/"), use_cache=False).build()
        return tree(root.parent / "clean")

    build()
    site = tree(out)
    crowd = root / "content/images/crowd.jpg"
    crowd.write_bytes(SVG_WITH_SCRIPT)
    with pytest.raises(BuildFailed) as failed:
        build()
    assert [str(d) for d in failed.value.diagnostics] == [
        "content/explainers/story.md:23:26: error: image 'images/crowd.jpg' in the body is an SVG file, not a JPEG "
        "image; SVG can carry script: convert it to PNG or WebP"]
    assert tree(out) == site
    crowd.write_bytes(JPEG + b"another picture")
    build()
    assert tree(out) == clean()
    assert (out / "media/images/crowd.jpg").read_bytes() == JPEG + b"another picture"
    (root / "content/images/new.gif").write_bytes(GIF)
    story = root / "content/explainers/story.md"
    story.write_text(BODY_IMAGES.replace("Lead.", "Lead ![New](images/new.gif)."), "utf-8")
    build()
    assert tree(out) == clean()
    assert (out / "media/images/new.gif").read_bytes() == GIF
    story.write_text(BODY_IMAGES, "utf-8")
    build()
    assert tree(out) == clean()
    assert not (out / "media/images/new.gif").exists()


# -- the link allow-list: no //host -------------------------------------------------------------

@pytest.mark.parametrize("body, error", [
    ("See [the site](//example.org/path).\n",
     "content/explainers/a.md:6:16: error: protocol-relative link '//example.org/path' in the body: only http, https, "
     "mailto and tel links are allowed; write the whole address: https://example.org/path"),
    ("A ![map](//example.org/map.png).\n",
     "content/explainers/a.md:6:10: error: protocol-relative link '//example.org/map.png' in the body: only http, "
     "https, mailto and tel links are allowed; write the whole address: https://example.org/map.png"),
    ("See [it][r].\n\n[r]: //example.org/r\n",
     "content/explainers/a.md:8:6: error: protocol-relative link '//example.org/r' in the body: only http, https, "
     "mailto and tel links are allowed; write the whole address: https://example.org/r"),
    ("See [it](<//example.org/a b>).\n",
     "content/explainers/a.md:6:11: error: protocol-relative link '//example.org/a' in the body: only http, https, "
     "mailto and tel links are allowed; write the whole address: https://example.org/a"),
])
def test_protocol_relative_links_are_refused_at_their_position(project, cli_run, body: str, error: str) -> None:
    code, errors = check(project, cli_run, {"content/explainers/a.md": page(body=body)})
    assert code == 1
    assert errors == [error]


def test_protocol_relative_links_in_a_note_are_refused(project, cli_run) -> None:
    code, errors = check(project, cli_run, {"content/explainers/a.md": page(
        "actors:\n  p:\n    name: P\nclaims:\n  c:\n    by: p\n    text: X\n    note: |\n      Fine.\n"
        "      Not [this](//evil.example/x).\n")})
    assert code == 1
    assert errors == ["content/explainers/a.md:14:18: error: protocol-relative link '//evil.example/x' in the note "
                      "of claim 'c': only http, https, mailto and tel links are allowed; write the whole address: "
                      "https://evil.example/x"]


@pytest.mark.parametrize("body", ["[a](/x/)\n", "[a](x//y)\n", "[a](https://example.org//x)\n", "`[a](//x)`\n",
                                  "Text // not a link.\n"])
def test_other_links_with_two_slashes_are_not_protocol_relative(project, cli_run, body: str) -> None:
    """(`/x/` and `x//y` name pages of this site, which it does not have: `check` reports them
    as broken links, see tests/test_sitelinks.py, and as nothing else.)"""
    code, errors = check(project, cli_run, {"content/explainers/a.md": page(body=body)})
    assert not [line for line in errors if "broken link" not in line]
    assert code == (1 if body in ("[a](/x/)\n", "[a](x//y)\n") else 0)
