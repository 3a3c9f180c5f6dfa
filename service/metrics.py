"""Prometheus metrics of one running service, exposed at ``GET /metrics`` (docs/operations.md).

Each ``Runtime`` owns a ``Metrics`` with a registry of its own (never prometheus_client's global one: tests
start many apps in one process, and two services must not share counters). The core measures nothing for
Prometheus: ``index.search.Searcher`` reports stage times through a ``StageTimer`` given per search, and
this module turns them into histograms.

Label values are bounded: routes are route templates (``/api/v1/passages/{passage_id}``, never a raw path;
``<unmatched>`` for requests no route took), methods outside the usual few are ``OTHER``, and past
``MAX_ROUTES`` distinct templates new ones are counted as ``<other>``.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Literal

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    PlatformCollector,
    ProcessCollector,
    generate_latest,
)
from prometheus_client.exposition import choose_encoder

UNMATCHED = "<unmatched>"
OTHER_ROUTE = "<other>"
MAX_ROUTES = 200
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS", "PATCH"})

Outcome = Literal["answered", "no_answer", "not_a_question", "invalid", "error"]
OUTCOMES: tuple[Outcome, ...] = ("answered", "no_answer", "not_a_question", "invalid", "error")
Limit = Literal["requests", "sign_in"]
STAGES = ("encoder", "reranker")

# Seconds. A search takes a few ms (small corpus, no reranker) to about a second (large corpus, reranker,
# slow CPU); a request waits at most busy_timeout_seconds for a search slot.
REQUEST_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
STAGE_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5)


class Metrics:
    """The service's metrics in their own registry; ``render()`` is the text exposition format."""

    def __init__(self) -> None:
        r = self.registry = CollectorRegistry()
        ProcessCollector(registry=r)  # process_cpu_seconds_total, process_resident_memory_bytes, ...
        PlatformCollector(registry=r)  # python_info
        self.http_requests = Counter(
            "youju_http_requests",
            "HTTP requests answered, by route template, method and status.",
            ["route", "method", "status"],
            registry=r,
        )
        self.http_duration = Histogram(
            "youju_http_request_duration_seconds",
            "Time from a request's arrival to the end of its answer, by route template and method.",
            ["route", "method"],
            buckets=REQUEST_BUCKETS,
            registry=r,
        )
        self.searches = Counter(
            "youju_searches",
            "Questions handled, by outcome: answered, no_answer (the documents do not answer it), not_a_question, "
            "invalid (refused before searching: empty, too long, bad parameters) or error (not ready, busy, failure).",
            ["outcome"],
            registry=r,
        )
        self.search_seconds = Histogram(
            "youju_search_seconds",
            "Time of a search itself, in its worker thread (without the wait for a search slot).",
            buckets=REQUEST_BUCKETS,
            registry=r,
        )
        self.encoder_seconds = Histogram(
            "youju_encoder_seconds", "Time to embed one question.", buckets=STAGE_BUCKETS, registry=r
        )
        self.reranker_seconds = Histogram(
            "youju_reranker_seconds",
            "Time of the cross-encoder reading one question's best candidates (only with a reranker).",
            buckets=STAGE_BUCKETS,
            registry=r,
        )
        self.index_passages = Gauge("youju_index_passages", "Passages in the live index.", registry=r)
        self.index_documents = Gauge("youju_index_documents", "Documents in the live index.", registry=r)
        self.index_info = Gauge(
            "youju_index_info",
            "The live index: always 1, labelled with its build id and model.",
            ["build_id", "model"],
            registry=r,
        )
        self.rate_limited = Counter(
            "youju_rate_limited",
            "Requests refused 429: `requests` by the per-client rate limit of the public API, `sign_in` after "
            "too many wrong staff, admin or metrics keys.",
            ["limit"],
            registry=r,
        )
        self.busy = Counter("youju_busy", "Requests refused 503 busy: no search slot came free in time.", registry=r)
        self.ready = Gauge("youju_ready", "1 while searches can be served (the index is loaded and warm).", registry=r)
        self.searches_running = Gauge("youju_searches_running", "Searches running now.", registry=r)
        self.searches_waiting = Gauge("youju_searches_waiting", "Searches waiting for a slot now.", registry=r)
        for outcome in OUTCOMES:  # every series exists from the start, at 0 (rate() needs the zero)
            self.searches.labels(outcome=outcome)
        for limit in ("requests", "sign_in"):
            self.rate_limited.labels(limit=limit)
        self._routes: set[str] = set()
        self._lock = threading.Lock()

    # ------------------------------------------------------------------------------------ wiring
    def watch(self, ready: Callable[[], bool], running: Callable[[], int], waiting: Callable[[], int]) -> None:
        """Gauges read when scraped: whether the service is ready, and the searches running and waiting."""
        self.ready.set_function(lambda: 1.0 if ready() else 0.0)
        self.searches_running.set_function(lambda: float(running()))
        self.searches_waiting.set_function(lambda: float(waiting()))

    def index_loaded(self, build_id: str, model: str, passages: int, documents: int) -> None:
        """A searcher went live (start-up or reload)."""
        self.index_passages.set(passages)
        self.index_documents.set(documents)
        with self._lock:
            self.index_info.clear()
            self.index_info.labels(build_id=build_id, model=model).set(1)

    # ------------------------------------------------------------------------------- observations
    def route_label(self, template: str | None) -> str:
        if template is None:
            return UNMATCHED
        if template in self._routes:
            return template
        with self._lock:
            if len(self._routes) >= MAX_ROUTES:
                return OTHER_ROUTE
            self._routes.add(template)
        return template

    def observe_request(self, route: str | None, method: str, status: int, seconds: float) -> None:
        label = self.route_label(route)
        verb = method if method in METHODS else "OTHER"
        self.http_requests.labels(route=label, method=verb, status=str(status)).inc()
        self.http_duration.labels(route=label, method=verb).observe(seconds)

    def observe_stage(self, stage: str, seconds: float) -> None:
        """A ``StageTimer`` (index.search): the stages it knows become histograms, others are ignored."""
        if stage == "encoder":
            self.encoder_seconds.observe(seconds)
        elif stage == "reranker":
            self.reranker_seconds.observe(seconds)

    def observe_search(self, outcome: Outcome, seconds: float | None = None) -> None:
        """A question was handled; ``seconds``: the time of the search itself, when it ran."""
        self.searches.labels(outcome=outcome).inc()
        if seconds is not None:
            self.search_seconds.observe(seconds)

    def limited(self, limit: Limit) -> None:
        self.rate_limited.labels(limit=limit).inc()

    def refused_busy(self) -> None:
        self.busy.inc()

    def render(self, accept: str | None = None) -> tuple[bytes, str]:
        """(body, content type): the format the scraper's ``Accept`` header asks for, OpenMetrics or
        Prometheus text (``CONTENT_TYPE_LATEST``, also when it asks for nothing in particular)."""
        if not accept:
            return generate_latest(self.registry), CONTENT_TYPE_LATEST
        encoder, content_type = choose_encoder(accept)
        return encoder(self.registry), content_type
