"""What a build writes: the contract's HTML hooks, escaping, pages, feed, sitemap, JSON, links."""

from __future__ import annotations

import json
import posixpath
from pathlib import Path
from xml.etree import ElementTree

import pytest

from helpers import (EXAMPLE_BASE_URL, broken_links, build_project, by_id, html_tree, ids_in, links_in,
                     make_project, text_of)

BASE = "https://example.org/news/"

FILES = {
    "site.yaml": """
        title: The Desk
        base_url: https://example.org/news/
        description: Who says what.
        """,
    "content/actors/putin.yaml": """
        name: Vladimir Putin
        kind: person
        role: President of Russia
        affiliation: russia
        description: |
          Leads [Russia](@russia). <b>bold?</b>
        """,
    "content/actors/russia.yaml": """
        name: Russia
        kind: government
        """,
    "content/actors/unused.yaml": """
        name: Nobody Uses Me
        """,
    "content/explainers/crocus.md": """
        ---
        title: Who was behind <the> attack?
        summary: Claims & counter-claims <em>here</em>.
        published: 2024-03-28
        updated: 2024-03-29T10:00:00+01:00
        authors: [Jane <Reporter>]
        tags: [russia, terrorism]
        actors:
          lukashenko:
            name: Alexander <Lukashenko>
            kind: person
            role: President & ruler
            description: |
              Ally of [Putin](@putin), **close** ally. <script>alert(1)</script>
        sources:
          tass:
            title: TASS <report>
            publisher: TASS & Co
            url: https://tass.example/a?b=1&c=2
            date: 2024-03
        claims:
          window:
            by: putin
            text: Ukraine prepared a "window" <for them>.
            quote: A <window> was ready.
            date: 2024-03-23
            sources: [tass]
            status: unproven
            note: |
              No *evidence*; see [the route claim](@route). <img src=x onerror=alert(1)>
          route:
            by: lukashenko
            text: They first tried Belarus.
            status: disputed
            contradicts: [window]
            note: Plain one-line note with [Putin](@putin).
          echo:
            by: putin
            text: Echo claim.
            status: mostly-true
            supports: [window]
            responds_to: [route]
        timeline:
          - date: 2024-03-22T20:00:00+03:00
            title: Gunmen <attack>
            text: |
              Shots at a [venue](@tass). <iframe src="x"></iframe>
            actors: [putin]
          - date: 2024-03
            title: Warnings
          - date: 1956
            title: Long ago
            actors: [lukashenko, russia]
        ---
        ## What happened

        [Mr. Putin](@putin) said [a window](@window) existed, per [TASS](@tass).
        <div class="raw">raw html</div>

        | Who | What |
        | --- | --- |
        | [Lukashenko](@lukashenko) | [route](@route) |

        [bad](javascript:alert(1))
        """,
    "content/explainers/second.md": """
        ---
        title: Second explainer
        summary: Another one.
        published: 2024-03-28
        tags: [russia]
        claims:
          later:
            by: putin
            text: A later claim.
        timeline:
          - date: 2024-04-01
            title: Putin speaks again
            actors: [putin]
        ---
        About [Putin](@putin).
        """,
    "content/explainers/older.md": """
        ---
        title: Older explainer
        summary: From before.
        published: 2023-01-01T12:00:00Z
        ---
        Nothing links here.
        """,
}


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = make_project(tmp_path_factory.mktemp("render"), FILES)
    build_project(root, root / "site")
    return root / "site"


@pytest.fixture(scope="module")
def crocus(site: Path) -> ElementTree.Element:
    return html_tree(site / "crocus/index.html")


# -- stable hooks on the explainer page ------------------------------------------------------

def test_every_actor_on_the_page_has_a_card_with_its_id(crocus) -> None:
    ids = ids_in(crocus)
    for actor in ("lukashenko", "putin", "russia"):
        assert f"actor-{actor}" in ids
    assert "actor-unused" not in ids


def test_claims_have_ids_and_status(crocus) -> None:
    assert by_id(crocus, "claim-window").get("data-status") == "unproven"
    assert by_id(crocus, "claim-route").get("data-status") == "disputed"
    assert by_id(crocus, "claim-echo").get("data-status") == "mostly-true"


