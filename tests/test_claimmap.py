"""The claim map (generator/claimmap.py, the theme's _claim_map.html): a build-time SVG of an
explainer's claims and their relations on the explainer page.

- the map of a small project with every status and every kind of relation is byte for byte
  tests/golden/claimmap/small.html (regenerate with UPDATE_GOLDEN=1 and read the diff);
- two builds give the same bytes;
- every node links to its claim card and every card back to its node; the relations are
  also a list of links; the link check covers the #map-node- fragments;
- hostile text stays text (tests/test_escaping.py checks the map of its hostile project too);
- on a page written right to left the map is the same map mirrored;
- a project turns the map off with one line, or replaces the partial.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
from pathlib import Path
from xml.etree import ElementTree

import pytest
import yaml
from helpers import assert_no_executable_markup, build_project, by_id, html_tree, links_in, make_project, text_of

from generator import claimmap, cli
from generator.catalogues import Strings
from generator.fields import contain_bidi

ENGLISH = Strings().messages("en")

GOLDEN = Path(__file__).parent / "golden" / "claimmap" / "small.html"
SVG = "{http://www.w3.org/2000/svg}"
BASE = "https://example.org/news/"

FRONT = {
    "title": "The bridge",
    "summary": "Who says what about the bridge.",
    "published": "2024-03-05",
    "actors": {"ann": {"name": "Ann Example"}, "bo": {"name": "Bo Example", "kind": "organization"}},
    "claims": {
        "a1": {"by": "ann", "text": "The bridge was closed on Monday, hours before the storm reached the town.",
               "date": "2024-03-01", "status": "true"},
        "b1": {"by": "bo", "text": "The bridge was open.", "date": "2024-03-01", "status": "false",
               "contradicts": ["a1"]},
        "a2": {"by": "ann", "text": "Bo's account leaves out the ferry.", "date": "2024-03-02",
               "status": "misleading", "responds_to": ["b1"]},
        "a3": {"by": "ann", "text": "The ferry ran all day.", "date": "2024-03-02", "status": "mostly-true",
               "supports": ["a1"]},
        "b2": {"by": "bo", "text": "Traffic data shows no closure at all.", "status": "unproven",
               "supports": ["b1"]},
        "b3": {"by": "bo", "text": "Storms never close that bridge.", "date": "2024-03", "status": "disputed"},
        "a4": {"by": "ann", "text": "Nobody asked the ferry company.", "status": "unrated"},
    },
}
"""Every status once, every kind of relation, two claims of one actor on one date, a date of
month precision (its row comes first) and two undated claims (their row comes last)."""


def project(tmp_path: Path, front: dict[str, object] | None = None, **extra: str) -> Path:
    text = "---\n" + yaml.safe_dump(front or FRONT, sort_keys=False, allow_unicode=True) + "---\nBody.\n"
    return make_project(tmp_path / "project", {"content/explainers/bridge.md": text, **extra})


def build(root: Path, out: Path | None = None) -> Path:
    out = out or root / "site"
    build_project(root, out, BASE)
    return out


def map_section(page: str) -> str:
    found = re.findall(r'<section class="section section-map".*?</section>\n', page, re.S)
    assert len(found) == 1, "one claim map on the page"
    return found[0]


def svg_links(tree: ElementTree.Element) -> list[tuple[str, str]]:
    """(id, href) of every link in the page's SVG."""
    return [(a.get("id") or "", a.get("href") or "") for a in tree.iter(f"{SVG}a")]


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build(project(tmp_path_factory.mktemp("map")))


def test_the_map_of_a_small_explainer_is_the_golden_one(small: Path) -> None:
    section = map_section((small / "bridge/index.html").read_text("utf-8"))
    if os.environ.get("UPDATE_GOLDEN"):
        GOLDEN.parent.mkdir(parents=True, exist_ok=True)
        GOLDEN.write_text(section, encoding="utf-8")
    assert section == GOLDEN.read_text("utf-8"), \
        "the claim map changed: if intended, UPDATE_GOLDEN=1 .venv/bin/python -m pytest tests/test_claimmap.py"


