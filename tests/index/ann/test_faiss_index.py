"""FAISS dense indexes: flat is exact, HNSW and IVF close to it; all save in FAISS's own format and reload;
``auto`` picks flat for small corpora and IVF for large ones."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest

from index import ann
from index.ann.faiss_index import ivf_params


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
        ann.create("ivfpq", 4)
    with pytest.raises(ValueError, match="unknown ann"):
        ann.resolve("annoy", 10)


def _clustered(n: int, dim: int, seed: int) -> npt.NDArray[np.float32]:
    """Unit vectors around 200 random centres (real embeddings are clustered, not uniform)."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(200, dim))
    v = centres[rng.integers(0, 200, size=n)] + rng.normal(scale=0.6, size=(n, dim))
    return np.asarray(v / np.linalg.norm(v, axis=1, keepdims=True), dtype=np.float32)


def test_ivf_recall_params_and_mmap_round_trip(tmp_path: Path) -> None:
    vecs = _clustered(20_000, 32, 7)
    queries = _clustered(200, 32, 8)
    index = ann.create("ivf", 32)
    index.add(vecs)
    assert index.params == {"index": "IVF-SQ8", **ivf_params(20_000)}
    _, ids = index.search(queries, 10)
    exact = np.argsort(-(queries @ vecs.T), axis=1)[:, :10]
    recall = np.mean([len(set(a) & set(b)) / 10 for a, b in zip(ids, exact, strict=True)])
    assert recall >= 0.95
    index.save(str(tmp_path / "i.faiss"))
    again = ann.load("ivf", str(tmp_path / "i.faiss"), index.params)
    assert again.size == 20_000 and again.params == index.params
    assert (again.search(queries, 10)[1] == ids).all()
    # the manifest's nprobe is the one searched with
    assert ann.load("ivf", str(tmp_path / "i.faiss"), {"nprobe": 3}).params["nprobe"] == 3


def test_ivf_handles_tiny_and_empty_corpora(tmp_path: Path) -> None:
    assert ivf_params(10) == {"nlist": 1, "nprobe": 1}
    assert ivf_params(1_000_000) == {"nlist": 2048, "nprobe": 128}
    small = ann.create("ivf", 8)
    vecs = _unit(10, 8, 9)
    small.add(vecs)
    _, ids = small.search(vecs[:3], 1)
    assert ids[:, 0].tolist() == [0, 1, 2]
    empty = ann.create("ivf", 8)
    assert empty.size == 0 and (empty.search(vecs[:1], 5)[1] == -1).all()
    empty.save(str(tmp_path / "e.faiss"))
    assert ann.load("ivf", str(tmp_path / "e.faiss")).size == 0


def test_auto_is_flat_below_the_threshold_and_ivf_above() -> None:
    assert ann.resolve("auto", 0) == "flat"
    assert ann.resolve("auto", ann.AUTO_THRESHOLD - 1) == "flat"
    assert ann.resolve("auto", ann.AUTO_THRESHOLD) == "ivf"
    assert ann.resolve("hnsw", 10) == "hnsw"
