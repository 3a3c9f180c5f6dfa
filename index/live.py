"""Where an index root's live build is: the names of the layout (``index/store.py`` describes it) and
``resolve``. Importable without the index's readers: ``youju serve``'s process that only starts and watches
its workers asks nothing else of the index."""

from __future__ import annotations

from pathlib import Path

from index.errors import IndexNotFoundError

MANIFEST = "manifest.json"
CURRENT = "current"
BUILDS = "builds"


def resolve(root: Path) -> Path:
    """The live build directory of an index root (or root itself if it is a build directory)."""
    if (root / MANIFEST).is_file():
        return root
    link = root / CURRENT
    if link.exists() and (link / MANIFEST).is_file():
        return link.resolve()
    raise IndexNotFoundError(f"no index at {root}; build one with `youju build --index {root}`")
