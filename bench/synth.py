"""Synthetic explainer projects for benchmarks, in the contract format (CONTENT-FORMAT.md).

`make_project(root, n, seed=0)` writes a project of `n` explainers under `root`
(content/explainers/, content/actors/, site.yaml) and returns `root`. The same
`n` and `seed` always give byte-identical files, so timings are comparable
between runs and machines.

Each explainer has, by default:

| part | count | notes |
| --- | --- | --- |
| body | ~1,000 words | 8 paragraphs, a heading, a list and a table; `[text](@id)` links to its actors, claims and sources |
| actors | 8 | `SHARED_PER_EXPLAINER` (3) from content/actors/ and 5 inline, ids unique to the explainer |
| sources | 6 | title, publisher, url, date |
| claims | 12 | statuses in rotation; each `contradicts`, `supports` or `responds_to` others; a Markdown note with links |
| timeline | 10 | dates in shuffled order (year, month, day and date-time precision), naming actors, claims, sources |

The shared actors are a pool of `max(8, n // 4)` files, so each is referred
to by several explainers (their actor pages aggregate claims across the
project, as real shared actors do). Tags come from a pool of 24.

Every body contains the word `MARKER` ("lodestar") exactly once, so a
benchmark can edit one word of one explainer and then look for the new word
in the built page.
"""

from __future__ import annotations

import random
from pathlib import Path

MARKER = "lodestar"
"""A word in every body, once: replace it to make a one-word edit."""

BODY_WORDS = 1000
PARAGRAPHS = 8
INLINE_ACTORS = 5
SHARED_PER_EXPLAINER = 3
SOURCES = 6
CLAIMS = 12
EVENTS = 10
TAG_POOL = 24
STATUSES = ("true", "mostly-true", "misleading", "false", "unproven", "disputed", "unrated")
KINDS = ("person", "organization", "government", "group", "media")

_VOCABULARY = (
    "officials said the ministry report border attack investigation evidence statement "
    "government week later however according sources denied claimed intelligence agency "
    "president spokesperson interview documents region security forces analysts suggested "
    "timeline witnesses footage verified independent reporters earlier account version "
    "conflicting public pressure parliament committee hearing record data released "
    "response criticism allies neighbouring talks agreement ceasefire negotiations "
    "question remains unclear details published broadcast television newspaper website"
).split()


