"""`explainer serve` under load (issue #7, part 6).

The real server (`python -m generator serve --port 0`) gets 200 concurrent GET requests (CI;
2,000 in the long run) for a mix of pages, assets, missing pages and path-traversal attempts,
while another thread keeps saving explainer files as editors do (write a temporary file, rename
it over the original) so that the server rebuilds all along. Then:

- the server never crashes: it still answers afterwards, and exits 0 on SIGTERM;
- no answer is a 5xx;
- every 200 answer for an HTML page is a whole document: it parses, ends with `</html>`, and
  holds the injected live-reload script;
- every traversal attempt is a 404, and no answer ever holds a byte of what lies outside site/
  (a marker is planted in content/, site.yaml, the cache and beside the project).
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
from helpers import make_project
from test_hardening_common import assert_no_executable_markup, examples

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
    (root / "site/linked-out").symlink_to(outside, target_is_directory=True)  # gone after a full rebuild
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
        assert SECRET.encode() not in body, f"{path}: the answer holds what is outside site/"
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
