#!/usr/bin/env python3
"""Save-to-reload latency of `explainer serve` on a synthetic project. Not a test: it measures.

    .venv/bin/python bench/bench_serve.py [--explainers 1000] [--edits 20] [--seed 0]

1. writes a project of N explainers (bench/synth.py) into a temporary directory;
2. starts `python -m generator serve --port 0` on it and waits for the URL line,
   i.e. for the first build;
3. connects to the reload socket like a browser tab;
4. edits one explainer `--edits` times, changing one word of its body and saving
   as editors do (temp file, then rename), and for each save measures
   (a) save -> the new word is in .explainer-cache/preview/<slug>/index.html (serve's
       preview folder) on disk, and
   (b) save -> the `reload` message arrives on the socket;
5. prints p50/p95 of both (and of the server's own build time, from its log) and
   writes every sample to bench/out/serve.json.

Edits are spaced out (`--pause`) so each is its own burst; the latency therefore
includes the watcher's polling and debounce, as a user would experience it.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import platform
import queue
import random
import re
import shutil
import signal
import socket
import statistics
import struct
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from synth import MARKER, make_project  # noqa: E402

OUT = HERE / "out" / "serve.json"
TIMEOUT = 120.0
"""Longest wait for the first build, or for one edit to show."""


def main() -> int:
    args = _arguments()
    work = Path(tempfile.mkdtemp(prefix="bench-serve-"))
    try:
        started = time.perf_counter()
        make_project(work, args.explainers, args.seed)
        generated = time.perf_counter() - started
        result = run(work, args)
        result["project_seconds"] = round(generated, 3)
    finally:
        if args.keep:
            print(f"project kept in {work}", file=sys.stderr)
        else:
            shutil.rmtree(work, ignore_errors=True)
    _print_table(result)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(f"\nwrote {OUT.relative_to(HERE.parent)}")
    return 0


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--explainers", type=int, default=1000, metavar="N", help="explainers in the project (1000)")
    parser.add_argument("--edits", type=int, default=20, help="saves to measure (20)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the synthetic project (0)")
    parser.add_argument("--pause", type=float, default=0.3,
                        help="seconds between one edit's reload and the next save, plus 0-0.2 s at random (0.3)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary project")
    return parser.parse_args()


def run(root: Path, args: argparse.Namespace) -> dict:
    server = ServerProcess(root)
    try:
        channel = ReloadChannel(server.host, server.port)
        hello = channel.messages.get(timeout=TIMEOUT)[1]
        assert hello["type"] == "hello", hello
        slug = f"explainer-{args.explainers // 2}"
        source = root / "content" / "explainers" / f"{slug}.md"
        page = root / ".explainer-cache" / "preview" / slug / "index.html"
        original = source.read_text(encoding="utf-8")
        samples = []
        jitter = random.Random(args.seed)
        for i in range(args.edits):
            samples.append(_one_edit(source, page, original, f"{MARKER}edit{i}", channel))
            # Random extra wait, so saves do not fall in step with the watcher's polling.
            time.sleep(args.pause + jitter.uniform(0, 0.2))
        channel.close()
        code = server.stop()
    finally:
        server.kill()
    builds = [float(ms) / 1000 for ms in re.findall(r"rebuilt in ([0-9]+) ms", server.stderr)]
    builds += [float(s) for s in re.findall(r"rebuilt in ([0-9.]+) s", server.stderr)]
    disk = [s["disk_ms"] for s in samples]
    signal_ = [s["reload_ms"] for s in samples]
    return {
        "explainers": args.explainers, "edits": args.edits, "seed": args.seed, "pause": args.pause,
        "first_build_seconds": round(server.ready_seconds, 3),
        "exit_status": code,
        "save_to_disk_ms": _summary(disk),
        "save_to_reload_ms": _summary(signal_),
        "server_build_ms": _summary([b * 1000 for b in builds]),
        "samples": samples,
        "machine": {"python": platform.python_version(), "platform": platform.platform(),
                    "cpus": os.cpu_count()},
    }


def _one_edit(source: Path, page: Path, original: str, word: str, channel: "ReloadChannel") -> dict:
    """Save one edit; wait for the page on disk and for the reload message; times in ms."""
    channel.drain()
    saved = _save(source, original.replace(MARKER, word, 1))
    on_disk = _wait_for_word(page, word.encode(), saved)
    while True:
        received, message = channel.messages.get(timeout=TIMEOUT)
        if message["type"] == "reload":
            break
        if message["type"] == "errors":
            raise SystemExit(f"the edit broke the build: {message['errors'][:3]}")
    return {"disk_ms": round((on_disk - saved) * 1000, 1), "reload_ms": round((received - saved) * 1000, 1)}


def _save(path: Path, text: str) -> float:
    """Write a hidden temp file and rename it over `path`; returns the time of the rename."""
    temp = path.with_name(f".{path.name}.tmp")
    temp.write_text(text, encoding="utf-8")
    os.replace(temp, path)
    return time.perf_counter()


def _wait_for_word(page: Path, word: bytes, since: float) -> float:
    """Poll the page (a stat every millisecond, a read when it changed) until it holds `word`."""
    last = None
    while time.perf_counter() - since < TIMEOUT:
        try:
            info = page.stat()
            stamp = (info.st_mtime_ns, info.st_ino, info.st_size)
            if stamp != last:
                last = stamp
                if word in page.read_bytes():
                    return time.perf_counter()
        except FileNotFoundError:
            pass
        time.sleep(0.001)
    raise SystemExit(f"{page} did not get the edit within {TIMEOUT} s")


def _summary(values: list[float]) -> dict:
    if not values:
        return {"n": 0}
    ordered = sorted(values)
    return {"n": len(values), "p50": round(_percentile(ordered, 50), 1), "p95": round(_percentile(ordered, 95), 1),
            "min": round(ordered[0], 1), "max": round(ordered[-1], 1), "mean": round(statistics.fmean(values), 1)}


def _percentile(ordered: list[float], p: float) -> float:
    """Linear interpolation between closest ranks (numpy's default)."""
    k = (len(ordered) - 1) * p / 100
    low = int(k)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (k - low)


def _print_table(result: dict) -> None:
    print(f"explainer serve: {result['explainers']} explainers, {result['edits']} edits "
          f"(project written in {result['project_seconds']} s, first build + start {result['first_build_seconds']} s)")
    print(f"{'measure':<34}{'p50 ms':>10}{'p95 ms':>10}{'min':>9}{'max':>9}")
    rows = [("save -> page updated on disk", "save_to_disk_ms"),
            ("save -> reload message received", "save_to_reload_ms"),
            ("server build time (its log)", "server_build_ms")]
    for label, key in rows:
        s = result[key]
        if s.get("n"):
            print(f"{label:<34}{s['p50']:>10.1f}{s['p95']:>10.1f}{s['min']:>9.1f}{s['max']:>9.1f}")
    print(f"server exit status after SIGTERM: {result['exit_status']}")


class ServerProcess:
    """`python -m generator serve --port 0` on `root`; the URL is its first stdout line."""

    def __init__(self, root: Path):
        started = time.perf_counter()
        self.proc = subprocess.Popen([sys.executable, "-m", "generator", "serve", "--root", str(root),
                                      "--port", "0"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self._err: list[str] = []
        self._reader = threading.Thread(target=lambda: self._err.extend(self.proc.stderr), daemon=True)  # type: ignore[arg-type]
        self._reader.start()
        url = self.proc.stdout.readline().strip()  # type: ignore[union-attr]
        if not url:
            self.kill()
            raise SystemExit("the server printed no URL:\n" + self.stderr)
        self.ready_seconds = time.perf_counter() - started
        parts = urlsplit(url)
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 80

    @property
    def stderr(self) -> str:
        return "".join(self._err)

    def stop(self) -> int:
        self.proc.send_signal(signal.SIGTERM)
        code = self.proc.wait(TIMEOUT)
        self._reader.join(5)
        return code

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


class ReloadChannel:
    """The reload WebSocket, read on a thread; `messages` holds (perf_counter time, message)."""

    GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

    def __init__(self, host: str, port: int):
        self.sock = socket.create_connection((host, port), timeout=TIMEOUT)
        key = base64.b64encode(os.urandom(16)).decode()
        self.sock.sendall((f"GET /__explainer__/socket HTTP/1.1\r\nHost: {host}:{port}\r\n"
                           "Upgrade: websocket\r\nConnection: Upgrade\r\n"
                           f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n").encode())
        self.buffer = b""
        while b"\r\n\r\n" not in self.buffer:
            self.buffer += self._recv()
        head, self.buffer = self.buffer.split(b"\r\n\r\n", 1)
        if not head.startswith(b"HTTP/1.1 101"):
            raise SystemExit(f"no WebSocket: {head[:80]!r}")
        self.sock.settimeout(None)
        self.messages: queue.Queue[tuple[float, dict]] = queue.Queue()
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()

    def _recv(self) -> bytes:
        chunk = self.sock.recv(65536)
        if not chunk:
            raise EOFError
        return chunk

    def _take(self, n: int) -> bytes:
        while len(self.buffer) < n:
            self.buffer += self._recv()
        data, self.buffer = self.buffer[:n], self.buffer[n:]
        return data

    def _read(self) -> None:
        try:
            while True:
                first, second = self._take(2)
                length = second & 0x7F
                if length == 126:
                    length = struct.unpack("!H", self._take(2))[0]
                elif length == 127:
                    length = struct.unpack("!Q", self._take(8))[0]
                payload = self._take(length)
                received = time.perf_counter()
                if first & 0x0F == 0x8:
                    return
                if first & 0x0F == 0x1:
                    self.messages.put((received, json.loads(payload)))
        except (EOFError, OSError):
            return

    def drain(self) -> None:
        while not self.messages.empty():
            self.messages.get_nowait()

    def close(self) -> None:
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.sock.close()


if __name__ == "__main__":
    sys.exit(main())
