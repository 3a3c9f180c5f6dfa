"""What kind of answer a question asks for, and whether a passage states one: pure functions of text.

"社会福利院床位有多少张" asks for a count of 张, "几点开门" for a clock time, "拘留几天" for a number of
days, "多少钱" for an amount in 元. A passage that never states such a figure does not answer the
question, however close its topic (a budget line of the 福利院 has 元, not 张). The answer decision uses
this as evidence (``index/answerability``), and ranking as a prior among the best candidates
(``fusion.ANSWER_TYPE_PENALTY``). "怎么申请行政复议" asks for a way to apply, which a report that counts
the cases does not give (``asks_for_procedure``; evidence for the answer decision only).

"多久能批下来" asks for a duration: 20个工作日, 3个月, 1年 (a year such as 2023年 or a date such as 每月10日 is
not one). "收到多少申请" asks for a quantity: a passage whose only figures are dates, years and list numbers
(本报告…统计期限自2023年1月1日起至2023年12月31日止) states none; "几月几号" asks for a date, which those do.

Only units whose absence is telling are listed: counting words (个, 件, 项, 次) are left out, because
Chinese tables and lists state counts without them ("处理决定数量 275").
"""

from __future__ import annotations

import re
from functools import lru_cache

# Asked unit (after 多少/几) -> the units a passage may state it in.
UNITS: dict[str, str] = {
    "块钱": "元",
    "钱": "元",
    "元": "元",
    "天": "天|日",
    "日": "天|日",
    "点": "点|时|:",
    "岁": "岁",
    "张": "张",
    "辆": "辆",
    "台": "台",
    "个人": "人|名",
    "人": "人|名",
    "名": "人|名",
}
# Asked for a duration: a figure of one of these units.
DURATION = "天|日|周|月|年|小时|分钟"
_ASK_DURATION = re.compile(r"多久|多长时间|多长期限|多少时间|多少个?工作日|how long")
_ASK = re.compile(r"(?:多少|几)(" + "|".join(sorted(UNITS, key=len, reverse=True)) + ")")
_NUM = r"[\d一二三四五六七八九十百千两〇零]"
# Between a figure and its unit: 5个工作日, 3万元, 20余人, 120.00(人次).
_BETWEEN = r"[\d,\.]*\s*(?:多|余|个|工作|万|亿|\(|（)*\s*"
_DATE = re.compile(r"(?:\d+\s*|每个?)月\s*\d+\s*[日号]")
# What is not a quantity: years (2023年, 2023年度), dates (2023年1月1日, 1月20日, 每月10日, 2024-01-19) and
# list numbers (1. / 2、 at the start of an item).
_NOT_QUANTITY = re.compile(
    r"(?:19|20)\d\d\s*年度?(?:\s*\d{1,2}\s*月(?:\s*\d{1,2}\s*[日号])?)?|(?:\d+\s*|每个?)月\s*\d+\s*[日号]"
    r"|(?:19|20)\d\d[-/.]\d{1,2}[-/.]\d{1,2}|(?:^|(?<=[\s；;。：:]))\d{1,2}\s*[.、．](?!\d)"
)
# Questions for a date or a year: dates are their answers.
_ASK_DATE = re.compile(
    r"几月|几号|几日|哪天|哪一天|哪日|哪年|哪一年|什么时候|什么时间|何时|日期|时间是|落款|when|what date|which year",
    re.I,
)
# Passages whose answer to each check below is remembered: the same best candidates come back question after
# question, and the checks read their whole text.
TEXT_CACHE = 8192

