"""One measure per KR: declared measure and window, the last sync's measured values, and
the data watermark of each sync run.

Revision ID: 0005_measures
Revises: 0004_reviews
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

# Types spelled out here, not imported from the models: a migration is frozen history.
UTCDateTime = sa.DateTime(timezone=True)

revision = "0005_measures"
down_revision: str | None = "0004_reviews"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    with op.batch_alter_table("key_results") as batch:
        batch.add_column(sa.Column("measure", sa.String(16), nullable=True))
        batch.add_column(sa.Column("over_days", sa.Integer(), nullable=True))
    with op.batch_alter_table("sync_runs") as batch:
        batch.add_column(sa.Column("data_through", UTCDateTime, nullable=True))
    op.create_table(
        "kr_measures",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("key_result_id", sa.Integer(),
                  sa.ForeignKey("key_results.id", ondelete="CASCADE"), nullable=False),
        sa.Column("measure", sa.String(16), nullable=False),
        sa.Column("over_days", sa.Integer(), nullable=True),
        sa.Column("window_start", UTCDateTime, nullable=True),
        sa.Column("window_end", UTCDateTime, nullable=True),
        sa.Column("data_through", UTCDateTime, nullable=True),
        sa.Column("current", sa.Float(), nullable=True),
        sa.Column("entities", sa.Integer(), nullable=True),
        sa.Column("measured_baseline", sa.Float(), nullable=True),
        sa.Column("baseline_start", UTCDateTime, nullable=True),
        sa.Column("baseline_end", UTCDateTime, nullable=True),
        sa.Column("metric_hash", sa.String(128), nullable=True),
        sa.Column("computed_at", UTCDateTime, nullable=False),
        sa.UniqueConstraint("key_result_id", name=op.f("uq_kr_measures_key_result_id")),
    )


def downgrade() -> None:
    op.drop_table("kr_measures")
    with op.batch_alter_table("sync_runs") as batch:
        batch.drop_column("data_through")
    with op.batch_alter_table("key_results") as batch:
        batch.drop_column("over_days")
        batch.drop_column("measure")
