"""Where `fork`, `fcntl`, `renameat2`, folder descriptors or the Rust Markdown engine are
missing (Windows, macOS, Python 3.13), the generator takes its portable ways (see
generator/compat.py) and writes the same bytes.

Each fallback is forced on Linux: in this process by monkeypatching, and, for the whole
command line, by `tests/no_posix.py`, which takes all of them away before the generator is
imported."""

from __future__ import annotations

import hashlib
import http.client
import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from generator import compat, write
from generator.workers import parallel, shards
from generator.incremental import stamps
from generator.config import BuildOptions
from generator.pipeline import Builder
from helpers import EXAMPLE_BASE_URL, REPO, copy_example
from no_posix import fake_msvcrt

sys.path.insert(0, str(REPO / "bench"))
from synth import MARKER  # noqa: E402
from synth import make_project as synth_project  # noqa: E402

GOLDEN = REPO / "tests/golden/example"
NO_POSIX = [sys.executable, str(REPO / "tests/no_posix.py")]
BASE = "https://example.org/x/"

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="the fast paths taken away are Linux's")


@pytest.fixture(autouse=True)
def fast_paths_unless_a_test_asks(monkeypatch) -> None:
    """Each test takes away what it tests, from the fast paths (also in a suite run with
    EXPLAINER_FALLBACKS set)."""
    monkeypatch.delenv("EXPLAINER_FALLBACKS", raising=False)


def tree(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def beside(root: Path) -> list[str]:
    """What builds left beside site/."""
    return sorted(name for name in os.listdir(root) if name.startswith(".site."))


def clean_build(root: Path, out: Path) -> dict[str, str]:
    Builder(BuildOptions(root, out, base_url=BASE, jobs=1), use_cache=False).build()
    return tree(out)


def no_posix(*args: object, cwd: Path, **popen: object) -> subprocess.Popen[str]:
    """`explainer ARGS` as on a platform without fork, fcntl, renameat2 and pyrs."""
    return subprocess.Popen([*NO_POSIX, *map(str, args)], cwd=cwd, text=True, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, **popen)  # type: ignore[call-overload]


def normal(*args: object, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "generator", *map(str, args)], cwd=cwd, text=True,
                          capture_output=True, timeout=120)


# -- the whole command line without them ---------------------------------------------------------

def test_without_them_build_writes_the_golden_site_then_swaps_in_a_new_one(tmp_path) -> None:
    root = copy_example(tmp_path / "project")
    for args in (["build"], ["build", "--clean"]):  # the second replaces an existing site/
        proc = no_posix(*args, "--root", root, "--base-url", EXAMPLE_BASE_URL, cwd=tmp_path)
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
        assert "Traceback" not in err
        assert tree(root / "site") == tree(GOLDEN)
    # The lock is a file there (as on Windows); nothing else is left beside the site.
    assert beside(root) == [".site.lock"]


def test_without_them_check_and_new_say_and_write_what_they_do_here(tmp_path) -> None:
    for name in ("portable", "normal"):
        (tmp_path / name / "content/explainers").mkdir(parents=True)
        (tmp_path / name / "content/explainers/bad.md").write_text(
            "---\ntitle: A\nsummary: S\npublished: 2024-02-30\nactors: 3\n---\nSee [x](@nobody).\n", "utf-8")
    proc = no_posix("check", "--root", tmp_path / "portable", cwd=tmp_path)
    _, err = proc.communicate(timeout=60)
    expected = normal("check", "--root", tmp_path / "normal", cwd=tmp_path)
    assert (proc.returncode, err.replace("portable", "normal")) == (1, expected.stderr)
    assert len(err.splitlines()) == 4  # three errors and their count
    proc = no_posix("new", "Flood barrier vote", "--root", tmp_path / "portable", cwd=tmp_path)
    out, err = proc.communicate(timeout=60)
    assert (proc.returncode, out, err) == (0, "content/explainers/flood-barrier-vote.md\n", "")
    assert normal("new", "Flood barrier vote", "--root", tmp_path / "normal", cwd=tmp_path).returncode == 0
    made = "content/explainers/flood-barrier-vote.md"
    assert (tmp_path / "portable" / made).read_bytes() == (tmp_path / "normal" / made).read_bytes()


