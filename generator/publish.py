"""Render the planned files and put the new site in place: the staging-and-swap strategies.

Every build renders what changed into a staging directory, checks the links of the whole
new site, and only then changes the output directory, in one of these ways (the
primitives are in `write`, which says why each is safe):

- `FullSwap`: a full build; staging holds the whole site and is swapped in for it.
- `SwapWithPrevious` (`fast`): an incremental `build` with a previous generation it
  knows; the changed files move into that generation, which is exchanged with the site.
- `LinkAndSwap`: an incremental `build` without one; the unchanged files are hard-linked
  into staging, which is swapped in, and the replaced site becomes the previous generation.
- `ReplaceFolder`: an edit whose changed files all lie in one folder; that folder alone
  is exchanged (file by file, journaled, where folders cannot be exchanged).
- `JournaledApply`: `serve`'s rebuilds; each changed file is renamed in, after a journal.
- `InMemory`: `check`; the pages are rendered and their links checked, nothing is written.

`publish` runs one of them; `choose` says which one a build takes.
"""

from __future__ import annotations

import dataclasses
import os
import posixpath
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from generator import linkcheck, render, safefs, write
from generator.config import BuildOptions
from generator.diagnostics import BuildFailed, Span
from generator.incremental import cache
from generator.plan import OutputJob
from generator.sitelinks import WrittenLinks
from generator.workers import parallel
from generator.workers.shards import EarlyPages


@dataclass(frozen=True)
class Target:
    """The output directory and the places beside it a publisher may use."""

    root: Path
    out_dir: Path
    out_label: str
    """How errors name the output directory."""
    previous_dir: Path | None = None
    """Where the site before last is kept (`write.previous_dir`), if anywhere."""
    cache_dir: Path | None = None
    trash: Path | None = None
    """Replaced sites are deleted in the background through it (`write.discard_later`)."""


@dataclass(frozen=True)
class Change:
    """What a build publishes: the files it renders, those it deletes, the whole new site."""

    todo: list[OutputJob]
    outputs: set[str]
    """dest_path of every file of the new site."""
    stale: list[str] = field(default_factory=list)
    written_links: WrittenLinks | None = None
    """The links written in Markdown, checked against `outputs` (see `sitelinks`)."""

    @property
    def rewritten(self) -> list[str]:
        return [job.dest_path for job in self.todo]


class Publisher:
    """A way to put a rendered change in place (see the module docstring)."""

    writes = True

    def prepare(self, target: Target, staging: Path, change: Change) -> None:
        """Before rendering: fill staging with what it needs besides the changed files."""

    def apply(self, target: Target, staging: Path, change: Change) -> None:
        raise NotImplementedError


class FullSwap(Publisher):
    def apply(self, target: Target, staging: Path, change: Change) -> None:
        write.swap_in(staging, target.out_dir.absolute(), trash=target.trash)
        write.discard_previous(target.out_dir, target.cache_dir, target.trash)  # a generation no state describes


@dataclass(frozen=True)
class SwapWithPrevious(Publisher):
    previous: dict[str, str]
    """Where the previous generation differs from the site (`cache.CacheState.previous`)."""

    def apply(self, target: Target, staging: Path, change: Change) -> None:
        assert target.previous_dir is not None
        rewritten = set(change.rewritten)
        write.update_previous(staging, target.previous_dir, target.out_dir, rewritten,
                              [p for p in self.previous if p in change.outputs and p not in rewritten],
                              [*change.stale, *(p for p, d in self.previous.items()
                                                if d and p not in change.outputs and write.is_safe_dest(p))])
        write.swap_in(target.previous_dir, target.out_dir.absolute(), keep_old=target.previous_dir)


class LinkAndSwap(Publisher):
    def prepare(self, target: Target, staging: Path, change: Change) -> None:
        write.link_unchanged(target.out_dir, staging, {*change.rewritten, *change.stale})

    def apply(self, target: Target, staging: Path, change: Change) -> None:
        write.swap_in(staging, target.out_dir.absolute(), keep_old=target.previous_dir, trash=target.trash)


@dataclass(frozen=True)
class ReplaceFolder(Publisher):
    folder: str

    def prepare(self, target: Target, staging: Path, change: Change) -> None:
        write.link_unchanged(target.out_dir, staging, set(change.rewritten), self.folder)

    def apply(self, target: Target, staging: Path, change: Change) -> None:
        if not write.replace_folder(staging, target.out_dir, self.folder):
            # No atomic exchange here: file by file, as `serve` does (journaled).
            write.apply_update(staging, change.rewritten, [], target.out_dir)


class JournaledApply(Publisher):
    def apply(self, target: Target, staging: Path, change: Change) -> None:
        write.apply_update(staging, change.rewritten, change.stale, target.out_dir)


class InMemory(Publisher):
    writes = False


