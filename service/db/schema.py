"""Every table the service keeps, in one ``MetaData``: the same definitions on SQLite (the embedded default)
and on PostgreSQL (``YOUJU_DATABASE_URL``). The migrations in ``service/db/migrations/versions`` create them;
a test compares a migrated database with these definitions, so the two cannot drift apart.

Times are ISO-8601 UTC text of fixed width (``2026-11-28T09:00:00+00:00``, ``service.db.store.utc_now``):
ordered as text exactly as in time on both databases, as the SQLite files written before this layer hold
them. Row ids are 64-bit on PostgreSQL and SQLite's rowid (``INTEGER PRIMARY KEY AUTOINCREMENT``) there.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB

metadata = sa.MetaData()

# A row id: BIGINT IDENTITY on PostgreSQL, the rowid alias on SQLite (a BIGINT column there would not be one).
RowId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
# Structured values: JSONB on PostgreSQL, JSON text on SQLite.
Json = sa.JSON().with_variant(JSONB(), "postgresql")

feedback = sa.Table(
    "feedback",
    metadata,
    sa.Column("id", RowId, primary_key=True, autoincrement=True),
    sa.Column("created_at", sa.Text, nullable=False),
    sa.Column("query", sa.Text, nullable=False),
    sa.Column("passage_id", sa.Text, nullable=False),
    sa.Column("helpful", sa.Integer, sa.CheckConstraint("helpful IN (0, 1)"), nullable=False),
    sa.Column("comment", sa.Text),
    sa.Column("client_key", sa.Text, nullable=False),
    sa.Column("index_build", sa.Text),
    sa.Index("feedback_created", "created_at"),
    sa.Index("feedback_passage", "passage_id"),
    sqlite_autoincrement=True,
)

queries = sa.Table(
    "queries",
    metadata,
    sa.Column("id", RowId, primary_key=True, autoincrement=True),
    sa.Column("created_at", sa.Text, nullable=False),
    sa.Column("channel", sa.Text, nullable=False),
    sa.Column("query", sa.Text, nullable=False),
    sa.Column("grouping", sa.Text, nullable=False),
    sa.Column("answered", sa.Integer, sa.CheckConstraint("answered IN (0, 1)"), nullable=False),
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("confidence", sa.Float, nullable=False),
    sa.Column("top_passage", sa.Text),
    sa.Column("pinned", sa.Integer, nullable=False, server_default=sa.text("0")),
    sa.Column("results", sa.Integer, nullable=False),
    sa.Column("ms", sa.Float, nullable=False),
    sa.Column("index_build", sa.Text),
    sa.Index("queries_created", "created_at"),
    sa.Index("queries_grouping", "grouping"),
    sqlite_autoincrement=True,
)

pins = sa.Table(
    "pins",
    metadata,
    sa.Column("id", RowId, primary_key=True, autoincrement=True),
    sa.Column("created_at", sa.Text, nullable=False),
    sa.Column("updated_at", sa.Text, nullable=False),
    sa.Column("question", sa.Text, nullable=False),
    sa.Column("grouping", sa.Text, nullable=False),
    sa.Column("passages", sa.Text, nullable=False),  # JSON text, as the SQLite files have always held it
    sa.Column("note", sa.Text),
    sa.Index("pins_grouping", "grouping"),
    sqlite_autoincrement=True,
)

# Build history: every index build a replica has served (recorded by each replica; the first one wins).
builds = sa.Table(
    "builds",
    metadata,
    sa.Column("build_id", sa.Text, primary_key=True),
    sa.Column("built_at", sa.Text, nullable=False),
    sa.Column("first_seen_at", sa.Text, nullable=False),  # when a replica first recorded it
    sa.Column("backend", sa.Text, nullable=False),
    sa.Column("model", sa.Text, nullable=False),
    sa.Column("document_count", sa.Integer, nullable=False),
    sa.Column("passage_count", sa.Integer, nullable=False),
    sa.Column("corpus_fingerprint", sa.Text, nullable=False),
    sa.Column("manifest", Json, nullable=False),
    sa.Index("builds_built", "built_at"),
)

# The document registry: what each recorded build contains.
documents = sa.Table(
    "documents",
    metadata,
    sa.Column("build_id", sa.Text, sa.ForeignKey("builds.build_id", ondelete="CASCADE"), primary_key=True),
    sa.Column("doc_id", sa.Text, primary_key=True),
    sa.Column("path", sa.Text, nullable=False),
    sa.Column("title", sa.Text, nullable=False),
    sa.Column("metadata", Json, nullable=False),
)

# Values every replica must share, created once by whichever comes first (the feedback hashing secret).
secrets = sa.Table(
    "secrets",
    metadata,
    sa.Column("name", sa.Text, primary_key=True),
    sa.Column("value", sa.Text, nullable=False),
    sa.Column("created_at", sa.Text, nullable=False),
)
