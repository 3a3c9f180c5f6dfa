from __future__ import annotations

import math
from pathlib import Path

import pytest

from eval.datasets import load_gold, load_squad
from eval.metrics import mrr_at, ndcg_at, percentile, recall_at

FIXTURES = Path(__file__).parent / "fixtures"


def test_metrics() -> None:
    rels = [False, True, False, True]
    assert recall_at(rels, 1) == 0.0 and recall_at(rels, 2) == 1.0
    assert mrr_at(rels) == 0.5 and mrr_at([False] * 12 + [True]) == 0.0
    assert ndcg_at([True], 1) == 1.0
    assert ndcg_at(rels, 2) == pytest.approx((1 / math.log2(3) + 1 / math.log2(5)) / (1 + 1 / math.log2(3)))
    assert percentile([1, 2, 3, 4], 0.5) == 2.5 and math.isnan(percentile([], 0.5))


def test_squad_set_becomes_a_corpus_with_gold_spans(tmp_path: Path) -> None:
    es = load_squad(FIXTURES / "tiny_squad.json", tmp_path, name="tiny", convert="tw2sp")
    assert len(es.questions) == 3
    assert es.questions[0].text == "怀柔森林覆盖率是多少？"  # converted to Simplified
    for q in es.questions:
        g = q.gold[0]
        text = (es.corpus_dir / f"{g.doc_id}.md").read_text(encoding="utf-8")
        assert text[g.start : g.end] == es.documents[g.doc_id][g.start : g.end]
    assert "雁棲湖是懷柔的著名景點， 每年" in es.documents[es.questions[1].gold[0].doc_id]
    again = load_squad(FIXTURES / "tiny_squad.json", tmp_path, name="tiny")
    assert again.corpus_dir == es.corpus_dir and again.questions[0].text == "懷柔森林覆蓋率是多少？"


def test_gold_set_quotes_resolve_in_the_shipped_report() -> None:
    es = load_gold()
    answerable = [q for q in es.questions if q.gold]
    assert len(answerable) >= 150 and len(es.questions) - len(answerable) >= 30
    ids = [q.qid for q in es.questions]
    assert len(ids) == len(set(ids))
    for q in answerable:
        for g in q.gold:
            assert 0 <= g.start < g.end <= len(es.documents[g.doc_id])
    cats = {q.category for q in es.questions}
    assert {"figure", "programme", "problems", "plan-2025", "no-answer"} <= cats


def test_repeated_hits_on_one_answer_gain_nothing() -> None:
    from eval.datasets import Gold, Question
    from eval.retrieval import span_relevance

    q = Question("q", "?", (Gold("d", 10, 20), Gold("e", 0, 5)))
    spans = [("d", 0, 15), ("d", 12, 30), ("x", 0, 99), ("e", 3, 4)]
    rels = span_relevance(q, spans)
    assert rels == [True, False, False, True]
    assert ndcg_at(rels, 2) <= 1.0
