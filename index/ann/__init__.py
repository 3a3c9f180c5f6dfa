"""Dense vector index backends, chosen by name (``settings.ann``)."""

from __future__ import annotations

from index.ann.base import DenseIndex
from index.ann.faiss_index import FaissFlatIndex, FaissHNSWIndex

BACKENDS: dict[str, type[FaissFlatIndex] | type[FaissHNSWIndex]] = {"flat": FaissFlatIndex, "hnsw": FaissHNSWIndex}


def create(kind: str, dimension: int) -> DenseIndex:
    try:
        return BACKENDS[kind](dimension)
    except KeyError:
        raise ValueError(f"unknown ann backend {kind!r}; choose one of {sorted(BACKENDS)}") from None


def load(kind: str, path: str) -> DenseIndex:
    try:
        return BACKENDS[kind].load(path)
    except KeyError:
        raise ValueError(f"unknown ann backend {kind!r}; choose one of {sorted(BACKENDS)}") from None