def make_project(root: Path, n: int, seed: int = 0, *, inline_actors: int = INLINE_ACTORS,
                 shared_per_explainer: int = SHARED_PER_EXPLAINER, shared_pool: int | None = None) -> Path:
    """Write a project of `n` explainers under `root` (created if needed); returns `root`.

    `shared_pool` is the number of files in content/actors/ (default max(8, n // 4)).
    """
    rng = random.Random(seed)
    root = Path(root)
    (root / "content" / "explainers").mkdir(parents=True, exist_ok=True)
    (root / "content" / "actors").mkdir(parents=True, exist_ok=True)
    (root / "site.yaml").write_text(
        "title: Synthetic explainers\nbase_url: https://example.org/explainers/\n"
        "description: A generated project for benchmarks.\n", encoding="utf-8")
    shared = [f"shared-actor-{k}" for k in range(shared_pool or max(8, n // 4))]
    for k, actor_id in enumerate(shared):
        (root / "content" / "actors" / f"{actor_id}.yaml").write_text(
            _shared_actor(rng, k, shared), encoding="utf-8")
    tags = [f"topic-{k}" for k in range(TAG_POOL)]
    for i in range(n):
        slug = f"explainer-{i}"
        text = _explainer(rng, i, slug, rng.sample(shared, shared_per_explainer), tags, inline_actors)
        (root / "content" / "explainers" / f"{slug}.md").write_text(text, encoding="utf-8")
    return root


def _words(rng: random.Random, count: int) -> str:
    return " ".join(rng.choice(_VOCABULARY) for _ in range(count))


def _sentence(rng: random.Random, count: int) -> str:
    text = _words(rng, count)
    return text[0].upper() + text[1:] + "."


def _yaml_text(text: str) -> str:
    """A YAML double-quoted scalar (our texts have no quotes or backslashes)."""
    return '"' + text + '"'


def _shared_actor(rng: random.Random, k: int, shared: list[str]) -> str:
    other = shared[(k + 1) % len(shared)]
    lines = [f"name: Shared Actor {k}", f"kind: {KINDS[k % len(KINDS)]}",
             f"role: {_yaml_text(_sentence(rng, 4))}"]
    if k % 3 == 0 and other != shared[k]:
        lines.append(f"affiliation: {other}")
    lines.append("description: |")
    lines.append(f"  {_sentence(rng, 12)} Works with [{other.replace('-', ' ')}](@{other}).")
    return "\n".join(lines) + "\n"


def _explainer(rng: random.Random, i: int, slug: str, shared: list[str], tags: list[str],
               inline_actors: int = INLINE_ACTORS) -> str:
    inline = [f"e{i}-actor-{k}" for k in range(inline_actors)]
    actors = inline + shared
    sources = [f"source-{k}" for k in range(SOURCES)]
    claims = [f"claim-{k}" for k in range(CLAIMS)]
    year = 2020 + i % 5
    front = [
        "---",
        f"title: {_yaml_text(f'Explainer {i}: ' + _sentence(rng, 6)[:-1])}",
        f"summary: {_yaml_text(_sentence(rng, 30))}",
        f"published: {year}-{1 + i % 12:02d}-{1 + i % 28:02d}",
        "authors: [Bench Desk]",
        f"tags: [{', '.join(rng.sample(tags, 3))}]",
        "actors:",
    ]
    for k, actor_id in enumerate(inline):
        front += [f"  {actor_id}:", f"    name: Person {i}-{k}", f"    kind: {KINDS[k % len(KINDS)]}",
                  f"    role: {_yaml_text(_sentence(rng, 4))}"]
        if k:
            front.append(f"    affiliation: {inline[0]}")
        front += ["    description: |", f"      {_sentence(rng, 14)} See [the first actor](@{inline[0]})."]
    front.append("sources:")
    for k, source_id in enumerate(sources):
        front += [f"  {source_id}:", f"    title: {_yaml_text(_sentence(rng, 8))}",
                  f"    publisher: Publisher {k}", f"    url: https://example.org/{slug}/source-{k}",
                  f"    date: {year}-{1 + k:02d}-{10 + k:02d}"]
    front.append("claims:")
    for k, claim_id in enumerate(claims):
        front += _claim(rng, k, claim_id, claims, actors, sources, year)
    front.append("timeline:")
    for k in rng.sample(range(EVENTS), EVENTS):
        front += _event(rng, k, actors, claims, sources, year)
    front.append("---")
    return "\n".join(front) + "\n" + _body(rng, actors, claims, sources) + "\n"


def _claim(rng: random.Random, k: int, claim_id: str, claims: list[str], actors: list[str],
           sources: list[str], year: int) -> list[str]:
    lines = [f"  {claim_id}:", f"    by: {actors[k % len(actors)]}",
             f"    text: {_yaml_text(_sentence(rng, 12))}",
             f"    quote: {_yaml_text(_sentence(rng, 8))}",
             f"    date: {year}-{1 + k % 12:02d}-{1 + k:02d}",
             f"    sources: [{sources[k % len(sources)]}, {sources[(k + 1) % len(sources)]}]",
             f"    status: {STATUSES[k % len(STATUSES)]}",
             "    note: |",
             f"      {_sentence(rng, 16)} Compare [this source]({'@' + sources[k % len(sources)]}) "
             f"and [the other claim](@{claims[(k + 1) % len(claims)]})."]
    relation = ("contradicts", "supports", "responds_to")[k % 3]
    targets = [claims[(k + step) % len(claims)] for step in (1, 2)]
    lines.append(f"    {relation}: [{', '.join(targets)}]")
    return lines


def _event(rng: random.Random, k: int, actors: list[str], claims: list[str], sources: list[str],
           year: int) -> list[str]:
    dates = (f"{year - 1}", f"{year}-{1 + k:02d}", f"{year}-{1 + k:02d}-{5 + k:02d}",
             f"{year}-{1 + k:02d}-{5 + k:02d}T{8 + k:02d}:30:00+02:00")
    return [f"  - date: {_yaml_text(dates[k % len(dates)])}",
            f"    title: {_yaml_text(_sentence(rng, 6))}",
            "    text: |",
            f"      {_sentence(rng, 20)} As [reported](@{sources[k % len(sources)]}).",
            f"    actors: [{actors[k % len(actors)]}, {actors[(k + 3) % len(actors)]}]",
            f"    claims: [{claims[k % len(claims)]}]",
            f"    sources: [{sources[(k + 2) % len(sources)]}]"]


def _body(rng: random.Random, actors: list[str], claims: list[str], sources: list[str]) -> str:
    """~BODY_WORDS words: paragraphs with @links, a heading, a list and a table; MARKER once."""
    targets = actors + claims + sources
    per_paragraph = BODY_WORDS // PARAGRAPHS - 10
    blocks = []
    for p in range(PARAGRAPHS):
        words = _words(rng, per_paragraph).split()
        for _ in range(3):
            at = rng.randrange(1, len(words))
            target = rng.choice(targets)
            words[at] = f"[{words[at]} {target.split('-')[0]}](@{target})"
        if p == PARAGRAPHS // 2:
            words.insert(len(words) // 2, MARKER)
        blocks.append(" ".join(words).capitalize() + ".")
        if p == 1:
            blocks.append("## Background")
        if p == 3:
            blocks.append("\n".join(f"- {_sentence(rng, 6)}" for _ in range(3)))
        if p == 5:
            blocks.append("| Actor | Position |\n| --- | --- |\n" + "\n".join(
                f"| [{a}](@{a}) | {_words(rng, 4)} |" for a in actors[:3]))
    return "\n\n".join(blocks)
