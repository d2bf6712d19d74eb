"""Two revisions of the generator side by side: checkouts, turn order and the verdict.

`bench_build.py --compare OLD NEW` times both revisions in one run, in turns, because
this machine is shared and its speed drifts by 2x within minutes (docs/performance.md):
figures taken an hour apart say more about the machine than about the code. This
module holds what that mode needs besides the timing itself:

- `checkouts(repo, revisions)`: each revision in a temporary, detached `git worktree`,
  removed at the end whatever happens (an exception, Ctrl-C, SIGTERM);
- `check_imports(checkout)`: proof that a build started with `build_env(checkout)`
  runs that checkout's `generator`, not the one installed in the virtualenv;
- `round_order(round_)`: who goes first in each round (it alternates, so that neither
  revision always runs on the caches the other just warmed, or just after the other's
  cold build);
- `compare(old, new)`: medians, spreads, the NEW/OLD ratio and the verdict (`ok` when
  NEW is at most `LIMIT` times OLD: issue 18's "within 10 %").

Only the standard library, so that tests/test_bench.py can import it cheaply.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import statistics
import subprocess
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import FrameType

LIMIT = 1.10
"""NEW may take at most this times OLD's median (time or memory) and still be `ok`."""

SIDES = ("old", "new")


@dataclass(frozen=True)
class Checkout:
    """One revision, checked out at `path`."""

    side: str  # "old" or "new"
    revision: str  # as given on the command line
    commit: str  # the full hash it named
    path: Path


@dataclass(frozen=True)
class Comparison:
    """One figure of both revisions: what a row of the table shows."""

    figure: str
    old_median: float
    new_median: float
    old_spread: tuple[float, float]
    new_spread: tuple[float, float]

    @property
    def ratio(self) -> float:
        """NEW / OLD of the medians (below 1: NEW is faster or smaller)."""
        if self.old_median == 0:
            return float("inf") if self.new_median else 1.0
        return self.new_median / self.old_median

    @property
    def verdict(self) -> str:
        return "ok" if self.ratio <= LIMIT else "SLOWER"


def round_order(round_: int) -> tuple[str, str]:
    """The sides in the order they run in round `round_` (0-based): old first in even rounds."""
    return SIDES if round_ % 2 == 0 else (SIDES[1], SIDES[0])


def compare(figure: str, old: Sequence[float], new: Sequence[float]) -> Comparison:
    """Medians and min-max spreads of each side's runs of one figure."""
    if not old or not new:
        raise ValueError(f"{figure}: no runs to compare")
    return Comparison(figure, statistics.median(old), statistics.median(new), (min(old), max(old)),
                      (min(new), max(new)))


def format_table(rows: Sequence[Comparison], unit: dict[str, str]) -> list[str]:
    """The table's lines: figure, medians, ratio, verdict, then each side's spread."""
    lines = [f"{'figure':<12} {'OLD':>9} {'NEW':>9} {'NEW/OLD':>8} {'verdict':>7}  "
             f"{'OLD min-max':>15}  {'NEW min-max':>15}"]
    for row in rows:
        digits = 0 if unit.get(row.figure) == "MiB" else 3
        label = f"{row.figure} {unit.get(row.figure, 's')}"

        def spread(low_high: tuple[float, float], digits: int = digits) -> str:
            return f"{low_high[0]:.{digits}f}-{low_high[1]:.{digits}f}"

        lines.append(f"{label:<12} {row.old_median:>9.{digits}f} {row.new_median:>9.{digits}f} "
                     f"{row.ratio:>8.2f} {row.verdict:>7}  {spread(row.old_spread):>15}  "
                     f"{spread(row.new_spread):>15}")
    return lines


def _git(repo: Path, *args: str) -> str:
    done = subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"git {' '.join(args)}: {done.stderr.strip()}")
    return done.stdout.strip()


def _raise_interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


@contextlib.contextmanager
def checkouts(repo: Path, revisions: Sequence[str], parent: Path) -> Iterator[list[Checkout]]:
    """Each of `revisions` (old, then new) in a detached worktree under `parent`.

    The worktrees are removed on the way out, also after Ctrl-C or SIGTERM (turned into
    KeyboardInterrupt here, so that the same `finally` runs); further interrupts are
    ignored while they are removed, so that a second Ctrl-C leaves no half-removed worktree.
    """
    commits = [_git(repo, "rev-parse", "--verify", f"{revision}^{{commit}}") for revision in revisions]
    previous_term = signal.signal(signal.SIGTERM, _raise_interrupt)
    made: list[Checkout] = []
    try:
        for side, revision, commit in zip(SIDES, revisions, commits, strict=True):
            path = parent / f"checkout-{side}"
            if path.exists():  # left by a run killed outright (SIGKILL) in the same --workdir
                subprocess.run(["git", "-C", str(repo), "worktree", "remove", "--force", str(path)],
                               capture_output=True)
                shutil.rmtree(path, ignore_errors=True)
                _git(repo, "worktree", "prune")
            _git(repo, "worktree", "add", "--detach", "--quiet", str(path), commit)
            made.append(Checkout(side, revision, commit, path))
        yield made
    finally:
        previous_int = signal.signal(signal.SIGINT, signal.SIG_IGN)
        try:
            for checkout in made:
                subprocess.run(["git", "-C", str(repo), "worktree", "remove", "--force", str(checkout.path)],
                               capture_output=True)
                shutil.rmtree(checkout.path, ignore_errors=True)
            subprocess.run(["git", "-C", str(repo), "worktree", "prune"], capture_output=True)
        finally:
            signal.signal(signal.SIGINT, previous_int)
            signal.signal(signal.SIGTERM, previous_term)


def build_env(base: dict[str, str], checkout: Path) -> dict[str, str]:
    """`base` with the checkout first on `PYTHONPATH`, ahead of the virtualenv's own install."""
    env = dict(base)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(checkout), base.get("PYTHONPATH", "")]))
    return env


def check_imports(checkout: Path, env: dict[str, str]) -> Path:
    """Where `generator` comes from when started as the builds are; SystemExit unless in `checkout`.

    Run in the same way as the builds (this interpreter, `env`, the checkout as working
    folder, which `python -m` also puts first on `sys.path`), so a stale install or a
    `.pth` file that shadows the checkout shows here instead of in the figures.
    """
    done = subprocess.run([sys.executable, "-c", "import generator; print(generator.__file__)"],
                          cwd=checkout, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"cannot import generator from {checkout}:\n{done.stderr}")
    found = Path(done.stdout.strip()).resolve()
    if not found.is_relative_to(checkout.resolve()):
        raise SystemExit(f"generator imported from {found}, not from the checkout {checkout}")
    return found
