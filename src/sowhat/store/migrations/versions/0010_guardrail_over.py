"""A guardrail's trailing window (`over:`): a weekly limit on a count was otherwise held
against the period's growing total.

Revision ID: 0010_guardrail_over
Revises: 0009_kr_forecasts
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010_guardrail_over"
down_revision: str | None = "0009_kr_forecasts"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    with op.batch_alter_table("guardrails") as batch:
        batch.add_column(sa.Column("over_days", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("guardrails") as batch:
        batch.drop_column("over_days")
