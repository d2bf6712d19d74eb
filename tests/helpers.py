"""Helper functions for the tests (importable: `from helpers import html_tree`).

Test modules import only from here (and from tools such as validator_tools.py, no_posix.py),
never from one another; fixtures live in conftest.py.

- Projects and builds: `make_project`, `copy_example`, `build_project`, `lock_files`.
- The sealed cache: `read_view`, `write_view`, `reseal`, `sealed_payload`.
- Pages: `html_tree`, `by_id`, `ids_in`, `links_in`, `text_of`, `broken_links`.
- Folders: `iter_files`, `snapshot`, `outside`, `tree_digest`, `wait_for_trash_emptiers`.
- Example counts of the hardening properties: `LONG`, `examples(ci, long)`,
  `hypothesis_settings(ci, long)`, `record(name)`. The long run (`HYPOTHESIS_PROFILE=long`,
  whose profile conftest.py registers, or `EXPLAINER_HARDENING=long`) raises every example
  count from its CI share to thousands (docs/hardening.md).
- The command line's output: `assert_clean_cli(code, err)`: exit status 0 or 1, no
  traceback, every stderr line in the contract's form; `run_explainer(...)`:
  `python -m generator ...` in a subprocess, with its wall time and the maximum resident
  memory of the process and its children (`os.wait4`).
- What a browser would run: `assert_no_executable_markup(page)`, `assert_site_is_inert(site)`.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import re
import shutil
import stat
import subprocess
import sys
import tempfile
import textwrap
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator
from urllib.parse import urljoin, urlsplit
from xml.etree import ElementTree

import html5lib
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from generator import cli, compat
from generator.config import BuildOptions
from generator.diagnostics import BuildFailed
from generator.pipeline import Builder
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
    under `base_url` (or its `<base href>`, as a browser does), to a written file (and, for
    a fragment into a page, to an element id). Links to other sites are skipped; a link that
    leaves `base_url` is reported."""
    problems: list[str] = []
    trees: dict[Path, ElementTree.Element] = {}
    anchors: dict[Path, set[str]] = {}
    base_path = urlsplit(base_url).path
    for page in iter_files(site):
        if page.suffix != ".html":
            continue
        rel = page.relative_to(site).as_posix()
        document_url = base_url + (rel[: -len("index.html")] if rel.endswith("index.html") else rel)
        tree = _parsed(trees, page)
        base = next((el.get("href") for el in tree.iter("base") if el.get("href") is not None), None)
        page_url = document_url if base is None else urljoin(document_url, base)
        for element in tree.iter():
            for attr in ("href", "src"):
                value = element.get(attr)
                if not value:
                    continue
                if urlsplit(value).scheme and not value.startswith(base_url):
                    continue  # another site (a source's URL), mailto:, ...
                url = urljoin(document_url if element.tag == "base" else page_url, value)
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


# -- example counts of the hardening properties -------------------------------------------------

LONG = "long" in (os.environ.get("HYPOTHESIS_PROFILE"), os.environ.get("EXPLAINER_HARDENING"))
"""The long run: thousands of examples instead of CI's share."""



REPORT = os.environ.get("HARDENING_REPORT")
"""A file to append example counts to (the long run writes docs/hardening.md's table from it)."""


def record(name: str) -> None:
    """Count one example of the property `name` in the HARDENING_REPORT file, if any."""
    if REPORT:
        with open(REPORT, "a", encoding="utf-8") as handle:
            handle.write(json.dumps({"test": name}) + "\n")


def examples(ci: int, long: int) -> int:
    """Examples for one property: `ci` in the default (CI) run, `long` in the long run."""
    return long if LONG else ci


def hypothesis_settings(ci: int, long: int, **extra: object) -> settings:
    """Settings for one property test: the profile in force, with this test's example count."""
    return settings(max_examples=examples(ci, long), deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                           HealthCheck.data_too_large, HealthCheck.filter_too_much],
                    **extra)  # type: ignore[arg-type]


# -- the command line's output ---------------------------------------------------------------

