from __future__ import annotations

import re

import pytest

from index.lexical import JiebaTokenizer
from index.normalize import Normalizer, is_traditional, to_simplified, to_traditional


@pytest.fixture(scope="module")
def norm() -> Normalizer:
    return Normalizer()


@pytest.mark.parametrize(
    ("mainland", "taiwan"),
    [("质量", "品質"), ("信息", "資訊"), ("程序", "程式"), ("水平", "水準"), ("高质量发展", "高品質發展")],
)
def test_taiwan_and_mainland_wording_meet(norm: Normalizer, mainland: str, taiwan: str) -> None:
    assert norm(mainland) == norm(taiwan)


def test_report_phrases_meet_mainland_questions(norm: Normalizer) -> None:
    tok = JiebaTokenizer()
    corpus = tok(norm("嚴格落實重大行政決策程式,提升行政執法品質"))
    query = tok(norm("重大行政决策程序 执法质量"))
    assert {"程序", "质量", "执法"} <= set(corpus) & set(query)


def test_simplified_text_is_not_rewritten_by_taiwan_phrase_table(norm: Normalizer) -> None:
    # tw2sp alone would turn 程序 into 进程, 建立 into 创建 and 么 into 幺.
    assert norm("建立重大行政决策程序怎么样") == "建立重大行政决策程序怎么样"


def test_full_width_and_case_are_folded(norm: Normalizer) -> None:
    assert norm("１２３４５熱線 ＡＢＣ") == "12345热线 abc"
    assert norm("森林覆蓋率７７．５７％") == "森林覆盖率77.57%"


def test_invisible_characters_and_spaces(norm: Normalizer) -> None:
    assert norm("信息\u200b公开\u3000\u3000申请\n") == "信息公开 申请"


def test_script_detection() -> None:
    assert is_traditional("懷柔區")
    assert not is_traditional("怀柔区")
    assert not is_traditional("12345 hotline")


def test_injected_converter_is_used() -> None:
    n = Normalizer(converter=lambda s: s.replace("甲", "乙"), terms={})
    assert n("甲Ａ") == "乙a"
    assert n.name == "nfkc+custom"


def test_display_conversions_keep_meaning() -> None:
    assert to_simplified("懷柔區森林覆蓋率") == "怀柔区森林覆盖率"
    assert to_traditional("信息公开") == "信息公開"


def test_display_conversion_changes_characters_never_words() -> None:
    # The 简体 view of a Taiwan-worded report keeps its words: 品質 becomes 品质, not 质量.
    assert to_simplified("提升行政執法品質，完善資訊公開程式，測試文件") == (
        "提升行政执法品质，完善资讯公开程式，测试文件"
    )
    assert to_traditional("提升执法质量，信息公开程序") == "提升執法質量，信息公開程序"


def testopencc_converter_converters_are_built_once_per_config(norm: Normalizer) -> None:
    from index.normalize import opencc_converter

    norm("懷柔區")
    before = opencc_converter.cache_info()
    for _ in range(5):
        norm("懷柔區森林")  # t2s (detection) and tw2sp alternate
    after = opencc_converter.cache_info()
    assert after.misses == before.misses and after.currsize >= 2


# The report's words that a phrase-level (Taiwan -> mainland vocabulary) conversion reworded in quotes.
REWORDINGS = {
    "執行率": "运行率",
    "核心條款": "内核条款",
    "規範性文件": "规范性文档",
    "效能": "性能",
    "建立": "创建",
    "整合": "集成",
    "智慧": "智能",
    "互動式": "交互式",
    "品質": "质量",
    "程式": "程序",
}


def test_simplified_view_of_every_corpus_line_changes_characters_only() -> None:
    from tests.helpers import REPORT_DIR

    lines = [ln for f in sorted(REPORT_DIR.glob("*.txt")) for ln in f.read_text(encoding="utf-8").splitlines()]
    assert len(lines) >= 15  # the report: headings and long paragraphs
    changed = 0
    for line in lines:
        out = to_simplified(line)
        assert len(out) == len(line), line
        # Each character converted alone: no phrase table, so no word of another wording.
        assert out == "".join(to_simplified(ch) for ch in line), line
        for word, wrong in REWORDINGS.items():
            for m in re.finditer(word, line):
                assert out[m.start() : m.end()] != wrong, (word, line)
        back = to_traditional(out)
        assert len(back) == len(line)
        changed += out != line
    assert changed > len(lines) // 2  # it is a Traditional-script report: most lines do change
    assert "执行率" in to_simplified("執行率") and "核心条款" in to_simplified("核心條款")


def test_script_detection_is_opencc_t2s_decided_fast() -> None:
    """The character-table detection decides as OpenCC's full t2s on every line of the shipped report, every
    gold question and the characters Simplified text shares with Traditional (乾隆, the surname 於)."""
    import json

    from index.normalize import opencc_converter
    from tests.helpers import REPORT_DIR, ROOT

    texts = [
        line for path in sorted(REPORT_DIR.glob("*.txt")) for line in path.read_text(encoding="utf-8").splitlines()
    ]
    for path in sorted((ROOT / "eval" / "gold").glob("*.jsonl")):
        texts += [json.loads(line)["question"] for line in path.read_text(encoding="utf-8").splitlines() if line]
    texts += ["清朝乾隆十八年", "天氣乾燥", "於姓", "於是他說", "覆盖率", "乾隆皇帝的書法", "abc", ""]
    t2s = opencc_converter("t2s")
    assert [is_traditional(t) for t in texts] == [t2s(t) != t for t in texts]
    assert not is_traditional("清朝乾隆十八年") and is_traditional("天氣乾燥")


@pytest.mark.parametrize("config", ["tw2sp", "t2s", "s2t"])
def test_remembered_segments_convert_exactly_as_opencc(config: str) -> None:
    """The process's converters remember each punctuation-delimited segment (a build converts the same text as
    a document, as passages and as sentences): the output is OpenCC's own, on every line of the shipped
    report, its sentences, the gold questions, and text made of separators only."""
    import json

    import opencc

    from index.normalize import SegmentConverter, opencc_converter
    from tests.helpers import REPORT_DIR, ROOT

    lines = [ln for f in sorted(REPORT_DIR.glob("*.txt")) for ln in f.read_text(encoding="utf-8").splitlines()]
    texts = lines + [s for ln in lines for s in re.split(r"(?<=[。；])", ln) if s]
    for path in sorted((ROOT / "eval" / "gold").glob("*.jsonl")):
        texts += [json.loads(line)["question"] for line in path.read_text(encoding="utf-8").splitlines() if line]
    texts += ["", "，。", " 懷柔區 ", "a-b--c", "資訊，資訊。資訊", "“程式”（品質）"]
    remembered = opencc_converter(config)
    assert isinstance(remembered, SegmentConverter)
    plain = opencc.OpenCC(config).convert
    for text in texts + texts:  # the second time from memory
        assert remembered(text) == plain(text), text
    assert remembered.segment.cache_info().hits > 0
