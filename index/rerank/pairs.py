"""How a (question, passage) pair is shown to a cross-encoder: one function, used by training and by
ranking, so that the model sees at query time exactly what it was trained on."""

from __future__ import annotations

from collections.abc import Sequence

# The last headings of the passage's section path give context (二、… / (三)…); more would crowd the text.
SECTION_DEPTH = 2


def passage_side(norm_text: str, section_norm: Sequence[str] = ()) -> str:
    """The passage half of a pair: its nearest headings, then its text, all in matching form."""
    heads = " / ".join(h for h in section_norm[-SECTION_DEPTH:] if h)
    return f"{heads}：{norm_text}" if heads else norm_text
