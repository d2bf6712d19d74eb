"""Site -> RenderedFile list: every page rendered exactly once through Jinja.

The Jinja environment searches the project's `templates/` first and the
built-in theme second, so a project overrides a theme template by giving a
file the same name. Autoescape is on for every template and undefined
variables are errors (`StrictUndefined`): a typo in a template fails the
build instead of silently printing nothing.
"""

from __future__ import annotations

import contextvars
import datetime as dt
import json
import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import jinja2
from jinja2 import pass_context
from jinja2.runtime import Context
from markupsafe import Markup, escape

from generator import __version__, claimmap, claimsdata, jsondata, search, sharecard, structured, timelinejs
from generator.dates import PartialDate, latest
from generator.diagnostics import BuildFailed, Diagnostics, Span
from generator.eventdates import EventDate
from generator.fields import contain_bidi
from generator.i18n import Messages
from generator.incremental.parts import Part, PartStore
from generator.links import SiteURLs, media_path, rebase_site_refs, resolve_hrefs, resolve_media, root_prefix
from generator.model import (
    FORWARD_LABELS,
    INVERSE_LABELS,
    RELATIONS,
    STATUS_LABELS,
    STATUS_MEANINGS,
    STATUSES,
    Actor,
    Claim,
    Explainer,
    ExplainerListing,
    Markdown,
    VerdictChange,
)
from generator.questions import who_says_what
from generator.resolve import Site

THEME_DIR = Path(__file__).parent / "theme"
EMBED_SECTIONS = ("timeline", "claims", "questions")
"""The sections of an explainer page that also come alone, for an iframe (`Renderer.embed_page`)."""
PAGE_TEMPLATES = ("base.html", "index.html", "explainer.html", "actor.html", "tag.html",
                  "feed.xml", "sitemap.xml", *(f"embed-{section}.html" for section in EMBED_SECTIONS))


@dataclass(frozen=True)
class ShareImage:
    """The picture a page is shared with (`og:image`, NewsArticle `image`)."""

    url: str
    """Absolute when base_url is (root-relative otherwise), percent-encoded."""
    alt: str
    width: int | None = None
    """Pixels, known for a share card only (a picture from content/ is not opened)."""
    height: int | None = None
    credit: str | None = None


@dataclass(frozen=True)
class Version:
    """The same story in one language (see `Renderer.versions`)."""

    slug: str
    language: str
    """A BCP 47 tag, or "x-default"."""
    url: str
    """Absolute when base_url is (root-relative otherwise)."""


@dataclass(frozen=True)
class RenderedFile:
    """One file of the output: bytes to write, or a source file to copy."""

    dest_path: str
    """Path under the output directory, `/`-separated."""
    data: bytes | None = None
    copy_from: Path | None = None
    markdown_hrefs: frozenset[str] = frozenset()
    """The URLs the page's Markdown fields link to (see `markdown_hrefs`): checked at their
    source (`sitelinks`), so the page's own link check leaves them out."""
    links: tuple[str, ...] = ()
    """The links into the site of a file that is no page (an export's URLs), relative to its
    folder: the link check follows them as it follows a page's `href`s (see `linkcheck`)."""


_markdown_hrefs: contextvars.ContextVar[list[str] | None] = contextvars.ContextVar("markdown_hrefs", default=None)
"""While a page renders: every URL its `md` filter made of a link to a page of the site."""


class TemplateFailed(Exception):
    """A template could not be compiled or rendered; `diagnostics` say where."""

    def __init__(self, diagnostics: list[Any]):
        super().__init__("template error")
        self.diagnostics = diagnostics


