"""Incremental sync: what each stored weekly value, series point and baseline was computed
from, so a sync recomputes only the values whose inputs changed.

Revision ID: 0007_sync_inputs
Revises: 0007_finite_numbers
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007_sync_inputs"
down_revision: str | None = "0007_finite_numbers"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_table(
        "sync_inputs",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("key_result_id", sa.Integer(),
                  sa.ForeignKey("key_results.id", ondelete="CASCADE"), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("week", sa.Date(), nullable=False),
        sa.Column("input_key", sa.String(64), nullable=False),
        sa.UniqueConstraint("key_result_id", "kind", "week",
                            name=op.f("uq_sync_inputs_key_result_id_kind_week")),
    )
    op.create_index(op.f("ix_sync_inputs_key_result_id"), "sync_inputs", ["key_result_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_sync_inputs_key_result_id"), table_name="sync_inputs")
    op.drop_table("sync_inputs")