def test_without_them_serve_serves_the_site_and_stops(tmp_path) -> None:
    root = copy_example(tmp_path / "project")
    proc = no_posix("serve", "--root", root, "--port", "0", cwd=root)
    try:
        url = proc.stdout.readline().strip()  # type: ignore[union-attr]
        assert url.startswith("http://127.0.0.1:"), proc.stderr.read() if proc.poll() is not None else url  # type: ignore[union-attr]
        conn = http.client.HTTPConnection("127.0.0.1", int(url.rstrip("/").rsplit(":", 1)[1]), timeout=30)
        conn.request("GET", "/crocus-city-hall-attack/")
        response = conn.getresponse()
        assert response.status == 200
        assert b"Crocus City Hall" in response.read()
        conn.close()
    finally:
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    assert "Traceback" not in err
    assert err.splitlines()[-1] == "explainer: stopped"


# -- no fork: the work in this process ------------------------------------------------------------

@pytest.mark.parametrize("platform, has_fork, forced, expected", [
    ("linux", True, "", True),
    ("linux", True, "fork", False),
    ("linux", True, "all", False),
    ("linux", False, "", False),
    ("darwin", True, "", False),  # fork is unsafe with macOS's system libraries
    ("freebsd14", True, "", True),
    ("win32", False, "", False),
])
def test_workers_are_forked_only_where_that_is_safe(monkeypatch, platform, has_fork, forced, expected) -> None:
    monkeypatch.setattr(sys, "platform", platform)
    if not has_fork:
        monkeypatch.delattr(os, "fork")
    monkeypatch.setenv("EXPLAINER_FALLBACKS", forced)
    assert compat.can_fork() is expected


def test_without_fork_a_build_compiles_and_renders_here_and_writes_the_same_site(tmp_path, monkeypatch) -> None:
    """The same site as with forked workers, compiled (`shards`) and rendered (`parallel`)
    in this process: no worker is started."""
    root = synth_project(tmp_path / "p", 12, shared_pool=5, body_words=150)
    monkeypatch.setattr(shards, "MIN_EXPLAINERS_PER_WORKER", 1)
    monkeypatch.setattr(parallel, "MIN_JOBS_PER_WORKER", 1)
    pools: list[int] = []
    original = parallel.run_forked
    monkeypatch.setattr(parallel, "run_forked", lambda share, workers, *rest: pools.append(workers)
                        or original(share, workers, *rest))
    Builder(BuildOptions(root, tmp_path / "forked", base_url=BASE, jobs=2), use_cache=False).build()
    assert pools == [2, 2]  # compile and render pools
    monkeypatch.delattr(os, "fork")
    pools.clear()
    Builder(BuildOptions(root, tmp_path / "here", base_url=BASE, jobs=2), use_cache=False).build()
    assert pools == []
    assert tree(tmp_path / "here") == tree(tmp_path / "forked")
    assert len(tree(tmp_path / "here")) > 30


def test_without_fork_the_outputs_check_runs_when_asked(tmp_path, monkeypatch) -> None:
    monkeypatch.delattr(os, "fork")
    (tmp_path / "site/a").mkdir(parents=True)
    (tmp_path / "site/a/index.html").write_text("x")
    with stamps.OutputsCheck(tmp_path / "site", {"a/index.html": ""}) as check:
        assert check.pid == 0
        assert check.all_exist()
    with stamps.OutputsCheck(tmp_path / "site", {"a/index.html": "", "b/index.html": ""}) as check:
        assert not check.all_exist()


