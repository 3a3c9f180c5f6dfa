"""Admin reload: authentication, atomic swap under concurrent searches, SIGHUP."""

from __future__ import annotations

import os
import shutil
import signal
import threading
import time
from pathlib import Path

import httpx
import pytest

from index import store
from index.search import Searcher
from service.server import install_sighup
from service.state import Runtime
from tests.helpers import REPORT_DIR, HashEmbedder, build_hash_index
from tests.service.helpers import ADMIN_KEY, ServeFn, assert_error, hash_factory, make_settings

EXTRA = "一、新建设施\n懷柔區新建星辰天文觀測臺，向市民免費開放觀測銀河。\n"


@pytest.fixture
def own_index(tmp_path: Path) -> tuple[Path, Path]:
    corpus = tmp_path / "corpus"
    shutil.copytree(REPORT_DIR, corpus)
    build_hash_index(corpus, tmp_path / "index")
    return corpus, tmp_path / "index"


def test_admin_disabled_without_key_and_authenticated_with_it(serve: ServeFn) -> None:
    live = serve()
    with live.client() as c:
        assert_error(c.post("/api/v1/admin/reload", headers={"Authorization": "Bearer x" * 20}), 404, "not_found")
    live = serve(admin_key=ADMIN_KEY)
    with live.client() as c:
        for headers in (
            {},
            {"Authorization": "Bearer wrong-key-0123456789"},
            {"Authorization": f"Basic {ADMIN_KEY}"},
        ):
            r = c.post("/api/v1/admin/reload", headers=headers)
            assert_error(r, 401, "unauthorized")
            assert r.headers["www-authenticate"].startswith("Bearer")
        r = c.post("/api/v1/admin/reload", headers={"Authorization": f"Bearer {ADMIN_KEY}"})
        assert r.status_code == 200
        info = r.json()
        assert set(info) == {"index", "previous", "seconds"}
        assert {"build_id", "passages", "model"} <= set(info["index"])


def test_reload_under_concurrent_searches(serve: ServeFn, own_index: tuple[Path, Path]) -> None:
    corpus, root = own_index
    live = serve(admin_key=ADMIN_KEY, index_dir=root)
    runtime: Runtime = live.app.state.runtime
    old = runtime.searcher
    assert old is not None
    failures: list[str] = []
    statuses: list[int] = []
    stop = threading.Event()

    def hammer() -> None:
        with live.client() as c:
            while not stop.is_set():
                try:
                    r = c.post("/api/v1/search", json={"query": "森林覆盖率多少", "top_k": 3})
                    statuses.append(r.status_code)
                    if r.status_code != 200 or not r.json()["results"]:
                        failures.append(r.text)
                except httpx.HTTPError as e:  # pragma: no cover - reported below
                    failures.append(repr(e))

    threads = [threading.Thread(target=hammer) for _ in range(3)]
    for t in threads:
        t.start()
    with live.client() as c:
        missing = c.post("/api/v1/search", json={"query": "星辰天文观测台", "document_id": "extra"}).json()
        assert missing["results"] == []
        (corpus / "extra.txt").write_text(EXTRA, encoding="utf-8")
        build_hash_index(corpus, root)
        r = c.post("/api/v1/admin/reload", headers={"Authorization": f"Bearer {ADMIN_KEY}"})
        assert r.status_code == 200, r.text
        info = r.json()
        assert info["index"]["build_id"] != info["previous"]["build_id"] == old.index.manifest.build_id
        assert info["index"]["documents"] == 2 and info["previous"]["documents"] == 1
        time.sleep(0.3)  # keep searching on the new index for a while
        stop.set()
        for t in threads:
            t.join(30)
        assert not failures, failures[:3]
        assert len(statuses) > 10
        new = runtime.searcher
        assert new is not old and new is not None
        assert new.embedder is old.embedder  # the model is reused, not loaded again
        found = c.post("/api/v1/search", json={"query": "星辰天文观测台", "top_k": 1}).json()
        assert found["results"][0]["citation"]["document_id"] == "extra"
        assert "星辰天文觀測臺" in found["results"][0]["text"]
        docs = {d["document_id"] for d in c.get("/api/v1/documents").json()["documents"]}
        assert docs == {"extra", "huairou-2024-law-based-government-report"}
        assert c.get("/readyz").json()["index"] == info["index"]  # one summary of the index everywhere


