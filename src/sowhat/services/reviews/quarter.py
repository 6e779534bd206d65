"""The quarterly review: scores, commit/target/stretch attainment, and the retrospective.

Attainment follows `services.guardrails`: progress is unclipped (baseline → target = 1.0);
commit is progress >= 0.7, target >= 1.0, stretch > 1.0; and a KR counts at any level only
when its objective's guardrails held — the ones that reached a level but broke a guardrail
are counted apart (`gated_out`). A closed period is reviewed from the scores frozen when it
was closed (`sowhat period close`), an open one from the latest check-ins.

The retrospective is the lessons recorded for the period (`sowhat review lesson add`), and
the previous period's lessons, so last quarter's learning is on the table when this
quarter's is written.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy.orm import Session

from sowhat.services.guardrails import (
    COMMIT_PROGRESS,
    TARGET_PROGRESS,
    Attainment,
    KRHealth,
    ObjectiveHealth,
    PeriodHealth,
    objective_health,
)
from sowhat.services.periods import frozen_health
from sowhat.services.plans import PeriodStatus, status_rows
from sowhat.services.reviews.lessons import Lesson, list_lessons, previous_period
from sowhat.spec.metric_defs import MetricsFile
from sowhat.store import repositories

__all__ = ["AttainmentSummary", "ObjectiveAttainment", "QuarterReview", "objective_attainment",
           "quarter_review"]

_LEVELS = {
    Attainment.COMMIT: 1, Attainment.TARGET: 2, Attainment.STRETCH: 3,
}


@dataclass(frozen=True)
class AttainmentSummary:
    key_results: int
    measured: int  # KRs with a baseline, a target and a value
    commit: int  # counted KRs at progress >= 0.7 (target and stretch included)
    target: int  # counted KRs at progress >= 1.0 (stretch included)
    stretch: int  # counted KRs beyond the target
    gated_out: int  # reached commit or better, but a guardrail of the objective broke

    def share(self, level: int) -> float | None:
        return level / self.measured if self.measured else None


@dataclass(frozen=True)
class ObjectiveAttainment:
    objective: ObjectiveHealth
    attainment: AttainmentSummary


@dataclass(frozen=True)
class QuarterReview:
    period: str
    start: date
    end: date
    closed: bool
    frozen: bool  # scores read from the values frozen at close
    as_of: datetime
    commit_level: float
    target_level: float
    objectives: tuple[ObjectiveAttainment, ...]
    attainment: AttainmentSummary
    team_scores: dict[str, float]
    lessons: tuple[Lesson, ...]
    previous_period: str | None
    previous_lessons: tuple[Lesson, ...]

    def level_word(self, kr: KRHealth) -> str:
        """A KR's level as people read it: in an open period nothing is "missed" yet (it is
        below commit so far), and a KR whose cohorts have not matured is not readable yet
        rather than merely unmeasured."""
        if kr.attainment is Attainment.UNMEASURED and kr.note:
            return "not readable yet"
        if kr.attainment is Attainment.MISSED and not self.closed:
            return "below commit"
        return str(kr.attainment)


def quarter_review(
    *, session: Session, period: str | None = None, as_of: datetime | None = None,
    catalog: MetricsFile | None = None,
) -> QuarterReview:
    """Scores and attainment of a period (default: the one covering as_of), plus lessons."""
    as_of = as_of or datetime.now(UTC)
    status = status_rows(session=session, period=period, today=as_of.date(), catalog=catalog)
    row = repositories.periods_by_label(session, [status.period])[status.period]
    frozen = frozen_health(row)
    if frozen is not None:
        health, team_scores = frozen
        if catalog is not None:  # without it the live units are guesses too
            health = _with_units(health, status)
    else:
        health, team_scores = objective_health(session=session, status=status, catalog=catalog), \
            dict(status.team_scores)
    objectives = tuple(ObjectiveAttainment(o, objective_attainment(o))
                       for o in health.objectives)
    all_krs = [k for o in health.objectives for k in o.key_results]
    overall = AttainmentSummary(
        key_results=len(all_krs),
        measured=sum(x.attainment.measured for x in objectives),
        commit=sum(x.attainment.commit for x in objectives),
        target=sum(x.attainment.target for x in objectives),
        stretch=sum(x.attainment.stretch for x in objectives),
        gated_out=sum(x.attainment.gated_out for x in objectives),
    )
    previous = previous_period(session, row)
    return QuarterReview(
        period=row.label, start=row.start, end=row.end, closed=row.closed_at is not None,
        frozen=frozen is not None, as_of=as_of, commit_level=COMMIT_PROGRESS,
        target_level=TARGET_PROGRESS, objectives=objectives, attainment=overall,
        team_scores=team_scores, lessons=list_lessons(session=session, period=row.label),
        previous_period=previous.label if previous else None,
        previous_lessons=list_lessons(session=session, period=previous.label)
        if previous else (),
    )


def _with_units(health: PeriodHealth, status: PeriodStatus) -> PeriodHealth:
    """Scores frozen without the metric catalog (`sowhat period close` before December
    2026) carry the fallback unit "count", so 22.2% read as 0.222. Units are how values are
    shown, not part of the score: the metric's unit today wins where it is known."""
    units = {k.id: k.unit for o in status.objectives for k in o.key_results}
    return dataclasses.replace(health, objectives=tuple(
        dataclasses.replace(o, key_results=tuple(
            dataclasses.replace(k, unit=units.get(k.id) or k.unit) for k in o.key_results))
        for o in health.objectives))


def objective_attainment(o: ObjectiveHealth) -> AttainmentSummary:
    """An objective's attainment, its guardrail gate applied to every level."""
    gate = not o.at_risk
    krs = list(o.key_results)
    levels = [_LEVELS.get(k.attainment, 0) for k in krs]
    return AttainmentSummary(
        key_results=len(krs),
        measured=sum(1 for k in krs if k.attainment is not Attainment.UNMEASURED),
        commit=sum(1 for lv in levels if gate and lv >= 1),
        target=sum(1 for lv in levels if gate and lv >= 2),
        stretch=sum(1 for lv in levels if gate and lv >= 3),
        gated_out=0 if gate else sum(1 for lv in levels if lv >= 1),
    )
