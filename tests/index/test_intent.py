import pytest

from index.intent import not_a_question
from index.normalize import Normalizer

NORM = Normalizer()


@pytest.mark.parametrize(
    "text",
    [
        "在吗",
        "在嗎？",
        "你好，在吗？",
        "您好请问",
        "谢谢！",
        "？？？",
        "。。。",
        "asdfgh",
        "qwerty",
        "jjjj",
        "xcvbn",
        "😀😀😀",
        "👍",
        "12345",
        "  ...  ",
        "hi there",
        "Thanks!",
        "OK",
        "哈哈哈",
    ],
)
def test_inputs_with_nothing_to_search_for_are_not_questions(text: str) -> None:
    assert not_a_question(NORM(text))


@pytest.mark.parametrize(
    "text",
    [
        "税",
        "低保怎么申请",
        "怀柔区长是谁",
        "电诈",
        "What is the capital of France?",
        "permit",
        "2024年预算",
        "你好，森林覆盖率多少",
        "12345热线满意率",
        "在吗 低保",
    ],
)
def test_anything_with_content_goes_to_search(text: str) -> None:
    # Off-topic questions are questions: the answer decision refuses them, with the hotline.
    assert not not_a_question(NORM(text))
