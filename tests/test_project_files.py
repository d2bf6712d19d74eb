"""What a build reads: the project's own regular files, under names that cannot collide
(issue #7, part 2; docs/hardening.md, "Paths and symbolic links").

A build reads only the project: a symbolic link in content/ or templates/ (or one of those
folders itself, or site.yaml) that leads outside it is refused with an error at the link,
and nothing is written; links that stay inside the project work. Image paths are relative
to content/, name an existing raster file, and are written into the page URL-encoded. Two
pictures whose names differ only in case would be one file on many disks and hosts: an
error.
"""

from __future__ import annotations

import json
import os
import unicodedata
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

import pytest
from helpers import assert_clean_cli, assert_no_executable_markup, html_tree

from generator.diagnostics import Diagnostics

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
SECRET = "TOP-SECRET-OUTSIDE-THE-PROJECT"
LINK_ERROR = "error: symbolic link points outside the project; copy the file instead"


def explainer(extra: str = "", body: str = "Body.") -> str:
    return f"---\ntitle: T\nsummary: S\npublished: 2024-01-01\n{extra}---\n{body}\n"


def with_image(image: str) -> str:
    return explainer(f"actors:\n  p:\n    name: P\n    image: {json.dumps(image)}\n", "[P](@p)")


IMAGE_LINE = 8
"""The line of `image:` in `with_image`; its value starts at column 12."""


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    """A folder beside the project, holding a secret in every form a link could want."""
    folder = tmp_path / "outside"
    for sub in ("explainers", "actors", "content/explainers", "templates", "images"):
        (folder / sub).mkdir(parents=True)
    (folder / "explainers/x.md").write_text(explainer(body=SECRET))
    (folder / "content/explainers/x.md").write_text(explainer(body=SECRET))
    (folder / "actors/p.yaml").write_text(f"name: {SECRET}\n")
    (folder / "site.yaml").write_text(f"title: {SECRET}\n")
    (folder / "templates/base.html").write_text(SECRET)
    (folder / "images/p.png").write_bytes(PNG + SECRET.encode())
    return folder


# -- links out of the project ----------------------------------------------------------------------

LINKS = {
    # name: (link inside the project, target inside `outside`, files the project needs, error paths)
    "explainer file": ("content/explainers/b.md", "explainers/x.md", {}, ["content/explainers/b.md"]),
    "explainers folder": ("content/explainers", "explainers", {}, ["content/explainers/x.md"]),
    "content folder": ("content", "content", {}, ["content/explainers/x.md"]),
    "shared actor file": ("content/actors/p.yaml", "actors/p.yaml", {}, ["content/actors/p.yaml"]),
    "actors folder": ("content/actors", "actors", {}, ["content/actors/p.yaml"]),
    "site.yaml": ("site.yaml", "site.yaml", {}, ["site.yaml"]),
    "template file": ("templates/base.html", "templates/base.html", {}, ["templates/base.html"]),
    "templates folder": ("templates", "templates", {}, ["templates"]),
    "template subfolder": ("templates/partials", "templates",
                           {"templates/index.html": "{% extends 'base.html' %}\n"}, ["templates/partials"]),
}


@pytest.mark.parametrize("name", LINKS)
@pytest.mark.parametrize("command", ["check", "build"])
def test_links_out_of_the_project_are_refused_where_they_are(project, cli_run, outside: Path, name: str,
                                                              command: str) -> None:
    link, target, files, error_paths = LINKS[name]
    files = {"content/explainers/a.md": explainer(), **files}
    root = project(files)
    where = root / link
    if where.exists():
        # The folder holds only what the test wrote; the link replaces it.
        for child in sorted(where.rglob("*"), reverse=True):
            child.unlink() if child.is_file() else child.rmdir()
        where.rmdir()
    where.parent.mkdir(parents=True, exist_ok=True)
    where.symlink_to(outside / target, target_is_directory=(outside / target).is_dir())
    result = cli_run(command, "--root", root)
    lines = assert_clean_cli(result.code, result.err)
    assert result.code == 1
    errors = [line for line in lines if ": error: " in line]
    assert [line.split(":")[0] for line in errors] == error_paths, errors
    assert all(line.endswith(LINK_ERROR) and ":1:1: " in line for line in errors), errors
    assert not (root / "site").exists()
    assert SECRET not in result.err


