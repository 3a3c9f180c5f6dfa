"""Dify's External Knowledge API (POST /api/v1/dify/retrieval), driven over HTTP with the requests Dify sends."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from index import store
from index.answerability import Decision, Signals
from index.config import Settings
from index.search import Searcher
from service.checks import check_settings
from service.errors import ConfigError
from service.state import AUTH_FAILURE_BURST
from tests.helpers import REPORT_DIR, REPORT_ID, build_hash_index
from tests.service.helpers import ADMIN_KEY, STAFF_KEY, LiveServer, ServeFn, assert_error, hash_factory

URL = "/api/v1/dify/retrieval"
FULL_KEY = "dify-full-7c1e9a3b5d2f4e6a"
SCOPED_KEY = "dify-scoped-2b8d4f6a1c3e5a7c"
SETS: dict[str, Any] = {
    "huairou": {"document_ids": [REPORT_ID]},
    "rule-of-law": {"doc_type": "法治政府建设年度报告", "year": 2024},
    "budgets": {"doc_type": "预算"},
}
METADATA_KEYS = {
    "document_id",
    "section",
    "paragraph",
    "page",
    "page_end",
    "printed_page",
    "start",
    "end",
    "passage_id",
    "source_url",
    "text_url",
    "year",
    "ocr",
    "superseded_by",
}
ANSWERED = "森林覆盖率多少"  # answered by the report (77.57%)
UNANSWERED = "今天天气怎么样"  # none of its terms is in the report


class CoverageAnswerability:
    """The calibrated model reads the real model's cosines and refuses every question of the hash embedder;
    this one answers when the best passage holds the question's terms, with a confidence in [0.3, 0.9]."""

    name = "test-coverage"
    threshold = 0.5

    def decide(self, signals: Signals) -> Decision:
        share = signals.coverage_top * (1.0 - signals.unknown_share)
        return Decision(answered=share >= self.threshold, confidence=0.3 + 0.6 * share)


def coverage_factory(settings: Settings) -> Searcher:
    searcher = hash_factory(settings)
    searcher.answerability = CoverageAnswerability()
    return searcher


def dify_settings(**overrides: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "dify_api_key": FULL_KEY,
        "dify_keys": json.dumps({SCOPED_KEY: ["huairou", "budgets"]}),
        "knowledge_sets": SETS,
        "max_query_chars": 80,
        "max_top_k": 8,
    }
    values.update(overrides)
    return values


@pytest.fixture
def dify(serve: ServeFn) -> LiveServer:
    return serve(coverage_factory, **dify_settings())


@pytest.fixture
def client(dify: LiveServer) -> Iterator[httpx.Client]:
    with dify.client() as c:
        yield c


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def ask(
    c: httpx.Client,
    query: str,
    knowledge_id: str = "all",
    *,
    key: str = FULL_KEY,
    top_k: int | None = 5,
    threshold: float | None = 0.0,
    **extra: Any,
) -> httpx.Response:
    """A retrieval request as Dify sends it (Content-Type and Bearer key); None leaves a setting out."""
    setting: dict[str, Any] = {}
    if top_k is not None:
        setting["top_k"] = top_k
    if threshold is not None:
        setting["score_threshold"] = threshold
    body = {"knowledge_id": knowledge_id, "query": query, "retrieval_setting": setting, **extra}
    return c.post(URL, headers=bearer(key), json=body)


def records(r: httpx.Response) -> list[dict[str, Any]]:
    assert r.status_code == 200, r.text
    body = r.json()
    assert set(body) == {"records"}
    return list(body["records"])


def assert_dify_error(r: httpx.Response, status: int, error_code: int) -> str:
    """Exactly Dify's error shape: {"error_code": int, "error_msg": str}."""
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/json")
    body = r.json()
    assert set(body) == {"error_code", "error_msg"}, body
    assert body["error_code"] == error_code, body
    assert isinstance(body["error_msg"], str) and body["error_msg"]
    return str(body["error_msg"])


