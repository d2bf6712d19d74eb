"""Helpers for the theme's browser tests (imported by conftest.py and the test modules).

- building a project into a directory and serving it from a local HTTP server thread;
- `open_page(browser, site, width, **context_options)`: a context manager giving
  (page, log); `log` records console errors, page errors, failed requests (status >= 400 or
  network failures) and every request to a host other than the local server, which is
  blocked;
- in-page checks: horizontal overflow, axe-core, keyboard focus.
"""

from __future__ import annotations

import contextlib
import functools
import http.server
import os
import shutil
import struct
import subprocess
import sys
import threading
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
ARTIFACTS = HERE / "artifacts"
EDGE_FIXTURE = HERE / "fixtures" / "edge"

CHROMIUM_ARGS = ["--disable-gpu", "--disable-quic", "--disable-dev-shm-usage",
                 "--disable-background-networking", "--no-first-run"]

WIDTHS = {
    375: {"viewport": {"width": 375, "height": 812}, "is_mobile": True, "has_touch": True,
          "device_scale_factor": 1},
    1280: {"viewport": {"width": 1280, "height": 900}},
}

# The pages every check runs on: name -> (site fixture name, path under the site).
PAGES = {
    "home": ("example_site", ""),
    "explainer": ("example_site", "crocus-city-hall-attack/"),
    "actor": ("example_site", "actors/vladimir-putin/"),
    "actor-members": ("example_site", "actors/russia/"),
    "tag": ("example_site", "tags/russia/"),
    "verdict-history": ("history_site", "crocus-city-hall-attack/"),
    "search": ("example_site", "search/"),
    "edge": ("edge_site", "edge-cases/"),
    "edge-actor": ("edge_site", "actors/ada/"),
    "uncertain-dates": ("edge_site", "uncertain-dates/"),
}


# -- building and serving ------------------------------------------------------

def build(root: Path, out: Path, base_url: str) -> None:
    """`explainer build` in a subprocess; fail with its stderr if it does not succeed."""
    proc = subprocess.run(
        [sys.executable, "-m", "generator", "build", "--root", str(root), "--out", str(out),
         "--base-url", base_url],
        cwd=REPO, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, f"build of {root} failed ({proc.returncode}):\n{proc.stderr}"


def tiny_png(width: int = 64, height: int = 64, rgb: tuple[int, int, int] = (120, 90, 160)) -> bytes:
    """A valid one-colour PNG, so the fixture project needs no binary file in the repository."""
    raw = b"".join(b"\x00" + bytes(rgb) * width for _ in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw))
            + chunk(b"IEND", b""))


def prepare_example_copy(dest: Path, language: str) -> Path:
    """The repository's example project (content/ and site.yaml) copied to `dest`, with
    `language:` in its site.yaml. Two copies differ in their language alone (a build of the
    repository itself would also show its git history as revisions)."""
    shutil.copytree(REPO / "content", dest / "content")
    settings = (REPO / "site.yaml").read_text(encoding="utf-8")
    lines = [line for line in settings.splitlines() if not line.startswith("language:")]
    (dest / "site.yaml").write_text("\n".join([*lines, f"language: {language}", ""]), encoding="utf-8")
    return dest


def prepare_edge_project(dest: Path) -> Path:
    """Copy the edge-case fixture project to `dest` and add its generated portrait image."""
    shutil.copytree(EDGE_FIXTURE, dest)
    image = dest / "content" / "images" / "portrait.png"
    image.parent.mkdir(parents=True, exist_ok=True)
    image.write_bytes(tiny_png())
    return dest


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - signature of the base class
        pass


@dataclass
class ServedSite:
    directory: Path
    url: str
    """Base URL with a trailing slash: http://127.0.0.1:<port>/"""

    @property
    def origin(self) -> str:
        return self.url.rstrip("/")

    def page_url(self, path: str) -> str:
        return self.url + path