@pytest.mark.parametrize("image_link", ["content/images/p.png", "content/images"])
def test_an_image_linked_from_outside_is_refused_and_never_copied(project, cli_run, outside: Path,
                                                                   image_link: str) -> None:
    root = project({"content/explainers/a.md": with_image("images/p.png")})
    where = root / image_link
    where.parent.mkdir(parents=True, exist_ok=True)
    where.symlink_to(outside / "images/p.png" if where.name == "p.png" else outside / "images")
    result = cli_run("build", "--root", root)
    assert_clean_cli(result.code, result.err)
    assert result.error_lines == [f"content/explainers/a.md:{IMAGE_LINE}:12: error: image 'images/p.png' is a "
                                  "symbolic link pointing outside the project; copy the picture into content/ "
                                  "instead"]
    assert not (root / "site").exists()


def test_an_unused_link_out_of_content_is_harmless(project, cli_run, outside: Path) -> None:
    """Only what the build reads matters: a linked picture no actor uses is never opened."""
    root = project({"content/explainers/a.md": explainer()})
    (root / "content/images").mkdir()
    (root / "content/images/p.png").symlink_to(outside / "images/p.png")
    result = cli_run("build", "--root", root)
    assert result.code == 0, result.err
    assert not any(SECRET.encode() in p.read_bytes() for p in (root / "site").rglob("*") if p.is_file())


def test_links_that_stay_inside_the_project_work(project, cli_run) -> None:
    root = project({
        "drafts/b.md": explainer(body="Linked body."),
        "shared/partial.html": "<p class=\"from-link\">partial</p>\n",
        "pictures/p.png": PNG,
        "content/explainers/a.md": with_image("images/p.png"),
        "templates/index.html": "{% extends 'theme/index.html' %}{% block content %}"
                                "{% include 'partial.html' %}{{ super() }}{% endblock %}\n",
    })
    (root / "content/explainers/b.md").symlink_to(root / "drafts/b.md")
    (root / "content/images").mkdir()
    (root / "content/images/p.png").symlink_to(Path("../../pictures/p.png"))
    (root / "templates/partial.html").symlink_to(root / "shared/partial.html")
    result = cli_run("build", "--root", root)
    assert result.code == 0, result.err
    site = root / "site"
    assert "Linked body." in (site / "b/index.html").read_text("utf-8")
    assert 'class="from-link"' in (site / "index.html").read_text("utf-8")
    copied = site / "media/images/p.png"
    assert copied.is_file() and not copied.is_symlink() and copied.read_bytes() == PNG


# -- names that would be one file ----------------------------------------------------------------------

def test_images_differing_only_in_case_are_an_error(project, cli_run) -> None:
    root = project({
        "content/explainers/a.md": explainer("actors:\n  p:\n    name: P\n    image: images/Putin.png\n"
                                             "  q:\n    name: Q\n    image: images/putin.png\n", "[P](@p) [Q](@q)"),
        "content/images/Putin.png": PNG,
        "content/images/putin.png": PNG + b"other",
    })
    result = cli_run("build", "--root", root)
    assert result.code == 1
    assert result.error_lines == [
        "content/explainers/a.md:9:3: error: image 'images/putin.png' of actor 'q' differs from "
        "'images/Putin.png' (actor 'p') only in upper and lower case or accent encoding; rename one of the "
        "files: many disks and web servers cannot tell them apart"]


def test_images_differing_in_case_across_explainers_and_shared_actors(project, cli_run) -> None:
    root = project({
        "content/explainers/a.md": explainer("actors:\n  p:\n    name: P\n    image: IMAGES/p.png\n", "[P](@p)"),
        "content/actors/s.yaml": "name: S\nimage: images/P.PNG\n",
        "content/IMAGES/p.png": PNG,
        "content/images/P.PNG": PNG,
    })
    result = cli_run("build", "--root", root)
    assert result.code == 1
    assert len(result.error_lines) == 1 and "differs from" in result.error_lines[0]