def condition(name: Any, op: str, value: Any = None) -> dict[str, Any]:
    return {"name": name, "comparison_operator": op, "value": value}


def where(*conditions: dict[str, Any], logical: str = "and") -> dict[str, Any]:
    return {"metadata_condition": {"logical_operator": logical, "conditions": list(conditions)}}


# ------------------------------------------------------------------------------------ registration and keys


def test_registration_probe_with_the_key_and_no_body_is_a_validation_error(client: httpx.Client) -> None:
    # Dify's check_endpoint_and_api_key: POST {endpoint}/retrieval, Authorization only, no body, no Content-Type.
    for key in (FULL_KEY, SCOPED_KEY):
        msg = assert_dify_error(client.post(URL, headers=bearer(key)), 422, 3001)
        assert "no JSON body" in msg
    # Dify reports 403 (and 404) to whoever registers: a wrong or missing key must not look like success.
    assert_dify_error(client.post(URL, headers=bearer("dify-wrong-0000000000000")), 403, 1002)
    assert_dify_error(client.post(URL), 403, 1001)


@pytest.mark.parametrize(
    ("headers", "error_code"),
    [
        ({}, 1001),
        ({"Authorization": ""}, 1001),
        ({"Authorization": "Basic x"}, 1001),
        ({"Authorization": f"Basic {FULL_KEY}"}, 1001),
        ({"Authorization": "Bearer"}, 1001),
        ({"Authorization": FULL_KEY}, 1001),
        ({"Authorization": "Bearer dify-wrong-0000000000000"}, 1002),
        ({"Authorization": f"Bearer {FULL_KEY}x"}, 1002),
        ({"Authorization": f"Bearer {STAFF_KEY}"}, 1002),
    ],
)
def test_authorization_errors(client: httpx.Client, headers: dict[str, str], error_code: int) -> None:
    body = {"knowledge_id": "all", "query": ANSWERED, "retrieval_setting": {"top_k": 3, "score_threshold": 0.0}}
    assert_dify_error(client.post(URL, headers=headers, json=body), 403, error_code)
    # Whatever the body: a malformed one does not get past a wrong key either.
    bad = client.post(URL, headers={**headers, "Content-Type": "application/json"}, content=b"{not json")
    assert_dify_error(bad, 403, error_code)


def test_the_scheme_is_case_insensitive_and_a_bad_body_with_the_right_key_is_422(client: httpx.Client) -> None:
    body = {"knowledge_id": "all", "query": ANSWERED, "retrieval_setting": {"top_k": 3, "score_threshold": 0.0}}
    assert records(client.post(URL, headers={"Authorization": f"bearer {FULL_KEY}"}, json=body))
    bad = client.post(URL, headers={**bearer(FULL_KEY), "Content-Type": "application/json"}, content=b"{not json")
    assert "not valid JSON" in assert_dify_error(bad, 422, 3001)


def test_disabled_without_keys(serve: ServeFn) -> None:
    live = serve(coverage_factory)
    with live.client() as c:
        assert "YOUJU_DIFY_API_KEY" in assert_dify_error(c.post(URL, headers=bearer(FULL_KEY)), 404, 1003)
        assert_dify_error(ask(c, ANSWERED), 404, 1003)
        # The rest of the API keeps its own error shape.
        assert_error(c.post("/api/v1/search", json={}), 422, "validation_error")


def test_wrong_keys_are_throttled(client: httpx.Client) -> None:
    for _ in range(AUTH_FAILURE_BURST):
        assert_dify_error(ask(client, ANSWERED, key="dify-wrong-0000000000000"), 403, 1002)
    r = ask(client, ANSWERED, key="dify-wrong-0000000000000")
    assert_dify_error(r, 429, 4001)
    assert int(r.headers["retry-after"]) >= 1
    # While throttled, even the right key is not compared.
    assert_dify_error(ask(client, ANSWERED), 429, 4001)


