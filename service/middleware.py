"""ASGI middlewares: request body limit, security headers, JSON 500s inside the stack, JSON CORS refusals."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable

from starlette.datastructures import Headers, MutableHeaders
from starlette.middleware.cors import CORSMiddleware
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from service.errors import error_response

log = logging.getLogger("youju.service")


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
        too_large = error_response(
            413, "body_too_large", f"the request body is larger than {limit} bytes", {"Connection": "close"}
        )
        declared = Headers(scope=scope).get("content-length")
        if declared is not None:
            try:
                if int(declared) > limit:
                    await too_large(scope, receive, send)
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
                await too_large(scope, receive, send)
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


class SecurityHeadersMiddleware:
    """``X-Content-Type-Options: nosniff`` everywhere; ``Content-Security-Policy: frame-ancestors`` on the
    pages that may be framed (the others get ``frame-ancestors 'none'``); API and MCP answers are not cached."""

    def __init__(self, app: ASGIApp, cors_origins: list[str], framed: Callable[[str], bool]) -> None:
        self.app = app
        self.csp_framed = frame_ancestors(cors_origins)
        self.framed = framed

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
                if self.framed(path):
                    headers.setdefault("Content-Security-Policy", self.csp_framed)
                else:
                    headers.setdefault("Content-Security-Policy", "frame-ancestors 'none'")
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
