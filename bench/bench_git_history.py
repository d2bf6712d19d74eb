"""Builds of a project kept in git: what reading its history (revisions, verdicts) costs.

    .venv/bin/python bench/bench_git_history.py [--compare OLD NEW] [--n 1000] [--commits 600] [--repeat 3]

Generates the synthetic project (bench/synth.py) of `--n` explainers and puts it in git:
one commit of everything, then `--commits` - 1 commits each touching one explainer, every
other one changing a claim's `status` (so a verdict history to read), the others a word of
the body. Then, for OLD and NEW (git revisions of this repository, checked out in temporary
worktrees as `bench_build.py --compare` does; both on a copy of the same project), taking
turns round after round:

- cold:    `build --clean` (reads the whole git history);
- commit:  one more commit (a claim's status), then `build`: the history is read again;
- edit:    one word of one explainer changed, not committed, then `build` (the second such
           edit is the figure, as in bench_build.py): the history comes from the cache.

Prints the medians of each (wall-clock and CPU seconds) and each side's min-max.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import compare  # noqa: E402
import synth  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
STATUSES = ("true", "mostly-true", "misleading", "false", "unproven", "disputed", "unrated")
_commit_clock = [1_700_000_000]


def git(root: Path, *args: str) -> None:
    _commit_clock[0] += 3600
    date = f"@{_commit_clock[0]} +0000"
    subprocess.run(["git", "-C", str(root), *args], check=True, capture_output=True,
                   env={**os.environ, "GIT_AUTHOR_NAME": "Bench", "GIT_AUTHOR_EMAIL": "bench@example.org",
                        "GIT_COMMITTER_NAME": "Bench", "GIT_COMMITTER_EMAIL": "bench@example.org",
                        "GIT_AUTHOR_DATE": date, "GIT_COMMITTER_DATE": date})


def change_status(path: Path) -> None:
    """The first claim's status, to the next one of the contract's."""
    text = path.read_text("utf-8")
    at = text.index("    status: ")
    end = text.index("\n", at)
    current = text[at + len("    status: "):end]
    following = STATUSES[(STATUSES.index(current) + 1) % len(STATUSES)]
    path.write_text(f"{text[:at]}    status: {following}{text[end:]}", "utf-8")


def change_word(path: Path, word: str) -> None:
    path.write_text(path.read_text("utf-8") + f"\n{word}\n", "utf-8")


def make_repository(root: Path, n: int, commits: int) -> None:
    synth.make_project(root, n)
    (root / ".gitignore").write_text("site/\n.explainer-cache/\n", "utf-8")
    git(root, "init", "-q")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "All explainers")
    for k in range(1, commits):
        path = root / "content/explainers" / f"explainer-{(k * 7) % n}.md"
        if k % 2:
            change_status(path)
        else:
            change_word(path, f"commit{k}")
        git(root, "commit", "-qam", f"Change {k}")


def timed_build(checkout: Path, env: dict[str, str], root: Path, *extra: str) -> tuple[float, float]:
    """(wall-clock, CPU) seconds of one build: CPU is user + system time of the build and the
    processes it waited for (its workers, git), which a loaded machine swings much less."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "generator", "build", "--root", str(root), *extra], cwd=checkout,
                   env=env, check=True, capture_output=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--compare", nargs=2, metavar=("OLD", "NEW"), default=("main", "HEAD"))
    parser.add_argument("--n", type=int, default=1000)
    parser.add_argument("--commits", type=int, default=600)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-git-") as temp:
        work = Path(temp)
        source = work / "project"
        started = time.perf_counter()
        make_repository(source, args.n, args.commits)
        print(f"{args.n} explainers, {args.commits} commits, made in {time.perf_counter() - started:.0f} s")
        figures: dict[str, dict[str, list[float]]] = {side: {} for side in compare.SIDES}
        with compare.checkouts(REPO, args.compare, work) as checkouts:
            envs = {c.side: compare.build_env(dict(os.environ), c.path) for c in checkouts}
            for checkout in checkouts:
                compare.check_imports(checkout.path, envs[checkout.side])
            for round_ in range(args.repeat):
                for side in compare.round_order(round_):
                    checkout = next(c for c in checkouts if c.side == side)
                    root = work / f"round-{side}"
                    shutil.rmtree(root, ignore_errors=True)
                    shutil.copytree(source, root, symlinks=True)
                    env = envs[side]

                    def note(figure: str, seconds: tuple[float, float], side: str = side) -> None:
                        figures[side].setdefault(f"{figure} s", []).append(seconds[0])
                        figures[side].setdefault(f"{figure} cpu", []).append(seconds[1])

                    note("cold", timed_build(checkout.path, env, root, "--clean"))
                    change_status(root / "content/explainers/explainer-3.md")
                    git(root, "commit", "-qam", "One more verdict")
                    note("commit", timed_build(checkout.path, env, root))
                    for word in ("first", "second"):
                        change_word(root / "content/explainers/explainer-5.md", word)
                        seconds = timed_build(checkout.path, env, root)
                    note("edit", seconds)
        old, new = (args.compare[0], args.compare[1])
        print(f"medians of {args.repeat} rounds (min-max): wall-clock seconds (s), CPU seconds (cpu)")
        print(f"{'figure':10} {old:>22} {new:>22}")
        for figure in figures["old"]:
            cells = []
            for side in compare.SIDES:
                values = figures[side][figure]
                cells.append(f"{statistics.median(values):.3f} ({min(values):.2f}-{max(values):.2f})")
            print(f"{figure:10} {cells[0]:>22} {cells[1]:>22}")


if __name__ == "__main__":
    main()