def test_a_missing_header_is_not_counted_as_a_guess(client: httpx.Client) -> None:
    for _ in range(AUTH_FAILURE_BURST + 2):
        assert_dify_error(client.post(URL), 403, 1001)
    assert records(ask(client, ANSWERED))


# ------------------------------------------------------------------------------------ records and scores


def test_records_are_cited_passages_with_scores_from_the_confidence(client: httpx.Client, shared_index: Path) -> None:
    recs = records(ask(client, ANSWERED, top_k=5, threshold=0.0))
    assert 1 <= len(recs) <= 5
    answer = client.post("/api/v1/search", json={"query": ANSWERED, "top_k": 5}).json()
    assert answer["answered"] is True
    results = answer["results"]
    assert [r["metadata"]["passage_id"] for r in recs] == [r["passage_id"] for r in results]
    index = store.load(shared_index)
    for rec, res in zip(recs, results, strict=True):
        assert set(rec) == {"content", "score", "title", "metadata"}
        meta = rec["metadata"]
        assert set(meta) == METADATA_KEYS
        doc = index.documents[meta["document_id"]]
        assert rec["title"] == doc.title
        assert doc.text[meta["start"] : meta["end"]] == rec["content"] == res["text"]  # verbatim, with its span
        assert meta["section"] == res["citation"]["section"] and all(isinstance(h, str) for h in meta["section"])
        assert meta["paragraph"] == res["citation"]["paragraph"]
        assert meta["page"] is None  # a text file has no pages
        assert meta["year"] == 2024 and meta["ocr"] is False
        assert meta["text_url"].endswith(f"/api/v1/documents/{REPORT_ID}/text")
        assert meta["source_url"] == meta["text_url"]  # the report's metadata has no source_url
        assert client.get(meta["text_url"]).json()["text"][meta["start"] : meta["end"]] == rec["content"]
    assert "77.57%" in recs[0]["content"]
    scores = [r["score"] for r in recs]
    assert all(0.0 <= s <= 1.0 for s in scores)
    assert scores == sorted(scores, reverse=True)
    # The first is the calibrated confidence; the others that times their fused score relative to the first.
    assert scores[0] == pytest.approx(answer["confidence"], abs=1e-4)
    for s, res in zip(scores[1:], results[1:], strict=True):
        assert s == pytest.approx(answer["confidence"] * res["score"] / results[0]["score"], abs=1e-4)
    assert scores[-1] < scores[0]


def test_score_threshold_keeps_the_records_that_clear_it(client: httpx.Client) -> None:
    every = records(ask(client, ANSWERED, top_k=8, threshold=0.0))
    scores = [r["score"] for r in every]
    cut = (scores[0] + scores[-1]) / 2
    kept = records(ask(client, ANSWERED, top_k=8, threshold=cut))
    assert kept == [r for r in every if r["score"] >= cut]
    assert 1 <= len(kept) < len(every)
    assert records(ask(client, ANSWERED, top_k=8, threshold=1.0)) == []  # the confidence is below 1 here
    # Dify always sends score_threshold (0.0 when off); a request without it is treated as 0.
    assert records(ask(client, ANSWERED, top_k=8, threshold=None)) == every
    # Dify may send an integer 0 too.
    assert records(ask(client, ANSWERED, top_k=8, threshold=0)) == every


def test_top_k_is_clamped_and_defaults(client: httpx.Client) -> None:
    assert len(records(ask(client, "行政执法", top_k=1))) == 1
    assert len(records(ask(client, "行政执法", top_k=100))) == 8  # YOUJU_MAX_TOP_K here, not an error
    assert len(records(ask(client, "行政执法", top_k=None))) == 5  # YOUJU_DEFAULT_TOP_K
    body = {"knowledge_id": "all", "query": "行政执法", "retrieval_setting": {"top_k": None, "score_threshold": 0.0}}
    assert len(records(client.post(URL, headers=bearer(FULL_KEY), json=body))) == 5


