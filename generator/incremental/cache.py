"""The persistent build cache in `.explainer-cache/`, outside the published output.

It remembers, from the last successful build: the stamp (mtime and size) of
every source file, and the fingerprint and digest of every output file. With
it, `build` can

- stop at once when no source changed (a no-op rebuild only stats files);
- otherwise compile the project and render and write only the outputs whose
  fingerprint changed (`plan`), like `serve` does between rebuilds.

The compiled units (each explainer's keys and summary, 16 MB at 5,000
explainers) are kept in a file of their own, read only by a build that needs
them: an edit that changes only its explainer's own pages (see `shortcut`)
compares the edited unit with its *mark* in the state and records the new
unit in the state's `unit_updates`, so it reads and writes a fifth of the
data. The next build that needs every unit folds the updates in.

Beside them: `views/` (see `views`), `parts/` (each explainer's part of `claims.json`,
see `parts`), `history.json` (what `git log` said at the checked-out commit, and how the
claims' verdicts changed, see `history` and `verdicts`) and `shared.json` (the compiled
shared actors), each read only when what it was made from is unchanged; a build that
fails writes none of them into a project that has no cache yet.

The cache only ever costs time, never correctness: it is keyed on the
generator version, the output directory and the options; it is written
atomically; anything missing, stale, truncated or corrupt is ignored (and the
build is a full one). It is plain JSON, never pickle: a cache file in a cloned
project must not be able to run code.

And it is untrusted input: a project can be cloned with a `.explainer-cache/` of
anyone's making. So

- every file in it is sealed with this user's key (`userkey`: a keyed checksum
  that no one without the key can make), and a file whose seal is wrong is ignored;
- what is read from it is type-checked before use (`_from_json`, `views.decode`...),
  so a sealed file of the wrong shape costs a rebuild too, never an error;
- it is read and written only through `safefs`, which follows no symbolic link,
  and only while the folder itself is a real folder of this user's
  (`folder_problem`): otherwise the build goes without it and says so once.
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from generator import compat, history, safefs
from generator.diagnostics import Diagnostic, Span
from generator.history import History
from generator.incremental import userkey


class FastJson(Protocol):
    """What the cache uses of `orjson` (absent on a platform without a wheel)."""

    def dumps(self, obj: Any, /) -> bytes: ...


orjson: FastJson | None
try:
    import orjson as _orjson
    orjson = _orjson
except ImportError:  # pragma: no cover - a platform without a wheel
    orjson = None

CACHE_DIR = ".explainer-cache"
_FORMAT = 6
_MAGIC = b"explainer-cache\n"
_DAMAGED = (ValueError, TypeError, KeyError, IndexError, AttributeError)
"""What reading a cache entry of the wrong shape raises: the entry is ignored."""


def folder_problem(root: Path) -> str | None:
    """Why a build cannot use `root/.explainer-cache/` (None: it can). It must be absent (a
    build makes it) or a real folder of this user's, and there must be a key to seal it
    with. A folder of this user's that others may write is made private first (folders
    made by earlier versions under a umask of 002 are)."""
    if userkey.key() is None:
        return f"cannot keep the build cache's key: {userkey.problem()}"
    path = root / CACHE_DIR
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        return None
    except OSError as exc:
        return f"cannot look at {CACHE_DIR}/ ({exc.strerror})"
    if safefs.is_link(info):
        return f"{CACHE_DIR} is a symbolic link"
    if not stat.S_ISDIR(info.st_mode):
        return f"{CACHE_DIR} is not a folder"
    if not safefs.is_own(info):
        return f"{CACHE_DIR}/ belongs to another user"
    if hasattr(os, "fchmod") and hasattr(os, "getuid") and stat.S_IMODE(info.st_mode) & 0o022:  # not Windows
        try:
            fd = os.open(path, os.O_RDONLY | compat.O_DIRECTORY | compat.O_NOFOLLOW | compat.O_CLOEXEC)
            try:
                os.fchmod(fd, stat.S_IMODE(os.fstat(fd).st_mode) & ~0o022)
            finally:
                os.close(fd)
        except OSError as exc:
            return f"{CACHE_DIR}/ can be written by other users and cannot be made private ({exc.strerror})"
    return None


@dataclass
class CacheState:
    key: str
    """Generator version, cache format, output directory and options: any change voids the cache."""
    sources: dict[str, str] = field(default_factory=dict)
    """Project-relative path -> stamp of every file the build read."""
    outputs: dict[str, str] = field(default_factory=dict)
    """dest_path -> fingerprint."""
    digests: dict[str, str] = field(default_factory=dict)
    """dest_path -> digest of the bytes written."""
    warnings: list[Diagnostic] = field(default_factory=list)
    """The build's warnings, repeated when a later build finds nothing to do."""
    build_id: str = ""
    """Names the build that wrote the output directory; see `last_writer`."""
    valid_until: str = ""
    """ISO instant at which an embargo lifts and the site must change although no file did."""
    units: dict[str, Any] | None = field(default_factory=dict)
    """Explainer path -> its compiled unit's keys and summary (`units.Unit.to_json`), so
    that the next build compiles only the files that changed. None when loaded without them
    (see `load_units`)."""
    unit_marks: dict[str, str] = field(default_factory=dict)
    """Explainer path -> `unit_mark` of its unit: what the rest of the site reads of it."""
    unit_updates: dict[str, Any] = field(default_factory=dict)
    """Units newer than the units file (written by an edit that saved the state alone)."""
    units_id: str = ""
    """Names the units file this state goes with."""
    template_stamp: str = ""
    """Stamp of the templates the build used (see `compiler.environment`)..."""
    templates: dict[str, str] = field(default_factory=dict)
    """...and the digest of each page template with what it includes (`dependencies.template_digests`)."""
    previous: dict[str, str] | None = None
    """Where the previous generation (`write.previous_dir`) differs from the output directory:
    dest_path -> digest of the file it holds there ("" for none). None: no usable one."""
    own_pages_local: bool = False
    """The templates render an explainer's own pages without the rest of the site
    (`shards.own_pages_are_local`: parsing them to find out takes 0.1 s)."""


