"""bench/compare.py: the turn order and the verdict of `bench_build.py --compare`.

Pure functions only: the benchmark itself runs builds for minutes and stays out of the
suite (docs/performance.md, "Comparing two revisions").
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))

import compare  # noqa: E402


def test_the_revisions_take_turns_going_first() -> None:
    assert [compare.round_order(r) for r in range(4)] == [
        ("old", "new"), ("new", "old"), ("old", "new"), ("new", "old")]


def test_medians_spreads_and_ratio() -> None:
    row = compare.compare("cold", [10.0, 12.0, 11.0], [9.0, 30.0, 10.0])
    assert (row.old_median, row.new_median) == (11.0, 10.0)
    assert (row.old_spread, row.new_spread) == ((10.0, 12.0), (9.0, 30.0))
    assert row.ratio == pytest.approx(10 / 11)
    assert row.verdict == "ok"


@pytest.mark.parametrize(("new", "verdict"), [(1.10, "ok"), (1.1001, "SLOWER"), (0.5, "ok")])
def test_ten_per_cent_above_old_is_the_limit(new: float, verdict: str) -> None:
    assert compare.compare("edit", [1.0], [new]).verdict == verdict


def test_the_table_shows_every_figure_with_its_verdict_and_spread() -> None:
    rows = [compare.compare("cold", [2.0, 4.0], [3.0, 3.5]), compare.compare("rss", [300.0], [360.4])]
    assert compare.format_table(rows, {"rss": "MiB"}) == [
        "figure             OLD       NEW  NEW/OLD verdict      OLD min-max      NEW min-max",
        "cold s           3.000     3.250     1.08      ok      2.000-4.000      3.000-3.500",
        "rss MiB            300       360     1.20  SLOWER          300-300          360-360",
    ]


def test_no_runs_is_an_error_not_a_verdict() -> None:
    with pytest.raises(ValueError, match="cold: no runs"):
        compare.compare("cold", [], [1.0])
