"""Publishing (issue 5): drafts and embargo, corrections, git history, JSON-LD, feed and sitemap."""

from __future__ import annotations

import datetime as dt
import json
import re
import subprocess
from pathlib import Path
from xml.etree import ElementTree

import pytest

from helpers import lock_files, make_project

BASE = "https://example.org/news/"


def explainer(title: str, published: str = "2024-03-27", extra: str = "", body: str = "Body.\n") -> str:
    return (f"---\ntitle: {title}\nsummary: Summary of {title}.\npublished: {published}\n{extra}---\n{body}")


def site_text(root: Path) -> str:
    """Every file of the built site, concatenated (to look for leaks)."""
    return "\n".join(p.read_text("utf-8", "replace") for p in sorted((root / "site").rglob("*")) if p.is_file())


def build(cli_run, root: Path, *extra: str):
    return cli_run("build", "--root", root, "--base-url", BASE, *extra)


# -- drafts and embargo ----------------------------------------------------------------------

def _drafts_project(project) -> Path:
    future = (dt.date.today() + dt.timedelta(days=30)).isoformat()
    return project({
        "content/explainers/live.md": explainer("Live story", extra="tags: [shared-tag]\n"
                                                "claims:\n  c:\n    by: minister\n    text: Public claim.\n"),
        "content/explainers/secret.md": explainer(
            "Zanzibar draft", extra="draft: true\ntags: [shared-tag, draft-only-tag]\n"
            "actors:\n  draft-only-actor:\n    name: Draft Person\n"
            "claims:\n  d:\n    by: minister\n    text: Xylophone claim.\n"),
        "content/explainers/later.md": explainer("Quokka embargo", published=future,
                                                 extra="tags: [embargo-tag]\n"),
        "content/actors/minister.yaml": "name: The Minister\n",
    })


def test_drafts_and_embargoed_explainers_leak_nowhere(project, cli_run) -> None:
    root = _drafts_project(project)
    assert build(cli_run, root).code == 0
    everything = site_text(root)
    for secret in ("Zanzibar", "Xylophone", "secret", "Quokka", "later", "draft-only", "Draft Person",
                   "embargo-tag"):
        assert secret not in everything, secret
    assert not (root / "site/secret").exists()
    assert not (root / "site/actors/draft-only-actor").exists()
    assert not (root / "site/tags/draft-only-tag").exists()
    assert (root / "site/live/index.html").is_file()
    assert "Public claim." in (root / "site/actors/minister/index.html").read_text("utf-8")


def test_drafts_flag_includes_them(project, cli_run) -> None:
    root = _drafts_project(project)
    assert build(cli_run, root, "--drafts").code == 0
    assert (root / "site/secret/index.html").is_file()
    assert (root / "site/later/index.html").is_file()
    assert "Xylophone claim." in (root / "site/actors/minister/index.html").read_text("utf-8")
    # and a plain build afterwards takes them out again (the cache knows --drafts)
    assert build(cli_run, root).code == 0
    assert not (root / "site/secret").exists()
    assert "Xylophone" not in site_text(root)


def test_draft_must_be_true_or_false(project, cli_run) -> None:
    root = project({"content/explainers/a.md": explainer("A", extra="draft: maybe\n")})
    result = cli_run("check", "--root", root)
    assert result.code == 1
    assert result.error_lines == [
        "content/explainers/a.md:5:8: error: 'draft' in explainer must be true or false, got 'maybe'"]


# -- corrections -------------------------------------------------------------------------------

CORRECTIONS = ("corrections:\n  - date: 2024-03-29\n    text: An earlier version misdated the address.\n"
               "  - date: 2024-03-28\n    text: Fixed a spelling.\n")


def test_corrections_are_in_json_oldest_first(project, cli_run) -> None:
    root = project({"content/explainers/a.md": explainer("A", extra=CORRECTIONS)})
    assert build(cli_run, root).code == 0
    data = json.loads((root / "site/a/explainer.json").read_text("utf-8"))
    assert data["corrections"] == [
        {"date": "2024-03-28", "text": "Fixed a spelling."},
        {"date": "2024-03-29", "text": "An earlier version misdated the address."},
    ]


