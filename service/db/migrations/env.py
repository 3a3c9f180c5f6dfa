"""Alembic's environment for the service's database (``service/db/migrations``).

Run by ``service.db.engine.Database.upgrade`` with an open connection (``config.attributes["connection"]``),
or by the ``alembic`` command with ``-c service/db/alembic.ini`` and the URL in ``YOUJU_DATABASE_URL``.
All pending revisions run in one transaction; on PostgreSQL an advisory lock taken first serialises
replicas that start together (the second finds the schema at head and does nothing).
"""

from __future__ import annotations

import os

import sqlalchemy as sa
from alembic import context

from service.db.schema import metadata

# Any fixed 64-bit number: the advisory lock every replica takes while it migrates.
MIGRATION_LOCK = 0x796F756A75_01


def _run(connection: sa.Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",  # ALTER TABLE by copy, where SQLite lacks it
        transactional_ddl=True,
    )
    with connection.begin():
        if connection.dialect.name == "postgresql":
            connection.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
        context.run_migrations()


def run_migrations_online() -> None:
    connection = context.config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    url = context.config.get_main_option("sqlalchemy.url") or os.environ.get("YOUJU_DATABASE_URL")
    if not url:
        raise SystemExit("set YOUJU_DATABASE_URL (or sqlalchemy.url) to the database to migrate")
    from service.db.engine import Database

    db = Database.open(url)
    try:
        with db.engine.connect().execution_options(youju_immediate=True) as conn:
            _run(conn)
    finally:
        db.close()


if context.is_offline_mode():
    context.configure(url=context.config.get_main_option("sqlalchemy.url"), target_metadata=metadata)
    with context.begin_transaction():
        context.run_migrations()
else:
    run_migrations_online()
