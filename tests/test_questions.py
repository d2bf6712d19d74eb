"""Open questions and who answers what: `questions:`, a claim's `about:`, and the page's
"Who says what" section (generator/questions.py, _who_says_what.html), in HTML and in
explainer.json; without questions, the claims grouped by their relations."""

from __future__ import annotations

import json
from pathlib import Path
from xml.etree import ElementTree

import pytest
from helpers import (
    BASE,
    BASE_FILES,
    QUESTION_EDITS,
    apply,
    build_errors,
    by_id,
    clean_build,
    clean_errors,
    html_tree,
    links_in,
    make_project,
    text_of,
    tree,
)
from hypothesis import given
from hypothesis import strategies as st

from generator.config import BuildOptions
from generator.dates import PartialDate
from generator.diagnostics import Span
from generator.model import RELATIONS, Claim, Explainer, Markdown, Question
from generator.pipeline import Builder
from generator.questions import who_says_what, who_says_what_json

HEAD = "---\ntitle: T\nsummary: S\npublished: 2024-01-01\nactors:\n  p:\n    name: P\n  q:\n    name: Q\n"
"""Lines 1-9 of an explainer; a test's own front matter starts on line 10."""

QUESTIONS = "questions:\n  who-did-it:\n    question: Who did it?\n"
"""Lines 10-12."""


def page(front: str, body: str = "Body.\n") -> str:
    return HEAD + front + "---\n" + body


def errors_of(project, cli_run, text: str, files: dict[str, str] | None = None) -> list[str]:  # type: ignore[no-untyped-def]
    root = project({"content/explainers/a.md": text, **(files or {})})
    result = cli_run("check", "--root", root)
    assert "Traceback" not in result.err
    errors = [line for line in result.err_lines if ": error: " in line]
    assert result.code == (1 if errors else 0), result.err
    return errors


def claim(claim_id: str, extra: str = "", by: str = "p", status: str = "unproven") -> str:
    return f"  {claim_id}:\n    by: {by}\n    text: Claim {claim_id}.\n    status: {status}\n{extra}"


# -- errors -------------------------------------------------------------------------