def test_correction_before_publication_and_missing_text_are_errors(project, cli_run) -> None:
    root = project({"content/explainers/a.md": explainer(
        "A", extra="corrections:\n  - date: 2024-03-01\n    text: Too early.\n  - date: 2024-04-01\n")})
    result = cli_run("check", "--root", root)
    assert result.code == 1
    assert result.error_lines == [
        "content/explainers/a.md:6:11: error: correction dated 2024-03-01 is before 'published' (2024-03-27)",
        "content/explainers/a.md:8:5: error: missing required key 'text' in correction",
    ]


# -- actors: wikidata and links ------------------------------------------------------------------

def test_wikidata_must_be_a_q_number(project, cli_run) -> None:
    root = project({"content/actors/putin.yaml": "name: Vladimir Putin\nwikidata: putin\n",
                    "content/explainers/a.md": explainer("A")})
    result = cli_run("check", "--root", root)
    assert result.error_lines == [
        "content/actors/putin.yaml:2:11: error: 'wikidata' in actor 'putin' must be a Wikidata item id "
        "like Q7747, got 'putin'; copy the Q-number from the item's page"]


def test_actor_links_must_be_http(project, cli_run) -> None:
    root = project({"content/actors/putin.yaml": "name: Vladimir Putin\nlinks: [javascript:alert(1)]\n",
                    "content/explainers/a.md": explainer("A")})
    result = cli_run("check", "--root", root)
    assert result.code == 1
    assert result.error_lines[0].startswith("content/actors/putin.yaml:2:9: error: 'links' in actor 'putin' "
                                            "must be an http or https URL")


# -- git history -----------------------------------------------------------------------------------

def git(root: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(root), *args], check=True, capture_output=True,
                   env={"GIT_AUTHOR_NAME": "Desk", "GIT_AUTHOR_EMAIL": "desk@example.org",
                        "GIT_COMMITTER_NAME": "Desk", "GIT_COMMITTER_EMAIL": "desk@example.org",
                        "GIT_AUTHOR_DATE": args[-1] if args[0] == "commit" else "",
                        "GIT_COMMITTER_DATE": args[-1] if args[0] == "commit" else "",
                        "PATH": "/usr/bin:/bin"})


def first_commit(root: Path, message: str, date: str) -> None:
    """Make `root` a git repository whose one commit holds every file."""
    git(root, "init", "-q")
    git(root, "add", ".")
    git(root, "commit", "-qm", message, "--date", date)


@pytest.mark.parametrize("from_git", [False, True])
def test_git_history_gives_revisions_and_updated_only_when_asked(project, cli_run, from_git: bool) -> None:
    root = project({"content/explainers/a.md": explainer("A"), "content/explainers/b.md": explainer("B"),
                    "site.yaml": f"updated_from_git: {str(from_git).lower()}\n"})
    first_commit(root, "First version", "2024-03-28T10:00:00+00:00")
    (root / "content/explainers/a.md").write_text(explainer("A", body="Body, revised.\n"))
    git(root, "commit", "-qam", "Revise A", "--date", "2024-04-02T09:30:00+02:00")
    assert build(cli_run, root).code == 0
    a = json.loads((root / "site/a/explainer.json").read_text("utf-8"))
    assert [r["subject"] for r in a["revisions"]] == ["Revise A", "First version"]
    if from_git:
        assert (a["updated"], a["modified"], a["updated_from_git"]) == ("2024-04-02T09:30:00+02:00",) * 2 + (True,)
    else:
        assert (a["updated"], a["modified"], a["updated_from_git"]) == (None, None, False)
    b = json.loads((root / "site/b/explainer.json").read_text("utf-8"))
    assert [r["subject"] for r in b["revisions"]] == ["First version"]
    # Either way the sitemap says when the page last changed.
    sitemap = (root / "site/sitemap.xml").read_text("utf-8")
    assert f"<loc>{BASE}a/</loc><lastmod>2024-04-02T07:30:00Z</lastmod>" in sitemap


