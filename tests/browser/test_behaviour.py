"""What the explainer page does with and without JavaScript, in dark mode and in print."""

from __future__ import annotations

import shutil
from typing import Any

import html5lib
import pytest

from browser_support import REPO, axe_violations, open_page, overflow_problems, serve_built

EXPLAINER = "crocus-city-hall-attack/"


def counts(site: Any) -> dict[str, int]:
    """How many timeline items, actor cards and claims the built HTML holds."""
    tree = html5lib.parse((site.directory / EXPLAINER / "index.html").read_bytes(), namespaceHTMLElements=False)
    timelines = [ol for ol in tree.iter("ol") if "timeline" in ol.get("class", "").split()]
    assert len(timelines) == 1, "one <ol class=\"timeline\"> in the explainer page"
    return {
        "timeline": len([li for li in timelines[0] if li.tag == "li"]),
        "actors": len([e for e in tree.iter() if (e.get("id") or "").startswith("actor-")
                       and "actor-card" in e.get("class", "")]),
        "claims": len([e for e in tree.iter() if (e.get("id") or "").startswith("claim-")
                       and e.get("data-status")]),
    }


@pytest.mark.parametrize("width", [375, 1280])
def test_everything_is_readable_without_javascript(width: int, browser: Any, example_site: Any) -> None:
    expected = counts(example_site)
    assert all(expected.values()), expected
    with open_page(browser, example_site, width, java_script_enabled=False) as (page, log):
        page.goto(example_site.page_url(EXPLAINER))
        found = {
            "timeline": page.locator("ol.timeline > li"),
            "actors": page.locator("[id^='actor-'].actor-card"),
            "claims": page.locator("[id^='claim-'][data-status]"),
        }
        for kind, locator in found.items():
            assert locator.count() == expected[kind], f"{kind}: {locator.count()} != {expected[kind]}"
            hidden = [i for i in range(locator.count()) if not locator.nth(i).is_visible()]
            assert not hidden, f"{kind} not visible without JavaScript: items {hidden}"
        for time in page.locator("ol.timeline > li time[datetime]").all():
            assert time.is_visible()
        assert page.locator(".filter").count() == 0, "the filter needs JavaScript and must not be in the HTML"
        page.goto(example_site.page_url(EXPLAINER) + "#claim-putin-ukraine-window")
        outline = page.eval_on_selector("#claim-putin-ukraine-window", "el => getComputedStyle(el).outlineStyle")
        assert outline != "none", "a :target claim is highlighted by CSS alone"
        problems = overflow_problems(page) + log.problems()
        assert not problems, "\n".join(problems)
    # axe-core cannot run with JavaScript disabled (its promise never settles), so check the
    # accessibility of the script-less page with the theme's script replaced by an empty one.
    with open_page(browser, example_site, width) as (page, log):
        page.route("**/assets/explainer.*.js", lambda route: route.fulfill(
            status=200, body="", content_type="text/javascript"))
        page.goto(example_site.page_url(EXPLAINER))
        assert page.locator(".filter, #ref-preview").count() == 0
        problems = axe_violations(page) + log.problems()
        assert not problems, "\n".join(problems)


def test_actor_filter_hides_other_actors_claims_and_events(browser: Any, example_site: Any) -> None:
    with open_page(browser, example_site, 1280) as (page, log):
        page.goto(example_site.page_url(EXPLAINER))
        claims = page.locator(".section-claims .claim")
        events = page.locator("ol.timeline > li")
        total_claims, total_events = claims.count(), events.count()
        select = page.locator("#filter-claims")
        assert select.is_visible()
        assert page.get_by_label("Filter by actor").count() == 2, "one labelled control per section"
        cards = page.locator(".actor-card").evaluate_all("els => els.map(e => e.dataset.actor)")
        options = select.locator("option").evaluate_all("os => os.map(o => o.value)")
        assert options == [""] + cards, "the control lists every actor of the page, in card order"

        select.select_option("vladimir-putin")
        shown = [c for c in claims.all() if c.is_visible()]
        assert shown and len(shown) < total_claims
        assert all(c.get_attribute("data-actor") == "vladimir-putin" for c in shown)
        hidden = [c for c in claims.all() if not c.is_visible()]
        assert all(c.get_attribute("data-actor") != "vladimir-putin" for c in hidden)
        visible_events = [e for e in events.all() if e.is_visible()]
        assert visible_events and len(visible_events) < total_events
        assert all("vladimir-putin" in (e.get_attribute("data-actors") or "").split() for e in visible_events)
        assert page.locator("#filter-timeline").input_value() == "vladimir-putin", "the two controls stay in step"
        assert "Vladimir Putin" in page.locator(".section-claims .filter-status").inner_text()

        page.locator("#filter-timeline").select_option("")
        assert sum(c.is_visible() for c in claims.all()) == total_claims
        assert sum(e.is_visible() for e in events.all()) == total_events

        # A link to a claim that the filter hides shows it again.
        select.select_option("ukraine-government")
        page.evaluate("location.hash = '#claim-putin-ukraine-window'")
        page.wait_for_function("document.querySelector('#claim-putin-ukraine-window').classList.contains('is-target')")
        assert page.locator("#claim-putin-ukraine-window").is_visible()
        assert not log.problems(), log.problems()


