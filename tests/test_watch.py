"""The watcher behind `serve`: one callback per settled change, and no work while idle.

Each kind of change is checked in both ways of noticing it: inotify events (the
Linux default) and polling (what macOS, Windows and network mounts get, forced
here with EXPLAINER_POLL=1). Idleness is checked by counting full scans through
`Watcher.full_scans`, not by timing.
"""

from __future__ import annotations

import errno
import os
import struct
import sys
import threading
import time
from pathlib import Path
from typing import Iterator

import pytest
from hypothesis import given, strategies as st

from generator.serve import inotify as kernel
from generator.serve import watch
from generator.serve.watch import Watcher, is_ignored

LINUX = sys.platform.startswith("linux")
needs_inotify = pytest.mark.skipif(not LINUX, reason="inotify is Linux's")

LATENCY = 1.0
"""Longest accepted time from a change to its callback, in seconds. The watcher's own
delay is the quiet period (60 ms) plus, when polling, up to one interval (100 ms here);
the rest is headroom for a busy machine."""

CALM = 0.4
"""How long to wait after a callback to be sure no second one follows."""


class Calls:
    """The watcher's callback: records each call and when it came."""

    def __init__(self) -> None:
        self.calls: list[tuple[float, list[str]]] = []
        self._event = threading.Condition()

    def __call__(self, changed: list[str]) -> None:
        with self._event:
            self.calls.append((time.monotonic(), changed))
            self._event.notify_all()

    def wait_for(self, count: int, timeout: float = 5.0) -> None:
        with self._event:
            if not self._event.wait_for(lambda: len(self.calls) >= count, timeout):
                raise AssertionError(f"{len(self.calls)} callback(s) after {timeout} s, expected {count}")

    def names(self, index: int, root: Path) -> list[str]:
        return [Path(p).relative_to(root).as_posix() for p in self.calls[index][1]]


def save(path: Path, text: str) -> None:
    """Save as editors do: write a hidden temp file beside the target, then rename it over."""
    temp = path.with_name(f".{path.name}.swp")
    temp.write_text(text, encoding="utf-8")
    os.replace(temp, path)


@pytest.fixture(params=["events", "polling"])
def mode(request, monkeypatch) -> str:
    if request.param == "events" and not LINUX:
        pytest.skip("inotify is Linux's")
    if request.param == "polling":
        monkeypatch.setenv(watch.POLL_VARIABLE, "1")
    else:
        monkeypatch.delenv(watch.POLL_VARIABLE, raising=False)
    return request.param


@pytest.fixture
def tree(tmp_path) -> Path:
    """A project: content/ with two explainers, site.yaml beside it, no templates/ yet."""
    (tmp_path / "content" / "explainers").mkdir(parents=True)
    (tmp_path / "content" / "explainers" / "a.md").write_text("one")
    (tmp_path / "content" / "explainers" / "b.md").write_text("two")
    (tmp_path / "site.yaml").write_text("title: T\n")
    return tmp_path


@pytest.fixture
def start(tree, mode) -> Iterator:
    """start(**options) -> (watcher, calls), watching content/, templates/ and site.yaml of `tree`."""
    watchers: list[Watcher] = []

    def start_watcher(**options) -> tuple[Watcher, Calls]:
        calls = Calls()
        roots = [tree / "content", tree / "templates", tree / "site.yaml"]
        watcher = Watcher(roots, calls, **options)
        watcher.start()
        watchers.append(watcher)
        wait_for_mode(watcher, mode)  # the watches are in place
        return watcher, calls

    yield start_watcher
    for watcher in watchers:
        watcher.stop()
    assert not any(t.name == "explainer-watch" for t in threading.enumerate())


def wait_for_mode(watcher: Watcher, mode: str, timeout: float = 5.0) -> None:
    """Until the watcher notices changes in `mode` ("events" or "polling"), its first scan done."""
    deadline = time.monotonic() + timeout
    while (watcher.mode != mode or watcher.full_scans == 0) and time.monotonic() < deadline:
        time.sleep(0.01)
    assert watcher.mode == mode and watcher.full_scans > 0


def one_call_after(calls: Calls, started: float, count: int = 1) -> None:
    """Exactly `count` callbacks so far, the last within LATENCY of `started`."""
    calls.wait_for(count)
    assert calls.calls[-1][0] - started < LATENCY
    time.sleep(CALM)
    assert len(calls.calls) == count, calls.calls


