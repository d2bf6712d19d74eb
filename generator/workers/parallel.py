"""Render and write output files on several processes (`--jobs N`).

Workers are forked after the site is resolved, so each inherits the whole
model and the compiled templates without pickling anything; each renders
every N-th job and writes it straight into the staging directory. Only
digests (and a template error, if any) travel back. Where workers are not
forked (`compat.can_fork`: macOS, Windows), or for a handful of files,
everything runs in this process, with the same output.

`run_forked` is the one way the generator starts workers (here, and for full
builds' compile in `shards`): forked, with the parent's signal handling
dropped, counting what they have done for a progress line.
"""

from __future__ import annotations

import contextlib
import gc
import os
import signal
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any, TypeVar

from generator import compat, render, write
from generator.linkcheck import PageLinks, scan_page
from generator.plan import OutputJob

MIN_JOBS_PER_WORKER = 200
"""Below this many files per worker, forking costs more than it saves."""

Progress = Callable[[int, int], None]
"""progress(done, total): called a few times a second while workers run, if given."""

R = TypeVar("R")
T = TypeVar("T")

_share: tuple[Callable[[int, int], Any], int] | None = None
"""(share, workers) for forked workers (see `run_forked`); set just before the pool starts."""

_done: Any = None
"""Items the workers have done so far, shared with them (a `multiprocessing.Value`)."""


def forget_parent_signals() -> None:
    """Pool initializer: a forked worker drops the signal handling it inherited.

    `serve`'s event loop receives signals through a wakeup socket; a worker that kept it
    would write the SIGTERM with which the pool ends it into that socket, and `serve` would
    take it for its own and stop. Workers end on SIGTERM and leave Ctrl-C to the parent."""
    signal.set_wakeup_fd(-1)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def run_forked(share: Callable[[int, int], R], workers: int, total: int,
               progress: Progress | None = None) -> list[R]:
    """`share(index, workers)` on each of `workers` forked processes; their results in
    order of index. The workers inherit `share` and everything it reaches, so only the
    results are pickled. While they run, `progress(done, total)` is called a few times a
    second with what they reported through `count_done`."""
    global _share, _done
    import multiprocessing  # here: most edits never fork, and the import is 10 ms of their start

    context = multiprocessing.get_context("fork")
    _done = context.Value("i", 0, lock=False)
    _share = (share, workers)
    try:
        # The results are unpickled here: at 5,000 explainers, 840,000 links and 175 MB of
        # views, no cycles among them. The workers inherit the paused collector (see
        # `collect_every` and `shards`).
        with collector_paused(), context.Pool(workers, forget_parent_signals) as pool:
            pending = pool.map_async(_run_share, range(workers))
            while not pending.ready():
                pending.wait(0.25)
                if progress:
                    progress(_done.value, total)
            return pending.get()
    finally:
        _share = _done = None


GC_EVERY = 64
"""Items a worker handles between two collections of its cyclic garbage (see `collect_every`)."""


def collect_every(items: Iterable[T], every: int = GC_EVERY) -> Iterator[T]:
    """In a worker: pass `items` on with the cyclic collector paused; after every `every`
    of them, collect once and freeze the survivors (views, caches), so that no later
    collection walks them again.

    Left to itself, the collector of a render worker ran 51 full collections over its
    growing heap while rendering the actor pages of 5,000 explainers, a quarter of the
    rendering's CPU, and freed nothing: the theme's pages leave no cycles (a test checks
    it). A project's templates may; their garbage goes at the end of its batch. Frozen
    objects are still freed as soon as nothing refers to them."""
    gc.disable()
    for count, item in enumerate(items, 1):
        yield item
        if count % every == 0:
            collect_and_freeze()
    collect_and_freeze()


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while this process makes many objects without
    cycles (results from workers, the link check): left on, its full collections walked the
    whole heap again and again, which made the link check of 5,000 explainers take 1.27 s
    instead of 0.39 s, three times as long per link as at 1,000."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def collect_and_freeze() -> None:
    """Free the cyclic garbage, then exclude every survivor from later collections."""
    gc.collect()
    gc.freeze()


