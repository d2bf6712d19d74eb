"""A cloned project's cache, and the names the build keeps beside its site, are hostile (issue 15).

Each attack builds a hostile project in a temporary folder (`world/project`), with a sentinel
folder beside it (`world/sentinel`) and a neighbour's checkout (`world/neighbour`), plants
what the attacker would commit (or bring in later, as a `git pull` would, once the cache
exists), and builds it five times: the first build, an edit of one explainer's body (its own
pages only), two edits of its claim, which the shared actor's page shows beside the other
explainer's claim read from its stored view (the second edit updates the previous
generation), and a build with nothing changed. After every build, once the background trash
emptier is done:

- nothing outside the project changed (the sentinel and the neighbour: same files, same
  bytes, same links);
- no planted byte (`PLANTED`) is in site/, and site/ holds no link;

and at the end site/ equals a clean build's, byte for byte. Every attack runs under `build`,
`build --clean` (three builds: every one is a full one), and the resident Builder that
`serve` uses (with an explicit output folder).
The other tests: the output folder as a link, a forged writer record, `git clone` of a
hostile repository (the issue's reproduction), and deleting a tree with a link or a mount
point in it. docs/hardening.md counts them.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import pytest
from helpers import (make_project, outside, read_view, reseal, sealed_payload, snapshot,
                     wait_for_trash_emptiers, write_view)

from generator import safefs
from generator.incremental import cache, parts, userkey
from generator.config import BuildOptions
from generator.diagnostics import BuildFailed
from generator.pipeline import Builder

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="the emptier is found through /proc")

BASE = "https://example.org/x/"
PLANTED = "PLANTED-7f3a"
"""In every file an attack plants: it must never reach site/."""
SCRIPT = f"<script>alert('{PLANTED}')</script>"


def explainer(title: str, claim: str = "Claim", body: str = "Body.") -> str:
    return (f"---\ntitle: {title}\nsummary: About {title}.\npublished: 2024-03-01\ntags: [a]\n"
            f"claims:\n  c1:\n    by: shared-one\n    text: {claim} of {title}.\n    status: unproven\n"
            f"    note: A *note* on {title}.\n"
            f"timeline:\n  - date: 2024-03\n    title: Event\n    actors: [shared-one]\n---\n"
            f"{body} See [the claim](@c1).\n")


FILES = {
    "site.yaml": "title: Desk\n",
    "content/actors/shared-one.yaml": "name: Shared One\nkind: organization\n",
    "content/explainers/alpha.md": explainer("Alpha"),
    "content/explainers/beta.md": explainer("Beta"),
}

EDITS = [
    None,
    ("content/explainers/beta.md", explainer("Beta", body="Edited body.")),  # its own pages only
    ("content/explainers/beta.md", explainer("Beta", claim="Edited claim")),  # and the actor's page
    ("content/explainers/beta.md", explainer("Beta", claim="Claim edited again")),  # the previous generation
    None,  # nothing changed
]

SENTINEL = {"keep.txt": "the sentinel\n", "deep/er/file.txt": "nested\n", "index.html": "<p>not a site</p>\n",
            ".explainer-apply.json": '{"written": ["keep.txt", "index.html"], "stale": []}'}
"""Files a hostile link would make the build delete, overwrite, read or replay (a staging
link to the sentinel made an earlier version move `keep.txt` out of it, by this journal)."""


# -- the world: a project, a sentinel and a neighbour -----------------------------------------

@dataclass
class World:
    folder: Path
    root: Path
    mode: str
    cli_run: Callable
    builder: Builder | None = None

    @property
    def site(self) -> Path:
        return self.root / "site"

    @property
    def drafts(self) -> bool:
        return self.mode == "serve"

    def build(self) -> list[str]:
        """One build in this world's mode; the warnings it gave (stderr lines)."""
        if self.mode == "serve":
            if self.builder is None:
                self.builder = Builder(BuildOptions(self.root, self.site, base_url=BASE, drafts=True), resident=True)
            return [str(w) for w in self.builder.build().warnings]
        run = self.cli_run("build", "--root", self.root, "--base-url", BASE,
                           *(["--clean"] if self.mode == "build --clean" else []))
        assert run.code == 0, run.err
        assert "Traceback" not in run.err
        return [line for line in run.err_lines if ": warning: " in line]

    def link(self, rel: str, target: str) -> None:
        path = self.root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.symlink_to(target)

    def plant(self, rel: str, text: str = f"<p>{PLANTED}</p>\n") -> None:
        path = self.root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)

    def cache(self, *parts: str) -> Path:
        return self.root.joinpath(cache.CACHE_DIR, *parts)

    def views(self) -> list[Path]:
        """The stored views (none where `serve`'s builder ran: it keeps them in memory)."""
        folder = self.cache("views")
        return sorted(folder.iterdir()) if folder.is_dir() else []

    def part_files(self) -> list[Path]:
        """The stored parts of claims.json (see generator/incremental/parts.py)."""
        folder = self.cache(parts.FOLDER)
        return sorted(p for p in folder.iterdir() if p.is_file()) if folder.is_dir() else []

    def state_paths(self) -> list[Path]:
        """The state files a build of this world may use (plain and with drafts)."""
        return [cache.cache_path(self.root, cache.cache_key(self.site, BASE, drafts)) for drafts in (False, True)]


