"""The FastAPI application: ``create_app(settings)``.

The searcher (index + embedding model) is loaded and warmed once, in the background at start-up;
``/healthz`` answers at once, ``/readyz`` only when searches can be served.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager, nullcontext
from pathlib import Path
from typing import Annotated, Any

import anyio
from fastapi import FastAPI, Header, Request
from fastapi.responses import Response

from index.build import youju_version
from index.config import Settings
from service.api import router as api_router
from service.auth import check_metrics
from service.batching import idle_threads, per_search_threads
from service.checks import check_settings
from service.dify import router as dify_router
from service.errors import install_handlers
from service.logs import configure_logging
from service.mcp_server import McpEndpoint, mount_mcp
from service.memory import tune as tune_memory
from service.middleware import (
    REQUEST_ID_HEADER,
    BodyLimitMiddleware,
    CatchAllMiddleware,
    JsonCORSMiddleware,
    RequestMiddleware,
    SecurityHeadersMiddleware,
)
from service.schemas import ErrorResponse, ReadinessResponse
from service.state import Runtime, SearcherFactory, default_searcher_factory, get_runtime
from service.ui import STATIC_DIR, docs_router, framing, ui_router

log = logging.getLogger("youju.service")

DESCRIPTION = """\
有据 answers citizens' questions about government reports **only with cited passages** from the reports:
every result carries the document, section headings, paragraph number and character offsets it was taken
from, and `answered` is false when the reports do not hold the answer.

Every error has the same shape: `{"error": {"code": "...", "message": "..."}}`, except those of the Dify
endpoint (`integrations`), which follow Dify's `{"error_code": ..., "error_msg": "..."}`.
"""


def configure_threads(settings: Settings) -> None:
    """Once per process, before the model is used."""
    from index.pipeline import set_threads

    set_threads(per_search_threads(settings), idle_threads(settings))


def create_app(
    settings: Settings,
    searcher_factory: SearcherFactory = default_searcher_factory,
    *,
    static_dir: Path | None = None,
) -> FastAPI:
    """The service application. ``searcher_factory`` builds the searcher at start-up (tests inject one)."""
    check_settings(settings)
    runtime = Runtime(settings, searcher_factory)
    mcp = McpEndpoint(runtime) if settings.mcp_enabled else None

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        runtime.open_feedback()
        runtime.open_state()
        if settings.workers > 1:
            # A worker of several takes connections only once it can answer (service/workers.py): none answers
            # "loading" while another could answer.
            await anyio.to_thread.run_sync(runtime.load)
        else:
            threading.Thread(target=runtime.load, name="youju-load", daemon=True).start()
        if settings.backend != "embedded" or settings.workers > 1:
            # Replicas follow the engine's live build, and workers the build on disk (a reload asked of one
            # worker reaches the others at their next poll): no restart.
            threading.Thread(target=runtime.follow_engine, name="youju-follow", daemon=True).start()
        # The MCP session manager (its task group) lives as long as the application.
        mcp_running: AbstractAsyncContextManager[None] = mcp.running() if mcp is not None else nullcontext()
        async with mcp_running:
            yield
        await anyio.to_thread.run_sync(runtime.close)

    app = FastAPI(
        title="有据 youju API",
        version=youju_version(),
        description=DESCRIPTION,
        lifespan=lifespan,
        docs_url=None,  # served by docs_router from this origin (no CDN)
        redoc_url=None,
        openapi_tags=[
            {
                "name": "citizens",
                "description": "Public endpoints used by the widget (rate-limited per client).",
            },
            {"name": "staff", "description": "Staff console data (staff key, when set)."},
            {"name": "admin", "description": "Operations (admin key; disabled when unset)."},
            {
                "name": "integrations",
                "description": "Dify's External Knowledge API (a Dify key; disabled when none is set; "
                "Dify-shaped errors). See docs/integrations.md.",
            },
            {"name": "health", "description": "Liveness and readiness probes."},
        ],
    )
    app.state.runtime = runtime
    install_handlers(app)

    @app.get("/healthz", tags=["health"])
    async def healthz() -> dict[str, Any]:
        """200 while the process is alive."""
        return {"status": "alive"}

    @app.get(
        "/readyz",
        tags=["health"],
        response_model=ReadinessResponse,
        responses={503: {"model": ErrorResponse, "description": "Not ready"}},
    )
    async def readyz(request: Request) -> ReadinessResponse:
        """200 once the index is loaded and the model warm; 503 (not_ready) before. `database` reports the
        service's database without making the service unready (searches never need it)."""
        return await anyio.to_thread.run_sync(get_runtime(request).readiness)

    app.add_api_route("/healthz", healthz, methods=["HEAD"], include_in_schema=False)
    app.add_api_route("/readyz", readyz, methods=["HEAD"], include_in_schema=False)

    @app.get("/metrics", include_in_schema=False)
    async def metrics(request: Request, authorization: Annotated[str | None, Header()] = None) -> Response:
        """Prometheus text exposition (docs/operations.md); Bearer YOUJU_METRICS_KEY when it is set."""
        key = settings.metrics_key
        if key is not None:
            runtime.authenticate(request.scope, authorization, lambda: check_metrics(authorization, key), "metrics")
        body, content_type = runtime.metrics.render(request.headers.get("accept"))
        return Response(body, headers={"Content-Type": content_type})

    app.include_router(api_router)
    app.include_router(dify_router)
    if mcp is not None:
        mount_mcp(app, mcp)  # /mcp: the same searches as MCP tools, under the same rate limit
    app.include_router(ui_router(static_dir or STATIC_DIR))
    app.include_router(docs_router())

    # Added innermost first: request id, metrics and access log (outermost, so that it sees the final status
    # whichever layer answered) > CORS > security headers > body limit > JSON 500 > routes.
    app.add_middleware(CatchAllMiddleware)
    convert_limit = max(settings.max_body_bytes, settings.max_convert_chars * 6 + 4096)
    overrides = {
        "/api/v1/convert": convert_limit,
        "/api/v1/staff/documents/": settings.max_upload_bytes,
        "/api/v1/staff/pins/import": min(settings.max_upload_bytes, 10 * 1024 * 1024),
        "/api/v1/staff/dictionaries/": 2 * 1024 * 1024,
    }
    app.add_middleware(BodyLimitMiddleware, limit=settings.max_body_bytes, overrides=overrides)
    app.add_middleware(
        SecurityHeadersMiddleware,
        cors_origins=list(settings.cors_origins),
        staff_origins=list(settings.staff_origins),
        framing=framing,
    )
    if settings.cors_origins:
        app.add_middleware(
            JsonCORSMiddleware,
            allow_origins=list(settings.cors_origins),
            allow_methods=["GET", "POST"],
            allow_headers=["Content-Type", "X-Youju-Channel"],
            expose_headers=["Retry-After", REQUEST_ID_HEADER],
            max_age=600,
        )
    app.add_middleware(RequestMiddleware, metrics=runtime.metrics)
    return app


def app_from_env() -> FastAPI:
    """For ``uvicorn --factory service.app:app_from_env`` (``youju serve`` is the usual way)."""
    no_overrides: dict[str, Any] = {}
    settings = Settings(**no_overrides)  # reads YOUJU_* from the environment
    configure_logging(settings.log_format, settings.log_level)
    configure_threads(settings)
    tune_memory()
    return create_app(settings)
