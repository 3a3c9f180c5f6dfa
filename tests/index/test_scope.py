"""The documents a question names: years, places, bodies; priors and the unmatched signal."""

from __future__ import annotations

import pytest

from index.doctable import DocumentHead
from index.lexical import JiebaTokenizer
from index.normalize import Normalizer
from index.passage import Document
from index.scope import ASPECT_PENALTY, OLDER_EDITION_PENALTY, Scopes, query_scope, without_names

NORM = Normalizer()

DOCS = [
    Document(
        "wanli",
        "w.pdf",
        "2023年预算。比2022年增加。",
        "上海市普陀区2023年区级部门预算",
        {"year": 2023, "issuer": "上海市普陀区人民政府万里街道办事处", "region": "上海市 普陀区 万里街道"},
    ),
    Document(
        "welfare",
        "f.pdf",
        "2024年预算，比2023年增加。",
        "上海市普陀区社会福利院2024年单位预算",
        {"year": 2024, "issuer": "上海市普陀区社会福利院", "region": "上海市 普陀区"},
    ),
    Document(
        "qh2023",
        "a.docx",
        "2023年报告。",
        "青禾区人民政府2023年政府信息公开工作年度报告",
        {"year": 2023, "series": "qh|disclosure", "region": "青禾区"},
    ),
    Document(
        "qh2024",
        "b.pdf",
        "2024年报告，2023年对比。",
        "青禾区人民政府2024年政府信息公开工作年度报告",
        {"year": 2024, "series": "qh|disclosure", "region": "青禾区"},
    ),
]
SCOPES = Scopes([DocumentHead.of(d) for d in DOCS], NORM)


def priors(q: str) -> dict[str, float]:
    return SCOPES.priors(query_scope(NORM(q)))


def test_what_a_question_names() -> None:
    qs = query_scope(NORM("萬里街道2023年三公經費"))
    assert qs.years == {2023} and qs.places == ("万里",)
    assert query_scope(NORM("城乡社区环境卫生支出多少")).places == ()
    assert query_scope(NORM("2023年全区收到多少申请")).places == ()
    assert query_scope(NORM("福利院有几个科室")).bodies == ("福利院",)
    assert query_scope(NORM("我住在洪泽区，低保多少")).places == ("洪泽",)
    assert query_scope(NORM("長寧區部門預算")).places == ("长宁",)


def test_names_are_taken_out_before_the_question_is_segmented() -> None:
    # jieba cuts 2023年青禾区收到… into 年青 + 禾区: words no document has, which read as an unknown topic.
    q = NORM("2023年青禾区收到多少政府信息公开申请")
    qs = query_scope(q, ["青禾"])
    assert "年青" in JiebaTokenizer()(q)
    left = JiebaTokenizer()(without_names(q, qs))
    assert "年青" not in left and "禾区" not in left and {"收到", "申请"} <= set(left)
    qs = query_scope(NORM("万里街道办事处是什么性质的机关"), ["万里"])
    assert without_names(NORM("万里街道办事处是什么性质的机关"), qs).strip().startswith("是什么性质")
    assert without_names(NORM("福利院2024年预算"), query_scope(NORM("福利院2024年预算"))) == " 2024年预算"
    assert without_names(q, query_scope(NORM("收到多少申请"))) == q  # nothing named: unchanged
    market = NORM("普陀区市民热线电话")
    assert without_names(market, query_scope(market, ["普陀"])).startswith(" 市民")  # one suffix only


@pytest.mark.parametrize(
    "question", ["在禁放区放炮仗罚多少钱", "哪个街道打12345的最多", "依法治区委有啥调整", "企业进入市场的环境怎么改善"]
)
def test_words_ending_like_places_are_not_places(question: str) -> None:
    # A no-fireworks zone, "which subdistrict", the district committee, the market: no place is named,
    # so nothing may count the question as about a place the corpus lacks.
    assert query_scope(NORM(question)).places == ()
    assert SCOPES.unmatched(query_scope(NORM(question))) == 0.0


