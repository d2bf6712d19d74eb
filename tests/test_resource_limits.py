"""Resource limits: huge files, YAML bombs, deep nesting, long lines (issue #7, part 3).

Each hostile project is built by `python -m generator build` in its own process, so that its
wall time and its peak memory (the process and its render workers, from `os.wait4`) are its
own. Each must end with a clear located error or a site, in bounded time, with bounded
memory, and never with a traceback or a signal (markdown-it-pyrs overflowed its stack on deep
nesting before `markdown.pyrs_is_safe` routed such text to markdown-it-py: a segmentation
fault that took the build, or `serve`, down).

The bounds are generous (slow CI machines): every case takes well under a second here.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from helpers import Run, assert_clean_cli, make_project, run_explainer

from generator import load, validate, yamlnodes

SECONDS = 20.0
"""CPU-time bound for one build of one hostile project (the slowest takes about 3 s here with
markdown-it-pyrs, 8 s with markdown-it-py alone). CPU time, not wall time: on a loaded CI
machine the wall time of the same build tripled (25 s), which said nothing about the input."""
WALL_SECONDS = 90.0
"""Wall-time bound as well, for a build that would hang without using the CPU."""
MEMORY_MB = 500.0
"""Bound on the growth of peak memory over a trivial build's."""

FRONT = "---\ntitle: T\nsummary: S\npublished: 2024-01-01\n"


def explainer(front: str = "", body: str = "Body.\n") -> str:
    return FRONT + front + "---\n" + body


@pytest.fixture(scope="module")
def baseline_mb(tmp_path_factory: pytest.TempPathFactory) -> float:
    """Peak memory of a build of a one-page project: the interpreter, the libraries, the theme."""
    root = make_project(tmp_path_factory.mktemp("baseline"), {"content/explainers/a.md": explainer()})
    run = run_explainer("build", "--root", root)
    assert run.code == 0, run.err
    return run.max_rss_mb


def check_bounds(run: Run, baseline_mb: float) -> Run:
    assert run.code >= 0, f"killed by signal {-run.code}:\n{run.err[-2000:]}"
    assert_clean_cli(run.code, run.err)
    assert run.cpu_seconds < SECONDS, f"{run.cpu_seconds:.1f} s of CPU"
    assert run.seconds < WALL_SECONDS, f"{run.seconds:.1f} s"
    assert run.max_rss_mb - baseline_mb < MEMORY_MB, f"peak memory {run.max_rss_mb:.0f} MB"
    return run


def errors(run: Run) -> list[str]:
    return [line for line in run.err.splitlines() if ": error: " in line]


# -- each case: files of the project, and what the build must say ----------------------------------

MB = 1024 * 1024


def alias_bomb() -> str:
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, 10):
        prev = chr(ord("a") + i - 1)
        cur = chr(ord("a") + i)
        lines.append(f"{cur}: &{cur} [{','.join(['*' + prev] * 9)}]")
    return "\n".join(lines) + "\n"