def make_world(tmp_path: Path, mode: str, cli_run: Callable) -> World:
    folder = tmp_path / "world"
    make_project(folder / "sentinel", dict(SENTINEL))
    make_project(folder / "neighbour", {"README": "another checkout\n", "src/main.c": "int main;\n"})
    return World(folder, make_project(folder / "project", dict(FILES)), mode, cli_run)


def committed_site(world: World) -> None:
    """A site/ in the repository: the first build replaces it (and discards the old one)."""
    world.plant("site/index.html")
    world.plant("site/old/index.html")


def unkeyed_previous(world: World) -> Path:
    """Where versions before issue 15 kept the previous generation: a name anyone can compute."""
    name = hashlib.blake2b(str(world.site.absolute()).encode(), digest_size=8).hexdigest()
    return world.cache(f"previous-{name}")


def clean_site(root: Path, out: Path, drafts: bool) -> dict[str, str]:
    """A clean build of the project's sources (copied: no cache, no git, nothing planted)."""
    source = out.parent / "source"
    shutil.copytree(root / "content", source / "content")
    shutil.copy2(root / "site.yaml", source / "site.yaml")
    Builder(BuildOptions(source, out, base_url=BASE, drafts=drafts), use_cache=False).build()
    return snapshot(out)


def assert_safe(world: World, before: dict[str, str]) -> None:
    wait_for_trash_emptiers(world.folder)
    assert outside(world.folder, "project") == before
    for rel, what in snapshot(world.site).items():
        assert not what.startswith("link"), f"site/{rel} is a link"
        if what != "dir":
            assert PLANTED.encode() not in (world.site / rel).read_bytes(), f"planted bytes in site/{rel}"


def run_attack(world: World, attack: Attack, tmp_path: Path) -> list[list[str]]:
    """Plant, build five times (see the module docstring), check after each; the warnings of
    each build."""
    attack.plant(world)
    before = outside(world.folder, "project")
    warnings = []
    for step, edit in enumerate(EDITS):
        if step == attack.step:
            attack.later(world)
        if edit is not None:
            (world.root / edit[0]).write_text(edit[1])
        if world.mode == "build --clean" and step not in (0, attack.step, len(EDITS) - 1):
            continue  # every `--clean` build is a full one: the edits in between change nothing
        warnings.append(world.build())
        assert_safe(world, before)
    assert snapshot(world.site) == clean_site(world.root, tmp_path / "clean" / "site", world.drafts)
    return warnings


# -- the attacks --------------------------------------------------------------------------------

def trash_to_grandparent(world: World) -> None:
    """The issue's critical case: the cleanup deleted every folder beside the project."""
    committed_site(world)
    world.link(".explainer-cache/trash", "../..")


def views_to_sentinel(world: World) -> None:
    world.link(".explainer-cache/views", "../../sentinel")


def parts_to_sentinel(world: World) -> None:
    world.link(f".explainer-cache/{parts.FOLDER}", "../../sentinel")


def cache_to_sentinel(world: World) -> None:
    committed_site(world)
    world.link(".explainer-cache", "../sentinel")


def every_cache_name_a_link(world: World) -> None:
    """Each file and folder name the cache uses, as a link into the sentinel: to a file there
    (writing through it would change it) or to a name not there yet (writing would add it)."""
    committed_site(world)
    names = [".gitignore", "trash", "views", parts.FOLDER, "history.json", "shared.json", unkeyed_previous(world).name,
             cache._writer_path(world.root, world.site).name]
    for state in world.state_paths():
        names += [state.name, state.name.replace("state-", "units-")]
    for index, name in enumerate(names):
        world.link(f".explainer-cache/{name}", "../../sentinel/keep.txt" if index % 2 else f"../../sentinel/new-{index}")


def links_beside_the_site(world: World) -> None:
    """The names `recover` globs and the fallback trash and previous generation beside site/."""
    committed_site(world)
    for name in (".site.staging-x", ".site.old-x", ".site.trash", ".site.previous", ".site.staging-abcd1234"):
        world.link(name, "../sentinel")
    # A real staging folder holding a link and a journal that would move planted files in.
    world.link(".site.staging-real/inner", "../../sentinel")
    world.plant(".site.staging-real/index.html")
    world.plant(".site.staging-real/.explainer-apply.json", json.dumps({"written": ["index.html"], "stale": []}))


