"""Storage backends, chosen by name (``YOUJU_BACKEND``; recorded in the index manifest).

``BACKENDS`` are those whose index lives in a build directory (``FileBackend``): the ones ``youju build``
writes and ``store.load`` opens. The ``qdrant`` backend is not one of them: it serves a build published into
the engine (``index/engine_store.py``) and is imported only there, so the embedded mode never loads its client.
"""

from __future__ import annotations

from index.backends.base import Candidates, FileBackend, SearchBackend
from index.backends.embedded import EmbeddedBackend

__all__ = ["BACKENDS", "Candidates", "FileBackend", "SearchBackend", "backend_class"]

BACKENDS: dict[str, type[FileBackend]] = {EmbeddedBackend.name: EmbeddedBackend}


def backend_class(name: str) -> type[FileBackend]:
    try:
        return BACKENDS[name]
    except KeyError:
        raise ValueError(f"unknown storage backend {name!r}; choose one of {sorted(BACKENDS)}") from None