@contextlib.contextmanager
def serve_folder(folder: Path) -> Iterator[ServedSite]:
    """Serve `folder` as it is, on a free port (a page of another site, for instance)."""
    handler = functools.partial(_QuietHandler, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, name=f"serve-{folder.name}", daemon=True)
    thread.start()
    try:
        yield ServedSite(folder, f"http://127.0.0.1:{server.server_address[1]}/")
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@contextlib.contextmanager
def serve_built(root: Path, out: Path) -> Iterator[ServedSite]:
    """Bind a free port, build `root` into `out` with that base URL, serve `out`."""
    handler = functools.partial(_QuietHandler, directory=str(out))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    url = f"http://127.0.0.1:{server.server_address[1]}/"
    build(root, out, url)
    thread = threading.Thread(target=server.serve_forever, name=f"serve-{out.name}", daemon=True)
    thread.start()
    try:
        yield ServedSite(out, url)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)





# -- the browser -----------------------------------------------------------------

def chromium_path() -> str | None:
    """Debian's Chromium, or the browser named by $EXPLAINER_CHROMIUM; None if it is not there."""
    configured = os.environ.get("EXPLAINER_CHROMIUM")
    if configured:
        return configured if Path(configured).exists() else None
    for candidate in ("/usr/bin/chromium", shutil.which("chromium"), shutil.which("chromium-browser")):
        if candidate and Path(candidate).exists():
            return candidate
    return None



@dataclass
class PageLog:
    origin: str
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    failed_requests: list[str] = field(default_factory=list)
    external_requests: list[str] = field(default_factory=list)

    def problems(self) -> list[str]:
        return ([f"console error: {m}" for m in self.console_errors]
                + [f"page error: {m}" for m in self.page_errors]
                + [f"failed request: {m}" for m in self.failed_requests]
                + [f"request to another host: {m}" for m in self.external_requests])


def _is_local(url: str, origin: str) -> bool:
    return url == origin or url.startswith(origin + "/") or url.startswith(("data:", "about:", "blob:"))


@contextlib.contextmanager
def open_page(browser: Any, site: ServedSite, width: int, also: tuple[ServedSite, ...] = (),
              **options: Any) -> Iterator[tuple[Any, PageLog]]:
    """A fresh context and page at `width` (375: phone emulation, 1280: desktop); requests to
    `site` and to the sites `also` (a page that frames another site's) go through."""
    context = browser.new_context(**{**WIDTHS[width], **options})
    log = PageLog(site.origin)

    def route(route: Any) -> None:
        url = route.request.url
        if any(_is_local(url, served.origin) for served in (site, *also)):
            route.continue_()
        else:
            log.external_requests.append(url)
            route.abort("blockedbyclient")

    def on_console(message: Any) -> None:
        if message.type == "error" and "ERR_BLOCKED_BY_CLIENT" not in message.text:
            location = message.location or {}
            log.console_errors.append(f"{message.text} ({location.get('url', '')})")

    def on_request_failed(request: Any) -> None:
        if request.url not in log.external_requests:
            log.failed_requests.append(f"{request.url}: {request.failure}")

    def on_response(response: Any) -> None:
        if response.status >= 400:
            log.failed_requests.append(f"{response.url}: HTTP {response.status}")

    context.route("**/*", route)
    page = context.new_page()
    page.on("console", on_console)
    page.on("pageerror", lambda exc: log.page_errors.append(str(exc)))
    page.on("requestfailed", on_request_failed)
    page.on("response", on_response)
    page.set_default_timeout(15_000)
    try:
        yield page, log
    finally:
        context.close()


# -- in-page checks --------------------------------------------------------------

AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


def axe_source() -> str:
    """axe-core's JS as shipped inside axe-playwright-python (no network needed)."""
    import axe_playwright_python

    return (Path(axe_playwright_python.__file__).parent / "axe.min.js").read_text(encoding="utf-8")


def axe_violations(page: Any) -> list[str]:
    """Run axe-core (WCAG 2.x A/AA tags) in the page; one line per violation, with examples."""
    page.evaluate(axe_source())
    violations = page.evaluate(
        """async (tags) => {
            const result = await axe.run(document, {
                runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']});
            return result.violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.slice(0, 4).map(n => n.target.join(' ') + ' -- ' +
                                                   (n.failureSummary || '').replace(/\\s+/g, ' '))}));
        }""",
        AXE_TAGS)
    return [f"{v['id']} ({v['impact']}): {v['help']}\n      " + "\n      ".join(v["nodes"])
            for v in violations]


