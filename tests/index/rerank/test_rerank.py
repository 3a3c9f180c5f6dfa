"""The reranking stage: a model's probabilities reorder the best fused candidates and reach the answer
decision (a fake model here; the trained e5 cross-encoder in the slow test)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from index import fusion, store
from index.errors import ModelUnavailableError
from index.rerank import create
from index.rerank.base import FloatArray
from index.search import Searcher
from tests.helpers import HashEmbedder, build_hash_index


class KeywordJudge:
    """Says a passage answers when it contains ``word`` (probability 1), else 0."""

    name = "keyword"

    def __init__(self, word: str) -> None:
        self.word = word
        self.seen: list[tuple[str, list[str]]] = []

    def score(self, query: str, passages: list[str]) -> FloatArray:
        self.seen.append((query, passages))
        return np.array([1.0 if self.word in p else 0.0 for p in passages], dtype=np.float32)


@pytest.fixture
def index_root(report_corpus: Path, tmp_path: Path, hash_embedder: HashEmbedder) -> Path:
    root = tmp_path / "index"
    build_hash_index(report_corpus, root, hash_embedder)
    return root


def test_blend_lifts_only_the_candidates_read() -> None:
    fused = np.array([0.9, 0.5, 0.8, 0.1], dtype=np.float32)
    top = fusion.rerank_top(fused, 2)
    assert top.tolist() == [0, 2]
    out = fusion.rerank_blend(fused, top, np.array([0.0, 1.0], dtype=np.float32), weight=1.0)
    assert out.tolist() == pytest.approx([0.9, 0.5, 1.8, 0.1])
    assert fused.tolist() == pytest.approx([0.9, 0.5, 0.8, 0.1])  # the input is not changed


def test_reranker_reorders_candidates_and_its_probability_reaches_the_decision(
    index_root: Path, hash_embedder: HashEmbedder
) -> None:
    plain = Searcher(store.load(index_root), hash_embedder)
    before = plain.rank("行政执法", depth=5)
    assert before.judge == -1.0  # no reranker, no judgement
    decided = plain.answerability.decide(before.signals("行政执法"))
    assert plain.decide("行政执法", before).confidence == decided.confidence
    # A judge that believes only the third paragraph's passage: it must come first.
    target = before.rows[2]
    judge = KeywordJudge(plain.pair_side(target))
    judged = Searcher(store.load(index_root), hash_embedder, reranker=judge)
    after = judged.rank("行政执法", depth=5)
    assert after.rows[0] == target and after.rows[0] != before.rows[0]
    assert after.judge == 1.0 and after.signals("行政执法").judge == 1.0
    query, sides = judge.seen[-1]
    assert query == "行政执法" and len(sides) == fusion.RERANK_CANDIDATES
    # The pair shows the passage's nearest headings, then its text, in matching form (Simplified).
    p = plain.index.passages[target]
    assert judge.word.endswith(p.norm_text) and "执法" in judge.word


def test_a_configured_reranker_that_cannot_load_says_why(tmp_path: Path) -> None:
    def no_e5() -> Path:
        raise AssertionError("the e5 directory is only needed by the shipped model")

    assert create("none", no_e5) is None
    with pytest.raises(ModelUnavailableError, match="cross-encoder"):
        create(str(tmp_path / "no-such-model"), no_e5)
