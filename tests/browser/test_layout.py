"""Layout the eye checks: cards without holes.

In "Who's who", cards of one row share the row's height. A card whose neighbour is taller
must keep its content at the top: its first block of text (affiliation, description or
claims) starts right under its header (picture, name, kind and role), with the extra height
left empty at the bottom, not between the header and the text. Checked at phone (375 px) and
desktop (1280 px) width on the example, whose cards differ much in height; screenshots go
to tests/browser/artifacts/cards-<width>.png.
"""

from __future__ import annotations

from typing import Any

import pytest

from browser_support import WIDTHS, open_page

GAP_ALLOWED = 16
"""Pixels between a card's header and its first text block: the block's own top margin
(at most .75rem = 12 px) and rounding, never the neighbour's extra height."""

CARD_GAPS = """() => [...document.querySelectorAll('.section-actors .actor-card')].map(card => {
  const box = el => el.getBoundingClientRect();
  const header = [card.querySelector('.avatar'), card.querySelector('.actor-name'),
                  card.querySelector('.actor-meta')].filter(Boolean);
  const headerBottom = Math.max(...header.map(el => box(el).bottom));
  const body = [...card.querySelectorAll('.actor-body > *')]
    .filter(el => !el.matches('.actor-name, .actor-meta'));
  const first = body[0];
  return {id: card.id, height: Math.round(box(card).height),
          gap: first ? Math.round(box(first).top - headerBottom) : null,
          first: first ? first.className : null};
})"""


@pytest.mark.parametrize("width", list(WIDTHS))
def test_actor_cards_start_their_text_right_under_the_header(width: int, browser: Any, example_site: Any,
                                                             artifacts: Any) -> None:
    with open_page(browser, example_site, width) as (page, log):
        page.goto(example_site.page_url("crocus-city-hall-attack/"), wait_until="load")
        section = page.locator("#actors")
        section.screenshot(path=str(artifacts / f"cards-{width}.png"))
        cards = page.evaluate(CARD_GAPS)
        assert len(cards) == 12
        if width == 1280:  # two columns: some card is stretched to a taller neighbour's height
            assert len({card["height"] for card in cards}) < len(cards)
        holes = [card for card in cards if card["gap"] is not None and not 0 <= card["gap"] <= GAP_ALLOWED]
        assert holes == [], f"at {width}px these cards have a gap under their header: {holes}"
        assert log.problems() == []