def test_explicit_updated_wins_over_git(project, cli_run) -> None:
    root = project({"content/explainers/a.md": explainer("A", extra="updated: 2024-03-30\n")})
    first_commit(root, "First", "2024-05-01T10:00:00+00:00")
    assert build(cli_run, root).code == 0
    a = json.loads((root / "site/a/explainer.json").read_text("utf-8"))
    assert a["updated"] == "2024-03-30" and a["updated_from_git"] is False
    assert [r["subject"] for r in a["revisions"]] == ["First"]


def test_outside_git_and_in_a_depth_one_clone_there_are_no_revisions(project, cli_run, tmp_path) -> None:
    root = project({"content/explainers/a.md": explainer("A")})
    assert build(cli_run, root).code == 0
    assert json.loads((root / "site/a/explainer.json").read_text("utf-8"))["revisions"] == []
    first_commit(root, "One", "2024-04-01T10:00:00+00:00")
    (root / "content/explainers/a.md").write_text(explainer("A", body="Two.\n"))
    git(root, "commit", "-qam", "Two", "--date", "2024-04-02T10:00:00+00:00")
    clone = tmp_path / "shallow"
    subprocess.run(["git", "clone", "-q", "--depth", "1", f"file://{root}", str(clone)], check=True,
                   capture_output=True)
    assert build(cli_run, clone).code == 0
    data = json.loads((clone / "site/a/explainer.json").read_text("utf-8"))
    assert data["revisions"] == [] and data["updated"] is None


def test_git_is_asked_again_only_after_a_commit(project, cli_run, monkeypatch) -> None:
    """The build cache keeps what `git log` said for the checked-out commit (history.json)."""
    from generator import history
    root = project({"content/explainers/a.md": explainer("A")})
    first_commit(root, "First", "2024-04-01T10:00:00+00:00")
    asked: list[str] = []
    real_git = history._git
    monkeypatch.setattr(history, "_git", lambda root, *args: asked.append(args[0]) or real_git(root, *args))

    def revisions() -> list[str]:
        data = json.loads((root / "site/a/explainer.json").read_text("utf-8"))
        return [r["subject"] for r in data["revisions"]]

    assert build(cli_run, root).code == 0 and "log" in asked and revisions() == ["First"]
    asked.clear()
    (root / "content/explainers/a.md").write_text(explainer("A", body="Edited, not committed.\n"))
    assert build(cli_run, root).code == 0 and revisions() == ["First"]
    assert asked == ["rev-parse"]  # which commit is checked out: nothing more
    git(root, "commit", "-qam", "Second", "--date", "2024-04-02T10:00:00+00:00")
    assert build(cli_run, root).code == 0 and "log" in asked and revisions() == ["Second", "First"]

    cached = root / ".explainer-cache/history.json"
    assert cached.is_file()
    cached.write_bytes(cached.read_bytes().replace(b"Second", b"Sneaky"))  # the checksum no longer fits
    (root / "content/explainers/a.md").write_text(explainer("A", body="Edited again.\n"))
    asked.clear()
    assert build(cli_run, root).code == 0 and "log" in asked and revisions() == ["Second", "First"]


def test_a_failed_build_in_git_leaves_no_cache(project, cli_run) -> None:
    root = project({"content/explainers/a.md": explainer("A", extra="tags: [Not A Slug]\n")})
    first_commit(root, "First", "2024-04-01T10:00:00+00:00")
    assert build(cli_run, root).code == 1
    assert not (root / ".explainer-cache").exists()


def test_history_survives_the_cache_as_it_was() -> None:
    from generator import history
    from generator.dates import parse_date
    found = history.History(True, "", {"content/explainers/a.md": [
        history.Revision(parse_date("2024-04-02T09:30:00+02:00"), "Revise “A”", "b" * 40),
        history.Revision(parse_date("2024-03-28T10:00:00Z"), "", "a" * 40)]}, "b" * 40)
    assert history.from_json(json.loads(json.dumps(history.to_json(found)))) == found
    for damaged in ({}, {**history.to_json(found), "revisions": {"x": [["not a date", "s", "c"]]}},
                    {**history.to_json(found), "known": "yes"}, {**history.to_json(found), "revisions": [1]}):
        assert history.from_json(damaged) is None


