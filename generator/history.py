"""What git knows about each explainer: its revisions and when it last changed.

One `git log` for the whole project, never one per file, and only when the
checked-out commit changed: the build cache keeps what it found for that
commit (`cache.save_history`). With a few hundred commits, `git log` took
0.37 s, more than the rest of a one-explainer edit. Outside a git
repository, or when git is missing, nothing is known and the build goes on
without it. A shallow clone (the default of most CI checkouts) has only the
newest commits: their revisions are kept, and `cut` says from when on the
older ones are missing, for the build to warn.

The same `git log` (`--raw`) names the version (blob) each commit left of each file:
`verdicts` reads the files with more than one version to tell how their claims' verdicts
changed, and the cache keeps that with the revisions.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from generator.dates import DateError, PartialDate, parse_date
from generator.model import STATUSES
from generator.verdicts import Steps, Versions, read_steps

_RECORD, _FIELD = "\x1e", "\x1f"


@dataclass(frozen=True)
class Revision:
    date: PartialDate
    """Commit date (committer date, as an RFC 3339 date-time)."""
    subject: str
    commit: str


@dataclass(frozen=True)
class History:
    known: bool
    """False outside git: then `revisions` is empty."""
    reason: str
    revisions: dict[str, list[Revision]]
    """Project-relative path -> revisions touching it, newest first."""
    head: str = ""
    cut: str = ""
    """In a shallow clone, the date (YYYY-MM-DD) of the newest commit whose parents the clone
    lacks: what changed then and before is missing. "" in a full clone."""
    verdicts: dict[str, Steps] = field(default_factory=dict)
    """Project-relative path -> how its claims' statuses changed over `revisions` (see `verdicts`)."""
    verdicts_read: Versions = field(default_factory=dict)
    """The versions `verdicts` read of each file with more than one: those of a file the next
    commit leaves alone need not be read again."""

    def of(self, src_path: str) -> list[Revision]:
        return self.revisions.get(src_path, [])

    def verdicts_of(self, src_path: str) -> Steps:
        return self.verdicts.get(src_path, {})


def _git(root: Path, *args: str) -> str | None:
    try:
        result = subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=True,
                                encoding="utf-8", errors="replace", timeout=60)
    except (OSError, subprocess.SubprocessError):
        return None
    return result.stdout if result.returncode == 0 else None


def head_commit(root: Path) -> str:
    """The commit checked out, and " shallow" in a shallow clone; "" outside git (one cheap
    git call: it tells when the history must be read again)."""
    lines = (_git(root, "rev-parse", "--is-shallow-repository", "HEAD") or "").split()
    if len(lines) != 2:
        return ""
    return lines[1] + (" shallow" if lines[0] == "true" else "")


def to_json(history: History) -> dict[str, Any]:
    """The history as JSON for the build cache (see `cache.save_history`)."""
    return {"known": history.known, "reason": history.reason, "head": history.head, "cut": history.cut,
            "revisions": {path: [[r.date.text, r.subject, r.commit] for r in revisions]
                          for path, revisions in history.revisions.items()},
            "verdicts": {path: {claim: [list(step) for step in found] for claim, found in steps.items()}
                         for path, steps in history.verdicts.items()},
            "verdicts_read": {path: [list(version) for version in found]
                              for path, found in history.verdicts_read.items()}}


def from_json(data: Any) -> History | None:
    """What `to_json` gave, or None if it is not that (a damaged cache)."""
    try:
        revisions = {path: [Revision(parse_date(date), subject, commit) for date, subject, commit in items]
                     for path, items in data["revisions"].items()}
        steps = {path: {claim: [(index, status) for index, status in found] for claim, found in items.items()}
                 for path, items in data["verdicts"].items()}
        read = {path: [(index, blob) for index, blob in found] for path, found in data["verdicts_read"].items()}
        history = History(data["known"], data["reason"], revisions, data["head"], data["cut"], steps, read)
    except (DateError, KeyError, TypeError, ValueError, AttributeError):
        return None
    ok = (isinstance(history.known, bool) and isinstance(history.reason, str) and isinstance(history.head, str)
          and isinstance(history.cut, str)
          and all(isinstance(p, str) and isinstance(r.subject, str) and isinstance(r.commit, str)
                  for p, rs in revisions.items() for r in rs)
          and all(isinstance(claim, str) and type(index) is int and 0 <= index < len(revisions.get(path, ()))
                  and status in STATUSES
                  for path, items in steps.items() for claim, found in items.items() for index, status in found)
          and all(type(index) is int and 0 <= index < len(revisions.get(path, ())) and isinstance(blob, str)
                  for path, found in read.items() for index, blob in found))
    return history if ok else None


def read_history(root: Path, head: str, folder: str = "content/explainers", previous: History | None = None
                 ) -> History:
    """Every commit touching `folder`, grouped by file; `head` is what `head_commit` says.
    `previous`, what was read at another commit, spares reading old versions again."""
    if not head:  # outside git, or in a repository without a commit: nothing to read
        return History(False, "no commit checked out", {}, head)
    inside = _git(root, "rev-parse", "--is-inside-work-tree")
    if inside is None or inside.strip() != "true":
        return History(False, "not a git repository", {}, head)
    boundary, cut = _shallow_boundary(root) if head.endswith(" shallow") else (set(), "")
    prefix = (_git(root, "rev-parse", "--show-prefix") or "").strip()
    log = _git(root, "log", f"--format={_RECORD}%H{_FIELD}%cI{_FIELD}%s", "--raw", "--no-abbrev",
               "--no-renames", "--", folder)
    if log is None:
        return History(False, "git log failed", {}, head)
    revisions: dict[str, list[Revision]] = {}
    blobs: dict[str, list[tuple[int, str]]] = {}
    """Path -> (index in its revisions, the blob the commit left) of each revision."""
    for record in log.split(_RECORD)[1:]:
        header, _, names = record.partition("\n")
        commit, date_text, subject = (header.split(_FIELD) + ["", ""])[:3]
        if commit in boundary:
            continue  # without its parents, git lists every file as added by it
        try:
            date = parse_date(date_text)
        except DateError:
            continue
        revision = Revision(date, subject.strip(), commit)
        for line in names.splitlines():
            # ":100644 100644 <blob before> <blob after> M\t<path>"
            meta, _, name = line.partition("\t")
            fields = meta.split()
            if not name or len(fields) != 5:
                continue
            if prefix and name.startswith(prefix):
                name = name[len(prefix):]
            found = revisions.setdefault(name, [])
            if fields[4] != "D":
                blobs.setdefault(name, []).append((len(found), fields[3]))
            found.append(revision)
    known = (previous.verdicts, previous.verdicts_read) if previous is not None else ({}, {})
    return History(True, "", revisions, head, cut, *read_steps(root, blobs, known))


def _shallow_boundary(root: Path) -> tuple[set[str], str]:
    """The commits of a shallow clone whose parents it lacks, and the day of the newest of
    them (see `History.cut`)."""
    shallow = (_git(root, "rev-parse", "--git-path", "shallow") or "").strip()
    try:
        boundary = set((root / shallow).read_text(encoding="utf-8").split()) if shallow else set()
    except OSError:
        boundary = set()
    if not boundary:
        return boundary, "an unknown date"
    dates = []
    for line in (_git(root, "log", "--no-walk", "--format=%cI", *sorted(boundary)) or "").split():
        try:
            dates.append(parse_date(line))
        except DateError:
            continue
    newest = max(dates, key=lambda d: d.instant(), default=None)
    return boundary, newest.day_iso() if newest else "an unknown date"
