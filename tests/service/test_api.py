"""The search contract, the other citizen endpoints, and the error shape for every status."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from index import store
from index.records import Answer
from index.search import Searcher
from service.app import create_app
from service.errors import ConfigError
from tests.helpers import CITATION_KEYS, HashEmbedder
from tests.service.helpers import ServeFn, assert_error, make_settings

RESULT_KEYS = {"passage_id", "text", "context", "context_start", "score", "highlights", "citation", "pinned"}


def test_search_contract_matches_the_searcher(client: httpx.Client, shared_index: Path) -> None:
    r = client.post("/api/v1/search", json={"query": "森林覆盖率多少", "top_k": 5})
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("application/json")
    body = r.json()
    assert set(body) == {"query", "answered", "confidence", "reason", "results"}
    assert body["query"] == "森林覆盖率多少"
    assert isinstance(body["answered"], bool) and isinstance(body["confidence"], float)
    assert 1 <= len(body["results"]) <= 5
    index = store.load(shared_index)
    for res in body["results"]:
        assert set(res) == RESULT_KEYS
        assert set(res["citation"]) == CITATION_KEYS
        assert isinstance(res["score"], float) and isinstance(res["passage_id"], str)
        c = res["citation"]
        assert isinstance(c["section"], list) and all(isinstance(s, str) for s in c["section"])
        assert isinstance(c["paragraph"], int)
        doc = index.documents[c["document_id"]]
        assert c["title"] == doc.title
        assert doc.text[c["start"] : c["end"]] == res["text"]  # the cited text is verbatim
        cs = res["context_start"]
        assert res["context"][cs : cs + len(res["text"])] == res["text"]
        for h in res["highlights"]:
            assert set(h) == {"start", "end"}
            assert 0 <= h["start"] < h["end"] <= len(res["text"])
    # The same JSON object as `youju ask --json` (Searcher.search(...).to_json()).
    direct = Searcher(index, HashEmbedder()).search("森林覆盖率多少", 5).to_json()
    assert body == json.loads(json.dumps(direct, ensure_ascii=False))
    assert "77.57%" in body["results"][0]["text"]


def test_search_defaults_filters_and_traditional_queries(client: httpx.Client) -> None:
    r = client.post("/api/v1/search", json={"query": "行政执法"})
    assert r.status_code == 200 and len(r.json()["results"]) == 5  # settings.default_top_k
    assert len(client.post("/api/v1/search", json={"query": "行政执法", "top_k": 1}).json()["results"]) == 1
    trad = client.post("/api/v1/search", json={"query": "森林覆蓋率多少", "top_k": 1}).json()
    assert "77.57%" in trad["results"][0]["text"]
    sec = client.post("/api/v1/search", json={"query": "行政执法", "section": "二、", "top_k": 20}).json()
    assert sec["results"]
    assert all(any(s.startswith("二、") for s in x["citation"]["section"]) for x in sec["results"])
    none = client.post("/api/v1/search", json={"query": "行政执法", "document_id": "no-such-document"}).json()
    assert none["results"] == [] and none["answered"] is False and none["reason"] == "no_answer"


def test_follow_up_question_is_searched_with_the_previous_one(client: httpx.Client) -> None:
    body = client.post("/api/v1/search", json={"query": "那2025年呢", "previous": "2024年行政执法有哪些举措"}).json()
    assert body["query"] == "2025年行政执法有哪些举措"
    direct = client.post("/api/v1/search", json={"query": "2025年行政执法有哪些举措"}).json()
    assert [r["passage_id"] for r in body["results"]] == [r["passage_id"] for r in direct["results"]]
    # A complete question ignores what came before.
    alone = client.post("/api/v1/search", json={"query": "森林覆盖率多少", "previous": "2024年执法"}).json()
    assert alone["query"] == "森林覆盖率多少"
    # An empty previous question is no previous question; a control character in one is refused.
    assert client.post("/api/v1/search", json={"query": "那2025年呢", "previous": ""}).json()["query"] == "那2025年呢"
    assert_error(client.post("/api/v1/search", json={"query": "那2025年呢", "previous": "a\x00"}), 400, "invalid_query")


@pytest.mark.parametrize("query", ["在吗", "？？？", "asdfgh", "😀😀😀", "👍", "你好", "12345"])
def test_inputs_that_are_not_questions_get_no_passage_and_say_why(client: httpx.Client, query: str) -> None:
    r = client.post("/api/v1/search", json={"query": query})
    assert r.status_code == 200
    body = r.json()
    assert body["answered"] is False and body["reason"] == "not_a_question" and body["results"] == []
    # A question with content is searched as usual.
    assert client.post("/api/v1/search", json={"query": "你好，森林覆盖率多少"}).json()["results"]


def test_passages_and_documents(client: httpx.Client) -> None:
    docs = client.get("/api/v1/documents").json()["documents"]
    assert [d["document_id"] for d in docs] == ["huairou-2024-law-based-government-report"]
    assert docs[0]["passages"] > 0 and docs[0]["title"]
    first = client.post("/api/v1/search", json={"query": "森林覆盖率", "top_k": 1}).json()["results"][0]
    p = client.get(f"/api/v1/passages/{first['passage_id']}")
    assert p.status_code == 200
    body = p.json()
    assert body["passage_id"] == first["passage_id"]
    assert body["citation"]["document_id"] == first["citation"]["document_id"]
    assert set(body) >= {"text", "citation", "paragraph", "previous", "next"}
    assert_error(client.get("/api/v1/passages/0000000000000000"), 404, "passage_not_found")


SEARCH_ERRORS: list[tuple[dict[str, object], int, str]] = [
    ({"query": ""}, 400, "invalid_query"),
    ({"query": "   \u3000 "}, 400, "invalid_query"),
    ({"query": "森林\x01覆盖率"}, 400, "invalid_query"),
    ({"query": "森林\x7f覆盖率"}, 400, "invalid_query"),
    ({"query": "长" * 81}, 413, "query_too_long"),
    ({}, 422, "validation_error"),
    ({"query": 123}, 422, "validation_error"),
    ({"query": ["森林"]}, 422, "validation_error"),
    ({"query": "森林", "top_k": 0}, 422, "validation_error"),
    ({"query": "森林", "top_k": 21}, 422, "validation_error"),
    ({"query": "森林", "top_k": "5"}, 422, "validation_error"),
    ({"query": "森林", "top_k": 2.5}, 422, "validation_error"),
    ({"query": "森林", "document_id": 7}, 422, "validation_error"),
]


def test_search_errors(serve: ServeFn) -> None:
    live = serve(max_query_chars=80)
    with live.client() as c:
        for payload, status, code in SEARCH_ERRORS:
            err = assert_error(c.post("/api/v1/search", json=payload), status, code)
            if code == "query_too_long":
                assert "80" in err["message"]


def test_error_shape_for_framework_errors(client: httpx.Client) -> None:
    assert_error(client.get("/no/such/route"), 404, "not_found")
    assert_error(client.get("/api/v1/nothing"), 404, "not_found")
    r = client.get("/api/v1/search")
    assert_error(r, 405, "method_not_allowed")
    assert "POST" in r.headers["allow"]
    bad_json = client.post("/api/v1/search", content=b"{not json", headers={"Content-Type": "application/json"})
    assert_error(bad_json, 422, "validation_error")
    assert_error(client.get("/api/v1/staff/feedback", params={"limit": 0}), 422, "validation_error")


def test_body_too_large_by_header_and_by_stream(client: httpx.Client) -> None:
    big = json.dumps({"query": "森林" * 10_000}).encode()  # 60 KB > 16 KiB
    assert_error(
        client.post("/api/v1/search", content=big, headers={"Content-Type": "application/json"}),
        413,
        "body_too_large",
    )

    def chunks() -> Iterator[bytes]:  # no Content-Length: chunked transfer, counted as it arrives
        for _ in range(40):
            yield b" " * 1024

    r = client.post("/api/v1/search", content=chunks(), headers={"Content-Type": "application/json"})
    assert "content-length" not in r.request.headers
    assert_error(r, 413, "body_too_large")
    # Just under the limit is fine.
    ok = json.dumps({"query": "森林覆盖率", "padding": "x" * 15_000}).encode()
    assert client.post("/api/v1/search", content=ok, headers={"Content-Type": "application/json"}).status_code == 200


class BrokenSearcher(Searcher):
    def search(self, *args: Any, **kwargs: Any) -> Answer:
        if args and args[0] == "boom":
            raise RuntimeError("unexpected failure")
        return super().search(*args, **kwargs)


def test_unexpected_errors_are_500_in_the_error_shape(serve: ServeFn) -> None:
    live = serve(lambda s: BrokenSearcher(store.load(s.index_dir), HashEmbedder()))
    with live.client() as c:
        r = c.post("/api/v1/search", json={"query": "boom"})
        err = assert_error(r, 500, "internal_error")
        assert "unexpected failure" not in err["message"]  # no internals leak
        assert r.headers["x-content-type-options"] == "nosniff"
        assert c.get("/healthz").status_code == 200


def test_convert(client: httpx.Client) -> None:
    r = client.post("/api/v1/convert", json={"texts": ["怀柔区森林覆盖率", "", "77.57%"], "to": "hant"})
    assert r.status_code == 200
    assert r.json() == {"texts": ["懷柔區森林覆蓋率", "", "77.57%"]}
    r = client.post("/api/v1/convert", json={"texts": ["懷柔區森林覆蓋率達到77.57%"], "to": "hans"})
    assert r.json() == {"texts": ["怀柔区森林覆盖率达到77.57%"]}
    # The 简体 view changes characters, never the report's words (品質 stays 品质, not 质量).
    r = client.post("/api/v1/convert", json={"texts": ["提升行政執法品質，資訊公開"], "to": "hans"})
    assert r.json() == {"texts": ["提升行政执法品质，资讯公开"]}
    assert_error(client.post("/api/v1/convert", json={"texts": ["a"] * 51, "to": "hans"}), 422, "validation_error")
    assert_error(client.post("/api/v1/convert", json={"texts": ["a"], "to": "zh"}), 422, "validation_error")
    assert_error(client.post("/api/v1/convert", json={"texts": "a", "to": "hans"}), 422, "validation_error")
    # 20 000 characters are allowed even though the body is larger than max_body_bytes...
    many = ["懷柔區森林覆蓋率" * 50] * 50
    assert client.post("/api/v1/convert", json={"texts": many, "to": "hans"}).status_code == 200
    # ...but not more.
    assert_error(client.post("/api/v1/convert", json={"texts": ["字" * 401] * 50, "to": "hans"}), 413, "texts_too_long")


def test_unsafe_keys_refuse_to_start(tmp_path: Path, shared_index: Path) -> None:
    for weak in ("changeme", "admin", "secret", "", "   ", "short-but-ok", "aaaaaaaaaaaaaaaaaaaa"):
        for field in ("admin_key", "staff_key"):
            with pytest.raises(ConfigError, match=f"YOUJU_{field.upper()}"):
                create_app(make_settings(tmp_path, shared_index, **{field: weak}))
    with pytest.raises(ConfigError, match="CORS"):
        create_app(make_settings(tmp_path, shared_index, cors_origins=["https://ok.example.gov.cn/"]))
    with pytest.raises(ConfigError, match="CORS"):
        create_app(make_settings(tmp_path, shared_index, cors_origins=["*"]))
    create_app(make_settings(tmp_path, shared_index, admin_key="k3y-9b2e6d4a1c7f3e5b", cors_origins=["https://a.b"]))


def test_openapi_documents_the_statuses_the_service_really_returns(client: httpx.Client) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    api = {(p, m): op for p, ops in paths.items() if p.startswith("/api/v1/") for m, op in ops.items()}
    assert len(api) > 10
    for (path, method), op in api.items():
        codes = set(op["responses"])
        if "/staff/" in path:
            assert "401" in codes, (path, method)
        elif "/admin/" in path:
            assert {"401", "404"} <= codes, (path, method)
        else:
            assert {"413", "429"} <= codes, (path, method)
    assert {"400", "503"} <= set(paths["/api/v1/search"]["post"]["responses"])
    assert "503" in paths["/api/v1/feedback"]["post"]["responses"]
    # What the service says is what it does: a rate-limited client gets the documented 429 shape.
    assert paths["/api/v1/search"]["post"]["responses"]["429"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/ErrorResponse"
    }


def test_openapi_has_chinese_examples(client: httpx.Client) -> None:
    spec = client.get("/openapi.json").json()
    assert spec["info"]["title"] == "有据 youju API"
    assert "怀柔森林覆盖率多少" in json.dumps(spec["components"]["schemas"]["SearchRequest"], ensure_ascii=False)
    paths = spec["paths"]
    for p in (
        "/api/v1/search",
        "/api/v1/passages/{passage_id}",
        "/api/v1/documents",
        "/api/v1/convert",
        "/api/v1/feedback",
        "/api/v1/admin/reload",
        "/healthz",
        "/readyz",
    ):
        assert p in paths


def _raw_post(client: httpx.Client, path: str, body: str) -> httpx.Response:
    """JSON written by hand: a lone surrogate escaped as \\udc80, as a broken client may send it."""
    return client.post(path, content=body.encode("utf-8"), headers={"content-type": "application/json"})


def test_lone_surrogates_are_a_clear_400_on_every_text_endpoint(client: httpx.Client) -> None:
    pid = client.post("/api/v1/search", json={"query": "森林覆盖率", "top_k": 1}).json()["results"][0]["passage_id"]
    for path, body in [
        ("/api/v1/search", '{"query": "\\udc80"}'),
        ("/api/v1/search", '{"query": "森林\\ud800覆盖率"}'),
        ("/api/v1/search", '{"query": "那2025年呢", "previous": "\\udc80"}'),
        ("/api/v1/convert", '{"texts": ["\\udc80"], "to": "hans"}'),
        ("/api/v1/feedback", '{"query": "\\udc80", "passage_id": "PID", "helpful": true}'),
        ("/api/v1/feedback", '{"query": "q", "passage_id": "PID", "helpful": true, "comment": "\\udc80"}'),
    ]:
        r = _raw_post(client, path, body.replace("PID", pid))
        # 400 from youju's one text check; 422 where the schema's length check meets the surrogate first.
        assert_error(r, r.status_code, "invalid_query" if r.status_code == 400 else "validation_error")
        assert r.status_code in (400, 422), (path, body, r.text)


def test_bidi_overrides_are_removed_from_questions_so_they_cannot_reverse_what_is_echoed(
    client: httpx.Client,
) -> None:
    body = client.post("/api/v1/search", json={"query": "森林\u202e覆盖率\u202c多少"}).json()
    assert body["query"] == "森林覆盖率多少"
    assert "77.57%" in body["results"][0]["text"]
