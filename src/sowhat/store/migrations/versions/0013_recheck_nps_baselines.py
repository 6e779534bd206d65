"""Measure every stored baseline again at the next sync, so an NPS baseline gets its answers.

An NPS's measured baseline now carries its answer count as trials (`rate_trials`), and a
typed NPS baseline is held to the interval those answers allow (`nps_interval`). Sync keeps
a baseline whose inputs did not change, so a database synced before kept its NPS baselines
without trials: `sowhat status` and the KR page went on flagging a typed 10 against +28.6
from 35 answers ("progress counts from the typed one") while lint, measuring afresh, no
longer did. Forgetting the baselines' input keys makes the next sync measure them again (one
window per KR), as 0012 did for rates.

Revision ID: 0013_recheck_nps_baselines
Revises: 0012_recheck_baselines
Create Date: 2026-12-07
"""

from __future__ import annotations

from alembic import op

revision = "0013_recheck_nps_baselines"
down_revision: str | None = "0012_recheck_baselines"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.execute("DELETE FROM sync_inputs WHERE kind = 'baseline'")


def downgrade() -> None:
    """Nothing to restore: the next sync writes the keys again."""
