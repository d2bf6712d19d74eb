"""What a `Builder` knows of earlier builds, and where it keeps it between them.

One pipeline serves every command; what differs is its memory:

- `Memory` (none): `check`, and builds without the cache (tests, a preview folder
  without a trusted cache). It remembers only this process's own builds.
- `OnDisk`: `build`. It starts from the sealed `.explainer-cache/` (unless `--clean`:
  then it only writes it), may finish a build early (nothing changed) or with the
  shortcut (an edit only its explainer's pages show), and saves what the next build reads.
- `Resident`: `serve`. Its units stay in memory, so its first build compiles everything
  and each later edit recompiles one file; on disk it keeps only what its next start needs
  to update its folder, and it puts changed files in one by one (journaled).
"""

from __future__ import annotations

import datetime
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jinja2

from generator import assets, history
from generator.diagnostics import Diagnostic, Diagnostics, errors_in
from generator.incremental import cache, shortcut, views
from generator.incremental import stamps as stamps_of
from generator.incremental.parts import PartStore
from generator.incremental.units import Shared, Unit, kept_shared, units_from_cache
from generator.model import Explainer

MAX_UNIT_UPDATES = 256
"""Units an edit may record in the cache state (see `cache.save_cache`) before a build
folds them into the units file."""


@dataclass
class Templates:
    """The Jinja environment and what the build knows of its templates."""

    env: jinja2.Environment | None = None
    stamp: str = ""
    digests: dict[str, str] = field(default_factory=dict)
    """Page template -> digest of it with what it includes (`plan.template_digests`)."""
    diagnostics: Diagnostics = field(default_factory=Diagnostics)
    assets: list[assets.Asset] = field(default_factory=list)
    """The theme's assets as the current environment names them."""
    own_pages_local: bool = False
    """An explainer's own pages can be rendered without the rest of the site (see `shards`)."""


