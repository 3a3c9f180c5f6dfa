"""Build history and the document registry (what each build a replica served contains), and the secrets
that every replica must share (the feedback hashing key when it is not configured).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

Json = sa.JSON().with_variant(JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "builds",
        sa.Column("build_id", sa.Text, primary_key=True),
        sa.Column("built_at", sa.Text, nullable=False),
        sa.Column("first_seen_at", sa.Text, nullable=False),
        sa.Column("backend", sa.Text, nullable=False),
        sa.Column("model", sa.Text, nullable=False),
        sa.Column("document_count", sa.Integer, nullable=False),
        sa.Column("passage_count", sa.Integer, nullable=False),
        sa.Column("corpus_fingerprint", sa.Text, nullable=False),
        sa.Column("manifest", Json, nullable=False),
    )
    op.create_index("builds_built", "builds", ["built_at"])
    op.create_table(
        "documents",
        sa.Column("build_id", sa.Text, sa.ForeignKey("builds.build_id", ondelete="CASCADE"), primary_key=True),
        sa.Column("doc_id", sa.Text, primary_key=True),
        sa.Column("path", sa.Text, nullable=False),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("metadata", Json, nullable=False),
    )
    op.create_table(
        "secrets",
        sa.Column("name", sa.Text, primary_key=True),
        sa.Column("value", sa.Text, nullable=False),
        sa.Column("created_at", sa.Text, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("secrets")
    op.drop_table("documents")
    op.drop_index("builds_built", table_name="builds")
    op.drop_table("builds")
