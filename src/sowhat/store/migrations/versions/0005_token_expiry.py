"""API tokens that expire; login failures counted per address across accounts.

Revision ID: 0005_token_expiry
Revises: 0004_reviews
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

# Types spelled out here, not imported from the models: a migration is frozen history.
UTCDateTime = sa.DateTime(timezone=True)

revision = "0005_token_expiry"
down_revision: str | None = "0004_reviews"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.add_column("api_tokens", sa.Column("expires_at", UTCDateTime, nullable=True))
    op.create_index("ix_login_failures_client_at", "login_failures", ["client", "at"])


def downgrade() -> None:
    op.drop_index("ix_login_failures_client_at", table_name="login_failures")
    op.drop_column("api_tokens", "expires_at")  # SQLite >= 3.35 drops columns in place