OVERFLOW_JS = """() => {
    const root = document.documentElement;
    const vw = root.clientWidth;
    const found = [];
    if (root.scrollWidth > vw) found.push(`document: scrollWidth ${root.scrollWidth} > clientWidth ${vw}`);
    const describe = (el) => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
        (el.className && typeof el.className === 'string' ? '.' + el.className.trim().split(/\\s+/).join('.') : '');
    // Content inside a scroll container (a wide table that scrolls by itself) is contained.
    const scrolls = (el) => ['auto', 'scroll'].includes(getComputedStyle(el).overflowX);
    const insideScroller = (el) => {
        for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) if (scrolls(p)) return true;
        return false;
    };
    for (const el of document.body.querySelectorAll('*')) {
        if (el.closest('.visually-hidden, [hidden], .skip-link')) continue;
        if (insideScroller(el)) continue;
        const style = getComputedStyle(el);
        if (style.display === 'none' || style.visibility === 'hidden') continue;
        const box = el.getBoundingClientRect();
        if (box.width === 0 && box.height === 0) continue;
        if (box.right > vw + 0.5 || box.left < -0.5) {
            found.push(`${describe(el)}: box ${Math.round(box.left)}..${Math.round(box.right)} outside 0..${vw}`);
        } else if (el.clientWidth > 0 && el.scrollWidth > el.clientWidth + 1
                   && !['auto', 'scroll', 'hidden', 'clip'].includes(style.overflowX)) {
            found.push(`${describe(el)}: content ${el.scrollWidth}px wider than its box ${el.clientWidth}px`);
        }
    }
    return found.slice(0, 15);
}"""


def overflow_problems(page: Any) -> list[str]:
    """Horizontal overflow of the document or of any rendered element (text included)."""
    return page.evaluate(OVERFLOW_JS)


INTERACTIVE = "a[href], button, summary, input, select, textarea"

MARK_JS = """(selector) => {
    const items = [];
    document.querySelectorAll(selector).forEach((el, i) => {
        if (!el.getClientRects().length) return;   // not rendered (display: none)
        el.dataset.kb = String(i);
        const s = getComputedStyle(el);
        items.push({i: String(i), desc: el.tagName.toLowerCase() + ' ' + (el.getAttribute('href') || el.id || el.textContent.trim().slice(0, 40)),
                    outline: [s.outlineStyle, s.outlineWidth, s.outlineColor].join(' '), shadow: s.boxShadow});
    });
    return items;
}"""

ACTIVE_JS = """() => {
    const el = document.activeElement;
    if (!el || el === document.body || el === document.documentElement) return null;
    const s = getComputedStyle(el);
    return {i: el.dataset.kb || null, tag: el.tagName.toLowerCase(), outlineStyle: s.outlineStyle,
            outlineWidth: parseFloat(s.outlineWidth) || 0,
            outline: [s.outlineStyle, s.outlineWidth, s.outlineColor].join(' '), shadow: s.boxShadow};
}"""


def keyboard_walk(page: Any) -> tuple[list[dict[str, Any]], list[str], list[str]]:
    """Tab through the page. Returns (interactive elements, indexes reached in order, problems)."""
    items = page.evaluate(MARK_JS, INTERACTIVE)
    by_index = {item["i"]: item for item in items}
    page.evaluate("() => { document.activeElement && document.activeElement.blur(); window.scrollTo(0, 0); }")
    reached: list[str] = []
    problems: list[str] = []
    seen: set[str] = set()
    for _ in range(len(items) * 2 + 10):
        page.keyboard.press("Tab")
        active = page.evaluate(ACTIVE_JS)
        if active is None:
            if reached:
                break       # tabbed past the end of the document
            continue
        key = active["i"]
        if key is None:
            problems.append(f"focus reached a {active['tag']} that is not a link, button, summary or input")
            continue
        if key in seen:
            break           # wrapped around
        seen.add(key)
        reached.append(key)
        before = by_index[key]
        visible_outline = active["outlineStyle"] != "none" and active["outlineWidth"] >= 2 \
            and active["outline"] != before["outline"]
        visible_shadow = active["shadow"] not in ("none", before["shadow"])
        if not (visible_outline or visible_shadow):
            problems.append(f"no visible focus indicator on {before['desc']} "
                            f"(outline {active['outline']!r}, box-shadow {active['shadow']!r})")
    missing = [by_index[i]["desc"] for i in by_index if i not in seen]
    if missing:
        problems.append(f"{len(missing)} interactive elements never reached with Tab: {missing[:10]}")
    return items, reached, problems