def test_the_named_document_is_preferred() -> None:
    p = priors("万里街道2023年三公经费预算多少")
    assert "wanli" not in p and p["welfare"] <= -ASPECT_PENALTY
    p = priors("福利院2024年预算一共多少钱")
    assert "welfare" not in p and p["wanli"] < 0


def test_a_year_mentioned_in_the_text_counts_half() -> None:
    p = priors("2022年公益性岗位补贴执行数")  # only the 2023 budget mentions 2022
    assert "wanli" not in p and p["welfare"] == -ASPECT_PENALTY / 2


def test_newest_edition_when_no_year_is_named() -> None:
    assert priors("青禾区收到多少信息公开申请")["qh2023"] == -OLDER_EDITION_PENALTY
    p = priors("青禾区2023年收到多少信息公开申请")
    assert "qh2023" not in p and p["qh2024"] == -ASPECT_PENALTY / 2


def test_unmatched_places_and_years() -> None:
    assert SCOPES.unmatched(query_scope(NORM("洪泽区2023年财政收入多少"))) == 1.0
    assert SCOPES.unmatched(query_scope(NORM("万里街道2019年三公经费"))) == 1.0
    assert SCOPES.unmatched(query_scope(NORM("万里街道2023年三公经费"))) == 0.0
    assert SCOPES.unmatched(query_scope(NORM("三公经费是什么"))) == 0.0
    # Only the 2023 budget's text mentions 2022: half, the decision's model weighs it.
    assert SCOPES.unmatched(query_scope(NORM("万里街道2022年三公经费"))) == 0.5


def test_a_result_of_another_year_is_flagged() -> None:
    qs = query_scope(NORM("2024年自助查阅终端有多少台"))
    assert SCOPES.year_missing(qs, "qh2023", NORM("查阅点配备自助查阅终端23台。")) == 1.0
    assert SCOPES.year_missing(qs, "qh2024", NORM("查阅点配备自助查阅终端。")) == 0.0  # the document's year
    assert SCOPES.year_missing(qs, "qh2023", NORM("2024年计划新增终端10台。")) == 0.0  # mentioned in the text
    assert SCOPES.year_missing(query_scope(NORM("自助查阅终端有多少台")), "qh2023", "") == 0.0
    # A passage under a heading that names a year is of that year, whatever its document or text mention:
    # the 2024 budget's explanation compares with 2023 but does not give the 2023 budget.
    asked_2023 = query_scope(NORM("社会福利院2023年预算多少"))
    explanation = NORM("社会福利（项）738.66万元。2023年当年预算执行数为711.34万元，2024年预算安排738.66万元。")
    assert SCOPES.year_missing(asked_2023, "welfare", explanation) == 0.0  # mentioned in the text
    assert SCOPES.year_missing(asked_2023, "welfare", explanation, (NORM("2024年单位预算编制说明"),)) == 1.0
    review = (NORM("青禾区2024年政府工作报告"), NORM("一、2023年工作回顾"), NORM("（一）经济"))
    assert SCOPES.year_missing(query_scope(NORM("2023年GDP多少")), "qh2024", "", review) == 0.0
    assert SCOPES.year_missing(qs, "qh2024", "", review) == 1.0  # 2024 asked: the review is of 2023


def test_years_from_folded_text_are_those_of_the_matching_form() -> None:
    """Searchers read documents' years from the width-folded text (fast at 100,000 passages), which gives
    what the full matching form gives: on the shipped report and on texts with full-width digits, Traditional
    script and invisible characters."""
    from index.normalize import fold
    from index.scope import text_years
    from tests.helpers import REPORT_DIR

    norm = Normalizer()
    texts = [p.read_text(encoding="utf-8") for p in sorted(REPORT_DIR.glob("*.txt"))]
    texts += [
        "２０２３年預算，2024 年決算，\u200b2025\u200b年計畫",
        "民國113年（2024年）資訊公開",
        "編號20231234，第1999期",
    ]
    for t in texts:
        assert text_years(t, fold) == text_years(t, norm)
    assert text_years(texts[-3], fold) == {2023, 2024, 2025}
    assert text_years(texts[-1], fold) == {1999}


