"""Carrying out a planned apply: rows written in dependency order, then one audit entry each.

Separate from the planner so that reading (plan_changes) can never write by accident.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from sowhat.services.apply.changeset import (
    ChangeKind,
    EntityType,
    Fields,
    PlannedChanges,
    PlannedOp,
)
from sowhat.store import audit, mapping
from sowhat.store.db import flush
from sowhat.store.models import (
    BetRow,
    GuardrailRow,
    KeyResultRow,
    ObjectiveRow,
    PeriodRow,
    TeamRow,
)

_AUDIT_ACTION = {
    ChangeKind.ADD: audit.AuditAction.CREATE,
    ChangeKind.CHANGE: audit.AuditAction.UPDATE,
    ChangeKind.ARCHIVE: audit.AuditAction.ARCHIVE,
    ChangeKind.RESTORE: audit.AuditAction.RESTORE,
    ChangeKind.DELETE: audit.AuditAction.DELETE,
}


def write_planned(*, session: Session, planned: PlannedChanges, actor: str, now: datetime) -> None:
    _Writer(session, planned, actor, now).run()


class _Writer:
    def __init__(
        self, session: Session, planned: PlannedChanges, actor: str, now: datetime
    ) -> None:
        self.session = session
        self.planned = planned
        self.actor = actor
        self.now = now
        self.periods: dict[str, PeriodRow] = {
            label: c.period for label, c in planned.contents.items()
        }
        self.objectives: dict[tuple[str, str], ObjectiveRow] = {
            (label, o.key): o for label, c in planned.contents.items() for o in c.objectives
        }
        self.krs: dict[tuple[str, str], KeyResultRow] = {
            (label, k.key): k for label, c in planned.contents.items() for k in c.key_results
        }

    def run(self) -> None:
        by_type: dict[EntityType, list[PlannedOp]] = {t: [] for t in EntityType}
        for op in self.planned.ops:
            by_type[op.change.entity_type].append(op)
        for entity_type in EntityType:
            ops = by_type[entity_type]
            if entity_type == EntityType.KEY_RESULT:
                # Earlier periods first, flushed, so a later KR can point at its predecessor.
                starts = {lbl: p.period.start for lbl, p in self.planned.plans.items()}
                for label in sorted({op.period or "" for op in ops}, key=lambda x: starts[x]):
                    for op in ops:
                        if op.period == label:
                            self._write(op)
                    flush(self.session)
            else:
                for op in ops:
                    self._write(op)
                flush(self.session)
        for op in self.planned.ops:
            self._audit(op)

    def _write(self, op: PlannedOp) -> None:
        kind = op.change.kind
        if kind == ChangeKind.DELETE:
            self.session.delete(op.row)
            return
        if kind == ChangeKind.ARCHIVE:
            op.row.archived_at = self.now
            return
        assert op.desired is not None
        row = op.row if op.row is not None else self._new_row(op)
        mapping.write_fields(row, op.desired)
        if kind == ChangeKind.RESTORE:
            row.archived_at = None
        entity_type = op.change.entity_type
        if entity_type in (EntityType.KEY_RESULT, EntityType.BET, EntityType.GUARDRAIL):
            key = op.desired.get("objective", op.local_key)
            row.objective_id = self.objectives[op.period or "", key].id
        if op.row is None:
            self.session.add(row)
            if entity_type == EntityType.PERIOD:
                self.periods[op.local_key] = row
            elif entity_type == EntityType.OBJECTIVE:
                self.objectives[op.period or "", op.local_key] = row
            elif entity_type == EntityType.KEY_RESULT:
                self.krs[op.period or "", op.local_key] = row
        op.row = row

    def _new_row(self, op: PlannedOp) -> Any:
        entity_type, period = op.change.entity_type, op.period or ""
        if entity_type == EntityType.TEAM:
            return TeamRow(key=op.local_key)
        if entity_type == EntityType.PERIOD:
            return PeriodRow(label=op.local_key)
        if entity_type == EntityType.OBJECTIVE:
            return ObjectiveRow(key=op.local_key, period_id=self.periods[period].id)
        if entity_type == EntityType.GUARDRAIL:
            return GuardrailRow()
        if entity_type == EntityType.BET:
            return BetRow(key=op.local_key, period_id=self.periods[period].id)
        assert op.desired is not None
        return KeyResultRow(
            key=op.local_key,
            period_id=self.periods[period].id,
            carried_from_id=self._kr_id(op.desired.get("carried_from")),
        )

    def _kr_id(self, ref: str | None) -> int | None:
        if ref is None:
            return None
        label, key = ref.split("/", 1)
        row = self.krs.get((label, key))
        if row is None:
            row = self.session.scalars(
                select(KeyResultRow)
                .join(PeriodRow, KeyResultRow.period_id == PeriodRow.id)
                .where(PeriodRow.label == label, KeyResultRow.key == key)
            ).first()
        return row.id if row is not None else None

    def _audit(self, op: PlannedOp) -> None:
        after: Fields | None
        if op.change.kind == ChangeKind.DELETE:
            after = None
        elif op.change.kind == ChangeKind.ARCHIVE:
            after = {**(op.before or {}), "archived_at": self.now}
        else:
            after = dict(op.desired or {})
            if hasattr(op.row, "archived_at"):
                after["archived_at"] = None
        audit.record(
            session=self.session,
            actor=self.actor,
            action=_AUDIT_ACTION[op.change.kind],
            entity_type=str(op.change.entity_type),
            entity_key=op.change.key,
            before=op.before,
            after=after,
            at=self.now,
        )