# -- feed and sitemap ----------------------------------------------------------------------------------

ATOM = "{http://www.w3.org/2005/Atom}"
RFC3339 = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")
W3C = re.compile(r"\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2}))?$")


def test_feed_is_atom_1_0(project, cli_run) -> None:
    root = project({"content/explainers/a.md": explainer("A & <B>", extra="updated: 2024-03-29\n"),
                    "content/explainers/b.md": explainer("B", published="2024-03-20T08:00:00+03:00")})
    assert build(cli_run, root).code == 0
    feed = ElementTree.parse(root / "site/feed.xml").getroot()
    assert feed.tag == f"{ATOM}feed"
    for required in ("id", "title", "updated"):
        assert feed.find(f"{ATOM}{required}") is not None
    assert RFC3339.match(feed.findtext(f"{ATOM}updated"))
    entries = feed.findall(f"{ATOM}entry")
    assert [e.findtext(f"{ATOM}title") for e in entries] == ["A & <B>", "B"]
    ids = [e.findtext(f"{ATOM}id") for e in entries]
    assert len(set(ids)) == 2 and all(i.startswith(BASE) for i in ids)
    for entry in entries:
        assert RFC3339.match(entry.findtext(f"{ATOM}updated"))
        assert RFC3339.match(entry.findtext(f"{ATOM}published"))
        assert entry.find(f"{ATOM}author/{ATOM}name") is not None or feed.find(f"{ATOM}author") is not None
        link = entry.find(f"{ATOM}link[@rel='alternate']")
        assert link is not None and link.get("href", "").startswith(BASE)
    assert entries[0].findtext(f"{ATOM}updated") == "2024-03-29T00:00:00Z"


def test_sitemap_follows_sitemaps_org(project, cli_run) -> None:
    root = project({"content/explainers/a.md": explainer("A", extra="updated: 2024-03-29\ntags: [t]\n"),
                    "content/explainers/b.md": explainer("B", published="2024-03-20T08:00:00+03:00")})
    assert build(cli_run, root).code == 0
    ns = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
    urlset = ElementTree.parse(root / "site/sitemap.xml").getroot()
    assert urlset.tag == f"{ns}urlset"
    locs = {}
    for url in urlset.findall(f"{ns}url"):
        loc = url.findtext(f"{ns}loc")
        assert loc.startswith(BASE)
        lastmod = url.findtext(f"{ns}lastmod")
        assert lastmod is None or W3C.match(lastmod), lastmod
        locs[loc] = lastmod
    # One form for every lastmod: a date-time in UTC, to the second.
    assert locs[BASE] == "2024-03-29T00:00:00Z"
    assert locs[f"{BASE}a/"] == "2024-03-29T00:00:00Z"
    assert locs[f"{BASE}b/"] == "2024-03-20T05:00:00Z"
    assert f"{BASE}tags/t/" in locs
    assert len(urlset.findall(f"{ns}url")) <= 50000


# -- link checking ----------------------------------------------------------------------------------------

def test_broken_internal_link_in_a_template_fails_the_build(project, cli_run) -> None:
    root = project({
        "content/explainers/a.md": explainer("A"),
        "templates/tag.html": "{% extends 'base.html' %}{% block content %}<a href=\"../../missing/\">x</a>"
                              "{% endblock %}",
        "content/explainers/b.md": explainer("B", extra="tags: [t]\n"),
    })
    before = sorted(p.name for p in root.iterdir())
    result = build(cli_run, root)
    assert result.code == 1
    [line] = result.error_lines
    assert re.fullmatch(r"site/tags/t/index\.html:\d+:\d+: error: broken link '\.\./\.\./missing/': the site "
                        r"has no missing/index\.html; check the template or the link's target", line)
    assert sorted(p.name for p in root.iterdir() if p.name not in lock_files()) == before