@pytest.mark.parametrize("width", [375, 1280])
def test_hovering_or_focusing_an_id_link_shows_a_preview(width: int, browser: Any, example_site: Any) -> None:
    with open_page(browser, example_site, width) as (page, log):
        page.goto(example_site.page_url(EXPLAINER))
        preview = page.locator("#ref-preview")
        link = page.locator(".body a.ref-actor[href='#actor-vladimir-putin']").first
        if width == 1280:
            link.hover()
            preview.wait_for(state="visible")
            assert "Vladimir Putin" in preview.inner_text()
            assert "President of Russia" in preview.inner_text()
            assert link.get_attribute("aria-describedby") == "ref-preview"
            assert preview.get_attribute("role") == "tooltip"
            page.mouse.move(5, 5)
            preview.wait_for(state="hidden")
            assert link.get_attribute("aria-describedby") is None

        claim_link = page.locator(".body a.ref-claim[href='#claim-lukashenko-belarus-route']").first
        claim_link.focus()
        preview.wait_for(state="visible")
        text = preview.inner_text()
        assert "first tried to flee into Belarus" in text and "Disputed" in text.title()
        assert preview.locator("[id], a[href], button, input, select").count() == 0, \
            "the preview is a copy without ids or focusable elements"
        box, vw = preview.bounding_box(), page.evaluate("document.documentElement.clientWidth")
        assert box and box["x"] >= 0 and box["x"] + box["width"] <= vw, "the preview fits the viewport"
        assert not overflow_problems(page)
        page.keyboard.press("Escape")
        preview.wait_for(state="hidden")

        source_link = page.locator(".body a.ref-source").first
        source_link.focus()
        preview.wait_for(state="visible")
        assert "SOURCE" in preview.inner_text().upper() and "Mike Glenn" in preview.inner_text()
        # Links to other pages get no preview.
        page.locator(".actor-name a").first.focus()
        preview.wait_for(state="hidden")
        assert not log.problems(), log.problems()


def test_claim_fragment_is_highlighted_on_load_and_on_hashchange(browser: Any, example_site: Any) -> None:
    with open_page(browser, example_site, 1280) as (page, log):
        page.goto(example_site.page_url(EXPLAINER) + "#claim-putin-ukraine-window")
        first = page.locator("#claim-putin-ukraine-window")
        assert "is-target" in (first.get_attribute("class") or "")
        assert first.evaluate("el => el.matches(':target') && getComputedStyle(el).outlineStyle !== 'none'")
        assert first.is_visible()
        page.wait_for_function("""() => { const r = document.querySelector('#claim-putin-ukraine-window')
                                                  .getBoundingClientRect(); return r.top >= -1 && r.top < innerHeight; }""")

        # A relation link inside the claim takes you to the related claim and highlights it.
        first.locator("a.relation[href='#claim-lukashenko-belarus-route']").click()
        second = page.locator("#claim-lukashenko-belarus-route")
        page.wait_for_function("document.querySelector('#claim-lukashenko-belarus-route').classList.contains('is-target')")
        assert "is-target" not in (first.get_attribute("class") or "")
        assert page.evaluate("location.hash") == "#claim-lukashenko-belarus-route"
        page.wait_for_function("""() => { const r = document.querySelector('#claim-lukashenko-belarus-route')
                                                  .getBoundingClientRect(); return r.top >= -1 && r.top < innerHeight; }""")
        assert second.evaluate("el => getComputedStyle(el).outlineStyle") != "none"
        assert not log.problems(), log.problems()


def test_reduced_motion_turns_off_animation(browser: Any, example_site: Any) -> None:
    with open_page(browser, example_site, 1280, reduced_motion="reduce") as (page, log):
        page.goto(example_site.page_url(EXPLAINER) + "#claim-ukraine-denial")
        claim = page.locator("#claim-ukraine-denial")
        assert "is-target" in (claim.get_attribute("class") or "")
        assert claim.evaluate("el => getComputedStyle(el).animationName") == "none"
        assert page.evaluate("getComputedStyle(document.documentElement).scrollBehavior") == "auto"
        assert not log.problems(), log.problems()