class _Environment(jinja2.Environment):
    """Jinja's environment, with each template's globals in a plain dict.

    Jinja 3 layers a template's globals over the environment's in a ChainMap, and every
    `{% from "_macros.html" import ... %}` (once per claim card) compares the page's global
    names with that ChainMap's keys, name by name in Python: 6 % of rendering an actor
    page. A dict's keys compare in C. The environment's globals are set once, in
    `make_environment`, before any template is loaded, so a copy sees the same names."""

    asset_paths: dict[str, str] = {}
    """Plain name -> path in the site of the theme's assets (`assets`), for `url('asset', name)`."""

    def make_globals(self, d: Any) -> Any:
        return {**self.globals, **(d or {})}


try:
    from markupsafe._speedups import _escape_inner  # markupsafe 3: str in, escaped str out, in C
except ImportError:  # pragma: no cover - markupsafe without its C code, or a future layout
    _escape_inner = None  # type: ignore[assignment]


def _escape(value: Any) -> Any:
    """`markupsafe.escape` for the output of every `{{ }}`, without wrapping a plain string's
    escaped text in a `Markup` (a Python `__new__` per value: a fifth of rendering an actor
    page). Jinja joins the pieces of a page as strings, and where it keeps them (a macro's or
    `{% set %}` block's output) it wraps their concatenation in `Markup` itself."""
    if value.__class__ is str:
        return _escape_inner(value)
    return escape(value)


class _Template(jinja2.Template):
    """A template whose compiled code escapes output with `_escape`.

    Jinja's generated code looks `escape` up in the template's own namespace, and uses it
    only on what a `{{ }}` outputs (jinja2/compiler.py, `_output_child_pre`); a test checks
    that every template of a build gets `_escape` and renders exactly what Jinja's own does."""

    @classmethod
    def _from_namespace(cls, environment: jinja2.Environment, namespace: Any, globals: Any) -> Any:
        if _escape_inner is not None and namespace.get("escape") is escape:
            namespace["escape"] = _escape
        return super()._from_namespace(environment, namespace, globals)


def make_environment(root: Path, bytecode_cache: jinja2.BytecodeCache | None = None,
                     asset_paths: dict[str, str] | None = None) -> jinja2.Environment:
    """Jinja environment: the project's templates/ first, then the built-in theme.

    The built-in theme is also reachable as "theme/<name>", so a project template can
    extend the template it replaces: `{% extends "theme/explainer.html" %}`. A build
    passes the user's cache of compiled templates (`template_cache`) and the paths of the
    theme's assets under their fingerprinted names (`assets`; without them an asset keeps
    its plain name).
    """
    search = [str(THEME_DIR / "templates")]
    project_templates = root / "templates"
    if project_templates.is_dir():
        search.insert(0, str(project_templates))
    env = _Environment(
        loader=jinja2.ChoiceLoader([
            jinja2.FileSystemLoader(search),
            jinja2.PrefixLoader({"theme": jinja2.FileSystemLoader(str(THEME_DIR / "templates"))}),
        ]),
        autoescape=True,
        # Every `{{ value }}` keeps its bidi controls to itself, also after `truncate` cut off
        # a closer (see fields.contain_bidi); Markup (rendered Markdown, JSON-LD) is left alone.
        finalize=_contain_bidi,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        auto_reload=False,
        bytecode_cache=bytecode_cache,
    )
    env.template_class = _Template
    env.asset_paths = dict(asset_paths or {})

    env.filters["md"] = _markdown_filter
    env.filters["tojson_script"] = _json_for_script
    env.filters["initials"] = _initials
    env.filters["hostname"] = _hostname
    env.filters["media_path"] = media_path
    env.filters["date_element"] = date_element
    env.globals.update(
        statuses=[{"id": s, "label": STATUS_LABELS[s], "meaning": STATUS_MEANINGS[s]} for s in STATUSES],
        status_labels=STATUS_LABELS,
        generator_version=__version__,
        url=_url,
        claim_relations=claim_relations,
        who_says_what=who_says_what,
        latest=latest,
    )
    return env


