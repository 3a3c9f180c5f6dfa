"""The evaluation runs the product's pipeline: the same relevance rule, build, searcher and decision."""

from __future__ import annotations

from pathlib import Path

from eval.datasets import Gold, Question, load_squad
from eval.metrics import ndcg_at
from eval.retrieval import run_set, span_relevance, summarize
from index import fusion
from index.config import Settings
from tests.helpers import HashEmbedder

FIXTURES = Path(__file__).parent / "fixtures"


def test_repeated_hits_on_one_answer_gain_nothing() -> None:
    q = Question("q", "?", (Gold("d", 10, 20), Gold("e", 0, 5)))
    spans = [("d", 0, 15), ("d", 12, 30), ("x", 0, 99), ("e", 3, 4)]
    rels = span_relevance(q, spans)
    assert rels == [True, False, False, True]
    assert ndcg_at(rels, 2) <= 1.0


def test_the_answer_decision_follows_the_settings(tmp_path: Path) -> None:
    """YOUJU_NO_ANSWER_THRESHOLD moves the evaluation's decision exactly as it moves the service's."""
    es = load_squad(FIXTURES / "tiny_squad.json", tmp_path / "corpus", name="tiny")
    emb = HashEmbedder()
    hybrid: dict[str, tuple[fusion.Method, float | None]] = {"hybrid": ("convex", None)}
    strict = run_set(es, Settings(cache_dir=tmp_path / "c", no_answer_threshold=1.0), emb, hybrid)
    lenient = run_set(es, Settings(cache_dir=tmp_path / "c", no_answer_threshold=0.0), emb, hybrid)
    assert not any(r.answered for r in strict.results["hybrid"])
    assert all(r.answered for r in lenient.results["hybrid"])
    for r in strict.results["hybrid"]:
        q = r.question.text
        assert r.answered == strict.searcher.search(q).answered
    assert summarize(lenient.results["hybrid"])["R@1"] > 0
