"""Mining sentence groups for the cross-encoder (eval/train_reranker.py): what the model is taught."""

from __future__ import annotations

import random
from typing import Any

from eval.datasets import article_half
from eval.train_reranker import _groups, sentence_groups
from index.lexical import JiebaTokenizer
from index.normalize import Normalizer, opencc_converter

ARTICLE = {
    "title": "懷柔水庫",
    "paragraphs": [
        {
            "context": "懷柔水庫位於懷柔區。水庫的總庫容為1.44億立方米。水庫周邊有步道。",
            "qas": [
                {"id": "q1", "question": "懷柔水庫的總庫容是多少", "answers": [{"text": "1.44億立方米"}]},
                # The answer runs across two sentences: no sentence holds it, so no group.
                {"id": "q2", "question": "水庫在哪", "answers": [{"text": "懷柔區。水庫"}]},
            ],
        },
        {
            "context": "密雲水庫的總庫容更大。它是北京最大的水庫。",
            "qas": [{"id": "q3", "question": "北京最大的水庫是哪個", "answers": [{"text": "它是北京最大的水庫"}]}],
        },
    ],
}


def _mine() -> list[dict[str, Any]]:
    normalize = Normalizer()
    return list(
        sentence_groups(
            ARTICLE,
            "0001-x",
            ask=opencc_converter("tw2sp"),
            normalize=normalize,
            tokenize=JiebaTokenizer(),
            rng=random.Random(0),
        )
    )


def test_the_answering_sentence_is_the_positive_and_its_paragraph_gives_the_near_misses() -> None:
    groups = _mine()
    assert [g["qid"] for g in groups] == ["q1", "q3"]  # q2's answer straddles two sentences
    q1 = groups[0]
    assert q1["query"] == "怀柔水库的总库容是多少"  # asked as a mainland citizen types it, in matching form
    assert q1["pos"] == ["怀柔水库：水库的总库容为1.44亿立方米。"]  # after the title, as after a heading
    # The paragraph's other sentences, the one sharing more of the question's terms first.
    assert q1["para"] == ["怀柔水库：怀柔水库位于怀柔区。", "怀柔水库：水库周边有步道。"]
    # The other paragraph's sentences: the one about another reservoir's 总库容 first.
    assert q1["hard"][0] == "怀柔水库：密云水库的总库容更大。"
    assert q1["half"] == article_half("0001-x") and q1["unit"] == "sentence"
    for g in groups:  # no negative holds the answer
        assert not set(g["pos"]) & set(g["para"] + g["hard"] + g["article"])


def test_a_sentence_group_trains_on_two_near_misses_of_its_own_paragraph() -> None:
    q1 = _mine()[0]
    (group,) = _groups([q1], random.Random(0))
    assert group[0] == (q1["query"], q1["pos"][0], 1.0)
    negatives = [p for _, p, label in group[1:] if label == 0.0]
    assert set(q1["para"][:2]) <= set(negatives)