def cache_link_and_links_beside_the_site(world: World) -> None:
    """Without a usable cache, the trash is `.site.trash` beside site/: a link there too."""
    cache_to_sentinel(world)
    for name in (".site.trash", ".site.previous", ".site.staging-x"):
        world.link(name, "../sentinel")


def planted_journal(world: World) -> None:
    """A staging folder with a journal (`write.apply_update`) that is not this user's: the
    next build's `recover` would move its planted page into site/."""
    for name, seal in (("unsealed", b"0" * 32), ("other-key", None)):
        payload = json.dumps({"written": ["index.html", "alpha/index.html"], "stale": []}).encode()
        if seal is None:
            seal = userkey.seal("journal", payload, os.urandom(32)).encode()
        folder = world.root / f".site.staging-{name}"
        world.plant(f".site.staging-{name}/index.html")
        world.plant(f".site.staging-{name}/alpha/index.html")
        (folder / ".explainer-apply.json").write_bytes(seal + payload)


def tampered_views(world: World) -> None:
    """Views edited to carry a script (their seal no longer matches)."""
    for path in world.views():
        data = path.read_bytes()
        path.write_bytes(data.replace(b"A <em>note</em>", SCRIPT.encode()).replace(b"Claim of", f"{SCRIPT} of".encode()))


def views_sealed_with_another_key(world: World) -> None:
    """Views carrying a script, sealed with a key that is not this user's (an attacker's own)."""
    other = os.urandom(32)
    for path in world.views():
        key, text = read_view(path)
        body = f"{key}\n{text.replace('A <em>note</em>', SCRIPT)}".encode()
        path.write_bytes(userkey.seal("view", body, other).encode() + b"\n" + body)


def tampered_parts(world: World) -> None:
    """Parts of claims.json edited to carry a script (their seal no longer matches): the next
    claim edit joins alpha's with the edited one."""
    for path in world.part_files():
        path.write_bytes(path.read_bytes().replace(b"Claim of", f"{SCRIPT} of".encode()))


def parts_sealed_with_another_key(world: World) -> None:
    other = os.urandom(32)
    for path in world.part_files():
        body = path.read_bytes()[33:].replace(b"Claim of", f"{SCRIPT} of".encode())
        path.write_bytes(userkey.seal("part", body, other).encode() + b"\n" + body)


def alpha_view(world: World) -> Path:
    """The view of the explainer no edit touches: the actor page's rebuild reads it."""
    return cache._view_path(world.root, "content/explainers/alpha.md")


WRONG_CLAIMS: dict[str, Callable[[dict], object]] = {
    "an author that is a mapping": lambda claim: {**claim, "by": {"id": "shared-one"}},
    "a status outside the list": lambda claim: {**claim, "status": "bogus"},
    "a note whose HTML is a number": lambda claim: {**claim, "note": {"$md": {**claim["note"]["$md"], "html": 5}}},
    "a span that is a string": lambda claim: {**claim, "span": "x"},
    "a text that is a list": lambda claim: {**claim, "text": ["a", SCRIPT]},
    "sources that are a string": lambda claim: {**claim, "sources": "s1"},
    "a line that is a list": lambda claim: [claim],
    "an unknown field": lambda claim: {**claim, "script": SCRIPT},
}


def wrong_view(world: World, variant: str) -> None:
    """Alpha's view sealed with this user's key (as only a bug of the build could make it),
    valid JSON, its claim of the wrong types (`WRONG_CLAIMS`), or its first line naming
    what the view does not hold."""
    if alpha_view(world) not in world.views():
        return
    key, text = read_view(alpha_view(world))
    if variant == "a head line that names a mapping":
        write_view(alpha_view(world), key, text.replace('"timeline":1', '"timeline":{"n":1}', 1))
        return
    head, claim, *rest = text.split("\n")
    write_view(alpha_view(world), key, "\n".join([head, json.dumps(WRONG_CLAIMS[variant](json.loads(claim))), *rest]))


def sealed_paths_out_of_the_site(world: World) -> None:
    """A state sealed with this user's key (as only a bug could make it) naming paths that
    leave the site: a stale output and files of the previous generation to delete (deleting
    them would delete in the sentinel), just before the edit that updates that generation."""
    for path in world.state_paths():
        if path.exists():
            state = json.loads(sealed_payload(path))
            state["outputs"]["../../sentinel/keep.txt"] = "gone"
            state["digests"]["../../sentinel/keep.txt"] = "gone"
            state["previous"] = {**(state["previous"] or {}), "../../sentinel/deep/er/file.txt": "abc",
                                 "../sentinel/keep.txt": ""}
            reseal(path, json.dumps(state).encode(), "state")


