"""How each claim's verdict changed, read from the versions of its file in git.

`history.read_history` runs one `git log --raw` for the whole project, which names the blob
(the file's content) of every commit touching an explainer. Only a file with two versions or
more can show a change, so only those are read: the blobs' sizes in one `git cat-file
--batch-check`, then the blobs themselves in one `git cat-file --batch`, never a git process
per file or per commit. A hostile repository can hold any number of huge versions, so the
work is bounded: the newest `MAX_VERSIONS` of a file, no blob over the size of a file a build
reads, `MAX_BYTES` in all. Each version's front matter is composed with the C safe loader
(nodes only, nothing constructed) and only each claim's `status` is read; a version that
does not parse, or a claim it lacks or whose status is not one, is skipped, never an error.
Composing is most of the time (about a millisecond a version), so a front matter is
composed once whatever the number of versions that have it, and a file whose commits all
changed its body alone is not composed at all. The build cache keeps the result with the
revisions and the versions it was read from (`cache.save_history`): after a commit, only
the files whose versions changed are read again.

Per claim (by id), the versions that gave it a new status are kept: a claim missing from a
version that parses starts again after it, so a renamed claim's history starts at the
rename. When the explainer is compiled (`apply`), what changed before publication is
folded into the status it was published with, dated `published`: a draft's verdicts were
never told to readers. A claim whose status was changed in the file but not committed yet
shows no history until the change is committed (its last step would have no date).
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path
from typing import TYPE_CHECKING

import yaml

from generator.diagnostics import Diagnostics
from generator.load import MAX_FILE_BYTES, decode, split_front_matter
from generator.model import STATUSES, Explainer, Verdict
from generator.yamlnodes import compose_plain

if TYPE_CHECKING:
    from generator.history import Revision

MAX_VERSIONS = 200
"""Versions of one file read, the newest: its history starts at the oldest of them."""

MAX_BYTES = 64 * 1024 * 1024
"""Bytes of old versions read in all; the newest versions of each file come first."""

Steps = dict[str, list[tuple[int, str]]]
"""Claim id -> (index of the commit in the file's revisions, the status it gave the claim),
oldest first: the claims whose status changed at least once."""

_OBJECT_ID = re.compile(r"[0-9a-f]{40}|[0-9a-f]{64}")
_STATUSES = frozenset(STATUSES)


Versions = dict[str, list[tuple[int, str]]]
"""Path -> (index in the file's revisions, blob id) of its versions, newest first."""


def read_steps(root: Path, versions: Versions, known: tuple[dict[str, Steps], Versions] = ({}, {})
               ) -> tuple[dict[str, Steps], Versions]:
    """The steps of each file of `versions` that has any, and the versions read for them.
    `known` is what an earlier read found (its steps, and the versions they were read from):
    a file with the same versions to read keeps its steps from there, unread."""
    wanted = {path: [(index, blob) for index, blob in found[:MAX_VERSIONS] if _OBJECT_ID.fullmatch(blob)]
              for path, found in sorted(versions.items()) if len(found) > 1}
    wanted = {path: found for path, found in wanted.items() if len(found) > 1}
    # The newest version of every file first, then the one before...: what `MAX_BYTES` leaves out
    # are the oldest versions.
    blobs = list(dict.fromkeys(found[rank][1] for rank in range(max(map(len, wanted.values()), default=0))
                               for found in wanted.values() if rank < len(found)))
    chosen = set(_within_budget(_sizes(root, blobs), blobs))
    read = {path: [(index, blob) for index, blob in found if blob in chosen] for path, found in wanted.items()}
    known_steps, known_read = known
    fresh = {path for path, found in read.items() if known_read.get(path) != found}
    needed = {blob for path in fresh for _, blob in read[path]}
    contents = _contents(root, [blob for blob in blobs if blob in needed])
    parsed: dict[str | None, Statuses | None] = {}
    result: dict[str, Steps] = {}
    for path, found in read.items():
        if path not in fresh:
            steps = known_steps.get(path, {})
        else:
            steps = _file_steps([(index, contents[blob]) for index, blob in reversed(found) if blob in contents],
                                parsed)
            read[path] = [(index, blob) for index, blob in found if blob in contents]  # (git may fail)
        if steps:
            result[path] = steps
    return result, read


def _file_steps(versions: list[tuple[int, bytes]], parsed: dict[str | None, Statuses | None]) -> Steps:
    """The steps of one file over its `versions` (oldest first). Only a version whose front
    matter differs from every other's is composed (`parsed` keeps them by their text): a
    file whose edits were all to its body is not composed at all."""
    fronts = [(index, front_matter(data)) for index, data in versions]
    if len({front for _, front in fronts}) < 2:
        return {}  # one front matter: no status changed
    chain = []
    for index, front in fronts:
        if front not in parsed:
            parsed[front] = statuses_in(front)
        chain.append((index, parsed[front]))
    return _steps(chain)


Statuses = dict[str, str | None]
"""Claim id -> its status in one version (None: not a status)."""


def claim_statuses(data: bytes) -> Statuses | None:
    """The statuses of one version of an explainer file, or None if its front matter cannot be read."""
    return statuses_in(front_matter(data))


def front_matter(data: bytes) -> str | None:
    """The front matter's text of one version of an explainer file, decoded and split as the
    loader does (None if it has none)."""
    unchecked = Diagnostics()  # what is wrong with an old version is no one's error now
    text = decode(data, "", unchecked)
    split = split_front_matter(text, "", unchecked) if text is not None else None
    return split[0] if split is not None else None


def statuses_in(front: str | None) -> Statuses | None:
    """Claim id -> status in a front matter (see `Statuses`), or None if it cannot be read."""
    claims = _value(compose_plain(front) if front is not None else None, "claims")
    if not isinstance(claims, yaml.MappingNode):
        return None
    found: Statuses = {}
    for key, claim in claims.value:
        if isinstance(key, yaml.ScalarNode) and isinstance(claim, yaml.MappingNode):
            status = _value(claim, "status")
            if status is None:
                found[key.value] = "unrated"
            elif isinstance(status, yaml.ScalarNode) and status.value in _STATUSES:
                found[key.value] = status.value
            else:
                found[key.value] = None
    return found


def _value(node: yaml.Node | None, key: str) -> yaml.Node | None:
    if not isinstance(node, yaml.MappingNode):
        return None
    for k, v in node.value:
        if isinstance(k, yaml.ScalarNode) and k.value == key and isinstance(v, yaml.Node):
            return v
    return None


def _steps(chain: list[tuple[int, Statuses | None]]) -> Steps:
    """Each claim's changes of status over the versions in `chain` (oldest first)."""
    steps: Steps = {}
    for index, statuses in chain:
        if statuses is None:
            continue  # does not parse: skipped
        for claim_id in [c for c in steps if c not in statuses]:
            del steps[claim_id]  # gone (renamed, removed): a claim of that id starts afresh
        for claim_id, status in statuses.items():
            if status is None:
                continue
            found = steps.setdefault(claim_id, [])
            if not found or found[-1][1] != status:
                found.append((index, status))
    return {claim_id: found for claim_id, found in steps.items() if len(found) > 1}


def apply(explainer: Explainer, revisions: list[Revision], steps: Steps) -> None:
    """Give each claim of `explainer` its history from `steps` (its file's, made by
    `read_steps` over the same `revisions`): what changed before publication folded into the
    status it was published with, and only if the status changed since and the file's
    status is the last one committed."""
    published = explainer.published.instant()
    for claim_id, found in steps.items():
        claim = explainer.claims.get(claim_id)
        if claim is None:
            continue
        history: list[Verdict] = []
        for index, status in found:
            revision = revisions[index]
            if revision.date.instant() <= published:
                history = [Verdict(status, explainer.published, revision.commit)]
            elif not history or history[-1].status != status:
                history.append(Verdict(status, revision.date, revision.commit))
        if len(history) > 1 and history[-1].status == claim.status:
            claim.history = history


def _git_batch(root: Path, mode: str, blobs: list[str]) -> bytes | None:
    if not blobs:
        return None
    try:
        result = subprocess.run(["git", "-C", str(root), "cat-file", mode], input="\n".join(blobs).encode() + b"\n",
                                capture_output=True, timeout=60)
    except (OSError, subprocess.SubprocessError):
        return None
    return result.stdout if result.returncode == 0 else None


def _sizes(root: Path, blobs: list[str]) -> dict[str, int]:
    """Blob id -> size, for the blobs git has."""
    sizes = {}
    for line in (_git_batch(root, "--batch-check", blobs) or b"").decode("ascii", "replace").splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[1] == "blob" and parts[2].isdigit():
            sizes[parts[0]] = int(parts[2])
    return sizes


def _within_budget(sizes: dict[str, int], blobs: list[str]) -> list[str]:
    """The blobs to read: none larger than a file a build reads, `MAX_BYTES` in all."""
    chosen, total = [], 0
    for blob in blobs:
        size = sizes.get(blob, MAX_FILE_BYTES + 1)
        if size <= MAX_FILE_BYTES and total + size <= MAX_BYTES:
            chosen.append(blob)
            total += size
    return chosen


def _contents(root: Path, blobs: list[str]) -> dict[str, bytes]:
    """Blob id -> content, from one `git cat-file --batch`."""
    output = _git_batch(root, "--batch", blobs)
    contents: dict[str, bytes] = {}
    at = 0
    while output is not None and at < len(output):
        end = output.find(b"\n", at)
        if end < 0:
            break
        parts = output[at:end].split()
        if len(parts) != 3 or not parts[2].isdigit():
            at = end + 1  # "<id> missing"
            continue
        size = int(parts[2])
        contents[parts[0].decode("ascii", "replace")] = output[end + 1:end + 1 + size]
        at = end + 1 + size + 1
    return contents
