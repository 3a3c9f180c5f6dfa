"""The JSON API under /api/v1: citizen endpoints (public, rate-limited), staff and admin endpoints."""

from __future__ import annotations

from typing import Annotated, Any, Literal

import anyio.to_thread
from fastapi import APIRouter, Depends, Header, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from index.normalize import to_simplified, to_traditional
from index.search import validate_query
from service.errors import ApiError
from service.security import check_admin, check_staff, client_ip, rate_key
from service.state import Runtime, get_runtime

RuntimeDep = Annotated[Runtime, Depends(get_runtime)]
AuthorizationHeader = Annotated[str | None, Header(include_in_schema=False)]


# ------------------------------------------------------------------------------------ dependencies


async def rate_limited(request: Request, authorization: AuthorizationHeader = None) -> None:
    """Public endpoints: token bucket per client address (429 rate_limited with Retry-After).

    Staff who present the configured staff credential (the console does, after its login) are exempt:
    a call centre shares one address, and its searches are not anonymous traffic."""
    runtime = get_runtime(request)
    staff_key = runtime.settings.staff_key
    if staff_key is not None and authorization is not None:
        try:
            check_staff(authorization, staff_key)
            return
        except ApiError:
            pass
    runtime.limiter.check(rate_key(client_ip(request.scope)))


async def staff_only(request: Request, authorization: AuthorizationHeader = None) -> None:
    check_staff(authorization, get_runtime(request).settings.staff_key)


# ------------------------------------------------------------------------------------------ models


class ErrorDetail(BaseModel):
    code: str = Field(description="Stable machine-readable code, e.g. invalid_query, rate_limited.")
    message: str = Field(description="Human-readable explanation.")


class ErrorResponse(BaseModel):
    error: ErrorDetail

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"error": {"code": "invalid_query", "message": "the question is empty"}}]}
    )


class SearchRequest(BaseModel):
    model_config = ConfigDict(
        strict=True,
        json_schema_extra={
            "examples": [
                {"query": "怀柔森林覆盖率多少", "top_k": 5},
                {"query": "行政复议案件有多少件", "top_k": 3, "section": "一、"},
            ]
        },
    )

    query: str = Field(
        description="The citizen's question, in Simplified or Traditional Chinese (at most max_query_chars "
        "characters after trimming; no control characters).",
        examples=["怀柔森林覆盖率多少"],
    )
    top_k: int | None = Field(
        None,
        ge=1,
        le=20,
        description="Results wanted (1-20; default: the server's default_top_k).",
        examples=[5],
    )
    document_id: str | None = Field(
        None, max_length=200, description="Search only this document (see /api/v1/documents)."
    )
    section: str | None = Field(
        None,
        max_length=200,
        description="Search only under headings starting with this text, e.g. 一、主要舉措和成效.",
        examples=["一、主要舉措和成效"],
    )


class Highlight(BaseModel):
    start: int = Field(description="Offset into `text` (Python string indices, code points).")
    end: int


class Citation(BaseModel):
    document_id: str
    title: str
    section: list[str] = Field(description="Headings above the passage, outermost first.")
    paragraph: int = Field(description="1-based body paragraph number in the document.")
    start: int = Field(description="Offset of `text` in the document: document[start:end] == text.")
    end: int


class SearchResult(BaseModel):
    passage_id: str
    text: str = Field(description="The cited passage, verbatim from the document.")
    context: str = Field(description="The whole paragraph holding the passage.")
    context_start: int = Field(description="Offset of `text` inside `context`.")
    score: float
    highlights: list[Highlight] = Field(description="Spans of `text` that answer the question.")
    citation: Citation


