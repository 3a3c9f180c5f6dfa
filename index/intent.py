"""Inputs that are not questions: greetings, thanks, punctuation, digits, emoji, keyboard noise.

Searching always finds *some* passage; for 在吗, ？？？, 12345, 😀 or asdfgh that passage is noise. These
inputs are recognised before search and answered with what youju can do instead (``reason``
``not_a_question``). A pure module: rules on the text, no model. Everything that carries a word of
content (税, 低保, 电诈, "permit") goes on to search, where the answer decision judges it.
"""

from __future__ import annotations

import re
import unicodedata

# Whole inputs made only of these (in any order, with punctuation) are small talk, not questions.
_SMALL_TALK_ZH = (
    "你好啊",
    "你好呀",
    "你好",
    "您好",
    "在吗",
    "在么",
    "在嘛",
    "在不在",
    "有人吗",
    "有人在吗",
    "哈喽",
    "哈啰",
    "嗨",
    "喂",
    "谢谢你",
    "谢谢您",
    "谢谢",
    "多谢",
    "感谢",
    "再见",
    "拜拜",
    "好的",
    "好吧",
    "嗯嗯",
    "嗯",
    "哦",
    "噢",
    "啊",
    "呵呵",
    "哈哈",
    "哈",
    "嘿",
    "测试",
    "早上好",
    "上午好",
    "中午好",
    "下午好",
    "晚上好",
    "晚安",
    "早",
    "你是谁",
    "你是机器人吗",
    "请问",
    "您",
    "你",
    "亲",
)
_SMALL_TALK_EN = frozenset(
    [
        "hi",
        "hello",
        "hey",
        "hiya",
        "yo",
        "thanks",
        "thank",
        "you",
        "thx",
        "ok",
        "okay",
        "yes",
        "no",
        "bye",
        "goodbye",
        "test",
        "testing",
        "hmm",
        "morning",
        "evening",
        "good",
        "afternoon",
        "night",
        "please",
        "help",
        "anyone",
        "there",
        "are",
        "you",
        "who",
        "the",
    ]
)
_KEYBOARD_ROWS = ("qwertyuiop", "asdfghjkl", "zxcvbnm", "1234567890")
_ZH_TALK = re.compile("(?:" + "|".join(sorted(map(re.escape, _SMALL_TALK_ZH), key=len, reverse=True)) + ")+")
_LATIN_WORD = re.compile(r"[a-z]+")
_VOWELS = re.compile(r"[aeiouy]")


def _content(text: str) -> str:
    """Letters and digits only (NFKC, lower case): punctuation, symbols, emoji and spaces removed."""
    text = unicodedata.normalize("NFKC", text).lower()
    return "".join(ch for ch in text if unicodedata.category(ch)[0] in "LN")


def _keyboard_noise(word: str) -> bool:
    if len(word) < 4:
        return False
    if len(set(word)) <= 2:  # aaaa, abab
        return True
    if any(word in row or word[::-1] in row for row in _KEYBOARD_ROWS):  # asdfgh, qwer
        return True
    return not _VOWELS.search(word)  # sdfghjk, xcvbn


def not_a_question(text: str) -> bool:
    """``text`` in matching form (Simplified script; ``index.normalize.Normalizer``).

    True when it has no content to search for: no letter or digit at all (？？？, 😀, 👍), digits
    only (12345), small talk only (你好在吗, hi, thanks), or keyboard noise (asdfgh, qwerty, jjjj)."""
    content = _content(text)
    if not content or content.isdigit():
        return True
    if _ZH_TALK.fullmatch(content):
        return True
    words = _LATIN_WORD.findall(unicodedata.normalize("NFKC", text).lower())
    if words and "".join(words) == content:  # Latin letters only
        if all(w in _SMALL_TALK_EN for w in words):
            return True
        if all(_keyboard_noise(w) for w in words):
            return True
    return False