def test_without_folder_descriptors_outputs_are_looked_up_by_path(tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(compat, "FOLDER_DESCRIPTORS", False)
    monkeypatch.setattr(os, "stat", lambda *args, dir_fd=None, **kwargs: pytest.fail("stat with dir_fd")
                        if dir_fd is not None else os.lstat(*args))
    (tmp_path / "site/a").mkdir(parents=True)
    (tmp_path / "site/a/index.html").write_text("x")
    assert stamps.all_exist(tmp_path / "site", {"a/index.html": "", "a": ""})
    assert not stamps.all_exist(tmp_path / "site", {"a/index.html": "", "b.html": ""})
    assert not stamps.all_exist(tmp_path / "site", {"a\x00": ""})  # a tampered cache


# -- no folder descriptors, no O_NOFOLLOW, no user ids: the cache's files (Windows) --------------

def hostile_tree(tmp_path: Path) -> tuple[Path, Path]:
    """A folder to delete holding files, a nested folder, and links to a folder outside."""
    outside = tmp_path / "outside"
    (outside / "deep").mkdir(parents=True)
    (outside / "deep/precious.txt").write_text("keep")
    tree = tmp_path / "tree"
    (tree / "sub/subsub").mkdir(parents=True)
    (tree / "sub/subsub/file.txt").write_text("x")
    (tree / "file.txt").write_text("y")
    (tree / "link-to-outside").symlink_to(outside)
    (tree / "sub/link-to-deep").symlink_to(outside / "deep")
    return tree, outside


def test_without_folder_descriptors_a_tree_is_deleted_by_path_never_through_a_link(tmp_path, monkeypatch) -> None:
    from generator import safefs
    monkeypatch.setattr(compat, "FOLDER_DESCRIPTORS", False)
    tree, outside = hostile_tree(tmp_path)
    safefs.remove_tree(tree)
    assert not os.path.lexists(tree)
    assert (outside / "deep/precious.txt").read_text() == "keep"
    tree, outside = hostile_tree(tmp_path / "again")
    info = os.lstat(tree)
    safefs.empty_folder(str(tree), info.st_dev, info.st_ino)
    assert os.listdir(tree) == [] and (outside / "deep/precious.txt").read_text() == "keep"
    (tree / "file.txt").write_text("y")
    safefs.empty_folder(str(tree), info.st_dev, info.st_ino + 1)  # not the folder it was given
    assert os.listdir(tree) == ["file.txt"]


def test_without_o_nofollow_a_cache_file_that_is_a_link_is_not_read(tmp_path, monkeypatch) -> None:
    from generator import safefs
    monkeypatch.setattr(compat, "O_NOFOLLOW", 0)
    monkeypatch.setattr(safefs, "_READ_FLAGS", os.O_RDONLY)
    (tmp_path / "secret").write_bytes(b"not yours")
    (tmp_path / "state.json").symlink_to(tmp_path / "secret")
    with pytest.raises(OSError):
        safefs.read_file(tmp_path / "state.json")
    (tmp_path / "plain.json").write_bytes(b"{}")
    assert safefs.read_file(tmp_path / "plain.json") == b"{}"


def test_without_user_ids_the_key_lives_in_a_real_folder_and_file(tmp_path, monkeypatch) -> None:
    """Windows: no owner id, mode bits made up (every folder 0777): the key is kept and read in
    a real folder, as a real file; a link in place of either is refused."""
    from generator.incremental import cache, userkey
    monkeypatch.delattr(os, "getuid")
    monkeypatch.setattr(userkey, "_MODES_MEAN_SOMETHING", False)
    monkeypatch.setattr(userkey, "_known", {})
    monkeypatch.setattr(compat, "O_NOFOLLOW", 0)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    (tmp_path / "cache/explainer").mkdir(parents=True, mode=0o777)
    os.chmod(tmp_path / "cache/explainer", 0o777)  # what Windows reports for every folder
    key = userkey.key()
    assert key is not None and len(key) == userkey.KEY_BYTES
    monkeypatch.setattr(userkey, "_known", {})
    assert userkey.key() == key  # read back, not made anew
    (tmp_path / "project/.explainer-cache").mkdir(parents=True)
    assert cache.folder_problem(tmp_path / "project") is None
    monkeypatch.setattr(userkey, "_known", {})
    key_file = tmp_path / "cache/explainer" / userkey.KEY_NAME
    key_file.unlink()
    (tmp_path / "elsewhere").write_bytes(b"k" * userkey.KEY_BYTES)
    key_file.symlink_to(tmp_path / "elsewhere")
    assert userkey.key() is None and "a link" in (userkey.problem() or "")


def test_a_build_without_them_uses_its_cache(tmp_path) -> None:
    """The second build of an unchanged project (as on Windows) writes nothing: the sealed cache
    works there too."""
    root = copy_example(tmp_path / "project")
    lines = []
    for _ in range(2):
        proc = no_posix("build", "--root", root, "--base-url", EXAMPLE_BASE_URL, cwd=tmp_path)
        _, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
        lines.append(err.splitlines()[-1])
    first = re.search(r" (\d+) written, 0 unchanged", lines[0])
    second = re.search(r" 0 written, (\d+) unchanged", lines[1])
    assert first and second and first.group(1) == second.group(1), lines
    assert tree(root / "site") == tree(GOLDEN)


# -- no renameat2: two renames --------------------------------------------------------------------

def test_exchange_swaps_two_folders_on_linux_and_declines_when_told(tmp_path, monkeypatch) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "a/one").write_text("a")
    (tmp_path / "b").mkdir()
    assert compat.exchange(tmp_path / "a", tmp_path / "b")
    assert os.listdir(tmp_path / "b") == ["one"] and os.listdir(tmp_path / "a") == []
    monkeypatch.setenv("EXPLAINER_FALLBACKS", "renameat2")
    assert not compat.exchange(tmp_path / "a", tmp_path / "b")
    assert os.listdir(tmp_path / "b") == ["one"]


