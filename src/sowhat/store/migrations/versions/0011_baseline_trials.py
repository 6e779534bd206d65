"""How many trials a KR's measured baseline rests on (a rate's mature cohort, a churn's
customer-periods): a typed baseline inside the measured rate's own noise was flagged as a
different claim.

Revision ID: 0011_baseline_trials
Revises: 0010_guardrail_over
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011_baseline_trials"
down_revision: str | None = "0010_guardrail_over"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    with op.batch_alter_table("kr_measures") as batch:
        batch.add_column(sa.Column("baseline_trials", sa.Float(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("kr_measures") as batch:
        batch.drop_column("baseline_trials")
