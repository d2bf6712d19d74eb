"""Crash safety: builds killed mid-way, a build beside `serve`, a damaged cache (issue #7, part 4).

- A `build`, full (`--clean`) or incremental, killed with SIGKILL at a random moment leaves
  site/ exactly the old site or exactly the new one, and the next build gives the clean-build
  result. An incremental build brings the previous generation (`.explainer-cache/previous-*`) up to date
  while nobody reads it, or the first time hard-links the unchanged files into its staging
  folder, and swaps the whole site in, as a full build does, with one `renameat2` exchange.
- `serve` updates site/ file by file (faster), after writing a journal: killed half-way, the
  next build replays the journal and gives the clean-build result.
- `serve` and several `build`s of one project, with files edited meanwhile, never show a
  reader a missing or half-written page, and end with the clean-build result.
- A truncated or corrupt `.explainer-cache/` only costs time.

Projects come from bench/synth.py. CI kills 3 builds of each kind in a 60-explainer project
(enough for a full build to compile on its workers, see generator/shards.py);
the long run (`HYPOTHESIS_PROFILE=long`, see helpers.py) 10 of each in 300.
"""

from __future__ import annotations

import http.client
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from helpers import LONG, REPO, assert_clean_cli, examples, run_explainer, tree_digest
from generator import compat

from generator.incremental import userkey

sys.path.insert(0, str(REPO / "bench"))
from synth import MARKER
from synth import make_project as synth_project

# Where the new site replaces the old in two renames (EXPLAINER_FALLBACKS=renameat2, as on
# macOS and Windows), there is an instant without site/, which these tests would rightly see.
pytestmark = pytest.mark.skipif(sys.platform != "linux" or compat.forced_fallback("renameat2"),
                                reason="SIGKILL timing and renameat2 are Linux's")

EXPLAINERS = examples(60, 300)
KILLS = examples(3, 10)
SEED = int(os.environ.get("HARDENING_SEED") or (random.randrange(1 << 30) if LONG else 7))
"""Kill delays are random; CI uses a fixed seed, the long run a fresh one (printed, and in
every failure message); `HARDENING_SEED` replays one."""


def leftovers(root: Path) -> list[str]:
    """What a build left beside site/ (the previous generation it keeps is in the cache's
    folder: see `write`)."""
    return [n for n in os.listdir(root) if n.startswith(".site.")]


def files_of(site: Path) -> dict[str, str]:
    """The regular files of a site with a digest of each (folders left out)."""
    return {k: v for k, v in tree_digest(site).items() if v not in ("<dir>", "<link>")}


def set_state(root: Path, state: str, store: Path) -> None:
    """Two versions of one project. B differs from A in the site title (so every page changes
    and an incremental build rewrites everything), one explainer's body, one explainer that only
    A has and one that only B has (pages created and deleted)."""
    site_yaml = root / "site.yaml"
    text = site_yaml.read_text("utf-8")
    title_a, title_b = "title: Synthetic explainers\n", "title: Synthetic explainers, version B\n"
    site_yaml.write_text(text.replace(title_a, title_b) if state == "B" else text.replace(title_b, title_a), "utf-8")
    one = root / "content/explainers/explainer-1.md"
    body = one.read_text("utf-8")
    word_a, word_b = f" {MARKER} ", " lodestone "
    one.write_text(body.replace(word_a, word_b) if state == "B" else body.replace(word_b, word_a), "utf-8")
    only_a, only_b = root / "content/explainers/explainer-2.md", root / "content/explainers/only-in-b.md"
    if state == "B":
        if only_a.exists():
            only_a.rename(store / "explainer-2.md")
        only_b.write_text((store / "only-in-b.md").read_text("utf-8"), "utf-8")
    else:
        only_b.unlink(missing_ok=True)
        if (store / "explainer-2.md").exists():
            (store / "explainer-2.md").rename(only_a)


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, dict[str, dict[str, str]], float]:
    """(project in state A, a store for set_state, reference sites by state, clean-build seconds)."""
    base = tmp_path_factory.mktemp("crash")
    root = synth_project(base / "project", EXPLAINERS)
    store = base / "store"
    store.mkdir()
    extra = (root / "content/explainers/explainer-3.md").read_text("utf-8").replace("Explainer 3:", "Only in B:")
    (store / "only-in-b.md").write_text(extra, "utf-8")
    references = {}
    seconds = 0.0
    for state in ("A", "B"):
        set_state(root, state, store)
        run = run_explainer("build", "--root", root, "--clean", "--out", base / f"reference-{state}")
        assert run.code == 0, run.err
        seconds = max(seconds, run.seconds)
        references[state] = files_of(base / f"reference-{state}")
        shutil.rmtree(base / f"reference-{state}")
    assert references["A"] != references["B"]
    set_state(root, "A", store)
    shutil.rmtree(root / ".explainer-cache", ignore_errors=True)
    return root, store, references, seconds