def test_a_save_by_atomic_rename_is_one_callback(tree, start):
    watcher, calls = start()
    started = time.monotonic()
    save(tree / "content" / "explainers" / "a.md", "one, edited")
    one_call_after(calls, started)
    assert calls.names(0, tree) == ["content/explainers/a.md"]


def test_a_new_folder_with_a_file_inside_is_one_callback_and_is_watched(tree, start):
    watcher, calls = start()
    started = time.monotonic()
    (tree / "content" / "dossiers").mkdir()
    (tree / "content" / "dossiers" / "c.md").write_text("three")
    one_call_after(calls, started)
    assert calls.names(0, tree) == ["content/dossiers/c.md"]
    started = time.monotonic()  # the new folder is watched: a save inside it is seen too
    save(tree / "content" / "dossiers" / "c.md", "three, edited")
    one_call_after(calls, started, count=2)
    assert calls.names(1, tree) == ["content/dossiers/c.md"]


def test_a_deletion_is_one_callback(tree, start):
    watcher, calls = start()
    started = time.monotonic()
    (tree / "content" / "explainers" / "b.md").unlink()
    one_call_after(calls, started)
    assert calls.names(0, tree) == ["content/explainers/b.md"]


def test_a_burst_is_one_callback_and_droppings_none(tree, start):
    watcher, calls = start(quiet=0.25)  # well above the 20 ms between saves, even on a busy machine
    folder = tree / "content" / "explainers"
    (folder / ".a.md.swp").write_text("swap")
    (folder / "a.md~").write_text("backup")
    (folder / "4913").write_text("")
    time.sleep(CALM)
    assert calls.calls == []
    for i in range(5):  # five saves 20 ms apart settle into one call
        save(folder / "a.md", f"version {i}")
        (folder / "c.md").write_text(f"new {i}")
        time.sleep(0.02)
    one_call_after(calls, time.monotonic())
    assert calls.names(0, tree) == ["content/explainers/a.md", "content/explainers/c.md"]


def test_a_folder_renamed_within_the_tree(tree, start):
    watcher, calls = start()
    started = time.monotonic()
    os.rename(tree / "content" / "explainers", tree / "content" / "archive")
    one_call_after(calls, started)
    assert calls.names(0, tree) == ["content/archive/a.md", "content/archive/b.md",
                                    "content/explainers/a.md", "content/explainers/b.md"]
    started = time.monotonic()
    save(tree / "content" / "archive" / "a.md", "moved, then edited")
    one_call_after(calls, started, count=2)
    assert calls.names(1, tree) == ["content/archive/a.md"]


def test_a_root_file_and_a_root_created_later(tree, start):
    """site.yaml is a file beside the output folder, and templates/ does not exist at the
    start: both are seen through the project folder's watch."""
    watcher, calls = start()
    started = time.monotonic()
    save(tree / "site.yaml", "title: U\n")
    one_call_after(calls, started)
    assert calls.names(0, tree) == ["site.yaml"]
    (tree / "site").mkdir()  # the output folder and the cache are not watched
    (tree / "site" / "index.html").write_text("<p>built</p>")
    (tree / ".explainer-cache").mkdir()
    time.sleep(CALM)
    assert len(calls.calls) == 1
    started = time.monotonic()
    (tree / "templates").mkdir()
    (tree / "templates" / "page.html").write_text("{{ page }}")
    one_call_after(calls, started, count=2)
    assert calls.names(1, tree) == ["templates/page.html"]


def test_out_of_file_descriptors_nothing_is_taken_for_deleted(tree, start, monkeypatch):
    """While folders cannot be listed (EMFILE: `serve` flooded with connections), no scan
    counts, so no file seems deleted; once they can, the change made meanwhile is built."""
    watcher, calls = start(safety=0.2)
    real_scandir = os.scandir
    failing = threading.Event()
    failing.set()

    def scandir(path):
        if failing.is_set():
            raise OSError(errno.EMFILE, "Too many open files")
        return real_scandir(path)
    monkeypatch.setattr(os, "scandir", scandir)
    (tree / "content" / "dossiers").mkdir()
    (tree / "content" / "dossiers" / "c.md").write_text("three")
    time.sleep(0.6)  # polls, safety rescans and the new folder's scan all fail meanwhile
    assert calls.calls == []
    failing.clear()
    calls.wait_for(1)
    time.sleep(CALM)
    assert [calls.names(i, tree) for i in range(len(calls.calls))] == [["content/dossiers/c.md"]]