def _initials(name: str) -> str:
    """Up to two letters for an avatar: 'Vladimir Putin' -> 'VP', 'Government of Ukraine' -> 'GU'."""
    words = [w for w in name.replace("-", " ").split() if w[:1].isalnum()]
    significant = [w for w in words if w.lower() not in ("of", "the", "and", "for", "on", "in")]
    words = significant or words
    if not words:
        return "?"
    letters = words[0][0] + (words[-1][0] if len(words) > 1 else "")
    return letters.upper()


def _hostname(url: str | None) -> str:
    """'https://www.example.org/a/b' -> 'example.org' (for showing where a source lives)."""
    host = urlsplit(url or "").hostname or ""
    return host[4:] if host.startswith("www.") else host


@pass_context
def date_element(context: Context, date: EventDate | PartialDate) -> Markup:
    """A date as HTML, kept exact, in the page's language (its `t`, see `i18n.Messages`).
    An exact date: `<time datetime>` as written. An uncertain one carries its EDTF form in
    `data-edtf`, and is a `<time>` whose `datetime` is the most precise value still true
    (`EventDate.true_date`: `2023-06` for "between 5 and 7 June 2023") or, with no such
    value ("around 1956", "by 6 June 2023"), a `<span class="date">`: HTML requires a
    `<time>` without `datetime` to hold a machine-readable date itself."""
    messages: Messages = context["t"]
    if isinstance(date, PartialDate):
        return Markup('<time datetime="{}">{}</time>').format(date.text, messages.date(date))
    shown = messages.event_date(date)
    if date.exact:
        return Markup('<time datetime="{}">{}</time>').format(date.text, shown)
    true = date.true_date
    if true is None:
        return Markup('<span class="date" data-edtf="{}">{}</span>').format(date.edtf(), shown)
    return Markup('<time datetime="{}" data-edtf="{}">{}</time>').format(true.text, date.edtf(), shown)


def template_span(root: Path, exc: BaseException) -> Span:
    """Where in a template an exception happened: file relative to the project, and line."""
    filename = getattr(exc, "filename", None)
    lineno = getattr(exc, "lineno", None)
    if filename is None:
        tb = exc.__traceback__
        while tb is not None:
            name = tb.tb_frame.f_code.co_filename
            if name.endswith((".html", ".xml")):
                filename, lineno = name, tb.tb_lineno
            tb = tb.tb_next
    if filename is None:
        return Span("templates", 1, 1)
    path = Path(filename)
    try:
        shown = path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        shown = f"(built-in theme)/{path.name}"
    return Span(shown, lineno or 1, 1)


def _contain_bidi(value: Any) -> Any:
    """Jinja's `finalize`: runs on every `{{ }}` of every page, so ASCII text returns at once."""
    if value.__class__ is str and not value.isascii():
        return contain_bidi(value)
    return value


def check_template_links(root: Path, diags: Diagnostics) -> None:
    """Refuse symbolic links in templates/ (or templates/ itself) that lead outside the project:
    Jinja would read, and a page would show, whatever file they point at."""
    project_templates = root / "templates"
    real_root = os.path.realpath(root)
    prefix = real_root.rstrip(os.sep) + os.sep
    if not project_templates.is_dir():
        return
    candidates = [project_templates]
    for dirpath, dirnames, filenames in os.walk(project_templates):
        candidates += [Path(dirpath, name) for name in dirnames + filenames]
    for path in candidates:
        if path.is_symlink() and not (os.path.realpath(path) + os.sep).startswith(prefix):
            diags.error(Span(path.relative_to(root).as_posix()), "symbolic link points outside the project",
                        "copy the file instead")


def check_templates(root: Path, env: jinja2.Environment, diags: Diagnostics) -> None:
    """Compile the page templates and every template in the project's templates/."""
    before = len(diags.items)
    check_template_links(root, diags)
    if len(diags.items) > before:
        return  # compiling would read the files the links point at
    names = set(PAGE_TEMPLATES)
    project_templates = root / "templates"
    if project_templates.is_dir():
        for path in project_templates.rglob("*"):
            if path.is_file() and path.suffix in (".html", ".xml", ".j2", ".jinja"):
                names.add(path.relative_to(project_templates).as_posix())
    for name in sorted(names):
        try:
            env.get_template(name)
        except jinja2.TemplateSyntaxError as exc:
            diags.error(template_span(root, exc), f"template syntax error: {exc.message}")
        except jinja2.TemplateNotFound as exc:
            diags.error(None, f"template '{exc.name}' not found")


