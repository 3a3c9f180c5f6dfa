"""What every store builds on: a ``Database`` (``service/db/engine.py``), the store's own 503 error, and the
retention purge.

``_db()`` yields a connection in a transaction and turns any database error into the store's
``unavailable`` error (a 503 with a clear message, "searches are not affected"): a damaged or full SQLite
file, a database server that is down. The details go to the log, never the URL's password.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, ClassVar

import sqlalchemy as sa
from alembic.util import CommandError
from sqlalchemy.dialects import postgresql, sqlite

from index.errors import YoujuError
from service.db.engine import Database

log = logging.getLogger("youju.service")


def utc_now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def days_ago(days: float) -> str:
    return (datetime.now(UTC) - timedelta(days=days)).isoformat(timespec="seconds")


def database(target: Database | Path | str) -> Database:
    """``target`` as a Database: an open one as is, a path as its SQLite file, a string as a URL."""
    return target if isinstance(target, Database) else Database.open(target)


def insert_ignore(conn: sa.Connection, table: sa.Table, rows: Sequence[dict[str, Any]], keys: list[str]) -> int:
    """Insert ``rows``, skipping those whose ``keys`` are already there (ON CONFLICT DO NOTHING, on
    PostgreSQL and SQLite alike: replicas racing to record the same thing all succeed, one row is kept).
    The number inserted."""
    if not rows:
        return 0
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    # RETURNING gives the rows that went in (rowcount is not reliable here: psycopg reports -1).
    stmt = dialect.insert(table).on_conflict_do_nothing(index_elements=keys).returning(*table.primary_key.columns)
    return len(conn.execute(stmt, list(rows)).all())


class Store:
    WHAT: ClassVar[str] = "store"
    # The table whose rows expire after ``retention_days`` (by their ``created_at``); None for none.
    TABLE: ClassVar[sa.Table | None] = None
    unavailable: ClassVar[type[YoujuError]] = YoujuError

    def __init__(self, db: Database | Path | str, retention_days: int = 0) -> None:
        self.db = database(db)
        self.retention_days = retention_days
        self._lock = threading.Lock()  # one writer at a time inside the process

    @property
    def path(self) -> Path | None:
        """The SQLite file (None on a database server)."""
        return self.db.path

    def _purge(self, conn: sa.Connection) -> int:
        """Delete the rows older than the retention period; the number deleted."""
        table = self.TABLE
        if not self.retention_days or table is None:
            return 0
        return int(conn.execute(table.delete().where(table.c.created_at < days_ago(self.retention_days))).rowcount)

    def start(self) -> None:
        """Migrate the database and purge expired rows (raises ``unavailable``)."""
        with self._db(write=True) as conn:
            self._purge(conn)

    @contextmanager
    def _db(self, *, write: bool = False) -> Iterator[sa.Connection]:
        """A connection in a transaction (committed at the end of the block). A missing SQLite file is
        recreated (empty); a damaged or full one, or a server that is down, raises ``unavailable``: what
        this store keeps cannot be used, searches go on."""
        try:
            with self.db.transaction(write=write) as conn:
                yield conn
        except (sa.exc.SQLAlchemyError, self.db.engine.dialect.loaded_dbapi.Error, CommandError) as e:
            log.error("%s %s: %s", self.WHAT, self.db.where, self.db.scrub(str(getattr(e, "orig", None) or e)))
            reason = self.db.reason(e)
            raise self.unavailable(f"the {self.WHAT} cannot be used ({reason}); searches are not affected") from e

    def ping(self) -> None:
        """A cheap round trip to the database (raises ``unavailable``)."""
        try:
            self.db.ping()
        except (sa.exc.SQLAlchemyError, self.db.engine.dialect.loaded_dbapi.Error) as e:
            raise self.unavailable(f"the {self.WHAT} cannot be used ({self.db.reason(e)})") from e
