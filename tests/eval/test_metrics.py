"""Retrieval metrics (pure functions)."""

from __future__ import annotations

import math

import pytest

from eval.metrics import mrr_at, ndcg_at, percentile, recall_at


def test_metrics() -> None:
    rels = [False, True, False, True]
    assert recall_at(rels, 1) == 0.0 and recall_at(rels, 2) == 1.0
    assert mrr_at(rels) == 0.5 and mrr_at([False] * 12 + [True]) == 0.0
    assert ndcg_at([True], 1) == 1.0
    assert ndcg_at(rels, 2) == pytest.approx((1 / math.log2(3) + 1 / math.log2(5)) / (1 + 1 / math.log2(3)))
    assert percentile([1, 2, 3, 4], 0.5) == 2.5 and math.isnan(percentile([], 0.5))
