"""``youju serve`` with several worker processes (``YOUJU_WORKERS``), run as an operator runs it: the workers
share the port and the connections, answer questions, and all switch to a new build made by ``youju build``
without a reload being asked of any of them; SIGTERM stops them all; a second server is not let onto the port."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from eval.bench_perf import free_port, worker_pids

ROOT = Path(__file__).resolve().parents[2]

FOREST = "一、生态建设\n（一）森林保护\n2024年全区森林覆盖率达到77.57%，比上年提高0.3個百分點，林木綠化率穩步提升。\n"
PARKS = "一、城市公園\n（一）公園建設\n2024年新建口袋公園12處，改造提升社區公園5處，居民步行十分鐘可達公園。\n"


def _sockets(pid: int) -> int:
    """Sockets a process holds open (its listening socket and its connections)."""
    count = 0
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            count += os.readlink(fd).startswith("socket:")
        except OSError:
            continue
    return count


def _build_ids(url: str, connections: int) -> set[str]:
    """The live build each of ``connections`` new connections is answered from (each may reach either worker)."""
    ids = set()
    for _ in range(connections):
        with httpx.Client(base_url=url, timeout=10) as c:
            ids.add(c.get("/readyz").json()["index"]["build_id"])
    return ids


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc").is_dir(), reason="reads /proc")
def test_two_workers_answer_and_follow_a_new_build(tmp_path: Path, model_cache_dir: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "forest.txt").write_text(FOREST, encoding="utf-8")
    env = {
        **os.environ,
        "YOUJU_CORPUS_DIR": str(corpus),
        "YOUJU_INDEX_DIR": str(tmp_path / "index"),
        "YOUJU_CACHE_DIR": str(model_cache_dir),
        "YOUJU_FEEDBACK_DB": str(tmp_path / "feedback.sqlite3"),
        "YOUJU_STATE_DB": str(tmp_path / "youju.sqlite3"),
        "YOUJU_WORKERS": "2",
        "YOUJU_BACKEND_POLL_SECONDS": "0.5",
        "YOUJU_LOG_LEVEL": "warning",
    }
    youju = [sys.executable, "-m", "index.cli"]
    subprocess.run([*youju, "build"], cwd=ROOT, env=env, check=True, capture_output=True, timeout=600)
    port = free_port()
    log = tmp_path / "serve.log"
    server = subprocess.Popen(
        [*youju, "serve", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=log.open("wb"),
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 300
        while True:  # both workers up: each takes connections only once its index is loaded
            assert server.poll() is None, log.read_text(errors="replace")
            try:
                if httpx.get(url + "/readyz", timeout=2).status_code == 200 and len(worker_pids(server.pid)) == 2:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, "youju serve --workers 2 did not become ready"
            time.sleep(0.5)
        (first,) = _build_ids(url, 4)
        # 16 clients connecting at once reach both workers: each listens with its own socket, and the kernel
        # spreads connections over them (with one shared socket, the first worker awake took most of them).
        workers = worker_pids(server.pid)
        time.sleep(1)  # the connections just closed are gone on the server's side too
        before = {pid: _sockets(pid) for pid in workers}
        clients = [httpx.Client(base_url=url, timeout=30) for _ in range(16)]
        try:
            for c in clients:
                assert c.get("/healthz").status_code == 200  # the connection stays open (keep-alive)
            gained = {pid: _sockets(pid) - before[pid] for pid in workers}
        finally:
            for c in clients:
                c.close()
        assert len(gained) == 2 and min(gained.values()) >= 2, gained
        # A second server on the same port would silently take half the connections: it is refused.
        second = subprocess.run(
            [*youju, "serve", "--port", str(port)], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
        )
        assert second.returncode == 1 and "already in use" in second.stderr, second.stderr
        with httpx.Client(base_url=url, timeout=30) as c:
            got = c.post("/api/v1/search", json={"query": "森林覆盖率是多少"}).json()
        assert got["answered"] and "77.57%" in got["results"][0]["text"]

        (corpus / "parks.txt").write_text(PARKS, encoding="utf-8")
        subprocess.run([*youju, "build"], cwd=ROOT, env=env, check=True, capture_output=True, timeout=600)
        deadline = time.monotonic() + 60
        while first in (ids := _build_ids(url, 8)):  # no reload asked: each worker finds the build itself
            assert time.monotonic() < deadline, f"the workers still serve {ids} ({first} was the first build)"
            time.sleep(0.5)
        assert len(ids) == 1
        with httpx.Client(base_url=url, timeout=30) as c:
            got = c.post("/api/v1/search", json={"query": "新建了多少口袋公园"}).json()
        assert got["answered"] and "口袋公園12處" in got["results"][0]["text"]

        server.send_signal(signal.SIGTERM)
        assert server.wait(timeout=60) == 0
        assert not any(Path(f"/proc/{pid}").exists() for pid in workers)  # every worker stopped with it
    finally:
        if server.poll() is None:  # a failed test leaves no worker serving
            os.killpg(server.pid, signal.SIGTERM)
            try:
                server.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)
                server.wait()
