"""What changed this week, in behaviour: the dashboard's right-hand column.

Audit events ("demo created bet") say what people did to the plan; they belong on the audit
page. This says what the product's users did differently, and what the team said about it:
- KRs whose weekly value moved beyond noise this week (the latest week against the one
  before) or since the baseline (the latest week against the KR's baseline), by the test in
  `stats.noise`; a KR that merely wobbled is not listed;
- the week's check-ins that carry a note (what changed, and why, in the owner's words);
- breached guardrails.
Bet verdicts join them on the page from `services.impact.verdicts` (loaded after the page).

A KR synced from the events uses the weekly values sync stored (each week its own window);
a KR checked in by hand uses its check-in values.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy.orm import Session

from sowhat.domain.measure import DEFAULT_OVER_DAYS, Measure
from sowhat.domain.period import week_start
from sowhat.services.forecasts import unsettled_weeks
from sowhat.services.okrs.views import (
    GuardrailView,
    KeyResultView,
    PlanView,
    checkin_records_many,
    series_values_many,
)
from sowhat.services.plans import KeyResultStatus
from sowhat.spec.metric_defs import MetricsFile, no_weekly_values
from sowhat.stats.noise import LEVEL_WEEKS, beyond_noise, level_noise, noise_level

__all__ = ["Changes", "KRChange", "Movement", "NoteEntry", "assemble", "kr_changes", "movement",
           "what_changed"]


@dataclass(frozen=True)
class Movement:
    kr_id: str
    title: str
    week: date  # the latest week with a value
    value: float
    week_change: float | None  # against the week before
    week_moved: bool  # beyond noise
    baseline_change: float | None  # against the KR's baseline
    baseline_moved: bool
    toward_target: bool | None  # the week's (or else the baseline's) move, in the KR's direction
    noise: float | None  # sd of one week's value (stats.noise.noise_level)


@dataclass(frozen=True)
class NoteEntry:
    kr_id: str
    title: str
    week: date
    value: float | None
    confidence: float | None
    note: str
    author: str | None


@dataclass(frozen=True)
class Changes:
    since: date
    movements: tuple[Movement, ...]  # only KRs that moved beyond noise
    steady: int  # KRs with a weekly series that did not move beyond noise
    notes: tuple[NoteEntry, ...]
    breaches: tuple[GuardrailView, ...]
    steady_ids: frozenset[str] = frozenset()  # the KRs counted in `steady`

    @property
    def empty(self) -> bool:
        return not (self.movements or self.notes or self.breaches)


def movement(kr: KeyResultView, points: list[tuple[date, float]], *,
             period_start: date | None = None,
             unsettled: Collection[date] = (), weekly: bool = True) -> Movement | None:  # fmt: skip
    """The latest settled week of a KR's series against the week before and the baseline.

    `unsettled` weeks (`services.forecasts.unsettled_weeks`: the week in progress, a cohort
    metric's weeks whose cohorts are still in their outcome window) are left out: a value so
    far rests on a few days' cohorts, far noisier than the whole weeks the noise is read
    from, and "+4.33 pts since the baseline" of a 21-day conversion's week over its first
    cohorts listed a KR as moved that had not.

    Against the baseline the noise is read from the weeks before the period (the last
    `LEVEL_WEEKS` of them, `stats.noise.level_noise`, when `period_start` is given
    and at least five are stored) and the baseline counts as a level over the KR's window: a
    step inside the period would otherwise widen the very noise it is judged against, and
    activation stepping from 40% to 49% in November read "within noise". Without such weeks
    (a KR checked in by hand) the baseline is judged as one more noisy week.

    `weekly=False`: the points are not weeks (a monthly metric's readings, one per month),
    so no change is reported as the week's."""
    if unsettled:
        points = [(w, v) for w, v in points if w not in unsettled]
    if not points:
        return None
    s = kr.status
    week, value = points[-1]
    # the noise of the weeks before the latest: a jump must not hide itself by widening it
    sd = noise_level([v for _, v in points[:-1]])
    before = [v for w, v in points[:-1] if period_start is not None and w < period_start]
    base_sd = level_noise(before[-LEVEL_WEEKS:])
    weeks = _baseline_weeks(s) if base_sd is not None else 1
    week_change = None
    if weekly and len(points) > 1 and (week - points[-2][0]).days <= 7:
        week_change = value - points[-2][1]
    # a period total's baseline is a quarter's count, a week's value one week's: no comparison
    base_change = (value - s.baseline if s.baseline is not None
                   and s.measure != Measure.CUMULATIVE else None)
    direction = None
    if s.baseline is not None and s.target is not None and s.target != s.baseline:
        direction = 1.0 if s.target > s.baseline else -1.0
    week_moved = bool(beyond_noise(week_change, sd))
    # the baseline is a level over the KR's window (28 days: four weeks), not one noisy week
    base_moved = bool(beyond_noise(base_change, base_sd or sd, against_weeks=weeks))
    main = week_change if week_moved else base_change
    toward = None if direction is None or main is None or main == 0 else main * direction > 0
    return Movement(s.id, s.title, week, value, week_change, week_moved, base_change,
                    base_moved, toward, sd.sd if sd else None)


def _baseline_weeks(s: KeyResultStatus) -> int:
    """How many weeks the KR's baseline averages: its measure's window (the 28-day level by
    default, as SW114 measures the baseline), one week at least."""
    return max(1, (s.over_days or DEFAULT_OVER_DAYS) // 7)


@dataclass(frozen=True)
class KRChange:
    """One KR's share of "what changed": its movement (None when it has no values), whether
    it counts as steady, and its notes of the week. Kept per KR so the cached dashboard
    recomputes only the KRs a write touched (services.listing.incremental)."""

    movement: Movement | None
    steady: bool
    notes: tuple[NoteEntry, ...]


def kr_changes(*, session: Session, plan: PlanView, today: date,
               keys: Collection[str] | None = None,
               catalog: MetricsFile | None = None) -> dict[str, KRChange]:  # fmt: skip
    """Each KR's share (those of `keys` only, when given), by KR id. `catalog` tells a
    cohort metric's outcome window, so its weeks still maturing are not judged."""
    since = week_start(today) - timedelta(days=7)
    # every KR's check-ins and series in a few queries, not a few per KR; plain rows, not
    # an object per check-in or point (a large plan has hundreds of thousands)
    all_checkins = checkin_records_many(session=session, period=plan.period, keys=keys)
    all_series = series_values_many(session=session, period=plan.period, keys=keys)
    out = {}
    for kr in plan.key_results:
        if keys is not None and kr.id not in keys:
            continue
        history = all_checkins.get(kr.id, [])
        synced = all_series.get(kr.id)
        points = synced or [(c.week, c.value) for c, _, _ in history if c.value is not None]
        monthly = not synced and _monthly(kr.status.metric, catalog)
        if monthly:
            points = _readings(points)
        moving = unsettled_weeks(
            synced, period_end=plan.status.end, metric=kr.status.metric, catalog=catalog,
            as_of=plan.status.data_through or plan.status.last_sync) if synced else ()
        m = movement(kr, [(w, float(v)) for w, v in points], period_start=plan.status.start,
                     unsettled=frozenset(moving), weekly=not monthly)
        moved = m is not None and (m.week_moved or m.baseline_moved)
        notes = tuple(NoteEntry(kr.id, kr.status.title, c.week, c.value, c.confidence,
                                c.note, c.author)
                      for c, _, label in history
                      if c.week >= since and c.note and label == plan.period)  # fmt: skip
        out[kr.id] = KRChange(m if moved else None, not moved and m is not None
                              and m.noise is not None, notes)  # fmt: skip
    return out


def _monthly(metric: str | None, catalog: MetricsFile | None) -> bool:
    """Whether the KR's metric is read over whole months (MAU, monthly churn): it has no
    weekly series, and its weekly check-ins repeat one month's reading until the next month
    completes, so week-on-week it "moved" only on the week its window gained a month — a
    month-on-month change that the dashboard printed as this week's."""
    defn = catalog.metrics.get(metric) if catalog is not None and metric else None
    return no_weekly_values(defn, catalog) is not None


def _readings(points: list[tuple[date, float]]) -> list[tuple[date, float]]:
    """A monthly metric's check-ins as its readings: the first week of each new value."""
    out: list[tuple[date, float]] = []
    for week, value in points:
        if not out or value != out[-1][1]:
            out.append((week, value))
    return out


def assemble(plan: PlanView, today: date, parts: Mapping[str, KRChange]) -> Changes:
    """The dashboard's column from every KR's share, in the plan's order."""
    since = week_start(today) - timedelta(days=7)
    moves: list[Movement] = []
    steady: list[str] = []
    notes: list[NoteEntry] = []
    for kr in plan.key_results:
        part = parts.get(kr.id)
        if part is None:
            continue
        if part.movement is not None:
            moves.append(part.movement)
        elif part.steady:
            steady.append(kr.id)
        notes.extend(part.notes)
    moves.sort(key=lambda m: (not m.week_moved, m.toward_target is not False))
    notes.sort(key=lambda n: n.week, reverse=True)
    return Changes(since=since, movements=tuple(moves), steady=len(steady), notes=tuple(notes),
                   breaches=tuple(g for g in plan.guardrails if g.breached),
                   steady_ids=frozenset(steady))


def what_changed(*, session: Session, plan: PlanView, today: date,
                 catalog: MetricsFile | None = None) -> Changes:
    return assemble(plan, today, kr_changes(session=session, plan=plan, today=today,
                                            catalog=catalog))
