"""Dify's External Knowledge API: ``POST /api/v1/dify/retrieval`` (docs/integrations.md).

In Dify, the external knowledge API's endpoint is ``https://<youju host>/api/v1/dify`` (Dify appends
``/retrieval``), its API key one of youju's Dify keys, and each external knowledge base names a
``knowledge_id``: ``all`` (every document of the live index), a document id (``GET /api/v1/documents``) or a
set named in ``YOUJU_KNOWLEDGE_SETS``.

**Keys.** ``YOUJU_DIFY_API_KEY`` may read every knowledge id; ``YOUJU_DIFY_KEYS`` holds keys limited to some
(``{"<key>": ["<set>", "<document id>", ...]}``; ``all`` in the list allows everything). With neither set the
endpoint is disabled and answers 404 (error_code 1003), like the admin endpoints without their key. Keys are
compared in constant time (``hmac.compare_digest``) under the failed-sign-in throttle of the staff and admin
keys (``Runtime.authenticate``: 10 wrong keys per address, then one per 6 s, then 429). A key asking for a
knowledge id outside its list gets 403 1002 ("authorization failed": it is not authorised for that knowledge)
whether that id exists or not, so a limited key cannot find out which sets and documents exist.

**Registration.** Dify registers an endpoint by POSTing to it with the key and no body; that answers 422
(error_code 3001), which Dify accepts, while a wrong key answers 403 and a disabled endpoint 404, which it
reports. Authentication always comes first: whatever the body, a missing or wrong key is 403.

**Score.** Dify compares ``score`` with ``score_threshold`` (0 to 1; 0.0 when the threshold is off in Dify).
The best record's score is the answer's ``confidence``: the answerability model's calibrated probability
that the best passage answers the question (``index/answerability/``). The fused retrieval scores
(``Result.score``) are not probabilities (min-max rescaled per question, shifted by priors), so they are not
reported as such: each lower record's score is the confidence times its fused score relative to the best
one's (clamped to [0, 1], and never above the record before it). Scores are therefore in [0, 1], descending
with rank, and only the first is a probability of its own; the others are bounded by it. When youju decides
that the documents do not answer the question (``answered`` false, including ``not_a_question`` inputs such as
greetings), there are no records: a citizen-facing assistant must not build an answer on near misses.

**metadata_condition** narrows the search with youju's filters, ANDed with the knowledge id's own (a
condition can narrow a limited key's scope, never widen it): ``document_id`` (``is``, ``=``, ``in``),
``doc_type`` and ``year`` (``is``, ``=``), ``issuer`` and ``section`` (``contains``). ``or`` is accepted between
``document_id`` conditions (any of the documents). Anything else (another field, another operator, ``or``
across fields, a field given twice with different values) is refused with 400 (error_code 3004) and a
message saying what youju can filter on: a condition is never silently ignored.

**Limits.** ``top_k`` above ``YOUJU_MAX_TOP_K`` is lowered to it (Dify's UI allows more); a missing or null
``top_k`` is ``YOUJU_DEFAULT_TOP_K`` and a missing ``score_threshold`` 0. Searches go through
``answer_question`` like the citizens' API (query checks, the concurrency gate: 503 busy). The citizens'
per-address rate limit is not applied: Dify calls server to server, every user of a Dify app arrives from
the one Dify address, and the caller is authenticated by its key (the staff console is exempt for the same
reason); the search gate bounds the load.

**Errors** have Dify's shape ``{"error_code": int, "error_msg": str}`` (codes 1001, 1002 and 2001 are Dify's;
the others youju's, listed in ``DifyCode``). Errors raised before the route (a body over
``YOUJU_MAX_BODY_BYTES``, an unknown path, a wrong method) keep youju's shape ``{"error": {...}}``.
"""

from __future__ import annotations

import hmac
import logging
from collections.abc import Callable, Coroutine, Mapping
from dataclasses import dataclass
from enum import IntEnum
from typing import Annotated, Any, Literal
from urllib.parse import quote

from fastapi import APIRouter, Depends, Request, Security
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from fastapi.security import HTTPBearer
from pydantic import BaseModel, ConfigDict, Field, StrictFloat, StrictInt, StrictStr
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

