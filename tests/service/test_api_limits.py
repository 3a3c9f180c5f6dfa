"""Limits and start-up: rate limit, concurrency cap, event loop never blocked, readiness, feedback storage."""

from __future__ import annotations

import hashlib
import hmac
import sqlite3
import stat
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from index import store
from index.config import Settings
from index.records import Answer
from index.search import Searcher
from service.state import WARMUP_QUERY
from tests.helpers import HashEmbedder
from tests.service.helpers import ServeFn, assert_error


class BlockingSearcher(Searcher):
    """Searches (other than the warm-up) hold their worker thread until ``release`` is set."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.release = threading.Event()
        self.entered = 0

    def search(self, query: str, top_k: int = 5, **kw: Any) -> Answer:
        if query != WARMUP_QUERY:
            self.entered += 1
            assert self.release.wait(30)
        return super().search(query, top_k, **kw)


def _blocking(holder: list[BlockingSearcher]) -> Any:
    def factory(settings: Settings) -> Searcher:
        s = BlockingSearcher(store.load(settings.index_dir), HashEmbedder())
        holder.append(s)
        return s

    return factory


def _wait(cond: Any, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while not cond():
        assert time.monotonic() < deadline, "condition not reached"
        time.sleep(0.01)


def test_rate_limit_per_client(serve: ServeFn) -> None:
    live = serve(rate_limit_per_minute=60, rate_limit_burst=3, trusted_proxies=["127.0.0.1"])
    with live.client() as c:
        assert c.get("/api/v1/documents").status_code == 200
        assert c.post("/api/v1/search", json={"query": "森林"}).status_code == 200
        assert c.post("/api/v1/convert", json={"texts": ["森林"], "to": "hant"}).status_code == 200
        r = c.get("/api/v1/documents")
        assert_error(r, 429, "rate_limited")
        retry = int(r.headers["retry-after"])
        assert 1 <= retry <= 60
        assert_error(c.post("/api/v1/search", json={"query": "森林"}), 429, "rate_limited")
        # Probes and pages are not rate-limited; another client has its own bucket.
        assert c.get("/healthz").status_code == 200 and c.get("/readyz").status_code == 200
        other = {"X-Forwarded-For": "203.0.113.50"}  # trusted from 127.0.0.1: YOUJU_TRUSTED_PROXIES
        assert c.get("/api/v1/documents", headers=other).status_code == 200
        time.sleep(retry)
        assert c.get("/api/v1/documents").status_code == 200  # refilled


def test_concurrency_cap_answers_busy_and_never_blocks_the_loop(serve: ServeFn) -> None:
    holder: list[BlockingSearcher] = []
    live = serve(_blocking(holder), max_concurrent_searches=1, busy_timeout_seconds=0.3)
    searcher = holder[0]
    with live.client() as c, ThreadPoolExecutor(4) as pool:
        first = pool.submit(c.post, "/api/v1/search", json={"query": "森林覆盖率"})
        _wait(lambda: searcher.entered == 1)
        # The search runs in a worker thread: the event loop still answers at once.
        t0 = time.monotonic()
        assert c.get("/healthz").status_code == 200
        assert c.get("/api/v1/documents").status_code == 200
        assert time.monotonic() - t0 < 0.5
        t0 = time.monotonic()
        r = c.post("/api/v1/search", json={"query": "行政执法"})
        waited = time.monotonic() - t0
        assert_error(r, 503, "busy")
        assert r.headers["retry-after"] == "1"
        assert 0.25 <= waited < 3
        searcher.release.set()
        assert first.result(10).status_code == 200
        assert c.post("/api/v1/search", json={"query": "行政执法"}).status_code == 200


def test_waiting_queue_is_bounded(serve: ServeFn) -> None:
    holder: list[BlockingSearcher] = []
    live = serve(_blocking(holder), max_concurrent_searches=1, busy_timeout_seconds=20)
    searcher = holder[0]
    gate = live.app.state.runtime.gate
    with live.client() as c, ThreadPoolExecutor(gate.max_waiting + 2) as pool:
        futures = [pool.submit(c.post, "/api/v1/search", json={"query": "森林"})]
        _wait(lambda: searcher.entered == 1)
        futures += [pool.submit(c.post, "/api/v1/search", json={"query": "森林"}) for _ in range(gate.max_waiting)]
        _wait(lambda: gate.waiting == gate.max_waiting)
        t0 = time.monotonic()
        assert_error(c.post("/api/v1/search", json={"query": "森林"}), 503, "busy")
        assert time.monotonic() - t0 < 1  # refused at once, not queued
        searcher.release.set()
        assert [f.result(20).status_code for f in futures] == [200] * (1 + gate.max_waiting)


def test_readyz_is_503_until_loaded_and_warm(serve: ServeFn) -> None:
    go = threading.Event()
    calls: list[str] = []

    class Counting(Searcher):
        def search(self, query: str, top_k: int = 5, **kw: Any) -> Answer:
            calls.append(query)
            return super().search(query, top_k, **kw)

    def slow_factory(settings: Settings) -> Searcher:
        assert go.wait(30)
        return Counting(store.load(settings.index_dir), HashEmbedder())

    live = serve(slow_factory, ready=False)
    with live.client() as c:
        assert c.get("/healthz").status_code == 200
        r = c.get("/readyz")
        assert_error(r, 503, "not_ready")
        assert "retry-after" in r.headers
        assert_error(c.post("/api/v1/search", json={"query": "森林"}), 503, "not_ready")
        go.set()
        info = live.wait_ready()
        assert calls == [WARMUP_QUERY]  # warmed with one query before reporting ready
        index = store.load(live.app.state.runtime.settings.index_dir)
        assert info["status"] == "ready"
        assert info["index"]["build_id"] == index.manifest.build_id
        assert info["index"]["passages"] == len(index.passages)
        assert info["index"]["model"] == "test/hash-bigrams"
        assert c.post("/api/v1/search", json={"query": "森林"}).status_code == 200


def test_failed_start_stays_alive_and_reports_why(serve: ServeFn, tmp_path: Path) -> None:
    live = serve(ready=False, index_dir=tmp_path / "missing")
    with live.client() as c:
        _wait(lambda: live.app.state.runtime.error is not None)
        assert c.get("/healthz").status_code == 200
        err = assert_error(c.get("/readyz"), 503, "not_ready")
        assert "index_not_found" in err["message"] and str(tmp_path) not in err["message"]  # no paths to the public
        assert_error(c.post("/api/v1/search", json={"query": "森林"}), 503, "not_ready")
        status = c.get("/api/v1/staff/status").json()  # staff see the details
        assert status["ready"] is False and "no index" in status["error"] and str(tmp_path) in status["error"]


def _feedback_rows(db: Path) -> list[sqlite3.Row]:
    conn = sqlite3.connect(db)
    conn.row_factory = sqlite3.Row
    try:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        return conn.execute("SELECT * FROM feedback ORDER BY id").fetchall()
    finally:
        conn.close()


def test_forwarded_for_is_ignored_unless_the_proxy_is_trusted(serve: ServeFn) -> None:
    live = serve(rate_limit_per_minute=60, rate_limit_burst=2)  # default: trust no proxy
    with live.client() as c:
        for i in range(2):
            assert c.get("/api/v1/documents", headers={"X-Forwarded-For": f"203.0.113.{i}"}).status_code == 200
        # A new X-Forwarded-For each time is still the same client: no escape from the limit.
        assert_error(c.get("/api/v1/documents", headers={"X-Forwarded-For": "203.0.113.99"}), 429, "rate_limited")


def test_feedback_is_stored_without_the_ip(serve: ServeFn) -> None:
    live = serve(trusted_proxies=["127.0.0.1"])  # behind a local proxy: the forwarded address is the client
    settings = live.app.state.runtime.settings
    db: Path = settings.feedback_db
    assert db.exists()  # created at start-up
    ip = "203.0.113.77"
    headers = {"X-Forwarded-For": ip}
    with live.client() as c:
        pid = c.post("/api/v1/search", json={"query": "森林覆盖率"}).json()["results"][0]["passage_id"]
        r = c.post(
            "/api/v1/feedback",
            json={"query": " 森林覆盖率 ", "passage_id": pid, "helpful": True, "comment": "有用"},
            headers=headers,
        )
        assert r.status_code == 201 and r.json() == {"ok": True}
        r = c.post("/api/v1/feedback", json={"query": "森林覆盖率", "passage_id": pid, "helpful": False})
        assert r.status_code == 201
        assert_error(
            c.post("/api/v1/feedback", json={"query": "森林", "passage_id": "0000000000000000", "helpful": True}),
            404,
            "passage_not_found",
        )
        bad = [
            {"query": "森林", "passage_id": pid, "helpful": "yes"},
            {"query": "森林", "passage_id": pid},
            {"query": "森林", "passage_id": pid, "helpful": True, "comment": "长" * 501},
        ]
        for body in bad:
            assert_error(c.post("/api/v1/feedback", json=body), 422, "validation_error")
        assert_error(
            c.post("/api/v1/feedback", json={"query": " ", "passage_id": pid, "helpful": True}),
            400,
            "invalid_query",
        )
        listed = c.get("/api/v1/staff/feedback").json()
        assert listed["total"] == 2 and "client_key" not in listed["feedback"][0]

    rows = _feedback_rows(db)
    assert len(rows) == 2
    first = rows[0]
    assert first["query"] == "森林覆盖率" and first["passage_id"] == pid and first["helpful"] == 1
    assert first["comment"] == "有用" and first["created_at"]
    secret_file = db.with_name(db.name + ".secret")
    assert stat.S_IMODE(secret_file.stat().st_mode) == 0o600
    secret = secret_file.read_text().strip().encode()
    assert first["client_key"] == hmac.new(secret, ip.encode(), hashlib.sha256).hexdigest()
    assert rows[1]["client_key"] == hmac.new(secret, b"127.0.0.1", hashlib.sha256).hexdigest()
    for row in rows:
        assert not any(isinstance(v, str) and ("203.0.113" in v or "127.0.0.1" in v) for v in tuple(row))
    for f in db.parent.glob(db.name + "*"):
        assert ip.encode() not in f.read_bytes()


def test_staff_with_credential_have_their_own_larger_limit(serve: ServeFn) -> None:
    key = "staff-key-0123456789-abcdef"
    live = serve(
        rate_limit_per_minute=60,
        rate_limit_burst=2,
        staff_key=key,
        staff_rate_limit_per_minute=60,
        staff_rate_limit_burst=8,
    )
    staff = {"Authorization": f"Bearer {key}"}
    with live.client() as c:
        for _ in range(6):
            assert c.post("/api/v1/search", json={"query": "森林"}, headers=staff).status_code == 200
        # ... but not without end: the staff key no longer lifts every limit (feedback floods included).
        more = [c.post("/api/v1/search", json={"query": "森林"}, headers=staff).status_code for _ in range(4)]
        assert more[-1] == 429
        fb = {"query": "森林", "passage_id": "x" * 16, "helpful": True}
        assert_error(c.post("/api/v1/feedback", json=fb, headers=staff), 429, "rate_limited")
        # A wrong credential is just a citizen: limited like everyone else.
        wrong = {"Authorization": "Bearer not-the-staff-key-at-all"}
        codes = [c.post("/api/v1/search", json={"query": "森林"}, headers=wrong).status_code for _ in range(4)]
        assert codes[:2] == [200, 200] and codes[-1] == 429


def test_a_damaged_feedback_database_is_a_503_and_searches_go_on(serve: ServeFn) -> None:
    key = "staff-key-0123456789-abcdef"
    live = serve(staff_key=key)
    db: Path = live.app.state.runtime.settings.feedback_db
    with live.client() as c:
        pid = c.post("/api/v1/search", json={"query": "森林覆盖率"}).json()["results"][0]["passage_id"]
        db.write_bytes(b"not a database " * 100)
        r = c.post("/api/v1/feedback", json={"query": "森林覆盖率", "passage_id": pid, "helpful": True})
        assert_error(r, 503, "feedback_unavailable")
        assert c.post("/api/v1/search", json={"query": "森林覆盖率"}).status_code == 200
        status = c.get("/api/v1/staff/status", headers={"Authorization": f"Bearer {key}"})
        assert status.status_code == 200
        assert status.json()["feedback"] is None and "feedback store" in status.json()["feedback_error"]
