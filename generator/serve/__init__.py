"""`explainer serve`: build a preview, serve it, rebuild on every save and update the open pages.

The preview (drafts included) is built in a folder of its own, never in the
publishable `site/` (see `generator.serve.preview`).

Why not the `livereload` package (2.7), which the project first planned to use:
it cannot meet what this command promises.

- `--port 0`: it calls `app.listen(port)` and keeps no server object, so the
  port the system picked is never known; it even logs `http://127.0.0.1:0`.
- Clean stop: it catches KeyboardInterrupt only; SIGTERM kills it without cleanup.
- Builds: its watcher runs the build callback on the IOLoop thread, so no page
  is served while the site builds, and it drops any change that comes less than
  3 s after the previous reload (`DEFAULT_RELOAD_TIME`): a quick second save is lost.
- CSS swap: it decides "live CSS" from the *source* file's extension; here the
  sources are Markdown and YAML and only the build knows which *outputs* changed.
- Overlay: it injects one fixed script into `</head>` of the first chunk; there is
  no way to inject per-request content such as the current errors.
- Paths: a path outside the root gets 403 rather than 404, and its state is global
  (class attributes, a monkey-patched `StaticFileHandler`).

`livereload` is itself a thin layer over tornado, so this module uses tornado
directly (see `generator.serve.server`): an asyncio server, a WebSocket for
the reload channel, and our own safe file handler (`generator.serve.paths`).
The watcher polls (`generator.serve.watch`) and builds on its own thread, so
serving never waits for a build.

Threads: the main thread runs the event loop (HTTP, WebSocket, signals);
`explainer-watch` scans and builds. On SIGINT or SIGTERM the watcher finishes
the build in progress (so no staging directory is left behind), pages are told
the server is going away, connections are closed, and `serve` returns 0.
"""

from __future__ import annotations

import asyncio
import ipaddress
import signal
import socket
import sys
import threading
import time
import traceback
import webbrowser
from collections.abc import Callable, Sequence
from pathlib import Path
from types import FrameType
from typing import Any

from tornado.httpserver import HTTPServer

from generator import render
from generator.config import BuildOptions
from generator.diagnostics import BuildFailed, Diagnostic, errors_in
from generator.pipeline import Builder
from generator.serve import server as web_server
from generator.serve.accept import Exhaustion, Server
from generator.serve.live import BuildOutcome, LiveState, reload_action
from generator.serve.preview import PreviewFolder, preview_folder
from generator.serve.server import close_clients, listen, listen_error, make_app
from generator.serve.watch import Watcher, scan
from generator.workers.parallel import default_jobs
from generator.write import OutputError

__all__ = ["serve"]


def serve(root: Path, host: str = "127.0.0.1", port: int | None = None, open_browser: bool = False) -> int:
    """Build `root` into its preview folder (see `preview`), serve it until SIGINT/SIGTERM,
    rebuilding on change. `site/` is never read or written.

    Without `port`, port 8000 or the next free one (`server.listen`). The first
    line on stdout is the URL, printed once the first build is over (successful
    or not), so a script that reads it knows the site is there. Returns the exit
    status: 0 after a clean stop, 1 if the address cannot be used, 2 for a port
    out of range.
    """
    if port is not None and not 0 <= port <= 65535:
        print(f"explainer: error: port {port} is out of range (0-65535; 0 picks a free one)", file=sys.stderr)
        return 2
    previous_term = _interrupt_on_sigterm()
    try:
        try:
            sockets = listen(host, port)
        except OSError as exc:
            print(f"explainer: error: {listen_error(host, port, exc)}", file=sys.stderr)
            return 1
        if port is None and sockets[0].getsockname()[1] != web_server.DEFAULT_PORT:
            print(f"explainer: port {web_server.DEFAULT_PORT} is in use; serving on {display_url(sockets)} instead",
                  file=sys.stderr, flush=True)
        # Drafts and embargoed explainers are shown while writing, each with a banner saying so:
        # the preview is built in a folder of its own, so that site/ never holds them. The assets
        # keep their plain names, so that an edited style sheet is swapped into open pages (see
        # `live`) instead of every page changing to link a new name. No search index: its search
        # page says that search works in the built site (docs/search.md).
        folder = preview_folder(Path(root))
        try:
            options = BuildOptions(root=Path(root), out_dir=folder.path, jobs=default_jobs(), drafts=True,
                                   fingerprint_assets=False, search_index=False)
            return asyncio.run(_serve(options, sockets, open_browser, folder))
        finally:
            folder.remove()
    except KeyboardInterrupt:  # a signal before the event loop took over
        return 0
    finally:
        signal.signal(signal.SIGTERM, previous_term)


_SignalHandler = Callable[[int, FrameType | None], Any] | int | signal.Handlers | None
"""What `signal.signal` sets and returns."""


