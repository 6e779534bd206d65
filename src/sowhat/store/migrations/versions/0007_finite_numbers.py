"""Clear non-finite numbers that older versions let in (`.nan`, `.inf`, `1e400` targets).

Validation refuses them since issue 13, but a database written before that may hold them:
an infinite target crashed the KR page and NaN made every apply report a change. Each such
value becomes NULL — "not set" — which every reader already handles; a person re-enters the
number through the file or the web.

Revision ID: 0007_finite_numbers
Revises: 0006_authoring
Create Date: 2026-12-03
"""

from __future__ import annotations

import math

import sqlalchemy as sa
from alembic import op

revision = "0007_finite_numbers"
down_revision: str | tuple[str, ...] | None = "0006_authoring"
branch_labels: str | None = None
depends_on: str | None = None

# Every float column at this revision, spelled out: a migration is frozen history.
FLOAT_COLUMNS = {
    "bets": ("expects_change_amount",),
    "guardrails": ("max_change_amount", "min_change_amount", "max_value", "min_value"),
    "key_results": ("baseline", "target"),
    "check_ins": ("value", "confidence"),
    "guardrail_checks": ("baseline", "current"),
    "kr_measures": ("current", "measured_baseline"),
    "kr_series": ("value", "n", "sum", "sum_squares"),
}


def upgrade() -> None:
    conn = op.get_bind()
    # SQLite already stores NaN as NULL; PostgreSQL keeps 'NaN' and treats it as equal to
    # itself, so one IN list clears all three on both.
    bad = {"pinf": math.inf, "ninf": -math.inf, "nan": math.nan}
    for table, columns in FLOAT_COLUMNS.items():
        for column in columns:
            conn.execute(
                sa.text(f'UPDATE {table} SET "{column}" = NULL '
                        f'WHERE "{column}" IN (:pinf, :ninf, :nan)'),
                bad,
            )


def downgrade() -> None:
    """Nothing to undo: the cleared values were never usable."""
