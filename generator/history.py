"""What git knows about each explainer: its revisions and when it last changed.

One `git log` for the whole project, never one per file. Outside a git
repository, in a shallow clone (where history is cut short and dates would
be wrong), or when git is missing, nothing is known and the build goes on
without it.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

from generator.dates import DateError, PartialDate, parse_date

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
    """False outside git or in a shallow clone: then `revisions` is empty."""
    reason: str
    revisions: dict[str, list[Revision]]
    """Project-relative path -> revisions touching it, newest first."""
    head: str = ""

    def of(self, src_path: str) -> list[Revision]:
        return self.revisions.get(src_path, [])


def _git(root: Path, *args: str) -> str | None:
    try:
        result = subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=True,
                                encoding="utf-8", errors="replace", timeout=60)
    except (OSError, subprocess.SubprocessError):
        return None
    return result.stdout if result.returncode == 0 else None


def head_commit(root: Path) -> str:
    """The commit checked out (cheap: used to know when to read the history again)."""
    return (_git(root, "rev-parse", "HEAD") or "").strip()


def read_history(root: Path, folder: str = "content/explainers") -> History:
    """Every commit touching `folder`, grouped by file."""
    inside = _git(root, "rev-parse", "--is-inside-work-tree")
    if inside is None or inside.strip() != "true":
        return History(False, "not a git repository", {})
    if (_git(root, "rev-parse", "--is-shallow-repository") or "").strip() == "true":
        return History(False, "shallow clone: history is incomplete", {})
    prefix = (_git(root, "rev-parse", "--show-prefix") or "").strip()
    log = _git(root, "log", f"--format={_RECORD}%H{_FIELD}%cI{_FIELD}%s", "--name-only",
               "--no-renames", "--", folder)
    if log is None:
        return History(False, "git log failed", {})
    revisions: dict[str, list[Revision]] = {}
    for record in log.split(_RECORD)[1:]:
        header, _, names = record.partition("\n")
        commit, date_text, subject = (header.split(_FIELD) + ["", ""])[:3]
        try:
            date = parse_date(date_text)
        except DateError:
            continue
        revision = Revision(date, subject.strip(), commit)
        for name in names.splitlines():
            name = name.strip()
            if not name:
                continue
            if prefix and name.startswith(prefix):
                name = name[len(prefix):]
            revisions.setdefault(name, []).append(revision)
    return History(True, "", revisions, head_commit(root))
