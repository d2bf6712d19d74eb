"""The floor: the least work any generator must do on the same files, for comparison.

Parse each explainer's front matter (PyYAML's C loader), render its body and
every Markdown field (markdown-it-pyrs), render one Jinja template per page,
write it. No validation, no cross references, no index, no other pages. Run on
`--jobs` processes, like the real build.

    python bench/floor.py PROJECT OUT [--jobs N]
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import sys
import time
from pathlib import Path

import jinja2
import markdown_it_pyrs
import yaml

TEMPLATE = jinja2.Environment(autoescape=True).from_string(
    "<!doctype html><html><head><title>{{ fm.title }}</title></head><body><h1>{{ fm.title }}</h1>"
    "<p>{{ fm.summary }}</p>{{ body }}{% for n in notes %}<div>{{ n }}</div>{% endfor %}</body></html>")


def _render(paths: list[str], out: str) -> int:
    md = markdown_it_pyrs.MarkdownIt("commonmark").enable("table")
    for path in paths:
        text = Path(path).read_text(encoding="utf-8")
        _, front, body = text.split("---\n", 2)
        fm = yaml.load(front, Loader=yaml.CSafeLoader)
        notes = []
        for group in ("actors", "claims"):
            for item in (fm.get(group) or {}).values():
                for key in ("description", "note"):
                    if item.get(key):
                        notes.append(jinja2.utils.markupsafe.Markup(md.render(item[key])))
        for event in fm.get("timeline") or []:
            if event.get("text"):
                notes.append(jinja2.utils.markupsafe.Markup(md.render(event["text"])))
        html = TEMPLATE.render(fm=fm, body=jinja2.utils.markupsafe.Markup(md.render(body)), notes=notes)
        dest = Path(out) / Path(path).stem
        dest.mkdir(parents=True, exist_ok=True)
        (dest / "index.html").write_text(html, encoding="utf-8")
    return len(paths)


def run_floor(project: Path, out: Path, jobs: int) -> float:
    """Seconds to process every explainer of `project` into `out`."""
    paths = sorted(str(p) for p in (project / "content" / "explainers").glob("*.md"))
    started = time.perf_counter()
    if jobs <= 1:
        _render(paths, str(out))
    else:
        with multiprocessing.get_context("fork").Pool(jobs) as pool:
            pool.starmap(_render, [(paths[i::jobs], str(out)) for i in range(jobs)])
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("project", type=Path)
    parser.add_argument("out", type=Path)
    parser.add_argument("--jobs", type=int, default=len(os.sched_getaffinity(0)))
    args = parser.parse_args()
    print(f"{run_floor(args.project, args.out, args.jobs):.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
