"""The query log: what citizens asked and what they got, for hotline managers (service/analytics.py).

One row per search from the widget, the API and the integrations (Dify, MCP). Written after the answer,
outside the request's critical path; a failing log never fails a search. Nothing personal is kept: the
question is redacted (``service/privacy.py``) before it is written, no client address is stored, and rows
older than ``query_log_retention_days`` are deleted. ``grouping`` is the question folded for counting
(normalised script, no punctuation or spaces, lower case): 怀柔森林覆盖率多少？ and 懷柔森林覆蓋率多少 count as
one question.
"""

from __future__ import annotations

import logging
import queue
import re
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa

from index.errors import YoujuError
from service.db import schema
from service.db.engine import Database
from service.db.store import Store, utc_now
from service.errors import QueryLogUnavailableError
from service.privacy import redact

log = logging.getLogger("youju.querylog")

# Rows waiting to be written at most (a few MB); rows written per transaction at most.
MAX_BACKLOG = 10_000
BATCH = 500
# How long the writer gathers rows before a transaction. One transaction per search (a connection, the
# pragmas, a commit with fsync) cost the next search about a millisecond of a 2-core machine; gathered for
# half a second, one client asking 100 questions a second writes ~50 rows per commit. ``flush`` (shutdown,
# reads, tests) writes at once.
GATHER_SECONDS = 0.5

_NOT_WORD = re.compile(r"[\W_]+")


def grouping_key(normalised: str) -> str:
    """The question as counted: ``normalised`` (script-folded by the searcher's normaliser) without
    punctuation and spaces, lower case."""
    return _NOT_WORD.sub("", normalised).lower()


@dataclass(frozen=True)
class LoggedQuery:
    channel: str
    query: str
    grouping: str
    answered: bool
    reason: str
    confidence: float
    top_passage: str | None
    pinned: bool
    results: int
    ms: float
    index_build: str | None


class QueryLog(Store):
    WHAT = "query log"
    TABLE = schema.queries
    unavailable = QueryLogUnavailableError

    def __init__(self, db: Database | Path | str, retention_days: int = 0) -> None:
        super().__init__(db, retention_days)
        self._writes = 0
        self.dropped = 0  # rows given up because the backlog was full (the disk far slower than searches)
        # Rows are queued with their time and written by one background thread, many per transaction: a
        # search never waits for the disk, and a burst never builds an unbounded backlog in memory.
        # None in the queue: ``flush`` asks for what was gathered to be written now.
        self._queue: queue.Queue[tuple[str, LoggedQuery] | None] = queue.Queue(maxsize=MAX_BACKLOG)
        self._thread = threading.Thread(target=self._drain, name="youju-querylog", daemon=True)
        self._thread.start()

    @classmethod
    def open(cls, db: Database | Path | str, *, retention_days: int = 0) -> QueryLog:
        """The log, migrated and purged (raises ``unavailable``)."""
        store = cls(db, retention_days)
        store.start()
        return store

    def add(self, q: LoggedQuery) -> None:
        """Record one search now (the question redacted here, whoever calls)."""
        self.add_many([(utc_now(), q)])

    def add_many(self, items: list[tuple[str, LoggedQuery]]) -> None:
        """Record searches (time, search) in one transaction, redacted."""
        rows = [
            {
                "created_at": when,
                "channel": q.channel,
                "query": redact(q.query)[0],
                "grouping": redact(q.grouping)[0],
                "answered": int(q.answered),
                "reason": q.reason,
                "confidence": float(q.confidence),
                "top_passage": q.top_passage,
                "pinned": int(q.pinned),
                "results": int(q.results),
                "ms": float(q.ms),
                "index_build": q.index_build,
            }
            for when, q in items
        ]
        with self._lock, self._db(write=True) as conn:
            before = self._writes
            self._writes += len(rows)
            if before // 1000 != self._writes // 1000 or before == 0:  # now and then, not on every search
                self._purge(conn)
            conn.execute(schema.queries.insert(), rows)

    def add_quietly(self, q: LoggedQuery) -> None:
        """``add``, logging instead of raising: a search is never failed by its log."""
        try:
            self.add(q)
        except YoujuError as e:
            log.error("query not logged: %s", e.message)

    def record(self, q: LoggedQuery) -> None:
        """Queue ``q`` for writing (never raises, never waits; dropped and counted when the backlog is full)."""
        try:
            self._queue.put_nowait((utc_now(), q))
        except queue.Full:
            self.dropped += 1
            if self.dropped % 1000 == 1:
                log.error("query log backlog full (%d rows waiting): %d searches not logged", MAX_BACKLOG, self.dropped)

    def _drain(self) -> None:
        while True:
            got = [self._queue.get()]
            deadline = time.monotonic() + GATHER_SECONDS
            while len(got) < BATCH and got[-1] is not None:
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                try:
                    got.append(self._queue.get(timeout=left))
                except queue.Empty:
                    break
            batch = [item for item in got if item is not None]
            try:
                if batch:
                    self.add_many(batch)
            except YoujuError as e:
                log.error("%d queries not logged: %s", len(batch), e.message)
            except Exception:  # noqa: BLE001 - the writer thread must outlive any one batch
                log.exception("%d queries not logged", len(batch))
            finally:
                for _ in got:
                    self._queue.task_done()

    def flush(self) -> None:
        """Wait until every queued row is written (before reading, at shutdown, and in tests)."""
        self._queue.put(None)
        self._queue.join()

    def rows(self, since: str) -> list[sa.RowMapping]:
        self.flush()
        t = schema.queries
        with self._db() as conn:
            return list(
                conn.execute(
                    sa.select(
                        t.c.created_at,
                        t.c.channel,
                        t.c.query,
                        t.c.grouping,
                        t.c.answered,
                        t.c.reason,
                        t.c.confidence,
                        t.c.top_passage,
                        t.c.pinned,
                    )
                    .where(t.c.created_at >= since)
                    .order_by(t.c.id)
                ).mappings()
            )
