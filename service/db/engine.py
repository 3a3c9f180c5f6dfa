"""One database the stores use: a SQLite file (the embedded default) or a server at a URL (PostgreSQL),
opened as an SQLAlchemy engine and migrated to the latest revision (Alembic, ``service/db/migrations``).

SQLite files are created owner-only (mode 0600 from the first byte: SQLite gives its -wal and -shm files
the database's mode), journalled with WAL and ``synchronous=FULL`` (set on every connection); a connection
is opened for each use (no pool), so a file deleted under the running service is recreated, migrated, by
the next use. Transactions are real (``BEGIN`` is issued by SQLAlchemy, not guessed by the driver), and
writes take the write lock first (``BEGIN IMMEDIATE``), so concurrent writers queue instead of failing.

On a server, connections are pooled and checked before use (``pool_pre_ping``): after a restart of the
database the next call gets a fresh connection. Migrations take an advisory lock, so replicas that start
together migrate once. The URL's password never appears in logs, errors or the staff status (``where``).
"""

from __future__ import annotations

import functools
import logging
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.pool import NullPool

log = logging.getLogger("youju.service")

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
# Seconds a connection to a database server may take before the call fails (503): a server that is down
# must not hold searches' log writes or staff pages for long.
CONNECT_TIMEOUT = 5
# Seconds SQLite waits for another writer's lock before giving up.
SQLITE_BUSY_SECONDS = 10


