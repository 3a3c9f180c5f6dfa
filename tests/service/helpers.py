"""Service test helpers: a real uvicorn server on 127.0.0.1 (a free port, in a background thread) called
with httpx over TCP; settings for tests; the error-shape assertion. Searchers use the fast HashEmbedder."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import uvicorn
from fastapi import FastAPI

from index import store
from index.config import Settings
from index.pipeline import searcher_for
from index.search import Searcher
from service.server import uvicorn_options
from tests.helpers import REPORT_DIR, HashEmbedder

STAFF_KEY = "staff-3f7c9a1e5b2d4c8f"
ADMIN_KEY = "admin-9b2e6d4a1c7f3e5b"


def hash_factory(settings: Settings) -> Searcher:
    """The production searcher configuration with the hash embedder in place of the model."""
    return searcher_for(settings, store.load(settings.index_dir), HashEmbedder())


def make_settings(tmp_path: Path, index_dir: Path, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "index_dir": index_dir,
        "corpus_dir": REPORT_DIR,
        "feedback_db": tmp_path / "var" / "feedback.sqlite3",
        "state_db": tmp_path / "var" / "youju.sqlite3",
        "dictionary_dir": tmp_path / "var" / "dictionaries",
        "rate_limit_per_minute": 1_000_000,
        "rate_limit_burst": 1_000_000,
        "staff_rate_limit_per_minute": 1_000_000,
        "staff_rate_limit_burst": 1_000_000,
        "max_concurrent_searches": 4,
        "busy_timeout_seconds": 2.0,
        "threads": 1,
    }
    values.update(overrides)
    return Settings(**values)


class LiveServer:
    """A uvicorn server in a background thread, on a socket bound before start (no port race)."""

    def __init__(self, app: FastAPI) -> None:
        self.app = app
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        options = uvicorn_options(app.state.runtime.settings)  # as `youju serve` runs it
        config = uvicorn.Config(app, lifespan="on", log_level="warning", access_log=False, **options)
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.sock]}, daemon=True)

    def start(self) -> LiveServer:
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.01)
        return self

    def client(self, **kw: Any) -> httpx.Client:
        return httpx.Client(base_url=self.url, timeout=30, **kw)

    def wait_ready(self, timeout: float = 30) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        with self.client() as c:
            while True:
                r = c.get("/readyz")
                if r.status_code == 200:
                    return dict(r.json())
                if time.monotonic() > deadline:
                    raise AssertionError(f"not ready: {r.text}")
                time.sleep(0.02)

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(10)
        self.sock.close()


ServeFn = Callable[..., LiveServer]


def assert_error(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    """Every error has exactly ``{"error": {"code", "message"}}`` and is JSON."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"error"}, body
    assert set(body["error"]) == {"code", "message"}, body
    assert isinstance(body["error"]["message"], str) and body["error"]["message"]
    assert body["error"]["code"] == code, body
    return dict(body["error"])
