"""Pick the sentence(s) of a passage that answer the question, as character spans into the passage.

Each sentence is scored by the idf-weighted share of the question's terms it contains, plus its share
of the question's character bigrams (robust where segmentation differs or a user makes a typo), plus a
bonus for sentences with figures when the question asks for a quantity (多少, 几, 比例, 率, how many…).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from index.presentation import Sentence, bigrams, sentences

# A question asking for a number: the sentence holding a figure answers it.
_ASKS_FIGURE = re.compile(r"多少|几|比例|比重|百分|占比|[率额数量]|how (many|much)|percent|rate|number", re.I)
FIGURE_BONUS = 0.25
# A second sentence is highlighted too when it scores at least this share of the best one.
SECOND_SENTENCE_RATIO = 0.8


def asks_for_figure(query_norm: str) -> bool:
    """Does the question ask for a quantity (多少, 几, 比例, 率, how many…)?"""
    return bool(_ASKS_FIGURE.search(query_norm))


def highlight(
    text: str,
    query_norm: str,
    query_tokens: list[str],
    normalizer: Callable[[str], str],
    tokenizer: Callable[[str], list[str]],
    idf: Callable[[str], float],
) -> list[tuple[int, int]]:
    """Spans (start, end) into ``text`` of the best sentence, and of a close second if any."""
    return choose(sentences(text, normalizer, tokenizer), query_norm, query_tokens, idf)


def choose(
    found: Sequence[Sentence],
    query_norm: str,
    query_tokens: list[str],
    idf: Callable[[str], float],
) -> list[tuple[int, int]]:
    """``highlight`` over sentences already normalised and tokenised (``index/presentation.py``): only what
    depends on the question is computed here."""
    if not found:
        return []
    q_terms = set(query_tokens)
    q_weight = sum(idf(t) for t in q_terms) or 1.0
    q_bi = bigrams(query_norm)
    asks_figure = asks_for_figure(query_norm)
    scored: list[tuple[float, int]] = []
    for i, sentence in enumerate(found):
        score = sum(idf(t) for t in q_terms & sentence.terms) / q_weight
        if q_bi:
            score += len(q_bi & sentence.bigrams) / len(q_bi)
        if asks_figure and sentence.figure:
            score += FIGURE_BONUS
        scored.append((score, i))
    scored.sort(key=lambda x: (-x[0], x[1]))
    best_score, best = scored[0]
    if best_score <= 0:
        return []
    chosen = [best]
    if len(scored) > 1 and scored[1][0] >= SECOND_SENTENCE_RATIO * best_score:
        chosen.append(scored[1][1])
    return [(found[i].start, found[i].end) for i in sorted(chosen)]