def choose(incremental: bool, in_place: bool, previous: dict[str, str] | None,
           previous_dir: Path | None) -> Publisher:
    """How a build puts its site in place. `build` replaces the whole site at once, even when
    only a few files changed, so a killed build leaves the old site or the new one, never a
    mixture: it updates the previous generation and exchanges it with site/ (`fast`) or,
    when there is none it knows, hard-links the unchanged files into staging. `in_place`
    (`serve`) renames the changed files in one by one instead; its journal finishes a
    killed update."""
    if not incremental:
        return FullSwap()
    if in_place:
        return JournaledApply()
    if previous is not None and previous_dir is not None and safefs.is_own_folder(previous_dir):
        return SwapWithPrevious(previous)
    return LinkAndSwap()


def for_folder(todo: list[OutputJob], otherwise: Publisher) -> Publisher:
    """An edit's own pages (usually one explainer's page and JSON): only their folder is
    replaced, if they share one, and the previous generation is left as it is."""
    folders = {posixpath.dirname(job.dest_path) for job in todo}
    folder = folders.pop() if len(folders) == 1 else ""
    return ReplaceFolder(folder) if folder else otherwise


def publish(publisher: Publisher, target: Target, change: Change, jobs: int, progress: bool,
            early: EarlyPages | None = None, claim: Callable[[], None] = lambda: None,
            timings: dict[str, float] | None = None, started: float = 0.0) -> write.WriteReport:
    """Render `change.todo` (into a staging directory, where `early` pages may already be),
    check the links of the whole new site, `claim` the output directory, then put the new
    site in place the publisher's way. Raises `BuildFailed` on a template or link error,
    with the output directory untouched."""
    staging = (early.staging if early else write.make_staging(target.out_dir)) if publisher.writes else None
    change = dataclasses.replace(change, stale=[p for p in change.stale if write.is_safe_dest(p)])  # (from the cache)
    todo = change.todo
    try:
        if staging is not None:
            publisher.prepare(target, staging, change)
        if early:
            if early.failures:  # one template error is met on many pages: say it once
                raise render.TemplateFailed(list({(d.span, d.message): d for d in early.failures}.values()))
            todo = [job for job in todo if job.dest_path not in early.report.digests]
        written, pages = parallel.render_to_staging(todo, staging, target.root, jobs, target.out_label,
                                                    change.outputs, show_progress if progress else None)
        if early:
            written.merge(early.report)
            pages = early.pages + pages
        if progress:
            show_progress(-1, 0)
        if timings is not None:
            timings["render"] = time.perf_counter() - started - sum(timings.values())
        if staging is not None:
            read_page, read_staged = linkcheck.read_first(staging, target.out_dir), linkcheck.read_output(staging)
        else:  # a page with a broken template link is rendered again to say where in it the link is
            makers = {job.dest_path: job.make for job in todo}
            read_page, read_staged = (lambda _: None), (lambda path: makers[path]().data)
        with parallel.collector_paused():
            broken = linkcheck.check_site(pages, target.out_label, read_page, read_staged, change.outputs,
                                          change.written_links)
        if broken:
            raise BuildFailed(sorted(broken, key=lambda d: d.span or Span("")))
        if staging is not None:
            claim()
            publisher.apply(target, staging, change)
    except render.TemplateFailed as exc:
        raise BuildFailed(exc.diagnostics) from None
    finally:
        if staging is not None:
            write.discard(staging)
    return written


def target(options: BuildOptions, cache_usable: bool, uses_cache: bool) -> Target:
    """Where a build publishes. Replaced sites are deleted in the background, but not by
    the tests' clean builds (no cache): they would leave processes behind."""
    out_dir = options.out_dir
    cache_dir = options.root / cache.CACHE_DIR if cache_usable else None
    return Target(options.root, out_dir, out_label(options), write.previous_dir(out_dir, cache_dir), cache_dir,
                  write.trash_dir(out_dir, cache_dir) if uses_cache else None)


def out_label(options: BuildOptions) -> str:
    """How errors name the output directory: relative to the project when inside it."""
    try:
        return options.out_dir.absolute().relative_to(options.root.absolute()).as_posix()
    except ValueError:
        return options.out_dir.as_posix()


def missing(out_dir: Path, jobs: list[OutputJob], previous: dict[str, str]) -> set[str]:
    """Outputs known only from the cache that were deleted by hand since. (With `os.path`:
    a `Path` per file cost 0.1 s for the 35,000 files of 5,000 explainers.)"""
    folder = os.fspath(out_dir)
    return {job.dest_path for job in jobs
            if job.dest_path in previous and not os.path.exists(os.path.join(folder, job.dest_path))}


def show_progress(done: int, total: int, doing: str = "rendering") -> None:
    """A running count on one terminal line; done < 0 clears it."""
    if done < 0:
        sys.stderr.write("\r\x1b[K")
    else:
        what = "explainers" if doing == "compiling" else "files"
        sys.stderr.write(f"\r\x1b[Kexplainer: {doing} {done:,}/{total:,} {what}")
    sys.stderr.flush()
