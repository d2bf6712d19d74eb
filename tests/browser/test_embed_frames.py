"""Embeds in a frame of another site's page, in Chromium, at 375 and 1280 px.

The page around them is an article served from another origin (its own local server),
holding the copy-paste snippet of docs/embeds.md once per embed, as a newsroom would paste
it. Each frame must report its height (the documented message), be resized to fit its
document (no scroll bar inside), grow again when the page narrows, be clean for axe-core
and overflow-free; a click on a link inside opens the full explainer in the top window.
Alone and without JavaScript, each embed shows its section."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Iterator

import pytest

from browser_support import REPO, ServedSite, axe_violations, open_page, overflow_problems, serve_folder

SLUG = "crocus-city-hall-attack"
SECTIONS = ("timeline", "claims", "questions")
TITLES = {"timeline": "Timeline", "claims": "The claims", "questions": "Who says what"}
DOCUMENTED_URL = f"https://example.org/explainers/{SLUG}/embed/claims/"
DOCUMENTED_ORIGIN = '"https://example.org"'


def snippet() -> str:
    """The first ```html block of docs/embeds.md: what a newsroom copies."""
    text = (REPO / "docs" / "embeds.md").read_text(encoding="utf-8")
    found = re.search(r"```html\n(.*?)```", text, re.S)
    assert found, "docs/embeds.md has no ```html snippet"
    code = found.group(1)
    assert DOCUMENTED_URL in code and DOCUMENTED_ORIGIN in code
    return code


def article(site: ServedSite) -> str:
    """A page of another site with the documented snippet once per embed, pointed at `site`;
    a listener of the test's own records every height message."""
    pasted = [snippet().replace(DOCUMENTED_URL, f"{site.url}{SLUG}/embed/{section}/")
              .replace(DOCUMENTED_ORIGIN, f'"{site.origin}"')
              .replace('title="The claims: ', f'title="{TITLES[section]}: ')
              for section in SECTIONS]
    return ("<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
            "<title>An article about the attack</title>\n<script>\nwindow.heights = [];\n"
            "window.addEventListener('message', function (event) {\n"
            "  if (event.data && event.data.type === 'explainer:height')\n"
            "    window.heights.push({origin: event.origin, data: event.data});\n});\n</script>\n"
            "</head>\n<body>\n<main>\n<h1>An article about the attack</h1>\n<p>The newsroom's own text.</p>\n"
            + "\n<p>More of the article.</p>\n".join(pasted)
            + "<p>The end of the article.</p>\n</main>\n</body>\n</html>\n")


@pytest.fixture(scope="module")
def newsroom(example_site: ServedSite, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServedSite]:
    folder = tmp_path_factory.mktemp("newsroom")
    (folder / "article.html").write_text(article(example_site), encoding="utf-8")
    with serve_folder(folder) as served:
        yield served


FRAME_FITS = """([i, h]) => Math.abs(document.querySelectorAll('iframe')[i].getBoundingClientRect().height - h) < 1"""
DOC_HEIGHT = "() => Math.ceil(document.documentElement.getBoundingClientRect().height)"


def _fits(page: Any, frame: Any, index: int) -> int:
    """Wait until the frame's element is as tall as the frame's document; that height."""
    height = frame.evaluate(DOC_HEIGHT)
    page.wait_for_function(FRAME_FITS, arg=[index, height])
    assert frame.evaluate("() => document.documentElement.scrollHeight <= innerHeight + 1"), \
        "the frame's document scrolls inside the frame"
    return int(height)


def _messages(page: Any, section: str) -> list[dict[str, Any]]:
    return page.evaluate("(s) => window.heights.filter(m => m.data.section === s)", section)