# -- idle ---------------------------------------------------------------------------------


@needs_inotify
@pytest.mark.parametrize("mode", ["events"], indirect=True)
def test_an_idle_watcher_on_events_scans_nothing(tree, start):
    """With inotify the only full scan is the first, however long the wait, and edits,
    droppings and the output folder's churn add none; stopping is prompt."""
    watcher, calls = start(safety=600)
    assert watcher.full_scans == 1
    time.sleep(1.5)
    (tree / "content" / "explainers" / ".a.md.swp").write_text("swap")
    (tree / "site").mkdir()
    (tree / "site" / "index.html").write_text("<p>built</p>")
    save(tree / "content" / "explainers" / "a.md", "edited")
    calls.wait_for(1)
    time.sleep(CALM)
    assert watcher.full_scans == 1
    started = time.monotonic()
    watcher.stop()
    assert time.monotonic() - started < 0.5


@needs_inotify
@pytest.mark.parametrize("mode", ["events"], indirect=True)
def test_the_safety_rescan_runs_on_its_own_schedule(tree, start):
    """Rescans come on their own (no event) and no more often than the schedule says. On a
    busy machine a scan may start late, so the test waits for the third (the start's and two
    rescans) rather than counting those of a fixed time, and bounds them by the time taken."""
    started = time.monotonic()
    watcher, calls = start(safety=0.2)
    deadline = started + 30
    while watcher.full_scans < 3 and time.monotonic() < deadline:
        time.sleep(0.05)
    elapsed = time.monotonic() - started
    assert 3 <= watcher.full_scans <= 1 + elapsed / 0.2 + 1
    assert calls.calls == [] and watcher.mode == "events"


@pytest.mark.parametrize("mode", ["polling"], indirect=True)
def test_an_idle_poller_scans_on_its_interval(tree, start):
    watcher, calls = start(poll=0.1)
    time.sleep(1.05)
    assert 2 <= watcher.full_scans <= 12  # about 10; fewer on a busy machine, where a scan takes longer
    assert calls.calls == []


def test_the_polling_interval_grows_with_the_cost_of_a_scan(tree, monkeypatch):
    """At 1 % of a core: a scan of 20 ms is followed by a wait of 2 s (not 100 ms)."""
    monkeypatch.setenv(watch.POLL_VARIABLE, "1")
    watcher = Watcher([tree / "content"], Calls(), poll=0.1)
    real_scan = watch.scan

    def slow_scan(*args, **kwargs):
        time.sleep(0.02)
        return real_scan(*args, **kwargs)
    monkeypatch.setattr(watch, "scan", slow_scan)
    watcher.start()
    try:
        time.sleep(1.0)
        assert watcher.full_scans == 1
    finally:
        watcher.stop()


# -- when events cannot be trusted ------------------------------------------------------------


@needs_inotify
def test_a_change_without_an_event_switches_to_polling(tree, monkeypatch, capsys):
    """An inotify that sees nothing (a network mount, say): the safety rescan finds the
    change, builds it, says so, and from then on the watcher polls."""
    monkeypatch.delenv(watch.POLL_VARIABLE, raising=False)
    monkeypatch.setattr(kernel.Inotify, "add", lambda self, folder: 999999)  # never reports anything
    calls = Calls()
    watcher = Watcher([tree / "content"], calls, safety=0.3)
    watcher.start()
    try:
        wait_for_mode(watcher, "events")
        save(tree / "content" / "explainers" / "a.md", "edited where inotify cannot see")
        calls.wait_for(1)
        assert calls.names(0, tree) == ["content/explainers/a.md"]
        wait_for_mode(watcher, "polling")
        started = time.monotonic()
        (tree / "content" / "explainers" / "b.md").unlink()
        one_call_after(calls, started, count=2)
    finally:
        watcher.stop()
    err = capsys.readouterr().err
    assert err.startswith(f"explainer: a change to {tree / 'content' / 'explainers' / 'a.md'} came without "
                          "a file event (a network or shared folder?); checking for changes by polling instead")


