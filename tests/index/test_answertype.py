"""Does the best result state a figure of the kind the question asks for?"""

from __future__ import annotations

import pytest

from index.answertype import (
    DURATION,
    asked_unit,
    asks_for_date,
    asks_for_procedure,
    asks_for_residual,
    is_residual,
    states_quantity,
    unit_missing,
)


@pytest.mark.parametrize(
    ("question", "passage"),
    [
        ("烟花爆竹零售点每天几点开门", "销售时间为2025年1月20日至2月12日。"),  # dates, no clock time
        ("违规燃放烟花会被拘留几天", "销售时间为2025年1月20日至2月12日，违者罚款500元。"),  # 20日 is a date
        ("社会福利院床位有多少张", "社会福利：收入预算·合计 9,584,700元。"),  # 元, not 张
        ("住一个月多少钱", "上海市普陀区社会福利院设5个内设机构。"),
        # A duration is asked; years and dates (每月10日) are not durations.
        ("低保申请多久能批下来", "审核确认之月起发放低保金，每月10日前发放到位。"),
        ("多长时间能办完", "2023年1月1日起施行。"),
    ],
)
def test_a_passage_without_the_asked_unit_is_flagged(question: str, passage: str) -> None:
    assert unit_missing(question, passage) == 1.0


@pytest.mark.parametrize(
    ("question", "passage"),
    [
        ("留言多少天内回复", "群众留言原则上在5个工作日内回复。"),
        ("项目有多少钱", "其中：财政资金；4,563,800.00；其中：当年财政拨款；4,563,800.00"),  # a table of 元
        ("三公经费预算多少钱", "“三公”经费预算数为22.91万元"),
        ("寒暑托班解决多少人次", "解决小朋友寒暑假看护难问题：≥120.00(人次)"),
        ("有几辆公车", "车辆7辆（一般公务用车3辆）"),
        ("几点上班", "工作时间上午9:00至12:00"),
        ("低保申请多久能批下来", "自受理之日起20个工作日内作出审核确认决定"),
        ("多长时间能办完", "可以给予6个月的渐退期"),
        ("how long does approval take?", "3天内办结"),
    ],
)
def test_a_passage_stating_the_unit_is_not(question: str, passage: str) -> None:
    assert unit_missing(question, passage) == 0.0


def test_counting_words_and_plain_questions_ask_no_unit() -> None:
    # Tables state counts without 件/个 ("处理决定数量 275"): their absence is no evidence.
    assert asked_unit("行政强制有多少件") is None
    assert asked_unit("森林覆盖率是多少") is None
    assert unit_missing("行政强制有多少件", "行政强制：本年处理决定数量 241。") == 0.0


@pytest.mark.parametrize(
    ("text", "residual"),
    [
        ("31.“城乡社区支出（类）其他城乡社区支出（款）其他城乡社区支出（项）”1450.00万元", True),
        ("其他城乡社区支出（212 99）：支出预算·合计 14,500,000", True),
        ("4.“社会保障和就业支出（类）社会福利（款）社会福利事业单位（项）”738.66万元", False),
        ("七、城乡社区支出：本年支出·预算数 121,319,878", False),
        ("主要用于其他城乡社区支出。", False),  # mentions a residual item; its subject is not one
    ],
)
def test_residual_other_items_are_recognised(text: str, residual: bool) -> None:
    assert is_residual(text) is residual


def test_a_question_may_ask_for_the_other_item() -> None:
    assert asks_for_residual("其他城乡社区支出多少") and asks_for_residual("what are other expenses")
    assert not asks_for_residual("城乡社区支出预算多少") and not asks_for_residual("another question")


def test_questions_for_a_duration_ask_for_its_units() -> None:
    assert asked_unit("低保申请多久能批下来") == DURATION
    assert asked_unit("审批要多长时间") == DURATION
    assert asked_unit("how long does approval take") == DURATION


@pytest.mark.parametrize(
    ("text", "quantity"),
    [
        ("全区共收到政府信息公开申请156件。", True),
        ("按时办结率98.2%。", True),
        ("青禾政通[2025]1号", True),  # a document number is what "document number" questions ask for
        ("本报告统计期限自2023年1月1日起至2023年12月31日止。", False),  # dates only
        ("2023年度报告于2024-01-19发布。", False),
        ("1.《社会救助暂行办法》；2.《最低生活保障审核确认办法》", False),  # list numbers
        ("低保金每月10日前发放到位。", False),
        ("不收费。", False),
    ],
)
def test_quantities_other_than_dates_and_list_numbers(text: str, quantity: bool) -> None:
    assert states_quantity(text) is quantity


@pytest.mark.parametrize(
    ("question", "date"),
    [
        ("年报落款日期是哪天", True),
        ("什么时候可以放鞭炮", True),
        ("When was the notice issued?", True),
        ("收到多少政府信息公开申请", False),
        ("几点以后不能放烟花", False),  # a clock time, not a date
    ],
)
def test_questions_for_a_date(question: str, date: bool) -> None:
    assert asks_for_date(question.lower()) is date


@pytest.mark.parametrize(
    ("question", "asks"),
    [
        ("怎么申请行政复议", True),
        ("法律援助去哪申请", True),
        ("怎么办理护照", True),
        ("申请低保要带什么材料", True),
        ("how do i apply for a passport in huairou?", True),
        ("行政复议一共收了多少件", False),  # a figure about applications, not how to apply
        ("区里怎么推进法治建设", False),
        ("依申请公开的答复率是多少", False),
        ("在哪办身份证", True),
        ("申请补贴要什么手续", True),
        ("where to apply for legal aid", True),
        ("政府怎么办理人大代表建议", False),  # how the government handled them: a report's subject
        ("信访事项怎么办理", False),
        ("办理流程优化了吗", False),
        ("巴西再次主办世界杯是在哪次的世界杯?", False),  # 主办 is no citizen's errand
        ("申请行政复议去哪里", True),
    ],
)
def test_questions_for_a_way_to_apply(question: str, asks: bool) -> None:
    assert asks_for_procedure(question) is asks


@pytest.mark.parametrize(
    ("question", "passage", "missing"),
    [
        # The report counts applications and cites the hotline's figures: neither says how to apply.
        ("怎么申请行政复议", "行政复议受案量是同期行政诉讼案件量的2.4倍,70%的案件化解在复议申请阶段。", 1.0),
        ("法律援助去哪申请", "12345市民服务热线诉求解决率超过96%,受理法律援助案件469件。", 1.0),
        # A guide names the papers, the place, the number to call.
        ("申请低保要带什么材料", "申请人应当提交《最低生活保障申请书》和居民身份证。", 0.0),
        ("法律援助去哪申请", "可到区公共法律服务中心窗口申请,咨询电话:12348。", 0.0),
        ("怎么申请行政复议", "申请人可以书面或者口头提出申请。", 0.0),
        ("法律援助去哪申请", "群众可拨打12348或到所在街道司法所申请。", 0.0),
        ("怎么申请公租房", "可通过北京通app在线申请。", 0.0),
        ("怎么投诉", "联系电话 69644107", 0.0),
    ],
)
def test_a_passage_that_never_says_how_to_apply_does_not_answer_how_to(
    question: str, passage: str, missing: float
) -> None:
    assert unit_missing(question, passage) == missing


def test_a_heading_may_say_where_to_apply() -> None:
    assert unit_missing("法律援助去哪申请", "周一至周五9:00-17:00。", "三、办理地点") == 0.0
    assert unit_missing("法律援助去哪申请", "周一至周五9:00-17:00。", "三、其他") == 1.0
