"""Links written in Markdown to pages of the site: found at their source, checked there.

A writer links to another explainer as `[text](other-slug.md)` (its file, as
in MkDocs), or `[text](../other-slug/)` (its page), to an actor or tag page,
or to an anchor (`#claim-x`). Such a link is a promise about the *site*: that
the page exists and holds the anchor. The post-render link check
(`linkcheck`) would find a broken one, but only as a line of a rendered page
that was never written; the writer needs the line of the file they wrote.

So each Markdown field's internal links are handled in two steps:

- `collect` (while the explainer is resolved, on its own): every internal
  `href` of the rendered field is resolved to the page it names
  (from the page that holds the field: the explainer's page, or a shared
  actor's page; `.md` links from the file), located in the field's source
  (`path:line:column` of the link destination), and rewritten to the
  page-independent form `@/<path on the site>#fragment`, which `render`
  turns into a relative URL from whichever page shows the field (a claim note
  shows on its explainer's page and on its actor's page, one level deeper).
- `WrittenLinks` (once the whole site is planned and rendered): every
  explainer's links are checked against the site's outputs and the element ids
  of the target pages, alongside the rendered pages' own links
  (`linkcheck.check_site`), and a broken one is reported at its source, with a
  hint in the writer's terms (the form of a link to another explainer, the
  nearest slug or id, a draft that is not on the site).

An explainer's links are stored with its compiled unit (`incremental.units.Unit`), so
that a build in which explainer B disappears reports the link to it in
explainer A even when A is unchanged and not compiled again.
"""

from __future__ import annotations

import html as html_lib
import posixpath
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, unquote, urlsplit

from generator.diagnostics import Diagnostic, Diagnostics, Span, did_you_mean
from generator.fields import ID_RE
from generator.markdown import offset_to_span
from generator.model import Markdown

EXPLAINERS_DIR = "content/explainers"

EXPLAINER_LINK_FORMS = ("a link to another explainer names its file, [text](other-slug.md), "
                        "or its page, [text](../other-slug/)")

SITE_REF_PREFIX = "@/"
"""Rewritten internal links start with this: `@` is never a URL's first character, and an
`@id` link is never followed by `/`."""

_HREF_RE = re.compile(r'(?<=\s)href="(?!@|https?:|mailto:|tel:)([^"]*)"')
"""A link's `href` in rendered Markdown, except the commonest that are never the site's (`@id`
links, other sites), which the pattern skips without a call. (A picture's `src` is the
business of `resolve._check_images`: a file under content/, copied to media/.)"""
_ID_RE = re.compile(r'\sid="([^"]*)"')
_SCHEME_RE = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:")
_DESTINATION_RES = (
    # [text](dest) and ![alt](dest); a destination in <...> may hold spaces.
    re.compile(r"\]\([ \t]*(?:\n[ \t]*)?(<[^<>\n]*>|[^\s()<>]*(?:\([^\s()]*\)[^\s()<>]*)*)"),
    # [label]: dest (a reference definition), at the start of a line.
    re.compile(r"^[ \t]{0,3}\[[^\]\n]+\]:[ \t]*(?:\n[ \t]*)?(<[^<>\n]*>|\S+)", re.MULTILINE),
)


@dataclass(frozen=True)
class LinkHome:
    """Where a Markdown field lives: the page that holds it and the file it is written in."""

    page_dir: str
    """The page's folder on the site: an explainer's slug, or `actors/<id>`."""
    file_dir: str
    """The folder of the source file, from the project root (for `.md` links)."""
    base_path: str = "/"
    """The path of `base_url` (`/explainers/`): root-relative links under it are the site's."""


