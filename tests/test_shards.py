"""Full builds that compile on several processes and render explainer pages there (see
generator/shards.py) give exactly the site, the errors and the cache of a build in one
process."""

from __future__ import annotations

import hashlib
import shutil
import sys
from pathlib import Path

import pytest

from generator import compat
from generator.workers import shards
from generator.config import BuildOptions
from generator.diagnostics import BuildFailed
from generator.pipeline import Builder
from helpers import REPO, make_project

sys.path.insert(0, str(REPO / "bench"))
from synth import MARKER  # noqa: E402
from synth import make_project as synth_project  # noqa: E402

BASE = "https://example.org/x/"

pytestmark = pytest.mark.skipif(not compat.can_fork(), reason="workers are forked (compat.can_fork)")


@pytest.fixture(autouse=True)
def shard_small_projects(monkeypatch: pytest.MonkeyPatch) -> None:
    """Shard even a three-explainer project (the threshold exists for speed only)."""
    monkeypatch.setattr(shards, "MIN_EXPLAINERS_PER_WORKER", 1)


def tree(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def build(root: Path, out: Path, jobs: int, drafts: bool = False, **builder: bool) -> tuple[dict[str, str], Builder]:
    """A full build (no cache read); returns the site and the Builder."""
    shutil.rmtree(out, ignore_errors=True)
    b = Builder(BuildOptions(root, out, base_url=BASE, jobs=jobs, drafts=drafts), read_cache=False, **builder)
    b.build()
    return tree(out), b


def sharded(builder: Builder) -> bool:
    """Did this build compile on the workers? (Their units come back summarized.)"""
    return all(unit.view is not None for unit in builder.units.values() if unit.explainer is not None)


def errors_of(root: Path, out: Path, jobs: int) -> list[str]:
    with pytest.raises(BuildFailed) as failed:
        Builder(BuildOptions(root, out, base_url=BASE, jobs=jobs), read_cache=False).build()
    return [str(d) for d in failed.value.diagnostics]


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Twelve explainers, one a draft and one under embargo (published in 2999)."""
    root = synth_project(tmp_path_factory.mktemp("synth") / "project", 12, shared_pool=5, body_words=150)
    for name, change in (("explainer-4", "draft: true\ntitle:"), ("explainer-7", "published: 2999-01-01\ntitle:")):
        path = root / f"content/explainers/{name}.md"
        text = path.read_text()
        if change.startswith("published"):
            text = "\n".join(line for line in text.splitlines() if not line.startswith("published:")) + "\n"
        path.write_text(text.replace("title:", change, 1))
    return root


@pytest.mark.parametrize("project", ["newsroom", "synthetic"])  # the example has one explainer
@pytest.mark.parametrize("drafts", [False, True])
def test_a_sharded_build_writes_the_site_of_a_build_in_one_process(tmp_path, synthetic, project, drafts) -> None:
    if project == "newsroom":
        root = Path(shutil.copytree(REPO / "tests/projects/newsroom", tmp_path / "src"))
    else:
        root = synthetic
    one, serial = build(root, tmp_path / "one", jobs=1, drafts=drafts, use_cache=False)
    two, parallel = build(root, tmp_path / "two", jobs=2, drafts=drafts, use_cache=False)
    assert not sharded(serial) and sharded(parallel)
    assert two == one
    assert len(one) > 10
    if project == "synthetic":
        assert ("explainer-4/index.html" in one) == ("explainer-7/index.html" in one) == drafts


def test_the_cache_of_a_sharded_build_serves_the_next_edit(tmp_path) -> None:
    """The summaries and views the workers sent back are the cache the next build starts
    from: an edit then gives the site of a clean build, compiling only the edited file."""
    from generator import validate
    root = synth_project(tmp_path / "p", 8, shared_pool=4, body_words=120)
    out = root / "site"
    from generator.incremental import cache
    left_to_the_end: list[str] = []
    original_save = cache.save_views
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(cache, "save_views", lambda root, views, keep=None: left_to_the_end.extend(views)
                      or original_save(root, views, keep))
        _, first = build(root, out, jobs=2)
        # A project without a cache gets one only from a build that succeeds: at the end.
        assert len(left_to_the_end) == 8
        left_to_the_end.clear()
        _, first = build(root, out, jobs=2)
    assert sharded(first)
    assert left_to_the_end == []  # now each worker stored its views as it made them
    assert len(list((root / ".explainer-cache/views").iterdir())) == 8
    for unit in first.units.values():
        assert cache.load_view(root, unit.explainer.src_path, unit.key) == unit.view
    path = root / "content/explainers/explainer-3.md"
    path.write_text(path.read_text().replace(MARKER, "edited-marker", 1).replace("text: ", "text: Edited ", 1))
    compiled: list[str] = []
    original = validate.validate_explainer
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(validate, "validate_explainer", lambda raw, *a: compiled.append(raw.src_path) or original(raw, *a))
        Builder(BuildOptions(root, out, base_url=BASE, jobs=2)).build()
    assert compiled == ["content/explainers/explainer-3.md"]
    assert "edited-marker" in (out / "explainer-3/index.html").read_text()
    assert tree(out) == build(root, tmp_path / "clean", jobs=1, use_cache=False)[0]


BROKEN = {
    "content/actors/shared.yaml": "name: Shared\n",
    "content/explainers/a.md": "---\ntitle: A\nsummary: S\npublished: 2024-01-01\nclaims:\n"
                               "  c1:\n    by: nobody\n    text: T\n---\nBody [x](@missing).\n",
    "content/explainers/b.md": "---\ntitle: B\nsumary: S\npublished: 2024-01-02\n---\nBody.\n",
    "content/explainers/c.md": "---\ntitle: C\nsummary: S\npublished: 2024-01-03\n"
                               "actors:\n  dup:\n    name: One\n---\nBody.\n",
    "content/explainers/d.md": "---\ntitle: D\nsummary: S\npublished: 2024-01-04\n"
                               "actors:\n  dup:\n    name: Two\n---\nBody.\n",
}


def test_a_sharded_build_reports_every_error_a_build_in_one_process_reports(tmp_path) -> None:
    root = make_project(tmp_path / "p", BROKEN)
    out = root / "site"
    serial = errors_of(root, out, jobs=1)
    assert len(serial) >= 4 and any("'dup'" in e for e in serial)  # a site-wide check among them
    assert errors_of(root, out, jobs=2) == serial
    assert not out.exists() and not [p for p in tmp_path.iterdir() if p.name.startswith(".site")]
    assert not (root / ".explainer-cache").exists()  # no cache from a failed build


def test_a_template_error_on_explainer_pages_is_reported_once(tmp_path) -> None:
    root = make_project(tmp_path / "p", {
        **{f"content/explainers/e{i}.md": f"---\ntitle: E{i}\nsummary: S\npublished: 2024-01-0{i + 1}\n---\nB.\n"
           for i in range(4)},
        "templates/explainer.html": "{% extends 'theme/explainer.html' %}"
                                    "{% block title %}{{ explainer.title.nope() }}{% endblock %}",
    })
    assert errors_of(root, root / "site", jobs=2) == errors_of(root, root / "site", jobs=1)
    assert len(errors_of(root, root / "site", jobs=2)) == 1


def test_a_broken_link_on_an_explainer_page_is_found_after_the_site_is_planned(tmp_path) -> None:
    root = make_project(tmp_path / "p", {
        **{f"content/explainers/e{i}.md": f"---\ntitle: E{i}\nsummary: S\npublished: 2024-01-0{i + 1}\n---\nB.\n"
           for i in range(3)},
        "templates/explainer.html": "{% extends 'theme/explainer.html' %}{% block content %}"
                                    "<a href=\"{{ root }}nowhere/\">x</a><a href=\"{{ root }}tags/\">y</a>"
                                    "{{ super() }}{% endblock %}",
    })
    errors = errors_of(root, root / "site", jobs=2)
    assert errors == errors_of(root, root / "site", jobs=1)
    assert len(errors) == 6  # two links on each of three pages
    assert "e0/index.html:" in errors[0] and "the site has no nowhere/index.html" in errors[0]


def test_links_into_explainer_pages_are_checked_against_the_ids_their_worker_saw(tmp_path, monkeypatch) -> None:
    """Tag pages are rendered after the site is planned; their links to a fragment of an
    explainer page (rendered early, on a worker) are checked against the ids the worker
    scanned, without reading the page back: a missing id is still an error."""
    from generator import linkcheck
    root = make_project(tmp_path / "p", {
        **{f"content/explainers/e{i}.md": f"---\ntitle: E{i}\nsummary: S\npublished: 2024-01-0{i + 1}\n"
           "tags: [t]\nsources:\n  s1:\n    title: S1\n---\nB.\n" for i in range(3)},
        "templates/tag.html": "{% extends 'theme/tag.html' %}{% block content %}"
                              "<a href=\"../../e1/#source-s1\">ok</a><a href=\"../../e2/#no-such-id\">bad</a>"
                              "{{ super() }}{% endblock %}",
    })
    read: list[str] = []
    real_read_first = linkcheck.read_first

    def reading(*folders):
        reader = real_read_first(*folders)
        return lambda dest: read.append(dest) or reader(dest)

    monkeypatch.setattr(linkcheck, "read_first", reading)
    errors = errors_of(root, root / "site", jobs=2)
    assert len(errors) == 1 and "tags/t/index.html:" in errors[0]
    assert "e2/index.html has no element with id 'no-such-id'" in errors[0]
    assert not any(dest.endswith("/index.html") and dest.startswith("e") for dest in read)
    assert errors == errors_of(root, root / "site", jobs=1)


def test_explainer_pages_that_read_the_whole_site_are_rendered_after_it_is_assembled(tmp_path) -> None:
    """An explainer template may list the other explainers (`site_data`): the workers do not
    have them, so such a project compiles in one process and the list is complete."""
    root = make_project(tmp_path / "p", {
        **{f"content/explainers/e{i}.md": f"---\ntitle: E{i}\nsummary: S\npublished: 2024-01-0{i + 1}\n---\nB.\n"
           for i in range(3)},
        "templates/_more.html": "<ul class=more>{% for e in site_data.explainers %}<li>{{ e.title }}{% endfor %}</ul>",
        "templates/explainer.html": "{% extends 'theme/explainer.html' %}{% block content %}"
                                    "{% include '_more.html' %}{{ super() }}{% endblock %}",
    })
    site, builder = build(root, root / "site", jobs=2)
    assert not sharded(builder)
    page = (root / "site/e0/index.html").read_text()
    assert "<li>E2<li>E1<li>E0</ul>" in page.replace("\n", "")
    assert site == build(root, tmp_path / "one", jobs=1, use_cache=False)[0]


def test_views_dropped_to_bound_memory_are_decoded_again(tmp_path, synthetic, monkeypatch) -> None:
    """Render workers keep few views decoded (see `summary.DECODED_VIEWS`); with room for one,
    every actor page that shows claims of several explainers decodes some again."""
    from generator.incremental import summary
    monkeypatch.setattr(summary, "DECODED_VIEWS", 1)
    dropped: list[str] = []
    original = summary.LazyExplainer._drop_view
    monkeypatch.setattr(summary.LazyExplainer, "_drop_view", lambda self: dropped.append(self.slug) or original(self))
    one, _ = build(synthetic, tmp_path / "one", jobs=1, use_cache=False)
    dropped.clear()
    monkeypatch.setattr(shards, "map_forked", lambda work, items, workers, progress=None: work(items))  # in this process
    two, builder = build(synthetic, tmp_path / "two", jobs=2, use_cache=False)
    assert sharded(builder) and len(dropped) > len(set(dropped))  # some decoded twice
    assert two == one


def _signal_state(_: object = None) -> tuple[int, object, object]:
    """In a worker: its signal wakeup fd (then reset to none), SIGTERM and SIGINT handlers."""
    import signal
    return signal.set_wakeup_fd(-1), signal.getsignal(signal.SIGTERM), signal.getsignal(signal.SIGINT)


@pytest.mark.parametrize("pool", ["render", "compile"])
def test_workers_drop_the_signal_handling_they_inherit(pool: str) -> None:
    """`serve`'s event loop takes signals through a wakeup socket; a forked worker that kept
    it wrote the SIGTERM ending it into that socket, and `serve` stopped (or hung) after a
    build on several processes. Both kinds of workers reset it, end on SIGTERM and leave
    Ctrl-C to the parent."""
    import signal
    import socket
    from generator.workers import parallel
    ours, _theirs = socket.socketpair()
    ours.setblocking(False)
    previous = signal.set_wakeup_fd(ours.fileno())
    try:
        if pool == "render":  # the workers of parallel.render_to_staging
            states = parallel.run_forked(lambda index, count: _signal_state(), 2, 2)
        else:
            states = shards.map_forked(lambda items: [_signal_state() for _ in items], [1, 2], 2)
    finally:
        signal.set_wakeup_fd(previous)
        ours.close()
        _theirs.close()
    assert states and all(state == (-1, signal.SIG_DFL, signal.SIG_IGN) for state in states), states


def test_workers_collect_cyclic_garbage_in_batches() -> None:
    """A render worker pauses the collector (whose full collections over a large heap cost a
    quarter of rendering at 5,000 explainers) and collects once per batch instead: cyclic
    garbage, which a project's templates may leave, still goes."""
    import gc
    import weakref
    from generator.workers import parallel

    class Node:
        pass

    made: list[weakref.ref] = []

    def items():  # type: ignore[no-untyped-def]
        for index in range(130):
            node = Node()
            node.loop = node  # type: ignore[attr-defined]
            made.append(weakref.ref(node))
            del node
            assert not gc.isenabled()
            yield index

    try:
        assert list(parallel.collect_every(items(), every=64)) == list(range(130))
        assert all(ref() is None for ref in made)
    finally:
        gc.unfreeze()
        gc.enable()


def test_render_workers_get_the_pages_reading_one_view_together(tmp_path) -> None:
    """`parallel.deal`: an explainer's inline actors' pages (which read its view) go to one
    worker; the other pages in turn; every job exactly once, in the planned order."""
    from generator.workers import parallel
    from generator.plan import OutputJob

    def job(dest: str, reads: str = "") -> OutputJob:
        return OutputJob(dest, "", lambda: None, reads)  # type: ignore[arg-type, return-value]

    jobs = [job("index.html"), job("a/index.html"), job("actors/a1/index.html", "a"),
            job("actors/b1/index.html", "b"), job("actors/a2/index.html", "a"), job("actors/s/index.html"),
            job("actors/b2/index.html", "b"), job("actors/a3/index.html", "a"), job("feed.xml")]
    shares = parallel.deal(jobs, 2)
    assert [[j.dest_path for j in share] for share in shares] == [
        ["index.html", "actors/a1/index.html", "actors/a2/index.html", "actors/s/index.html",
         "actors/a3/index.html"],
        ["a/index.html", "actors/b1/index.html", "actors/b2/index.html", "feed.xml"]]
    assert parallel.deal(jobs, 1) == [jobs]


def test_inline_actor_pages_name_the_explainer_they_read(synthetic: Path, tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    from generator.workers import parallel
    dealt: list = []
    real_deal = parallel.deal
    monkeypatch.setattr(parallel, "MIN_JOBS_PER_WORKER", 1)
    monkeypatch.setattr(parallel, "deal", lambda jobs, workers: dealt.extend(jobs) or real_deal(jobs, workers))
    build(synthetic, tmp_path / "site", 2)
    reads = {job.dest_path: job.reads for job in dealt}
    assert reads["actors/e3-actor-1/index.html"] == "explainer-3"
    assert reads["actors/shared-actor-0/index.html"] == ""
    assert all(reads[p] == "" for p in reads if not p.startswith("actors/"))


def test_the_collector_is_paused_while_links_are_checked(tmp_path, monkeypatch) -> None:
    """The link check makes hundreds of thousands of tuples without cycles; the collector
    would walk the whole heap over and over (`parallel.collector_paused`)."""
    import gc
    from generator import linkcheck
    from generator.workers import parallel
    enabled_during: list[bool] = []
    real_check = linkcheck.check_site
    monkeypatch.setattr(linkcheck, "check_site", lambda *a: enabled_during.append(gc.isenabled()) or real_check(*a))
    root = make_project(tmp_path / "p", {f"content/explainers/e{i}.md": f"---\ntitle: E{i}\nsummary: S\n"
                                         f"published: 2024-01-0{i + 1}\n---\nB.\n" for i in range(3)})
    assert gc.isenabled()
    build(root, root / "site", jobs=2)
    assert enabled_during == [False] and gc.isenabled()
    gc.disable()
    try:
        with parallel.collector_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()  # left as it was
    finally:
        gc.enable()
