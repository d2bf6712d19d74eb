"""What each piece of a cold build costs, in one process: the table in docs/performance.md.

    .venv/bin/python bench/pieces.py [--explainers 1000] [--sample 100] [--workdir DIR]

Generates the benchmark's project (bench/synth.py, the parameters of bench_build.py),
compiles it in this process, then times each piece on `--sample` explainers (or actors),
best of three passes, and prints milliseconds per piece and seconds per `--explainers`.
The garbage collector is paused and the compiled project frozen, as in a build.
"""

from __future__ import annotations

import argparse
import gc
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Callable, Sequence

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

import synth  # noqa: E402
from bench_build import PARAMS  # noqa: E402
from generator import linkcheck, render, write  # noqa: E402
from generator.incremental import views
from generator.config import BuildOptions  # noqa: E402
from generator.pipeline import Builder  # noqa: E402


def _no_fallback(field: str, key: object) -> object:
    raise AssertionError(f"view item {field} {key} did not decode")


def _decode_all(view: dict[str, Any]) -> None:
    """Read every item of a decoded view (`views.decode` decodes each when first read)."""
    for items in view.values():
        list(items.values()) if hasattr(items, "values") else list(items)


def best_ms(piece: Callable[[Any], object], items: Sequence[Any]) -> float:
    """Milliseconds per item, best of three passes."""
    runs = []
    for _ in range(3):
        started = time.perf_counter()
        for item in items:
            piece(item)
        runs.append((time.perf_counter() - started) / len(items) * 1000)
    return min(runs)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--explainers", type=int, default=1000)
    parser.add_argument("--sample", type=int, default=100)
    parser.add_argument("--workdir", type=Path, default=None)
    args = parser.parse_args()
    workdir = Path(args.workdir or tempfile.mkdtemp(prefix="explainer-pieces-"))
    root = workdir / f"project-{args.explainers}"
    if not (root / "content").is_dir():
        synth.make_project(root, args.explainers, **PARAMS)

    gc.disable()
    builder = Builder(BuildOptions(root, workdir / "site"), use_cache=False)
    started = time.perf_counter()
    compiled, diags = builder._compile()
    compile_ms = (time.perf_counter() - started) / args.explainers * 1000
    assert compiled is not None and not diags.errors, diags.items[:3]
    site, env, *_ = compiled
    gc.freeze()
    gc.enable()

    renderer = render.Renderer(site, env, root)
    explainers = site.explainers[:args.sample]
    inline = [a for a in site.actors.values() if not a.shared][:args.sample]
    shared = [a for a in site.actors.values() if a.shared][:args.sample]
    pages = {e.slug: renderer.explainer_page(e) for e in explainers}
    texts = {e.slug: views.encode(e) for e in explainers}
    staging = Path(tempfile.mkdtemp(dir=workdir))

    rows = [
        ("compile one explainer (all of them, in one process)", compile_ms, args.explainers),
        ("its page (explainer.html)", best_ms(renderer.explainer_page, explainers), args.explainers),
        ("its explainer.json", best_ms(renderer.explainer_json, explainers), args.explainers),
        ("its view, encoded", best_ms(views.encode, explainers), args.explainers),
        ("its view, decoded (every item)",
         best_ms(lambda e: _decode_all(views.decode(texts[e.slug], _no_fallback)), explainers), args.explainers),
        ("link scan of its page", best_ms(lambda e: linkcheck.scan_page(
            pages[e.slug].dest_path, pages[e.slug].data, "site", None), explainers), args.explainers),
        ("writing its page", best_ms(lambda e: write.write_files([pages[e.slug]], staging), explainers),
         args.explainers),
        ("an inline actor's page", best_ms(renderer.actor_page, inline),
         sum(not a.shared for a in site.actors.values())),
        ("a shared actor's page", best_ms(renderer.actor_page, shared), sum(a.shared for a in site.actors.values())),
        ("the home page", best_ms(lambda _: renderer.home_page(), [None]), 1),
    ]
    print(f"{'piece':<54} {'ms each':>8} {'count':>6} {'s in all':>8}")
    for name, ms, count in rows:
        print(f"{name:<54} {ms:>8.2f} {count:>6} {ms * count / 1000:>8.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
