"""Sync: run log, weekly KR series, guardrail evaluations.

Revision ID: 0002_sync
Revises: 0001
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

UTCDateTime = sa.DateTime(timezone=True)
JSONDocument = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")

revision = "0002_sync"
down_revision: str | None = "0001"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_table(
        "sync_runs",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("period_label", sa.String(200), nullable=False),
        sa.Column("as_of", UTCDateTime, nullable=False),
        sa.Column("started_at", UTCDateTime, nullable=False),
        sa.Column("finished_at", UTCDateTime, nullable=False),
        sa.Column("krs_computed", sa.Integer(), nullable=False),
        sa.Column("checkins_written", sa.Integer(), nullable=False),
        sa.Column("errors", JSONDocument, nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
    )
    op.create_table(
        "kr_series",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "key_result_id",
            sa.Integer(),
            sa.ForeignKey("key_results.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("week", sa.Date(), nullable=False),
        sa.Column("phase", sa.String(16), nullable=False),
        sa.Column("value", sa.Float(), nullable=True),
        sa.Column("entities", sa.Integer(), nullable=True),
        sa.Column("n", sa.Float(), nullable=True),
        sa.Column("sum", sa.Float(), nullable=True),
        sa.Column("sum_squares", sa.Float(), nullable=True),
        sa.Column("computed_at", UTCDateTime, nullable=False),
        sa.UniqueConstraint("key_result_id", "week", name=op.f("uq_kr_series_key_result_id_week")),
    )
    op.create_index(op.f("ix_kr_series_key_result_id"), "kr_series", ["key_result_id"])
    op.create_table(
        "guardrail_checks",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "guardrail_id",
            sa.Integer(),
            sa.ForeignKey("guardrails.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("baseline", sa.Float(), nullable=True),
        sa.Column("current", sa.Float(), nullable=True),
        sa.Column("breached", sa.Boolean(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("evaluated_at", UTCDateTime, nullable=False),
        sa.Column("as_of", UTCDateTime, nullable=False),
        sa.UniqueConstraint("guardrail_id", name=op.f("uq_guardrail_checks_guardrail_id")),
    )


def downgrade() -> None:
    op.drop_table("guardrail_checks")
    op.drop_index(op.f("ix_kr_series_key_result_id"), table_name="kr_series")
    op.drop_table("kr_series")
    op.drop_table("sync_runs")
