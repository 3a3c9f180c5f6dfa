"""The MCP server at /mcp, driven by the official MCP client (``mcp.client.streamable_http``) over a live
server: tools and their schemas, cited results, tool errors, both paths, rate limit and staff exemption."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, TypeVar

import anyio
import httpx
import httpx2
import pytest
from mcp import ClientSession, MCPError
from mcp.client.streamable_http import streamable_http_client
from mcp.types import CallToolResult, TextContent

from index import store
from tests.helpers import CITATION_KEYS
from tests.service.helpers import STAFF_KEY, LiveServer, ServeFn, assert_error

T = TypeVar("T")
INITIALIZE = {
    "jsonrpc": "2.0",
    "id": 1,
    "method": "initialize",
    "params": {
        "protocolVersion": "2025-06-18",
        "capabilities": {},
        "clientInfo": {"name": "raw-test", "version": "0"},
    },
}
MCP_HEADERS = {"Accept": "application/json, text/event-stream", "Content-Type": "application/json"}


@asynccontextmanager
async def connect(
    url: str, headers: dict[str, str] | None = None, seen: list[httpx2.Response] | None = None
) -> AsyncIterator[ClientSession]:
    """An initialized official client session; every HTTP answer it gets is appended to ``seen``."""

    async def record(response: httpx2.Response) -> None:
        if seen is not None:
            seen.append(response)

    async with (
        httpx2.AsyncClient(headers=headers, timeout=30, event_hooks={"response": [record]}) as http,
        streamable_http_client(url, http_client=http) as (read, write),
        ClientSession(read, write) as session,
    ):
        await session.initialize()
        yield session


def run(url: str, body: Callable[[ClientSession], Awaitable[T]], **kw: Any) -> T:
    """Connect to ``url``, run ``body(session)`` and return what it returns (one event loop per call)."""

    async def main() -> T:
        async with connect(url, **kw) as session:
            return await body(session)

    return anyio.run(main)


def text_of(result: CallToolResult) -> str:
    assert len(result.content) == 1 and isinstance(result.content[0], TextContent), result.content
    return result.content[0].text


def structured(result: CallToolResult) -> dict[str, Any]:
    assert not result.is_error, text_of(result)
    assert result.structured_content is not None
    return dict(result.structured_content)


def test_tools_are_listed_with_their_schemas(live: LiveServer) -> None:
    async def body(s: ClientSession) -> None:
        tools = {t.name: t for t in (await s.list_tools()).tools}
        assert set(tools) == {"search_reports", "get_passage", "list_documents"}
        for tool in tools.values():
            assert tool.description and tool.annotations is not None
            assert tool.annotations.read_only_hint is True and tool.annotations.destructive_hint is False
            assert tool.output_schema is not None
        search = tools["search_reports"]
        assert "answered" in (search.description or "") and "引用" in (search.description or "")
        schema = search.input_schema
        assert schema["required"] == ["query"]
        props = schema["properties"]
        assert props["top_k"]["default"] == 5 and props["top_k"]["maximum"] == 20  # the settings' limits
        filters = schema["$defs"]["SearchFilters"]["properties"]
        assert set(filters) == {"document_id", "doc_type", "year", "issuer", "section"}
        assert search.output_schema is not None
        assert {"answered", "reason", "confidence", "results"} <= set(search.output_schema["properties"])
        assert tools["get_passage"].input_schema["required"] == ["passage_id"]

    run(live.url + "/mcp", body)


def test_search_reports_answers_with_cited_verbatim_passages(live: LiveServer, shared_index: Path) -> None:
    async def body(s: ClientSession) -> CallToolResult:
        return await s.call_tool("search_reports", {"query": "森林覆盖率多少", "top_k": 3})

    result = run(live.url + "/mcp", body)
    out = structured(result)
    assert set(out) == {"query", "answered", "reason", "confidence", "results"}
    assert out["query"] == "森林覆盖率多少" and isinstance(out["answered"], bool)
    assert out["reason"] in ("answered", "no_answer") and isinstance(out["confidence"], float)
    assert 1 <= len(out["results"]) <= 3
    index = store.load(shared_index)
    for res in out["results"]:
        assert set(res) == {"passage_id", "text", "highlights", "score", "citation"}
        c = res["citation"]
        assert set(c) == CITATION_KEYS
        doc = index.documents[c["document_id"]]
        assert c["title"] == doc.title and isinstance(c["paragraph"], int) and isinstance(c["section"], list)
        assert doc.text[c["start"] : c["end"]] == res["text"]  # verbatim
        for h in res["highlights"]:
            assert 0 <= h["start"] < h["end"] <= len(res["text"])
            assert h["text"] == res["text"][h["start"] : h["end"]]
    assert "77.57%" in out["results"][0]["text"]
    # The same search as the JSON API (one shared path: answer_question).
    with live.client() as c:
        api = c.post("/api/v1/search", json={"query": "森林覆盖率多少", "top_k": 3}).json()
    assert [r["passage_id"] for r in out["results"]] == [r["passage_id"] for r in api["results"]]
    assert (out["answered"], out["reason"], out["confidence"]) == (api["answered"], api["reason"], api["confidence"])
    # The readable text quotes the passages with where they are from.
    text = text_of(result)
    first = out["results"][0]
    assert first["text"] in text and first["passage_id"] in text and f"¶{first['citation']['paragraph']}" in text
    assert ("do NOT answer" in text) == (not out["answered"])


def test_search_filters_and_no_answer(live: LiveServer) -> None:
    async def body(s: ClientSession) -> tuple[CallToolResult, CallToolResult, CallToolResult]:
        section = await s.call_tool(
            "search_reports", {"query": "行政执法", "top_k": 20, "filters": {"section": "二、"}}
        )
        nowhere = await s.call_tool(
            "search_reports", {"query": "行政执法", "filters": {"document_id": "no-such-document"}}
        )
        default = await s.call_tool("search_reports", {"query": "行政执法"})
        return section, nowhere, default

    section, nowhere, default = run(live.url + "/mcp", body)
    results = structured(section)["results"]
    assert results and all(any(h.startswith("二、") for h in r["citation"]["section"]) for r in results)
    out = structured(nowhere)
    assert out["results"] == [] and out["answered"] is False and out["reason"] == "no_answer"
    assert "do NOT answer" in text_of(nowhere) and "报告中没有答案" in text_of(nowhere)
    assert len(structured(default)["results"]) == 5  # settings.default_top_k


def test_get_passage_gives_the_paragraph_and_its_neighbours(live: LiveServer) -> None:
    async def body(s: ClientSession) -> tuple[str, CallToolResult, CallToolResult]:
        found = structured(await s.call_tool("search_reports", {"query": "行政执法", "top_k": 1}))
        pid = found["results"][0]["passage_id"]
        return (
            pid,
            await s.call_tool("get_passage", {"passage_id": pid}),
            await s.call_tool("get_passage", {"passage_id": "0000000000000000"}),
        )

    pid, passage, unknown = run(live.url + "/mcp", body)
    view = structured(passage)
    with live.client() as c:
        assert view == c.get(f"/api/v1/passages/{pid}").json()  # the API's PassageView
    assert view["passage_id"] == pid and view["paragraph"] is not None
    assert view["previous"] is not None or view["next"] is not None
    assert view["text"] in text_of(passage) and view["citation"]["title"] in text_of(passage)
    assert unknown.is_error and "passage_not_found" in text_of(unknown)


def test_list_documents(live: LiveServer) -> None:
    result = run(live.url + "/mcp", lambda s: s.call_tool("list_documents", {}))
    docs = structured(result)["documents"]
    with live.client() as c:
        assert docs == c.get("/api/v1/documents").json()["documents"]
    assert docs and all(d["document_id"] in text_of(result) for d in docs)


@pytest.mark.parametrize(
    ("arguments", "expected"),
    [
        ({"query": ""}, "invalid_query"),
        ({"query": "   "}, "invalid_query"),
        ({"query": "森" * 501}, "query_too_long"),
        ({"query": "森林", "top_k": 0}, "top_k"),
        ({"query": "森林", "top_k": 21}, "top_k"),
        ({"query": "森林", "filters": {"colour": "red"}}, "colour"),
        ({}, "query"),
    ],
)
def test_bad_arguments_are_tool_errors(live: LiveServer, arguments: dict[str, Any], expected: str) -> None:
    async def body(s: ClientSession) -> tuple[CallToolResult, CallToolResult]:
        bad = await s.call_tool("search_reports", arguments)
        good = await s.call_tool("search_reports", {"query": "森林"})  # the session goes on
        return bad, good

    bad, good = run(live.url + "/mcp", body)
    assert bad.is_error and bad.structured_content is None
    assert expected in text_of(bad)
    assert not good.is_error


def test_tools_answer_not_ready_while_the_index_is_missing(serve: ServeFn, tmp_path: Path) -> None:
    live = serve(ready=False, index_dir=tmp_path / "missing")
    result = run(live.url + "/mcp", lambda s: s.call_tool("search_reports", {"query": "森林"}))
    assert result.is_error and "not_ready" in text_of(result)


def test_both_paths_answer_without_a_redirect(live: LiveServer) -> None:
    seen: list[httpx2.Response] = []
    result = run(live.url + "/mcp/", lambda s: s.call_tool("list_documents", {}), seen=seen)
    assert not result.is_error
    assert seen and {r.status_code for r in seen} <= {200, 202}
    with live.client() as c:
        for path in ("/mcp", "/mcp/"):
            r = c.post(path, json=INITIALIZE, headers=MCP_HEADERS)
            assert r.status_code == 200, r.text
            assert r.headers["content-type"].startswith("application/json")  # JSON responses, not SSE
            assert "mcp-session-id" not in r.headers  # stateless
            assert r.json()["result"]["serverInfo"]["name"] == "youju"
            # The service's middlewares still apply.
            assert r.headers["x-content-type-options"] == "nosniff"
            assert r.headers["cache-control"] == "no-store"
        assert "/mcp" not in c.get("/openapi.json").json()["paths"]
        too_big = c.post("/mcp", content=b"{" + b" " * 20_000 + b"}", headers=MCP_HEADERS)
        assert_error(too_big, 413, "body_too_large")


def test_rate_limit_applies_to_mcp(serve: ServeFn) -> None:
    live = serve(rate_limit_burst=1, rate_limit_per_minute=1)
    seen: list[httpx2.Response] = []

    async def body(s: ClientSession) -> None:  # initialize took the only token
        with pytest.raises(MCPError) as refused:
            await s.call_tool("search_reports", {"query": "森林"})
        assert "rate_limited" in str(refused.value) and "try again" in str(refused.value)

    run(live.url + "/mcp", body, seen=seen)
    limited = [r for r in seen if r.status_code == 429]
    assert limited, [r.status_code for r in seen]
    assert 1 <= int(limited[-1].headers["retry-after"]) <= 60
    # The JSON-RPC error MCP clients read; youju's code is in error.data.
    with live.client() as c:
        r = c.post("/mcp", json=INITIALIZE, headers=MCP_HEADERS)
        assert r.status_code == 429 and "retry-after" in r.headers
        body_ = r.json()
        assert body_["jsonrpc"] == "2.0" and body_["id"] is None
        assert body_["error"]["code"] == -32000 and body_["error"]["data"] == {"code": "rate_limited"}
        # One budget per client across the API and MCP.
        assert_error(c.get("/api/v1/documents"), 429, "rate_limited")


def test_staff_with_credential_are_not_rate_limited(serve: ServeFn) -> None:
    live = serve(rate_limit_burst=1, rate_limit_per_minute=1, staff_key=STAFF_KEY)

    async def body(s: ClientSession) -> list[bool]:
        return [(await s.call_tool("search_reports", {"query": "森林"})).is_error for _ in range(4)]

    assert run(live.url + "/mcp", body, headers={"Authorization": f"Bearer {STAFF_KEY}"}) == [False] * 4


def test_mcp_can_be_disabled(serve: ServeFn) -> None:
    live = serve(mcp_enabled=False)
    with live.client() as c:
        assert_error(c.post("/mcp", json=INITIALIZE, headers=MCP_HEADERS), 404, "not_found")
        assert c.post("/api/v1/search", json={"query": "森林"}).status_code == 200


def test_server_instructions_tell_agents_to_quote(live: LiveServer) -> None:
    with httpx.Client(base_url=live.url, timeout=30) as c:
        r = c.post("/mcp", json=INITIALIZE, headers=MCP_HEADERS)
    info = r.json()["result"]
    assert "answered" in info["instructions"] and "12345" in info["instructions"]
    assert "tools" in info["capabilities"]