@pytest.mark.parametrize("front, expected", [
    # An unknown question, with the nearest id.
    (QUESTIONS + "claims:\n" + claim("c", "    about: who-did-t\n"),
     ["content/explainers/a.md:18:12: error: unknown question 'who-did-t' in claim 'c'; did you mean 'who-did-it'?"]),
    # Without a near one, no hint.
    (QUESTIONS + "claims:\n" + claim("c", "    about: weather\n"),
     ["content/explainers/a.md:18:12: error: unknown question 'weather' in claim 'c'"]),
    # An id of another kind.
    (QUESTIONS + "claims:\n" + claim("c", "    about: p\n"),
     ["content/explainers/a.md:18:12: error: 'p' in claim 'c' is an actor, not a question"]),
    (QUESTIONS + "claims:\n" + claim("c") + claim("d", "    about: c\n"),
     ["content/explainers/a.md:22:12: error: 'c' in claim 'd' is a claim, not a question"]),
    # Wrong types.
    (QUESTIONS + "claims:\n" + claim("c", "    about: [who-did-it, other]\n"),
     ["content/explainers/a.md:18:12: error: 'about' in claim 'c' must be one question id, not a list; "
      "a claim answers one question: write about: who-did-it, and split a claim that answers two"]),
    (QUESTIONS + "claims:\n" + claim("c", "    about: {who-did-it: yes}\n"),
     ["content/explainers/a.md:18:12: error: 'about' in claim 'c' must be text, not a mapping"]),
    (QUESTIONS + "claims:\n" + claim("c", "    about: Who-Did-It\n"),
     ["content/explainers/a.md:18:12: error: invalid question id 'Who-Did-It': use lowercase letters, digits "
      "and single hyphens; try 'who-did-it'"]),
    ("questions: [who-did-it]\n",
     ["content/explainers/a.md:10:12: error: 'questions' in explainer must be a mapping of id: fields; "
      "remove the '- ' list markers"]),
    ("questions: Who did it?\n",
     ["content/explainers/a.md:10:12: error: 'questions' in explainer must be a mapping of id: fields"]),
    ("questions:\n  who-did-it: Who did it?\n",
     ["content/explainers/a.md:11:15: error: question 'who-did-it' must be a mapping of fields; "
      "write the question under the id, as question: Who did it?"]),
    ("questions:\n  who-did-it:\n",
     ["content/explainers/a.md:11:14: error: question 'who-did-it' must be a mapping of fields; "
      "indent its fields under the id, starting with question: and its text"]),
    ("questions:\n  who-did-it:\n    question: [a, b]\n",
     ["content/explainers/a.md:12:15: error: 'question' in question 'who-did-it' must be text, not a list"]),
    ("questions:\n  who-did-it:\n    note: Nobody knows.\n",
     ["content/explainers/a.md:12:5: error: missing required key 'question' in question 'who-did-it'"]),
    ("questions:\n  who-did-it:\n    qestion: Who did it?\n",
     ["content/explainers/a.md:12:5: error: missing required key 'question' in question 'who-did-it'",
      "content/explainers/a.md:12:5: error: unknown key 'qestion' in question 'who-did-it'; "
      "did you mean 'question'?"]),
    ("questions:\n  Who_did_it:\n    question: Who did it?\n",
     ["content/explainers/a.md:11:3: error: invalid question id 'Who_did_it': use lowercase letters, digits and "
      "single hyphens; try 'who-did-it'"]),
    # Duplicate ids: twice in `questions`, and a question with the id of a claim or an actor.
    (QUESTIONS + "  who-did-it:\n    question: Who did it, again?\n",
     ["content/explainers/a.md:13:3: error: duplicate key 'who-did-it' (first defined at line 11); "
      "remove one of them"]),
    (QUESTIONS + "claims:\n" + claim("who-did-it"),
     ["content/explainers/a.md:11:3: error: id 'who-did-it' is already used by the claim at line 14; "
      "ids of actors, sources, claims and questions share one namespace per explainer"]),
    ("questions:\n  p:\n    question: Who is P?\n",
     ["content/explainers/a.md:11:3: error: id 'p' is already used by the actor at line 6; "
      "ids of actors, sources, claims and questions share one namespace per explainer"]),
])
def test_question_errors(project, cli_run, front: str, expected: list[str]) -> None:
    assert errors_of(project, cli_run, page(front)) == expected


def test_a_question_may_not_take_a_shared_actors_id(project, cli_run) -> None:
    errors = errors_of(project, cli_run, page("questions:\n  russia:\n    question: What does Russia say?\n"),
                       {"content/actors/russia.yaml": "name: Russia\n"})
    assert errors == ["content/explainers/a.md:11:3: error: question id 'russia' is already the id of the shared "
                      "actor in content/actors/russia.yaml; rename the question"]


def test_links_to_questions_are_checked_like_other_ids(project, cli_run) -> None:
    front = ("questions:\n  who-did-it:\n    question: Who did it?\n    note: Ask [P](@p) and [nobody](@nobody).\n")
    errors = errors_of(project, cli_run, page(front, body="See [the question](@who-did-t).\n"))
    assert errors == [
        "content/explainers/a.md:13:36: error: unknown id '@nobody' in the note of question 'who-did-it'",
        "content/explainers/a.md:15:20: error: unknown id '@who-did-t' in the body; did you mean 'who-did-it'?",
    ]


# -- the section on the page --------------------------------------------------------

ONE_PAGE = page(
    "questions:\n"
    "  who-did-it:\n    question: Who did it?\n    note: Both [P](@p) and [Q](@q) have a view.\n"
    "  why:\n    question: Why?\n    note: Nobody has said.\n"
    "  when:\n    question: When was it planned?\n"
    "sources:\n  report:\n    title: The report\n"
    "claims:\n"
    + claim("p-says", "    about: who-did-it\n    date: 2024-01-01\n    sources: [report]\n")
    + claim("q-says", "    about: who-did-it\n    contradicts: [p-says]\n", by="q", status="disputed")
    + claim("p-again", "    about: who-did-it\n", status="unrated")
    + claim("q-when", "    about: when\n", by="q", status="unrated")
    + claim("loose", "    note: Not about any question; see [why](@why).\n", by="q"),
    body="Read [who did it](@who-did-it).\n")