def count_done(count: int) -> None:
    """In a worker of `run_forked`: `count` more items are done (no lock: a lost count
    only slows the progress line)."""
    if _done is not None:
        _done.value += count


def _run_share(index: int) -> Any:
    assert _share is not None
    share, workers = _share
    return share(index, workers)


def default_jobs() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def render_to_staging(jobs: list[OutputJob], staging: Path | None, root: Path, workers: int,
                      out_label: str, outputs: set[str],
                      progress: Progress | None = None) -> tuple[write.WriteReport, list[PageLinks]]:
    """Render every job into `staging` and scan each page's links (see `linkcheck`); with
    `staging` None (`check`), write nothing and keep every page's element ids instead.

    Raises `render.TemplateFailed` on a template error."""
    workers = min(workers, len(jobs) // MIN_JOBS_PER_WORKER)
    if workers <= 1 or not compat.can_fork():
        return render_and_write(jobs, staging, root, out_label, outputs, progress, len(jobs))

    shares = deal(jobs, workers)

    def share(index: int, count: int) -> Any:
        """In a worker: render, scan and write its share of the jobs."""
        try:
            return render_and_write(shares[index], staging, root, out_label, outputs, in_worker=True)
        except render.TemplateFailed as exc:
            return exc.diagnostics

    results = run_forked(share, workers, len(jobs), progress)
    report = write.WriteReport()
    pages: list[PageLinks] = []
    for result in results:
        if isinstance(result, list):
            raise render.TemplateFailed(result)
        report.merge(result[0])
        pages += result[1]
    return report, pages


def deal(jobs: list[OutputJob], workers: int) -> list[list[OutputJob]]:
    """The jobs in turn to `workers` shares, except that the pages reading one explainer's
    view (`OutputJob.reads`: its inline actors') go to the same worker, which then decodes
    that view once: dealt one by one, each worker decoded nearly every view of the site."""
    shares: list[list[OutputJob]] = [[] for _ in range(workers)]
    taken: dict[str, int] = {}
    turn = 0
    for job in jobs:
        if job.reads and job.reads in taken:
            shares[taken[job.reads]].append(job)
            continue
        if job.reads:
            taken[job.reads] = turn
        shares[turn].append(job)
        turn = (turn + 1) % workers
    return shares


def render_and_write(jobs: Iterable[OutputJob], staging: Path | None, root: Path, out_label: str,
                     outputs: set[str] | None, progress: Progress | None = None, total: int = 0,
                     counted: bool = True, in_worker: bool = False) -> tuple[write.WriteReport, list[PageLinks]]:
    """Render, scan (see `linkcheck.scan_page`) and write `jobs` in this process.

    `progress(done, total)` is for the main process; a worker's files count towards its
    pool's progress line (`count_done`) unless not `counted`. A render worker (`in_worker`)
    collects its garbage in batches (`collect_every`). With `staging` None, nothing is written
    and every page keeps its ids (see `render_to_staging`). Raises `render.TemplateFailed`."""
    pages: list[PageLinks] = []
    shown = time.monotonic()
    rendered = 0

    def scanned(files: Iterable[render.RenderedFile]) -> Iterator[render.RenderedFile]:
        nonlocal shown, rendered
        for file in files:
            rendered += 1
            if counted:
                count_done(1)
            if progress and time.monotonic() - shown > 0.25:
                shown = time.monotonic()
                progress(rendered, total)
            if file.data is not None and (file.links or file.dest_path.endswith(".html")):
                page = scan_page(file.dest_path, file.data, out_label, outputs, file.markdown_hrefs,
                                 keep_ids=staging is None, links=file.links or None)
                if page.errors or page.outgoing or page.ids is not None:
                    pages.append(page)
            yield file

    # Rendered, scanned and written one file at a time: the site is never all in memory.
    files = render.render_files((job.make for job in jobs), root)
    files = scanned(collect_every(files) if in_worker else files)
    if staging is None:
        for _ in files:
            pass
        return write.WriteReport(), pages
    return write.write_files(files, staging), pages
