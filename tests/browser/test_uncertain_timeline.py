"""An uncertain-date timeline sorts and reads correctly in Chromium.

The edge fixture's `uncertain-dates.md` writes its events out of order, dated around, by,
from and between (in both spellings) next to exact dates of every precision. In the
browser, at phone and desktop width: the events stand top to bottom in the documented
order (docs/authoring.md, "Uncertain dates"), each date reads as the phrase it is ("by 6
June 2023", never the bare "6 June 2023"), keeps its exact value in `data-edtf` and has a
`datetime` only where one is true; the claims show their dates the same way; and axe-core
finds nothing.
"""

from __future__ import annotations

from typing import Any

import pytest

from browser_support import axe_violations, open_page, overflow_problems

PAGE = "uncertain-dates/"

TIMELINE = [
    # (element, datetime, data-edtf, text, event title), in the order the page must show them
    ("time", "1956", None, "1956", "Construction is completed"),
    ("span", None, "1956~", "around 1956", "The dam is built"),
    ("span", None, "2022/2024", "between 2022 and 2024", "An inspection takes place"),
    ("time", "2023", "2023-05/2023-07", "between May and July 2023", "Repairs are said to be planned"),
    ("time", "2023-06", None, "June 2023", "A month of high water"),
    ("span", None, "2023-06~", "around June 2023", "The authority calls the dam sound"),
    ("time", "2023-06", "2023-06-05/2023-06-07", "between 5 and 7 June 2023", "The reservoir level falls"),
    ("span", None, "../2023-06-06", "by 6 June 2023", "Engineers warn of damage"),
    ("time", "2023-06-06", None, "6 June 2023", "The dam is breached"),
    ("span", None, "2023-06-06/..", "from 6 June 2023", "Evacuations go on downstream"),
    ("time", "2023-06-06T02:50:00+03:00", None, "6 June 2023, 02:50 UTC+03:00", "Sirens sound in the town below"),
]

CLAIMS = {
    "dam-sound": ("span", None, "2023-05~", "around May 2023"),
    "cracks-reported": ("span", None, "../2023-06-01", "by 1 June 2023"),
    "water-fell": ("time", "2023-06", "2023-06-05/2023-06-07", "between 5 and 7 June 2023"),
    "breach-hour": ("time", "2023-06-06", None, "6 June 2023"),
}

READ_DATE = """el => [el.tagName.toLowerCase(), el.getAttribute('datetime'), el.getAttribute('data-edtf'),
                      el.textContent, el.innerText]"""


@pytest.mark.parametrize("width", [375, 1280])
def test_an_uncertain_date_timeline_sorts_and_reads_correctly(width: int, browser: Any, edge_site: Any) -> None:
    with open_page(browser, edge_site, width) as (page, log):
        response = page.goto(edge_site.page_url(PAGE), wait_until="load")
        assert response is not None and response.ok
        items = page.locator("ol.timeline > li")
        assert items.count() == len(TIMELINE)
        tops = []
        for index, (tag, datetime, edtf, text, title) in enumerate(TIMELINE):
            item = items.nth(index)
            date = item.locator(":scope > time, :scope > .date")
            assert date.count() == 1 and date.is_visible(), title
            found = date.evaluate(READ_DATE)
            assert found[:4] == [tag, datetime, edtf, text], title
            # What is on the screen, after the theme's small capitals: the same words.
            assert found[4].lower() == text.lower(), title
            assert item.locator(".event-title").inner_text() == title
            tops.append(item.bounding_box()["y"])  # type: ignore[index]
        assert tops == sorted(tops), "the events stand on the page in the order of the list"
        for claim_id, (tag, datetime, edtf, text) in CLAIMS.items():
            date = page.locator(f"#claim-{claim_id} .claim-date > :is(time, .date)")
            assert date.evaluate(READ_DATE)[:4] == [tag, datetime, edtf, text], claim_id
            assert date.is_visible()
        rows = page.locator(".claim-map-date").all_text_contents()
        assert rows == ["around May 2023", "by 1 June 2023", "between 5 and 7", "June 2023", "6 June 2023"]
        problems = axe_violations(page) + overflow_problems(page) + log.problems()
        assert not problems, f"at {width}px:\n  " + "\n  ".join(problems)
