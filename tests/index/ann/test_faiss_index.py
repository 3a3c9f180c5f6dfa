"""FAISS dense indexes: flat is exact, HNSW close to it; both save in FAISS's own format and reload."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest

from index import ann


def _unit(n: int, dim: int, seed: int) -> npt.NDArray[np.float32]:
    v = np.random.default_rng(seed).normal(size=(n, dim)).astype(np.float32)
    return np.asarray(v / np.linalg.norm(v, axis=1, keepdims=True), dtype=np.float32)


def test_flat_is_exact_inner_product() -> None:
    vecs, queries = _unit(500, 16, 1), _unit(20, 16, 2)
    index = ann.create("flat", 16)
    index.add(vecs)
    scores, ids = index.search(queries, 5)
    exact = np.argsort(-(queries @ vecs.T), axis=1)[:, :5]
    assert (ids == exact).all()
    np.testing.assert_allclose(scores[:, 0], (queries @ vecs.T).max(axis=1), rtol=1e-5)


def test_hnsw_recall_and_round_trip(tmp_path: Path) -> None:
    vecs, queries = _unit(2000, 16, 3), _unit(50, 16, 4)
    index = ann.create("hnsw", 16)
    index.add(vecs)
    _, ids = index.search(queries, 10)
    exact = np.argsort(-(queries @ vecs.T), axis=1)[:, :10]
    recall = np.mean([len(set(a) & set(b)) / 10 for a, b in zip(ids, exact, strict=True)])
    assert recall >= 0.95
    index.save(str(tmp_path / "h.faiss"))
    again = ann.load("hnsw", str(tmp_path / "h.faiss"))
    assert again.size == 2000 and (again.search(queries, 10)[1] == ids).all()


def test_fewer_vectors_than_k_and_unknown_kind() -> None:
    index = ann.create("flat", 4)
    index.add(_unit(2, 4, 5))
    _, ids = index.search(_unit(1, 4, 6), 10)
    assert sorted(ids[0].tolist()) == [0, 1]
    with pytest.raises(ValueError, match="unknown ann"):
        ann.create("ivf", 4)