def test_relations_are_links_inside_the_claim_from_both_sides(crocus) -> None:
    def relation_hrefs(claim_id: str) -> set[str]:
        return {href for href, _ in links_in(by_id(crocus, f"claim-{claim_id}")) if href.startswith("#claim-")}

    assert relation_hrefs("route") >= {"#claim-window"}           # route contradicts window
    assert relation_hrefs("window") >= {"#claim-route", "#claim-echo"}  # contradicted by route, supported by echo
    assert relation_hrefs("echo") >= {"#claim-window", "#claim-route"}
    assert "#claim-echo" in relation_hrefs("route")               # route is answered by echo
    window_text = text_of(by_id(crocus, "claim-window"))
    assert "Contradicted by" in window_text and "Supported by" in window_text


def test_sources_have_ids(crocus) -> None:
    source = by_id(crocus, "source-tass")
    assert "TASS <report>" in text_of(source)


def test_timeline_is_an_ordered_list_with_dates_as_written(crocus) -> None:
    lists = [ol for ol in crocus.iter("ol") if "timeline" in (ol.get("class") or "").split()]
    assert len(lists) == 1
    items = lists[0].findall("li")
    datetimes = [next(li.iter("time")).get("datetime") for li in items]
    assert datetimes == ["1956", "2024-03", "2024-03-22T20:00:00+03:00"]
    shown = [text_of(next(li.iter("time"))) for li in items]
    assert shown[:2] == ["1956", "March 2024"]
    assert shown[2].startswith("22 March 2024") and "20:00" in shown[2] and "+03:00" in shown[2]


def test_at_links_become_anchors_with_the_link_text(crocus) -> None:
    body_links = links_in(crocus)
    assert ("#actor-putin", "Mr. Putin") in body_links
    assert ("#claim-window", "a window") in body_links
    assert ("#source-tass", "TASS") in body_links
    assert ("#actor-lukashenko", "Lukashenko") in body_links  # inside a table cell
    assert ("#claim-route", "the route claim") in body_links  # inside a claim note
    assert ("#source-tass", "venue") in body_links             # inside an event text


def test_every_in_page_anchor_exists(crocus) -> None:
    ids = set(ids_in(crocus))
    missing = {href for href, _ in links_in(crocus) if href.startswith("#") and href[1:] not in ids}
    assert missing == set()


# -- escaping ---------------------------------------------------------------------------------

def test_raw_html_in_markdown_is_escaped_by_default(site: Path) -> None:
    html = (site / "crocus/index.html").read_text("utf-8")
    for raw in ('<div class="raw">', "<script>alert(1)</script>", "<img src=x onerror", '<iframe src="x">'):
        assert raw not in html
    assert "&lt;div class=&quot;raw&quot;&gt;" in html or "&lt;div class=\"raw\"&gt;" in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    putin_page = (site / "actors/putin/index.html").read_text("utf-8")
    assert "<b>bold?</b>" not in putin_page and "&lt;b&gt;bold?&lt;/b&gt;" in putin_page


def test_plain_text_fields_are_always_escaped(site: Path) -> None:
    html = (site / "crocus/index.html").read_text("utf-8")
    for raw in ("<the>", "<em>here</em>", "<Reporter>", "<Lukashenko>", "<report>", "<for them>", "<window>",
                "<attack>"):
        assert raw not in html, raw
    for escaped in ("Who was behind &lt;the&gt; attack?", "Jane &lt;Reporter&gt;", "Alexander &lt;Lukashenko&gt;",
                    "TASS &lt;report&gt;", "&lt;for them&gt;", "A &lt;window&gt; was ready.", "Gunmen &lt;attack&gt;",
                    "President &amp; ruler", "TASS &amp; Co"):
        assert escaped in html, escaped


def test_javascript_links_in_markdown_are_not_links(crocus) -> None:
    assert not [href for href, _ in links_in(crocus) if href.lower().startswith("javascript:")]