UNIT_FIELDS_SEEN_ELSEWHERE = ("front_digest", "context", "used_shared", "summary", "warnings")
"""The fields of a cached unit that other pages or the build's report depend on; the others
(`stamp`, `digest` of the file's bytes) only its own pages."""


def unit_mark(unit: dict[str, Any]) -> str:
    """Digest of what the rest of the site reads of a unit (its JSON, as `to_json` makes it)."""
    seen = {name: unit.get(name) for name in UNIT_FIELDS_SEEN_ELSEWHERE}
    text = json.dumps(seen, sort_keys=True, separators=(",", ":"))
    return hashlib.blake2b(text.encode(), digest_size=16).hexdigest()


def cache_key(out_dir: Path, base_url: str | None, drafts: bool) -> str:
    from generator.plan import code_version
    return f"{code_version()}|{_FORMAT}|{out_dir.absolute()}|{base_url}|{drafts}"


def cache_path(root: Path, key: str) -> Path:
    """One state file per output directory and options, so building elsewhere (`--out`)
    does not void the cache of the usual site/. The generator's version is left out of the
    name (the state inside says which version wrote it): a new version replaces the file
    instead of leaving the old one behind (20 MB at 5,000 explainers)."""
    _version, _format, place = key.split("|", 2)
    name = hashlib.blake2b(place.encode(), digest_size=8).hexdigest()
    return root / CACHE_DIR / f"state-{name}.json"


def _units_path(state_path: Path) -> Path:
    return state_path.with_name(state_path.name.replace("state-", "units-", 1))


def load_cache(root: Path, key: str) -> CacheState | None:
    """The cached state without its units (see `load_units`), or None if there is none usable."""
    data = _read_checked(cache_path(root, key), "state")
    if data is None:
        return None
    try:
        state = _from_json(data)
    except _DAMAGED:  # a corrupt cache only costs time
        return None
    return state if state.key == key else None