def _interrupt_on_sigterm() -> _SignalHandler:
    """Until the event loop installs its handlers, SIGTERM stops like Ctrl-C instead of killing."""
    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt
    return signal.signal(signal.SIGTERM, interrupt)


async def _serve(options: BuildOptions, sockets: list[socket.socket], open_browser: bool, folder: PreviewFolder) -> int:
    """First build, then serve until a stop signal; always closes everything it opened."""
    session = Session(options, asyncio.get_running_loop(), folder)
    remove_handlers = _on_stop_signals(session.loop, session.request_stop)
    try:
        await session.first_build()
        if session.stopping.is_set():
            return 0
        url = session.start(sockets)
        sockets = []
        if open_browser:
            session.loop.run_in_executor(None, webbrowser.open, url)
        await session.stopping.wait()
        return 0
    finally:
        for sock in sockets:  # only if stopped before serving
            sock.close()
        await session.close()
        remove_handlers()


class Session:
    """One run of the preview: builder, live state, watcher and HTTP server.

    Builds run off the event loop (the first in the default executor, later ones
    on the watcher thread) and hand their outcome to the loop, which alone
    touches `live` and the connections.
    """

    def __init__(self, options: BuildOptions, loop: asyncio.AbstractEventLoop, folder: PreviewFolder):
        self.options = options
        self.loop = loop
        self.stopping = asyncio.Event()
        self.terminal = Terminal(options.root)
        self.live = LiveState()
        # In a temporary folder (an untrusted .explainer-cache/), without a cache, and alone.
        self.builder = Builder(options, use_cache=folder.use_cache, resident=True,
                               private_output=folder.temporary is not None)
        self.watched = watched_paths(options.root)
        self.building = threading.Event()
        self.server: HTTPServer | None = None
        self.watcher: Watcher | None = None

    def request_stop(self) -> None:
        if self.stopping.is_set():
            return
        self.stopping.set()
        if self.building.is_set():
            self.terminal.say("stopping once the build in progress is finished")

    async def first_build(self) -> None:
        before = scan(self.watched)  # taken first, so a save during this build is not missed
        outcome = await asyncio.to_thread(self._build)
        self.terminal.first_build(outcome, self.options.out_dir)
        self.live.apply(outcome)
        self.watcher = Watcher(self.watched, self.rebuild, initial=before)

    def start(self, sockets: list[socket.socket]) -> str:
        """Serve on the bound sockets, start watching, print the URL; returns it."""
        url = display_url(sockets)
        exhaustion = Exhaustion(self.terminal.say)  # one line when descriptors run out, one when free
        self.server = Server(make_app(self.options.out_dir, self.live, loopback_only(sockets), exhaustion),
                             exhaustion=exhaustion)
        self.server.add_sockets(sockets)
        print(url, flush=True)
        self.terminal.say(f"serving the preview built in {_shown(self.options.root, self.options.out_dir)}/ "
                          f"(site/ is left alone) at {url} (Ctrl-C stops); "
                          "rebuilding when content/, templates/, site.yaml or the theme change")
        assert self.watcher is not None
        self.watcher.start()
        return url

    def rebuild(self, changed_sources: list[str]) -> None:
        """The watcher's callback, on its thread: build, report, tell the pages."""
        outcome = self._build()
        self.terminal.rebuild(outcome, changed_sources)
        self.loop.call_soon_threadsafe(self.live.publish, outcome)

    def _build(self) -> BuildOutcome:
        self.building.set()
        try:
            return run_build(self.builder)
        finally:
            self.building.clear()

    async def close(self) -> None:
        if self.watcher is not None:
            await asyncio.to_thread(self.watcher.stop)
        if self.server is not None:
            await close_clients(self.live, self.server)
            self.terminal.say("stopped")


def _on_stop_signals(loop: asyncio.AbstractEventLoop, stop: Callable[[], None]) -> Callable[[], None]:
    """Route SIGINT and SIGTERM to `stop` on the loop; returns the undo.

    With the loop's own handlers a signal never interrupts Python code half-way
    (no KeyboardInterrupt inside a build or a response): it only schedules `stop`,
    and a second Ctrl-C during the shutdown changes nothing.
    """
    signals = [signal.SIGINT, signal.SIGTERM]
    try:
        for sig in signals:
            loop.add_signal_handler(sig, stop)
    except NotImplementedError:  # Windows: plain handlers, forwarded to the loop
        previous = {sig: signal.signal(sig, lambda *_: loop.call_soon_threadsafe(stop)) for sig in signals}

        def restore() -> None:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
        return restore

    def remove() -> None:
        for sig in signals:
            loop.remove_signal_handler(sig)
    return remove


def watched_paths(root: Path) -> list[Path]:
    """The build's inputs: content/, templates/, i18n/, site.yaml, and the built-in theme.

    The theme is watched too so that theme work (in an editable install) reloads
    like everything else; it is a handful of files.
    """
    paths = [root / "content", root / "templates", root / "i18n", root / "site.yaml"]
    theme = getattr(render, "THEME_DIR", None)
    if theme is not None:
        paths.append(Path(theme))
    return paths


