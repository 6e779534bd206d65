"""Reading plans back: domain Plans in file order (for export) and the status of a period.

Everything returned is a frozen value; rows never leave this module.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import Row, select
from sqlalchemy.orm import Session

from sowhat.domain.measure import (
    DEFAULT_OVER_DAYS,
    baseline_disagrees,
    complete_buckets,
    days_label,
)
from sowhat.domain.okr import Plan, by_a_person, raw_progress
from sowhat.domain.period import Period
from sowhat.domain.scoring import roll_up_by_team, score_note, score_objective
from sowhat.domain.units import format_values
from sowhat.errors import NotFound
from sowhat.spec.metric_defs import (
    ChurnMetric,
    MetricDef,
    MetricsFile,
    PeriodicMetric,
    RatioMetric,
    averaged_buckets,
    outcome_window,
    periodic_per,
)
from sowhat.spec.metric_units import kr_scale
from sowhat.store import mapping, repositories
from sowhat.store.models import CheckInRow, KeyResultRow, PeriodRow
from sowhat.store.sync_models import KRMeasureRow, SyncRunRow

__all__ = [
    "KeyResultStatus",
    "ObjectiveStatus",
    "PeriodInfo",
    "PeriodStatus",
    "Window",
    "current_period",
    "list_periods",
    "load_plans",
    "status_rows",
]


@dataclass(frozen=True)
class PeriodInfo:
    period: Period
    north_star: str | None
    closed_at: datetime | None
    objectives: int  # active (not archived)
    key_results: int


@dataclass(frozen=True)
class Window:
    """[start, end) in UTC: the events a value was computed from."""

    start: datetime
    end: datetime

    @property
    def days(self) -> str:
        """The days it covers as people read them, "Oct 23–Nov 20" (`days_label`)."""
        return days_label(self.start, self.end)


def _window(start: datetime | None, end: datetime | None) -> Window | None:
    return Window(start, end) if start is not None and end is not None else None


@dataclass(frozen=True)
class KeyResultStatus:
    id: str
    title: str
    metric: str | None
    segment: str | None
    unit: str | None  # how values are shown (sowhat.domain.units): the metric's unit, else the KR's
    owner: str | None
    indicator: str | None
    baseline: float | None
    target: float | None
    current: float | None  # value of the latest check-in that has one
    progress: float | None  # 0..1, from baseline to target
    confidence: float | None  # from the latest check-in that states one
    last_week: date | None  # the latest check-in's week (Monday)
    last_recorded_at: datetime | None
    last_note: str | None
    last_source: str | None
    check_ins: int
    # the latest week a person checked in (domain.okr.by_a_person), not sync's computed value
    last_person_week: date | None = None
    # baseline, target and current as shown everywhere ("45.2%"), distinct when they differ
    display: dict[str, str] = field(default_factory=dict)
    # What "current" means (from the last sync; None before one): the KR's measure, the
    # window its value was computed over, how far the data went, and the same measure just
    # before the period.
    measure: str | None = None
    over_days: int | None = None
    window: Window | None = None
    data_through: datetime | None = None
    measured_baseline: float | None = None
    # the trials a measured rate rests on (its noise: `domain.measure.baseline_disagrees`)
    baseline_trials: float | None = None
    baseline_window: Window | None = None
    # A cohort measure whose window still lies wholly before the period (a 90-day retention
    # in a quarter's first 90 days): its latest reading is of cohorts that joined before the
    # period, so it is kept here as context and `current`/`progress` stay empty until the
    # first of the period's own cohorts has matured, on `readable_from`.
    before_period: float | None = None
    readable_from: date | None = None
    # An `active` metric (weekly active accounts...) is the mean over the whole days, weeks
    # or months inside its window: its bucket, and `window` and `baseline_window` narrowed to
    # those buckets. None for every other metric type. A churn metric is read over its
    # whole periods too, but pooled (customers lost over customers at the periods' starts),
    # not averaged: `pooled`.
    per: str | None = None
    pooled: bool = False
    # A ratio with an active or churn part (DAU/MAU) is read over that part's whole periods
    # (whole months for MAU): named by them, as neither a mean nor a pooled rate.
    ratio_per: str | None = None

    @property
    def readable_when(self) -> str | None:
        """When the first reading of this period comes, for a KR that has none yet."""
        if self.readable_from is None:
            return None
        return (f"the period's first cohorts finish their outcome window on "
                f"{self.readable_from:%Y-%m-%d}")

    @property
    def not_readable_yet(self) -> str | None:
        """Why there is no reading of this period yet, in words every screen shows."""
        return None if self.readable_when is None else f"not readable yet: {self.readable_when}"


    @property
    def measure_label(self) -> str | None:
        """What "now" is, in a few words every screen shows: "28-day level, Oct 23–Nov 20"
        or "period to date"; None before a sync measured the KR."""
        if self.measure is None:
            return None
        if self.measure == "cumulative":
            return "period to date"
        days = self.over_days or DEFAULT_OVER_DAYS
        if self.window is None:
            return f"{days}-day level"
        if self.per is not None and (covered := complete_buckets(
                self.window.start, self.window.end, self.per)) is not None:
            # "mean of 3 complete weeks, …"; a churn rate: "2 complete months, …"
            return f"{covered.span if self.pooled else covered.label}, {self.window.days}"
        if self.ratio_per is not None and (covered := complete_buckets(
                self.window.start, self.window.end, self.ratio_per)) is not None:
            return f"ratio over {covered.span}, {self.window.days}"
        return f"{days}-day level, {self.window.days}"

    @property
    def progress_missing(self) -> str:
        """Why the KR shows no progress, in two or three words every screen uses: its cohorts
        have not matured (`not readable yet`), it has nothing to measure against (an output
        with a waiver, a KR with no baseline or target), or it has no value yet."""
        if self.readable_from is not None:
            return "not readable yet"
        if self.baseline is None or self.target is None or self.baseline == self.target:
            return "not measured"
        return "no value yet"

    @property
    def signed_progress(self) -> float | None:
        """How far the KR really went: below 0 when it moved away from its target, above 1
        past it — the number the QBR prints, so every screen prints it too (a KR that fell
        from 38 to 23 against a target of 46 read "0%" on the dashboard and "-187%" in the
        QBR). Bars and the objective's score keep the clipped `progress`: one KR can neither
        sink nor carry its objective beyond its own 0-100%."""
        raw = raw_progress(self.current, self.baseline, self.target)
        return self.progress if self.progress is None or raw is None else raw

    @property
    def baseline_disagrees(self) -> bool:
        """The typed baseline claims another start than the data measured just before the
        period (the same test as lint's SW114): progress counts from a start that did not
        happen, so every screen that shows progress says so."""
        return baseline_disagrees(self.baseline, self.measured_baseline,
                                  share=self.unit == "percent", trials=self.baseline_trials)

    @property
    def baseline_unchecked(self) -> bool:
        """A typed baseline the data cannot check: the window before the period that it is
        measured over starts before the first event (sync keeps the window, no value). Such a
        KR can show 400% progress from a baseline nobody measured, with no SW114 to say so."""
        return (self.baseline is not None and self.measured_baseline is None
                and self.baseline_window is not None)


@dataclass(frozen=True)
class ObjectiveStatus:
    id: str
    title: str
    team: str | None
    owner: str | None
    aligns_to: str | None
    score: float | None  # mean KR progress (unmeasured count 0, not readable left out);
    # None when no KR has been measured
    key_results: tuple[KeyResultStatus, ...]
    guardrails: int
    bets: int
    waiting: int = 0  # KRs left out of the score because they are not readable yet
    unmeasured: int = 0  # KRs counted as 0 in the score: nothing measured yet

    @property
    def score_note(self) -> str | None:
        return score_note(self.waiting, len(self.key_results), self.score, self.unmeasured)


@dataclass(frozen=True)
class PeriodStatus:
    period: str
    start: date
    end: date
    north_star: str | None
    closed: bool
    elapsed: float  # share of the period behind `today`
    objectives: tuple[ObjectiveStatus, ...]
    team_scores: dict[str, float]
    data_through: datetime | None = None  # the watermark of the period's last sync
    last_sync: datetime | None = None  # that sync's as-of

    @property
    def paced_through(self) -> date | None:
        """The day the numbers stop, when that is over a day before today: pace is judged
        there. Values cannot have moved after the data ends, so measuring their progress
        against the calendar called every KR of a stale workspace (the demo's data ends on
        16 Nov) behind pace — "progress 39% with 71% of the period gone" at 50% of data."""
        if self.data_through is None:
            return None
        day = self.data_through.date()
        span = Period.between(self.start, self.end)
        return day if span.elapsed_fraction(day) < self.elapsed - 1 / span.days else None

    @property
    def pace_elapsed(self) -> float:
        """The share of the period pace is judged against (see `paced_through`)."""
        through = self.paced_through
        if through is None:
            return self.elapsed
        return Period.between(self.start, self.end).elapsed_fraction(through)


def load_plans(
    *, session: Session, period: str | None = None, include_archived: bool = False
) -> list[Plan]:
    """Stored plans as domain values, periods by start date, everything else in file order."""
    rows = repositories.all_periods(session)
    if period is not None:
        rows = [r for r in rows if r.label == period]
        if not rows:
            raise _unknown_period(session, period)
    return [_plan(session, row, include_archived) for row in rows]


def list_periods(*, session: Session) -> list[PeriodInfo]:
    out = []
    for row in repositories.all_periods(session):
        contents = repositories.period_contents(session, row)
        out.append(
            PeriodInfo(
                period=mapping.to_period(row),
                north_star=row.north_star,
                closed_at=row.closed_at,
                objectives=sum(1 for o in contents.objectives if o.archived_at is None),
                key_results=sum(1 for k in contents.key_results if k.archived_at is None),
            )
        )
    return out


def current_period(*, session: Session, today: date) -> Period | None:
    """The stored period containing `today`; the shortest when several do (a quarter, not
    the year it sits in). None when no period covers today."""
    covering = [
        mapping.to_period(r) for r in repositories.all_periods(session) if r.start <= today < r.end
    ]
    if not covering:
        return None
    return min(covering, key=lambda p: (p.days, p.start, p.label))


def status_rows(
    *, session: Session, period: str | None = None, today: date | None = None,
    catalog: MetricsFile | None = None,
    contents: repositories.PeriodContents | None = None,
) -> PeriodStatus:
    """Scores and latest readings for one period (default: the one covering today, else the
    latest stored). With the metric `catalog`, each KR's `unit` is its metric's. `contents`
    is the period's rows when the caller has read them already (a large plan's take a
    noticeable share of the time)."""
    today = today or datetime.now(UTC).date()
    row = _resolve_period(session, period, today)
    if contents is None or contents.period.id != row.id:
        contents = repositories.period_contents(session, row)
    active_krs = [k for k in contents.key_results if k.archived_at is None]
    checkins: dict[int, list[Row[Any]]] = defaultdict(list)
    for c in repositories.checkin_records(session, [k.id for k in active_krs]):
        checkins[c.key_result_id].append(c)
    plan = _plan(session, row, include_archived=False, contents=contents)
    kr_rows = {k.key: k for k in active_krs}
    measures = {m.key_result_id: m for m in session.scalars(
        select(KRMeasureRow).where(KRMeasureRow.key_result_id.in_([k.id for k in active_krs])))}
    objectives = []
    scores = []
    for objective in plan.objectives:
        statuses = tuple(
            _kr_status(kr_rows[kr.id], checkins[kr_rows[kr.id].id], catalog,
                       measures.get(kr_rows[kr.id].id), period_start=row.start)
            for kr in objective.key_results
        )
        score = score_objective(objective, {s.id: s.current for s in statuses},
                                waiting={s.id for s in statuses if s.readable_from is not None})
        scores.append(score)
        objectives.append(
            ObjectiveStatus(
                id=objective.id,
                title=objective.title,
                team=objective.team,
                owner=objective.owner,
                aligns_to=objective.aligns_to,
                score=score.score,
                key_results=statuses,
                guardrails=len(objective.guardrails),
                bets=len(objective.bets),
                waiting=len(score.waiting),
                unmeasured=len(score.unmeasured),
            )
        )
    period_value = mapping.to_period(row)
    last_run = session.execute(
        select(SyncRunRow.as_of, SyncRunRow.data_through)
        .where(SyncRunRow.period_label == row.label)
        .order_by(SyncRunRow.id.desc()).limit(1)).first()
    return PeriodStatus(
        period=row.label,
        start=row.start,
        end=row.end,
        north_star=row.north_star,
        closed=row.closed_at is not None,
        elapsed=period_value.elapsed_fraction(today),
        objectives=tuple(objectives),
        team_scores=roll_up_by_team(scores),
        data_through=last_run[1] if last_run else None,
        last_sync=last_run[0] if last_run else None,
    )


def _kr_status(row: KeyResultRow, checkins: Sequence[CheckInRow | Row[Any]],
               catalog: MetricsFile | None,
               measured: KRMeasureRow | None = None, *,
               period_start: date | None = None) -> KeyResultStatus:  # fmt: skip
    kr = mapping.to_key_result(row)
    unit = kr_scale(metric=row.metric, kr_unit=row.unit, catalog=catalog).text
    with_value = [c for c in checkins if c.value is not None]
    with_confidence = [c for c in checkins if c.confidence is not None]
    last = checkins[-1] if checkins else None
    people = [c for c in checkins if by_a_person(value=c.value, confidence=c.confidence,
                                                 note=c.note, blockers=c.blockers,
                                                 source=c.source)]
    current = with_value[-1].value if with_value else None
    before_period = readable_from = None
    if (period_start is not None and with_value and with_value[-1].source == "auto"
            and (readable_from := _readable_from(measured, period_start,
                                                 _outcome(row.metric, catalog))) is not None):
        before_period, current = current, None
    defn = catalog.metrics.get(row.metric) if catalog is not None and row.metric else None
    window = _averaged(_window(measured.window_start, measured.window_end)
                       if measured else None, defn)
    baseline_window = _averaged(_window(measured.baseline_start, measured.baseline_end)
                                if measured else None, defn)
    return KeyResultStatus(
        id=row.key,
        title=row.title,
        metric=row.metric,
        segment=row.segment,
        unit=unit,
        owner=row.owner,
        indicator=row.indicator,
        baseline=row.baseline,
        target=row.target,
        current=current,
        progress=kr.progress(current),
        confidence=with_confidence[-1].confidence if with_confidence else None,
        last_week=last.week if last else None,
        last_recorded_at=last.recorded_at if last else None,
        last_note=last.note if last else None,
        last_source=last.source if last else None,
        check_ins=len(checkins),
        last_person_week=people[-1].week if people else None,
        display=_display(row.baseline, row.target, current,
                         measured.measured_baseline if measured else None, unit,
                         before_period=before_period),
        measure=measured.measure if measured else None,
        over_days=measured.over_days if measured else None,
        window=window,
        data_through=measured.data_through if measured else None,
        measured_baseline=measured.measured_baseline if measured else None,
        baseline_trials=measured.baseline_trials if measured else None,
        baseline_window=baseline_window,
        before_period=before_period,
        readable_from=readable_from,
        per=defn.per if isinstance(defn, PeriodicMetric) else None,
        pooled=isinstance(defn, ChurnMetric),
        ratio_per=(periodic_per(defn, catalog) if isinstance(defn, RatioMetric)
                   and catalog is not None else None),
    )


def _averaged(window: Window | None, defn: MetricDef | None) -> Window | None:
    """The part of a window an `active` metric's value covers: its whole buckets."""
    covered = averaged_buckets(defn, window.start, window.end) if window is not None else None
    return window if covered is None else Window(covered.start, covered.end)