def load_units(root: Path, state: CacheState) -> dict[str, Any]:
    """Every unit of `state`, from its units file and its updates ({} if the file is gone,
    damaged or belongs to another state: the explainers are compiled again)."""
    if state.units is None:
        data = _read_checked(_units_path(cache_path(root, state.key)), "units")
        units = data.get("units") if isinstance(data, dict) and data.get("id") == state.units_id else None
        state.units = {**units, **state.unit_updates} if isinstance(units, dict) else {}
    return state.units


def _read_checked(path: Path, kind: str) -> Any:
    """The JSON in a file `_write_checked` wrote as `kind`, or None if it is missing, damaged,
    or not sealed with this user's key."""
    secret = userkey.key()
    if secret is None:
        return None
    try:
        data = safefs.read_file(path)
    except OSError:
        return None
    if not data.startswith(_MAGIC) or len(data) < len(_MAGIC) + 32:
        return None
    checksum, payload = data[len(_MAGIC):len(_MAGIC) + 32], data[len(_MAGIC) + 32:]
    if not userkey.is_sealed(kind, payload, checksum, secret):
        return None
    try:
        return json.loads(payload)
    except ValueError:
        return None


def _encode(data: Any) -> bytes:
    """Compact JSON. orjson encodes the state (4.9 MB at 5,000 explainers) in 3 to 5 ms
    where json took 30 (a tenth of a one-explainer edit); json stays for what orjson
    refuses (a file name that is not UTF-8 is a string with lone surrogates) or where it
    is not installed."""
    if orjson is not None:
        try:
            return orjson.dumps(data)
        except TypeError:  # orjson.JSONEncodeError
            pass
    return json.dumps(data, separators=(",", ":")).encode("utf-8")


def _write_checked(path: Path, data: Any, kind: str) -> None:
    """Write JSON sealed as `kind` with this user's key, atomically (a reader sees the old
    file or the new one). OSError if there is no key."""
    secret = userkey.key()
    if secret is None:
        raise OSError("no key to seal the cache with")
    payload = _encode(data)
    safefs.write_file(path, _MAGIC + userkey.seal(kind, payload, secret).encode() + payload)


def _strings(value: Any) -> dict[str, str]:
    """`value` if it is a mapping of strings to strings (JSON's keys are always strings; the
    values' types are collected in C: 30,000 entries at 5,000 explainers)."""
    if not isinstance(value, dict) or not set(map(type, value.values())) <= {str}:
        raise TypeError("not a mapping of strings")
    return value


def _of_type(value: Any, kind: type) -> Any:
    """`value` if it is a `kind` (a bool is not an int here), else TypeError."""
    if type(value) is not kind:
        raise TypeError(f"not a {kind.__name__}")
    return value


def diagnostics_to_json(diagnostics: list[Diagnostic]) -> list[dict[str, Any]]:
    return [{"message": d.message, "span": list(d.span) if d.span else None, "hint": d.hint,
             "severity": d.severity} for d in diagnostics]


def diagnostics_from_json(data: Any) -> list[Diagnostic]:
    """What `diagnostics_to_json` made; TypeError (or another of `_DAMAGED`) on anything else."""
    diagnostics = []
    for item in _of_type(data, list):
        span = None
        if item["span"] is not None:
            path, line, column = _of_type(item["span"], list)
            span = Span(_of_type(path, str), _of_type(line, int), _of_type(column, int))
        hint = None if item["hint"] is None else _of_type(item["hint"], str)
        severity = item.get("severity", "warning")
        if severity not in ("warning", "error"):
            raise ValueError("not a severity")
        diagnostics.append(Diagnostic(_of_type(item["message"], str), span, hint, severity))
    return diagnostics


def _from_json(data: Any) -> CacheState:
    updates = data["unit_updates"]
    if not isinstance(updates, dict):
        raise TypeError("not a mapping")
    previous = None if data["previous"] is None else _strings(data["previous"])
    return CacheState(_of_type(data["key"], str), _strings(data["sources"]), _strings(data["outputs"]),
                      _strings(data["digests"]), diagnostics_from_json(data["warnings"]),
                      _of_type(data["build_id"], str), _of_type(data["valid_until"], str), None,
                      _strings(data["unit_marks"]), updates, _of_type(data["units_id"], str),
                      _of_type(data["template_stamp"], str), _strings(data["templates"]),
                      previous, _of_type(data["own_pages_local"], bool))


