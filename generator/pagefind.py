"""Pagefind, the search index builder, run on records rather than on the built pages.

Pagefind (the `pagefind-bin` package on the Python index ships its binary) indexes
static sites for a search that runs in the reader's browser, with no server. Its usual
way is to crawl the built HTML; here the build gives it one record per explainer, claim and
actor page, made from the resolved data (`search`), through the binary's service mode:
base64 JSON messages on its standard input, each ended by a comma, answered the same way
on its standard output. (The `pagefind` Python package speaks the same protocol, but polls
for each answer every 100 ms, which for 10,000 records is minutes.) The files come back in
the last answer: Pagefind writes nothing, anywhere, so nothing but the build puts them in
the site (`plan.SEARCH_BUNDLE`).

The same records in the same order give the same files, byte for byte (the fragments are
named by their content; `pagefind-entry.json`, whose languages Pagefind lists in any
order, is written again with sorted keys): tests/test_search.py holds it to that.
"""

from __future__ import annotations

import base64
import json
import os
import subprocess
import threading
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

KEPT = ("pagefind.js", "pagefind-worker.js", "pagefind-entry.json")
"""The files of Pagefind's bundle the site keeps besides the index itself (`index/`,
`fragment/`, `filter/`, each language's `pagefind.<language>_<hash>.pf_meta`) and the
WebAssembly of the languages it has: the search page's own
script (`theme/assets/search.js`) uses `pagefind.js`, never Pagefind's UI."""


class PagefindError(Exception):
    """Pagefind could not be run, or answered with an error: the message says which."""


def executable() -> Path:
    """The Pagefind binary: `PAGEFIND_BINARY_PATH` if set, else the one `pagefind-bin` ships."""
    named = os.environ.get("PAGEFIND_BINARY_PATH")
    if named:
        return Path(named)
    try:
        import pagefind_bin  # type: ignore[import-untyped]
    except ImportError:
        raise PagefindError("the pagefind-bin package is not installed") from None
    try:
        return Path(pagefind_bin.get_executable())
    except (FileNotFoundError, OSError) as exc:
        raise PagefindError(f"the pagefind-bin package has no binary for this machine ({exc})") from None


def _message(number: int, payload: Mapping[str, Any]) -> bytes:
    return base64.b64encode(json.dumps({"message_id": number, "payload": payload}).encode("utf-8")) + b","


def index(records: Iterable[Mapping[str, Any]], config: Mapping[str, Any] | None = None,
          cwd: Path | None = None) -> dict[str, bytes]:
    """The files of a Pagefind bundle for `records` (each an `AddRecord`: url, content,
    language, meta; or an `AddFile`: url, file_contents, an HTML document), by path in the
    bundle, only those the site keeps (see `KEPT`). `cwd` is where the binary runs (it writes
    nothing there). Raises `PagefindError`."""
    messages = [_message(1, {"type": "NewIndex", "config": dict(config or {})})]
    for number, record in enumerate(records, start=2):
        messages.append(_message(number, {**record, "index_id": 0}))
    last = len(messages) + 1
    messages.append(_message(last, {"type": "GetFiles", "index_id": 0}))
    try:
        process = subprocess.Popen([os.fspath(executable()), "--service"], stdin=subprocess.PIPE,
                                   stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, cwd=cwd)
    except OSError as exc:
        raise PagefindError(f"Pagefind did not start: {exc}") from None
    try:
        answer = _converse(process, b"".join(messages), last)
    finally:
        if process.poll() is None:
            process.kill()
        process.wait()
    return _kept_files(answer)


def _converse(process: subprocess.Popen[bytes], request: bytes, last: int) -> dict[str, Any]:
    """Send `request` (from a thread, so that neither side waits on a full pipe) and read the
    answers until the one to message `last`; an error answer raises."""
    assert process.stdin is not None and process.stdout is not None
    stdin = process.stdin

    def send() -> None:
        try:
            stdin.write(request)
            stdin.flush()
        except OSError:  # it stopped: the reading below says so
            pass

    writer = threading.Thread(target=send, daemon=True)
    writer.start()
    pending = b""
    try:
        while True:
            chunk = os.read(process.stdout.fileno(), 1 << 20)
            if not chunk:
                raise PagefindError(f"Pagefind stopped before it answered (exit status {process.wait()})")
            *answers, pending = (pending + chunk).split(b",")
            for text in answers:
                answer = json.loads(base64.b64decode(text))
                payload = answer.get("payload") or {}
                if payload.get("type") == "Error":
                    raise PagefindError(f"Pagefind: {payload.get('message')}")
                if answer.get("message_id") == last:
                    return dict(payload)
    except (ValueError, AttributeError) as exc:
        raise PagefindError(f"Pagefind answered what is not its protocol ({exc})") from None
    finally:
        writer.join(timeout=5)
        stdin.close()


def _kept_files(answer: Mapping[str, Any]) -> dict[str, bytes]:
    files = answer.get("files")
    if not isinstance(files, list):
        raise PagefindError("Pagefind answered without its files")
    kept: dict[str, bytes] = {}
    for entry in files:
        path = entry.get("path") if isinstance(entry, dict) else None
        if not isinstance(path, str) or not _kept(path):
            continue
        kept[path] = base64.b64decode(entry.get("content", ""))
    if "pagefind-entry.json" in kept:  # its languages come in any order: the bytes must not
        entry_data = json.loads(kept["pagefind-entry.json"])
        kept["pagefind-entry.json"] = json.dumps(entry_data, ensure_ascii=False, sort_keys=True,
                                                 separators=(",", ":")).encode("utf-8")
    return dict(sorted(kept.items()))


def _kept(path: str) -> bool:
    return (path in KEPT or path.startswith(("index/", "fragment/", "filter/"))
            or path.startswith("wasm.") and path.endswith(".pagefind")
            or path.startswith("pagefind.") and path.endswith(".pf_meta"))


def check() -> str:
    """Run the binary once (`--version`): its version, or `PagefindError` saying why not."""
    try:
        done = subprocess.run([os.fspath(executable()), "--version"], capture_output=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise PagefindError(f"Pagefind did not run: {exc}") from None
    if done.returncode != 0:
        raise PagefindError(f"Pagefind did not run (exit status {done.returncode})")
    return done.stdout.decode("utf-8", "replace").strip()