def test_allow_html_passes_raw_html_in_markdown_only(project, cli_run) -> None:
    files = dict(FILES)
    files["site.yaml"] = "allow_html: true\n"
    # No raw <img src=x> or <iframe src="x">: the build would (rightly) report them as broken links.
    files["content/explainers/crocus.md"] = (files["content/explainers/crocus.md"]
                                             .replace("<img src=x onerror=alert(1)>", '<span class="raw-note">n</span>')
                                             .replace('<iframe src="x"></iframe>', '<em class="raw-event">e</em>'))
    root = project(files)
    result = cli_run("build", "--root", root)
    assert result.code == 0, result.err
    html = (root / "site/crocus/index.html").read_text("utf-8")
    assert '<div class="raw">raw html</div>' in html
    assert '<span class="raw-note">n</span>' in html
    assert '<em class="raw-event">e</em>' in html
    assert "<script>alert(1)</script>" in html  # the author asked for it
    for escaped in ("Who was behind &lt;the&gt; attack?", "Alexander &lt;Lukashenko&gt;", "&lt;for them&gt;",
                    "Gunmen &lt;attack&gt;"):
        assert escaped in html, escaped


# -- Markdown ------------------------------------------------------------------------------

def test_tables_are_rendered(crocus) -> None:
    body = crocus.find(".//div[@class='body prose']")  # "Who says what" has tables of its own
    assert body is not None
    tables = list(body.iter("table"))
    assert len(tables) == 1
    assert [text_of(th) for th in tables[0].iter("th")] == ["Who", "What"]


def test_markdown_in_notes_descriptions_and_event_texts(crocus) -> None:
    assert [text_of(em) for em in by_id(crocus, "claim-window").iter("em")] == ["evidence"]
    assert "close" in [text_of(s) for s in by_id(crocus, "actor-lukashenko").iter("strong")]
    headings = [text_of(h) for h in crocus.iter("h2")]
    assert "What happened" in headings


# -- other pages -------------------------------------------------------------------------------

def _explainer_links(page: Path) -> list[str]:
    tree = html_tree(page)
    slugs = []
    for href, _ in links_in(tree):
        parts = [p for p in href.split("#")[0].split("/") if p and p != ".."]
        if len(parts) == 1 and parts[0] in ("crocus", "second", "older") and parts[0] not in slugs:
            slugs.append(parts[0])
    return slugs


def test_home_lists_explainers_newest_first_then_by_slug(site: Path) -> None:
    assert _explainer_links(site / "index.html") == ["crocus", "second", "older"]


def test_tag_pages_list_their_explainers(site: Path) -> None:
    assert _explainer_links(site / "tags/russia/index.html") == ["crocus", "second"]
    assert _explainer_links(site / "tags/terrorism/index.html") == ["crocus"]
    assert sorted(p.name for p in (site / "tags").iterdir()) == ["russia", "terrorism"]


def test_actor_page_lists_claims_events_and_explainers_across_the_project(site: Path) -> None:
    page = site / "actors/putin/index.html"
    text = text_of(html_tree(page))
    for claim in ('Ukraine prepared a "window" <for them>.', "Echo claim.", "A later claim."):
        assert claim in text
    for event in ("Gunmen <attack>", "Putin speaks again"):
        assert event in text
    assert set(_explainer_links(page)) == {"crocus", "second"}


def test_every_actor_has_a_page_even_unused_ones(site: Path) -> None:
    assert sorted(p.name for p in (site / "actors").iterdir()) == ["lukashenko", "putin", "russia", "unused"]


def test_inline_actor_page_links_back_into_its_explainer(site: Path) -> None:
    tree = html_tree(site / "actors/lukashenko/index.html")
    hrefs = [href for href, _ in links_in(tree)]
    assert "../../crocus/#claim-route" in hrefs
    assert "1956" in [t.get("datetime") for t in tree.iter("time")]


# -- feed, sitemap, JSON ----------------------------------------------------------------------

ATOM = "{http://www.w3.org/2005/Atom}"
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


