"""The HTTP side of `serve`, on tornado: site files, the live script and the reload socket.

Tornado rather than `livereload` (which is a thin layer over tornado, see
`generator.serve`) or `http.server`: it gives an asyncio HTTP/1.1 server
that needs no thread per connection, sockets bound before the first build
(so `--port 0` is known and a busy port is dealt with at once), and a tested
WebSocket implementation. WebSocket rather than Server-Sent Events
because a browser allows only six HTTP/1.1 connections per host: with an
event stream held open by each tab, the seventh tab of the preview hangs.
"""

from __future__ import annotations

import asyncio
import errno
import json
import socket
import sys
from http.client import responses
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from tornado import web, websocket
from tornado.httpserver import HTTPServer
from tornado.netutil import bind_sockets

from generator.serve import paths
from generator.serve.accept import Exhaustion, out_of_descriptors
from generator.serve.live import LiveState
from generator.serve.pages import LIVE_JS, SCRIPT_PATH, SOCKET_PATH, inject, not_built_page, not_found_page

_COMMON_HEADERS = {
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}
"""`no-store`: a preview must never show a stale page, not even from the back button's cache."""

_SVG_POLICY = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"
"""An SVG opened directly runs its scripts with this origin's rights; forbid them."""


DEFAULT_PORT = 8000
PORT_ATTEMPTS = 100
"""Without --port: DEFAULT_PORT or one of the next 99, the first that is free."""

_IN_USE = {errno.EADDRINUSE, getattr(errno, "WSAEADDRINUSE", errno.EADDRINUSE)}
"""Windows reports a busy port with its own socket error number."""


def listen(host: str, port: int | None) -> list[socket.socket]:
    """Sockets listening on `host`: on `port`, or without one on the first free port from DEFAULT_PORT.

    As with Hugo: a port the user chose is taken or fails (OSError), since they
    meant it (a bookmark, a script, a tunnel); `0` lets the system choose. The
    default moves on to the next free port, as Vite and Hugo do, so a second
    preview (another project, or one left running) just starts; the caller says
    which port it got. Errors other than "in use" (an address not on this
    machine, a port needing privileges) fail at once.
    """
    if port is not None:
        return bind_sockets(port, address=host)
    last = min(DEFAULT_PORT + PORT_ATTEMPTS - 1, 65535)
    for candidate in range(DEFAULT_PORT, last + 1):
        try:
            return bind_sockets(candidate, address=host)
        except OSError as exc:
            if exc.errno not in _IN_USE:
                raise
    raise OSError(errno.EADDRINUSE, f"ports {DEFAULT_PORT} to {last} are all in use")


def listen_error(host: str, port: int | None, exc: OSError) -> str:
    """What went wrong in `listen`, and what to do about it."""
    if exc.errno in _IN_USE:
        hint = ("choose a --port (0 picks a free one)" if port is None
                else "choose another --port, or leave it out to take the next free one")
    else:
        hint = "check --host and --port (0 picks a free port)"
    return f"cannot listen on {host}:{DEFAULT_PORT if port is None else port}: {exc.strerror or exc}; {hint}"


LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "::1"})


def host_allowed(host_header: str, loopback_only: bool) -> bool:
    """Whether to answer a request with this Host header.

    A server on the loopback address answers only to loopback names. Otherwise a
    web page elsewhere could use DNS rebinding (its own name, re-pointed at
    127.0.0.1) to read the preview, drafts included. Serving on another address
    (`--host 0.0.0.0`) is a deliberate choice to be reached by any name.
    """
    if not loopback_only:
        return True
    try:
        name = urlsplit("//" + host_header).hostname or ""
    except ValueError:
        return False
    return name in LOOPBACK_NAMES or name.endswith(".localhost")


def _refuse_foreign_host(handler: web.RequestHandler, loopback_only: bool) -> None:
    if not host_allowed(handler.request.host, loopback_only):
        raise web.HTTPError(403)


class _Base(web.RequestHandler):
    loopback_only: bool
    """Whether only loopback Host names are answered: set by each handler's `initialize`."""

    def prepare(self) -> None:
        _refuse_foreign_host(self, self.loopback_only)

    def set_default_headers(self) -> None:
        self.clear_header("Server")
        for name, value in _COMMON_HEADERS.items():
            self.set_header(name, value)

    def compute_etag(self) -> None:
        return None  # with no-store there is nothing to revalidate

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        self.set_header("Content-Type", "text/plain; charset=utf-8")
        self.finish(f"{status_code} {responses.get(status_code, 'Error')}\n")


