"""The search page in Chromium, at phone (375 px) and desktop (1280 px) width: a search for an
actor's name finds that actor's page and their claims, each result a link to its card; the
page asks nothing of another host; axe-core finds nothing with results shown; without
JavaScript it links to every topic and actor page instead (docs/search.md)."""

from __future__ import annotations

from typing import Any

import pytest
from browser_support import axe_violations, open_page, overflow_problems

WIDTHS = [375, 1280]


def results(page: Any) -> list[dict[str, str]]:
    page.wait_for_selector(".search-list .search-hit")
    return page.eval_on_selector_all(".search-hit", """hits => hits.map(h => ({
        href: h.querySelector('a').getAttribute('href'),
        title: h.querySelector('.search-title').textContent,
        kind: h.querySelector('.search-kind').textContent,
        marked: h.querySelectorAll('.search-excerpt mark').length}))""")


@pytest.mark.parametrize("width", WIDTHS)
def test_an_actors_name_finds_the_actor_and_their_claims(width: int, browser: Any, example_site: Any) -> None:
    with open_page(browser, example_site, width) as (page, log):
        page.goto(example_site.page_url("search/"))
        assert page.locator(".search-fallback").first.is_hidden()
        page.fill("#search-query", "Putin")
        page.press("#search-query", "Enter")
        found = results(page)
        hrefs = [hit["href"] for hit in found]
        assert example_site.page_url("actors/vladimir-putin/") in hrefs, found
        claims = [hit for hit in found if "#claim-" in hit["href"]]
        assert claims, found
        assert all(hit["href"].startswith(example_site.page_url("crocus-city-hall-attack/#claim-")) for hit in claims)
        assert any(hit["kind"] == "Claim by Vladimir Putin, in " + hit["kind"].split(", in ", 1)[1]
                   for hit in claims), claims
        assert all(hit["marked"] for hit in found), "each excerpt marks the words found"
        assert page.locator(".search-count").text_content() == f"{len(found)} results"
        problems = axe_violations(page) + overflow_problems(page) + log.problems()
        assert not problems, "\n".join(problems)
        # a claim result opens the explainer page at that claim's card
        claim = claims[0]["href"]
        page.click(f".search-hit a[href='{claim}']")
        page.wait_for_url(claim)
        assert page.locator(f"#{claim.split('#', 1)[1]}").is_visible()


def test_the_query_in_the_address_is_searched_and_nothing_found_is_said(browser: Any, example_site: Any) -> None:
    with open_page(browser, example_site, 1280) as (page, log):
        page.goto(example_site.page_url("search/?q=Lukashenko"))
        assert any("alexander-lukashenko" in hit["href"] for hit in results(page))
        page.fill("#search-query", "zzxqvw")
        page.wait_for_function("document.querySelector('.search-count')?.textContent === 'Nothing found.'")
        assert not log.problems(), log.problems()


@pytest.mark.parametrize("width", WIDTHS)
def test_without_javascript_the_page_links_to_every_topic_and_actor(width: int, browser: Any,
                                                                      example_site: Any) -> None:
    with open_page(browser, example_site, width, java_script_enabled=False) as (page, log):
        page.goto(example_site.page_url("search/"))
        assert page.locator(".search-form").is_hidden()
        assert page.locator(".search-fallback").is_visible()
        tags = page.eval_on_selector_all(".topics a", "links => links.map(a => a.getAttribute('href'))")
        actors = page.eval_on_selector_all(".search-actors a", "links => links.map(a => a.getAttribute('href'))")
        assert "../tags/russia/" in tags
        assert {"../actors/vladimir-putin/", "../actors/alexander-lukashenko/"} <= set(actors)
        assert len(actors) == len(list((example_site.directory / "actors").iterdir()))
        problems = overflow_problems(page) + log.problems()
        assert not problems, "\n".join(problems)
    with open_page(browser, example_site, width) as (page, log):  # axe needs scripts: the page's own go
        page.route("**/assets/search.*.js", lambda route: route.fulfill(status=200, body="",
                                                                          content_type="text/javascript"))
        page.goto(example_site.page_url("search/"))
        problems = axe_violations(page) + log.problems()
        assert not problems, "\n".join(problems)


@pytest.mark.parametrize("width", WIDTHS)
def test_the_arabic_search_page_speaks_arabic_and_stays_accessible(width: int, browser: Any,
                                                                    rtl_example_site: Any) -> None:
    with open_page(browser, rtl_example_site, width) as (page, log):
        page.goto(rtl_example_site.page_url("search/?q=Putin"))
        found = results(page)
        assert any(hit["kind"] == "جهة" for hit in found), found  # an actor page
        assert any(hit["kind"].startswith("ادعاء Vladimir Putin") for hit in found), found
        assert page.eval_on_selector("html", "h => h.dir") == "rtl"
        problems = axe_violations(page) + overflow_problems(page) + log.problems()
        assert not problems, "\n".join(problems)
