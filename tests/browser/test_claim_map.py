"""The claim map in a browser, without JavaScript: it keeps its size and scrolls sideways
inside its figure on a phone (the page itself never does), and its boxes and the claim
cards link to each other. (axe, keyboard focus and overflow run on the whole page in
test_pages.py.)"""

from __future__ import annotations

from typing import Any

import pytest

from browser_support import open_page, overflow_problems

EXPLAINER = "crocus-city-hall-attack/"
CLAIM = "putin-ukraine-window"


@pytest.mark.parametrize("width", [375, 1280])
def test_the_map_scrolls_in_its_figure_and_links_both_ways(width: int, browser: Any, example_site: Any) -> None:
    with open_page(browser, example_site, width, java_script_enabled=False) as (page, log):
        page.goto(example_site.page_url(EXPLAINER))
        svg = page.locator("svg.claim-map-svg")
        box = svg.bounding_box()
        assert box is not None and round(box["width"]) == int(svg.get_attribute("width") or 0), \
            "the drawing keeps its size, so its text stays readable"
        scroll_width, client_width = page.locator(".claim-map-scroll").evaluate(
            "el => [el.scrollWidth, el.clientWidth]")
        assert scroll_width > client_width, "the example's map is wider than a screen: it scrolls in its figure"

        page.locator(f"#map-node-{CLAIM}").click()
        assert page.url.endswith(f"#claim-{CLAIM}")
        assert page.eval_on_selector(f"#claim-{CLAIM}", "el => getComputedStyle(el).outlineStyle") != "none"
        page.locator(f"#claim-{CLAIM} .claim-map-link a").click()
        assert page.url.endswith(f"#map-node-{CLAIM}")
        # The theme scrolls smoothly: wait for the scroll to end (polling from here, as the
        # page runs no script).
        for _ in range(50):
            top, bottom = page.eval_on_selector(f"#map-node-{CLAIM}", """el => {
                const r = el.getBoundingClientRect(); return [r.top, r.bottom]; }""")
            if bottom > 0 and top < page.viewport_size["height"]:  # type: ignore[index]
                break
            page.wait_for_timeout(100)
        else:
            raise AssertionError(f"following the card's link leaves the box out of view ({top}..{bottom})")
        problems = overflow_problems(page) + log.problems()
        assert not problems, "\n".join(problems)
