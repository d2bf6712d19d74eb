"""URLs between pages, and the per-page rewriting of `@id` links.

Every internal link is relative ("../actors/putin/"), so the site works
under any `base_url` path and from any static host without rewriting.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from urllib.parse import quote

from markupsafe import Markup

AT_HREF_RE = re.compile(r'href="@([^"]*)"')

MEDIA_SRC = '<img src="media/'
"""How a checked Markdown image starts in a field's HTML (see `resolve`): relative to the
site's root, until `resolve_media` makes it relative to the page that shows the field."""


def media_path(path: str) -> str:
    """An image path as a URL path, percent-encoded: an image path is a file name, and '#',
    '?', '%' or a space in it would otherwise change what the URL means ('a%2e%2e' would
    even be read as '..')."""
    return quote(path, safe="/")


def resolve_media(html: str, root: str) -> str:
    """Markdown images' `src` (`media/<path>`) relative to a page whose way back to the
    site's root is `root` ("../", "../../")."""
    if MEDIA_SRC not in html:
        return html
    return html.replace(MEDIA_SRC, f'<img src="{root}media/')


def root_prefix(dest_dir: str) -> str:
    """Relative path from a page in `dest_dir` ("", "slug", "actors/putin") back to the site root."""
    if not dest_dir:
        return ""
    return "../" * (dest_dir.count("/") + 1)


SITE_REF_RE = re.compile(r'href="@/([^"]*)"')
"""A link to a page of the site as `sitelinks.collect` rewrites it: `@/<path>#fragment`."""


def rebase_site_refs(html: str, root: str, page_path: str, emitted: list[str] | None = None,
                     in_page: bool = True) -> str:
    """Replace each `@/<path>` link by its URL from the page at `page_path` (whose way back to
    the site root is `root`): an in-page `#fragment` on that very page (unless not `in_page`:
    the file is read outside the site), else `root` + path. Each URL made is added to
    `emitted` (see `render.RenderedFile.markdown_hrefs`)."""
    if "@/" not in html:
        return html
    page_dir = page_path.rpartition("/")[0]

    def replace(match: re.Match[str]) -> str:
        path, hash_, fragment = match.group(1).partition("#")
        folder = path[:-1] if path.endswith("/") else None
        if in_page and hash_ and (folder == page_dir or (path == "" and page_dir == "")):
            url = f"#{fragment}"
        else:
            url = f"{root}{path}{hash_}{fragment}" or "./"
        if emitted is not None:
            emitted.append(url)
        return f'href="{url}"'

    return SITE_REF_RE.sub(replace, html)


def resolve_hrefs(html: str, target_url: Callable[[str], tuple[str, str] | None]) -> Markup:
    """Replace each `href="@id"` by the URL `target_url(id)` gives, plus a class naming its kind.

    `target_url` returns (url, kind) or None; unknown ids were already reported by
    `resolve`, so None only happens for ids that are deliberately not linked here.
    """
    if "@" not in html:
        return Markup(html)

    def replace(match: re.Match[str]) -> str:
        found = target_url(match.group(1))
        if found is None:
            return 'href="#"'
        url, kind = found
        return f'href="{url}" class="ref ref-{kind}"'

    return Markup(AT_HREF_RE.sub(replace, html))


class SiteURLs:
    """Absolute URLs of files of the site (`base_url` + path) for a file read outside the
    site (an export), each path remembered: the links the file holds, which the link check
    follows (`render.RenderedFile.links`)."""

    def __init__(self, base_url: str):
        self.base_url = base_url
        self.paths: list[str] = []

    def __call__(self, path: str) -> str:
        self.paths.append(path)
        return self.base_url + path

    def add(self, url: str) -> None:
        """A URL made elsewhere (`render.markdown_html`), if it is one of the site's."""
        if url.startswith(self.base_url):
            self.paths.append(url[len(self.base_url):])
