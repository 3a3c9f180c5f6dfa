"""Citizen feedback in SQLite: durable (WAL, synchronous=FULL), and without client IPs.

A client is recorded only as ``client_key`` = HMAC-SHA256(secret, IP): the same address gives the same key
(so staff can spot one client flooding the form) but the address cannot be read back without the secret.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import sqlite3
from pathlib import Path

from pydantic import SecretStr

from service.errors import FeedbackUnavailableError
from service.privacy import redact
from service.schemas import FeedbackItem, FeedbackPage, FeedbackSummary
from service.sqlite import SqliteStore, utc_now

SCHEMA = """
CREATE TABLE IF NOT EXISTS feedback (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    created_at  TEXT    NOT NULL,
    query       TEXT    NOT NULL,
    passage_id  TEXT    NOT NULL,
    helpful     INTEGER NOT NULL CHECK (helpful IN (0, 1)),
    comment     TEXT,
    client_key  TEXT    NOT NULL,
    index_build TEXT
);
CREATE INDEX IF NOT EXISTS feedback_created ON feedback (created_at);
CREATE INDEX IF NOT EXISTS feedback_passage ON feedback (passage_id);
"""


def secret_path(db: Path) -> Path:
    return db.with_name(db.name + ".secret")


def load_or_create_secret(db: Path, configured: SecretStr | None) -> bytes:
    """The configured secret, else the one kept beside the database (created, mode 0600, on first use)."""
    if configured is not None:
        return configured.get_secret_value().encode("utf-8")
    path = secret_path(db)
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        value = path.read_text(encoding="ascii").strip()
        if len(value) < 32:
            raise ValueError(f"{path} holds no usable secret; delete it to generate a new one") from None
        return value.encode("ascii")
    value = secrets.token_hex(32)
    with os.fdopen(fd, "w", encoding="ascii") as f:
        f.write(value + "\n")
        f.flush()
        os.fsync(f.fileno())
    return value.encode("ascii")


class FeedbackStore(SqliteStore):
    SCHEMA = SCHEMA
    WHAT = "feedback store"
    TABLE = "feedback"
    unavailable = FeedbackUnavailableError

    def __init__(self, path: Path, secret: bytes, retention_days: int = 0) -> None:
        super().__init__(path, retention_days)
        self._secret = secret

    @classmethod
    def open(cls, path: Path, configured_secret: SecretStr | None, *, retention_days: int = 0) -> FeedbackStore:
        path.parent.mkdir(parents=True, exist_ok=True)
        store = cls(path, load_or_create_secret(path, configured_secret), retention_days)
        store._create()
        with store._db() as conn:
            store._purge(conn)
        return store

    def client_key(self, ip: str) -> str:
        return hmac.new(self._secret, ip.encode("utf-8"), hashlib.sha256).hexdigest()

    def add(
        self,
        *,
        query: str,
        passage_id: str,
        helpful: bool,
        comment: str | None,
        client_ip: str,
        index_build: str | None,
    ) -> int:
        now = utc_now()
        # Nothing personal is written: ID, phone, e-mail and card numbers become markers (service/privacy.py).
        query = redact(query)[0]
        comment = redact(comment)[0] if comment else comment
        with self._lock, self._db() as conn:
            self._purge(conn)
            cur = conn.execute(
                "INSERT INTO feedback (created_at, query, passage_id, helpful, comment, client_key, "
                "index_build) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (now, query, passage_id, int(helpful), comment, self.client_key(client_ip), index_build),
            )
            return int(cur.lastrowid or 0)

    def recent(self, *, limit: int = 50, offset: int = 0, helpful: bool | None = None) -> FeedbackPage:
        where, args = ("WHERE helpful = ?", [int(helpful)]) if helpful is not None else ("", [])
        with self._db() as conn:
            total = int(conn.execute(f"SELECT COUNT(*) FROM feedback {where}", args).fetchone()[0])
            rows = conn.execute(
                "SELECT id, created_at, query, passage_id, helpful, comment, index_build FROM feedback "
                f"{where} ORDER BY id DESC LIMIT ? OFFSET ?",
                [*args, limit, offset],
            ).fetchall()
        items = [
            FeedbackItem(
                id=r["id"],
                created_at=r["created_at"],
                query=r["query"],
                passage_id=r["passage_id"],
                helpful=bool(r["helpful"]),
                comment=r["comment"],
                index_build=r["index_build"],
            )
            for r in rows
        ]
        return FeedbackPage(total=total, limit=limit, offset=offset, feedback=items)

    def not_helpful_since(self, since: str) -> list[sqlite3.Row]:
        with self._db() as conn:
            return conn.execute(
                "SELECT created_at, query, passage_id, comment FROM feedback WHERE helpful = 0 AND created_at >= ? "
                "ORDER BY id",
                (since,),
            ).fetchall()

    def summary(self) -> FeedbackSummary:
        with self._db() as conn:
            row = conn.execute("SELECT COUNT(*), COALESCE(SUM(helpful), 0) FROM feedback").fetchone()
        total, helpful = int(row[0]), int(row[1])
        return FeedbackSummary(total=total, helpful=helpful, not_helpful=total - helpful)
