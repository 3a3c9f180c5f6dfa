from __future__ import annotations

import numpy as np
import pytest

from index import fusion


def arr(*x: float) -> np.ndarray:
    return np.array(x, dtype=np.float32)


def test_minmax_bounds_and_constant() -> None:
    assert fusion.minmax(arr(2, 4, 3)).tolist() == [0.0, 1.0, 0.5]
    assert fusion.minmax(arr(5, 5)).tolist() == [0.0, 0.0]
    assert fusion.minmax(arr()).size == 0


def test_convex_keeps_a_confident_lexical_winner_that_rrf_loses() -> None:
    # Candidate 0: clear BM25 winner, dense runner-up by a hair. Candidate 1: dense winner, weak BM25.
    dense = arr(0.850, 0.852, 0.70, 0.69)
    bm25 = arr(30.0, 2.0, 1.0, 0.0)
    convex = fusion.fuse(dense, bm25, "convex", 0.4)
    assert int(np.argmax(convex)) == 0
    rrf = fusion.fuse(dense, bm25, "rrf")
    assert rrf[0] == pytest.approx(rrf[1])  # rank fusion cannot see the margin


def test_weight_extremes_reduce_to_one_side() -> None:
    dense = arr(0.1, 0.9, 0.5)
    bm25 = arr(3.0, 1.0, 2.0)
    assert np.argsort(-fusion.fuse(dense, bm25, "convex", 1.0)).tolist() == [1, 2, 0]
    assert np.argsort(-fusion.fuse(dense, bm25, "convex", 0.0)).tolist() == [0, 2, 1]
    assert fusion.fuse(dense, bm25, "dense").tolist() == dense.tolist()
    assert fusion.fuse(dense, bm25, "bm25").tolist() == bm25.tolist()


def test_rrf_gives_no_lexical_credit_without_a_match() -> None:
    dense = arr(0.5, 0.4)
    bm25 = arr(0.0, 0.0)
    s = fusion.fuse(dense, bm25, "rrf")
    assert s[0] == pytest.approx(1 / 61) and s[1] == pytest.approx(1 / 62)


def test_misaligned_inputs_and_unknown_method_are_errors() -> None:
    with pytest.raises(ValueError):
        fusion.fuse(arr(1, 2), arr(1), "convex")
    with pytest.raises(ValueError):
        fusion.fuse(arr(1), arr(1), "nope")  # type: ignore[arg-type]
