"""Accepting connections when the process runs out of file descriptors.

Every connection `serve` holds is a file descriptor. When the process limit
(`ulimit -n`, often 1,024) or the system's is reached, `accept` fails with
EMFILE or ENFILE, and the waiting connection stays queued, so the listening
socket stays readable. Tornado's accept handler lets that error escape into
the event loop, which logs a traceback and calls the handler again at once:
21,000 open connections printed 19,458 tracebacks, and the loop spun on them.

Here the server stops watching the listening socket for a moment instead
(`PAUSE_SECONDS`), tries again, and says once that it is out of descriptors
and once that it accepts connections again (`Exhaustion`). It stops a little
before the limit (`HEADROOM`), so that the connections already open are
still served: a page is a file to open. Connections that arrive meanwhile
wait in the queue and are accepted as soon as descriptors are free.
"""

from __future__ import annotations

import errno
import os
import socket
import sys
import time
from collections.abc import Callable, Iterable
from typing import Any

from tornado.httpserver import HTTPServer
from tornado.ioloop import IOLoop

PAUSE_SECONDS = 0.1
"""How long accepting pauses after running out of descriptors before it tries again."""

OUT_OF_DESCRIPTORS = frozenset({errno.EMFILE, errno.ENFILE, errno.ENOBUFS, errno.ENOMEM})
"""`accept` errors that mean "no resources for one more connection now", not a bad socket."""

HEADROOM = 64
"""Descriptors kept free for reading the files pages are served from, for the watcher and for
builds (at most a quarter of the limit): a flood of connections takes the others, and the
open pages are still served."""

_ACCEPTS_PER_EVENT = 128
"""As tornado: at most this many connections are accepted per readiness event, so a flood
of new connections cannot starve the ones already open."""


def out_of_descriptors(exc: BaseException) -> bool:
    return isinstance(exc, OSError) and exc.errno in OUT_OF_DESCRIPTORS


RECOVERED_SECONDS = 1.0
"""The condition is over once a connection is accepted this long after the last failure: at
the limit, each closed connection lets one more in and the next fails, and that see-saw must
not print a pair of lines per connection."""


class Exhaustion:
    """Whether the server is out of descriptors; says so once when that starts and once when it
    is over, however many connections or file reads meet it in between."""

    def __init__(self, say: Callable[[str], None] | None = None):
        self.say = say or (lambda text: print(f"explainer: {text}", file=sys.stderr, flush=True))
        self.since: float | None = None
        """When the condition started (None: not out of descriptors)."""
        self.last_failure = 0.0

    def failed(self, exc: OSError) -> None:
        """An `accept` or a file read ran out of descriptors."""
        self.last_failure = time.monotonic()
        if self.since is None:
            self.since = self.last_failure
            self.say(f"out of file descriptors ({exc.strerror or exc}): new connections wait until "
                     "open ones close (raise the limit with 'ulimit -n')")

    def accepted(self) -> None:
        """A connection was accepted."""
        if self.since is not None and time.monotonic() - self.last_failure >= RECOVERED_SECONDS:
            self.say(f"accepting connections again, after {time.monotonic() - self.since:.1f} s "
                     "out of file descriptors")
            self.since = None


def descriptor_ceiling() -> int | None:
    """The lowest descriptor number at which to stop accepting: `HEADROOM` below the process
    limit (None where there is no limit to read, or none worth the name)."""
    try:
        import resource
    except ImportError:  # Windows
        return None
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == resource.RLIM_INFINITY or soft > 1 << 20:
        return None
    return soft - min(HEADROOM, soft // 4)


def add_accept_handler(sock: socket.socket, callback: Callable[[socket.socket, Any], None],
                       exhaustion: Exhaustion, ceiling: int | None = None) -> Callable[[], None]:
    """`tornado.netutil.add_accept_handler`, but accepting pauses when descriptors run out
    (see the module's docstring), or when a new connection's descriptor is `ceiling` or more:
    descriptors are numbered lowest free first, so every lower one is in use, and the rest
    are kept for reading files and building. Returns the function that stops accepting."""
    loop = IOLoop.current()
    state = {"removed": False, "watching": True}

    def pause(reason: OSError) -> None:
        exhaustion.failed(reason)
        if state["watching"]:
            state["watching"] = False
            loop.remove_handler(sock)
        loop.call_later(PAUSE_SECONDS, resume)

    def resume() -> None:
        if state["removed"] or state["watching"]:
            return
        if ceiling is not None and _lowest_free(sock) >= ceiling:
            return pause(_over_ceiling(ceiling))
        state["watching"] = True
        loop.add_handler(sock, accept, IOLoop.READ)

    def accept(fd: Any, events: int) -> None:
        for _ in range(_ACCEPTS_PER_EVENT):
            if state["removed"]:
                return
            try:
                connection, address = sock.accept()
            except BlockingIOError:
                return  # every waiting connection is accepted
            except ConnectionAbortedError:
                continue  # closed while it waited in the queue
            except OSError as exc:
                if not out_of_descriptors(exc):
                    raise
                return pause(exc)
            exhaustion.accepted()
            callback(connection, address)
            if ceiling is not None and connection.fileno() >= ceiling:
                return pause(_over_ceiling(ceiling))

    def remove() -> None:
        if state["watching"]:
            loop.remove_handler(sock)
        state["removed"] = True

    loop.add_handler(sock, accept, IOLoop.READ)
    return remove


def _lowest_free(sock: socket.socket) -> int:
    """The number the next descriptor would get (`dup` gives the lowest free one)."""
    try:
        probe = os.dup(sock.fileno())
    except OSError:
        return sys.maxsize
    os.close(probe)
    return probe


def _over_ceiling(ceiling: int) -> OSError:
    return OSError(errno.EMFILE, f"{ceiling} in use, the rest kept for files and builds")


class Server(HTTPServer):
    """Tornado's HTTP server with the accept handler above; `exhaustion` is shared with the
    request handlers, whose file reads can run out of descriptors too."""

    def initialize(self, *args: Any, exhaustion: Exhaustion | None = None, **kwargs: Any) -> None:
        super().initialize(*args, **kwargs)
        self.exhaustion = exhaustion or Exhaustion()

    def add_sockets(self, sockets: Iterable[socket.socket]) -> None:
        for sock in sockets:
            # What TCPServer.add_sockets does, with our handler: `stop()` finds both here.
            self._sockets[sock.fileno()] = sock
            self._handlers[sock.fileno()] = add_accept_handler(sock, self._handle_connection, self.exhaustion,
                                                               descriptor_ceiling())