class Memory:
    """This process's own earlier builds, and nothing on disk (see the module docstring)."""

    resident = False
    """Kept alive for many builds (`serve`)."""

    def __init__(self, options_root: Path, out_dir: Path, cache_key: str, private_output: bool = False):
        self.root, self.out_dir, self.cache_key = options_root, out_dir, cache_key
        self.private_output = private_output
        """No other build writes the output directory (`serve`'s temporary preview folder): no
        writer record is kept (see `cache.record_writer`), and this Builder's last build is
        always what the folder holds."""
        self.units: dict[str, Unit] = {}
        self.shared: Shared | None = None
        self.git: history.History | None = None
        self.head = ""
        """The commit checked out at the start of this build (`history.head_commit`)."""
        self.templates = Templates()
        self.outputs: dict[str, str] | None = None
        """dest_path -> fingerprint of the last successful build (None: none yet)."""
        self.digests: dict[str, str] = {}
        """dest_path -> digest of the bytes last written."""
        self.previous: dict[str, str] | None = None
        """Where the previous generation differs from site/ (see `cache.CacheState.previous`)."""
        self.build_id = ""
        """The id this Builder's last write recorded (see `cache.record_writer`)."""
        self.from_cache = False
        """`outputs` came from the cache, not from a build of this Builder."""
        self.cache_usable = False
        """`.explainer-cache/` can be trusted (`cache.folder_problem`), looked at as each build starts."""
        self.unsaved: set[str] = set()
        """What this build read afresh and `save_kept` keeps if it succeeds: "history", "shared"."""
        self.parts = PartStore()
        """Each explainer's part of the files joined from parts (`plan.Joined`), by its key."""

    # -- what each kind of memory decides -------------------------------------------

    uses_cache = False
    """Reads or writes `.explainer-cache/` at all (when it can be trusted)."""
    reads_cache = False

    @property
    def cache_on(self) -> bool:
        """This build reads and writes `.explainer-cache/`."""
        return self.uses_cache and self.cache_usable

    def check_folder(self) -> list[Diagnostic]:
        """Look whether `.explainer-cache/` can be used; a warning if it cannot (see `OnDisk`)."""
        self.cache_usable = cache.folder_problem(self.root) is None
        return []

    def failed(self) -> None:
        """A build failed: what it compiled is no site's."""

    def starting_state(self) -> cache.CacheState | None:
        """The last build's state, if a build may start from it (the cache's, on a first build)."""
        return None

    def outputs_check(self, state: cache.CacheState | None) -> stamps_of.OutputsCheck | None:
        """Whether the outputs `state` describes are all still there, looked up on another
        process while this one stamps the sources and, for an edit, compiles it."""
        return None

    def source_stamps(self, theme: Path) -> dict[str, str]:
        """The stamp of every source, if a later build compares them."""
        if not self.uses_cache:
            return {}
        stamps = stamps_of.source_stamps(self.root, theme)
        if stamps:
            stamps["(git HEAD)"] = self.head  # a commit changes revisions
        return stamps

    def edit_state(self, state: cache.CacheState | None, stamps: dict[str, str],
                   now: datetime.datetime) -> cache.CacheState | None:
        """What the edit shortcut needs to know of the last build (see `edit`), if it may be tried."""
        return None

    def load_units(self, state: cache.CacheState | None) -> None:
        """Before a build of the whole site: the units the last build kept, if this memory reads them."""

    def part_store(self) -> PartStore:
        """The parts, kept where this build keeps its cache (in memory only without one)."""
        self.parts.use_cache(self.root if self.cache_on else None, self.reads_cache)
        return self.parts

    def may_fork_compile(self) -> bool:
        """A full build may compile on forked workers that render own pages early (`executor`)."""
        return self.outputs is None

    def kept_shared(self, stamps: dict[str, str], context: str) -> Shared | None:
        return None

    def known_history(self) -> history.History | None:
        """What git said at the commit of the last build that kept it (see `compiler.read_history`)."""
        return cache.load_history(self.root, None) if self.cache_on and self.reads_cache else None

    def save(self, stamps: dict[str, str], warnings: list[Diagnostic], valid_until: str) -> bool:
        """After a successful full build: what the next one starts from (True: saved)."""
        return False

    def save_edit(self, state: cache.CacheState, stamps: dict[str, str], edited: dict[str, Unit],
                  updated: dict[str, Any]) -> None:
        """After the shortcut rewrote the `edited` explainers' own pages."""

    def after_edit(self) -> None:
        """The shortcut is done; what this memory keeps of it."""

    # -- shared by every memory -------------------------------------------------------

    def claim(self) -> None:
        """Say who writes the output directory before touching it (or the previous
        generation): if this process dies now, no cache state matches the recorded writer,
        and the next build is a full one."""
        self.build_id = os.urandom(8).hex()
        if self.cache_usable and not self.private_output:  # a private folder has no other writer
            cache.record_writer(self.root, self.out_dir, self.build_id)
        elif not self.private_output:
            cache.forget_writer(self.root, self.out_dir)

    def wrote_last(self) -> bool:
        """The output directory is what this memory's last build left there: not if another
        build wrote there since (a `build --drafts` into site/ between two `build`s, or a
        second `serve` session of the project into the preview folder)."""
        return self.private_output or cache.last_writer(self.root, self.out_dir) == self.build_id

    def take(self, state: cache.CacheState) -> None:
        """Start from the last build's outputs, as `state` describes them."""
        self.outputs, self.digests, self.previous = state.outputs, state.digests, state.previous
        self.from_cache = True
        self.build_id = state.build_id

    def remember(self, outputs: dict[str, str], written: dict[str, str], stale: list[str],
                 incremental: bool) -> set[str]:
        """Keep this build's fingerprints and digests; return the outputs whose bytes changed."""
        changed = {p for p, d in written.items() if self.digests.get(p) != d} | set(stale)
        if not incremental:
            changed |= set(self.digests) - set(written)
            self.digests = {}
        for path in stale:
            self.digests.pop(path, None)
        self.digests.update(written)
        self.outputs = outputs
        self.from_cache = False
        return changed

    def remember_previous(self, live: dict[str, str], changed: list[str], incremental: bool) -> None:
        """The site this build replaced is now the previous generation (`build`'s swaps);
        `live` held the digests of the files it replaced (`changed`)."""
        self.previous = ({p: live.get(p, "") for p in changed if live.get(p) != self.digests.get(p)}
                         if incremental else None)

    def remember_edit(self, state: cache.CacheState, written: dict[str, str], outputs: dict[str, str],
                      folder_only: bool) -> None:
        """After the shortcut: the rewritten pages' digests, and what the previous generation
        holds now (untouched when only a folder was exchanged)."""
        live = dict(self.digests)
        self.digests = {**live, **written}
        self.outputs = {**state.outputs, **outputs}
        if not folder_only:
            self.previous = {p: live.get(p, "") for p, d in written.items() if live.get(p) != d}
        elif self.previous is not None:
            for path, new in written.items():
                held = self.previous.pop(path, live.get(path, ""))  # what the previous generation has
                if held != new:
                    self.previous[path] = held

    def valid_until(self, now: datetime.datetime) -> str:
        """The next instant an embargo lifts (the site changes then without any file changing)."""
        coming = [u.explainer.published.instant().astimezone(datetime.UTC)
                  for u in self.units.values()
                  if u.explainer is not None and u.explainer.published.instant() > now]
        return min(coming).isoformat() if coming else ""

    def state(self, stamps: dict[str, str], warnings: list[Diagnostic], valid_until: str,
              units: dict[str, Any] | None) -> cache.CacheState:
        """This memory's last build as the cache describes one."""
        return cache.CacheState(
            key=self.cache_key, sources=stamps, outputs=self.outputs or {}, digests=self.digests,
            warnings=warnings, build_id=self.build_id, valid_until=valid_until, units=units,
            template_stamp=self.templates.stamp, templates=self.templates.digests, previous=self.previous,
            own_pages_local=self.templates.own_pages_local)