@pytest.mark.parametrize("width", [375, 1280])
def test_embeds_in_another_sites_page_fit_their_frames_and_open_links_on_top(
        width: int, browser: Any, example_site: ServedSite, newsroom: ServedSite, artifacts: Path) -> None:
    with open_page(browser, newsroom, width, also=(example_site,)) as (page, log):
        page.goto(newsroom.page_url("article.html"), wait_until="load")
        frames = page.locator("iframe")
        assert frames.count() == len(SECTIONS)
        heights = {}
        for index, section in enumerate(SECTIONS):
            element = frames.nth(index)
            assert element.get_attribute("title", timeout=1000), "the snippet's frame has a title"
            element.scroll_into_view_if_needed()
            page.wait_for_function("(s) => window.heights.some(m => m.data.section === s)", arg=section)
            frame = element.element_handle().content_frame()
            frame.wait_for_load_state("load")
            heights[section] = _fits(page, frame, index)
            last = _messages(page, section)[-1]
            assert last["origin"] == example_site.origin
            assert set(last["data"]) == {"type", "height", "slug", "section"}
            assert last["data"]["slug"] == SLUG and last["data"]["height"] == heights[section]
            problems = [f"axe: {v}" for v in axe_violations(frame)] + [f"overflow: {p}" for p in overflow_problems(frame)]
            assert not problems, f"{section} at {width}px:\n  " + "\n  ".join(problems)
            page.wait_for_timeout(50)
            element.screenshot(path=str(artifacts / f"embed-{section}-{width}.png"))
        assert min(heights.values()) > 600, "every frame grows from the snippet's 600px to its document's height"

        # A narrower page: the claims reflow taller, the frame follows. (Between 768 and 1280
        # px the reading column keeps its width, so the desktop page narrows to a phone's.)
        page.set_viewport_size({"width": 300 if width < 400 else 400, "height": 800})
        claims = frames.nth(1).element_handle().content_frame()
        page.wait_for_function("(h) => window.heights.some(m => m.data.section === 'claims' && m.data.height > h)",
                               arg=heights["claims"])
        assert _fits(page, claims, 1) > heights["claims"]

        # A link inside (a claim's relation: '#claim-...' under the embed's <base href>)
        # opens the full explainer in the top window, at that claim.
        link = claims.locator("a.relation").first
        href = link.get_attribute("href") or ""
        assert href.startswith("#claim-")
        link.click()
        page.wait_for_url(f"{example_site.url}{SLUG}/{href}")
        assert page.main_frame.url == f"{example_site.url}{SLUG}/{href}"
        assert page.locator(f"#{href[1:]}").evaluate("el => el.matches(':target')")
        assert not log.problems(), log.problems()


@pytest.mark.parametrize("width", [375, 1280])
def test_the_credit_line_opens_the_explainer_on_top(width: int, browser: Any, example_site: ServedSite,
                                                    newsroom: ServedSite) -> None:
    with open_page(browser, newsroom, width, also=(example_site,)) as (page, log):
        page.goto(newsroom.page_url("article.html"), wait_until="load")
        frame = page.frame_locator("iframe").first
        frame.locator(".embed-credit a").click()
        page.wait_for_url(f"{example_site.url}{SLUG}/")
        assert page.locator("h1").inner_text().startswith("Who was behind the Crocus City Hall attack?")
        assert not log.problems(), log.problems()


@pytest.mark.parametrize("width", [375, 1280])
@pytest.mark.parametrize("section", SECTIONS)
def test_an_embed_alone_is_readable_without_javascript_and_accessible(
        section: str, width: int, browser: Any, example_site: ServedSite) -> None:
    url = example_site.page_url(f"{SLUG}/embed/{section}/")
    explainer = (example_site.directory / SLUG / "index.html").read_text(encoding="utf-8")
    with open_page(browser, example_site, width, java_script_enabled=False) as (page, log):
        page.goto(url, wait_until="load")
        if section == "timeline":
            events = page.locator("ol.timeline > li")
            assert events.count() == explainer.count('<li class="event"') > 5
            assert all(events.nth(i).is_visible() for i in range(events.count()))
        elif section == "claims":
            claims = page.locator(".claim[data-status]")
            assert claims.count() == explainer.count('<article class="claim ') > 5
            assert all(claims.nth(i).is_visible() for i in range(claims.count()))
        assert page.locator(".embed-credit a").is_visible()
        assert not overflow_problems(page) and not log.problems()
    with open_page(browser, example_site, width) as (page, log):
        page.goto(url, wait_until="load")
        assert page.evaluate("() => Array.from(document.scripts, s => s.src.split('/').pop().split('.')[0])") == ["embed"]
        problems = axe_violations(page) + overflow_problems(page) + log.problems()
        assert not problems, "\n".join(problems)
