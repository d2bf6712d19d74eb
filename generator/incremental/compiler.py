"""Load, validate and resolve the project, reusing from a build's `Memory` what did not change.

Each explainer is compiled on its own into a `Unit` (see `units`), reused while neither
its file nor anything it read changed; the shared actors are compiled together, reused
while their files are unchanged; the git history is read again only when the checked-out
commit changed; the Jinja environment is made again only when a template changed.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path
from typing import cast

import jinja2

from generator import assets, history, load, media, render, resolve, validate, verdicts
from generator.config import BuildOptions, SiteConfig, read_config
from generator.diagnostics import BuildFailed, Diagnostic, Diagnostics, errors_in
from generator.incremental import cache, dependencies, quotes, template_cache, units
from generator.incremental import stamps as stamps_of
from generator.incremental.memory import Memory
from generator.incremental.summary import LazyExplainer
from generator.incremental.units import Shared, Unit, on_site, unit_context, used_shared
from generator.load import ContentFiles
from generator.model import Explainer
from generator.plan import code_version, digest, own_page_templates, page_templates
from generator.sitelinks import SiteIndex, SiteLink, WrittenLinks


@dataclass
class Project:
    """What compiling one explainer reads besides its file."""

    root: Path
    memory: Memory
    config: SiteConfig
    config_digest: str
    """Digest of the generator's code, site.yaml and the options."""
    content_files: ContentFiles
    shared: Shared
    git: history.History
    context: str
    """Digest of the settings, the image files and the shared actors' ids."""

    def compile(self, path: Path, rel: str) -> Unit:
        """The explainer at `path` compiled, or reused from the memory's units."""
        return compile_unit(self, path, rel, self.git.of(rel))

    def sources(self, diags: Diagnostics) -> list[tuple[Path, str]]:
        """Every explainer file, with its project-relative path."""
        return [(path, path.relative_to(self.root).as_posix())
                for path in load.list_sources(self.root, self.root / "content" / "explainers", ".md", diags)]


def project(options: BuildOptions, memory: Memory, diags: Diagnostics) -> Project | None:
    """What compiling any explainer needs: settings, shared actors, git history, and the
    digest of all that (None, with an error, if there is no content/)."""
    root = options.root
    site_node, site_text = load.load_site_yaml(root, diags)
    content = root / "content"
    content_files = None
    if content.is_dir():
        content_files = load.list_content_files(content)
        # Which pictures exist, and which are not what their name says, decide whether an
        # `image` (site.yaml's too) or a Markdown image is an error: every unit's checks
        # depend on both.
        content_files.mismatched = media.mismatched_images(content, content_files)
    config = read_config(site_node, diags, options.base_url, content_files, root)
    if not options.search_index:
        config = dataclasses.replace(config, search_index=False)
    config_digest = digest(code_version(), site_text, options.base_url, options.drafts)
    if content_files is None:
        diags.error(None, f"no content/ directory in {root}",
                    "run 'explainer new \"Title\"' to start a project here")
        return None
    images_digest = digest(*sorted(f for f in content_files if f.lower().endswith(media.IMAGE_SUFFIXES)),
                           *sorted(content_files.mismatched.items()))
    shared = shared_actors(memory, root, content_files, config, config_digest + images_digest, diags)
    context = digest(config_digest, images_digest, digest(*sorted(shared.actors)))
    return Project(root, memory, config, config_digest, content_files, shared, read_history(memory, root), context)


def shared_actors(memory: Memory, root: Path, content_files: ContentFiles, config: SiteConfig,
                  context: str, diags: Diagnostics) -> Shared:
    paths = load.list_sources(root, root / "content" / "actors", ".yaml", diags)
    stamps = {p.relative_to(root).as_posix(): stamps_of.stamp_or_empty(p) for p in paths}
    if memory.shared is None:
        memory.shared = memory.kept_shared(stamps, context)
    if memory.shared and memory.shared.stamps == stamps and memory.shared.config_digest == context:
        diags.items.extend(memory.shared.diagnostics)
        return memory.shared
    local = Diagnostics()
    raw_actors = [raw for raw in (load.load_shared_actor(root, path, local) for path in paths) if raw]
    actors = validate.validate_shared_actors(raw_actors, content_files, local)
    digests = {raw.id: raw.digest for raw in raw_actors}
    links = resolve.resolve_shared_actors(actors, config, local, content_files)
    memory.shared = Shared(stamps, context, actors, digests, local.items, links)
    diags.items.extend(local.items)
    memory.unsaved.add("shared")
    return memory.shared


