"""Pages and assets written under service/static/: demo page, embeddable widget, staff console.

``common.js`` holds the helpers the widget and the console share. The console page loads it as its own
script; ``/widget.js`` is common.js and widget.js inside one function, so host pages keep one script tag.
"""

from __future__ import annotations

import functools
import hashlib
import mimetypes
from dataclasses import dataclass
from email.utils import formatdate
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, Header, Request
from fastapi.responses import FileResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from service.auth import check_staff
from service.errors import ApiError
from service.middleware import Framing
from service.state import Runtime, runtime_dependency

RuntimeDep = Annotated[Runtime, Depends(runtime_dependency)]
AuthorizationHeader = Annotated[str | None, Header()]

STATIC_DIR = Path(__file__).resolve().parent / "static"

TYPES = {
    ".js": "application/javascript; charset=utf-8",
    ".mjs": "application/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".html": "text/html; charset=utf-8",
    ".json": "application/json",
    ".svg": "image/svg+xml",
    ".map": "application/json",
}

# Assets that may be embedded in other sites' pages (and so framed / cached by them).
WIDGET_CACHE = "public, max-age=600, stale-while-revalidate=86400"


def framing(path: str) -> Framing:
    """Who may frame ``path``: the citizen widget's pages (``widget``: this origin and YOUJU_CORS_ORIGINS),
    the staff console and its files (``staff``: this origin and YOUJU_STAFF_ORIGINS), nothing else."""
    if path == "/console" or (path.startswith("/static/") and is_staff_asset(path)):
        return "staff"
    if path in ("/", "/widget.js") or path.startswith("/static/"):
        return "widget"
    return "none"


def is_staff_asset(name: str) -> bool:
    return Path(name).name.startswith("console")


# The API docs page (/docs): Swagger UI 5 (OpenAPI 3.1) from the files the fastapi-offline package ships,
# served from this origin (no CDN: air-gapped intranets, and a CSP without third-party scripts), started by
# a script file rather than an inline script.
DOCS_ASSETS = ("swagger-ui.css", "swagger-ui-bundle.js", "favicon.png")
DOCS_HTML = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>有据 youju API</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="stylesheet" href="/docs/assets/swagger-ui.css">
<link rel="icon" type="image/png" href="/docs/assets/favicon.png"></head>
<body><div id="swagger-ui"></div>
<script src="/docs/assets/swagger-ui-bundle.js"></script>
<script src="/docs/assets/start.js"></script></body></html>
"""
DOCS_START = """window.ui = SwaggerUIBundle({url: "/openapi.json", dom_id: "#swagger-ui",
  deepLinking: true, layout: "BaseLayout", presets: [SwaggerUIBundle.presets.apis]});
"""


def docs_router() -> APIRouter:
    """``/docs``: Swagger UI for /openapi.json, entirely from this origin."""
    import fastapi_offline

    root = Path(fastapi_offline.__file__).parent / "static"
    router = APIRouter(include_in_schema=False)

    @router.get("/docs")
    async def docs() -> Response:
        return Response(DOCS_HTML, media_type="text/html; charset=utf-8", headers={"Cache-Control": "no-cache"})

    @router.get("/docs/assets/{name}")
    async def docs_asset(name: str) -> Response:
        if name == "start.js":
            return Response(DOCS_START, media_type=TYPES[".js"], headers={"Cache-Control": "no-cache"})
        if name not in DOCS_ASSETS:
            raise StarletteHTTPException(404)
        return FileResponse(root / name, media_type=_media_type(root / name), headers={"Cache-Control": WIDGET_CACHE})

    return router


def _media_type(path: Path) -> str:
    return TYPES.get(path.suffix.lower()) or mimetypes.guess_type(path.name)[0] or "application/octet-stream"


def _path(root: Path, relative: str) -> Path:
    """The file ``relative`` under ``root``; 404 for anything outside it, hidden or missing."""
    base = root.resolve()
    if any(not ch.isprintable() for ch in relative):  # NUL and other controls: no file has such a name
        raise ApiError(404, "not_found", "no such file")
    if any(part.startswith(".") for part in Path(relative).parts):
        raise ApiError(404, "not_found", f"no such file: {relative}")
    target = (base / relative).resolve()
    if not target.is_relative_to(base) or not target.is_file():
        raise ApiError(404, "not_found", f"no such file: {relative}")
    return target


def _file(root: Path, relative: str, cache: str) -> FileResponse:
    target = _path(root, relative)
    return FileResponse(target, media_type=_media_type(target), headers={"Cache-Control": cache})


@dataclass(frozen=True)
class Script:
    """A script assembled in memory, with the validators a FileResponse would have."""

    body: bytes
    etag: str
    last_modified: str

    def response(self, cache: str) -> Response:
        headers = {"Cache-Control": cache, "ETag": self.etag, "Last-Modified": self.last_modified}
        return Response(self.body, media_type=TYPES[".js"], headers=headers)


def widget_script(static_dir: Path) -> Script:
    """``/widget.js``: common.js then widget.js inside one function, so that the shared helpers are in the
    widget's scope and nothing but ``window.youju`` reaches the host page. The widget's ``/*! ...*/``
    banner stays first. widget.js alone when the folder has no common.js."""
    widget = _path(static_dir, "widget.js")
    text = widget.read_text(encoding="utf-8")
    mtime = widget.stat().st_mtime
    try:
        common = _path(static_dir, "common.js")
    except ApiError:
        common = None
    if common is not None:
        mtime = max(mtime, common.stat().st_mtime)
        end = text.find("*/") if text.startswith("/*!") else -1
        cut = end + 2 if end > 0 else 0
        text = f"{text[:cut]}\n(function () {{\n{common.read_text(encoding='utf-8')}\n{text[cut:].lstrip()}}})();\n"
    body = text.encode("utf-8")
    return Script(body, f'"{hashlib.sha256(body).hexdigest()[:32]}"', formatdate(mtime, usegmt=True))


def ui_router(static_dir: Path) -> APIRouter:
    router = APIRouter(include_in_schema=False)

    @router.api_route("/", methods=["GET", "HEAD"])
    async def demo() -> FileResponse:
        return _file(static_dir, "demo.html", "no-cache")

    @functools.cache
    def widget_js() -> Script:  # built at the first request, then served from memory (a 404 is not kept)
        return widget_script(static_dir)

    @router.api_route("/widget.js", methods=["GET", "HEAD"])
    async def widget() -> Response:
        return widget_js().response(WIDGET_CACHE)

    @router.api_route("/console", methods=["GET", "HEAD"])
    async def console(request: Request, runtime: RuntimeDep, authorization: AuthorizationHeader = None) -> FileResponse:
        key = runtime.settings.staff_key
        runtime.authenticate(request.scope, authorization, lambda: check_staff(authorization, key), "staff")
        return _file(static_dir, "console.html", "no-store")

    @router.api_route("/static/{path:path}", methods=["GET", "HEAD"])
    async def asset(
        request: Request, path: str, runtime: RuntimeDep, authorization: AuthorizationHeader = None
    ) -> FileResponse:
        if is_staff_asset(path):
            key = runtime.settings.staff_key
            runtime.authenticate(request.scope, authorization, lambda: check_staff(authorization, key), "staff")
            return _file(static_dir, path, "no-store")
        return _file(static_dir, path, WIDGET_CACHE if path.endswith((".js", ".css")) else "no-cache")

    return router
