"""Search behaviour that does not depend on the model (hash embedder); model-backed checks are in
test_search_model.py."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from index import fusion, scope, store, table
from index.errors import InvalidParameterError, InvalidQueryError, PassageNotFoundError, QueryTooLongError
from index.search import Searcher, validate_query
from index.table import PassageTable
from tests.helpers import CITATION_KEYS, HashEmbedder, build_hash_index


@pytest.fixture
def searcher(report_corpus: Path, tmp_path: Path, hash_embedder: HashEmbedder) -> Searcher:
    (report_corpus / "second.md").write_text(
        "---\ntitle: 第二份文件\n---\n# 第一部分\n\n森林防火工作安排。森林覆盖率目标另行制定。\n\n"
        "# 第二部分\n\n其他内容。\n",
        encoding="utf-8",
    )
    root = tmp_path / "index"
    build_hash_index(report_corpus, root, hash_embedder)
    return Searcher(store.load(root), hash_embedder)


@pytest.mark.parametrize(
    ("query", "error"),
    [
        ("", InvalidQueryError),
        ("   \u3000 ", InvalidQueryError),
        ("森林\x00覆盖", InvalidQueryError),
        ("森" * 501, QueryTooLongError),
        (None, InvalidQueryError),
        (42, InvalidQueryError),
    ],
)
def test_bad_queries_are_refused_with_clear_errors(query: object, error: type[Exception]) -> None:
    with pytest.raises(error):
        validate_query(query, 500)


def test_odd_unicode_is_searchable(searcher: Searcher) -> None:
    for q in ["森林覆盖率？？", "😀 森林", "ｆｏｒｅｓｔ　森林", "\u200b森林\u200d", "森林\t覆盖率\n"]:
        ans = searcher.search(q)
        assert ans.results, q


def test_results_cite_exact_spans_and_highlights_inside_text(searcher: Searcher) -> None:
    ans = searcher.search("森林覆盖率达到了多少", top_k=5)
    assert ans.results
    docs = searcher.index.documents
    for r in ans.results:
        c = r.citation
        doc = docs[c.document_id]
        assert doc.text[c.start : c.end] == r.text
        assert r.context[r.context_start : r.context_start + len(r.text)] == r.text
        for h in r.highlights:
            assert 0 <= h.start < h.end <= len(r.text)
    keys = [(r.citation.document_id, r.citation.paragraph) for r in ans.results]
    assert len(keys) == len(set(keys)), "a paragraph is listed twice"


def test_figure_sentence_is_highlighted(searcher: Searcher) -> None:
    ans = searcher.search("森林覆盖率多少")
    top = next(r for r in ans.results if "77.57%" in r.text)
    assert any("77.57%" in top.text[h.start : h.end] for h in top.highlights)


def test_json_contract(searcher: Searcher) -> None:
    obj = searcher.search("12345热线满意率", top_k=3).to_json()
    assert set(obj) >= {"query", "answered", "results"} and isinstance(obj["answered"], bool)
    assert 1 <= len(obj["results"]) <= 3
    r = obj["results"][0]
    assert set(r) >= {"passage_id", "text", "context", "score", "highlights", "citation"}
    assert set(r["citation"]) == CITATION_KEYS


def test_filters_by_document_and_section_in_either_script(searcher: Searcher) -> None:
    only = searcher.search("森林", document_id="second")
    assert only.results and {r.citation.document_id for r in only.results} == {"second"}
    plan = searcher.search("法治", section="四、2025年主要安排")
    assert plan.results and all(r.citation.section[0].startswith("四、") for r in plan.results)
    simplified = searcher.search("法治", section="主要举措")  # the heading is 主要舉措 in the report
    assert simplified.results and all("主要舉措" in r.citation.section[0] for r in simplified.results)
    none = searcher.search("森林", document_id="no-such-doc")
    assert none.results == [] and none.answered is False


def test_passage_lookup_with_neighbours(searcher: Searcher) -> None:
    r = searcher.search("森林覆盖率").results[0]
    p = searcher.passage(r.passage_id)
    assert p.paragraph is not None and p.paragraph.text.find(p.text) >= 0
    assert p.previous is None or p.previous.paragraph == p.paragraph.paragraph - 1
    with pytest.raises(PassageNotFoundError):
        searcher.passage("nope")


def test_documents_listing(searcher: Searcher) -> None:
    docs = {d.document_id: d for d in searcher.documents()}
    assert docs["second"].title == "第二份文件"
    assert docs["huairou-2024-law-based-government-report"].metadata["year"] == 2024


@pytest.mark.parametrize("top_k", [0, 21, -1])
def test_top_k_out_of_range_is_refused(searcher: Searcher, top_k: int) -> None:
    with pytest.raises(InvalidParameterError, match="between 1 and 20"):
        searcher.search("森林", top_k)


class _HalfReranker:
    name = "test/half"

    def score(self, query: str, passages: list[str]) -> np.ndarray[Any, Any]:
        return np.full(len(passages), 0.5, dtype=np.float32)


def test_stage_timer_is_told_the_encoder_and_reranker_times(searcher: Searcher) -> None:
    stages: list[tuple[str, float]] = []
    searcher.search("森林覆盖率多少", stage_timer=lambda stage, seconds: stages.append((stage, seconds)))
    assert [s for s, _ in stages] == ["encoder"]  # no reranker configured
    searcher.reranker = _HalfReranker()
    stages.clear()
    with_timer = searcher.search("森林覆盖率多少", stage_timer=lambda stage, seconds: stages.append((stage, seconds)))
    assert [s for s, _ in stages] == ["encoder", "reranker"]
    assert all(seconds >= 0 for _, seconds in stages)
    assert searcher.search("森林覆盖率多少") == with_timer  # timing changes nothing about the answer
    stages.clear()
    searcher.search("在吗", stage_timer=lambda stage, seconds: stages.append((stage, seconds)))
    assert stages == []  # nothing was searched


def _as_written_before_rows(build: Path) -> None:
    """Make ``build`` look like one written before ``rows/`` existed (its other files are byte-identical)."""
    shutil.rmtree(build / table.ROWS)
    manifest = json.loads((build / store.MANIFEST).read_text(encoding="utf-8"))
    manifest["checksums"] = {k: v for k, v in manifest["checksums"].items() if not k.startswith(f"{table.ROWS}/")}
    (build / store.MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")


def test_a_build_without_rows_loads_whole_and_answers_identically(
    report_corpus: Path, tmp_path: Path, hash_embedder: HashEmbedder
) -> None:
    (report_corpus / "second.md").write_text(
        "---\ntitle: 第二份文件\n---\n# 第一部分\n\n森林防火工作安排。森林覆盖率目标另行制定。\n", encoding="utf-8"
    )
    root = tmp_path / "index"
    build_hash_index(report_corpus, root, hash_embedder)
    lazy = Searcher(store.load(root), hash_embedder)
    assert isinstance(lazy.index.passages, PassageTable) and lazy.index.passages.lazy
    old_root = tmp_path / "old"
    shutil.copytree(store.resolve(root), old_root)
    _as_written_before_rows(old_root)
    whole = Searcher(store.load(old_root), hash_embedder)
    assert isinstance(whole.index.passages, PassageTable) and not whole.index.passages.lazy
    assert whole.presentation.precomputed and lazy.presentation.precomputed
    questions = ["森林覆盖率是多少", "2024年主要工作", "怀柔科学城建设", "第二份文件说了什么", "在吗", "人均收入增长"]
    for q in questions:
        assert lazy.search(q, 10).model_dump_json() == whole.search(q, 10).model_dump_json()
        assert (
            lazy.search(q, 5, section="第一部分").model_dump_json()
            == whole.search(q, 5, section="第一部分").model_dump_json()
        )
        for r in lazy.search(q, 3).results:
            assert lazy.passage(r.passage_id) == whole.passage(r.passage_id)
            assert lazy.cite(r.passage_id, q) == whole.cite(r.passage_id, q)
            assert lazy.has_passage(r.passage_id) and whole.has_passage(r.passage_id)
    assert [d.model_dump() for d in lazy.documents()] == [d.model_dump() for d in whole.documents()]
    assert sum(d.passages for d in lazy.documents()) == len(lazy.index.passages)
    text = lazy.index.passages[3].text
    assert lazy.find_text(text) == whole.find_text(text) is not None
    assert not lazy.has_passage("0123456789abcdef")


def _searcher_of(tmp_path: Path, embedder: HashEmbedder, name: str, text: str) -> tuple[Searcher, Callable[[str], int]]:
    """A searcher over one Markdown document ``name`` holding ``text``, and the row of the passage that starts
    with a given text."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / name).write_text(text, encoding="utf-8")
    build_hash_index(corpus, tmp_path / "index", embedder)
    s = Searcher(store.load(tmp_path / "index"), embedder)

    def row(start: str) -> int:
        return next(i for i, p in enumerate(s.index.passages) if p.text.startswith(start))

    return s, row