def test_renameat2_is_looked_up_on_linux_only(monkeypatch) -> None:
    compat._renameat2.cache_clear()
    monkeypatch.setattr(sys, "platform", "darwin")
    try:
        assert compat._renameat2() is None
        assert not compat.exchange(Path("/nonexistent/a"), Path("/nonexistent/b"))
    finally:
        compat._renameat2.cache_clear()


def test_without_renameat2_every_kind_of_build_writes_the_site_of_a_clean_build(tmp_path, monkeypatch) -> None:
    """Full builds, incremental ones (previous generation exchanged with site/, or unchanged
    files linked into staging) and a one-explainer edit (its folder alone, file by file here)."""
    monkeypatch.setenv("EXPLAINER_FALLBACKS", "renameat2")
    swaps: list[Path] = []
    original = write._rename_swap
    monkeypatch.setattr(write, "_rename_swap", lambda staging, out: swaps.append(out) or original(staging, out))
    root = synth_project(tmp_path / "p", 6, shared_pool=3, body_words=80)
    out = root / "site"

    def build_and_compare(step: str) -> None:
        Builder(BuildOptions(root, out, base_url=BASE, jobs=1)).build()
        assert tree(out) == clean_build(root, tmp_path / f"clean-{step}"), step
        assert beside(root) == [], step

    build_and_compare("first")
    Builder(BuildOptions(root, out, base_url=BASE, jobs=1), read_cache=False).build()  # a full build over site/
    assert tree(out) == clean_build(root, tmp_path / "clean-full")
    site_yaml = root / "site.yaml"
    site_yaml.write_text(site_yaml.read_text().replace("Synthetic explainers", "Other explainers"))
    build_and_compare("every page")
    site_yaml.write_text(site_yaml.read_text().replace("Other explainers", "Synthetic explainers"))
    build_and_compare("every page again")  # now from the previous generation
    one = root / "content/explainers/explainer-2.md"
    one.write_text(one.read_text().replace(MARKER, "edited-marker", 1))
    build_and_compare("one explainer")
    (root / "content/explainers/explainer-3.md").unlink()
    build_and_compare("one explainer fewer")
    assert len(swaps) >= 4