from index import errors as core
from index.config import KnowledgeSet, Settings
from index.records import Answer, Result
from index.search import Filters, Searcher
from service.answering import Question, answer_question
from service.auth import bearer_token
from service.errors import ApiError, status_of, validation_message
from service.state import Runtime, get_runtime, runtime_dependency

log = logging.getLogger("youju.service")

ALL = "all"


class DifyCode(IntEnum):
    """``error_code`` of the Dify endpoint's errors: 1001, 1002 and 2001 are Dify's own; the others youju's."""

    INVALID_AUTHORIZATION = 1001  # 403: Authorization header missing or not `Bearer <key>`
    AUTHORIZATION_FAILED = 1002  # 403: unknown key, or a limited key asking for knowledge outside its list
    DISABLED = 1003  # 404: no Dify key is configured
    KNOWLEDGE_NOT_FOUND = 2001  # 404: knowledge_id is not `all`, a set or a document of the live index
    INVALID_REQUEST = 3001  # 422: not JSON, missing or mistyped fields (Dify's registration probe: no body)
    INVALID_QUERY = 3002  # 400: empty question, control characters
    QUERY_TOO_LONG = 3003  # 413: question over YOUJU_MAX_QUERY_CHARS
    UNSUPPORTED_CONDITION = 3004  # 400: a metadata_condition youju's filters cannot express
    RATE_LIMITED = 4001  # 429: too many wrong keys from this address (Retry-After)
    INTERNAL = 5000  # 500
    UNAVAILABLE = 5001  # 503: busy or not ready (Retry-After)


class DifyError(ApiError):
    """An error of the Dify endpoint, with its Dify ``error_code``."""

    def __init__(
        self, status: int, error_code: DifyCode, message: str, headers: Mapping[str, str] | None = None
    ) -> None:
        super().__init__(status, f"dify_{int(error_code)}", message, headers)
        self.error_code = error_code


def _unsupported(message: str) -> DifyError:
    return DifyError(400, DifyCode.UNSUPPORTED_CONDITION, f"unsupported metadata_condition: {message}")


# ------------------------------------------------------------------------------------------ models


class DifyRetrievalSetting(BaseModel):
    model_config = ConfigDict(extra="ignore")

    top_k: int | None = Field(
        None,
        ge=1,
        strict=True,
        description="Most records wanted; above the server's max_top_k (20 by default) it is lowered to it. "
        "Missing or null: default_top_k.",
        examples=[5],
    )
    score_threshold: StrictFloat | StrictInt | None = Field(
        0.0,
        ge=0,
        le=1,
        description="Records scoring below it are left out (0.0, also when missing or null: none are).",
        examples=[0.5],
    )


class DifyCondition(BaseModel):
    model_config = ConfigDict(extra="ignore")

    name: StrictStr | list[StrictStr] = Field(
        description="The metadata field: document_id, doc_type, year, issuer or section (a list of one name, "
        "as older Dify versions send, is accepted).",
        examples=["doc_type"],
    )
    comparison_operator: StrictStr = Field(
        description="document_id: is, =, in; doc_type and year: is, =; issuer and section: contains.",
        examples=["is"],
    )
    value: StrictStr | list[StrictStr] | StrictInt | StrictFloat | None = Field(None, examples=["预算"])


class DifyMetadataCondition(BaseModel):
    model_config = ConfigDict(extra="ignore")

    logical_operator: Literal["and", "or"] | None = Field(
        "and", description="`and` (default); `or` only between document_id conditions."
    )
    conditions: list[DifyCondition] | None = Field(None, max_length=50)


class DifyRetrievalRequest(BaseModel):
    """What Dify sends (docs.dify.ai, External Knowledge API)."""

    model_config = ConfigDict(
        extra="ignore",
        json_schema_extra={
            "examples": [
                {
                    "knowledge_id": "all",
                    "query": "怀柔森林覆盖率多少",
                    "retrieval_setting": {"top_k": 3, "score_threshold": 0.5},
                },
                {
                    "knowledge_id": "huairou-2024-law-based-government-report",
                    "query": "行政复议案件有多少件",
                    "retrieval_setting": {"top_k": 5, "score_threshold": 0.0},
                    "metadata_condition": {
                        "logical_operator": "and",
                        "conditions": [{"name": "section", "comparison_operator": "contains", "value": "主要舉措"}],
                    },
                },
            ]
        },
    )

    knowledge_id: StrictStr = Field(
        min_length=1,
        max_length=200,
        description="`all`, a document id (GET /api/v1/documents) or a set of YOUJU_KNOWLEDGE_SETS.",
        examples=["all"],
    )
    query: StrictStr = Field(description="The question (at most max_query_chars characters).")
    retrieval_setting: DifyRetrievalSetting
    metadata_condition: DifyMetadataCondition | None = None


