"""The shipped report with the real model: the questions citizens ask get the right paragraph first,
with the figure's sentence highlighted; questions the report cannot answer get answered=false."""

from __future__ import annotations

import pytest

from index.search import Searcher

pytestmark = pytest.mark.slow


@pytest.mark.parametrize(
    ("question", "figure"),
    [
        ("怀柔森林覆盖率多少", "77.57%"),
        ("12345热线满意率怎么样", "96%"),
        ("精简了多少个议事协调机构", "50個"),
        ("政府信息公开申请的答复率", "答復率達100%"),
        ("行政复议纠错率是多少", None),
        ("懷柔森林覆蓋率多少", "77.57%"),
    ],
)
def test_citizen_questions_get_the_right_paragraph_first(
    model_searcher: Searcher, question: str, figure: str | None
) -> None:
    ans = model_searcher.search(question)
    assert ans.answered, (question, ans.confidence)
    top = ans.results[0]
    if figure is None:
        return
    assert figure in top.text, (question, top.text[:80])
    marked = [top.text[h.start : h.end] for h in top.highlights]
    assert any(figure in m for m in marked), (question, marked)


def test_english_questions_find_the_chinese_passage_among_the_first(model_searcher: Searcher) -> None:
    # Cross-lingual matching rests on the dense side alone (no shared terms): top 3, not first.
    ans = model_searcher.search("How high is the forest coverage in Huairou?", top_k=3)
    assert any("77.57%" in r.text for r in ans.results)


@pytest.mark.parametrize(
    "question", ["北京今天天气怎么样", "社保卡丢了怎么补办", "个人所得税怎么申报", "公积金怎么提取", "明天会下雨吗"]
)
def test_questions_the_report_cannot_answer_are_flagged(model_searcher: Searcher, question: str) -> None:
    ans = model_searcher.search(question)
    assert not ans.answered, (question, ans.confidence, ans.results[0].text[:60] if ans.results else "")


def test_near_misses_score_below_real_answers(model_searcher: Searcher) -> None:
    # 怎么办理护照 shares 办理 with many passages and is not separable by threshold on this small corpus
    # (docs/retrieval.md), but it must still rank well below questions the report answers.
    near = model_searcher.search("怎么办理护照").confidence
    real = [model_searcher.search(q).confidence for q in ("怀柔森林覆盖率多少", "精简了多少个议事协调机构")]
    assert near < 0.5 < min(real)


def test_mainland_wording_finds_taiwan_wording(model_searcher: Searcher) -> None:
    # 执法质量 (mainland) must meet 執法品質 (Taiwan) in the report.
    ans = model_searcher.search("提升执法质量三年行动计划")
    assert "執法品質三年行動計劃" in ans.results[0].text
    assert any("61項" in r.text for r in ans.results[:2])