def test_feed_is_atom_with_absolute_urls(site: Path) -> None:
    feed = ElementTree.parse(site / "feed.xml").getroot()
    assert feed.tag == f"{ATOM}feed"
    entries = feed.findall(f"{ATOM}entry")
    links = [e.find(f"{ATOM}link").get("href") for e in entries]  # type: ignore[union-attr]
    assert links == [BASE + "crocus/", BASE + "second/", BASE + "older/"]
    crocus = entries[0]
    assert crocus.findtext(f"{ATOM}title") == "Who was behind <the> attack?"
    assert crocus.findtext(f"{ATOM}updated") == "2024-03-29T10:00:00+01:00"
    assert crocus.findtext(f"{ATOM}published") == "2024-03-28T00:00:00Z"
    assert [c.get("term") for c in crocus.findall(f"{ATOM}category")] == ["russia", "terrorism"]
    for element in feed.iter():
        for attr in ("href",):
            if element.get(attr):
                assert element.get(attr).startswith(BASE)


def test_sitemap_lists_every_page_with_absolute_urls(site: Path) -> None:
    urlset = ElementTree.parse(site / "sitemap.xml").getroot()
    locs = [u.findtext(f"{SITEMAP}loc") for u in urlset.findall(f"{SITEMAP}url")]
    expected = {BASE, BASE + "crocus/", BASE + "second/", BASE + "older/", BASE + "tags/russia/",
                BASE + "tags/terrorism/"} | {BASE + f"actors/{a}/" for a in ("lukashenko", "putin", "russia", "unused")}
    assert set(locs) == expected
    assert len(locs) == len(expected)
    pages = {posixpath.dirname(p.relative_to(site).as_posix()) for p in site.rglob("index.html")}
    embeds = {p for p in pages if "/embed/" in p}
    assert embeds == {f"{slug}/embed/{section}" for slug in ("crocus", "second", "older")
                      for section in ("timeline", "claims", "questions")}, "every page but the embeds (noindex)"
    # nor the search page, which search engines have no use for
    assert {BASE + (p + "/" if p else "") for p in pages - embeds - {"search"}} == expected


def test_relative_base_url_gives_root_relative_feed_and_one_warning(project, cli_run) -> None:
    files = dict(FILES)
    files["site.yaml"] = "title: T\n"
    root = project(files)
    result = cli_run("build", "--root", root)
    assert result.code == 0
    warnings = [line for line in result.err_lines if "warning" in line]
    assert warnings == ["explainer: warning: base_url has no scheme and host, so feed.xml and sitemap.xml use "
                        "root-relative URLs; set base_url in site.yaml or pass --base-url"]
    urlset = ElementTree.parse(root / "site/sitemap.xml").getroot()
    assert "/crocus/" in [u.findtext(f"{SITEMAP}loc") for u in urlset]
    ElementTree.parse(root / "site/feed.xml")


def test_explainer_json_holds_the_data_as_written(site: Path) -> None:
    data = json.loads((site / "crocus/explainer.json").read_text("utf-8"))
    assert data["slug"] == "crocus"
    assert data["url"] == BASE + "crocus/"
    assert data["title"] == "Who was behind <the> attack?"
    assert data["published"] == "2024-03-28"
    assert data["updated"] == "2024-03-29T10:00:00+01:00"
    assert data["tags"] == ["russia", "terrorism"]
    assert data["authors"] == ["Jane <Reporter>"]
    assert [a["id"] for a in data["actors"]][0] == "lukashenko"
    assert {a["id"] for a in data["actors"]} == {"lukashenko", "putin", "russia"}
    assert [s["date"] for s in data["sources"]] == ["2024-03"]
    claims = {c["id"]: c for c in data["claims"]}
    assert claims["window"]["contradicted_by"] == ["route"]
    assert claims["window"]["supported_by"] == ["echo"]
    assert claims["window"]["note"].startswith("No *evidence*")
    assert [(e["date"], e["precision"]) for e in data["timeline"]] == [
        ("1956", "year"), ("2024-03", "month"), ("2024-03-22T20:00:00+03:00", "datetime")]
    assert data["body"].startswith("## What happened")


# -- every link resolves under a base_url with a path -------------------------------------------

