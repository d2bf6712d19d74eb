"""Shared pieces of the hardening tests (issue #7); this module holds no tests itself.

- `LONG`: the long run. `HYPOTHESIS_PROFILE=long` (or `EXPLAINER_HARDENING=long`) raises
  every example count of the hardening tests from their CI share to thousands. tests/conftest.py
  loads the named Hypothesis profile before any test module is imported, so to use the
  variable name `HYPOTHESIS_PROFILE` this module must be loaded first, as a plugin:

      HYPOTHESIS_PROFILE=long .venv/bin/python -m pytest -p tests.test_hardening_common \\
          tests/test_hardening_*.py

  `EXPLAINER_HARDENING=long` needs no `-p` (conftest then keeps its own profile).
- `examples(ci, long)`: an example count for the run in progress.
- `assert_no_executable_markup(path)`: what a browser would run in a built page.
- `assert_clean_cli(code, err)`: exit status 0 or 1, no traceback, every stderr line in the
  contract's form.
- `run_explainer(...)`: `python -m generator ...` in a subprocess, with its wall time and the
  maximum resident memory of the process and its children (`os.wait4`).

Nothing here imports the generator or the tests' helpers at module level, so that the module
can be loaded as a plugin (`-p`) before the test directory is on `sys.path`.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from xml.etree import ElementTree

from hypothesis import HealthCheck, settings

LONG = "long" in (os.environ.get("HYPOTHESIS_PROFILE"), os.environ.get("EXPLAINER_HARDENING"))
"""The long run: thousands of examples instead of CI's share."""

settings.register_profile(
    "long", max_examples=1000, deadline=None, derandomize=False, database=None, print_blob=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                           HealthCheck.data_too_large, HealthCheck.filter_too_much],
)

REPO = Path(__file__).resolve().parent.parent


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
                   seconds, usage.ru_maxrss / 1024)


# -- what a browser would run --------------------------------------------------------------------

URL_ATTRIBUTES = ("href", "src", "action", "formaction", "poster", "background", "srcset", "data", "ping",
                  "xlink:href", "cite", "longdesc", "manifest", "icon", "codebase")
DANGEROUS_SCHEMES = ("javascript:", "data:", "vbscript:")
FORBIDDEN_ELEMENTS = {"iframe", "frame", "frameset", "object", "embed", "applet", "form", "base", "svg", "math",
                      "template", "portal", "style", "noscript", "input", "button", "textarea", "select"}
"""Elements the theme never writes: finding one means content became markup."""
THEME_SCRIPT = re.compile(r"(\.\./)*/?assets/explainer(\.[0-9a-f]{10})?\.js")
"""The theme's script: fingerprinted in a built site, under its plain name in `serve`."""


def _scheme_of(value: str) -> str:
    """How a browser reads the start of a URL: leading and embedded whitespace and controls
    are ignored, case does not matter."""
    return re.sub(r"[\x00-\x20\x7f]+", "", value).lower()


def assert_no_executable_markup(page: Path | bytes, *, name: str = "page",
                                prose_may_have_markup: bool = False) -> object:
    """Parse a page as a browser would (html5lib) and fail on anything content could have
    smuggled in: an `on*` attribute, a script other than the theme's (and one JSON-LD block), a
    `javascript:`/`data:`/`vbscript:` URL, an element the theme never writes. With
    `prose_may_have_markup` (a site with `allow_html: true`), elements inside `.prose` (the
    Markdown fields, where the site asked for raw HTML) are not checked. Returns the tree."""
    import html5lib

    data = page.read_bytes() if isinstance(page, Path) else page
    tree = html5lib.parse(data, treebuilder="etree", namespaceHTMLElements=False)
    exempt: set[int] = set()
    if prose_may_have_markup:
        for element in tree.iter():
            if "prose" in (element.get("class") or "").split():
                exempt.update(id(child) for child in element.iter() if child is not element)
    ld_json = 0
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
    import hashlib

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