def test_a_failed_rename_swap_puts_the_old_site_back(tmp_path, monkeypatch) -> None:
    site, staging = tmp_path / "site", tmp_path / ".site.staging-x"
    site.mkdir()
    (site / "index.html").write_text("old")
    staging.mkdir()
    (staging / "index.html").write_text("new")
    monkeypatch.setenv("EXPLAINER_FALLBACKS", "renameat2")
    rename = os.rename

    def failing(source: object, dest: object) -> None:
        if Path(str(source)) == staging:
            raise PermissionError(13, "in use", str(source))  # Windows, with a file of it open
        rename(source, dest)

    monkeypatch.setattr(os, "rename", failing)
    with pytest.raises(PermissionError):
        write.swap_in(staging, site)
    assert (site / "index.html").read_text() == "old"
    assert sorted(os.listdir(tmp_path)) == [".site.staging-x", "site"]


def test_recover_puts_back_a_site_that_a_killed_rename_swap_moved_aside(tmp_path) -> None:
    site = tmp_path / "site"
    (tmp_path / ".site.old-4242-0a0b0c0d").mkdir()
    (tmp_path / ".site.old-4242-0a0b0c0d/index.html").write_text("old")
    (tmp_path / ".site.staging-abc").mkdir()  # the new site, never swapped in
    write.recover(site)
    assert (site / "index.html").read_text() == "old"
    assert os.listdir(tmp_path) == ["site"]
    (tmp_path / ".site.old-4242-0a0b0c0d").mkdir()  # left by a swap that finished: deleted
    write.recover(site)
    assert os.listdir(tmp_path) == ["site"]


# -- no fcntl: a lock file -------------------------------------------------------------------------

@pytest.fixture(params=["msvcrt", "flock on a file"])
def file_lock(request, monkeypatch) -> str:
    """The lock-file lock: with Windows' msvcrt (a stand-in), or with flock where asked for."""
    if request.param == "msvcrt":
        monkeypatch.setattr(compat, "fcntl", None)
        monkeypatch.setattr(compat, "msvcrt", fake_msvcrt())
        monkeypatch.setattr(compat, "LOCK_RETRY_SECONDS", 0.01)
    else:
        monkeypatch.setenv("EXPLAINER_FALLBACKS", "flock")
    return request.param


def test_the_lock_file_makes_a_second_writer_wait(tmp_path, file_lock) -> None:
    out = tmp_path / "site"
    order: list[str] = []
    holding = threading.Event()

    def first() -> None:
        with write.lock(out):
            order.append("first in")
            holding.set()
            time.sleep(0.5)
            order.append("first out")

    def second() -> None:
        holding.wait(10)
        with write.lock(out):
            order.append("second in")

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert order == ["first in", "first out", "second in"]
    assert os.listdir(tmp_path) == [".site.lock"]


def test_a_build_waits_for_the_lock_file_held_by_another_process(tmp_path, monkeypatch) -> None:
    """This process holds the lock as Windows would; a build without fcntl starts, waits, and
    writes the site once the lock is released."""
    monkeypatch.setattr(compat, "fcntl", None)
    monkeypatch.setattr(compat, "msvcrt", fake_msvcrt())
    root = copy_example(tmp_path / "project")
    with write.lock(root / "site"):
        proc = no_posix("build", "--root", root, "--base-url", EXAMPLE_BASE_URL, cwd=tmp_path)
        time.sleep(3)
        assert proc.poll() is None
        assert not (root / "site").exists()
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    assert tree(root / "site") == tree(GOLDEN)


def test_two_builds_without_fcntl_at_once_both_finish_with_one_site(tmp_path) -> None:
    root = copy_example(tmp_path / "project")
    procs = [no_posix("build", "--root", root, "--base-url", EXAMPLE_BASE_URL, *extra, cwd=tmp_path)
             for extra in ([], ["--clean"])]
    for proc in procs:
        _, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
    assert tree(root / "site") == tree(GOLDEN)
    assert beside(root) == [".site.lock"]
