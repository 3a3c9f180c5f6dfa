"""One way to answer a question, whatever surface asked it (the JSON API, Dify's retrieval API, MCP tools).

Every surface validates, filters, queues for a search slot (``SearchGate``) and searches through
``answer_question``, so limits, follow-ups and filters behave the same everywhere; what is recorded about a
search (query log, metrics) and what is put before it (pinned answers) is added here, once.
"""

from __future__ import annotations

from dataclasses import dataclass

from index.records import Answer
from index.search import Filters, check_top_k, validate_query
from service.state import Runtime


@dataclass(frozen=True)
class Question:
    """A question as every surface hands it over (already parsed from its own request shape)."""

    query: str
    top_k: int | None = None
    filters: Filters | None = None
    previous: str | None = None


async def answer_question(runtime: Runtime, question: Question) -> Answer:
    """Validate (cheap checks first: refuse before taking a search slot), then search on the live index."""
    settings = runtime.settings
    validate_query(question.query, settings.max_query_chars)
    top_k = check_top_k(question.top_k if question.top_k is not None else settings.default_top_k, settings.max_top_k)
    previous = question.previous if question.previous and question.previous.strip() else None
    if previous is not None:
        validate_query(previous, settings.max_query_chars)
    searcher = runtime.require()  # captured once: a reload does not change it under this request
    filters = question.filters
    return await runtime.gate.run(lambda: searcher.search(question.query, top_k, filters=filters, previous=previous))