def test_the_fast_year_scan_finds_what_the_year_pattern_finds() -> None:
    """``text_years`` scans candidates and their neighbours instead of ``_YEAR``'s look-arounds at every
    character: the same years on 20,000 random strings of digits (ASCII, full-width, Arabic-Indic,
    superscript), 年, spaces and invisible characters."""
    import random

    from index.normalize import fold
    from index.scope import _YEAR, text_years

    rnd = random.Random(0)
    alphabet = "0123456789年 ，２０１９ab\u200b٢²"
    for _ in range(20_000):
        t = "".join(rnd.choice(alphabet) for _ in range(rnd.randint(0, 40)))
        assert text_years(t, fold) == frozenset(int(y) for y in _YEAR.findall(fold(t))), t


def test_a_heading_naming_another_year_moves_the_year_prior_to_it() -> None:
    # The 2024 report (qh2024) reviews 2023 under a heading of its own.
    asked_2023 = query_scope(NORM("青禾区2023年GDP是多少"))
    review = (NORM("青禾区人民政府2024年政府信息公开工作年度报告"), NORM("一、2023年工作回顾"))
    assert SCOPES.section_years(asked_2023, "qh2024", review) == pytest.approx(ASPECT_PENALTY / 2)  # 0.5 -> 1
    asked_2024 = query_scope(NORM("青禾区2024年GDP是多少"))
    assert SCOPES.section_years(asked_2024, "qh2024", review) == -ASPECT_PENALTY  # 1 -> 0
    # The deepest heading that names a year decides; none, or no year asked: no correction.
    plan = (*review[:1], NORM("二、2024年主要目标"), NORM("（一）稳增长"))
    assert SCOPES.section_years(asked_2024, "qh2024", plan) == 0.0
    assert SCOPES.section_years(asked_2024, "qh2024", (NORM("（一）稳增长"),)) == 0.0
    assert SCOPES.section_years(query_scope(NORM("GDP是多少")), "qh2024", review) == 0.0


def test_places_spelled_in_pinyin_in_english_questions() -> None:
    # DOCS' regions: 上海 普陀 万里 青禾; an English question names them in pinyin.
    qs = query_scope(NORM("How much did Wanli Subdistrict budget for 2023?"), SCOPES.known_places, SCOPES.spellings)
    assert qs.places == ("万里",) and qs.spelled == ("wanli",)
    p = SCOPES.priors(qs)
    assert "wanli" not in p and p["welfare"] < 0  # the named document is preferred, as for 万里街道
    # The spelling is taken out of the lexical query (qinghe is in the report's web address, not its answers).
    asked = query_scope(NORM("What is Qinghe's target?"), SCOPES.known_places, SCOPES.spellings)
    assert "qinghe" not in without_names(NORM("What is Qinghe's target?"), asked)
    # A place named before District that no document covers: the corpus cannot answer.
    other = query_scope(NORM("What was Hongze District's GDP in 2023?"), SCOPES.known_places, SCOPES.spellings)
    assert other.places == ("hongze",) and SCOPES.unmatched(other) == 1.0
    # A word of the language before City names no place ("Science City"), when the dictionary is given.
    science = query_scope(NORM("What is planned for Science City?"), (), {}, {"science"}.__contains__)
    assert science.places == () and query_scope(NORM("What is planned for Science City?")).places == ("science",)
    # Words before "district" that name no place.
    for q in ["How many district-level bodies were abolished?", "Which district has the most complaints?"]:
        assert query_scope(NORM(q), SCOPES.known_places, SCOPES.spellings).places == ()


def test_every_reading_of_a_polyphone_is_a_spelling() -> None:
    from index.scope import romanized

    assert {"changning", "zhangning"} <= romanized("长宁")
    assert "huairou" in romanized("怀柔") and "chaoyang" in romanized("朝阳")
