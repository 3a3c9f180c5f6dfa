"""The three tables the SQLite stores have always kept: feedback, the query log, the pins.

A baseline that copes with files written before migrations existed: those already hold these tables
(``CREATE TABLE IF NOT EXISTS``, the same columns), so each table and index is created only when missing,
and the file is then at this revision like a new one.

Revision ID: 0001
Revises:
Create Date: 2026-11-28
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

RowId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _create(name: str, *columns: sa.Column[object], indexes: dict[str, str]) -> None:
    if not sa.inspect(op.get_bind()).has_table(name):
        op.create_table(name, *columns, sqlite_autoincrement=True)
    for index, column in indexes.items():
        op.create_index(index, name, [column], if_not_exists=True)


def upgrade() -> None:
    _create(
        "feedback",
        sa.Column("id", RowId, primary_key=True, autoincrement=True),
        sa.Column("created_at", sa.Text, nullable=False),
        sa.Column("query", sa.Text, nullable=False),
        sa.Column("passage_id", sa.Text, nullable=False),
        sa.Column("helpful", sa.Integer, sa.CheckConstraint("helpful IN (0, 1)"), nullable=False),
        sa.Column("comment", sa.Text),
        sa.Column("client_key", sa.Text, nullable=False),
        sa.Column("index_build", sa.Text),
        indexes={"feedback_created": "created_at", "feedback_passage": "passage_id"},
    )
    _create(
        "queries",
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
        indexes={"queries_created": "created_at", "queries_grouping": "grouping"},
    )
    _create(
        "pins",
        sa.Column("id", RowId, primary_key=True, autoincrement=True),
        sa.Column("created_at", sa.Text, nullable=False),
        sa.Column("updated_at", sa.Text, nullable=False),
        sa.Column("question", sa.Text, nullable=False),
        sa.Column("grouping", sa.Text, nullable=False),
        sa.Column("passages", sa.Text, nullable=False),
        sa.Column("note", sa.Text),
        indexes={"pins_grouping": "grouping"},
    )


def downgrade() -> None:
    for name in ("pins", "queries", "feedback"):
        op.drop_table(name)
