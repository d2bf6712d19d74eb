"""Helper functions for the tests (importable: `from helpers import html_tree`)."""

from __future__ import annotations

import contextlib
import io
import shutil
import textwrap
from pathlib import Path
from typing import Iterator
from urllib.parse import urljoin, urlsplit
from xml.etree import ElementTree

import html5lib

from generator import cli

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
        tree = trees.get(page) or trees.setdefault(page, html_tree(page))
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
                        anchors[target] = set(ids_in(trees.get(target) or trees.setdefault(target, html_tree(target))))
                    if parts.fragment not in anchors[target]:
                        problems.append(f"{rel}: {value!r} -> no id {parts.fragment!r} in {target_rel}")
    return problems