def sealed_entries_of_the_wrong_types(world: World) -> None:
    """Units and shared actors sealed with this user's key but of the wrong types: a summary
    whose `draft` is the string "false" (true to Python: it would hide the explainer), an
    actor whose name is a mapping."""
    for path in world.state_paths():
        units = path.with_name(path.name.replace("state-", "units-"))
        if units.exists():
            data = json.loads(sealed_payload(units))
            for rel, unit in data["units"].items():  # (none where `serve`'s builder ran)
                if rel.endswith("alpha.md"):
                    unit["summary"]["draft"] = "false"
            reseal(units, json.dumps(data).encode(), "units")
    shared = world.cache("shared.json")
    if shared.exists():
        data = json.loads(sealed_payload(shared))
        data["actors"] = [json.dumps({**json.loads(data["actors"][0]), "name": {"x": SCRIPT}})]
        reseal(shared, json.dumps(data).encode(), "shared.json")


def sealed_units_of_a_language_no_one_writes(world: World) -> None:
    """Units sealed with this user's key whose summary names a language tag that is a string
    but no language: the catalogues and Babel must never see it."""
    for path in world.state_paths():
        units = path.with_name(path.name.replace("state-", "units-"))
        if units.exists():
            data = json.loads(sealed_payload(units))
            for rel, unit in data["units"].items():
                if rel.endswith("alpha.md"):
                    unit["summary"]["language"] = "../../x y\u0000"
            reseal(units, json.dumps(data).encode(), "units")


def sealed_state_of_the_wrong_types(world: World) -> None:
    """A state whose warnings are not diagnostics, a writer record that is not an id."""
    for path in world.state_paths():
        if path.exists():
            state = json.loads(sealed_payload(path))
            state["warnings"] = [{"message": {"x": 1}, "span": [1], "hint": None}]
            reseal(path, json.dumps(state).encode(), "state")
    reseal(cache._writer_path(world.root, world.site), b'{"build_id": "x"}', "writer")


def planted_previous_generation(world: World) -> None:
    """Files planted where earlier versions kept the previous generation (the fast path of an
    incremental build swaps it in for site/ with every file it holds), and a link there."""
    committed_site(world)
    previous = unkeyed_previous(world)
    for rel in ("index.html", "alpha/index.html", "planted/index.html"):
        world.plant(f"{cache.CACHE_DIR}/{previous.name}/{rel}")
    world.plant(".site.previous/index.html")


def planted_previous_generation_later(world: World) -> None:
    """The same, brought in after the first build (a `git pull`), and a link to the sentinel."""
    previous = unkeyed_previous(world)
    shutil.rmtree(previous, ignore_errors=True)
    for rel in ("index.html", "alpha/index.html", "planted/index.html"):
        world.plant(f"{cache.CACHE_DIR}/{previous.name}/{rel}")
    world.link(f"{cache.CACHE_DIR}/previous-0123456789abcdef", "../../sentinel")


def cache_of_another_key(world: World) -> None:
    """A whole cache made by the attacker's own build (another user's key), at the clone's
    path, then edited to carry a script in every view and re-sealed with that key."""
    before = os.environ.get("XDG_CACHE_HOME")
    os.environ["XDG_CACHE_HOME"] = str(world.folder.parent / "attacker-home")
    try:
        Builder(BuildOptions(world.root, world.site, base_url=BASE, drafts=world.drafts)).build()
        other = userkey.key()
        assert other is not None
        for path in world.views():
            data = path.read_bytes()
            body = data[33:].replace(b"A <em>note</em>", SCRIPT.encode())
            path.write_bytes(userkey.seal("view", body, other).encode() + b"\n" + body)
        for path in world.part_files():
            body = path.read_bytes()[33:].replace(b"Claim of", f"{SCRIPT} of".encode())
            path.write_bytes(userkey.seal("part", body, other).encode() + b"\n" + body)
        world.plant("site/index.html")  # and a site that its writer record vouches for
    finally:
        os.environ["XDG_CACHE_HOME"] = before or ""
    wait_for_trash_emptiers(world.folder)


def nothing(world: World) -> None:
    pass


@dataclass
class Attack:
    plant: Callable[[World], None] = nothing
    """What the repository commits (before the first build)."""
    later: Callable[[World], None] = nothing
    """What arrives once the cache exists, before build number `step` (a `git pull`)."""
    step: int = 1


