"""Measure every stored baseline again at the next sync, so it gets its trials.

0011 added `kr_measures.baseline_trials` empty, and sync keeps a baseline whose inputs did
not change: a database upgraded to 0011 kept every baseline without its trials until its
events changed, and the KR page, `sowhat status` and sync's definition check held a typed
rate to the flat 2-point allowance while the plan page's coach, measuring afresh, held it to
the measured rate's own noise — one KR, "fine" on one page and "needs a look" on the next.
Forgetting the baselines' input keys makes the next sync measure them again (one window
per KR); nothing else is recomputed.

Revision ID: 0012_recheck_baselines
Revises: 0011_baseline_trials
Create Date: 2026-12-07
"""

from __future__ import annotations

from alembic import op

revision = "0012_recheck_baselines"
down_revision: str | None = "0011_baseline_trials"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.execute("DELETE FROM sync_inputs WHERE kind = 'baseline'")


def downgrade() -> None:
    """Nothing to restore: the next sync writes the keys again."""
