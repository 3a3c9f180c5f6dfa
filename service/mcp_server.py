"""The MCP server (Model Context Protocol, Streamable HTTP) at ``/mcp``: youju's search as read-only tools
for LLM agents (Claude Desktop, Cherry Studio, Dify's MCP plugin, ...).

Built with the official ``mcp`` package (2.x: ``MCPServer``, formerly ``FastMCP``) and served by its session
manager in stateless mode with JSON responses: every POST is answered on its own, so the endpoint works
behind ordinary reverse proxies and several workers, with no session table to grow.

The tools search through ``answer_question`` like every other surface (validation, search slots, filters),
and every request to ``/mcp`` passes the public API's rate limit first (``service.api.rate_limited``: per
client address; staff presenting the staff key are exempt). youju's errors become tool errors
(``isError``) carrying their code and message; refusals before the MCP layer (429, 503) are JSON-RPC errors
with the HTTP status and ``Retry-After``, which MCP clients show to the agent (docs/mcp.md).

No ``from __future__ import annotations`` here: the tool signatures use the settings' limits in their
annotations (evaluated when ``build_server`` defines the tools), which the package reads to publish the
tools' input schemas.
"""

import json
import logging
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from typing import Annotated, Any

from fastapi import FastAPI
from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp.server.streamable_http_manager import StreamableHTTPSessionManager
from mcp.server.transport_security import TransportSecuritySettings
from mcp.types import CallToolResult, TextContent, ToolAnnotations
from pydantic import BaseModel, ConfigDict, Field
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from index.build import youju_version
from index.errors import YoujuError
from index.records import Answer, Citation, ParagraphView, PassageView, Record
from index.search import Filters
from service.answering import Question, answer_question
from service.api import rate_limited
from service.errors import ApiError
from service.schemas import DocumentsResponse
from service.state import Runtime

log = logging.getLogger("youju.service")

MCP_PATH = "/mcp"
# JSON-RPC "server error" range: refusals of the HTTP layer (rate limit, not started), not of a method.
SERVER_ERROR = -32000

INSTRUCTIONS = """\
有据 (youju) answers questions about government reports (work reports, annual reports, plans) ONLY with
passages quoted verbatim from the reports, each with its citation (document, section headings, paragraph,
page, character offsets). 有据只用报告原文回答问题，每段结果都附出处。

How to use the results:
- Quote the passages and cite them (title, section, paragraph/page); do not paraphrase them into claims
  the passage does not make, and do not add facts from elsewhere. 引用原文并注明出处，不要改写或补充。
- When `answered` is false, the reports do not answer the question: say so (citizens may call the 12345
  hotline) and do not present the closest passages as an answer. answered 为 false 表示报告中没有答案。
- Questions may be in Simplified or Traditional Chinese; passages keep the script of the report.
"""

SEARCH_DESCRIPTION = """\
Search the government reports for passages that answer a question. 在政府报告中检索回答问题的原文段落。

Returns quotations to cite, never generated text: each result has the verbatim passage `text`, the
`highlights` (the spans of the text that answer the question), a `score`, and a `citation` (document_id,
title, section headings, paragraph number, page, start/end character offsets in the document).
`answered` is false when the reports do not answer the question (`reason`: no_answer, or not_a_question
for greetings and noise): then tell the user the reports do not say, and do not use the results as an
answer. 结果是应引用的原文；answered 为 false 时报告中没有答案，不要把结果当作答案。
Use get_passage with a result's passage_id for the paragraphs around it, list_documents for the documents
and the values the filters take.
"""

PASSAGE_DESCRIPTION = """\
One passage by its passage_id (from search_reports), with its citation and context: the whole paragraph
holding it and the paragraphs before and after it, each with its section headings and offsets.
按 passage_id 取一段原文及其上下文（所在段落及前后段落）。Quote, do not paraphrase.
"""

DOCUMENTS_DESCRIPTION = """\
The documents that search_reports searches: document_id, title, pages, passages and metadata (issuer,
region, year, doc_type, published, status: current or superseded). 列出可检索的报告及其元数据。
Use a document_id, doc_type, year or issuer from here in search_reports' filters.
"""

READ_ONLY = ToolAnnotations(read_only_hint=True, destructive_hint=False, idempotent_hint=True, open_world_hint=False)


# ------------------------------------------------------------------------------------------ tool I/O


class SearchFilters(BaseModel):
    """What a search may return; all that are given must hold."""

    model_config = ConfigDict(extra="forbid")

    document_id: str | None = Field(None, description="Only this document (a document_id from list_documents).")
    doc_type: str | None = Field(None, description="Only documents of this type (metadata.doc_type).")
    year: int | None = Field(None, description="Only documents about this year.")
    issuer: str | None = Field(None, description="Only documents whose issuer contains this text (either script).")
    section: str | None = Field(
        None, description="Only passages under a heading that contains this text (either script), e.g. 二、"
    )

    def to_filters(self) -> Filters:
        return Filters(
            document_ids=frozenset({self.document_id}) if self.document_id else None,
            doc_type=self.doc_type,
            year=self.year,
            issuer=self.issuer,
            section=self.section,
        )