def alembic_config() -> Config:
    """Alembic's configuration from the package itself (no alembic.ini needed at run time)."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return cfg


def parse_url(raw: str | sa.URL) -> sa.URL:
    """An SQLAlchemy URL; ``postgres://`` and ``postgresql://`` (no driver named) mean psycopg 3, the driver
    installed with youju."""
    url = sa.make_url(raw)
    if url.drivername in ("postgres", "postgresql"):
        url = url.set(drivername="postgresql+psycopg")
    return url


def url_problem(raw: str) -> str | None:
    """What is wrong with a database URL, in words that never repeat it (it holds a password); None if fine."""
    try:
        url = parse_url(raw)
    except sa.exc.ArgumentError:
        return "is not a database URL like postgresql+psycopg://user:password@host/database"
    backend = url.get_backend_name()
    if backend not in ("postgresql", "sqlite"):
        return f"names the database {backend!r}: PostgreSQL (postgresql+psycopg://...) or SQLite (sqlite:///file)"
    if backend == "sqlite" and (not url.database or url.database == ":memory:"):
        return "names an SQLite database that is not a file"
    try:
        url.get_dialect()
    except (sa.exc.NoSuchModuleError, ImportError):
        return f"names a driver that is not installed ({url.drivername}); use postgresql+psycopg"
    return None


@functools.cache
def head_revision() -> str | None:
    """The latest revision of the migrations shipped with this version."""
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


# Alembic's ``context`` is one global per process: migrations of two databases in one process run in turn.
_ALEMBIC = threading.Lock()


class Database:
    """A SQLite file (``path``) or a database server (``url``), migrated on first use."""

    def __init__(self, engine: sa.Engine, path: Path | None) -> None:
        self.engine = engine
        self.path = path
        self.dialect: str = engine.dialect.name
        url = engine.url
        self.where = str(path) if path is not None else url.render_as_string(hide_password=True)
        self.url = url.render_as_string(hide_password=False)  # to open another engine on it (tests, tools)
        self._password = str(url.password) if url.password else None
        self._migrated = False
        self._lock = threading.Lock()

    # ------------------------------------------------------------------------------ opening
    @classmethod
    def open(cls, target: Path | str | sa.URL) -> Database:
        """``target``: a SQLite file (a path or ``sqlite:///...``) or a server's URL
        (``postgresql+psycopg://user:password@host/db``). Nothing is connected yet."""
        if isinstance(target, Path):
            return cls.sqlite(target)
        problem = url_problem(str(target)) if isinstance(target, str) else None
        if problem:
            raise ValueError(f"the database URL {problem}")
        url = parse_url(target)
        if url.get_backend_name() == "sqlite":
            return cls.sqlite(Path(str(url.database)))
        connect_args: dict[str, Any] = {}
        if url.get_backend_name() == "postgresql" and "connect_timeout" not in url.query:
            connect_args["connect_timeout"] = CONNECT_TIMEOUT
        engine = sa.create_engine(url, pool_pre_ping=True, connect_args=connect_args)
        _transactional(engine)
        return cls(engine, None)

    @classmethod
    def sqlite(cls, path: Path) -> Database:
        engine = sa.create_engine(
            sa.URL.create("sqlite", database=str(path)),
            poolclass=NullPool,  # a connection per use: a file replaced or deleted is seen at once
            connect_args={"timeout": SQLITE_BUSY_SECONDS},
        )

        @sa.event.listens_for(engine, "connect")
        def _pragmas(dbapi: Any, _record: Any) -> None:
            dbapi.isolation_level = None  # SQLAlchemy issues BEGIN itself (below): transactional DDL too
            cur = dbapi.cursor()
            try:
                cur.execute("PRAGMA journal_mode=WAL")
                cur.execute("PRAGMA synchronous=FULL")
                cur.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_SECONDS * 1000}")
                cur.execute("PRAGMA foreign_keys=ON")
            finally:
                cur.close()

        _transactional(engine)
        return cls(engine, path)

    def close(self) -> None:
        self.engine.dispose()

    # ------------------------------------------------------------------------------ schema
    def _create_file(self) -> None:
        assert self.path is not None
        self.path.parent.mkdir(parents=True, exist_ok=True)
        os.close(os.open(self.path, os.O_CREAT | os.O_WRONLY, 0o600))
        os.chmod(self.path, 0o600)

    def upgrade(self) -> None:
        """Create the SQLite file if it is missing, and apply every migration not yet applied (none: a
        read of the version table)."""
        with self._lock:
            if self.path is not None:
                self._create_file()
            if self.revision() != head_revision():  # (already there: no Alembic run, no lock)
                cfg = alembic_config()
                with _ALEMBIC, self.engine.connect().execution_options(youju_immediate=True) as conn:
                    cfg.attributes["connection"] = conn
                    command.upgrade(cfg, "head")
            self._migrated = True

    def revision(self) -> str | None:
        """The revision the database is at (None: not migrated)."""
        with self.engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()

    def _ready(self) -> None:
        if not self._migrated or (self.path is not None and not self.path.exists()):
            self.upgrade()

    # ------------------------------------------------------------------------------ use
    @contextmanager
    def transaction(self, *, write: bool = False) -> Iterator[sa.Connection]:
        """A connection in a transaction, committed when the block ends (rolled back on an exception).
        ``write``: take SQLite's write lock at once. Errors are the driver's, wrapped by SQLAlchemy."""
        self._ready()
        with self.engine.connect() as conn:
            if write:
                conn.execution_options(youju_immediate=True)
            with conn.begin():
                yield conn

    def ping(self) -> None:
        """``SELECT 1`` (raises the driver's error when the database cannot be used)."""
        with self.engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))

    def scrub(self, message: str) -> str:
        """``message`` without the URL's password."""
        return message.replace(self._password, "***") if self._password else message

    def reason(self, error: BaseException) -> str:
        """Why a call failed, fit for a 503 shown to anyone: SQLite's own message (disk full, not a
        database); for a server, that it cannot be reached, else the first line of its message."""
        orig = getattr(error, "orig", None) or error
        if self.dialect == "sqlite":
            return self.scrub(str(orig))
        state = getattr(orig, "sqlstate", None)
        if isinstance(error, (sa.exc.OperationalError, sa.exc.InterfaceError, sa.exc.TimeoutError)) and (
            state is None or state.startswith(("08", "57P"))
        ):
            return "the database server cannot be reached"
        first = str(orig).strip().splitlines()
        return self.scrub(first[0] if first else type(orig).__name__)


def _transactional(engine: sa.Engine) -> None:
    @sa.event.listens_for(engine, "begin")
    def _begin(conn: sa.Connection) -> None:
        if conn.dialect.name == "sqlite":
            immediate = conn.get_execution_options().get("youju_immediate", False)
            conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")
