"""Every kind of page, at phone (375x812, touch) and desktop (1280x900) width:
no console errors, no failed or external requests, no horizontal overflow, no axe-core
WCAG 2.2 A/AA violations, and every interactive element reachable by keyboard with a
visible focus indicator. Screenshots go to tests/browser/artifacts/<page>-<width>.png."""

from __future__ import annotations

from typing import Any

import pytest

from browser_support import PAGES, WIDTHS, axe_violations, keyboard_walk, open_page, overflow_problems

CASES = [pytest.param(name, width, id=f"{name}-{width}") for name in PAGES for width in WIDTHS]


@pytest.mark.parametrize("name, width", CASES)
def test_page_renders_cleanly_and_accessibly(name: str, width: int, browser: Any, site_for: Any,
                                             artifacts: Any) -> None:
    fixture, path = PAGES[name]
    site = site_for(fixture)
    with open_page(browser, site, width) as (page, log):
        response = page.goto(site.page_url(path), wait_until="load")
        assert response is not None and response.ok, f"{path}: HTTP {response and response.status}"
        page.wait_for_timeout(50)
        page.screenshot(path=str(artifacts / f"{name}-{width}.png"), full_page=True)

        problems: list[str] = []
        viewport = page.evaluate(
            "() => (document.querySelector('meta[name=viewport]') || {}).content || ''")
        if "width=device-width" not in viewport:
            problems.append(f"missing or wrong <meta name=viewport>: {viewport!r}")
        problems += [f"overflow: {p}" for p in overflow_problems(page)]
        problems += [f"axe: {v}" for v in axe_violations(page)]
        problems += log.problems()
        assert not problems, f"{name} at {width}px:\n  " + "\n  ".join(problems)


@pytest.mark.parametrize("name, width", CASES)
def test_keyboard_reaches_everything_with_visible_focus(name: str, width: int, browser: Any,
                                                       site_for: Any) -> None:
    fixture, path = PAGES[name]
    site = site_for(fixture)
    with open_page(browser, site, width) as (page, log):
        page.goto(site.page_url(path), wait_until="load")
        items, reached, problems = keyboard_walk(page)
        assert items, "no interactive elements found"
        assert reached and reached[0] == items[0]["i"] and items[0]["desc"] == "a #main", \
            f"the first Tab should land on the skip link, not {items[0]['desc']!r}"
        problems += log.problems()
        assert not problems, f"{name} at {width}px:\n  " + "\n  ".join(problems)
