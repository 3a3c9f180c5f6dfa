"""The logistic answer decision: monotone in its evidence, threshold overridable, one decision for all."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from index import answerability
from index.answerability import Signals, logistic
from index.search import Searcher
from index.store import load
from tests.helpers import HashEmbedder, build_hash_index


def test_more_evidence_means_more_confidence() -> None:
    low = logistic.confidence(Signals("怎么办理护照", 0.80, 0.2, 0.6))
    mid = logistic.confidence(Signals("森林覆盖率多少", 0.85, 0.6, 0.0))
    high = logistic.confidence(Signals("森林覆盖率多少", 0.90, 1.0, 0.0))
    assert 0.0 < low < mid < high < 1.0


def test_evidence_of_a_near_miss_lowers_confidence_and_a_clear_winner_raises_it() -> None:
    base = Signals("万里街道2024年三公经费预算多少", 0.90, 0.8, 0.0, margin=0.1)
    c = logistic.confidence(base)
    # the place or year named is not in the corpus; the best result is of another year; it lacks the unit
    assert logistic.confidence(replace(base, scope_unmatched=1.0)) < c
    assert logistic.confidence(replace(base, year_missing=1.0)) < c
    assert logistic.confidence(replace(base, unit_missing=1.0)) < c
    assert logistic.confidence(replace(base, margin=0.5)) > c


def test_questions_without_chinese_get_the_foreign_flag_and_their_translation_signals() -> None:
    # The searcher gives an English question the coverage and unknown share of its translation
    # (index/translate.py); the decision reads them as it reads a Chinese question's, with its own intercept.
    f = logistic.features(Signals("What is the forest coverage?", 0.8, 0.5, 0.5))
    assert f[2] == 1.0 and f[1] == 0.5 and f[3] == 0.5
    assert logistic.features(Signals("森林覆盖率多少", 0.8, 0.5, 0.5))[2] == 0.0
    english = Signals("What is the forest coverage?", 0.8, 0.5, 0.0)
    assert logistic.confidence(replace(english, unknown_share=1.0)) < logistic.confidence(english)


def test_threshold_is_the_calibrated_one_unless_overridden() -> None:
    # Calibrated per question encoder: the default int8 one, and torch's own.
    assert answerability.create("logistic", None, "onnx-int8").threshold == logistic.THRESHOLD
    assert answerability.create("logistic").threshold == logistic.THRESHOLDS["torch"]
    strict = answerability.create("logistic", 0.999)
    s = Signals("森林覆盖率多少", 0.88, 0.9, 0.0)
    assert strict.decide(s).answered is False
    assert answerability.create("logistic", 0.01).decide(s).answered is True
    with pytest.raises(ValueError, match="unknown answerability"):
        answerability.create("oracle")


def test_searcher_search_and_decide_agree(report_corpus: Path, tmp_path: Path) -> None:
    """The CLI/API answer and the evaluation's decision come from the same place (Searcher.decide)."""
    build_hash_index(report_corpus, tmp_path / "ix")
    s = Searcher(load(tmp_path / "ix"), HashEmbedder(), answerability=answerability.create("logistic", 0.5))
    for q in ("森林覆盖率多少", "怎么办理护照", "12345热线"):
        ans = s.search(q)
        d = s.decide(q, s.rank(q))
        assert (ans.answered, round(ans.confidence, 6)) == (d.answered, round(d.confidence, 6))
        assert ans.answered == (ans.confidence >= 0.5)
