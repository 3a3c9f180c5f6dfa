"""The supervisor of ``youju serve --workers`` (service/workers.py) with stand-in workers: a worker that dies
after it served is started again, one that dies before it serves stops them all, a port in use is refused,
and the connections of clients reach every worker's socket."""

from __future__ import annotations

import os
import socket
import sys
import threading
import time
from collections.abc import Callable
from multiprocessing.synchronize import Event
from pathlib import Path

import pytest

from eval.bench_perf import free_port
from service.workers import Supervisor, listen, port_problem, reuse_port_spreads

pytestmark = pytest.mark.skipif(not reuse_port_spreads(), reason="SO_REUSEPORT spreading is Linux's")


def fails_at_start(host: str, port: int, ready: Event) -> None:
    sys.exit(3)


def dies_once_after_serving(host: str, port: int, ready: Event) -> None:
    """Serves, then dies the first time (a marker file in $MARKER_DIR counts the starts); lives after that."""
    marker = Path(os.environ["MARKER_DIR"]) / f"start-{os.getpid()}"
    marker.touch()
    ready.set()
    if len(list(marker.parent.iterdir())) == 1:
        sys.exit(1)
    while True:
        time.sleep(0.1)


def answers_sighup(host: str, port: int, ready: Event) -> None:
    """Writes $MARKER_DIR/hup-<pid> on SIGHUP, once serving."""
    import signal

    marker = Path(os.environ["MARKER_DIR"]) / f"hup-{os.getpid()}"
    signal.signal(signal.SIGHUP, lambda *_: marker.touch())
    ready.set()
    while True:
        time.sleep(0.05)


def accepts(host: str, port: int, ready: Event) -> None:
    """Listens as a worker does and writes how many connections it accepted to $MARKER_DIR/<pid>."""
    sock = listen(host, port)
    ready.set()
    out = Path(os.environ["MARKER_DIR"]) / str(os.getpid())
    n = 0
    while True:
        conn, _ = sock.accept()
        n += 1
        out.write_text(str(n))
        conn.close()


def _run_until(sup: Supervisor, check: Callable[[], bool]) -> int:
    """Run the supervisor until ``check`` is true (or 30 s), then stop it; its exit code."""

    def watch() -> None:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not check():
            time.sleep(0.05)
        sup.stop()

    threading.Thread(target=watch, daemon=True).start()
    return sup.run()


def test_a_worker_that_cannot_start_stops_the_server() -> None:
    t0 = time.monotonic()
    assert Supervisor(2, "127.0.0.1", free_port(), 1.0, target=fails_at_start).run() == 1
    assert time.monotonic() - t0 < 30


def test_a_worker_that_dies_after_serving_is_started_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MARKER_DIR", str(tmp_path))
    sup = Supervisor(1, "127.0.0.1", free_port(), 1.0, target=dies_once_after_serving)
    assert _run_until(sup, lambda: len(list(tmp_path.iterdir())) >= 2) == 0
    assert len(list(tmp_path.iterdir())) == 2  # started twice: once, then again after it died
    assert not any(p.is_alive() for p, _ in sup._workers)  # and stopped


def test_connections_reach_every_worker(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MARKER_DIR", str(tmp_path))
    port = free_port()
    sup = Supervisor(2, "127.0.0.1", port, 1.0, target=accepts)
    counts: dict[str, int] = {}

    def connect_all() -> bool:
        if len(sup._workers) < 2 or not all(ready.is_set() for _, ready in sup._workers):
            return False
        for _ in range(32):
            socket.create_connection(("127.0.0.1", port), timeout=5).close()
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            counts.update({p.name: int(p.read_text() or 0) for p in tmp_path.iterdir()})
            if sum(counts.values()) == 32:
                break
            time.sleep(0.05)
        return True

    assert _run_until(sup, connect_all) == 0
    assert len(counts) == 2 and sum(counts.values()) == 32 and min(counts.values()) >= 4, counts


def test_a_port_in_use_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert port_problem("127.0.0.1", port) == "already in use"
        assert Supervisor(2, "127.0.0.1", port, 1.0, target=fails_at_start).run() == 1
    assert "already in use" in capsys.readouterr().err
    assert port_problem("127.0.0.1", port) is None


def test_sighup_reaches_the_workers(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import signal

    monkeypatch.setenv("MARKER_DIR", str(tmp_path))
    sup = Supervisor(2, "127.0.0.1", free_port(), 1.0, target=answers_sighup)
    sent = [False]

    def hup_once_ready() -> bool:
        if not sent[0] and len(sup._workers) == 2 and all(ready.is_set() for _, ready in sup._workers):
            sup._on_signal(signal.SIGHUP, None)  # what the supervisor's handler does with a SIGHUP
            sent[0] = True
        return len(list(tmp_path.glob("hup-*"))) == 2

    assert _run_until(sup, hup_once_ready) == 0
    assert len(list(tmp_path.glob("hup-*"))) == 2  # each worker reloads; none was killed by it


def test_the_process_that_watches_the_workers_loads_no_application() -> None:
    """`youju serve` with workers: the first process only starts and watches them, so it imports what the
    command line and the supervisor need, not the application, the index's readers or the other commands'
    packages (each of those is memory it would hold for nothing: 232 MiB resident before, 60 MiB after)."""
    import subprocess

    code = (
        "import sys\n"
        "from index.cli import build_parser\n"
        "from index.cli import asked_command\n"
        "build_parser(asked_command(['-v', 'serve'])).parse_args(['-v', 'serve'])\n"
        "import service.server\n"
        "heavy = ('service.app', 'index.store', 'index.search', 'index.pipeline', 'eval.harness', 'faiss', "
        "'jieba', 'onnxruntime', 'torch')\n"
        "print(','.join(m for m in heavy if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120)
    assert out.stdout.strip() == ""
