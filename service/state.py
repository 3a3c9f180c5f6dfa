"""What the running service holds: the live searcher (swapped whole on reload), limits, feedback store."""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import cast

from fastapi import Request
from starlette.types import Scope

from index.config import Settings
from index.errors import YoujuError
from index.normalize import to_simplified, to_traditional
from index.records import DocumentInfo, FileReport
from index.search import Searcher
from service import memory
from service.batching import BatchingEmbedder, encoder_lanes
from service.db.engine import Database
from service.errors import ApiError, FeedbackUnavailableError, RegistryUnavailableError
from service.feedback import FeedbackStore
from service.gate import SearchGate
from service.metrics import Metrics
from service.pins import PinMatcher, PinStore, reconcile
from service.querylog import QueryLog
from service.ratelimit import RateLimiter, client_ip, rate_key
from service.registry import RegistryStore
from service.schemas import DatabaseStatus, ReadinessResponse, ReloadResponse
from service.uploads import Jobs

log = logging.getLogger("youju.service")

SearcherFactory = Callable[[Settings], Searcher]

# Run once when a searcher is loaded, so the first citizen does not pay for lazy initialisation
# (model graph, jieba dictionary, OpenCC tables).
WARMUP_QUERY = "怀柔森林覆盖率多少"
# Guessing a staff, admin or Dify key: 10 wrong tries at once per client address, then one every 6 seconds.
AUTH_FAILURE_BURST = 10
AUTH_FAILURES_PER_MINUTE = 10
# Queued searches per search slot at most, whatever the latency budget allows (it bounds memory under a flood
# of cached, instant answers).
QUEUE_CAP_PER_SLOT = 16
# Seconds a database check (/readyz, the staff status) is reused: probes every second cost one query per 5 s.
DATABASE_CHECK_SECONDS = 5.0
# The longest wait before a replica tries again to load a build that failed to load (scale-out mode).
FOLLOW_BACKOFF_MAX = 300.0


def default_searcher_factory(settings: Settings) -> Searcher:
    """The production searcher: index from ``settings.index_dir``, model from the settings (loaded once)."""
    from index.pipeline import open_searcher

    return open_searcher(settings)


def warm(searcher: Searcher) -> None:
    """Before a searcher serves: known passages must find themselves (raises IndexCorruptError, so a broken
    index never goes live and /readyz stays 503, or the old one keeps serving), then first-use costs."""
    searcher.self_check()
    searcher.search(WARMUP_QUERY, 1)
    searcher.translate.prepare()
    to_traditional("怀柔区森林覆盖率")
    to_simplified("懷柔區森林覆蓋率")


