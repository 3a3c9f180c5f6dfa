"""One way to answer a question, whatever surface asked it (the JSON API, Dify's retrieval API, MCP tools).

Every surface validates, filters, queues for a search slot (``SearchGate``) and searches through
``answer_question``, so limits, follow-ups and filters behave the same everywhere. What is put before the
search's own results (a pinned answer, ``service/pins.py``) and what is recorded about it (the query log,
``service/querylog.py``) is done here, once.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Literal

from index.errors import YoujuError
from index.records import Answer
from index.search import Filters, Searcher, check_top_k, validate_query
from service.pins import apply_pin
from service.querylog import LoggedQuery, grouping_key
from service.state import Runtime

log = logging.getLogger("youju.service")

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


def _search(runtime: Runtime, searcher: Searcher, question: Question, top_k: int, previous: str | None) -> Answer:
    answer = searcher.search(question.query, top_k, filters=question.filters, previous=previous)
    if answer.reason == "not_a_question" or (question.filters is not None and not question.filters.empty):
        return answer  # a filtered search asks for those documents only; a pin may lie elsewhere
    matcher = runtime.matcher(searcher)
    if matcher is None:
        return answer
    pin = matcher.match(answer.query, grouping_key(searcher.normalizer(answer.query)))
    return apply_pin(answer, pin, searcher, top_k) if pin is not None else answer


async def answer_question(runtime: Runtime, question: Question) -> Answer:
    """Validate (cheap checks first: refuse before taking a search slot), then search on the live index."""
    settings = runtime.settings
    validate_query(question.query, settings.max_query_chars)
    top_k = check_top_k(question.top_k if question.top_k is not None else settings.default_top_k, settings.max_top_k)
    previous = question.previous if question.previous and question.previous.strip() else None
    if previous is not None:
        validate_query(previous, settings.max_query_chars)
    searcher = runtime.require()  # captured once: a reload does not change it under this request
    t0 = time.perf_counter()
    answer = await runtime.gate.run(lambda: _search(runtime, searcher, question, top_k, previous))
    qlog = runtime.query_log
    if qlog is not None and question.channel not in UNLOGGED:
        try:
            grouping = grouping_key(searcher.normalizer(answer.query))
        except YoujuError:
            grouping = answer.query
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
                ms=(time.perf_counter() - t0) * 1000,
                index_build=searcher.index.manifest.build_id,
            )
        )
    return answer
