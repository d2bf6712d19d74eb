"""The build, top to bottom: load, validate, resolve, check templates, render, write.

Everything is read and checked before anything is written: a project with
errors leaves the previous output directory exactly as it was.

`Builder` runs that pipeline again and again on one project (for `serve`,
and for `build` with its cache). Between runs it keeps each explainer's
compiled unit (loaded, validated, resolved on its own, with its diagnostics)
and each output file's fingerprint (see `plan`), so a rebuild re-reads only
files whose stamp changed, recompiles only explainers whose inputs changed,
and renders and writes only outputs whose fingerprint changed.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime
import gc
import json
import os
import posixpath
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import jinja2

from generator import assets, history, linkcheck, load, media, render, resolve, safefs, validate, write
from generator.incremental import cache, dependencies, quotes, shortcut, template_cache, views
from generator.workers import parallel, shards
from generator.incremental import stamps as stamps_of
from generator.config import BuildOptions, SiteConfig, read_config
from generator.diagnostics import BuildFailed, Diagnostic, Diagnostics, Span
from generator.model import Actor, Explainer
from generator.plan import OutputJob, code_version, digest, own_page_templates, page_templates, plan_site, stale_files
from generator.sitelinks import SiteIndex, SiteLink, WrittenLinks
from generator.incremental.summary import LazyExplainer, SummaryData, quoted_of, summarize

MAX_UNIT_UPDATES = 256
"""Units an edit may record in the cache state (see `cache.save_cache`) before a build
folds them into the units file."""


@dataclass
class BuildReport:
    pages: int = 0
    """HTML pages in the site."""
    files: int = 0
    """Files in the site."""
    written: int = 0
    """Files rendered and written by this build (all of them on a clean build)."""
    seconds: float = 0.0
    warnings: list[Diagnostic] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    """Output paths whose bytes differ from the previous build of the same `Builder`
    (written, changed or removed); every path on a first build."""
    timings: dict[str, float] = field(default_factory=dict)
    """Seconds per stage: compile (load, validate, resolve; on a full build of many explainers
    also their own pages), plan, render (and write), swap (link check, then the new site put
    in place), cache (saved for the next build)."""


@dataclass
class _Unit:
    """One explainer file compiled on its own, kept between builds."""

    stamp: str
    """mtime and size of the file when it was read."""
    digest: str
    """Hash of the file's bytes."""
    context: str
    """Digest of everything else compiling it read: settings, images, the shared actors it uses."""
    used_shared: tuple[str, ...]
    explainer: Explainer | LazyExplainer | None
    diagnostics: list[Diagnostic]
    front_digest: str = ""
    """Hash of the front matter alone (see `plan.plan_site`)."""
    summary: SummaryData | None = None
    """What the site needs of the explainer, when the unit comes from the cache (see
    `summary`) or from a worker (see `shards`); `explainer` is then a `LazyExplainer` over it."""
    view: str | None = None
    """The explainer's view (see `views`), when a worker compiled it."""
    view_saved: bool = False
    """The worker also stored the view in the cache (`cache.save_view`)."""
    site_links: list[SiteLink] = field(default_factory=list)
    """The links its Markdown fields make to pages of the site (see `sitelinks`), checked
    against the whole site by every build, even when the file is not compiled again. Not
    part of what the rest of the site reads of it (`cache.unit_mark`): a body edit that
    changes them takes the shortcut, which checks them."""
    quoted: dict[str, str] = field(default_factory=dict)
    """What each actor's page shows of the explainer (`quotes`), kept with its summary."""

    @property
    def key(self) -> str:
        return digest(self.digest, self.context)

    @property
    def front_key(self) -> str:
        return digest(self.front_digest, self.context)

    @property
    def facts(self) -> dependencies.UnitFacts:
        """What fingerprints read of the unit (see `dependencies`)."""
        return dependencies.UnitFacts(self.key, self.front_key, self.front_digest, self.quoted)

    def to_json(self) -> dict[str, object]:
        """The unit as the cache stores it: its keys and its explainer's summary."""
        data = self.summary
        if data is None:
            assert isinstance(self.explainer, Explainer)
            data = summarize(self.explainer, self.quoted)
        return {"stamp": self.stamp, "digest": self.digest, "front_digest": self.front_digest,
                "context": self.context, "used_shared": list(self.used_shared), "summary": data,
                "warnings": cache.diagnostics_to_json(self.diagnostics),
                "site_links": [link.to_json() for link in self.site_links]}

    @classmethod
    def from_json(cls, data: dict[str, object]) -> "_Unit":
        """Raises ValueError, TypeError or KeyError on anything but what `to_json` wrote."""
        fields = [data[name] for name in ("stamp", "digest", "front_digest", "context")]
        used = data["used_shared"]
        if not all(isinstance(f, str) for f in fields) or not isinstance(used, list) \
                or not all(isinstance(a, str) for a in used) or not isinstance(data["summary"], dict):
            raise TypeError("not a cached unit")
        stamp, digest_, front, context = fields
        links = data["site_links"]
        if not isinstance(links, list):
            raise TypeError("not a list of links")
        return cls(stamp, digest_, context, tuple(used), None, cache.diagnostics_from_json(data["warnings"]),
                   front, data["summary"], site_links=[SiteLink.from_json(link) for link in links],
                   quoted=quoted_of(data["summary"]))


@dataclass
class _Project:
    """What compiling one explainer reads besides its file (see `Builder._project`)."""

    builder: "Builder"
    config: SiteConfig
    config_digest: str
    """Digest of the generator's code, site.yaml and the options."""
    content_files: set[str]
    shared: "_Shared"
    git: history.History
    context: str
    """Digest of the settings, the image files and the shared actors' ids."""

    def compile(self, path: Path, rel: str) -> "_Unit":
        """The explainer at `path` compiled, or reused from the builder's units."""
        return self.builder._unit(path, rel, self.shared, self.content_files, self.config,
                                  self.context, self.git.of(rel))


@dataclass
class _Shared:
    """The shared actors, compiled together, with the stamps of their files."""

    stamps: dict[str, str]
    config_digest: str
    actors: dict[str, Actor]
    digests: dict[str, str]
    diagnostics: list[Diagnostic]
    site_links: dict[str, list[SiteLink]] = field(default_factory=dict)
    """Actor id -> the links its description makes to pages of the site (see `sitelinks`)."""