@pytest.mark.parametrize("width", [375, 1280])
def test_dark_mode(width: int, browser: Any, example_site: Any, edge_site: Any, artifacts: Any) -> None:
    for name, site, path in (("explainer", example_site, EXPLAINER), ("edge", edge_site, "edge-cases/")):
        with open_page(browser, site, width, color_scheme="dark") as (page, log):
            page.goto(site.page_url(path))
            background = page.evaluate("getComputedStyle(document.body).backgroundColor")
            assert background != "rgb(255, 255, 255)", "dark mode follows prefers-color-scheme"
            page.screenshot(path=str(artifacts / f"{name}-{width}-dark.png"), full_page=True)
            problems = axe_violations(page) + overflow_problems(page) + log.problems()
            assert not problems, f"{name} in dark mode:\n" + "\n".join(problems)


def test_print_shows_the_whole_explainer_with_source_urls(browser: Any, edge_site: Any, example_site: Any) -> None:
    with open_page(browser, edge_site, 1280) as (page, log):
        page.goto(edge_site.page_url("edge-cases/"))
        page.locator("#filter-claims").select_option("group-x")   # print ignores the filter
        page.emulate_media(media="print")
        for selector in (".site-nav", ".toc", ".filter", ".site-footer", ".skip-link"):
            assert not page.locator(selector).first.is_visible(), f"{selector} is hidden in print"
        for selector in ("ol.timeline > li", ".actor-card", ".claim", ".sources > li"):
            items = page.locator(selector)
            assert items.count() and all(i.is_visible() for i in items.all()), f"{selector} all print"
        after = page.eval_on_selector("#source-long-url a[href^='http']",
                                      "a => getComputedStyle(a, '::after').content")
        assert "https://www.example.org/a/very/long/path" in after, after
        pdf = page.pdf(format="A4")
        assert pdf.startswith(b"%PDF") and len(pdf) > 10_000
        assert not log.problems(), log.problems()


def test_the_script_speaks_the_pages_language(browser: Any, tmp_path: Any) -> None:
    """In Russian, the filter's words are the catalogue's, with the plural form of each
    number by the browser's CLDR rules (2 утверждения, 8 утверждений)."""
    root = tmp_path / "project"
    shutil.copytree(REPO / "content", root / "content")
    (root / "site.yaml").write_text((REPO / "site.yaml").read_text("utf-8").replace("language: en", "language: ru"),
                                    encoding="utf-8")
    with serve_built(root, tmp_path / "site") as site, open_page(browser, site, 1280) as (page, log):
        page.goto(site.page_url(EXPLAINER))
        assert page.get_by_label("Фильтр по участнику").count() == 2
        select = page.locator("#filter-claims")
        options = select.locator("option").evaluate_all("os => os.map(o => o.textContent)")
        assert options[0] == "Все участники"
        # The name isolated (FSI...PDI): a name in the other direction keeps its punctuation.
        assert "\u2068Vladimir Putin\u2069 (2 утверждения, 3 события)" in options
        select.select_option("vladimir-putin")
        assert page.locator(".section-claims .filter-status").inner_text() == \
            "Показано 2 из 8 утверждений, автор — \u2068Vladimir Putin\u2069."
        assert not log.problems(), log.problems()


def test_the_script_reads_doubled_braces_as_braces(browser: Any, tmp_path: Any) -> None:
    """`{{` and `}}` in a message are literal braces, in the script as in the catalogues
    (Python's format()): the script once showed `{{shown}}` as `{2}`."""
    root = tmp_path / "project"
    shutil.copytree(REPO / "content", root / "content")
    (root / "site.yaml").write_text(
        (REPO / "site.yaml").read_text("utf-8")
        + "strings:\n  en:\n    filter.showing_claims: \"{{shown}} = {shown} of {total}, by {actor}.\"\n",
        encoding="utf-8")
    with serve_built(root, tmp_path / "site") as site, open_page(browser, site, 1280) as (page, log):
        page.goto(site.page_url(EXPLAINER))
        page.locator("#filter-claims").select_option("vladimir-putin")
        assert page.locator(".section-claims .filter-status").inner_text() == \
            "{shown} = 2 of 8 claims, by \u2068Vladimir Putin\u2069."
        assert not log.problems(), log.problems()