@pytest.fixture(scope="module")
def one_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from helpers import build_project
    root = make_project(tmp_path_factory.mktemp("questions"), {"content/explainers/a.md": ONE_PAGE})
    build_project(root, root / "site", "https://example.org/")
    return root / "site"


def _rows(table: ElementTree.Element) -> list[list[str]]:
    return [[" ".join(text_of(cell).split()) for cell in row] for row in table.iter("tr")]


def test_questions_show_who_says_what_with_contradictions_side_by_side(one_site: Path) -> None:
    tree = html_tree(one_site / "a/index.html")
    section = by_id(tree, "who-says-what")
    group = by_id(section, "question-who-did-it")
    assert " ".join(text_of(group.find("h3")).split()) == "Who did it?"
    table = group.find("table")
    assert table is not None
    assert _rows(table) == [
        ["Who", "Claim", "Verdict", "Date", "Sources"],
        # P's claims together (the actor of the first claim first), then Q's.
        ["P", "Claim p-says.", "Status: Unproven", "1 January 2024", "The report"],
        ["P", "Claim p-again.", "Status: Unrated", "Not dated", "None listed"],
        ["Q", "Claim q-says.", "Status: Disputed", "Not dated", "None listed"],
    ]
    assert [href for href, _ in links_in(table)] == [
        "#actor-p", "#claim-p-says", "#source-report", "#actor-p", "#claim-p-again", "#actor-q", "#claim-q-says"]
    conflicts = group.findall(".//li[@class='wsw-conflict']")
    assert [" ".join(text_of(li).split()) for li in conflicts] == [
        "Q — Claim q-says. Status: Disputed contradicts P — Claim p-says. Status: Unproven"]
    # Questions without a rated claim are open, in file order, with what was claimed so far.
    open_items = section.findall(".//ul[@class='wsw-open']/li")
    assert [item.get("id") for item in open_items] == ["question-why", "question-when"]
    assert " ".join(text_of(open_items[1]).split()) == (
        "When was it planned? Claimed so far, without a verdict: Q — Claim q-when.")
    # The claim about no question is not in the section; the table of contents links to it.
    assert "#claim-loose" not in [href for href, _ in links_in(section)]
    assert "#who-says-what" in [href for href, _ in links_in(tree)]


def test_links_to_a_question_point_at_it(one_site: Path) -> None:
    tree = html_tree(one_site / "a/index.html")
    body_links = links_in(tree.find(".//div[@class='body prose']"))  # type: ignore[arg-type]
    assert body_links == [("#question-who-did-it", "who did it")]
    # From the claim's card on the actor page, the link goes to the explainer's page.
    actor = (one_site / "actors/q/index.html").read_text("utf-8")
    assert 'href="../../a/#question-why" class="ref ref-question"' in actor


def test_a_claim_card_links_to_the_question_it_answers(one_site: Path) -> None:
    tree = html_tree(one_site / "a/index.html")
    card = by_id(tree, "claim-q-says")
    line = card.find(".//p[@class='claim-question']")
    assert line is not None
    assert " ".join(text_of(line).split()) == "On the question: Who did it?"
    assert links_in(line) == [("#question-who-did-it", "Who did it?")]
    # Every target exists: an open question's card links to its item under "What we don't know".
    assert links_in(by_id(tree, "claim-q-when").find(".//p[@class='claim-question']")) == [  # type: ignore[arg-type]
        ("#question-when", "When was it planned?")]
    assert by_id(tree, "question-when") is not None
    assert by_id(tree, "claim-loose").find(".//p[@class='claim-question']") is None


def test_explainer_json_has_the_questions_and_the_section(one_site: Path) -> None:
    data = json.loads((one_site / "a/explainer.json").read_text("utf-8"))
    assert [c["about"] for c in data["claims"]] == ["who-did-it", "who-did-it", "who-did-it", "when", None]
    assert data["questions"] == [
        {"id": "who-did-it", "question": "Who did it?", "note": "Both [P](@p) and [Q](@q) have a view.",
         "claims": ["p-says", "q-says", "p-again"], "open": False},
        {"id": "why", "question": "Why?", "note": "Nobody has said.", "claims": [], "open": True},
        {"id": "when", "question": "When was it planned?", "note": None, "claims": ["q-when"], "open": True},
    ]
    assert data["who_says_what"] == {
        "grouped_by": "questions",
        "groups": [{"question": "who-did-it", "lead": None,
                    "claims": [{"id": "p-says", "by": "p", "status": "unproven", "date": "2024-01-01"},
                               {"id": "p-again", "by": "p", "status": "unrated", "date": None},
                               {"id": "q-says", "by": "q", "status": "disputed", "date": None}],
                    "disagreements": [["q-says", "p-says"]]}],
        "open": [{"question": "why", "lead": None, "claims": [], "disagreements": []},
                 {"question": "when", "lead": None,
                  "claims": [{"id": "q-when", "by": "q", "status": "unrated", "date": None}],
                  "disagreements": []}],
    }


