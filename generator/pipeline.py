"""The build, top to bottom: load, validate, resolve, plan, render, write.

Everything is read and checked before anything is written: a project with
errors leaves the previous output directory exactly as it was.

`check`, a cold `build`, an incremental `build` and `serve`'s rebuilds are this one
pipeline given different collaborators:

- a *memory* of earlier builds (`incremental.memory`): none for `check`, the sealed
  `.explainer-cache/` for `build`, resident for `serve`. It says where a build may start
  from (nothing changed: done; an edit only its explainer's pages show: `incremental.edit`,
  made of the same compile, plan and render calls) and keeps what the next build reuses;
- an *executor* (`workers.executor`): compile here, or on forked workers that render
  each explainer's own pages as they go (a full build of many explainers);
- a *publisher* (`publish`): how the rendered files are put in place.
"""

from __future__ import annotations

import contextlib
import gc
import time
from dataclasses import dataclass, field

import jinja2

from generator import history, publish, render, resolve, write
from generator.config import BuildOptions
from generator.diagnostics import BuildFailed, Diagnostic, Diagnostics
from generator.incremental import cache, compiler, dependencies, edit, memory, units
from generator.incremental.memory import Memory, unchanged
from generator.incremental.summary import LazyExplainer
from generator.incremental.units import Shared, Unit
from generator.plan import OutputJob, plan_site, stale_files
from generator.workers import executor, shards


@dataclass
class BuildReport:
    pages: int = 0  # HTML pages in the site
    files: int = 0  # files in the site
    written: int = 0  # files rendered and written by this build (all of them on a clean build)
    seconds: float = 0.0
    warnings: list[Diagnostic] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    """Output paths whose bytes differ from the previous build of the same `Builder`
    (written, changed or removed); every path on a first build."""
    timings: dict[str, float] = field(default_factory=dict)
    """Seconds per stage: compile (load, validate, resolve; on a full build of many explainers
    also their own pages), plan, render (and write), swap (link check, then the new site put
    in place), cache (saved for the next build)."""


