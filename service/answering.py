"""One way to answer a question, whatever surface asked it (the JSON API, Dify's retrieval API, MCP tools).

Every surface validates, filters, queues for a search slot (``SearchGate``) and searches through
``answer_question``, so limits, follow-ups and filters behave the same everywhere. What is put before the
search's own results (a pinned answer, ``service/pins.py``) and what is recorded about it (the query log,
``service/querylog.py``; metrics, ``service/metrics.py``) is done here, once.

Each question is counted in ``youju_searches_total{outcome}`` and its timings observed; the outcome and
timings are added to the request's access log line. The question itself is logged only at debug level, and
redacted (service/privacy.py).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from index.errors import InvalidParameterError, InvalidQueryError, YoujuError
from index.records import Answer
from index.search import Filters, Searcher, check_top_k, validate_query
from service.logs import annotate
from service.metrics import Outcome
from service.pins import apply_pin
from service.privacy import redact
from service.querylog import LoggedQuery, grouping_key
from service.state import Runtime

log = logging.getLogger("youju.service.search")

# Where a question came from. The staff console searches as staff type (every prefix of a question), so its
# searches are not counted as citizens' questions in the query log.
Channel = Literal["widget", "console", "api", "dify", "mcp"]
UNLOGGED: frozenset[str] = frozenset({"console"})


@dataclass(frozen=True)
class Question:
    """A question as every surface hands it over (already parsed from its own request shape)."""

    query: str
    top_k: int | None = None
    filters: Filters | None = None
    previous: str | None = None
    channel: Channel = "api"


def _ms(seconds: float) -> float:
    return round(seconds * 1000, 1)


def _grouping(searcher: Searcher, query: str) -> str:
    """The question as the query log counts it and pins match it (``querylog.grouping_key``)."""
    try:
        return grouping_key(searcher.normalizer(query))
    except YoujuError:
        return query


def _search(
    runtime: Runtime,
    searcher: Searcher,
    question: Question,
    top_k: int,
    previous: str | None,
    stage_timer: Callable[[str, float], None],
) -> tuple[Answer, str | None]:
    """The answer and its question's grouping key, both made in the search's worker thread (normalising is
    not work for the event loop, which serves every other request meanwhile). The key is made only when the
    query log records the question or a pin may answer it (else ``None``)."""
    answer = searcher.search(
        question.query, top_k, filters=question.filters, previous=previous, stage_timer=stage_timer
    )
    logged = runtime.query_log is not None and question.channel not in UNLOGGED
    grouping = _grouping(searcher, answer.query) if logged else None
    if answer.reason == "not_a_question" or (question.filters is not None and not question.filters.empty):
        return answer, grouping  # a filtered search asks for those documents only; a pin may lie elsewhere
    matcher = runtime.matcher(searcher)
    if matcher is None:
        return answer, grouping
    if grouping is None:
        grouping = _grouping(searcher, answer.query)
    pin = matcher.match(answer.query, grouping)
    return (apply_pin(answer, pin, searcher, top_k) if pin is not None else answer), grouping


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

        def search() -> tuple[Answer, str | None]:
            t0 = time.perf_counter()
            try:
                return _search(runtime, searcher, question, top_k, previous, stage_timer)
            finally:
                took.append(time.perf_counter() - t0)

        answer, grouping = await runtime.gate.run(search)
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
    _log_query(runtime, searcher, question, answer, grouping, took[0] if took else 0.0)
    return answer


def _log_query(
    runtime: Runtime, searcher: Searcher, question: Question, answer: Answer, grouping: str | None, seconds: float
) -> None:
    """Queue the search for the query log (written in the background, redacted there)."""
    qlog = runtime.query_log
    if qlog is None or question.channel in UNLOGGED or grouping is None:
        return
    top = answer.results[0] if answer.results else None
    qlog.record(
        LoggedQuery(
            channel=question.channel,
            query=answer.query,
            grouping=grouping,
            answered=answer.answered,
            reason=answer.reason,
            confidence=answer.confidence,
            top_passage=top.passage_id if top is not None else None,
            pinned=bool(top is not None and top.pinned),
            results=len(answer.results),
            ms=_ms(seconds),
            index_build=searcher.index.manifest.build_id,
        )
    )


def _record(runtime: Runtime, outcome: Outcome, seconds: float | None, stages: dict[str, float]) -> None:
    """Count the question, observe its search time, and add both to the request's access line."""
    runtime.metrics.observe_search(outcome, seconds if outcome not in ("invalid", "error") else None)
    fields: dict[str, object] = {"outcome": outcome}
    if seconds is not None:
        fields["search_ms"] = _ms(seconds)
    fields.update({f"{name}_ms": _ms(s) for name, s in stages.items()})
    annotate(**fields)
