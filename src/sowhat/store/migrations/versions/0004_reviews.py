"""Reviews: retrospective lessons and the webhook delivery log.

Revision ID: 0004_reviews
Revises: 0003_accounts
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

# Types spelled out here, not imported from the models: a migration is frozen history.
UTCDateTime = sa.DateTime(timezone=True)

revision = "0004_reviews"
down_revision: str | None = "0003_accounts"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_table(
        "lessons",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("period_label", sa.String(200), nullable=False),
        sa.Column("objective_key", sa.String(200), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("author", sa.String(200), nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
    )
    op.create_index(op.f("ix_lessons_period_label"), "lessons", ["period_label"])
    op.create_table(
        "webhook_deliveries",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("url_hash", sa.String(64), nullable=False),
        sa.Column("host", sa.String(255), nullable=False),
        sa.Column("event", sa.String(32), nullable=False),
        sa.Column("alert_key", sa.String(400), nullable=False),
        sa.Column("week", sa.Date(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("response_status", sa.Integer(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("first_attempt_at", UTCDateTime, nullable=False),
        sa.Column("last_attempt_at", UTCDateTime, nullable=False),
        sa.Column("delivered_at", UTCDateTime, nullable=True),
        sa.UniqueConstraint(
            "url_hash", "alert_key", name=op.f("uq_webhook_deliveries_url_hash_alert_key")
        ),
        sa.CheckConstraint(
            "status IN ('delivered', 'failed')", name=op.f("ck_webhook_deliveries_status")
        ),
    )


def downgrade() -> None:
    op.drop_table("webhook_deliveries")
    op.drop_index(op.f("ix_lessons_period_label"), table_name="lessons")
    op.drop_table("lessons")