class Builder:
    """Builds one project again and again, redoing only what changed (see the module docstring).

    `use_cache`: read and write `.explainer-cache/`; `read_cache` False (`--clean`) only
    writes it; `resident` (`serve`) keeps the units in memory; `private_output`: no other
    build writes the output directory. `build()` raises `BuildFailed` on content or template
    errors and leaves the previous site in place."""

    def __init__(self, options: BuildOptions, use_cache: bool = True, read_cache: bool = True,
                 resident: bool = False, private_output: bool = False):
        self.options = options
        key = cache.cache_key(options.out_dir, options.base_url, options.drafts)
        self.memory: Memory = (
            memory.Resident(options.root, options.out_dir, key, use_cache, private_output) if resident
            else memory.OnDisk(options.root, options.out_dir, key, read_cache) if use_cache
            else Memory(options.root, options.out_dir, key, private_output))

    @property
    def units(self) -> dict[str, Unit]:
        return self.memory.units

    @property
    def shared(self) -> Shared | None:
        return self.memory.shared

    def check(self) -> BuildReport:
        """Validate the whole project, compile the templates, render every page in memory and
        check every link as `build` does; write nothing at all."""
        started = time.perf_counter()
        self.memory.head = history.head_commit(self.options.root)
        (site, env, templates, config_digest, _), diags = self._compile()
        jobs = self._plan(site, env, templates, config_digest)
        outputs = {job.dest_path for job in jobs}
        change = publish.Change(jobs, outputs, [], compiler.written_links(self.memory, site, outputs))
        publish.publish(publish.InMemory(), self._target(), change, self.options.jobs, progress=False)
        return BuildReport(pages=sum(p.endswith(".html") for p in outputs), files=len(outputs),
                           seconds=time.perf_counter() - started, warnings=diags.warnings)

    def build(self) -> BuildReport:
        """Check the whole project, then write what changed. Nothing is written on errors."""
        # Compiling allocates millions of small objects that live until the next build; the
        # cyclic collector would rescan them again and again (0.3 s pauses at 1,000
        # explainers). It is paused while compiling and the survivors are frozen (never
        # scanned again); it runs while rendering, whose garbage (Jinja contexts) has cycles.
        gc.disable()
        warning = self.memory.check_folder()
        try:
            with contextlib.ExitStack() as held:  # the output lock, if the workers write early
                report = self._build(held)
        except BuildFailed as exc:
            exc.diagnostics.extend(warning)
            self.memory.failed()
            raise
        except BaseException:
            self.memory.failed()
            raise
        finally:
            gc.enable()
        report.warnings = [*warning, *report.warnings]
        return report

    def _build(self, held: contextlib.ExitStack) -> BuildReport:
        started, options, known = time.perf_counter(), self.options, self.memory
        try:
            write.refuse_link(options.out_dir)
        except write.OutputError as exc:
            raise BuildFailed([Diagnostic(str(exc))]) from None
        state = known.starting_state()
        outputs_check = known.outputs_check(state)
        if outputs_check is not None:
            held.enter_context(outputs_check)
        known.head = history.head_commit(options.root)
        stamps = known.source_stamps(render.THEME_DIR)
        if state is not None and unchanged(state, stamps, outputs_check, units.now()):
            return BuildReport(pages=sum(p.endswith(".html") for p in state.outputs), files=len(state.outputs),
                               warnings=state.warnings, seconds=time.perf_counter() - started)
        if state is not None:
            known.take(state)
        shortcut = known.edit_state(state, stamps, units.now())
        if shortcut is not None:
            done = edit.rebuild_own_pages(options, known, shortcut, stamps, started, outputs_check, self._target())
            if done is not None:
                rewritten, count, took = done
                return BuildReport(pages=sum(p.endswith(".html") for p in shortcut.outputs),
                                   files=len(shortcut.outputs), written=count, changed=rewritten, timings=took,
                                   warnings=shortcut.warnings, seconds=time.perf_counter() - started)
        known.load_units(state)
        LazyExplainer.drop_decoded_views()  # those of the last build's explainers
        (site, env, templates, config_digest, early), diags = self._compile(held)
        gc.freeze()
        gc.enable()
        timings = {"compile": time.perf_counter() - started}
        executor.check_output_dir(options.out_dir, options.root)
        jobs = self._plan(site, env, templates, config_digest)
        outputs = {job.dest_path: job.fingerprint for job in jobs}
        timings["plan"] = time.perf_counter() - started - sum(timings.values())
        with contextlib.nullcontext() if early else write.lock(options.out_dir):
            if early is None:
                write.recover(options.out_dir)
            # Incremental only over an output directory that this memory describes, decided
            # under the lock: a build that wrote while this one waited for it counts too.
            incremental = known.outputs is not None and options.out_dir.is_dir() and known.wrote_last()
            previous = known.outputs if incremental and known.outputs is not None else {}
            missing = publish.missing(options.out_dir, jobs, previous) if incremental and known.from_cache else set()
            todo = [job for job in jobs if previous.get(job.dest_path) != job.fingerprint
                    or job.dest_path in missing]
            stale = stale_files(previous, list(outputs))
            links = compiler.written_links(known, site, set(outputs),
                                           {job.dest_path for job in todo} if incremental else None)
            live = {p: d for p, d in known.digests.items() if p not in missing} if incremental else {}
            target = self._target()
            publisher = publish.choose(incremental, known.resident, known.previous, target.previous_dir)
            written = publish.publish(publisher, target, publish.Change(todo, set(outputs), stale, links),
                                      options.jobs, options.progress, early, known.claim, timings, started)
        timings["swap"] = time.perf_counter() - started - sum(timings.values())
        changed = known.remember(outputs, written.digests, stale, incremental)
        known.remember_previous(live, [*written.digests, *stale, *missing], incremental)
        if known.save(stamps, diags.warnings, known.valid_until(units.now())):
            timings["cache"] = time.perf_counter() - started - sum(timings.values())
        return BuildReport(pages=sum(p.endswith(".html") for p in outputs), files=len(jobs),
                           written=len(written.digests), seconds=time.perf_counter() - started,
                           warnings=diags.warnings, changed=sorted(changed), timings=timings)

    def _compile(self, held: contextlib.ExitStack | None = None) -> tuple[
            tuple[resolve.Site, jinja2.Environment, dict[str, str], str, shards.EarlyPages | None], Diagnostics]:
        """Load, validate and resolve the project, reusing what did not change; raises
        `BuildFailed` on errors. Given `held` (a build, not a check), the executor may compile
        on forked workers (see `executor.choose`)."""
        diags, options = Diagnostics(), self.options
        project = compiler.project(options, self.memory, diags)
        if project is None:
            raise BuildFailed(diags.sorted())
        sources = project.sources(diags)
        compiling = executor.choose(options, self.memory, len(sources), held, publish.out_label(options))
        compiled = self.memory.units = compiling.compile(project, sources)
        for unit in compiled.values():
            diags.items.extend(unit.diagnostics)
        site = compiler.site_of(project, compiled, options.drafts, diags)
        compiler.check_strings(site, diags)
        env = compiler.environment(options, self.memory, diags)
        compiler.warn_about_settings(project, diags)
        diags.raise_if_errors()
        return (site, env, self.memory.templates.digests, project.config_digest, compiling.early), diags

    def _target(self) -> publish.Target:
        return publish.target(self.options, self.memory.cache_usable, self.memory.uses_cache)

    def _plan(self, site: resolve.Site, env: jinja2.Environment, templates: dict[str, str],
              config_digest: str) -> list[OutputJob]:
        renderer = render.Renderer(site, env, self.options.root, self.memory.part_store())
        facts = {u.explainer.slug: u.facts for u in self.memory.units.values() if u.explainer}
        return plan_site(renderer, dependencies.Facts(site.config, config_digest, templates, facts,
                                                      self.options.root, site, self.memory.templates.assets,
                                                      now=units.now()))


def check(options: BuildOptions) -> BuildReport:
    """Validate the whole project and compile the templates; write nothing."""
    return Builder(options, use_cache=False).check()


def build(options: BuildOptions, clean: bool = False) -> BuildReport:
    """Check the whole project, then write the site. Nothing is written if any check fails.

    With the cache (the default) only what changed since the last build is written;
    `clean` ignores the cache, writes everything and then records a fresh cache.
    """
    return Builder(options, read_cache=not clean).build()
