"""`explainer new`: a starter explainer that builds as it is, in a new project if need be.

As `hugo new site` and `mkdocs new` do, `new` makes the project folder when it
does not exist, and a folder without `content/` gets the files a project
starts with: `site.yaml` and a `.gitignore` for what builds write (each
only if missing). The starter is a draft, so a placeholder is never
published by accident.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from generator.diagnostics import BuildFailed, Diagnostic
from generator.load import MAX_NAME_LENGTH, suggest_id
from generator.validate import RESERVED_SLUGS

SCAFFOLD = Path(__file__).parent / "scaffold"
STARTER = SCAFFOLD / "explainer.md"
PROJECT_FILES = {"site.yaml": SCAFFOLD / "site.yaml", ".gitignore": SCAFFOLD / "gitignore"}
"""What a new project starts with besides its first explainer (file name -> starter)."""

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
            target = root / name
            try:  # "x": never over an existing file, nor through a link (a dangling one included)
                with open(target, "x", encoding="utf-8") as handle:
                    handle.write(starter.read_text(encoding="utf-8"))
            except FileExistsError:
                continue
            written.project_files.append(name)
    with open(path, "x", encoding="utf-8") as handle:
        handle.write(text)
    return written
