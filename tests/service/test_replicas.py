"""Scale-out mode: replicas that share one search engine (Qdrant) and one database (PostgreSQL) answer alike,
follow a new build without a restart, and see each other's feedback.

The engine is qdrant-client's local mode (one process may open its directory), so the replicas here are two
complete services in one process, each with its own runtime, searcher and HTTP server, sharing the process's one
client of the engine; across processes they would talk to a Qdrant server through the same client API
(docs/scale-out.md says what this does and does not cover). The database is a real PostgreSQL server.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from index import pipeline
from index.backends.qdrant import QdrantBackend, disconnect
from index.config import Settings
from index.search import Searcher
from service.app import create_app
from tests.helpers import HashEmbedder, build_hash_index
from tests.service.helpers import ADMIN_KEY, LiveServer, make_settings

pytestmark = pytest.mark.filterwarnings("ignore:Local mode performs exact")

QUESTIONS = ["森林覆盖率是多少", "行政复议案件", "法治政府建设", "怀柔区执法人员培训", "规范性文件备案审查"]


def engine_factory(settings: Settings) -> Searcher:
    """The production factory (the engine's live build) with the hash embedder in place of the model."""
    return pipeline.searcher_for(settings, pipeline.load_index(settings), HashEmbedder())


@pytest.fixture
def engine_url(tmp_path: Path) -> Iterator[str]:
    url = str(tmp_path / "qdrant")
    yield url
    disconnect(url)


def _publish(settings: Settings, corpus: Path, root: Path) -> str:
    report = build_hash_index(corpus, root)
    pipeline.publish_build(settings, report.build_dir)
    return report.build_dir.name


def _replica(tmp_path: Path, name: str, static_dir: Path, **overrides: Any) -> LiveServer:
    settings = make_settings(tmp_path / name, tmp_path / name / "index", **overrides)
    server = LiveServer(create_app(settings, engine_factory, static_dir=static_dir)).start()
    server.wait_ready()
    return server


def _wait_for_build(server: LiveServer, build_id: str, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    with server.client() as c:
        while time.monotonic() < deadline:
            if c.get("/readyz").json().get("index", {}).get("build_id") == build_id:
                return
            time.sleep(0.1)
    raise AssertionError(f"replica did not switch to {build_id}")


def test_two_replicas_on_one_engine_and_one_database(
    tmp_path: Path, report_corpus: Path, engine_url: str, postgres: Any, static_dir: Path
) -> None:
    db_url = postgres.new_database()
    common: dict[str, Any] = {
        "backend": "qdrant",
        "backend_url": engine_url,
        "backend_poll_seconds": 0.2,
        "database_url": db_url,
        "admin_key": ADMIN_KEY,
    }
    builder = Settings(**{**make_settings(tmp_path, tmp_path / "index").model_dump(), **common})
    first = _publish(builder, report_corpus, tmp_path / "build")
    a = _replica(tmp_path, "a", static_dir, **common)
    b = _replica(tmp_path, "b", static_dir, **common)
    try:
        # The same answers: same passages, same order, same scores, same decision.
        with a.client() as ca, b.client() as cb:
            for q in QUESTIONS:
                ra = ca.post("/api/v1/search", json={"query": q}).json()
                rb = cb.post("/api/v1/search", json={"query": q}).json()
                assert "results" in ra and "results" in rb, (ra, rb)
                assert [r["passage_id"] for r in ra["results"]] == [r["passage_id"] for r in rb["results"]], q
                assert [r["score"] for r in ra["results"]] == [r["score"] for r in rb["results"]], q
                assert ra["answered"] == rb["answered"]
            assert ca.get("/readyz").json()["index"]["build_id"] == first
            assert ca.get("/readyz").json()["index"]["backend"] == "qdrant"

        # A new build published by the build job reaches both replicas without a restart.
        (report_corpus / "新增说明.md").write_text(
            "# 补充说明\n\n怀柔区2024年新聘请政府法律顾问十二名，审查合同三百一十件。\n", encoding="utf-8"
        )
        second = _publish(builder, report_corpus, tmp_path / "build")
        assert second != first
        _wait_for_build(a, second)
        _wait_for_build(b, second)
        with a.client() as ca, b.client() as cb:
            for c in (ca, cb):
                top = c.post("/api/v1/search", json={"query": "政府法律顾问聘请了多少名"}).json()["results"][0]
                assert "法律顾问十二名" in top["text"]
            # Feedback written through one replica is read through the other (one database).
            r = ca.post(
                "/api/v1/feedback",
                json={
                    "query": "森林覆盖率是多少",
                    "passage_id": top["passage_id"],
                    "helpful": False,
                    "comment": "副本测试",
                },
            )
            assert r.status_code == 201, r.text
            items = cb.get("/api/v1/staff/feedback").json()["feedback"]
            assert any(i.get("comment") == "副本测试" for i in items)
            # The build history is shared too: both builds, recorded once.
            builds = cb.get("/api/v1/staff/builds").json()["builds"]
            assert [x["build_id"] for x in builds] == [second, first] and builds[0]["backend"] == "qdrant"
    finally:
        a.stop()
        b.stop()
        postgres.drop_database(db_url)


def test_readiness_follows_the_engine(
    tmp_path: Path, report_corpus: Path, engine_url: str, static_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    common: dict[str, Any] = {"backend": "qdrant", "backend_url": engine_url, "backend_poll_seconds": 0.1}
    builder = Settings(**{**make_settings(tmp_path, tmp_path / "index").model_dump(), **common})
    _publish(builder, report_corpus, tmp_path / "build")
    server = _replica(tmp_path, "r", static_dir, **common)
    try:
        real = pipeline.live_build_id

        def unreachable(settings: Settings) -> str | None:
            raise ConnectionRefusedError("qdrant:6333")

        monkeypatch.setattr(pipeline, "live_build_id", unreachable)
        with server.client() as c:
            deadline = time.monotonic() + 10
            while c.get("/readyz").status_code == 200 and time.monotonic() < deadline:
                time.sleep(0.05)
            r = c.get("/readyz")
            assert r.status_code == 503 and r.json()["error"]["code"] == "backend_unavailable"
            assert "Retry-After" in r.headers
            monkeypatch.setattr(pipeline, "live_build_id", real)
            deadline = time.monotonic() + 10
            while c.get("/readyz").status_code != 200 and time.monotonic() < deadline:
                time.sleep(0.05)
            assert c.get("/readyz").status_code == 200

            # A question while the engine fails: a clear 503, never a 500 with a transport's traceback.
            def down(*args: Any, **kwargs: Any) -> Any:
                raise httpx.ConnectError("[Errno 111] Connection refused")

            monkeypatch.setattr(QdrantBackend, "_candidates", down)
            r = c.post("/api/v1/search", json={"query": "行政复议案件"})
            assert r.status_code == 503 and r.json()["error"]["code"] == "backend_unavailable"
            assert "Errno" not in r.text and "Retry-After" in r.headers
    finally:
        server.stop()


def test_a_replica_refuses_uploads_the_build_job_owns_the_corpus(
    tmp_path: Path, report_corpus: Path, engine_url: str, static_dir: Path
) -> None:
    staff = "4c1d8e2f7a9b3c5d6e0f1a2b3c4d5e6f"
    common: dict[str, Any] = {"backend": "qdrant", "backend_url": engine_url, "staff_key": staff}
    builder = Settings(**{**make_settings(tmp_path, tmp_path / "index").model_dump(), **common})
    _publish(builder, report_corpus, tmp_path / "build")
    server = _replica(tmp_path, "r", static_dir, **common)
    try:
        with server.client(headers={"Authorization": f"Bearer {staff}"}) as c:
            for method, path, body in (
                ("PUT", "/api/v1/staff/documents/通知.txt", "怀柔区2025年通知。".encode()),
                ("PUT", "/api/v1/staff/dictionaries/words", "法律顾问\n".encode()),
            ):
                r = c.request(method, path, content=body)
                assert r.status_code == 409, r.text
                assert r.json()["error"]["code"] == "uploads_in_build_job"
            assert c.get("/api/v1/staff/jobs").json() == []  # no build was started
    finally:
        server.stop()


def test_a_build_that_fails_to_load_is_retried_with_growing_waits(
    tmp_path: Path, report_corpus: Path, engine_url: str, static_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from index.errors import IndexCorruptError

    common: dict[str, Any] = {"backend": "qdrant", "backend_url": engine_url, "backend_poll_seconds": 0.05}
    builder = Settings(**{**make_settings(tmp_path, tmp_path / "index").model_dump(), **common})
    first = _publish(builder, report_corpus, tmp_path / "build")
    server = _replica(tmp_path, "r", static_dir, **common)
    real = pipeline.load_index
    tries: list[float] = []

    def broken(settings: Settings, index_dir: Path | None = None) -> Any:
        tries.append(time.monotonic())
        raise IndexCorruptError("damaged collection")

    try:
        monkeypatch.setattr(pipeline, "load_index", broken)
        (report_corpus / "新增.md").write_text("# 新增\n\n怀柔区新增说明一则。\n", encoding="utf-8")
        second = _publish(builder, report_corpus, tmp_path / "build")
        time.sleep(2.0)
        # Polled ~40 times in 2 s; tried at waits of 0.05, 0.1, 0.2, 0.4, 0.8 s: a handful of loads, not 40.
        assert 2 <= len(tries) <= 7, len(tries)
        with server.client() as c:
            assert c.get("/readyz").json()["index"]["build_id"] == first  # the old build keeps serving
        monkeypatch.setattr(pipeline, "load_index", real)
        _wait_for_build(server, second, timeout=10)
    finally:
        server.stop()
