"""English questions searched with the corpus's own Chinese words."""

from __future__ import annotations

from index.lexical import JiebaTokenizer
from index.translate import Translator, english_index

TOKENIZE = JiebaTokenizer()
TABLE = {
    "request": ("请求", "要求", "诉求", "愿心"),
    "air pollution": ("大气污染", "空气污染"),
    "pollution": ("烟霾",),
    "abolish": ("废除",),
    "how": ("怎么",),
}
CORPUS = {"要求": 1.0, "诉求": 2.5, "请求": 4.0, "大气污染": 3.0, "废除": 5.0, "怎么": 1.0}


def translator(per_word: int = 2) -> Translator:
    return Translator(CORPUS.__contains__, CORPUS.__getitem__, TOKENIZE, per_word, index=lambda: TABLE)


def test_only_words_the_corpus_uses_most_frequent_first() -> None:
    # 愿心 is not in the corpus; of the rest, the two with the lowest idf.
    assert translator()("how many requests were made") == ["要求", "诉求"]
    assert translator(per_word=1)("requests") == ["要求"]


def test_phrases_before_words_and_inflections() -> None:
    terms = translator()("how many air pollution days, and what was abolished?")
    assert "大气" in terms or "大气污染" in terms  # the phrase, not 烟霾 for "pollution" alone
    assert "烟霾" not in terms and "废除" in terms
    assert "怎么" not in terms  # function words are not looked up


def test_chinese_questions_are_not_translated() -> None:
    assert translator()("requests 收到多少申请") == []
    assert translator()("？？？") == []


def test_the_dictionary_is_read_offline_from_the_package() -> None:
    index = english_index()
    assert "法治" in index["rule of law"] and "大气污染" in index["air pollution"]


def test_units_name_what_the_corpus_has_no_word_for() -> None:
    t = translator()
    assert t.units("how many requests about air pollution in france") == [
        ("requests", ["要求", "诉求"]),
        ("air pollution", ["大气", "污染", "大气污染"]),
        ("france", []),
    ]
    # The glossary's phrases come first, as they are.
    assert t.units("requests about gdp", {"gdp": ["地区", "生产总值"]})[-1] == ("gdp", ["地区", "生产总值"])


def test_names_the_dictionary_translates_into_no_word_of_the_corpus() -> None:
    t = Translator(CORPUS.__contains__, CORPUS.__getitem__, TOKENIZE, index=lambda: {**TABLE, "france": ("法国",)})
    q = "What is the capital of France?"
    assert t.unknown_names(q, t.units(q.lower())) == ["France"]
    # Words the dictionary lacks say nothing; lower-case words and the first word are not names.
    assert t.unknown_names("Where is Mutianyu?", t.units("where is mutianyu?")) == []
    assert t.unknown_names("France is where?", t.units("france is where?")) == []
    assert t.unknown_names("Requests in Qinghe District", t.units("requests in qinghe district"), {"qinghe"}) == []


def test_the_dictionary_is_read_once_when_prepared() -> None:
    reads: list[int] = []

    def index() -> dict[str, tuple[str, ...]]:
        reads.append(1)
        return TABLE

    t = Translator(CORPUS.__contains__, CORPUS.__getitem__, TOKENIZE, index=index)
    t.prepare()
    assert reads == [1]
    assert t("requests") == ["要求", "诉求"] and reads == [1]  # the first question reads nothing more


def test_knows_the_words_of_the_dictionary_and_their_inflections() -> None:
    t = translator()
    assert t.knows("requests") and t.knows("Abolished") and not t.knows("hongze")
