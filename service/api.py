"""The JSON API under /api/v1: citizen endpoints (public, rate-limited), staff and admin endpoints."""

from __future__ import annotations

from typing import Annotated, Any

import anyio.to_thread
from fastapi import APIRouter, Depends, Header, Query, Request

from index.normalize import to_simplified, to_traditional
from index.records import Answer, FileReport, PassageView
from index.search import Filters, clean_text, validate_query
from service.answering import Question, answer_question
from service.auth import check_admin, check_staff
from service.errors import ApiError, FeedbackUnavailableError
from service.ratelimit import client_ip, rate_key
from service.schemas import (
    BuildReportResponse,
    ConvertRequest,
    ConvertResponse,
    DocumentDetail,
    DocumentsResponse,
    DocumentText,
    ErrorResponse,
    FeedbackPage,
    FeedbackRequest,
    JobInfo,
    OkResponse,
    PageInfo,
    ReloadResponse,
    SearchLoad,
    SearchRequest,
    StaffStatus,
)
from service.state import Runtime, get_runtime
from service.uploads import Job, check_content, safe_name, store_upload

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
    try:
        runtime.limiter.check(rate_key(client_ip(request.scope)))
    except ApiError:
        runtime.metrics.limited("requests")
        raise


async def staff_only(request: Request, authorization: AuthorizationHeader = None) -> None:
    runtime = get_runtime(request)
    key = runtime.settings.staff_key
    runtime.authenticate(request.scope, authorization, lambda: check_staff(authorization, key), "staff")


ERRORS: dict[int | str, dict[str, Any]] = {
    s: {"model": ErrorResponse, "description": d}
    for s, d in {
        400: "Invalid question (invalid_query)",
        413: "Question or body too large (query_too_long, body_too_large)",
        422: "Malformed request or a parameter out of range (validation_error)",
        429: "Too many requests from this address (rate_limited; see Retry-After)",
        503: "Busy or not ready (busy, not_ready; see Retry-After)",
    }.items()
}


# ------------------------------------------------------------------------------------------ routes


def _documented(statuses: dict[int, str]) -> dict[int | str, dict[str, Any]]:
    return {s: {"model": ErrorResponse, "description": d} for s, d in statuses.items()}


# Statuses every route of a group can answer (generated clients must know them): the rate limit and body
# limit in front of the citizens' routes, the staff and admin credentials in front of theirs.
public = APIRouter(
    dependencies=[Depends(rate_limited)],
    tags=["citizens"],
    responses=_documented(
        {
            413: "Body too large (body_too_large)",
            429: "Too many requests from this address (rate_limited; see Retry-After)",
        }
    ),
)
staff = APIRouter(
    prefix="/staff",
    dependencies=[Depends(staff_only)],
    tags=["staff"],
    responses=_documented({401: "Staff credentials missing or wrong (unauthorized)"}),
)
admin = APIRouter(
    prefix="/admin",
    tags=["admin"],
    responses=_documented(
        {
            401: "Admin token missing or wrong (unauthorized)",
            404: "Admin endpoints disabled: YOUJU_ADMIN_KEY is not set (not_found)",
        }
    ),
)


@public.post("/search", response_model=Answer, responses=ERRORS)
async def search(body: SearchRequest, runtime: RuntimeDep) -> Answer:
    """Cited passages answering a question: the same JSON as `youju ask --json`."""
    ids = set(body.document_ids or ()) | ({body.document_id} if body.document_id else set())
    filters = Filters(
        document_ids=frozenset(ids) if ids else None,
        doc_type=body.doc_type,
        year=body.year,
        issuer=body.issuer,
        section=body.section,
    )
    return await answer_question(runtime, Question(body.query, body.top_k, filters, body.previous))


@public.get("/passages/{passage_id}", response_model=PassageView, responses={404: {"model": ErrorResponse}})
async def passage(passage_id: str, runtime: RuntimeDep) -> PassageView:
    """One passage with its paragraph and the paragraphs before and after it."""
    return runtime.require().passage(passage_id)


@public.get("/documents", response_model=DocumentsResponse)
async def documents(runtime: RuntimeDep) -> DocumentsResponse:
    """The documents in the live index."""
    searcher = runtime.require()
    return DocumentsResponse(documents=runtime.documents(searcher))


NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"model": ErrorResponse}}


@public.get("/documents/{document_id:path}/text", response_model=DocumentText, responses=NOT_FOUND)
async def document_text(
    document_id: str, runtime: RuntimeDep, page: Annotated[int | None, Query(ge=1)] = None
) -> DocumentText:
    """A document's canonical text (what citations' start/end index into), whole or one physical page."""
    doc = runtime.require().index.documents.get(document_id)
    if doc is None:
        raise ApiError(404, "document_not_found", f"no document {document_id!r} in the live index")
    start, end = 0, len(doc.text)
    if page is not None:
        found = next((p for p in doc.pages if p.number == page), None)
        if found is None:
            raise ApiError(404, "page_not_found", f"{document_id} has {len(doc.pages)} pages; no page {page}")
        start, end = found.start, found.end
    return DocumentText(document_id=document_id, page=page, start=start, end=end, text=doc.text[start:end])


@public.get("/documents/{document_id:path}", response_model=DocumentDetail, responses={404: {"model": ErrorResponse}})
async def document(document_id: str, runtime: RuntimeDep) -> DocumentDetail:
    """One document: its metadata, passage count and pages (with printed page numbers and OCR flags)."""
    searcher = runtime.require()
    info = next((d for d in runtime.documents(searcher) if d.document_id == document_id), None)
    doc = searcher.index.documents.get(document_id)
    if info is None or doc is None:
        raise ApiError(404, "document_not_found", f"no document {document_id!r} in the live index")
    pages = [PageInfo(number=p.number, label=p.label, start=p.start, end=p.end, ocr=p.ocr) for p in doc.pages]
    return DocumentDetail(document=info, pages=pages)


@public.post("/convert", response_model=ConvertResponse, responses=ERRORS)
async def convert(body: ConvertRequest, runtime: RuntimeDep) -> ConvertResponse:
    """Display conversion between Simplified and Traditional Chinese (for the widget's 简体/繁體 switch)."""
    limit = runtime.settings.max_convert_chars
    total = sum(len(t) for t in body.texts)
    if total > limit:
        raise ApiError(413, "texts_too_long", f"the texts hold {total} characters together; the limit is {limit}")
    fn = to_simplified if body.to == "hans" else to_traditional
    texts = [clean_text(t, "a text to convert", keep_length=True) for t in body.texts]
    out = await runtime.gate.run(lambda: [fn(t) if t else t for t in texts])
    return ConvertResponse(texts=out)


@public.post(
    "/feedback",
    status_code=201,
    response_model=OkResponse,
    responses={404: {"model": ErrorResponse}, 503: {"model": ErrorResponse}},
)
async def feedback(body: FeedbackRequest, request: Request, runtime: RuntimeDep) -> OkResponse:
    """Record whether a result helped. The client address is kept only as a keyed hash."""
    query = validate_query(body.query, runtime.settings.max_query_chars)
    searcher = runtime.require()
    searcher.passage(body.passage_id)  # 404 passage_not_found for an unknown id
    comment = clean_text(body.comment, "the comment").strip() if body.comment else None
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


@staff.get("/feedback", response_model=FeedbackPage)
async def staff_feedback(
    runtime: RuntimeDep,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
    helpful: bool | None = None,
) -> FeedbackPage:
    """Recent feedback, newest first (no client addresses are stored)."""
    store = runtime.require_feedback()
    return await anyio.to_thread.run_sync(lambda: store.recent(limit=limit, offset=offset, helpful=helpful))


@staff.get("/status", response_model=StaffStatus)
async def staff_status(runtime: RuntimeDep) -> StaffStatus:
    """Index, limits and feedback counts for the staff console."""
    searcher = runtime.searcher
    store = runtime.feedback
    try:
        summary = await anyio.to_thread.run_sync(store.summary) if store is not None else None
    except FeedbackUnavailableError as e:  # the rest of the status still matters to staff
        summary = None
        feedback_error: str | None = str(e)
    else:
        feedback_error = None
    s = runtime.settings
    return StaffStatus(
        ready=searcher is not None,
        error=runtime.error.message if runtime.error is not None else None,
        index=searcher.index.manifest.info() if searcher is not None else None,
        feedback=summary,
        feedback_error=feedback_error,
        searches=SearchLoad(running=runtime.gate.running, waiting=runtime.gate.waiting),
        limits={
            "max_concurrent_searches": s.max_concurrent_searches,
            "rate_limit_per_minute": s.rate_limit_per_minute,
            "rate_limit_burst": s.rate_limit_burst,
            "max_query_chars": s.max_query_chars,
            "max_top_k": s.max_top_k,
        },
    )


