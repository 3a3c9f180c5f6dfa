"""Sentences of Chinese (and Western) text, as character spans: used by chunking, structure and highlighting."""

from __future__ import annotations

import re

# Characters trimmed around lines, blocks and sentences (the ideographic space and the BOM included).
STRIP = " \t\r\n\u3000\ufeff"
SENTENCE_END = "。！？!?；;"
_CLOSERS = "”’」』）)\"'"
SENTENCE = re.compile(rf"[^{SENTENCE_END}\n]*(?:[{SENTENCE_END}]+[{_CLOSERS}]*|\n|$)")


def sentence_spans(text: str, offset: int = 0) -> list[tuple[int, int]]:
    """Sentence spans (absolute when ``offset`` is the text's start), trimmed of outer whitespace."""
    spans: list[tuple[int, int]] = []
    for m in SENTENCE.finditer(text):
        s, e = m.start(), m.end()
        while s < e and text[s] in STRIP:
            s += 1
        while e > s and text[e - 1] in STRIP:
            e -= 1
        if e > s:
            spans.append((offset + s, offset + e))
    return spans
