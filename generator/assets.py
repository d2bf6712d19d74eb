"""The theme's files under `assets/`, named by their content.

A built site writes `style.css` as `assets/style.3f2a9c1e0b.css`: the name holds the
first `HASH_LENGTH` hex digits of the file's content digest, so a new version of the
file is a new URL and hosts may let browsers keep every file of `assets/` for a year
without asking again (`immutable`, see docs/deploy.md). Templates still ask for the plain
name, `url('asset', 'style.css')`, and get the current one.

`serve` keeps the plain names: it sends `no-store` anyway, and a style sheet edited under
its plain name is swapped into open pages without reloading them (see `serve.live`).

Style sheets are shipped without their comments (`without_css_comments`): the theme's are
written for the people who change it, and a reader's phone should not download them. The
preview serves the same bytes as the build, so what an author checks is what ships.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

HASH_LENGTH = 10
"""Hex digits of the digest in a name: 40 bits, against the handful of files the theme has."""


@dataclass(frozen=True)
class Asset:
    """One file of the theme's `assets/`, read once, so that the file written is the one its
    name was made from."""

    name: str
    """As templates ask for it: `style.css`."""
    dest_path: str
    """Where the site has it: `assets/style.3f2a9c1e0b.css` (or `assets/style.css`)."""
    data: bytes
    digest: str
    """`content_digest` of `data`."""


def content_digest(data: bytes) -> str:
    """BLAKE2b (16 bytes) of the content, in hex; a fingerprinted name carries its start."""
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def fingerprinted(name: str, digest: str) -> str:
    """'style.css' -> 'style.3f2a9c1e0b.css': the hash goes before the last suffix, which keeps
    the file's type for the web server."""
    path = PurePosixPath(name)
    return f"{path.stem}.{digest[:HASH_LENGTH]}{path.suffix}"


_CSS_TOKENS_TO_READ = re.compile(
    r"""\\.|"(?:[^"\\\n]|\\.)*"?|'(?:[^'\\\n]|\\.)*'?"""  # an escape, a string
    r"|(?<![\w\\-])(?i:url)\([ \t\n]*(?![\"'])(?:[^)\\]|\\.)*\)?"  # an unquoted url(...)
    r"|^[ \t]*(?>/\*.*?\*/)[ \t]*(?:\n|\Z)"  # a comment alone on its line(s): the lines go too
    r"|/\*.*?(?:\*/|\Z)",  # any other comment (an unclosed one runs to the end, as CSS says)
    re.S | re.M)
"""What `without_css_comments` must read whole: "/*" in a string or an unquoted `url(...)`
opens no comment, and an escaped quote (`\\"`) opens no string. An unclosed string ends at
its line, as CSS says. The atomic group keeps a comment from reaching past its own end to
make its line look like its own."""


def without_css_comments(css: str) -> str:
    """`css` without its comments, and without the lines only comments filled.

    CSS ignores comments, with one exception: between two tokens that would otherwise run
    together (`a/**/b` is two names); so a comment with no space on either side is kept as
    `/**/`, rare in a hand-written style sheet. Strings, escapes and URLs are copied as they
    are. tests/test_theme_assets.py checks the result against tinycss2's tokenizer. One form
    is not recognised: `url(` with its name spelled with escapes (`\\75 rl(`), which the
    theme's own style sheets, the only ones read here, never write."""

    def replace(match: re.Match[str]) -> str:
        text = match.group()
        if not text.lstrip(" \t").startswith("/*"):
            return text
        if text.endswith("\n") or text != text.lstrip(" \t") and match.end() == len(css):
            return ""
        before = css[match.start() - 1] if match.start() else " "
        after = css[match.end()] if match.end() < len(css) else " "
        return "" if before.isspace() or after.isspace() else "/**/"

    return _CSS_TOKENS_TO_READ.sub(replace, css)


def shipped(name: str, data: bytes) -> bytes:
    """What the site serves for the theme file `name` (see the module's docstring)."""
    if name.endswith(".css"):
        return without_css_comments(data.decode("utf-8")).encode("utf-8")
    return data


def theme_assets(folder: Path, fingerprint: bool) -> list[Asset]:
    """Every file directly in `folder` (the theme's `assets/`), by name, each under its
    fingerprinted name unless `fingerprint` is off."""
    found = []
    for source in sorted(folder.iterdir()):
        if source.is_file():
            data = shipped(source.name, source.read_bytes())
            digest = content_digest(data)
            name = fingerprinted(source.name, digest) if fingerprint else source.name
            found.append(Asset(source.name, f"assets/{name}", data, digest))
    return found


def asset_paths(assets: list[Asset]) -> dict[str, str]:
    """Plain name -> path in the site, as `url('asset', name)` needs it."""
    return {asset.name: asset.dest_path for asset in assets}