CASES: dict[str, tuple[Callable[[], dict[str, str | bytes]], str | None]] = {
    # name: (files, a regular expression an error line must match, or None: the project builds)
    "file over 5 MB": (
        lambda: {"content/explainers/a.md": explainer(body="x" * (load.MAX_FILE_BYTES + 1))},
        r"^content/explainers/a\.md:1:1: error: file is 5,24\d,\d{3} bytes; the limit is 5,242,880"),
    "shared actor over 5 MB": (
        lambda: {"content/explainers/a.md": explainer(),
                 "content/actors/big.yaml": "name: B\ndescription: " + "x" * load.MAX_FILE_BYTES + "\n"},
        r"^content/actors/big\.yaml:1:1: error: file is 5,24\d,\d{3} bytes; the limit is 5,242,880"),
    "site.yaml over 5 MB": (
        lambda: {"content/explainers/a.md": explainer(), "site.yaml": "title: " + "x" * load.MAX_FILE_BYTES},
        r"^site\.yaml:1:1: error: file is 5,24\d,\d{3} bytes; the limit is 5,242,880"),
    "billion laughs in front matter": (
        lambda: {"content/explainers/a.md": explainer(alias_bomb())},
        r"^content/explainers/a\.md:5:4: error: YAML anchor '&a' is not allowed"),
    "billion laughs in a shared actor": (
        lambda: {"content/explainers/a.md": explainer(), "content/actors/lol.yaml": "name: X\n" + alias_bomb()},
        r"^content/actors/lol\.yaml:2:4: error: YAML anchor '&a' is not allowed"),
    "YAML flow nesting 10,000 deep": (
        lambda: {"content/explainers/a.md": explainer("authors: " + "[" * 10_000 + "]" * 10_000 + "\n")},
        r"^content/explainers/a\.md:5:\d+: error: invalid YAML: exceeded maximum nesting depth"),
    "YAML block nesting 3,000 deep": (
        lambda: {"content/explainers/a.md": explainer("".join(" " * i + f"k{i}:\n" for i in range(3000)))},
        r"^content/explainers/a\.md:\d+:\d+: error: invalid YAML: exceeded maximum nesting depth"),
    "YAML flow list of 2.5 million names": (
        lambda: {"content/explainers/a.md": explainer("authors: [" + "a," * 2_490_000 + "a]\n")},
        r"^content/explainers/a\.md:2:1: error: YAML is too large: 2,490,00\d lines and commas, more than "
        r"the limit of 100,000"),
    "YAML of 200,000 lines": (
        lambda: {"content/explainers/a.md": explainer("tags:\n" + "- t\n" * 200_000)},
        r"^content/explainers/a\.md:2:1: error: YAML is too large: 200,00\d lines"),
    "20,000 tags": (
        lambda: {"content/explainers/a.md": explainer("tags: [" + ",".join(f"t{i}" for i in range(20_000)) + "]\n")},
        rf"^content/explainers/a\.md:5:\d+: error: explainer has 20000 tags; the limit is {validate.MAX_TAGS}"),
    "4 MB single-line body": (
        lambda: {"content/explainers/a.md": explainer(body="word " * 800_000 + "\n")},
        r"^content/explainers/a\.md:6:1: error: the body is too long: 4,000,001 characters, more than the "
        r"limit of 500,000"),
    "4 MB single-line title": (
        lambda: {"content/explainers/a.md": explainer("tags: [t]\n").replace("title: T", "title: " + "T" * 4_000_000)},
        None),
    "4 MB single-line quoted title": (
        lambda: {"content/explainers/a.md": explainer().replace("title: T", 'title: "' + "é\\\"" * 1_300_000 + '"')},
        None),
    "4 MB of short lines in the body": (
        lambda: {"content/explainers/a.md": explainer(body="a\n" * 2_000_000)},
        r"^content/explainers/a\.md:6:1: error: the body is too long: 4,000,000 characters"),
    "blockquotes 10,000 deep": (
        lambda: {"content/explainers/a.md": explainer(body=">" * 10_000 + " deep\n")}, None),
    "blockquotes 400,000 deep": (
        lambda: {"content/explainers/a.md": explainer(body=">" * 400_000 + " deep\n")}, None),
    "nested lists 200,000 deep": (
        lambda: {"content/explainers/a.md": explainer(body="- " * 200_000 + "x\n")}, None),
    "ordered lists 100,000 deep": (
        lambda: {"content/explainers/a.md": explainer(body="1. " * 100_000 + "x\n")}, None),
    "lists nested by indentation": (
        lambda: {"content/explainers/a.md": explainer(body="".join("  " * i + "- x\n" for i in range(600)))}, None),
    "quote and list 100,000 deep": (
        lambda: {"content/explainers/a.md": explainer(body="> - " * 100_000 + "x\n")}, None),
    "brackets 10,000 deep": (
        lambda: {"content/explainers/a.md": explainer(body="[" * 10_000 + "x" + "]" * 10_000 + "\n")}, None),
    "brackets 240,000 deep": (
        lambda: {"content/explainers/a.md": explainer(body="[" * 240_000 + "x" + "]" * 240_000 + "\n")}, None),
    "emphasis run of 240,000": (
        lambda: {"content/explainers/a.md": explainer(body="*" * 240_000 + "x" + "*" * 240_000 + "\n")}, None),
    "80,000 nested emphasis openers": (
        lambda: {"content/explainers/a.md": explainer(body="*a " * 80_000 + "a* " * 80_000 + "\n")}, None),
    # `/u1` is a page of the site (base_url's path is /), which has none: located among 20,000.
    "20,000 reference definitions": (
        lambda: {"content/explainers/a.md": explainer(body="".join(f"[r{i}]: /u{i}\n" for i in range(20_000))
                                                      + "[r1]\n")},
        r"^content/explainers/a\.md:7:7: error: broken link '/u1': the site has no u1"),
    "lines starting with [ in setext headings": (
        lambda: {"content/explainers/a.md": explainer(body="a\n===\n[*" * 40_000 + "\n")}, None),
    "nested images 15,000 deep": (
        lambda: {"content/explainers/a.md": explainer(body="![" * 15_000 + "x" + "](https://example.org/a.png)" * 15_000 + "\n")}, None),
    "deep nesting in a claim note": (
        lambda: {"content/explainers/a.md": explainer(
            "actors:\n  a:\n    name: A\nclaims:\n  c:\n    by: a\n    text: t\n    note: " +
            json.dumps(">" * 300_000 + " x") + "\n")}, None),
    "deep nesting in a shared actor's description": (
        lambda: {"content/explainers/a.md": explainer(body="[S](@s)\n"),
                 "content/actors/s.yaml": "name: S\ndescription: " + json.dumps("- " * 200_000 + "x") + "\n"},
        None),
    "10,000 claims": (
        lambda: {"content/explainers/a.md": explainer(
            "actors:\n  a:\n    name: A\nclaims:\n" +
            "".join(f"  c{i}: {{by: a, text: t, status: 'false'}}\n" for i in range(10_000)))}, None),
}