class OnDisk(Memory):
    """`build`: the sealed cache between processes (see the module docstring)."""

    uses_cache = True

    def __init__(self, root: Path, out_dir: Path, cache_key: str, read: bool = True):
        super().__init__(root, out_dir, cache_key)
        self.reads_cache = read
        """Start from the cache; `--clean` turns this off."""
        self.warned = False

    def check_folder(self) -> list[Diagnostic]:
        """The warning that the cache cannot be used, the first time a Builder finds so."""
        problem = cache.folder_problem(self.root)
        self.cache_usable = problem is None
        if problem is None or self.warned:
            return []
        self.warned = True
        return [Diagnostic(f"{problem}; building without the cache", None,
                           f"builds are full ones until {cache.CACHE_DIR} is a folder of this user's "
                           "(delete it: the next build makes one)" if cache.CACHE_DIR in problem else
                           "builds are full ones until this user has a cache folder of their own "
                           "(see XDG_CACHE_HOME)", "warning")]

    def starting_state(self) -> cache.CacheState | None:
        """On a Builder's first build, the cache state that describes the output directory
        as it is, if there is one."""
        if not (self.cache_on and self.reads_cache and self.outputs is None):
            return None
        state = cache.load_cache(self.root, self.cache_key)
        if state is None or not self.out_dir.is_dir():
            return None
        if cache.last_writer(self.root, self.out_dir) != state.build_id:
            return None  # another build (say `build --drafts`) wrote there since
        return state

    def outputs_check(self, state: cache.CacheState | None) -> stamps_of.OutputsCheck | None:
        return stamps_of.OutputsCheck(self.out_dir, state.outputs) if state is not None else None

    def take(self, state: cache.CacheState) -> None:
        super().take(state)
        self.templates.stamp, self.templates.digests = state.template_stamp, state.templates
        self.templates.own_pages_local = state.own_pages_local

    def edit_state(self, state: cache.CacheState | None, stamps: dict[str, str],
                   now: datetime.datetime) -> cache.CacheState | None:
        return state if state is not None and not embargo_lifted(state, now) else None

    def load_units(self, state: cache.CacheState | None) -> None:
        """Every unit the state's build kept; any the shortcut compiled before it gave up is reused."""
        if state is not None:
            self.units = {**units_from_cache(cache.load_units(self.root, state)), **self.units}

    def kept_shared(self, stamps: dict[str, str], context: str) -> Shared | None:
        return kept_shared(self.root, stamps, context) if self.cache_on and self.reads_cache else None

    def save(self, stamps: dict[str, str], warnings: list[Diagnostic], valid_until: str) -> bool:
        if not self.cache_on:
            return False
        units = {rel: u.to_json() for rel, u in self.units.items() if u.explainer is not None}
        cache.save_views(self.root, {u.explainer.src_path: (u.key, text) for u in self.units.values()
                                     if u.explainer is not None and not u.view_saved
                                     and (text := _view_text(u)) is not None},
                         {u.explainer.src_path for u in self.units.values() if u.explainer is not None})
        self.save_kept()
        self.parts.save({u.explainer.slug for u in self.units.values() if u.explainer is not None})
        cache.save_cache(self.root, self.state(stamps, warnings, valid_until, units))
        return True

    def save_edit(self, state: cache.CacheState, stamps: dict[str, str], edited: dict[str, Unit],
                  updated: dict[str, Any]) -> None:
        cache.save_views(self.root, {u.explainer.src_path: (u.key, views.encode(u.explainer))
                                     for u in edited.values() if isinstance(u.explainer, Explainer)})
        self.save_kept()
        kept = self.state(stamps, state.warnings, state.valid_until, None)
        kept.unit_marks, kept.unit_updates, kept.units_id = state.unit_marks, state.unit_updates, state.units_id
        kept.own_pages_local = state.own_pages_local
        cache.save_cache(self.root, kept, updated)

    def after_edit(self) -> None:
        # This Builder knows only the edited units: its next build starts from the cache again.
        self.outputs, self.units, self.from_cache = None, {}, False

    def save_kept(self) -> None:
        """After a successful build, keep what was read afresh that a later build may take
        instead of reading it again: the git history, the compiled shared actors. (A
        failed build leaves a project without a cache without one.)"""
        if not self.cache_on:
            return
        if "history" in self.unsaved and self.git is not None:
            cache.save_history(self.root, self.git)
        shared = self.shared
        if "shared" in self.unsaved and shared is not None and not errors_in(shared.diagnostics):
            cache.save_shared(self.root, shared.to_json())
        self.unsaved.clear()


