"""Faults injected under a running service, on loopback only: the server killed with SIGKILL in the middle
of feedback writes leaves a sound database; a full disk under the feedback store is a clear 503 while
searches go on."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa

from service.feedback import FeedbackStore
from tests.helpers import REPORT_DIR
from tests.service.helpers import ServeFn, assert_error

ROOT = Path(__file__).resolve().parents[2]

# A child process serving the shipped report with the test embedder, as `youju serve` would.
SERVER = """
import sys
from pathlib import Path
from service.app import create_app
from tests.helpers import build_hash_index
from tests.service.helpers import LiveServer, hash_factory, make_settings
root, corpus = Path(sys.argv[1]), Path(sys.argv[2])
build_hash_index(corpus, root / "index")
live = LiveServer(create_app(make_settings(root, root / "index"), hash_factory)).start()
live.wait_ready()
print(live.url, flush=True)
import time
while True:
    time.sleep(1)
"""


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")
def test_sigkill_during_feedback_writes_leaves_a_sound_database(tmp_path: Path) -> None:
    child = subprocess.Popen(
        [sys.executable, "-c", SERVER, str(tmp_path), str(REPORT_DIR)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    try:
        assert child.stdout is not None
        url = child.stdout.readline().strip()
        assert url.startswith("http://127.0.0.1:"), url
        with httpx.Client(base_url=url, timeout=10) as c:
            pid = c.post("/api/v1/search", json={"query": "森林覆盖率"}).json()["results"][0]["passage_id"]
        written = [0]
        stop = threading.Event()

        def writer() -> None:
            with httpx.Client(base_url=url, timeout=10) as c:
                while not stop.is_set():
                    body = {"query": "森林覆盖率多少", "passage_id": pid, "helpful": True, "comment": "写" * 400}
                    try:
                        if c.post("/api/v1/feedback", json=body).status_code == 201:
                            written[0] += 1
                    except httpx.HTTPError:
                        return  # the server is gone

        threads = [threading.Thread(target=writer) for _ in range(4)]
        for t in threads:
            t.start()
        deadline = time.monotonic() + 20
        while written[0] < 50 and time.monotonic() < deadline:
            time.sleep(0.02)
        child.send_signal(signal.SIGKILL)  # in the middle of the writes
        child.wait(timeout=10)
        stop.set()
        for t in threads:
            t.join(timeout=10)
    finally:
        if child.poll() is None:
            child.kill()
    assert written[0] >= 50
    db = tmp_path / "var" / "feedback.sqlite3"
    conn = sqlite3.connect(db)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    kept = conn.execute("SELECT COUNT(*) FROM feedback").fetchone()[0]
    conn.close()
    assert kept >= written[0]  # every acknowledged write survived (synchronous=FULL, WAL)
    store = FeedbackStore.open(db, None)  # and the store opens and takes new feedback
    store.add(query="q", passage_id=pid, helpful=False, comment=None, client_ip="127.0.0.1", index_build=None)
    assert store.summary().total == kept + 1


def test_a_full_disk_under_the_feedback_store_is_a_503_and_searches_go_on(serve: ServeFn) -> None:
    live = serve()
    with live.client() as c:
        pid = c.post("/api/v1/search", json={"query": "森林覆盖率"}).json()["results"][0]["passage_id"]
        body = {"query": "森林覆盖率", "passage_id": pid, "helpful": True}
        assert c.post("/api/v1/feedback", json=body).status_code == 201
        engine = live.app.state.runtime.feedback.db.engine

        def full(dbapi: sqlite3.Connection, _record: object) -> None:
            pages = dbapi.execute("PRAGMA page_count").fetchone()[0]
            dbapi.execute(f"PRAGMA max_page_count = {pages}")  # not one more page: the disk is full

        sa.event.listen(engine, "connect", full)  # every use opens a new connection (SQLite: no pool)
        big = {**body, "comment": "满" * 500}
        stored = 1
        for _ in range(20):  # the free room left in the last pages fills up first
            r = c.post("/api/v1/feedback", json=big)
            if r.status_code != 201:
                break
            stored += 1
        err = assert_error(r, 503, "feedback_unavailable")
        assert "full" in err["message"] and "searches are not affected" in err["message"]
        assert r.headers["retry-after"]
        assert c.post("/api/v1/search", json={"query": "森林覆盖率"}).status_code == 200
        sa.event.remove(engine, "connect", full)  # space again: feedback works, nothing was lost
        assert c.post("/api/v1/feedback", json=body).status_code == 201
        assert c.get("/api/v1/staff/feedback").json()["total"] == stored + 1