ATTACKS = {
    "trash links to ../..": Attack(trash_to_grandparent),
    "views links to the sentinel": Attack(views_to_sentinel),
    "parts links to the sentinel": Attack(parts_to_sentinel),
    ".explainer-cache links to the sentinel": Attack(cache_to_sentinel),
    "every cache name is a link": Attack(every_cache_name_a_link),
    "links beside site/": Attack(links_beside_the_site),
    "cache link and links beside site/": Attack(cache_link_and_links_beside_the_site),
    "a journal not sealed by this user": Attack(later=planted_journal),
    "views edited to carry a script": Attack(later=tampered_views),
    "views sealed with another key": Attack(later=views_sealed_with_another_key),
    "parts edited to carry a script": Attack(later=tampered_parts),
    "parts sealed with another key": Attack(later=parts_sealed_with_another_key),
    "a sealed view of the wrong types": Attack(later=lambda world: wrong_view(world, "an author that is a mapping")),
    "a sealed state naming paths out of the site": Attack(later=sealed_paths_out_of_the_site, step=3),
    "sealed units and actors of the wrong types": Attack(later=sealed_entries_of_the_wrong_types, step=2),
    "a sealed state of the wrong types": Attack(later=sealed_state_of_the_wrong_types),
    "sealed units of a language no one writes": Attack(later=sealed_units_of_a_language_no_one_writes, step=2),
    "a planted previous generation": Attack(planted_previous_generation),
    "a previous generation planted later": Attack(later=planted_previous_generation_later, step=3),
    "a cache made with another key": Attack(cache_of_another_key),
}
MODES = ["build", "build --clean", "serve"]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("attack", list(ATTACKS))
def test_a_hostile_cache_changes_nothing_outside_and_publishes_nothing(tmp_path: Path, cli_run, attack: str,
                                                                       mode: str) -> None:
    world = make_world(tmp_path, mode, cli_run)
    warnings = run_attack(world, ATTACKS[attack], tmp_path)
    untrusted = [w for build in warnings for w in build if cache.CACHE_DIR in w]
    if attack.startswith(".explainer-cache links") or attack.startswith("cache link"):
        # One warning, once: every build of a command line, the first of a `serve` session.
        expected = ("explainer: warning: .explainer-cache is a symbolic link; building without the cache; builds "
                    "are full ones until .explainer-cache is a folder of this user's (delete it: the next build "
                    "makes one)")
        assert warnings[0] == [expected]
        assert untrusted == [expected] * (1 if mode == "serve" else len(warnings))
        assert not (world.folder / "sentinel" / ".gitignore").exists()
    else:
        assert untrusted == []


@pytest.mark.parametrize("variant", [*WRONG_CLAIMS, "a head line that names a mapping"])
def test_a_sealed_view_of_the_wrong_types_costs_a_compile_never_an_error(tmp_path: Path, cli_run,
                                                                         variant: str) -> None:
    """A view with valid JSON but the wrong types made every incremental build fail (a
    template error: "unhashable type: 'dict'") until `--clean`. Now its claim is compiled
    from the file instead, and the site is the clean build's."""
    world = make_world(tmp_path, "build", cli_run)
    warnings = run_attack(world, Attack(later=lambda w: wrong_view(w, variant)), tmp_path)
    assert warnings == [[]] * len(EDITS)


def test_every_cache_file_is_read_only_if_this_users_key_sealed_it(tmp_path: Path) -> None:
    """One scheme for every file in `.explainer-cache/` (and the journal beside site/): each is
    read back as written; re-sealed the way versions before issue 15 did (an unkeyed checksum)
    or with another key, it is not read at all."""
    from generator import history, write
    root = make_project(tmp_path / "project", dict(FILES))
    out = root / "site"
    Builder(BuildOptions(root, out, base_url=BASE)).build()
    cache.save_history(root, history.History(True, "", {}, "abc123"))
    key = cache.cache_key(out, BASE, False)
    state = cache.load_cache(root, key)
    assert state is not None
    alpha_unit = cache.load_units(root, state)["content/explainers/alpha.md"]
    staging = write.make_staging(out)
    write.apply_update(staging, [], [], out)  # (it removes its staging folder)
    staging.mkdir()
    seal = userkey.seal("journal", b'{"written": [], "stale": []}', userkey.key() or b"")
    (staging / write._JOURNAL).write_bytes(seal.encode() + b'{"written": [], "stale": []}')
    from generator.incremental.units import Unit
    view_key = Unit.from_json(alpha_unit).key
    part_key = Unit.from_json(alpha_unit).front_key
    readers: dict[str, tuple[Path, Callable[[], object]]] = {
        "state": (cache.cache_path(root, key), lambda: cache.load_cache(root, key)),
        "units": (cache._units_path(cache.cache_path(root, key)),
                  lambda: cache.load_units(root, cache.load_cache(root, key)) or None),  # type: ignore[arg-type]
        "history.json": (root / ".explainer-cache/history.json", lambda: cache.load_history(root, "abc123")),
        "shared.json": (root / ".explainer-cache/shared.json", lambda: cache.load_shared(root)),
        "writer": (cache._writer_path(root, out), lambda: cache.last_writer(root, out) or None),
        "view": (cache._view_path(root, "content/explainers/alpha.md"),
                 lambda: cache.load_view(root, "content/explainers/alpha.md", view_key)),
        "journal": (staging / write._JOURNAL, lambda: write._journal(staging)),
        "part": (Path(parts._path(root, "claims.json", "alpha")), lambda: parts.load(root, "claims.json", "alpha", part_key)),
    }
    for kind, (path, read) in readers.items():
        sealed = path.read_bytes()
        assert read() is not None, kind
        if kind in ("view", "part"):
            body = sealed[33:]
            forgeries = [hashlib.blake2b(body, digest_size=16).hexdigest().encode() + b"\n" + body,
                         userkey.seal(kind, body, os.urandom(32)).encode() + b"\n" + body,
                         userkey.seal("part" if kind == "view" else "view", body,
                                      userkey.key() or b"").encode() + b"\n" + body]
        elif kind == "journal":
            body = sealed[32:]
            forgeries = [hashlib.blake2b(body, digest_size=16).hexdigest().encode() + body,
                         userkey.seal("journal", body, os.urandom(32)).encode() + body]
        else:
            body = sealed_payload(path)
            forgeries = [cache._MAGIC + hashlib.blake2b(body, digest_size=16).hexdigest().encode() + body,
                         cache._MAGIC + userkey.seal(kind, body, os.urandom(32)).encode() + body,
                         cache._MAGIC + userkey.seal("state" if kind != "state" else "units", body,
                                                     userkey.key() or b"").encode() + body]
        for forged in forgeries:
            path.write_bytes(forged)
            assert read() is None, kind
        path.write_bytes(sealed)
        assert read() is not None, kind
    write.discard(staging)