def read_history(memory: Memory, root: Path) -> history.History:
    """What git knows, read again only when the checked-out commit changed (since this
    memory's last build, or, from the cache, since the last build's)."""
    head = memory.head
    if memory.git is None or memory.git.head != head:
        known = memory.git or (memory.known_history() if head else None)
        if known is not None and known.head == head:
            memory.git = known
        else:  # what was read at another commit spares reading the verdicts of unchanged files
            memory.git = history.read_history(root, head, previous=known)
            if memory.git.known:
                memory.unsaved.add("history")
    return memory.git


def compile_unit(project: Project, path: Path, rel: str, revisions: list[history.Revision]) -> Unit:
    """The compiled explainer, reused when neither the file nor what it used changed."""
    shared = project.shared
    # The verdict history comes from these commits' versions of the file, but what `verdicts`
    # reads is bounded project-wide: its result is part of the context too.
    context = digest(project.context, *(r.commit for r in revisions), project.git.verdicts_of(rel))
    stamp = stamps_of.stamp_or_empty(path)  # "" for a dangling link: `load` reports it
    cached = project.memory.units.get(rel)
    if (cached is not None and cached.explainer is not None and not errors_in(cached.diagnostics)
            and cached.context == unit_context(context, cached.used_shared, shared)):
        if cached.stamp == stamp:
            return reuse(project, cached, path, revisions)
        local = Diagnostics()
        raw = load.load_explainer(project.root, path, local)
        if raw is not None and cached.digest == raw.digest:
            cached.stamp = stamp  # touched, not changed
            return reuse(project, cached, path, revisions)
    else:
        local = Diagnostics()
        raw = load.load_explainer(project.root, path, local)
    explainer = None
    if raw is not None:
        explainer = compile_explainer(project, raw, revisions, local)
    used = used_shared(explainer, shared.actors) if explainer else ()
    quoted = quote_digests(explainer, shared) if explainer is not None and not local.errors else {}
    return Unit(stamp=stamp, digest=raw.digest if raw else "", context=unit_context(context, used, shared),
                used_shared=used, explainer=explainer, diagnostics=local.items,
                front_digest=raw.front_digest if raw else "",
                site_links=list(explainer.site_links) if explainer else [], quoted=quoted)


def compile_explainer(project: Project, raw: load.RawExplainer, revisions: list[history.Revision],
                      local: Diagnostics) -> Explainer | None:
    """Validate and resolve one explainer on its own."""
    shared, config, content_files = project.shared.actors, project.config, project.content_files
    explainer = validate.validate_explainer(raw, shared, content_files, local)
    if explainer is not None:
        resolve.resolve_explainer(explainer, shared, config, local, content_files)
        apply_history(explainer, revisions, config.updated_from_git)
        verdicts.apply(explainer, revisions, project.git.verdicts_of(explainer.src_path))
    return explainer


def quote_digests(explainer: Explainer, shared: Shared) -> dict[str, str]:
    """What each actor's page shows of the explainer (see `quotes`), kept with its unit."""
    return quotes.quote_digests(explainer,
                                lambda actor_id: explainer.actors.get(actor_id) or shared.actors.get(actor_id))


def own_facts(project: Project, unit: Unit) -> dependencies.Facts:
    """What fingerprints an explainer's own pages (see `plan.own_jobs`)."""
    assert unit.explainer is not None
    return dependencies.Facts(project.config, project.config_digest, project.memory.templates.digests,
                              {unit.explainer.slug: unit.facts}, project.root, now=units.now())


def reuse(project: Project, unit: Unit, path: Path, revisions: list[history.Revision]) -> Unit:
    """An unchanged unit; one known from the cache only by its summary becomes a
    `LazyExplainer` that compiles the file if a page needs more than the summary."""
    lazy = unit.explainer
    if isinstance(lazy, LazyExplainer):
        def materialize() -> Explainer:
            local = Diagnostics()
            raw = load.load_explainer(project.root, path, local)
            explainer = None
            if raw is not None and raw.digest == unit.digest:
                explainer = compile_explainer(project, raw, revisions, local)
            if explainer is None or local.errors:
                raise BuildFailed([Diagnostic(f"{lazy.src_path} changed while the site was being built",
                                              None, "run the build again")])
            for actor in explainer.actors.values():
                actor.home = explainer.slug
            return explainer
        root, key, view = project.root, unit.key, unit.view
        lazy.bind(materialize, (lambda: view) if view is not None
                  else (lambda: cache.load_view(root, lazy.src_path, key)))
    return unit


