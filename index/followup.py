"""Follow-up questions: "那2025年呢" right after "2024年执法有哪些举措" means "2025年执法有哪些举措".

The widget sends the previous question with the new one (``previous`` in the search API). When the new
question is elliptical — short, opening with 那/那么/还有/那如果 or closing with 呢, and naming at most a
year, a place or a few words — it is read against the previous one: a year replaces the previous
question's year (or is put in front of it), anything else is added to it. A complete question stands on
its own, whatever came before. A pure module: rules on the text, no model.
"""

from __future__ import annotations

import re

# A question this short (after its opening and closing words) can lean on the one before.
MAX_ELLIPTICAL_CHARS = 10

_OPENING = re.compile(r"^(?:那么|那如果是|那如果|如果是|那要是|要是|还有|那|再问一下|再问)\s*")
_CLOSING = re.compile(r"\s*(?:的呢|呢|怎么样|怎样|如何|咋样|有吗|是多少)?[\s？?。.!！]*$")
_YEAR = re.compile(r"(?:19|20)\d{2}\s*年?|今年|去年|明年|前年|后年")
_QUESTION_WORDS = re.compile(r"什么|多少|哪些|哪里|哪儿|怎么|如何|为什么|是否|几|吗|谁")


def is_elliptical(question: str) -> bool:
    """True for 那2025年呢, 还有怀柔镇呢, 去年的呢; false for a question that says what it asks."""
    q = question.strip()
    opened = bool(_OPENING.match(q))
    closed = bool(re.search(r"呢[\s？?。.!！]*$", q))
    if not (opened or closed):
        return False
    core = _core(q)
    if not core or len(core) > MAX_ELLIPTICAL_CHARS:
        return False
    # "那低保怎么申请" asks its own question: it has a question word besides the closing one.
    return not _QUESTION_WORDS.search(core)


def _core(question: str) -> str:
    return _CLOSING.sub("", _OPENING.sub("", question.strip())).strip()


def combine(question: str, previous: str | None) -> str:
    """The question to search: ``question`` itself, or, when it is elliptical and follows ``previous``,
    the previous question with the new year, place or words put in."""
    if not previous or not previous.strip() or not is_elliptical(question):
        return question
    prev = previous.strip()
    core = _core(question)
    core = re.sub(r"的$", "", core)
    year = _YEAR.search(core)
    if year:
        rest = (core[: year.start()] + core[year.end() :]).strip(" 的")
        new_year = year.group(0).strip()
        old = _YEAR.search(prev)
        prev = prev[: old.start()] + new_year + prev[old.end() :] if old else new_year + prev
        return f"{rest} {prev}" if rest else prev
    return f"{core} {prev}"
