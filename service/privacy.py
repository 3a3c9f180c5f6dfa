"""Personal data out of what youju stores: citizens type ID numbers, phone numbers, e-mail addresses and
bank card numbers into questions and comments ("我的身份证110101199003071234，低保怎么办").

``redact`` replaces each with a visible marker (``[身份证号]``, ``[手机号]``, ``[电话]``, ``[邮箱]``,
``[银行卡号]``) before anything is written, so staff see that something was there and never what it was.
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


def redact(text: str) -> tuple[str, bool]:
    """(``text`` with personal data replaced by markers, whether anything was replaced)."""
    out = text
    for marker, pattern in PATTERNS:
        out = pattern.sub(marker, out)
    return out, out != text
