"""The embedded backend: FAISS (``flat`` exact, ``hnsw`` or ``ivf``, ``index/ann/``) over the vectors and BM25
(bm25s, ``index/lexical.py``) over jieba tokens, saved as named files in the build directory::

    dense.faiss   FAISS's own binary format
    bm25/         bm25s arrays (.npy) and vocabulary (.json)

Dense scores of candidates are exact cosines from ``vectors.npy`` whatever the ANN kind.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from index import ann as ann_backends
from index.ann.base import DenseIndex
from index.backends.base import Candidates, FileBackend, FloatArray, IdArray
from index.lexical import BM25Index
from index.table import FileRows

DENSE_FILE = "dense.faiss"
BM25_DIR = "bm25"


class EmbeddedBackend(FileBackend):
    name: ClassVar[str] = "embedded"

    def __init__(self, vectors: FloatArray, dense: DenseIndex, bm25: BM25Index) -> None:
        self.vectors = vectors
        # Candidates' vectors of a mapped vectors.npy are read from the file (``table.FileRows``): through the
        # mapping, the pages around every touched row became resident too.
        self._rows: FileRows | FloatArray = FileRows.of(vectors) or vectors
        self.dense = dense
        self.bm25 = bm25

    @classmethod
    def build(cls, vectors: FloatArray, tokenized: list[list[str]], *, ann: str) -> EmbeddedBackend:
        dense = ann_backends.create(ann, vectors.shape[1])
        dense.add(vectors)
        return cls(vectors, dense, BM25Index.build(tokenized))

    @classmethod
    def open(
        cls, directory: Path, vectors: FloatArray, *, ann: str, ann_params: Mapping[str, Any] | None = None
    ) -> EmbeddedBackend:
        dense = ann_backends.load(ann, str(directory / DENSE_FILE), ann_params)
        return cls(vectors, dense, BM25Index.load(directory / BM25_DIR, len(vectors), mmap=True))

    @property
    def ann_params(self) -> dict[str, Any]:
        return self.dense.params

    def save(self, directory: Path) -> None:
        self.dense.save(str(directory / DENSE_FILE))
        (directory / BM25_DIR).mkdir()
        self.bm25.save(directory / BM25_DIR)

    @property
    def size(self) -> int:
        return self.dense.size

    def candidates(
        self, query_vector: FloatArray, query_tokens: list[str], k: int, subset: IdArray | None = None
    ) -> Candidates:
        n = len(self.vectors)
        bm = self.bm25.scores(query_tokens)
        if subset is not None:
            cand = subset
        else:
            k = min(k, n)
            _, dense_ids = self.dense.search(query_vector[None, :].astype(np.float32), k)
            lex_ids = np.argpartition(-bm, k - 1)[:k] if k < n else np.arange(n)
            cand = np.unique(np.concatenate([dense_ids[0][dense_ids[0] >= 0], lex_ids[bm[lex_ids] > 0]]))
        if not len(cand):
            return Candidates.empty()
        dense_scores = self._rows[cand] @ query_vector.astype(np.float32)
        return Candidates(cand, dense_scores, bm[cand])

    def vectors_of(self, rows: list[int]) -> FloatArray:
        return np.asarray(self._rows[rows], dtype=np.float32)

    def idf_table(self) -> Mapping[str, float]:
        return self.bm25.idf_table()
