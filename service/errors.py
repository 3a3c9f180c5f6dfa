"""HTTP side of the error hierarchy: every error leaves the service as ``{"error": {"code", "message"}}``.

Core code raises ``index.errors.YoujuError`` subclasses; this module decides their HTTP status. Errors that
only exist on the web (rate limits, authentication, body size, ...) are ``ApiError``, which carries its
own status and headers.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from index import errors as core
from index.dictionary import DictionaryError

log = logging.getLogger("youju.service")


class FeedbackUnavailableError(core.YoujuError):
    """The feedback database is damaged, full or unwritable: feedback is refused, searches go on."""

    code = "feedback_unavailable"


class QueryLogUnavailableError(core.YoujuError):
    """The query log database is damaged or unwritable: analytics are unavailable, searches go on."""

    code = "query_log_unavailable"


class PinsUnavailableError(core.YoujuError):
    """The pin store is damaged or unwritable: pins are not used or changed, searches go on."""

    code = "pins_unavailable"


class RegistryUnavailableError(core.YoujuError):
    """The build registry's database cannot be used: the build history is unavailable, searches go on."""

    code = "registry_unavailable"


class PinError(core.YoujuError):
    """A pin or a pin import that cannot be made as asked (an unreadable file, missing columns)."""

    code = "invalid_pin"


# Status of each domain error; looked up along the class hierarchy, most specific first.
STATUS: dict[type[core.YoujuError], int] = {
    core.QueryTooLongError: 413,
    core.InvalidQueryError: 400,
    core.InvalidParameterError: 422,
    core.PassageNotFoundError: 404,
    core.IndexNotFoundError: 503,
    core.IndexCorruptError: 503,
    core.BackendUnavailableError: 503,
    core.ModelMismatchError: 503,
    core.ModelUnavailableError: 503,
    DictionaryError: 400,
    core.CorpusError: 500,
    core.DocumentError: 500,
    FeedbackUnavailableError: 503,
    QueryLogUnavailableError: 503,
    PinsUnavailableError: 503,
    RegistryUnavailableError: 503,
    PinError: 400,
}


# Codes of the HTTP errors raised by the framework itself (unknown route, wrong method, ...).
HTTP_CODES: dict[int, str] = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    413: "body_too_large",
    415: "unsupported_media_type",
    416: "range_not_satisfiable",
    429: "rate_limited",
    500: "internal_error",
    503: "unavailable",
}


class ApiError(core.YoujuError):
    """An error that only exists on the web: it knows its HTTP status and extra headers."""

    def __init__(self, status: int, code: str, message: str, headers: Mapping[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.headers = dict(headers or {})


class ConfigError(core.YoujuError):
    """The service settings are unsafe or inconsistent; the service refuses to start."""

    code = "config_error"


def status_of(exc: core.YoujuError) -> int:
    if isinstance(exc, ApiError):
        return exc.status
    for cls in type(exc).__mro__:
        if cls in STATUS:
            return STATUS[cls]
    return 500


def error_body(code: str, message: str) -> dict[str, Any]:
    return {"error": {"code": code, "message": message}}


def error_response(status: int, code: str, message: str, headers: Mapping[str, str] | None = None) -> JSONResponse:
    return JSONResponse(error_body(code, message), status_code=status, headers=dict(headers or {}))


def validation_message(exc: RequestValidationError) -> str:
    parts: list[str] = []
    for err in exc.errors()[:5]:
        loc = [str(x) for x in err.get("loc", ()) if x != "body"]
        where = ".".join(loc)
        msg = str(err.get("msg", "invalid value"))
        parts.append(f"{where}: {msg}" if where else msg)
    return "; ".join(parts) or "the request is not valid"


async def _youju_handler(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, core.YoujuError)
    status = status_of(exc)
    if status >= 500 and not isinstance(exc, ApiError):
        log.warning("%s %s -> %d %s: %s", request.method, request.url.path, status, exc.code, exc.message)
    headers = exc.headers if isinstance(exc, ApiError) else {}
    if status == 503 and "Retry-After" not in headers:
        headers = {**headers, "Retry-After": "5"}
    return error_response(status, exc.code, exc.message, headers)


async def _http_handler(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    status = exc.status_code
    code = HTTP_CODES.get(status, f"http_{status}")
    detail = exc.detail if isinstance(exc.detail, str) else None
    try:
        default = HTTPStatus(status).phrase
    except ValueError:
        default = "error"
    if status == 404 and (not detail or detail == default):
        message = f"no such resource: {request.url.path}"
    elif status == 405 and (not detail or detail == default):
        message = f"{request.method} is not allowed on {request.url.path}"
    else:
        message = detail or default
    return error_response(status, code, message, exc.headers)


async def _validation_handler(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    return error_response(422, "validation_error", validation_message(exc))


async def _internal_handler(request: Request, exc: Exception) -> JSONResponse:
    log.error("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return error_response(500, "internal_error", "internal error; the request was not completed")


def install_handlers(app: FastAPI) -> None:
    app.add_exception_handler(core.YoujuError, _youju_handler)
    app.add_exception_handler(StarletteHTTPException, _http_handler)
    app.add_exception_handler(RequestValidationError, _validation_handler)
    app.add_exception_handler(Exception, _internal_handler)
