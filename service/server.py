"""``youju serve``: build the index if there is none, then run the API under uvicorn: in this process, or in
``workers`` processes that share the port and the memory-mapped index (``worker_app``, their factory).

One process answers with one interpreter lock: on 2 cores, 16 clients kept the machine about 74 % busy, the
searches' Python steps and the event loop waiting for each other; two workers of one encoder lane each kept it
96 % busy and answered up to 1.5x the requests a second (343 and 378 against 230 and 245 in this session's
runs, ``eval/loadgen.py`` on the shipped report). On Linux each worker listens with a socket of its own
(``service/workers.py``), and the kernel spreads the connections over them by a hash of their addresses."""

from __future__ import annotations

import ipaddress
import logging
import os
import signal
import sys
import threading
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Any

from index import live
from index.config import Settings
from index.errors import IndexNotFoundError
from service.checks import check_settings
from service.logs import configure_logging
from service.memory import tune as tune_memory
from service.protocol import protocol, protocol_path
from service.workers import Supervisor, reuse_port_spreads

if TYPE_CHECKING:
    from service.state import Runtime

# The application (service.app: FastAPI, the routes, the search pipeline) is imported only by the processes
# that serve or build: with workers, the process that starts and watches them never does.

log = logging.getLogger("youju.service")


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def install_sighup(runtime: Runtime) -> None:
    """SIGHUP reloads the index (like POST /api/v1/admin/reload), in a thread: never in the handler."""
    if not hasattr(signal, "SIGHUP") or threading.current_thread() is not threading.main_thread():
        return

    def on_hup(signum: int, frame: FrameType | None) -> None:
        log.info("SIGHUP: reloading the index")
        threading.Thread(target=runtime.reload_logged, name="youju-reload", daemon=True).start()

    signal.signal(signal.SIGHUP, on_hup)


def serve(settings: Settings, host: str | None = None, port: int | None = None, index_dir: Path | None = None) -> int:
    import uvicorn

    if index_dir is not None:
        settings = settings.model_copy(update={"index_dir": index_dir})
    check_settings(settings)  # refuse to start on unsafe keys before any slow work
    configure_logging(settings.log_format, settings.log_level)
    tune_memory()
    try:
        if settings.backend == "embedded":  # a replica of the engine never builds: the build job publishes
            live.resolve(settings.index_dir)
    except IndexNotFoundError:
        from index.pipeline import build
        from service.app import configure_threads

        configure_threads(settings)
        print(
            f"youju serve: no index at {settings.index_dir}; building it from {settings.corpus_dir}",
            file=sys.stderr,
        )
        report = build(settings, progress=sys.stderr.isatty())
        print(f"youju serve: built {report.build_dir} ({report.passages} passages)", file=sys.stderr)

    bind_host = host or settings.host
    if settings.staff_key is None and not _is_loopback(bind_host):
        log.warning("YOUJU_STAFF_KEY is not set: the staff console and feedback are open to anyone on %s", bind_host)
    if settings.metrics_key is None and not _is_loopback(bind_host):
        log.info("YOUJU_METRICS_KEY is not set: /metrics is open on %s (block it at the proxy, or set it)", bind_host)
    options = uvicorn_options(settings)
    # uvicorn logs through the handler configure_logging installed (log_config=None: it installs none of its
    # own); its access log, which holds client addresses and query strings, is replaced by youju.access.
    common: dict[str, Any] = {
        "host": bind_host,
        "port": port or settings.port,
        "log_level": settings.log_level,
        "log_config": None,
        "access_log": False,
    }
    if settings.workers > 1:
        # The workers read their settings from the environment, as this process did; what the command line
        # changed is put there. Each takes connections once its index is loaded, and finds a new build by
        # its own poll.
        os.environ["YOUJU_INDEX_DIR"] = str(settings.index_dir)
        if reuse_port_spreads():  # a socket per worker (service/workers.py); SIGHUP reloads in every worker
            return Supervisor(settings.workers, bind_host, common["port"], settings.shutdown_grace_seconds).run()
        # Elsewhere uvicorn's workers, on one shared socket; SIGHUP restarts them one by one.
        options["http"] = protocol_path()
        uvicorn.run(f"{__name__}:worker_app", factory=True, workers=settings.workers, **common, **options)
        return 0
    from service.app import configure_threads, create_app

    configure_threads(settings)
    app = create_app(settings)
    install_sighup(app.state.runtime)
    uvicorn.run(app, workers=1, **common, **options)
    return 0


def worker_app() -> Any:
    """The application of one ``youju serve`` worker process (``workers`` > 1), configured from the
    environment like the process that started it."""
    from service.app import configure_threads, create_app

    settings = Settings()
    configure_logging(settings.log_format, settings.log_level)
    configure_threads(settings)
    tune_memory()
    return create_app(settings)


def uvicorn_options(settings: Settings) -> dict[str, Any]:
    """How uvicorn treats forwarding headers, from YOUJU_TRUSTED_PROXIES only (uvicorn's own default would
    believe X-Forwarded-For from 127.0.0.1, so a same-host proxy passing the client's header through would let
    any client choose its address and escape the rate limit)."""
    trusted = settings.trusted_proxies
    return {
        "proxy_headers": bool(trusted),
        "forwarded_allow_ips": ",".join(trusted) if trusted else "",
        "server_header": False,
        # SIGTERM: stop accepting, let requests in flight (and queued) finish, then exit.
        "timeout_graceful_shutdown": settings.shutdown_grace_seconds,
        # Requests too malformed to reach the application get the JSON error shape too (service/protocol.py).
        "http": protocol(),
    }
