"""Service test fixtures: servers started per test (``serve``), one shared index per session."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from index.config import Settings
from index.search import Searcher
from service.app import create_app
from service.db.engine import Database
from tests.helpers import REPORT_DIR, build_hash_index
from tests.service.helpers import LiveServer, ServeFn, hash_factory, make_settings


@pytest.fixture(scope="session")
def shared_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One index of the shipped corpus for the read-only tests (built once per session)."""
    base = tmp_path_factory.mktemp("shared")
    shutil.copytree(REPORT_DIR, base / "corpus")
    build_hash_index(base / "corpus", base / "index")
    return base / "index"


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest) -> Iterator[str | None]:
    """The service's database for a test that runs on both: None (the SQLite files, the default), or the URL
    of a new, empty PostgreSQL database (``YOUJU_DATABASE_URL``), dropped afterwards."""
    if request.param == "sqlite":
        yield None
        return
    server = request.getfixturevalue("postgres")
    url: str = server.new_database()
    yield url
    server.drop_database(url)


@pytest.fixture
def db(db_url: str | None, tmp_path: Path) -> Iterator[Database]:
    """A store's database on both: a SQLite file in the test's directory, or a new PostgreSQL database."""
    database = Database.open(db_url if db_url is not None else tmp_path / "state.sqlite3")
    yield database
    database.close()


@pytest.fixture(scope="session")
def static_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Stand-ins for service/static (written by another part of the project)."""
    d = tmp_path_factory.mktemp("static")
    (d / "demo.html").write_text("<!doctype html><title>有据 demo</title><script src='/widget.js'></script>")
    (d / "widget.js").write_text("/* youju widget */ window.youju = {};")
    (d / "console.html").write_text("<!doctype html><title>有据 console</title>")
    (d / "console.js").write_text("/* console */")
    (d / "demo.css").write_text("body { margin: 0 }")
    return d


@pytest.fixture
def serve(tmp_path: Path, shared_index: Path, static_dir: Path) -> Iterator[ServeFn]:
    """``serve(factory=..., ready=True, index_dir=..., static=..., **settings)``: a started LiveServer."""
    servers: list[LiveServer] = []

    def start(
        factory: Callable[[Settings], Searcher] = hash_factory,
        *,
        ready: bool = True,
        index_dir: Path | None = None,
        static: Path | None = None,
        **overrides: Any,
    ) -> LiveServer:
        settings = make_settings(tmp_path, index_dir or shared_index, **overrides)
        server = LiveServer(create_app(settings, factory, static_dir=static or static_dir)).start()
        servers.append(server)
        if ready:
            server.wait_ready()
        return server

    yield start
    for s in servers:
        s.stop()


@pytest.fixture
def live(serve: ServeFn) -> LiveServer:
    """The default app: shared index, HashEmbedder, no keys, generous limits."""
    return serve()


@pytest.fixture
def client(live: LiveServer) -> Iterator[httpx.Client]:
    with live.client() as c:
        yield c