def run_build(builder: Builder) -> BuildOutcome:
    """One build; every way it can fail becomes errors for the overlay, never an exception.

    The server must outlive any broken edit. Content and template errors arrive as
    `BuildFailed`; file-system trouble as OSError or OutputError; anything else is
    a bug in the generator, shown with its traceback in the terminal.
    """
    started = time.perf_counter()
    try:
        report = builder.build()
        return BuildOutcome(report=report, seconds=time.perf_counter() - started)
    except BuildFailed as exc:
        diagnostics = exc.diagnostics
    except OutputError as exc:
        diagnostics = [Diagnostic(str(exc))]
    except OSError as exc:
        where = f": {exc.filename}" if exc.filename else ""
        diagnostics = [Diagnostic(f"{exc.strerror or exc}{where}")]
    except Exception as exc:  # noqa: BLE001 - a generator bug must not stop the preview
        traceback.print_exc(file=sys.stderr)
        diagnostics = [Diagnostic(f"internal error: {type(exc).__name__}: {exc} (traceback in the terminal)")]
    return BuildOutcome(errors=diagnostics, seconds=time.perf_counter() - started)


class Terminal:
    """Build results on stderr: errors in the contract's one-line form, one summary line per build."""

    def __init__(self, root: Path):
        self.root = root
        self.warnings: list[str] = []

    def say(self, text: str) -> None:
        print(f"explainer: {text}", file=sys.stderr, flush=True)

    def first_build(self, outcome: BuildOutcome, out_dir: Path) -> None:
        if outcome.report is not None:
            self._warnings(outcome.report.warnings)
            report = outcome.report
            self.say(f"built {report.files} files ({report.pages} pages) in {_duration(outcome.seconds)}")
        else:
            self._errors(outcome.errors, "no preview to serve yet" if not out_dir.is_dir()
                         else "serving the previous preview")

    def rebuild(self, outcome: BuildOutcome, changed_sources: Sequence[str]) -> None:
        what = describe_changes(self.root, changed_sources)
        if outcome.report is None:
            self._errors(outcome.errors, "still serving the last good site", prefix=f"{what}: ")
            return
        self._warnings(outcome.report.warnings)
        changed = outcome.report.changed
        effect = {"ok": "no output changed", "css": "stylesheets swapped"}.get(
            reload_action(changed), f"{len(changed)} file{'s' if len(changed) != 1 else ''} changed")
        self.say(f"{what}: rebuilt in {_duration(outcome.seconds)}, {effect}")

    def _errors(self, errors: Sequence[Diagnostic], consequence: str, prefix: str = "") -> None:
        for diagnostic in errors:
            print(diagnostic, file=sys.stderr)
        count = len(errors_in(errors)) or len(errors)
        self.say(f"{prefix}{count} error{'s' if count != 1 else ''}; {consequence}")

    def _warnings(self, warnings: Sequence[Diagnostic]) -> None:
        """Warnings are printed when they change, not after every save."""
        lines = [str(w) for w in warnings]
        if lines != self.warnings:
            for line in lines:
                print(line, file=sys.stderr)
            self.warnings = lines


def _duration(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms" if seconds < 1 else f"{seconds:.2f} s"


def describe_changes(root: Path, changed_sources: Sequence[str]) -> str:
    """'content/explainers/a.md', or 'content/a.md, templates/b.html and 3 more'."""
    shown = [_shown(root, Path(p)) for p in changed_sources[:2]]
    more = len(changed_sources) - len(shown)
    return ", ".join(shown) + (f" and {more} more" if more > 0 else "")


def _shown(root: Path, path: Path) -> str:
    """A path as the author knows it: relative to the project, or to the built-in theme."""
    theme = getattr(render, "THEME_DIR", None)
    for base, label in ((root, ""), (theme, "(built-in theme)")):
        if base is None:
            continue
        try:
            relative = Path(path).resolve().relative_to(Path(base).resolve()).as_posix()
        except ValueError:
            continue
        if relative == ".":
            return label or "."
        return f"{label}/{relative}" if label else relative
    return str(path)


def loopback_only(sockets: list[socket.socket]) -> bool:
    """True when every socket listens on a loopback address (the default, 127.0.0.1)."""
    return all(ipaddress.ip_address(sock.getsockname()[0].split("%")[0]).is_loopback for sock in sockets)


def display_url(sockets: list[socket.socket]) -> str:
    """The URL to open: the bound address, with 'all interfaces' shown as the loopback."""
    host, port = sockets[0].getsockname()[:2]
    if host in ("0.0.0.0", ""):
        host = "127.0.0.1"
    elif host == "::":
        host = "::1"
    if ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{port}/"
