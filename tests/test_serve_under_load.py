"""`explainer serve` under load (issue #7, part 6).

The real server (`python -m generator serve --port 0`) gets 200 concurrent GET requests (CI;
2,000 in the long run) for a mix of pages, assets, missing pages and path-traversal attempts,
while another thread keeps saving explainer files as editors do (write a temporary file, rename
it over the original) so that the server rebuilds all along. Then:

- the server never crashes: it still answers afterwards, and exits 0 on SIGTERM;
- no answer is a 5xx;
- every 200 answer for an HTML page is a whole document: it parses, ends with `</html>`, and
  holds the injected live-reload script;
- every traversal attempt is a 404, and no answer ever holds a byte of what lies outside the
  preview folder it serves, `.explainer-cache/preview/` (a marker is planted in content/,
  site.yaml, the cache folder around it and beside the project).
"""

from __future__ import annotations

import http.client
import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from helpers import assert_no_executable_markup, examples, make_project

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="signals and symlinks are POSIX here")

REQUESTS = examples(200, 2000)
SECRET = "SECRET-MARKER-NOT-FOR-THE-WEB"
LIVE_SCRIPT = b'<script src="/__explainer__/live.js"'


def explainer(i: int, version: int = 0) -> str:
    return (f"---\ntitle: Explainer {i}\nsummary: Summary {i}, version {version}.\npublished: 2024-01-{i + 1:02d}\n"
            f"tags: [topic-{i % 3}]\nactors:\n  person-{i}:\n    name: Person {i}\nclaims:\n  claim-{i}:\n"
            f"    by: person-{i}\n    text: Claim {i}.\n    status: disputed\n---\n"
            f"Body of {i}, version {version}. [Person](@person-{i}) made [a claim](@claim-{i}).\n\n"
            + "A paragraph of filler text to make the page a few kilobytes long. " * 40 + "\n")


TRAVERSALS = [
    "/../site.yaml", "/..%2fsite.yaml", "/%2e%2e/site.yaml", "/%2E%2E/%2E%2E/etc/passwd", "/..%5csite.yaml",
    "/%2e%2e%2fcontent%2fexplainers%2fe0.md", "/assets/../../site.yaml", "/e0/../../site.yaml",
    "/e0/%2e%2e/%2e%2e/site.yaml", "//etc/passwd", "/.explainer-cache/", "/.gitignore", "/content/explainers/e0.md",
    "/%c0%ae%c0%ae/site.yaml", "/..\\site.yaml", "/e0/index.html%00.txt", "/..;/site.yaml", "/secret.txt",
    "/linked-out/secret.txt", "/%2e%2e%2f%2e%2e%2fsecret.txt", "/site.yaml", "/../secret.txt", "/.site.staging-x/",
    "/C:/Windows/win.ini", "/e0/%252e%252e/%252e%252e/site.yaml", "/%00", "/e0%2f..%2f..%2fsite.yaml",
]
PAGES = ["/", "/e0/", "/e1/", "/e2/", "/e3/", "/e4/", "/actors/person-1/", "/tags/topic-0/", "/e2/explainer.json",
         "/feed.xml", "/sitemap.xml", "/assets/style.css", "/assets/explainer.js", "/e1", "/missing/", "/e3/#x",
         "/e0/?q=1", "/__explainer__/live.js"]


class Served:
    def __init__(self, root: Path):
        self.proc = subprocess.Popen([sys.executable, "-m", "generator", "serve", "--root", str(root), "--port", "0"],
                                     cwd=root, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.err: list[str] = []
        url = self.proc.stdout.readline().strip()  # type: ignore[union-attr]
        threading.Thread(target=lambda: self.err.extend(self.proc.stderr), daemon=True).start()  # type: ignore[arg-type]
        assert url.startswith("http://"), "".join(self.err)
        host, port = url.removeprefix("http://").rstrip("/").rsplit(":", 1)
        self.host, self.port = host, int(port)

    def get(self, path: str) -> tuple[int, dict[str, str], bytes]:
        """One request, the path sent exactly as given (http.client does not normalise it)."""
        conn = http.client.HTTPConnection(self.host, self.port, timeout=30)
        try:
            conn.putrequest("GET", path, skip_accept_encoding=True)
            conn.endheaders()
            response = conn.getresponse()
            return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
        finally:
            conn.close()

    def raw(self, request: bytes) -> bytes:
        """A request written byte for byte, for what http.client refuses to send."""
        with socket.create_connection((self.host, self.port), timeout=30) as sock:
            sock.sendall(request)
            chunks = []
            while True:
                chunk = sock.recv(65536)
                if not chunk:
                    break
                chunks.append(chunk)
            return b"".join(chunks)


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[Served, Path]]:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text(SECRET)
    (tmp_path / "secret.txt").write_text(SECRET)
    files = {f"content/explainers/e{i}.md": explainer(i) for i in range(6)}
    files["content/notes.txt"] = SECRET
    files["site.yaml"] = f"title: The Desk\ndescription: Not {SECRET[:6]}\n"
    files["secret.txt"] = SECRET
    root = make_project(tmp_path / "project", files)
    (root / ".explainer-cache").mkdir()
    (root / ".explainer-cache/secret.txt").write_text(SECRET)
    server = Served(root)
    (root / ".explainer-cache/preview/linked-out").symlink_to(outside, target_is_directory=True)  # gone after a full rebuild
    yield server, root
    if server.proc.poll() is None:
        server.proc.kill()
        server.proc.wait()


