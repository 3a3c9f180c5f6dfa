"""Copy the service's SQLite files (feedback, query log, pins, build history) into a shared database: the
step from the embedded mode to the scale-out mode (``YOUJU_DATABASE_URL``).

    YOUJU_DATABASE_URL=postgresql+psycopg://... python -m service.db.migrate copy-sqlite \
        var/feedback.sqlite3 var/youju.sqlite3

The target (``YOUJU_DATABASE_URL``) is migrated first. Rows keep their ids, so the copy can be run
again: rows already there, identical, are skipped; a row of the same id with other content stops the copy
(the target was written by something else: copy into an empty database). The source files are only read
(files written before migrations existed too). The feedback hashing secret kept beside a feedback file
(``<file>.secret``) is copied into the target's ``secrets`` table, so a client keeps the same anonymous key
after the move (unless the target already has one, or ``YOUJU_CLIENT_HASH_SECRET`` is set, which then
applies to both).
"""

from __future__ import annotations

import argparse
import sqlite3
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.pool import NullPool

from service.db import schema
from service.db.engine import Database
from service.db.store import insert_ignore, utc_now

# Parents before children (documents refer to builds).
TABLES = (schema.feedback, schema.queries, schema.pins, schema.builds, schema.documents)
CHUNK = 1000


class CopyError(Exception):
    """The copy cannot go on: the message says why (never with the target URL's password)."""


@dataclass
class CopyReport:
    copied: dict[str, int] = field(default_factory=dict)  # rows written, per table
    skipped: dict[str, int] = field(default_factory=dict)  # rows already there (an earlier run), per table
    secret: str = "none"  # copied, kept (the target had one), none (no secret file)

    def lines(self) -> list[str]:
        out = [
            f"{name}: {self.copied.get(name, 0)} copied, {self.skipped.get(name, 0)} already there"
            for name in sorted(set(self.copied) | set(self.skipped))
        ]
        return [*out, f"feedback secret: {self.secret}"]


def _reader(path: Path) -> sa.Engine:
    """A read-only engine on an existing SQLite file (nothing is created or migrated there)."""
    if not path.is_file():
        raise CopyError(f"{path}: no such SQLite file")
    uri = f"file:{path.resolve()}?mode=ro"
    return sa.create_engine("sqlite://", creator=lambda: sqlite3.connect(uri, uri=True), poolclass=NullPool)


def _key(table: sa.Table, row: dict[str, Any]) -> tuple[Any, ...]:
    return tuple(row[c.name] for c in table.primary_key.columns)


def _comparable(table: sa.Table, row: dict[str, Any]) -> dict[str, Any]:
    return {c.name: row.get(c.name) for c in table.columns}


def _copy_table(source: sa.Connection, target: sa.Connection, table: sa.Table, report: CopyReport) -> None:
    present = sa.inspect(source).has_table(table.name)
    if not present:
        return
    columns = {c["name"] for c in sa.inspect(source).get_columns(table.name)}
    selected = [c for c in table.columns if c.name in columns]
    order = list(table.primary_key.columns)
    result = source.execute(sa.select(*selected).order_by(*order))
    while chunk := result.mappings().fetchmany(CHUNK):
        rows = [dict(r) for r in chunk]
        keys = [_key(table, r) for r in rows]
        pk = list(table.primary_key.columns)
        existing: dict[tuple[Any, ...], dict[str, Any]] = {}
        if len(pk) == 1:
            found = target.execute(sa.select(table).where(pk[0].in_([k[0] for k in keys]))).mappings()
        else:
            found = target.execute(sa.select(table).where(sa.tuple_(*pk).in_(keys))).mappings()
        for r in found:
            existing[_key(table, dict(r))] = dict(r)
        new = []
        for row, key in zip(rows, keys, strict=True):
            there = existing.get(key)
            if there is None:
                new.append(row)
            elif _comparable(table, there) != _comparable(table, row):
                raise CopyError(
                    f"{table.name}: the target already holds another row with the key {key}; copy into an empty "
                    "database (or one this copy filled)"
                )
        if new:
            insert_ignore(target, table, new, [c.name for c in pk])
        report.copied[table.name] = report.copied.get(table.name, 0) + len(new)
        report.skipped[table.name] = report.skipped.get(table.name, 0) + len(rows) - len(new)


def _advance_sequences(target: sa.Connection) -> None:
    """PostgreSQL: ids given explicitly do not move the id sequences; move them past the copied rows."""
    if target.dialect.name != "postgresql":
        return
    for table in (schema.feedback, schema.queries, schema.pins):
        target.execute(
            sa.text(
                f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                f"COALESCE((SELECT MAX(id) FROM {table.name}), 0) + 1, false)"
            )
        )


def copy_sqlite(sources: Sequence[Path], target: Database | str) -> CopyReport:
    """Copy every row of the service's tables found in ``sources`` (SQLite files) into ``target``."""
    db = target if isinstance(target, Database) else Database.open(target)
    report = CopyReport()
    try:
        db.upgrade()
        with db.transaction(write=True) as out:
            for path in sources:
                engine = _reader(path)
                try:
                    with engine.connect() as source:
                        for table in TABLES:
                            _copy_table(source, out, table, report)
                except sa.exc.DBAPIError as e:
                    raise CopyError(f"{path}: {e.orig}") from e
                finally:
                    engine.dispose()
                secret = path.with_name(path.name + ".secret")
                if secret.is_file() and report.secret != "copied":
                    value = secret.read_text(encoding="ascii").strip()
                    row = {"name": "feedback.client_hash", "value": value, "created_at": utc_now()}
                    took = insert_ignore(out, schema.secrets, [row], ["name"]) == 1
                    report.secret = "copied" if took else "kept (the target has one)"
            _advance_sequences(out)
    except sa.exc.SQLAlchemyError as e:
        raise CopyError(f"{db.where}: {db.reason(e)}") from e
    finally:
        if not isinstance(target, Database):
            db.close()
    return report


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m service.db.migrate upgrade|current|copy-sqlite FILE...`` (``service.cli.DB``), with the
    settings of the environment (YOUJU_DATABASE_URL, or YOUJU_FEEDBACK_DB and YOUJU_STATE_DB)."""
    from index.config import Settings
    from service.cli import DB

    p = argparse.ArgumentParser(prog="python -m service.db.migrate", description=DB.help)
    DB.configure(p)
    args = p.parse_args(argv)
    no_overrides: dict[str, Any] = {}
    return DB.run(args, Settings(**no_overrides))


if __name__ == "__main__":
    sys.exit(main())