class Resident(Memory):
    """`serve`: units in memory; on disk only what its next start needs (see the module docstring)."""

    resident = True

    def __init__(self, root: Path, out_dir: Path, cache_key: str, on_disk: bool, private_output: bool):
        super().__init__(root, out_dir, cache_key, private_output)
        self.uses_cache = self.reads_cache = on_disk
        self.disk = OnDisk(root, out_dir, cache_key)
        self.last_stamps: dict[str, str] | None = None
        """The sources its last successful build read (see `edit_state`)."""
        self.last_warnings: list[Diagnostic] = []

    def check_folder(self) -> list[Diagnostic]:
        if not self.uses_cache:
            return super().check_folder()
        warning = self.disk.check_folder()
        self.cache_usable = self.disk.cache_usable
        return warning

    def failed(self) -> None:
        # The units may now hold what the failed build compiled, which no site shows:
        # the next build takes the whole pipeline, not the shortcut.
        self.last_stamps = None

    def starting_state(self) -> cache.CacheState | None:
        """Its first build starts from the outputs the cache describes (to update the folder,
        not write it anew), but compiles everything once, to have it at hand."""
        self.disk.cache_usable = self.cache_usable
        self.disk.outputs = self.outputs
        return self.disk.starting_state() if self.uses_cache else None

    def part_store(self) -> PartStore:
        """In memory only: its builds show drafts, so its parts' keys are not `build`'s, and
        on disk the two would replace each other's parts of the same explainers."""
        self.parts.use_cache(None, False)
        return self.parts

    def may_fork_compile(self) -> bool:
        return False

    def edit_state(self, state: cache.CacheState | None, stamps: dict[str, str],
                   now: datetime.datetime) -> cache.CacheState | None:
        """What the shortcut needs to know of its last build, from memory: the sources it read,
        its outputs, and the marks of the units this edit changed. None on the first build
        (from the cache or not), or when an embargo lifted since."""
        if state is not None or self.last_stamps is None or self.outputs is None:
            return None
        valid_until = self.valid_until(now)
        if valid_until and now.isoformat() >= valid_until:
            return None
        edited = shortcut.edited_explainers(self.last_stamps, stamps) or []
        marks = {rel: cache.unit_mark(unit.to_json()) for rel in edited
                 if (unit := self.units.get(rel)) is not None and unit.explainer is not None}
        state = self.state(self.last_stamps, self.last_warnings, valid_until, None)
        state.unit_marks = marks
        state.template_stamp, state.templates, state.previous = "", {}, None
        return state

    def remember_previous(self, live: dict[str, str], changed: list[str], incremental: bool) -> None:
        self.previous = None  # its updates are applied in place: no previous generation

    def save(self, stamps: dict[str, str], warnings: list[Diagnostic], valid_until: str) -> bool:
        """In memory, what this build read and said, for the next build's shortcut; on disk
        what the next start needs. (After a shortcut `valid_until` is the last build's: a new
        published date is seen elsewhere, so never a shortcut.) Without the cache, neither."""
        self.parts.save({u.explainer.slug for u in self.units.values() if u.explainer is not None})
        return self._remember(stamps, warnings, valid_until)

    def save_edit(self, state: cache.CacheState, stamps: dict[str, str], edited: dict[str, Unit],
                  updated: dict[str, Any]) -> None:
        # The parts stay: an edit the shortcut takes changes no front matter (their key).
        self._remember(stamps, state.warnings, state.valid_until)

    def _remember(self, stamps: dict[str, str], warnings: list[Diagnostic], valid_until: str) -> bool:
        if not self.uses_cache:
            return False
        self.last_stamps, self.last_warnings = stamps, warnings
        if self.cache_on:
            cache.save_cache(self.root, self.state(stamps, warnings, valid_until, {}))
        return True


def _view_text(unit: Unit) -> str | None:
    """The unit's view (see `views`): the one a worker encoded, or encoded now."""
    if unit.view:
        return unit.view
    return views.encode(unit.explainer) if isinstance(unit.explainer, Explainer) else None


def unchanged(state: cache.CacheState, stamps: dict[str, str], outputs_check: stamps_of.OutputsCheck | None,
              now: datetime.datetime) -> bool:
    """No source changed since the build `state` describes, no embargo lifted, and every
    output is still there: the build has nothing to do."""
    return (outputs_check is not None and not embargo_lifted(state, now) and state.sources == stamps
            and outputs_check.all_exist())


def embargo_lifted(state: cache.CacheState, now: datetime.datetime) -> bool:
    return bool(state.valid_until) and now.isoformat() >= state.valid_until


def may_take_shortcut(state: cache.CacheState, edited: list[str] | None) -> bool:
    """The edit changed explainers only, each known to the state, which has room for them."""
    return (edited is not None and all(rel in state.unit_marks for rel in edited)
            and len(state.unit_updates) <= MAX_UNIT_UPDATES and state.own_pages_local)
