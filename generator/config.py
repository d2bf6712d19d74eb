"""Site settings from site.yaml, and the options of one build."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from urllib.parse import urlsplit

from generator import i18n, shapes
from generator.catalogues import Strings
from generator.diagnostics import Diagnostics, Span
from generator.fields import FieldReader
from generator.validate import language_field, lead_image
from generator.yamlnodes import YMap, kind_name


@dataclass(frozen=True)
class SiteConfig:
    """Everything site.yaml may set, with the contract's defaults."""

    title: str = "Explainers"
    base_url: str = "/"
    """Where the site is published; may carry a path. Always ends in '/'."""
    language: str = "en"
    description: str = ""
    allow_html: bool = False
    """Pass raw HTML in Markdown fields through instead of escaping it."""
    publisher: str = ""
    """The news organisation, for JSON-LD and feeds (default: the site title)."""
    updated_from_git: bool = False
    """An explainer without `updated` takes its last commit's date as "Updated" (by default
    only `updated` and the corrections' dates count: see `model.Explainer.modified`)."""
    image: str | None = None
    """The default share picture (a path under content/): the `og:image` of every page
    that has none of its own. Without it, the build draws share cards (see `sharecard`)."""
    image_alt: str | None = None
    """What the default share picture shows (required with `image`)."""
    search: bool = True
    """A search page (`search/`) linked from every page, and the index it searches, made by
    Pagefind after the pages (see `search`); `search: false` leaves both out."""
    search_index: bool = True
    """Not a setting of site.yaml: False in `serve`, whose search page says that search works
    in the built site (see docs/search.md)."""
    strings: Strings = field(default_factory=Strings, compare=False, repr=False)
    """The messages of every language, with the project's catalogues and `strings:` (see
    `catalogues`): not a setting of its own, but what the settings' pages say."""

    @property
    def publisher_name(self) -> str:
        return self.publisher or self.title

    @property
    def absolute(self) -> bool:
        """True when base_url has a scheme and host, so feed and sitemap URLs can be absolute."""
        parts = urlsplit(self.base_url)
        return bool(parts.scheme and parts.netloc)


@dataclass(frozen=True)
class BuildOptions:
    """How to run one build: where the project is and where the site goes."""

    root: Path
    out_dir: Path
    base_url: str | None = None
    """--base-url, overriding site.yaml."""
    jobs: int = 1
    """Processes that render pages (`--jobs`)."""
    drafts: bool = False
    """Include drafts and explainers whose `published` date is still to come (`--drafts`)."""
    progress: bool = False
    """Show a running count while rendering (on a terminal, outside CI)."""
    fingerprint_assets: bool = True
    """Name the theme's assets by their content (see `assets`); `serve` keeps the plain names."""
    search_index: bool = True
    """Make the search index when site.yaml asks for search; `serve` does not (its pages
    change with every save, and Pagefind takes seconds for thousands of explainers)."""


BASE_URL_REFUSED = "\"'<>"
"""Characters a base URL may not have (besides spaces): they would end the attributes and
markup it is written into unescaped (`<base href>`, feeds)."""


def normalize_base_url(url: str) -> str:
    url = url.strip() or "/"
    return url if url.endswith("/") else url + "/"


_DEFAULTS = SiteConfig()


def read_config(node: YMap | None, diags: Diagnostics, base_url_override: str | None,
                images: set[str] | None = None, root: Path | None = None) -> SiteConfig:
    """Validate site.yaml's fields (absent file: all defaults). `images` are the files under
    content/ that `image` may name (see `load.list_content_files`); `root` is the project,
    whose `i18n/` catalogues the pages' messages read."""
    config = replace(_DEFAULTS, strings=Strings(root))
    if node is not None:
        config = _site_yaml(FieldReader(node, "site.yaml", shapes.SITE, diags), images or set(), diags, root)
    if base_url_override is not None:
        base_url = _check_base_url(base_url_override, diags, None)
        config = replace(config, base_url=_DEFAULTS.base_url if base_url is None else base_url)
    return config


def _site_yaml(r: FieldReader, images: set[str], diags: Diagnostics, root: Path | None) -> SiteConfig:
    """The settings site.yaml gives, read in the order of its errors; the default for one that
    is absent or wrong (errors say which)."""
    title = r.text("title")
    language = language_field(r)
    description = r.text("description")
    publisher = r.text("publisher")
    allow_html = r.boolean("allow_html")
    search = r.boolean("search")
    updated_from_git = r.boolean("updated_from_git")
    image, image_alt, _ = lead_image(r, images, diags)
    base = r.scalar_node("base_url")
    base_url = _check_base_url(base.text, diags, base.span) if base is not None else None
    return SiteConfig(
        title=_DEFAULTS.title if title is None else title,
        base_url=_DEFAULTS.base_url if base_url is None else base_url,
        language=_DEFAULTS.language if language is None else language,
        description=_DEFAULTS.description if description is None else description,
        allow_html=allow_html,
        publisher=_DEFAULTS.publisher if publisher is None else publisher,
        updated_from_git=updated_from_git,
        search=search,
        image=image,
        image_alt=image_alt,
        strings=Strings(root, _strings(r, diags)),
    )


def _strings(r: FieldReader, diags: Diagnostics) -> dict[str, YMap]:
    """site.yaml's `strings:`: a mapping of language tags to catalogues (their entries are
    checked with the language's messages, see `catalogues`)."""
    node = r.mapping("strings")
    if node is None:
        return {}
    found = {}
    for language, (key_node, value) in node.entries.items():
        problem = i18n.check_language(language)
        if problem is not None:
            diags.error(key_node.span, f"'strings' in site.yaml: {problem}",
                        "use a BCP 47 language tag, such as fr, uk or pt-BR")
        elif not isinstance(value, YMap):
            diags.error(value.span, f"'strings: {language}' in site.yaml must be a mapping of 'key: text' "
                        f"lines, not {kind_name(value)}")
        else:
            found[i18n.canonical_tag(language)] = value
    return found


def _check_base_url(text: str, diags: Diagnostics, span: Span | None) -> str | None:
    url = normalize_base_url(text)
    try:
        parts = urlsplit(url)
    except ValueError:  # "Invalid IPv6 URL" for a stray '['
        parts = urlsplit("invalid:")
    ok = (parts.scheme in ("http", "https") and parts.netloc) or (not parts.scheme and url.startswith("/")
                                                                    and not parts.netloc)
    if not ok or parts.query or parts.fragment or any(c.isspace() or c in BASE_URL_REFUSED for c in url):
        diags.error(span, f"base_url '{text}' must be an http(s) URL or a path starting with '/'",
                    "for example https://example.org/explainers/")
        return None
    return url