# -- the output folder as a link ------------------------------------------------------------------

@pytest.mark.parametrize("mode", MODES)
def test_an_output_folder_that_is_a_link_is_refused(tmp_path: Path, cli_run, mode: str) -> None:
    """A `site` link (say, to a deploy folder) was replaced by a real folder, the deploy folder
    staying stale while the build reported success. Now it is refused, and nothing is written."""
    world = make_world(tmp_path, mode, cli_run)
    (world.folder / "sentinel" / "site").mkdir()
    (world.folder / "sentinel" / "site" / "index.html").write_text("deployed\n")
    world.link("site", "../sentinel/site")
    before = snapshot(world.folder)
    target = os.path.realpath(world.folder / "sentinel" / "site")
    message = (f"explainer: error: output directory {world.site} is a symbolic link (to {target}); pass the "
               f"folder it points to with --out {target}, or remove the link")
    if mode == "serve":
        with pytest.raises(BuildFailed) as failed:
            Builder(BuildOptions(world.root, world.site, base_url=BASE, drafts=True), resident=True).build()
        assert [str(d) for d in failed.value.diagnostics] == [message]
    else:
        run = cli_run("build", "--root", world.root, *(["--clean"] if mode == "build --clean" else []))
        assert run.code == 1
        assert run.err_lines == [message]
    assert snapshot(world.folder) == before  # no cache, no staging folder, nothing


def test_out_given_as_a_link_is_refused_and_its_target_works(tmp_path: Path, cli_run) -> None:
    world = make_world(tmp_path, "build", cli_run)
    deploy = world.folder / "deploy"
    deploy.mkdir()
    (world.folder / "deploy-link").symlink_to("deploy")
    run = cli_run("build", "--root", world.root, "--out", world.folder / "deploy-link")
    assert run.code == 1 and "is a symbolic link" in run.err and "--out" in run.err
    assert not any(deploy.iterdir())
    assert cli_run("build", "--root", world.root, "--out", deploy).code == 0
    assert (deploy / "index.html").is_file()


# -- the writer record ------------------------------------------------------------------------------

@pytest.mark.parametrize("forgery", ["unsealed", "another key"])
def test_a_forged_writer_record_cannot_make_a_build_keep_drafts(tmp_path: Path, cli_run, forgery: str) -> None:
    """The writer record says which build last wrote site/ (a `--drafts` build, say); forged
    to name the plain build's state, it would make the next plain build trust a site/ that
    shows a draft."""
    world = make_world(tmp_path, "build", cli_run)
    world.plant("content/explainers/secret.md", explainer("Secret").replace("title:", "draft: true\ntitle:", 1))
    assert cli_run("build", "--root", world.root, "--base-url", BASE).code == 0
    plain = json.loads(sealed_payload(world.state_paths()[0]))["build_id"]
    assert cli_run("build", "--root", world.root, "--base-url", BASE, "--drafts").code == 0
    assert (world.site / "secret/index.html").is_file()
    payload = json.dumps(plain).encode()
    writer = cache._writer_path(world.root, world.site)
    if forgery == "unsealed":  # the format before issue 15: the id in plain text
        writer.write_text(plain)
    else:
        writer.write_bytes(cache._MAGIC + userkey.seal("writer", payload, os.urandom(32)).encode() + payload)
    assert cli_run("build", "--root", world.root, "--base-url", BASE).code == 0
    wait_for_trash_emptiers(world.folder)
    assert not (world.site / "secret").exists()
    (world.root / "content/explainers/secret.md").unlink()  # the clean build has no draft either
    assert snapshot(world.site) == clean_site(world.root, tmp_path / "clean" / "site", False)


