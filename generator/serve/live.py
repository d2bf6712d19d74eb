"""The server's view of the build: which build is current, its errors, and who to tell.

`LiveState` lives on the event loop thread: the watcher thread hands it
each `BuildOutcome` through `loop.call_soon_threadsafe`, so no lock is
needed. Every build produces one message to every connected page:

| message | when | the page |
| --- | --- | --- |
| `reload` | output changed, not only stylesheets | reloads (if its own file or an asset changed) |
| `css` | only `.css` files changed | swaps its stylesheet links, no reload |
| `errors` | the build failed | shows the overlay over the last good page |
| `ok` | the build succeeded but wrote the same bytes | drops the overlay |

and on connecting, `hello` with the current build token and overlay, so a
page that missed a message (it was loading) catches up.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from generator.diagnostics import Diagnostic
from generator.pipeline import BuildReport
from generator.serve.pages import errors_key, live_tags, overlay_html

MAX_CHANGED_IN_MESSAGE = 500
"""A theme change rewrites every page; past this the list is cut and pages just reload."""


class Client(Protocol):
    def send(self, text: str) -> None: ...


@dataclass
class BuildOutcome:
    """One build's result as the server needs it: the report, or the errors."""

    report: BuildReport | None = None
    errors: list[Diagnostic] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return self.report is not None


def reload_action(changed: Sequence[str]) -> str:
    """'ok' when no output changed, 'css' when only stylesheets did, else 'reload'."""
    if not changed:
        return "ok"
    if all(path.endswith(".css") for path in changed):
        return "css"
    return "reload"


class LiveState:
    """Current build token and errors, and the connected pages."""

    def __init__(self) -> None:
        self.instance = secrets.token_hex(4)
        """Differs between server runs, so a page left open across a restart reloads."""
        self.generation = 0
        """Counts builds that changed the site; 0 until the first successful build."""
        self.errors: list[Diagnostic] = []
        self.clients: set[Client] = set()

    @property
    def token(self) -> str:
        return f"{self.instance}-{self.generation}"

    @property
    def built(self) -> bool:
        return self.generation > 0

    def tags_for(self, page: str) -> str:
        """Script (and overlay, while the last build failed) to inject into a page."""
        return live_tags(self.token, page, overlay_html(self.errors))

    def hello(self) -> dict[str, Any]:
        return {"type": "hello", "build": self.token, **self._overlay_fields()}

    def apply(self, outcome: BuildOutcome) -> dict[str, Any]:
        """Take in a build's outcome; returns the message that tells the pages."""
        if not outcome.ok:
            self.errors = list(outcome.errors)
            return {"type": "errors", "build": self.token,
                    "errors": [str(d) for d in self.errors], **self._overlay_fields()}
        self.errors = []
        assert outcome.report is not None
        changed = outcome.report.changed
        action = reload_action(changed)
        if action != "ok":
            self.generation += 1
        return {"type": action, "build": self.token, "changed": changed[:MAX_CHANGED_IN_MESSAGE],
                "truncated": len(changed) > MAX_CHANGED_IN_MESSAGE}

    def publish(self, outcome: BuildOutcome) -> None:
        """Apply an outcome and send the resulting message to every connected page."""
        self.broadcast(self.apply(outcome))

    def broadcast(self, message: dict[str, Any]) -> None:
        text = json.dumps(message)
        for client in list(self.clients):
            client.send(text)

    def _overlay_fields(self) -> dict[str, Any]:
        overlay = overlay_html(self.errors)
        return {"overlay": overlay or None, "errors_key": errors_key(self.errors) if overlay else None}