def save_cache(root: Path, state: CacheState, updated: dict[str, Any] | None = None) -> None:
    """Write the cache atomically; failing to write it is not an error (the next build is full).

    With `updated` (explainer path -> unit), only those units changed since `state` was
    loaded: the state records them and the units file stays as it is. Otherwise
    `state.units` are every unit, and both files are written."""
    path = cache_path(root, state.key)
    if updated is None:
        units = state.units or {}
        marks = {rel: unit_mark(unit) for rel, unit in units.items()}
        updates: dict[str, Any] = {}
        units_id = os.urandom(8).hex()
    else:
        marks = {**state.unit_marks, **{rel: unit_mark(unit) for rel, unit in updated.items()}}
        updates = {**state.unit_updates, **updated}
        units_id = state.units_id
    # Built by hand rather than with dataclasses.asdict, which deep-copies every mapping.
    data: dict[str, Any] = {"key": state.key, "sources": state.sources, "outputs": state.outputs,
                            "digests": state.digests, "build_id": state.build_id,
                            "valid_until": state.valid_until, "unit_marks": marks,
                            "unit_updates": updates, "units_id": units_id,
                            "template_stamp": state.template_stamp, "templates": state.templates,
                            "previous": state.previous, "own_pages_local": state.own_pages_local,
                            "warnings": diagnostics_to_json(state.warnings)}
    try:
        make_cache_dir(root)
        if updated is None:  # first the units, then the state that names them
            _write_checked(_units_path(path), {"id": units_id, "units": state.units or {}}, "units")
        _write_checked(path, data, "state")
    except OSError:
        pass


def make_cache_dir(root: Path) -> None:
    """`.explainer-cache/`, with a .gitignore that keeps it out of commits. OSError if it is
    there but not a real folder of this user's (the build does without it)."""
    folder = root / CACHE_DIR
    try:
        os.mkdir(folder, 0o755)
    except FileExistsError:
        if not safefs.is_own_folder(folder):
            raise OSError(f"{folder} is not a folder of this user's") from None
    gitignore = folder / ".gitignore"
    try:
        is_file = stat.S_ISREG(os.lstat(gitignore).st_mode)
    except FileNotFoundError:
        is_file = False
    if not is_file:
        safefs.write_file(gitignore, b"*\n")


# -- git history and shared actors ---------------------------------------------

def load_history(root: Path, head: str | None) -> History | None:
    """What `git log` said at commit `head` (None: at whichever commit the last build was),
    if the cache has it (see `history`)."""
    data = _load_kept(root, "history.json")
    return history.from_json(data) if data is not None and head in (None, data.get("head")) else None


def save_history(root: Path, found: History) -> None:
    """Keep what git said at `found.head`: the next build at that commit need not ask again."""
    _keep(root, "history.json", history.to_json(found))


def load_shared(root: Path) -> dict[str, Any] | None:
    """The compiled shared actors the last build kept (see `save_shared`), or None."""
    return _load_kept(root, "shared.json")


def save_shared(root: Path, data: dict[str, Any]) -> None:
    """Keep the compiled shared actors (`stamps`, `context`, `actors` as `views.encode_actor`
    lines, `digests`, `warnings`), for a later build whose content/actors/ is unchanged."""
    _keep(root, "shared.json", data)


def _load_kept(root: Path, name: str) -> dict[str, Any] | None:
    data = _read_checked(root / CACHE_DIR / name, name)
    return data if isinstance(data, dict) and data.get("format") == _FORMAT else None


def _keep(root: Path, name: str, data: dict[str, Any]) -> None:
    try:
        make_cache_dir(root)
        _write_checked(root / CACHE_DIR / name, {"format": _FORMAT, **data}, name)
    except OSError:
        pass  # only time is lost


# -- explainer views (see `views`) --------------------------------------------

