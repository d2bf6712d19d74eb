"""The bad-input cases of test_invalid_input.py: one small project per kind of bad input, with
the exact error lines `explainer check` prints for it. test_schema_verdicts.py checks each with
the JSON Schemas too (docs/schema.md)."""

from __future__ import annotations

from dataclasses import dataclass, field

E = "content/explainers/crocus.md"
EVENT_DATE_HINT = ("use YYYY, YYYY-MM, YYYY-MM-DD or 2024-03-22T20:00:00+03:00; if uncertain, ~2023-06 (around), "
                   "..2023-06-06 (by), 2023-06-06.. (from) or 2023-06-05..2023-06-07 (between), or their EDTF "
                   "forms 2023-06~, ../2023-06-06, 2023-06-06/.., 2023-06-05/2023-06-07")
"""The hint of an invalid claim or timeline date: every form it may take (docs/authoring.md)."""


def explainer(front: str = "", body: str = "Body.\n", head: str | None = None) -> str:
    """An explainer whose own lines 1-16 are fixed (below); `front` starts on line 17."""
    return (head if head is not None else HEAD) + front + "---\n" + body


HEAD = """\
---
title: Who was behind the attack?
summary: The competing claims.
published: 2024-03-28
actors:
  putin:
    name: Vladimir Putin
  lukashenko:
    name: Alexander Lukashenko
sources:
  tass:
    title: TASS report
claims:
  window:
    by: putin
    text: Ukraine prepared a window.
"""


@dataclass
class Case:
    id: str
    files: dict[str, str | bytes]
    errors: list[str]
    """The error lines, in the order printed; the summary line is added by the test."""
    extra: dict[str, str | bytes] = field(default_factory=dict)


