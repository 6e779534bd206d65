"""Authoring: the files' state at the last apply/export, and draft periods.

Revision ID: 0006_authoring
Revises: 0005_measures, 0005_token_expiry (joins the two heads)
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

# Types spelled out here, not imported from the models: a migration is frozen history.
UTCDateTime = sa.DateTime(timezone=True)
JSONDocument = sa.JSON().with_variant(JSONB(), "postgresql")

revision = "0006_authoring"
down_revision: str | tuple[str, ...] | None = ("0005_measures", "0005_token_expiry")
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_table(
        "okr_file_states",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("period_label", sa.String(200), nullable=False),
        sa.Column("path", sa.Text(), nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("snapshot", JSONDocument, nullable=False),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("recorded_at", UTCDateTime, nullable=False),
        sa.UniqueConstraint("period_label", name=op.f("uq_okr_file_states_period_label")),
    )
    op.create_table(
        "draft_periods",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("period_label", sa.String(200), nullable=False),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.UniqueConstraint("period_label", name=op.f("uq_draft_periods_period_label")),
    )


def downgrade() -> None:
    op.drop_table("draft_periods")
    op.drop_table("okr_file_states")
