"""The dense index interface: inner-product search over L2-normalised vectors (= cosine)."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from typing import Any

import numpy as np
import numpy.typing as npt


class DenseIndex(ABC):
    """A dense index: vectors in, ``search`` out; saved in its own file format (never pickled)."""

    @abstractmethod
    def add(self, vectors: npt.NDArray[np.float32]) -> None: ...

    @abstractmethod
    def search(self, queries: npt.NDArray[np.float32], k: int) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.int64]]:
        """(scores, ids), each [n_queries, k]; ids are -1 where fewer than k vectors exist."""

    @abstractmethod
    def save(self, path: str) -> None: ...

    @classmethod
    @abstractmethod
    def load(cls, path: str, params: Mapping[str, Any] | None = None) -> DenseIndex:
        """Read what ``save`` wrote; ``params`` (from the manifest) set the search parameters."""

    @property
    def params(self) -> dict[str, Any]:
        """The index's parameters, recorded in the manifest (``ann_params``)."""
        return {}

    @property
    @abstractmethod
    def size(self) -> int: ...
