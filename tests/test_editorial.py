"""What a writer and a reader see is editorially exact.

Each test is one defect a newsroom would not accept, checked on the exact output: a status
hint never inverts a verdict; a paraphrase is never shown as a quotation; counts say what
they count; "Updated" and the modified dates follow the editorial facts (`updated:` and
corrections), not git; YAML that means something other than what the writer sees warns;
actors' hints and pages; `explainer new` starts a real project; a shallow clone says so.
"""

from __future__ import annotations

import html
import json
import subprocess
from pathlib import Path
from typing import Any, Iterator
from xml.etree import ElementTree

import pytest

from helpers import build_project, html_tree, iter_files, text_of

HEAD = """\
---
title: T
summary: S
published: 2024-01-01
"""
"""Lines 1-4 of an explainer; a test's own front matter starts on line 5."""

CLAIM = "actors:\n  p:\n    name: P\nclaims:\n  c:\n    by: p\n    text: Something.\n"
"""An actor and a claim; the claim's fields continue on line 12."""


BORDER_WINDOW = """\
---
title: Did Ukraine prepare a "window" for the attackers?
summary: Vladimir Putin says so. Alexander Lukashenko tells a different story.
published: 2024-03-28
authors: [Jane Reporter]
tags: [russia]
actors:
  putin:
    name: Vladimir Putin
  lukashenko:
    name: Alexander Lukashenko
  kremlin:
    name: The Kremlin
    kind: government
sources:
  address:
    title: Address by the President
    url: https://example.org/address
claims:
  putin-window:
    by: putin
    text: Ukraine prepared a "window" at the border for the attackers.
    quote: They tried to hide and moved towards Ukraine.
    status: unproven
    sources: [address]
  lukashenko-route:
    by: lukashenko
    text: The attackers first tried to reach Belarus.
    quote: That's why there was no chance they could enter Belarus.
    status: disputed
    contradicts: [putin-window]
  kremlin-contacts:
    by: kremlin
    text: The gunmen had contacts on the Ukrainian side.
    supports: [putin-window]
  lukashenko-answer:
    by: lukashenko
    text: Nobody asked Minsk about it.
    responds_to: [kremlin-contacts]
timeline:
  - date: 2024-03-23
    title: Putin addresses the nation
    claims: [putin-window, lukashenko-route]
corrections:
  - date: 2024-03-29
    text: An earlier version said the address was given on 24 March.
---
[Mr. Putin](@putin) said Kyiv had [prepared a "window"](@putin-window).
"""
"""A journalist's explainer: four claims, two of them rated, each relation, quotes, and a
correction the day after publication."""

BASE = "https://news.example.org/explainers/"


def page(front: str = "", body: str = "Body.\n") -> str:
    return HEAD + front + "---\n" + body


def check_errors(project, cli_run, files):  # type: ignore[no-untyped-def]
    root = project(files)
    result = cli_run("check", "--root", root)
    assert "Traceback" not in result.err
    return [line for line in result.err_lines if ": error: " in line]


# -- verdict hints ------------------------------------------------------------------------

ALL_STATUSES = ("choose the status that says what you mean: "
                "true (the evidence shows the claim is accurate); "
                "mostly-true (accurate in substance, but missing context or detail); "
                "misleading (contains some truth but leaves a false impression); "
                "false (the evidence shows the claim is wrong); "
                "unproven (no evidence has been offered for the claim); "
                "disputed (credible parties contest the claim and the evidence is not settled); "
                "unrated (reported without a verdict)")


@pytest.mark.parametrize("written, hint", [
    ("Mostly True", "did you mean 'mostly-true'?"),
    ("mostly_true", "did you mean 'mostly-true'?"),
    ("mostly true", "did you mean 'mostly-true'?"),
    ("MOSTLY-TRUE", "did you mean 'mostly-true'?"),
    ("mostly-treu", "did you mean 'mostly-true'?"),
    ("unproved", "did you mean 'unproven'?"),
    ("flase", "did you mean 'false'?"),
    ("mostly false", ALL_STATUSES),
    ("half true", ALL_STATUSES),
    ("partly false", ALL_STATUSES),
    ("not true", ALL_STATUSES),
    ("untrue", ALL_STATUSES),
    ("undisputed", ALL_STATUSES),
])
def test_a_status_hint_fixes_only_the_form_never_the_verdict(project, cli_run, written: str, hint: str) -> None:
    errors = check_errors(project, cli_run, {"content/explainers/a.md": page(CLAIM + f"    status: {written}\n")})
    assert errors == [f"content/explainers/a.md:12:13: error: 'status' in claim 'c' is '{written}', not a status; "
                      f"{hint}"]


