"""Query expansion: a citizen's word also searches for the official one."""

from __future__ import annotations

from index.lexical import JiebaTokenizer
from index.normalize import Normalizer
from index.synonyms import Expander

NORM = Normalizer()
TOKENIZE = JiebaTokenizer()
EXPAND = Expander(TOKENIZE)


def extra(question: str) -> list[str]:
    q = NORM(question)
    tokens = TOKENIZE(q)
    return EXPAND(q, tokens)[len(tokens) :]


def test_an_everyday_word_adds_the_official_one() -> None:
    assert {"烟花爆竹"} <= set(extra("春节能放鞭炮吗"))
    assert "原因" in extra("福利院财政拨款为啥比去年多了")


def test_an_english_word_between_chinese_characters_is_expanded() -> None:
    # 年 and g are both word characters: a \b pattern saw no word here and GDP questions lost 地区生产总值.
    assert "生产总值" in extra("青禾区2023年GDP是多少")
    assert "生产总值" in extra("What was Qinghe's GDP in 2023?")


def test_english_words_match_whole_words_only() -> None:
    found = extra("What is the current budget?")
    assert "预算" in found and "租赁" not in found  # rent -> 租赁费, but "rent" is not in "current"