class SearchResponse(BaseModel):
    query: str = Field(description="The question as searched (trimmed, NFC).")
    answered: bool = Field(description="False when the reports hold no passage that answers the question.")
    confidence: float
    results: list[SearchResult]

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "query": "怀柔森林覆盖率多少",
                    "answered": True,
                    "confidence": 0.83,
                    "results": [
                        {
                            "passage_id": "3f9c2a1b7d4e5f60",
                            "text": "全區森林覆蓋率達到77.57%。",
                            "context": "……全區森林覆蓋率達到77.57%。……",
                            "context_start": 2,
                            "score": 0.91,
                            "highlights": [{"start": 2, "end": 7}, {"start": 9, "end": 15}],
                            "citation": {
                                "document_id": "huairou-2024-law-based-government-report",
                                "title": "北京市懷柔區2024年法治政府建設年度情況報告",
                                "section": ["一、主要舉措和成效"],
                                "paragraph": 12,
                                "start": 3120,
                                "end": 3135,
                            },
                        }
                    ],
                }
            ]
        }
    )


class ConvertRequest(BaseModel):
    model_config = ConfigDict(
        strict=True,
        json_schema_extra={"examples": [{"texts": ["懷柔區森林覆蓋率", "達到77.57%"], "to": "hans"}]},
    )

    texts: list[str] = Field(
        max_length=50,
        description="Texts to convert (at most 50, at most max_convert_chars characters together); each is "
        "converted on its own, so callers can convert the pieces between highlights separately.",
        examples=[["懷柔區森林覆蓋率", "達到77.57%"]],
    )
    to: Literal["hans", "hant"] = Field(
        description="hans: Simplified Chinese (mainland terms); hant: Traditional Chinese (Taiwan terms).",
        examples=["hans"],
    )


class ConvertResponse(BaseModel):
    texts: list[str] = Field(examples=[["怀柔区森林覆盖率", "达到77.57%"]])


class FeedbackRequest(BaseModel):
    model_config = ConfigDict(
        strict=True,
        json_schema_extra={
            "examples": [
                {"query": "怀柔森林覆盖率多少", "passage_id": "3f9c2a1b7d4e5f60", "helpful": True},
                {
                    "query": "怀柔森林覆盖率多少",
                    "passage_id": "3f9c2a1b7d4e5f60",
                    "helpful": False,
                    "comment": "没有说明是哪一年的数据",
                },
            ]
        },
    )

    query: str = Field(description="The question the citizen asked.", examples=["怀柔森林覆盖率多少"])
    passage_id: str = Field(min_length=1, max_length=64, description="The result the feedback is about.")
    helpful: bool = Field(description="Did the passage answer the question?")
    comment: str | None = Field(None, max_length=500, description="Optional free text (at most 500 characters).")


class OkResponse(BaseModel):
    ok: bool = True


ERRORS: dict[int | str, dict[str, Any]] = {
    s: {"model": ErrorResponse, "description": d}
    for s, d in {
        400: "Invalid question (invalid_query)",
        413: "Question or body too large (query_too_long, body_too_large)",
        422: "Malformed request (validation_error)",
        429: "Too many requests from this address (rate_limited; see Retry-After)",
        503: "Busy or not ready (busy, not_ready; see Retry-After)",
    }.items()
}


# ------------------------------------------------------------------------------------------ routes

public = APIRouter(dependencies=[Depends(rate_limited)], tags=["citizens"])
staff = APIRouter(prefix="/staff", dependencies=[Depends(staff_only)], tags=["staff"])
admin = APIRouter(prefix="/admin", tags=["admin"])


@public.post("/search", response_model=None, responses={200: {"model": SearchResponse}, **ERRORS})
async def search(body: SearchRequest, runtime: RuntimeDep) -> JSONResponse:
    """Cited passages answering a question: the same JSON as `youju ask --json`."""
    settings = runtime.settings
    validate_query(body.query, settings.max_query_chars)  # cheap: refuse before taking a search slot
    searcher = runtime.require()  # captured once: a reload does not change it under this request
    top_k = body.top_k if body.top_k is not None else settings.default_top_k
    answer = await runtime.gate.run(
        lambda: searcher.search(body.query, top_k, document_id=body.document_id, section=body.section)
    )
    return JSONResponse(answer.to_json())


@public.get("/passages/{passage_id}", responses={404: {"model": ErrorResponse}})
async def passage(passage_id: str, runtime: RuntimeDep) -> dict[str, Any]:
    """One passage with its paragraph and the paragraphs before and after it."""
    return runtime.require().passage(passage_id)


