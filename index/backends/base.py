"""The storage backend interface: where passages' vectors and lexical weights live, and how the
candidates of a question are found.

The ranking after retrieval — fusion, reranking, the answer decision, highlighting, citations — is
the same code whatever the backend (``index/search.py``); a backend only answers ``candidates``: which
passages to consider, with each side's raw score (dense cosine, BM25). ``embedded`` (FAISS + bm25s
files in the build directory, a ``FileBackend``) is the default; ``qdrant`` (``index/backends/qdrant.py``)
serves a build published into a search engine (``index/engine_store.py``).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float32]
IdArray = npt.NDArray[np.int64]


@dataclass(frozen=True)
class Candidates:
    """Passage rows (indices into the build's passage list, ascending) with both sides' raw scores."""

    ids: IdArray
    dense: FloatArray  # cosine of each candidate to the question
    lexical: FloatArray  # BM25 of each candidate (0 where no question term occurs)

    @classmethod
    def empty(cls) -> Candidates:
        return cls(np.zeros(0, np.int64), np.zeros(0, np.float32), np.zeros(0, np.float32))


class SearchBackend(ABC):
    """Dense and lexical retrieval over one build's passages (rows 0..size-1)."""

    name: ClassVar[str]

    @property
    def ann_params(self) -> dict[str, Any]:
        """The dense index's parameters, recorded in the manifest (``ann_params``)."""
        return {}

    @property
    @abstractmethod
    def size(self) -> int:
        """Passages indexed."""

    @abstractmethod
    def candidates(
        self, query_vector: FloatArray, query_tokens: list[str], k: int, subset: IdArray | None = None
    ) -> Candidates:
        """Without ``subset``: the union of the ``k`` passages closest to the question vector and the ``k``
        best by BM25 (those with a score above 0). With ``subset``: exactly those passages (a filtered
        search scores every passage that passes the filter)."""

    @abstractmethod
    def vectors_of(self, rows: list[int]) -> FloatArray:
        """The stored (L2-normalised) vectors of passages ``rows``, in that order: what the self-check compares
        with the model's vectors (index/selfcheck.py)."""

    @abstractmethod
    def idf_table(self) -> Mapping[str, float]:
        """Lucene idf of every lexical term: ln(1 + (N - df + 0.5) / (df + 0.5))."""


class FileBackend(SearchBackend):
    """A backend whose index is files in the build directory: built from the vectors and terms, saved beside
    them, opened again by ``store.load``."""

    @classmethod
    @abstractmethod
    def build(cls, vectors: FloatArray, tokenized: list[list[str]], *, ann: str) -> FileBackend:
        """Index the passages' L2-normalised vectors and lexical tokens (same order)."""

    @classmethod
    @abstractmethod
    def open(
        cls, directory: Path, vectors: FloatArray, *, ann: str, ann_params: Mapping[str, Any] | None = None
    ) -> FileBackend:
        """Open what ``save`` wrote into a build directory (``vectors`` are the build's vectors.npy;
        ``ann_params`` the dense index's parameters recorded in the manifest)."""

    @abstractmethod
    def save(self, directory: Path) -> None: ...