class DifyRecordMetadata(BaseModel):
    document_id: str
    section: list[str] = Field(description="Headings above the passage, outermost first.")
    paragraph: int = Field(description="1-based body paragraph number in the document.")
    page: int | None = Field(description="Paged documents: the physical page the passage starts on.")
    page_end: int | None
    printed_page: str | None = Field(description="The page number printed on that page, when it has one.")
    start: int = Field(description="Character span of `content` in the document's canonical text (text_url).")
    end: int
    passage_id: str = Field(description="GET /api/v1/passages/{passage_id}: the passage and its paragraphs.")
    source_url: str = Field(description="The document's own address when its metadata gives one, else text_url.")
    text_url: str = Field(description="The document's canonical text on this service (what start/end index).")
    year: int | None
    ocr: bool = Field(description="Read from a scanned page by OCR: check the original.")
    superseded_by: str | None = Field(description="Set when a newer edition exists: its document id.")


class DifyRecord(BaseModel):
    content: str = Field(description="The cited passage, verbatim from the document.")
    score: float = Field(ge=0, le=1, description="See the endpoint description: the first is the confidence.")
    title: str = Field(description="The document's title.")
    metadata: DifyRecordMetadata


class DifyRetrievalResponse(BaseModel):
    records: list[DifyRecord]


class DifyErrorResponse(BaseModel):
    error_code: int = Field(description="1001, 1002, 2001 (Dify's); 1003, 3001-3004, 4001, 5000, 5001 (youju's).")
    error_msg: str

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"error_code": 1002, "error_msg": "Authorization failed. Please check your API key."}]
        }
    )


# ------------------------------------------------------------------------------------------ errors


def dify_response(
    status: int, error_code: DifyCode, message: str, headers: Mapping[str, str] | None = None
) -> JSONResponse:
    return JSONResponse(
        {"error_code": int(error_code), "error_msg": message}, status_code=status, headers=dict(headers or {})
    )


def _from_youju(request: Request, exc: core.YoujuError) -> JSONResponse:
    if isinstance(exc, DifyError):
        return dify_response(exc.status, exc.error_code, exc.message, exc.headers)
    status = status_of(exc)
    headers = dict(exc.headers) if isinstance(exc, ApiError) else {}
    if status == 429:
        code = DifyCode.RATE_LIMITED
    elif isinstance(exc, core.QueryTooLongError):
        code = DifyCode.QUERY_TOO_LONG
    elif isinstance(exc, core.InvalidQueryError):
        code = DifyCode.INVALID_QUERY
    elif status == 503:
        code = DifyCode.UNAVAILABLE
        headers.setdefault("Retry-After", "5")
    elif status >= 500:
        code = DifyCode.INTERNAL
    else:
        code = DifyCode.INVALID_REQUEST
    if status >= 500 and not isinstance(exc, ApiError):
        log.warning("%s %s -> %d %s: %s", request.method, request.url.path, status, exc.code, exc.message)
    return dify_response(status, code, exc.message, headers)


def _invalid_request(exc: RequestValidationError) -> JSONResponse:
    errors = exc.errors()
    if any(e.get("type") == "missing" and tuple(e.get("loc", ())) == ("body",) for e in errors):
        message = (
            "the request has no JSON body; send {knowledge_id, query, retrieval_setting: {top_k, score_threshold}} "
            "(Dify's registration check sends none: this answer tells it the endpoint and the key work)"
        )
    elif any(e.get("type") == "json_invalid" for e in errors):
        message = "the request body is not valid JSON"
    else:
        message = validation_message(exc)
    return dify_response(422, DifyCode.INVALID_REQUEST, message)


