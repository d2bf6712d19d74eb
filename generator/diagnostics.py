"""Errors and warnings about the project, collected in one place and printed late.

Stages never print and never stop at the first problem: they add a
`Diagnostic` and carry on, so that one run reports every error in the
project. `pipeline` turns a non-empty error list into `BuildFailed`.

A diagnostic prints in one of three forms (`explainer check --format`): the contract's
`path:line:column: error: message; hint` line (`str()`), a GitHub Actions workflow
annotation (`github_annotation`), or one JSON object (`json_line`).
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import NamedTuple


class Span(NamedTuple):
    """A position in a project file: `path` relative to the root with `/`, 1-based line and column.

    A NamedTuple rather than a dataclass: one is made for every YAML node, and tuples are
    several times cheaper to create.
    """

    path: str
    line: int = 1
    column: int = 1

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.column}"


@dataclass(frozen=True)
class Diagnostic:
    """One message for the author; `str()` is the contract's one-line form."""

    message: str
    span: Span | None = None
    hint: str | None = None
    severity: str = "error"

    def __str__(self) -> str:
        where = str(self.span) if self.span else "explainer"
        text = f"{where}: {self.severity}: {self.message}"
        if self.hint:
            text += f"; {self.hint}"
        return _one_line(text)


def github_annotation(diagnostic: Diagnostic, file: str | None) -> str:
    """A GitHub Actions workflow command that makes the diagnostic an annotation of `file`
    (a path from the repository's root: GitHub attaches it to that file's line in a pull
    request), e.g. `::error file=a.md,line=4,col=12,title=explainer::message%0Ahint`.

    Escaped as GitHub's toolkit does (`@actions/core`, command.ts): `%`, CR and LF in the
    message, and also `:` and `,` in property values, where they would end the value. Control
    and bidi characters are shown as escapes first, as in the text form."""
    properties = []
    if diagnostic.span is not None and file is not None:
        properties += [f"file={_escape_property(file)}", f"line={diagnostic.span.line}",
                       f"col={diagnostic.span.column}"]
    properties.append("title=explainer")
    message = _one_line(diagnostic.message)
    if diagnostic.hint:
        message += "\n" + _one_line(diagnostic.hint)
    return f"::{diagnostic.severity} {','.join(properties)}::{_escape_data(message)}"


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def json_line(diagnostic: Diagnostic) -> str:
    """One JSON object on one line: path (relative to the project's root, as in the text
    form), line, column, severity, message, hint; null where there is none. Non-ASCII text is
    escaped (`\\u00e9`), so that the line is ASCII whatever the console's encoding and no
    Unicode line separator in quoted text splits it."""
    span = diagnostic.span
    return json.dumps({"path": span.path if span else None, "line": span.line if span else None,
                       "column": span.column if span else None, "severity": diagnostic.severity,
                       "message": diagnostic.message, "hint": diagnostic.hint})


_LINE_BREAKING = re.compile(r"[\x00-\x1f\x7f\x85\u2028\u2029\ud800-\udfff\u202a-\u202e\u2066-\u2069]")


def _one_line(text: str) -> str:
    """Escape line breaks, other control characters and lone surrogates quoted from the author's
    text (a key such as 'a\\rb'): the contract promises one diagnostic per line. Bidi controls
    (U+202E...) are shown as escapes too: they would reorder the terminal line (or the
    overlay), and a writer needs to see the invisible character the message is about."""
    if not _LINE_BREAKING.search(text):
        return text
    return _LINE_BREAKING.sub(lambda m: repr(m.group())[1:-1] if m.group() != "\t" else "\\t", text)


@dataclass
class Diagnostics:
    """Collects diagnostics; never prints."""

    items: list[Diagnostic] = field(default_factory=list)

    def error(self, span: Span | None, message: str, hint: str | None = None) -> None:
        self.items.append(Diagnostic(message, span, hint, "error"))

    def warning(self, span: Span | None, message: str, hint: str | None = None) -> None:
        self.items.append(Diagnostic(message, span, hint, "warning"))

    @property
    def errors(self) -> list[Diagnostic]:
        return errors_in(self.items)

    @property
    def warnings(self) -> list[Diagnostic]:
        return [d for d in self.items if d.severity == "warning"]

    def sorted(self) -> list[Diagnostic]:
        """Errors in file order (path, line, column), then those that belong to no file."""
        return sorted(self.items, key=lambda d: (d.span is None, d.span or Span(""), d.message))

    def raise_if_errors(self) -> None:
        if self.errors:
            raise BuildFailed(self.sorted())


def errors_in(diagnostics: Iterable[Diagnostic]) -> list[Diagnostic]:
    """The errors among `diagnostics` (a unit's, the shared actors', a failed build's)."""
    return [d for d in diagnostics if d.severity == "error"]


class BuildFailed(Exception):
    """The project has content errors; nothing was written."""

    def __init__(self, diagnostics: list[Diagnostic]):
        super().__init__(f"{len(errors_in(diagnostics))} error(s)")
        self.diagnostics = diagnostics


def did_you_mean(word: str, choices: Iterable[str]) -> str | None:
    """A hint naming the closest choice, as Click and MkDocs do, or None."""
    match = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f"did you mean '{match[0]}'?" if match else None
