#!/usr/bin/env python3
"""Idle CPU of `explainer serve` on a synthetic project. Not a test: it measures.

    .venv/bin/python bench/bench_idle.py [--explainers 1000,5000] [--seconds 30] [--windows 3] [--poll]

For each size N:

1. writes a project of N explainers (bench/synth.py) into a temporary directory;
2. starts `python -m generator serve --port 0` on it and waits for the URL line,
   i.e. for the first build, then `--settle` seconds more (the watcher's start);
3. with nothing touching the project, reads the server's CPU time (user + system,
   all its threads, plus any children it reaped) from /proc/<pid>/stat at the start
   and end of `--windows` windows of `--seconds` each;
4. prints each window's CPU time as a percentage of one core, and their median,
   and writes every window to bench/out/idle.json.

CPU time, unlike wall time, hardly depends on what else the machine is doing,
so the figure is comparable on a shared machine. `--poll` sets EXPLAINER_POLL=1,
which makes the watcher poll as it does where inotify is not available (macOS,
Windows, network mounts), to measure that fallback's cost on Linux.

Linux only: it reads /proc.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from synth import make_project  # noqa: E402

OUT = HERE / "out" / "idle.json"
FIRST_BUILD_TIMEOUT = 600.0
"""Longest wait for the URL line (the first build of 5,000 explainers on a busy machine)."""

TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
"""/proc reports CPU time in clock ticks (100 a second on Linux)."""


def main() -> int:
    args = _arguments()
    if not Path("/proc/self/stat").exists():
        raise SystemExit("bench_idle.py reads /proc/<pid>/stat: Linux only")
    results = [measure(n, args) for n in args.explainers]
    for result in results:
        _print_result(result)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps({"runs": results, "machine": _machine()}, indent=2) + "\n", encoding="utf-8")
    print(f"\nwrote {OUT.relative_to(HERE.parent)}")
    return 0


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--explainers", default="1000,5000", metavar="N,M",
                        help="project sizes, comma-separated (1000,5000)")
    parser.add_argument("--seconds", type=float, default=30.0, help="length of one measuring window (30)")
    parser.add_argument("--windows", type=int, default=3, help="windows per size; the median is reported (3)")
    parser.add_argument("--settle", type=float, default=5.0,
                        help="seconds to wait after the URL line before measuring (5)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the synthetic project (0)")
    parser.add_argument("--poll", action="store_true", help="force the polling watcher (EXPLAINER_POLL=1)")
    args = parser.parse_args()
    args.explainers = [int(part) for part in args.explainers.split(",") if part.strip()]
    return args


def measure(explainers: int, args: argparse.Namespace) -> dict:
    """Idle CPU windows of one server on a fresh project of `explainers` explainers."""
    work = Path(tempfile.mkdtemp(prefix="bench-idle-"))
    env = {name: value for name, value in os.environ.items() if name != "EXPLAINER_POLL"}
    if args.poll:
        env["EXPLAINER_POLL"] = "1"
    try:
        make_project(work, explainers, args.seed)
        server = subprocess.Popen([sys.executable, "-m", "generator", "serve", "--root", str(work), "--port", "0"],
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
        stderr: list[str] = []
        threading.Thread(target=lambda: stderr.extend(server.stderr), daemon=True).start()  # type: ignore[arg-type]
        try:
            started = time.perf_counter()
            url = _first_line(server)
            if not url:
                raise SystemExit("the server printed no URL:\n" + "".join(stderr))
            ready = time.perf_counter() - started
            time.sleep(args.settle)
            windows = [_window(server.pid, args.seconds) for _ in range(args.windows)]
            server.send_signal(signal.SIGTERM)
            code = server.wait(60)
        finally:
            if server.poll() is None:
                server.kill()
                server.wait()
    finally:
        shutil.rmtree(work, ignore_errors=True)
    percents = [w["percent"] for w in windows]
    return {"explainers": explainers, "watcher": "polling (forced)" if args.poll else "default",
            "first_build_seconds": round(ready, 2), "seconds": args.seconds, "windows": windows,
            "median_percent": round(statistics.median(percents), 2), "exit_status": code}


def _first_line(server: subprocess.Popen) -> str:
    """The URL line, or '' if none came within FIRST_BUILD_TIMEOUT."""
    box: list[str] = []
    reader = threading.Thread(target=lambda: box.append(server.stdout.readline()), daemon=True)  # type: ignore[union-attr]
    reader.start()
    reader.join(FIRST_BUILD_TIMEOUT)
    return box[0].strip() if box else ""


def _window(pid: int, seconds: float) -> dict:
    """CPU time the process used during `seconds` of wall time, as % of one core."""
    cpu_before, wall_before = cpu_seconds(pid), time.perf_counter()
    time.sleep(seconds)
    cpu_after, wall_after = cpu_seconds(pid), time.perf_counter()
    cpu = cpu_after - cpu_before
    wall = wall_after - wall_before
    return {"cpu_seconds": round(cpu, 3), "wall_seconds": round(wall, 3), "percent": round(100 * cpu / wall, 2)}


def cpu_seconds(pid: int) -> float:
    """utime + stime + cutime + cstime of `pid` from /proc/<pid>/stat, in seconds.

    The fields after the parenthesised command name are numbered from 3 (state);
    utime, stime, cutime and cstime are fields 14 to 17. They cover every thread of
    the process and the children it has waited for (build workers)."""
    text = Path(f"/proc/{pid}/stat").read_text()
    fields = text.rsplit(")", 1)[1].split()
    return sum(int(value) for value in fields[11:15]) / TICKS


def _print_result(result: dict) -> None:
    windows = ", ".join(f"{w['percent']:.2f}" for w in result["windows"])
    print(f"{result['explainers']:>6} explainers, {result['watcher']}: idle CPU {result['median_percent']:.2f} % "
          f"of a core (median of {len(result['windows'])} x {result['seconds']:.0f} s: {windows}); "
          f"first build + start {result['first_build_seconds']} s; exit status {result['exit_status']}")


def _machine() -> dict:
    return {"python": platform.python_version(), "platform": platform.platform(), "cpus": os.cpu_count()}


if __name__ == "__main__":
    sys.exit(main())
