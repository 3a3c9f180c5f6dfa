"""FAISS backends. ``flat``: exact inner product, right up to ~10^5 passages. ``hnsw``: approximate,
for large corpora (M=32, efConstruction=200, efSearch=128: recall@10 0.9999 of exact on the 2,633
DRCD passage vectors, measured by ``python -m eval.bench_ann``; at that size flat is still faster).
Saved with ``faiss.write_index`` (FAISS's own binary format, not a pickle)."""

from __future__ import annotations

from typing import Any

import faiss
import numpy as np
import numpy.typing as npt

from index.ann.base import DenseIndex


class _FaissIndex(DenseIndex):
    def __init__(self, index: faiss.Index) -> None:
        self._index = index

    def add(self, vectors: npt.NDArray[np.float32]) -> None:
        if len(vectors):
            self._index.add(np.ascontiguousarray(vectors, dtype=np.float32))

    def search(self, queries: npt.NDArray[np.float32], k: int) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.int64]]:
        k = max(1, min(k, self.size)) if self.size else 1
        scores, ids = self._index.search(np.ascontiguousarray(queries, dtype=np.float32), k)
        return scores, ids

    def save(self, path: str) -> None:
        faiss.write_index(self._index, path)

    @property
    def size(self) -> int:
        return int(self._index.ntotal)


class FaissFlatIndex(_FaissIndex):
    def __init__(self, dimension: int, index: faiss.Index | None = None) -> None:
        super().__init__(index if index is not None else faiss.IndexFlatIP(dimension))

    @classmethod
    def load(cls, path: str) -> FaissFlatIndex:
        idx = faiss.read_index(path)
        return cls(idx.d, idx)


class FaissHNSWIndex(_FaissIndex):
    M = 32
    EF_CONSTRUCTION = 200
    EF_SEARCH = 128

    def __init__(self, dimension: int, index: Any = None) -> None:
        if index is None:
            index = faiss.IndexHNSWFlat(dimension, self.M, faiss.METRIC_INNER_PRODUCT)
            index.hnsw.efConstruction = self.EF_CONSTRUCTION
        index.hnsw.efSearch = self.EF_SEARCH
        super().__init__(index)

    @classmethod
    def load(cls, path: str) -> FaissHNSWIndex:
        idx = faiss.read_index(path)
        return cls(idx.d, idx)
