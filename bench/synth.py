"""Synthetic explainer projects for benchmarks, in the contract format (CONTENT-FORMAT.md).

    make_project(root, n, seed=0, *, body_words=1000, inline_actors=5, shared_per_explainer=3,
                 shared_pool=None, sources=6, claims=12, events=10) -> root

writes a project of `n` explainers under `root` (content/explainers/,
content/actors/, site.yaml with an absolute base_url) and returns `root`. The
same arguments always give byte-identical files, so timings are comparable
between runs and machines.

| parameter | default | each explainer gets |
| --- | --- | --- |
| `body_words` | 1000 | a body of about that many words in 8 paragraphs, with a heading, a list and a table, and 3 `[text](@id)` links per paragraph to its actors, claims and sources |
| `inline_actors` | 5 | actors defined in its front matter, ids unique to the explainer (`e<i>-actor-<k>`), each with a Markdown description |
| `shared_per_explainer` | 3 | actors from content/actors/ (so 8 actors in all by default), picked at random from the pool |
| `shared_pool` | max(8, n // 4) | (project-wide) number of content/actors/*.yaml files; a smaller pool means each shared actor's page aggregates more explainers |
| `sources` | 6 | sources with title, publisher, url and date |
| `claims` | 12 | claims with quote, date, sources, a status in rotation, a Markdown note with links, and a `contradicts`, `supports` or `responds_to` list naming up to two other claims |
| `events` | 10 | timeline events in shuffled order, at year, month, day and date-time precision, naming actors, claims and sources |

Tags: 3 per explainer from a pool of 24. Every body contains the word
`MARKER` ("lodestar") exactly once, so a benchmark can change one word of
one explainer and then look for the new word in the built page.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path

MARKER = "lodestar"
"""A word in every body, once: replace it to make a one-word edit."""

PARAGRAPHS = 8
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


@dataclass(frozen=True)
class Shape:
    """How big each explainer is (see the table at the top)."""

    body_words: int = 1000
    inline_actors: int = 5
    shared_per_explainer: int = 3
    sources: int = 6
    claims: int = 12
    events: int = 10


def make_project(root: Path, n: int, seed: int = 0, *, body_words: int = 1000, inline_actors: int = 5,
                 shared_per_explainer: int = 3, shared_pool: int | None = None, sources: int = 6,
                 claims: int = 12, events: int = 10) -> Path:
    """Write a project of `n` explainers under `root` (created if needed); returns `root`."""
    shape = Shape(body_words, inline_actors, shared_per_explainer, sources, claims, events)
    pool = shared_pool if shared_pool is not None else max(8, n // 4)
    if inline_actors + shared_per_explainer < 1 or sources < 1 or claims < 1 or shared_per_explainer > pool:
        raise ValueError("need at least one actor, source and claim, and a pool as large as "
                         "shared_per_explainer")
    rng = random.Random(seed)
    root = Path(root)
    (root / "content" / "explainers").mkdir(parents=True, exist_ok=True)
    (root / "content" / "actors").mkdir(parents=True, exist_ok=True)
    (root / "site.yaml").write_text(
        "title: Synthetic explainers\nbase_url: https://example.org/explainers/\n"
        "description: A generated project for benchmarks.\n", encoding="utf-8")
    shared = [f"shared-actor-{k}" for k in range(pool)]
    for k, actor_id in enumerate(shared):
        (root / "content" / "actors" / f"{actor_id}.yaml").write_text(
            _shared_actor(rng, k, shared), encoding="utf-8")
    tags = [f"topic-{k}" for k in range(TAG_POOL)]
    for i in range(n):
        slug = f"explainer-{i}"
        text = _explainer(rng, shape, i, slug, rng.sample(shared, shared_per_explainer), tags)
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


def _explainer(rng: random.Random, shape: Shape, i: int, slug: str, shared: list[str], tags: list[str]) -> str:
    inline = [f"e{i}-actor-{k}" for k in range(shape.inline_actors)]
    actors = inline + shared
    sources = [f"source-{k}" for k in range(shape.sources)]
    claims = [f"claim-{k}" for k in range(shape.claims)]
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
                  f"    date: {year}-{1 + k % 12:02d}-{10 + k % 18:02d}"]
    front.append("claims:")
    for k, claim_id in enumerate(claims):
        front += _claim(rng, k, claim_id, claims, actors, sources, year)
    if shape.events:
        front.append("timeline:")
    for k in rng.sample(range(shape.events), shape.events):
        front += _event(rng, k, actors, claims, sources, year)
    front.append("---")
    return "\n".join(front) + "\n" + _body(rng, shape.body_words, actors, claims, sources) + "\n"


def _claim(rng: random.Random, k: int, claim_id: str, claims: list[str], actors: list[str],
           sources: list[str], year: int) -> list[str]:
    lines = [f"  {claim_id}:", f"    by: {actors[k % len(actors)]}",
             f"    text: {_yaml_text(_sentence(rng, 12))}",
             f"    quote: {_yaml_text(_sentence(rng, 8))}",
             f"    date: {year}-{1 + k % 12:02d}-{1 + k % 28:02d}",
             f"    sources: [{sources[k % len(sources)]}, {sources[(k + 1) % len(sources)]}]",
             f"    status: {STATUSES[k % len(STATUSES)]}",
             "    note: |",
             f"      {_sentence(rng, 16)} Compare [this source]({'@' + sources[k % len(sources)]}) "
             f"and [the other claim](@{claims[(k + 1) % len(claims)]})."]
    relation = ("contradicts", "supports", "responds_to")[k % 3]
    targets = [t for t in dict.fromkeys(claims[(k + step) % len(claims)] for step in (1, 2)) if t != claim_id]
    if targets:
        lines.append(f"    {relation}: [{', '.join(targets)}]")
    return lines


def _event(rng: random.Random, k: int, actors: list[str], claims: list[str], sources: list[str],
           year: int) -> list[str]:
    month, day, hour = 1 + k % 12, 5 + k % 23, 8 + k % 16
    dates = (f"{year - 1}", f"{year}-{month:02d}", f"{year}-{month:02d}-{day:02d}",
             f"{year}-{month:02d}-{day:02d}T{hour:02d}:30:00+02:00")
    return [f"  - date: {_yaml_text(dates[k % len(dates)])}",
            f"    title: {_yaml_text(_sentence(rng, 6))}",
            "    text: |",
            f"      {_sentence(rng, 20)} As [reported](@{sources[k % len(sources)]}).",
            f"    actors: [{actors[k % len(actors)]}, {actors[(k + 3) % len(actors)]}]",
            f"    claims: [{claims[k % len(claims)]}]",
            f"    sources: [{sources[(k + 2) % len(sources)]}]"]


def _body(rng: random.Random, words_wanted: int, actors: list[str], claims: list[str], sources: list[str]) -> str:
    """About `words_wanted` words: paragraphs with @links, a heading, a list and a table; MARKER once."""
    targets = actors + claims + sources
    per_paragraph = max(4, words_wanted // PARAGRAPHS - 10)
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