def save(path: Path, text: str) -> None:
    """As editors save: a temporary file beside the target, renamed over it."""
    temp = path.with_name(f".{path.name}.swp")
    temp.write_text(text, encoding="utf-8")
    os.replace(temp, path)


def test_serve_under_load_while_files_change(served) -> None:
    server, root = served
    stop = threading.Event()
    saves = [0]

    def edit() -> None:
        rng = random.Random(1)
        version = 0
        while not stop.is_set():
            version += 1
            i = rng.randrange(6)
            save(root / f"content/explainers/e{i}.md", explainer(i, version))
            saves[0] += 1
            # Slower than the watcher's 60 ms debounce, so that each save (mostly) makes a build.
            time.sleep(rng.uniform(0.08, 0.2))

    editor = threading.Thread(target=edit, daemon=True)
    editor.start()
    rng = random.Random(2)
    # Spread over about two seconds (a request takes a millisecond), so that rebuilds happen
    # while requests are in flight; up to 64 at once.
    spread = examples(2.0, 10.0)
    requests = [(rng.choice(TRAVERSALS if rng.random() < 0.35 else PAGES), rng.uniform(0, spread))
                for _ in range(REQUESTS)]
    started = time.monotonic()

    def fetch(request: tuple[str, float]) -> tuple[str, int, dict[str, str], bytes]:
        path, at = request
        time.sleep(max(0.0, started + at - time.monotonic()))
        return (path, *server.get(path))

    with ThreadPoolExecutor(max_workers=64) as pool:
        answers = list(pool.map(fetch, requests))
    stop.set()
    editor.join(10)
    assert saves[0] > 5, "the files barely changed during the run"

    for path, status, headers, body in answers:
        assert status < 500, f"{path}: {status}"
        assert SECRET.encode() not in body, f"{path}: the answer holds what is outside the preview folder"
        if path in TRAVERSALS:
            assert status == 404, f"{path}: {status}"
            continue
        if status == 200 and headers.get("content-type", "").startswith("text/html"):
            stripped = body.rstrip()
            assert stripped.endswith(b"</html>"), f"{path}: an incomplete page ({len(body)} bytes)"
            assert LIVE_SCRIPT in body, f"{path}: no live-reload script"
            assert_no_executable_markup(body.replace(LIVE_SCRIPT, b"<script src=\"/assets/explainer.js\""), name=path)
        elif path in ("/e1",):
            assert status == 301
    statuses = {status for _, status, _, _ in answers}
    assert 200 in statuses and 404 in statuses

    # Request targets that http.client would not send as they are.
    for request in (b"GET http://127.0.0.1/../site.yaml HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n",
                    b"GET ../site.yaml HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n",
                    b"GET /%2e%2e/secret.txt HTTP/1.0\r\nHost: localhost\r\n\r\n",
                    b"GET /\x7f/../site.yaml HTTP/1.0\r\nHost: localhost\r\n\r\n",
                    b"GET /e0/\xff/../../site.yaml HTTP/1.0\r\nHost: localhost\r\n\r\n",
                    b"GET /e0/ HTTP/1.1\r\nHost: evil.example\r\nConnection: close\r\n\r\n"):
        reply = server.raw(request)
        assert reply.split(b" ", 2)[1] in (b"400", b"403", b"404"), reply[:200]
        assert SECRET.encode() not in reply

    # Still alive and answering; the last save shows; a clean stop.
    status, _, body = server.get("/e0/")
    assert status == 200 and body.rstrip().endswith(b"</html>")
    server.proc.send_signal(signal.SIGTERM)
    assert server.proc.wait(30) == 0
    time.sleep(0.2)  # the stderr reader catches up
    assert "Traceback" not in "".join(server.err)
    assert sum("rebuilt" in line for line in server.err) >= 3, "".join(server.err)


# -- out of file descriptors (issue #15) ------------------------------------------------------

DESCRIPTOR_LIMIT = 128
OUT_OF_DESCRIPTORS = ("explainer: out of file descriptors (96 in use, the rest kept for files and builds): "
                      "new connections wait until open ones close (raise the limit with 'ulimit -n')")