def test_two_builds_make_the_same_bytes(small: Path, tmp_path: Path) -> None:
    again = build(project(tmp_path), tmp_path / "again")
    assert (again / "bridge/index.html").read_bytes() == (small / "bridge/index.html").read_bytes()


def test_columns_are_actors_and_rows_are_dates(small: Path) -> None:
    tree = html_tree(small / "bridge/index.html")
    nodes = {a.get("id"): a for a in tree.iter(f"{SVG}a")}
    corner = {}
    for node_id, node in nodes.items():
        outline = next(node.iter(f"{SVG}path")).get("d") or ""
        x, y = re.match(r"M(\d+) (\d+)", outline).groups()  # type: ignore[union-attr]
        corner[node_id.removeprefix("map-node-")] = (int(x), int(y))  # type: ignore[union-attr]
    xs = {claim: x for claim, (x, _) in corner.items()}
    ys = {claim: y for claim, (_, y) in corner.items()}
    # The first column is Ann's (her claim comes first in the file), the second Bo's.
    assert xs["a1"] < xs["b1"] and xs["a1"] - 20 < xs["a2"] < xs["a1"] + 20
    # 2024-03 first, then 1 and 2 March (a3, Ann's second claim of 2 March, in the row below a2), the undated last.
    assert ys["b3"] < ys["a1"] == ys["b1"] < ys["a2"] < ys["a3"] < ys["b2"] == ys["a4"]
    dates = [text_of(t) for t in tree.iter(f"{SVG}text") if "claim-map-date" in (t.get("class") or "")]
    assert dates == ["March 2024", "1 March 2024", "2 March 2024", "Undated"]


def test_status_is_told_by_label_and_shape_not_colour_alone(small: Path) -> None:
    tree = html_tree(small / "bridge/index.html")
    shapes = {}
    for node in tree.iter(f"{SVG}a"):
        status = (node.get("class") or "").split()[1].removeprefix("status-")
        labels = [text_of(t) for t in node.iter(f"{SVG}text") if t.get("class") == "claim-map-status"]
        assert labels == [f"{claimmap.GLYPHS[status]} {ENGLISH.status(status)}"]
        paths = [p for p in node.iter(f"{SVG}path")]
        shapes[status] = tuple(re.sub(r"[\d ]+", "#", p.get("d") or "") + (p.get("class") or "") for p in paths)
    assert len(set(shapes.values())) == 7, shapes  # seven statuses, seven outlines
    legend = text_of(by_id(tree, "map").find(".//figcaption"))  # type: ignore[arg-type]
    for status in claimmap.GLYPHS:
        assert f"{ENGLISH.status(status)} ({ENGLISH.text(f'map.shape.{status}')})" in legend
    for relation in ("contradicts", "supports", "responds_to"):
        assert f"{ENGLISH.text(f'relation.{relation}.forward')} ({ENGLISH.text(f'map.line.{relation}')})" in legend


def test_edges_are_typed_by_line_and_marker(small: Path) -> None:
    tree = html_tree(small / "bridge/index.html")
    group = next(g for g in tree.iter(f"{SVG}g") if g.get("class") == "claim-map-edges")
    edges = [(p.get("class"), p.get("marker-end")) for p in group]
    assert edges == [
        ("claim-map-edge edge-contradicts", "url(#map-marker-contradicts)"),
        ("claim-map-edge edge-responds_to", "url(#map-marker-responds_to)"),
        ("claim-map-edge edge-supports", "url(#map-marker-supports)"),
        ("claim-map-edge edge-supports", "url(#map-marker-supports)"),
    ]
    markers = {m.get("id") for m in tree.iter(f"{SVG}marker")}
    assert markers == {"map-marker-contradicts", "map-marker-supports", "map-marker-responds_to"}