@dataclass(frozen=True)
class SiteLink:
    """One link to a page of the site, as written in a Markdown field."""

    target: str
    """The file it names on the site (`other/index.html`, `actors/putin/index.html`)."""
    fragment: str
    """The element id after `#` (decoded), or ""."""
    written: str
    """The link destination as the writer wrote it."""
    span: Span
    """Where the destination starts in the source file."""
    explainer: str = ""
    """For a link to an explainer's `.md` file: the slug it names."""
    home: str = ""
    """The file on the site of the page the field belongs to (for `#x` links)."""

    def to_json(self) -> list[Any]:
        return [self.target, self.fragment, self.written, *self.span, self.explainer, self.home]

    @classmethod
    def from_json(cls, data: Any) -> SiteLink:
        """Raises ValueError or TypeError on anything `to_json` did not make."""
        target, fragment, written, path, line, column, explainer, home = data
        texts = (target, fragment, written, path, explainer, home)
        if not (all(isinstance(t, str) for t in texts) and all(type(n) is int for n in (line, column))):
            raise TypeError("not a site link")
        return cls(target, fragment, written, Span(path, line, column), explainer, home)


def collect(field: Markdown, home: LinkHome, context: str, diags: Diagnostics) -> list[SiteLink]:
    """Resolve, locate and rewrite every internal link of a rendered field (see the module
    docstring); links that can never work wherever the site is (leaving it, or a `.md` file
    that is not an explainer's) are reported here."""
    html = field.html
    if html.count('href="') == html.count('href="@') + html.count('href="http'):
        return []  # only @id links and other sites (most fields): three scans in C, no pattern
    links: list[SiteLink] = []
    locator = _Locator(field)
    own_ids: set[str] | None = None

    def rewrite(match: re.Match[str]) -> str:
        nonlocal own_ids
        value = html_lib.unescape(match.group(1))
        if value.startswith("#"):
            if own_ids is None:
                own_ids = {html_lib.unescape(i) for i in _ID_RE.findall(html)}
            if unquote(value[1:]) in own_ids:
                return match.group(0)  # within the field (a footnote): it travels with it
        resolved = _resolve(value, home)
        if resolved is None:
            return match.group(0)
        written, span = locator.find(value)
        if isinstance(resolved, str):  # a problem, not a target
            diags.error(span, f"link '{written}' in {context} {resolved}", _hint_for(resolved, home))
            return match.group(0)
        path, query, fragment, slug = resolved
        links.append(SiteLink(_dest_file(path), unquote(fragment), written, span, slug,
                              f"{home.page_dir}/index.html" if home.page_dir else "index.html"))
        marker = SITE_REF_PREFIX + quote(path, safe="/") + (f"?{query}" if query else "") + (
            f"#{fragment}" if fragment else "")
        return f'href="{html_lib.escape(marker)}"'

    field.html = _HREF_RE.sub(rewrite, html)
    return links


def _resolve(value: str, home: LinkHome) -> tuple[str, str, str, str] | str | None:
    """(path on the site, query, fragment, slug of a `.md` link) of an internal link; None for
    what is not one (another site, `mailto:`, an `@id`); a string saying what is wrong."""
    if not value or value.startswith(("@", "//")) or _SCHEME_RE.match(value):
        return None
    parts = urlsplit(value)
    path = unquote(parts.path)
    slug = ""
    if path.startswith("/"):
        base = home.base_path if home.base_path.endswith("/") else home.base_path + "/"
        if not (path + "/").startswith(base):
            return None  # another part of the host: not this site's to check
        joined = path[len(base):]
    elif path.endswith(".md"):
        named = posixpath.normpath(posixpath.join(home.file_dir, path))
        folder, name = posixpath.split(named)
        slug = name[:-len(".md")]
        if folder != EXPLAINERS_DIR:
            return f"names {named}, which is not an explainer in {EXPLAINERS_DIR}/"
        if not ID_RE.fullmatch(slug):
            return f"names {named}, which cannot be an explainer (a file name is a slug: a-z, 0-9 and '-')"
        joined = f"{slug}/"
    elif not path:
        joined = home.page_dir + "/" if home.page_dir else ""
    else:
        joined = posixpath.join(home.page_dir, path)
    trailing = joined.endswith("/") or path in ("", ".", "..") or path.endswith(("/.", "/.."))
    normalized = posixpath.normpath(joined) if joined else ""
    if normalized.startswith("..") or normalized == "/":
        return "leaves the site"
    if normalized == ".":
        normalized = ""
    if normalized and trailing:
        normalized += "/"
    return normalized, parts.query, parts.fragment, slug


