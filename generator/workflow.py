"""`explainer new --github-pages`: the GitHub Actions workflow that publishes the site.

The file written is `scaffold/github-pages.yml` byte for byte, the very text that
docs/deploy.md shows and explains (a test keeps the two identical), so what a writer
gets is what the documentation describes and what the tests run.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from generator.diagnostics import BuildFailed, Diagnostic

TEMPLATE = Path(__file__).parent / "scaffold" / "github-pages.yml"
WORKFLOW = Path(".github") / "workflows" / "explainer.yml"
"""Where the workflow goes, relative to the project (which must be the repository's top)."""


def _git_top(root: Path) -> Path | None:
    """The top folder of the git work tree holding `root`; None outside git (or without git)."""
    try:
        result = subprocess.run(["git", "-C", str(root), "rev-parse", "--show-toplevel"],
                                capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.SubprocessError):
        return None
    top = result.stdout.strip()
    return Path(top) if result.returncode == 0 and top else None


def check_github_workflow(root: Path) -> Path:
    """Where the workflow goes; raises `BuildFailed` if a file is there already, or if the
    project is below the top of its git repository, where GitHub would never run it."""
    top = _git_top(root)
    if top is not None and top.resolve() != root.resolve():
        raise BuildFailed([Diagnostic(
            f"the project is in a subfolder of the git repository {top}, and GitHub runs only "
            f"the workflows in {top / WORKFLOW.parent}",
            hint="run 'explainer new --github-pages' with the project at the top of its repository, "
                 "or adapt the workflow of explainer's docs/deploy.md (explainer build --root)")])
    path = root / WORKFLOW
    if path.exists():
        raise BuildFailed([Diagnostic(f"{WORKFLOW.as_posix()} already exists",
                                      hint="delete it first to write the current one")])
    return path


def write_github_workflow(root: Path) -> Path:
    """Write .github/workflows/explainer.yml under `root` (see `check_github_workflow`)."""
    path = check_github_workflow(root)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "xb") as handle:  # never over a file that appeared meanwhile
        handle.write(TEMPLATE.read_bytes())
    return path
