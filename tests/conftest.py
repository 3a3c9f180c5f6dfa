"""Shared fixtures. The real model is loaded once per session (``model_embedder``, slow tests only);
fast tests use ``tests.helpers.HashEmbedder``, a deterministic character-bigram embedder with the same
interface."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.helpers import REPORT_DIR, HashEmbedder
from tests.postgres import PostgresServer, start_server

if TYPE_CHECKING:  # for the annotations only: the fixtures import them where they are used
    from index.config import Settings
    from index.embed.base import Embedder
    from index.search import Searcher


def postgres_or_skip() -> PostgresServer:
    """A started PostgreSQL server; skipped where there is none, but a failure under CI (``CI`` set), where
    the PostgreSQL tests must really run."""
    server = start_server()
    if isinstance(server, str):
        if os.environ.get("CI"):
            pytest.fail(f"CI is set and {server}")
        pytest.skip(server)
    return server


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    """One real PostgreSQL server for the session (tests/postgres.py): a temporary cluster on a Unix socket."""
    server = postgres_or_skip()
    yield server
    server.close()


@pytest.fixture(scope="session")
def postgres_url(postgres: PostgresServer) -> str:
    """The SQLAlchemy URL (postgresql+psycopg, with its password) of a database of the session's server."""
    return postgres.new_database()


@pytest.fixture
def hash_embedder() -> HashEmbedder:
    return HashEmbedder()


@pytest.fixture
def report_corpus(tmp_path: Path) -> Path:
    """A private copy of the shipped corpus that a test may change."""
    dst = tmp_path / "corpus"
    shutil.copytree(REPORT_DIR, dst)
    return dst


@pytest.fixture(scope="session")
def model_cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where the real model is materialised: YOUJU_TEST_CACHE_DIR if set (CI reuses it between runs),
    else the user's youju cache, so the conversion happens once per machine, not per test run."""
    env = os.environ.get("YOUJU_TEST_CACHE_DIR")
    if env:
        return Path(env)
    from index.config import Settings

    return Settings().cache_dir


@pytest.fixture(scope="session")
def model_settings(model_cache_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    from index.config import Settings

    return Settings(cache_dir=model_cache_dir, index_dir=tmp_path_factory.mktemp("model-index"))


@pytest.fixture(scope="session")
def model_embedder(model_settings: Settings) -> Embedder:
    """The real default model, loaded once per test session (shared with the CLI's own cache)."""
    from index.pipeline import make_embedder

    return make_embedder(model_settings)


@pytest.fixture(scope="session")
def model_searcher(model_settings: Settings, model_embedder: Embedder) -> Searcher:
    """The shipped report indexed with the real model."""
    from index.pipeline import build, open_searcher

    build(model_settings)
    return open_searcher(model_settings)