# -- helpers available in templates -----------------------------------------

@pass_context
def _url(ctx: Any, kind: str, *parts: str) -> str:
    """Relative URL from the current page: url('explainer', slug), url('actor', id), url('tag', t),
    url('home'), url('asset', name), url('media', path), url('claim', slug, id).

    An asset is asked for by its plain name ('style.css') and found under the name the build
    gave it (`assets`); a name the theme does not have stays as it is (the link check then
    reports it)."""
    root: str = ctx["root"]
    if kind == "home":
        return root or "./"
    if kind == "explainer":
        return f"{root}{parts[0]}/"
    if kind == "actor":
        return f"{root}actors/{parts[0]}/"
    if kind == "tag":
        return f"{root}tags/{parts[0]}/"
    if kind == "asset":
        path: str = ctx.environment.asset_paths.get(parts[0], f"assets/{parts[0]}")
        return root + path
    if kind == "media":
        return f"{root}media/{media_path(parts[0])}"
    if kind == "claim":
        if ctx.get("explainer") is not None and ctx["explainer"].slug == parts[0]:
            return f"#claim-{parts[1]}"
        return f"{root}{parts[0]}/#claim-{parts[1]}"
    raise ValueError(f"url(): unknown kind {kind!r}")


@pass_context
def _markdown_filter(ctx: Any, field: Markdown | None, explainer: Explainer | None = None) -> Markup:
    """Rendered Markdown with `@id` links pointing where they should from this page.

    On the explainer's own page they are in-page anchors; elsewhere they point at the
    explainer page (claims, sources) or the actor page.
    """
    if field is None:
        return Markup("")
    return markdown_html(field, ctx["site_data"], ctx["root"], ctx.get("page_path", ""),
                         ctx.get("explainer"), explainer, _markdown_hrefs.get())


def markdown_html(field: Markdown, site: Site, root: str, page_path: str, page: Explainer | None,
                  home: Explainer | None, hrefs: list[str] | None,
                  linked: Callable[[str], None] | None = None, in_page: bool = True) -> Markup:
    """A Markdown field's HTML on the file at `page_path`, whose way back to the site's root is
    `root` (relative, or `base_url` for a file read outside the site: every link absolute).
    `page` is the explainer whose page it is, if any (its `@id`s become in-page anchors);
    `home` the explainer the field belongs to. The URLs of links to other pages of the site go
    to `hrefs` (checked at their source, see `sitelinks`); `linked` is told every other
    `@id` link it makes. Without `in_page` (a file that is no page: an export), a link to a
    fragment of the very page at `page_path` keeps its path."""
    home_is_page = home is not None and page is not None and home.slug == page.slug
    # Links to pages of the site, rewritten by `sitelinks.collect`: relative to this page.
    html = rebase_site_refs(field.html, root, page_path, hrefs, in_page)

    def target(id_: str) -> tuple[str, str] | None:
        found = _target(id_)
        if found is not None and linked is not None:
            linked(found[0])
        return found

    def _target(id_: str) -> tuple[str, str] | None:
        if home is not None:
            if id_ in home.claims:
                return (f"#claim-{id_}" if home_is_page else f"{root}{home.slug}/#claim-{id_}"), "claim"
            if id_ in home.sources:
                return (f"#source-{id_}" if home_is_page else f"{root}{home.slug}/#source-{id_}"), "source"
        if id_ in site.actors:
            # Any actor with a card on this page (a shared actor's description included).
            if page is not None and id_ in page.page_actors:
                return f"#actor-{id_}", "actor"
            return f"{root}actors/{id_}/", "actor"
        if home is not None and id_ in home.questions:  # from the view `home.claims` read
            return (f"#question-{id_}" if home_is_page else f"{root}{home.slug}/#question-{id_}"), "question"
        return None

    return resolve_hrefs(resolve_media(html, root), target if linked is not None else _target)