@public.get("/documents")
async def documents(runtime: RuntimeDep) -> dict[str, Any]:
    """The documents in the live index."""
    searcher = runtime.require()
    return {"documents": runtime.documents(searcher)}


@public.post("/convert", response_model=ConvertResponse, responses=ERRORS)
async def convert(body: ConvertRequest, runtime: RuntimeDep) -> ConvertResponse:
    """Display conversion between Simplified and Traditional Chinese (for the widget's 简体/繁體 switch)."""
    limit = runtime.settings.max_convert_chars
    total = sum(len(t) for t in body.texts)
    if total > limit:
        raise ApiError(413, "texts_too_long", f"the texts hold {total} characters together; the limit is {limit}")
    fn = to_simplified if body.to == "hans" else to_traditional
    texts = body.texts
    out = await runtime.gate.run(lambda: [fn(t) if t else t for t in texts])
    return ConvertResponse(texts=out)


@public.post("/feedback", status_code=201, response_model=OkResponse, responses={404: {"model": ErrorResponse}})
async def feedback(body: FeedbackRequest, request: Request, runtime: RuntimeDep) -> OkResponse:
    """Record whether a result helped. The client address is kept only as a keyed hash."""
    query = validate_query(body.query, runtime.settings.max_query_chars)
    searcher = runtime.require()
    searcher.passage(body.passage_id)  # 404 passage_not_found for an unknown id
    comment = body.comment.strip() if body.comment else None
    store = runtime.require_feedback()
    ip = client_ip(request.scope)
    build = searcher.index.manifest.build_id
    await anyio.to_thread.run_sync(
        lambda: store.add(
            query=query,
            passage_id=body.passage_id,
            helpful=body.helpful,
            comment=comment or None,
            client_ip=ip,
            index_build=build,
        )
    )
    return OkResponse(ok=True)


@staff.get("/feedback")
async def staff_feedback(
    runtime: RuntimeDep,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
    helpful: bool | None = None,
) -> dict[str, Any]:
    """Recent feedback, newest first (no client addresses are stored)."""
    store = runtime.require_feedback()
    return await anyio.to_thread.run_sync(lambda: store.recent(limit=limit, offset=offset, helpful=helpful))


@staff.get("/status")
async def staff_status(runtime: RuntimeDep) -> dict[str, Any]:
    """Index, limits and feedback counts for the staff console."""
    searcher = runtime.searcher
    index: dict[str, Any] | None = None
    if searcher is not None:
        m = searcher.index.manifest
        index = {
            "build_id": m.build_id,
            "built_at": m.built_at,
            "model": m.model,
            "documents": m.document_count,
            "passages": m.passage_count,
            "ann": m.ann,
            "skipped": m.skipped,
        }
    store = runtime.feedback
    summary = await anyio.to_thread.run_sync(store.summary) if store is not None else None
    s = runtime.settings
    return {
        "ready": searcher is not None,
        "error": runtime.error.message if runtime.error is not None else None,
        "index": index,
        "feedback": summary,
        "searches": {"running": runtime.gate.running, "waiting": runtime.gate.waiting},
        "limits": {
            "max_concurrent_searches": s.max_concurrent_searches,
            "rate_limit_per_minute": s.rate_limit_per_minute,
            "rate_limit_burst": s.rate_limit_burst,
            "max_query_chars": s.max_query_chars,
        },
    }


@admin.post("/reload", responses={401: {"model": ErrorResponse}, 404: {"model": ErrorResponse}})
async def reload(request: Request, runtime: RuntimeDep, authorization: AuthorizationHeader = None) -> dict[str, Any]:
    """Load the live index from disk again (after `youju build`) and switch to it without downtime."""
    check_admin(authorization, runtime.settings.admin_key)
    return await anyio.to_thread.run_sync(runtime.reload)


router = APIRouter(prefix="/api/v1")
router.include_router(public)
router.include_router(staff)
router.include_router(admin)