class Builder:
    """Builds one project again and again, redoing only what changed.

    `build()` raises `BuildFailed` on content or template errors and leaves the previous
    site in place.
    """

    def __init__(self, options: BuildOptions, use_cache: bool = True, read_cache: bool = True,
                 resident: bool = False, private_output: bool = False):
        self.options = options
        self.resident = resident
        """Kept alive for many builds (`serve`): even when the cache says nothing changed, the
        first build compiles the project, so that the next edit recompiles one file."""
        self.private_output = private_output
        """No other build writes the output directory (`serve`'s temporary preview folder): no
        writer record is kept (see `cache.record_writer`), and this Builder's last build is
        always what the folder holds."""
        self.build_id = ""
        """The id this Builder's last write recorded (see `cache.record_writer`)."""
        self.from_cache = False
        """`outputs` came from the cache, not from a build of this Builder."""
        self.use_cache = use_cache
        """Write `.explainer-cache/` after each build (see `cache`)."""
        self.read_cache = read_cache
        """Start from the cache; `--clean` turns this off."""
        self.cache_usable = False
        """`.explainer-cache/` can be trusted (`cache.folder_problem`), looked at as each build
        starts; without it the build neither reads nor writes it."""
        self.cache_warned = False
        """The warning that the cache cannot be used has been given (once per Builder)."""
        self.units: dict[str, _Unit] = {}
        self.shared: _Shared | None = None
        self.outputs: dict[str, str] | None = None
        """dest_path -> fingerprint of the last successful build (None: none yet)."""
        self.digests: dict[str, str] = {}
        """dest_path -> digest of the bytes last written."""
        self.previous: dict[str, str] | None = None
        """Where the previous generation differs from site/ (see `cache.CacheState.previous`)."""
        self.env: jinja2.Environment | None = None
        self.env_stamp = ""
        self.template_diagnostics = Diagnostics()
        self.templates: dict[str, str] = {}
        self.assets: list[assets.Asset] = []
        """The theme's assets as the current environment names them (see `_environment`)."""
        self.own_pages_local = False
        """An explainer's own pages can be rendered without the rest of the site (see `shards`)."""
        self.git: history.History | None = None
        self.head = ""
        """The commit checked out at the start of this build (`history.head_commit`)."""
        self.last_stamps: dict[str, str] | None = None
        """`serve`: the sources its last successful build read (see `_resident_state`)."""
        self.last_warnings: list[Diagnostic] = []
        self.unsaved: set[str] = set()
        """What this build read afresh and `_save_kept` keeps if it succeeds: "history", "shared"."""

    # -- the stages ------------------------------------------------------------

    def check(self) -> BuildReport:
        """Validate the whole project, compile the templates, render every page in memory and
        check every link as `build` does; write nothing at all."""
        started = time.perf_counter()
        root = self.options.root
        self.head = history.head_commit(root)
        compiled, diags = self._compile()
        diags.raise_if_errors()
        assert compiled is not None
        site, env, templates, config_digest, _ = compiled
        jobs = self._plan(site, env, templates, config_digest)
        outputs = {job.dest_path for job in jobs}
        out_label = _display_path(self.options.out_dir, root)
        try:
            _, pages = parallel.render_to_staging(jobs, None, root, self.options.jobs, out_label, outputs)
        except render.TemplateFailed as exc:
            raise BuildFailed(exc.diagnostics) from None
        makers = {job.dest_path: job.make for job in jobs}
        with parallel.collector_paused():
            # A page with a broken template link is rendered again to say where in it the link is.
            broken = linkcheck.check_site(pages, out_label, lambda _: None, lambda path: makers[path]().data,
                                          outputs, self._written_links(site, outputs))
        if broken:
            raise BuildFailed(sorted(broken, key=lambda d: d.span or Span("")))
        return BuildReport(pages=sum(p.endswith(".html") for p in outputs), files=len(outputs),
                           seconds=time.perf_counter() - started, warnings=diags.warnings)

    def build(self) -> BuildReport:
        """Check the whole project, then write what changed. Nothing is written on errors."""
        # Compiling allocates millions of small objects that live until the next build; the
        # cyclic collector would rescan them again and again (0.3 s pauses at 1,000
        # explainers). It is paused while compiling and the survivors are frozen (never
        # scanned again); it runs while rendering, whose garbage (Jinja contexts) has cycles.
        gc.disable()
        warning = self._check_cache_folder()
        try:
            report = self._build()
        except BuildFailed as exc:
            exc.diagnostics.extend(warning)
            self.last_stamps = None  # (as below)
            raise
        except BaseException:
            # The units may now hold what the failed build compiled, which no site shows:
            # `serve`'s next build takes the whole pipeline, not the shortcut.
            self.last_stamps = None
            raise
        finally:
            gc.enable()
        if warning:
            report.warnings = [*warning, *report.warnings]
        return report

    @property
    def cache_on(self) -> bool:
        """This build reads and writes `.explainer-cache/`."""
        return self.use_cache and self.cache_usable

    def _check_cache_folder(self) -> list[Diagnostic]:
        """Look whether `.explainer-cache/` can be used (see `cache.folder_problem`); the
        warning that it cannot, the first time a Builder finds so."""
        problem = cache.folder_problem(self.options.root)
        self.cache_usable = problem is None
        if problem is None or not self.use_cache or self.cache_warned:
            return []
        self.cache_warned = True
        return [Diagnostic(f"{problem}; building without the cache", None,
                           f"builds are full ones until {cache.CACHE_DIR} is a folder of this user's "
                           "(delete it: the next build makes one)" if cache.CACHE_DIR in problem else
                           "builds are full ones until this user has a cache folder of their own "
                           "(see XDG_CACHE_HOME)", "warning")]

    def _build(self) -> BuildReport:
        started = time.perf_counter()
        root = self.options.root
        try:
            write.refuse_link(self.options.out_dir)
        except write.OutputError as exc:
            raise BuildFailed([Diagnostic(str(exc))]) from None
        state = self._cached_state()
        with contextlib.ExitStack() as held:  # the output lock, if the workers write early
            # Whether the outputs the cache describes are all still there is looked up on
            # another process (`OutputsCheck`) while this one stamps the sources and, for an
            # edit, compiles it: a no-op build or an edit at 5,000 explainers waits less for it.
            outputs_check = (held.enter_context(stamps_of.OutputsCheck(self.options.out_dir, state.outputs))
                             if state is not None and not self.resident else None)
            stamps = stamps_of.source_stamps(root, render.THEME_DIR) if self.use_cache else {}
            self.head = history.head_commit(root)
            if stamps:
                stamps["(git HEAD)"] = self.head  # a commit changes revisions
            if state is not None:
                unchanged = self._start_from_cache(state, stamps, started, outputs_check)
                if unchanged is not None:
                    unchanged.seconds = time.perf_counter() - started
                    return unchanged
            elif self.resident and (known := self._resident_state(stamps)) is not None:
                report = self._rebuild_own_pages(known, stamps, started, None)
                if report is not None:
                    return report
            return self._compile_and_write(started, stamps, held)

    def _compile_and_write(self, started: float, stamps: dict[str, str],
                           held: contextlib.ExitStack) -> BuildReport:
        root, out_dir = self.options.root, self.options.out_dir
        LazyExplainer.drop_decoded_views()  # those of the last build's explainers
        compiled, diags = self._compile(held)
        gc.freeze()
        gc.enable()
        diags.raise_if_errors()
        assert compiled is not None
        timings = {"compile": time.perf_counter() - started}
        self._check_output_dir()
        *planned, early = compiled
        jobs = self._plan(*planned)
        outputs = {job.dest_path for job in jobs}
        timings["plan"] = time.perf_counter() - started - sum(timings.values())
        with contextlib.nullcontext() if early else write.lock(out_dir):
            if early is None:
                write.recover(out_dir)
            # Incremental only over an output directory that this Builder's state describes: not
            # if another build wrote there since (a `build --drafts` into site/ between two
            # `build`s, or a second `serve` session of the project into the preview folder).
            # Decided under the lock: a build that wrote while this one waited for it counts too
            # (two `build`s at once, each from the same state, left a mixture of both sites).
            incremental = (self.outputs is not None and out_dir.is_dir()
                           and (self.private_output or cache.last_writer(root, out_dir) == self.build_id))
            previous = self.outputs if incremental and self.outputs is not None else {}
            # Outputs known only from the cache may have been deleted by hand since: look.
            missing = ({job.dest_path for job in jobs if job.dest_path in previous
                        and not os.path.exists(os.path.join(out_dir, job.dest_path))}
                       if incremental and self.from_cache else set())
            todo = [job for job in jobs if previous.get(job.dest_path) != job.fingerprint
                    or job.dest_path in missing]
            stale = stale_files(previous, [job.dest_path for job in jobs])
            written_links = self._written_links(planned[0], outputs,
                                                {job.dest_path for job in todo} if incremental else None)
            live = {p: d for p, d in self.digests.items() if p not in missing} if incremental else {}
            written = self._write(todo, outputs, stale, incremental, timings, started, early,
                                  written_links=written_links)
        timings["swap"] = time.perf_counter() - started - sum(timings.values())
        changed = self._remember(jobs, written, stale, incremental)
        if incremental and not self.resident:
            # The site this build replaced is now the previous generation.
            self.previous = {p: live.get(p, "") for p in (*written.digests, *stale, *missing)
                             if live.get(p) != self.digests.get(p)}
        else:
            self.previous = None
        self.from_cache = False
        if self.use_cache and self.resident:
            self._save_resident_state(stamps, diags.warnings, self._valid_until())
            timings["cache"] = time.perf_counter() - started - sum(timings.values())
        elif self.cache_on:
            units = {rel: u.to_json() for rel, u in self.units.items() if u.explainer is not None}
            cache.save_views(root, {u.explainer.src_path: (u.key, u.view or views.encode(u.explainer))
                                    for u in self.units.values() if not u.view_saved
                                    and (isinstance(u.explainer, Explainer) or u.view is not None)},
                             {u.explainer.src_path for u in self.units.values() if u.explainer is not None})
            self._save_kept(root)
            cache.save_cache(root, cache.CacheState(
                self._cache_key(), stamps, self.outputs or {}, self.digests, diags.warnings, self.build_id,
                self._valid_until(), units, template_stamp=self.env_stamp, templates=self.templates,
                previous=self.previous, own_pages_local=self.own_pages_local))
            timings["cache"] = time.perf_counter() - started - sum(timings.values())
        return BuildReport(pages=sum(job.dest_path.endswith(".html") for job in jobs), files=len(jobs),
                           written=len(written.digests), seconds=time.perf_counter() - started,
                           warnings=diags.warnings, changed=sorted(changed), timings=timings)

    def _valid_until(self) -> str:
        """The next instant an embargo lifts (the site changes then without any file changing)."""
        now = _now()
        coming = [u.explainer.published.instant().astimezone(datetime.timezone.utc)
                  for u in self.units.values()
                  if u.explainer is not None and u.explainer.published.instant() > now]
        return min(coming).isoformat() if coming else ""

    def _cache_key(self) -> str:
        return cache.cache_key(self.options.out_dir, self.options.base_url, self.options.drafts)

    def _cached_state(self) -> cache.CacheState | None:
        """On a Builder's first build, the cache state that describes the output directory
        as it is, if there is one."""
        if not (self.cache_on and self.read_cache and self.outputs is None):
            return None
        out_dir = self.options.out_dir
        state = cache.load_cache(self.options.root, self._cache_key())
        if state is None or not out_dir.is_dir():
            return None
        if cache.last_writer(self.options.root, out_dir) != state.build_id:
            return None  # another build (say `build --drafts`) wrote there since
        return state

    def _resident_state(self, stamps: dict[str, str]) -> cache.CacheState | None:
        """For `serve` (a resident Builder), what `_rebuild_own_pages` needs to know of its
        last build, from memory: the sources it read, its outputs, and the marks of the units
        this edit changed. None before the first build, or when an embargo lifted since."""
        if self.last_stamps is None or self.outputs is None:
            return None
        valid_until = self._valid_until()
        if valid_until and _now().isoformat() >= valid_until:
            return None
        edited = shortcut.edited_explainers(self.last_stamps, stamps) or []
        marks = {rel: cache.unit_mark(unit.to_json()) for rel in edited
                 if (unit := self.units.get(rel)) is not None and unit.explainer is not None}
        return cache.CacheState(self._cache_key(), self.last_stamps, self.outputs, self.digests,
                                self.last_warnings, self.build_id, valid_until, None, marks,
                                own_pages_local=self.own_pages_local)

    def _start_from_cache(self, state: cache.CacheState, stamps: dict[str, str], started: float,
                          outputs_check: stamps_of.OutputsCheck | None) -> BuildReport | None:
        """Take the previous outputs from the cache `state`; if no source changed and every
        output is still there, the build is done (the report says so), and if only
        explainers changed, in ways only their own pages show, it is done once those pages
        are rewritten (see `shortcut`)."""
        embargo_lifted = bool(state.valid_until) and _now().isoformat() >= state.valid_until
        if (outputs_check is not None and not embargo_lifted and state.sources == stamps
                and outputs_check.all_exist()):
            return BuildReport(pages=sum(p.endswith(".html") for p in state.outputs),
                               files=len(state.outputs), warnings=state.warnings)
        self.outputs, self.digests, self.previous = state.outputs, state.digests, state.previous
        self.from_cache = True
        self.build_id = state.build_id
        if not self.resident:  # `serve` compiles everything once, to have it at hand
            self.env_stamp, self.templates = state.template_stamp, state.templates
            self.own_pages_local = state.own_pages_local
            if not embargo_lifted and outputs_check is not None:
                report = self._rebuild_own_pages(state, stamps, started, outputs_check)
                if report is not None:
                    return report
            # Any unit the shortcut compiled before it gave up is reused.
            self.units = {**_units_from_cache(cache.load_units(self.options.root, state)), **self.units}
        return None

    def _rebuild_own_pages(self, state: cache.CacheState, stamps: dict[str, str], started: float,
                           outputs_check: stamps_of.OutputsCheck | None) -> BuildReport | None:
        """Compile the edited explainers and rewrite their own pages, if that is all the edit
        changes (see `shortcut`); None, having written nothing, if it needs the whole pipeline
        (`units` then holds what was compiled). `state` is the last build's, from the cache
        or (`serve`) from memory; `outputs_check` says meanwhile whether an output was
        deleted since the last build (`serve` does not look). The edited explainers' links
        to other pages (see `sitelinks`) are checked with their pages; one to a page the
        site does not have takes the whole pipeline, whose error names the site's pages.
        Links from other explainers into an edited page need no new check: a body edit
        cannot change the page's element ids, which come from its front matter, unless
        `allow_html` lets the body write ids of its own; with it, no shortcut is taken."""
        root, out_dir = self.options.root, self.options.out_dir
        edited = shortcut.edited_explainers(state.sources, stamps)
        if edited is None or not all(rel in state.unit_marks for rel in edited) \
                or len(state.unit_updates) > MAX_UNIT_UPDATES or not state.own_pages_local:
            return None
        diags = Diagnostics()
        project = self._project(diags)
        env, templates = self._environment(diags)
        if project is None or diags.errors or project.config.allow_html:
            return None
        todo: list[OutputJob] = []
        units: dict[str, _Unit] = {}
        now = _now()
        updated: dict[str, dict[str, object]] = {}
        links: list[SiteLink] = []  # written in the edited explainers, checked with their pages
        for rel in edited:
            unit = units[rel] = self.units[rel] = project.compile(root / rel, rel)
            explainer = unit.explainer
            if not isinstance(explainer, Explainer) or any(d.severity == "error" for d in unit.diagnostics):
                return None
            updated[rel] = unit.to_json()
            if not shortcut.seen_only_on_own_pages(state.unit_marks[rel], updated[rel]):
                return None
            if not self.options.drafts and (explainer.draft or explainer.published.instant() > now):
                continue  # not on the site, then or now (its summary did not change)
            if not all(link.target in state.outputs for link in unit.site_links):
                return None  # a broken link: the whole pipeline says it with the site's names at hand
            links += unit.site_links
            facts = self._own_facts(project, unit, templates)
            for job in shards.own_page_jobs(explainer, project.shared.actors, project.config, env, root, facts):
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
            # Usually one explainer's page and JSON: only their folder is replaced, and the
            # previous generation (see `write`) is left as it is.
            folders = {posixpath.dirname(job.dest_path) for job in todo}
            folder = folders.pop() if len(folders) == 1 else ""
            with write.lock(out_dir):
                write.recover(out_dir)
                if not (self.private_output or cache.last_writer(root, out_dir) == state.build_id):
                    return None  # another build wrote there while this one compiled
                written = self._write(todo, set(state.outputs), [], True, timings, started, None, folder,
                                      WrittenLinks(links))
            live = dict(self.digests)
            self.digests = {**live, **written.digests}
            self.outputs = {**state.outputs, **{job.dest_path: job.fingerprint for job in todo}}
            if not folder:
                self.previous = {p: live.get(p, "") for p, d in written.digests.items() if live.get(p) != d}
            elif self.previous is not None:
                for path, new in written.digests.items():
                    held = self.previous.pop(path, live.get(path, ""))  # what the previous generation has
                    if held != new:
                        self.previous[path] = held
        timings["swap"] = time.perf_counter() - started - sum(timings.values())
        if self.resident:
            self._save_resident_state(stamps, state.warnings, state.valid_until)
        else:
            cache.save_views(root, {u.explainer.src_path: (u.key, views.encode(u.explainer))
                                    for u in units.values() if isinstance(u.explainer, Explainer)})
            self._save_kept(root)
            cache.save_cache(root, cache.CacheState(
                self._cache_key(), stamps, self.outputs or {}, self.digests, state.warnings, self.build_id,
                state.valid_until, None, state.unit_marks, state.unit_updates, state.units_id, self.env_stamp,
                self.templates, self.previous, state.own_pages_local), updated)
        timings["cache"] = time.perf_counter() - started - sum(timings.values())
        report = BuildReport(pages=sum(p.endswith(".html") for p in state.outputs), files=len(state.outputs),
                             written=len(written.digests), seconds=time.perf_counter() - started,
                             warnings=state.warnings, timings=timings,
                             changed=sorted(p for p, d in written.digests.items() if state.digests.get(p) != d))
        if not self.resident:
            # This Builder knows only the edited units: its next build starts from the cache again.
            self.outputs, self.units, self.from_cache = None, {}, False
        return report

    def _written_links(self, site: resolve.Site, outputs: set[str],
                       fresh: set[str] | None = None) -> WrittenLinks:
        """The links written in Markdown on the site's pages, to check against the site (see
        `sitelinks`), and what hints about a missing page need. Every such link's target must
        be one of `outputs`, even from an explainer that did not change: the page it named may
        be gone. A link to an element id is checked again only if the page that holds it or
        the page it names is among `fresh`, the pages this build renders (None: all of
        them): the last successful build checked it against both as they still are."""
        links: list[SiteLink] = []
        unpublished: dict[str, str] = {}
        shared = self.shared.site_links if self.shared else {}
        written = [unit.site_links for unit in self.units.values()
                   if unit.explainer is not None and unit.explainer.slug in site.by_slug]
        written += [shared.get(actor.id, []) for actor in site.actors.values() if actor.shared]
        for unit_links in written:
            links += [link if fresh is None or not link.fragment or link.home in fresh or link.target in fresh
                      else dataclasses.replace(link, fragment="")  # its page must still be there
                      for link in unit_links]
        for unit in self.units.values():
            explainer = unit.explainer
            if explainer is not None and explainer.slug not in site.by_slug:
                unpublished[explainer.slug] = ("a draft" if explainer.draft else
                                               f"under embargo until {explainer.published.text}")
        return WrittenLinks(links, SiteIndex(set(site.by_slug), unpublished, set(site.actors), set(site.tags),
                                             outputs))

    def _plan(self, site: resolve.Site, env: jinja2.Environment, templates: dict[str, str],
              config_digest: str) -> list[OutputJob]:
        renderer = render.Renderer(site, env, self.options.root)
        units = {u.explainer.slug: u.facts for u in self.units.values() if u.explainer}
        return plan_site(renderer, dependencies.Facts(site.config, config_digest, templates, units,
                                                      self.options.root, site, self.assets))

    def _own_facts(self, project: _Project, unit: _Unit, templates: dict[str, str]) -> dependencies.Facts:
        """What fingerprints an explainer's own pages (see `plan.own_jobs`)."""
        assert unit.explainer is not None
        return dependencies.Facts(project.config, project.config_digest, templates,
                                  {unit.explainer.slug: unit.facts}, self.options.root)

    def _remember(self, jobs: list[OutputJob], written: write.WriteReport, stale: list[str],
                  incremental: bool) -> set[str]:
        """Keep this build's fingerprints and digests; return the outputs whose bytes changed."""
        changed = {p for p, d in written.digests.items() if self.digests.get(p) != d} | set(stale)
        if not incremental:
            changed |= set(self.digests) - set(written.digests)
            self.digests = {}
        for path in stale:
            self.digests.pop(path, None)
        self.digests.update(written.digests)
        self.outputs = {job.dest_path: job.fingerprint for job in jobs}
        return changed

    def _check_output_dir(self) -> None:
        try:
            write.check_output_dir(self.options.out_dir, self.options.root)
        except write.OutputError as exc:
            raise BuildFailed([Diagnostic(str(exc))]) from None

    def _write(self, todo: list[OutputJob], outputs: set[str], stale: list[str], incremental: bool,
               timings: dict[str, float], started: float, early: shards.EarlyPages | None,
               folder: str = "", written_links: WrittenLinks | None = None) -> write.WriteReport:
        """Render `todo` into a staging directory (where `early` pages may already be), check
        links against `outputs` (every file of the new site), with the links `written_links`
        at their source, then put the new site in place:
        swapped in whole, or only the `folder` that holds every changed file, or (`serve`)
        applied file by file. See `write` for the ways."""
        root, out_dir = self.options.root, self.options.out_dir
        staging = early.staging if early else write.make_staging(out_dir)
        cache_dir = root / cache.CACHE_DIR if self.cache_usable else None
        previous_dir = write.previous_dir(out_dir, cache_dir)
        # Replaced sites are deleted in the background, but not by the tests' clean builds
        # (no cache): they would leave processes behind.
        trash = write.trash_dir(out_dir, cache_dir) if self.use_cache else None
        # `build` replaces the whole site at once, even when only a few files changed, so a
        # killed build leaves the old site or the new one, never a mixture: it updates the
        # previous generation and exchanges it with site/ (`fast`) or, when there is none it
        # knows, hard-links the unchanged files into staging. `serve` (resident) renames the
        # changed files in one by one instead; its journal finishes a killed update.
        atomic = not incremental or not self.resident
        fast = (incremental and atomic and self.previous is not None and previous_dir is not None
                and safefs.is_own_folder(previous_dir))
        stale = [p for p in stale if write.is_safe_dest(p)]  # (names from the cache)
        try:
            if folder:
                write.link_unchanged(out_dir, staging, {job.dest_path for job in todo}, folder)
            elif incremental and atomic and not fast:
                write.link_unchanged(out_dir, staging, {job.dest_path for job in todo} | set(stale))
            out_label = _display_path(out_dir, root)
            if early:
                if early.failures:  # one template error is met on many pages: say it once
                    raise render.TemplateFailed(list({(d.span, d.message): d for d in early.failures}.values()))
                todo = [job for job in todo if job.dest_path not in early.report.digests]
            written, pages = parallel.render_to_staging(todo, staging, root, self.options.jobs, out_label,
                                                        outputs, _show_progress if self.options.progress else None)
            if early:
                written.merge(early.report)
                pages = early.pages + pages
            if self.options.progress:
                _show_progress(-1, 0)
            timings["render"] = time.perf_counter() - started - sum(timings.values())
            with parallel.collector_paused():
                broken = linkcheck.check_site(pages, out_label, linkcheck.read_first(staging, out_dir),
                                              linkcheck.read_output(staging), outputs, written_links)
            if broken:
                raise BuildFailed(sorted(broken, key=lambda d: d.span or Span("")))
            # Say who writes site/ before touching it (or the previous generation): if this
            # process dies now, no cache state matches the recorded writer, and the next build
            # is a full one.
            self.build_id = os.urandom(8).hex()
            if self.cache_usable and not self.private_output:  # a private folder has no other writer
                cache.record_writer(root, out_dir, self.build_id)
            elif not self.private_output:
                cache.forget_writer(root, out_dir)
            if folder:
                if not write.replace_folder(staging, out_dir, folder):
                    # No atomic exchange here: file by file, as `serve` does (journaled).
                    write.apply_update(staging, [job.dest_path for job in todo], [], out_dir)
            elif fast:
                assert self.previous is not None and previous_dir is not None
                rewritten = {job.dest_path for job in todo}
                write.update_previous(staging, previous_dir, out_dir, rewritten,
                                      [p for p in self.previous if p in outputs and p not in rewritten],
                                      [*stale, *(p for p, d in self.previous.items()
                                                 if d and p not in outputs and write.is_safe_dest(p))])
                write.swap_in(previous_dir, out_dir.absolute(), keep_old=previous_dir)
            elif incremental and atomic:
                write.swap_in(staging, out_dir.absolute(), keep_old=previous_dir, trash=trash)
            elif atomic:
                write.swap_in(staging, out_dir.absolute(), trash=trash)
                write.discard_previous(out_dir, cache_dir, trash)  # a generation no state describes
            else:
                write.apply_update(staging, [job.dest_path for job in todo], stale, out_dir)
        except render.TemplateFailed as exc:
            raise BuildFailed(exc.diagnostics) from None
        finally:
            write.discard(staging)
        return written

    def _compile(self, held: contextlib.ExitStack | None = None,
                 ) -> tuple[tuple[resolve.Site, jinja2.Environment, dict[str, str], str,
                                  shards.EarlyPages | None] | None, Diagnostics]:
        """Load, validate and resolve the project, reusing what did not change.

        Given `held` (a build, not a check), a full build of many explainers compiles them on
        several processes, which also render their own pages (see `shards`)."""
        diags = Diagnostics()
        root = self.options.root
        project = self._project(diags)
        if project is None:
            return None, diags
        config, config_digest, shared = project.config, project.config_digest, project.shared
        sources = [(path, path.relative_to(root).as_posix())
                   for path in load.list_sources(root, root / "content" / "explainers", ".md", diags)]

        early = self._start_early(held, len(sources))
        if early:
            units = self._compile_on_workers(sources, project, early)
        else:
            units = {rel: project.compile(path, rel) for path, rel in sources}
        for unit in units.values():
            diags.items.extend(unit.diagnostics)
        self.units = units
        explainers = [u.explainer for u in units.values() if u.explainer is not None]
        if not self.options.drafts:
            now = _now()
            explainers = [e for e in explainers if not e.draft and e.published.instant() <= now]
        site = resolve.assemble_site(explainers, shared.actors, config, diags)
        env, templates = self._environment(diags)
        if not config.absolute and not diags.errors:
            diags.warning(None, "base_url has no scheme and host, so feed.xml and sitemap.xml use "
                          "root-relative URLs", "set base_url in site.yaml or pass --base-url")
        if project.git.cut:
            # Most CI checkouts are shallow: without this, revisions would silently go missing.
            diags.warning(None, f"this is a shallow git clone: revisions up to {project.git.cut} are missing",
                          "fetch the whole history: 'fetch-depth: 0' in the checkout step of GitHub "
                          "Actions, or 'git fetch --unshallow'")
        return (site, env, templates, config_digest, early), diags

    def _project(self, diags: Diagnostics) -> _Project | None:
        """What compiling any explainer needs: settings, shared actors, git history, and the
        digest of all that (None, with an error, if there is no content/)."""
        root = self.options.root
        site_node, site_text = load.load_site_yaml(root, diags)
        content = root / "content"
        content_files = None
        if content.is_dir():
            content_files = load.list_content_files(content)
            # Which pictures exist, and which are not what their name says, decide whether an
            # `image` (site.yaml's too) or a Markdown image is an error: every unit's checks
            # depend on both.
            content_files.mismatched = media.mismatched_images(content, content_files)
        config = read_config(site_node, diags, self.options.base_url, content_files)
        config_digest = digest(code_version(), site_text, self.options.base_url, self.options.drafts)
        if content_files is None:
            diags.error(None, f"no content/ directory in {root}",
                        "run 'explainer new \"Title\"' to start a project here")
            return None
        images_digest = digest(*sorted(f for f in content_files if f.lower().endswith(media.IMAGE_SUFFIXES)),
                               *sorted(content_files.mismatched.items()))
        shared = self._shared_actors(root, content, content_files, config, config_digest + images_digest, diags)
        context = digest(config_digest, images_digest, digest(*sorted(shared.actors)))
        return _Project(self, config, config_digest, content_files, shared, self._history(root), context)

    def _start_early(self, held: contextlib.ExitStack | None, count: int) -> shards.EarlyPages | None:
        """For a full build of enough explainers whose pages can be rendered on their own: take
        the output lock (held until the build ends) and make the staging directory the workers
        write into. None: compile in this process."""
        workers = shards.workers_for(count, self.options.jobs)
        if held is None or self.resident or self.outputs is not None or workers < 2:
            return None
        env, _ = self._environment(Diagnostics())
        if self.template_diagnostics.errors or not self.own_pages_local:
            return None
        self._check_output_dir()
        out_dir = self.options.out_dir
        held.enter_context(write.lock(out_dir))
        write.recover(out_dir)
        early = shards.EarlyPages(write.make_staging(out_dir))
        held.callback(write.discard, early.staging)
        return early

    def _compile_on_workers(self, sources: list[tuple[Path, str]], project: _Project,
                            early: shards.EarlyPages) -> dict[str, _Unit]:
        """Compile every explainer on the workers, each rendering the pages of its own
        explainers; the units come back summarized, as from the cache."""
        root, env = self.options.root, self.env
        assert env is not None
        out_label = _display_path(self.options.out_dir, root)
        now = _now()
        # Not into a project without a cache: a build that fails leaves none behind.
        save_views = self.cache_on and not self.resident and safefs.is_own_folder(root / cache.CACHE_DIR)
        if save_views:
            cache.make_views_dir(root)

        def work(share: list[tuple[Path, str]]) -> list[tuple[_Unit, write.WriteReport, list, list]]:
            results = []
            for path, rel in share:
                unit = project.compile(path, rel)
                explainer = unit.explainer
                pages: tuple[write.WriteReport, list, list] = (write.WriteReport(), [], [])
                if isinstance(explainer, Explainer) and not any(d.severity == "error" for d in unit.diagnostics):
                    if self.options.drafts or (not explainer.draft and explainer.published.instant() <= now):
                        pages = shards.render_own_pages(explainer, project.shared.actors, project.config,
                                                        env, root, early.staging, out_label,
                                                        self._own_facts(project, unit, self.templates))
                    # Through JSON, so the unit is exactly what an incremental build reads back.
                    unit.summary = json.loads(json.dumps(summarize(explainer, unit.quoted)))
                    unit.view = views.encode(explainer)
                    unit.view_saved = save_views and cache.save_view(root, explainer.src_path, unit.key, unit.view)
                    unit.explainer = None
                # An explainer with errors travels whole: the site-wide checks still see it.
                results.append((unit, *pages))
            return results

        units: dict[str, _Unit] = {}
        progress = (lambda done, total: _show_progress(done, total, "compiling")) if self.options.progress else None
        results = shards.map_forked(work, sources, shards.workers_for(len(sources), self.options.jobs), progress)
        for (path, rel), (unit, report, pages, failures) in zip(sources, results):
            early.add(report, pages, failures)
            if unit.summary is not None:
                unit.explainer = LazyExplainer(unit.summary)
                self._reuse(unit, path, project.shared, project.content_files, project.config,
                            project.git.of(rel))
            units[rel] = unit
        return units

    def _shared_actors(self, root: Path, content: Path, content_files: set[str], config: SiteConfig,
                       context: str, diags: Diagnostics) -> _Shared:
        paths = load.list_sources(root, content / "actors", ".yaml", diags)
        stamps = {p.relative_to(root).as_posix(): stamps_of.stamp_or_empty(p) for p in paths}
        if self.shared is None and self.cache_on and self.read_cache and not self.resident:
            self.shared = _kept_shared(root, stamps, context)
        if self.shared and self.shared.stamps == stamps and self.shared.config_digest == context:
            diags.items.extend(self.shared.diagnostics)
            return self.shared
        local = Diagnostics()
        raw_actors = [raw for raw in (load.load_shared_actor(root, path, local) for path in paths) if raw]
        actors = validate.validate_shared_actors(raw_actors, content_files, local)
        digests = {raw.id: raw.digest for raw in raw_actors}
        links = resolve.resolve_shared_actors(actors, config, local, content_files)
        self.shared = _Shared(stamps, context, actors, digests, local.items, links)
        diags.items.extend(local.items)
        self.unsaved.add("shared")
        return self.shared

    def _history(self, root: Path) -> history.History:
        """What git knows, read again only when the checked-out commit changed (since this
        Builder's last build, or, from the cache, since the last build's)."""
        head = self.head
        if self.git is None or self.git.head != head:
            known = cache.load_history(root, head) if self.cache_on and self.read_cache and head else None
            self.git = known or history.read_history(root, head)
            if known is None and self.git.known:
                self.unsaved.add("history")
        return self.git

    def _save_resident_state(self, stamps: dict[str, str], warnings: list[Diagnostic],
                             valid_until: str) -> None:
        """`serve` keeps its units in memory, and on disk only what its next start needs to
        update site/ instead of writing it anew; it remembers what this build read and said
        for its next build's shortcut (`_resident_state`). (After a shortcut `valid_until`
        is the last build's: a new published date is seen elsewhere, so never a shortcut.)"""
        self.last_stamps, self.last_warnings = stamps, warnings
        if not self.cache_on:
            return
        cache.save_cache(self.options.root, cache.CacheState(
            self._cache_key(), stamps, self.outputs or {}, self.digests, warnings, self.build_id,
            valid_until, {}, template_stamp=self.env_stamp, templates=self.templates,
            previous=self.previous, own_pages_local=self.own_pages_local))

    def _save_kept(self, root: Path) -> None:
        """After a successful build, keep what was read afresh that a later build may take
        instead of reading it again: the git history, the compiled shared actors. (A
        failed build leaves a project without a cache without one.)"""
        if not self.cache_on or self.resident:
            return
        if "history" in self.unsaved and self.git is not None:
            cache.save_history(root, self.git)
        shared = self.shared
        if "shared" in self.unsaved and shared is not None and not any(d.severity == "error"
                                                                       for d in shared.diagnostics):
            cache.save_shared(root, {"stamps": shared.stamps, "context": shared.config_digest,
                                     "digests": shared.digests,
                                     "actors": [views.encode_actor(a) for a in shared.actors.values()],
                                     "warnings": cache.diagnostics_to_json(shared.diagnostics),
                                     "site_links": {actor_id: [link.to_json() for link in links]
                                                    for actor_id, links in shared.site_links.items()}})
        self.unsaved.clear()

    def _unit(self, path: Path, rel: str, shared: _Shared, content_files: set[str], config: SiteConfig,
              context: str, revisions: list[history.Revision]) -> _Unit:
        """The compiled explainer, reused when neither the file nor what it used changed."""
        context = digest(context, *(r.commit for r in revisions))
        stamp = stamps_of.stamp_or_empty(path)  # "" for a dangling link: `load` reports it
        cached = self.units.get(rel)
        reusable = (cached is not None and cached.explainer is not None
                    and not any(d.severity == "error" for d in cached.diagnostics)
                    and cached.context == _unit_context(context, cached.used_shared, shared))
        if reusable and cached.stamp == stamp:  # type: ignore[union-attr]
            return self._reuse(cached, path, shared, content_files, config, revisions)  # type: ignore[arg-type]
        local = Diagnostics()
        raw = load.load_explainer(self.options.root, path, local)
        if raw is not None and reusable and cached.digest == raw.digest:  # type: ignore[union-attr]
            cached.stamp = stamp  # type: ignore[union-attr]  # touched, not changed
            return self._reuse(cached, path, shared, content_files, config, revisions)  # type: ignore[arg-type]
        explainer = None
        if raw is not None:
            explainer = self._compile_explainer(raw, shared, content_files, config, revisions, local)
        used = _used_shared(explainer, shared.actors) if explainer else ()
        quoted = _quote_digests(explainer, shared) if explainer is not None and not local.errors else {}
        return _Unit(stamp, raw.digest if raw else "", _unit_context(context, used, shared), used,
                     explainer, local.items, raw.front_digest if raw else "",
                     site_links=list(explainer.site_links) if explainer else [], quoted=quoted)

    def _compile_explainer(self, raw: load.RawExplainer, shared: _Shared, content_files: set[str],
                           config: SiteConfig, revisions: list[history.Revision],
                           local: Diagnostics) -> Explainer | None:
        """Validate and resolve one explainer on its own."""
        explainer = validate.validate_explainer(raw, shared.actors, content_files, local)
        if explainer is not None:
            resolve.resolve_explainer(explainer, shared.actors, config, local, content_files)
            _apply_history(explainer, revisions, config.updated_from_git)
        return explainer

    def _reuse(self, unit: _Unit, path: Path, shared: _Shared, content_files: set[str], config: SiteConfig,
               revisions: list[history.Revision]) -> _Unit:
        """An unchanged unit; one known from the cache only by its summary becomes a
        `LazyExplainer` that compiles the file if a page needs more than the summary."""
        lazy = unit.explainer
        if isinstance(lazy, LazyExplainer):
            def materialize() -> Explainer:
                local = Diagnostics()
                raw = load.load_explainer(self.options.root, path, local)
                explainer = None
                if raw is not None and raw.digest == unit.digest:
                    explainer = self._compile_explainer(raw, shared, content_files, config, revisions, local)
                if explainer is None or local.errors:
                    raise BuildFailed([Diagnostic(f"{lazy.src_path} changed while the site was being built",
                                                  None, "run the build again")])
                for actor in explainer.actors.values():
                    actor.home = explainer.slug
                return explainer
            root, key, view = self.options.root, unit.key, unit.view
            lazy.bind(materialize, (lambda: view) if view is not None
                      else (lambda: cache.load_view(root, lazy.src_path, key)))
        return unit

    def _environment(self, diags: Diagnostics) -> tuple[jinja2.Environment, dict[str, str]]:
        """The Jinja environment, rebuilt (and every template recompiled) when a template
        changed, or the name of an asset (`assets`: a fingerprinted name changes with the
        file's content, which every page links to)."""
        root = self.options.root
        self.assets = assets.theme_assets(render.THEME_DIR / "assets", self.options.fingerprint_assets)
        paths = assets.asset_paths(self.assets)
        stamp = digest(_tree_stamp(root / "templates", render.THEME_DIR / "templates"), *sorted(paths.items()),
                       *page_templates())  # a page kind added (see `plan.registered`) has a template to digest
        if self.env is None and stamp == self.env_stamp:
            # The last successful build (see `_start_from_cache`) used these very templates, so
            # they compile: each is compiled when a page first needs it, not all up front.
            self.env = render.make_environment(root, template_cache.user_cache(code_version()), paths)
        elif self.env is None or stamp != self.env_stamp:
            self.env = render.make_environment(root, template_cache.user_cache(code_version()), paths)
            self.env_stamp = stamp
            self.template_diagnostics = Diagnostics()
            render.check_templates(root, self.env, self.template_diagnostics)
            self.templates = dependencies.template_digests(self.env, page_templates(), own_page_templates(),
                                                           paths, code_version(), render.THEME_DIR)
            self.own_pages_local = (not self.template_diagnostics.errors
                                    and dependencies.own_pages_are_local(self.templates))
        diags.items.extend(self.template_diagnostics.items)
        return self.env, self.templates