def _json_for_script(value: Any) -> Markup:
    """JSON safe inside <script>: '<', '>', '&' and U+2028/9 escaped, so no '</script>' survives."""
    text = json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    text = (text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
            .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))
    return Markup(text)


# -- page views ---------------------------------------------------------------

def claim_relations(explainer: Explainer, claim: Claim) -> list[dict[str, Any]]:
    """Both directions of every relation: 'Contradicts' X and 'Contradicted by' Y."""
    groups = []
    for relation in RELATIONS:
        forward = [explainer.claims[i] for i in getattr(claim, relation)]
        if forward:
            groups.append({"relation": relation, "direction": "forward",
                           "label": FORWARD_LABELS[relation], "claims": forward})
        backward = [explainer.claims[i] for i in claim.inverse.get(relation, [])]
        if backward:
            groups.append({"relation": relation, "direction": "inverse",
                           "label": INVERSE_LABELS[relation], "claims": backward})
    return groups


class Renderer:
    """Renders every page of a resolved site; one instance per build."""

    def __init__(self, site: Site, env: jinja2.Environment, root: Path, parts: PartStore | None = None):
        self.site = site
        self.env = env
        self.root = root
        self.config = site.config
        self._languages: dict[str, dict[str, Any]] = {}
        self.parts = parts if parts is not None else PartStore()
        """Each explainer's part of the files joined from parts, kept between builds (see
        `plan.Joined`)."""

    def absolute(self, dest_dir: str) -> str:
        """The page's public URL: base_url + path (root-relative if base_url has no host)."""
        return self.config.base_url + (dest_dir + "/" if dest_dir else "")

    def share_image(self, explainer: Explainer | None = None) -> ShareImage:
        """An explainer page's picture: its lead image, else the site's default image, else
        its share card; any other page's: the site's default image, else the site's card."""
        config = self.config
        if explainer is not None and explainer.image:
            return ShareImage(self._media_url(explainer.image), explainer.image_alt or "",
                              credit=explainer.image_credit)
        if config.image:
            return ShareImage(self._media_url(config.image), config.image_alt or "")
        card = sharecard.site_card(config) if explainer is None else sharecard.explainer_card(explainer, config)
        assert card is not None  # there is no picture, so there is a card
        return ShareImage(config.base_url + card.dest_path, card.alt, sharecard.WIDTH, sharecard.HEIGHT)

    def _media_url(self, path: str) -> str:
        return f"{self.config.base_url}media/{media_path(path)}"

    def share_card(self, card: sharecard.Card) -> RenderedFile:
        return RenderedFile(card.dest_path, card.draw())

    def language(self, language: str | None = None) -> dict[str, Any]:
        """What a page in `language` (the site's by default) says and how (see `i18n`):
        `t` (its messages), `lang`, `dir`, and the verdicts' labels and meanings in it."""
        messages = self.config.strings.messages(language or self.config.language)
        found = self._languages.get(messages.language)
        if found is None:
            found = self._languages[messages.language] = {
                "t": messages, "lang": messages.language, "dir": messages.direction,
                "statuses": [{"id": s, "label": messages.status(s), "meaning": messages.meaning(s)}
                             for s in STATUSES],
                "status_labels": {s: messages.status(s) for s in STATUSES},
            }
        return found

    def page(self, template: str, dest_dir: str, written_to: str | None = None, language: str | None = None,
             **context: Any) -> RenderedFile:
        """The page of `dest_dir` (its links, its URL) in `language` (the site's by default),
        written to `dest_dir/index.html`, or to `written_to` for a page that stands in for it
        (an embed, whose <base href> is `dest_dir`)."""
        context.setdefault("explainer", None)
        if "share_image" not in context:
            context["share_image"] = self.share_image()
        dest = f"{dest_dir}/index.html" if dest_dir else "index.html"
        hrefs: list[str] = []
        token = _markdown_hrefs.set(hrefs)
        try:
            html = self.env.get_template(template).render(
                site=self.config, site_data=self.site, root=root_prefix(dest_dir),
                page_url=self.absolute(dest_dir), page_path=dest, **self.language(language), **context)
        finally:
            _markdown_hrefs.reset(token)
        return RenderedFile(written_to or dest, html.encode("utf-8"), markdown_hrefs=frozenset(hrefs))

    def home_page(self) -> RenderedFile:
        site = self.site
        return self.page("index.html", "", explainers=site.explainers, tags=site.tags)

    def tag_page(self, tag: str) -> RenderedFile:
        explainers = self.site.tags[tag]
        return self.page("tag.html", f"tags/{tag}", tag=tag, explainers=explainers)

    def explainer_json(self, explainer: Explainer) -> RenderedFile:
        return RenderedFile(f"{explainer.slug}/explainer.json", jsondata.explainer_json(
            explainer, self.site, self.absolute(explainer.slug)))

    def timeline_json(self, explainer: Explainer) -> RenderedFile:
        """`<slug>/timeline.json` (see `timelinejs`): every link absolute, and followed by
        the link check but for those written in Markdown, which are checked at their source."""
        dest = f"{explainer.slug}/timeline.json"
        base = self.config.base_url
        urls = SiteURLs(base)

        def markdown(field: Markdown) -> str:
            for image in field.images:
                urls(f"media/{media_path(image)}")
            return str(markdown_html(field, self.site, base, dest, None, explainer, [], urls.add, in_page=False))

        messages = self.config.strings.messages(explainer.language)
        data = timelinejs.timeline_json(explainer, self.site, self.absolute(explainer.slug), urls, markdown,
                                        messages.event_date)
        back = root_prefix(explainer.slug)
        return RenderedFile(dest, data, links=tuple(dict.fromkeys(back + path for path in urls.paths)))

    def claims_part(self, explainer: Explainer) -> Part:
        """The explainer's claims in `claims.json` (see `claimsdata`), and the explainer and
        actor pages they link to, which the link check follows (each claim's `#claim-` anchor
        is one of the page's stable hooks)."""
        urls = SiteURLs(self.config.base_url)
        data = claimsdata.claims_part(explainer, lambda explainer, actor_id: self.site.actors[actor_id], urls)
        return Part(data, tuple(dict.fromkeys(urls.paths)))

    def claims_json(self, parts: list[Part]) -> RenderedFile:
        """`claims.json` of the published explainers' parts (`claims_part`), in order."""
        data = claimsdata.claims_json((part.data for part in parts), self.config.title, self.config.base_url)
        return RenderedFile("claims.json", data, links=tuple(dict.fromkeys(link for part in parts
                                                                          for link in part.links)))

    def search_part(self, explainer: Explainer) -> Part:
        """The explainer's records in the search index (see `search`)."""
        return search.explainer_part(explainer, lambda explainer, actor_id: self.site.actors[actor_id])

    def search_actors(self) -> Part:
        """The actor pages' records in the search index."""
        return search.actor_records(self.site.actors, self.config.language)

    def search_page(self) -> RenderedFile:
        """`search/`: a search box over the index where there is one, and, for a reader
        without JavaScript (or in `serve`), links to every topic and actor page."""
        site = self.site
        actors = sorted(site.actors.values(), key=lambda actor: (actor.name.casefold(), actor.id))
        return self.page("search.html", "search", tags=site.tags, actors=actors)

    def explainer_sections(self, explainer: Explainer) -> dict[str, Any]:
        """What the sections of an explainer page are rendered from: the page and its embeds
        (`embed_page`) get the same, so a section shows the same in both (but the claim
        cards' links to the claim map, which only the page has)."""
        site = self.site
        claims_by_actor: dict[str, list[Claim]] = {}
        for claim in explainer.claims.values():
            claims_by_actor.setdefault(claim.by, []).append(claim)
        used = {c.status for c in explainer.claims.values()}
        return {
            "explainer": explainer,
            "actors": [explainer.actors.get(a) or site.actors[a] for a in explainer.page_actors],
            "actor_lookup": _lookup(explainer, site), "claims": list(explainer.claims.values()),
            "claims_by_actor": claims_by_actor, "legend": [s for s in STATUSES if s in used],
        }

    def explainer_page(self, explainer: Explainer) -> RenderedFile:
        sections = self.explainer_sections(explainer)
        lookup = sections["actor_lookup"]
        # The page's alone (not its embeds'): a project turns the map off in explainer.html.
        messages = self.config.strings.messages(explainer.language)
        sections["claim_map"] = claimmap.layout(explainer, lambda i: actor.name if (actor := lookup(i)) else i,
                                                messages)
        page_url = self.absolute(explainer.slug)
        share_image = self.share_image(explainer)
        jsonld = structured.explainer_jsonld(explainer, {a.id: a for a in sections["actors"]}, self.config,
                                             page_url, image=share_image)
        embargoed = explainer.published.instant() > dt.datetime.now(dt.UTC)
        return self.page("explainer.html", explainer.slug, language=explainer.language, jsonld=jsonld,
                         embargoed=embargoed, share_image=share_image, versions=self.versions(explainer), **sections)

    def embed_page(self, explainer: Explainer, section: str) -> RenderedFile:
        """`<slug>/embed/<section>/index.html`: one section of the explainer page alone, for an
        iframe (docs/embeds.md). It is rendered as the explainer page is (its `root`, links,
        canonical URL and language) and its <base href> names the explainer page's folder, so
        the same partial makes the same section, and every link in it opens the full explainer."""
        return self.page(f"embed-{section}.html", explainer.slug, embed_path(explainer.slug, section),
                         explainer.language, section=section, share_image=None, **self.explainer_sections(explainer))

    def versions(self, explainer: ExplainerListing) -> list[Version]:
        """The explainer's story in each language the site has it in (none if only in its
        own), for `hreflang` alternates; "x-default" (for readers of any other language)
        is the version in the site's language, if there is one."""
        found = [Version(e.slug, e.language, self.absolute(e.slug)) for e in self.site.versions(explainer)]
        default = next((v for v in found if v.language == self.config.language), None)
        return found + ([Version(default.slug, "x-default", default.url)] if default else [])

    def actor_page(self, actor: Actor) -> RenderedFile:
        site = self.site
        home = site.by_slug.get(actor.home) if actor.home else None
        return self.page(
            "actor.html", f"actors/{actor.id}", actor=actor, actor_home=home,
            actor_lookup=lambda i: site.actors.get(i),
            claims=site.claims_of(actor.id), events=site.events_of(actor.id),
            explainers=site.actor_explainers.get(actor.id, []), members=members_of(site, actor.id),
        )

    def file(self, template: str, dest_path: str, **context: Any) -> RenderedFile:
        """Any other file of the site: `template` rendered to `dest_path` with `context`,
        the site's settings and data (a page kind of a theme's or a test's, see `plan`)."""
        dest_dir = dest_path.rpartition("/")[0]
        context = {**self.language(), **context}
        text = self.env.get_template(template).render(
            site=self.config, site_data=self.site, root=root_prefix(dest_dir), page_path=dest_path,
            page_url=self.absolute(dest_dir), explainer=None, **context)
        return RenderedFile(dest_path, text.encode("utf-8"))

    def xml(self, name: str) -> RenderedFile:
        """The feed or the sitemap. `messages_in(language)` gives a feed entry in another
        language than the site's its own words ("Rectificatif", not "Correction")."""
        site = self.site
        text = self.env.get_template(name).render(
            site=self.config, site_data=site, root="", page_path=name, explainers=site.explainers,
            entries=feed_entries(site.explainers) if name == "feed.xml" else [], actor_lookup=site.actors.get,
            explainer=None, absolute=self.absolute, feed_updated=_feed_updated(site.explainers),
            sitemap_updated=_sitemap_updated(site.explainers),
            messages_in=lambda language: self.language(language)["t"], **self.language())
        return RenderedFile(name, text.encode("utf-8"))