def _dest_file(path: str) -> str:
    """The file a site path means: a folder (or the root) means its index.html."""
    if not path or path.endswith("/"):
        return f"{path}index.html"
    return path


def _hint_for(problem: str, home: LinkHome) -> str:
    if problem == "leaves the site":
        return "link to a page of the site (like ../other-slug/), or give the full https:// address"
    if home.file_dir == EXPLAINERS_DIR:
        return "a link to another explainer names its file, like [text](other-slug.md)"
    rel = posixpath.relpath(EXPLAINERS_DIR, home.file_dir)
    return f"a link to an explainer names its file from here, like [text]({rel}/other-slug.md)"


class _Locator:
    """Finds where a rendered link's destination is written in the field's source.

    markdown-it gives inline tokens no positions, so the source is searched for link
    destinations (`](dest`, `[label]: dest`), each normalized as markdown-it does, and
    matched to the rendered links in order."""

    def __init__(self, field: Markdown):
        self.field = field
        self.candidates: list[tuple[str, str, int]] | None = None
        """(normalized destination, as written, offset) in source order."""
        self.used: set[int] = set()

    def find(self, value: str) -> tuple[str, Span]:
        """The destination as written and its position; the field's start if not found."""
        if self.candidates is None:
            self.candidates = list(_destinations(self.field.source))
        fallback = None
        for index, (normalized, written, offset) in enumerate(self.candidates):
            if normalized != value:
                continue
            if index not in self.used:
                self.used.add(index)
                return written, offset_to_span(self.field, offset)
            fallback = fallback or (written, offset_to_span(self.field, offset))
        return fallback or (value, self.field.span)


def _destinations(source: str) -> Iterable[tuple[str, str, int]]:
    from markdown_it.common.normalize_url import normalizeLink  # only for fields with links
    from markdown_it.common.utils import unescapeAll

    found = []
    for pattern in _DESTINATION_RES:
        for match in pattern.finditer(source):
            raw, offset = match.group(1), match.start(1)
            if raw.startswith("<") and raw.endswith(">"):
                raw, offset = raw[1:-1], offset + 1
            found.append((offset, normalizeLink(unescapeAll(raw)), raw))
    for offset, normalized, raw in sorted(found):
        yield normalized, raw, offset


# -- checking against the site ------------------------------------------------------------------

@dataclass
class SiteIndex:
    """What hints about a missing page draw on."""

    slugs: set[str] = field(default_factory=set)
    """Explainers on the site."""
    unpublished: dict[str, str] = field(default_factory=dict)
    """Explainers left off the site -> why ("a draft", "under embargo until ...")."""
    actors: set[str] = field(default_factory=set)
    tags: set[str] = field(default_factory=set)
    files: set[str] = field(default_factory=set)
    """Every file of the site (for the hint about a missing trailing slash)."""


