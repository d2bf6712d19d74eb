"""A claim's verdict history (issue 19) in a real browser: closed by default, opened from the
keyboard, axe-clean open at both widths (the page itself, closed, is in test_pages.py)."""

from __future__ import annotations

from typing import Any

import pytest

from browser_support import WIDTHS, axe_violations, open_page, overflow_problems

CARD = "#claim-putin-ukraine-window .claim-history"


@pytest.mark.parametrize("width", list(WIDTHS))
def test_the_history_opens_from_the_keyboard_and_stays_accessible(width: int, browser: Any,
                                                                   history_site: Any) -> None:
    with open_page(browser, history_site, width) as (page, log):
        page.goto(history_site.page_url("crocus-city-hall-attack/"), wait_until="load")
        history = page.locator(CARD)
        assert history.evaluate("d => d.open") is False
        assert not page.locator(f"{CARD} ol").is_visible()
        page.locator(f"{CARD} summary").focus()
        page.keyboard.press("Enter")
        assert history.evaluate("d => d.open") is True
        assert page.locator(f"{CARD} li").all_inner_texts() == ["Unproven from 28 March 2024",
                                                                "Rated False on 2 April 2024"]
        problems = [f"overflow: {p}" for p in overflow_problems(page)]
        problems += [f"axe: {v}" for v in axe_violations(page)]
        problems += log.problems()
        assert not problems, "\n".join(problems)
