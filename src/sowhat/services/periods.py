"""Closing a period: freeze its scores, and carry unfinished KRs into the next one.

`close_period` does everything in the caller's transaction:
1. the period's gated health (`services.guardrails`: scores, attainment, guardrail states)
   and team scores are frozen into `periods.final_scores`, and `closed_at` is set — from then
   on the period's check-ins are refused (services.checkins) and reviews read the frozen
   scores, so a later metric redefinition cannot rewrite history;
2. each carried KR is added to the next period (`Period.next()`): same id, title, metric,
   segment, baseline and target (the commitment continues; edit the file to change them),
   under an objective of the same id — copied with its guardrails when the next period does
   not have it. The rows are written by `sowhat apply`'s own service, which links a KR to
   its predecessor of the same id (`carried_from`), so check-in history follows it.

Files and the database must agree: when `okrs/<next>.yaml` exists, it must already be
applied (else the close stops and says so), and after the commit the shell writes the next
period's file with `write_period_file` (the same merge as `sowhat export`: comments and
spelling of the existing file are kept). The file is written after the commit, never before:
a failed close leaves no file behind, and a crash between commit and write is repaired by
`sowhat export`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from sqlalchemy.orm import Session

from sowhat.domain.okr import Objective, Plan
from sowhat.domain.period import Period
from sowhat.domain.retitle import retitle_baseline
from sowhat.errors import NotFound, UserError
from sowhat.services.apply.run import apply_changes, plan_changes
from sowhat.services.files import ExportedFile, export_workspace, metric_hashes
from sowhat.services.guardrails import (
    PeriodHealth,
    final_scores_json,
    frozen_health,
    objective_health,
)
from sowhat.services.plans import load_plans, status_rows
from sowhat.spec.metric_units import kr_scale
from sowhat.spec.workspace import Workspace
from sowhat.store import audit, repositories
from sowhat.store.db import flush
from sowhat.store.models import PeriodRow

__all__ = [
    "CarriedKR",
    "CloseResult",
    "close_period",
    "frozen_health",
    "reopen_period",
    "write_period_file",
]

@dataclass(frozen=True)
class CarriedKR:
    kr_id: str
    objective_id: str
    to_period: str
    new_objective: bool  # the objective was copied into the next period for it
    already_there: bool  # the next period already had this KR: nothing added
    # The carried KR starts from where its measure stood at the close (the value the next
    # sync measures as the new period's baseline), not from last period's baseline.
    baseline: float | None = None
    old_baseline: float | None = None
    # Its title's "from <baseline>" follows the new baseline (sowhat.domain.retitle); a
    # title that states no starting number, or another one, is kept for a person to edit.
    title: str | None = None
    old_title: str | None = None
    unit: str | None = None  # how to show the baselines (the KR's metric's scale)


@dataclass(frozen=True)
class CloseResult:
    period: str
    closed_at: datetime
    health: PeriodHealth  # the frozen scores
    team_scores: dict[str, float]
    next_period: str | None  # set when KRs were carried
    carried: tuple[CarriedKR, ...]


def close_period(
    *, session: Session, workspace: Workspace, period: str, actor: str,
    carry: Sequence[str] = (), carry_unfinished: bool = False, now: datetime | None = None,
    force: bool = False,
) -> CloseResult:
    """Freeze `period`'s scores, close it, and carry KRs into the next period.

    A period that has not ended yet is closed only with `force`: closing freezes scores
    that would still have moved, and check-ins stop (`reopen_period` undoes it)."""
    now = now or datetime.now(UTC)
    row = _period(session, period)
    if row.closed_at is not None:
        raise UserError(f"period {period} was closed on {row.closed_at.date().isoformat()}",
                        hint="its scores are final; carry KRs by adding them to the next "
                        "period's file and running `sowhat apply`")
    status = status_rows(session=session, period=period, today=now.date(),
                         catalog=workspace.metrics)
    health = objective_health(session=session, status=status, catalog=workspace.metrics)
    to_carry = _carry_list(health, carry, carry_unfinished)
    nxt = Period.between(row.start, row.end, row.label).next()
    # Everything that can refuse runs before anything is written.
    base = _next_plan(session, workspace, nxt, row.north_star) if to_carry else None
    if now.date() < row.end and not force:
        days = (row.end - now.date()).days
        raise UserError(
            f"period {period} ends on {row.end.isoformat()} ({days} days from now); "
            "closing now freezes its scores early and stops check-ins",
            hint="close it after it ends, or add --force to close it now "
            "(`sowhat period reopen` undoes a close)",
        )
    row.final_scores = final_scores_json(health, status.team_scores, closed_at=now)
    row.closed_at = now
    flush(session)
    audit.record(session=session, actor=actor, action=audit.AuditAction.UPDATE,
                 entity_type="period", entity_key=period, before={"closed_at": None},
                 after={"closed_at": now.isoformat(), "carried": list(to_carry)}, at=now)
    carried: tuple[CarriedKR, ...] = ()
    if base is not None:
        current = {k.id: k.current for o in status.objectives for k in o.key_results}
        carried = _carry(session, workspace, row, base, to_carry, current, actor, now)
    return CloseResult(period=period, closed_at=now, health=health,
                       team_scores=dict(status.team_scores),
                       next_period=nxt.label if carried else None, carried=carried)


def reopen_period(
    *, session: Session, period: str, actor: str, now: datetime | None = None
) -> None:
    """Undo a close: scores live again, check-ins accepted. KRs already carried into the
    next period stay there (remove them from its file and `sowhat apply` if unwanted)."""
    now = now or datetime.now(UTC)
    row = _period(session, period)
    if row.closed_at is None:
        raise UserError(f"period {period} is not closed", hint="there is nothing to reopen")
    before = row.closed_at
    row.closed_at = None
    row.final_scores = None
    flush(session)
    audit.record(session=session, actor=actor, action=audit.AuditAction.RESTORE,
                 entity_type="period", entity_key=period,
                 before={"closed_at": before.isoformat()}, after={"closed_at": None}, at=now)


def write_period_file(
    *, session: Session, workspace: Workspace, period: str
) -> list[ExportedFile]:
    """Write one period's plan from the database to its okrs/ file (after a commit)."""
    return export_workspace(session=session, workspace=workspace, period=period)


