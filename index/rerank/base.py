"""The reranking stage: a model that reads the question and a candidate passage together (a
cross-encoder) and says how likely the passage answers it. The searcher has it read the best fused
candidates, blends its probabilities into their scores (``fusion.rerank_blend``) and hands the best
result's probability to the answer decision; paragraph grouping and highlighting do not change.

``none`` (the default when no model is configured) is no reranker: the fused scores stand, at no cost.
"""

from __future__ import annotations

from typing import Protocol

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float32]


class Reranker(Protocol):
    name: str  # recorded with each answer decision and in the evaluation report

    def score(self, query: str, passages: list[str]) -> FloatArray:
        """Probability (0..1) that each passage answers ``query``; both in matching form, passages as
        ``index.rerank.pairs.passage_side`` renders them."""
        ...
