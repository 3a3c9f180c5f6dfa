import pytest

from index.followup import combine, is_elliptical


@pytest.mark.parametrize(
    ("question", "previous", "searched"),
    [
        ("那2025年呢", "2024年执法有哪些举措", "2025年执法有哪些举措"),
        ("那2025年呢？", "明年执法有啥安排", "2025年执法有啥安排"),
        ("那2025年呢", "执法有哪些安排", "2025年执法有哪些安排"),
        ("去年的呢", "今年复议案件多少件", "去年复议案件多少件"),
        ("还有怀柔镇呢", "森林覆盖率多少", "怀柔镇 森林覆盖率多少"),
    ],
)
def test_elliptical_follow_ups_are_read_against_the_previous_question(
    question: str, previous: str, searched: str
) -> None:
    assert is_elliptical(question)
    assert combine(question, previous) == searched


@pytest.mark.parametrize(
    "question", ["那低保怎么申请", "森林覆盖率多少", "2025年有哪些安排", "那么行政复议案件有多少件呢"]
)
def test_complete_questions_stand_on_their_own(question: str) -> None:
    assert combine(question, "2024年执法有哪些举措") == question


def test_no_previous_question_changes_nothing() -> None:
    assert combine("那2025年呢", None) == "那2025年呢"
    assert combine("那2025年呢", "  ") == "那2025年呢"