def test_failed_reload_keeps_serving_the_old_index(serve: ServeFn, own_index: tuple[Path, Path]) -> None:
    _, root = own_index
    live = serve(admin_key=ADMIN_KEY, index_dir=root)
    before = live.app.state.runtime.searcher
    (root / "current").unlink()
    with live.client() as c:
        r = c.post("/api/v1/admin/reload", headers={"Authorization": f"Bearer {ADMIN_KEY}"})
        assert_error(r, 503, "index_not_found")
        assert live.app.state.runtime.searcher is before
        assert c.post("/api/v1/search", json={"query": "森林"}).status_code == 200


def test_a_damaged_new_build_is_refused_and_the_old_one_keeps_serving(
    serve: ServeFn, own_index: tuple[Path, Path]
) -> None:
    corpus, root = own_index
    live = serve(admin_key=ADMIN_KEY, index_dir=root)
    before = live.app.state.runtime.searcher
    (corpus / "extra.txt").write_text("新的文件内容。\n", encoding="utf-8")
    build_hash_index(corpus, root)
    vectors = store.resolve(root) / "vectors.npy"
    data = vectors.read_bytes()  # header intact, body random: np.load would still read it
    vectors.write_bytes(data[:128] + bytes(reversed(data[128:])))
    with live.client() as c:
        r = c.post("/api/v1/admin/reload", headers={"Authorization": f"Bearer {ADMIN_KEY}"})
        error = assert_error(r, 503, "index_corrupt")
        assert "vectors.npy does not match its checksum" in error["message"]
        assert live.app.state.runtime.searcher is before
        assert c.post("/api/v1/search", json={"query": "森林"}).status_code == 200
        assert c.get("/readyz").status_code == 200


@pytest.mark.skipif(not hasattr(signal, "SIGHUP"), reason="no SIGHUP on this platform")
def test_sighup_reloads(tmp_path: Path, own_index: tuple[Path, Path]) -> None:
    corpus, root = own_index
    runtime = Runtime(make_settings(tmp_path, root), hash_factory)
    runtime.load()
    before = runtime.searcher
    assert isinstance(before, Searcher)
    (corpus / "extra.txt").write_text(EXTRA, encoding="utf-8")
    build_hash_index(corpus, root, HashEmbedder())
    previous = signal.getsignal(signal.SIGHUP)
    try:
        install_sighup(runtime)
        os.kill(os.getpid(), signal.SIGHUP)
        deadline = time.monotonic() + 20
        while runtime.searcher is before:
            assert time.monotonic() < deadline
            time.sleep(0.02)
    finally:
        signal.signal(signal.SIGHUP, previous)
    assert runtime.searcher is not None and "extra" in runtime.searcher.index.documents


def test_guessing_keys_is_throttled_and_logged(serve: ServeFn, caplog: pytest.LogCaptureFixture) -> None:
    from service.state import AUTH_FAILURE_BURST

    staff_key = "staff-key-0123456789-abcdef"
    live = serve(admin_key=ADMIN_KEY, staff_key=staff_key)
    wrong = {"Authorization": "Bearer not-the-key-0000000000"}
    with live.client() as c, caplog.at_level("WARNING", logger="youju.service"):
        for _ in range(AUTH_FAILURE_BURST):
            assert_error(c.get("/api/v1/staff/status", headers=wrong), 401, "unauthorized")
        r = c.get("/api/v1/staff/status", headers=wrong)
        assert_error(r, 429, "rate_limited")
        assert int(r.headers["retry-after"]) >= 1
        # While throttled no key is compared, the right one included; the console and admin share the count.
        right = {"Authorization": f"Bearer {staff_key}"}
        assert c.get("/api/v1/staff/status", headers=right).status_code == 429
        assert c.get("/console", headers=right).status_code == 429
        admin = {"Authorization": f"Bearer {ADMIN_KEY}"}
        assert c.post("/api/v1/admin/reload", headers=admin).status_code == 429
        # Searching is not affected.
        assert c.post("/api/v1/search", json={"query": "森林"}).status_code == 200
    failures = [r.getMessage() for r in caplog.records if "sign-in failed" in r.getMessage()]
    assert len(failures) == AUTH_FAILURE_BURST and "127.0.0.1" in failures[0]
    assert not any("not-the-key" in r.getMessage() for r in caplog.records)  # keys are never logged
    assert any("too many failures" in r.getMessage() for r in caplog.records)
