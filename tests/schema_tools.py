"""The JSON Schemas applied as an editor applies them, for the tests that check the schemas
(test_schema_verdicts.py) and those that check valid projects (test_valid_projects.py).

python-jsonschema, which knows nothing of explainer's code, validates each file's YAML as an
editor reads it: YAML 1.2's core schema (`1956` a number, `2024-03-28` and `yes` strings),
duplicate keys refused, an explainer's front matter taken from between its `---` lines,
against the schemas kept in docs/schema/ (test_schema.py checks they are current).

`verdicts_differ` compares that verdict with `explainer check`'s, allowing a file the schemas
accept and `check` refuses only for the kinds of error docs/schema.md lists. Besides
test_schema_verdicts.py, it can judge every project any test makes: with
`EXPLAINER_SCHEMA_VERDICTS=1`, the `project` fixture (conftest.py) checks each one so when
its test ends (docs/schema.md).
"""

from __future__ import annotations

import contextlib
import io
import json
import re
from pathlib import Path
from typing import Any

import jsonschema
import yaml

REPO = Path(__file__).resolve().parent.parent
SCHEMAS = {name: json.loads((REPO / f"docs/schema/{name}.schema.json").read_text("utf-8"))
           for name in ("explainer", "actor", "site")}


class Yaml12Loader(yaml.SafeLoader):
    """YAML 1.2's core schema, as the YAML language server reads it: no timestamps, no yes/no
    booleans, no sexagesimal or octal `017` numbers; a duplicate key is an error."""

    yaml_implicit_resolvers: dict[Any, Any] = {}

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[str, Any]:
        if not isinstance(node, yaml.MappingNode):
            raise yaml.constructor.ConstructorError(None, None, "expected a mapping", node.start_mark)
        self.flatten_mapping(node)
        mapping: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                raise yaml.constructor.ConstructorError(None, None, "a key must be a scalar", key_node.start_mark)
            key = key_node.value  # a JSON key is a string: `2024:` is the key "2024"
            if key in mapping:
                raise yaml.constructor.ConstructorError(None, None, f"duplicate key {key!r}", key_node.start_mark)
            mapping[key] = self.construct_object(value_node, deep=deep)
        return mapping


_CORE = [
    ("tag:yaml.org,2002:null", r"~|null|Null|NULL|", "~nN"),
    ("tag:yaml.org,2002:bool", r"true|True|TRUE|false|False|FALSE", "tTfF"),
    ("tag:yaml.org,2002:int", r"[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+", "-+0123456789"),
    ("tag:yaml.org,2002:float", r"[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
                                r"|[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN", "-+.0123456789"),
]
for _tag, _regex, _first in _CORE:
    Yaml12Loader.add_implicit_resolver(_tag, re.compile(rf"^(?:{_regex})$"), list(_first))
Yaml12Loader.add_implicit_resolver("tag:yaml.org,2002:null", re.compile(r"^$"), [""])


def _int(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> int:
    text = node.value
    if text.startswith(("0o", "0x")):
        return int(text[2:], 8 if text[1] == "o" else 16)
    return int(text, 10)


def _float(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> float:
    text = node.value.lower().replace(".inf", "inf").replace(".nan", "nan")
    return float(text)


Yaml12Loader.add_constructor("tag:yaml.org,2002:int", _int)
Yaml12Loader.add_constructor("tag:yaml.org,2002:float", _float)
Yaml12Loader.add_constructor("tag:yaml.org,2002:bool", lambda loader, node: node.value.lower() == "true")
Yaml12Loader.add_constructor("tag:yaml.org,2002:null", lambda loader, node: None)


def _front_matter(text: str) -> str | None:
    """The YAML between an explainer's opening `---` line and its closing `---` or `...` line."""
    lines = text.split("\n")
    if not lines or lines[0].rstrip(" \t") != "---":
        return None
    for number, line in enumerate(lines[1:], start=1):
        if line.rstrip(" \t") in ("---", "..."):
            return "\n".join(lines[1:number]) + "\n"
    return None


def yaml_text(path: Path, front_matter: bool) -> tuple[str | None, str | None]:
    """The file's YAML document (an explainer's front matter), or why there is none."""
    try:
        text = path.read_bytes().decode("utf-8").removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    except UnicodeDecodeError:
        return None, "not UTF-8"
    if front_matter:
        found = _front_matter(text)
        if found is None:
            return None, "no front matter"
        text = found
    return text, None


def document(text: str) -> tuple[Any, str | None]:
    """The YAML document as data, or why an editor could not read it."""
    try:
        data = yaml.load(text, Yaml12Loader)
    except (yaml.YAMLError, RecursionError) as exc:
        return None, f"YAML: {str(exc).splitlines()[0]}"
    return ({} if data is None else data), None


def project_files(root: Path) -> list[tuple[Path, str, bool]]:
    """(file, the name of its schema, whether its YAML is front matter) for each file a schema
    describes, as an editor's file patterns find them."""
    files = [(root / "site.yaml", "site", False)] if (root / "site.yaml").is_file() else []
    files += [(p, "actor", False) for p in sorted((root / "content/actors").glob("*.yaml"))]
    files += [(p, "explainer", True) for p in sorted((root / "content/explainers").glob("*.md"))]
    return [(path, name, front) for path, name, front in files if not path.name.startswith(".")]


def schema_problems(root: Path) -> list[str]:
    """What the schemas find wrong in the project's files: [] when every file is valid."""
    problems = []
    for path, name, front in project_files(root):
        rel = path.relative_to(root).as_posix()
        text, unreadable = yaml_text(path, front)
        data, unreadable = document(text) if text is not None else (None, unreadable)
        if unreadable is not None:
            problems.append(f"{rel}: {unreadable}")
            continue
        validator = jsonschema.Draft202012Validator(SCHEMAS[name])
        problems += [f"{rel}: {'/'.join(map(str, error.absolute_path))}: {error.message}"
                     for error in validator.iter_errors(data)]
    return problems


def unexpressible_kinds() -> dict[str, re.Pattern[str]]:
    """docs/schema.md's table of the errors no schema can check: kind -> message pattern."""
    text = (REPO / "docs/schema.md").read_text("utf-8")
    section = text.split("<!-- kinds: start -->")[1].split("<!-- kinds: end -->")[0]
    kinds = {}
    for line in section.splitlines():
        row = re.fullmatch(r"\| `([a-z0-9-]+)` \| .* \| `(.+)` \|", line.strip())
        if row:
            kinds[row[1]] = re.compile(row[2].replace(r"\|", "|"))
    return kinds


KINDS = unexpressible_kinds()


def kind_of(message: str) -> str | None:
    return next((kind for kind, pattern in KINDS.items() if pattern.fullmatch(message)), None)


def verdicts_differ(errors: list[str], problems: list[str]) -> str | None:
    """Why the schemas' verdict (`problems`) is not `explainer check`'s (its `errors`), or None."""
    if not errors and problems:
        return f"the schemas refuse what explainer check accepts: {problems}"
    unlisted = [message for message in errors if kind_of(message) is None]
    if errors and not problems and unlisted:
        return f"the schemas accept what explainer check refuses, for errors of no kind docs/schema.md lists: {unlisted}"
    return None


def check_errors(root: Path) -> list[str]:
    """The messages of the errors `explainer check --format json` finds in the project."""
    from generator import cli
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
        cli.main(["check", "--root", str(root), "--format", "json"])
    found = [json.loads(line) for line in out.getvalue().splitlines()]
    return [d["message"] for d in found if d["severity"] == "error"]