FILE_LINE = re.compile(r"^(?P<path>[^:\n]+):(?P<line>\d+):(?P<col>\d+): (?P<severity>error|warning): .+")
NO_FILE_LINE = re.compile(r"^explainer: .+")


def assert_clean_cli(code: int, err: str, *, allowed: Iterable[int] = (0, 1)) -> list[str]:
    """Exit status 0 or 1, never a traceback, every stderr line `path:line:col: error: ...` or
    `explainer: ...`. Returns the stderr lines."""
    assert "Traceback" not in err, err[-3000:]
    assert code in tuple(allowed), f"exit status {code}:\n{err[-3000:]}"
    lines = err.splitlines()
    for line in lines:
        assert FILE_LINE.match(line) or NO_FILE_LINE.match(line), f"not in the contract's form: {line!r}"
    return lines


@dataclass
class Run:
    code: int
    out: str
    err: str
    seconds: float
    max_rss_mb: float
    """Largest resident set of the process (and of the children it waited for), in MiB."""
    cpu_seconds: float = 0.0
    """User and system CPU time of the process and the children it waited for: unlike
    `seconds`, hardly changed by other work on a busy machine."""


def run_explainer(*args: object, cwd: Path | None = None, timeout: float = 120.0,
                  env: dict[str, str] | None = None) -> Run:
    """`python -m generator ARGS` in a subprocess; output goes through files, so a large
    stderr cannot block it. Killed (and the test failed) after `timeout` seconds."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        proc = subprocess.Popen([sys.executable, "-m", "generator", *map(str, args)], cwd=cwd or REPO,
                                stdout=out, stderr=err, env=env)
        deadline = started + timeout
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() > deadline:
                proc.kill()
                os.wait4(proc.pid, 0)
                raise AssertionError(f"explainer {' '.join(map(str, args))} took more than {timeout} s")
            time.sleep(0.01)
        seconds = time.perf_counter() - started
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        return Run(proc.returncode, out.read().decode("utf-8", "replace"), err.read().decode("utf-8", "replace"),
                   seconds, usage.ru_maxrss / 1024, usage.ru_utime + usage.ru_stime)


# -- what a browser would run --------------------------------------------------------------------

URL_ATTRIBUTES = ("href", "src", "action", "formaction", "poster", "background", "srcset", "data", "ping",
                  "xlink:href", "cite", "longdesc", "manifest", "icon", "codebase")
DANGEROUS_SCHEMES = ("javascript:", "data:", "vbscript:")
FORBIDDEN_ELEMENTS = {"iframe", "frame", "frameset", "object", "embed", "applet", "form", "base", "svg", "math",
                      "template", "portal", "style", "noscript", "input", "button", "textarea", "select"}
"""Elements the theme never writes: finding one means content became markup."""
THEME_SCRIPT = re.compile(r"(\.\./)*/?assets/(explainer|embed|search)(\.[0-9a-f]{10})?\.js")
"""The theme's scripts (an embed's is embed.js, the search page's search.js): fingerprinted in
a built site, under their plain names in `serve`."""
THEME_SEARCH_FORM = {
    "form": {"class", "role", "hidden", "data-bundle", "data-root"}, "label": {"for"}, "div": {"class"},
    "input": {"id", "name", "type", "autocomplete", "spellcheck"}, "button": {"type"}}
"""The one form the theme writes, on the search page (search.html), and the attributes of each
element in it: no `action`, nothing submitted anywhere (search.js searches in the page)."""
THEME_BASE = {"href": "../../", "target": "_top"}
"""The one `<base>` the theme writes, in the `<head>` of an embed (docs/embeds.md)."""


def _scheme_of(value: str) -> str:
    """How a browser reads the start of a URL: leading and embedded whitespace and controls
    are ignored, case does not matter."""
    return re.sub(r"[\x00-\x20\x7f]+", "", value).lower()


def assert_no_executable_markup(page: Path | bytes, *, name: str = "page",
                                prose_may_have_markup: bool = False) -> object:
    """Parse a page as a browser would (html5lib) and fail on anything content could have
    smuggled in: an `on*` attribute, a script other than the theme's (and one JSON-LD block and
    one of the script's strings), a `javascript:`/`data:`/`vbscript:` URL, an element the theme never writes. With
    `prose_may_have_markup` (a site with `allow_html: true`), elements inside `.prose` (the
    Markdown fields, where the site asked for raw HTML) are not checked. Returns the tree."""
    data = page.read_bytes() if isinstance(page, Path) else page
    tree = html5lib.parse(data, treebuilder="etree", namespaceHTMLElements=False)
    exempt: set[int] = set()
    if prose_may_have_markup:
        for element in tree.iter():
            if "prose" in (element.get("class") or "").split():
                exempt.update(id(child) for child in element.iter() if child is not element)
    head = tree.find("head")
    bases = [el for el in (head if head is not None else ()) if el.tag == "base"]
    if bases and dict(bases[0].attrib) == THEME_BASE:
        exempt.add(id(bases[0]))
    for form in tree.iter("form"):
        if form.get("class") == "search-form" and all(
                el.tag in THEME_SEARCH_FORM and set(el.attrib) <= THEME_SEARCH_FORM[el.tag] for el in form.iter()):
            exempt.update(id(el) for el in form.iter())
    ld_json = strings = 0
    for element in tree.iter():
        if id(element) in exempt or not isinstance(element.tag, str):
            continue
        tag = element.tag.lower()
        assert tag not in FORBIDDEN_ELEMENTS, f"{name}: <{tag}> element"
        for attr, value in element.attrib.items():
            assert not attr.lower().startswith("on"), f"{name}: <{tag} {attr}={value!r}>"
            assert attr.lower() not in ("srcdoc", "http-equiv"), f"{name}: <{tag} {attr}>"
            if attr.lower() in URL_ATTRIBUTES:
                assert not _scheme_of(value).startswith(DANGEROUS_SCHEMES), f"{name}: <{tag} {attr}={value!r}>"
        if tag == "script":
            if element.get("type") == "application/ld+json":
                ld_json += 1
                json.loads(element.text or "")
            elif element.get("type") == "application/json" and element.get("id") in ("explainer-strings",
                                                                                     "search-strings"):
                strings += 1  # the words explainer.js says, as data (see generator/i18n.py)
                json.loads(element.text or "")
            else:
                source = element.get("src") or ""
                assert THEME_SCRIPT.fullmatch(source) and not (element.text or "").strip(), \
                    f"{name}: a script that is not the theme's: {source!r} {element.text!r}"
        if tag == "meta" and (element.get("http-equiv") or "").lower() == "refresh":
            raise AssertionError(f"{name}: meta refresh")
        if tag == "link" and (element.get("rel") or "").lower() not in ("icon", "stylesheet", "alternate",
                                                                        "canonical"):
            raise AssertionError(f"{name}: <link rel={element.get('rel')!r}>")
    assert ld_json <= 1, f"{name}: {ld_json} JSON-LD blocks"
    assert strings <= 1, f"{name}: {strings} blocks of the script's strings"
    return tree


ATOM = "{http://www.w3.org/2005/Atom}"
FEED_ELEMENTS = {f"{ATOM}{n}" for n in ("feed", "title", "subtitle", "id", "link", "updated", "generator", "entry",
                                        "published", "author", "name", "category", "summary", "content", "uri",
                                        "email", "rights", "contributor", "icon", "logo")}
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
SITEMAP_ELEMENTS = {f"{SITEMAP}{n}" for n in ("urlset", "url", "loc", "lastmod", "changefreq", "priority")}


def assert_site_is_inert(site: Path, *, prose_may_have_markup: bool = False) -> None:
    """Every page of a built site passes `assert_no_executable_markup`; every JSON file parses;
    feed.xml and sitemap.xml parse and hold only their own vocabularies' elements (text
    that became markup would be a foreign element there)."""
    for path in sorted(site.rglob("*")):
        rel = path.relative_to(site).as_posix()
        if path.suffix == ".html":
            assert_no_executable_markup(path, name=rel, prose_may_have_markup=prose_may_have_markup)
        elif path.suffix == ".json":
            json.loads(path.read_text("utf-8"))
    feed = ElementTree.parse(site / "feed.xml").getroot()
    assert {el.tag for el in feed.iter()} <= FEED_ELEMENTS, {el.tag for el in feed.iter()} - FEED_ELEMENTS
    sitemap = ElementTree.parse(site / "sitemap.xml").getroot()
    assert {el.tag for el in sitemap.iter()} <= SITEMAP_ELEMENTS


def tree_digest(root: Path) -> dict[str, str]:
    """Every path under `root`: files with a digest of their bytes, folders as '<dir>'."""
    result = {}
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root).as_posix()
        if path.is_symlink():
            result[rel] = "<link>"
        elif path.is_file():
            result[rel] = hashlib.blake2b(path.read_bytes(), digest_size=16).hexdigest()
        else:
            result[rel] = "<dir>"
    return result


# -- the edit property: builds after any edits equal a clean build --------------------
# (tests/test_incremental.py, and tests/test_page_kinds.py for a kind of page added by a test)

BASE = "https://example.org/x/"


def tree(folder: Path) -> dict[str, str]:
    """Relative path -> digest of every file under `folder`."""
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def clean_build(root: Path, out: Path, drafts: bool = False) -> dict[str, str]:
    shutil.rmtree(out, ignore_errors=True)
    Builder(BuildOptions(root, out, base_url=BASE, drafts=drafts), use_cache=False).build()
    return tree(out)


def clean_errors(root: Path, out: Path, drafts: bool = False) -> list[str]:
    """The errors a clean build of `root` reports ([] if it succeeds)."""
    try:
        clean_build(root, out, drafts)
    except BuildFailed as exc:
        return sorted(map(str, exc.diagnostics))
    return []


def explainer(title: str, tags: str = "[a]", by: str = "shared-one", body: str = "Body.",
              claim: str = "Claim", extra: str = "", status: str = "unproven", local_extra: str = "",
              events: str | None = None, published: str | None = None, draft: bool = False) -> str:
    """An explainer with an inline actor, two claims and, unless `events` says otherwise (""
    for none), one event naming `by`; a draft if `draft`."""
    local = "local-" + title.split()[0].lower()  # inline actors of one id must be identical
    if events is None:
        events = f"  - date: 2024-03\n    title: Event\n    actors: [{by}]\n"
    timeline = f"timeline:\n{events}" if events else ""
    drafted = "draft: true\n" if draft else ""
    return (f"---\n{drafted}title: {title}\nsummary: About {title}.\n"
            f"published: {published or f'2024-03-0{len(title) % 9 + 1}'}\n"
            f"tags: {tags}\nactors:\n  {local}:\n    name: Local {title}\n{local_extra}"
            f"claims:\n  c1:\n    by: {by}\n    text: {claim} of {title}.\n    status: {status}\n"
            f"  c2:\n    by: {local}\n    text: Answer.\n    responds_to: [c1]\n{extra}"
            f"{timeline}---\n"
            f"{body} See [the claim](@c1) by [them](@{by}).\n")


THIRD_CLAIM = "  c3:\n    by: shared-two\n    text: A third claim.\n"
RELATED = "    date: 2024-03-02\n    status: disputed\n    contradicts: [c1]\n    supports: [c2]\n"
CORRECTION = "corrections:\n  - date: 2024-04-01\n    text: A date was wrong.\n"
QUESTIONS = ("questions:\n  who:\n    question: Who did it?\n    note: Ask [them](@shared-one).\n"
             "  open-one:\n    question: What is still unknown?\n")
"""Two questions, after the claims (see `explainer`'s `extra`)."""
ABOUT_WHO = "    about: who\n    note: See [the open one](@open-one).\n"
"""Lines for claim c2 (through `extra`): it answers `who`, and its note, which its actor's
page shows too, links to the other question."""
LEAD_IMAGE = "image: images/lead.png\nimage_alt: A lead picture.\nimage_credit: A Photographer\n"
PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000"
                    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082")


MIXED_DIRECTION_EXPLAINER = """\
---
title: The bridge
summary: Who says what about the bridge.
published: 2024-03-05
authors: [أحمد علي, سارة حسن]
tags: [bridge]
actors:
  ministry:
    name: وزارة النقل
    kind: government
    role: الناطق الرسمي
  ann:
    name: Ann Example
    affiliation: ministry
    role: Reporter, city desk
sources:
  report:
    title: تقرير الجسر
    publisher: الجريدة
    url: https://example.org/report
  other:
    title: تقرير ثان
questions:
  closed:
    question: هل أغلق الجسر؟
claims:
  m1:
    by: ministry
    text: أغلق الجسر يوم الاثنين.
    date: 2024-03-01
    status: "true"
    about: closed
    sources: [report, other]
  a1:
    by: ann
    text: The bridge was open.
    status: "false"
    about: closed
    contradicts: [m1]
  m2:
    by: ministry
    text: لم يصب أحد.
    supports: [m1]
timeline:
  - date: 2024-03-01
    title: الجسر مغلق
    actors: [ministry]
    claims: [m1]
    sources: [report]
corrections:
  - date: 2024-03-06
    text: صححنا التاريخ.
---
Body with [the ministry](@ministry).[^1]

[^1]: A footnote, and its way back.
"""
"""An explainer whose writer's text is Arabic and English: on a page of either direction,
every name and title inside a line of the theme's must be isolated (tests/test_text_direction.py,
tests/browser/test_rtl.py)."""

ARABIC_VALUES = ("أحمد علي", "سارة حسن", "وزارة النقل", "الناطق الرسمي", "تقرير الجسر", "الجريدة", "تقرير ثان",
                 "هل أغلق الجسر؟", "أغلق الجسر يوم الاثنين.", "لم يصب أحد.", "الجسر مغلق", "صححنا التاريخ.")


BASE_FILES = {
    "content/actors/shared-one.yaml": "name: Shared One\nkind: organization\n",
    "content/actors/shared-two.yaml": "name: Shared Two\naffiliation: shared-one\n",
    "content/explainers/alpha.md": explainer("Alpha"),
    "content/explainers/beta.md": explainer("Beta", tags="[a, b]", by="shared-two"),
    "content/images/lead.png": PNG,
}

PICTURED_EVENTS = ("  - date: 2024-03-02T10:00:00+03:00\n    title: A dated event\n"
                   "    text: \"![A picture](images/lead.png) of [the claim](@c1).\"\n"
                   "    actors: [local-alpha, shared-one]\n  - date: 2024\n    title: A year\n")
"""Events for alpha: a date-time and a year, a picture, a claim link and a group (its
`timeline.json`)."""
QUOTE = "    quote: The exact words.\n"
"""A line for claim c2 (through `extra`): a quotation besides its text."""

EXPORT_EDITS = [
    # timeline.json: other events, none (the file goes), a group named after a local actor.
    ("write", "content/explainers/alpha.md", explainer("Alpha", events=PICTURED_EVENTS)),
    ("write", "content/explainers/alpha.md", explainer("Alpha", events="")),
    # claims.json: a quotation; an explainer under embargo, left out even when drafts show.
    ("write", "content/explainers/alpha.md", explainer("Alpha", extra=QUOTE)),
    ("write", "content/explainers/later.md", explainer("Later", published="2999-01-01")),
    ("delete", "content/explainers/later.md", None),
]

QUESTION_EDITS = [
    # Questions: "Who says what" and explainer.json follow them. c2 (unrated) alone leaves
    # `who` open; c1 rated on it answers it; an unknown question, or a removed one that a
    # note links to, is an error.
    ("write", "content/explainers/alpha.md", explainer("Alpha", extra=ABOUT_WHO + QUESTIONS)),
    ("write", "content/explainers/alpha.md",
     explainer("Alpha", status="false\n    about: who", extra=ABOUT_WHO + QUESTIONS,
               body="Who? [Read on](@who).")),
    ("write", "content/explainers/alpha.md", explainer("Alpha", extra="    about: whom\n" + QUESTIONS)),
    ("write", "content/explainers/alpha.md", explainer("Alpha", extra=ABOUT_WHO)),
]

LANGUAGE_EDITS = [
    # Languages: an explainer in French telling alpha's story (each page names the other),
    # the project's French catalogue and site.yaml's strings (read by every page in their
    # language), a mistake in one (an error), and the site in French.
    ("write", "content/explainers/beta.md",
     explainer("Beta", tags="[a, b]", by="shared-two").replace("title:", "language: fr\nstory: s\ntitle:", 1)),
    ("write", "content/explainers/alpha.md", explainer("Alpha").replace("title:", "story: s\ntitle:", 1)),
    ("write", "i18n/fr.yaml", "nav.feed: Le flux\nlegend.count:\n  one: '{count} affirmation notée'\n"
     "  many: '{count} d’affirmations notées'\n  other: '{count} affirmations notées'\n"),
    ("write", "i18n/fr.yaml", "nav.fed: Le flux\n"),
    ("delete", "i18n/fr.yaml", None),
    ("write", "site.yaml", "title: Desk\nstrings:\n  en:\n    nav.feed: News feed\n    kind.person: Individual\n"),
    ("write", "site.yaml", "title: Desk\nlanguage: fr\n"),
]


def dated_event(date: str, by: str = "shared-one") -> str:
    """`explainer`'s one event (naming `by`) on another date."""
    return f"  - date: {date}\n    title: Event\n    actors: [{by}]\n"


UNCERTAIN_DATE_EDITS = [
    # Uncertain dates: the event (on its explainer's page and its actor's page) becomes
    # "around March 2024", then "between 1 and 3 March 2024"; a dated claim of the claim map
    # (on its actor's page too) "by 2 March 2024".
    ("write", "content/explainers/alpha.md", explainer("Alpha", events=dated_event("~2024-03"))),
    ("write", "content/explainers/alpha.md", explainer("Alpha", events=dated_event("2024-03-01/2024-03-03"))),
    ("write", "content/explainers/alpha.md",
     explainer("Alpha", extra=THIRD_CLAIM + RELATED.replace("2024-03-02", "..2024-03-02"))),
]

EDIT_LIST = [
    ("write", "content/explainers/alpha.md", explainer("Alpha", body="Edited body.")),
    ("write", "content/explainers/alpha.md", explainer("Alpha renamed title", tags="[c]")),
    # Front matter that shows elsewhere: claim texts on actor pages, the number of claims
    # and the corrections in lists and the feed, a body link that puts an actor on the page.
    ("write", "content/explainers/alpha.md", explainer("Alpha", claim="Edited claim")),
    ("write", "content/explainers/alpha.md", explainer("Alpha", extra=THIRD_CLAIM)),
    ("write", "content/explainers/alpha.md", explainer("Alpha", extra=CORRECTION)),
    # The claim map: a dated claim that contradicts one claim and supports another.
    ("write", "content/explainers/alpha.md", explainer("Alpha", extra=THIRD_CLAIM + RELATED)),
    # A verdict withdrawn: lists count rated claims ("2 claims, 1 rated").
    ("write", "content/explainers/alpha.md", explainer("Alpha", status="unrated")),
    # Share pictures: a lead image instead of the share card, a site-wide default image.
    ("write", "content/explainers/alpha.md", explainer("Alpha", extra=LEAD_IMAGE)),
    ("write", "site.yaml", "title: Desk\nimage: images/lead.png\nimage_alt: The desk's picture.\n"),
    ("write", "content/explainers/beta.md",
     explainer("Beta", tags="[a, b]", by="shared-two", body="Also [one](@shared-one).")),
    ("write", "content/explainers/beta.md", explainer("Beta", tags="[b]", by="shared-one")),
    ("write", "content/explainers/gamma.md", explainer("Gamma", tags="[a, c]", by="shared-two")),
    ("write", "content/explainers/draft.md", explainer("Draft", draft=True)),
    ("delete", "content/explainers/beta.md", None),
    ("delete", "content/explainers/gamma.md", None),
    ("rename", "content/explainers/alpha.md", "content/explainers/alpha-two.md"),
    ("write", "content/actors/shared-one.yaml", "name: Shared One, renamed\nkind: government\n"),
    ("write", "content/actors/shared-two.yaml", "name: Shared Two\naffiliation: shared-one\nrole: Spokesperson\n"),
    ("write", "content/actors/shared-three.yaml", "name: Shared Three\n"),
    # Affiliations: the actor page of shared-one lists its members.
    ("write", "content/actors/shared-two.yaml", "name: Shared Two\n"),
    ("write", "content/actors/shared-three.yaml", "name: Shared Three\naffiliation: shared-one\nrole: Envoy\n"),
    ("write", "content/explainers/alpha.md", explainer("Alpha", local_extra="    affiliation: shared-one\n")),
    ("delete", "content/actors/shared-three.yaml", None),
    ("write", "templates/tag.html",
     "{% extends 'theme/tag.html' %}{% block title %}Tag {{ tag }}{% endblock %}"),
    ("delete", "templates/tag.html", None),
    # Embeds (<slug>/embed/<section>/): a project's own embed, and a section's partial
    # shared with the explainer page.
    ("write", "templates/embed-claims.html",
     "{% extends 'theme/embed-claims.html' %}{% block title %}Claims of {{ explainer.slug }}{% endblock %}"),
    ("delete", "templates/embed-claims.html", None),
    ("write", "templates/_timeline.html",
     '<section id="timeline"><h2>When</h2><p>{{ explainer.timeline|length }} events.</p></section>\n'),
    ("delete", "templates/_timeline.html", None),
    ("write", "site.yaml", "title: Renamed desk\npublisher: Desk Ltd\n"),
    # Right to left: every page's `dir`, and the claim map drawn mirrored (with RELATED).
    ("write", "site.yaml", "title: Desk\nlanguage: ar\n"),
    ("write", "content/explainers/broken.md", "---\ntitle: [\n---\n"),
    ("delete", "content/explainers/broken.md", None),
    # Pictures: a Markdown image and a shared actor's `image` use content/images/p.png, whose
    # bytes change (another picture, an SVG named .png: an error) or which goes away.
    ("write", "content/explainers/alpha.md", explainer("Alpha", body="![A picture](images/p.png)")),
    ("write", "content/actors/shared-two.yaml", "name: Shared Two\naffiliation: shared-one\nimage: images/p.png\n"),
    ("write", "content/images/p.png", PNG + b"another picture"),
    ("write", "content/images/p.png", b"<svg><script>alert(1)</script></svg>"),
    ("write", "content/images/p.png", PNG),
    ("delete", "content/images/p.png", None),
    # Links to other explainers: broken when the other is deleted, renamed or a draft, even
    # though the explainer that holds the link is unchanged and not compiled again.
    ("write", "content/explainers/alpha.md", explainer("Alpha", body="Read [Beta](beta.md#claim-c1).")),
    ("write", "content/explainers/alpha.md", explainer("Alpha", body="Read [Gamma](../gamma/).")),
    # ... and from a claim note, which its actor's page shows too (from the explainer's view).
    ("write", "content/explainers/alpha.md",
     explainer("Alpha", extra=THIRD_CLAIM + "    note: See [Beta's claim](beta.md#claim-c1).\n")),
    ("write", "content/explainers/beta.md", explainer("Beta", tags="[a, b]", by="shared-two", draft=True)),
    *QUESTION_EDITS,
    *EXPORT_EDITS,
    *LANGUAGE_EDITS,
    *UNCERTAIN_DATE_EDITS,
]
EDITS = st.sampled_from(EDIT_LIST)


def apply(root: Path, edit: tuple[str, str, str | bytes | None]) -> None:
    kind, rel, arg = edit
    path = root / rel
    if kind == "write":
        path.parent.mkdir(parents=True, exist_ok=True)
        # Editors save by writing a temporary file and renaming it over the old one.
        temp = path.with_name(f".{path.name}.tmp")
        if isinstance(arg, bytes):
            temp.write_bytes(arg)
        else:
            temp.write_text(arg or "", encoding="utf-8")
        os.replace(temp, path)
        stat = path.stat()  # a new mtime even within one timestamp tick
        os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))
    elif kind == "delete":
        path.unlink(missing_ok=True)
    elif kind == "rename" and path.exists():
        os.replace(path, root / str(arg))
    elif kind == "commit":  # everything as it is now, dated `arg` (see COMMITS)
        git_commit(root, rel, str(arg))


