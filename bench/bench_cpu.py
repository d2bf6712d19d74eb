"""CPU time (user + system of the build and every process it waits for: workers, Pagefind)
and wall time of builds, two checkouts in turns, on copies of one synthetic project.

    .venv/bin/python bench/bench_cpu.py OLD_CHECKOUT NEW_CHECKOUT --size 1000 --repeat 3 [--cold]

OLD_CHECKOUT and NEW_CHECKOUT are folders holding a checkout of this repository each (`git
worktree add --detach /tmp/old main`); each runs its own `python -m generator` with this
interpreter. Round 0 makes each copy's site with `build --clean`; every round then times a
first one-word edit (not counted), a second one (`edit`), and a claim's text (`claim_edit`);
`--cold` times a `build --clean` in every round too. The machine is shared: CPU time moves
far less than wall time with its load, so quote it (docs/performance.md, "Search index").
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
import bench_build  # noqa: E402
import synth  # noqa: E402


def build(checkout: Path, root: Path, *extra: str) -> tuple[float, float]:
    """(CPU seconds, wall seconds) of one `explainer build` of `root` by `checkout`'s code."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "generator", "build", "--root", str(root), *extra],
                          cwd=checkout, env={**os.environ, "PYTHONPATH": str(checkout)}, capture_output=True, text=True)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"build by {checkout} failed:\n{done.stderr[-2000:]}")
    cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    return round(cpu, 3), round(wall, 3)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("old", type=Path)
    parser.add_argument("new", type=Path)
    parser.add_argument("--size", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--cold", action="store_true", help="time build --clean in every round")
    args = parser.parse_args()
    sides = {"old": args.old.resolve(), "new": args.new.resolve()}
    results: dict[str, dict[str, list[tuple[float, float]]]] = {
        side: {"cold": [], "edit": [], "claim_edit": []} for side in sides}
    with tempfile.TemporaryDirectory(prefix="bench-cpu-") as work:
        base = Path(work) / "base"
        synth.make_project(base, args.size)
        for side in sides:
            shutil.copytree(base, Path(work) / side)
        for round_ in range(args.repeat):
            order = list(sides) if round_ % 2 == 0 else list(sides)[::-1]
            for side in order:
                root, checkout = Path(work) / side, sides[side]
                if round_ == 0 or args.cold:
                    cold = build(checkout, root, "--clean")
                    if args.cold:
                        results[side]["cold"].append(cold)
                bench_build.edit_explainer(root, 2 * round_)
                build(checkout, root)
                bench_build.edit_explainer(root, 2 * round_ + 1)
                results[side]["edit"].append(build(checkout, root))
                bench_build.edit_claim(root, round_)
                results[side]["claim_edit"].append(build(checkout, root))
            print(f"round {round_}: {json.dumps(results)}", flush=True)
    print(f"{args.size} explainers, {args.repeat} rounds, medians (CPU s / wall s):")
    for figure in ("cold", "edit", "claim_edit"):
        row = []
        for side in sides:
            runs = results[side][figure]
            if runs:
                row.append(f"{side} {statistics.median(c for c, _ in runs):.3f} / "
                           f"{statistics.median(w for _, w in runs):.3f}")
        if row:
            print(f"  {figure:<11} " + "   ".join(row))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