# -- actors ---------------------------------------------------------------------------------

def test_two_differing_inline_actors_are_first_offered_another_id(project, cli_run) -> None:
    officials = "actors:\n  us-officials:\n    name: U.S. officials\n    role: {}\n"
    errors = check_errors(project, cli_run, {
        "content/explainers/a.md": page(officials.format("Pentagon spokespeople")),
        "content/explainers/b.md": page(officials.format("State Department diplomats")),
    })
    assert errors == ["content/explainers/b.md:6:3: error: actor 'us-officials' is defined differently in "
                      "content/explainers/a.md:6; if these are different actors, give one of them another id "
                      "(e.g. 'us-officials-2'); if they are the same, make the two definitions identical or move "
                      "it to content/actors/us-officials.yaml"]

def test_an_actor_named_as_affiliation_lists_its_members(project, cli_run) -> None:
    root = project({
        "content/actors/united-states.yaml": "name: United States\nkind: government\n",
        "content/actors/joe-biden.yaml": "name: Joe Biden\nrole: President\naffiliation: united-states\n",
        "content/explainers/a.md": page("actors:\n  us-officials:\n    name: U.S. officials\n"
                                        "    kind: group\n    affiliation: united-states\n"
                                        "claims:\n  c:\n    by: us-officials\n    text: Something.\n"
                                        "  d:\n    by: joe-biden\n    text: Something else.\n"),
    })
    assert cli_run("build", "--root", root, "--base-url", BASE).code == 0
    tree = html_tree(root / "site/actors/united-states/index.html")
    main = next(el for el in tree.iter("main"))
    sections = [text_of(next(s.iter("h2"))) for s in main.iter("section")]
    assert sections == ["Members"]
    members = next(s for s in main.iter("section"))
    assert text_of(next(p for p in members.iter("p"))) == "People and groups part of United States"
    assert [(href, text) for href, text in [(a.get("href"), text_of(a)) for a in members.iter("a")]] == [
        ("../../actors/joe-biden/", "Joe Biden"), ("../../actors/us-officials/", "U.S. officials")]
    assert [text_of(span) for span in members.iter("span") if span.get("class") == "member-text"] == [
        "Joe Biden, President", "U.S. officials"]
    page_text = text_of(main)
    assert "No claims recorded" not in page_text and "No explainers yet" not in page_text
    # An actor with neither members nor claims still says so.
    empty = text_of(next(html_tree(root / "site/actors/us-officials/index.html").iter("main")))
    assert "Members" not in empty


# -- a paraphrase is never a quotation ----------------------------------------------------

QUOTATION_MARKS = set("“”\"«»‘’„‚‹›「」")


def _visible_text(path: Path) -> Iterator[str]:
    """What a reader (or a feed reader, or a search engine) is shown of one built file: an HTML
    page's text and text attributes outside <script>, each JSON-LD string, a feed's text."""
    if path.suffix == ".html":
        tree = html_tree(path)
        for script in tree.iter("script"):
            if script.get("type") == "application/ld+json":
                yield from _strings(json.loads(script.text or "null"))
            script.text = ""
        yield "".join(tree.itertext())
        for element in tree.iter():
            for attr in ("content", "title", "aria-label", "alt"):
                if element.get(attr):
                    yield element.get(attr)  # type: ignore[misc]
    elif path.suffix == ".xml":
        yield "".join(ElementTree.parse(path).getroot().itertext())


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)


def _quoted_paraphrases(site: Path) -> list[str]:
    """Every place where a claim's `text` (or its start, where a page shortens it) is shown
    right after or before a quotation mark."""
    texts = [claim["text"] for data in site.glob("*/explainer.json")
             for claim in json.loads(data.read_text("utf-8"))["claims"]]
    found = []
    for path in iter_files(site):
        for shown in _visible_text(path):
            shown = html.unescape(shown)
            for text in texts:
                start = text[:40]
                at = shown.find(start)
                while at >= 0:
                    before = shown[at - 1] if at else ""
                    after = shown[at + len(text)] if shown.startswith(text, at) and at + len(text) < len(shown) else ""
                    if before in QUOTATION_MARKS or after in QUOTATION_MARKS:
                        found.append(f"{path.relative_to(site)}: {shown[max(at - 30, 0):at + len(text) + 2]!r}")
                    at = shown.find(start, at + 1)
    return found


