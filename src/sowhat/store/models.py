"""Tables for the plans themselves: teams, periods, objectives, KRs, guardrails, bets, check-ins.

Rows are keyed by surrogate integer ids, and by the people's ids (`key`) within a period, so a
KR can move between objectives or be archived without losing its check-ins. Rows people edit
carry a `version` (SQLAlchemy's version counter): an UPDATE names the version it read, and
one based on a stale read matches no row, which the store turns into `Conflict`.

Changes (`amount` + `kind`) are kept as two columns rather than text such as "+10%", so a
value read back is exactly the value written.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    event,
)
from sqlalchemy.orm import Mapped, ORMExecuteState, Session, mapped_column

from sowhat.errors import InternalError
from sowhat.store.base import Base, JSONDocument, UTCDateTime

__all__ = [
    "AuditEntryRow",
    "BetRow",
    "CheckInRow",
    "GuardrailRow",
    "KeyResultRow",
    "ObjectiveRow",
    "PeriodRow",
    "TeamRow",
]

KEY = String(200)


class TeamRow(Base):
    __tablename__ = "teams"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(KEY, unique=True)
    name: Mapped[str] = mapped_column(Text)
    parent: Mapped[str | None] = mapped_column(KEY)
    members: Mapped[list[str]] = mapped_column(JSONDocument, default=list)
    position: Mapped[int] = mapped_column(Integer, default=0)
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(Integer)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class PeriodRow(Base):
    __tablename__ = "periods"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    label: Mapped[str] = mapped_column(KEY, unique=True)
    start: Mapped[date] = mapped_column(Date)
    end: Mapped[date] = mapped_column(Date)
    north_star: Mapped[str | None] = mapped_column(KEY)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Scores frozen when the period is closed, so a later metric change cannot rewrite them.
    final_scores: Mapped[dict[str, Any] | None] = mapped_column(JSONDocument)
    version: Mapped[int] = mapped_column(Integer)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012
    __table_args__ = (CheckConstraint('"end" > start', name="end_after_start"),)


class ObjectiveRow(Base):
    __tablename__ = "objectives"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    period_id: Mapped[int] = mapped_column(ForeignKey("periods.id", ondelete="RESTRICT"))
    key: Mapped[str] = mapped_column(KEY)
    title: Mapped[str] = mapped_column(Text)
    # Team ids stay text: a plan may name a team sowhat.toml does not list yet (lint warns).
    team: Mapped[str | None] = mapped_column(KEY, index=True)
    owner: Mapped[str | None] = mapped_column(KEY)
    aligns_to: Mapped[str | None] = mapped_column(String(400))
    description: Mapped[str | None] = mapped_column(Text)
    position: Mapped[int] = mapped_column(Integer, default=0)
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(Integer)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012
    __table_args__ = (UniqueConstraint("period_id", "key"),)


class KeyResultRow(Base):
    __tablename__ = "key_results"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    period_id: Mapped[int] = mapped_column(ForeignKey("periods.id", ondelete="RESTRICT"))
    objective_id: Mapped[int] = mapped_column(
        ForeignKey("objectives.id", ondelete="RESTRICT"), index=True
    )
    key: Mapped[str] = mapped_column(KEY)
    title: Mapped[str] = mapped_column(Text)
    metric: Mapped[str | None] = mapped_column(KEY)
    segment: Mapped[str | None] = mapped_column(KEY)
    baseline: Mapped[float | None] = mapped_column(Float)
    target: Mapped[float | None] = mapped_column(Float)
    indicator: Mapped[str | None] = mapped_column(String(16))
    waiver_reason: Mapped[str | None] = mapped_column(Text)
    waiver_expires: Mapped[date | None] = mapped_column(Date)
    owner: Mapped[str | None] = mapped_column(KEY)
    unit: Mapped[str | None] = mapped_column(String(64))
    measure: Mapped[str | None] = mapped_column(String(16))
    over_days: Mapped[int | None] = mapped_column(Integer)
    position: Mapped[int] = mapped_column(Integer, default=0)
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The metric definition's hash when the baseline was set: a later definition change
    # means the baseline no longer measures the same thing.
    baselined_metric_hash: Mapped[str | None] = mapped_column(String(128))
    carried_from_id: Mapped[int | None] = mapped_column(
        ForeignKey("key_results.id", ondelete="SET NULL"), index=True
    )
    version: Mapped[int] = mapped_column(Integer)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012
    __table_args__ = (UniqueConstraint("period_id", "key"),)


class GuardrailRow(Base):
    """Guardrails have no ids in the files; they are matched by metric and segment."""

    __tablename__ = "guardrails"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    objective_id: Mapped[int] = mapped_column(
        ForeignKey("objectives.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer, default=0)
    metric: Mapped[str] = mapped_column(KEY)
    segment: Mapped[str | None] = mapped_column(KEY)
    max_change_amount: Mapped[float | None] = mapped_column(Float)
    max_change_kind: Mapped[str | None] = mapped_column(String(16))
    min_change_amount: Mapped[float | None] = mapped_column(Float)
    min_change_kind: Mapped[str | None] = mapped_column(String(16))
    max_value: Mapped[float | None] = mapped_column(Float)
    min_value: Mapped[float | None] = mapped_column(Float)
    over_days: Mapped[int | None] = mapped_column(Integer)  # trailing window; None: to date
    version: Mapped[int] = mapped_column(Integer)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class BetRow(Base):
    __tablename__ = "bets"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    period_id: Mapped[int] = mapped_column(ForeignKey("periods.id", ondelete="RESTRICT"))
    objective_id: Mapped[int] = mapped_column(
        ForeignKey("objectives.id", ondelete="RESTRICT"), index=True
    )
    key: Mapped[str] = mapped_column(KEY)
    title: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16))
    opportunity: Mapped[str | None] = mapped_column(Text)
    hypothesis: Mapped[str | None] = mapped_column(Text)
    # The KR is named by its id within the period, as in the file.
    expects_key_result: Mapped[str | None] = mapped_column(KEY)
    expects_change_amount: Mapped[float | None] = mapped_column(Float)
    expects_change_kind: Mapped[str | None] = mapped_column(String(16))
    change_mind_if: Mapped[str | None] = mapped_column(Text)
    shipped_on: Mapped[date | None] = mapped_column(Date)
    experiment: Mapped[str | None] = mapped_column(KEY)
    owner: Mapped[str | None] = mapped_column(KEY)
    position: Mapped[int] = mapped_column(Integer, default=0)
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(Integer)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012
    __table_args__ = (UniqueConstraint("period_id", "key"),)


class CheckInRow(Base):
    """One reading per KR per ISO week; a second reading in the week edits this row."""

    __tablename__ = "check_ins"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key_result_id: Mapped[int] = mapped_column(ForeignKey("key_results.id", ondelete="RESTRICT"))
    week: Mapped[date] = mapped_column(Date)
    value: Mapped[float | None] = mapped_column(Float)
    # Where `value` came from: computed by a sync (auto) or typed by a person (manual).
    source: Mapped[str] = mapped_column(String(16))
    confidence: Mapped[float | None] = mapped_column(Float)
    note: Mapped[str | None] = mapped_column(Text)
    blockers: Mapped[str | None] = mapped_column(Text)
    author: Mapped[str | None] = mapped_column(KEY)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(Integer)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012
    __table_args__ = (
        UniqueConstraint("key_result_id", "week"),
        CheckConstraint("source IN ('auto', 'manual')", name="source"),
        CheckConstraint(
            "confidence IS NULL OR (confidence >= 0 AND confidence <= 1)", name="confidence"
        ),
        Index("ix_check_ins_week", "week"),
    )


class AuditEntryRow(Base):
    """Who changed what, when, with the entity before and after. Append-only.

    The migration installs triggers that make the database refuse UPDATE and DELETE on this
    table; the listeners below refuse them earlier, in the ORM, with a clearer message.
    """

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    actor: Mapped[str] = mapped_column(KEY)
    action: Mapped[str] = mapped_column(String(32))
    entity_type: Mapped[str] = mapped_column(String(64))
    entity_key: Mapped[str] = mapped_column(String(400))
    before: Mapped[dict[str, Any] | None] = mapped_column(JSONDocument)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSONDocument)

    __table_args__ = (Index("ix_audit_log_entity", "entity_type", "entity_key"),)


APPEND_ONLY = "audit_log is append-only: entries are never updated or deleted"


@event.listens_for(Session, "before_flush")
def _refuse_audit_edits(session: Session, flush_context: object, instances: object) -> None:
    for obj in session.deleted:
        if isinstance(obj, AuditEntryRow):
            raise InternalError(APPEND_ONLY)
    for obj in session.dirty:
        if isinstance(obj, AuditEntryRow) and session.is_modified(obj):
            raise InternalError(APPEND_ONLY)


@event.listens_for(Session, "do_orm_execute")
def _refuse_audit_bulk_edits(state: ORMExecuteState) -> None:
    mapper = state.bind_mapper
    writes = state.is_update or state.is_delete
    if writes and mapper is not None and mapper.class_ is AuditEntryRow:
        raise InternalError(APPEND_ONLY)


# Feature tables live in their own modules; importing them here registers them on
# Base.metadata for anyone who imports the models (migrations' env, metadata checks).
from sowhat.store import sync_models as _sync_models  # noqa: E402

__all__ += [name for name in _sync_models.__all__ if name not in __all__]
