"""``youju serve`` with ``workers`` > 1 on Linux: worker processes that each listen on the port with their own
``SO_REUSEPORT`` socket, and the process that started them (``Supervisor``).

With one listening socket shared by the workers (uvicorn's ``--workers``), whichever worker woke first took a
burst of new connections: in one run of docs/performance.md, 16 keep-alive clients connecting at once went
mostly to one worker (235 requests/s, as one process) while 64 reached both (361). With a socket per worker the
kernel spreads connections over them by a hash of each connection's addresses.

The supervisor forwards SIGHUP to the workers (each reloads the index, as one process does), stops them on
SIGTERM or SIGINT (each finishes its requests within ``shutdown_grace_seconds``), and starts a worker again if
one dies after some worker had served (less and less often while its replacements die before they serve).
Workers that die before any has served (bad settings, a port they cannot bind) stop the server: they would
fail the same way again. A worker binds its socket at once but listens only once its index is loaded, and gets
SIGTERM if the supervisor dies.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import logging
import multiprocessing
import os
import signal
import socket
import sys
import threading
import time
from collections.abc import Callable
from multiprocessing.synchronize import Event
from types import FrameType
from typing import Any

log = logging.getLogger("youju.service")

# Pending connections a worker's socket holds (uvicorn's default backlog).
BACKLOG = 2048
# Seconds between the supervisor's looks at its workers.
WATCH_SECONDS = 0.5
# Seconds before a dead worker is started again, doubling while its replacements die before they serve.
RESTART_SECONDS = 1.0
RESTART_SECONDS_MAX = 60.0
# prctl(2): the signal a process gets when its parent dies.
PR_SET_PDEATHSIG = 1


def reuse_port_spreads() -> bool:
    """Whether the kernel spreads connections over sockets bound with ``SO_REUSEPORT`` (Linux does; other
    systems accept the option without spreading, or lack it)."""
    return sys.platform.startswith("linux") and hasattr(socket, "SO_REUSEPORT")


def listen(host: str, port: int, *, reuse_port: bool = True, listening: bool = True) -> socket.socket:
    """A TCP socket bound to ``host:port`` (IPv6 when ``host`` is an IPv6 address), listening unless
    ``listening`` is false: uvicorn then listens on it only once the application has started, so a worker
    still loading its index is given no connections."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if reuse_port:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        sock.bind((host, port))
        if listening:
            sock.listen(BACKLOG)
    except OSError:
        sock.close()
        raise
    return sock


def port_problem(host: str, port: int) -> str | None:
    """Why the workers cannot have ``host:port`` (None when they can): something listens there, even another
    group of ``SO_REUSEPORT`` sockets (which the workers' sockets would silently join, splitting the traffic
    with an unrelated server), or the address cannot be bound at all."""
    try:
        listen(host, port, reuse_port=False).close()
    except OSError as e:
        return "already in use" if e.errno == errno.EADDRINUSE else (e.strerror or str(e))
    return None


def _die_with_parent() -> None:
    """Linux: this process gets SIGTERM when the supervisor dies, even by SIGKILL (no worker left serving)."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    except (OSError, AttributeError):
        pass


def _worker(host: str, port: int, ready: Event) -> None:  # pragma: no cover - runs in the worker process
    _die_with_parent()
    # SIGINT (Ctrl-C reaches the whole process group) stops the worker through uvicorn's own handler while it
    # runs; ignored around it, so that uvicorn's re-raise of it afterwards prints no traceback.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    import uvicorn

    from service.server import install_sighup, uvicorn_options, worker_app

    app = worker_app()
    settings = app.state.runtime.settings
    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        log_level=settings.log_level,
        log_config=None,
        access_log=False,
        **uvicorn_options(settings),
    )
    server = uvicorn.Server(config)
    install_sighup(app.state.runtime)

    def tell_when_serving() -> None:
        while not server.started and not server.should_exit:
            time.sleep(0.05)
        if server.started:
            ready.set()

    threading.Thread(target=tell_when_serving, name="youju-ready", daemon=True).start()
    server.run(sockets=[listen(host, port, listening=False)])


class Supervisor:
    """Starts ``count`` workers on ``host:port`` and watches them until SIGTERM or SIGINT."""

    def __init__(
        self,
        count: int,
        host: str,
        port: int,
        grace_seconds: float,
        target: Callable[[str, int, Event], None] = _worker,
    ) -> None:
        self.count = count
        self.target = target
        self.host = host
        self.port = port
        self.grace_seconds = grace_seconds
        self._ctx = multiprocessing.get_context("spawn")
        self._stopping = False  # set by signal handlers: a plain flag (an Event's lock is not reentrant)
        self._workers: list[tuple[Any, Event]] = []

    def _start(self) -> tuple[Any, Event]:
        ready = self._ctx.Event()
        process = self._ctx.Process(target=self.target, args=(self.host, self.port, ready), name="youju-worker")
        process.start()
        return process, ready

    def _on_signal(self, signum: int, frame: FrameType | None) -> None:
        if signum == getattr(signal, "SIGHUP", None):
            # Workers still starting are skipped: SIGHUP would kill one before its handler is installed, and it
            # reads the live build anyway.
            for process, ready in self._workers:
                if process.pid is not None and ready.is_set():
                    with contextlib.suppress(OSError):
                        os.kill(process.pid, signum)
            return
        self.stop()

    def stop(self) -> None:
        """Stop the workers and return from ``run`` (what SIGTERM and SIGINT do)."""
        self._stopping = True

    def run(self) -> int:
        """Serve until stopped: 0, or 1 when the workers could not start."""
        problem = port_problem(self.host, self.port)
        if problem is not None:
            print(f"youju serve: cannot listen on {self.host}:{self.port}: {problem}", file=sys.stderr)
            return 1
        handled = [s for s in (signal.SIGTERM, signal.SIGINT, getattr(signal, "SIGHUP", None)) if s is not None]
        previous = {sig: signal.signal(sig, self._on_signal) for sig in handled}
        try:
            return self._run()
        finally:
            self._shutdown()
            for sig, handler in previous.items():
                signal.signal(sig, handler)

    def _run(self) -> int:
        self._workers = [self._start() for _ in range(self.count)]
        log.info("started %d workers on %s:%d", self.count, self.host, self.port)
        served = False  # some worker has served: from then on a worker that dies is started again
        backoff = RESTART_SECONDS
        next_restart = 0.0
        while not self._stopping:
            time.sleep(WATCH_SECONDS)
            served = served or any(ready.is_set() for _, ready in self._workers)
            for i, (process, ready) in enumerate(self._workers):
                if process.is_alive() or self._stopping:
                    continue
                if not served:
                    log.error("worker %s exited (code %s) before any served: stopping", process.pid, process.exitcode)
                    return 1
                if time.monotonic() < next_restart:
                    continue
                log.error("worker %s exited (code %s): starting another", process.pid, process.exitcode)
                # A worker that keeps dying is started again less and less often (each start loads the model).
                backoff = RESTART_SECONDS if ready.is_set() else min(2 * backoff, RESTART_SECONDS_MAX)
                next_restart = time.monotonic() + backoff
                self._workers[i] = self._start()
        return 0

    def _shutdown(self) -> None:
        """SIGTERM to every worker (each stops accepting and finishes its requests), then wait for them."""
        for process, _ in self._workers:
            if process.is_alive():
                process.terminate()
        deadline = time.monotonic() + self.grace_seconds + 10
        for process, _ in self._workers:
            process.join(max(0.0, deadline - time.monotonic()))
            if process.is_alive():
                log.error("worker %s did not stop in time: killed", process.pid)
                process.kill()
                process.join()
