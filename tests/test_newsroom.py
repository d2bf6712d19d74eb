"""A second project, tests/projects/newsroom/, written from the contract alone: three
explainers sharing actors and tags, year-only and month-only dates, site.yaml, an image,
and a templates/index.html override that still extends base.html."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from xml.etree import ElementTree

import pytest

from helpers import broken_links, build_project, html_tree, links_in, text_of

PROJECT = Path(__file__).parent / "projects" / "newsroom"
BASE = "https://news.example.com/explainers/"
SLUGS = ["ruritania-election", "grain-deal", "flood-response"]


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The newsroom project built from a copy (a build may leave a cache in its project)."""
    root = tmp_path_factory.mktemp("newsroom") / "project"
    shutil.copytree(PROJECT, root)
    build_project(root, root / "site")
    return root / "site"


def test_builds_every_page(site: Path) -> None:
    pages = sorted(p.relative_to(site).as_posix() for p in site.rglob("index.html"))
    assert pages == sorted(
        ["index.html", "search/index.html"]
        + [f"{slug}/index.html" for slug in SLUGS]
        + [f"{slug}/embed/{section}/index.html" for slug in SLUGS for section in ("timeline", "claims", "questions")]
        + [f"actors/{a}/index.html" for a in ("daily-herald", "electoral-commission", "farmers-union",
                                              "government-of-ruritania", "jan-novak", "river-authority")]
        + [f"tags/{t}/index.html" for t in ("climate", "elections", "ruritania", "trade")]
    )
    for slug in SLUGS:
        assert json.loads((site / slug / "explainer.json").read_text("utf-8"))["slug"] == slug


def test_project_template_overrides_the_theme_and_extends_base(site: Path) -> None:
    home = html_tree(site / "index.html")
    fronts = [el for el in home.iter("section") if el.get("data-template") == "newsroom-index"]
    assert len(fronts) == 1
    assert text_of(next(home.iter("title"))) == "Front page · Newsroom Explainers"
    assert home.get("lang") == "en"  # from base.html
    assert any(link.get("rel") == "stylesheet" for link in home.iter("link"))  # base.html's head
    # Newest first, then by slug: two explainers share 2024-06-01.
    assert [href for href, _ in links_in(next(home.iter("ol")))] == [f"{s}/" for s in
                                                                     ("flood-response", "grain-deal",
                                                                      "ruritania-election")]


def test_other_pages_still_use_the_built_in_theme(site: Path) -> None:
    page = html_tree(site / "grain-deal/index.html")
    assert not [el for el in page.iter() if el.get("data-template") == "newsroom-index"]
    assert [el for el in page.iter() if el.get("id") == "claim-farmers-win"]


def test_image_is_copied_under_media(site: Path) -> None:
    copied = site / "media/images/jan-novak.png"
    assert copied.read_bytes() == (PROJECT / "content/images/jan-novak.png").read_bytes()
    assert copied.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    actor_page = html_tree(site / "actors/jan-novak/index.html")
    assert "../../media/images/jan-novak.png" in [img.get("src") for img in actor_page.iter("img")]


def test_shared_actor_page_lists_claims_and_events_from_both_explainers(site: Path) -> None:
    page = html_tree(site / "actors/jan-novak/index.html")
    text = text_of(page)
    assert "This was the cleanest election in Ruritania's history." in text
    assert "The deal will raise farm incomes by a fifth." in text
    assert "The agreement is signed" in text
    assert "The prime minister and the commission answer" in text
    hrefs = {href for href, _ in links_in(page)}
    assert {"../../ruritania-election/", "../../grain-deal/"} <= hrefs


def test_government_page_lists_events_from_both_explainers(site: Path) -> None:
    text = text_of(html_tree(site / "actors/government-of-ruritania/index.html"))
    assert "Parliamentary election held" in text
    assert "Talks on a grain agreement begin" in text


def test_tag_pages_list_their_explainers(site: Path) -> None:
    ruritania = html_tree(site / "tags/ruritania/index.html")
    hrefs = [href for href, _ in links_in(ruritania)]
    assert "../../grain-deal/" in hrefs and "../../ruritania-election/" in hrefs
    assert "../../flood-response/" not in hrefs
    assert "../../flood-response/" in [href for href, _ in links_in(html_tree(site / "tags/climate/index.html"))]


def test_year_and_month_dates_are_shown_as_written(site: Path) -> None:
    page = html_tree(site / "ruritania-election/index.html")
    timeline = next(ol for ol in page.iter("ol") if "timeline" in (ol.get("class") or "").split())
    times = [(t.get("datetime"), text_of(t)) for li in timeline.findall("li") for t in [next(li.iter("time"))]]
    assert times[:3] == [("1991", "1991"), ("2024-04", "April 2024"), ("2024-05-05", "5 May 2024")]
    assert times[3][0] == "2024-05-08T18:00:00+02:00"
    grain = json.loads((site / "grain-deal/explainer.json").read_text("utf-8"))
    assert grain["claims"][1]["date"] == "2024-06"
    assert grain["timeline"][0] == {"date": "2023", "date_qualifier": "exact", "date_edtf": "2023",
                                    "date_earliest": "2023-01-01", "date_latest": "2023-12-31", "precision": "year",
                                    "title": "Talks on a grain agreement begin", "text": None,
                                    "actors": ["government-of-ruritania"], "claims": [], "sources": []}


def test_relations_show_on_both_claims(site: Path) -> None:
    page = html_tree(site / "ruritania-election/index.html")

    def hrefs(claim_id: str) -> set[str]:
        claim = next(el for el in page.iter() if el.get("id") == f"claim-{claim_id}")
        return {href for href, _ in links_in(claim)}

    assert "#claim-ballots-in-skip" in hrefs("cleanest-election")
    assert {"#claim-cleanest-election", "#claim-spoiled-papers"} <= hrefs("ballots-in-skip")
    assert "#claim-spoiled-papers" in hrefs("cleanest-election")


def test_feed_and_sitemap_use_the_site_base_url(site: Path) -> None:
    atom = "{http://www.w3.org/2005/Atom}"
    feed = ElementTree.parse(site / "feed.xml").getroot()
    assert feed.findtext(f"{atom}title") == "Newsroom Explainers"
    assert [e.find(f"{atom}link").get("href") for e in feed.findall(f"{atom}entry")] == \
        [BASE + "flood-response/", BASE + "grain-deal/", BASE + "ruritania-election/"]
    sitemap = ElementTree.parse(site / "sitemap.xml").getroot()
    locs = [u.findtext("{http://www.sitemaps.org/schemas/sitemap/0.9}loc") for u in sitemap]
    assert all(loc.startswith(BASE) for loc in locs)
    assert BASE + "tags/trade/" in locs


def test_the_project_itself_checks_clean(cli_run) -> None:
    result = cli_run("check", "--root", PROJECT)
    assert result.code == 0, result.err
    assert result.err_lines == ["explainer: no errors"]


def test_every_internal_link_resolves(site: Path) -> None:
    assert broken_links(site, BASE) == []