def test_without_questions_claims_are_grouped_by_their_relations(project, cli_run) -> None:
    text = page("claims:\n"
                + claim("a1") + claim("a2", "    supports: [a1]\n", by="q")
                + claim("b1") + claim("lone", by="q")
                + claim("a3", "    contradicts: [a1]\n    responds_to: [a2]\n", by="q")
                + claim("b2", "    responds_to: [b1]\n", by="q"))
    root = project({"content/explainers/a.md": text})
    assert cli_run("build", "--root", root).code == 0
    section = by_id(html_tree(root / "site/a/index.html"), "who-says-what")
    groups = section.findall("div[@class='wsw-group']")
    # Each web of related claims under the claim the others point at (a1: two relations; b1:
    # one, and it comes first), attributed to its actor as a related claim is, in the order of
    # their first claim; then the rest.
    assert [" ".join(text_of(g.find("h3")).split()) for g in groups] == [  # type: ignore[arg-type]
        "P — Claim a1.", "P — Claim b1.", "Other claims"]
    assert [[href for href, _ in links_in(g.find("table"))][1::2] for g in groups] == [  # type: ignore[arg-type]
        ["#claim-a1", "#claim-a2", "#claim-a3"], ["#claim-b1", "#claim-b2"], ["#claim-lone"]]
    assert section.find(".//ul[@class='wsw-open']") is None
    data = json.loads((root / "site/a/explainer.json").read_text("utf-8"))
    assert data["questions"] == []
    assert data["who_says_what"]["grouped_by"] == "relations"
    assert [(g["lead"], g["disagreements"]) for g in data["who_says_what"]["groups"]] == [
        ("a1", [["a3", "a1"]]), ("b1", []), (None, [])]


def test_no_claims_and_no_questions_no_section(project, cli_run) -> None:
    root = project({"content/explainers/a.md": page("")})
    assert cli_run("build", "--root", root).code == 0
    assert 'id="who-says-what"' not in (root / "site/a/index.html").read_text("utf-8")
    data = json.loads((root / "site/a/explainer.json").read_text("utf-8"))
    assert data["who_says_what"] == {"grouped_by": "relations", "groups": [], "open": []}


def test_the_example_shows_its_questions(built_example: Path) -> None:
    tree = html_tree(built_example / "crocus-city-hall-attack/index.html")
    section = by_id(tree, "who-says-what")
    answered = [g.get("id") for g in section.findall("div[@class='wsw-group']")]
    assert answered == ["question-who-carried-out", "question-ukraine-role", "question-escape-route"]
    ukraine = by_id(section, "question-ukraine-role")
    sides = [[href for href, _ in links_in(li)] for li in ukraine.findall(".//li[@class='wsw-conflict']")]
    assert sides == [["#claim-lukashenko-belarus-route", "#claim-putin-ukraine-window"],
                     ["#claim-ukraine-denial", "#claim-putin-ukraine-window"],
                     ["#claim-ukraine-denial", "#claim-russian-security-ukraine-suspicion"]]
    open_ids = [li.get("id") for li in section.findall(".//ul[@class='wsw-open']/li")]
    assert open_ids == ["question-who-ordered", "question-us-assessment", "question-death-toll"]
    # The hand-written table and list are gone from the body.
    body = text_of(tree.find(".//div[@class='body prose']"))  # type: ignore[arg-type]
    assert "Who says what" not in body and "What we don" not in body


# -- the grouping, on any web of relations ------------------------------------------

