"""Answer-decision models, chosen by name (``YOUJU_ANSWERABILITY``)."""

from __future__ import annotations

from index.answerability.base import Answerability, Decision, Signals
from index.answerability.logistic import LogisticAnswerability

__all__ = ["MODELS", "Answerability", "Decision", "Signals", "create"]

MODELS: dict[str, type[LogisticAnswerability]] = {LogisticAnswerability.name: LogisticAnswerability}


def create(name: str, threshold: float | None = None, query_encoder: str = "torch") -> Answerability:
    """The named model; ``threshold`` overrides its calibrated one (calibrated per ``query_encoder``)."""
    try:
        cls = MODELS[name]
    except KeyError:
        raise ValueError(f"unknown answerability model {name!r}; choose one of {sorted(MODELS)}") from None
    return cls(threshold, query_encoder)
