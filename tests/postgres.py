"""A real PostgreSQL server for the tests (Debian's ``postgresql``): a cluster made by initdb in a temporary
directory, listening on a Unix socket in that directory only (no TCP port), with password authentication
(scram-sha-256) so that URLs carry a real password. Started and stopped with pg_ctl; as the ``postgres`` user
when the tests run as root (PostgreSQL refuses to run as root).

``tests/conftest.py`` starts one per session (``postgres``); a test that stops its server makes its own.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import secrets
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import sqlalchemy as sa

SUPERUSER = "youju"


def find_bindir() -> Path | None:
    """The directory of initdb/pg_ctl/postgres: pg_config's, Debian's newest, or the PATH's."""
    candidates: list[Path] = []
    if shutil.which("pg_config"):
        try:
            out = subprocess.run(["pg_config", "--bindir"], capture_output=True, text=True, timeout=10, check=True)
            candidates.append(Path(out.stdout.strip()))
        except (OSError, subprocess.SubprocessError):
            pass
    debian = sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=lambda p: int(p.parent.name), reverse=True)
    candidates += debian
    initdb = shutil.which("initdb")
    if initdb:
        candidates.append(Path(initdb).parent)
    for d in candidates:
        if all((d / tool).is_file() for tool in ("initdb", "pg_ctl", "postgres")):
            return d
    return None


class PostgresServer:
    """One throwaway cluster; ``url(database)`` for SQLAlchemy, ``new_database()`` for a fresh empty one."""

    _names = itertools.count(1)

    def __init__(self, bindir: Path) -> None:
        self.bindir = bindir
        self.as_postgres = os.geteuid() == 0
        # Short and outside pytest's root-only temp tree: the socket path is limited to ~100 bytes, and the
        # postgres user must be able to reach the directory.
        self.dir = Path(tempfile.mkdtemp(prefix="youju-pg-"))
        self.data = self.dir / "data"
        self.password = secrets.token_urlsafe(16)
        self.started_seconds = 0.0

    def _run(self, *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
        cmd = [str(self.bindir / args[0]), *args[1:]]
        if self.as_postgres:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=True)

    def init(self) -> PostgresServer:
        t0 = time.perf_counter()
        pwfile = self.dir / "pw"
        pwfile.write_text(self.password + "\n")
        if self.as_postgres:
            shutil.chown(self.dir, "postgres")
            shutil.chown(pwfile, "postgres")
        self._run(
            "initdb",
            "-D",
            str(self.data),
            "-U",
            SUPERUSER,
            f"--pwfile={pwfile}",
            "--auth=scram-sha-256",
            "-E",
            "UTF8",
            "--locale=C.UTF-8",
            "--no-sync",
        )
        pwfile.unlink()
        self.start()
        self.started_seconds = time.perf_counter() - t0
        return self

    def start(self) -> None:
        # Unix socket in our directory only; fsync off (-F): a test cluster, thrown away.
        options = f"-k {self.dir} -c listen_addresses='' -F"
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.dir / "log"), "-w", "-t", "60", "-o", options, "start")

    def stop(self) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "-t", "60", "stop")

    def close(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError):  # already stopped
            self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)

    def url(self, database: str = "postgres") -> str:
        return sa.URL.create(
            "postgresql+psycopg",
            username=SUPERUSER,
            password=self.password,
            database=database,
            query={"host": str(self.dir)},
        ).render_as_string(hide_password=False)

    def new_database(self) -> str:
        """A new, empty database's URL."""
        name = f"t{os.getpid()}_{next(self._names)}"
        self._admin(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def drop_database(self, url: str) -> None:
        name = sa.make_url(url).database
        self._admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def _admin(self, sql: str) -> None:
        engine = sa.create_engine(self.url(), isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
        try:
            with engine.connect() as conn:
                conn.exec_driver_sql(sql)
        finally:
            engine.dispose()


def start_server() -> PostgresServer | str:
    """A started server, or why there is none (no binaries; root without a postgres user)."""
    bindir = find_bindir()
    if bindir is None:
        return "PostgreSQL's server binaries (initdb, pg_ctl, postgres) are not installed (apt-get install postgresql)"
    if os.geteuid() == 0 and (shutil.which("runuser") is None or not _has_user("postgres")):
        return "running as root, and there is no postgres user (or runuser) to run PostgreSQL as"
    server = PostgresServer(bindir)
    try:
        return server.init()
    except (OSError, subprocess.SubprocessError) as e:
        log = server.dir / "log"
        detail = log.read_text(errors="replace")[-2000:] if log.exists() else getattr(e, "stderr", "") or ""
        server.close()
        return f"PostgreSQL could not be started: {e}\n{detail}"


def _has_user(name: str) -> bool:
    import pwd

    try:
        pwd.getpwnam(name)
    except KeyError:
        return False
    return True