def _explainer(relations: list[tuple[int, str, int]], size: int) -> Explainer:
    span = Span("content/explainers/x.md", 1, 1)
    claims = {f"c{i}": Claim(f"c{i}", "p", span, f"Claim {i}.", span) for i in range(size)}
    for source, relation, target in relations:
        a, b = claims[f"c{source % size}"], claims[f"c{target % size}"]
        if a is b or b.id in getattr(a, relation):
            continue
        getattr(a, relation).append(b.id)
        b.inverse.setdefault(relation, []).append(a.id)
    return Explainer("x", span.path, "X", "S", PartialDate("2024", 2024),
                     Markdown("", span), claims=claims)


@given(size=st.integers(1, 12),
       relations=st.lists(st.tuples(st.integers(0, 11), st.sampled_from(RELATIONS), st.integers(0, 11)),
                          max_size=20))
def test_relation_groups_partition_the_claims(size: int, relations: list[tuple[int, str, int]]) -> None:
    explainer = _explainer(relations, size)
    view = who_says_what(explainer)
    grouped = [claim.id for group in view.groups for claim in group.claims]
    assert sorted(grouped) == sorted(explainer.claims)  # every claim once
    group_of = {claim.id: i for i, group in enumerate(view.groups) for claim in group.claims}
    related = [(c.id, other) for c in explainer.claims.values() for r in RELATIONS for other in getattr(c, r)]
    for a, b in related:  # related claims are together, in a group with a lead
        assert group_of[a] == group_of[b] and view.groups[group_of[a]].lead is not None
    pairs = sorted((d.claim.id, d.other.id) for g in view.groups for d in g.disagreements)
    assert pairs == sorted((c.id, o) for c in explainer.claims.values() for o in c.contradicts)
    assert who_says_what_json(explainer) == who_says_what_json(_explainer(relations, size))  # deterministic


def test_questions_with_no_rated_claim_are_open() -> None:
    explainer = _explainer([], 3)
    span = Span("content/explainers/x.md", 1, 1)
    explainer.questions = {"q1": Question("q1", "One?", span), "q2": Question("q2", "Two?", span)}
    explainer.claims["c0"].about = explainer.claims["c1"].about = "q1"
    explainer.claims["c2"].about = "q2"
    explainer.claims["c2"].status = "false"
    view = who_says_what(explainer)
    assert [g.question.id for g in view.groups if g.question] == ["q2"]
    assert [(g.question.id, [c.id for c in g.claims]) for g in view.open if g.question] == [("q1", ["c0", "c1"])]


# -- incremental builds ---------------------------------------------------------------

@pytest.mark.parametrize("resident", [True, False], ids=["serve", "build"])
def test_question_edits_rebuild_like_a_clean_build(tmp_path: Path, resident: bool) -> None:
    """The edits of `QUESTION_EDITS` (also among the random edits of test_incremental), one
    after the other: serve's rebuilds and cached builds equal a clean build, and an error
    says what it should."""
    root = make_project(tmp_path / "project", BASE_FILES)
    out = root / "site"

    def builder() -> Builder:
        return Builder(BuildOptions(root, out, base_url=BASE, drafts=resident), resident=resident)

    kept = builder()
    assert not build_errors(kept)
    open_who, answered_who, unknown_question, no_questions = QUESTION_EDITS
    unknown_errors = ["content/explainers/alpha.md:18:12: error: unknown question 'whom' in claim 'c2'; "
                      "did you mean 'who'?"]
    removed_errors = ["content/explainers/alpha.md:18:12: error: unknown question 'who' in claim 'c2'",
                      "content/explainers/alpha.md:19:30: error: unknown id '@open-one' in the note of claim 'c2'"]
    steps = [(open_who, []), (answered_who, []), (unknown_question, unknown_errors), (answered_who, []),
             (no_questions, removed_errors), (open_who, [])]
    for edit, expected in steps:
        apply(root, edit)
        errors = build_errors(kept if resident else builder())
        assert errors == expected
        assert errors == clean_errors(root, tmp_path / "clean", drafts=resident)
        if errors:
            continue
        assert tree(out) == clean_build(root, tmp_path / "clean", drafts=resident)
        section = by_id(html_tree(out / "alpha/index.html"), "who-says-what")
        answered = [g.get("id") for g in section.findall("div[@class='wsw-group']")]
        assert answered == (["question-who"] if edit is answered_who else [])