@pytest.mark.parametrize("query", [UNANSWERED, "在吗", "？？？"])
def test_no_records_when_the_documents_do_not_answer(client: httpx.Client, query: str) -> None:
    assert records(ask(client, query, threshold=0.0)) == []
    answer = client.post("/api/v1/search", json={"query": query}).json()
    assert answer["answered"] is False  # the search may list near misses; Dify gets none of them
    if query == UNANSWERED:
        assert answer["results"]


# ------------------------------------------------------------------------------------ knowledge ids


def test_knowledge_ids(client: httpx.Client) -> None:
    everything = records(ask(client, ANSWERED))
    assert everything
    assert records(ask(client, ANSWERED, REPORT_ID)) == everything  # the corpus has one document
    assert records(ask(client, ANSWERED, "huairou")) == everything
    assert records(ask(client, ANSWERED, "rule-of-law")) == everything  # by doc_type and year
    assert records(ask(client, ANSWERED, "budgets")) == []  # a set no document belongs to
    for unknown in ("no-such-document", "All", REPORT_ID + "/x"):
        assert unknown in assert_dify_error(ask(client, ANSWERED, unknown), 404, 2001)


def test_scoped_key_reads_only_its_knowledge(client: httpx.Client) -> None:
    assert records(ask(client, ANSWERED, "huairou", key=SCOPED_KEY))
    assert records(ask(client, ANSWERED, "budgets", key=SCOPED_KEY)) == []
    # Outside its list: 1002 whether the knowledge exists or not (a limited key cannot probe for names).
    for other in ("all", REPORT_ID, "rule-of-law", "no-such-document"):
        assert_dify_error(ask(client, ANSWERED, other, key=SCOPED_KEY), 403, 1002)
    # A condition narrows the key's scope, never widens it.
    r = ask(client, ANSWERED, "budgets", key=SCOPED_KEY, **where(condition("document_id", "is", REPORT_ID)))
    assert records(r) == []


# ------------------------------------------------------------------------------------ metadata_condition


def test_supported_metadata_conditions(client: httpx.Client) -> None:
    everything = records(ask(client, ANSWERED))
    for cond in (
        condition("document_id", "is", REPORT_ID),
        condition("document_id", "=", REPORT_ID),
        condition("document_id", "in", [REPORT_ID, "other"]),
        condition("year", "=", 2024),
        condition("year", "is", "2024"),
        condition(["year"], "is", 2024),  # older Dify versions send the name as a list
        condition("doc_type", "is", "法治政府建设年度报告"),
        condition("issuer", "contains", "怀柔区"),  # either script
    ):
        assert records(ask(client, ANSWERED, **where(cond))) == everything, cond
    for cond in (
        condition("document_id", "is", "other"),
        condition("year", "=", 2023),
        condition("doc_type", "is", "预算"),
        condition("issuer", "contains", "万里街道"),
    ):
        assert records(ask(client, ANSWERED, **where(cond))) == [], cond
    # `or` between documents: any of them.
    ors = where(condition("document_id", "is", "other"), condition("document_id", "is", REPORT_ID), logical="or")
    assert records(ask(client, ANSWERED, **ors)) == everything
    # `and` of two conditions; a section condition narrows the passages.
    both = where(condition("year", "=", 2024), condition("section", "contains", "二、"))
    recs = records(ask(client, "行政执法", top_k=8, **both))
    assert recs and all(any("二、" in h for h in r["metadata"]["section"]) for r in recs)
    # An empty condition list filters nothing.
    assert records(ask(client, ANSWERED, **where())) == everything