# -- JSON-LD, social meta, corrections and revisions on the page ---------------------------------------------

HOSTILE = '</script><script>alert(1)</script> & "quotes"'


def ld_objects(page: Path) -> list[dict]:
    html = page.read_text("utf-8")
    blocks = re.findall(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    assert len(blocks) == 1
    return json.loads(blocks[0])


def _rated_project(project) -> Path:
    return project({
        "site.yaml": "title: Desk\npublisher: The Daily Example\n",
        "content/actors/putin.yaml": "name: Vladimir Putin\nwikidata: Q7747\n"
                                     "links: [https://en.wikipedia.org/wiki/Vladimir_Putin]\n",
        "content/explainers/a.md": explainer("A", extra=(
            "authors: [Jane Reporter]\n" + CORRECTIONS +
            "actors:\n  ministry:\n    name: Ministry\n    kind: government\n"
            "sources:\n  tass:\n    title: TASS\n    url: https://tass.example/1\n  noted:\n    title: Notes\n"
            "claims:\n"
            f"  window:\n    by: putin\n    text: '{HOSTILE} Ukraine prepared a window at the border for the attackers to cross'\n"
            "    date: 2024-03-23\n    sources: [noted, tass]\n    status: unproven\n"
            "  quiet:\n    by: ministry\n    text: Nothing to add.\n")),
    })


def test_json_ld_news_article_and_claim_reviews(project, cli_run) -> None:
    root = _rated_project(project)
    assert build(cli_run, root).code == 0
    article, *reviews = ld_objects(root / "site/a/index.html")
    assert article["@type"] == "NewsArticle"
    assert article["headline"] == "A" and article["url"] == f"{BASE}a/"
    assert article["datePublished"] == "2024-03-27"  # as written: no time nobody wrote
    assert article["publisher"]["name"] == "The Daily Example"
    assert article["author"] == [{"@type": "Person", "name": "Jane Reporter"}]
    assert [c["text"] for c in article["correction"]] == ["Fixed a spelling.",
                                                          "An earlier version misdated the address."]
    [review] = reviews  # the unrated claim has none
    assert review["@type"] == "ClaimReview"
    assert review["url"] == f"{BASE}a/#claim-window"
    assert len(review["claimReviewed"]) < 75
    assert review["reviewRating"]["alternateName"] == "Unproven"
    assert review["author"]["name"] == "The Daily Example"
    item = review["itemReviewed"]
    assert item["@type"] == "Claim" and item["datePublished"] == "2024-03-23"
    assert item["author"]["@type"] == "Person" and item["author"]["name"] == "Vladimir Putin"
    assert item["author"]["sameAs"] == ["https://www.wikidata.org/wiki/Q7747",
                                        "https://en.wikipedia.org/wiki/Vladimir_Putin"]
    assert item["appearance"]["url"] == "https://tass.example/1"  # the first source that has a URL


def test_content_cannot_break_out_of_the_json_ld_script(project, cli_run) -> None:
    root = _rated_project(project)
    assert build(cli_run, root).code == 0
    html = (root / "site/a/index.html").read_text("utf-8")
    assert "<script>alert(1)" not in html
    # JSON-LD, the theme script's strings (JSON) and the theme's script.
    assert html.count("<script") == html.count("</script>") == 3
    review = ld_objects(root / "site/a/index.html")[1]
    assert review["claimReviewed"].startswith("</script><script>alert(1)</script>")


def test_social_meta_and_canonical(project, cli_run) -> None:
    root = _rated_project(project)
    assert build(cli_run, root).code == 0
    html = (root / "site/a/index.html").read_text("utf-8")
    assert f'<link rel="canonical" href="{BASE}a/">' in html
    assert '<meta property="og:type" content="article">' in html
    assert '<meta property="og:title" content="A">' in html
    assert f'<meta property="og:url" content="{BASE}a/">' in html
    assert '<meta name="twitter:card" content="summary_large_image">' in html
    assert f'<meta property="og:image" content="{BASE}a/share.png">' in html
    assert f'<link rel="canonical" href="{BASE}">' in (root / "site/index.html").read_text("utf-8")


def test_corrections_are_shown_at_the_top_and_in_the_feed(project, cli_run) -> None:
    root = _rated_project(project)
    assert build(cli_run, root).code == 0
    html = (root / "site/a/index.html").read_text("utf-8")
    corrections = html.index('class="corrections"')
    assert corrections < html.index('class="body prose"')
    assert html.index("Fixed a spelling.", corrections) < html.index("misdated", corrections)
    feed = ElementTree.parse(root / "site/feed.xml").getroot()
    summary = feed.find(f"{ATOM}entry/{ATOM}summary").text
    assert "Correction (29 March 2024): An earlier version misdated the address." in summary


def test_drafts_carry_a_banner_when_shown(project, cli_run) -> None:
    root = _drafts_project(project)
    assert build(cli_run, root, "--drafts").code == 0
    assert 'class="banner banner-draft"' in (root / "site/secret/index.html").read_text("utf-8")
    assert "Embargoed" in (root / "site/later/index.html").read_text("utf-8")
    assert "banner-draft" not in (root / "site/live/index.html").read_text("utf-8")


def test_revisions_are_listed_on_the_page(project, cli_run) -> None:
    root = project({"content/explainers/a.md": explainer("A")})
    first_commit(root, "First <version>", "2024-03-28T10:00:00+00:00")
    assert build(cli_run, root).code == 0
    html = (root / "site/a/index.html").read_text("utf-8")
    assert 'id="revisions"' in html
    # The commit's subject is isolated (<bdi>): it may be in another direction than the page.
    assert ('<time datetime="2024-03-28T10:00:00+00:00">28 March 2024, 10:00 UTC</time> '
            '<bdi>First &lt;version&gt;</bdi>') in html


# -- the cache never serves a stale site ----------------------------------------------------------------

def test_a_drafts_build_in_between_does_not_leave_drafts_in_the_next_build(project, cli_run) -> None:
    root = _drafts_project(project)
    assert build(cli_run, root).code == 0          # publishes, and caches that state
    assert build(cli_run, root, "--drafts").code == 0   # as serve does: drafts written to site/
    assert (root / "site/secret/index.html").is_file()
    assert build(cli_run, root).code == 0          # no source changed since the first build
    assert not (root / "site/secret").exists()
    assert "Xylophone" not in site_text(root)


def test_an_embargo_lifts_at_the_next_build_although_no_file_changed(project, cli_run, monkeypatch) -> None:
    from generator.incremental import units
    root = project({"content/explainers/now.md": explainer("Now"),
                    "content/explainers/later.md": explainer("Later", published="2099-01-01")})
    assert build(cli_run, root).code == 0
    assert not (root / "site/later").exists()
    assert build(cli_run, root).code == 0
    assert not (root / "site/later").exists()
    future = dt.datetime(2099, 1, 2, tzinfo=dt.timezone.utc)
    monkeypatch.setattr(units, "now", lambda: future)
    assert build(cli_run, root).code == 0
    assert (root / "site/later/index.html").is_file()


def test_committing_an_edit_updates_revisions_without_a_file_change(project, cli_run) -> None:
    root = project({"content/explainers/a.md": explainer("A")})
    first_commit(root, "First", "2024-03-28T10:00:00+00:00")
    (root / "content/explainers/a.md").write_text(explainer("A", body="Revised.\n"))
    assert build(cli_run, root).code == 0  # the edit is built before it is committed
    git(root, "commit", "-qam", "Revise", "--date", "2024-04-02T10:00:00+00:00")
    assert build(cli_run, root).code == 0  # no file changed, but HEAD moved
    data = json.loads((root / "site/a/explainer.json").read_text("utf-8"))
    assert [r["subject"] for r in data["revisions"]] == ["Revise", "First"]