class Runtime:
    """The state of one running service (``app.state.runtime``); the searcher is swapped whole on reload."""

    def __init__(self, settings: Settings, factory: SearcherFactory) -> None:
        self.settings = settings
        self.factory = factory
        self.searcher: Searcher | None = None  # replaced as a whole; requests capture it once
        self.error: YoujuError | None = None
        self.loading = False
        self.started_at = time.time()
        self.metrics = Metrics()  # this service's own registry, served at /metrics
        self.gate = SearchGate(
            settings.max_concurrent_searches,
            settings.busy_timeout_seconds,
            max_waiting=QUEUE_CAP_PER_SLOT * settings.max_concurrent_searches,
            on_busy=self.metrics.refused_busy,
            budget=settings.queue_budget_seconds,
        )
        self.metrics.watch(
            ready=lambda: self.searcher is not None,
            running=lambda: self.gate.running,
            waiting=lambda: self.gate.waiting,
        )
        self.limiter = RateLimiter(settings.rate_limit_per_minute, settings.rate_limit_burst)
        self.staff_limiter = RateLimiter(settings.staff_rate_limit_per_minute, settings.staff_rate_limit_burst)
        # Wrong staff or admin credentials: AUTH_FAILURE_BURST tries at once, then AUTH_FAILURES_PER_MINUTE.
        self.auth_failures = RateLimiter(AUTH_FAILURES_PER_MINUTE, AUTH_FAILURE_BURST)
        self.feedback: FeedbackStore | None = None
        self.query_log: QueryLog | None = None
        self.pins: PinStore | None = None
        self.registry: RegistryStore | None = None
        self._databases: dict[str, Database] = {}
        self._database_status: tuple[float, DatabaseStatus] | None = None
        self.pins_missing = 0
        self._matcher: tuple[Searcher, int, PinMatcher] | None = None
        self._matcher_lock = threading.Lock()
        self._reload_lock = threading.Lock()
        self._documents: tuple[Searcher, list[DocumentInfo]] | None = None
        self.jobs = Jobs(self.rebuild)
        # Scale-out mode (YOUJU_BACKEND=qdrant): the engine's state as the last poll found it (None: answering).
        self.backend_error: str | None = None
        self._stopping = threading.Event()

    # ------------------------------------------------------------------------------ lifecycle
    def batched(self, searcher: Searcher) -> Searcher:
        """``searcher`` with its query encoder micro-batched (service/batching.py), unless batching is off.
        Reloads keep the wrapper (``Searcher.with_index`` reuses the embedder)."""
        s = self.settings
        if s.encoder_batch_size > 1 and not isinstance(searcher.embedder, BatchingEmbedder):
            searcher.embedder = BatchingEmbedder(
                searcher.embedder,
                max_batch=s.encoder_batch_size,
                max_wait=s.encoder_batch_wait_ms / 1000,
                in_flight=lambda: self.gate.running,
                lanes=encoder_lanes(s),
            )
        return searcher

    def database(self, path: Path) -> Database:
        """The database of the store whose SQLite file would be ``path``: the shared database at
        ``database_url`` for every store when it is set, else that file (one Database per file)."""
        url = self.settings.database_url
        key = "url" if url is not None else str(path)
        db = self._databases.get(key)
        if db is None:
            db = self._databases[key] = Database.open(url.get_secret_value() if url is not None else path)
        return db

    def open_feedback(self) -> None:
        """The feedback store; a database that cannot be used now is logged and tried again on each use."""
        s = self.settings
        db = self.database(s.feedback_db)
        try:
            self.feedback = FeedbackStore.open(db, s.client_hash_secret, retention_days=s.feedback_retention_days)
        except FeedbackUnavailableError as e:
            log.error("%s; feedback is refused until it can be used", e.message)
            self.feedback = FeedbackStore.lazy(db, s.client_hash_secret, retention_days=s.feedback_retention_days)

    def open_state(self) -> None:
        """The query log, the pins and the build registry (one SQLite file, or the shared database); a database
        that cannot be used now is logged, and tried again on each use."""
        s = self.settings
        db = self.database(s.state_db)
        self.pins = PinStore(db)
        self.query_log = QueryLog(db, retention_days=s.query_log_retention_days) if s.query_log else None
        self.registry = RegistryStore(db)
        try:
            self.pins.start()
            if self.query_log is not None:
                self.query_log.start()
        except YoujuError as e:
            log.error("state database %s cannot be used now: %s", db.where, e.message)

    def follow_engine(self) -> None:
        """Scale-out mode, and each of several workers: every ``backend_poll_seconds``, ask which build is live
        (the engine's alias; the ``current`` build on disk for workers, so that a reload asked of one reaches
        all). A new
        one is loaded and swapped in without a restart (searches in flight finish on the old one); a replica
        that started before any build was published loads the first one. A build that fails to load leaves the
        old one serving and is tried again after a doubling wait (poll interval up to FOLLOW_BACKOFF_MAX
        seconds): a broken build is not reloaded, whole, at every poll. What the poll finds is the engine's
        health (readiness)."""
        from index import pipeline

        poll = self.settings.backend_poll_seconds
        retry: dict[str, tuple[float, float]] = {}  # build id -> (next try, wait after the next failure)
        while not self._stopping.wait(poll):
            try:
                live = pipeline.live_build_id(self.settings)
            except Exception as e:  # noqa: BLE001 - any failure to ask is the engine's state, reported
                if self.backend_error is None:
                    log.error("the search engine cannot be reached: %s: %s", type(e).__name__, e)
                self.backend_error = type(e).__name__
                continue
            if self.backend_error is not None:
                log.info("the search engine answers again")
            self.backend_error = None
            current = self.searcher
            if live is None or self.loading or (current is not None and live == current.index.manifest.build_id):
                continue
            next_try, wait = retry.get(live, (0.0, poll))
            if time.monotonic() < next_try:
                continue
            if current is None:
                self.load()
                ok = self.searcher is not None
            else:
                log.info("the live build is now %s: switching to it", live)
                try:
                    self.reload()
                    ok = True
                except Exception as e:  # noqa: BLE001 - the old build keeps serving; logged, tried again later
                    log.error("build %s not loaded, still serving the previous one: %s", live, e)
                    ok = False
            if ok:
                retry.clear()
            else:
                retry[live] = (time.monotonic() + wait, min(2 * wait, FOLLOW_BACKOFF_MAX))

    def close(self) -> None:
        """Stop following the engine, write what the query log holds and close the databases' connections."""
        self._stopping.set()
        if self.query_log is not None:
            self.query_log.flush()
        for db in self._databases.values():
            db.close()

    def database_status(self) -> DatabaseStatus | None:
        """Whether the service's database(s) answer (checked at most every DATABASE_CHECK_SECONDS); None
        before any is open."""
        if not self._databases:
            return None
        cached = self._database_status
        if cached is not None and time.monotonic() - cached[0] < DATABASE_CHECK_SECONDS:
            return cached[1]
        error: str | None = None
        for db in list(self._databases.values()):
            try:
                db.ping()
            except Exception as e:  # noqa: BLE001 - any failure is the database's state, reported
                error = f"{db.where}: {db.reason(e)}"
                log.error("database check failed: %s", error)
                break
        first = next(iter(self._databases.values()))
        status = DatabaseStatus(
            kind=first.dialect,
            where=[db.where for db in self._databases.values()],
            ok=error is None,
            error=error,
        )
        self._database_status = (time.monotonic(), status)
        return status

    def _reconcile(self, searcher: Searcher) -> None:
        if self.pins is None:
            return
        try:
            self.pins_missing = reconcile(self.pins, searcher)
        except YoujuError as e:
            log.error("pins not checked against the index: %s", e.message)

    def matcher(self, searcher: Searcher) -> PinMatcher | None:
        """The pin matcher of this searcher and this version of the pins (built once, when pins exist)."""
        pins = self.pins
        if pins is None:
            return None
        with self._matcher_lock:
            cached = self._matcher
            if cached is not None and cached[0] is searcher and cached[1] == pins.version:
                return cached[2]
            try:
                version = pins.version
                stored = pins.all()
            except YoujuError as e:  # a search never fails for its pins: it goes on without them
                log.error("pins not used: %s", e.message)
                return None
            m = PinMatcher(searcher, stored, self.settings.pin_similarity) if stored else None
            if m is not None:
                self._matcher = (searcher, version, m)
            return m

    def load(self) -> None:
        """Start-up: load the index and model and warm them (in a background thread; /readyz waits)."""
        self.loading = True
        t0 = time.perf_counter()
        try:
            with self._reload_lock:
                if self.searcher is not None:
                    return
                searcher = self.batched(self.factory(self.settings))
                warm(searcher)
                self._reconcile(searcher)
                self.searcher = searcher
                self.error = None
            self._went_live(searcher)
            m = searcher.index.manifest
            log.info(
                "ready: index %s (%d passages), model %s, in %.1fs",
                m.build_id,
                len(searcher.index.passages),
                searcher.embedder.model_id,
                time.perf_counter() - t0,
            )
        except YoujuError as e:
            self.error = e
            log.error("the index could not be loaded: %s", e.message)
        except Exception as e:  # noqa: BLE001 - reported on /readyz; the process stays up for diagnosis
            self.error = YoujuError(f"{type(e).__name__}: {e}")
            log.exception("the index could not be loaded")
        finally:
            self.loading = False

    def reload(self) -> ReloadResponse:
        """Load the live index from disk and swap it in; searches in flight finish on the old one.

        The embedder (the model) of the current searcher is reused, so a reload costs an index read,
        not a model load. On failure the old searcher keeps serving and the error is raised.
        """
        from index import pipeline

        t0 = time.perf_counter()
        with self._reload_lock:
            old = self.searcher
            new = (
                self.batched(self.factory(self.settings))
                if old is None
                else old.with_index(pipeline.load_index(self.settings))
            )
            warm(new)
            self._reconcile(new)
            self.searcher = new
            self.error = None
        self._went_live(new)
        # The old index is freed once the searches in flight on it end; what the allocator holds free is
        # given back now (service/memory.py), so memory stays flat over many reloads.
        memory.trim()
        m = new.index.manifest
        log.info("reloaded index %s (%d passages)", m.build_id, len(new.index.passages))
        return ReloadResponse(
            index=m.info(),
            previous=old.index.manifest.info() if old is not None else None,
            seconds=round(time.perf_counter() - t0, 3),
        )

    def _went_live(self, searcher: Searcher) -> None:
        ix = searcher.index
        self.metrics.index_loaded(ix.manifest.build_id, ix.manifest.model, len(ix.passages), len(ix.documents))
        self._record_build(searcher)

    def _record_build(self, searcher: Searcher) -> None:
        """The build history and document registry: the build that went live and what it holds (once per
        build, whichever replica sees it first). A database that cannot be used is logged; serving goes on."""
        if self.registry is None:
            return
        ix = searcher.index
        documents = [
            {"doc_id": d.doc_id, "path": d.path, "title": d.title, "metadata": d.metadata} for d in ix.documents.heads
        ]
        try:
            if self.registry.record_build(asdict(ix.manifest), documents):
                log.info("build %s recorded in the build history", ix.manifest.build_id)
        except YoujuError as e:
            log.error("build %s not recorded in the build history: %s", ix.manifest.build_id, e.message)

    def rebuild(self) -> tuple[str, list[FileReport]]:
        """Build the corpus (unchanged files are reused) with the serving model, then switch to it."""
        from index.pipeline import build_corpus, make_embedder

        searcher = self.searcher
        embedder = searcher.embedder if searcher is not None else make_embedder(self.settings)
        s = self.settings
        report = build_corpus(s, s.corpus_dir, s.index_dir, embedder)
        if searcher is None or searcher.index.manifest.build_id != report.build_dir.name:
            self.reload()
        return report.build_dir.name, report.files

    def reload_logged(self) -> None:
        """SIGHUP: reload, and only log a failure (there is nobody to answer)."""
        try:
            self.reload()
        except YoujuError as e:
            log.error("reload failed, still serving the previous index: %s", e.message)
        except Exception:
            log.exception("reload failed, still serving the previous index")

    # ------------------------------------------------------------------------------ requests
    def require(self) -> Searcher:
        searcher = self.searcher
        if searcher is None:
            # The public answer names the kind of failure only: the details (paths, library messages) are for
            # the log and the staff status, not for whoever is probing the service.
            why = f" ({self.error.code}: see the service log or /api/v1/staff/status)" if self.error is not None else ""
            raise ApiError(
                503, "not_ready", f"the index is not loaded yet{why}; try again shortly", {"Retry-After": "5"}
            )
        return searcher

    def authenticate(self, scope: Scope, authorization: str | None, check: Callable[[], None], who: str) -> None:
        """Run ``check`` (raises a 401 or 403 ApiError for wrong credentials) under the failed-sign-in throttle:
        a client that keeps presenting wrong keys is answered 429 without its key being compared, and every
        failure is logged with the client address (the key itself never is)."""
        client = rate_key(client_ip(scope))
        wait = self.auth_failures.waiting(client)
        if wait > 0:
            seconds = max(1, math.ceil(wait))
            self.metrics.limited("sign_in")
            log.warning("%s sign-in refused: too many failures from %s", who, client)
            raise ApiError(
                429,
                "rate_limited",
                f"too many failed sign-ins from this address; try again in {seconds} s",
                {"Retry-After": str(seconds)},
            )
        try:
            check()
        except ApiError as e:
            if e.status in (401, 403) and authorization:
                self.auth_failures.take(client)
                log.warning("%s sign-in failed from %s", who, client)
            raise

    def require_registry(self) -> RegistryStore:
        if self.registry is None:
            raise RegistryUnavailableError("the build history is not available: the state database could not be opened")
        return self.registry

    def require_feedback(self) -> FeedbackStore:
        if self.feedback is None:
            raise ApiError(503, "not_ready", "the feedback store is not open", {"Retry-After": "5"})
        return self.feedback

    def documents(self, searcher: Searcher) -> list[DocumentInfo]:
        cached = self._documents
        if cached is not None and cached[0] is searcher:
            return cached[1]
        docs = searcher.documents()
        self._documents = (searcher, docs)
        return docs

    def readiness(self) -> ReadinessResponse:
        """Ready once the index is loaded. The database is reported, not required: searches never need it,
        so a replica keeps answering them while feedback, pins and the query log answer 503."""
        index = self.require().index.manifest.info()
        if self.backend_error is not None:
            raise ApiError(
                503,
                "backend_unavailable",
                "the search engine cannot be reached; this replica cannot answer questions now",
                {"Retry-After": "5"},
            )
        db = self.database_status()
        return ReadinessResponse(index=index, database=None if db is None else "ok" if db.ok else "unavailable")


def get_runtime(request: Request) -> Runtime:
    return cast(Runtime, request.app.state.runtime)


async def runtime_dependency(request: Request) -> Runtime:
    """``get_runtime`` as a FastAPI dependency. ``async`` so that it runs on the event loop: FastAPI runs a
    plain ``def`` dependency in a worker thread, a thread hop on every request."""
    return get_runtime(request)