def embed_path(slug: str, section: str) -> str:
    """Where the embed of one section of an explainer is written (see `Renderer.embed_page`)."""
    return f"{slug}/embed/{section}/index.html"


def members_of(site: Site, actor_id: str) -> list[Actor]:
    """The actors that name `actor_id` as their `affiliation` ("Part of ..."), by name."""
    return [site.actors[member] for member in site.members.get(actor_id, [])]


def _lookup(explainer: Explainer, site: Site) -> Callable[[str], Actor | None]:
    def lookup(actor_id: str) -> Actor | None:
        return explainer.actors.get(actor_id) or site.actors.get(actor_id)
    return lookup


@dataclass(frozen=True)
class FeedEntry:
    """An entry of the feed: an explainer, or a change of one of its claims' verdicts."""

    explainer: Explainer
    change: VerdictChange | None = None


def feed_entries(explainers: list[Explainer]) -> list[FeedEntry]:
    """The explainers (newest first, as the site lists them) and the changes of their claims'
    verdicts since publication (see `verdicts`), merged by date: a change comes before every
    explainer published before it."""
    changes = sorted(((c.date.instant(), e, c) for e in explainers for c in e.verdict_changes),
                     key=lambda found: found[0], reverse=True)
    entries: list[FeedEntry] = []
    at = 0
    for explainer in explainers:
        published = explainer.published.instant()
        while at < len(changes) and changes[at][0] > published:
            entries.append(FeedEntry(changes[at][1], changes[at][2]))
            at += 1
        entries.append(FeedEntry(explainer))
    return entries + [FeedEntry(e, c) for _, e, c in changes[at:]]


