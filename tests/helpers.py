"""Helper functions for the tests (importable: `from helpers import html_tree`)."""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import shutil
import stat
import textwrap
import time
from pathlib import Path
from typing import Iterator
from urllib.parse import urljoin, urlsplit
from xml.etree import ElementTree

import html5lib

from generator import cli, compat
from generator.incremental import userkey

REPO = Path(__file__).resolve().parent.parent
"""The repository root, which is also the example project (content/, site.yaml)."""

EXAMPLE_BASE_URL = "https://example.org/explainers/"


def make_project(root: Path, files: dict[str, str | bytes]) -> Path:
    """Write `files` ({relative path: content}) under `root` and return `root`.

    Text is dedented (so it can be written indented in a test) and a leading newline is
    dropped; bytes are written exactly as given.
    """
    root.mkdir(parents=True, exist_ok=True)
    for rel, content in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            text = textwrap.dedent(content)
            if text.startswith("\n"):
                text = text[1:]
            path.write_bytes(text.encode("utf-8"))
    return root


def lock_files(out_name: str = "site") -> list[str]:
    """The lock file a build leaves beside its output directory where it cannot lock the folder
    itself (Windows, or EXPLAINER_FALLBACKS=flock: see generator/compat.py); none here."""
    return [f".{out_name}.lock"] if compat.fcntl is None or compat.forced_fallback("flock") else []


def copy_example(dest: Path) -> Path:
    """Copy the repository's example project (content/, and site.yaml and templates/ if any)."""
    dest.mkdir(parents=True)
    shutil.copytree(REPO / "content", dest / "content")
    if (REPO / "site.yaml").is_file():
        shutil.copy2(REPO / "site.yaml", dest / "site.yaml")
    if (REPO / "templates").is_dir():
        shutil.copytree(REPO / "templates", dest / "templates")
    return dest


def build_project(root: Path, out: Path, base_url: str | None = None) -> None:
    """Build `root` into `out` in-process; fails the test with the printed errors if any."""
    args = ["build", "--root", str(root), "--out", str(out)]
    if base_url:
        args += ["--base-url", base_url]
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        code = cli.main(args)
    assert code == 0, f"build of {root} failed:\n{err.getvalue()}"


# -- the sealed cache (generator/userkey.py) ---------------------------------------------
# A test that plays a bug of the build itself (a cache entry of the wrong shape that this
# user's key sealed) writes entries as the build would: sealed with the key.

CACHE_MAGIC = b"explainer-cache\n"


def read_view(path: Path) -> tuple[str, str]:
    """(unit key, view text) of a view file `cache.save_view` wrote."""
    key, _, text = path.read_bytes()[33:].decode("utf-8").partition("\n")
    return key, text


def write_view(path: Path, key: str, text: str) -> None:
    """A view file sealed with this user's key, as `cache.save_view` writes one."""
    body = f"{key}\n{text}".encode("utf-8")
    secret = userkey.key()
    assert secret is not None
    path.write_bytes(userkey.seal("view", body, secret).encode() + b"\n" + body)


def reseal(path: Path, payload: bytes, kind: str) -> None:
    """Replace the JSON of a sealed cache file (`cache._write_checked`) with `payload`,
    sealed as `kind` ("state", "units", "history.json", "shared.json", "writer")."""
    secret = userkey.key()
    assert secret is not None
    path.write_bytes(CACHE_MAGIC + userkey.seal(kind, payload, secret).encode() + payload)


def sealed_payload(path: Path) -> bytes:
    """The JSON of a sealed cache file."""
    data = path.read_bytes()
    assert data.startswith(CACHE_MAGIC)
    return data[len(CACHE_MAGIC) + 32:]


# -- reading built pages ---------------------------------------------------------------

def html_tree(path: Path | str) -> ElementTree.Element:
    """A page parsed the way a browser would (html5lib), without XHTML namespaces."""
    data = Path(path).read_bytes() if isinstance(path, Path) else path.encode("utf-8")
    return html5lib.parse(data, treebuilder="etree", namespaceHTMLElements=False)


def by_id(tree: ElementTree.Element, element_id: str) -> ElementTree.Element:
    """The one element with this id; fails if there is none or more than one."""
    found = [el for el in tree.iter() if el.get("id") == element_id]
    assert len(found) == 1, f"expected one element with id={element_id!r}, found {len(found)}"
    return found[0]


def ids_in(tree: ElementTree.Element) -> list[str]:
    return [el.get("id") for el in tree.iter() if el.get("id")]  # type: ignore[misc]


