"""`explainer serve`: the real server in a subprocess, checked over HTTP and its reload socket.

Each server is started exactly as a user would (`python -m generator serve --port 0`),
its URL read from the first stdout line. The reload channel is a WebSocket; the
tiny client below speaks just enough RFC 6455 to read the server's JSON messages,
so the tests need nothing beyond the standard library.

Waits are bounded polls (a rebuild of these small projects takes ~0.1 s; the
limits are generous for slow CI machines), never fixed sleeps.
"""

from __future__ import annotations

import base64
import hashlib
import html
import http.client
import json
import os
import shutil
import signal
import socket
import struct
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any, Callable, Iterator
from urllib.parse import urlsplit

import pytest

from generator import render
from generator.diagnostics import Diagnostic, Span
from generator.serve import paths
from generator.serve.live import BuildOutcome, LiveState, reload_action
from generator.serve.pages import inject, overlay_html
from generator.serve import server as server_module
from helpers import lock_files

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="signals and symlinks are POSIX here")

WAIT = 10.0
"""Longest wait for a rebuild to show, in seconds."""

PREVIEW = ".explainer-cache/preview"
"""Where `serve` builds (never site/)."""

ALPHA = """\
---
title: Alpha explainer
summary: What the alpha affair is about.
published: 2024-03-01
tags: [alpha]
actors:
  ann-example:
    name: Ann Example
    role: Spokeswoman
claims:
  ann-says:
    by: ann-example
    text: Alpha is real.
    status: unproven
---
The alpha affair, explained. [Ann Example](@ann-example) says
[alpha is real](@ann-says). The word to edit is marmalade.
"""
ALPHA_BAD_LINE = 6
"""`tags:` is on line 5; the broken version adds an unknown key on line 6."""

BETA = """\
---
title: Beta explainer
summary: Beta, in short.
published: 2024-02-01
---
Beta has a body too, and mentions [Bob](@bob-shared).
"""

BOB = """\
name: Bob Shared
kind: person
"""


def project_files() -> dict[str, str]:
    return {
        "content/explainers/alpha.md": ALPHA,
        "content/explainers/beta.md": BETA,
        "content/actors/bob-shared.yaml": BOB,
    }


def save(path: Path, text: str) -> None:
    """Save as editors do: write a hidden temp file beside the target, then rename it over."""
    temp = path.with_name(f".{path.name}.swp")
    temp.write_text(text, encoding="utf-8")
    os.replace(temp, path)


def wait_until(check: Callable[[], Any], timeout: float = WAIT, what: str = "condition") -> Any:
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.05)


# -- a server in a subprocess ---------------------------------------------------------