def _view_path(root: Path, src_path: str) -> Path:
    name = hashlib.blake2b(src_path.encode(), digest_size=8).hexdigest()
    return root / CACHE_DIR / "views" / f"{name}.json"


def make_views_dir(root: Path) -> None:
    """The folder `save_view` writes into (made before workers write there at once); a link
    or a file found under its name is replaced."""
    try:
        make_cache_dir(root)
        safefs.own_folder(root / CACHE_DIR / "views")
    except OSError:
        pass  # save_view fails too, and the build only loses time


def save_view(root: Path, src_path: str, key: str, text: str) -> bool:
    """Store one explainer's view (JSON) for its unit `key`, sealed, atomically; False if it
    could not be written (not an error). A full build's compile workers store each view as
    they make it (at 5,000 explainers, writing them all at the end took 1.2 s on one
    process); a view stored by a build that then fails is still the right one for its key.

    The file is the seal (32 hex digits), a line break, the key, a line break, the view."""
    secret = userkey.key()
    if secret is None or not safefs.is_own_folder(root / CACHE_DIR / "views"):
        return False
    try:
        body = f"{key}\n{text}".encode()
        safefs.write_file(_view_path(root, src_path), userkey.seal("view", body, secret).encode() + b"\n" + body)
    except (OSError, UnicodeError):
        return False
    return True


def save_views(root: Path, views: dict[str, tuple[str, str]], keep: set[str] | None = None) -> None:
    """Store `views` (explainer path -> (unit key, view JSON)); delete the views of
    explainers not in `keep` (if given): whatever else is in the folder, a link is removed,
    not followed. Failing is not an error."""
    make_views_dir(root)
    for src_path, (key, text) in views.items():
        save_view(root, src_path, key, text)
    if keep is None:
        return
    folder = root / CACHE_DIR / "views"
    if not safefs.is_own_folder(folder):
        return
    wanted = {_view_path(root, src_path).name for src_path in keep}
    try:
        with os.scandir(folder) as entries:
            unwanted = [entry.name for entry in entries if entry.name not in wanted]
    except OSError:
        return
    for name in unwanted:
        safefs.remove_tree(folder / name)


def load_view(root: Path, src_path: str, key: str) -> str | None:
    """The view JSON stored for `src_path` by a build whose unit had `key`, else None (also
    when its seal is not this user's)."""
    secret = userkey.key()
    if secret is None:
        return None
    try:
        data = safefs.read_file(_view_path(root, src_path))
    except OSError:
        return None
    checksum, body = data[:32], data[33:]
    if data[32:33] != b"\n" or not userkey.is_sealed("view", body, checksum, secret):
        return None
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return None
    stored_key, _, view = text.partition("\n")
    return view if stored_key == key else None


# -- who wrote the output directory ---------------------------------------------

def _writer_path(root: Path, out_dir: Path) -> Path:
    name = hashlib.blake2b(str(out_dir.absolute()).encode(), digest_size=8).hexdigest()
    return root / CACHE_DIR / f"writer-{name}.txt"


def record_writer(root: Path, out_dir: Path, build_id: str) -> None:
    """Say which build last wrote `out_dir` (sealed, like every cache file). Builds with other
    options into one folder (`build` and `build --drafts` into site/, two `serve` sessions of a
    project into its preview) keep separate cache states or Builders; each must know when
    another wrote there since, or it would trust a folder that is no longer what its state
    describes."""
    try:
        make_cache_dir(root)
        _write_checked(_writer_path(root, out_dir), build_id, "writer")
    except OSError:
        pass


def forget_writer(root: Path, out_dir: Path) -> None:
    """For a build that cannot record itself (no key): no cache state may match the site it
    writes. The record is removed where the folder is a real one of this user's."""
    if safefs.is_own_folder(root / CACHE_DIR):
        safefs.remove_tree(_writer_path(root, out_dir))


def last_writer(root: Path, out_dir: Path) -> str:
    """The id recorded by the last build that wrote `out_dir` ("" if unknown)."""
    found = _read_checked(_writer_path(root, out_dir), "writer")
    return found if isinstance(found, str) else ""