class DifyRoute(APIRoute):
    """Answers every error of its routes in Dify's shape. FastAPI reads and validates the body before it runs
    the dependencies only when the body is not JSON at all; such a request is authenticated before its
    validation error is answered, so a missing or wrong key is 403 whatever the body."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def dify_handler(request: Request) -> Response:
            try:
                try:
                    return await handler(request)
                except (RequestValidationError, StarletteHTTPException):
                    authorize(request)
                    raise
            except core.YoujuError as e:
                return _from_youju(request, e)
            except RequestValidationError as e:
                return _invalid_request(e)
            except StarletteHTTPException as e:
                message = e.detail if isinstance(e.detail, str) else "the request is not valid"
                code = DifyCode.INVALID_REQUEST if e.status_code < 500 else DifyCode.INTERNAL
                return dify_response(e.status_code, code, message, e.headers)
            except Exception:
                log.exception("unhandled error on %s %s", request.method, request.url.path)
                return dify_response(500, DifyCode.INTERNAL, "internal error; the request was not completed")

        return dify_handler


# ------------------------------------------------------------------------------------------ keys


@dataclass(frozen=True)
class DifyAccess:
    """What the presented key may read: every knowledge id (``ids`` None) or those listed."""

    ids: frozenset[str] | None = None

    def allows(self, knowledge_id: str) -> bool:
        return self.ids is None or ALL in self.ids or knowledge_id in self.ids


def configured_keys(settings: Settings) -> list[tuple[str, DifyAccess]]:
    """Every Dify key with what it may read (empty: the endpoint is disabled)."""
    keys: list[tuple[str, DifyAccess]] = []
    if settings.dify_api_key is not None:
        keys.append((settings.dify_api_key.get_secret_value(), DifyAccess()))
    keys += [(key, DifyAccess(ids)) for key, ids in settings.dify_scoped_keys().items()]
    return keys


def match_key(authorization: str | None, keys: list[tuple[str, DifyAccess]]) -> DifyAccess:
    """The access of the Bearer key presented; 403 1001 for a missing or malformed header, 403 1002 for a key
    that is none of ``keys`` (each is compared, in constant time)."""
    token = bearer_token(authorization)
    if token is None:
        missing = not (authorization or "").strip()
        raise DifyError(
            403,
            DifyCode.INVALID_AUTHORIZATION,
            "the Authorization header is missing; expected 'Bearer <api-key>'"
            if missing
            else "Invalid Authorization header format. Expected 'Bearer <api-key>' format.",
        )
    given = token.encode("utf-8")
    found: DifyAccess | None = None
    for key, access in keys:
        if hmac.compare_digest(given, key.encode("utf-8")) and found is None:
            found = access
    if found is None:
        raise DifyError(403, DifyCode.AUTHORIZATION_FAILED, "Authorization failed. Please check your API key.")
    return found


def authorize(request: Request) -> DifyAccess:
    """The caller's access, under the failed-sign-in throttle (429 4001 after too many wrong keys)."""
    runtime = get_runtime(request)
    keys = configured_keys(runtime.settings)
    if not keys:
        raise DifyError(
            404, DifyCode.DISABLED, "the Dify endpoint is disabled: set YOUJU_DIFY_API_KEY or YOUJU_DIFY_KEYS"
        )
    authorization = request.headers.get("authorization")
    granted: list[DifyAccess] = []
    runtime.authenticate(request.scope, authorization, lambda: granted.append(match_key(authorization, keys)), "dify")
    return granted[0]


async def dify_access(request: Request) -> DifyAccess:
    return authorize(request)


# ------------------------------------------------------------------------------------------ filters

# The metadata fields a condition may name, and the operators each supports (what youju's Filters express).
OPERATORS: dict[str, tuple[str, ...]] = {
    "document_id": ("is", "=", "in"),
    "doc_type": ("is", "="),
    "year": ("is", "="),
    "issuer": ("contains",),
    "section": ("contains",),
}
_SCALARS = ("doc_type", "year", "issuer", "section")


def set_filters(ks: KnowledgeSet) -> Filters:
    return Filters(
        document_ids=frozenset(ks.document_ids) if ks.document_ids is not None else None,
        doc_type=ks.doc_type,
        year=ks.year,
        issuer=ks.issuer,
        section=ks.section,
    )


