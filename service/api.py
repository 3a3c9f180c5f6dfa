"""The JSON API under /api/v1: citizen endpoints (public, rate-limited), staff and admin endpoints."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

import anyio.to_thread
from fastapi import APIRouter, Depends, Header, Query, Request
from fastapi import Path as FastApiPath
from fastapi.responses import PlainTextResponse

from index import dictionary
from index.normalize import to_simplified, to_traditional
from index.records import Answer, FileReport, PassageView
from index.search import Filters, clean_text, validate_query
from service import analytics, pins
from service.answering import Channel, Question, answer_question
from service.auth import check_admin, check_staff
from service.errors import ApiError, FeedbackUnavailableError
from service.pins import PinStore
from service.querylog import grouping_key
from service.ratelimit import client_ip, rate_key
from service.schemas import (
    AnalyticsReport,
    BuildHistory,
    BuildHistoryEntry,
    BuildReportResponse,
    ConvertRequest,
    ConvertResponse,
    DictionaryFile,
    DictionaryState,
    DocumentDetail,
    DocumentsResponse,
    DocumentText,
    ErrorResponse,
    FeedbackPage,
    FeedbackRequest,
    JobInfo,
    OkResponse,
    PageInfo,
    Pin,
    PinImportReport,
    PinList,
    PinRequest,
    ReloadResponse,
    SearchLoad,
    SearchRequest,
    StaffStatus,
)
from service.state import Runtime, get_runtime, runtime_dependency
from service.uploads import Job, check_content, safe_name, store_upload

RuntimeDep = Annotated[Runtime, Depends(runtime_dependency)]
AuthorizationHeader = Annotated[str | None, Header(include_in_schema=False)]


# ------------------------------------------------------------------------------------ dependencies


async def rate_limited(request: Request, authorization: AuthorizationHeader = None) -> None:
    """Public endpoints: token bucket per client address (429 rate_limited with Retry-After).

    Staff who present the configured staff credential (the console does, after its login) have a bucket of
    their own, far larger (``staff_rate_limit_per_minute``): a call centre shares one address and types
    questions as it speaks, but a leaked console still cannot flood the service or the feedback store."""
    runtime = get_runtime(request)
    staff_key = runtime.settings.staff_key
    limiter = runtime.limiter
    if staff_key is not None and authorization is not None:
        try:
            check_staff(authorization, staff_key)
            limiter = runtime.staff_limiter
        except ApiError:
            pass
    try:
        limiter.check(rate_key(client_ip(request.scope)))
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


ChannelHeader = Annotated[
    str | None,
    Header(
        alias="X-Youju-Channel",
        description="Who asks: `widget` (the citizens' widget), `console` (staff typing: not recorded in the "
        "query log); anything else counts as `api`.",
    ),
]


@public.post("/search", response_model=Answer, responses=ERRORS)
async def search(body: SearchRequest, runtime: RuntimeDep, channel: ChannelHeader = None) -> Answer:
    """Cited passages answering a question: the same JSON as `youju ask --json`."""
    ids = set(body.document_ids or ()) | ({body.document_id} if body.document_id else set())
    filters = Filters(
        document_ids=frozenset(ids) if ids else None,
        doc_type=body.doc_type,
        year=body.year,
        issuer=body.issuer,
        section=body.section,
    )
    ch: Channel = "widget" if channel == "widget" else "console" if channel == "console" else "api"
    return await answer_question(runtime, Question(body.query, body.top_k, filters, body.previous, ch))


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
    responses={s: {"model": ErrorResponse} for s in (400, 404, 503)},
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
    database = await anyio.to_thread.run_sync(runtime.database_status)
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
        database=database,
    )


@staff.get("/build", response_model=BuildReportResponse)
async def staff_build(runtime: RuntimeDep) -> BuildReportResponse:
    """The live build: every file of the corpus with its format, pages, OCR use, passages, warnings, errors."""
    m = runtime.require().index.manifest
    return BuildReportResponse(index=m.info(), files=[FileReport(**f) for f in m.files])


@staff.get("/builds", response_model=BuildHistory, responses={503: {"model": ErrorResponse}})
async def staff_builds(runtime: RuntimeDep, limit: Annotated[int, Query(ge=1, le=100)] = 20) -> BuildHistory:
    """The build history: the index builds this service (any replica) has served, newest first, with the
    documents each held (the document registry)."""
    registry = runtime.require_registry()
    live = runtime.searcher.index.manifest.build_id if runtime.searcher is not None else None

    def read() -> BuildHistory:
        entries = []
        for b in registry.builds(limit):
            entries.append(
                BuildHistoryEntry(
                    build_id=b.build_id,
                    built_at=b.built_at,
                    first_seen_at=b.first_seen_at,
                    backend=b.backend,
                    model=b.model,
                    documents=b.document_count,
                    passages=b.passage_count,
                    live=b.build_id == live,
                    titles=[d.title for d in registry.documents(b.build_id)],
                )
            )
        return BuildHistory(builds=entries)

    return await anyio.to_thread.run_sync(read)


@staff.get("/analytics", response_model=AnalyticsReport, responses={503: {"model": ErrorResponse}})
async def staff_analytics(runtime: RuntimeDep, days: Annotated[int, Query(ge=1, le=366)] = 30) -> AnalyticsReport:
    """What citizens asked in the last `days` days: most frequent, refused and low-confidence questions and
    answers marked not helpful, with the counts of the period before (the trend)."""
    return await anyio.to_thread.run_sync(lambda: _analytics(runtime, days, analytics.TOP))


def _analytics(runtime: Runtime, days: int, limit: int) -> AnalyticsReport:
    qlog = runtime.query_log
    if qlog is None:
        raise ApiError(503, "query_log_off", "the query log is off (YOUJU_QUERY_LOG=false) or could not be opened")
    now = datetime.now(UTC)
    rows = qlog.rows((now - timedelta(days=2 * days)).isoformat(timespec="seconds"))
    feedback: list[Any] = []
    error: str | None = None
    if runtime.feedback is not None:
        try:
            feedback = runtime.feedback.not_helpful_since((now - timedelta(days=days)).isoformat(timespec="seconds"))
        except FeedbackUnavailableError as e:
            error = str(e)
    searcher = runtime.searcher
    norm = searcher.normalizer if searcher is not None else to_simplified
    return analytics.report(
        rows, feedback, days=days, now=now, fold=lambda q: grouping_key(norm(q)), feedback_error=error, limit=limit
    )


@staff.get(
    "/analytics/export",
    response_class=PlainTextResponse,
    responses={200: {"content": {"application/x-ndjson": {}}}, 503: {"model": ErrorResponse}},
)
async def staff_analytics_export(
    runtime: RuntimeDep,
    kind: analytics.ExportKind = "refused",
    days: Annotated[int, Query(ge=1, le=366)] = 30,
) -> PlainTextResponse:
    """The questions of one list as JSON lines in the gold-set format, to be labelled and evaluated
    (`youju eval --sets gold:FILE`)."""
    rep = await anyio.to_thread.run_sync(lambda: _analytics(runtime, days, 10_000))
    body = "".join(line + "\n" for line in analytics.export_lines(rep, kind))
    name = f"youju-{kind}-{datetime.now(UTC).date().isoformat()}.jsonl"
    return PlainTextResponse(
        body,
        media_type="application/x-ndjson; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


def _pins(runtime: Runtime) -> PinStore:
    if runtime.pins is None:
        raise ApiError(503, "pins_unavailable", "the pin store could not be opened (see the service log)")
    return runtime.pins


@staff.get("/pins", response_model=PinList)
async def list_pins(runtime: RuntimeDep) -> PinList:
    """Pinned answers, newest first; `missing` ones have no passage in the live index any more."""
    store = _pins(runtime)
    return await anyio.to_thread.run_sync(lambda: pins.listing(store, runtime.searcher))


@staff.post(
    "/pins", status_code=201, response_model=Pin, responses={s: {"model": ErrorResponse} for s in (400, 404, 503)}
)
async def add_pin(body: PinRequest, runtime: RuntimeDep) -> Pin:
    """Pin passages of the live index for a question (replaces the pin of the same question)."""
    store = _pins(runtime)
    searcher = runtime.require()
    question = validate_query(body.question, runtime.settings.max_query_chars)
    passages = pins.pinned_passages(searcher, body.passage_ids)  # 404 passage_not_found
    note = clean_text(body.note, "the note").strip() or None if body.note else None
    pin_id = await anyio.to_thread.run_sync(
        lambda: store.add(question, grouping_key(searcher.normalizer(question)), passages, note)
    )
    listed = pins.listing(store, searcher)
    return next(p for p in listed.pins if p.id == pin_id)


@staff.delete("/pins/{pin_id}", response_model=OkResponse, responses={404: {"model": ErrorResponse}})
async def delete_pin(pin_id: Annotated[int, FastApiPath(ge=1, le=2**63 - 1)], runtime: RuntimeDep) -> OkResponse:
    """Unpin: the question is answered by search alone again."""
    store = _pins(runtime)
    if not await anyio.to_thread.run_sync(lambda: store.delete(pin_id)):
        raise ApiError(404, "pin_not_found", f"no pin {pin_id}")
    return OkResponse(ok=True)


@staff.post(
    "/pins/import",
    response_model=PinImportReport,
    responses={s: {"model": ErrorResponse} for s in (400, 413, 503)},
)
async def import_pins(
    request: Request, runtime: RuntimeDep, filename: Annotated[str, Query(min_length=1, max_length=200)]
) -> PinImportReport:
    """Pins from a .csv or .xlsx file (the raw file as the body; `filename` gives its type): a question column
    (question/问题) and passage columns (原文/passage: the quoted passage text or a passage id)."""
    store = _pins(runtime)
    searcher = runtime.require()
    data = await request.body()
    if not data:
        raise ApiError(400, "empty_file", "the request body (the file) is empty")

    def run() -> PinImportReport:
        rows = pins.read_table(data, filename)
        return pins.import_pins(store, searcher, rows, searcher.normalizer)

    return await anyio.to_thread.run_sync(run)


@staff.get("/dictionaries", response_model=DictionaryState, responses={400: {"model": ErrorResponse}})
async def dictionaries(runtime: RuntimeDep) -> DictionaryState:
    """The deployment's dictionary (words kept whole, synonym groups) and the version the live index uses."""
    directory = runtime.settings.dictionary_dir

    def read() -> DictionaryState:
        current = dictionary.load_dir(directory)
        files = [
            DictionaryFile(
                name=name,
                text=dictionary.read_text(directory, name),
                entries=len(current.words if name == "words" else current.synonyms),
            )
            for name in ("words", "synonyms")
        ]
        searcher = runtime.searcher
        live = searcher.dictionary.version if searcher is not None else None
        return DictionaryState(files=files, version=current.version, live_version=live)

    return await anyio.to_thread.run_sync(read)


