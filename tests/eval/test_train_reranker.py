"""Mining sentence groups for the cross-encoder (eval/train_reranker.py): what the model is taught."""

from __future__ import annotations

import random
from typing import Any

import pytest

from eval.datasets import article_half
from eval.train_reranker import _groups, main, sentence_groups
from index.lexical import JiebaTokenizer
from index.normalize import Normalizer, opencc_converter

P1 = "懷柔水庫位於懷柔區。水庫的總庫容為1.44億立方米。水庫周邊有步道，步道長1.44億立方米的一半。"
P2 = "密雲水庫的總庫容更大。它是北京最大的水庫。"


def qa(qid: str, question: str, context: str, answer: str, nth: int = 0) -> dict[str, Any]:
    """A SQuAD question whose answer is the ``nth`` occurrence of ``answer`` in ``context``."""
    at = -1
    for _ in range(nth + 1):
        at = context.index(answer, at + 1)
    return {"id": qid, "question": question, "answers": [{"text": answer, "answer_start": at}]}


ARTICLE = {
    "title": "懷柔水庫",
    "paragraphs": [
        {
            "context": P1,
            "qas": [
                qa("q1", "懷柔水庫的總庫容是多少", P1, "1.44億立方米"),
                # The answer runs across two sentences: no sentence holds it, so no group.
                qa("q2", "水庫在哪", P1, "懷柔區。水庫"),
                # The annotated answer is in the third sentence; the second holds the same words.
                qa("q4", "步道有多長", P1, "1.44億立方米", nth=1),
            ],
        },
        {"context": P2, "qas": [qa("q3", "北京最大的水庫是哪個", P2, "它是北京最大的水庫")]},
    ],
}


def _mine(article: dict[str, Any] = ARTICLE, elsewhere: Any = None) -> list[dict[str, Any]]:
    return list(
        sentence_groups(
            article,
            "0001-x",
            ask=opencc_converter("tw2sp"),
            normalize=Normalizer(),
            tokenize=JiebaTokenizer(),
            rng=random.Random(0),
            elsewhere=elsewhere,
        )
    )


def test_the_answering_sentence_is_the_positive_and_its_paragraph_gives_the_near_misses() -> None:
    groups = _mine()
    assert [g["qid"] for g in groups] == ["q1", "q4", "q3"]  # q2's answer straddles two sentences
    q1 = groups[0]
    assert q1["query"] == "怀柔水库的总库容是多少"  # asked as a mainland citizen types it, in matching form
    assert q1["pos"] == ["怀柔水库：水库的总库容为1.44亿立方米。"]  # after the title, as after a heading
    # The paragraph's other sentences without the answer, the one sharing more of the question's terms first.
    assert q1["para"] == ["怀柔水库：怀柔水库位于怀柔区。"]
    # The other paragraph's sentences: the one about another reservoir's 总库容 first.
    assert q1["hard"][0] == "怀柔水库：密云水库的总库容更大。"
    assert q1["half"] == article_half("0001-x") and q1["unit"] == "sentence"
    for g in groups:  # no negative holds the answer
        assert not set(g["pos"]) & set(g["para"] + g["hard"] + g["article"])


def test_the_positive_is_the_sentence_the_annotator_marked() -> None:
    q4 = _mine()[1]
    assert q4["pos"] == ["怀柔水库：水库周边有步道,步道长1.44亿立方米的一半。"]


def test_an_article_of_one_paragraph_draws_its_random_negative_from_elsewhere() -> None:
    one = {"title": "懷柔水庫", "paragraphs": ARTICLE["paragraphs"][:1]}
    q1 = _mine(one, elsewhere=lambda: "别处：另一篇文章的一句话。")[0]
    assert q1["hard"] == [] and q1["article"] == ["别处：另一篇文章的一句话。"]


def test_a_sentence_group_trains_on_two_near_misses_of_its_own_paragraph() -> None:
    record = {"unit": "sentence", "query": "q", "pos": ["p"], "para": ["a", "b", "c"], "hard": ["h"], "article": []}
    (group,) = _groups([record], random.Random(0))
    assert group[0] == ("q", "p", 1.0)
    assert [p for _, p, _ in group[1:]] == ["h", "a", "b"]
    passage = {**record, "unit": "passage"}
    (group,) = _groups([passage], random.Random(0))
    assert [p for _, p, _ in group[1:]] == ["h", "a"]  # a passage's own paragraph gives one


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["mine", "--repeat", "3"], "--in-domain"),
        (["mine", "--in-domain", "cmrc2018-dev"], "held-out"),
        (["mine", "--in-domain", "gold:x.jsonl", "--repeat", "0"], "at least 1"),
    ],
)
def test_mining_options_that_would_mislead_are_refused(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as e:
        main(argv)
    assert e.value.code == 2 and message in capsys.readouterr().err