def test_every_internal_link_resolves_to_a_written_file_and_anchor(site: Path) -> None:
    assert broken_links(site, BASE) == []


def test_every_internal_link_of_the_example_resolves(built_example: Path) -> None:
    assert broken_links(built_example, EXAMPLE_BASE_URL) == []


def test_link_checker_itself_finds_broken_links(tmp_path: Path) -> None:
    """The check above must be able to fail: a missing file, a missing anchor, a root-relative
    link that leaves the base path."""
    make_project(tmp_path, {
        "index.html": '<a href="a/">ok</a><a href="a/#here">ok</a><a href="b/">missing</a>'
                      '<a href="a/#gone">no anchor</a><a href="/feed.xml">leaves</a><a href="https://x.org/">ext</a>',
        "a/index.html": '<p id="here"><a href="../">up</a><img src="../media/x.png"></p>',
    })
    assert broken_links(tmp_path, BASE) == [
        "a/index.html: '../media/x.png' -> no file media/x.png",
        "index.html: 'b/' -> no file b/index.html",
        "index.html: 'a/#gone' -> no id 'gone' in a/index.html",
        "index.html: '/feed.xml' leaves the site (https://example.org/feed.xml)",
    ]


# -- templates and settings -----------------------------------------------------------------------

def test_every_page_extends_base_html(project, cli_run) -> None:
    files = dict(FILES)
    files["templates/base.html"] = """
        <!doctype html>
        <html lang="{{ site.language }}"><head><title>{% block title %}{% endblock %}</title>{% block head %}{% endblock %}</head>
        <body data-shell="project-base">{% block content %}{% endblock %}</body></html>
        """
    root = project(files)
    result = cli_run("build", "--root", root)
    assert result.code == 0, result.err
    pages = sorted(p for p in (root / "site").rglob("index.html") if "embed" not in p.parent.parent.name)
    assert len(pages) == 11, "every page but the embeds, which have a shell of their own (_embed.html)"
    for page in pages:
        body = next(html_tree(page).iter("body"))
        assert body.get("data-shell") == "project-base", page
    assert "Who was behind &lt;the&gt; attack?" in (root / "site/crocus/index.html").read_text("utf-8")


def test_base_url_option_overrides_site_yaml(project, cli_run) -> None:
    root = project(FILES)
    assert cli_run("build", "--root", root, "--base-url", "https://mirror.example/x").code == 0
    feed = ElementTree.parse(root / "site/feed.xml").getroot()
    links = [e.find(f"{ATOM}link").get("href") for e in feed.findall(f"{ATOM}entry")]  # type: ignore[union-attr]
    assert links[0] == "https://mirror.example/x/crocus/"
    assert json.loads((root / "site/crocus/explainer.json").read_text("utf-8"))["url"] == \
        "https://mirror.example/x/crocus/"


def test_rendering_the_theme_leaves_no_garbage_cycles(tmp_path) -> None:
    """Every page of the example is freed by reference counting as soon as it is written: no
    reference cycle (such as macros imported `with context`, which refer to the page's
    context while it refers to them) keeps a page's objects, and the compiled explainers
    they reach, alive until the cycle collector runs. Full builds drop each compiled
    explainer after rendering its page (see generator/shards.py); with cycles, collecting
    them cost about 2 ms per explainer."""
    import gc
    from generator import render
    from generator.config import BuildOptions
    from generator.pipeline import Builder
    from helpers import copy_example
    root = copy_example(tmp_path / "src")
    builder = Builder(BuildOptions(root, tmp_path / "site"), use_cache=False)
    compiled, diags = builder._compile()
    assert compiled is not None and not diags.errors
    site, env, *_ = compiled
    renderer = render.Renderer(site, env, root)
    pages = [lambda: renderer.explainer_page(site.explainers[0]), renderer.home_page,
             *(lambda a=a: renderer.actor_page(a) for a in site.actors.values()),
             *(lambda t=t: renderer.tag_page(t) for t in site.tags)]
    gc.collect()
    gc.disable()
    try:
        for make in pages:
            assert make().data
        assert gc.collect() == 0
    finally:
        gc.enable()
