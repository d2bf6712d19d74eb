"""Each explainer's part of a site-wide file joined from parts, kept between builds.

`claims.json` holds every claim of the site. Rendered whole, any front-matter edit of one
explainer made it again from the stored views of every explainer: 1.3 s per edit at 2,000
explainers, most of it decoding views. It is a concatenation: each explainer contributes
its claims' JSON, and the file is a head, those parts joined in the site's order, and a
tail. So a file joined from parts (see `plan.Joined`) keeps each explainer's part, and an
edit makes only the edited explainer's part again and joins the rest as bytes.

A `Part` is the bytes an explainer contributes and the site paths they link to (the link
check follows them). The `PartStore` keeps parts by file and slug, each with the key of
what it was made from (the unit's `front_key` for `claims.json`): `get` answers only for
the same key, so a part never outlives its explainer's front matter, the shared actors it
uses or the settings (the generator's code included).

Where they live:

- in memory, for the process (`serve` keeps them between builds, and only there: its
  builds show drafts, so its keys are not `build`'s, and sharing one folder the two would
  replace each other's parts);
- on disk, for a `build` that uses the cache: one sealed file per explainer and joined
  file in `.explainer-cache/parts/`, written by whichever process made the part (a full
  build's compile workers, which make every explainer's parts from the compiled file; a
  render worker or the main process, for a part the cache did not have), read only when a
  joined file is rendered. Not in the units file, which every build that is not a no-op
  reads: at 2,000 explainers of the benchmark the parts are 27 MB, the units file 7.5 MB.

A part file is untrusted input like every cache file (`cache`, docs/hardening.md): sealed
with this user's key (a wrong seal: not read), and checked as it is read (its file, slug
and key as asked, the links a list of strings); anything else is a miss, and the part is
made again from the explainer. A bad part file costs time, never output.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

from generator import safefs
from generator.incremental import bundle as bundles
from generator.incremental import cache, userkey

FOLDER = "parts"
_SEAL = "part"


@dataclass(frozen=True)
class Part:
    """What one explainer contributes to a joined file."""

    data: bytes
    links: tuple[str, ...] = ()
    """The site paths `data` links to, for the link check (see `render.RenderedFile.links`)."""


class PartStore:
    """Parts by (joined file, slug), each with its key: in memory, and in `.explainer-cache/`
    when the build uses the cache (`use_cache`)."""

    def __init__(self) -> None:
        self._held: dict[tuple[str, str], tuple[str, Part]] = {}
        self._unsaved: set[tuple[str, str]] = set()
        self._root: Path | None = None
        self._reads = False
        self._writes_now = False
        self._bundle: bundles.Bundle | None = None
        self._bundle_read = False
        self._bundle_unsaved = False

    def use_cache(self, root: Path | None, read: bool) -> None:
        """Where this build keeps parts: in `root`'s cache (None: in memory only), reading what
        is there unless not `read` (`--clean`). A part made while the cache folder exists is
        written at once (by a render worker too); otherwise it waits for `save`, so that a
        build that fails writes nothing into a project without a cache."""
        self._root, self._reads = root, read and root is not None
        self._writes_now = root is not None and _folder_ready(root)

    def get(self, name: str, slug: str, key: str) -> Part | None:
        """The part of `slug` in the file `name` made from `key`, if kept."""
        held = self._held.get((name, slug))
        if held is not None and held[0] == key:
            return held[1]
        if not self._reads or self._root is None:
            return None
        part = load(self._root, name, slug, key)
        if part is not None:
            self._held[(name, slug)] = (key, part)
        return part

    def put(self, name: str, slug: str, key: str, part: Part, stored: bool = False, later: bool = False) -> None:
        """Keep a part just made (`stored`: a compile worker already wrote its file; `later`:
        written by `save`, after a successful build, as a part made while planning is)."""
        self._held[(name, slug)] = (key, part)
        if later:
            self._unsaved.add((name, slug))
        elif stored:
            self._unsaved.discard((name, slug))
        elif self._writes_now and self._root is not None and store(self._root, name, slug, key, part):
            self._unsaved.discard((name, slug))
        else:
            self._unsaved.add((name, slug))

    def bundle(self) -> bundles.Bundle | None:
        """The search bundle last kept (`incremental.bundle`): in memory, else from the cache."""
        if self._bundle is None and not self._bundle_read and self._reads and self._root is not None:
            self._bundle_read = True
            self._bundle = bundles.load(self._root)
        return self._bundle

    def put_bundle(self, made: bundles.Bundle) -> None:
        """Keep the search bundle just made; `save` writes it, after a successful build."""
        self._bundle = made
        self._bundle_unsaved = True

    def save(self, slugs: set[str]) -> None:
        """After a successful build of explainers `slugs`: forget the parts of any other
        explainer (deleted, renamed), here and on disk, and write those not written yet."""
        self._held = {place: held for place, held in self._held.items() if place[1] in slugs}
        self._unsaved &= set(self._held)
        if self._root is None:
            return
        if self._bundle is not None and self._bundle_unsaved:
            self._bundle_unsaved = not bundles.store(self._root, self._bundle)
        if self._unsaved and make_folder(self._root):
            for name, slug in sorted(self._unsaved):
                key, part = self._held[(name, slug)]
                store(self._root, name, slug, key, part)
        self._unsaved.clear()
        prune(self._root, slugs)


def _folder(root: Path) -> Path:
    return root / cache.CACHE_DIR / FOLDER


def _folder_ready(root: Path) -> bool:
    """The cache folder is there already (a build made it) and so, now, is `parts/`."""
    return safefs.is_own_folder(root / cache.CACHE_DIR) and make_folder(root)


def make_folder(root: Path) -> bool:
    """`.explainer-cache/parts/`, made if needed (a link or a file there is replaced); False
    if it cannot be: the parts are then made again by the next build."""
    try:
        cache.make_cache_dir(root)
    except OSError:
        return False
    return safefs.own_folder(_folder(root))


def _slug_name(slug: str) -> str:
    return hashlib.blake2b(slug.encode("utf-8", "surrogatepass"), digest_size=8).hexdigest()


def _path(root: Path, name: str, slug: str) -> str:
    """One file per explainer and joined file, named by digests of both: its slug's first,
    so that `prune` knows whose it is. (A string: joining 2,000 `Path`s was a tenth of
    reading the parts.)"""
    return f"{os.fspath(root)}/{cache.CACHE_DIR}/{FOLDER}/{_slug_name(slug)}-{_kind_name(name)}.part"


@functools.lru_cache(maxsize=16)
def _kind_name(name: str) -> str:
    return hashlib.blake2b(name.encode("utf-8", "surrogatepass"), digest_size=4).hexdigest()


def store(root: Path, name: str, slug: str, key: str, part: Part) -> bool:
    """Write one part, sealed, atomically; False if it could not be (not an error). The file
    is the seal, a line break, then the sealed body: a JSON line naming the joined file, the
    slug, the key and the links, then the part's bytes."""
    secret = userkey.key()
    if secret is None:
        return False
    try:
        head = json.dumps([name, slug, key, list(part.links)], ensure_ascii=False).encode()
        body = head + b"\n" + part.data
        safefs.write_file(Path(_path(root, name, slug)), userkey.seal(_SEAL, body, secret).encode() + b"\n" + body)
    except (OSError, UnicodeError):
        return False
    return True


