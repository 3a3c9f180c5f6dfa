"""Personal data out of what youju stores: citizens type ID numbers, phone numbers, e-mail addresses and
bank card numbers into questions and comments ("我的身份证110101199003071234，低保怎么办").

``redact`` replaces each with a visible marker (``[身份证号]``, ``[手机号]``, ``[电话]``, ``[邮箱]``,
``[银行卡号]``) before anything is written, so staff see that something was there and never what it was.
Names are recognised where people introduce themselves ("我叫张三丰，…" -> "我叫[姓名]，…"): 2-4 Han
characters after 我叫, 我名叫, 本人叫, 我的名字是/叫, 姓名(:), or after 我是 when an ID or phone number
follows ("我是张三，身份证110…"; 我是 alone introduces 学生, 低保户, 退休职工 far more often than a name).
The patterns are deliberately wide: a 16-19 digit run is taken for a card number and an 11-digit run
beginning 1[3-9] for a mobile, whatever it really was: a figure lost from a comment costs less than an
identity kept. Report figures such as 77.57% or 2024 are far shorter and stay.
"""

from __future__ import annotations

import re

# Order matters: the longer and more specific patterns first.
PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("[邮箱]", re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")),
    # Resident ID: 6-digit area, birth date 18xx-20xx, 3 digits, check digit or X.
    (
        "[身份证号]",
        re.compile(r"(?<!\d)[1-9]\d{5}(?:18|19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}[\dXx](?!\d)"),
    ),
    ("[银行卡号]", re.compile(r"(?<!\d)(?:\d[ -]?){15,18}\d(?!\d)")),
    ("[手机号]", re.compile(r"(?<!\d)(?:\+?86[ -]?)?1[3-9]\d[ -]?\d{4}[ -]?\d{4}(?!\d)")),
    # Landlines: 0AA(A)-NNNNNNN(N), with or without the dash or brackets.
    ("[电话]", re.compile(r"(?<!\d)(?:\(?0\d{2,3}\)?[ -]?)\d{7,8}(?!\d)")),
)


NAME_MARKER = "[姓名]"
_HAN = r"[\u3400-\u4dbf\u4e00-\u9fff]"
# What may follow a name without punctuation: the next thing people say about themselves. The shortest name
# (2 characters first) that such a word, punctuation, a digit or the end follows is taken; when none does,
# three characters are taken anyway (a word of the question lost costs less than a name kept).
_AFTER_NAME = (
    r"(?=$|[^\u3400-\u4dbf\u4e00-\u9fff]|身份证|证件|电话|手机|联系|家住|住在|住址|现住|来自|今年|年龄|性别|"
    r"男|女|[0-9一二三四五六七八九十]+岁|想|请|问|咨询|反映|投诉|需要|要|是|在|的|和|有|从|办|申请|家|老家)"
)
_NOT_A_NAME = r"(?![了不过着他她你我们人车什这那个也就都还没])"
_NAME = rf"{_NOT_A_NAME}(?:{_HAN}{{2,4}}?{_AFTER_NAME}|{_HAN}{{2,3}})"
NAME_PATTERNS: tuple[re.Pattern[str], ...] = (
    re.compile(rf"(我叫|我名叫|本人叫|我的名字[是叫]|本人姓名[:：是]?|姓名[:：是]\s*)({_NAME})"),
    # 我是 + a name only when an ID or phone number (already a marker here) is given right after it.
    re.compile(
        rf"(我是|本人是)({_NOT_A_NAME}{_HAN}{{2,4}}?)"
        r"(?=[，,、。 ]?(?:身份证号?码?|证件号?码?|联系电话|联系方式|电话号?码?|手机号?码?)?[:：是为]?\s*\[)"
    ),
)


def redact(text: str) -> tuple[str, bool]:
    """(``text`` with personal data replaced by markers, whether anything was replaced)."""
    out = text
    for marker, pattern in PATTERNS:
        out = pattern.sub(marker, out)
    for name in NAME_PATTERNS:
        out = name.sub(lambda m: m.group(1) + NAME_MARKER, out)
    return out, out != text