@staff.put(
    "/dictionaries/{name}",
    status_code=202,
    response_model=JobInfo,
    responses={s: {"model": ErrorResponse} for s in (400, 403, 409, 413, 503)},
)
async def save_dictionary(name: dictionary.Name, request: Request, runtime: RuntimeDep) -> JobInfo:
    """Replace one dictionary file (the UTF-8 text as the body). It is checked (400 invalid_dictionary names
    the lines at fault), the previous file is kept under history/, and a background build applies it to the
    documents and questions; follow it at /staff/jobs/{id}. A failed build puts the previous file back."""
    _uploads_enabled(runtime)
    raw = await request.body()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        raise ApiError(400, "invalid_dictionary", "the dictionary must be UTF-8 text") from e
    text = clean_text(text, "the dictionary", keep_length=True)
    directory = runtime.settings.dictionary_dir
    kept = await anyio.to_thread.run_sync(lambda: dictionary.save(directory, name, text))
    return _job(
        runtime.jobs.submit(
            "dictionary", dictionary.FILES[name], on_failure=lambda: dictionary.restore(directory, name, kept)
        )
    )


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
    if runtime.settings.backend != "embedded":
        # A replica's corpus directory is its own: a build from it would publish an index of that directory
        # alone to every replica. The build job owns the corpus in this mode (docs/deployment.md).
        raise ApiError(
            409,
            "uploads_in_build_job",
            "in scale-out mode (YOUJU_BACKEND=qdrant) documents and dictionaries change in the build job's corpus, "
            "then the build job publishes; a replica does not build",
        )


@staff.put(
    "/documents/{name}",
    status_code=202,
    response_model=JobInfo,
    responses={s: {"model": ErrorResponse} for s in (400, 403, 409, 413, 415, 422, 503)},
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


@staff.delete(
    "/documents/{name}",
    status_code=202,
    response_model=JobInfo,
    responses={s: {"model": ErrorResponse} for s in (400, 403, 404, 409, 415, 503)},
)
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