# -- the reproduction: git clone next to a sentinel ----------------------------------------

def _git(*args: object, cwd: Path) -> None:
    subprocess.run(["git", "-c", "user.name=A", "-c", "user.email=a@example.org", "-c", "init.defaultBranch=main",
                    *map(str, args)], cwd=cwd, check=True, capture_output=True)


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
@pytest.mark.parametrize("command", ["build", "build --clean", "serve"])
def test_a_cloned_hostile_repository_builds_without_harm(tmp_path: Path, command: str) -> None:
    """A repository committing `site/index.html` and `.explainer-cache/trash -> ../..` (with
    the other hostile links of the issue), cloned next to a sentinel and another checkout:
    `explainer build` (or `--clean`) in the clone, as CI would run it, or `serve`'s builder."""
    origin = make_project(tmp_path / "origin", dict(FILES))
    for rel, content in (("site/index.html", f"<p>{PLANTED}</p>"), ("site/old/index.html", f"<p>{PLANTED}</p>")):
        (origin / rel).parent.mkdir(parents=True, exist_ok=True)
        (origin / rel).write_text(content)
    (origin / ".explainer-cache").mkdir()
    for rel, target in ((".explainer-cache/trash", "../.."), (".explainer-cache/views", "../../sentinel"),
                        (".site.staging-x", "../sentinel"), (".site.old-x", "../sentinel")):
        (origin / rel).symlink_to(target)
    _git("init", "-q", ".", cwd=origin)
    _git("add", "-A", cwd=origin)
    _git("commit", "-q", "-m", "hostile", cwd=origin)
    ci = tmp_path / "ci"
    make_project(ci / "sentinel", dict(SENTINEL))
    make_project(ci / "other-checkout", {"README": "another job's checkout\n"})
    clone = ci / "clone"
    _git("clone", "-q", origin, clone, cwd=tmp_path)
    assert os.readlink(clone / ".explainer-cache/trash") == "../.."
    before = outside(ci, "clone")
    clone_before = snapshot(clone / "content")
    if command == "serve":
        Builder(BuildOptions(clone, clone / "site", base_url=BASE, drafts=True), resident=True).build()
    else:
        result = subprocess.run([sys.executable, "-m", "generator", *command.split(), "--base-url", BASE],
                                cwd=clone, capture_output=True, text=True, timeout=120)
        assert result.returncode == 0, result.stderr
        assert "Traceback" not in result.stderr
    wait_for_trash_emptiers(ci)
    assert outside(ci, "clone") == before
    assert snapshot(clone / "content") == clone_before
    site = snapshot(clone / "site")
    # The clean build, from a fresh clone without the hostile names (the same git history).
    reference = tmp_path / "reference"
    _git("clone", "-q", origin, reference, cwd=tmp_path)
    for name in ("site", ".explainer-cache", ".site.staging-x", ".site.old-x"):
        safefs.remove_tree(reference / name)
    Builder(BuildOptions(reference, tmp_path / "clean", base_url=BASE, drafts=command == "serve"),
            use_cache=False).build()
    assert site == snapshot(tmp_path / "clean")


# -- deleting a tree ------------------------------------------------------------------------------------

def test_removing_a_tree_removes_links_and_never_what_they_point_at(tmp_path: Path) -> None:
    sentinel = make_project(tmp_path / "sentinel", dict(SENTINEL))
    before = snapshot(sentinel)
    tree = make_project(tmp_path / "tree", {"a/b/c.txt": "x", "d.txt": "y"})
    (tree / "a/b/up").symlink_to("../../../sentinel")
    (tree / "a/file-link").symlink_to(sentinel / "keep.txt")
    (tree / "dangling").symlink_to(tmp_path / "nowhere")
    (tmp_path / "top-link").symlink_to("sentinel")
    safefs.remove_tree(tree)
    safefs.remove_tree(tmp_path / "top-link")
    assert not tree.exists() and not os.path.lexists(tmp_path / "top-link")
    assert snapshot(sentinel) == before