def test_the_relations_are_also_a_list_of_links(small: Path) -> None:
    tree = html_tree(small / "bridge/index.html")
    items = by_id(tree, "map-relations").findall("li")
    assert [text_of(li) for li in items] == [
        "Bo Example — The bridge was open. contradicts "
        "Ann Example — The bridge was closed on Monday, hours before the storm reached the…",
        "Ann Example — Bo's account leaves out the ferry. responds to Bo Example — The bridge was open.",
        "Ann Example — The ferry ran all day. supports "
        "Ann Example — The bridge was closed on Monday, hours before the storm reached the…",
        "Bo Example — Traffic data shows no closure at all. supports Bo Example — The bridge was open.",
    ]
    assert [[href for href, _ in links_in(li)] for li in items] == [
        ["#claim-b1", "#claim-a1"], ["#claim-a2", "#claim-b1"], ["#claim-a3", "#claim-a1"], ["#claim-b2", "#claim-b1"]]
    assert by_id(tree, "map-relations-heading").tag == "h3"


def test_nodes_and_claim_cards_link_to_each_other(small: Path) -> None:
    tree = html_tree(small / "bridge/index.html")
    links = svg_links(tree)
    assert links == [(f"map-node-{c}", f"#claim-{c}") for c in FRONT["claims"]]  # type: ignore[attr-defined]
    for claim in FRONT["claims"]:  # type: ignore[attr-defined]
        card = by_id(tree, f"claim-{claim}")
        assert f"#map-node-{claim}" in [href for href, _ in links_in(card)]
    toc = [href for href, _ in links_in(tree.find(".//nav[@class='toc']"))]  # type: ignore[arg-type]
    assert toc.index("#map") == toc.index("#claims") - 1


def test_the_map_is_named_and_described_for_assistive_technology(small: Path) -> None:
    tree = html_tree(small / "bridge/index.html")
    svg = next(tree.iter(f"{SVG}svg"))
    assert svg.get("role") == "group"
    assert svg.get("aria-labelledby") == "map-title" and svg.get("aria-describedby") == "map-desc"
    assert text_of(by_id(tree, "map-title")) == "Map of the claims and how they relate"
    assert text_of(by_id(tree, "map-desc")) == (
        "7 claims by 2 actors, one column per actor and one row per date, the oldest at the top. "
        "4 relations join them (1 contradicts, 2 support and 1 responds to), drawn as lines from each "
        "claim to the claim it relates to, and listed after the map.")
    hidden = [g.get("class") for g in svg.iter(f"{SVG}g") if g.get("aria-hidden") == "true"]
    assert hidden == ["claim-map-rows", "claim-map-edges"]
    titles = [text_of(a.find(f"{SVG}title")) for a in svg.iter(f"{SVG}a")]  # type: ignore[arg-type]
    assert titles[0] == ("Ann Example, 1 March 2024 (True): "
                         "The bridge was closed on Monday, hours before the storm reached the town.")
    assert titles[-1] == "Ann Example (Unrated): Nobody asked the ferry company."


