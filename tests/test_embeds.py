"""Embeds: `<slug>/embed/timeline/`, `claims/` and `questions/`, one section of an explainer
alone for another site's iframe (docs/embeds.md). What the built pages hold; the browser
side (the height message, the frame resizing, links opening the top window, axe) is in
tests/browser/test_embed_frames.py."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urljoin

import pytest

from helpers import (BASE, EXAMPLE_BASE_URL, build_errors, clean_build, clean_errors, explainer, html_tree, ids_in,
                     make_project, text_of, tree)

from generator.config import BuildOptions
from generator.linkcheck import scan_page
from generator.pipeline import Builder

SLUG = "crocus-city-hall-attack"
SECTIONS = ("timeline", "claims", "questions")


def _section(html: str, name: str) -> str:
    """The text of the explainer page's `<section class="section section-<name>" ...>`."""
    start = html.index(f'<section class="section section-{name}"')
    return html[start:html.index("</section>", start) + len("</section>")]


@pytest.mark.parametrize("section", SECTIONS)
def test_an_embed_is_a_page_for_a_frame_that_search_engines_leave_alone(built_example: Path, section: str) -> None:
    page = built_example / SLUG / "embed" / section / "index.html"
    text = page.read_text(encoding="utf-8")
    tree = html_tree(page)
    head = tree.find("head")
    assert head is not None
    assert [(b.get("href"), b.get("target")) for b in tree.iter("base")] == [("../../", "_top")]
    assert list(head)[1].tag == "base", "the base comes before any URL in the head"
    meta = {m.get("name"): m.get("content") for m in tree.iter("meta") if m.get("name")}
    assert meta["robots"] == "noindex"
    assert [link.get("href") for link in tree.iter("link") if link.get("rel") == "canonical"] == [
        f"{EXAMPLE_BASE_URL}{SLUG}/"]
    scripts = [s.get("src") for s in tree.iter("script")]
    assert len(scripts) == 1 and re.fullmatch(r"\.\./assets/embed\.[0-9a-f]{10}\.js", scripts[0] or ""), scripts
    body = tree.find("body")
    assert body is not None
    assert (body.get("data-embed-slug"), body.get("data-embed-section")) == (SLUG, section)
    assert tree.find(".//header[@class='masthead']") is None and tree.find(".//footer[@class='site-footer']") is None
    assert "Who was behind the Crocus City Hall attack?" in text_of(tree.find(".//title"))  # type: ignore[arg-type]
    [credit] = [p for p in tree.iter("p") if p.get("class") == "embed-credit"]
    assert [a.get("href") for a in credit.iter("a")] == [f"../{SLUG}/"]


@pytest.mark.parametrize("section", ["timeline", "claims", "who-says-what"])
def test_an_embed_shows_the_section_exactly_as_the_explainer_page_does(built_example: Path, section: str) -> None:
    page = (built_example / SLUG / "index.html").read_text(encoding="utf-8")
    embed_name = {"who-says-what": "questions"}.get(section, section)
    embed = (built_example / SLUG / "embed" / embed_name / "index.html").read_text(encoding="utf-8")
    # The cards' links to the claim map, which the page alone has, are the one difference.
    on_page = re.sub(r'    <p class="claim-map-link">.*</p>\n', "", _section(page, section))
    assert _section(embed, section) == on_page
    assert len(_section(page, section)) > 2000


def test_every_link_of_an_embed_opens_the_explainer_page_or_another_page_of_the_site(built_example: Path) -> None:
    """Resolved as a browser does, against the <base href>: an in-page link of the section
    (#claim-..., #actor-..., #source-...) lands on an element of the full explainer."""
    embed_url = f"{EXAMPLE_BASE_URL}{SLUG}/embed/claims/"
    base = urljoin(embed_url, "../../")
    assert base == f"{EXAMPLE_BASE_URL}{SLUG}/"
    page_ids = set(ids_in(html_tree(built_example / SLUG / "index.html")))
    hrefs = [a.get("href") or "" for a in html_tree(built_example / SLUG / "embed/claims/index.html").iter("a")]
    in_page = [h for h in hrefs if h.startswith("#")]
    assert len(in_page) > 20 and any(h.startswith("#actor-") for h in in_page)
    assert any(h.startswith("#source-") for h in in_page) and any(h.startswith("#claim-") for h in in_page)
    for href in in_page:
        assert urljoin(base, href) == base + href and href[1:] in page_ids, href
    elsewhere = {urljoin(base, h) for h in hrefs if not h.startswith(("#", "http"))}
    assert f"{EXAMPLE_BASE_URL}{SLUG}/" in elsewhere


def test_embeds_are_not_in_the_sitemap(built_example: Path) -> None:
    sitemap = (built_example / "sitemap.xml").read_text(encoding="utf-8")
    assert f"<loc>{EXAMPLE_BASE_URL}{SLUG}</loc>" in sitemap or f"<loc>{EXAMPLE_BASE_URL}{SLUG}/</loc>" in sitemap
    assert "/embed" not in sitemap


def test_an_empty_section_still_has_its_embed_saying_so(project, cli_run) -> None:
    """An embed placed in an article stays a page when its section empties: a line says so."""
    root = project({"content/explainers/bare.md":
                    "---\ntitle: Bare\nsummary: Nothing else.\npublished: 2024-01-01\n---\nJust a body.\n"})
    assert cli_run("build", "--root", root).code == 0
    expected = {"timeline": "This explainer has no timeline yet.",
                "claims": "This explainer lists no claims yet.",
                "questions": "This explainer lists no questions or claims yet."}
    for section, line in expected.items():
        tree = html_tree(root / "site" / "bare" / "embed" / section / "index.html")
        main = tree.find(".//main")
        assert main is not None and main.find(".//section") is None
        assert [text_of(p) for p in main.iter("p")] == [line, "From the explainer Bare · Explainers"]


