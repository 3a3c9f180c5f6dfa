"""Pages and assets written under service/static/: demo page, embeddable widget, staff console."""

from __future__ import annotations

import mimetypes
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, Header
from fastapi.responses import FileResponse

from service.errors import ApiError
from service.auth import check_staff
from service.state import Runtime, get_runtime

RuntimeDep = Annotated[Runtime, Depends(get_runtime)]
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


def is_framed(path: str) -> bool:
    """Paths whose pages other (allowed) origins may frame."""
    return path in ("/", "/console", "/widget.js") or path.startswith("/static/")


def is_staff_asset(name: str) -> bool:
    return Path(name).name.startswith("console")


def _media_type(path: Path) -> str:
    return TYPES.get(path.suffix.lower()) or mimetypes.guess_type(path.name)[0] or "application/octet-stream"


def _file(root: Path, relative: str, cache: str) -> FileResponse:
    base = root.resolve()
    if any(part.startswith(".") for part in Path(relative).parts):
        raise ApiError(404, "not_found", f"no such file: {relative}")
    target = (base / relative).resolve()
    if not target.is_relative_to(base) or not target.is_file():
        raise ApiError(404, "not_found", f"no such file: {relative}")
    return FileResponse(target, media_type=_media_type(target), headers={"Cache-Control": cache})


def ui_router(static_dir: Path) -> APIRouter:
    router = APIRouter(include_in_schema=False)

    @router.api_route("/", methods=["GET", "HEAD"])
    async def demo() -> FileResponse:
        return _file(static_dir, "demo.html", "no-cache")

    @router.api_route("/widget.js", methods=["GET", "HEAD"])
    async def widget() -> FileResponse:
        return _file(static_dir, "widget.js", WIDGET_CACHE)

    @router.api_route("/console", methods=["GET", "HEAD"])
    async def console(runtime: RuntimeDep, authorization: AuthorizationHeader = None) -> FileResponse:
        check_staff(authorization, runtime.settings.staff_key)
        return _file(static_dir, "console.html", "no-store")

    @router.api_route("/static/{path:path}", methods=["GET", "HEAD"])
    async def asset(path: str, runtime: RuntimeDep, authorization: AuthorizationHeader = None) -> FileResponse:
        if is_staff_asset(path):
            check_staff(authorization, runtime.settings.staff_key)
            return _file(static_dir, path, "no-store")
        return _file(static_dir, path, WIDGET_CACHE if path.endswith((".js", ".css")) else "no-cache")

    return router