def _period(session: Session, label: str) -> PeriodRow:
    rows = repositories.periods_by_label(session, [label])
    if label not in rows:
        known = [p.label for p in repositories.all_periods(session)]
        raise NotFound(f"no stored period {label!r}",
                       hint=f"stored periods: {', '.join(known)}" if known
                       else "run `sowhat apply` first")
    return rows[label]


def _carry_list(health: PeriodHealth, carry: Sequence[str], unfinished: bool) -> list[str]:
    by_id = {k.id: k for o in health.objectives for k in o.key_results}
    for kr_id in carry:
        if kr_id not in by_id:
            raise NotFound(f"no key result {kr_id!r} in {health.period}",
                           hint="carry ids from: " + ", ".join(by_id))
        if by_id[kr_id].counts_as_met:
            raise UserError(f"key result {kr_id} met its target; there is nothing to carry",
                            hint="carry only unfinished key results")
    chosen = set(carry)
    if unfinished:
        chosen |= {k for k, h in by_id.items() if not h.counts_as_met}
    return [k for k in by_id if k in chosen]  # in the period's file order


def _carry(
    session: Session, workspace: Workspace, row: PeriodRow, base: Plan, kr_ids: list[str],
    current: dict[str, float | None], actor: str, now: datetime,
) -> tuple[CarriedKR, ...]:
    nxt = base.period
    old = load_plans(session=session, period=row.label)[0]
    owner_of = {kr.id: o for o in old.objectives for kr in o.key_results}
    objectives = list(base.objectives)
    present = {kr.id for o in objectives for kr in o.key_results}
    carried = []
    for kr_id in kr_ids:
        source = owner_of[kr_id]
        kr = next(k for k in source.key_results if k.id == kr_id)
        if kr_id in present:
            carried.append(CarriedKR(kr_id, source.id, nxt.label, False, True))
            continue
        old_baseline = kr.baseline
        measured = current.get(kr_id)
        old_title = kr.title
        if kr.metric is not None and measured is not None and measured != kr.target:
            renamed = retitle_baseline(kr.title, kr.baseline, measured) \
                if kr.baseline is not None else None
            kr = replace(kr, baseline=measured, title=renamed.title if renamed else kr.title)
        index = next((i for i, o in enumerate(objectives) if o.id == source.id), None)
        if index is None:
            objectives.append(Objective(
                id=source.id, title=source.title, team=source.team, owner=source.owner,
                aligns_to=source.aligns_to, description=source.description,
                key_results=(kr,), guardrails=source.guardrails,
            ))  # fmt: skip
        else:
            target = objectives[index]
            objectives[index] = replace(target, key_results=(*target.key_results, kr))
        carried.append(CarriedKR(kr_id, source.id, nxt.label, index is None, False,
                                 kr.baseline, old_baseline, kr.title, old_title,
                                 kr_scale(metric=kr.metric, kr_unit=kr.unit,
                                          catalog=workspace.metrics).text))
        present.add(kr_id)
    plan = replace(base, objectives=tuple(objectives))
    apply_changes(session=session, plans=[plan], teams=workspace.config.team_values(),
                  metric_hashes=metric_hashes(workspace), actor=actor, now=now)
    return tuple(carried)


def _next_plan(
    session: Session, workspace: Workspace, nxt: Period, north_star: str | None
) -> Plan:
    """The next period as it stands, refusing a file that is ahead of the database."""
    in_file = next((lp.plan for lp in workspace.plans if lp.plan.period.label == nxt.label),
                   None)
    if in_file is not None:
        pending = plan_changes(session=session, plans=[in_file],
                               teams=workspace.config.team_values(),
                               metric_hashes=metric_hashes(workspace))
        if pending.changes:
            raise UserError(
                f"okrs/{nxt.label}.yaml has changes that are not applied yet",
                hint="run `sowhat apply` first, then close the period again",
            )
        return in_file
    stored = load_plans(session=session, period=nxt.label) \
        if nxt.label in repositories.periods_by_label(session, [nxt.label]) else []
    if stored:
        return stored[0]
    return Plan(period=nxt, objectives=(), north_star=north_star)