def knowledge_filters(knowledge_id: str, access: DifyAccess, settings: Settings, searcher: Searcher) -> Filters:
    """The filters a knowledge id stands for: 403 1002 outside the key's list (before any existence check),
    404 2001 when it is neither ``all``, a set nor a document of the live index."""
    if not access.allows(knowledge_id):
        raise DifyError(403, DifyCode.AUTHORIZATION_FAILED, f"this API key may not read knowledge {knowledge_id!r}")
    if knowledge_id == ALL:
        return Filters()
    ks = settings.knowledge_sets.get(knowledge_id)
    if ks is not None:
        return set_filters(ks)
    if knowledge_id in searcher.index.documents:
        return Filters(document_ids=frozenset({knowledge_id}))
    raise DifyError(
        404,
        DifyCode.KNOWLEDGE_NOT_FOUND,
        f"The knowledge does not exist: {knowledge_id!r} is not `all`, a configured set or a document of the "
        "live index",
    )


def both(a: Filters, b: Filters, what: str) -> Filters:
    """``a`` AND ``b``: document ids intersect; another field given by both must have one value (youju's filters
    hold one value per field), else 400 3004."""
    if a.document_ids is None or b.document_ids is None:
        ids = a.document_ids if b.document_ids is None else b.document_ids
    else:
        ids = a.document_ids & b.document_ids
    values: dict[str, Any] = {}
    for f in _SCALARS:
        x, y = getattr(a, f), getattr(b, f)
        if x is not None and y is not None and x != y:
            raise _unsupported(f"{what} give {f} twice ({x!r} and {y!r}); youju filters on one {f} at a time")
        values[f] = x if x is not None else y
    return Filters(document_ids=ids, **values)


def _condition(c: DifyCondition) -> tuple[str, Filters]:
    """One condition as youju filters: (field name, filters)."""
    name = c.name
    if isinstance(name, list):
        if len(name) != 1:
            raise _unsupported(f"a condition names one metadata field, not {name!r}")
        name = name[0]
    ops = OPERATORS.get(name)
    if ops is None:
        raise _unsupported(f"youju cannot filter on {name!r}; its fields are {', '.join(OPERATORS)}")
    op = c.comparison_operator
    if op not in ops:
        raise _unsupported(f"{name} supports {', '.join(repr(o) for o in ops)}, not {op!r}")
    v = c.value
    if name == "document_id":
        if op == "in":
            if not isinstance(v, list) or not v:
                raise _unsupported("document_id `in` needs a non-empty list of document ids")
            return name, Filters(document_ids=frozenset(v))
        if not isinstance(v, str) or not v:
            raise _unsupported(f"document_id {op!r} needs a document id (text)")
        return name, Filters(document_ids=frozenset({v}))
    if name == "year":
        if isinstance(v, str) and v.strip().isdigit():
            year = int(v.strip())
        elif isinstance(v, int) or (isinstance(v, float) and v.is_integer()):
            year = int(v)
        else:
            raise _unsupported(f"year needs a year such as 2024, not {v!r}")
        return name, Filters(year=year)
    if not isinstance(v, str) or not v.strip():
        raise _unsupported(f"{name} {op!r} needs a text value")
    text = v.strip()
    if name == "doc_type":
        return name, Filters(doc_type=text)
    if name == "issuer":
        return name, Filters(issuer=text)
    return name, Filters(section=text)


def condition_filters(mc: DifyMetadataCondition | None) -> Filters:
    """Dify's metadata_condition as youju filters (400 3004 for what they cannot express)."""
    if mc is None or not mc.conditions:
        return Filters()
    parsed = [_condition(c) for c in mc.conditions]
    if mc.logical_operator == "or" and len(parsed) > 1:
        if any(name != "document_id" for name, _ in parsed):
            raise _unsupported("`or` is supported only between document_id conditions (any of the documents)")
        ids = frozenset().union(*(f.document_ids or frozenset() for _, f in parsed))
        return Filters(document_ids=ids)
    out = Filters()
    for _, f in parsed:
        out = both(out, f, "the conditions")
    return out


# ------------------------------------------------------------------------------------------ records


def dify_scores(answer: Answer) -> list[float]:
    """Scores of ``answer.results`` in [0, 1], descending: the confidence for the first, then the confidence times
    each result's fused score relative to the first's (see the module docstring)."""
    if not answer.results:
        return []
    confidence = min(1.0, max(0.0, answer.confidence))
    top = answer.results[0].score
    scores: list[float] = []
    previous = confidence
    for i, r in enumerate(answer.results):
        ratio = 1.0 if i == 0 else (min(1.0, max(0.0, r.score / top)) if top > 0 else 0.0)
        score = min(previous, round(confidence * ratio, 6))
        scores.append(score)
        previous = score
    return scores


