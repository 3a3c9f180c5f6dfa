"""Highlighting: the answering sentence of a passage, as spans into it."""

from __future__ import annotations

from index.highlight import asks_for_figure, highlight
from index.lexical import JiebaTokenizer
from index.normalize import Normalizer

NORM = Normalizer()
TOK = JiebaTokenizer()
TEXT = "全區持續推進生態保護。森林覆蓋率達到77.57%。空氣品質持續改善，PM2.5濃度下降。"


def spans(question: str, text: str = TEXT) -> list[str]:
    q = NORM(question)
    return [text[s:e] for s, e in highlight(text, q, TOK(q), NORM, TOK, lambda t: 1.0)]


def test_the_answering_sentence_is_highlighted_across_scripts() -> None:
    assert spans("森林覆盖率多少") == ["森林覆蓋率達到77.57%。"]
    assert spans("空气质量怎么样") == ["空氣品質持續改善，PM2.5濃度下降。"]


def test_a_figure_question_prefers_the_sentence_with_a_figure() -> None:
    assert asks_for_figure("覆盖率多少") and asks_for_figure("how many cases")
    assert not asks_for_figure("如何申请")
    text = "森林工作成效明顯。森林面積增加到3萬公頃。"
    assert spans("森林面积多少", text) == ["森林面積增加到3萬公頃。"]


def test_nothing_matching_highlights_nothing() -> None:
    assert spans("护照办理") == []
    assert highlight("", "森林", ["森林"], NORM, TOK, lambda t: 1.0) == []
