"""The theme's files under `assets/`, named by their content.

A built site writes `style.css` as `assets/style.3f2a9c1e0b.css`: the name holds the
first `HASH_LENGTH` hex digits of the file's content digest, so a new version of the
file is a new URL and hosts may let browsers keep every file of `assets/` for a year
without asking again (`immutable`, see docs/deploy.md). Templates still ask for the plain
name, `url('asset', 'style.css')`, and get the current one.

`serve` keeps the plain names: it sends `no-store` anyway, and a style sheet edited under
its plain name is swapped into open pages without reloading them (see `serve.live`).
"""

from __future__ import annotations

import hashlib
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


def theme_assets(folder: Path, fingerprint: bool) -> list[Asset]:
    """Every file directly in `folder` (the theme's `assets/`), by name, each under its
    fingerprinted name unless `fingerprint` is off."""
    found = []
    for source in sorted(folder.iterdir()):
        if source.is_file():
            data = source.read_bytes()
            digest = content_digest(data)
            name = fingerprinted(source.name, digest) if fingerprint else source.name
            found.append(Asset(source.name, f"assets/{name}", data, digest))
    return found


def asset_paths(assets: list[Asset]) -> dict[str, str]:
    """Plain name -> path in the site, as `url('asset', name)` needs it."""
    return {asset.name: asset.dest_path for asset in assets}