def text_url(base_url: str, document_id: str) -> str:
    return f"{base_url.rstrip('/')}/api/v1/documents/{quote(document_id, safe='/')}/text"


def to_record(result: Result, score: float, searcher: Searcher, base_url: str) -> DifyRecord:
    c = result.citation
    doc = searcher.index.documents.get(c.document_id)
    own = doc.metadata.get("source_url") if doc is not None else None
    url = text_url(base_url, c.document_id)
    return DifyRecord(
        content=result.text,
        score=score,
        title=c.title,
        metadata=DifyRecordMetadata(
            document_id=c.document_id,
            section=list(c.section),
            paragraph=c.paragraph,
            page=c.page,
            page_end=c.page_end,
            printed_page=c.printed_page,
            start=c.start,
            end=c.end,
            passage_id=result.passage_id,
            source_url=own if isinstance(own, str) and own.strip() else url,
            text_url=url,
            year=c.year,
            ocr=c.ocr,
            superseded_by=c.superseded_by,
        ),
    )


def to_records(answer: Answer, threshold: float, searcher: Searcher, base_url: str) -> list[DifyRecord]:
    """The records of an answer that clear ``threshold``; none when the documents do not answer the question."""
    if not answer.answered:
        return []
    return [
        to_record(r, s, searcher, base_url)
        for r, s in zip(answer.results, dify_scores(answer), strict=True)
        if s >= threshold
    ]


# ------------------------------------------------------------------------------------------ route

RuntimeDep = Annotated[Runtime, Depends(runtime_dependency)]
AccessDep = Annotated[DifyAccess, Depends(dify_access)]

_bearer = HTTPBearer(
    auto_error=False,
    scheme_name="DifyKey",
    description="YOUJU_DIFY_API_KEY, or a key of YOUJU_DIFY_KEYS (Dify's external knowledge API key).",
)


def _documented(statuses: dict[int, str]) -> dict[int | str, dict[str, Any]]:
    return {s: {"model": DifyErrorResponse, "description": d} for s, d in statuses.items()}


router = APIRouter(
    prefix="/api/v1/dify",
    tags=["integrations"],
    route_class=DifyRoute,
    dependencies=[Security(_bearer)],
)


@router.post(
    "/retrieval",
    response_model=DifyRetrievalResponse,
    responses=_documented(
        {
            400: "Invalid question (3002) or a metadata_condition youju cannot express (3004)",
            403: "Authorization header missing or malformed (1001); wrong key, or knowledge outside the key's "
            "list (1002)",
            404: "Endpoint disabled: no Dify key configured (1003); unknown knowledge_id (2001)",
            413: "Question too long (3003). A body over YOUJU_MAX_BODY_BYTES is refused before the route, in "
            'youju\'s shape {"error": {"code": "body_too_large", ...}}',
            422: "Malformed request: no body (Dify's registration check), not JSON, fields missing or mistyped (3001)",
            429: "Too many wrong keys from this address (4001; see Retry-After)",
            503: "Busy or not ready (5001; see Retry-After)",
        }
    ),
)
async def retrieval(
    body: DifyRetrievalRequest, request: Request, runtime: RuntimeDep, access: AccessDep
) -> DifyRetrievalResponse:
    """Dify's External Knowledge API: cited passages as Dify records (`Authorization: Bearer <key>`).

    The first record's `score` is the answer's calibrated confidence, the others that confidence times their
    retrieval score relative to the first (in [0, 1], descending). `records` is empty when nothing clears
    `score_threshold` and when the documents do not answer the question. Errors are Dify-shaped:
    `{"error_code", "error_msg"}`. See docs/integrations.md."""
    settings = runtime.settings
    searcher = runtime.require()
    filters = both(
        knowledge_filters(body.knowledge_id, access, settings, searcher),
        condition_filters(body.metadata_condition),
        "knowledge_id and metadata_condition",
    )
    setting = body.retrieval_setting
    top_k = min(setting.top_k if setting.top_k is not None else settings.default_top_k, settings.max_top_k)
    answer = await answer_question(runtime, Question(body.query, top_k, filters, None, "dify"))
    threshold = float(setting.score_threshold or 0.0)
    return DifyRetrievalResponse(records=to_records(answer, threshold, searcher, str(request.base_url)))
