"""Where `serve` builds: a preview folder of its own, never the publishable `site/`.

`serve` shows drafts and embargoed explainers (each with a banner), so what it
builds must never be deployed: if it built into `site/`, uploading `site/`
after a preview would publish them. It builds into `.explainer-cache/preview/`
instead, which git ignores and which the next `serve` session brings up to
date rather than writing anew; `site/` is only ever written by `build`.

The cache folder is used only if it can be trusted (`cache.folder_problem`: a
real folder, not a symbolic link, of the user running `serve`). A cloned
project could commit anything there, so otherwise the preview goes into a
fresh private temporary folder, removed when `serve` stops, and the build
keeps no cache.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from generator import safefs
from generator.incremental import cache

PREVIEW_NAME = "preview"


@dataclass(frozen=True)
class PreviewFolder:
    """The folder `serve` builds into, and how to treat it."""

    path: Path
    """The output directory of the preview's builds."""
    use_cache: bool
    """`.explainer-cache/` can be trusted: the builds may keep their state there."""
    temporary: Path | None = None
    """A private folder made for this session (it holds `path`), removed by `remove`."""

    def remove(self) -> None:
        """Delete the session's temporary folder, if it has one (the cache's is kept)."""
        if self.temporary is not None:
            safefs.remove_tree(self.temporary)


def preview_folder(root: Path) -> PreviewFolder:
    """`.explainer-cache/preview/` if the cache folder can be trusted (`cache.folder_problem`:
    the one place that decides it) and the preview folder in it is a real folder of this
    user's (a link or file there is removed, never followed); else a fresh private
    temporary folder."""
    root = Path(root)
    preview = root / cache.CACHE_DIR / PREVIEW_NAME
    if cache.folder_problem(root) is None:
        try:
            cache.make_cache_dir(root)
        except OSError:
            pass  # a read-only project: the check below fails, and the temporary folder it is
        if _clear_for_folder(preview):
            return PreviewFolder(preview, use_cache=True)
    temporary = Path(tempfile.mkdtemp(prefix="explainer-preview-"))
    return PreviewFolder(temporary / PREVIEW_NAME, use_cache=False, temporary=temporary)


def _clear_for_folder(path: Path) -> bool:
    """`path` is missing (the first build makes it; until then the server says the site is not
    built yet) or a folder of this user's; a link or file there is removed first (the link,
    not what it points at). False if it is another user's folder or cannot be removed."""
    if safefs.is_own_folder(path):
        return True
    if os.path.lexists(path) and (os.path.islink(path) or not os.path.isdir(path)):
        safefs.remove_tree(path)
    return not os.path.lexists(path)