def _show_progress(done: int, total: int, doing: str = "rendering") -> None:
    """A running count on one terminal line; done < 0 clears it."""
    if done < 0:
        sys.stderr.write("\r\x1b[K")
    else:
        what = "explainers" if doing == "compiling" else "files"
        sys.stderr.write(f"\r\x1b[Kexplainer: {doing} {done:,}/{total:,} {what}")
    sys.stderr.flush()


def _now() -> datetime.datetime:
    return datetime.datetime.now(datetime.timezone.utc)


def _apply_history(explainer: Explainer, revisions: list[history.Revision], updated_from_git: bool) -> None:
    """Revisions from git. Only if site.yaml asks for it (`updated_from_git`), an explainer
    without an `updated` of its own takes the last commit's date (when it is later than
    `published`: a file committed before publication was not updated): a commit is not an
    editorial fact, and a format migration would make every story read "Updated today"."""
    explainer.revisions = revisions
    if updated_from_git and explainer.updated is None and revisions:
        last = revisions[0].date
        if last.instant() > explainer.published.instant():
            explainer.updated = last
            explainer.updated_from_git = True


def _kept_shared(root: Path, stamps: dict[str, str], context: str) -> _Shared | None:
    """The shared actors as the last build compiled them, if their files and what compiling
    them read (`context`) are unchanged: a one-explainer edit at 5,000 explainers spent 30 ms
    compiling 200 unchanged files."""
    data = cache.load_shared(root)
    if data is None or data.get("stamps") != stamps or data.get("context") != context:
        return None
    try:
        actors = {actor.id: actor for actor in map(views.decode_actor, data["actors"])}
        digests = data["digests"]
        if not isinstance(digests, dict) or not all(isinstance(v, str) for v in digests.values()):
            return None
        links = {str(actor_id): [SiteLink.from_json(link) for link in actor_links]
                 for actor_id, actor_links in data["site_links"].items()}
        return _Shared(stamps, context, actors, digests, cache.diagnostics_from_json(data["warnings"]), links)
    except (ValueError, TypeError, KeyError, AttributeError):
        return None