@dataclass
class WrittenLinks:
    """The links to check (see `linkcheck.check_site`) and how to report a broken one."""

    links: list[SiteLink]
    index: SiteIndex = field(default_factory=SiteIndex)

    def error(self, link: SiteLink, missing_fragment: str | None, ids: Callable[[], set[str]]) -> Diagnostic:
        """The error for `link`: its target is missing (`missing_fragment` None), or the target
        page (whose element ids `ids` gives) has no element `missing_fragment`."""
        if missing_fragment is None:
            message, hint = self._missing_page(link)
        else:
            on = "this page" if link.target == link.home else f"the page {_shown(link.target)}"
            message = f"broken link '{link.written}': {on} has no element with id '{missing_fragment}'"
            hint = _replaced_hint(link.written, f"#{link.fragment}",
                                  did_you_mean(missing_fragment, sorted(ids())), "#",
                                  "link to a claim, actor, source or question with [text](@id), or to "
                                  "#claim-<id>, #actor-<id>, #source-<id> or #question-<id> on its "
                                  "explainer's page")
        return Diagnostic(message, link.span, hint)

    def _missing_page(self, link: SiteLink) -> tuple[str, str]:
        index = self.index
        folder = link.target[:-len("/index.html")] if link.target.endswith("/index.html") else ""
        parts = folder.split("/") if folder else []
        slug = link.explainer or (parts[0] if len(parts) == 1 else "")
        if slug and slug in index.unpublished:
            file = f"{EXPLAINERS_DIR}/{slug}.md"
            return (f"broken link '{link.written}': {file} is {index.unpublished[slug]}, not on the site",
                    "link to it once it is published, or remove the link")
        if link.explainer:
            suggestion = did_you_mean(slug, index.slugs)
            return (f"broken link '{link.written}': there is no {EXPLAINERS_DIR}/{slug}.md",
                    _replaced_hint(link.written, f"{slug}.md", suggestion, ".md", EXPLAINER_LINK_FORMS))
        if slug:
            suggestion = did_you_mean(slug, index.slugs)
            return (f"broken link '{link.written}': the site has no page {slug}/ (there is no "
                    f"{EXPLAINERS_DIR}/{slug}.md)",
                    _replaced_hint(link.written, slug, suggestion, "", EXPLAINER_LINK_FORMS))
        home_dir = link.home[:-len("index.html")]
        if home_dir and folder.startswith(home_dir) and not link.written.startswith(("/", "..")):
            # `other/` on a's page is a/other/: the writer meant a page beside it.
            meant = folder[len(home_dir):].split("/")[0]
            suggestion = did_you_mean(meant, index.slugs)
            relative = f"a link is relative to the page it is on ({home_dir})"
            message = f"broken link '{link.written}': the site has no page {folder}/"
            if suggestion is None:
                return message, f"{relative}; {EXPLAINER_LINK_FORMS}"
            fixed = suggestion.split("'")[1]
            rest = link.written[len(meant):] if link.written.startswith(meant) else "/"
            return message, f"{relative}: did you mean '../{fixed}{rest}'?"
        if len(parts) == 2 and parts[0] in ("actors", "tags"):
            kind, known = ("actor", index.actors) if parts[0] == "actors" else ("tag", index.tags)
            return (f"broken link '{link.written}': the site has no {kind} page {folder}/",
                    _replaced_hint(link.written, parts[1], did_you_mean(parts[1], known), "",
                                   f"a {kind} page's address is ../{parts[0]}/<id>/ from an explainer's page"))
        if f"{link.target}/index.html" in index.files:
            page = link.written.split("#")[0].split("?")[0]
            return (f"broken link '{link.written}': the site has no file {link.target}",
                    f"a page's address ends with '/': did you mean '{link.written.replace(page, page + '/', 1)}'?")
        return (f"broken link '{link.written}': the site has no {_shown(link.target)}",
                "link to a page of the site: another explainer ([text](other-slug.md)), an actor "
                "(../actors/<id>/) or a tag (../tags/<tag>/)")


def _shown(target: str) -> str:
    """`b/index.html` as a writer knows it: `b/`."""
    if target == "index.html":
        return "home page"
    return target[:-len("index.html")] if target.endswith("/index.html") else target


def _replaced_hint(written: str, wrong: str, suggestion: str | None, suffix: str, otherwise: str) -> str:
    """'did you mean <written with the nearest name>?', or `otherwise`."""
    if suggestion is None:
        return otherwise
    right = suggestion.split("'")[1]
    if suffix == "#":
        right = f"#{right}"
        wrong = wrong if wrong in written else written[written.find("#"):]
    elif suffix:
        right = f"{right}{suffix}"
    at = written.rfind(wrong)
    if at < 0:
        return otherwise
    return f"did you mean '{written[:at]}{right}{written[at + len(wrong):]}'?"