class Span(Record):
    start: int = Field(description="Offset into the passage `text` (code points).")
    end: int
    text: str = Field(description="text[start:end]: the words that answer the question.")


class CitedPassage(Record):
    passage_id: str = Field(description="For get_passage.")
    text: str = Field(description="The passage, verbatim from the document: quote it.")
    highlights: list[Span] = Field(description="Spans of `text` that answer the question.")
    score: float
    citation: Citation


class SearchOutput(Record):
    query: str = Field(description="The question as searched (trimmed; a follow-up completed).")
    answered: bool = Field(description="False when the reports hold no passage that answers the question.")
    reason: str = Field(
        description="answered; no_answer: the reports do not answer it (refer to 12345); not_a_question: "
        "greetings, punctuation or noise, nothing was searched."
    )
    confidence: float = Field(description="How sure the answer decision is, 0..1.")
    results: list[CitedPassage] = Field(description="Best first. When answered is false: related, not answers.")

    @classmethod
    def of(cls, answer: Answer) -> "SearchOutput":
        return cls(
            query=answer.query,
            answered=answer.answered,
            reason=answer.reason,
            confidence=round(answer.confidence, 4),
            results=[
                CitedPassage(
                    passage_id=r.passage_id,
                    text=r.text,
                    highlights=[Span(start=h.start, end=h.end, text=r.text[h.start : h.end]) for h in r.highlights],
                    score=round(r.score, 6),
                    citation=r.citation,
                )
                for r in answer.results
            ],
        )


# ------------------------------------------------------------------------------------ readable text


def where(c: Citation) -> str:
    """《title》 › section › ¶ paragraph, page, [start, end): how a result is cited in the text content."""
    parts = [f"《{c.title}》", *c.section, f"¶{c.paragraph}"]
    if c.page is not None:
        pages = f"{c.page}-{c.page_end}" if c.page_end not in (None, c.page) else str(c.page)
        printed = f" (printed {c.printed_page})" if c.printed_page else ""
        parts.append(f"page {pages}{printed}")
    text = " › ".join(parts) + f" [chars {c.start}-{c.end} of {c.document_id}]"
    if c.ocr:
        text += " (OCR: check the original)"
    if c.superseded_by:
        text += f" (superseded by {c.superseded_by})"
    return text


def search_text(out: SearchOutput) -> str:
    if out.reason == "not_a_question":
        head = f"「{out.query}」 is not a question that can be searched (not_a_question); nothing was searched."
    elif out.answered:
        head = f"The reports answer 「{out.query}」 (confidence {out.confidence:.2f}). Quote and cite these passages:"
    else:
        head = (
            f"The reports do NOT answer 「{out.query}」 (no_answer; confidence {out.confidence:.2f}). 报告中没有答案。"
            " Tell the user so (the 12345 hotline may help); the passages below are only related, not an answer:"
        )
    lines = [head]
    for i, r in enumerate(out.results, 1):
        lines += ["", f"[{i}] {where(r.citation)} (passage_id {r.passage_id}, score {r.score:.3f})", f"「{r.text}」"]
        if r.highlights:
            lines.append("Answering span(s): " + " / ".join(f"「{h.text}」" for h in r.highlights))
    return "\n".join(lines)


def passage_text(view: PassageView) -> str:
    lines = [f"{where(view.citation)} (passage_id {view.passage_id})", f"「{view.text}」"]

    def para(label: str, p: ParagraphView | None) -> None:
        if p is not None:
            lines.extend(["", f"{label} (¶{p.paragraph}, {' › '.join(p.section) or 'no heading'}):", p.text])

    if view.paragraph is not None and view.paragraph.text.strip() != view.text.strip():
        para("Whole paragraph", view.paragraph)
    para("Previous paragraph", view.previous)
    para("Next paragraph", view.next)
    return "\n".join(lines)


def documents_text(docs: DocumentsResponse) -> str:
    lines = [f"{len(docs.documents)} documents:"]
    for d in docs.documents:
        meta = {k: v for k, v in d.metadata.items() if k in ("issuer", "year", "doc_type", "status") and v}
        lines.append(f"- {d.document_id}: 《{d.title}》 {json.dumps(meta, ensure_ascii=False)}")
    return "\n".join(lines)


def result(text: str, structured: BaseModel) -> CallToolResult:
    return CallToolResult(
        content=[TextContent(type="text", text=text)], structured_content=structured.model_dump(mode="json")
    )


# ------------------------------------------------------------------------------------------ server


@contextmanager
def tool_errors() -> Iterator[None]:
    """youju's errors (bad question, unknown passage, busy, not ready) reach the agent as tool errors."""
    try:
        yield
    except YoujuError as e:
        raise ToolError(f"{e.code}: {e.message}") from e


