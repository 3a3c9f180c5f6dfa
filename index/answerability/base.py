"""The answer decision: does the corpus answer the question at all?

Searching always finds *something*; this stage decides whether the best of it answers the question
(``answered``) and how sure it is (``confidence``). ``Searcher.decide`` is the one place the decision is
made — the CLI, the API and the evaluation all go through it — so a better model replaces it here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Protocol


@dataclass(frozen=True)
class Signals:
    """What retrieval knows about a question and its best result."""

    query: str  # the validated question as asked
    dense_top: float  # cosine of the best result to the question
    coverage_top: float  # idf-weighted share of the question's terms in the best result
    unknown_share: float  # idf-weighted share of the question's terms that no passage contains
    scope_unmatched: float = 0.0  # 1 (0.5) when no document covers (only mentions) a place or year named
    year_missing: float = 0.0  # 1 when the best result is not of the year named (Scopes.year_missing)
    unit_missing: float = 0.0  # 1 when the question asks for a unit or a way to apply the best result never states
    margin: float = 0.0  # fused score of the best paragraph less the second best's (how clear the winner is)
    judge: float = -1.0  # the reranker's probability that the best passage answers; -1 without a reranker


Reason = Literal["answered", "no_answer", "not_a_question"]


@dataclass(frozen=True)
class Decision:
    answered: bool
    confidence: float  # 0..1
    not_a_question: bool = False  # greetings, punctuation, emoji, keyboard noise (index/intent.py)

    @property
    def reason(self) -> Reason:
        if self.not_a_question:
            return "not_a_question"
        return "answered" if self.answered else "no_answer"


class Answerability(Protocol):
    """Turns signals into a decision. ``name`` and ``threshold`` are reported by the evaluation."""

    name: str
    threshold: float

    def decide(self, signals: Signals) -> Decision: ...
