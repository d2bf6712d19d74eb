"""Full builds on several processes: each worker compiles a share of the explainers and
renders their own pages straight away.

Compiling (YAML with positions, validation, Markdown) is a third of a full build, and an
explainer's own page and `explainer.json` another third. Both depend only on the
explainer, the shared actors and the settings (that is why `plan` fingerprints an
explainer page with its unit key alone), so a worker forked after the shared actors
are compiled can do both for its share of the files and send back only strings: each
unit's summary and view (see `summary`, `views`), what it wrote and the links its pages
make. A worker also draws its explainers' share cards (see `sharecard`), which depend on
the explainer and the settings alone. The main process then builds the site from those
summaries, as an incremental build does from the cache, and renders the pages that need
the whole project (actor, tag and home pages, feed, sitemap) on the workers of `parallel`.

This runs for a full build (`--clean`, or no usable cache) of enough explainers, and
only when the templates of an explainer's own pages do not read `site_data` (the whole
project, which the workers do not have yet: see `dependencies.own_pages_are_local`);
otherwise the build compiles in one process as before. The result is the same site, byte
for byte (a test checks it).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

import jinja2

from generator import compat, plan, render, resolve, write
from generator.config import SiteConfig
from generator.diagnostics import Diagnostic, Diagnostics
from generator.incremental.dependencies import Facts
from generator.linkcheck import PageLinks
from generator.model import Actor, Explainer
from generator.plan import OutputJob
from generator.workers import parallel

MIN_EXPLAINERS_PER_WORKER = 25
"""Below this many explainers per worker, forking costs more than it saves."""

T = TypeVar("T")
R = TypeVar("R")


@dataclass
class EarlyPages:
    """The pages rendered while compiling, in the build's staging directory."""

    staging: Path
    report: write.WriteReport = field(default_factory=write.WriteReport)
    pages: list[PageLinks] = field(default_factory=list)
    """Their links, checked once the whole site is planned (`linkcheck.check_site`)."""
    failures: list[Diagnostic] = field(default_factory=list)
    """Template errors met while rendering them."""

    def add(self, report: write.WriteReport, pages: list[PageLinks], failures: list[Diagnostic]) -> None:
        self.report.merge(report)
        self.pages += pages
        self.failures += failures


def workers_for(count: int, jobs: int) -> int:
    """How many processes to compile `count` explainers on (1: in this process, where
    workers are not forked: see `compat.can_fork`)."""
    if not compat.can_fork():
        return 1
    return max(1, min(jobs, count // MIN_EXPLAINERS_PER_WORKER))


def own_renderer(explainer: Explainer, shared: dict[str, Actor], config: SiteConfig, env: jinja2.Environment,
                 root: Path) -> render.Renderer:
    """A renderer of a site of this explainer alone (with the shared actors): what its own
    pages and its parts of joined files (`plan.own_parts`) are made with."""
    site = resolve.assemble_site([explainer], shared, config, Diagnostics())
    return render.Renderer(site, env, root)


def own_page_jobs(explainer: Explainer, shared: dict[str, Actor], config: SiteConfig, env: jinja2.Environment,
                  root: Path, facts: Facts) -> list[OutputJob]:
    """The outputs of the explainer that show nothing of the rest of the site (`plan.own_jobs`:
    its page, `explainer.json`, its share card), rendered with a site of this explainer alone
    and fingerprinted by `facts` (which know its unit)."""
    return plan.own_jobs(explainer, own_renderer(explainer, shared, config, env, root), facts)


def render_own_pages(explainer: Explainer, renderer: render.Renderer, root: Path, staging: Path, out_label: str,
                     facts: Facts) -> tuple[write.WriteReport, list[PageLinks], list[Diagnostic]]:
    """Render an explainer's own outputs (see `own_page_jobs`) with `renderer` (`own_renderer`)
    into `staging`; scan the page's links, whose targets are checked later against the whole site."""
    jobs = plan.own_jobs(explainer, renderer, facts)
    try:
        # Not counted: the compile's progress line counts explainers, not files.
        report, pages = parallel.render_and_write(jobs, staging, root, out_label, None, counted=False)
    except render.TemplateFailed as exc:
        return write.WriteReport(), [], list(exc.diagnostics)
    return report, pages, []


def map_forked(work: Callable[[list[T]], list[R]], items: list[T], workers: int,
               progress: Callable[[int, int], None] | None = None) -> list[R]:
    """`work` on `items` split over `workers` forked processes (each takes every
    `workers`-th item, see `parallel.run_forked`); the results in the order of `items`.
    `progress(done, total)` is called a few times a second meanwhile, if given."""
    if workers <= 1:
        return work(items)
    shares = parallel.run_forked(lambda index, count: _run_share(work, items[index::count]),
                                 workers, len(items), progress)
    results: list[R] = []
    for position in range(len(items)):
        results.append(shares[position % workers][position // workers])
    return results


def _run_share(work: Callable[[list[T]], list[R]], share: list[T]) -> list[R]:
    """In a worker: `work` on its share of the items, a few dozen at a time.

    The collector stays paused (as the parent left it). After each batch, one collection
    frees the batch's cyclic garbage (the theme makes none; a project's templates may),
    and the survivors, mostly results, are frozen so that no later collection walks them
    again. Left to itself, the collector walked the growing results over and over (112
    full collections in each worker at 5,000 explainers)."""
    results: list[R] = []
    for start in range(0, len(share), parallel.GC_EVERY):
        batch = share[start:start + parallel.GC_EVERY]
        results += work(batch)
        parallel.count_done(len(batch))
        parallel.collect_and_freeze()
    return results