def test_a_residual_other_item_is_demoted_unless_the_question_asks_for_it(
    tmp_path: Path, hash_embedder: HashEmbedder
) -> None:
    """Asked for a class (城乡社区支出), the residual 其他… item of a budget explanation is not the answer."""
    s, row = _searcher_of(
        tmp_path,
        hash_embedder,
        "budget.md",
        "# 部门预算编制说明\n\n"
        "31.“城乡社区支出（类）其他城乡社区支出（款）其他城乡社区支出（项）”1450.00万元，主要用于其他城乡社区支出。"
        "2022年当年预算执行数为3853.06万元，2023年预算安排1450.00万元，比2022年预算执行数减少62.37%。"
        "主要原因是：其他城乡社区支出经费减少。\n\n"
        "城乡社区支出（212）：支出预算·合计 121,319,878元，其中基本支出 80,000,000元，项目支出 41,319,878元；"
        "财政拨款支出 121,319,878元，一般公共预算 121,319,878元，政府性基金预算 0元，国有资本经营预算 0元。\n\n"
        "农林水支出（213）：支出预算·合计 2,563,000元，其中基本支出 2,000,000元，项目支出 563,000元；"
        "财政拨款支出 2,563,000元，一般公共预算 2,563,000元，政府性基金预算 0元，国有资本经营预算 0元。\n",
    )
    residual, total = row("31."), row("城乡社区支出（212）")

    def fused(question: str, penalty: float) -> dict[int, float]:
        s.residual_penalty = penalty
        return s.rank(question).fused

    on, off = fused("城乡社区支出预算多少", fusion.RESIDUAL_PENALTY), fused("城乡社区支出预算多少", 0.0)
    assert off[residual] - on[residual] == pytest.approx(fusion.RESIDUAL_PENALTY)
    assert on[total] == pytest.approx(off[total])  # the class total keeps its score
    asked = "其他城乡社区支出预算多少"  # the question asks for the other item: nothing is demoted
    assert fused(asked, fusion.RESIDUAL_PENALTY)[residual] == pytest.approx(fused(asked, 0.0)[residual])