class Server:
    """`explainer serve` running in a subprocess; stderr is collected on a thread."""

    def __init__(self, argv: list[str], cwd: Path):
        self.proc = subprocess.Popen(argv, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     text=True, bufsize=1)
        self._err: list[str] = []
        self._reader = threading.Thread(target=self._read_stderr, daemon=True)
        self._reader.start()
        self.url = self._first_line()
        parts = urlsplit(self.url)
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 80

    def _read_stderr(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            self._err.append(line)

    def _first_line(self) -> str:
        """The URL: the first stdout line, flushed at once. It comes after the first build,
        which on a loaded machine can take more than `WAIT` for a project of some size (60
        synthetic explainers took over 10 s at a load of 12): a hang still fails, later."""
        assert self.proc.stdout is not None
        box: list[str] = []
        reader = threading.Thread(target=lambda: box.append(self.proc.stdout.readline()), daemon=True)  # type: ignore[union-attr]
        reader.start()
        reader.join(6 * WAIT)
        if not box or not box[0]:
            self.proc.kill()
            raise AssertionError(f"no URL on stdout; stderr:\n{self.stderr}")
        return box[0].strip()

    @property
    def stderr(self) -> str:
        return "".join(self._err)

    def get(self, path: str, method: str = "GET", host: str | None = None) -> tuple[int, dict[str, str], str]:
        """One request with the path sent exactly as given (no client-side normalising)."""
        conn = http.client.HTTPConnection(self.host, self.port, timeout=WAIT)
        try:
            conn.putrequest(method, path, skip_host=host is not None, skip_accept_encoding=True)
            if host is not None:
                conn.putheader("Host", host)
            conn.endheaders()
            response = conn.getresponse()
            body = response.read().decode("utf-8", "replace")
            return response.status, {k.lower(): v for k, v in response.getheaders()}, body
        finally:
            conn.close()

    def page(self, path: str) -> str:
        status, _, body = self.get(path)
        return body if status == 200 else ""

    def stop(self, sig: int = signal.SIGTERM) -> int:
        self.proc.send_signal(sig)
        code = self.proc.wait(WAIT)
        self._reader.join(WAIT)
        return code

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


@pytest.fixture
def start_server() -> Iterator[Callable[..., Server]]:
    """start_server(root, argv=None) -> a running Server; every one is killed at the end."""
    started: list[Server] = []

    def start(root: Path, argv: list[str] | None = None) -> Server:
        command = argv or [sys.executable, "-m", "generator", "serve"]
        server = Server([*command, "--root", str(root), "--port", "0"], cwd=root)
        started.append(server)
        return server

    yield start
    for server in started:
        server.kill()


class ReloadChannel:
    """A minimal WebSocket client for the reload socket: handshake, then text frames in."""

    GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

    def __init__(self, server: Server):
        self.sock = socket.create_connection((server.host, server.port), timeout=WAIT)
        key = base64.b64encode(os.urandom(16)).decode()
        self.sock.sendall((
            f"GET /__explainer__/socket HTTP/1.1\r\nHost: {server.host}:{server.port}\r\n"
            "Upgrade: websocket\r\nConnection: Upgrade\r\n"
            f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n").encode())
        self.buffer = b""
        while b"\r\n\r\n" not in self.buffer:
            self.buffer += self._recv()
        head, self.buffer = self.buffer.split(b"\r\n\r\n", 1)
        accept = base64.b64encode(hashlib.sha1((key + self.GUID).encode()).digest()).decode()
        assert head.startswith(b"HTTP/1.1 101") and accept.encode() in head, head

    def _recv(self) -> bytes:
        chunk = self.sock.recv(65536)
        if not chunk:
            raise EOFError("reload socket closed")
        return chunk

    def _take(self, n: int) -> bytes:
        while len(self.buffer) < n:
            self.buffer += self._recv()
        data, self.buffer = self.buffer[:n], self.buffer[n:]
        return data

    def next(self, timeout: float = WAIT) -> dict[str, Any] | None:
        """The next JSON message, or None when the server closes the socket."""
        self.sock.settimeout(timeout)
        while True:
            first, second = self._take(2)
            length = second & 0x7F
            if length == 126:
                length = struct.unpack("!H", self._take(2))[0]
            elif length == 127:
                length = struct.unpack("!Q", self._take(8))[0]
            assert not second & 0x80, "a server must not mask its frames"
            payload = self._take(length)
            opcode = first & 0x0F
            if opcode == 0x8:
                return None
            if opcode == 0x1:
                return json.loads(payload)

    def wait_for(self, kind: str, timeout: float = WAIT) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        """The first message of type `kind`, and every message seen before it."""
        deadline = time.monotonic() + timeout
        seen: list[dict[str, Any]] = []
        while True:
            message = self.next(max(0.01, deadline - time.monotonic()))
            assert message is not None, f"socket closed while waiting for {kind!r}; saw {seen}"
            if message["type"] == kind:
                return message, seen
            seen.append(message)

    def close(self) -> None:
        self.sock.close()


def overlay_lines(body: str) -> list[str]:
    """The error lines of the overlay in a page, unescaped ([] if there is no overlay)."""
    if 'id="explainer-overlay"' not in body:
        return []
    parts = body.split('<code class="eo-error">')[1:]
    return [html.unescape(part.split("</code>", 1)[0]) for part in parts]


# -- serving ------------------------------------------------------------------------------


def test_pages_are_served_with_the_reload_script_injected(project, start_server):
    root = project(project_files())
    server = start_server(root)
    assert server.url.startswith("http://127.0.0.1:") and server.url.endswith("/")

    status, headers, body = server.get("/alpha/")
    assert status == 200
    assert headers["content-type"] == "text/html; charset=utf-8"
    assert headers["cache-control"] == "no-store"
    assert "Alpha explainer" in body
    assert '<script src="/__explainer__/live.js"' in body
    assert body.index("/__explainer__/live.js") < body.lower().rindex("</body>")
    assert "explainer-overlay" not in body
    on_disk = (root / PREVIEW / "alpha" / "index.html").read_text(encoding="utf-8")
    assert "__explainer__" not in on_disk, "the script must never be written into the built files"

    status, headers, script = server.get("/__explainer__/live.js")
    assert status == 200 and headers["content-type"].startswith("text/javascript")
    assert "WebSocket" in script

    status, headers, _ = server.get("/")
    assert status == 200 and headers["content-type"].startswith("text/html")
    assert server.get("/alpha/", method="HEAD")[0] == 200
    assert server.get("/alpha/", host=f"localhost:{server.port}")[0] == 200
    assert server.get("/alpha/", host=f"rebound.example:{server.port}")[0] == 403, "DNS rebinding"


def test_content_types_redirects_and_not_found(project, start_server):
    root = project({**project_files(), "content/images/ann.png": b"\x89PNG\r\n\x1a\n"})
    server = start_server(root)
    expected = {
        "/alpha/explainer.json": "application/json",
        "/feed.xml": "application/xml; charset=utf-8",
        "/sitemap.xml": "application/xml; charset=utf-8",
    }
    for name in sorted(p.name for p in (render.THEME_DIR / "assets").iterdir()):
        expected[f"/assets/{name}"] = paths.content_type(name)
    for path, kind in expected.items():
        status, headers, _ = server.get(path)
        assert (status, headers.get("content-type")) == (200, kind), path
        assert headers["cache-control"] == "no-store"

    status, headers, _ = server.get("/alpha?x=1")
    assert status == 301 and headers["location"] == "/alpha/?x=1"
    status, headers, body = server.get("/no-such-page/")
    assert status == 404 and headers["content-type"].startswith("text/html")
    assert "/no-such-page/" in body and "/__explainer__/live.js" in body
    assert server.get("/feed.xml/")[0] == 404


@pytest.mark.parametrize("name,kind", [
    ("a.html", "text/html"), ("a.css", "text/css"), ("a.js", "text/javascript"),
    ("a.json", "application/json"), ("a.xml", "application/xml"), ("a.png", "image/png"),
    ("a.jpg", "image/jpeg"), ("a.jpeg", "image/jpeg"), ("a.webp", "image/webp"), ("a.gif", "image/gif"),
    ("a.avif", "image/avif"), ("a.svg", "image/svg+xml"), ("A.PNG", "image/png"),
])
def test_content_type_table(name, kind):
    assert paths.content_type(name).split(";")[0] == kind


TRAVERSALS = [
    "/../pyproject.toml", "/%2e%2e/x", "/..%2fx", "/%2e%2e%2fsecret.txt", "/alpha/../../secret.txt",
    "/alpha/%2e%2e/%2e%2e/secret.txt", "/..%5csecret.txt", "/%00", "/alpha/index.html%00.png",
    "//etc/passwd", "/.%2e/secret.txt", "/leak.txt", "/leakdir/secret.txt", "/leakdir/", "/%c0%ae%c0%ae/x",
    "/C:/secret.txt", "/.hidden",
]


def test_paths_outside_the_site_are_404(project, start_server):
    root = project(project_files())
    (root / "secret.txt").write_text("TOP-SECRET")
    server = start_server(root)
    site = root / PREVIEW
    (site / "leak.txt").symlink_to(root / "secret.txt")
    (site / "leakdir").symlink_to(root, target_is_directory=True)
    (site / ".hidden").write_text("hidden")
    for path in TRAVERSALS:
        status, _, body = server.get(path)
        assert status == 404, path
        assert "TOP-SECRET" not in body, path
    assert server.get("/alpha/")[0] == 200  # and the server still serves


@pytest.mark.parametrize("raw", TRAVERSALS)
def test_resolve_refuses_traversal(tmp_path, raw):
    site = tmp_path / "site"
    (site / "alpha").mkdir(parents=True)
    (site / "alpha" / "index.html").write_text("ok")
    (tmp_path / "secret.txt").write_text("secret")
    (site / "leak.txt").symlink_to(tmp_path / "secret.txt")
    (site / "leakdir").symlink_to(tmp_path, target_is_directory=True)
    (site / ".hidden").write_text("hidden")
    assert paths.resolve(site, raw) is None


def test_resolve_serves_inside_links_and_index_files(tmp_path):
    site = tmp_path / "site"
    (site / "alpha").mkdir(parents=True)
    (site / "alpha" / "index.html").write_text("ok")
    (site / "index.html").write_text("home")
    (site / "also").symlink_to(site / "alpha", target_is_directory=True)
    found = paths.resolve(site, "/alpha/")
    assert isinstance(found, paths.Found) and found.page == "alpha/index.html"
    assert isinstance(paths.resolve(site, "/also/index.html"), paths.Found)
    assert paths.resolve(site, "/alpha") == paths.Redirect("/alpha/")
    assert isinstance(paths.resolve(site, "/"), paths.Found)
    assert isinstance(paths.resolve(site, "/%61lpha/"), paths.Found)  # %61 is 'a'


# -- the preview folder ------------------------------------------------------------------------


def snapshot(folder: Path) -> dict[str, tuple[str, bytes, int, int]]:
    """Every path under `folder` (and the folder itself): its kind, bytes, mtime and mode."""
    found = {}
    for path in [folder, *sorted(folder.rglob("*"))]:
        info = path.lstat()
        kind = "link" if path.is_symlink() else "dir" if path.is_dir() else "file"
        data = path.read_bytes() if kind == "file" else b""
        found[path.relative_to(folder).as_posix()] = (kind, data, info.st_mtime_ns, info.st_mode)
    return found


def test_a_serve_session_leaves_site_byte_for_byte_as_it_was(project, start_server):
    """The preview shows drafts and embargoed explainers; deploying site/ after a preview must
    not publish them, so serve builds in a folder of its own and never touches site/."""
    root = project(project_files())
    built = subprocess.run([sys.executable, "-m", "generator", "build", "--root", str(root)],
                           capture_output=True, text=True, timeout=120)
    assert built.returncode == 0, built.stderr
    site = root / "site"
    before = snapshot(site)
    server = start_server(root)
    wait_until(lambda: f"serving the preview built in {PREVIEW}/ (site/ is left alone) at {server.url}"
               in server.stderr, what="the line naming the preview folder")

    save(root / "content/explainers/alpha.md", ALPHA.replace("marmalade", "quince"))
    save(root / "content/explainers/gamma.md",
         BETA.replace("Beta explainer", "Gamma draft").replace("published: 2024-02-01", "published: 2024-02-01\ndraft: true"))
    save(root / "content/explainers/delta.md",
         BETA.replace("Beta explainer", "Delta embargoed").replace("2024-02-01", "2999-01-01"))
    wait_until(lambda: "quince" in server.page("/alpha/"), what="the edit")
    draft = wait_until(lambda: server.page("/gamma/"), what="the draft")
    assert "Gamma draft" in draft and "<strong>Draft.</strong>" in draft
    embargoed = wait_until(lambda: server.page("/delta/"), what="the embargoed explainer")
    assert "Delta embargoed" in embargoed and "<strong>Embargoed</strong>" in embargoed
    assert "Gamma draft" in server.page("/") and "Delta embargoed" in server.page("/feed.xml")
    assert (root / PREVIEW / "gamma/index.html").is_file()
    assert server.stop() == 0

    assert snapshot(site) == before
    for path in site.rglob("*"):
        assert not {"gamma", "delta"} & set(path.relative_to(site).parts), path
        if path.is_file():
            assert b"Gamma draft" not in path.read_bytes() and b"Delta embargoed" not in path.read_bytes()
    # (the build's lock file, where the lock is one: see helpers.lock_files)
    assert not [name for name in os.listdir(root) if name.startswith(".site") and name not in lock_files()]


def test_serve_does_not_follow_a_committed_preview_link(project, start_server):
    """A project that commits `.explainer-cache/preview` as a link to `../site`: the link is
    replaced by a folder of serve's own, never written through."""
    root = project(project_files())
    (root / "site").mkdir()
    (root / "site/index.html").write_text("published")
    (root / ".explainer-cache").mkdir()
    (root / PREVIEW).symlink_to("../site", target_is_directory=True)
    server = start_server(root)
    assert "Alpha explainer" in server.page("/alpha/")
    assert server.stop() == 0
    assert os.listdir(root / "site") == ["index.html"]
    assert (root / "site/index.html").read_text() == "published"
    assert not (root / PREVIEW).is_symlink() and (root / PREVIEW / "alpha/index.html").is_file()


def test_an_untrusted_cache_folder_sends_the_preview_to_a_private_temporary_folder(project, tmp_path,
                                                                                   start_server):
    """`.explainer-cache` that is a symbolic link (cloned with the project) is never used:
    the preview goes into a fresh temporary folder, removed when serve stops."""
    root = project(project_files())
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "keep.txt").write_text("untouched")
    (root / ".explainer-cache").symlink_to(elsewhere, target_is_directory=True)
    server = start_server(root)
    assert "Alpha explainer" in server.page("/alpha/")
    line = wait_until(lambda: next((line for line in server.stderr.splitlines()
                                    if "serving the preview built in" in line), None), what="the folder")
    folder = Path(line.split("serving the preview built in ", 1)[1].split("/ (site/", 1)[0])
    assert folder.name == "preview" and folder.parent.name.startswith("explainer-preview-")
    assert (folder / "alpha/index.html").is_file()
    assert server.stop() == 0
    assert not folder.parent.exists(), "the temporary preview folder is removed at exit"
    assert os.listdir(elsewhere) == ["keep.txt"]
    assert not (root / "site").exists()


# -- rebuilds -------------------------------------------------------------------------------


def test_an_edit_shows_up_and_the_page_is_told_to_reload(project, start_server):
    root = project(project_files())
    server = start_server(root)
    channel = ReloadChannel(server)
    hello = channel.next()
    assert hello and hello["type"] == "hello" and hello["overlay"] is None

    save(root / "content/explainers/alpha.md", ALPHA.replace("marmalade", "quince"))
    wait_until(lambda: "quince" in server.page("/alpha/"), what="the edit on the page")
    message, _ = channel.wait_for("reload")
    assert "alpha/index.html" in message["changed"]
    assert message["build"] != hello["build"]

    gamma = root / "content/explainers/gamma.md"
    save(gamma, BETA.replace("Beta explainer", "Gamma explainer"))
    wait_until(lambda: "Gamma explainer" in server.page("/gamma/"), what="a new explainer")
    gamma.rename(gamma.with_name("delta.md"))
    wait_until(lambda: "Gamma explainer" in server.page("/delta/"), what="a renamed explainer")
    # The preview applies a build's files one by one (the reload message follows the last):
    # under load a request can fall between the new page written and the old one removed.
    wait_until(lambda: server.get("/gamma/")[0] == 404, what="the old name to go")
    gamma.with_name("delta.md").unlink()
    wait_until(lambda: server.get("/delta/")[0] == 404, what="a deleted explainer to go")
    channel.close()


def test_a_broken_file_brings_the_overlay_and_a_fix_removes_it(project, start_server):
    root = project(project_files())
    server = start_server(root)
    channel = ReloadChannel(server)
    channel.next()
    source = root / "content/explainers/alpha.md"
    broken = ALPHA.replace("tags: [alpha]\n", "tags: [alpha]\nmood<b>: grumpy\n")
    save(source, broken)

    where = f"content/explainers/alpha.md:{ALPHA_BAD_LINE}:1: "
    lines = wait_until(lambda: overlay_lines(server.page("/alpha/")), what="the overlay")
    assert any(line.startswith(where) and "mood<b>" in line for line in lines), lines
    body = server.page("/alpha/")
    assert 'role="alertdialog"' in body and 'aria-labelledby="explainer-overlay-title"' in body
    assert "mood&lt;b&gt;" in body and "mood<b>" not in body, "error text must be escaped"
    assert "Alpha explainer" in body, "the last good page stays beneath the overlay"
    assert overlay_lines(server.page("/beta/")), "every page shows the overlay"
    message, _ = channel.wait_for("errors")
    assert message["overlay"] and any(e.startswith(where) for e in message["errors"])
    wait_until(lambda: where + "error: " in server.stderr, what="the error on stderr")

    save(source, ALPHA)  # the fix restores the exact bytes: nothing to reload, overlay must go
    message, _ = channel.wait_for("ok")
    assert message.get("changed") == []
    assert not overlay_lines(server.page("/alpha/"))

    template = root / "templates" / "explainer.html"
    template.parent.mkdir()
    save(template, '{% extends "base.html" %}\n{% block content %}\n{{ explainer.title }\n{% endblock %}\n')
    lines = wait_until(lambda: overlay_lines(server.page("/alpha/")), what="the template error")
    assert any(line.startswith("templates/explainer.html:3:") for line in lines), lines
    template.unlink()
    wait_until(lambda: not overlay_lines(server.page("/alpha/")), what="the overlay to go")
    assert server.proc.poll() is None
    channel.close()


def test_a_failing_first_build_still_serves(project, start_server):
    root = project({**project_files(),
                    "content/explainers/alpha.md": ALPHA.replace("title: Alpha explainer\n", "")})
    server = start_server(root)
    status, _, body = server.get("/")
    assert status == 503
    assert "has not been built yet" in body
    assert any(line.startswith("content/explainers/alpha.md:") for line in overlay_lines(body))
    assert "/__explainer__/live.js" in body
    save(root / "content/explainers/alpha.md", ALPHA)
    # The page's file is swapped in a moment before the build's outcome clears the overlay
    # (its reload message follows the outcome): wait for both.
    wait_until(lambda: "Alpha explainer" in (page := server.page("/alpha/")) and not overlay_lines(page),
               what="the first good build, without the error overlay")


THEMED_SERVE = """
import sys
from pathlib import Path
import generator.pipeline, generator.serve  # import every module that holds THEME_DIR
theme = Path(sys.argv[1])
for module in list(sys.modules.values()):
    if getattr(module, "__name__", "").startswith("generator") and hasattr(module, "THEME_DIR"):
        module.THEME_DIR = theme
from generator.cli import main
sys.exit(main(sys.argv[2:]))
"""
"""`serve` with the built-in theme replaced by a copy: a project cannot ship stylesheets of
its own, so a CSS-only change means editing the theme, which a test must not do in place."""


def test_a_css_only_change_swaps_stylesheets_without_reloading(project, tmp_path, start_server):
    theme = tmp_path / "theme"
    shutil.copytree(render.THEME_DIR, theme)
    style = theme / "assets" / "style.css"
    if not style.exists():
        style.write_text("body { color: #111; }\n")
    root = project(project_files())
    server = start_server(root, [sys.executable, "-c", THEMED_SERVE, str(theme), "serve"])
    channel = ReloadChannel(server)
    channel.next()

    save(style, style.read_text() + "\n.serve-test { color: red; }\n")
    message, before = channel.wait_for("css")
    assert message["changed"] == ["assets/style.css"]
    assert not [m for m in before if m["type"] == "reload"]
    status, _, css = server.get("/assets/style.css?explainer-build=" + message["build"])
    assert status == 200 and ".serve-test" in css

    save(root / "content/explainers/alpha.md", ALPHA.replace("marmalade", "quince"))
    message, _ = channel.wait_for("reload")
    assert "alpha/index.html" in message["changed"]
    channel.close()


def _chromium() -> str | None:
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return None
    return shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.mark.skipif(_chromium() is None, reason="needs Playwright and a Chromium on PATH")
def test_in_a_browser_reload_css_swap_and_overlay(project, tmp_path, start_server):
    """live.js itself: an edit reloads, a CSS change swaps without reloading, errors come and go."""
    theme = tmp_path / "theme"
    shutil.copytree(render.THEME_DIR, theme)
    style = theme / "assets" / "style.css"
    style.write_text(style.read_text() if style.exists() else "")
    root = project(project_files())
    server = start_server(root, [sys.executable, "-c", THEMED_SERVE, str(theme), "serve"])
    # On a thread of its own: Playwright's sync API refuses to start where another
    # session (the theme's browser tests) already runs its event loop.
    failures: list[BaseException] = []

    def run() -> None:
        try:
            _browser_scenario(server, root / "content/explainers/alpha.md", style)
        except BaseException as exc:  # noqa: BLE001 - handed to the test thread
            failures.append(exc)

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(60)
    assert not thread.is_alive(), "the browser scenario hung"
    if failures:
        raise failures[0]


def _browser_scenario(server: Server, source: Path, style: Path) -> None:
    from playwright.sync_api import sync_playwright

    timeout = WAIT * 1000
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=_chromium(),
                                             args=["--no-sandbox"] if os.geteuid() == 0 else [])
        try:
            page = browser.new_page()
            loads: list[str] = []
            page.on("load", lambda _: loads.append(page.url))
            page.goto(server.url + "alpha/")

            save(style, style.read_text() + "\nbody { outline: 3px solid rgb(255, 0, 0); }\n")
            page.wait_for_function("getComputedStyle(document.body).outlineColor === 'rgb(255, 0, 0)'",
                                   timeout=timeout)
            assert len(loads) == 1, "a CSS-only change must not reload the page"

            save(source, ALPHA.replace("marmalade", "quince"))
            page.wait_for_function("document.body.innerText.includes('quince')", timeout=timeout)
            assert len(loads) == 2

            save(source, ALPHA.replace("tags: [alpha]\n", "tags: [alpha]\nmood: grumpy\n"))
            page.wait_for_selector("#explainer-overlay", timeout=timeout)
            assert page.evaluate("document.activeElement.id") == "explainer-overlay"
            assert f"content/explainers/alpha.md:{ALPHA_BAD_LINE}:1: " in page.inner_text("#explainer-overlay")
            page.keyboard.press("Escape")
            assert page.query_selector("#explainer-overlay") is None

            save(source, ALPHA.replace("marmalade", "damson"))
            page.wait_for_function("document.body.innerText.includes('damson')", timeout=timeout)
            assert page.query_selector("#explainer-overlay") is None
        finally:
            browser.close()


# -- stopping ------------------------------------------------------------------------------


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_a_signal_stops_the_server_cleanly(project, start_server, sig):
    root = project(project_files())
    server = start_server(root)
    channel = ReloadChannel(server)
    channel.next()
    idle = socket.create_connection((server.host, server.port))  # a connection that never asks
    try:
        started = time.monotonic()
        code = server.stop(sig)
        assert code == 0, server.stderr
        assert time.monotonic() - started < 5
    finally:
        idle.close()
    assert "Traceback" not in server.stderr, server.stderr
    assert channel.next() is None, "pages must be told that the server went away"
    channel.close()
    cache_dir = root / ".explainer-cache"
    leftovers = [*cache_dir.glob(".preview.staging*"), *cache_dir.glob(".preview.old*"),
                 *(root / PREVIEW).rglob(".*"), *root.glob(".site*"), *root.glob("site")]
    assert leftovers == [], "a stop must not leave build leftovers"
    if Path("/proc").is_dir():
        children = [p for p in Path("/proc").iterdir() if p.name.isdigit() and _parent(p) == server.proc.pid]
        assert children == []


def _parent(proc_dir: Path) -> int | None:
    try:
        return int((proc_dir / "stat").read_text().rsplit(")", 1)[1].split()[1])
    except (OSError, IndexError, ValueError):
        return None


def _busy_socket() -> socket.socket:
    """A socket listening on a port the system picked: a port that is in use."""
    busy = socket.socket()
    busy.bind(("127.0.0.1", 0))
    busy.listen()
    return busy


def test_a_busy_default_port_moves_to_the_next_free_one(project):
    """Without --port, a busy 8000 (here: a busy port made the default) is no reason to stop."""
    root = project(project_files())
    with _busy_socket() as busy:
        port = busy.getsockname()[1]
        code = (f"import sys; from generator.serve import server; server.DEFAULT_PORT = {port}; "
                "from generator.cli import main; sys.exit(main(sys.argv[1:]))")
        server = Server([sys.executable, "-c", code, "serve", "--root", str(root)], cwd=root)
        try:
            assert port < server.port < port + server_module.PORT_ATTEMPTS
            assert server.url == f"http://127.0.0.1:{server.port}/"
            assert server.get("/alpha/")[0] == 200
            assert server.stop() == 0
        finally:
            server.kill()
    lines = server.stderr.splitlines()
    assert lines[0] == f"explainer: port {port} is in use; serving on http://127.0.0.1:{server.port}/ instead"


def test_a_busy_port_asked_for_is_an_error_with_a_hint(project):
    """--port says which port the user meant: if it is busy, serve stops, before any build."""
    root = project(project_files())
    with _busy_socket() as busy:
        port = busy.getsockname()[1]
        result = subprocess.run([sys.executable, "-m", "generator", "serve", "--root", str(root),
                                 "--port", str(port)], capture_output=True, text=True, timeout=WAIT)
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr == (f"explainer: error: cannot listen on 127.0.0.1:{port}: Address already in use; "
                             "choose another --port, or leave it out to take the next free one\n")
    assert not (root / "site").exists()


def test_port_0_lets_the_system_choose(project, start_server):
    server = start_server(project(project_files()))  # started with --port 0
    assert server.port != 0 and server.url == f"http://127.0.0.1:{server.port}/"
    assert server.get("/alpha/")[0] == 200
    assert server.stop() == 0
    assert "in use" not in server.stderr


def test_when_every_port_tried_is_busy(monkeypatch):
    with _busy_socket() as busy:
        port = busy.getsockname()[1]
        monkeypatch.setattr(server_module, "DEFAULT_PORT", port)
        monkeypatch.setattr(server_module, "PORT_ATTEMPTS", 1)
        with pytest.raises(OSError) as caught:
            server_module.listen("127.0.0.1", None)
    assert server_module.listen_error("127.0.0.1", None, caught.value) == (
        f"cannot listen on 127.0.0.1:{port}: ports {port} to {port} are all in use; "
        "choose a --port (0 picks a free one)")


# -- the pieces, in process ----------------------------------------------------------------


@pytest.mark.parametrize("host,loopback_only,allowed", [
    ("127.0.0.1:8000", True, True), ("localhost:8000", True, True), ("[::1]:8000", True, True),
    ("app.localhost", True, True), ("LOCALHOST", True, True), ("evil.example:8000", True, False),
    ("127.0.0.1.evil.example", True, False), ("", True, False), ("evil.example", False, True),
])
def test_host_check(host, loopback_only, allowed):
    assert server_module.host_allowed(host, loopback_only) is allowed


def test_reload_action():
    assert reload_action([]) == "ok"
    assert reload_action(["assets/style.css"]) == "css"
    assert reload_action(["assets/style.css", "assets/print.css"]) == "css"
    assert reload_action(["assets/style.css", "alpha/index.html"]) == "reload"
    assert reload_action(["media/images/a.png"]) == "reload"


def test_live_state_messages():
    live = LiveState()
    error = Diagnostic("unknown key 'x'", Span("content/explainers/a.md", 3, 1), "did you mean 'y'?")
    failed = live.apply(BuildOutcome(errors=[error]))
    assert failed["type"] == "errors" and failed["errors"] == [str(error)]
    assert "content/explainers/a.md:3:1: unknown key &#x27;x&#x27;" in failed["overlay"]
    assert live.hello()["overlay"] == failed["overlay"]

    class Report:
        changed: list[str] = []
    ok = live.apply(BuildOutcome(report=Report()))  # type: ignore[arg-type]
    assert ok["type"] == "ok" and live.hello()["overlay"] is None and not live.built


def test_overlay_escapes_everything_and_injection_goes_before_body_end():
    error = Diagnostic("<script>alert(1)</script>", Span("content/<x>.md", 1, 2), "<i>hint</i>")
    overlay = overlay_html([error])
    assert "<script>alert" not in overlay and "&lt;script&gt;" in overlay and "&lt;i&gt;hint" in overlay
    assert overlay_html([]) == ""
    page = b"<html><body><p>x</p></BODY></html>"
    assert inject(page, "<!--live-->") == b"<html><body><p>x</p><!--live--></BODY></html>"
    assert inject(b"no body", "<!--live-->") == b"no body<!--live-->"


def test_a_project_rendered_on_worker_processes_keeps_serving(tmp_path, start_server):
    """With 400 files or more a build renders on forked workers. They inherited the event
    loop's signal wakeup socket, so the SIGTERM that ends each of them at the end of a build
    could reach `serve` as its own (it stopped, or hung) after any such build: here the
    first and three that re-render every page. The race did not show every time (about one
    run in three); tests/test_shards.py checks the workers' signal state directly."""
    from helpers import REPO
    sys.path.insert(0, str(REPO / "bench"))
    from synth import make_project as synth_project
    root = synth_project(tmp_path / "p", 60, body_words=80)  # 465 files: two render workers
    # After a `build`, serve's first build renders everything again (another writer).
    assert subprocess.run([sys.executable, "-m", "generator", "build", "--root", str(root)],
                          capture_output=True, timeout=120).returncode == 0
    server = start_server(root)
    config = (root / "site.yaml").read_text("utf-8")
    for round_ in range(3):  # a new site title re-renders every page
        save(root / "site.yaml", config.replace("title: Synthetic explainers", f"title: Desk {round_}"))
        # A hang or a stop never recovers; a slow build under load does: 60 s tells them apart.
        wait_until(lambda: f"Desk {round_}" in server.page("/"), timeout=60, what=f"title {round_}")
        assert server.proc.poll() is None and "stopping" not in server.stderr, server.stderr
    assert server.stop() == 0
