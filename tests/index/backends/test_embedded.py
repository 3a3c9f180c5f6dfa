"""The embedded backend: candidates are the union of both sides' best, with exact scores; a subset is
scored exactly; it saves and reopens from named files."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import numpy.typing as npt

from index.backends import backend_class
from index.backends.embedded import EmbeddedBackend

TOKENS = [["森林", "覆盖率"], ["热线", "满意率"], ["森林", "防火"], ["执法"], ["复议", "案件"]]


def _vectors(n: int, dim: int = 8, seed: int = 3) -> npt.NDArray[np.float32]:
    v = np.random.default_rng(seed).normal(size=(n, dim)).astype(np.float32)
    return np.asarray(v / np.linalg.norm(v, axis=1, keepdims=True), dtype=np.float32)


def test_candidates_union_both_sides_with_exact_scores(tmp_path: Path) -> None:
    vecs = _vectors(len(TOKENS))
    be = EmbeddedBackend.build(vecs, TOKENS, ann="flat")
    q = vecs[3]  # closest to row 3 by vector; the tokens match rows 0 and 2
    c = be.candidates(q, ["森林"], k=1)
    # the best by vector (row 3) and the best by BM25 (row 0 or 2: they tie)
    assert len(c.ids) == 2 and 3 in set(c.ids) and len({0, 2} & set(c.ids)) == 1
    np.testing.assert_allclose(c.dense, vecs[c.ids] @ q, rtol=1e-6)
    assert all((c.lexical > 0) == np.isin(c.ids, [0, 2]))
    assert list(c.ids) == sorted(c.ids)


def test_subset_is_scored_exactly_and_empty_is_empty() -> None:
    vecs = _vectors(len(TOKENS))
    be = EmbeddedBackend.build(vecs, TOKENS, ann="flat")
    sub = np.array([1, 4], dtype=np.int64)
    c = be.candidates(vecs[0], ["森林"], k=100, subset=sub)
    assert list(c.ids) == [1, 4] and not c.lexical.any()
    assert len(be.candidates(vecs[0], ["森林"], k=5, subset=np.zeros(0, np.int64)).ids) == 0


def test_save_and_open_round_trip(tmp_path: Path) -> None:
    vecs = _vectors(len(TOKENS))
    be = EmbeddedBackend.build(vecs, TOKENS, ann="hnsw")
    be.save(tmp_path)
    again = backend_class("embedded").open(tmp_path, vecs, ann="hnsw")
    assert again.size == len(TOKENS)
    a = be.candidates(vecs[1], ["热线"], k=2)
    b = again.candidates(vecs[1], ["热线"], k=2)
    assert list(a.ids) == list(b.ids)
    assert be.idf_table() == again.idf_table()
