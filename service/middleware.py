"""ASGI middlewares: request ids, metrics and access log; request body limit, security headers, JSON 500s
inside the stack, JSON CORS refusals."""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable, Iterable
from typing import Literal

from starlette.datastructures import Headers, MutableHeaders
from starlette.middleware.cors import CORSMiddleware
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from service.errors import error_response
from service.logs import request_context, sane_request_id
from service.metrics import Metrics

log = logging.getLogger("youju.service")
access_log = logging.getLogger("youju.access")

REQUEST_ID_HEADER = "X-Request-ID"
# Probes and scrapes arrive every few seconds: their access lines are debug lines (errors still show).
QUIET_ROUTES = frozenset({"/healthz", "/readyz", "/metrics"})


def route_template(scope: Scope) -> str | None:
    """The template of the route that handled the request (``/api/v1/passages/{passage_id}``), or None when no
    route took it (unknown path, or answered before routing: body too large, CORS preflight).

    FastAPI keeps the route object of an included router with its own path (``/passages/{passage_id}``); the
    routers' prefixes are what the request path holds before the part the route matched."""
    route = scope.get("route")
    template = getattr(route, "path_format", None)
    if not isinstance(template, str):
        return None
    params = scope.get("path_params") or {}
    try:
        concrete = template.format(**{k: str(v) for k, v in params.items()})
    except (KeyError, IndexError, ValueError):
        return template
    path: str = scope["path"]
    if concrete and path.endswith(concrete):
        return path[: len(path) - len(concrete)] + template
    return template


class RequestMiddleware:
    """Outermost: every request gets an id (``X-Request-ID``: the client's when it is at most 64 characters of
    ``A-Za-z0-9._-``, else a new one), which the response carries and every log line written while handling
    it holds; its final status, whichever layer answered (413, 429, 503, CORS, 500), is counted by route
    template; and one access line is logged (without the client address or query string)."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = sane_request_id(Headers(scope=scope).get("x-request-id")) or uuid.uuid4().hex
        status = 500  # what the client gets when the application fails before answering
        t0 = time.perf_counter()

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
                MutableHeaders(scope=message)[REQUEST_ID_HEADER] = request_id
            await send(message)

        with request_context(request_id) as fields:
            try:
                await self.app(scope, receive, send_with_id)
            finally:
                seconds = time.perf_counter() - t0
                route = route_template(scope)
                method: str = scope["method"]
                self.metrics.observe_request(route, method, status, seconds)
                level = logging.WARNING if status >= 500 else logging.INFO
                if route in QUIET_ROUTES and status != 500:  # /readyz answers 503 while loading: not news
                    level = logging.DEBUG
                if access_log.isEnabledFor(level):
                    access_log.log(
                        level,
                        "%s %s %d %.0f ms",
                        method,
                        route or scope["path"],
                        status,
                        seconds * 1000,
                        extra={
                            "method": method,
                            "route": route or "<unmatched>",
                            "path": scope["path"],
                            "status": status,
                            "duration_ms": round(seconds * 1000, 1),
                            **fields,
                        },
                    )


class BodyLimitMiddleware:
    """Refuses request bodies over the limit (413 body_too_large), by Content-Length and by the bytes
    actually received; the body is read here (it is small) and replayed to the application."""

    def __init__(self, app: ASGIApp, limit: int, overrides: dict[str, int] | None = None) -> None:
        self.app = app
        self.limit = limit
        self.overrides = overrides or {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        limit = self.overrides.get(path) or next(
            (v for k, v in self.overrides.items() if k.endswith("/") and path.startswith(k)), self.limit
        )

        def too_large() -> JSONResponse:  # made only when needed: a response costs tens of microseconds
            return error_response(
                413, "body_too_large", f"the request body is larger than {limit} bytes", {"Connection": "close"}
            )

        declared = Headers(scope=scope).get("content-length")
        if declared is not None:
            try:
                if int(declared) > limit:
                    await too_large()(scope, receive, send)
                    return
            except ValueError:
                await error_response(400, "bad_request", "invalid Content-Length")(scope, receive, send)
                return
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                await too_large()(scope, receive, send)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": b"".join(chunks), "more_body": False}
            return await receive()

        await self.app(scope, replay, send)


def frame_ancestors(origins: Iterable[str]) -> str:
    return " ".join(["frame-ancestors", "'self'", *origins])


# Every answer's Content-Security-Policy, before its frame-ancestors: scripts, styles, images, fonts and
# requests from this origin only; no plugins, no <base>, forms post here. Styles may be inline because the
# widget's shadow root carries its own <style> (host pages' CSS must not reach it); no inline script
# anywhere (the pages load their scripts from files, the API docs included).
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'"
)
Framing = Literal["widget", "staff", "none"]


class SecurityHeadersMiddleware:
    """``X-Content-Type-Options: nosniff`` and the full ``Content-Security-Policy`` everywhere. Who may frame
    a page: the widget's pages by this origin and the citizen-widget origins (``cors_origins``); the staff
    console by this origin and ``staff_origins`` only (a citizen site must not frame the console); the
    rest by nobody. API and MCP answers are not cached."""

    def __init__(
        self,
        app: ASGIApp,
        cors_origins: list[str],
        framing: Callable[[str], Framing],
        staff_origins: list[str] | None = None,
    ) -> None:
        self.app = app
        self.policies: dict[Framing, str] = {
            "widget": f"{CSP}; {frame_ancestors(cors_origins)}",
            "staff": f"{CSP}; {frame_ancestors(staff_origins or [])}",
            "none": f"{CSP}; frame-ancestors 'none'",
        }
        self.framing = framing

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers.setdefault("X-Content-Type-Options", "nosniff")
                headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
                headers.setdefault("Content-Security-Policy", self.policies[self.framing(path)])
                if path.startswith("/api/") or path in ("/mcp", "/mcp/"):
                    headers.setdefault("Cache-Control", "no-store")
            await send(message)

        await self.app(scope, receive, with_headers)


class CatchAllMiddleware:
    """Turns an unhandled exception into the JSON 500 *inside* the middleware stack, so that the answer
    still passes the header and CORS middlewares (Starlette's own 500 handler sits outside them)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except Exception:
            log.exception("unhandled error on %s %s", scope.get("method"), scope.get("path"))
            if started:
                raise
            response = error_response(500, "internal_error", "internal error; the request was not completed")
            await response(scope, receive, send)


class JsonCORSMiddleware(CORSMiddleware):
    """Starlette's CORS, with refused preflights in the service's JSON error shape."""

    def preflight_response(self, request_headers: Headers) -> Response:
        response = super().preflight_response(request_headers)
        if response.status_code != 400:
            return response
        headers = {k: v for k, v in response.headers.items() if k.lower() not in ("content-length", "content-type")}
        return error_response(400, "cors_rejected", bytes(response.body).decode("utf-8", "replace"), headers)
