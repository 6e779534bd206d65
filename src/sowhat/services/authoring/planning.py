"""The planning view: draft a period's objectives, carry KRs over from the last period, see
every draft KR's coach verdict at once, publish.

Planning is when the coach matters most — before a team commits to a number — so the view
runs the full draft check (`draft_check`) on every KR with the events opened once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy.orm import Session

from sowhat.domain.okr import KeyResult, Objective, Plan
from sowhat.domain.period import Period
from sowhat.errors import SowhatError, UserError
from sowhat.metrics.source import EventSource
from sowhat.services.accounts import Principal
from sowhat.services.authoring import objects
from sowhat.services.authoring.draft_check import DraftCheck, check_draft_kr
from sowhat.services.authoring.periods import draft_labels
from sowhat.services.events import open_events
from sowhat.services.plans import load_plans, status_rows
from sowhat.spec.metric_units import kr_scale
from sowhat.spec.workspace import Workspace
from sowhat.store import repositories

__all__ = ["CarryCandidate", "PlannedKR", "PlannedObjective", "PlanningView", "carry_over",
           "next_label", "planning_view"]  # fmt: skip


@dataclass(frozen=True)
class PlannedKR:
    kr: KeyResult
    check: DraftCheck
    unit: str | None = None  # how its values read: the metric's unit, else the KR's (45%)


@dataclass(frozen=True)
class PlannedObjective:
    objective: Objective
    key_results: tuple[PlannedKR, ...]


@dataclass(frozen=True)
class CarryCandidate:
    """A KR of the previous period not yet in this one, with where it ended."""

    objective: Objective
    kr: KeyResult
    current: float | None
    unit: str | None = None  # as PlannedKR.unit


def _unit(kr: KeyResult, workspace: Workspace) -> str | None:
    """The unit every other screen shows this KR in (a conversion reads 40%, not 0.4)."""
    return kr_scale(metric=kr.metric, kr_unit=kr.unit, catalog=workspace.metrics).text


@dataclass(frozen=True)
class PlanningView:
    period: Period
    draft: bool
    objectives: tuple[PlannedObjective, ...]
    previous: str | None
    candidates: tuple[CarryCandidate, ...]

    @property
    def verdicts(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for o in self.objectives:
            for k in o.key_results:
                out[k.check.verdict] = out.get(k.check.verdict, 0) + 1
        return out


def next_label(*, session: Session, today: date | None = None) -> str:
    """The period after the latest stored one (or after today's quarter)."""
    rows = repositories.all_periods(session)
    if rows:
        latest = max(rows, key=lambda r: (r.start, r.end))
        try:
            return Period.parse(latest.label).next().label
        except ValueError:
            pass
    today = today or datetime.now(UTC).date()
    return Period.parse(f"{today.year}-Q{(today.month - 1) // 3 + 1}").next().label


def planning_view(
    *, session: Session, workspace: Workspace, period: str, today: date | None = None,
) -> PlanningView:  # fmt: skip
    today = today or datetime.now(UTC).date()
    [plan] = load_plans(session=session, period=period)
    previous = _previous(session, plan.period)
    try:
        source: EventSource | None = open_events(workspace)
    except SowhatError:
        source = None
    try:
        planned = tuple(
            PlannedObjective(o, tuple(PlannedKR(kr, _check(kr, plan, workspace, source,
                                                           today),
                                                unit=_unit(kr, workspace))
                                      for kr in o.key_results))
            for o in plan.objectives
        )  # fmt: skip
    finally:
        if source is not None:
            source.close()
    present = {kr.id for _, kr in plan.key_results()}
    candidates: list[CarryCandidate] = []
    if previous is not None:
        [old] = load_plans(session=session, period=previous)
        status = status_rows(session=session, period=previous, today=today)
        current = {k.id: k.current for o in status.objectives for k in o.key_results}
        candidates = [CarryCandidate(o, kr, current.get(kr.id), unit=_unit(kr, workspace))
                      for o, kr in old.key_results() if kr.id not in present]  # fmt: skip
    return PlanningView(plan.period, period in draft_labels(session=session), planned,
                        previous, tuple(candidates))  # fmt: skip


def carry_over(
    *, session: Session, principal: Principal, workspace: Workspace, period: str,
    kr_ids: Sequence[str],
) -> list[str]:  # fmt: skip
    """Copy these KRs of the previous period into `period` (their objectives too, when
    missing): same id, so their check-in history continues; the baseline is where the KR
    ended (its latest value) when it has one, the target stays for the team to revisit."""
    if not kr_ids:
        raise UserError("no key result chosen", hint="tick the ones to carry over")
    view_period = repositories.periods_by_label(session, [period]).get(period)
    if view_period is None:
        raise UserError(f"no stored period {period!r}")
    span = Period.between(view_period.start, view_period.end, period)
    previous = _previous(session, span)
    if previous is None:
        raise UserError(f"no period before {period} to carry from")
    [old] = load_plans(session=session, period=previous)
    [new] = load_plans(session=session, period=period)
    have_objectives = {o.id for o in new.objectives}
    status = status_rows(session=session, period=previous)
    current = {k.id: k.current for o in status.objectives for k in o.key_results}
    found = {kr.id: (o, kr) for o, kr in old.key_results()}
    done = []
    for kr_id in kr_ids:
        if kr_id not in found:
            raise UserError(f"no key result {kr_id!r} in {previous}")
        o, kr = found[kr_id]
        if o.id not in have_objectives:
            objects.create_objective(session=session, principal=principal, period=period,
                                     fields={"id": o.id, "title": o.title, "team": o.team,
                                             "owner": o.owner, "aligns_to": o.aligns_to,
                                             "description": o.description})  # fmt: skip
            have_objectives.add(o.id)
        ended = current.get(kr_id)
        baseline = ended if ended is not None and ended != kr.target else kr.baseline
        objects.create_key_result(
            session=session, principal=principal, period=period, metrics=workspace.metrics,
            fields={"id": kr.id, "objective": o.id, "title": kr.title, "metric": kr.metric,
                    "segment": kr.segment, "baseline": baseline, "target": kr.target,
                    "indicator": str(kr.indicator) if kr.indicator else None,
                    "owner": kr.owner, "unit": kr.unit, "measure": kr.measure,
                    "over": f"{kr.over_days}d" if kr.over_days else None})  # fmt: skip
        done.append(kr_id)
    return done


def _previous(session: Session, period: Period) -> str | None:
    earlier = [r for r in repositories.all_periods(session) if r.start < period.start]
    return max(earlier, key=lambda r: (r.start, r.end)).label if earlier else None


def _check(kr: KeyResult, plan: Plan, workspace: Workspace, events: EventSource | None,
           today: date) -> DraftCheck:  # fmt: skip
    return check_draft_kr(title=kr.title, metric=kr.metric, segment=kr.segment,
                          baseline=kr.baseline, target=kr.target, period=plan.period,
                          catalog=workspace.metrics, events=events, today=today,
                          measure=kr.measure, over_days=kr.over_days,
                          bet_shift=plan.expected_shift(kr))  # fmt: skip
