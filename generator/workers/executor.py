"""Where the explainers are compiled: in this process, or on forked workers.

`InProcess` compiles one explainer after the other, reusing the memory's units. `Forked`
is for a full build of many explainers whose own pages need nothing of the rest of the
site (see `shards`): each worker compiles a share of them and renders their own pages
straight away into the build's staging directory; the units come back summarized, as
from the cache. `choose` says which one a build gets.
"""

from __future__ import annotations

import contextlib
import json
from pathlib import Path
from typing import Any

from generator import plan, safefs, write
from generator.config import BuildOptions
from generator.diagnostics import BuildFailed, Diagnostic, Diagnostics
from generator.incremental import cache, parts, units, views
from generator.incremental.compiler import Project, environment, own_facts, reuse
from generator.incremental.memory import Memory
from generator.incremental.parts import Part
from generator.incremental.summary import LazyExplainer, summarize
from generator.incremental.units import Unit, on_site
from generator.linkcheck import PageLinks
from generator.publish import show_progress
from generator.workers import shards

Sources = list[tuple[Path, str]]
Made = dict[str, tuple[Part, bool]]
"""Joined file -> an explainer's part of it, and whether the worker stored it in the cache."""


class InProcess:
    """Compile every explainer here, one after the other."""

    early: shards.EarlyPages | None = None
    """Pages already rendered while compiling (`Forked`)."""

    def compile(self, project: Project, sources: Sources) -> dict[str, Unit]:
        return {rel: project.compile(path, rel) for path, rel in sources}


class Forked(InProcess):
    """Compile on forked workers, each rendering the own pages of its explainers (see `shards`)."""

    def __init__(self, options: BuildOptions, memory: Memory, early: shards.EarlyPages, out_label: str):
        self.options, self.memory, self.early, self.out_label = options, memory, early, out_label
        self.staged = early

    def compile(self, project: Project, sources: Sources) -> dict[str, Unit]:
        """The units come back summarized, as from the cache; each worker also stores its
        views in the cache (not in a project without one: a build that fails leaves none)."""
        root, env, early = self.options.root, self.memory.templates.env, self.staged
        assert env is not None
        at = units.now()
        save_views = self.memory.cache_on and safefs.is_own_folder(root / cache.CACHE_DIR)
        if save_views:
            cache.make_views_dir(root)
            parts.make_folder(root)

        def work(share: Sources) -> list[tuple[Unit, write.WriteReport, list[PageLinks], list[Any], Made]]:
            results = []
            for path, rel in share:
                unit = project.compile(path, rel)
                explainer = unit.compiled
                pages: tuple[write.WriteReport, list[PageLinks], list[Any]] = (write.WriteReport(), [], [])
                made: Made = {}
                if explainer is not None:
                    if on_site(explainer, self.options.drafts, at):
                        renderer = shards.own_renderer(explainer, project.shared.actors, project.config, env, root)
                        pages = shards.render_own_pages(explainer, renderer, root, early.staging, self.out_label,
                                                        own_facts(project, unit))
                        # Its parts of joined files too, from the compiled file: no view decoded.
                        made = {name: (part, save_views and parts.store(root, name, explainer.slug,
                                                                        unit.front_key, part))
                                for name, part in plan.own_parts(explainer, renderer).items()}
                    # Through JSON, so the unit is exactly what an incremental build reads back.
                    unit.summary = json.loads(json.dumps(summarize(explainer, unit.quoted)))
                    unit.view = views.encode(explainer)
                    unit.view_saved = save_views and cache.save_view(root, explainer.src_path, unit.key, unit.view)
                    unit.explainer = None
                # An explainer with errors travels whole: the site-wide checks still see it.
                results.append((unit, *pages, made))
            return results

        done: dict[str, Unit] = {}
        progress = ((lambda done, total: show_progress(done, total, "compiling")) if self.options.progress
                    else None)
        results = shards.map_forked(work, sources, shards.workers_for(len(sources), self.options.jobs), progress)
        store = self.memory.parts
        for (path, rel), (unit, report, pages, failures, made) in zip(sources, results, strict=True):
            early.add(report, pages, failures)
            if unit.summary is not None:
                unit.explainer = LazyExplainer(unit.summary)
                reuse(project, unit, path, project.git.of(rel))
                for name, (part, stored) in made.items():
                    store.put(name, unit.explainer.slug, unit.front_key, part, stored)
            done[rel] = unit
        return done


def choose(options: BuildOptions, memory: Memory, count: int, held: contextlib.ExitStack | None,
           out_label: str) -> InProcess:
    """`Forked` for a full build (`held`: the build, not a check) of enough explainers whose
    pages can be rendered on their own: it takes the output lock (held until the build ends)
    and makes the staging directory the workers write into. Otherwise `InProcess`."""
    workers = shards.workers_for(count, options.jobs)
    if held is None or not memory.may_fork_compile() or workers < 2:
        return InProcess()
    environment(options, memory, Diagnostics())
    if memory.templates.diagnostics.errors or not memory.templates.own_pages_local:
        return InProcess()
    out_dir = options.out_dir
    check_output_dir(out_dir, options.root)
    held.enter_context(write.lock(out_dir))
    write.recover(out_dir)
    early = shards.EarlyPages(write.make_staging(out_dir))
    held.callback(write.discard, early.staging)
    return Forked(options, memory, early, out_label)


def check_output_dir(out_dir: Path, root: Path) -> None:
    """`write.check_output_dir`, its complaint as a build error."""
    try:
        write.check_output_dir(out_dir, root)
    except write.OutputError as exc:
        raise BuildFailed([Diagnostic(str(exc))]) from None
