"""`explainer new`: a starter explainer that builds as it is."""

from __future__ import annotations

import datetime as dt
import unicodedata
from pathlib import Path

from generator.diagnostics import BuildFailed, Diagnostic
from generator.load import MAX_NAME_LENGTH, suggest_id
from generator.validate import RESERVED_SLUGS

STARTER = Path(__file__).parent / "scaffold" / "explainer.md"


def slugify(title: str) -> str:
    """"Who was behind the attack?" -> "who-was-behind-the-attack"."""
    slug = suggest_id(title)[:MAX_NAME_LENGTH].strip("-")
    return slug if slug not in RESERVED_SLUGS else f"{slug}-explainer"


def _yaml_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def new_explainer(root: Path, title: str, today: dt.date | None = None) -> Path:
    """Write content/explainers/<slug>.md; refuses to overwrite an existing file."""
    # Control characters cannot be written in YAML (nor shown in a page): drop them.
    title = " ".join("".join(c for c in title if unicodedata.category(c) != "Cc" or c.isspace()).split())
    if not title:
        raise BuildFailed([Diagnostic("the title must not be empty")])
    slug = slugify(title)
    path = root / "content" / "explainers" / f"{slug}.md"
    if path.exists():
        raise BuildFailed([Diagnostic(f"{path.relative_to(root).as_posix()} already exists",
                                      hint="choose another title or edit that file")])
    text = STARTER.read_text(encoding="utf-8").format(
        title=_yaml_string(title), today=(today or dt.date.today()).isoformat())
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "x", encoding="utf-8") as handle:
        handle.write(text)
    return path
