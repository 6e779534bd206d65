"""Initial schema: teams, periods, objectives, key results, guardrails, bets, check-ins, audit.

The audit log is append-only in the database itself: triggers refuse UPDATE and DELETE (and
TRUNCATE on PostgreSQL), so no code path, old or new, can rewrite history.

Revision ID: 0001
Revises:
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

# Types spelled out here, not imported from the models: a migration is frozen history.
UTCDateTime = sa.DateTime(timezone=True)
JSONDocument = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")

revision = "0001"
down_revision: str | None = None
branch_labels: str | None = None
depends_on: str | None = None

KEY = sa.String(200)
APPEND_ONLY = "audit_log is append-only: entries are never updated or deleted"


def _versioned() -> list[sa.Column[int]]:
    return [sa.Column("version", sa.Integer(), nullable=False)]


def upgrade() -> None:
    op.create_table(
        "teams",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("key", KEY, nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("parent", KEY, nullable=True),
        sa.Column("members", JSONDocument, nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("archived_at", UTCDateTime, nullable=True),
        *_versioned(),
        sa.UniqueConstraint("key", name=op.f("uq_teams_key")),
    )
    op.create_table(
        "periods",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("label", KEY, nullable=False),
        sa.Column("start", sa.Date(), nullable=False),
        sa.Column("end", sa.Date(), nullable=False),
        sa.Column("north_star", KEY, nullable=True),
        sa.Column("closed_at", UTCDateTime, nullable=True),
        sa.Column("final_scores", JSONDocument, nullable=True),
        *_versioned(),
        sa.UniqueConstraint("label", name=op.f("uq_periods_label")),
        sa.CheckConstraint('"end" > start', name=op.f("ck_periods_end_after_start")),
    )
    op.create_table(
        "objectives",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "period_id",
            sa.Integer(),
            sa.ForeignKey("periods.id", ondelete="RESTRICT"),
            nullable=False,
        ),
        sa.Column("key", KEY, nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("team", KEY, nullable=True),
        sa.Column("owner", KEY, nullable=True),
        sa.Column("aligns_to", sa.String(400), nullable=True),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("archived_at", UTCDateTime, nullable=True),
        *_versioned(),
        sa.UniqueConstraint("period_id", "key", name=op.f("uq_objectives_period_id_key")),
    )
    op.create_index(op.f("ix_objectives_team"), "objectives", ["team"])
    op.create_table(
        "key_results",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "period_id",
            sa.Integer(),
            sa.ForeignKey("periods.id", ondelete="RESTRICT"),
            nullable=False,
        ),
        sa.Column(
            "objective_id",
            sa.Integer(),
            sa.ForeignKey("objectives.id", ondelete="RESTRICT"),
            nullable=False,
        ),
        sa.Column("key", KEY, nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("metric", KEY, nullable=True),
        sa.Column("segment", KEY, nullable=True),
        sa.Column("baseline", sa.Float(), nullable=True),
        sa.Column("target", sa.Float(), nullable=True),
        sa.Column("indicator", sa.String(16), nullable=True),
        sa.Column("waiver_reason", sa.Text(), nullable=True),
        sa.Column("waiver_expires", sa.Date(), nullable=True),
        sa.Column("owner", KEY, nullable=True),
        sa.Column("unit", sa.String(64), nullable=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("archived_at", UTCDateTime, nullable=True),
        sa.Column("baselined_metric_hash", sa.String(128), nullable=True),
        sa.Column(
            "carried_from_id",
            sa.Integer(),
            sa.ForeignKey("key_results.id", ondelete="SET NULL"),
            nullable=True,
        ),
        *_versioned(),
        sa.UniqueConstraint("period_id", "key", name=op.f("uq_key_results_period_id_key")),
    )
    op.create_index(op.f("ix_key_results_objective_id"), "key_results", ["objective_id"])
    op.create_index(op.f("ix_key_results_carried_from_id"), "key_results", ["carried_from_id"])
    op.create_table(
        "guardrails",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "objective_id",
            sa.Integer(),
            sa.ForeignKey("objectives.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("metric", KEY, nullable=False),
        sa.Column("segment", KEY, nullable=True),
        sa.Column("max_change_amount", sa.Float(), nullable=True),
        sa.Column("max_change_kind", sa.String(16), nullable=True),
        sa.Column("min_change_amount", sa.Float(), nullable=True),
        sa.Column("min_change_kind", sa.String(16), nullable=True),
        sa.Column("max_value", sa.Float(), nullable=True),
        sa.Column("min_value", sa.Float(), nullable=True),
        *_versioned(),
    )
    op.create_index(op.f("ix_guardrails_objective_id"), "guardrails", ["objective_id"])
    op.create_table(
        "bets",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "period_id",
            sa.Integer(),
            sa.ForeignKey("periods.id", ondelete="RESTRICT"),
            nullable=False,
        ),
        sa.Column(
            "objective_id",
            sa.Integer(),
            sa.ForeignKey("objectives.id", ondelete="RESTRICT"),
            nullable=False,
        ),
        sa.Column("key", KEY, nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("opportunity", sa.Text(), nullable=True),
        sa.Column("hypothesis", sa.Text(), nullable=True),
        sa.Column("expects_key_result", KEY, nullable=True),
        sa.Column("expects_change_amount", sa.Float(), nullable=True),
        sa.Column("expects_change_kind", sa.String(16), nullable=True),
        sa.Column("change_mind_if", sa.Text(), nullable=True),
        sa.Column("shipped_on", sa.Date(), nullable=True),
        sa.Column("experiment", KEY, nullable=True),
        sa.Column("owner", KEY, nullable=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("archived_at", UTCDateTime, nullable=True),
        *_versioned(),
        sa.UniqueConstraint("period_id", "key", name=op.f("uq_bets_period_id_key")),
    )
    op.create_index(op.f("ix_bets_objective_id"), "bets", ["objective_id"])
    op.create_table(
        "check_ins",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "key_result_id",
            sa.Integer(),
            sa.ForeignKey("key_results.id", ondelete="RESTRICT"),
            nullable=False,
        ),
        sa.Column("week", sa.Date(), nullable=False),
        sa.Column("value", sa.Float(), nullable=True),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("confidence", sa.Float(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("blockers", sa.Text(), nullable=True),
        sa.Column("author", KEY, nullable=True),
        sa.Column("recorded_at", UTCDateTime, nullable=False),
        *_versioned(),
        sa.UniqueConstraint("key_result_id", "week", name=op.f("uq_check_ins_key_result_id_week")),
        sa.CheckConstraint("source IN ('auto', 'manual')", name=op.f("ck_check_ins_source")),
        sa.CheckConstraint(
            "confidence IS NULL OR (confidence >= 0 AND confidence <= 1)",
            name=op.f("ck_check_ins_confidence"),
        ),
    )
    op.create_index("ix_check_ins_week", "check_ins", ["week"])
    op.create_table(
        "audit_log",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            primary_key=True,
            autoincrement=True,
        ),
        sa.Column("at", UTCDateTime, nullable=False),
        sa.Column("actor", KEY, nullable=False),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("entity_type", sa.String(64), nullable=False),
        sa.Column("entity_key", sa.String(400), nullable=False),
        sa.Column("before", JSONDocument, nullable=True),
        sa.Column("after", JSONDocument, nullable=True),
    )
    op.create_index(op.f("ix_audit_log_at"), "audit_log", ["at"])
    op.create_index("ix_audit_log_entity", "audit_log", ["entity_type", "entity_key"])
    _create_append_only_triggers()


def downgrade() -> None:
    _drop_append_only_triggers()
    for table in (
        "audit_log",
        "check_ins",
        "bets",
        "guardrails",
        "key_results",
        "objectives",
        "periods",
        "teams",
    ):
        op.drop_table(table)


def _create_append_only_triggers() -> None:
    dialect = op.get_context().dialect.name
    if dialect == "sqlite":
        for verb in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER audit_log_no_{verb.lower()} BEFORE {verb} ON audit_log "
                f"BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY}'); END"
            )
    elif dialect == "postgresql":
        op.execute(
            "CREATE FUNCTION sowhat_audit_log_append_only() RETURNS trigger "
            "LANGUAGE plpgsql AS $$ BEGIN "
            f"RAISE EXCEPTION '{APPEND_ONLY}' USING ERRCODE = 'insufficient_privilege'; "
            "END $$"
        )
        op.execute(
            "CREATE TRIGGER audit_log_no_update_delete BEFORE UPDATE OR DELETE ON audit_log "
            "FOR EACH ROW EXECUTE FUNCTION sowhat_audit_log_append_only()"
        )
        op.execute(
            "CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log "
            "FOR EACH STATEMENT EXECUTE FUNCTION sowhat_audit_log_append_only()"
        )
    # Other backends rely on the ORM guard in sowhat.store.models (documented).


def _drop_append_only_triggers() -> None:
    dialect = op.get_context().dialect.name
    if dialect == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS audit_log_no_update")
        op.execute("DROP TRIGGER IF EXISTS audit_log_no_delete")
    elif dialect == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_log_no_update_delete ON audit_log")
        op.execute("DROP TRIGGER IF EXISTS audit_log_no_truncate ON audit_log")
        op.execute("DROP FUNCTION IF EXISTS sowhat_audit_log_append_only()")