def test_a_passage_without_the_asked_kind_of_figure_is_demoted(tmp_path: Path, hash_embedder: HashEmbedder) -> None:
    """Asked how many, a paragraph whose only figures are dates loses ANSWER_TYPE_PENALTY; asked how long, so
    does one without a duration; asked when, dates are the answer and nothing is demoted."""
    s, row = _searcher_of(
        tmp_path,
        hash_embedder,
        "report.md",
        "# 政府信息公开工作年度报告\n\n## 一、说明\n\n"
        "本报告统计期限自2023年1月1日起至2023年12月31日止，政府信息公开申请的受理、办理和答复情况见正文各部分。\n\n"
        "## 二、收到申请\n\n"
        "全区共收到政府信息公开申请156件，上年结转4件，全年办结153件，结转下年度继续办理7件。\n\n## 三、答复时限\n\n"
        "政府信息公开申请由区政府办公室统一受理，自受理之日起20个工作日内答复，特殊情况可以延长。\n",
    )
    dates, count = row("本报告"), row("全区")

    def fused(question: str, penalty: float) -> dict[int, float]:
        s.answer_type_penalty = penalty
        return s.rank(question).fused

    def lost(question: str, row: int) -> float:
        return fused(question, 0.0)[row] - fused(question, fusion.ANSWER_TYPE_PENALTY)[row]

    assert lost("收到多少政府信息公开申请", dates) == pytest.approx(fusion.ANSWER_TYPE_PENALTY)
    assert lost("收到多少政府信息公开申请", count) == pytest.approx(0.0)
    assert lost("政府信息公开申请多久答复", count) == pytest.approx(fusion.ANSWER_TYPE_PENALTY)  # 156件: no duration
    assert lost("政府信息公开申请统计期限从几月几号开始", dates) == pytest.approx(0.0)