def test_a_link_an_embed_makes_into_the_explainer_page_is_checked_against_that_page(project, cli_run) -> None:
    """The explainer page of a project drops the claims block; the claims embed still links
    to a claim (a relation) of the page: the link check reports it at the embed."""
    root = project({
        "content/actors/shared-one.yaml": "name: Shared One\n",
        "content/explainers/alpha.md": explainer("Alpha", body="Body."),
        "templates/explainer.html": "{% extends 'theme/explainer.html' %}{% block claims %}{% endblock %}",
    })
    result = cli_run("build", "--root", root)
    assert result.code == 1
    embed = root / "site" / "alpha" / "embed" / "claims" / "index.html"
    assert not embed.exists(), "nothing is written"
    errors = [re.sub(r":\d+:\d+:", ":L:C:", line) for line in result.error_lines if "/embed/claims/" in line]
    assert errors == [
        f"site/alpha/embed/claims/index.html:L:C: error: broken link '#claim-{c}': alpha/index.html has no "
        f"element with id 'claim-{c}'; check the template or the link's target" for c in ("c2", "c1")], result.err


@pytest.mark.parametrize("resident", [False, True], ids=["build from the cache", "serve"])
def test_an_explainer_page_template_edit_has_the_embeds_links_checked_again(tmp_path: Path, resident: bool) -> None:
    """The embeds read `explainer.html` (their links point into that page): after an edit of
    that template alone, an incremental build reports the embed's broken links as a clean
    build does. (Actor pages, which link into the page too, are not checked again.)"""
    root = make_project(tmp_path / "project", {
        "content/actors/shared-one.yaml": "name: Shared One\n",
        "content/explainers/alpha.md": explainer("Alpha", body="Body."),
    })
    builder = Builder(BuildOptions(root, root / "site", base_url=BASE), resident=resident)
    assert build_errors(builder) == []
    (root / "templates").mkdir()
    (root / "templates/explainer.html").write_text(
        "{% extends 'theme/explainer.html' %}{% block claims %}{% endblock %}", encoding="utf-8")
    incremental = build_errors(builder if resident else Builder(BuildOptions(root, root / "site", base_url=BASE)))
    clean = clean_errors(root, root / "clean")

    def at_embeds(errors: list[str]) -> list[str]:
        return [re.sub(r"^.*?(alpha/embed/)", r"\1", e) for e in errors if "/embed/" in e]
    assert len(at_embeds(clean)) == 4, clean  # the claims embed's and the questions embed's links to claims
    assert at_embeds(incremental) == at_embeds(clean)


def test_a_body_edit_leaves_the_embeds_alone_and_a_claim_edit_rewrites_them(tmp_path: Path) -> None:
    """The embeds show the explainer's front matter, not its body (`dependencies.OwnFrontMatter`)."""
    root = make_project(tmp_path / "project", {
        "content/actors/shared-one.yaml": "name: Shared One\n",
        "content/explainers/alpha.md": explainer("Alpha"),
    })
    out = root / "site"
    Builder(BuildOptions(root, out, base_url=BASE)).build()
    (root / "content/explainers/alpha.md").write_text(explainer("Alpha", body="Edited body."), encoding="utf-8")
    report = Builder(BuildOptions(root, out, base_url=BASE)).build()
    assert sorted(report.changed) == ["alpha/explainer.json", "alpha/index.html"] and report.written == 2
    (root / "content/explainers/alpha.md").write_text(explainer("Alpha", claim="Edited claim"), encoding="utf-8")
    report = Builder(BuildOptions(root, out, base_url=BASE)).build()
    assert "alpha/embed/claims/index.html" in report.changed
    assert "Edited claim of Alpha." in (out / "alpha/embed/claims/index.html").read_text(encoding="utf-8")
    assert tree(out) == clean_build(root, tmp_path / "clean")


# -- the link check under <base href> ---------------------------------------------------------------

OUTPUTS = {"a/index.html", "a/embed/x/index.html", "assets/s.css"}


def _scan(html: str, outputs: set[str] | None = OUTPUTS) -> list[str]:
    found = scan_page("a/embed/x/index.html", html.encode(), "site", outputs)
    return [d.message for d in found.errors] + [f"{t}#{f}" for t, f, _, _ in found.outgoing]


def test_links_under_a_base_resolve_against_the_page_it_names() -> None:
    head = '<head><base href="../../" target="_top"><link href="../assets/s.css"></head>'
    assert _scan(head + '<a href="#claim-c1">c</a><a href="./">page</a><a href="#">top</a>') == ["a/index.html#claim-c1"]
    assert _scan(head + '<a href="../b/">b</a>') == ["broken link '../b/': the site has no b/index.html"]
    assert _scan(head + '<p id="here"></p><a href="#here">') == ["a/index.html#here"], \
        "an id of the embed itself is not where '#here' goes"
    assert _scan('<head><base href="../../gone/"></head><a href="#x">') == [
        "broken link '../../gone/': the site has no a/gone/index.html",
        "broken link '#x': the site has no a/gone/index.html"]


def test_a_page_without_a_base_or_with_a_base_elsewhere() -> None:
    assert _scan('<head></head><p id="here"></p><a href="#here"><a href="#gone">') == [
        "broken link '#gone': no element with id 'gone' on this page"]
    assert _scan('<head><base href="https://example.org/"></head><a href="../../nowhere/">') == []
    deferred = _scan('<head><base href="../../"></head><a href="#c"><a href="../b/">', outputs=None)
    assert deferred == ["a/index.html#", "a/index.html#c", "b/index.html#"], "the base's own link, then the page's"