@needs_inotify
def test_a_network_file_system_is_polled(tree, monkeypatch, capsys):
    monkeypatch.delenv(watch.POLL_VARIABLE, raising=False)
    monkeypatch.setattr(kernel, "remote_file_system", lambda path: "nfs4")
    watcher = Watcher([tree / "content"], Calls())
    watcher.start()
    try:
        wait_for_mode(watcher, "polling")
    finally:
        watcher.stop()
    assert capsys.readouterr().err == (f"explainer: {tree / 'content'} is on a nfs4 file system, where changes can "
                                       "come without a file event; checking for changes by polling instead\n")


@needs_inotify
def test_the_watch_limit_switches_to_polling(tree, monkeypatch, capsys):
    monkeypatch.delenv(watch.POLL_VARIABLE, raising=False)

    def refuse(self, folder):
        raise OSError(28, "No space left on device", folder)
    monkeypatch.setattr(kernel.Inotify, "add", refuse)
    calls = Calls()
    watcher = Watcher([tree / "content"], calls)
    watcher.start()
    try:
        wait_for_mode(watcher, "polling")
        started = time.monotonic()
        save(tree / "content" / "explainers" / "a.md", "edited")
        one_call_after(calls, started)
    finally:
        watcher.stop()
    assert "fs.inotify.max_user_watches" in capsys.readouterr().err


@needs_inotify
def test_an_overflowed_queue_means_a_full_scan(tree):
    """IN_Q_OVERFLOW says events were lost: everything is looked at again."""
    events = kernel.Inotify.open()
    assert events is not None
    try:
        model = watch.EventTree([str(tree / "content")], events)
        model.full_scan()
        (tree / "content" / "explainers" / "a.md").write_text("changed")
        (tree / "content" / "explainers" / "new.md").write_text("new")
        events.read()  # the events are lost...
        dirty: set[str] = set()
        assert model.note([kernel.Event(-1, kernel.IN_Q_OVERFLOW, "")], dirty)  # ...and the kernel says so
        changed = model.refresh(dirty)
    finally:
        events.close()
    assert [Path(p).name for p in changed] == ["a.md", "new.md"]


# -- the pieces ------------------------------------------------------------------------------


@pytest.mark.parametrize("name", [".alpha.md.swp", "alpha.md~", "#alpha.md#", ".#alpha.md", "4913",
                                  "alpha.md.tmp", "alpha.md___jb_tmp___", ".goutputstream-X1Y2"])
def test_editor_droppings_are_ignored(name):
    assert is_ignored(name)


events_strategy = st.lists(st.tuples(st.integers(-1, 2**31 - 1), st.integers(0, 2**32 - 1),
                                     st.text(st.characters(blacklist_characters="\0/",
                                                           blacklist_categories=("Cs",)), max_size=40)),
                           max_size=20)


@given(events_strategy)
def test_parse_reads_back_what_the_kernel_writes(events):
    """Records as the kernel lays them out: the name NUL-padded to a multiple of 16."""
    data = b""
    for wd, mask, name in events:
        raw = os.fsencode(name)
        padded = raw + b"\0" * (16 - len(raw) % 16) if raw else b""
        data += struct.pack("iIII", wd, mask, 0, len(padded)) + padded
    assert kernel.parse(data) == [kernel.Event(wd, mask, name) for wd, mask, name in events]


MOUNTINFO = """\
22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw
40 22 0:35 / /mnt/share rw,relatime shared:20 - nfs4 server:/export rw,vers=4.2
41 40 8:2 / /mnt/share/local rw,relatime shared:21 - ext4 /dev/sda2 rw
42 22 0:36 / /mnt/my\\040drive rw - 9p drvfs rw
43 22 0:37 / /srv/docs rw - fuse.sshfs host:/docs rw,user_id=0
"""


@pytest.mark.parametrize("path,kind", [
    ("/mnt/share/project/content", "nfs4"), ("/mnt/share", "nfs4"), ("/mnt/shared/project", None),
    ("/mnt/share/local/project", None), ("/mnt/my drive/x", "9p"), ("/srv/docs/content", "fuse.sshfs"),
    ("/home/ann/project", None),
])
def test_remote_file_systems_are_named(tmp_path, path, kind):
    mountinfo = tmp_path / "mountinfo"
    mountinfo.write_text(MOUNTINFO)
    assert kernel.remote_file_system(path, str(mountinfo)) == kind
