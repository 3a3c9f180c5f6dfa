"""Evaluation sets: SQuAD files become corpora with gold spans; the gold set's quotes resolve."""

from __future__ import annotations

from pathlib import Path

import pytest

from eval.datasets import SETS, load_gold, load_set, load_squad
from index.config import Settings

FIXTURES = Path(__file__).parent / "fixtures"


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


def test_sets_are_loaded_one_way_by_name(tmp_path: Path) -> None:
    assert SETS[0] == "huairou-gold"
    assert load_set("huairou-gold", Settings(cache_dir=tmp_path)).name == "huairou-gold"
    with pytest.raises(ValueError, match="unknown set"):
        load_set("squad-en", Settings(cache_dir=tmp_path))
