"""An edit that only its explainers' own pages show: those pages rewritten, nothing else.

Built from the pipeline's own calls (as Zola builds `add_and_render_page` from `add_page`
and `render_page`): the edited files are compiled (`compiler`), their own pages planned
as a full build plans them (`shards.own_page_jobs`, `plan.own_jobs`), then
rendered and put in place (`publish`), usually by exchanging one folder. Whether an edit
qualifies is `shortcut`'s question; any doubt takes the whole pipeline instead.

The edited explainers' links to other pages (see `sitelinks`) are checked with their
pages; one to a page the site does not have takes the whole pipeline, whose error names
the site's pages. Links from other explainers into an edited page need no new check: a
body edit cannot change the page's element ids, which come from its front matter, unless
`allow_html` lets the body write ids of its own; with it, no shortcut is taken.
"""

from __future__ import annotations

import time

from generator import plan, publish, write
from generator.config import BuildOptions
from generator.diagnostics import Diagnostics
from generator.incremental import cache, shortcut, units
from generator.incremental import stamps as stamps_of
from generator.incremental.compiler import environment, own_facts, project
from generator.incremental.memory import Memory, may_take_shortcut
from generator.incremental.units import Unit, on_site
from generator.plan import OutputJob
from generator.sitelinks import SiteLink, WrittenLinks
from generator.workers import shards


def rebuild_own_pages(options: BuildOptions, memory: Memory, state: cache.CacheState, stamps: dict[str, str],
                      started: float, outputs_check: stamps_of.OutputsCheck | None,
                      target: publish.Target) -> tuple[list[str], int, dict[str, float]] | None:
    """Compile the edited explainers and rewrite their own pages; None, having written
    nothing, if the edit needs the whole pipeline (the memory's units then hold what was
    compiled). `state` is the last build's, from the cache or (`serve`) from memory;
    `outputs_check` says meanwhile whether an output was deleted since (`serve` does not
    look). Returns the outputs whose bytes changed, how many files were written, the timings."""
    root = options.root
    edited = shortcut.edited_explainers(state.sources, stamps)
    if edited is None or not may_take_shortcut(state, edited):
        return None
    diags = Diagnostics()
    compiled = project(options, memory, diags)
    env = environment(options, memory, diags)
    if compiled is None or diags.errors or compiled.config.allow_html:
        return None
    todo: list[OutputJob] = []
    edits: dict[str, Unit] = {}
    at = units.now()
    updated: dict[str, dict[str, object]] = {}
    links: list[SiteLink] = []  # written in the edited explainers, checked with their pages
    for rel in edited:
        unit = edits[rel] = memory.units[rel] = compiled.compile(root / rel, rel)
        explainer = unit.compiled
        if explainer is None or not plan.alone(explainer):
            return None  # errors to report; or its page names its versions in other languages
        updated[rel] = unit.to_json()
        if not shortcut.seen_only_on_own_pages(state.unit_marks[rel], updated[rel]):
            return None
        if not on_site(explainer, options.drafts, at):
            continue  # not on the site, then or now (its summary did not change)
        if not all(link.target in state.outputs for link in unit.site_links):
            return None  # a broken link: the whole pipeline says it with the site's names at hand
        links += unit.site_links
        facts = own_facts(compiled, unit)
        for job in shards.own_page_jobs(explainer, compiled.shared.actors, compiled.config, env, root, facts):
            if job.dest_path not in state.outputs:
                return None
            if state.outputs[job.dest_path] != job.fingerprint:
                todo.append(job)
    # Like a no-op build, put back any output deleted by hand since: the whole pipeline does.
    if outputs_check is not None and not outputs_check.all_exist():
        return None
    timings = {"compile": time.perf_counter() - started}
    written = write.WriteReport()
    if todo:
        everywhere = publish.choose(True, memory.resident, memory.previous, target.previous_dir)
        publisher = publish.for_folder(todo, everywhere)
        with write.lock(options.out_dir):
            write.recover(options.out_dir)
            if not (memory.private_output or cache.last_writer(root, options.out_dir) == state.build_id):
                return None  # another build wrote there while this one compiled
            written = publish.publish(publisher, target, publish.Change(todo, set(state.outputs), [],
                                                                        WrittenLinks(links)),
                                      options.jobs, options.progress, claim=memory.claim, timings=timings,
                                      started=started)
        memory.remember_edit(state, written.digests, {job.dest_path: job.fingerprint for job in todo},
                             isinstance(publisher, publish.ReplaceFolder))
    timings["swap"] = time.perf_counter() - started - sum(timings.values())
    memory.save_edit(state, stamps, edits, updated)
    timings["cache"] = time.perf_counter() - started - sum(timings.values())
    changed = sorted(p for p, d in written.digests.items() if state.digests.get(p) != d)
    memory.after_edit()
    return changed, len(written.digests), timings
