"""Site settings from site.yaml, and the options of one build."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from generator.diagnostics import Diagnostics
from generator.fields import FieldReader
from generator.validate import lead_image
from generator.yamlnodes import YMap

SITE_KEYS = ("title", "base_url", "language", "description", "allow_html", "publisher", "updated_from_git",
             "image", "image_alt")


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


def normalize_base_url(url: str) -> str:
    url = url.strip() or "/"
    return url if url.endswith("/") else url + "/"


def read_config(node: YMap | None, diags: Diagnostics, base_url_override: str | None,
                images: set[str] | None = None) -> SiteConfig:
    """Validate site.yaml's fields (absent file: all defaults). `images` are the files under
    content/ that `image` may name (see `load.list_content_files`)."""
    values: dict[str, object] = {}
    if node is not None:
        r = FieldReader(node, "site.yaml", SITE_KEYS, diags)
        for key in ("title", "language", "description", "publisher"):
            value = r.text(key)
            if value is not None:
                values[key] = value
        values["allow_html"] = r.boolean("allow_html", False)
        values["updated_from_git"] = r.boolean("updated_from_git", False)
        values["image"], values["image_alt"], _ = lead_image(r, images or set(), diags, credit=False)
        base = r.scalar_node("base_url")
        if base is not None:
            values["base_url"] = _check_base_url(base.text, diags, base.span)
    if base_url_override is not None:
        values["base_url"] = _check_base_url(base_url_override, diags, None)
    if "base_url" in values and values["base_url"] is None:
        del values["base_url"]
    return SiteConfig(**values)  # type: ignore[arg-type]


def _check_base_url(text: str, diags: Diagnostics, span: object) -> str | None:
    url = normalize_base_url(text)
    try:
        parts = urlsplit(url)
    except ValueError:  # "Invalid IPv6 URL" for a stray '['
        parts = urlsplit("invalid:")
    ok = (parts.scheme in ("http", "https") and parts.netloc) or (not parts.scheme and url.startswith("/")
                                                                    and not parts.netloc)
    if not ok or parts.query or parts.fragment or any(c.isspace() or c in "\"'<>" for c in url):
        diags.error(span, f"base_url '{text}' must be an http(s) URL or a path starting with '/'",  # type: ignore[arg-type]
                    "for example https://example.org/explainers/")
        return None
    return url