def git_commit(root: Path, subject: str, date: str) -> None:
    """Commit everything under `root` (a git repository, made if it is not one yet) as of `date`."""
    env = {"GIT_AUTHOR_NAME": "Desk", "GIT_AUTHOR_EMAIL": "desk@example.org", "GIT_COMMITTER_NAME": "Desk",
           "GIT_COMMITTER_EMAIL": "desk@example.org", "GIT_AUTHOR_DATE": date, "GIT_COMMITTER_DATE": date,
           "PATH": "/usr/bin:/bin"}
    for args in (["init", "-q"], ["add", "-A", "--", ":!site", ":!.explainer-cache"],
                 ["commit", "-q", "--allow-empty", "-m", subject]):
        if args[0] != "init" or not (root / ".git").exists():
            subprocess.run(["git", "-C", str(root), *args], check=True, capture_output=True, env=env)


def set_claim_status(root: Path, rel: str, claim: str, old: str, new: str) -> None:
    """Change `claim`'s `status: old` line to `status: new` in the explainer file `rel`."""
    path = root / rel
    text = path.read_text("utf-8")
    start = text.index(f"\n  {claim}:\n") + 1
    end = re.compile(r"^(?:  )?[a-z]", re.MULTILINE).search(text, start + 1)
    at = text.index(f"    status: {old}\n", start)
    assert end is not None and at < end.start(), "the status line belongs to another claim"
    path.write_text(text[:at] + f"    status: {new}\n" + text[at + len(f"    status: {old}\n"):], "utf-8")


