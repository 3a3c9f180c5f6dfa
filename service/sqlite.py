"""The SQLite files the service keeps (feedback, query log, pinned answers): owner-only, durable, and a
damaged or missing file never takes searching down with it.

``SqliteStore`` opens one file with its schema (mode 0600 from the first byte: SQLite gives its -wal and
-shm files the database's mode), WAL journal and ``synchronous=FULL``; ``_db()`` yields a connection and
turns any ``sqlite3.Error`` into the store's ``unavailable`` error (a 503 with a clear message).
"""

from __future__ import annotations

import logging
import os
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import ClassVar

from index.errors import YoujuError

log = logging.getLogger("youju.service")


def utc_now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def days_ago(days: float) -> str:
    return (datetime.now(UTC) - timedelta(days=days)).isoformat(timespec="seconds")


class SqliteStore:
    SCHEMA: ClassVar[str] = ""
    WHAT: ClassVar[str] = "store"
    # The table whose rows expire after ``retention_days`` (by their ``created_at``); "" for none.
    TABLE: ClassVar[str] = ""
    unavailable: ClassVar[type[YoujuError]] = YoujuError

    def __init__(self, path: Path, retention_days: int = 0) -> None:
        self.path = path
        self.retention_days = retention_days
        self._lock = threading.Lock()  # one writer at a time inside the process

    def _purge(self, conn: sqlite3.Connection) -> int:
        """Delete the rows older than the retention period; the number deleted."""
        if not self.retention_days or not self.TABLE:
            return 0
        return int(
            conn.execute(f"DELETE FROM {self.TABLE} WHERE created_at < ?", (days_ago(self.retention_days),)).rowcount
        )

    def _create(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        os.close(os.open(self.path, os.O_CREAT | os.O_WRONLY, 0o600))
        os.chmod(self.path, 0o600)
        conn = self._connect()
        try:
            conn.execute("PRAGMA journal_mode=WAL")
            conn.executescript(self.SCHEMA)
        finally:
            conn.close()

    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.path, timeout=10.0, isolation_level=None)
        conn.execute("PRAGMA synchronous=FULL")
        conn.execute("PRAGMA busy_timeout=10000")
        conn.row_factory = sqlite3.Row
        return conn

    @contextmanager
    def _db(self) -> Iterator[sqlite3.Connection]:
        """A connection, closed after use. A file that went missing is recreated (empty); a damaged or full
        one raises ``unavailable``: what this store keeps is lost, searches go on."""
        conn: sqlite3.Connection | None = None
        try:
            conn = self._connect()
            # Always: a file that went missing is recreated by whichever store touches it first, and two
            # stores may share one file (query log and pins), so each makes sure of its own tables (IF NOT
            # EXISTS: a read of the schema when they are there).
            conn.executescript(self.SCHEMA)
            yield conn
        except sqlite3.Error as e:
            log.error("%s %s: %s", self.WHAT, self.path, e)
            raise self.unavailable(f"the {self.WHAT} cannot be used ({e}); searches are not affected") from e
        finally:
            if conn is not None:
                conn.close()
