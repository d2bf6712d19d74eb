"""The search index of the last build, kept by the digest of its records.

Pagefind takes seconds for a site of thousands of explainers (`pagefind`), so the bundle it
made is kept, with the digest of the records it was made from: a build whose records are
the same (any edit that changes no indexed text: an explainer's body, a template, a
picture) reuses the files and runs no Pagefind. It is also kept by the digest of what the
records are made from (`keys`: each explainer's `front_key` and the actor records), so that
such a build does not even make the records again.

In memory for the process, and for a `build` that uses the cache in one sealed file,
`.explainer-cache/search-bundle`: the seal, a line break, then the sealed body, a JSON line
(`[keys, records, [[path, size], ...], links]`) and the files' bytes one after another. Like every
cache file it is untrusted (docs/hardening.md): a wrong seal, another shape, sizes that do not
add up, or a path that is not a plain relative one, and the file is ignored: the bundle is
made again. A bad file costs time, never output.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from generator import safefs
from generator.incremental import cache, userkey

NAME = "search-bundle"
_SEAL = "search-bundle"
_PATH = re.compile(r"[A-Za-z0-9_.-]+(?:/[A-Za-z0-9_.-]+)*")


@dataclass(frozen=True)
class Bundle:
    keys: str
    records: str
    files: dict[str, bytes]
    links: tuple[str, ...] = ()
    """The pages the records lead to, from the site's root: the link check follows them."""


def safe_path(path: str) -> bool:
    """A plain relative path inside the bundle: no `..`, no leading slash, no odd character."""
    return bool(_PATH.fullmatch(path)) and ".." not in path.split("/")


def store(root: Path, bundle: Bundle) -> bool:
    """Write the bundle, sealed, atomically, if the cache folder is there; False if not."""
    secret = userkey.key()
    if secret is None or not safefs.is_own_folder(root / cache.CACHE_DIR):
        return False
    head = json.dumps([bundle.keys, bundle.records, [[p, len(d)] for p, d in bundle.files.items()],
                       list(bundle.links)], ensure_ascii=False)
    body = head.encode("utf-8") + b"\n" + b"".join(bundle.files.values())
    try:
        safefs.write_file(root / cache.CACHE_DIR / NAME, userkey.seal(_SEAL, body, secret).encode() + b"\n" + body)
    except OSError:
        return False
    return True


def load(root: Path) -> Bundle | None:
    """The bundle `store` wrote; None if there is none or it is not sound (see the module)."""
    secret = userkey.key()
    if secret is None:
        return None
    try:
        sealed = safefs.read_file(root / cache.CACHE_DIR / NAME)
    except OSError:
        return None
    if sealed[32:33] != b"\n" or not userkey.is_sealed(_SEAL, memoryview(sealed)[33:], sealed[:32], secret):
        return None
    end = sealed.find(b"\n", 33)
    try:
        keys, records, sizes, links = json.loads(sealed[33:end]) if end > 0 else (None, None, None, None)
    except (ValueError, TypeError):
        return None
    if not (isinstance(keys, str) and isinstance(records, str) and isinstance(sizes, list)
            and isinstance(links, list) and all(isinstance(link, str) for link in links)):
        return None
    files, at = {}, end + 1
    for entry in sizes:
        if not (isinstance(entry, list) and len(entry) == 2 and isinstance(entry[0], str)
                and type(entry[1]) is int and entry[1] >= 0 and safe_path(entry[0])):
            return None
        files[entry[0]] = sealed[at:at + entry[1]]
        at += entry[1]
    if at != len(sealed):
        return None
    return Bundle(keys, records, files, tuple(links))