EXAMPLE_FILE = "content/explainers/crocus-city-hall-attack.md"
HISTORY_CLAIM = "putin-ukraine-window"
"""The example's claim whose verdict `example_with_verdict_history` changes (`unproven` in the
file; the example is published on 2024-03-28)."""


def example_with_verdict_history(dest: Path) -> list[str]:
    """The example project copied to `dest` and put in git, with a verdict history: the claim
    `HISTORY_CLAIM` drafted as unrated and rated unproven before publication, then rated false
    on 2 April 2024 (09:30, UTC+02:00). Returns the three commits, oldest first."""
    copy_example(dest)
    status, commits = "unproven", []
    for subject, date, new in [("Draft", "2024-03-26T10:00:00+00:00", "unrated"),
                               ("Rate the window claim", "2024-03-27T18:00:00+00:00", "unproven"),
                               ("The window claim is false", "2024-04-02T09:30:00+02:00", "false")]:
        set_claim_status(dest, EXAMPLE_FILE, HISTORY_CLAIM, status, new)
        status = new
        git_commit(dest, subject, date)
        commits.append(subprocess.run(["git", "-C", str(dest), "rev-parse", "HEAD"], check=True,
                                      capture_output=True, text=True).stdout.strip())
    return commits


COMMITS = st.sampled_from([("commit", f"Changes of day {month}-{day}", f"2024-0{month}-1{day}T10:00:00+0{day}:00")
                           for month in (3, 4, 5) for day in (0, 2)])
"""Commits at a few dates (the explainers are published early in March 2024): with the edits
that change a claim's status, verdict histories for the edit property to check."""


def assert_same_as_clean_build(root: Path, out: Path, errors: list[str], drafts: bool = False) -> bool:
    """The edit property's check: a build that reported `errors` reports what a clean build
    of `root` reports and, if it succeeded, wrote the same files to `out`. True if it built."""
    clean = root.parent / f"{root.name}-clean"
    assert errors == clean_errors(root, clean, drafts)
    if errors:
        return False
    assert tree(out) == clean_build(root, clean, drafts)
    return True


def builds(builder: Builder) -> bool:
    return not build_errors(builder)


def build_errors(builder: Builder) -> list[str]:
    """The errors the build reports ([] if it succeeds)."""
    try:
        builder.build()
    except BuildFailed as exc:
        return sorted(map(str, exc.diagnostics))
    return []
