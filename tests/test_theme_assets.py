"""The theme's assets in a built site: each named by a hash of its content, every page
linking that name, and an edited file replaced by one under its new name (the old one
removed) in an incremental build as in a clean one. `serve` keeps the plain names.

The expected names are computed here from the theme's files (BLAKE2b, 16 bytes, the first
10 hex digits), not with the generator's own function."""

from __future__ import annotations

import hashlib
import os
import re
import shutil
from pathlib import Path, PurePosixPath
from urllib.parse import urljoin

import pytest
import tinycss2
from hypothesis import assume, example, given
from hypothesis import strategies as st

from generator import render
from generator.assets import shipped, without_css_comments
from generator.config import BuildOptions
from generator.pipeline import Builder
from helpers import html_tree, make_project

BASE = "https://example.org/x/"
THEME_FILES = ("embed.js", "explainer.js", "favicon.svg", "search.css", "search.js", "style.css")


def named_by_content(name: str, data: bytes) -> str:
    path = PurePosixPath(name)
    return f"assets/{path.stem}.{hashlib.blake2b(data, digest_size=16).hexdigest()[:10]}{path.suffix}"


def expected_assets(theme: Path) -> dict[str, str]:
    """Plain name -> path in a built site, for the theme at `theme`."""
    return {name: named_by_content(name, shipped(name, (theme / "assets" / name).read_bytes()))
            for name in THEME_FILES}