@contextmanager
def root_logging_untouched() -> Iterator[None]:
    """``MCPServer()`` calls ``logging.basicConfig`` (a handler and level on the root logger); the service's
    logging is configured by the CLI and uvicorn, so undo that."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    try:
        yield
    finally:
        for h in list(root.handlers):
            if h not in handlers:
                root.removeHandler(h)
        root.setLevel(level)


def build_server(runtime: Runtime) -> MCPServer[Any]:
    """The MCP server with youju's tools, searching on ``runtime`` (the live searcher at each call)."""
    settings = runtime.settings
    with root_logging_untouched():
        server: MCPServer[Any] = MCPServer(
            name="youju",
            title="有据 youju: cited answers from government reports",
            instructions=INSTRUCTIONS,
            version=youju_version(),
            log_level="WARNING",
        )

    @server.tool(
        name="search_reports",
        title="Search the reports 检索报告",
        description=SEARCH_DESCRIPTION,
        annotations=READ_ONLY,
    )
    async def search_reports(
        query: Annotated[
            str,
            Field(
                description="The question, in Chinese (简体 or 繁體) or with Chinese terms, e.g. 森林覆盖率是多少; "
                f"at most {settings.max_query_chars} characters."
            ),
        ],
        top_k: Annotated[
            int, Field(ge=1, le=settings.max_top_k, description="How many passages to return, best first.")
        ] = settings.default_top_k,
        filters: Annotated[
            SearchFilters | None, Field(description="Restrict the search (all given must hold).")
        ] = None,
    ) -> Annotated[CallToolResult, SearchOutput]:
        with tool_errors():
            f = filters.to_filters() if filters is not None else None
            answer = await answer_question(runtime, Question(query, top_k, f, None, "mcp"))
        out = SearchOutput.of(answer)
        return result(search_text(out), out)

    @server.tool(
        name="get_passage",
        title="Passage in context 原文上下文",
        description=PASSAGE_DESCRIPTION,
        annotations=READ_ONLY,
    )
    async def get_passage(
        passage_id: Annotated[str, Field(description="A passage_id from search_reports.")],
    ) -> Annotated[CallToolResult, PassageView]:
        with tool_errors():
            view = runtime.require().passage(passage_id.strip())
        return result(passage_text(view), view)

    @server.tool(
        name="list_documents", title="Documents 报告列表", description=DOCUMENTS_DESCRIPTION, annotations=READ_ONLY
    )
    async def list_documents() -> Annotated[CallToolResult, DocumentsResponse]:
        with tool_errors():
            docs = DocumentsResponse(documents=runtime.documents(runtime.require()))
        return result(documents_text(docs), docs)

    return server


# ------------------------------------------------------------------------------------------ HTTP


def jsonrpc_refusal(e: ApiError) -> JSONResponse:
    """An HTTP-level refusal as the JSON-RPC error MCP clients read from a non-2xx answer (they show its
    message to the agent; youju's own ``{"error": ...}`` body would reach it as "Server returned an error
    response"). The youju code is in ``error.data.code``; status and headers (Retry-After) are kept."""
    body = {
        "jsonrpc": "2.0",
        "id": None,
        "error": {"code": SERVER_ERROR, "message": f"{e.code}: {e.message}", "data": {"code": e.code}},
    }
    return JSONResponse(body, status_code=e.status, headers=e.headers)


class McpEndpoint:
    """The ASGI app at /mcp: the public API's rate limit, then the MCP Streamable HTTP transport.

    The session manager runs inside the application's lifespan (``running``); a fresh one each time, since
    a manager runs only once.
    """

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self.server = build_server(runtime)
        self.manager: StreamableHTTPSessionManager | None = None

    @asynccontextmanager
    async def running(self) -> AsyncIterator[None]:
        self.server.streamable_http_app(
            streamable_http_path=MCP_PATH,
            stateless_http=True,
            json_response=True,
            max_request_body_size=self.runtime.settings.max_body_bytes,
            # Public, read-only data and no ambient credentials (no cookies): the Host check against DNS
            # rebinding, meant for servers on a developer's machine, would refuse every real host name.
            # Browsers are held by the application's CORS policy like on /api.
            transport_security=TransportSecuritySettings(enable_dns_rebinding_protection=False),
        )
        manager = self.server.session_manager
        async with manager.run():
            self.manager = manager
            try:
                yield
            finally:
                self.manager = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive)
        try:
            await rate_limited(request, request.headers.get("authorization"))
            manager = self.manager
            if manager is None:
                raise ApiError(503, "not_ready", "the MCP server is not running yet", {"Retry-After": "5"})
        except ApiError as e:
            await jsonrpc_refusal(e)(scope, receive, send)
            return
        await manager.handle_request(scope, receive, send)


def mount_mcp(app: FastAPI, endpoint: McpEndpoint) -> None:
    """Serve ``endpoint`` at /mcp and /mcp/ (both, without a redirect); the application's lifespan must run
    ``endpoint.running()``."""
    for path in (MCP_PATH, MCP_PATH + "/"):
        app.router.routes.append(Route(path, endpoint, include_in_schema=False))