class SiteHandler(_Base):
    """Files of the output directory, with the live script (and overlay) injected into HTML."""

    def initialize(self, out_dir: Path, live: LiveState, exhaustion: Exhaustion,
                   loopback_only: bool = True) -> None:
        self.loopback_only = loopback_only
        self.out_dir = out_dir
        self.live = live
        self.exhaustion = exhaustion
        self.quiet = False
        """The error answered is already said in the terminal (see `_log_request`)."""

    def get(self) -> None:
        """Pages are small, so the file is read on the event loop: simpler, and still fast."""
        raw_path = self.request.path
        if not self.out_dir.is_dir():
            return self._page(503, not_built_page(), "")
        target = paths.resolve(self.out_dir, raw_path)
        if isinstance(target, paths.Redirect):
            query = f"?{self.request.query}" if self.request.query else ""
            return self.redirect(target.location + query, permanent=True)
        if target is None:
            return self._not_found(raw_path)
        try:
            data = paths.read_whole(target.path)
        except OSError as exc:
            if out_of_descriptors(exc):  # the file is there; this process cannot open one more
                self.exhaustion.failed(exc)
                self.quiet = True
                self.set_status(503)
                self.set_header("Retry-After", "1")
                self.set_header("Content-Type", "text/plain; charset=utf-8")
                self.finish("503 Service Unavailable: out of file descriptors, try again\n")
                return
            return self._not_found(raw_path)  # vanished, or swapped for a directory, since resolve()
        kind = paths.content_type(target.path)
        if kind.startswith("text/html"):
            data = inject(data, self.live.tags_for(target.page))
        elif kind == "image/svg+xml":
            self.set_header("Content-Security-Policy", _SVG_POLICY)
        self.set_header("Content-Type", kind)
        self.finish(data)

    head = get

    def _not_found(self, raw_path: str) -> None:
        self._page(404, not_found_page(raw_path), "")

    def _page(self, status: int, html: bytes, page: str) -> None:
        self.set_status(status)
        self.set_header("Content-Type", "text/html; charset=utf-8")
        self.finish(inject(html, self.live.tags_for(page)))


class ScriptHandler(_Base):
    def initialize(self, loopback_only: bool = True) -> None:
        self.loopback_only = loopback_only

    def get(self) -> None:
        self.set_header("Content-Type", "text/javascript; charset=utf-8")
        self.finish(LIVE_JS)

    head = get


class ReloadSocket(websocket.WebSocketHandler):
    """One open page. Tornado's default `check_origin` refuses other sites' pages,
    so a page elsewhere cannot listen in on the build."""

    def initialize(self, live: LiveState, loopback_only: bool = True) -> None:
        self.live = live
        self.loopback_only = loopback_only

    def prepare(self) -> None:
        _refuse_foreign_host(self, self.loopback_only)

    def set_default_headers(self) -> None:
        self.clear_header("Server")

    def open(self, *args: str, **kwargs: str) -> None:
        self.live.clients.add(self)
        self.send(json.dumps(self.live.hello()))

    def on_message(self, message: str | bytes) -> None:
        pass  # pages only listen

    def on_close(self) -> None:
        self.live.clients.discard(self)

    def send(self, text: str) -> None:
        try:
            self.write_message(text)
        except websocket.WebSocketClosedError:
            self.live.clients.discard(self)


def _log_request(handler: web.RequestHandler) -> None:
    """Quiet: the terminal is for build results. Only server errors are worth a line, and not
    those `Exhaustion` already said once."""
    if handler.get_status() >= 500 and not getattr(handler, "quiet", False):
        request = handler.request
        print(f"explainer: {handler.get_status()} {request.method} {request.uri}", file=sys.stderr)


def make_app(out_dir: Path, live: LiveState, loopback_only: bool,
             exhaustion: Exhaustion | None = None) -> web.Application:
    """The routes: the server's own endpoints under /__explainer__/, everything else from the
    preview folder. `exhaustion` is the server's (see `accept.Server`), when file reads run
    out of descriptors."""
    return web.Application(
        [
            (SCRIPT_PATH.replace(".", r"\."), ScriptHandler, {"loopback_only": loopback_only}),
            (SOCKET_PATH, ReloadSocket, {"live": live, "loopback_only": loopback_only}),
            (r"/.*", SiteHandler, {"out_dir": out_dir, "live": live, "loopback_only": loopback_only,
                                   "exhaustion": exhaustion or Exhaustion()}),
        ],
        log_function=_log_request,
        compress_response=False,
        debug=False,
        autoreload=False,
    )


async def close_clients(live: LiveState, server: HTTPServer, timeout: float = 0.5) -> None:
    """Stop listening, say goodbye to every page (1001 'going away'), and drop every connection.

    A browser answers the goodbye at once; a client that does not is cut off after
    `timeout`, so stopping never hangs on a stuck tab.
    """
    server.stop()
    # Kept before saying goodbye: `close` lets go of the handler's connection.
    connections = [client.ws_connection for client in live.clients if isinstance(client, ReloadSocket)]
    for client in list(live.clients):
        assert isinstance(client, ReloadSocket)
        client.close(1001, "server stopped")
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while live.clients and loop.time() < deadline:
        await asyncio.sleep(0.02)
    for connection in connections:
        if connection is not None and connection.stream is not None:
            connection.stream.close()  # cut off, as tornado's own (private) `_abort` does
    try:
        await asyncio.wait_for(server.close_all_connections(), timeout)
    except TimeoutError:
        pass