def files(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def linked_assets(site: Path, page: str) -> list[str]:
    """The site paths of the icon, style sheet and script a page links to, in that order
    (resolved against the page's `<base href>` if it has one, as a browser does)."""
    tree = html_tree(site / page)
    page_url = "https://site.invalid/" + page
    for base in tree.iter("base"):
        page_url = urljoin(page_url, base.get("href") or "")
    links = [link.get("href") for rel in ("icon", "stylesheet")
             for link in tree.iter("link") if link.get("rel") == rel]
    links += [script.get("src") for script in tree.iter("script") if script.get("src")]
    return [urljoin(page_url, link).removeprefix("https://site.invalid/") for link in links if link]


def test_a_build_names_each_theme_asset_by_its_content(built_example: Path) -> None:
    expected = expected_assets(render.THEME_DIR)
    site = files(built_example)
    assert sorted(rel for rel in site if rel.startswith("assets/")) == sorted(expected.values())
    for name, rel in expected.items():
        source = (render.THEME_DIR / "assets" / name).read_bytes()
        if name.endswith(".css"):
            # The style sheet ships without its comments (2.9 of 32.6 KB), and reads the same.
            assert not re.search(r"\\[^\n(]*url\(", source.decode(), re.I)
            assert css_tokens(site[rel].decode()) == css_tokens(source.decode())
            assert b"/*" not in site[rel] and b"/*" in source
            assert len(site[rel]) < len(source) - (2_000 if name == "style.css" else 20)
        else:
            assert site[rel] == source


def test_every_page_links_the_assets_by_their_names_in_the_site(built_example: Path) -> None:
    expected = expected_assets(render.THEME_DIR)
    pages = [rel for rel in files(built_example) if rel.endswith(".html")]
    assert len(pages) > 10
    for page in pages:
        if "/embed/" in page:  # a section alone in another site's frame: no icon, its own script
            assert linked_assets(built_example, page) == [expected["style.css"], expected["embed.js"]], page
        elif page == "search/index.html":  # its own style sheet and script besides the theme's
            assert linked_assets(built_example, page) == [
                expected["favicon.svg"], expected["style.css"], expected["search.css"], expected["explainer.js"],
                expected["search.js"]], page
        else:
            assert linked_assets(built_example, page) == [
                expected["favicon.svg"], expected["style.css"], expected["explainer.js"]], page


# -- style sheets ship without comments ----------------------------------------------------------

def css_tokens(css: str) -> list[object]:
    """`css` as tinycss2 reads it, comments skipped, each run of whitespace one " ", none at
    either end: what a browser's CSS parser sees."""

    def flat(nodes: list[tinycss2.ast.Node]) -> list[object]:
        out: list[object] = []
        for node in nodes:
            if node.type == "whitespace":
                if out[-1:] != [" "]:
                    out.append(" ")
            elif node.type == "function":
                out.append(("function", node.lower_name, flat(node.arguments)))
            elif hasattr(node, "content") and isinstance(node.content, list):
                out.append((node.type, flat(node.content)))
            else:
                out.append(node.serialize())
        return out

    tokens = flat(tinycss2.parse_component_value_list(css, skip_comments=True))
    while tokens[:1] == [" "]:  # space before the first token or after the last means nothing
        tokens.pop(0)
    while tokens[-1:] == [" "]:
        tokens.pop()
    return tokens


@pytest.mark.parametrize(("css", "expected"), [
    ("a { color: red; } /* why */\n", "a { color: red; } \n"),
    ("  /* a whole line */\nb{}\n/* two\n   lines */\nc{}", "b{}\nc{}"),
    ("a/**/b{}", "a/**/b{}"),  # the comment separates two names: kept
    ('a::before { content: "/* not a comment */"; }', 'a::before { content: "/* not a comment */"; }'),
    ("a { background: url(/*x*/a.png) }", "a { background: url(/*x*/a.png) }"),
    ('.a\\"b /* c */{}', '.a\\"b {}'),  # an escaped quote opens no string
    ("a{} /* never closed", "a{} "),
])
def test_comments_go_and_nothing_else(css: str, expected: str) -> None:
    assert without_css_comments(css) == expected


CSS_PIECES = st.sampled_from([
    "a", "b", "-", ".", "#", "1", "url(", "myurl(", "(", ")", "{", "}", ":", ";", ",", " ", "\t", "\n", "/",
    "*", "/*", "*/", '"', "'", "\\", "\\\n", "é", "@media", "!important",
])


@given(st.lists(CSS_PIECES, max_size=40).map("".join))
@example("a/* c */\n/* d */\nb")
@example("x\n /*a*/ /*b*/ \ny")
@example("a/**//*")
def test_a_style_sheet_without_comments_reads_as_before(css: str) -> None:
    assume(not re.search(r"\\[^\n(]*url\(", css, re.I))  # an escaped `url(`: see without_css_comments
    stripped = without_css_comments(css)
    assert css_tokens(stripped) == css_tokens(css)
    left = [node for node in tinycss2.parse_component_value_list(stripped) if node.type == "comment"]
    assert all(node.value == "" for node in left), "only empty comments that separate two tokens remain"


EXPLAINER = "---\ntitle: Alpha\nsummary: About alpha.\npublished: 2024-03-01\n---\nBody.\n"


def test_a_project_template_asks_for_an_asset_by_its_plain_name(project, cli_run) -> None:
    root = project({
        "content/explainers/alpha.md": EXPLAINER,
        "templates/index.html": "{% extends 'theme/index.html' %}{% block head %}{{ super() }}"
                                "<link rel=\"preload\" href=\"{{ url('asset', 'style.css') }}\" as=\"style\">"
                                "{% endblock %}",
    })
    assert cli_run("build", "--root", root, "--base-url", BASE).code == 0
    style = expected_assets(render.THEME_DIR)["style.css"]
    assert f'<link rel="preload" href="{style}" as="style">' in (root / "site/index.html").read_text("utf-8")


def test_an_asset_path_written_out_in_a_template_is_a_broken_link_with_a_hint(project, cli_run) -> None:
    root = project({
        "content/explainers/alpha.md": EXPLAINER,
        "templates/index.html": "{% extends 'theme/index.html' %}{% block head %}{{ super() }}\n"
                                "<link rel=\"stylesheet\" href=\"assets/print.css\">{% endblock %}",
    })
    result = cli_run("build", "--root", root, "--base-url", BASE)
    assert result.code == 1
    [line] = result.error_lines
    assert re.fullmatch(r"site/index\.html:\d+:30: error: broken link 'assets/print\.css': the site has no "
                        r"assets/print\.css; the theme's assets are named by their content: write "
                        r"\{\{ url\('asset', 'print\.css'\) \}\}, with a name the theme's assets/ has", line)
    assert not (root / "site").exists()


# -- an edited asset ----------------------------------------------------------------------

@pytest.fixture
def theme(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the built-in theme that the build uses instead (a test must not edit the real one)."""
    copy = tmp_path / "theme"
    shutil.copytree(render.THEME_DIR, copy, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(render, "THEME_DIR", copy)
    return copy


def edit(path: Path, text: str) -> None:
    path.write_text(path.read_text("utf-8") + text, "utf-8")
    stat = path.stat()  # a new mtime even within one timestamp tick
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))


PROJECT = {"content/explainers/alpha.md": EXPLAINER,
           "content/explainers/beta.md": EXPLAINER.replace("Alpha", "Beta") + "tags: [b]\n"}


@pytest.mark.parametrize("resident", [False, True], ids=["build from the cache", "resident"])
def test_an_edited_asset_gets_a_new_name_and_the_old_one_goes(tmp_path: Path, theme: Path, resident: bool) -> None:
    root = make_project(tmp_path / "project", PROJECT)
    out = root / "site"
    builder = Builder(BuildOptions(root, out, base_url=BASE), resident=resident)
    builder.build()
    before = expected_assets(theme)
    pages = sorted(rel for rel in files(out) if rel.endswith(".html"))

    edit(theme / "assets" / "style.css", "\n.an-edit { color: red; }\n")
    report = (builder if resident else Builder(BuildOptions(root, out, base_url=BASE))).build()
    after = expected_assets(theme)
    assert after["style.css"] != before["style.css"]
    assert {**after, "style.css": before["style.css"]} == before  # the other files keep their names
    site = files(out)
    assert sorted(rel for rel in site if rel.startswith("assets/")) == sorted(after.values())
    assert b".an-edit" in site[after["style.css"]]
    for page in pages:
        linked = linked_assets(out, page)
        assert after["style.css"] in linked and before["style.css"] not in linked, page
    assert report.changed == sorted([before["style.css"], after["style.css"], *pages])

    clean = tmp_path / "clean"
    Builder(BuildOptions(root, clean, base_url=BASE), use_cache=False).build()
    assert site == files(clean)


def test_serve_keeps_the_plain_names_so_a_style_sheet_edit_changes_that_file_alone(
        tmp_path: Path, theme: Path) -> None:
    root = make_project(tmp_path / "project", PROJECT)
    out = root / "site"
    builder = Builder(BuildOptions(root, out, base_url=BASE, drafts=True, fingerprint_assets=False), resident=True)
    builder.build()
    assert sorted(rel for rel in files(out) if rel.startswith("assets/")) == [f"assets/{n}" for n in THEME_FILES]
    assert linked_assets(out, "alpha/index.html") == ["assets/favicon.svg", "assets/style.css", "assets/explainer.js"]

    edit(theme / "assets" / "style.css", "\n.an-edit { color: red; }\n")
    assert builder.build().changed == ["assets/style.css"]  # `serve` swaps it into open pages
    assert b".an-edit" in (out / "assets/style.css").read_bytes()
