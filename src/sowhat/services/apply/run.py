"""`sowhat apply`: make the database match the OKR files, like `terraform plan` + `apply`.

`plan_changes` says what would change, field by field; `apply_changes` does it and writes
one audit entry per changed entity. Neither commits: the caller's transaction makes the
whole apply land at once or not at all.

Rules worth knowing:
- Only the periods passed in are touched; a period missing from `plans` is left alone (so
  applying one file never archives another). Teams are the whole list from sowhat.toml.
- An objective, KR or bet missing from its file is archived, never deleted, so check-ins
  survive; the same id coming back un-archives the same row ("restore").
- Guardrails have no ids: they are matched by metric and segment within their objective and
  deleted when removed (nothing hangs off them; the audit log keeps what they said).
- A new KR whose id existed in an earlier period is linked to it (`carried_from`), so its
  check-in history continues across periods.
- A KR with a metric and a baseline records the metric definition's hash when it is first
  baselined; changing its metric or baseline re-baselines it.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from sowhat.domain.okr import Plan, Team
from sowhat.errors import Conflict, UserError
from sowhat.services.apply.changeset import (
    ChangeKind,
    ChangeSet,
    Counts,
    EntityChange,
    EntityType,
    FieldChange,
    PlannedChanges,
    PlannedOp,
)
from sowhat.services.apply.writer import write_planned
from sowhat.store import audit, mapping, repositories
from sowhat.store.base import utcnow
from sowhat.store.db import flush
from sowhat.store.models import KeyResultRow, ObjectiveRow, PeriodRow

__all__ = [
    "ChangeKind",
    "ChangeSet",
    "Counts",
    "EntityChange",
    "EntityType",
    "FieldChange",
    "apply_changes",
    "guardrail_keys",
    "plan_changes",
]

Fields = dict[str, Any]


def plan_changes(
    *,
    session: Session,
    plans: Sequence[Plan],
    teams: Sequence[Team],
    metric_hashes: Mapping[str, str],
    rebaseline: bool = False,
) -> ChangeSet:
    """What `apply_changes` would do with these files; reads only."""
    return _Planner(session, plans, teams, metric_hashes, rebaseline).run().changeset


def apply_changes(
    *,
    session: Session,
    changes: ChangeSet | None = None,
    plans: Sequence[Plan],
    teams: Sequence[Team],
    metric_hashes: Mapping[str, str],
    actor: str,
    now: datetime | None = None,
    rebaseline: bool = False,
) -> ChangeSet:
    """Make the stored plans match `plans` and `teams`; one audit entry per changed entity.

    Pass `changes` (from `plan_changes`) to apply exactly what was shown: if the database
    or the files changed since, this raises `Conflict` instead of doing something else.
    `rebaseline` records today's metric definitions as the ones every typed baseline was
    set on (the owner checked them after a definition changed).
    """
    planned = _Planner(session, plans, teams, metric_hashes, rebaseline).run()
    if changes is not None and (
        changes.fingerprint != planned.changeset.fingerprint
        or changes.changes != planned.changeset.changes
    ):
        raise Conflict(
            "the database or the files changed since this plan was made",
            hint="run `sowhat apply` again to see the new plan",
        )
    write_planned(session=session, planned=planned, actor=actor, now=now or utcnow())
    flush(session)
    return replace(planned.changeset, applied=True)


# -- planning -------------------------------------------------------------------------------


class _Planner:
    def __init__(
        self,
        session: Session,
        plans: Sequence[Plan],
        teams: Sequence[Team],
        metric_hashes: Mapping[str, str],
        rebaseline: bool = False,
    ) -> None:
        self.session = session
        self.plans = _check_unique_periods(plans)
        self.teams = teams
        self.metric_hashes = metric_hashes
        self.rebaseline = rebaseline
        self.ops: list[PlannedOp] = []
        self.unchanged: Counter[EntityType] = Counter()
        self.seen: list[tuple[str, str, int, bool]] = []  # for the fingerprint

    def run(self) -> PlannedChanges:
        self._teams()
        stored = repositories.periods_by_label(self.session, list(self.plans))
        contents = {
            label: repositories.period_contents(self.session, row) for label, row in stored.items()
        }
        for label, plan in self.plans.items():
            self._period(plan, stored.get(label), contents.get(label))
        order = {t: i for i, t in enumerate(EntityType)}
        self.ops.sort(key=lambda op: order[op.change.entity_type])  # stable: file order kept
        changeset = ChangeSet(
            changes=tuple(op.change for op in self.ops),
            unchanged=tuple((t, self.unchanged[t]) for t in EntityType if self.unchanged[t]),
            fingerprint=_fingerprint(self.seen),
        )
        return PlannedChanges(changeset, self.ops, dict(self.plans), contents)

    def _teams(self) -> None:
        rows = {r.key: r for r in repositories.all_teams(self.session)}
        wanted = set()
        for position, team in enumerate(self.teams):
            if team.id in wanted:
                raise UserError(f"team {team.id!r} is listed twice", hint="keep one entry")
            wanted.add(team.id)
            row = rows.get(team.id)
            self._compare(
                EntityType.TEAM, team.id, team.id, row,
                mapping.team_row_fields(row) if row else None,
                mapping.team_fields(team, position), archivable=True,
            )  # fmt: skip
        for key, row in rows.items():
            if key not in wanted:
                self._gone(EntityType.TEAM, key, key, row, mapping.team_row_fields(row))

    def _period(
        self, plan: Plan, row: PeriodRow | None, stored: repositories.PeriodContents | None
    ) -> None:
        label = plan.period.label
        self._compare(
            EntityType.PERIOD, label, label, row,
            mapping.period_row_fields(row) if row else None,
            mapping.period_fields(plan.period, plan.north_star), archivable=False,
        )  # fmt: skip
        _check_unique_ids(plan)
        objectives = {r.key: r for r in stored.objectives} if stored else {}
        krs = {r.key: r for r in stored.key_results} if stored else {}
        bets = {r.key: r for r in stored.bets} if stored else {}
        objective_keys = {r.id: r.key for r in objectives.values()}
        carried = self._carried_labels(stored)
        for position, objective in enumerate(plan.objectives):
            orow = objectives.get(objective.id)
            self._compare(
                EntityType.OBJECTIVE, f"{label}/{objective.id}", objective.id, orow,
                mapping.objective_row_fields(orow) if orow else None,
                mapping.objective_fields(objective, position), archivable=True, period=label,
            )  # fmt: skip
            for kr_position, kr in enumerate(objective.key_results):
                krow = krs.get(kr.id)
                stored_fields = None
                if krow is not None:
                    stored_fields = mapping.key_result_row_fields(
                        krow, objective_keys[krow.objective_id]
                    )
                    stored_fields["baselined_metric_hash"] = krow.baselined_metric_hash
                    stored_fields["carried_from"] = carried.get(krow.carried_from_id or -1)
                desired = mapping.key_result_fields(kr, objective.id, kr_position)
                desired["baselined_metric_hash"] = self._metric_hash(desired, stored_fields)
                desired["carried_from"] = (
                    stored_fields["carried_from"]
                    if stored_fields is not None
                    else self._predecessor(plan, kr.id)
                )
                self._compare(
                    EntityType.KEY_RESULT, f"{label}/{kr.id}", kr.id, krow, stored_fields,
                    desired, archivable=True, period=label,
                )  # fmt: skip
            for bet_position, bet in enumerate(objective.bets):
                brow = bets.get(bet.id)
                self._compare(
                    EntityType.BET, f"{label}/{bet.id}", bet.id, brow,
                    mapping.bet_row_fields(brow, objective_keys[brow.objective_id])
                    if brow else None,
                    mapping.bet_fields(bet, objective.id, bet_position),
                    archivable=True, period=label,
                )  # fmt: skip
            self._guardrails(label, objective, orow, stored)
        listed = {o.id for o in plan.objectives}
        for key, orow in objectives.items():
            if key not in listed:
                self._gone(EntityType.OBJECTIVE, f"{label}/{key}", key, orow,
                           mapping.objective_row_fields(orow), period=label)  # fmt: skip
        listed_krs = {kr.id for _, kr in plan.key_results()}
        for key, krow in krs.items():
            if key not in listed_krs:
                fields = mapping.key_result_row_fields(krow, objective_keys[krow.objective_id])
                self._gone(EntityType.KEY_RESULT, f"{label}/{key}", key, krow, fields,
                           period=label)  # fmt: skip
        listed_bets = {b.id for _, b in plan.bets()}
        for key, brow in bets.items():
            if key not in listed_bets:
                fields = mapping.bet_row_fields(brow, objective_keys[brow.objective_id])
                self._gone(EntityType.BET, f"{label}/{key}", key, brow, fields, period=label)

    def _guardrails(
        self,
        label: str,
        objective: Any,
        orow: ObjectiveRow | None,
        stored: repositories.PeriodContents | None,
    ) -> None:
        rows = []
        if stored is not None and orow is not None:
            rows = [g for g in stored.guardrails if g.objective_id == orow.id]
        by_key = dict(guardrail_keys([(r.metric, r.segment) for r in rows], rows))
        desired = guardrail_keys(
            [(g.metric, g.segment) for g in objective.guardrails], list(objective.guardrails)
        )
        base = f"{label}/{objective.id}/guardrail:"
        for position, (gkey, guardrail) in enumerate(desired):
            grow = by_key.pop(gkey, None)
            self._compare(
                EntityType.GUARDRAIL, base + gkey, objective.id, grow,
                mapping.guardrail_row_fields(grow) if grow else None,
                mapping.guardrail_fields(guardrail, position), archivable=False, period=label,
            )  # fmt: skip
        for gkey, grow in by_key.items():
            before = mapping.guardrail_row_fields(grow)
            self._record_seen(EntityType.GUARDRAIL, base + gkey, grow)
            change = EntityChange(EntityType.GUARDRAIL, base + gkey, ChangeKind.DELETE)
            self.ops.append(PlannedOp(change, grow, objective.id, label, None, before))

    def _compare(
        self,
        entity_type: EntityType,
        key: str,
        local_key: str,
        row: Any,
        stored: Fields | None,
        desired: Fields,
        *,
        archivable: bool,
        period: str | None = None,
    ) -> None:
        if row is None or stored is None:
            fields = tuple(
                FieldChange(k, None, audit.jsonable(v)) for k, v in desired.items() if v is not None
            )
            change = EntityChange(entity_type, key, ChangeKind.ADD, fields)
            self.ops.append(PlannedOp(change, None, local_key, period, desired, None))
            return
        self._record_seen(entity_type, key, row)
        diff = tuple(
            FieldChange(k, audit.jsonable(stored.get(k)), audit.jsonable(v))
            for k, v in desired.items()
            if stored.get(k) != v
        )
        archived = archivable and row.archived_at is not None
        before = _with_archive(stored, row) if archivable else stored
        if archived:
            change = EntityChange(entity_type, key, ChangeKind.RESTORE, diff)
        elif diff:
            change = EntityChange(entity_type, key, ChangeKind.CHANGE, diff)
        else:
            self.unchanged[entity_type] += 1
            return
        self.ops.append(PlannedOp(change, row, local_key, period, desired, before))

    def _gone(
        self,
        entity_type: EntityType,
        key: str,
        local_key: str,
        row: Any,
        stored: Fields,
        period: str | None = None,
    ) -> None:
        """Stored but no longer in the files: archive it (once)."""
        self._record_seen(entity_type, key, row)
        if row.archived_at is not None:
            return
        change = EntityChange(entity_type, key, ChangeKind.ARCHIVE)
        self.ops.append(PlannedOp(change, row, local_key, period, None, _with_archive(stored, row)))

    def _record_seen(self, entity_type: EntityType, key: str, row: Any) -> None:
        self.seen.append((str(entity_type), key, row.version, row.archived_at is not None
                          if hasattr(row, "archived_at") else False))  # fmt: skip

    def _metric_hash(self, desired: Fields, stored: Fields | None) -> str | None:
        metric, baseline = desired["metric"], desired["baseline"]
        if metric is None or baseline is None:
            return None
        if (
            not self.rebaseline
            and stored is not None
            and stored["baselined_metric_hash"] is not None
            and stored["metric"] == metric
            and stored["baseline"] == baseline
        ):
            return str(stored["baselined_metric_hash"])
        return self.metric_hashes.get(metric)

    def _carried_labels(self, stored: repositories.PeriodContents | None) -> dict[int, str]:
        """'<period>/<kr>' of every predecessor the stored KRs point at."""
        if stored is None:
            return {}
        ids = {r.carried_from_id for r in stored.key_results if r.carried_from_id}
        if not ids:
            return {}
        rows = self.session.execute(
            select(KeyResultRow.id, KeyResultRow.key, PeriodRow.label)
            .join(PeriodRow, KeyResultRow.period_id == PeriodRow.id)
            .where(KeyResultRow.id.in_(ids))
        )
        return {i: f"{label}/{key}" for i, key, label in rows}

    def _predecessor(self, plan: Plan, kr_id: str) -> str | None:
        """The same KR id in the latest earlier period, stored or in this batch of files."""
        best: tuple[Any, str] | None = None
        row = repositories.latest_earlier_key_result(self.session, kr_id, plan.period.start)
        if row is not None:
            period = self.session.get(PeriodRow, row.period_id)
            assert period is not None
            best = (period.start, f"{period.label}/{kr_id}")
        for other in self.plans.values():
            if other.period.start < plan.period.start and any(
                kr.id == kr_id for _, kr in other.key_results()
            ):
                candidate = (other.period.start, f"{other.period.label}/{kr_id}")
                if best is None or candidate[0] >= best[0]:
                    best = candidate
        return best[1] if best else None


def _with_archive(fields: Fields, row: Any) -> Fields:
    return {**fields, "archived_at": row.archived_at}


def guardrail_keys(
    identities: Sequence[tuple[str, str | None]], items: Sequence[Any]
) -> list[tuple[str, Any]]:
    """`metric`, `metric@segment`, and `#2`, `#3` for repeats, in order."""
    seen: Counter[str] = Counter()
    out = []
    for (metric, segment), item in zip(identities, items, strict=True):
        base = metric + (f"@{segment}" if segment else "")
        seen[base] += 1
        out.append((base if seen[base] == 1 else f"{base}#{seen[base]}", item))
    return out


def _fingerprint(seen: list[tuple[str, str, int, bool]]) -> str:
    return hashlib.sha256(json.dumps(sorted(seen)).encode()).hexdigest()[:16]


def _check_unique_periods(plans: Sequence[Plan]) -> dict[str, Plan]:
    out: dict[str, Plan] = {}
    for plan in sorted(plans, key=lambda p: (p.period.start, p.period.label)):
        if plan.period.label in out:
            raise UserError(
                f"two plans are for period {plan.period.label}",
                hint="keep one okrs/<period>.yaml per period",
            )
        out[plan.period.label] = plan
    return out


def _check_unique_ids(plan: Plan) -> None:
    for kind, ids in (
        ("objective", [o.id for o in plan.objectives]),
        ("key result", [kr.id for _, kr in plan.key_results()]),
        ("bet", [b.id for _, b in plan.bets()]),
    ):
        repeated = sorted(k for k, n in Counter(ids).items() if n > 1)
        if repeated:
            raise UserError(
                f"{kind} id {repeated[0]!r} is used twice in {plan.period.label}",
                hint=f"{kind} ids must be unique within a period",
            )
