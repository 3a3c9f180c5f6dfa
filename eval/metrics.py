"""Retrieval metrics over ranked lists of relevance flags (pure functions)."""

from __future__ import annotations

import math
from collections.abc import Sequence


def recall_at(rels: Sequence[bool], k: int) -> float:
    return 1.0 if any(rels[:k]) else 0.0


def mrr_at(rels: Sequence[bool], k: int = 10) -> float:
    for i, r in enumerate(rels[:k]):
        if r:
            return 1.0 / (i + 1)
    return 0.0


def ndcg_at(rels: Sequence[bool], n_relevant: int, k: int = 10) -> float:
    """Binary-relevance nDCG; ``n_relevant`` is how many distinct results could be relevant."""
    dcg = sum(1.0 / math.log2(i + 2) for i, r in enumerate(rels[:k]) if r)
    ideal = sum(1.0 / math.log2(i + 2) for i in range(min(n_relevant, k)))
    return dcg / ideal if ideal else 0.0


def percentile(values: Sequence[float], q: float) -> float:
    if not values:
        return float("nan")
    s = sorted(values)
    pos = (len(s) - 1) * q
    lo, hi = math.floor(pos), math.ceil(pos)
    return s[lo] + (s[hi] - s[lo]) * (pos - lo)
