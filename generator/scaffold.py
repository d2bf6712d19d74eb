"""`explainer new`: a starter explainer that builds as it is, in a new project if need be.

As `hugo new site` and `mkdocs new` do, `new` makes the project folder when it
does not exist, and a folder without `content/` gets the files a project
starts with: `site.yaml`, a `.gitignore` for what builds write, and the
settings with which Visual Studio Code's YAML extension checks site.yaml and
the shared actors by their JSON Schemas (docs/schema.md), each only if
missing. The starter is a draft, so a placeholder is never published by
accident.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import os
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from generator import schema
from generator.diagnostics import BuildFailed, Diagnostic
from generator.load import MAX_NAME_LENGTH, suggest_id
from generator.validate import RESERVED_SLUGS

SCAFFOLD = Path(__file__).parent / "scaffold"
STARTER = SCAFFOLD / "explainer.md"
EDITOR_FOLDER = ".vscode"
EDITOR_SCHEMAS = {"site": "site.yaml", "actor": "content/actors/*.yaml"}
"""The schemas Visual Studio Code's YAML extension checks files with, and the files: not the
explainers, whose front matter it cannot check inside Markdown (docs/schema.md)."""


def _starter(name: str) -> Callable[[], str]:
    return lambda: (SCAFFOLD / name).read_text(encoding="utf-8")


def editor_settings() -> str:
    """`.vscode/settings.json`: each file pattern's schema, by its path in the project."""
    schemas = {f"{EDITOR_FOLDER}/schema/{schema.file_name(name)}": [files] for name, files in EDITOR_SCHEMAS.items()}
    return json.dumps({"yaml.schemas": schemas}, indent=2) + "\n"


PROJECT_FILES: dict[str, Callable[[], str]] = {
    "site.yaml": _starter("site.yaml"), ".gitignore": _starter("gitignore"),
    f"{EDITOR_FOLDER}/settings.json": editor_settings,
    **{f"{EDITOR_FOLDER}/schema/{schema.file_name(name)}": functools.partial(schema.text, name)
       for name in EDITOR_SCHEMAS},
}
"""What a new project starts with besides its first explainer (file name -> its text)."""

UNTITLED = "explainer"
"""The slug of a title with no letter or digit ("???"), numbered when taken."""


@dataclass
class NewExplainer:
    path: Path
    """The explainer written."""
    project_files: list[str] = field(default_factory=list)
    """The names of the project files written with it (a new project), in order."""


def slugify(title: str) -> str:
    """"Who was behind the attack?" -> "who-was-behind-the-attack"; other scripts are
    transliterated ("Кто стоит за атакой?" -> "kto-stoit-za-atakoy"); "" without a letter
    or digit."""
    slug = suggest_id(title, fallback="")[:MAX_NAME_LENGTH].strip("-")
    return f"{slug}-explainer" if slug in RESERVED_SLUGS else slug


def _yaml_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _own_folder(root: Path, folder: Path) -> bool:
    """`folder` (relative to `root`) is a folder of the project, made if missing; False if it
    or a folder on the way is something else, such as a symbolic link (a `.vscode` linked to
    the user's own settings): nothing is written through it."""
    path = root
    for part in folder.parts:
        path = path / part
        try:
            os.mkdir(path)
        except FileExistsError:
            if path.is_symlink() or not path.is_dir():
                return False
    return True


def new_explainer(root: Path, title: str, today: dt.date | None = None) -> NewExplainer:
    """Write content/explainers/<slug>.md (and, in a new project, its project files);
    refuses to overwrite an existing explainer."""
    # Control characters cannot be written in YAML (nor shown in a page): drop them.
    title = " ".join("".join(c for c in title if unicodedata.category(c) != "Cc" or c.isspace()).split())
    if not title:
        raise BuildFailed([Diagnostic("the title must not be empty")])
    day = (today or dt.date.today()).isoformat()
    folder = root / "content" / "explainers"
    slug = slugify(title)
    if slug:
        path = folder / f"{slug}.md"
        if path.exists():
            raise BuildFailed([Diagnostic(f"{path.relative_to(root).as_posix()} already exists",
                                          hint="choose another title or edit that file")])
    else:  # nothing to make a slug of: a numbered one, never a clash
        path = folder / f"{UNTITLED}.md"
        number = 1
        while path.exists():
            number += 1
            path = folder / f"{UNTITLED}-{number}.md"
    new_project = not (root / "content").is_dir()
    text = STARTER.read_text(encoding="utf-8").format(title=_yaml_string(title), today=day)
    folder.mkdir(parents=True, exist_ok=True)
    written = NewExplainer(path)
    if new_project:
        for name, starter in PROJECT_FILES.items():
            if not _own_folder(root, Path(name).parent):
                continue
            try:  # "x": never over an existing file, nor through a link (a dangling one included)
                with open(root / name, "x", encoding="utf-8", newline="\n") as handle:
                    handle.write(starter())
            except FileExistsError:
                continue
            written.project_files.append(name)
    with open(path, "x", encoding="utf-8") as handle:
        handle.write(text)
    return written
