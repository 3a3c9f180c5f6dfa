"""/metrics: Prometheus text that parses, counts requests by route template (never a raw path) and final
status, searches by outcome, stage timings, the live index, rate limits and busy refusals; the metrics key."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import anyio
import httpx
import numpy as np
import pytest
from prometheus_client.parser import text_string_to_metric_families

from index import store
from index.config import Settings
from index.pipeline import searcher_for
from index.search import Searcher
from service.app import create_app
from service.errors import ApiError, ConfigError
from service.gate import SearchGate
from service.metrics import MAX_ROUTES, OTHER_ROUTE, Metrics
from tests.helpers import HashEmbedder
from tests.service.helpers import ServeFn, assert_error, make_settings

METRICS_KEY = "metrics-5c1e8b7a2f9d4e36"
Samples = dict[str, list[tuple[dict[str, str], float]]]


class ConstantReranker:
    """A stand-in cross-encoder: every passage is judged equally likely to answer."""

    name = "test/constant"

    def score(self, query: str, passages: list[str]) -> np.ndarray[Any, Any]:
        return np.full(len(passages), 0.5, dtype=np.float32)


def reranked_factory(settings: Settings) -> Searcher:
    searcher = searcher_for(settings, store.load(settings.index_dir), HashEmbedder())
    searcher.reranker = ConstantReranker()
    return searcher


def scrape(client: httpx.Client, **kw: Any) -> Samples:
    r = client.get("/metrics", **kw)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("text/plain")
    samples: Samples = {}
    for family in text_string_to_metric_families(r.text):
        for s in family.samples:
            samples.setdefault(s.name, []).append((dict(s.labels), s.value))
    return samples


def value(samples: Samples, name: str, **labels: str) -> float:
    """The sum of the samples of ``name`` whose labels include ``labels`` (0 when there are none)."""
    return sum(v for have, v in samples.get(name, []) if all(have.get(k) == x for k, x in labels.items()))


def label_values(samples: Samples, name: str, label: str) -> set[str]:
    return {have[label] for have, _ in samples.get(name, []) if label in have}


def search(client: httpx.Client, query: str) -> httpx.Response:
    return client.post("/api/v1/search", json={"query": query, "top_k": 3})


def test_requests_searches_stages_and_the_index_are_counted(serve: ServeFn) -> None:
    # The hash embedder's confidences are low; this threshold answers one question and not the other.
    live = serve(reranked_factory, no_answer_threshold=0.03, max_body_bytes=1024, max_query_chars=100)
    with live.client() as c:
        index = c.get("/readyz").json()["index"]
        answered = search(c, "精简了多少个议事协调机构").json()
        assert answered["answered"] is True
        no_answer = search(c, "北京今天天气怎么样").json()
        assert no_answer["answered"] is False and no_answer["reason"] == "no_answer"
        assert search(c, "在吗").json()["reason"] == "not_a_question"
        assert_error(search(c, "长" * 150), 413, "query_too_long")
        passage_id = answered["results"][0]["passage_id"]
        assert c.get(f"/api/v1/passages/{passage_id}").status_code == 200
        assert_error(c.get("/api/v1/passages/no-such-passage"), 404, "passage_not_found")
        assert_error(c.get("/no/such/page"), 404, "not_found")
        assert_error(c.post("/api/v1/search", content=b"x" * 2048), 413, "body_too_large")
        samples = scrape(c)

    requests = "youju_http_requests_total"
    search_route = "/api/v1/search"
    assert value(samples, requests, route=search_route, method="POST", status="200") == 3
    assert value(samples, requests, route=search_route, method="POST", status="413") == 1
    passages = "/api/v1/passages/{passage_id}"
    assert value(samples, requests, route=passages, method="GET", status="200") == 1
    assert value(samples, requests, route=passages, method="GET", status="404") == 1
    # Unknown paths, and bodies refused before routing, are <unmatched>; no raw path or id is a label.
    assert value(samples, requests, route="<unmatched>", status="404") == 1
    assert value(samples, requests, route="<unmatched>", status="413") == 1
    routes = label_values(samples, requests, "route")
    assert not any(passage_id in r or "no-such" in r or "/no/such" in r for r in routes), routes
    assert value(samples, "youju_http_request_duration_seconds_count", route=passages, method="GET") == 2
    assert value(samples, "youju_http_request_duration_seconds_bucket", route=passages, le="+Inf") == 2

    searches = "youju_searches_total"
    assert value(samples, searches, outcome="answered") == 1
    assert value(samples, searches, outcome="no_answer") == 1
    assert value(samples, searches, outcome="not_a_question") == 1
    assert value(samples, searches, outcome="invalid") == 1
    assert value(samples, searches, outcome="error") == 0
    # Searched: two questions (not_a_question stops before the model). The warm-up search is not counted.
    assert value(samples, "youju_search_seconds_count") == 3
    assert value(samples, "youju_encoder_seconds_count") == 2
    assert value(samples, "youju_reranker_seconds_count") == 2

    assert value(samples, "youju_ready") == 1
    assert value(samples, "youju_index_passages") == index["passages"]
    assert value(samples, "youju_index_documents") == index["documents"]
    assert samples["youju_index_info"] == [({"build_id": index["build_id"], "model": index["model"]}, 1.0)]
    assert value(samples, "youju_busy_total") == 0
    assert value(samples, "youju_rate_limited_total") == 0
    assert "process_resident_memory_bytes" in samples or "python_info" in samples


def test_rate_limited_requests_are_counted_with_their_route(serve: ServeFn) -> None:
    live = serve(rate_limit_burst=1, rate_limit_per_minute=1)
    with live.client() as c:
        assert search(c, "森林覆盖率多少").status_code == 200
        assert_error(search(c, "森林覆盖率多少"), 429, "rate_limited")
        samples = scrape(c)  # /metrics itself is not rate-limited
    assert value(samples, "youju_rate_limited_total", limit="requests") == 1
    assert value(samples, "youju_http_requests_total", route="/api/v1/search", status="429") == 1
    assert value(samples, "youju_searches_total") == 1  # the refused request never reached a search


def test_metrics_key_is_required_when_set(serve: ServeFn) -> None:
    live = serve(metrics_key=METRICS_KEY)
    with live.client() as c:
        refused = c.get("/metrics")
        assert_error(refused, 401, "unauthorized")
        assert refused.headers["www-authenticate"].startswith("Bearer")
        assert_error(c.get("/metrics", headers={"Authorization": "Bearer wrong-key-0123456789"}), 401, "unauthorized")
        samples = scrape(c, headers={"Authorization": f"Bearer {METRICS_KEY}"})
        assert value(samples, "youju_http_requests_total", route="/metrics", status="401") == 2
        assert "/metrics" not in c.get("/openapi.json").json()["paths"]


def test_metrics_are_open_without_a_key_and_speak_openmetrics_when_asked(live: Any) -> None:
    with live.client() as c:
        r = c.get("/metrics", headers={"Accept": "application/openmetrics-text; version=1.0.0"})
        assert r.status_code == 200
        assert r.headers["content-type"].startswith("application/openmetrics-text")
        assert r.text.rstrip().endswith("# EOF")


@pytest.mark.parametrize("key", ["changeme", "short-key", "aaaaaaaaaaaaaaaaaaaa"])
def test_weak_metrics_keys_are_refused_at_start(tmp_path: Path, shared_index: Path, key: str) -> None:
    with pytest.raises(ConfigError, match="YOUJU_METRICS_KEY"):
        create_app(make_settings(tmp_path, shared_index, metrics_key=key))


def test_each_app_has_its_own_registry(tmp_path: Path, shared_index: Path) -> None:
    a = create_app(make_settings(tmp_path, shared_index))
    b = create_app(make_settings(tmp_path, shared_index))
    a.state.runtime.metrics.observe_search("answered", 0.1)
    for app, count in ((a, 1), (b, 0)):
        registry = app.state.runtime.metrics.registry
        assert registry.get_sample_value("youju_searches_total", {"outcome": "answered"}) == count


def test_busy_refusals_are_counted() -> None:
    metrics = Metrics()
    gate = SearchGate(limit=1, timeout=0, max_waiting=0, on_busy=metrics.refused_busy)
    refused: list[int] = []

    async def main() -> None:
        async with gate.slot():
            try:
                await gate.run(lambda: None)
            except ApiError as e:
                refused.append(e.status)

    anyio.run(main)
    assert refused == [503]
    assert metrics.registry.get_sample_value("youju_busy_total") == 1


def test_route_labels_are_bounded() -> None:
    metrics = Metrics()
    routes: Iterable[str] = (f"/r{i}" for i in range(MAX_ROUTES + 5))
    labels = [metrics.route_label(r) for r in routes]
    assert labels[:MAX_ROUTES] == [f"/r{i}" for i in range(MAX_ROUTES)]
    assert set(labels[MAX_ROUTES:]) == {OTHER_ROUTE}
    assert metrics.route_label(None) == "<unmatched>"
    metrics.observe_request("/new", "BREW", 418, 0.01)  # past the cap, and an unusual method
    other = {"route": OTHER_ROUTE, "method": "OTHER", "status": "418"}
    assert metrics.registry.get_sample_value("youju_http_requests_total", other) == 1