def test_asked_how_to_apply_a_passage_that_never_says_how_is_demoted(
    tmp_path: Path, hash_embedder: HashEmbedder
) -> None:
    """法律援助去哪申请: the report's count of legal-aid cases loses ANSWER_TYPE_PENALTY, the guide's passage
    that names the office and the number to call does not; a question for a figure demotes neither."""
    s, row = _searcher_of(
        tmp_path,
        hash_embedder,
        "legal-aid.md",
        "# 法律援助\n\n## 一、工作情况\n\n"
        "全区受理法律援助案件469件，法律援助申请的办结率达到100%，群众满意度持续提升。\n\n"
        "## 二、办理地点\n\n"
        "申请法律援助，可到区公共法律服务中心窗口，或拨打12348热线咨询。\n",
    )
    report, guide = row("全区"), row("申请法律援助")

    def lost(question: str, row: int) -> float:
        s.answer_type_penalty = 0.0
        off = s.rank(question).fused[row]
        s.answer_type_penalty = fusion.ANSWER_TYPE_PENALTY
        return off - s.rank(question).fused[row]

    assert lost("法律援助去哪申请", report) == pytest.approx(fusion.ANSWER_TYPE_PENALTY)
    assert lost("法律援助去哪申请", guide) == pytest.approx(0.0)
    assert lost("法律援助案件有多少件", report) == pytest.approx(0.0)


def test_a_heading_naming_the_asked_year_wins_in_a_report_of_the_next_year(
    tmp_path: Path, hash_embedder: HashEmbedder
) -> None:
    """A 2024 work report reviews 2023 and plans 2024: 2023年 questions go to the review, 2024年 ones to the plan."""
    s, row = _searcher_of(
        tmp_path,
        hash_embedder,
        "work-report.md",
        "---\ntitle: 青禾区2024年政府工作报告\nyear: 2024\n---\n"
        "# 一、2023年工作回顾\n\n全区地区生产总值完成612.8亿元，同比增长5.6%。\n\n"
        "# 二、2024年主要目标\n\n全区地区生产总值增长5.5%左右。\n",
    )
    review, plan = row("全区地区生产总值完成"), row("全区地区生产总值增长")

    def prior(question: str, row: int) -> float:
        return s.rank(question).fused[row] - s.rank(question, scoped=False).fused[row]

    # Asked for 2023, the document (2024, mentioning 2023) matches half; the review's heading fully.
    assert prior("2023年全区地区生产总值是多少", review) == pytest.approx(scope.ASPECT_PENALTY / 2)
    assert prior("2023年全区地区生产总值是多少", plan) == pytest.approx(-scope.ASPECT_PENALTY / 2)
    # Asked for 2024, the document's year: the review is of another year.
    assert prior("2024年全区地区生产总值是多少", review) == pytest.approx(-scope.ASPECT_PENALTY)
    assert prior("2024年全区地区生产总值是多少", plan) == pytest.approx(0.0)


def test_an_english_question_finds_the_chinese_passage(tmp_path: Path, hash_embedder: HashEmbedder) -> None:
    """The hash embedder relates no English to Chinese: only the dictionary translation can find it."""
    topics = {
        "一、生态环境": "全年大气污染防治成效明显，空气重污染天数十一年来首次归零，细颗粒物年均浓度持续下降。",
        "二、法律服务": "全年受理法律援助案件四百六十九件，为群众挽回经济损失一千七百余万元，群众满意度较高。",
        "三、执法监督": "开展行政执法案卷评查，抽查执法案卷三百余卷，发现问题全部督促整改到位并建立台账。",
        "四、政务公开": "全年主动公开政府信息三千余条，依申请公开办结一百五十余件，按期答复率保持在较高水平。",
    }
    text = "# 年度报告\n\n" + "".join(f"## {h}\n\n{t}\n\n" for h, t in topics.items())
    s, row = _searcher_of(tmp_path, hash_embedder, "report.md", text)
    for question, start in [
        ("How many heavy air pollution days were there?", "全年大气污染"),
        ("How many legal aid cases were accepted?", "全年受理法律援助"),
        ("What did the inspection of law enforcement case files find?", "开展行政执法"),
    ]:
        assert s.rank(question).rows[0] == row(start), question