def _units_from_cache(data: dict[str, object]) -> dict[str, _Unit]:
    """The units a previous build stored; a damaged entry is dropped (its file is compiled)."""
    units = {}
    for rel, item in data.items():
        try:
            unit = _Unit.from_json(item)  # type: ignore[arg-type]
            unit.explainer = LazyExplainer(unit.summary)  # type: ignore[arg-type]
        except (ValueError, TypeError, KeyError, IndexError, AttributeError):
            continue
        units[rel] = unit
    return units


def _quote_digests(explainer: Explainer, shared: _Shared) -> dict[str, str]:
    """What each actor's page shows of the explainer (see `quotes`), kept with its unit."""
    return quotes.quote_digests(explainer,
                                lambda actor_id: explainer.actors.get(actor_id) or shared.actors.get(actor_id))


def _unit_context(context: str, used: tuple[str, ...], shared: _Shared) -> str:
    return digest(context, *(f"{a}={shared.digests.get(a, '-')}" for a in used))


def _used_shared(explainer: Explainer, shared: dict[str, Actor]) -> tuple[str, ...]:
    """Shared actors whose definition shows on the explainer's page: those it refers to,
    and the affiliations of every actor on the page."""
    used = {a for a in explainer.page_actors if a in shared}
    for actor_id in explainer.page_actors:
        actor = explainer.actors.get(actor_id) or shared.get(actor_id)
        if actor and actor.affiliation in shared:
            used.add(actor.affiliation)  # type: ignore[arg-type]
    return tuple(sorted(used))


def _display_path(path: Path, root: Path) -> str:
    """How errors name the output directory: relative to the project when inside it."""
    try:
        return path.absolute().relative_to(root.absolute()).as_posix()
    except ValueError:
        return path.as_posix()


def _tree_stamp(*folders: Path) -> str:
    """One digest of the stamps of every file under `folders`: changes on any edit."""
    stamps: dict[str, str] = {}
    for index, folder in enumerate(folders):
        stamps_of.tree_stamps(folder, str(index), stamps)
    return digest(*sorted(stamps.items()))

def check(options: BuildOptions) -> BuildReport:
    """Validate the whole project and compile the templates; write nothing."""
    return Builder(options, use_cache=False).check()


def build(options: BuildOptions, clean: bool = False) -> BuildReport:
    """Check the whole project, then write the site. Nothing is written if any check fails.

    With the cache (the default) only what changed since the last build is written;
    `clean` ignores the cache, writes everything and then records a fresh cache.
    """
    return Builder(options, read_cache=not clean).build()
