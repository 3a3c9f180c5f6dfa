"""The embedder interface."""

from __future__ import annotations

from typing import Protocol

import numpy as np
import numpy.typing as npt

Vectors = npt.NDArray[np.float32]


class Embedder(Protocol):
    """Turns texts into L2-normalised float32 vectors. Queries and passages may be prefixed differently."""

    model_id: str
    dimension: int
    query_prefix: str
    passage_prefix: str

    def embed_queries(self, texts: list[str]) -> Vectors: ...

    def embed_passages(self, texts: list[str], *, progress: bool = False) -> Vectors: ...
