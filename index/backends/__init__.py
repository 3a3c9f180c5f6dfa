"""Storage backends, chosen by name (``YOUJU_BACKEND``; recorded in the index manifest)."""

from __future__ import annotations

from index.backends.base import Candidates, SearchBackend
from index.backends.embedded import EmbeddedBackend

__all__ = ["BACKENDS", "Candidates", "SearchBackend", "backend_class"]

BACKENDS: dict[str, type[SearchBackend]] = {EmbeddedBackend.name: EmbeddedBackend}


def backend_class(name: str) -> type[SearchBackend]:
    try:
        return BACKENDS[name]
    except KeyError:
        raise ValueError(f"unknown storage backend {name!r}; choose one of {sorted(BACKENDS)}") from None
