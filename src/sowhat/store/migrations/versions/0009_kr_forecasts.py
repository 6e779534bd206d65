"""Stored forecasts: each synced KR's forecast with the digest of its inputs, written by
`sowhat sync`, so pages read forecasts instead of fitting them on the first request.

Revision ID: 0009_kr_forecasts
Revises: 0007_sync_inputs
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0009_kr_forecasts"
down_revision: str | None = "0007_sync_inputs"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_table(
        "kr_forecasts",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("key_result_id", sa.Integer(),
                  sa.ForeignKey("key_results.id", ondelete="CASCADE"), nullable=False),
        sa.Column("input_key", sa.String(64), nullable=False),
        sa.Column("view", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"),
                  nullable=False),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("key_result_id", name=op.f("uq_kr_forecasts_key_result_id")),
    )


def downgrade() -> None:
    op.drop_table("kr_forecasts")
