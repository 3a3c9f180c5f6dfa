"""One way to answer a question, whatever surface asked it (the JSON API, Dify's retrieval API, MCP tools).

Every surface validates, filters, queues for a search slot (``SearchGate``) and searches through
``answer_question``, so limits, follow-ups and filters behave the same everywhere; what is recorded about a
search (query log, metrics) and what is put before it (pinned answers) is added here, once.

Each question is counted in ``youju_searches_total{outcome}`` and its timings observed (service/metrics.py);
the outcome and timings are added to the request's access log line. The question itself is logged only at
debug level, and redacted (service/privacy.py).
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

from index.errors import InvalidParameterError, InvalidQueryError
from index.records import Answer
from index.search import Filters, check_top_k, validate_query
from service.logs import annotate
from service.metrics import Outcome
from service.privacy import redact
from service.state import Runtime

log = logging.getLogger("youju.service.search")


@dataclass(frozen=True)
class Question:
    """A question as every surface hands it over (already parsed from its own request shape)."""

    query: str
    top_k: int | None = None
    filters: Filters | None = None
    previous: str | None = None


def _ms(seconds: float) -> float:
    return round(seconds * 1000, 1)


async def answer_question(runtime: Runtime, question: Question) -> Answer:
    """Validate (cheap checks first: refuse before taking a search slot), then search on the live index."""
    metrics = runtime.metrics
    stages: dict[str, float] = {}
    took: list[float] = []

    def stage_timer(stage: str, seconds: float) -> None:  # called in the search's worker thread
        stages[stage] = stages.get(stage, 0.0) + seconds
        metrics.observe_stage(stage, seconds)

    try:
        settings = runtime.settings
        validate_query(question.query, settings.max_query_chars)
        top_k = check_top_k(
            question.top_k if question.top_k is not None else settings.default_top_k, settings.max_top_k
        )
        previous = question.previous if question.previous and question.previous.strip() else None
        if previous is not None:
            validate_query(previous, settings.max_query_chars)
        searcher = runtime.require()  # captured once: a reload does not change it under this request
        filters = question.filters

        def search() -> Answer:
            t0 = time.perf_counter()
            try:
                return searcher.search(
                    question.query, top_k, filters=filters, previous=previous, stage_timer=stage_timer
                )
            finally:
                took.append(time.perf_counter() - t0)

        answer = await runtime.gate.run(search)
    except (InvalidQueryError, InvalidParameterError):
        _record(runtime, "invalid", None, stages)
        raise
    except Exception:
        _record(runtime, "error", took[0] if took else None, stages)
        raise
    outcome: Outcome = (
        "answered" if answer.answered else "not_a_question" if answer.reason == "not_a_question" else "no_answer"
    )
    _record(runtime, outcome, took[0] if took else None, stages)
    annotate(confidence=round(answer.confidence, 3), results=len(answer.results))
    if log.isEnabledFor(logging.DEBUG):
        log.debug("question (redacted): %s", redact(answer.query)[0], extra={"outcome": outcome})
    return answer


def _record(runtime: Runtime, outcome: Outcome, seconds: float | None, stages: dict[str, float]) -> None:
    """Count the question, observe its search time, and add both to the request's access line."""
    runtime.metrics.observe_search(outcome, seconds if outcome not in ("invalid", "error") else None)
    fields: dict[str, object] = {"outcome": outcome}
    if seconds is not None:
        fields["search_ms"] = _ms(seconds)
    fields.update({f"{name}_ms": _ms(s) for name, s in stages.items()})
    annotate(**fields)
