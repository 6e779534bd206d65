"""Guardrail gating: an objective whose guardrail broke is "at risk", and its KRs do not count.

The essays' point: a team must not "succeed" by creating a new failure — activation bought
with a flood of support tickets is not a win. So a KR counts as met only when it reached its
target AND every guardrail of its objective held at the last sync. This module is the one
place that rule lives; `sowhat status`, the reviews, `sowhat period close` and the web pages
all read it from here.

Attainment levels (the conventions `sowhat review quarter` reports):
- progress is (current - baseline) / (target - baseline), UNCLIPPED here, so 1.3 means the
  KR went 30% beyond its target (domain `progress()` clips to 0..1 for scores);
- commit: progress >= 0.7; target: progress >= 1.0; stretch: progress > 1.0.
A guardrail never evaluated (no sync since it was added), or evaluated but not judgeable (no
value to date, or no baseline for a change bound: services.sync.guardrails), neither breaks
nor holds: the objective is "unchecked" and its KRs count, with the state shown next to them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from sowhat.domain.okr import raw_progress
from sowhat.domain.scoring import score_note
from sowhat.services.plans import KeyResultStatus, PeriodStatus, status_rows
from sowhat.spec.metric_defs import MetricsFile
from sowhat.spec.metric_units import unit_text
from sowhat.store import repositories
from sowhat.store.audit import jsonable
from sowhat.store.mapping import to_guardrail
from sowhat.store.models import GuardrailRow, PeriodRow
from sowhat.store.sync_models import GuardrailCheckRow

__all__ = [
    "COMMIT_PROGRESS",
    "FINAL_SCORES_VERSION",
    "TARGET_PROGRESS",
    "Attainment",
    "GuardrailState",
    "GuardrailStatus",
    "KRHealth",
    "ObjectiveHealth",
    "PeriodHealth",
    "attainment",
    "final_scores_json",
    "frozen_health",
    "objective_health",
    "raw_progress",
]

COMMIT_PROGRESS = 0.7
TARGET_PROGRESS = 1.0


class GuardrailState(StrEnum):
    HELD = "held"  # every guardrail evaluated and within bounds
    BREACHED = "breached"  # at least one guardrail out of bounds: the objective is at risk
    UNCHECKED = "unchecked"  # some guardrail has no evaluation yet (run `sowhat sync`)
    NONE = "none"  # the objective has no guardrails


class Attainment(StrEnum):
    STRETCH = "stretch"  # beyond the target (progress > 1.0)
    TARGET = "target"  # progress == 1.0 (reached the target, not beyond)
    COMMIT = "commit"  # 0.7 <= progress < 1.0
    MISSED = "missed"  # below 0.7
    UNMEASURED = "unmeasured"  # no value, or no baseline/target to measure against


@dataclass(frozen=True)
class GuardrailStatus:
    metric: str
    segment: str | None
    rule: str  # in words: "must not rise more than 10%", "must stay at or above 0.2"
    baseline: float | None  # the same-length window before the period
    current: float | None  # the period to date
    breached: bool
    reason: str | None
    as_of: datetime | None  # None: never evaluated
    evaluated_at: datetime | None
    judged: bool = True  # False: evaluated, but no value or no baseline to judge it by

    @property
    def within_noise(self) -> bool:
        """Held, with a reason: past a change bound, but within noise (a held guardrail
        otherwise stores no reason; services.sync.guardrails)."""
        return self.as_of is not None and self.judged and not self.breached \
            and self.reason is not None


@dataclass(frozen=True)
class KRHealth:
    id: str
    title: str
    current: float | None  # latest check-in value: the metric over the period TO DATE
    baseline: float | None
    target: float | None
    progress: float | None  # unclipped; see the module docstring
    attainment: Attainment
    met: bool  # reached the target (progress >= 1.0)
    counts_as_met: bool  # met, and the objective's guardrails did not break
    unit: str | None = None  # how the values are shown (sowhat.domain.units)
    # When a KR whose cohorts have not matured gets its first reading of this period:
    # unmeasured for that reason, not for want of data (KeyResultStatus.readable_when).
    note: str | None = None


@dataclass(frozen=True)
class ObjectiveHealth:
    id: str
    title: str
    team: str | None
    owner: str | None
    score: float | None  # mean clipped KR progress (domain scoring), guardrails aside
    guardrail_state: GuardrailState
    guardrails: tuple[GuardrailStatus, ...]
    key_results: tuple[KRHealth, ...]
    waiting: int = 0  # KRs left out of the score: not readable yet
    unmeasured: int = 0  # KRs counted as 0 in the score: nothing measured yet

    @property
    def score_note(self) -> str | None:
        return score_note(self.waiting, len(self.key_results), self.score, self.unmeasured)

    @property
    def at_risk(self) -> bool:
        return self.guardrail_state is GuardrailState.BREACHED

    @property
    def breaches(self) -> tuple[GuardrailStatus, ...]:
        return tuple(g for g in self.guardrails if g.breached)

    @property
    def not_judged(self) -> tuple[GuardrailStatus, ...]:
        """Guardrails the last sync evaluated but could not judge (each with its reason)."""
        return tuple(g for g in self.guardrails if g.as_of is not None and not g.judged)


@dataclass(frozen=True)
class PeriodHealth:
    period: str
    start: date
    end: date
    closed: bool
    objectives: tuple[ObjectiveHealth, ...]

    @property
    def at_risk(self) -> tuple[ObjectiveHealth, ...]:
        return tuple(o for o in self.objectives if o.at_risk)

    def key_result(self, kr_id: str) -> KRHealth | None:
        for o in self.objectives:
            for kr in o.key_results:
                if kr.id == kr_id:
                    return kr
        return None


def attainment(progress: float | None) -> Attainment:
    if progress is None:
        return Attainment.UNMEASURED
    if progress > TARGET_PROGRESS + 1e-12:
        return Attainment.STRETCH
    if progress >= TARGET_PROGRESS - 1e-12:
        return Attainment.TARGET
    if progress >= COMMIT_PROGRESS - 1e-12:
        return Attainment.COMMIT
    return Attainment.MISSED


def objective_health(
    *, session: Session, period: str | None = None, today: date | None = None,
    status: PeriodStatus | None = None, live: bool = False, catalog: MetricsFile | None = None,
) -> PeriodHealth:
    """Each objective's guardrail state and its KRs' gated attainment.

    A closed period answers with the scores frozen when it was closed (`live=True` reads
    the stored check-ins instead). Pass `status` when the caller already has
    `status_rows(...)` for the period; pass `catalog` so guardrail rules read in their
    metric's unit ("must not fall more than 3 pts").
    """
    status = status or status_rows(session=session, period=period, today=today)
    row = repositories.periods_by_label(session, [status.period])[status.period]
    frozen = None if live else frozen_health(row)
    if frozen is not None:
        return frozen[0]
    contents = repositories.period_contents(session, row)
    objective_ids = {o.key: o.id for o in contents.objectives}
    checks = _guardrail_statuses(session, contents.guardrails, catalog)
    objectives = []
    for o in status.objectives:
        guardrails = checks.get(objective_ids.get(o.id, -1), ())
        state = _state(guardrails)
        krs = tuple(_kr_health(k, state) for k in o.key_results)
        objectives.append(ObjectiveHealth(
            id=o.id, title=o.title, team=o.team, owner=o.owner, score=o.score,
            guardrail_state=state, guardrails=guardrails, key_results=krs, waiting=o.waiting,
            unmeasured=o.unmeasured,
        ))  # fmt: skip
    return PeriodHealth(period=status.period, start=status.start, end=status.end,
                        closed=status.closed, objectives=tuple(objectives))


def _kr_health(k: KeyResultStatus, state: GuardrailState) -> KRHealth:
    progress = raw_progress(k.current, k.baseline, k.target)
    level = attainment(progress)
    met = level in (Attainment.TARGET, Attainment.STRETCH)
    return KRHealth(id=k.id, title=k.title, current=k.current, baseline=k.baseline,
                    target=k.target, progress=progress, attainment=level, met=met,
                    counts_as_met=met and state is not GuardrailState.BREACHED, unit=k.unit,
                    note=k.readable_when)


def _state(guardrails: tuple[GuardrailStatus, ...]) -> GuardrailState:
    if not guardrails:
        return GuardrailState.NONE
    if any(g.breached for g in guardrails):
        return GuardrailState.BREACHED
    if any(g.as_of is None or not g.judged for g in guardrails):
        return GuardrailState.UNCHECKED
    return GuardrailState.HELD


def _guardrail_statuses(
    session: Session, guardrails: Sequence[GuardrailRow], catalog: MetricsFile | None
) -> dict[int, tuple[GuardrailStatus, ...]]:
    rows = list(guardrails)
    if not rows:
        return {}
    checks = {
        c.guardrail_id: c
        for c in session.scalars(
            select(GuardrailCheckRow).where(
                GuardrailCheckRow.guardrail_id.in_([g.id for g in rows])
            )
        )
    }
    out: dict[int, list[GuardrailStatus]] = defaultdict(list)
    for g in rows:
        c = checks.get(g.id)
        rule = to_guardrail(g)
        out[g.objective_id].append(GuardrailStatus(
            metric=g.metric, segment=g.segment,
            rule=rule.describe(unit_text(catalog, g.metric)),
            baseline=c.baseline if c else None, current=c.current if c else None,
            breached=bool(c and c.breached), reason=c.reason if c else None,
            as_of=c.as_of if c else None, evaluated_at=c.evaluated_at if c else None,
            judged=c is None or rule.judged(c.baseline, c.current),
        ))  # fmt: skip
    return {k: tuple(v) for k, v in out.items()}


FINAL_SCORES_VERSION = 1


def final_scores_json(
    health: PeriodHealth, team_scores: dict[str, float], *, closed_at: datetime
) -> dict[str, Any]:
    """What `sowhat period close` stores in periods.final_scores (read by frozen_health)."""
    return {
        "version": FINAL_SCORES_VERSION,
        "closed_at": closed_at.isoformat(),
        "team_scores": dict(team_scores),
        "health": jsonable(asdict(health)),
    }


def frozen_health(row: PeriodRow) -> tuple[PeriodHealth, dict[str, float]] | None:
    """The scores frozen when the period was closed, and its team scores (None while open)."""
    data: dict[str, Any] | None = row.final_scores
    if row.closed_at is None or not data or data.get("version") != FINAL_SCORES_VERSION:
        return None
    h = data["health"]
    objectives = tuple(
        ObjectiveHealth(
            id=o["id"], title=o["title"], team=o["team"], owner=o["owner"], score=o["score"],
            guardrail_state=GuardrailState(o["guardrail_state"]),
            guardrails=tuple(
                GuardrailStatus(**{**g, "as_of": _dt(g["as_of"]),
                                   "evaluated_at": _dt(g["evaluated_at"])})
                for g in o["guardrails"]
            ),
            key_results=tuple(
                KRHealth(**{**k, "attainment": Attainment(k["attainment"])})
                for k in o["key_results"]
            ),
            waiting=int(o.get("waiting", 0)),
            unmeasured=int(o.get("unmeasured", 0)),
        )
        for o in h["objectives"]
    )
    health = PeriodHealth(period=h["period"], start=date.fromisoformat(h["start"]),
                          end=date.fromisoformat(h["end"]), closed=True, objectives=objectives)
    return health, {str(k): float(v) for k, v in data.get("team_scores", {}).items()}


def _dt(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None