def load(root: Path, name: str, slug: str, key: str) -> Part | None:
    """The part `store` wrote for this file, slug and key; None if there is none, or its seal
    is not this user's, or it is for another file, slug or key, or of the wrong shape."""
    secret = userkey.key()
    if secret is None:
        return None
    try:
        sealed = safefs.read_file(_path(root, name, slug))
    except OSError:
        return None
    # The body is hashed in place and the data copied once: 27 MB at 2,000 explainers.
    if sealed[32:33] != b"\n" or not userkey.is_sealed(_SEAL, memoryview(sealed)[33:], sealed[:32], secret):
        return None
    end = sealed.find(b"\n", 33)
    if end < 0:
        return None
    try:
        found = json.loads(sealed[33:end])
        if not isinstance(found, list) or found[:3] != [name, slug, key] or len(found) != 4:
            return None
        links = found[3]
        if not isinstance(links, list) or not all(isinstance(link, str) for link in links):
            return None
    except (ValueError, UnicodeDecodeError):
        return None
    return Part(sealed[end + 1:], tuple(links))


def prune(root: Path, slugs: set[str]) -> None:
    """Delete the part files of explainers not among `slugs`, and anything else found in
    the folder (a link is removed, not followed). Failing is not an error."""
    folder = _folder(root)
    if not safefs.is_own_folder(folder):
        return
    wanted = {_slug_name(slug) for slug in slugs}
    try:
        with os.scandir(folder) as entries:
            unwanted = [entry.name for entry in entries
                        if not (entry.name.endswith(".part") and entry.name.partition("-")[0] in wanted)]
    except OSError:
        return
    for name in unwanted:
        safefs.remove_tree(folder / name)
