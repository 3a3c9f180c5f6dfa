"""FAISS backends.

* ``flat``: exact inner product; its cost grows with the corpus (every vector is read per query), so
  ``auto`` uses it below 100 k passages only (``docs/performance-scale.md``).
* ``hnsw``: approximate graph (M=32, efConstruction=200, efSearch=128: recall@10 0.9999 of exact on the
  2,633 DRCD passage vectors, ``python -m eval.bench_ann``). Fast to search but slow to build on few
  cores and it keeps every float vector in memory besides its graph.
* ``ivf``: inverted lists over k-means cells with 8-bit scalar-quantised vectors (IVF-SQ8): a quarter of
  the memory of the float vectors, built in minutes at 1 M passages on 2 cores, and the kind that
  ``auto`` picks for large corpora (``index/ann/__init__.py``). ``nlist`` and ``nprobe`` follow the
  number of vectors (``ivf_params``) and are recorded in the manifest.

Saved with ``faiss.write_index`` (FAISS's own binary format, not a pickle). ``load`` memory-maps the
vectors of ``flat`` and ``ivf`` files (FAISS ``IO_FLAG_MMAP_IFC``): only the pages a search touches
become resident.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import faiss
import numpy as np
import numpy.typing as npt

from index.ann.base import DenseIndex

MMAP = int(getattr(faiss, "IO_FLAG_MMAP_IFC", 0))


def read(path: str, mmap: bool = True) -> Any:
    """``faiss.read_index``, memory-mapped when the FAISS build supports it."""
    if mmap and MMAP:
        try:
            return faiss.read_index(path, MMAP)
        except RuntimeError:  # pragma: no cover - an index type this FAISS cannot map
            pass
    return faiss.read_index(path)


class _FaissIndex(DenseIndex):
    def __init__(self, index: Any) -> None:
        self._index = index

    def add(self, vectors: npt.NDArray[np.float32]) -> None:
        if len(vectors):
            self._index.add(np.ascontiguousarray(vectors, dtype=np.float32))

    def search(self, queries: npt.NDArray[np.float32], k: int) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.int64]]:
        k = max(1, min(k, self.size)) if self.size else 1
        if self._index is None:
            n = len(queries)
            return np.zeros((n, k), np.float32), np.full((n, k), -1, np.int64)
        scores, ids = self._index.search(np.ascontiguousarray(queries, dtype=np.float32), k)
        return scores, ids

    def save(self, path: str) -> None:
        faiss.write_index(self._index, path)

    @property
    def size(self) -> int:
        return int(self._index.ntotal) if self._index is not None else 0


class FaissFlatIndex(_FaissIndex):
    def __init__(self, dimension: int, index: faiss.Index | None = None) -> None:
        super().__init__(index if index is not None else faiss.IndexFlatIP(dimension))

    @classmethod
    def load(cls, path: str, params: Mapping[str, Any] | None = None) -> FaissFlatIndex:
        idx = read(path)
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

    @property
    def params(self) -> dict[str, Any]:
        return {"M": self.M, "efConstruction": self.EF_CONSTRUCTION, "efSearch": int(self._index.hnsw.efSearch)}

    @classmethod
    def load(cls, path: str, params: Mapping[str, Any] | None = None) -> FaissHNSWIndex:
        idx = read(path, mmap=False)
        out = cls(idx.d, idx)
        if params and "efSearch" in params:
            idx.hnsw.efSearch = int(params["efSearch"])
        return out


# Training points per k-means cell (FAISS warns under 39) and the seed of the training sample.
TRAIN_PER_LIST = 40
TRAIN_SEED = 0


def ivf_params(n: int) -> dict[str, int]:
    """``nlist``: a power of two near 2 sqrt(n) (512 at 100 k vectors, 2,048 at 1 M), with at least
    TRAIN_PER_LIST training vectors per cell; ``nprobe``: 1/16 of the cells, at least 32 (recall@10
    0.96 of exact at 100 k synthetic passages, ``eval/bench_scale.py``; docs/performance-scale.md)."""
    target = 2 * math.sqrt(max(n, 1))
    nlist = 2 ** max(0, round(math.log2(target)))
    nlist = max(1, min(nlist, n // TRAIN_PER_LIST))
    return {"nlist": nlist, "nprobe": min(nlist, max(32, nlist // 16))}


class FaissIVFIndex(_FaissIndex):
    """IVF-SQ8 over inner product; built (trained on a seeded sample of the vectors) at the first ``add``."""

    def __init__(self, dimension: int, index: Any = None, nprobe: int | None = None) -> None:
        self.dimension = dimension
        self._nprobe = nprobe
        super().__init__(index)
        if index is not None and nprobe is not None:
            index.nprobe = nprobe

    def add(self, vectors: npt.NDArray[np.float32]) -> None:
        if not len(vectors):
            return
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        if self._index is None:
            p = ivf_params(len(vectors))
            quantizer = faiss.IndexFlatIP(self.dimension)
            index = faiss.IndexIVFScalarQuantizer(
                quantizer, self.dimension, p["nlist"], faiss.ScalarQuantizer.QT_8bit, faiss.METRIC_INNER_PRODUCT
            )
            n_train = min(len(vectors), p["nlist"] * TRAIN_PER_LIST)
            rng = np.random.default_rng(TRAIN_SEED)
            sample = vectors[np.sort(rng.choice(len(vectors), size=n_train, replace=False))]
            index.train(sample)
            index.nprobe = self._nprobe or p["nprobe"]
            self._index = index
        self._index.add(vectors)

    @property
    def params(self) -> dict[str, Any]:
        if self._index is None:
            return {}
        return {"index": "IVF-SQ8", "nlist": int(self._index.nlist), "nprobe": int(self._index.nprobe)}

    def save(self, path: str) -> None:
        if self._index is None:  # no vectors: an untrained index of one cell keeps the file format
            empty = faiss.IndexIVFScalarQuantizer(
                faiss.IndexFlatIP(self.dimension),
                self.dimension,
                1,
                faiss.ScalarQuantizer.QT_8bit,
                faiss.METRIC_INNER_PRODUCT,
            )
            faiss.write_index(empty, path)
            return
        super().save(path)

    @classmethod
    def load(cls, path: str, params: Mapping[str, Any] | None = None) -> FaissIVFIndex:
        idx = read(path)
        nprobe = int(params["nprobe"]) if params and "nprobe" in params else None
        out = cls(idx.d, idx if idx.ntotal else None, nprobe)
        return out