def start_build(root: Path, *args: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-m", "generator", "build", "--root", str(root), *args],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)


STRATEGIES = {"clean": ("anywhere", "while writing", "near the end"),
              "incremental": ("anywhere", "while writing", "while applying")}


def kill_at_random(proc: subprocess.Popen[bytes], root: Path, rng: random.Random, seconds: float,
                   strategy: str) -> str:
    """SIGKILL the build (and its render workers) at a random moment: anywhere in its run, just
    after its staging folder appears (rendering, writing, swapping), or near its end."""
    started = time.monotonic()
    if strategy == "anywhere":
        time.sleep(rng.uniform(0.0, seconds * 1.1))
    elif strategy == "near the end":
        time.sleep(rng.uniform(seconds * 0.7, seconds * 1.2))
    elif strategy == "while applying":  # an incremental build's journal is there: files are moving
        deadline = time.monotonic() + seconds * 3 + 5
        while time.monotonic() < deadline and proc.poll() is None:
            if list(root.glob(".site.staging-*/.explainer-apply.json")):
                break
            time.sleep(0.0005)
        time.sleep(rng.uniform(0.0, 0.01))
    else:
        deadline = time.monotonic() + seconds * 3 + 5
        while time.monotonic() < deadline and proc.poll() is None:
            if any(name.startswith(".site.staging-") for name in os.listdir(root)):
                break
            time.sleep(0.001)
        time.sleep(rng.uniform(0.0, seconds * 0.5))
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    proc.wait()
    return f"{strategy} after {time.monotonic() - started:.2f} s"


@pytest.mark.parametrize("mode", ["clean", "incremental"])
def test_killed_builds_leave_the_old_or_the_new_site(synthetic, mode: str) -> None:
    root, store, references, seconds = synthetic
    rng = random.Random(f"{SEED}-{mode}")
    site = root / "site"
    first = run_explainer("build", "--root", root, "--clean")
    assert first.code == 0, first.err
    assert files_of(site) == references["A"]
    state = "A"
    outcomes: list[str] = []
    for trial in range(KILLS):
        old, state = state, "B" if state == "A" else "A"
        set_state(root, state, store)
        proc = start_build(root, *(["--clean"] if mode == "clean" else []))
        strategy = STRATEGIES[mode][trial % 3] if not LONG else rng.choice(STRATEGIES[mode])
        when = kill_at_random(proc, root, rng, seconds, strategy)
        now = files_of(site)
        label = f"seed {SEED}, trial {trial} ({mode}, killed {when}, exit {proc.returncode})"
        if now == references[old]:
            outcomes.append(f"old ({when})")
        elif now == references[state]:
            outcomes.append(f"new ({when})")
        else:
            mixed = sorted(p for p in set(now) | set(references[state]) if now.get(p) != references[state].get(p))
            raise AssertionError(f"{label}: site/ is neither the old nor the new site: {mixed[:5]}")
        after = run_explainer("build", "--root", root)
        assert_clean_cli(after.code, after.err, allowed=(0,))
        assert files_of(site) == references[state], f"{label}: the next build did not give the clean result"
        assert not leftovers(root), f"{label}: leftovers beside site/"
    print(f"{mode}: {KILLS} kills, outcomes {outcomes}, seed {SEED}")
    report = os.environ.get("HARDENING_REPORT")
    if report:
        with open(report, "a", encoding="utf-8") as handle:
            handle.write(json.dumps({"test": "kill", "mode": mode, "explainers": EXPLAINERS, "kills": KILLS,
                                     "outcomes": outcomes, "seed": SEED}) + "\n")
    set_state(root, "A", store)
    run_explainer("build", "--root", root)


SERVE_KILLED_MID_UPDATE = """
import os, signal, sys
from pathlib import Path
from generator.config import BuildOptions
from generator.pipeline import Builder
root = Path(sys.argv[1])
builder = Builder(BuildOptions(root=root, out_dir=root / "site", jobs=1), resident=True)
builder.build()
for i in range(4):
    path = root / f"content/explainers/e{i}.md"
    path.write_text(path.read_text().replace("Version one.", f"Version two of {i}."))
original = os.replace
def replace(src, dst, *a, **k):
    original(src, dst, *a, **k)
    if os.sep + "site" + os.sep in os.fspath(dst):
        os.kill(os.getpid(), signal.SIGKILL)
os.replace = replace
builder.build()
"""
"""`serve`'s Builder (resident) rebuilding after an edit, killed after its first file is renamed
into site/."""


def test_serve_killed_mid_update_is_finished_by_the_next_build(project, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    root = project({f"content/explainers/e{i}.md": f"---\ntitle: E{i}\nsummary: S\npublished: 2024-01-0{i + 1}\n"
                                                   f"---\nVersion one.\n" for i in range(4)})
    code = subprocess.run([sys.executable, "-c", SERVE_KILLED_MID_UPDATE, str(root)], cwd=REPO).returncode
    assert code == -signal.SIGKILL
    journals = list(root.glob(".site.staging-*/.explainer-apply.json"))
    assert journals, "the update was interrupted with its journal in place"
    assert run_explainer("build", "--root", root, "--clean", "--out", tmp_path / "new").code == 0
    run = run_explainer("build", "--root", root)
    assert run.code == 0, run.err
    assert files_of(root / "site") == files_of(tmp_path / "new")
    assert not leftovers(root)


KILL_AFTER = """
import os, signal, sys
from generator import cli, write
original = getattr(write, sys.argv[1])
count = [0]
def replacement(*args, **kwargs):
    result = original(*args, **kwargs)
    count[0] += 1
    if count[0] >= int(sys.argv[2]):
        os.kill(os.getpid(), signal.SIGKILL)
    return result
setattr(write, sys.argv[1], replacement)
sys.exit(cli.main(sys.argv[3:]))
"""
"""Run the command line, SIGKILLing itself right after the n-th call of a `generator.write` function."""


def build_killed_after(root: Path, function: str, calls: int, *args: str) -> int:
    proc = subprocess.run([sys.executable, "-c", KILL_AFTER, function, str(calls), "build", "--root", str(root),
                           *args], cwd=REPO, capture_output=True)
    return proc.returncode


@pytest.fixture
def small(project) -> Path:  # type: ignore[no-untyped-def]
    """A small published project plus a draft."""
    return project({
        "content/explainers/pub.md": "---\ntitle: Public\nsummary: S\npublished: 2024-01-01\n---\nBody.\n",
        "content/explainers/secret.md": "---\ntitle: Secret draft\nsummary: S\npublished: 2024-01-01\n"
                                        "draft: true\n---\nThe scoop.\n",
    })


def test_a_killed_drafts_build_does_not_leave_drafts_behind(small: Path) -> None:
    assert run_explainer("build", "--root", small).code == 0
    assert not (small / "site/secret").exists()
    assert build_killed_after(small, "swap_in", 1, "--drafts") == -signal.SIGKILL
    assert (small / "site/secret/index.html").is_file()  # the killed build got as far as the swap
    run = run_explainer("build", "--root", small)
    assert run.code == 0, run.err
    assert not (small / "site/secret").exists(), "a draft survived into a plain build"


@pytest.mark.parametrize("generation", ["first edit", "later edit"])
@pytest.mark.parametrize("when", ["before", "after"])
def test_killed_incremental_build_leaves_the_old_or_the_new_site(project, tmp_path: Path, when: str,  # type: ignore[no-untyped-def]
                                                                 generation: str) -> None:
    root = project({f"content/explainers/e{i}.md": f"---\ntitle: E{i}\nsummary: S\npublished: 2024-01-0{i + 1}\n"
                                                   f"---\nVersion one.\n" for i in range(4)})
    assert run_explainer("build", "--root", root).code == 0
    if generation == "later edit":  # the first edit leaves a previous generation; this one updates it
        path = root / "content/explainers/e3.md"  # a new title shows on the home page: the whole site
        path.write_text(path.read_text().replace("Version one.", "Version one and a half.")
                        .replace("title: E3", "title: E3 again"))
        assert run_explainer("build", "--root", root).code == 0
        (previous,) = (root / ".explainer-cache").glob("previous-*")
        assert (previous / "e3/index.html").is_file()
    old = files_of(root / "site")
    for i in range(4):
        path = root / f"content/explainers/e{i}.md"
        path.write_text(path.read_text().replace("Version one.", f"Version two of {i}.")
                        .replace("Version one and a half.", f"Version two of {i}."))
    assert run_explainer("build", "--root", root, "--clean", "--out", tmp_path / "new").code == 0
    new = files_of(tmp_path / "new")
    code = subprocess.run([sys.executable, "-c", KILL_AT_SWAP, str(root), when], cwd=REPO).returncode
    assert code == -signal.SIGKILL
    now = files_of(root / "site")
    assert now == (old if when == "before" else new), "site/ mixed two builds"
    next_build = run_explainer("build", "--root", root)
    assert next_build.code == 0 and files_of(root / "site") == new
    assert not leftovers(root)


KILL_AT_SWAP = """
import os, signal, sys
from generator import cli, write
original = write.swap_in
def swap_in(staging, out_dir, **keep):
    if sys.argv[2] == "before":
        os.kill(os.getpid(), signal.SIGKILL)
    original(staging, out_dir, **keep)
    os.kill(os.getpid(), signal.SIGKILL)
write.swap_in = swap_in
sys.exit(cli.main(["build", "--root", sys.argv[1]]))
"""
"""An incremental `build` killed just before, or just after, it swaps the new site in: an
incremental build swaps in a whole site (unchanged files hard-linked), like a full one."""


@pytest.mark.parametrize("when", ["before", "after"])
def test_a_killed_body_edit_leaves_the_old_or_the_new_folder(project, tmp_path: Path, when: str) -> None:  # type: ignore[no-untyped-def]
    """A body edit replaces its explainer's folder alone, in one exchange (see
    generator/shortcut.py): killed just before or after it, site/ is the old site or the new."""
    root = project({f"content/explainers/e{i}.md": f"---\ntitle: E{i}\nsummary: S\npublished: 2024-01-0{i + 1}\n"
                                                   f"---\nVersion one.\n" for i in range(3)})
    assert run_explainer("build", "--root", root).code == 0
    old = files_of(root / "site")
    path = root / "content/explainers/e1.md"
    path.write_text(path.read_text().replace("Version one.", "Version two."))
    assert run_explainer("build", "--root", root, "--clean", "--out", tmp_path / "new").code == 0
    new = files_of(tmp_path / "new")
    assert {p for p in new if new[p] != old.get(p)} == {"e1/index.html", "e1/explainer.json"}
    code = subprocess.run([sys.executable, "-c", KILL_AT_FOLDER, str(root), when], cwd=REPO).returncode
    assert code == -signal.SIGKILL
    assert files_of(root / "site") == (old if when == "before" else new), "site/ mixed two builds"
    next_build = run_explainer("build", "--root", root)
    assert next_build.code == 0 and files_of(root / "site") == new
    assert not leftovers(root)


KILL_AT_FOLDER = KILL_AT_SWAP.replace("swap_in", "replace_folder").replace(
    "def replace_folder(staging, out_dir, **keep)", "def replace_folder(staging, out_dir, folder)").replace(
    "original(staging, out_dir, **keep)", "original(staging, out_dir, folder)")


# -- build and serve at once --------------------------------------------------------------------

class Serve:
    def __init__(self, root: Path):
        self.proc = subprocess.Popen([sys.executable, "-m", "generator", "serve", "--root", str(root), "--port", "0"],
                                     cwd=root, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        line = self.proc.stdout.readline()  # type: ignore[union-attr]
        assert line.startswith("http://"), self.proc.stderr.read() if self.proc.poll() is not None else line  # type: ignore[union-attr]
        host_port = line.strip().removeprefix("http://").rstrip("/")
        self.host, port = host_port.rsplit(":", 1)
        self.port = int(port)
        self.err: list[str] = []
        threading.Thread(target=lambda: self.err.extend(self.proc.stderr), daemon=True).start()  # type: ignore[arg-type]

    def get(self, path: str) -> tuple[int, bytes]:
        conn = http.client.HTTPConnection(self.host, self.port, timeout=10)
        try:
            conn.request("GET", path)
            response = conn.getresponse()
            return response.status, response.read()
        finally:
            conn.close()

    def stop(self) -> int:
        self.proc.send_signal(signal.SIGTERM)
        return self.proc.wait(30)


@pytest.fixture
def serving() -> Iterator[list[Serve]]:
    started: list[Serve] = []
    yield started
    for server in started:
        if server.proc.poll() is None:
            server.proc.kill()
            server.proc.wait()


def test_build_and_serve_at_once_do_not_corrupt_each_other(synthetic, serving, tmp_path: Path) -> None:
    root, store, references, seconds = synthetic
    set_state(root, "A", store)
    assert run_explainer("build", "--root", root).code == 0
    server = Serve(root)
    serving.append(server)
    site = root / "site"
    stop = threading.Event()
    problems: list[str] = []

    def read_pages() -> None:
        """A static host reading site/ throughout: never a missing or half-written page."""
        rng = random.Random(SEED)
        while not stop.is_set():
            try:
                for rel in ("index.html", "explainer-0/index.html", "explainer-5/index.html", "feed.xml"):
                    data = (site / rel).read_bytes()
                    if not data.rstrip().endswith((b"</html>", b"</feed>")):
                        problems.append(f"{rel}: incomplete ({len(data)} bytes)")
            except FileNotFoundError as exc:
                problems.append(f"missing: {exc.filename}")
            try:
                status, body = server.get(rng.choice(["/", "/explainer-0/", "/explainer-7/", "/feed.xml"]))
            except OSError as exc:
                problems.append(f"serve did not answer: {exc!r}")
                continue
            if status >= 500:
                problems.append(f"serve answered {status}")
            time.sleep(0.005)

    reader = threading.Thread(target=read_pages, daemon=True)
    reader.start()
    builds = []
    rounds = examples(2, 4)
    for round_ in range(rounds):
        set_state(root, "B" if round_ % 2 == 0 else "A", store)
        four = root / "content/explainers/explainer-4.md"
        four.write_text(four.read_text("utf-8") + f"\nRound {round_}.\n", "utf-8")
        builds += [start_build(root), start_build(root, "--jobs", "1")]
        time.sleep(seconds * 0.5)
    for proc in builds:
        _, err = proc.communicate(timeout=600)  # they wait for each other's lock
        assert proc.returncode == 0, err.decode()
    # serve saw the last edit too: wait until it shows it, so that it writes no more.
    deadline = time.monotonic() + 30
    while f"Round {rounds - 1}.".encode() not in server.get("/explainer-4/")[1]:
        assert time.monotonic() < deadline, "serve never showed the last edit"
        time.sleep(0.1)
    time.sleep(0.5)
    stop.set()
    reader.join(10)
    assert server.stop() == 0
    assert problems == []
    final = run_explainer("build", "--root", root)
    assert final.code == 0, final.err
    clean = run_explainer("build", "--root", root, "--clean", "--out", tmp_path / "clean")
    assert clean.code == 0, clean.err
    assert files_of(site) == files_of(tmp_path / "clean")
    assert not leftovers(root)


def test_serve_then_build_leaves_no_draft(small: Path, serving) -> None:
    """`serve` shows drafts (with a banner) from its own preview folder: site/ never holds them,
    while it runs or after, and the next plain build has nothing to take out."""
    assert run_explainer("build", "--root", small).code == 0
    before = files_of(small / "site")
    server = Serve(small)
    serving.append(server)
    assert server.get("/secret/")[0] == 200
    assert server.stop() == 0
    assert files_of(small / "site") == before
    assert not (small / "site/secret").exists()
    run = run_explainer("build", "--root", small)
    assert run.code == 0, run.err
    assert not (small / "site/secret").exists()
    assert b"Secret draft" not in (small / "site/index.html").read_bytes()


# -- a damaged cache ------------------------------------------------------------------------------

def _damage(kind: str):  # type: ignore[no-untyped-def]
    def damage(cache_dir: Path) -> None:
        states = sorted(cache_dir.glob("state-*.json"))
        assert states, "the first build writes a cache state"
        for path in states:
            data = path.read_bytes()
            if kind == "truncated":
                path.write_bytes(data[: len(data) // 2])
            elif kind == "empty":
                path.write_bytes(b"")
            elif kind == "flipped byte":
                index = len(data) * 2 // 3
                path.write_bytes(data[:index] + bytes([data[index] ^ 0x20]) + data[index + 1:])
            elif kind == "garbage":
                path.write_bytes(os.urandom(len(data)))
            elif kind == "not json":
                payload = b"{not json"
                path.write_bytes(_resign(data, payload))
            elif kind == "wrong types":
                payload = json.dumps({"key": 1, "sources": [], "outputs": None, "digests": "x",
                                      "warnings": {}, "build_id": [], "valid_until": 3}).encode()
                path.write_bytes(_resign(data, payload))
            elif kind == "a folder":
                path.unlink()
                path.mkdir()
            elif kind == "binary header":
                path.write_bytes(b"\x00" * 64 + data)
        if kind == "cache is a file":
            shutil.rmtree(cache_dir)
            cache_dir.write_bytes(b"not a folder")
        for writer in cache_dir.glob("writer-*.txt") if cache_dir.is_dir() else []:
            if kind == "garbage":
                writer.write_bytes(os.urandom(40))
    return damage


def _resign(original: bytes, payload: bytes) -> bytes:
    """A cache state whose seal is right for `payload` (made with this user's key, as only a
    bug of the build itself could make it): corruption the seal cannot see."""
    magic_end = original.index(b"\n") + 1
    secret = userkey.key()
    assert secret is not None
    return original[:magic_end] + userkey.seal("state", payload, secret).encode() + payload


DAMAGE = ["truncated", "empty", "flipped byte", "garbage", "not json", "wrong types", "a folder", "binary header",
          "cache is a file"]


@pytest.mark.parametrize("kind", DAMAGE)
def test_a_damaged_cache_only_costs_time(project, cli_run, tmp_path: Path, kind: str) -> None:  # type: ignore[no-untyped-def]
    files = {f"content/explainers/e{i}.md": f"---\ntitle: E{i}\nsummary: S\npublished: 2024-01-0{i + 1}\n"
                                            f"tags: [t{i % 2}]\n---\nBody {i}.\n" for i in range(4)}
    root = project(files)
    assert cli_run("build", "--root", root).code == 0
    # Change the content, then damage the cache: the build must notice both.
    (root / "content/explainers/e1.md").write_text(files["content/explainers/e1.md"].replace("Body 1.", "Edited."))
    (root / "content/explainers/e3.md").unlink()
    _damage(kind)(root / ".explainer-cache")
    run = cli_run("build", "--root", root)
    assert_clean_cli(run.code, run.err, allowed=(0,))
    clean = cli_run("build", "--root", root, "--clean", "--out", tmp_path / "clean")
    assert clean.code == 0, clean.err
    assert files_of(root / "site") == files_of(tmp_path / "clean")
    again = cli_run("build", "--root", root)  # and the cache is usable again (or ignored again)
    assert_clean_cli(again.code, again.err, allowed=(0,))
    assert files_of(root / "site") == files_of(tmp_path / "clean")
