"""Dense vector index backends, chosen by name (``settings.ann``).

``auto`` (the default) is resolved at build time from the number of passages: exact ``flat`` below
``AUTO_THRESHOLD``, ``ivf`` (IVF-SQ8) from there on. The resolved kind and its parameters go into the
manifest (``ann``, ``ann_params``), and the searcher loads exactly that. Why: measured by
``python -m eval.bench_scale`` on synthetic 100 k and 1 M passage corpora (``docs/performance-scale.md``).
Exact search scans every vector (150 MB per query at 100 k passages: 80 ms p50 on the busy 2-core
benchmark machine, past the 50 ms budget; 10x that at 1 M); IVF-SQ8 answers in a few ms with recall@10
~0.96 of exact, a quarter of the memory of the float vectors, and builds in minutes where HNSW at
1 M passages takes far longer on 2 cores. Below 100 k passages exact search is affordable and loses
nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from index.ann.base import DenseIndex
from index.ann.faiss_index import FaissFlatIndex, FaissHNSWIndex, FaissIVFIndex

BACKENDS: dict[str, type[FaissFlatIndex] | type[FaissHNSWIndex] | type[FaissIVFIndex]] = {
    "flat": FaissFlatIndex,
    "hnsw": FaissHNSWIndex,
    "ivf": FaissIVFIndex,
}
AUTO = "auto"
# Passages from which ``auto`` picks ``ivf`` over ``flat``.
AUTO_THRESHOLD = 100_000


def resolve(kind: str, passages: int) -> str:
    """The concrete kind for a corpus of ``passages``: ``auto`` becomes ``flat`` or ``ivf``."""
    if kind == AUTO:
        return "flat" if passages < AUTO_THRESHOLD else "ivf"
    if kind not in BACKENDS:
        raise ValueError(f"unknown ann backend {kind!r}; choose one of {sorted([*BACKENDS, AUTO])}")
    return kind


def create(kind: str, dimension: int) -> DenseIndex:
    try:
        return BACKENDS[kind](dimension)
    except KeyError:
        raise ValueError(f"unknown ann backend {kind!r}; choose one of {sorted(BACKENDS)}") from None


def load(kind: str, path: str, params: Mapping[str, Any] | None = None) -> DenseIndex:
    try:
        backend = BACKENDS[kind]
    except KeyError:
        raise ValueError(f"unknown ann backend {kind!r}; choose one of {sorted(BACKENDS)}") from None
    return backend.load(path, params)