def links_in(element: ElementTree.Element) -> list[tuple[str, str]]:
    """(href, text) of every <a> inside `element`, in order."""
    return [(a.get("href") or "", "".join(a.itertext()).strip()) for a in element.iter("a")]


def text_of(element: ElementTree.Element) -> str:
    return " ".join("".join(element.itertext()).split())


def iter_files(root: Path) -> Iterator[Path]:
    for path in sorted(root.rglob("*")):
        if path.is_file():
            yield path


def broken_links(site: Path, base_url: str) -> list[str]:
    """Every href/src in the site's pages that does not resolve, against the page's own URL
    under `base_url`, to a written file (and, for a fragment into a page, to an element id).
    Links to other sites are skipped; a link that leaves `base_url` is reported."""
    problems: list[str] = []
    trees: dict[Path, ElementTree.Element] = {}
    anchors: dict[Path, set[str]] = {}
    base_path = urlsplit(base_url).path
    for page in iter_files(site):
        if page.suffix != ".html":
            continue
        rel = page.relative_to(site).as_posix()
        page_url = base_url + (rel[: -len("index.html")] if rel.endswith("index.html") else rel)
        tree = _parsed(trees, page)
        for element in tree.iter():
            for attr in ("href", "src"):
                value = element.get(attr)
                if not value:
                    continue
                if urlsplit(value).scheme and not value.startswith(base_url):
                    continue  # another site (a source's URL), mailto:, ...
                url = urljoin(page_url, value)
                parts = urlsplit(url)
                if not url.startswith(base_url):
                    problems.append(f"{rel}: {value!r} leaves the site ({url})")
                    continue
                target_rel = parts.path[len(base_path):]
                if target_rel == "" or target_rel.endswith("/"):
                    target_rel += "index.html"
                target = site / target_rel
                if not target.is_file():
                    problems.append(f"{rel}: {value!r} -> no file {target_rel}")
                    continue
                if parts.fragment and target.suffix == ".html":
                    if target not in anchors:
                        anchors[target] = set(ids_in(_parsed(trees, target)))
                    if parts.fragment not in anchors[target]:
                        problems.append(f"{rel}: {value!r} -> no id {parts.fragment!r} in {target_rel}")
    return problems


def _parsed(trees: dict[Path, ElementTree.Element], page: Path) -> ElementTree.Element:
    """The page's tree, parsed once. (Not `trees.get(page) or ...`: an element's truth value is
    deprecated since Python 3.12.)"""
    if page not in trees:
        trees[page] = html_tree(page)
    return trees[page]


# -- hostile projects (tests/test_hostile_cache.py) ---------------------------------------

def snapshot(folder: Path) -> dict[str, str]:
    """Everything under `folder`, links not followed: path -> "dir", "link -> target", or the
    file's mode and a digest of its bytes. Two equal snapshots: nothing was added, removed,
    changed or re-pointed."""
    found: dict[str, str] = {}
    for dirpath, dirnames, filenames in os.walk(folder):
        for name in [*dirnames, *filenames]:
            path = os.path.join(dirpath, name)
            rel = os.path.relpath(path, folder)
            info = os.lstat(path)
            if stat.S_ISLNK(info.st_mode):
                found[rel] = f"link -> {os.readlink(path)}"
            elif stat.S_ISDIR(info.st_mode):
                found[rel] = "dir"
            else:
                with open(path, "rb") as handle:
                    digest = hashlib.blake2b(handle.read(), digest_size=16).hexdigest()
                found[rel] = f"{stat.S_IMODE(info.st_mode):o} {digest}"
    return found


def outside(tmp: Path, *inside: str) -> dict[str, str]:
    """`snapshot(tmp)` without the folders named `inside` (the project a test builds)."""
    return {rel: what for rel, what in snapshot(tmp).items()
            if not any(rel == name or rel.startswith(name + "/") for name in inside)}


def wait_for_trash_emptiers(under: Path, timeout: float = 30.0) -> None:
    """Wait until no background trash emptier (`write.discard_later`) works on a folder under
    `under`: a build returns while it still deletes, and a test must look after it is done.
    (Linux: the processes are found by their command line.)"""
    marker = os.fsencode(under)
    deadline = time.monotonic() + timeout
    while True:
        busy = False
        for entry in os.scandir("/proc"):
            if not entry.name.isdigit():
                continue
            try:
                with open(os.path.join(entry.path, "cmdline"), "rb") as handle:
                    command = handle.read()
            except OSError:
                continue
            if b"empty_folder" in command and marker in command:
                busy = True
                break
        if not busy:
            return
        assert time.monotonic() < deadline, "a trash emptier is still running"
        time.sleep(0.02)