# Budget amounts: thousands grouped with commas, or two decimals (4,563,800.00 in a table of 元).
_AMOUNT = re.compile(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+\.\d{2}(?!\d)")


def asked_unit(query_norm: str) -> str | None:
    """The units (a regex alternation) the question's figure must be in, or None if it asks for none."""
    if _ASK_DURATION.search(query_norm):
        return DURATION
    m = _ASK.search(query_norm)
    return UNITS[m.group(1)] if m else None


def asks_for_date(query_norm: str) -> bool:
    """Does the question ask when (几月几号, 哪一年, 什么时候, when)? Then a date answers it."""
    return bool(_ASK_DATE.search(query_norm))


@lru_cache(maxsize=TEXT_CACHE)
def states_quantity(text_norm: str) -> bool:
    """Does the passage state a figure other than years, dates and list numbers?"""
    return any(c.isdigit() for c in _NOT_QUANTITY.sub(" ", text_norm))


@lru_cache(maxsize=TEXT_CACHE)
def states_unit(text_norm: str, units: str) -> bool:
    """Does the passage state a figure in one of ``units`` (or, for 元, a budget amount)?"""
    if units == DURATION:
        text_norm = _NOT_QUANTITY.sub(" ", text_norm)  # 2023年, 每月10日: a year and a date, not durations
    elif units == "天|日":
        text_norm = _DATE.sub(" ", text_norm)  # 1月20日 is a date, not a number of days
    if re.search(_NUM + _BETWEEN + "(?:" + units + ")", text_norm):
        return True
    if units == "元":
        return bool(_AMOUNT.search(text_norm))
    return bool(re.search(r"[（(](?:单位[:：])?万?(?:" + units + r")[）)]", text_norm))


def unit_missing(query_norm: str, text_norm: str, headings_norm: str = "") -> float:
    """1.0 when the question asks for a kind of answer the passage never states, else 0.0: a figure in a
    unit (``asked_unit``) or a way to apply (``asks_for_procedure``; a heading such as 办理地点 counts)."""
    if asks_for_procedure(query_norm) and not states_procedure_under(headings_norm, text_norm):
        return 1.0
    units = asked_unit(query_norm)
    return 0.0 if units is None or states_unit(text_norm, units) else 1.0


# "怎么申请行政复议", "法律援助去哪申请", "办营业执照要带什么材料" ask how or where to do something: a
# procedure, a place, a channel. A report that counts the cases (行政复议受案量…, 受理法律援助案件469件)
# does not answer them; a guide that does names the steps, the papers or the place. Questions, in
# matching form (Simplified, lower case):
_PLACE = r"(?:怎么|怎样|如何|去哪|到哪|在哪|哪里|哪儿)(?:里|儿)?(?:能|可以|才能|去|要)?"
_ASK_PROCEDURE = re.compile(
    _PLACE
    + r"(?:申请|申报|报名|预约|投诉|举报|领取|缴纳|开具)"
    # 办/办理 only of a citizen's paper or business: 怎么办理护照, 在哪办身份证; not 怎么办理人大代表建议,
    # which asks how the government handled them, as a report says.
    + r"|"
    + _PLACE
    + r"办理?[^,，。?？]{0,6}?(?:证|照|卡|手续|签证|户口|业务)"
    r"|在哪(?:里|儿)?办|(?:申请|办理)[^,，。?？]{0,8}?(?:去哪|到哪|在哪)"
    r"|(?:需要|要带|要准备|要交|要提供|带|要)(?:什么|哪些|啥)(?:材料|证件|资料|手续)"
    r"|(?:申请|办理)的?(?:流程|手续|渠道|入口|地点|条件)(?:是|有|在|怎)"
    r"|\b(?:how (?:do|can|should) (?:i|we|you) |how to |where (?:do|can|should) (?:i|we|you) |where to )"
    r"(?:apply|register|file|obtain)"
)
# What a passage that tells how to apply says: who applies and with what (申请人, 申请书, 提出申请,
# materials, papers), where (a counter, a hall, an office, an address, a telephone number, a site, an app),
# how to reach it (向…申请, 拨打…), the steps. Not 申请 or 热线 alone: reports count applications (复议申请
# 阶段, 依申请公开) and cite the 12345 hotline's figures without telling anyone how to apply.
_PROCEDURE = re.compile(
    r"提出申请|申请人|申请书|申请表|提交|携带|材料|证件|窗口|大厅|办事处|司法所|服务中心|服务站|地址"
    r"|电话\s*[:：]?\s*\d{5,}|\d{3,4}-\d{7,8}|拨打|致电|网址|官网|网上|在线|线上|登录|公众号|小程序|\bapp\b"
    r"|(?:向|到|通过)[^。；;]{0,20}?(?:申请|办理|投诉|举报|咨询)"
    r"|前往|办理(?:地点|时间|流程|程序|方式)|流程如下|步骤|手续|扫码|预约"
)


def asks_for_procedure(query_norm: str) -> bool:
    """Does the question ask how or where to apply, register, complain… (a procedure, not a fact)?"""
    return bool(_ASK_PROCEDURE.search(query_norm))


@lru_cache(maxsize=TEXT_CACHE)
def states_procedure(text_norm: str) -> bool:
    """Does the passage say anything of how or where to apply (``_PROCEDURE``)?"""
    return bool(_PROCEDURE.search(text_norm))


def states_procedure_under(headings_norm: str, text_norm: str) -> bool:
    """``states_procedure`` of a passage with its headings (办理地点 may be a heading): one text, so that the
    answer decision and the ranking prior share its cache entry."""
    return states_procedure(f"{headings_norm} {text_norm}")


# Budget explanations list spending by class, kind and item ("城乡社区支出（类）其他城乡社区支出（款）其他城乡社区
# 支出（项）1450.00万元") and tables have residual rows ("其他…支出"). A line whose own subject is a residual
# "其他…" item answers a question about the whole class (城乡社区支出预算多少) only by accident: its figure is
# the remainder, not the total.
_RESIDUAL = re.compile(r"其他[^（(，。：:”\"]{0,30}[（(]项[）)]|^\s*(?:\d+[.、．])?\s*[“\"]?其他")


def asks_for_residual(query_norm: str) -> bool:
    """Does the question itself ask about an "other" item (其他…, other …)?"""
    return "其他" in query_norm or bool(re.search(r"\bother\b", query_norm))


@lru_cache(maxsize=TEXT_CACHE)
def is_residual(text: str) -> bool:
    """Is the passage's subject a residual "其他…" item (a budget item or a table row)? See ``_RESIDUAL``."""
    return bool(_RESIDUAL.search(text))