@pytest.fixture(scope="module")
def small_rtl(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The small project on an English site with its explainer in Arabic: a page written
    right to left, as its own language (not the site's) says."""
    return build(project(tmp_path_factory.mktemp("map-rtl"), {**FRONT, "language": "ar"},
                         **{"site.yaml": "title: Desk\nlanguage: en\n"}))


def _mirrored(path: str, width: int) -> str:
    """An edge's path (M, L, Q, H, V with integers) reflected across the drawing's middle."""
    out = ""
    for command, numbers in re.findall(r"([MLQHV])([-\d ]+)", path):
        values = [int(n) for n in numbers.split()]
        xs = {"M": (0,), "L": (0,), "Q": (0, 2), "H": (0,), "V": ()}[command]
        out += command + " ".join(str(width - v if i in xs else v) for i, v in enumerate(values))
    return out


def _x_range(path: str) -> tuple[int, int]:
    """The least and greatest x of an outline (its commands' x coordinates)."""
    xs = [int(x) for x in re.findall(r"[MLH](\d+)", path)] + [int(x) for x in re.findall(r"A\d+ \d+ 0 0 1 (\d+)", path)]
    return min(xs), max(xs)


def test_on_a_right_to_left_page_the_map_is_the_same_map_mirrored(small: Path, small_rtl: Path) -> None:
    """Columns run from the right (the first actor's is the rightmost), the dates are in a
    gutter on the right, every edge is reflected, and the texts start at their boxes' right
    edges, which `direction="rtl"` makes the start of `text-anchor: start`."""
    ltr, rtl = (next(html_tree(site / "bridge/index.html").iter(f"{SVG}svg")) for site in (small, small_rtl))
    assert (ltr.get("direction"), rtl.get("direction")) == ("ltr", "rtl")
    width = int(ltr.get("width") or 0)
    assert rtl.get("width") == str(width) and rtl.get("height") == ltr.get("height")
    texts, rtl_texts = ([(t.get("class"), int(t.get("x") or 0), t.get("y"), text_of(t)) for t in svg.iter(f"{SVG}text")]
                        for svg in (ltr, rtl))
    # The same texts at mirrored places: the writer's as written, the theme's (dates, verdicts)
    # in the page's language ("مارس 2024", "صحيح").
    assert [(c, width - x, y) for c, x, y, _ in texts] == [(c, x, y) for c, x, y, _ in rtl_texts]
    written = ("claim-map-actor", "claim-map-text")
    assert [words for c, _, _, words in texts if c in written] == [
        words for c, _, _, words in rtl_texts if c in written]
    assert texts[0][:2] == ("claim-map-date", claimmap.MARGIN)
    edges = [[p.get("d") or "" for p in svg.iter(f"{SVG}path") if "claim-map-edge" in (p.get("class") or "")]
             for svg in (ltr, rtl)]
    assert len(edges[0]) == 4 and [_mirrored(d, width) for d in edges[0]] == edges[1]
    outlines = [[(_x_range(p.get("d") or ""), p.get("class")) for p in svg.iter(f"{SVG}path")
                 if "claim-map-shape" in (p.get("class") or "")] for svg in (ltr, rtl)]
    assert [((width - right, width - left), c) for (left, right), c in outlines[0]] == outlines[1]
    # The legend's lines point the way the page reads.
    page = (small_rtl / "bridge/index.html").read_text("utf-8")
    assert page.count('d="M46 7H4" marker-end=') == 3 and 'd="M2 7H44"' not in page


def test_the_map_gets_the_direction_of_the_pages_language(tmp_path: Path) -> None:
    for language, direction in (("he", "rtl"), ("fa-IR", "rtl"), ("ru", "ltr"), ("ku-Arab", "rtl")):
        root = project(tmp_path / language, **{"site.yaml": f"language: {language}\n"})
        svg = next(html_tree(build(root) / "bridge/index.html").iter(f"{SVG}svg"))
        assert svg.get("direction") == direction, language


def test_no_map_without_relations(tmp_path: Path) -> None:
    front = {**FRONT, "claims": {cid: {k: v for k, v in claim.items()  # type: ignore[attr-defined]
                                       if k not in ("contradicts", "supports", "responds_to")}
                                 for cid, claim in FRONT["claims"].items()}}  # type: ignore[attr-defined]
    page = (build(project(tmp_path, front)) / "bridge/index.html").read_text("utf-8")
    assert "claim-map" not in page and 'id="map"' not in page and "#map-node-" not in page


def test_hostile_text_in_the_map_stays_text(tmp_path: Path) -> None:
    evil = "</text></svg><script>alert(1)</script><a href=\"javascript:alert(1)\">x</a>\u202e&amp;"
    front = {**FRONT, "actors": {"ann": {"name": evil}, "bo": {"name": "Bo"}},
             "claims": {"a1": {"by": "ann", "text": evil * 3, "status": "false"},
                        "b1": {"by": "bo", "text": evil, "date": "2024-03-01", "contradicts": ["a1"]}}}
    page = build(project(tmp_path, front)) / "bridge/index.html"
    tree = assert_no_executable_markup(page)
    section = map_section(page.read_text("utf-8"))
    assert "<script" not in section and '<a href="javascript' not in section
    assert section.count("<svg") == section.count("</svg>") == 4  # the map, a line and two outlines
    titles = [text_of(a.find(f"{SVG}title")) for a in tree.iter(f"{SVG}a")]  # type: ignore[arg-type, union-attr]
    assert titles == [f"{contain_bidi(evil)} (False): {contain_bidi(evil * 3)}",
                      f"Bo, 1 March 2024 (Unrated): {contain_bidi(evil)}"]
    lines = [text_of(t) for t in tree.iter(f"{SVG}text") if t.get("class") == "claim-map-text"]
    assert lines[:3] == [contain_bidi(line) for line in claimmap.wrap(evil * 3, claimmap.LINE_UNITS, 3)]


def test_a_project_turns_the_map_off_with_one_line(tmp_path: Path) -> None:
    root = project(tmp_path, **{"templates/explainer.html":
                                "{% extends 'theme/explainer.html' %}\n{% set claim_map = none %}\n"})
    page = (build(root) / "bridge/index.html").read_text("utf-8")
    assert 'id="map"' not in page and "#map-node-" not in page and 'href="#map"' not in page
    assert 'id="claim-a1"' in page


def test_dropping_the_block_alone_leaves_links_the_link_check_reports(tmp_path: Path) -> None:
    root = project(tmp_path, **{"templates/explainer.html":
                                "{% extends 'theme/explainer.html' %}{% block claim_map %}{% endblock %}"})
    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        assert cli.main(["build", "--root", str(root)]) == 1
    lines = err.getvalue().splitlines()
    assert re.fullmatch(r"site/bridge/index\.html:\d+:\d+: error: broken link '#map': no element with id 'map' "
                        r"on this page; check the template or the link's target", lines[0]), lines
    assert [line.split(": error: ")[1] for line in lines[1:-1]] == [
        f"broken link '#map-node-{c}': no element with id 'map-node-{c}' on this page; "
        "check the template or the link's target" for c in FRONT["claims"]]  # type: ignore[attr-defined]
    assert not (root / "site").exists()


def test_a_project_replaces_the_partial(tmp_path: Path) -> None:
    partial = ('<section id="map"><h2>Map</h2><ul>{% for node in claim_map.nodes %}'
               '<li id="map-node-{{ node.claim_id }}"><a href="#claim-{{ node.claim_id }}">{{ node.actor }}</a></li>'
               '{% endfor %}</ul></section>\n')
    page = (build(project(tmp_path, **{"templates/_claim_map.html": partial})) / "bridge/index.html").read_text()
    assert '<li id="map-node-a1"><a href="#claim-a1">Ann Example</a></li>' in page and "<svg" not in page


@pytest.mark.parametrize("text, lines, expected", [
    ("Short.", 3, ("Short.",)),
    ("one two three four five six seven eight nine ten eleven twelve", 2,
     ("one two three four", "five six seven eight…")),
    ("a" * 50, 3, ("a" * 22, "a" * 22, "aaaaaa")),
    ("a" * 80, 3, ("a" * 22, "a" * 22, "a" * 21 + "…")),
    ("漢字" * 8, 2, ("漢字" * 5 + "漢", "字" + "漢字" * 2)),
])
def test_text_is_wrapped_by_characters_and_cut(text: str, lines: int, expected: tuple[str, ...]) -> None:
    assert claimmap.wrap(text, 22, lines) == expected
    assert all(sum(map(claimmap._units, line)) <= 22 for line in claimmap.wrap(text, 22, lines))


def test_cut_keeps_within_its_width() -> None:
    assert claimmap.cut("Alexander Lukashenko", 20) == "Alexander Lukashenko"
    assert claimmap.cut("Russian security officials", 20) == "Russian security…"
    assert claimmap.cut("漢字漢字漢字漢字漢字漢字", 7) == "漢字漢…"