def environment(options: BuildOptions, memory: Memory, diags: Diagnostics) -> jinja2.Environment:
    """The Jinja environment, rebuilt (and every template recompiled) when a template
    changed, or the name of an asset (`assets`: a fingerprinted name changes with the
    file's content, which every page links to)."""
    root, known = options.root, memory.templates
    known.assets = assets.theme_assets(render.THEME_DIR / "assets", options.fingerprint_assets)
    paths = assets.asset_paths(known.assets)
    stamp = digest(tree_stamp(root / "templates", render.THEME_DIR / "templates"), *sorted(paths.items()),
                   *page_templates())  # a page kind added (see `plan.registered`) has a template to digest
    if known.env is None and stamp == known.stamp:
        # The last successful build (from the cache) used these very templates, so they
        # compile: each is compiled when a page first needs it, not all up front.
        known.env = render.make_environment(root, template_cache.user_cache(code_version()), paths)
    elif known.env is None or stamp != known.stamp:
        known.env = render.make_environment(root, template_cache.user_cache(code_version()), paths)
        known.stamp = stamp
        known.diagnostics = Diagnostics()
        render.check_templates(root, known.env, known.diagnostics)
        known.digests = dependencies.template_digests(known.env, page_templates(), own_page_templates(),
                                                      paths, code_version(), render.THEME_DIR)
        known.own_pages_local = not known.diagnostics.errors and dependencies.own_pages_are_local(known.digests)
    diags.items.extend(known.diagnostics.items)
    return known.env


def site_of(project: Project, compiled: dict[str, Unit], drafts: bool, diags: Diagnostics) -> resolve.Site:
    """The site the units make: the explainers it publishes now, with the shared actors."""
    at = units.now()
    # A `LazyExplainer` stands in for the `Explainer` it summarizes (see `summary`).
    explainers = cast(list[Explainer], [u.explainer for u in compiled.values()
                                        if u.explainer is not None and on_site(u.explainer, drafts, at)])
    return resolve.assemble_site(explainers, project.shared.actors, project.config, diags)


def check_strings(site: resolve.Site, diags: Diagnostics) -> None:
    """The messages of every language the site's pages are written in: errors in the
    project's catalogues, and a warning for each string a language lacks (see `catalogues`)."""
    site.config.strings.check([site.config.language, *(e.language for e in site.explainers)], diags)


def warn_about_settings(project: Project, diags: Diagnostics) -> None:
    """What the site would silently get wrong: root-relative URLs, missing revisions."""
    if not project.config.absolute and not diags.errors:
        diags.warning(None, "base_url has no scheme and host, so feed.xml and sitemap.xml use "
                      "root-relative URLs", "set base_url in site.yaml or pass --base-url")
    if project.git.cut:
        # Most CI checkouts are shallow: without this, revisions would silently go missing.
        diags.warning(None, f"this is a shallow git clone: revisions up to {project.git.cut} are missing",
                      "fetch the whole history: 'fetch-depth: 0' in the checkout step of GitHub "
                      "Actions, or 'git fetch --unshallow'")


def written_links(memory: Memory, site: resolve.Site, outputs: set[str],
                  fresh: set[str] | None = None) -> WrittenLinks:
    """The links written in Markdown on the site's pages, to check against the site (see
    `sitelinks`), and what hints about a missing page need. Every such link's target must
    be one of `outputs`, even from an explainer that did not change: the page it named may
    be gone. A link to an element id is checked again only if the page that holds it or
    the page it names is among `fresh`, the pages this build renders (None: all of
    them): the last successful build checked it against both as they still are."""
    links: list[SiteLink] = []
    unpublished: dict[str, str] = {}
    shared = memory.shared.site_links if memory.shared else {}
    written = [unit.site_links for unit in memory.units.values()
               if unit.explainer is not None and unit.explainer.slug in site.by_slug]
    written += [shared.get(actor.id, []) for actor in site.actors.values() if actor.shared]
    for unit_links in written:
        links += [link if fresh is None or not link.fragment or link.home in fresh or link.target in fresh
                  else dataclasses.replace(link, fragment="")  # its page must still be there
                  for link in unit_links]
    for unit in memory.units.values():
        explainer = unit.explainer
        if explainer is not None and explainer.slug not in site.by_slug:
            unpublished[explainer.slug] = ("a draft" if explainer.draft else
                                           f"under embargo until {explainer.published.text}")
    return WrittenLinks(links, SiteIndex(set(site.by_slug), unpublished, set(site.actors), set(site.tags),
                                         outputs))


def apply_history(explainer: Explainer, revisions: list[history.Revision], updated_from_git: bool) -> None:
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


def tree_stamp(*folders: Path) -> str:
    """One digest of the stamps of every file under `folders`: changes on any edit."""
    stamps: dict[str, str] = {}
    for index, folder in enumerate(folders):
        stamps_of.tree_stamps(folder, str(index), stamps)
    return digest(*sorted(stamps.items()))