@pytest.mark.parametrize(
    ("extra", "knowledge_id", "needle"),
    [
        (where(condition("title", "is", "x")), "all", "'title'"),
        (where(condition("category", "contains", "AI")), "all", "'category'"),
        (where(condition("year", ">", 2020)), "all", "'>'"),
        (where(condition("year", "before", "2025")), "all", "'before'"),
        (where(condition("doc_type", "not in", ["预算"])), "all", "'not in'"),
        (where(condition("issuer", "is", "北京市懷柔區人民政府")), "all", "'is'"),
        (where(condition("doc_type", "empty")), "all", "'empty'"),
        (where(condition("year", "=", "twenty")), "all", "year"),
        (where(condition("document_id", "in", "not-a-list")), "all", "list"),
        (where(condition(["doc_type", "year"], "is", "x")), "all", "one metadata field"),
        (where(condition("year", "=", 2024), condition("doc_type", "is", "预算"), logical="or"), "all", "`or`"),
        (where(condition("year", "=", 2023), condition("year", "=", 2024)), "all", "year twice"),
        (where(condition("doc_type", "is", "预算")), "rule-of-law", "doc_type twice"),
    ],
)
def test_unsupported_metadata_conditions_are_refused(
    client: httpx.Client, extra: dict[str, Any], knowledge_id: str, needle: str
) -> None:
    msg = assert_dify_error(ask(client, ANSWERED, knowledge_id, **extra), 400, 3004)
    assert needle in msg


# ------------------------------------------------------------------------------------ validation


@pytest.mark.parametrize(
    ("body", "status", "error_code"),
    [
        ({"query": ANSWERED, "retrieval_setting": {"top_k": 3}}, 422, 3001),  # no knowledge_id
        ({"knowledge_id": "all", "retrieval_setting": {"top_k": 3}}, 422, 3001),  # no query
        ({"knowledge_id": "all", "query": ANSWERED}, 422, 3001),  # no retrieval_setting (Dify always sends it)
        ({"knowledge_id": "", "query": ANSWERED, "retrieval_setting": {}}, 422, 3001),
        ({"knowledge_id": "all", "query": 7, "retrieval_setting": {}}, 422, 3001),
        ({"knowledge_id": "all", "query": ANSWERED, "retrieval_setting": {"top_k": 0}}, 422, 3001),
        ({"knowledge_id": "all", "query": ANSWERED, "retrieval_setting": {"top_k": "5"}}, 422, 3001),
        ({"knowledge_id": "all", "query": ANSWERED, "retrieval_setting": {"score_threshold": 1.5}}, 422, 3001),
        ({"knowledge_id": "all", "query": ANSWERED, "retrieval_setting": {"score_threshold": "0.5"}}, 422, 3001),
        (
            {"knowledge_id": "all", "query": ANSWERED, "retrieval_setting": {}, **where(logical="xor")},
            422,
            3001,
        ),
        ({"knowledge_id": "all", "query": "", "retrieval_setting": {"top_k": 3}}, 400, 3002),
        ({"knowledge_id": "all", "query": "森林\x01覆盖率", "retrieval_setting": {"top_k": 3}}, 400, 3002),
        ({"knowledge_id": "all", "query": "长" * 81, "retrieval_setting": {"top_k": 3}}, 413, 3003),
        ([], 422, 3001),
    ],
)
def test_validation_errors(client: httpx.Client, body: Any, status: int, error_code: int) -> None:
    msg = assert_dify_error(client.post(URL, headers=bearer(FULL_KEY), json=body), status, error_code)
    if error_code == 3003:
        assert "80" in msg


def test_not_ready_is_503_with_retry_after(serve: ServeFn) -> None:
    def failing(settings: Settings) -> Searcher:
        raise RuntimeError("no index here")

    live = serve(failing, ready=False, **dify_settings())
    with live.client() as c:
        r = ask(c, ANSWERED)
        assert_dify_error(r, 503, 5001)
        assert r.headers["retry-after"]