CASES = [
    Case("missing-required-field",
         {E: "---\ntitle: T\npublished: 2024-03-28\n---\n"},
         [f"{E}:2:1: error: missing required key 'summary' in explainer"]),
    Case("wrong-type-list-where-text-expected",
         {E: explainer(head=HEAD.replace("title: Who was behind the attack?", "title: [Who, was]"))},
         [f"{E}:2:8: error: 'title' in explainer must be text, not a list"]),
    Case("invalid-id-syntax",
         {E: explainer("  Vladimir_Putin:\n    by: putin\n    text: T\n")},
         [f"{E}:17:3: error: invalid claim id 'Vladimir_Putin': use lowercase letters, digits and single "
          "hyphens; try 'vladimir-putin'"]),
    Case("id-defined-twice-in-one-explainer",
         {E: explainer("  putin:\n    by: lukashenko\n    text: T\n")},
         [f"{E}:17:3: error: id 'putin' is already used by the actor at line 6; ids of actors, sources and "
          "claims share one namespace per explainer"]),
    Case("id-clashing-with-a-shared-actor",
         {E: explainer(head=HEAD.replace("  tass:\n", "  russia:\n")),
          "content/actors/russia.yaml": "name: Russia\n"},
         [f"{E}:11:3: error: source id 'russia' is already the id of the shared actor in "
          "content/actors/russia.yaml; rename the source"]),
    Case("actor-defined-inline-and-in-content-actors",
         {E: explainer(), "content/actors/lukashenko.yaml": "name: Alexander Lukashenko\n"},
         [f"{E}:8:3: error: actor 'lukashenko' is defined both inline and in content/actors/lukashenko.yaml; "
          "remove one of the two definitions"]),
    Case("inline-actors-differing-between-explainers",
         {E: explainer(),
          "content/explainers/second.md": explainer(head=HEAD.replace("name: Alexander Lukashenko",
                                                                     "name: A. Lukashenko"))},
         ["content/explainers/second.md:8:3: error: actor 'lukashenko' is defined differently in "
          f"{E}:8; if these are different actors, give one of them another id (e.g. 'lukashenko-2'); if they "
          "are the same, make the two definitions identical or move it to content/actors/lukashenko.yaml"]),
    Case("unknown-actor-in-claim-by-with-did-you-mean",
         {E: explainer(head=HEAD.replace("    by: putin\n", "    by: putn\n"))},
         [f"{E}:15:9: error: unknown actor 'putn' in claim 'window'; did you mean 'putin'?"]),
    Case("unknown-source-reference",
         {E: explainer("    sources: [tass, tas]\n")},
         [f"{E}:17:21: error: unknown source 'tas' in claim 'window'; did you mean 'tass'?"]),
    Case("unknown-claim-reference",
         {E: explainer("  route:\n    by: lukashenko\n    text: T\n    contradicts: [windows]\n")},
         [f"{E}:20:19: error: unknown claim 'windows' in claim 'route'; did you mean 'window'?"]),
    Case("unknown-at-link-in-body",
         {E: explainer(body="## Heading\n\nAs [Mr. Putin](@vladimir-putin) said.\n")},
         [f"{E}:20:16: error: unknown id '@vladimir-putin' in the body"]),
    Case("unknown-at-link-in-claim-note-literal-block",
         {E: explainer("    note: |\n      No evidence, and\n      [Lukashenko](@lukashenka) disagrees.\n")},
         [f"{E}:19:20: error: unknown id '@lukashenka' in the note of claim 'window'; did you mean 'lukashenko'?"]),
    Case("unknown-at-link-in-event-text",
         {E: explainer("timeline:\n  - date: 2024-03-22\n    title: Attack\n    text: |\n"
                       "      Gunmen attack, [TASS](@tas) reports.\n")},
         [f"{E}:21:29: error: unknown id '@tas' in the text of timeline event 'Attack'; did you mean 'tass'?"]),
    Case("relation-to-itself",
         {E: explainer("    contradicts: [window]\n")},
         [f"{E}:17:19: error: claim 'window' cannot contradict itself; remove 'window' from 'contradicts'"]),
    Case("repeated-id-in-a-relation-list",
         {E: explainer("  route:\n    by: lukashenko\n    text: T\n    supports: [window, window]\n")},
         [f"{E}:20:24: error: 'window' appears twice in 'supports'; remove the repeat"]),
    Case("invalid-date",
         {E: explainer("    date: 23 March 2024\n")},
         [f"{E}:17:11: error: invalid date in 'date': '23 March 2024' is not a date; " + EVENT_DATE_HINT]),
    Case("impossible-date",
         {E: explainer("    date: 2023-02-30\n")},
         [f"{E}:17:11: error: invalid date in 'date': '2023-02-30' is not a real day (February 2023 has 28 days); "
          + EVENT_DATE_HINT]),
    Case("published-with-month-precision",
         {E: explainer(head=HEAD.replace("published: 2024-03-28", "published: 2024-03"))},
         [f"{E}:4:12: error: invalid date in 'published': '2024-03' must be a full date (YYYY-MM-DD) or a "
          "date-time; use YYYY-MM-DD or 2024-03-22T20:00:00+03:00"]),
    Case("invalid-status-with-did-you-mean",
         {E: explainer("    status: mostly true\n")},
         [f"{E}:17:13: error: 'status' in claim 'window' is 'mostly true', not a status; did you mean 'mostly-true'?"]),
    Case("javascript-url",
         {E: explainer(head=HEAD.replace("    title: TASS report\n",
                                         "    title: TASS report\n    url: javascript:alert(1)\n"))},
         [f"{E}:13:10: error: 'url' in source 'tass' must be an http or https URL, got 'javascript:alert(1)'; "
          "write the full address, starting with https://"]),
    Case("ftp-url",
         {E: explainer(head=HEAD.replace("    title: TASS report\n",
                                         "    title: TASS report\n    url: ftp://tass.example/report\n"))},
         [f"{E}:13:10: error: 'url' in source 'tass' must be an http or https URL, got "
          "'ftp://tass.example/report'; write the full address, starting with https://"]),
    Case("image-path-escaping-content",
         {E: explainer(head=HEAD.replace("    name: Vladimir Putin\n",
                                         "    name: Vladimir Putin\n    image: ../x.png\n")),
          "x.png": b"\x89PNG\r\n\x1a\n"},
         [f"{E}:8:12: error: image '../x.png' must be a path inside content/; write it relative to content/, "
          "e.g. images/portrait.jpg"]),
    Case("missing-image",
         {E: explainer(head=HEAD.replace("    name: Vladimir Putin\n",
                                         "    name: Vladimir Putin\n    image: images/putin.jpg\n"))},
         [f"{E}:8:12: error: image 'images/putin.jpg' not found under content/"]),
    Case("unknown-key-in-explainer",
         {E: explainer("tag: [russia]\n")},
         [f"{E}:17:1: error: unknown key 'tag' in explainer; did you mean 'tags'?"]),
    Case("unknown-key-in-claim",
         {E: explainer("    sauce: [tass]\n")},
         [f"{E}:17:5: error: unknown key 'sauce' in claim 'window'; did you mean 'sources'?"]),
    Case("unknown-key-in-timeline-event",
         {E: explainer("timeline:\n  - date: 2024-03-22\n    title: Attack\n    soruces: [tass]\n")},
         [f"{E}:20:5: error: unknown key 'soruces' in timeline event; did you mean 'sources'?"]),
    Case("unknown-key-in-shared-actor",
         {E: explainer(), "content/actors/russia.yaml": "name: Russia\nkidn: government\n"},
         ["content/actors/russia.yaml:2:1: error: unknown key 'kidn' in actor 'russia'; did you mean 'kind'?"]),
    Case("unknown-key-in-site-yaml",
         {E: explainer(), "site.yaml": "title: Desk\nlangauge: en\n"},
         ["site.yaml:2:1: error: unknown key 'langauge' in site.yaml; did you mean 'language'?"]),
    Case("reserved-slug",
         {"content/explainers/tags.md": explainer()},
         ["content/explainers/tags.md:1:1: error: 'tags' is reserved for the site's own pages; rename the file, "
          "e.g. to tags-explained.md"]),
    Case("invalid-file-name",
         {"content/explainers/Bad Name.md": explainer()},
         ["content/explainers/Bad Name.md:1:1: error: invalid file name 'Bad Name.md': the name must match "
          "[a-z0-9]+(-[a-z0-9]+)* before the extension; rename it to 'bad-name.md'"]),
    Case("non-utf8-file",
         {E: explainer(body="Caf\u00e9 au lait.\n").encode("utf-8").replace(b"\xc3\xa9", b"\xe9")},
         [f"{E}:18:4: error: file is not valid UTF-8 (byte 0xe9); save the file as UTF-8"]),
    Case("errors-in-several-files-are-all-reported-sorted",
         {
             "site.yaml": "titel: Desk\n",
             "content/actors/russia.yaml": "name: Russia\nkind: state\n",
             "content/explainers/b-second.md": explainer("    status: flase\n"),
             "content/explainers/a-first.md": explainer(body="See [x](@nope).\n",
                                                        head=HEAD.replace("    by: putin\n", "    by: putn\n")),
             "content/explainers/c-third.md": "no front matter\n",
         },
         [
             "content/actors/russia.yaml:2:7: error: 'kind' in actor 'russia' is 'state', not one of person, "
             "organization, government, group, media; use one of: person, organization, government, group, media",
             "content/explainers/a-first.md:15:9: error: unknown actor 'putn' in claim 'window'; did you mean 'putin'?",
             "content/explainers/a-first.md:18:9: error: unknown id '@nope' in the body",
             "content/explainers/b-second.md:17:13: error: 'status' in claim 'window' is 'flase', not a status; "
             "did you mean 'false'?",
             "content/explainers/c-third.md:1:1: error: missing front matter: the file must start with a '---' "
             "line; add '---', the YAML fields, and another '---' before the body",
             "site.yaml:1:1: error: unknown key 'titel' in site.yaml; did you mean 'title'?",
         ]),
]