def test_serve_out_of_file_descriptors_says_so_once_and_keeps_serving(tmp_path: Path) -> None:
    """`serve` with a limit of 128 descriptors, flooded with connections until it cannot take
    more (21,000 connections printed 19,458 tracebacks, and the event loop spun on them):
    one line when it runs out and one when it takes connections again, no traceback; a page
    asked on a connection opened before the flood is still served; once the flood is over,
    a new connection is served."""
    import resource

    root = make_project(tmp_path / "project", {f"content/explainers/e{i}.md": explainer(i) for i in range(2)})

    def low_limit() -> None:
        resource.setrlimit(resource.RLIMIT_NOFILE, (DESCRIPTOR_LIMIT, DESCRIPTOR_LIMIT))

    proc = subprocess.Popen([sys.executable, "-m", "generator", "serve", "--root", str(root), "--port", "0"],
                            cwd=root, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            preexec_fn=low_limit)
    err: list[str] = []
    try:
        url = proc.stdout.readline().strip()  # type: ignore[union-attr]
        threading.Thread(target=lambda: err.extend(proc.stderr), daemon=True).start()  # type: ignore[arg-type]
        assert url.startswith("http://"), "".join(err)
        host, port = url.removeprefix("http://").rstrip("/").rsplit(":", 1)
        before = http.client.HTTPConnection(host, int(port), timeout=10)
        before.request("GET", "/e0/")
        assert before.getresponse().read().rstrip().endswith(b"</html>")
        flood = []
        try:
            while len(flood) < 3 * DESCRIPTOR_LIMIT:  # until the queue is full and connecting hangs
                flood.append(socket.create_connection((host, int(port)), timeout=0.5))
        except OSError:
            pass
        assert len(flood) > DESCRIPTOR_LIMIT
        started = time.monotonic()
        while OUT_OF_DESCRIPTORS + "\n" not in err and time.monotonic() - started < 10:
            time.sleep(0.05)
        time.sleep(0.5)  # accepting is retried ten times a second meanwhile
        before.request("GET", "/e1/")
        response = before.getresponse()
        assert response.status == 200 and response.read().rstrip().endswith(b"</html>")
        for sock in flood:
            sock.close()
        time.sleep(1.2)  # the condition is over once a connection comes a second after the last failure
        after = http.client.HTTPConnection(host, int(port), timeout=10)
        after.request("GET", "/e0/")
        response = after.getresponse()
        assert response.status == 200 and response.read().rstrip().endswith(b"</html>")
        after.close()
        before.close()
    finally:
        proc.send_signal(signal.SIGTERM)
        code = proc.wait(30)
    time.sleep(0.2)  # the stderr reader catches up
    said = [line.rstrip("\n") for line in err if "descriptors" in line or "Traceback" in line or "rebuilt" in line]
    assert code == 0
    assert said[0] == OUT_OF_DESCRIPTORS, "".join(err)
    assert len(said) == 2 and said[1].startswith("explainer: accepting connections again, after "), "".join(err)
    assert len(err) <= 8, "".join(err)  # and the start: a warning, "built", "serving", "stopped"


def test_accepting_pauses_when_accept_runs_out_of_descriptors(monkeypatch) -> None:
    """At the very limit (no room kept, or the system's table full: EMFILE, ENFILE), `accept`
    fails while the connection stays queued: accepting pauses and is retried, the condition
    is said once, and the queued connection is served when descriptors are free again."""
    import asyncio
    import errno

    from tornado import web
    from generator.serve import accept

    monkeypatch.setattr(accept, "RECOVERED_SECONDS", 0.3)
    said: list[str] = []
    failures = [0]

    class Flaky:
        """A listening socket whose `accept` runs out of descriptors 20 times (2 s of retries)."""

        def __init__(self, sock: socket.socket):
            self.sock = sock

        def fileno(self) -> int:
            return self.sock.fileno()

        def accept(self):  # type: ignore[no-untyped-def]
            if failures[0] < 20:
                failures[0] += 1
                raise OSError(errno.EMFILE, "Too many open files")
            return self.sock.accept()

    class Hello(web.RequestHandler):
        def get(self) -> None:
            self.finish("hello")

    async def run() -> tuple[bytes, bytes]:
        listener = socket.create_server(("127.0.0.1", 0))
        listener.setblocking(False)
        port = listener.getsockname()[1]
        server = accept.Server(web.Application([(r"/", Hello)]), exhaustion=accept.Exhaustion(said.append))
        remove = accept.add_accept_handler(Flaky(listener), server._handle_connection, server.exhaustion)

        def get() -> bytes:
            with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
                sock.sendall(b"GET / HTTP/1.0\r\nHost: localhost\r\n\r\n")
                return b"".join(iter(lambda: sock.recv(65536), b""))

        first = await asyncio.to_thread(get)  # waits in the queue through the failures
        await asyncio.sleep(0.4)
        second = await asyncio.to_thread(get)
        remove()
        listener.close()
        return first, second

    # On a thread of its own: a test before this one may leave an event loop running here.
    results: list[tuple[bytes, bytes]] = []
    runner = threading.Thread(target=lambda: results.append(asyncio.run(run())))
    runner.start()
    runner.join(30)
    first, second = results[0]
    assert failures[0] == 20
    assert first.endswith(b"hello") and second.endswith(b"hello")
    assert len(said) == 2, said
    assert said[0] == ("out of file descriptors (Too many open files): new connections wait until open ones "
                       "close (raise the limit with 'ulimit -n')")
    assert said[1].startswith("accepting connections again, after ") and said[1].endswith(" s out of file descriptors")