def test_source_url_of_a_document_that_has_one(serve: ServeFn, tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    shutil.copytree(REPORT_DIR, corpus)
    meta_path = corpus / f"{REPORT_ID}.meta.json"
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    meta["source_url"] = "https://www.bjhr.gov.cn/zwgk/fzzfjs/report-2024.html"
    meta_path.write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
    build_hash_index(corpus, tmp_path / "index")
    live = serve(coverage_factory, index_dir=tmp_path / "index", **dify_settings())
    with live.client() as c:
        recs = records(ask(c, ANSWERED))
    assert recs
    for r in recs:
        assert r["metadata"]["source_url"] == meta["source_url"]
        assert r["metadata"]["text_url"].endswith(f"/api/v1/documents/{REPORT_ID}/text")


def test_openapi_documents_the_route(client: httpx.Client) -> None:
    spec = client.get("/openapi.json").json()
    op = spec["paths"]["/api/v1/dify/retrieval"]["post"]
    assert op["tags"] == ["integrations"]
    assert any("DifyKey" in s for s in op["security"])
    error_ref = "#/components/schemas/DifyErrorResponse"
    for status in ("400", "403", "404", "413", "422", "429", "503"):
        assert op["responses"][status]["content"]["application/json"]["schema"]["$ref"] == error_ref, status
    assert {"knowledge_id", "query", "retrieval_setting"} <= set(
        spec["components"]["schemas"]["DifyRetrievalRequest"]["required"]
    )
    assert "integrations" in [t["name"] for t in spec["tags"]]


# ------------------------------------------------------------------------------------ start-up checks


@pytest.mark.parametrize("weak", ["changeme", "short-key", "aaaaaaaaaaaaaaaaaaaa", "  "])
def test_weak_dify_keys_are_refused(weak: str) -> None:
    with pytest.raises(ConfigError, match="YOUJU_DIFY_API_KEY"):
        check_settings(Settings(dify_api_key=weak))
    with pytest.raises(ConfigError, match="YOUJU_DIFY_KEYS key #2") as e:
        check_settings(Settings(dify_keys=json.dumps({FULL_KEY: ["all"], weak: ["huairou"]})))
    assert FULL_KEY not in str(e.value)


@pytest.mark.parametrize(
    ("values", "needle"),
    [
        ({"dify_keys": "not json"}, "YOUJU_DIFY_KEYS is not JSON"),
        ({"dify_keys": json.dumps([FULL_KEY])}, "JSON object"),
        ({"dify_keys": json.dumps({FULL_KEY: []})}, "key #1"),
        ({"dify_keys": json.dumps({FULL_KEY: "huairou"})}, "key #1"),
        ({"dify_api_key": FULL_KEY, "dify_keys": json.dumps({FULL_KEY: ["huairou"]})}, "distinct"),
        ({"dify_api_key": STAFF_KEY, "staff_key": STAFF_KEY}, "distinct"),
        ({"dify_keys": json.dumps({ADMIN_KEY: ["all"]}), "admin_key": ADMIN_KEY}, "distinct"),
        ({"knowledge_sets": {"all": {"doc_type": "预算"}}}, "reserved"),
        ({"knowledge_sets": {" padded ": {"doc_type": "预算"}}}, "usable set name"),
        ({"knowledge_sets": {"empty": {}}}, "no filter"),
    ],
)
def test_bad_dify_settings_are_refused(values: dict[str, Any], needle: str) -> None:
    with pytest.raises(ConfigError, match=needle) as e:
        check_settings(Settings(**values))
    assert FULL_KEY not in str(e.value) and STAFF_KEY not in str(e.value)


def test_good_dify_settings_pass_and_read_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("YOUJU_DIFY_API_KEY", FULL_KEY)
    monkeypatch.setenv("YOUJU_DIFY_KEYS", json.dumps({SCOPED_KEY: ["huairou", REPORT_ID]}))
    monkeypatch.setenv("YOUJU_KNOWLEDGE_SETS", json.dumps(SETS, ensure_ascii=False))
    settings = Settings()
    check_settings(settings)
    assert settings.dify_scoped_keys() == {SCOPED_KEY: frozenset({"huairou", REPORT_ID})}
    assert settings.knowledge_sets["rule-of-law"].year == 2024
    assert FULL_KEY not in repr(settings) and SCOPED_KEY not in repr(settings)