def _outcome(metric: str | None, catalog: MetricsFile | None) -> timedelta | None:
    defn = catalog.metrics.get(metric) if catalog is not None and metric else None
    return outcome_window(defn) if defn is not None else None


def _readable_from(measured: KRMeasureRow | None, period_start: date,
                   outcome: timedelta | None) -> date | None:  # fmt: skip
    """The first day a cohort measure reads any of the period's own cohorts, when its last
    synced window ended at or before the period's start; else None.

    The window ends an outcome window before the cutoff, so it first reaches past the
    period's start that long after it, and holds a whole day of the period's cohorts a day
    later. Without the catalog the lag is read off the stored window and data horizon.
    """
    if measured is None or measured.measure != "level" or measured.window_end is None:
        return None
    start = datetime.combine(period_start, datetime.min.time(), tzinfo=UTC)
    if measured.window_end > start:
        return None
    lag = outcome
    if lag is None and measured.data_through is not None:
        # the window ends at the cutoff (a microsecond past the last event) less the outcome
        lag = timedelta(seconds=round((measured.data_through - measured.window_end)
                                      .total_seconds()))
    if lag is None or lag <= timedelta(0):
        return None  # not a cohort lag: a plain trailing window cannot end before the period
    return (start + lag + timedelta(days=1)).date()


