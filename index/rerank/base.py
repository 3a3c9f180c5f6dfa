"""The reranking stage: rescores the fused candidates of a question before they are grouped into
paragraphs. A reranker sees the question and each candidate passage (a cross-encoder, say) and returns
new scores for them; the rest of the ranking — paragraph grouping, the answer decision, highlighting —
does not change.

``none`` (the default) is no reranker: the fused scores stand, at no cost.
"""

from __future__ import annotations

from typing import Protocol

import numpy as np
import numpy.typing as npt

from index.passage import Passage

FloatArray = npt.NDArray[np.float32]


class Reranker(Protocol):
    name: str

    def rerank(self, query_norm: str, passages: list[Passage], scores: FloatArray) -> FloatArray:
        """New scores for ``passages`` (aligned with ``scores``, the fused ones); higher is better."""
        ...
