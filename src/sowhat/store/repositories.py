"""Queries the services share, so each is written (and indexed for) once."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Row, select
from sqlalchemy.orm import Session

from sowhat.store.models import (
    BetRow,
    CheckInRow,
    GuardrailRow,
    KeyResultRow,
    ObjectiveRow,
    PeriodRow,
    TeamRow,
)

__all__ = [
    "PeriodContents",
    "all_periods",
    "all_teams",
    "checkins_for",
    "key_results_by_key",
    "latest_earlier_key_result",
    "period_contents",
    "periods_by_label",
]


@dataclass(frozen=True)
class PeriodContents:
    """Every row of one period, archived ones included, each list in stored order."""

    period: PeriodRow
    objectives: Sequence[ObjectiveRow]
    key_results: Sequence[KeyResultRow]
    guardrails: Sequence[GuardrailRow]
    bets: Sequence[BetRow]


def all_teams(session: Session) -> list[TeamRow]:
    return list(session.scalars(select(TeamRow).order_by(TeamRow.position, TeamRow.key)))


def all_periods(session: Session) -> list[PeriodRow]:
    return list(session.scalars(select(PeriodRow).order_by(PeriodRow.start, PeriodRow.label)))


def periods_by_label(session: Session, labels: Collection[str]) -> dict[str, PeriodRow]:
    if not labels:
        return {}
    rows = session.scalars(select(PeriodRow).where(PeriodRow.label.in_(list(labels))))
    return {r.label: r for r in rows}


def period_contents(session: Session, period: PeriodRow) -> PeriodContents:
    objectives = list(
        session.scalars(
            select(ObjectiveRow)
            .where(ObjectiveRow.period_id == period.id)
            .order_by(ObjectiveRow.position, ObjectiveRow.id)
        )
    )
    key_results = list(
        session.scalars(
            select(KeyResultRow)
            .where(KeyResultRow.period_id == period.id)
            .order_by(KeyResultRow.position, KeyResultRow.id)
        )
    )
    bets = list(
        session.scalars(
            select(BetRow).where(BetRow.period_id == period.id).order_by(BetRow.position, BetRow.id)
        )
    )
    guardrails: list[GuardrailRow] = []
    if objectives:
        guardrails = list(
            session.scalars(
                select(GuardrailRow)
                .where(GuardrailRow.objective_id.in_([o.id for o in objectives]))
                .order_by(GuardrailRow.position, GuardrailRow.id)
            )
        )
    return PeriodContents(period, objectives, key_results, guardrails, bets)


def key_results_by_key(session: Session, key: str) -> list[tuple[KeyResultRow, PeriodRow]]:
    """Every stored KR with this id, in any period, latest period first."""
    rows = session.execute(
        select(KeyResultRow, PeriodRow)
        .join(PeriodRow, KeyResultRow.period_id == PeriodRow.id)
        .where(KeyResultRow.key == key)
        .order_by(PeriodRow.start.desc(), PeriodRow.label.desc())
    )
    return [(kr, p) for kr, p in rows]


def latest_earlier_key_result(session: Session, key: str, before: date) -> KeyResultRow | None:
    """The same KR id in the latest period that starts before `before`: its predecessor."""
    return session.scalars(
        select(KeyResultRow)
        .join(PeriodRow, KeyResultRow.period_id == PeriodRow.id)
        .where(KeyResultRow.key == key, PeriodRow.start < before)
        .order_by(PeriodRow.start.desc(), PeriodRow.label.desc())
        .limit(1)
    ).first()


def checkin_records(session: Session, kr_ids: Collection[int]) -> list[Row[Any]]:
    """`checkins_for` as plain rows (every column, by name, read-only): a plan of thousands
    of KRs has tens of thousands of check-ins, and building an ORM object for each cost
    seconds on every read of the plan."""
    if not kr_ids:
        return []
    return list(session.execute(
        select(*CheckInRow.__table__.columns)
        .where(CheckInRow.key_result_id.in_(list(kr_ids)))
        .order_by(CheckInRow.week, CheckInRow.id)
    ))  # fmt: skip


def checkins_for(session: Session, kr_ids: Collection[int]) -> list[CheckInRow]:
    """Check-ins of these KRs, oldest week first."""
    if not kr_ids:
        return []
    return list(
        session.scalars(
            select(CheckInRow)
            .where(CheckInRow.key_result_id.in_(list(kr_ids)))
            .order_by(CheckInRow.week, CheckInRow.id)
        )
    )
