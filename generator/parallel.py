"""Render and write output files on several processes (`--jobs N`).

Workers are forked after the site is resolved, so each inherits the whole
model and the compiled templates without pickling anything; each renders
every N-th job and writes it straight into the staging directory. Only
digests (and a template error, if any) travel back. Where `fork` is not
available, or for a handful of files, everything runs in this process.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import time
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

from generator import render, write
from generator.linkcheck import PageLinks, scan_page
from generator.plan import OutputJob

MIN_JOBS_PER_WORKER = 200
"""Below this many files per worker, forking costs more than it saves."""

_work: tuple[list[OutputJob], Path, Path, str, set[str]] | None = None
"""(jobs, staging, root, out_label, outputs) for forked workers; set just before the pool starts."""

_done: Any = None
"""Files written so far, shared with forked workers (a `multiprocessing.Value`)."""

Progress = Callable[[int, int], None]
"""progress(done, total): called a few times a second while rendering, if given."""


def forget_parent_signals() -> None:
    """Pool initializer: a forked worker drops the signal handling it inherited.

    `serve`'s event loop receives signals through a wakeup socket; a worker that kept it
    would write the SIGTERM with which the pool ends it into that socket, and `serve` would
    take it for its own and stop. Workers end on SIGTERM and leave Ctrl-C to the parent."""
    signal.set_wakeup_fd(-1)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def default_jobs() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def render_to_staging(jobs: list[OutputJob], staging: Path, root: Path, workers: int,
                      out_label: str, outputs: set[str],
                      progress: Progress | None = None) -> tuple[write.WriteReport, list[PageLinks]]:
    """Render every job into `staging` and scan each page's links (see `linkcheck`).

    Raises `render.TemplateFailed` on a template error."""
    global _work, _done
    workers = min(workers, len(jobs) // MIN_JOBS_PER_WORKER)
    forking = workers > 1 and "fork" in multiprocessing.get_all_start_methods()
    _done = multiprocessing.get_context("fork" if forking else None).Value("i", 0, lock=False)
    if not forking:
        try:
            return _render_and_write(jobs, staging, root, out_label, outputs, progress)
        finally:
            _done = None
    _work = (jobs, staging, root, out_label, outputs)
    try:
        with multiprocessing.get_context("fork").Pool(workers, forget_parent_signals) as pool:
            pending = pool.map_async(_render_share, [(index, workers) for index in range(workers)])
            while not pending.ready():
                pending.wait(0.25)
                if progress:
                    progress(_done.value, len(jobs))
            results = pending.get()
    finally:
        _work = _done = None
    report = write.WriteReport()
    pages: list[PageLinks] = []
    for result in results:
        if isinstance(result, list):
            raise render.TemplateFailed(result)
        report.merge(result[0])
        pages += result[1]
    return report, pages


def _render_and_write(jobs: list[OutputJob], staging: Path, root: Path, out_label: str,
                      outputs: set[str], progress: Progress | None = None,
                      ) -> tuple[write.WriteReport, list[PageLinks]]:
    pages: list[PageLinks] = []
    shown = time.monotonic()

    def scanned(files: Iterable[render.RenderedFile]) -> Iterator[render.RenderedFile]:
        nonlocal shown
        for file in files:
            if _done is not None:
                _done.value += 1  # no lock: each worker adds to it, a lost count only slows the bar
            if progress and time.monotonic() - shown > 0.25:
                shown = time.monotonic()
                progress(_done.value if _done is not None else 0, len(jobs))
            if file.data is not None and file.dest_path.endswith(".html"):
                page = scan_page(file.dest_path, file.data, out_label, outputs)
                if page.errors or page.outgoing:
                    pages.append(page)
            yield file

    # Rendered, scanned and written one file at a time: the site is never all in memory.
    report = write.write_files(scanned(render.render_files((job.make for job in jobs), root)), staging)
    return report, pages


def _render_share(share: tuple[int, int]) -> Any:
    """In a worker: render, scan and write jobs[index::count]."""
    assert _work is not None
    jobs, staging, root, out_label, outputs = _work
    index, count = share
    try:
        return _render_and_write(jobs[index::count], staging, root, out_label, outputs)
    except render.TemplateFailed as exc:
        return exc.diagnostics