def test_images_differing_only_in_unicode_normalisation_are_an_error(project, cli_run) -> None:
    composed, decomposed = unicodedata.normalize("NFC", "café.png"), unicodedata.normalize("NFD", "café.png")
    assert composed != decomposed
    root = project({
        "content/explainers/a.md": explainer(f"actors:\n  p:\n    name: P\n    image: images/{composed}\n"
                                             f"  q:\n    name: Q\n    image: images/{decomposed}\n", "[P](@p) [Q](@q)"),
        f"content/images/{composed}": PNG,
        f"content/images/{decomposed}": PNG,
    })
    result = cli_run("build", "--root", root)
    assert result.code == 1
    assert len(result.error_lines) == 1 and "differs from" in result.error_lines[0]


def test_one_picture_for_two_actors_is_fine(project, cli_run) -> None:
    root = project({
        "content/explainers/a.md": explainer("actors:\n  p:\n    name: P\n    image: images/p.png\n"
                                             "  q:\n    name: Q\n    image: images/./p.png\n", "[P](@p) [Q](@q)"),
        "content/images/p.png": PNG,
    })
    assert cli_run("build", "--root", root).code == 0


def test_slugs_and_ids_cannot_differ_only_in_case(project, cli_run) -> None:
    """Lowercase only, by syntax: 'Story.md' beside 'story.md' is refused, so two pages can
    never be one folder on a case-insensitive disk."""
    root = project({"content/explainers/story.md": explainer(), "content/explainers/Story.md": explainer(),
                    "content/actors/Bob.yaml": "name: B\n"})
    result = cli_run("check", "--root", root)
    assert result.code == 1
    assert sorted(line.split(": error: ")[1].split(";")[0] for line in result.error_lines) == [
        "invalid file name 'Bob.yaml': the name must match [a-z0-9]+(-[a-z0-9]+)* before the extension",
        "invalid file name 'Story.md': the name must match [a-z0-9]+(-[a-z0-9]+)* before the extension"]


# -- long names ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("length", [101, 200, 250])
def test_long_file_names_are_refused_clearly(project, cli_run, length: int) -> None:
    name = "a" * length
    root = project({f"content/explainers/{name}.md": explainer(), f"content/actors/{name}.yaml": "name: X\n"})
    result = cli_run("check", "--root", root)
    assert result.code == 1
    assert result.error_lines == [
        f"content/actors/{name}.yaml:1:1: error: file name is longer than 100 characters; use a shorter name",
        f"content/explainers/{name}.md:1:1: error: file name is longer than 100 characters; use a shorter name"]


def test_a_file_name_of_exactly_100_characters_builds(project, cli_run) -> None:
    name = "-".join(["a" * 49, "b" * 50])
    root = project({f"content/explainers/{name}.md": explainer()})
    assert cli_run("build", "--root", root).code == 0
    assert (root / "site" / name / "index.html").is_file()


def test_long_image_paths_are_refused_clearly(project, cli_run) -> None:
    deep = "/".join(["d" * 60] * 5) + "/p.png"  # 310 characters, each folder name legal
    root = project({"content/explainers/a.md": with_image(deep), f"content/{deep}": PNG})
    result = cli_run("build", "--root", root)
    assert result.code == 1
    assert result.error_lines == [f"content/explainers/a.md:{IMAGE_LINE}:12: error: image path is {len(deep)} "
                                  "characters long; the limit is 255; use a shorter file name and fewer folders"]


# -- image paths ----------------------------------------------------------------------------------------

