"""The floor: the least work any generator must do on the same files, for comparison.

Parse each explainer's front matter (PyYAML's C loader), render its body and
every Markdown field (markdown-it-pyrs), render one Jinja template per page,
write it. No validation, no cross references, no index, no other pages. Run on
`--jobs` processes, like the real build.

`--pages` makes the pages the contract asks for, still with one minimal template
each: besides the explainer page, its `explainer.json`, a page per actor listing
the actor's claims (text and rendered note) from every explainer, a page per tag
and a home page listing every explainer. That is the floor for the site
`explainer build` writes, where the default is the floor for one page per
explainer.

    python bench/floor.py PROJECT OUT [--jobs N] [--pages]
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import sys
import time
from pathlib import Path

import jinja2
import markdown_it_pyrs
import yaml

_ENV = jinja2.Environment(autoescape=True)
TEMPLATE = _ENV.from_string(
    "<!doctype html><html><head><title>{{ fm.title }}</title></head><body><h1>{{ fm.title }}</h1>"
    "<p>{{ fm.summary }}</p>{{ body }}{% for n in notes %}<div>{{ n }}</div>{% endfor %}</body></html>")
ACTOR = _ENV.from_string(
    "<!doctype html><html><head><title>{{ actor.name }}</title></head><body><h1>{{ actor.name }}</h1>"
    "<p>{{ actor.role }}</p>{% for slug, text, note in claims %}<article><h3>{{ text }}</h3>{{ note }}"
    "<a href=\"../../{{ slug }}/\">{{ slug }}</a></article>{% endfor %}</body></html>")
LISTING = _ENV.from_string(
    "<!doctype html><html><head><title>{{ title }}</title></head><body><h1>{{ title }}</h1><ul>"
    "{% for slug, title, summary in items %}<li><a href=\"{{ slug }}/\">{{ title }}</a> {{ summary }}</li>"
    "{% endfor %}</ul></body></html>")


def _write(out: str, dest: str, text: str) -> None:
    path = Path(out) / dest
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def _render(paths: list[str], out: str, pages: bool = False) -> dict[str, object]:
    """Render the explainers of `paths`; with `pages`, also write their JSON and inline actors'
    pages, and return what the site-wide pages need (shared actors' claims, listings)."""
    md = markdown_it_pyrs.MarkdownIt("commonmark").enable("table")
    shared_claims: dict[str, list[tuple[str, str, str]]] = {}
    listings: list[tuple[str, str, str, list[str]]] = []
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
        slug = Path(path).stem
        _write(out, f"{slug}/index.html", html)
        if not pages:
            continue
        _write(out, f"{slug}/explainer.json", json.dumps(fm, default=str, separators=(",", ":")))
        by_actor: dict[str, list[tuple[str, str, str]]] = {}
        for claim in (fm.get("claims") or {}).values():
            note = md.render(claim["note"]) if claim.get("note") else ""
            by_actor.setdefault(claim["by"], []).append((slug, claim["text"], jinja2.utils.markupsafe.Markup(note)))
        inline = fm.get("actors") or {}
        for actor_id, actor in inline.items():
            _write(out, f"actors/{actor_id}/index.html", ACTOR.render(actor=actor, claims=by_actor.get(actor_id, [])))
        for actor_id, claims in by_actor.items():
            if actor_id not in inline:
                shared_claims.setdefault(actor_id, []).extend(claims)
        listings.append((slug, fm["title"], fm["summary"], list(fm.get("tags") or [])))
    return {"shared": shared_claims, "listings": listings}


def _site_pages(project: Path, out: str, results: list[dict[str, object]]) -> None:
    """Shared actors' pages, tag pages and the home page, from what the workers returned."""
    shared: dict[str, list[tuple[str, str, str]]] = {}
    listings: list[tuple[str, str, str, list[str]]] = []
    for result in results:
        for actor_id, claims in result["shared"].items():  # type: ignore[union-attr]
            shared.setdefault(actor_id, []).extend(claims)
        listings += result["listings"]  # type: ignore[arg-type]
    for path in sorted((project / "content" / "actors").glob("*.yaml")):
        actor = yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader)
        _write(out, f"actors/{path.stem}/index.html", ACTOR.render(actor=actor, claims=shared.get(path.stem, [])))
    tags: dict[str, list[tuple[str, str, str]]] = {}
    for slug, title, summary, tag_list in listings:
        for tag in tag_list:
            tags.setdefault(tag, []).append((f"../../{slug}", title, summary))
    for tag, items in tags.items():
        _write(out, f"tags/{tag}/index.html", LISTING.render(title=tag, items=items))
    _write(out, "index.html", LISTING.render(title="Home", items=[item[:3] for item in listings]))


def run_floor(project: Path, out: Path, jobs: int, pages: bool = False) -> float:
    """Seconds to process every explainer of `project` into `out` (`pages`: see the top)."""
    paths = sorted(str(p) for p in (project / "content" / "explainers").glob("*.md"))
    started = time.perf_counter()
    if jobs <= 1:
        results = [_render(paths, str(out), pages)]
    else:
        with multiprocessing.get_context("fork").Pool(jobs) as pool:
            results = pool.starmap(_render, [(paths[i::jobs], str(out), pages) for i in range(jobs)])
    if pages:
        _site_pages(project, str(out), results)
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("project", type=Path)
    parser.add_argument("out", type=Path)
    parser.add_argument("--jobs", type=int, default=len(os.sched_getaffinity(0)))
    parser.add_argument("--pages", action="store_true", help="every page the contract asks for (see above)")
    args = parser.parse_args()
    print(f"{run_floor(args.project, args.out, args.jobs, args.pages):.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