def _display(baseline: float | None, target: float | None, current: float | None,
             measured_baseline: float | None, unit: str | None, *,
             before_period: float | None = None) -> dict[str, str]:  # fmt: skip
    """The KR's numbers as every screen shows them; the measured baseline and a reading of
    cohorts from before the period are formatted beside the typed baseline so none of them
    reads alike when they differ."""
    shown = dict(zip(("baseline", "target", "current"),
                     format_values([baseline, target, current], unit), strict=True))
    if measured_baseline is not None:
        shown["measured_baseline"] = format_values([baseline, measured_baseline], unit)[1]
    if before_period is not None:
        shown["before_period"] = format_values([baseline, before_period], unit)[1]
    return shown


def _plan(
    session: Session,
    row: PeriodRow,
    include_archived: bool,
    contents: repositories.PeriodContents | None = None,
) -> Plan:
    contents = contents or repositories.period_contents(session, row)

    def keep(r: Any) -> bool:
        return include_archived or r.archived_at is None

    # Archived entities sort after live ones: their position is from an older file.
    def order(r: Any) -> tuple[bool, int, int]:
        return (r.archived_at is not None, r.position, r.id)

    krs, bets, guardrails = defaultdict(list), defaultdict(list), defaultdict(list)
    for k in sorted(filter(keep, contents.key_results), key=order):
        krs[k.objective_id].append(k)
    for b in sorted(filter(keep, contents.bets), key=order):
        bets[b.objective_id].append(b)
    for g in contents.guardrails:
        guardrails[g.objective_id].append(g)
    objectives = tuple(
        mapping.to_objective(o, krs[o.id], guardrails[o.id], bets[o.id])
        for o in sorted(filter(keep, contents.objectives), key=order)
    )
    return Plan(period=mapping.to_period(row), objectives=objectives, north_star=row.north_star)


def period_row(*, session: Session, label: str) -> PeriodRow:
    """The stored period with this label; NotFound naming the stored ones otherwise."""
    for r in repositories.all_periods(session):
        if r.label == label:
            return r
    raise _unknown_period(session, label)


def _resolve_period(session: Session, label: str | None, today: date) -> PeriodRow:
    if label is not None:
        return period_row(session=session, label=label)
    rows = repositories.all_periods(session)
    if not rows:
        raise NotFound("no plans are stored yet", hint="run `sowhat apply` first")
    current = current_period(session=session, today=today)
    if current is not None:
        return next(r for r in rows if r.label == current.label)
    return rows[-1]


def _unknown_period(session: Session, label: str) -> NotFound:
    known = [r.label for r in repositories.all_periods(session)]
    hint = f"stored periods: {', '.join(known)}" if known else "run `sowhat apply` first"
    return NotFound(f"no stored period {label!r}", hint=hint)
