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
import sqlite3
import threading
from dataclasses import dataclass
from pathlib import Path

from index.errors import YoujuError
from service.errors import QueryLogUnavailableError
from service.privacy import redact
from service.sqlite import SqliteStore, utc_now

log = logging.getLogger("youju.querylog")

SCHEMA = """
CREATE TABLE IF NOT EXISTS queries (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    created_at  TEXT    NOT NULL,
    channel     TEXT    NOT NULL,
    query       TEXT    NOT NULL,
    grouping    TEXT    NOT NULL,
    answered    INTEGER NOT NULL CHECK (answered IN (0, 1)),
    reason      TEXT    NOT NULL,
    confidence  REAL    NOT NULL,
    top_passage TEXT,
    pinned      INTEGER NOT NULL DEFAULT 0,
    results     INTEGER NOT NULL,
    ms          REAL    NOT NULL,
    index_build TEXT
);
CREATE INDEX IF NOT EXISTS queries_created ON queries (created_at);
CREATE INDEX IF NOT EXISTS queries_grouping ON queries (grouping);
"""

# Rows waiting to be written at most (a few MB); rows written per transaction at most.
MAX_BACKLOG = 10_000
BATCH = 500

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


class QueryLog(SqliteStore):
    SCHEMA = SCHEMA
    WHAT = "query log"
    TABLE = "queries"
    unavailable = QueryLogUnavailableError

    def __init__(self, path: Path, retention_days: int = 0) -> None:
        super().__init__(path, retention_days)
        self._writes = 0
        self.dropped = 0  # rows given up because the backlog was full (the disk far slower than searches)
        # Rows are queued with their time and written by one background thread, many per transaction: a
        # search never waits for the disk, and a burst never builds an unbounded backlog in memory.
        self._queue: queue.Queue[tuple[str, LoggedQuery]] = queue.Queue(maxsize=MAX_BACKLOG)
        self._thread = threading.Thread(target=self._drain, name="youju-querylog", daemon=True)
        self._thread.start()

    @classmethod
    def open(cls, path: Path, *, retention_days: int = 0) -> QueryLog:
        store = cls(path, retention_days)
        store._create()
        with store._db() as conn:
            store._purge(conn)
        return store

    def add(self, q: LoggedQuery) -> None:
        """Record one search now (the question redacted here, whoever calls)."""
        self.add_many([(utc_now(), q)])

    def add_many(self, items: list[tuple[str, LoggedQuery]]) -> None:
        """Record searches (time, search) in one transaction, redacted."""
        rows = [
            (
                when,
                q.channel,
                redact(q.query)[0],
                redact(q.grouping)[0],
                int(q.answered),
                q.reason,
                float(q.confidence),
                q.top_passage,
                int(q.pinned),
                int(q.results),
                float(q.ms),
                q.index_build,
            )
            for when, q in items
        ]
        with self._lock, self._db() as conn:
            before = self._writes
            self._writes += len(rows)
            if before // 1000 != self._writes // 1000 or before == 0:  # now and then, not on every search
                self._purge(conn)
            conn.execute("BEGIN")
            conn.executemany(
                "INSERT INTO queries (created_at, channel, query, grouping, answered, reason, confidence, "
                "top_passage, pinned, results, ms, index_build) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                rows,
            )
            conn.execute("COMMIT")

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
            batch = [self._queue.get()]
            while len(batch) < BATCH:
                try:
                    batch.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            try:
                self.add_many(batch)
            except YoujuError as e:
                log.error("%d queries not logged: %s", len(batch), e.message)
            except Exception:  # noqa: BLE001 - the writer thread must outlive any one batch
                log.exception("%d queries not logged", len(batch))
            finally:
                for _ in batch:
                    self._queue.task_done()

    def flush(self) -> None:
        """Wait until every queued row is written (before reading, and in tests)."""
        self._queue.join()

    def rows(self, since: str) -> list[sqlite3.Row]:
        self.flush()
        with self._db() as conn:
            return conn.execute(
                "SELECT created_at, channel, query, grouping, answered, reason, confidence, top_passage, pinned "
                "FROM queries WHERE created_at >= ? ORDER BY id",
                (since,),
            ).fetchall()
