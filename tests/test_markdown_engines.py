"""The two Markdown engines: markdown-it-pyrs (fast, Rust) where it is safe, markdown-it-py
elsewhere (issue #7, parts 3 and 5; docs/hardening.md, "markdown-it-pyrs").

markdown-it-pyrs overflows its stack on deep nesting, is quadratic on some inputs and panics
on a `[` followed by a backtick run nothing closes; `markdown.pyrs_is_safe` routes such text
to markdown-it-py. These tests check the routing, that both engines give the same HTML where
the fast one is used, and that token soups render in time linear in their length whichever
engine renders them (a Hypothesis property: CI runs a share, the long run thousands).
"""

from __future__ import annotations

import time

import pytest
from helpers import hypothesis_settings, record
from hypothesis import assume, given
from hypothesis import strategies as st

from generator import markdown

# -- which engine renders what -----------------------------------------------------------------

@pytest.mark.parametrize("source, safe", [
    ("Plain text with *emphasis*, [a link](https://example.org) and `code`.\n", True),
    ("> a quote\n>> nested\n\n- a\n  - b\n    - c\n", True),
    (">" * 100 + " deep", False),
    ("- " * 60 + "x", False),
    ("  " * 60 + "- x", False),
    ("*a " * 1001 + "a* " * 1001, False),
    ("".join(f"[r{i}]: /u\n" for i in range(201)), False),
    ("a\n===\n[*" * 201, False),
    ("[x](https://example.org/) " * 500, True),
    ("word " * 100_000, True),
])
def test_pyrs_is_used_only_where_it_is_safe(source: str, safe: bool) -> None:
    assert markdown.pyrs_is_safe(source) is safe


def test_engines_agree_where_pyrs_is_safe() -> None:
    """The fallback changes nothing for ordinary text: both engines give the same HTML."""
    if markdown.markdown_it_pyrs is None:
        pytest.skip("markdown-it-pyrs is not installed")
    source = ("# Heading\n\nText with *em*, **strong**, `code`, [link](https://example.org \"t\") and "
              "[@id](@putin), ~~struck~~.\n\n> quote\n> - item\n\n1. one\n2. two\n\n| a | b |\n| - | - |\n"
              "| 1 | ~~2~~ |\n")
    assert markdown.pyrs_is_safe(source)
    fast = markdown._engine(False, "pyrs")(source)
    slow = markdown._engine(False, "py")(source)
    assert fast == slow


def test_closed_code_spans_after_brackets_keep_the_fast_engine() -> None:
    for text in ("[`code` in a link](https://example.org/)", "[a] and `b`", "`x` [a](https://example.org/) `y`"):
        assert markdown.pyrs_is_safe(text), text


def test_a_bracket_then_an_unclosed_backtick_renders(project, cli_run) -> None:
    """markdown-it-pyrs 0.4 panics on `[` followed by a backtick run nothing closes ("see [`",
    "[x `y"): a Rust backtrace and a PanicException traceback. Such text is rendered by
    markdown-it-py instead (`markdown.pyrs_is_safe`), giving the same HTML."""
    for text in ("see [`", "[x `y", "![a`", "[x\n`y", "| [a | `b |\n|---|---|\n| c | d |", "[`]", "[a](b`) [`",
                 "[ <http://x`> `a", "![- ](``)> # ![``]\\", "[ ](![\\*]`# )![\\ `"):
        assert not markdown.pyrs_is_safe(text), text
        assert markdown.to_html(text, False) == markdown._engine(False, "py")(text)
    root = project({"content/explainers/a.md": "---\ntitle: T\nsummary: S\npublished: 2024-01-01\n---\n"
                                               "Press [Ctrl-` to open it.\n"})
    result = cli_run("build", "--root", root)
    assert result.code == 0, result.err
    assert "Press [Ctrl-` to open it." in (root / "site/a/index.html").read_text("utf-8")


# -- Markdown: time linear in the length ------------------------------------------------------------

MD_TOKENS = ["[", "]", "(", ")", "![", "](", "[a]:", "[a]: /u\n", "<", ">", "*", "_", "**", "`", "```\n", "~~~\n", "#",
             "|", "\\", "&", "&#", "&amp;", "- ", "* ", "1. ", "1) ", "> ", "\n", "\n\n", "    ", "\t", "[a](", "[a][",
             "<http://", "a\n===\n", "a\n---\n", "***\n", "|a|\n", "|-|\n", "  \n", "\\\n", "x", "word ", "](@id)",
             "~", "~~", "[^1]", "[^1]: ", "^[", "[^"]


@hypothesis_settings(ci=60, long=3000)
@given(parts=st.lists(st.sampled_from(MD_TOKENS), min_size=1, max_size=40), repeat=st.integers(1, 2000))
def test_markdown_renders_in_linear_time(parts: list[str], repeat: int) -> None:
    """A token soup repeated up to 2,000 times: each engine is linear on what it is given
    (pyrs only where `pyrs_is_safe`), so ~50 KB of anything renders in well under a second."""
    record("markdown soup")
    source = "".join(parts) * repeat
    assume(len(source) <= 60_000)
    started = time.perf_counter()
    markdown.to_html(source, False)
    elapsed = time.perf_counter() - started
    assert elapsed < 0.5 + len(source) / 20_000, f"{elapsed:.2f} s for {len(source)} characters: {parts!r}"