@staff.get("/build", response_model=BuildReportResponse)
async def staff_build(runtime: RuntimeDep) -> BuildReportResponse:
    """The live build: every file of the corpus with its format, pages, OCR use, passages, warnings, errors."""
    m = runtime.require().index.manifest
    return BuildReportResponse(index=m.info(), files=[FileReport(**f) for f in m.files])


def _job(job: Job) -> JobInfo:
    return JobInfo(
        id=job.id,
        action=job.action,
        file=job.file,
        status=job.status,
        message=job.message,
        build_id=job.build_id,
        report=job.report,
    )


def _uploads_enabled(runtime: Runtime) -> None:
    if runtime.settings.staff_key is None:
        raise ApiError(403, "uploads_disabled", "document uploads need a staff key (set YOUJU_STAFF_KEY)")


@staff.put(
    "/documents/{name}",
    status_code=202,
    response_model=JobInfo,
    responses={s: {"model": ErrorResponse} for s in (400, 403, 413, 415, 422, 503)},
)
async def upload_document(name: str, request: Request, runtime: RuntimeDep) -> JobInfo:
    """Add or replace a document (the raw file as the body). It is checked, stored under the corpus's upload
    directory and indexed by a background build that goes live atomically; follow it at /staff/jobs/{id}."""
    _uploads_enabled(runtime)
    name = safe_name(name)
    data = await request.body()
    if not data:
        raise ApiError(400, "empty_file", "the request body (the file) is empty")
    settings = runtime.settings
    await anyio.to_thread.run_sync(lambda: check_content(name, data, settings))
    stored = await anyio.to_thread.run_sync(lambda: store_upload(settings.corpus_dir, settings.upload_dir, name, data))
    return _job(runtime.jobs.submit("upload", stored.relative, on_failure=stored.undo, on_success=stored.commit))


@staff.delete("/documents/{name}", status_code=202, response_model=JobInfo, responses={404: {"model": ErrorResponse}})
async def delete_document(name: str, runtime: RuntimeDep) -> JobInfo:
    """Remove an uploaded document; a background build takes it out of the index."""
    _uploads_enabled(runtime)
    name = safe_name(name)
    settings = runtime.settings
    path = settings.corpus_dir / settings.upload_dir / name
    if not path.is_file():
        raise ApiError(404, "document_not_found", f"no uploaded file {name!r}")
    path.unlink()
    return _job(runtime.jobs.submit("delete", path.relative_to(settings.corpus_dir).as_posix()))


@staff.get("/jobs/{job_id}", response_model=JobInfo, responses={404: {"model": ErrorResponse}})
async def job_status(job_id: str, runtime: RuntimeDep) -> JobInfo:
    """A build started by an upload or a removal."""
    return _job(runtime.jobs.get(job_id))


@staff.get("/jobs", response_model=list[JobInfo])
async def jobs(runtime: RuntimeDep) -> list[JobInfo]:
    """The recent builds started by uploads and removals, newest first."""
    return [_job(j) for j in runtime.jobs.recent()]


@admin.post(
    "/reload", response_model=ReloadResponse, responses={401: {"model": ErrorResponse}, 404: {"model": ErrorResponse}}
)
async def reload(request: Request, runtime: RuntimeDep, authorization: AuthorizationHeader = None) -> ReloadResponse:
    """Load the live index from disk again (after `youju build`) and switch to it without downtime."""
    key = runtime.settings.admin_key
    runtime.authenticate(request.scope, authorization, lambda: check_admin(authorization, key), "admin")
    return await anyio.to_thread.run_sync(runtime.reload)


router = APIRouter(prefix="/api/v1")
router.include_router(public)
router.include_router(staff)
router.include_router(admin)
