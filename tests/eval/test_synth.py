"""The synthetic-corpus generator: deterministic, lengths and terms from its sources, vectors near
their anchors; its vectorised BM25 arrays equal bm25s's own."""

from __future__ import annotations

import numpy as np

from eval import synth
from index.lexical import K1, B


def _sources() -> synth.Sources:
    rng = np.random.default_rng(0)
    n_src, per, dim = 30, 4, 16
    vocab = [f"t{i}" for i in range(60)]
    lens = rng.integers(3, 9, size=n_src * per)
    indptr = np.zeros(len(lens) + 1, dtype=np.int64)
    np.cumsum(lens, out=indptr[1:])
    v = rng.normal(size=(n_src, dim)).astype(np.float32)
    return synth.Sources(
        vectors=v / np.linalg.norm(v, axis=1, keepdims=True),
        sent_source=np.repeat(np.arange(n_src, dtype=np.int64), per),
        sent_chars=rng.integers(10, 60, size=n_src * per).astype(np.int64),
        sent_first=np.arange(0, n_src * per + 1, per, dtype=np.int64),
        term_indptr=indptr,
        term_ids=rng.integers(0, len(vocab), size=int(indptr[-1])).astype(np.int32),
        vocab=vocab,
        passage_chars=rng.integers(60, 200, size=n_src).astype(np.int64),
    )


def test_generation_is_deterministic_and_built_from_its_sources() -> None:
    src = _sources()
    a, b = synth.generate(src, 500, seed=3, chunk=128), synth.generate(src, 500, seed=3)
    assert np.array_equal(a.term_ids, b.term_ids) and np.allclose(a.vectors, b.vectors, atol=1e-6)
    assert not np.array_equal(a.vectors, synth.generate(src, 500, seed=4).vectors)
    np.testing.assert_allclose(np.linalg.norm(a.vectors, axis=1), 1, rtol=1e-5)
    assert len(a.term_indptr) == 501 and a.term_indptr[-1] == len(a.term_ids)
    # each passage is closest to its own anchor's vector more often than not
    nearest = np.argmax(a.vectors @ src.vectors.T, axis=1)
    assert np.mean(nearest == a.anchor) > 0.6
    assert (a.chars >= 10).all()


def test_bm25_arrays_equal_bm25s() -> None:
    import bm25s

    corpus = synth.generate(_sources(), 300, seed=1)
    ref = bm25s.BM25(k1=K1, b=B, method="lucene")
    ref.index(synth.token_lists(corpus), show_progress=False)
    mine = synth.bm25s_retriever(corpus)
    for query in (["t1", "t2"], ["t5"], ["t7", "t7", "t30"]):
        known = [t for t in query if t in ref.vocab_dict]
        np.testing.assert_allclose(mine.get_scores(known), ref.get_scores(known), atol=1e-5)