def test_removing_a_tree_stops_at_a_mount_point(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A folder on another file system (a bind mount in a checkout) is left with what it holds.
    (Mounting needs privileges: the other device is played by the stat results.)"""
    tree = make_project(tmp_path / "tree", {"keep/mounted.txt": "x", "go/file.txt": "y"})
    mounted = os.stat(tree / "keep").st_ino
    real_stat = os.stat

    def stat(path, *args, **kwargs):  # type: ignore[no-untyped-def]
        result = real_stat(path, *args, **kwargs)
        if result.st_ino == mounted:
            fields = list(result)
            fields[2] += 1  # st_dev
            return os.stat_result(fields)
        return result

    monkeypatch.setattr(safefs.os, "stat", stat)
    safefs.remove_tree(tree)
    assert (tree / "keep/mounted.txt").read_text() == "x"
    assert not (tree / "go").exists()


_BIND_MOUNTED = """
import os, subprocess, sys
from pathlib import Path
from generator import safefs
tree, source = Path(sys.argv[1]), Path(sys.argv[2])
subprocess.run(["mount", "--bind", str(source), str(tree / "mounted")], check=True)
safefs.remove_tree(tree)
print(sorted(p.name for p in source.iterdir()), tree.exists(), (tree / "gone").exists())
"""


@pytest.mark.skipif(shutil.which("unshare") is None, reason="needs unshare (util-linux)")
def test_removing_a_tree_stops_at_a_bind_mount(tmp_path: Path) -> None:
    """A bind mount keeps its source's device number: it is found in /proc/self/mountinfo.
    (Mounted in a mount namespace of its own, where that is allowed.)"""
    tree = make_project(tmp_path / "tree", {"mounted/.keep": "", "gone/file.txt": "y"})
    source = make_project(tmp_path / "source", {"precious.txt": "x"})
    result = subprocess.run(["unshare", "-rm", sys.executable, "-c", _BIND_MOUNTED, str(tree), str(source)],
                            capture_output=True, text=True, timeout=60)
    if result.returncode != 0 and "mount" in result.stderr:
        pytest.skip(f"cannot mount here: {result.stderr.strip()[-200:]}")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["['precious.txt']", "True", "False"]


def test_the_emptier_only_empties_the_trash_it_was_given(tmp_path: Path) -> None:
    """Started with the trash folder's device and inode: if the name now leads elsewhere (a
    link put there meanwhile), it deletes nothing."""
    sentinel = make_project(tmp_path / "sentinel", dict(SENTINEL))
    before = snapshot(sentinel)
    trash = tmp_path / "trash"
    trash.mkdir()
    info = os.stat(trash)
    trash.rmdir()
    trash.symlink_to("sentinel")
    safefs.empty_folder(str(trash), info.st_dev, info.st_ino)
    assert snapshot(sentinel) == before
    other = tmp_path / "other"
    other.mkdir()
    safefs.empty_folder(str(sentinel), os.stat(other).st_dev, os.stat(other).st_ino)
    assert snapshot(sentinel) == before


# -- the key ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("spoil", ["link", "group-writable folder", "key readable by others", "key is a link"])
def test_the_key_is_kept_only_where_no_one_else_can_reach_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                             cli_run, spoil: str) -> None:
    home = tmp_path / "home"
    monkeypatch.setenv("XDG_CACHE_HOME", str(home))
    folder = home / "explainer"
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir(mode=0o700)
    home.mkdir()
    if spoil == "link":
        folder.symlink_to(elsewhere)
    elif spoil == "group-writable folder":
        folder.mkdir()
        os.chmod(folder, 0o770)
    elif spoil == "key readable by others":
        folder.mkdir(mode=0o700)
        (folder / userkey.KEY_NAME).write_bytes(b"k" * userkey.KEY_BYTES)
        os.chmod(folder / userkey.KEY_NAME, 0o644)
    else:
        folder.mkdir(mode=0o700)
        (elsewhere / "key").write_bytes(b"k" * userkey.KEY_BYTES)
        (folder / userkey.KEY_NAME).symlink_to(elsewhere / "key")
    secret = userkey.key()
    if spoil == "key readable by others":  # replaced by a new, private key
        assert secret is not None and secret != b"k" * userkey.KEY_BYTES
        assert os.stat(folder / userkey.KEY_NAME).st_mode & 0o077 == 0
        return
    assert secret is None
    root = make_project(tmp_path / "project", dict(FILES))
    run = cli_run("build", "--root", root, "--base-url", BASE)
    assert run.code == 0, run.err
    warnings = [line for line in run.err_lines if "warning" in line]
    assert len(warnings) == 1 and "cannot keep the build cache's key" in warnings[0], run.err
    assert not (root / cache.CACHE_DIR).exists()  # nothing written that could not be sealed
    assert not any(elsewhere.iterdir()) or spoil == "key is a link"


def test_a_new_key_is_private_and_shared_by_concurrent_builds(tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "home"))
    script = "from generator.incremental import userkey; import sys; sys.stdout.write(userkey.key().hex())"
    runs = [subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True) for _ in range(4)]
    keys = {run.communicate()[0] for run in runs}
    assert len(keys) == 1 and len(keys.pop()) == 2 * userkey.KEY_BYTES
    path = tmp_path / "home/explainer" / userkey.KEY_NAME
    assert oct(os.stat(path).st_mode & 0o777) == "0o600"
    assert oct(os.stat(path.parent).st_mode & 0o777) == "0o700"
