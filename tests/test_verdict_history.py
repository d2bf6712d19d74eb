"""Verdict history from git (issue 19): how each claim's status changed, commit by commit, on
its card, in explainer.json and in the feed; what is not committed, not published or not
readable says nothing; the cache keeps it per commit and a hostile one is read again."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import pytest
from helpers import (
    EXAMPLE_BASE_URL,
    EXAMPLE_FILE,
    HISTORY_CLAIM,
    example_with_verdict_history,
    html_tree,
    hypothesis_settings,
    reseal,
    sealed_payload,
    set_claim_status,
    text_of,
    tree_digest,
)
from hypothesis import given
from hypothesis import strategies as st

from generator import verdicts
from generator.config import BuildOptions
from generator.model import STATUSES, Explainer
from generator.pipeline import Builder

SLUG = "crocus-city-hall-attack"
FILE = EXAMPLE_FILE
CLAIM = HISTORY_CLAIM  # `status: unproven` in the example, published 2024-03-28
ATOM = "{http://www.w3.org/2005/Atom}"


def _git(root: Path, *args: str, date: str = "") -> str:
    return subprocess.run(["git", "-C", str(root), *args], check=True, capture_output=True, text=True,
                          env={"GIT_AUTHOR_NAME": "Desk", "GIT_AUTHOR_EMAIL": "desk@example.org",
                               "GIT_COMMITTER_NAME": "Desk", "GIT_COMMITTER_EMAIL": "desk@example.org",
                               "GIT_AUTHOR_DATE": date, "GIT_COMMITTER_DATE": date,
                               "PATH": "/usr/bin:/bin"}).stdout.strip()


def _set_status(root: Path, claim: str, old: str, new: str) -> None:
    set_claim_status(root, FILE, claim, old, new)


def _commit(root: Path, subject: str, date: str) -> str:
    _git(root, "add", "-A")
    _git(root, "commit", "-qm", subject, date=date)
    return _git(root, "rev-parse", "HEAD")


@pytest.fixture
def example_in_git(tmp_path: Path) -> tuple[Path, list[str]]:
    """The example project in git (see `example_with_verdict_history`)."""
    root = tmp_path / "project"
    return root, example_with_verdict_history(root)


def _build(cli_run: Any, root: Path, *extra: str) -> Path:
    result = cli_run("build", "--root", root, "--base-url", EXAMPLE_BASE_URL, *extra)
    assert result.code == 0, result.err
    return root / "site"


def _history_card(page: Path, element_id: str) -> dict[str, Any]:
    card = next(e for e in html_tree(page).iter("article") if e.get("id") == element_id)
    details = [d for d in card.iter("details") if d.get("class") == "claim-history"]
    if not details:
        return {}
    (found,) = details
    return {"open": found.get("open"), "summary": text_of(found.find("summary")),  # type: ignore[arg-type]
            "steps": [text_of(li) for li in found.iter("li")],
            "datetimes": [t.get("datetime") for t in found.iter("time")]}


def _claim_json(site: Path, claim: str = CLAIM) -> dict[str, Any]:
    data = json.loads((site / SLUG / "explainer.json").read_text("utf-8"))
    return next(c for c in data["claims"] if c["id"] == claim)


def _feed(site: Path) -> tuple[str | None, list[dict[str, Any]]]:
    feed = ElementTree.parse(site / "feed.xml").getroot()
    entries = [{"title": e.findtext(f"{ATOM}title"), "id": e.findtext(f"{ATOM}id"),
                "link": e.find(f"{ATOM}link").get("href"),  # type: ignore[union-attr]
                "published": e.findtext(f"{ATOM}published"), "updated": e.findtext(f"{ATOM}updated"),
                "summary": e.findtext(f"{ATOM}summary")} for e in feed.findall(f"{ATOM}entry")]
    return feed.findtext(f"{ATOM}updated"), entries


def test_the_example_shows_how_a_verdict_changed_on_its_card_in_json_and_in_the_feed(
        example_in_git: tuple[Path, list[str]], cli_run: Any) -> None:
    root, commits = example_in_git
    site = _build(cli_run, root)
    # What changed before publication is folded into the verdict it was published with.
    expected_card = {"open": None, "summary": "Verdict changed once",
                     "steps": ["Unproven from 28 March 2024", "Rated False on 2 April 2024"],
                     "datetimes": ["2024-03-28", "2024-04-02T09:30:00+02:00"]}
    assert _history_card(site / SLUG / "index.html", f"claim-{CLAIM}") == expected_card
    # Wherever the card is shown: the actor's page, the claims embed.
    assert _history_card(site / "actors/vladimir-putin/index.html", f"claim-{SLUG}--{CLAIM}") == expected_card
    assert _history_card(site / SLUG / "embed/claims/index.html", f"claim-{CLAIM}") == expected_card
    # Claims whose verdict never changed have none.
    page = html_tree(site / SLUG / "index.html")
    assert sum(d.get("class") == "claim-history" for d in page.iter("details")) == 1
    claim = _claim_json(site)
    assert claim["status"] == "false"
    assert claim["history"] == [{"status": "unproven", "date": "2024-03-28", "commit": commits[1]},
                                {"status": "false", "date": "2024-04-02T09:30:00+02:00", "commit": commits[2]}]
    assert _claim_json(site, "putin-radical-islamists")["history"] == []
    updated, entries = _feed(site)
    assert updated == "2024-04-02T09:30:00+02:00"
    assert entries == [
        {"title": "New verdict on a claim (Vladimir Putin): Ukraine prepared a \"window\" on its side of the "
                  "border so that the attackers could cross as they fled Russia.",
         "id": f"urn:explainer:{SLUG}:claim:{CLAIM}:{commits[2]}",
         "link": f"{EXAMPLE_BASE_URL}{SLUG}/#claim-{CLAIM}",
         "published": "2024-04-02T09:30:00+02:00", "updated": "2024-04-02T09:30:00+02:00",
         "summary": "Verdict changed (2 April 2024). Previous verdict: Unproven. New verdict: False."},
        {"title": "Who was behind the Crocus City Hall attack? Putin, Lukashenko and the competing claims",
         "id": f"{EXAMPLE_BASE_URL}{SLUG}/", "link": f"{EXAMPLE_BASE_URL}{SLUG}/",
         "published": "2024-03-28T00:00:00Z", "updated": "2024-03-28T00:00:00Z",
         "summary": entries[1]["summary"]},
    ]
    assert "“" not in entries[0]["summary"] and "«" not in entries[0]["summary"]


def test_the_history_is_in_the_pages_language(example_in_git: tuple[Path, list[str]], cli_run: Any) -> None:
    root, _ = example_in_git
    site_yaml = root / "site.yaml"
    site_yaml.write_text(site_yaml.read_text("utf-8").replace("language: en\n", "language: ru\n"), "utf-8")
    site = _build(cli_run, root)
    card = _history_card(site / SLUG / "index.html", f"claim-{CLAIM}")
    assert card["summary"] == "Оценка менялась 1 раз"
    assert card["steps"] == ["Не доказано — с 28 марта 2024 г.", "2 апреля 2024 г.: новая оценка — Ложь"]
    _, entries = _feed(site)
    assert entries[0]["summary"] == ("Оценка изменена (2 апреля 2024\u202fг.). Прежняя оценка: Не доказано. "
                                     "Новая оценка: Ложь.")


def test_more_changes_are_counted_and_each_is_a_feed_entry(example_in_git: tuple[Path, list[str]],
                                                           cli_run: Any) -> None:
    root, commits = example_in_git
    _set_status(root, CLAIM, "false", "disputed")
    commits.append(_commit(root, "Disputed after all", "2024-05-06T08:00:00+00:00"))
    _set_status(root, "zakharova-us-evidence", "misleading", "false")
    commits.append(_commit(root, "Zakharova's claim is false", "2024-05-07T08:00:00+00:00"))
    site = _build(cli_run, root)
    card = _history_card(site / SLUG / "index.html", f"claim-{CLAIM}")
    assert card["summary"] == "Verdict changed 2 times"
    assert card["steps"] == ["Unproven from 28 March 2024", "Rated False on 2 April 2024",
                             "Rated Disputed on 6 May 2024"]
    updated, entries = _feed(site)
    assert updated == "2024-05-07T08:00:00+00:00"
    assert [(e["published"], e["summary"]) for e in entries[:3]] == [
        ("2024-05-07T08:00:00+00:00", "Verdict changed (7 May 2024). Previous verdict: Misleading. "
                                      "New verdict: False."),
        ("2024-05-06T08:00:00+00:00", "Verdict changed (6 May 2024). Previous verdict: False. New verdict: Disputed."),
        ("2024-04-02T09:30:00+02:00", "Verdict changed (2 April 2024). Previous verdict: Unproven. "
                                      "New verdict: False."),
    ]
    assert len(entries) == 4


def test_an_uncommitted_verdict_shows_no_history_until_it_is_committed(
        example_in_git: tuple[Path, list[str]], cli_run: Any) -> None:
    root, _ = example_in_git
    _set_status(root, CLAIM, "false", "disputed")
    site = _build(cli_run, root)
    assert _history_card(site / SLUG / "index.html", f"claim-{CLAIM}") == {}
    assert _claim_json(site)["history"] == []
    assert [e["title"] for e in _feed(site)[1]][:1] == [
        "Who was behind the Crocus City Hall attack? Putin, Lukashenko and the competing claims"]
    commit = _commit(root, "Disputed", "2024-05-06T08:00:00+00:00")
    site = _build(cli_run, root)
    assert [step["commit"] for step in _claim_json(site)["history"]][-1] == commit


def test_a_renamed_claim_starts_its_history_at_the_rename(example_in_git: tuple[Path, list[str]],
                                                          cli_run: Any) -> None:
    root, commits = example_in_git
    path = root / FILE
    path.write_text(path.read_text("utf-8").replace(CLAIM, "putin-border-window"), "utf-8")
    _commit(root, "Rename", "2024-04-03T08:00:00+00:00")
    site = _build(cli_run, root)
    assert _claim_json(site, "putin-border-window")["history"] == []
    _set_status(root, "putin-border-window", "false", "disputed")
    rated = _commit(root, "Disputed", "2024-04-04T08:00:00+00:00")
    site = _build(cli_run, root)
    assert [(s["status"], s["commit"]) for s in _claim_json(site, "putin-border-window")["history"]] == [
        ("false", _git(root, "rev-parse", "HEAD~1")), ("disputed", rated)]


def test_a_version_that_does_not_parse_is_skipped(example_in_git: tuple[Path, list[str]], cli_run: Any) -> None:
    root, commits = example_in_git
    path = root / FILE
    good = path.read_text("utf-8")
    path.write_text(good.replace("claims:\n", "claims: [\n", 1), "utf-8")
    _commit(root, "Broken", "2024-04-03T08:00:00+00:00")
    path.write_text(good, "utf-8")
    _commit(root, "Fixed", "2024-04-04T08:00:00+00:00")
    site = _build(cli_run, root)
    assert [s["commit"] for s in _claim_json(site)["history"]] == commits[1:]


def test_a_shallow_clone_shows_what_it_has_and_warns(example_in_git: tuple[Path, list[str]], cli_run: Any,
                                                     tmp_path: Path) -> None:
    root, _ = example_in_git
    clone = tmp_path / "ci-checkout"
    subprocess.run(["git", "clone", "-q", "--depth", "1", f"file://{root}", str(clone)], check=True,
                   capture_output=True)
    result = cli_run("build", "--root", clone, "--base-url", EXAMPLE_BASE_URL)
    assert result.code == 0
    assert any("this is a shallow git clone" in line for line in result.err_lines)
    assert _claim_json(clone / "site")["history"] == []
    assert len(_feed(clone / "site")[1]) == 1


def test_a_cached_build_after_a_commit_equals_a_clean_build(example_in_git: tuple[Path, list[str]],
                                                            cli_run: Any, tmp_path: Path) -> None:
    root, _ = example_in_git
    _build(cli_run, root)
    _set_status(root, CLAIM, "false", "disputed")
    _commit(root, "Disputed", "2024-05-06T08:00:00+00:00")
    cached = tree_digest(_build(cli_run, root))
    clean = tmp_path / "clean"
    shutil.copytree(root, clean, ignore=shutil.ignore_patterns("site", ".explainer-cache"))
    assert tree_digest(_build(cli_run, clean)) == cached
    assert "Rated Disputed on 6 May 2024" in _history_card(root / "site" / SLUG / "index.html",
                                                           f"claim-{CLAIM}")["steps"]


@pytest.mark.parametrize("steps", [
    [[0, "false"], [1, "maybe"]],      # not a status
    [[0, "false"], [99, "true"]],      # no such revision
    [[0, "false"], ["1", "true"]],     # not an index
    "not a list",
])
def test_a_hostile_history_cache_is_read_again(example_in_git: tuple[Path, list[str]], cli_run: Any,
                                               steps: Any) -> None:
    root, _ = example_in_git
    site = _build(cli_run, root, "--clean")
    good = tree_digest(site)
    path = root / ".explainer-cache/history.json"
    data = json.loads(sealed_payload(path))
    data["verdicts"][FILE][CLAIM] = steps
    reseal(path, json.dumps(data).encode(), "history.json")
    (root / FILE).write_text((root / FILE).read_text("utf-8") + "\nOne more line.\n", "utf-8")
    _build(cli_run, root)
    (root / FILE).write_text((root / FILE).read_text("utf-8").removesuffix("\nOne more line.\n"), "utf-8")
    assert tree_digest(_build(cli_run, root)) == good


@hypothesis_settings(ci=200, long=2000)
@given(st.binary(max_size=400) | st.text(max_size=400).map(lambda t: ("---\n" + t + "\n---\n").encode()))
def test_reading_an_old_version_never_fails(data: bytes) -> None:
    found = verdicts.claim_statuses(data)
    assert found is None or all(isinstance(k, str) and (v is None or v in STATUSES)
                                for k, v in found.items())


def test_the_cache_keeps_the_history_exactly_and_refuses_what_is_not_a_verdict(
        example_in_git: tuple[Path, list[str]], tmp_path: Path) -> None:
    from generator.incremental import summary, views
    root, _ = example_in_git
    builder = Builder(BuildOptions(root, tmp_path / "site", base_url=EXAMPLE_BASE_URL), use_cache=False)
    builder.build()
    (explainer,) = [u.explainer for u in builder.units.values() if isinstance(u.explainer, Explainer)]
    assert explainer.claims[CLAIM].history and explainer.verdict_changes
    decoded = views.decode(views.encode(explainer), lambda field, key: pytest.fail(f"{field} {key}"))
    assert decoded["claims"][CLAIM] == explainer.claims[CLAIM]
    kept = summary.summarize(explainer, {})
    assert summary.LazyExplainer(kept).verdict_changes == explainer.verdict_changes
    # A status the contract does not have (templates look its label up) is a damaged item.
    text = views.encode(explainer).replace('{"$verdict":["false"', '{"$verdict":["maybe"')
    damaged: list[object] = []
    views.decode(text, lambda field, key: damaged.append((field, key)))["claims"][CLAIM]
    assert damaged == [("claims", CLAIM)]
    kept["verdict_changes"][0][4] = "maybe"
    with pytest.raises(TypeError):
        summary.LazyExplainer(kept)


def _front(status_a: str, status_b: str) -> str:
    return (f"---\ntitle: T\nclaims:\n  a:\n    by: x\n    text: A.\n    status: {status_a}\n"
            f"  b:\n    by: x\n    text: B.\n    status: {status_b}\n---\nBody.\n")


def test_after_a_commit_only_the_files_it_touched_are_read_again(tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    from generator import history
    root = tmp_path / "project"
    (root / "content/explainers").mkdir(parents=True)
    _git(root, "init", "-q")
    for day, (one, two) in enumerate([("true", "true"), ("false", "true"), ("false", "disputed")], start=1):
        (root / "content/explainers/one.md").write_text(_front(one, "true"), "utf-8")
        (root / "content/explainers/two.md").write_text(_front(two, "unrated"), "utf-8")
        _commit(root, f"Day {day}", f"2024-04-0{day}T10:00:00+00:00")
    before = history.read_history(root, history.head_commit(root))
    assert before.verdicts == {"content/explainers/one.md": {"a": [(1, "true"), (0, "false")]},
                               "content/explainers/two.md": {"a": [(1, "true"), (0, "disputed")]}}
    (root / "content/explainers/one.md").write_text(_front("misleading", "true"), "utf-8")
    _commit(root, "Day 4", "2024-04-04T10:00:00+00:00")
    read: list[str | None] = []
    original = verdicts.statuses_in
    monkeypatch.setattr(verdicts, "statuses_in", lambda front: read.append(front) or original(front))
    after = history.read_history(root, history.head_commit(root), previous=before)
    assert len(read) == 3  # one.md's three versions; two.md's are known
    assert after == history.read_history(root, history.head_commit(root))  # what a clean read finds
    assert after.verdicts["content/explainers/one.md"] == {"a": [(2, "true"), (1, "false"), (0, "misleading")]}


def test_versions_that_differ_in_their_body_alone_are_not_composed(monkeypatch: pytest.MonkeyPatch) -> None:
    composed: list[str | None] = []
    original = verdicts.statuses_in
    monkeypatch.setattr(verdicts, "statuses_in", lambda front: composed.append(front) or original(front))
    front = _front("true", "false")
    assert verdicts._file_steps([(2, front.encode()), (1, (front + "More.\n").encode()),
                                 (0, (front + "Again.\n").encode())], {}) == {}
    assert composed == []
    assert verdicts._file_steps([(2, front.encode()), (1, (front + "More.\n").encode()),
                                 (0, _front("true", "true").encode())], {}) == {"b": [(2, "false"), (0, "true")]}
    assert len(composed) == 2  # each front matter once