def _feed_updated(explainers: list[Explainer]) -> str:
    """The feed's `<updated>`: the latest editorial date (see `Explainer.modified`) or change
    of a verdict of any entry."""
    found = latest(*(latest(e.published, e.modified, *(c.date for c in e.verdict_changes)) for e in explainers))
    return found.iso() if found else "1970-01-01T00:00:00Z"


def _sitemap_updated(explainers: list[Explainer]) -> str:
    """The home page's `lastmod`: the last change of any explainer, in the sitemap's one form."""
    found = latest(*(e.last_changed for e in explainers))
    return found.utc_iso() if found else "1970-01-01T00:00:00Z"


def render_files(make: Iterable[Callable[[], RenderedFile]], root: Path) -> Iterator[RenderedFile]:
    """Call each page maker in turn (one page in memory at a time); a template error becomes a
    located diagnostic (`TemplateFailed`).

    Any exception raised while a template runs counts: a project template can divide by
    zero or call `url()` wrongly, and its author needs the template's name and line, not a
    Python traceback.
    """
    for maker in make:
        try:
            yield maker()
        except BuildFailed:
            raise  # a file changed under the build (see `summary`): not the template's fault
        except Exception as exc:
            raise TemplateFailed([template_failure(root, exc)]) from None


def template_failure(root: Path, exc: Exception) -> Any:
    diags = Diagnostics()
    if isinstance(exc, jinja2.TemplateNotFound):
        message = f"template '{exc.name}' not found"
        hint = "templates are looked up in templates/ and then in the built-in theme"
    elif isinstance(exc, jinja2.TemplateError):
        message, hint = f"template error: {exc.message or exc}", None
    else:
        message, hint = f"template error: {type(exc).__name__}: {exc}", None
    diags.error(template_span(root, exc), message, hint)
    return diags.items[0]
