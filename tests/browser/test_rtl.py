"""Right to left in Chromium: the example project built with `language: ar` against the same
project built with `language: ar-Latn` (the same Arabic words and dates, laid out left to
right), at phone (375 px) and desktop (1280 px) width.

- The layout mirrors. Every element laid out as a box (blocks, flex and grid items, table
  cells, the positioned decorations such as the timeline's line and markers, the claim map's
  drawing) sits at x_rtl = axis - x_right_ltr with the same width and height, and every
  element's sides swap: margins, paddings, borders, insets, `text-align`, `float`. Text
  inside a line is not compared: the example's text is English, and an English phrase keeps
  its own order on an Arabic page, as it should.
- The parts a reader looks for read from the right: the timeline's line and markers, the
  claim cards' status border and badge, the first column of "Who says what", the masthead.
- The claim map is mirrored, its texts stay in their boxes, and on a phone its scroller
  opens on the dates and the first actor.
- A writer's text in the other direction than the page keeps its punctuation to itself.
- axe-core finds nothing with and without JavaScript; nothing overflows sideways.
- Coarsely, the RTL screenshot is much closer to the LTR one mirrored than to it as it is
  (`screenshot_differences`); the boxes are the real check.

Screenshots of both directions go to tests/browser/artifacts/rtl/ (gitignored).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from generator.catalogues import Strings

from browser_support import ServedSite, axe_violations, open_page, overflow_problems, serve_built

EXPLAINER = "crocus-city-hall-attack/"
PAGES = {"explainer": EXPLAINER, "home": "", "actor": "actors/vladimir-putin/", "members": "actors/russia/",
         "tag": "tags/russia/", "embed-timeline": EXPLAINER + "embed/timeline/",
         "embed-claims": EXPLAINER + "embed/claims/"}
WIDTHS = [375, 1280]
TOLERANCE = 1.0
"""Pixels a mirrored box may be off (sub-pixel layout and rounding)."""

LAYOUT_JS = """() => {
  const isSvgPart = (el) => el instanceof SVGElement && el.tagName.toLowerCase() !== 'svg';
  const inlineLevel = (el) => getComputedStyle(el).display.startsWith('inline');
  // A box is laid out by the block, flex, grid or table layout (or drawn in a block SVG),
  // not placed in a line of text, where the bidi order of the line's text decides.
  const laidOut = (el) => {
    if (isSvgPart(el)) return laidOut(el.ownerSVGElement);
    for (let e = el; e && e !== document.body; e = e.parentElement) if (inlineLevel(e)) return false;
    return true;
  };
  const sides = (cs) => ({
    margin: [cs.marginLeft, cs.marginRight], padding: [cs.paddingLeft, cs.paddingRight],
    border: [cs.borderLeftWidth + ' ' + cs.borderLeftStyle, cs.borderRightWidth + ' ' + cs.borderRightStyle],
    inset: cs.position === 'static' ? ['auto', 'auto'] : [cs.left, cs.right],
    textAlign: cs.textAlign, float: cs.float, direction: cs.direction});
  const describe = (el) => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
    (typeof el.className === 'string' && el.className.trim() ? '.' + el.className.trim().split(/\\s+/).join('.') : '');
  const body = document.body.getBoundingClientRect();
  const items = [];
  for (const el of document.body.querySelectorAll('*')) {
    if (el.closest('.visually-hidden, [hidden], .skip-link, title, desc, defs')) { items.push(null); continue; }
    const cs = getComputedStyle(el);
    const r = el.getBoundingClientRect();
    const shown = !['none', 'contents'].includes(cs.display) && r.width > 0 && r.height > 0;
    const item = {desc: describe(el), sides: sides(cs), pseudo: {},
                  box: shown && laidOut(el) ? [r.left, r.right, r.top, r.height] : null};
    for (const which of ['::before', '::after']) {
      const ps = getComputedStyle(el, which);
      if (['none', 'normal'].includes(ps.content)) continue;
      const p = {sides: sides(ps), box: null};
      if (ps.position === 'absolute' && cs.position !== 'static' && item.box) {
        const left = r.left + parseFloat(cs.borderLeftWidth) + parseFloat(ps.left);
        p.box = [left, left + parseFloat(ps.width), r.top + parseFloat(cs.borderTopWidth) + parseFloat(ps.top),
                 parseFloat(ps.height)];
      }
      item.pseudo[which] = p;
    }
    items.push(item);
  }
  return {axis: body.left + body.right, items};
}"""

SWAPPED_ALIGN = {"left": "right", "right": "left"}


def mirror_problems(ltr: dict[str, Any], rtl: dict[str, Any]) -> list[str]:
    """What in the RTL page is not the LTR page mirrored (see the module's docstring)."""
    assert len(ltr["items"]) == len(rtl["items"]), "both builds have the same elements"
    problems = []
    axis = rtl["axis"]
    for a, b in zip(ltr["items"], rtl["items"], strict=True):
        if a is None or b is None:
            continue
        parts = [("", a, b)] + [(which, a["pseudo"][which], b["pseudo"].get(which)) for which in a["pseudo"]]
        for which, x, y in parts:
            name = a["desc"] + which
            if y is None:
                problems.append(f"{name}: no such pseudo-element in RTL")
                continue
            problems += _box_problems(name, x["box"], y["box"], axis)
            problems += _side_problems(name, x["sides"], y["sides"])
    return problems


def _box_problems(name: str, ltr: list[float] | None, rtl: list[float] | None, axis: float) -> list[str]:
    if ltr is None or rtl is None:
        return [] if ltr is None and rtl is None else [f"{name}: laid out as a box in one direction only"]
    left, right, top, height = ltr
    expected = [axis - right, axis - left, top, height]
    if all(abs(e - r) <= TOLERANCE for e, r in zip(expected, rtl, strict=True)):
        return []
    return [f"{name}: x {rtl[0]:.1f}..{rtl[1]:.1f}, y {rtl[2]:.1f} (height {rtl[3]:.1f}) in RTL; mirrored LTR "
            f"would be {expected[0]:.1f}..{expected[1]:.1f}, y {top:.1f} (height {height:.1f})"]


def _side_problems(name: str, ltr: dict[str, Any], rtl: dict[str, Any]) -> list[str]:
    """An element whose direction differs between the builds has its sides swapped; one that
    keeps its direction (dir="auto" around English text) has them as they were."""
    swap = ltr["direction"] != rtl["direction"]
    problems = []
    for key in ("margin", "padding", "border", "inset"):
        expected = ltr[key][::-1] if swap else ltr[key]
        if rtl[key] != expected:
            problems.append(f"{name}: {key} left/right {rtl[key]} in RTL, expected {expected}")
    align = SWAPPED_ALIGN.get(ltr["textAlign"], ltr["textAlign"]) if swap else ltr["textAlign"]
    if rtl["textAlign"] != align:
        problems.append(f"{name}: text-align {rtl['textAlign']} in RTL, expected {align}")
    floating = SWAPPED_ALIGN.get(ltr["float"], ltr["float"]) if swap else ltr["float"]
    if rtl["float"] != floating:
        problems.append(f"{name}: float {rtl['float']} in RTL, expected {floating}")
    return problems


def layout_of(browser: Any, site: ServedSite, path: str, width: int, screenshot: Path) -> dict[str, Any]:
    with open_page(browser, site, width, java_script_enabled=False) as (page, log):
        page.goto(site.page_url(path), wait_until="load")
        page.screenshot(path=str(screenshot), full_page=True)
        layout: dict[str, Any] = page.evaluate(LAYOUT_JS)
        assert log.problems() == []
        return layout


@pytest.fixture(scope="module")
def shots(artifacts: Path) -> Path:
    folder = artifacts / "rtl"
    folder.mkdir(exist_ok=True)
    return folder


@pytest.mark.parametrize("name", list(PAGES))
@pytest.mark.parametrize("width", WIDTHS)
def test_the_arabic_page_is_the_english_one_mirrored(name: str, width: int, browser: Any, rtl_example_site: Any,
                                                     ltr_example_copy_site: Any, shots: Path) -> None:
    ltr = layout_of(browser, ltr_example_copy_site, PAGES[name], width, shots / f"{name}-{width}-ltr.png")
    rtl = layout_of(browser, rtl_example_site, PAGES[name], width, shots / f"{name}-{width}-rtl.png")
    boxes = sum(1 for item in rtl["items"] if item and item["box"])
    assert boxes > 25, f"only {boxes} boxes compared"
    problems = mirror_problems(ltr, rtl)
    assert not problems, f"{name} at {width}px, {len(problems)} differences:\n  " + "\n  ".join(problems[:30])
    mirrored, unmirrored = screenshot_differences(shots / f"{name}-{width}-ltr.png", shots / f"{name}-{width}-rtl.png")
    assert mirrored < unmirrored / 2, (f"the RTL screenshot is not much closer to the LTR one mirrored "
                                       f"({mirrored:.2f}) than as it is ({unmirrored:.2f})")


def screenshot_differences(ltr: Path, rtl: Path, cell: int = 16) -> tuple[float, float]:
    """How far the RTL screenshot is from the LTR one mirrored, and from it as it is: the mean
    difference of grey levels (0-255) over cells of `cell` pixels. A coarse check beside the
    boxes': at this scale a line of text is a grey bar, so English text, which keeps its
    order in RTL, hardly counts, while a layout that did not mirror does (the example's
    pages measure about 1.5-3 mirrored against 4-12 as they are)."""
    from PIL import Image, ImageChops, ImageOps, ImageStat

    with Image.open(ltr) as a, Image.open(rtl) as b:
        assert a.size == b.size, f"the screenshots differ in size: {a.size} and {b.size}"
        size = (max(1, a.width // cell), max(1, a.height // cell))
        left, right = a.convert("L"), b.convert("L").resize(size, Image.Resampling.BOX)

        def distance(image: Image.Image) -> float:
            return float(ImageStat.Stat(ImageChops.difference(image.resize(size, Image.Resampling.BOX), right)).mean[0])

        return distance(ImageOps.mirror(left)), distance(left)


PARTS_JS = """() => {
  const q = (selector, root = document) => root.querySelector(selector);
  const box = (el) => { const r = el.getBoundingClientRect(); return [r.left, r.right]; };
  const decoration = (el, which) => {  // an absolutely positioned ::before, in page coordinates
    const cs = getComputedStyle(el), ps = getComputedStyle(el, which);
    const left = el.getBoundingClientRect().left + parseFloat(cs.borderLeftWidth) + parseFloat(ps.left);
    return [left, left + parseFloat(ps.width)];
  };
  const sides = (el) => { const cs = getComputedStyle(el); return [cs.borderLeftWidth, cs.borderRightWidth]; };
  const event = q('.section-timeline .event');
  const claim = q('.section-claims .claim');
  const card = q('.section-actors .actor-card');
  const header = q('.wsw-table thead tr');
  return {
    line: decoration(q('.section-timeline .timeline'), '::before'), marker: decoration(event, '::before'),
    eventTitle: box(q('.event-title', event)),
    claimBorder: sides(claim), badge: box(q('.claim-header > .badge', claim)), who: box(q('.claim-who', claim)),
    arrow: getComputedStyle(q('.relation', claim), '::before').content,
    quoteBorder: sides(q('.claim-quote')),
    avatar: box(q('.avatar', card)), name: box(q('.actor-name', card)),
    columns: header.getClientRects().length ? [...header.children].map(th => [th.textContent, ...box(th)]) : [],
    title: box(q('.site-title')), nav: box(q('.site-nav ul')),
  };
}"""


@pytest.mark.parametrize("width", WIDTHS)
def test_the_arabic_explainer_reads_from_the_right(width: int, browser: Any, rtl_example_site: Any) -> None:
    with open_page(browser, rtl_example_site, width) as (page, log):
        page.goto(rtl_example_site.page_url(EXPLAINER), wait_until="load")
        directions = page.evaluate("() => [document.documentElement.dir, getComputedStyle(document.body).direction]")
        assert directions == ["rtl", "rtl"]
        parts = page.evaluate(PARTS_JS)
        line, marker, title = parts["line"], parts["marker"], parts["eventTitle"]
        assert line[0] > title[1], "the timeline's line runs on the right of the events"
        assert marker[0] <= line[0] and line[1] <= marker[1], "each marker sits on the line"
        assert parts["claimBorder"] == ["1px", "5px"], "a claim's status colour is its right border"
        if width == 1280:
            assert parts["badge"][1] < parts["who"][0], "the badge is at the left end of the card's header"
        else:  # on a line of its own under the author, at its start
            assert abs(parts["badge"][1] - parts["who"][1]) <= 1, "the badge starts its line, on the right"
        assert "←" in parts["arrow"], "a relation's arrow points along the line, to the left"
        assert parts["quoteBorder"] == ["0px", "3px"], "a quotation's rule is on its right"
        assert parts["avatar"][0] > parts["name"][1], "an actor's picture is on the right of the name"
        assert parts["title"][1] >= parts["nav"][1] - 1, "the site's title starts the masthead, on the right"
        if width == 1280:
            columns = parts["columns"]
            arabic = Strings().messages("ar")
            assert [name for name, _, _ in columns] == [arabic.text(f"wsw.{key}")
                                                        for key in ("who", "claim", "verdict", "date", "sources")]
            lefts = [left for _, left, _ in columns]
            assert lefts == sorted(lefts, reverse=True), f"the first column is the rightmost: {columns}"
            assert parts["title"][0] > parts["nav"][1], "the navigation is at the left end"
        assert log.problems() == []


MAP_JS = """() => {
  const svg = document.querySelector('svg.claim-map-svg');
  const scroller = document.querySelector('.claim-map-scroll').getBoundingClientRect();
  const rect = (el) => { const r = el.getBoundingClientRect(); return [r.left, r.right]; };
  const nodes = [...svg.querySelectorAll('a.claim-map-node')].map(node => ({
    id: node.id, shape: rect(node.querySelector('.claim-map-shape')),
    texts: [...node.querySelectorAll('text')].map(rect)}));
  return {direction: svg.getAttribute('direction'), nodes, scroller: [scroller.left, scroller.right],
          dates: [...svg.querySelectorAll('.claim-map-date')].map(rect)};
}"""


@pytest.mark.parametrize("width", WIDTHS)
def test_the_claim_map_is_mirrored_and_opens_on_its_start(width: int, browser: Any, rtl_example_site: Any) -> None:
    with open_page(browser, rtl_example_site, width, java_script_enabled=False) as (page, log):
        page.goto(rtl_example_site.page_url(EXPLAINER), wait_until="load")
        drawing = page.evaluate(MAP_JS)
        assert drawing["direction"] == "rtl"
        nodes, dates = drawing["nodes"], drawing["dates"]
        for node in nodes:
            left, right = node["shape"]
            outside = [text for text in node["texts"] if text[0] < left - 1 or text[1] > right + 1]
            assert not outside, f"{node['id']}: texts {outside} leave the box {node['shape']}"
            starts = [text[1] for text in node["texts"]]  # the right ends: where RTL text starts
            assert all(abs(start - (right - 14)) <= 2 for start in starts), f"{node['id']}: {starts}, box {right}"
        assert min(date[0] for date in dates) > max(node["shape"][1] for node in nodes), "the dates are on the right"
        # The example's first claim is the Islamic State's: its column is the first, the rightmost.
        first = next(node for node in nodes if node["id"] == "map-node-islamic-state-responsibility")
        assert first["shape"][1] == max(node["shape"][1] for node in nodes)
        # The map is wider than the column: it scrolls in its figure, which opens at its right
        # end, where it starts: the dates and the first actor's column are in view.
        low, high = drawing["scroller"]
        assert all(low - 1 <= date[0] and date[1] <= high + 1 for date in dates)
        assert low <= first["shape"][0] and first["shape"][1] <= high
        assert overflow_problems(page) + log.problems() == []


ISOLATED_JS = """(selector) => [...document.querySelectorAll(selector)]
  .filter(el => el.getClientRects().length === 1 && /[.…?]$/.test(el.textContent))
  .map(el => {
    const text = el.lastChild, range = document.createRange();
    range.setStart(text, text.length - 1); range.setEnd(text, text.length);
    const last = range.getBoundingClientRect(), box = el.getBoundingClientRect();
    return {text: el.textContent, end: last.right, right: box.right, left: box.left};
  })"""


def test_english_text_on_the_arabic_page_keeps_its_punctuation(browser: Any, rtl_example_site: Any) -> None:
    """A claim's English text in a relation (`<bdi>`) ends on its right, as English does, with
    its full stop or ellipsis after its last word; the actor's name, which starts the line,
    is on the right of it."""
    with open_page(browser, rtl_example_site, 1280) as (page, log):
        page.goto(rtl_example_site.page_url(EXPLAINER), wait_until="load")
        isolated = page.evaluate(ISOLATED_JS, ".claim-relations .relation bdi")
        assert len(isolated) >= 5
        for item in isolated:
            assert abs(item["end"] - item["right"]) <= 1, f"{item['text']!r}: its last mark is not at its right end"
        order = page.evaluate("""() => [...document.querySelectorAll('.claim-relations .relation')]
            .map(a => [a.querySelector('.relation-by').getClientRects(), a.querySelector('bdi').getClientRects()])
            .filter(([name, text]) => name.length === 1 && text.length === 1 && name[0].top === text[0].top)
            .map(([name, text]) => [name[0].left, text[0].right])""")
        assert len(order) >= 5
        assert all(name_left >= text_right for name_left, text_right in order), "the name comes first, on the right"
        assert log.problems() == []


@contextlib.contextmanager
def mixed_site(folder: Path, language: str) -> Iterator[ServedSite]:
    """A site in `language` whose writer's names and titles are Arabic and English
    (tests/helpers.py), built and served."""
    from helpers import MIXED_DIRECTION_EXPLAINER

    root = folder / "project"
    (root / "content" / "explainers").mkdir(parents=True)
    (root / "content" / "explainers" / "bridge.md").write_text(MIXED_DIRECTION_EXPLAINER, encoding="utf-8")
    (root / "site.yaml").write_text(f"title: The Desk\nlanguage: {language}\n", encoding="utf-8")
    with serve_built(root, folder / "site") as site:
        yield site


@pytest.fixture(scope="module")
def english_mixed_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServedSite]:
    with mixed_site(tmp_path_factory.mktemp("mixed-en"), "en") as site:
        yield site


@pytest.fixture(scope="module")
def arabic_mixed_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServedSite]:
    with mixed_site(tmp_path_factory.mktemp("mixed-ar"), "ar") as site:
        yield site


def test_arabic_names_on_an_english_page_stay_in_their_order(browser: Any, english_mixed_site: Any) -> None:
    """Two Arabic authors are listed first to last, left to right, and an Arabic name comes
    before the Arabic claim it made: unisolated, the bidi algorithm would join each pair into
    one right-to-left run and swap them."""
    with open_page(browser, english_mixed_site, 1280) as (page, log):
        page.goto(english_mixed_site.page_url("bridge/"), wait_until="load")
        authors = page.evaluate("""() => [...document.querySelectorAll('.authors bdi')].map(
            b => [b.textContent, b.getBoundingClientRect().left])""")
        assert [name for name, _ in authors] == ["أحمد علي", "سارة حسن"]
        assert authors[0][1] < authors[1][1]
        relation = page.locator(".claim-relations .relation", has_text="وزارة النقل").first
        name_right, text_left = relation.evaluate("""a => [
            a.querySelector('.relation-by').getBoundingClientRect().right,
            a.querySelector('bdi').getBoundingClientRect().left]""")
        assert name_right <= text_left
        sources = page.evaluate("""() => [...document.querySelectorAll('#claim-m1 .claim-sources a')].map(
            a => a.getBoundingClientRect().left)""")
        assert len(sources) == 2 and sources[0] < sources[1], "sources read left to right, in their order"
        assert axe_violations(page) + overflow_problems(page) + log.problems() == []


def test_arrows_point_along_the_line(browser: Any, rtl_example_site: Any, arabic_mixed_site: Any,
                                     english_mixed_site: Any) -> None:
    """The arrows the theme draws flip on a right-to-left page: a tag page's way back to all
    explainers points right, to where the line starts; a footnote's way back is mirrored."""
    with open_page(browser, rtl_example_site, 1280) as (page, log):
        page.goto(rtl_example_site.page_url("tags/russia/"), wait_until="load")
        assert "→" in page.eval_on_selector(".back a", "a => getComputedStyle(a, '::before').content")
        assert page.locator(".back a").inner_text() == Strings().messages("ar").text("tag.back"), (
            "the arrow is not part of the link's text (nor of the catalogue's)")
        assert log.problems() == []
    for site, transform in ((arabic_mixed_site, "matrix(-1, 0, 0, 1, 0, 0)"), (english_mixed_site, "none")):
        with open_page(browser, site, 1280) as (page, log):
            page.goto(site.page_url("bridge/"), wait_until="load")
            assert page.eval_on_selector(".footnote-backref", "a => getComputedStyle(a).transform") == transform
            assert log.problems() == []


CLEAN_CASES = [pytest.param(name, width, script, id=f"{name}-{width}-{'js' if script else 'nojs'}")
               for name in ("explainer", "home", "actor", "tag") for width in WIDTHS for script in (True, False)]


@pytest.mark.parametrize("name, width, script", CLEAN_CASES)
def test_arabic_pages_are_accessible_and_fit(name: str, width: int, script: bool, browser: Any,
                                             rtl_example_site: Any) -> None:
    """axe-core (WCAG 2.2 A/AA) and the overflow check on the Arabic pages. axe cannot run in a
    page with JavaScript disabled (its promise never settles): "without JavaScript" is the page
    with the theme's script replaced by an empty one, as in test_behaviour.py."""
    with open_page(browser, rtl_example_site, width) as (page, log):
        if not script:
            page.route("**/assets/explainer.*.js", lambda route: route.fulfill(
                status=200, body="", content_type="text/javascript"))
        page.goto(rtl_example_site.page_url(PAGES[name]), wait_until="load")
        assert page.locator(".filter").count() == (2 if script and name == "explainer" else 0)
        problems = [f"axe: {v}" for v in axe_violations(page)] + [f"overflow: {p}" for p in overflow_problems(page)]
        assert not problems + log.problems(), f"{name} at {width}px:\n  " + "\n  ".join(problems + log.problems())