@pytest.fixture(scope="module")
def border_window(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("border-window") / "project"
    root.mkdir()
    (root / "content/explainers").mkdir(parents=True)
    (root / "content/explainers/border-window.md").write_text(BORDER_WINDOW, "utf-8")
    build_project(root, root / "site", BASE)
    return root / "site"


def test_relations_show_a_paraphrase_with_its_author_never_in_quotation_marks(border_window: Path) -> None:
    card = [el for el in html_tree(border_window / "border-window/index.html").iter()
            if el.get("id") == "claim-putin-window"][0]
    relations = [text_of(dd) for dd in card.iter("dd")]
    assert relations == ["Alexander Lukashenko — The attackers first tried to reach Belarus.",
                         "The Kremlin — The gunmen had contacts on the Ukrainian side."]


@pytest.mark.parametrize("which", ["example", "border-window"])
def test_no_page_feed_or_structured_data_puts_a_paraphrase_in_quotation_marks(
        which: str, built_example: Path, border_window: Path) -> None:
    site = built_example if which == "example" else border_window
    assert _quoted_paraphrases(site) == []


def test_the_actors_own_words_are_still_shown_as_a_quotation(border_window: Path) -> None:
    tree = html_tree(border_window / "border-window/index.html")
    quotes = [text_of(el) for el in tree.iter("blockquote") if el.get("class") == "claim-quote"]
    assert quotes == ["They tried to hide and moved towards Ukraine.",
                      "That's why there was no chance they could enter Belarus."]
    [style] = (border_window / "assets").glob("style.*.css")
    # The page language's own quotation marks: “…” in English, «…» in French (docs/rtl.md).
    text = style.read_text("utf-8")
    assert ".claim-quote p::before { content: open-quote; }" in text
    assert ".claim-quote p::after { content: close-quote; }" in text


# -- counts say what they count -------------------------------------------------------------

def _claims(*statuses: str) -> str:
    claims = "".join(f"  c{i}:\n    by: p\n    text: Claim {i}.\n" + (f"    status: {s}\n" if s else "")
                     for i, s in enumerate(statuses))
    return "actors:\n  p:\n    name: P\nclaims:\n" + claims


@pytest.mark.parametrize("statuses, meta", [
    (("true", "false", "misleading"), "1 January 2024 · 3 claims checked"),
    (("unproven",), "1 January 2024 · 1 claim checked"),
    (("true", "", "unrated", "disputed"), "1 January 2024 · 4 claims, 2 rated"),
    (("", "unrated"), "1 January 2024 · 2 claims"),
    ((), "1 January 2024"),
])
def test_checked_counts_only_rated_claims(project, cli_run, statuses: tuple[str, ...], meta: str) -> None:
    root = project({"content/explainers/a.md": page("tags: [t]\n" + (_claims(*statuses) if statuses else ""))})
    assert cli_run("build", "--root", root, "--base-url", BASE).code == 0
    for listing in ("index.html", "tags/t/index.html"):
        metas = [text_of(p) for p in html_tree(root / "site" / listing).iter("p") if p.get("class") == "meta"]
        assert metas == [meta]
    jsonld = [json.loads(s.text or "") for s in html_tree(root / "site/a/index.html").iter("script")
              if s.get("type") == "application/ld+json"][0]
    reviews = [o for o in jsonld if o["@type"] == "ClaimReview"]
    assert len(reviews) == sum(1 for s in statuses if s and s != "unrated")


# -- "Updated" follows the editorial facts ----------------------------------------------

def _git(root: Path, *args: str, date: str = "") -> None:
    subprocess.run(["git", "-C", str(root), *args], check=True, capture_output=True,
                   env={"GIT_AUTHOR_NAME": "Desk", "GIT_AUTHOR_EMAIL": "desk@example.org",
                        "GIT_COMMITTER_NAME": "Desk", "GIT_COMMITTER_EMAIL": "desk@example.org",
                        "GIT_AUTHOR_DATE": date, "GIT_COMMITTER_DATE": date, "PATH": "/usr/bin:/bin"})


def _dates_shown(site: Path) -> dict[str, Any]:
    """Every date that says when the explainer was updated, wherever it is shown."""
    tree = html_tree(site / "border-window/index.html")
    byline = [text_of(p) for p in tree.iter("p") if p.get("class") == "byline"]
    listing = [text_of(p) for p in html_tree(site / "index.html").iter("p") if p.get("class") == "meta"]
    meta = [m.get("content") for m in tree.iter("meta") if m.get("property") == "article:modified_time"]
    jsonld = [json.loads(s.text or "") for s in tree.iter("script") if s.get("type") == "application/ld+json"][0]
    atom = "{http://www.w3.org/2005/Atom}"
    feed = ElementTree.parse(site / "feed.xml").getroot()
    sitemap = (site / "sitemap.xml").read_text("utf-8")
    return {
        "byline": byline, "listing": listing, "article:modified_time": meta,
        "dateModified": jsonld[0]["dateModified"],
        "ClaimReview datePublished": sorted({o["datePublished"] for o in jsonld[1:]}),
        "feed updated": feed.findtext(f"{atom}updated"),
        "entry updated": [e.findtext(f"{atom}updated") for e in feed.findall(f"{atom}entry")],
        "sitemap lastmod": [line.split("<lastmod>")[1].split("<")[0] for line in sitemap.splitlines()
                            if "<lastmod>" in line],
        "json": {k: json.loads((site / "border-window/explainer.json").read_text("utf-8"))[k]
                 for k in ("updated", "modified", "updated_from_git")},
    }


@pytest.mark.parametrize("updated_from_git", [False, True])
def test_updated_is_the_latest_of_updated_and_corrections_not_the_last_commit(
        project, cli_run, updated_from_git: bool) -> None:
    files = {"content/explainers/border-window.md": BORDER_WINDOW}
    if updated_from_git:
        files["site.yaml"] = "updated_from_git: true\n"
    root = project(files)
    _git(root, "init", "-q")
    _git(root, "add", ".")
    # Long after the story: a commit that changed no fact (a format migration, say).
    _git(root, "commit", "-qm", "Migrate the front matter", date="2026-11-25T08:23:26+00:00")
    assert cli_run("build", "--root", root, "--base-url", BASE).code == 0
    shown = _dates_shown(root / "site")
    commit_day = "25 November 2026, 08:23 UTC"
    assert shown == {
        "byline": [f"By Jane Reporter Published 28 March 2024 · Updated "
                   f"{commit_day if updated_from_git else '29 March 2024'}"],
        "listing": [f"28 March 2024 · Updated {commit_day if updated_from_git else '29 March 2024'} · "
                    "4 claims, 2 rated · 1-point timeline"],
        "article:modified_time": ["2026-11-25T08:23:26+00:00" if updated_from_git else "2024-03-29"],
        "dateModified": "2026-11-25T08:23:26+00:00" if updated_from_git else "2024-03-29",
        "ClaimReview datePublished": ["2026-11-25T08:23:26+00:00" if updated_from_git else "2024-03-29"],
        "feed updated": "2026-11-25T08:23:26+00:00" if updated_from_git else "2024-03-29T00:00:00Z",
        "entry updated": ["2026-11-25T08:23:26+00:00" if updated_from_git else "2024-03-29T00:00:00Z"],
        # The sitemap tells crawlers the page changed, whatever the change: git may say so.
        "sitemap lastmod": ["2026-11-25T08:23:26Z", "2026-11-25T08:23:26Z"],
        "json": {"updated": "2026-11-25T08:23:26+00:00" if updated_from_git else None,
                 "modified": "2026-11-25T08:23:26+00:00" if updated_from_git else "2024-03-29",
                 "updated_from_git": updated_from_git},
    }
    revisions = [text_of(li) for li in html_tree(root / "site/border-window/index.html").iter("li")
                 if li.find("time") is not None and "Migrate" in text_of(li)]
    assert revisions == ["25 November 2026, 08:23 UTC Migrate the front matter"]


@pytest.mark.parametrize("updated, shown", [("2024-03-30", "30 March 2024"), ("2024-03-28", "29 March 2024")])
def test_a_written_updated_and_a_correction_the_later_one_counts(project, cli_run, updated: str,
                                                                  shown: str) -> None:
    text = BORDER_WINDOW.replace("published: 2024-03-28\n", f"published: 2024-03-28\nupdated: {updated}\n")
    root = project({"content/explainers/border-window.md": text})
    assert cli_run("build", "--root", root, "--base-url", BASE).code == 0
    assert _dates_shown(root / "site")["byline"] == [f"By Jane Reporter Published 28 March 2024 · Updated {shown}"]


def test_updated_from_git_is_checked_like_every_site_setting(project, cli_run) -> None:
    errors = check_errors(project, cli_run, {"site.yaml": "updated_from_git: sometimes\n",
                                             "content/explainers/a.md": page()})
    assert errors == ["site.yaml:1:19: error: 'updated_from_git' in site.yaml must be true or false, "
                      "got 'sometimes'"]


# -- YAML that means something else than the writer sees warns ------------------------------

@pytest.mark.parametrize("line, warning", [
    ("title: “Nord Stream”",
     "content/explainers/a.md:2:8: warning: “Nord Stream” is written between typographic quotes, which YAML "
     "keeps as part of the text: the page shows them; to quote it in YAML use straight quotes, \"Nord Stream\", "
     "or none; to show the quotation marks, put the whole value in straight quotes: '“Nord Stream”'"),
    ("title: ‘Nord Stream’",
     "content/explainers/a.md:2:8: warning: ‘Nord Stream’ is written between typographic quotes, which YAML "
     "keeps as part of the text: the page shows them; to quote it in YAML use straight quotes, \"Nord Stream\", "
     "or none; to show the quotation marks, put the whole value in straight quotes: '‘Nord Stream’'"),
    ("title: «Nord Stream»",
     "content/explainers/a.md:2:8: warning: «Nord Stream» is written between typographic quotes, which YAML "
     "keeps as part of the text: the page shows them; to quote it in YAML use straight quotes, \"Nord Stream\", "
     "or none; to show the quotation marks, put the whole value in straight quotes: '«Nord Stream»'"),
    ("title: Crocus #2 attack",
     "content/explainers/a.md:2:15: warning: ' #' starts a YAML comment, so this value is 'Crocus', not "
     "'Crocus #2 attack'; if '#' belongs to the text, put the whole value in quotes: \"Crocus #2 attack\"; "
     "if it starts a comment, put a space after it"),
])
def test_yaml_that_means_something_else_warns_and_strict_check_fails(project, cli_run, line: str,
                                                                     warning: str) -> None:
    site = f"base_url: {BASE}\n"
    root = project({"site.yaml": site, "content/explainers/a.md": page().replace("title: T", line)})
    check = cli_run("check", "--root", root)
    assert (check.code, check.err_lines) == (0, [warning, "explainer: no errors"])
    strict = cli_run("check", "--strict", "--root", root)
    assert (strict.code, strict.err_lines) == (1, [warning, "explainer: no errors, 1 warning; --strict fails "
                                                            "on warnings"])
    build = cli_run("build", "--root", root)
    assert build.code == 0 and build.err_lines[0] == warning  # warnings never fail a build
    assert (root / "site/a/index.html").is_file()


@pytest.mark.parametrize("line", [
    "title: '“Nord Stream”'", "title: \"Crocus #2 attack\"", "title: T  # the headline", "title: T # the headline",
    "title: “We will win,” says Zelensky, “and we shall”", "title: Putin’s ‘window’",
])
def test_quoted_values_and_real_comments_do_not_warn(project, cli_run, line: str) -> None:
    root = project({"site.yaml": f"base_url: {BASE}\n", "content/explainers/a.md": page().replace("title: T", line)})
    result = cli_run("check", "--strict", "--root", root)
    assert (result.code, result.err_lines) == (0, ["explainer: no errors"])



# -- explainer new starts a real project ----------------------------------------------------

def test_new_makes_the_project_folder_with_site_yaml_and_gitignore(tmp_path, cli_run) -> None:
    root = tmp_path / "newsdesk"
    result = cli_run("new", "Who was behind the attack?", "--root", root)
    assert (result.code, result.out) == (0, "content/explainers/who-was-behind-the-attack.md\n")
    assert result.err_lines == [f"explainer: new project in {root}: wrote site.yaml, .gitignore, "
                                ".vscode/settings.json, .vscode/schema/site.schema.json and "
                                ".vscode/schema/actor.schema.json"]
    assert sorted(p.relative_to(root).as_posix() for p in iter_files(root)) == [
        ".gitignore", ".vscode/schema/actor.schema.json", ".vscode/schema/site.schema.json",
        ".vscode/settings.json", "content/explainers/who-was-behind-the-attack.md", "site.yaml"]
    # Visual Studio Code's YAML extension checks site.yaml and the shared actors by the
    # schemas written beside its settings, which are the current ones (docs/schema.md).
    assert json.loads((root / ".vscode/settings.json").read_text("utf-8")) == {"yaml.schemas": {
        ".vscode/schema/site.schema.json": ["site.yaml"],
        ".vscode/schema/actor.schema.json": ["content/actors/*.yaml"]}}
    for name in ("site", "actor"):
        assert ((root / f".vscode/schema/{name}.schema.json").read_text("utf-8")
                == cli_run("schema", name).out)
    assert (root / ".gitignore").read_text("utf-8").splitlines()[1:] == ["site/", ".explainer-cache/"]
    starter = (root / "content/explainers/who-was-behind-the-attack.md").read_text("utf-8")
    assert starter.splitlines()[1:3] == ['title: "Who was behind the attack?"',
                                         "draft: true   # delete this line to publish: until then only "
                                         "`serve` and `build --drafts` show it"]
    # A placeholder is never published: the starter is a draft.
    assert cli_run("build", "--root", root).code == 0
    assert not (root / "site/who-was-behind-the-attack").exists()
    assert "Who was behind the attack?" not in (root / "site/index.html").read_text("utf-8")
    assert cli_run("build", "--root", root, "--drafts").code == 0
    assert (root / "site/who-was-behind-the-attack/index.html").is_file()
    # A second explainer in the project adds only itself.
    again = cli_run("new", "Another story", "--root", root)
    assert (again.code, again.out, again.err) == (0, "content/explainers/another-story.md\n", "")


def test_new_in_an_existing_project_writes_only_the_explainer(project, cli_run) -> None:
    root = project({"content/actors/putin.yaml": "name: Vladimir Putin\n"})
    result = cli_run("new", "A story", "--root", root)
    assert (result.code, result.out, result.err) == (0, "content/explainers/a-story.md\n", "")
    assert not (root / "site.yaml").exists() and not (root / ".gitignore").exists()


def test_new_never_writes_a_project_file_through_a_link(tmp_path, cli_run) -> None:
    """A folder cloned with a dangling `site.yaml` link: `new` leaves the link as it is and
    writes nothing where it points (it once wrote the starter there)."""
    root, elsewhere = tmp_path / "newsdesk", tmp_path / "elsewhere"
    root.mkdir()
    elsewhere.mkdir()
    (root / "site.yaml").symlink_to(elsewhere / "planted.yaml")
    result = cli_run("new", "A story", "--root", root)
    assert (result.code, result.out) == (0, "content/explainers/a-story.md\n")
    assert result.err_lines == [f"explainer: new project in {root}: wrote .gitignore, .vscode/settings.json, "
                                ".vscode/schema/site.schema.json and .vscode/schema/actor.schema.json"]
    assert list(elsewhere.iterdir()) == []
    assert (root / "site.yaml").is_symlink()


@pytest.mark.parametrize("link, wrote", [
    (".vscode", "site.yaml and .gitignore"),
    (".vscode/settings.json", "site.yaml, .gitignore, .vscode/schema/site.schema.json and "
                              ".vscode/schema/actor.schema.json"),
    (".vscode/schema", "site.yaml, .gitignore and .vscode/settings.json"),
])
def test_new_never_writes_editor_settings_through_a_link(tmp_path, cli_run, link: str, wrote: str) -> None:
    """A `.vscode` folder (or its settings, or its schema folder) linked to the user's own
    settings elsewhere: `new` writes nothing through the link, and the rest as usual."""
    root, elsewhere = tmp_path / "newsdesk", tmp_path / "elsewhere"
    (root / link).parent.mkdir(parents=True)
    elsewhere.mkdir()
    (elsewhere / "settings.json").write_text('{"editor.tabSize": 8}\n')
    (root / link).symlink_to(elsewhere / "settings.json" if link.endswith(".json") else elsewhere,
                             target_is_directory=not link.endswith(".json"))
    result = cli_run("new", "A story", "--root", root)
    assert (result.code, result.out) == (0, "content/explainers/a-story.md\n")
    assert result.err_lines == [f"explainer: new project in {root}: wrote {wrote}"]
    assert sorted(p.name for p in elsewhere.iterdir()) == ["settings.json"]
    assert (elsewhere / "settings.json").read_text() == '{"editor.tabSize": 8}\n'
    assert (root / link).is_symlink()


def test_new_in_a_folder_that_is_a_file_is_wrong_usage(tmp_path, cli_run) -> None:
    (tmp_path / "file").write_text("x")
    result = cli_run("new", "A story", "--root", tmp_path / "file")
    assert (result.code, result.err_lines) == (2, [f"explainer: error: project directory {tmp_path / 'file'} "
                                                   "is not a directory"])


@pytest.mark.parametrize("title, slug", [
    ("Кто стоит за терактом в «Крокус Сити Холле»?", "kto-stoit-za-teraktom-v-krokus-siti-kholle"),
    ("Ποιος ευθύνεται για την επίθεση;", "poios-eythynetai-gia-tin-epithesi"),
    ("من يقف وراء الهجوم؟", "mn-yqf-wr-lhjwm"),
    ("谁是袭击的幕后黑手？", "shei-shi-xi-ji-de-mu-hou-hei-shou"),
])
def test_new_transliterates_titles_in_other_scripts(tmp_path, cli_run, title: str, slug: str) -> None:
    result = cli_run("new", title, "--root", tmp_path)
    assert (result.code, result.out) == (0, f"content/explainers/{slug}.md\n")
    assert cli_run("build", "--root", tmp_path, "--drafts").code == 0
    assert title in (tmp_path / f"site/{slug}/index.html").read_text("utf-8")


def test_two_titles_give_two_files_never_item_md(tmp_path, cli_run) -> None:
    outs = [cli_run("new", title, "--root", tmp_path).out
            for title in ("Кто виноват?", "Что делать?", "???", "!!!")]
    assert outs == ["content/explainers/kto-vinovat.md\n", "content/explainers/chto-delat.md\n",
                    "content/explainers/explainer.md\n", "content/explainers/explainer-2.md\n"]
    assert not (tmp_path / "content/explainers/item.md").exists()


# -- a shallow clone says so -------------------------------------------------------------

SHALLOW_WARNING = ("explainer: warning: this is a shallow git clone: revisions up to {} are missing; fetch the "
                   "whole history: 'fetch-depth: 0' in the checkout step of GitHub Actions, or "
                   "'git fetch --unshallow'")


@pytest.mark.parametrize("depth, cut, kept", [(1, "2024-05-02", []), (2, "2024-04-02", ["Three"])])
def test_a_build_in_a_shallow_clone_warns_once_and_keeps_the_revisions_it_has(
        project, cli_run, tmp_path, depth: int, cut: str, kept: list[str]) -> None:
    root = project({"site.yaml": f"base_url: {BASE}\n", "content/explainers/a.md": page()})
    _git(root, "init", "-q")
    _git(root, "add", ".")
    _git(root, "commit", "-qm", "One", date="2024-03-02T10:00:00+00:00")
    for subject, day in (("Two", "2024-04-02"), ("Three", "2024-05-02")):
        with (root / "content/explainers/a.md").open("a", encoding="utf-8") as handle:
            handle.write(f"{subject}.\n")
        _git(root, "commit", "-qam", subject, date=f"{day}T10:00:00+00:00")
    clone = tmp_path / "ci-checkout"
    subprocess.run(["git", "clone", "-q", "--depth", str(depth), f"file://{root}", str(clone)], check=True,
                   capture_output=True)
    for command in ("check", "build", "build"):  # the second build finds nothing to do
        result = cli_run(command, "--root", clone)
        assert result.code == 0
        assert result.err_lines[0] == SHALLOW_WARNING.format(cut)
        assert sum("shallow git clone" in line for line in result.err_lines) == 1
    revisions = json.loads((clone / "site/a/explainer.json").read_text("utf-8"))["revisions"]
    assert [r["subject"] for r in revisions] == kept  # the commit at the cut lists every file: left out
    # The whole history: no warning, every revision.
    _git(clone, "fetch", "-q", "--unshallow")
    result = cli_run("build", "--root", clone)
    assert not any("shallow git clone" in line for line in result.err_lines)
    revisions = json.loads((clone / "site/a/explainer.json").read_text("utf-8"))["revisions"]
    assert [r["subject"] for r in revisions] == ["Three", "Two", "One"]