BAD_IMAGES = {
    "..": "must be a path inside content/",
    "../p.png": "must be a path inside content/",
    "images/../../p.png": "must be a path inside content/",
    "/etc/p.png": "must be a path inside content/",
    "C:\\images\\p.png": "must be a path inside content/",
    "images\\p.png": "must be a path inside content/",
    "file:///etc/p.png": "must be a path inside content/",
    "https://evil.example/p.png": "must be a path inside content/",
    "%2e%2e/p.png": "not found under content/",
    "images/%2e%2e/%2e%2e/p.png": "not found under content/",
    "~/p.png": "not found under content/",
    "images/p.png\x00.png": "the text has the character U+0000",
    "images/p.png\n": None,  # a trailing line break is stripped: the picture is found
    "images/p\u202egnp.png": "image path has the invisible character U+202E",
    "images/p\u200b.png": "image path has the invisible character U+200B",
    "images/\tp.png": "image path has the invisible character U+0009",
    "images/.p.png": "names a hidden file or folder",
    "images/p.svg": "is an SVG file, which can carry script",
    "images/p.png.html": "is not a supported image type",
    ".": "must be a path inside content/",
    "": "must be a path inside content/",
}


@pytest.mark.parametrize("image", BAD_IMAGES)
def test_hostile_image_paths_are_refused_at_their_position(project, cli_run, image: str) -> None:
    root = project({"content/explainers/a.md": with_image(image), "content/images/p.png": PNG,
                    "content/images/p.svg": "<svg onload='alert(1)'/>", "content/images/.p.png": PNG,
                    "content/images/p.png.html": PNG})
    result = cli_run("build", "--root", root)
    lines = assert_clean_cli(result.code, result.err)
    message = BAD_IMAGES[image]
    if message is None:
        assert result.code == 0, result.err
        return
    assert result.code == 1
    errors = [line for line in lines if ": error: " in line]
    assert errors and all(e.startswith(f"content/explainers/a.md:{IMAGE_LINE}:12: error: ") for e in errors), errors
    assert any(message in e for e in errors), errors


@pytest.mark.parametrize("name", ["a#b.png", "a?b=c.png", "100%.png", "%2e%2e/p.png", "a b.png",
                                  "quote\"onerror=alert(1)\".png", "<img src=x>.png", "ünï çødé.png", "a&amp;b.png"])
def test_odd_but_real_file_names_are_copied_and_linked_encoded(project, cli_run, name: str) -> None:
    """A picture whose name holds URL syntax is still one file: the page's `src` is
    percent-encoded, so it leads to exactly that file and nothing else."""
    image = f"images/{name}"
    root = project({"content/explainers/a.md": with_image(image), f"content/{image}": PNG})
    result = cli_run("build", "--root", root, "--base-url", "https://example.org/news/")
    assert result.code == 0, result.err
    site = root / "site"
    assert (site / "media" / image).read_bytes() == PNG
    for page in ("a/index.html", "actors/p/index.html"):
        assert_no_executable_markup(site / page)
        sources = [img.get("src") or "" for img in html_tree(site / page).iter("img")]
        assert len(sources) == 1
        page_url = "https://example.org/news/" + page.removesuffix("index.html")
        target = urlsplit(urljoin(page_url, sources[0]))
        assert not target.query and not target.fragment
        assert unquote(target.path) == f"/news/media/{image}"


# -- files that are not plain files ----------------------------------------------------------------

def test_a_named_pipe_is_refused_instead_of_blocking_the_build(project, cli_run) -> None:
    root = project({"content/explainers/a.md": "---\ntitle: T\nsummary: S\npublished: 2024-01-01\n---\nx\n"})
    os.mkfifo(root / "content/explainers/pipe.md")
    result = cli_run("check", "--root", root)
    assert result.error_lines == ["content/explainers/pipe.md:1:1: error: not a regular file; replace it with a "
                                  "text file"]


def test_a_file_deleted_during_the_build_is_as_if_never_listed(project) -> None:
    from generator.load import read_text

    root = project({"content/explainers/a.md": "x"})
    diags = Diagnostics()
    assert read_text(root, root / "content/explainers/gone.md", diags) is None
    assert diags.items == []
    (root / "content/explainers/dangling.md").symlink_to(root / "nowhere.md")
    assert read_text(root, root / "content/explainers/dangling.md", diags) is None
    assert [str(d) for d in diags.items] == ["content/explainers/dangling.md:1:1: error: cannot read file: it is a "
                                             "symbolic link to a file that does not exist"]
