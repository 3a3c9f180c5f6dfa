"""How the routes are wired: no request pays a thread hop for its dependencies."""

from __future__ import annotations

import inspect
from pathlib import Path
from typing import Any

from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute

from service import api
from service.app import create_app
from tests.service.helpers import hash_factory, make_settings


def _sync_dependencies(dependant: Dependant) -> list[str]:
    out: list[str] = []
    for dep in dependant.dependencies:
        call = dep.call
        if call is not None and not (
            inspect.iscoroutinefunction(call) or inspect.iscoroutinefunction(type(call).__call__)
        ):
            out.append(getattr(dep.call, "__qualname__", repr(dep.call)))
        out += _sync_dependencies(dep)
    return out


def _api_routes(routes: list[Any]) -> list[APIRoute]:
    """The app's API routes, through the routers it includes (kept as wrappers of the original router)."""
    out: list[APIRoute] = []
    for r in routes:
        if isinstance(r, APIRoute):
            out.append(r)
        elif (inner := getattr(r, "original_router", None)) is not None:
            out += _api_routes(list(inner.routes))
    return out


def test_every_route_resolves_its_dependencies_on_the_event_loop(tmp_path: Path) -> None:
    """FastAPI runs a plain ``def`` dependency in a worker thread: on the search route that was a thread hop
    (a fraction of a millisecond, more under load) on every question, before the search's own."""
    app = create_app(make_settings(tmp_path, tmp_path / "index"), hash_factory)
    routes = _api_routes(list(app.routes))
    assert any(r.endpoint is api.search for r in routes) and len(routes) > 20
    offenders = {r.path: deps for r in routes if (deps := _sync_dependencies(r.dependant))}
    assert offenders == {}