@pytest.fixture(scope="module")
def hostile_runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, Run]]:
    """Every case built once, two at a time (each in its own process, so each is measured
    on its own; the time bound allows for the neighbour)."""
    def run(name: str) -> tuple[Path, Run]:
        root = make_project(tmp_path_factory.mktemp("hostile"), CASES[name][0]())
        return root, run_explainer("build", "--root", root, "--base-url", "https://example.org/", timeout=120)

    with ThreadPoolExecutor(max_workers=2) as pool:
        return dict(zip(CASES, pool.map(run, CASES)))


@pytest.mark.parametrize("name", CASES)
def test_hostile_input_ends_in_bounded_time_and_memory(hostile_runs, baseline_mb: float, name: str) -> None:
    _, expected = CASES[name]
    root, run = hostile_runs[name]
    check_bounds(run, baseline_mb)
    if expected is None:
        assert run.code == 0, run.err[-2000:]
        assert (root / "site/a/index.html").is_file()
    else:
        assert run.code == 1
        assert any(re.search(expected, line) for line in errors(run)), run.err[-2000:]
        assert not (root / "site").exists()


# -- the YAML guard, in process ------------------------------------------------------------------

def test_yaml_item_limit_is_counted_before_composing() -> None:
    from generator.diagnostics import Diagnostics

    diags = Diagnostics()
    assert yamlnodes.parse_yaml("a: [" + "x," * yamlnodes.MAX_ITEMS + "x]\n", "f.yaml", 0, diags) is None
    assert [str(d) for d in diags.items] == [
        f"f.yaml:1:1: error: YAML is too large: {yamlnodes.MAX_ITEMS + 1:,} lines and commas, more than the "
        f"limit of {yamlnodes.MAX_ITEMS:,}; split the file; long text belongs in the Markdown body"]
