"""What kind of figure a question asks for, and whether a passage states one: pure functions of text.

"社会福利院床位有多少张" asks for a count of 张, "几点开门" for a clock time, "拘留几天" for a number of
days, "多少钱" for an amount in 元. A passage that never states such a figure does not answer the
question, however close its topic (a budget line of the 福利院 has 元, not 张). The answer decision uses
this as evidence (``index/answerability``), and ranking as a prior among the best candidates
(``fusion.ANSWER_TYPE_PENALTY``).

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


def unit_missing(query_norm: str, text_norm: str) -> float:
    """1.0 when the question asks for a figure in a unit the passage never states, else 0.0."""
    units = asked_unit(query_norm)
    return 0.0 if units is None or states_unit(text_norm, units) else 1.0


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
