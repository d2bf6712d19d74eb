"""Built sites checked by validators that others wrote (see tests/schemas/README.md):

- every page by the Nu HTML Checker (`vnu.jar`, from npm): no errors;
- every page's Open Graph tags: the four the protocol requires (og:title, og:type,
  og:image, og:url), absolute, with the picture's alt text, and the picture on the site;
- every JSON-LD object against schema.org's vocabulary (types, properties, domains,
  ranges), plus what Google's NewsArticle and ClaimReview profiles need;
- feed.xml against Atom's RELAX NG schema (RFC 4287, Appendix B) and its two rules in prose;
- sitemap.xml against sitemaps.org's XML Schema.

The sites: the example, the theme's edge-case project (a lead image with a credit), the
newsroom project (a template of its own, actor portraits), a project whose headlines are
in Cyrillic, Greek, Arabic and English (share cards), one with a default share image, and
one with a claim of every status by every kind of actor (`VERDICTS`): every rated claim of
it and of the example has one ClaimReview, valid schema.org, and no unrated claim has one.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

from helpers import REPO, build_project, copy_example, example_with_verdict_history, html_tree, make_project
from validator_tools import Vocabulary, run_vnu, vocabulary_file

lxml_etree = pytest.importorskip("lxml.etree")

SCHEMAS = Path(__file__).parent / "schemas"
ATOM = "{http://www.w3.org/2005/Atom}"


def _png(width: int, height: int) -> bytes:
    import io

    from PIL import Image
    out = io.BytesIO()
    Image.new("RGB", (width, height), (120, 90, 160)).save(out, "PNG")
    return out.getvalue()


def _explainer(title: str, extra: str = "") -> str:
    return (f"---\ntitle: {title}\nsummary: A summary of “{title}”.\npublished: 2024-05-01\n"
            f"authors: [A. Writer]\ntags: [cards]\n{extra}"
            "actors:\n  speaker:\n    name: A Speaker\nsources:\n"
            "  report:\n    title: The report\n    publisher: An Agency\n    url: https://example.com/report\n"
            "    date: 2024-04-30\n"
            "claims:\n  first:\n    by: speaker\n    text: Something was said.\n    status: false\n"
            "    sources: [report]\n  second:\n    by: speaker\n    text: Something else.\n    status: disputed\n"
            "---\nThe body.\n")


VERDICTS = """---
title: Every verdict
summary: One claim of each status.
published: 2024-05-02
actors:
  person:
    name: A Person
    wikidata: Q42
    links: [https://example.com/person]
  ministry:
    name: A Ministry
    kind: government
  crowd:
    name: A Group
    kind: group
sources:
  with-url:
    title: A report online
    publisher: An Agency
    url: https://example.com/report
    date: 2024-04-30
  without-url:
    title: A broadcast
claims:
  c-true:
    by: person
    text: A true claim.
    status: true
    date: 2024-05-01
    sources: [without-url, with-url]
  c-mostly-true:
    by: ministry
    text: A mostly true claim.
    status: mostly-true
    date: 2024-05
    sources: [without-url]
  c-misleading:
    by: crowd
    text: A misleading claim.
    status: misleading
    date: "2024"
  c-false:
    by: agency
    text: A false claim.
    quote: The exact false words.
    status: false
    date: 2024-05-01T09:30:00+02:00
    sources: [with-url]
  c-unproven:
    by: person
    text: An unproven claim.
    status: unproven
  c-disputed:
    by: ministry
    text: A disputed claim.
    status: disputed
    contradicts: [c-true]
  c-unrated:
    by: person
    text: A claim reported without a verdict.
    date: 2024-05-01
    sources: [with-url]
---
Each claim has a status.
"""
"""Claims of every status, by a person, a government, a group and a shared medium; dated at
every precision or not at all; citing sources with and without an address, or none."""


@pytest.fixture(scope="module")
def sites(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, str]]:
    """name -> (built site, its base URL)."""
    made: dict[str, tuple[Path, str]] = {}

    def build(name: str, root: Path) -> None:
        base = f"https://example.org/{name}/"
        out = tmp_path_factory.mktemp(f"{name}-site") / "site"
        build_project(root, out, base)
        made[name] = (out, base)

    build("example", copy_example(tmp_path_factory.mktemp("example") / "project"))
    edge = tmp_path_factory.mktemp("edge") / "project"
    shutil.copytree(REPO / "tests/browser/fixtures/edge", edge)
    (edge / "content/images").mkdir(parents=True, exist_ok=True)
    (edge / "content/images/portrait.png").write_bytes(_png(64, 64))
    build("edge", edge)
    newsroom = tmp_path_factory.mktemp("newsroom") / "project"
    shutil.copytree(REPO / "tests/projects/newsroom", newsroom)
    build("newsroom", newsroom)
    build("cards", make_project(tmp_path_factory.mktemp("cards"), {
        "site.yaml": "title: Редакция объяснений\n",
        "content/explainers/cyrillic.md": _explainer("Кто стоит за терактом в «Крокус Сити Холле»?"),
        "content/explainers/greek.md": _explainer("Ποιος βρίσκεται πίσω από την επίθεση;"),
        "content/explainers/arabic.md": _explainer("من يقف وراء الهجوم على قاعة كروكوس؟"),
        "content/explainers/long.md": _explainer("A headline that goes on " * 20),
    }))
    build("verdicts", make_project(tmp_path_factory.mktemp("verdicts"), {
        "content/actors/agency.yaml": "name: A News Agency\nkind: media\nlinks: [https://example.com/agency]\n",
        "content/explainers/verdicts.md": VERDICTS,
    }))
    history = tmp_path_factory.mktemp("history") / "project"
    example_with_verdict_history(history)  # a claim card's verdict history, a feed entry for its change
    build("history", history)
    build("pictures", make_project(tmp_path_factory.mktemp("pictures"), {
        "site.yaml": "title: Pictures Desk\nimage: images/desk.png\nimage_alt: The desk's logo\n",
        "content/images/desk.png": _png(1200, 630),
        "content/images/lead.png": _png(800, 450),
        "content/explainers/with-lead.md": _explainer(
            "With a lead image", "image: images/lead.png\nimage_alt: A purple rectangle\n"
            "image_credit: A. Photographer / An Agency\n"),
        "content/explainers/without.md": _explainer("Without one"),
    }))
    return made


def _pages(sites: dict[str, tuple[Path, str]]) -> list[tuple[Path, Path, str]]:
    """(page, its site, the site's base URL) for every HTML page."""
    return [(page, site, base) for site, base in sites.values() for page in sorted(site.rglob("*.html"))]


def _site_file(url: str, site: Path, base: str) -> Path:
    assert url.startswith(base), f"{url} is not under {base}"
    return site / unquote(url[len(base):])


# -- HTML ---------------------------------------------------------------------------------------------

def test_the_nu_html_checker_finds_no_errors(sites) -> None:
    pages = [page for page, _, _ in _pages(sites)]
    assert len(pages) > 40
    messages = run_vnu(pages)
    assert messages == [], "\n".join(
        f"{unquote(urlsplit(m.get('url', '')).path)}:{m.get('lastLine')}: {m.get('message')} "
        f"[{m.get('extract', '').strip()[:120]}]" for m in messages)


def test_every_page_has_the_open_graph_protocols_required_properties(sites) -> None:
    """Every page meant to be shared: not an embed (a section for another site's frame,
    `noindex`, its canonical link the full explainer's)."""
    from PIL import Image

    for page, site, base in _pages(sites):
        if "/embed/" in page.as_posix():
            continue
        meta: dict[str, str] = {}
        for element in html_tree(page).iter("meta"):
            key = element.get("property") or element.get("name")
            if key and key not in meta:
                meta[key] = element.get("content") or ""
        where = page.relative_to(site).as_posix()
        for required in ("og:title", "og:type", "og:image", "og:url"):
            assert meta.get(required, "").strip(), f"{where}: no {required}"
        for absolute in ("og:image", "og:url"):
            assert urlsplit(meta[absolute]).scheme == "https" and meta[absolute].startswith(base), \
                f"{where}: {absolute} {meta[absolute]!r} is not absolute"
        assert meta.get("og:image:alt", "").strip(), f"{where}: no og:image:alt"
        assert meta.get("twitter:card") == "summary_large_image", where
        picture = _site_file(meta["og:image"], site, base)
        assert picture.is_file(), f"{where}: og:image {meta['og:image']} is not on the site"
        if "og:image:width" in meta:
            with Image.open(picture) as image:
                assert image.size == (int(meta["og:image:width"]), int(meta["og:image:height"])), where


def test_pages_share_the_lead_image_then_the_default_image_then_a_card(sites) -> None:
    def og_image(site: str, path: str) -> str:
        folder, base = sites[site]
        tree = html_tree(folder / path)
        return next(m.get("content") for m in tree.iter("meta") if m.get("property") == "og:image")

    assert og_image("pictures", "with-lead/index.html") == "https://example.org/pictures/media/images/lead.png"
    assert og_image("pictures", "without/index.html") == "https://example.org/pictures/media/images/desk.png"
    assert og_image("pictures", "index.html") == "https://example.org/pictures/media/images/desk.png"
    assert not list(sites["pictures"][0].rglob("*share.png"))  # a default image: no cards
    assert og_image("cards", "greek/index.html") == "https://example.org/cards/greek/share.png"
    assert og_image("cards", "tags/cards/index.html") == "https://example.org/cards/share.png"


# -- structured data ------------------------------------------------------------------------------

def _json_ld(page: Path) -> list[dict]:
    objects = []
    for script in html_tree(page).iter("script"):
        if script.get("type") == "application/ld+json":
            data = json.loads(script.text or "")
            objects += data if isinstance(data, list) else [data]
    return objects


def test_json_ld_uses_schema_orgs_vocabulary_as_it_is_defined(sites) -> None:
    vocabulary = Vocabulary(vocabulary_file())
    checked = 0
    for page, site, _ in _pages(sites):
        for index, item in enumerate(_json_ld(page)):
            assert item.get("@context") == "https://schema.org"
            problems = vocabulary.problems(item, f"{page.relative_to(site)}[{index}]")
            assert problems == [], "\n".join(problems)
            checked += 1
    assert checked > 20


def test_a_wrong_property_or_type_is_caught_by_the_vocabulary_check() -> None:
    vocabulary = Vocabulary(vocabulary_file())
    assert vocabulary.problems({"@type": "NewsArticle", "headline": "H", "image": {"@type": "ImageObject",
                                                                                  "url": "https://x/y.png"}}) == []
    assert vocabulary.problems({"@type": "NewsArticle", "headlne": "H"}) == ["$.headlne: not a schema.org property"]
    assert vocabulary.problems({"@type": "Claim", "claimReviewed": "X"})[0].startswith(
        "$.claimReviewed: not a property of Claim")
    assert vocabulary.problems({"@type": "ClaimReview", "itemReviewed": {"@type": "Claim"}}) == []  # a Thing
    assert vocabulary.problems({"@type": "ClaimReview", "reviewRating": "five"}) == [
        "$.reviewRating: text where reviewRating takes ['Rating']"]
    assert vocabulary.problems({"@type": "Claim", "appearance": {"@type": "Person", "name": "X"}}) == [
        "$.appearance: a Person where appearance takes ['CreativeWork']"]
    assert vocabulary.problems({"@type": "Claimm"}) == ["$: unknown type 'Claimm'"]


def test_news_articles_and_claim_reviews_have_what_search_engines_ask_for(sites) -> None:
    articles = reviews = 0
    for page, site, base in _pages(sites):
        for item in _json_ld(page):
            where = page.relative_to(site).as_posix()
            if item["@type"] == "NewsArticle":
                articles += 1
                for key in ("headline", "image", "datePublished", "dateModified", "author", "publisher"):
                    assert item.get(key), f"{where}: NewsArticle without {key}"
                assert _site_file(item["image"]["url"], site, base).is_file(), where
            elif item["@type"] == "ClaimReview":
                reviews += 1
                assert item["claimReviewed"] and len(item["claimReviewed"]) < 75, where
                assert item["reviewRating"]["alternateName"], where
                assert item["url"].startswith(base) and "#claim-" in item["url"], where
                claimed = item["itemReviewed"]
                assert claimed["@type"] == "Claim" and claimed["author"]["name"], where
    assert articles >= 8 and reviews >= 10


def test_a_claim_appears_in_its_first_cited_source(sites) -> None:
    folder, _ = sites["cards"]
    [review] = [item for item in _json_ld(folder / "greek/index.html") if item["@type"] == "ClaimReview"
                and item["claimReviewed"] == "Something was said."]
    assert review["itemReviewed"]["appearance"] == {
        "@type": "CreativeWork", "url": "https://example.com/report", "name": "The report",
        "datePublished": "2024-04-30", "publisher": {"@type": "Organization", "name": "An Agency"}}
    [article] = [item for item in _json_ld(sites["pictures"][0] / "with-lead/index.html")
                 if item["@type"] == "NewsArticle"]
    assert article["image"] == {"@type": "ImageObject", "url": "https://example.org/pictures/media/images/lead.png",
                                "creditText": "A. Photographer / An Agency"}


STATUS_LABELS = {"true": "True", "mostly-true": "Mostly true", "misleading": "Misleading", "false": "False",
                 "unproven": "Unproven", "disputed": "Disputed"}
"""What `reviewRating.alternateName` says of each verdict (Google's profile wants the label)."""


@pytest.mark.parametrize("name", ["example", "verdicts"])
def test_every_rated_claim_has_one_valid_claim_review_and_no_unrated_claim_has_one(sites, name: str) -> None:
    """Each explainer's rated claims (from its explainer.json) against the ClaimReviews on its
    page: one each, valid schema.org, with what Google's fact-check profile asks for."""
    vocabulary = Vocabulary(vocabulary_file())
    folder, base = sites[name]
    checked = 0
    for data_file in sorted(folder.glob("*/explainer.json")):
        data = json.loads(data_file.read_text(encoding="utf-8"))
        reviews = [item for item in _json_ld(data_file.parent / "index.html") if item["@type"] == "ClaimReview"]
        by_claim = {review["url"].removeprefix(f"{data['url']}#claim-"): review for review in reviews}
        rated = [claim for claim in data["claims"] if claim["status"] != "unrated"]
        assert sorted(by_claim) == sorted(claim["id"] for claim in rated) and len(reviews) == len(rated)
        actors = {actor["id"]: actor for actor in data["actors"]}
        sources = {source["id"]: source for source in data["sources"]}
        for claim in rated:
            review = by_claim[claim["id"]]
            assert vocabulary.problems(review) == [], claim["id"]
            # The claim's text, shortened at a word to fit the profile's 75 characters.
            reviewed = review["claimReviewed"]
            assert len(reviewed) < 75 and review["author"]["name"]
            assert reviewed == claim["text"] or claim["text"].startswith(reviewed.removesuffix("…"))
            assert review["reviewRating"]["@type"] == "Rating"
            assert review["reviewRating"]["alternateName"] == STATUS_LABELS[claim["status"]]
            item = review["itemReviewed"]
            actor = actors[claim["by"]]
            assert item["@type"] == "Claim"
            assert item["author"]["@type"] == ("Person" if actor["kind"] == "person" else "Organization")
            assert item["author"]["name"] == actor["name"]
            if claim["date"] is None:
                assert "datePublished" not in item
            else:
                # ISO 8601 at the precision written: a date stays a date, with no made-up time.
                assert re.fullmatch(r"\d{4}(-\d{2}(-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2}))?)?)?",
                                    item["datePublished"])
                assert item["datePublished"] == claim["date_edtf"]
            cited = [sources[source_id] for source_id in claim["sources"]]
            shown = next((source for source in cited if source["url"]), cited[0] if cited else None)
            if shown is None:
                assert "appearance" not in item
            else:
                assert item["appearance"]["@type"] == "CreativeWork"
                assert item["appearance"]["name"] == shown["title"]
                assert item["appearance"].get("url") == shown["url"]
            checked += 1
    assert checked == {"example": 5, "verdicts": 6}[name]


# -- feed and sitemap ----------------------------------------------------------------------------

def test_every_feed_is_valid_atom(sites) -> None:
    schema = lxml_etree.RelaxNG(lxml_etree.parse(str(SCHEMAS / "atom.rng")))
    for name, (site, _) in sites.items():
        feed = lxml_etree.parse(str(site / "feed.xml"))
        assert schema.validate(feed), f"{name}/feed.xml: {schema.error_log}"
        # The rules the RFC's schema states only as Schematron annotations (section 4.1.1, 4.1.2).
        root = feed.getroot()
        ns = {"atom": ATOM[1:-1]}
        assert root.xpath("atom:author or not(atom:entry[not(atom:author)])", namespaces=ns), name
        for entry in root.xpath("atom:entry", namespaces=ns):
            assert entry.xpath("atom:link[@rel='alternate'] or atom:link[not(@rel)] or atom:content",
                               namespaces=ns), name


def test_the_atom_schema_rejects_what_rfc_4287_forbids() -> None:
    schema = lxml_etree.RelaxNG(lxml_etree.parse(str(SCHEMAS / "atom.rng")))
    no_id = (b'<feed xmlns="http://www.w3.org/2005/Atom"><title>T</title>'
             b'<updated>2024-01-01T00:00:00Z</updated></feed>')
    assert not schema.validate(lxml_etree.fromstring(no_id))
    bad_date = no_id.replace(b"<title>", b"<id>urn:x</id><title>").replace(b"2024-01-01T00:00:00Z", b"2024-01-01")
    assert not schema.validate(lxml_etree.fromstring(bad_date))
    assert schema.validate(lxml_etree.fromstring(bad_date.replace(b">2024-01-01<", b">2024-01-01T00:00:00Z<")))


def test_every_sitemap_is_valid(sites) -> None:
    schema = lxml_etree.XMLSchema(lxml_etree.parse(str(SCHEMAS / "sitemap.xsd")))
    for name, (site, base) in sites.items():
        sitemap = lxml_etree.parse(str(site / "sitemap.xml"))
        assert schema.validate(sitemap), f"{name}/sitemap.xml: {schema.error_log}"
        locations = [loc.text for loc in sitemap.iter("{http://www.sitemaps.org/schemas/sitemap/0.9}loc")]
        assert locations and all(re.match(re.escape(base), loc) for loc in locations), name


def test_the_nu_html_checker_does_report_errors(tmp_path) -> None:
    page = tmp_path / "bad.html"
    page.write_text("<!doctype html><html lang=en><title>T</title><img src=x.png><p><div></p>", encoding="utf-8")
    messages = run_vnu([page])
    assert any("alt" in m["message"] for m in messages), messages
