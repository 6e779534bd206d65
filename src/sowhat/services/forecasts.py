"""KR forecasts and ambition checks, from the weekly series `sowhat sync` stores.

A forecast predicts the KR's own number at the period's end — the same quantity its current
value, progress and closing score describe (the KR's measure, sowhat.domain.measure):
- a *level* (rates, cohorts, medians, NPS, averages, active users: the metric over a
  trailing window) is forecast from the stored weekly series, each week its own window: the
  model (`sowhat.stats.forecast`) projects the weekly values, and the level at the period's
  end is the value over its last weeks;
- a *cumulative* total (counts, sums, distinct counts over the period) gets a plain run-rate
  projection (the total so far scaled to the whole period, for counts and sums) and no
  probability rather than a wrong one: the weekly model cannot sum weeks into a total with a
  calibrated interval.

What the level forecast is fitted on: the last `CONTEXT_WEEKS` weeks before the period and
the period's *complete* weeks so far, as one series; the older stored weeks (sync keeps a year and a
month) only feed the yearly swing (`sowhat.stats.seasonal`). The pre-period weeks are
measured with the same definition as the period's (the file's `baseline` is typed by people
and may be stale), and they give the model the metric's week-to-week noise from day one of
the period. The ambition check (P(hit) with no change, lint SW108/SW109) uses the last
`AMBITION_WEEKS` *settled* weeks before the period instead (`ambition_history`).

Complete weeks only (`complete_weeks`): sync stores the week in progress too, clipped at
its as-of, and that value is another quantity than the others — a count over three days, a
cohort rate over the entities that have matured so far (a Wednesday's current week holds
none of a 7-day conversion's and a third of the last week's). Fitted as the newest point,
it pulled the projection (a count's partial week down) and moved the forecast every day. A
week enters the fit once the as-of is past its end and, for a cohort metric, past its end
plus the outcome window (every one of its entities matured); until then the forecast reads
the weeks before it and projects that many weeks further. So the forecast changes when a
week completes, not with every day inside one, and a mid-week sync refits nothing. The KR's
current value (its level so far) is not a model input and stays what the screens show.

The two fits — the trend model's forecast and the ambition check — are the costly part of a
view (≈10 ms each); the rest is arithmetic on the KR's status. Each is kept with its result
under a key of exactly its inputs (`FittedParts`): the forecast's series as fitted (the
context weeks, the period's weeks so far, the older weeks for the yearly swing), its target,
direction, weeks remaining, interval and bounds; the ambition check's pre-period weeks,
target, direction, period length, interval and bounds — and the forecasting code's version
in both. A later sync whose new day changes none of those (the ambition check until a
pre-period week settles; the forecast while the weeks it reads stay put) reuses the fit instead of
refitting it, and the view is assembled around it as if fitted now (tests hold the two
equal). NumPy and the model are imported only when something is fitted.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy.orm import Session

from sowhat.domain.measure import Measure
from sowhat.domain.okr import Direction
from sowhat.domain.period import Period, week_start
from sowhat.domain.units import format_chance, format_values, join_span
from sowhat.errors import NotFound, UserError
from sowhat.services.listing.forecast_keys import (
    FORECAST_INPUTS,
    MIN_WEEK_ENTITIES,
    Points,
    code_version,
    weekly_series,
)
from sowhat.services.plans import KeyResultStatus, status_rows
from sowhat.spec.metric_defs import (
    ActiveMetric,
    ChurnMetric,
    ConversionMetric,
    CountMetric,
    DurationMetric,
    MetricDef,
    MetricsFile,
    NpsMetric,
    RatioMetric,
    RetentionMetric,
    SumMetric,
    UniqueMetric,
    default_measure,
    default_over_days,
    no_weekly_values,
    outcome_window,
)
from sowhat.stats.forecast_terms import CONTEXT_WEEKS as STATS_CONTEXT_WEEKS
from sowhat.stats.forecast_terms import DEFAULT_INTERVAL, FORECAST_ASSUMPTIONS
from sowhat.store import repositories

__all__ = [
    "CONTEXT_WEEKS",
    "FORECAST_ASSUMPTIONS",
    "FORECAST_INPUTS",
    "MIN_WEEK_ENTITIES",
    "AmbitionView",
    "Basis",
    "FittedParts",
    "KRForecastView",
    "Outlook",
    "PathPoint",
    "PeriodForecast",
    "Points",
    "ambition_history",
    "complete_weeks",
    "forecast_key_result",
    "forecast_one",
    "forecast_period",
    "full_weeks",
    "metric_basis",
    "metric_bounds",
    "outlook",
    "weekly_comparable",
    "weekly_series",
    "window_days",
]

CONTEXT_WEEKS = STATS_CONTEXT_WEEKS
"""Pre-period weeks fitted with the period's weeks (chosen in `sowhat.stats.forecast`: the
26 weeks sync stores let the model tell a wandering metric from a noisy one; the model's
wandering component keeps a level the team moved this period from being drowned)."""
AMBITION_WEEKS = 26
"""History weeks the ambition check projects from (its benchmark: 12-26 weeks); sync stores
more (a year and a month) for the forecast's yearly swing."""
ON_TRACK_FROM = 0.7
OFF_TRACK_BELOW = 0.3


class FittedParts:
    """The fits one view rests on, each kept under a key of exactly its inputs.

    `stored` is what the KR's stored forecast kept (kind -> {"key", "result"}, see
    `services.listing.forecasts`); `result` serves a kept result when the key of the inputs
    at hand is equal, and fits otherwise. Every part the view used, kept or fitted, is in
    `used`, to be stored with the view; `reused` and `fitted` name the kinds of each.
    """

    def __init__(self, stored: Mapping[str, Any] | None = None) -> None:
        self.stored: Mapping[str, Any] = stored or {}
        self.used: dict[str, dict[str, Any]] = {}
        self.reused: list[str] = []
        self.fitted: list[str] = []

    def result(self, kind: str, inputs: list[Any],
               fit: Callable[[], dict[str, Any]]) -> dict[str, Any]:  # fmt: skip
        key = part_key(kind, inputs)
        kept = self.stored.get(kind)
        if isinstance(kept, dict) and kept.get("key") == key and "result" in kept:
            result: dict[str, Any] = kept["result"]
            self.reused.append(kind)
        else:
            result = fit()
            self.fitted.append(kind)
        self.used[kind] = {"key": key, "result": result}
        return result


def part_key(kind: str, inputs: list[Any]) -> str:
    """The digest of one fit's inputs, with the forecasting code's version: floats are
    written exactly (`repr`), None as null, so any change of an input is another key."""
    text = json.dumps([code_version(), kind, inputs], separators=(",", ":"), allow_nan=True)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class Basis(StrEnum):
    WEEKLY_LEVEL = "weekly_level"  # target vs the KR's trailing-window level at the end
    PERIOD_TOTAL = "period_total"  # target vs the to-date value at the period's end


class Outlook(StrEnum):
    ON_TRACK = "on_track"  # P(hit) >= 0.7
    UNCERTAIN = "uncertain"  # 0.3 <= P(hit) < 0.7
    OFF_TRACK = "off_track"  # P(hit) < 0.3
    UNKNOWN = "unknown"  # no forecast (no data, no target, or a period total)


@dataclass(frozen=True)
class PathPoint:
    week: date  # Monday of a future week of the period
    median: float
    low: float
    high: float
    hit_probability: float


@dataclass(frozen=True)
class AmbitionView:
    verdict: str  # sandbagged | ambitious | unreachable | unknown (stats.ambition.Ambition)
    probability: float | None  # P(target hit with no change), from the pre-period trend
    projected: float | None
    low: float | None
    high: float | None
    history_weeks: int
    message: str


@dataclass(frozen=True)
class KRForecastView:
    kr_id: str
    objective_id: str
    title: str
    metric: str | None
    segment: str | None
    unit: str | None
    basis: Basis
    baseline: float | None
    target: float | None
    direction: Direction | None
    to_date: float | None  # the latest check-in value: the metric over the period to date
    last_week: date | None  # the latest complete week with a weekly value (the fit's last)
    last_week_value: float | None
    weeks_elapsed: int  # complete period weeks the forecast is fitted on (`complete_weeks`)
    weeks_remaining: int
    probability: float | None  # P(target reached by the period's end), see `basis`
    projected: float | None  # median projection (run-rate for period totals)
    low: float | None  # central `interval` range of the projection
    high: float | None
    interval: float
    outlook: Outlook
    path: tuple[PathPoint, ...]
    ambition: AmbitionView | None
    note: str | None

    def describe(self) -> str:
        if self.probability is None or self.projected is None or self.target is None:
            return self.note or "no forecast"
        what = "level at the period's end" if self.basis is Basis.WEEKLY_LEVEL else "total"
        shown = format_values([self.projected, self.low, self.high, self.target], self.unit)
        rng = f" ({shown[1]}–{shown[2]})" if self.low is not None and \
            self.high is not None else ""
        return (f"{what}: expect {shown[0]}{rng}; target {shown[3]} is "
                f"{format_chance(self.probability)} likely")


@dataclass(frozen=True)
class PeriodForecast:
    period: str
    start: date
    end: date
    series_as_of: date | None  # the week of the latest stored weekly value
    key_results: tuple[KRForecastView, ...]


def metric_basis(
    defn: MetricDef | None, catalog: MetricsFile | None, measure: str | None = None
) -> Basis:
    """What the KR's number is, so what the forecast predicts: a level (the trailing-window
    value at the period's end) or a total (period start to the period's end). The KR's
    declared measure decides; without one, the metric type's default (see
    sowhat.domain.measure)."""
    if measure is not None:
        return Basis.PERIOD_TOTAL if measure == Measure.CUMULATIVE else Basis.WEEKLY_LEVEL
    if defn is None:
        return Basis.WEEKLY_LEVEL
    if default_measure(defn) is Measure.CUMULATIVE:
        return Basis.PERIOD_TOTAL
    return Basis.WEEKLY_LEVEL


def weekly_comparable(defn: MetricDef | None, catalog: MetricsFile | None) -> bool:
    """Whether a window's value is (close to) the mean of its weeks' values — true for
    rates, cohorts, averages and ratios of counts; false where a distinct count is involved
    (distinct accounts over 28 days are fewer than four weeks' worth), so weekly values
    cannot forecast a 28-day level."""
    if defn is None:
        return True
    if isinstance(defn, UniqueMetric):
        return False
    if isinstance(defn, RatioMetric):
        if catalog is None:
            return False
        return all(weekly_comparable(catalog.metrics.get(part), catalog)
                   for part in (defn.numerator, defn.denominator)
                   if part != "" and catalog.metrics.get(part) is not defn)
    return True


def _bounds(defn: MetricDef | None) -> tuple[float | None, float | None]:
    if isinstance(defn, ConversionMetric | RetentionMetric | ChurnMetric):
        return (0.0, 1.0)
    if isinstance(defn, NpsMetric):
        return (-100.0, 100.0)
    if isinstance(defn, DurationMetric | CountMetric | UniqueMetric | ActiveMetric):
        return (0.0, None)
    return (None, None)


metric_bounds = _bounds
"""The range a metric's values can take (rates 0–1, NPS ±100, counts ≥ 0), for projections."""


def forecast_period(
    *, session: Session, catalog: MetricsFile | None, period: str | None = None,
    kr_ids: list[str] | None = None, today: date | None = None,
    interval: float = DEFAULT_INTERVAL,
) -> PeriodForecast:
    """Forecast every active KR of a period (default: the one covering today) that has a
    metric; `kr_ids` keeps only those. Reads the series stored by the last sync."""
    status = status_rows(session=session, period=period, today=today, catalog=catalog)
    row = repositories.periods_by_label(session, [status.period])[status.period]
    span = Period.between(row.start, row.end, row.label)
    contents = repositories.period_contents(session, row)
    kr_rows = {k.key: k for k in contents.key_results if k.archived_at is None}
    wanted = [(o.id, k) for o in status.objectives for k in o.key_results
              if k.metric and (kr_ids is None or k.id in kr_ids)]
    if kr_ids is not None:
        missing = sorted(set(kr_ids) - {k.id for _, k in wanted})
        if missing:
            raise NotFound(f"no key result with a metric named {', '.join(missing)} "
                           f"in {status.period}", hint="`sowhat status` lists the key results")
    series = weekly_series(session, [kr_rows[k.id].id for _, k in wanted])
    views = tuple(
        _forecast_one(obj_id, k, series.get(kr_rows[k.id].id, ([], [])), span, catalog,
                      interval, as_of=status.last_sync)
        for obj_id, k in wanted
    )
    latest = [v.last_week for v in views if v.last_week is not None]
    return PeriodForecast(period=status.period, start=row.start, end=row.end,
                          series_as_of=max(latest) if latest else None, key_results=views)


def forecast_key_result(
    *, session: Session, catalog: MetricsFile | None, kr_id: str, period: str | None = None,
    today: date | None = None, interval: float = DEFAULT_INTERVAL,
) -> KRForecastView:
    """One KR's forecast (see `forecast_period`)."""
    if period is None:
        found = repositories.key_results_by_key(session, kr_id)
        if not found:
            raise NotFound(f"no key result {kr_id!r}", hint="`sowhat status` lists them")
        live = [(k, p) for k, p in found if k.archived_at is None] or found
        period = live[0][1].label
    result = forecast_period(session=session, catalog=catalog, period=period, kr_ids=[kr_id],
                             today=today, interval=interval)
    return result.key_results[0]


def full_weeks(
    history: Points, in_period: Points, *, period_start: date, period_end: date, until: date
) -> Points:
    """Only whole ISO weeks, oldest first: the period's edges clip the weeks they cut (the
    period's first and last weeks, the history's last) and so does a sync mid-week. A count
    over four days is not comparable with one over seven."""
    before = [(w, v) for w, v in history if w + timedelta(days=7) <= period_start]
    inside = [(w, v) for w, v in in_period if w.weekday() == 0
              and w + timedelta(days=7) <= min(period_end, until)]
    return before + inside


def maturity(defn: MetricDef | None, catalog: MetricsFile | None) -> timedelta | None:
    """How long after a week's end its value keeps changing: the longest outcome window
    among the metric's cohort parts (a ratio's included); None for a metric counted as it
    happens."""
    if isinstance(defn, RatioMetric):
        parts = [catalog.metrics.get(p) for p in (defn.numerator, defn.denominator)
                 if p != ""] if catalog is not None else []
        lags = [lag for part in parts if part is not None and part is not defn
                for lag in [maturity(part, catalog)] if lag is not None]
        return max(lags) if lags else None
    return outcome_window(defn) if defn is not None else None


def complete_weeks(
    in_period: Points, *, period_end: date, as_of: datetime | date | None,
    matures: timedelta | None,
) -> Points:
    """The period's weeks the forecast is fitted on: those the as-of (the stored series'
    cutoff, never past the period's end) is past the end of — and past the end plus
    `matures`, for a cohort metric, so every entity of the week has had its outcome window.
    The week in progress is another quantity (a count over some of its days, the cohorts
    matured so far) and moves every day; see the module docstring. With no as-of (nothing
    synced) every stored week counts."""
    if as_of is None:
        return list(in_period)
    end = _midnight(period_end)
    cutoff = min(_instant(as_of), end)
    return [(w, v) for w, v in in_period
            if _settled(w, clip=end, matures=matures, cutoff=cutoff)]


def _settled(week: date, *, clip: datetime, matures: timedelta | None,
             cutoff: datetime) -> bool:
    """Whether a week's value is final at `cutoff`: the week (cut at `clip`, the edge of the
    span it belongs to) has ended and, for a cohort metric, its last cohort has had its
    outcome window (`matures`). The one rule `complete_weeks` and `ambition_history` share."""
    ended = min(_midnight(week_start(week)) + timedelta(days=7), clip)
    return ended + (matures or timedelta(0)) <= cutoff


def unsettled_weeks(
    points: Sequence[tuple[date, float | None]] | Sequence[tuple[date, float]], *,
    period_end: date, as_of: datetime | date | None, metric: str | None,
    catalog: MetricsFile | None,
) -> list[date]:
    """The weeks of a KR's line that are not complete yet (`complete_weeks`): the week in
    progress, and a cohort metric's weeks whose cohorts are still inside their outcome
    window. Their values still move, so the chart draws them apart ("so far") — a 7-day
    activation's last week, drawn like the others, read as a drop that was only cohorts not
    yet matured."""
    defn = catalog.metrics.get(metric) if catalog is not None and metric else None
    settled = {w for w, _ in complete_weeks(list(points), period_end=period_end, as_of=as_of,
                                            matures=maturity(defn, catalog))}
    return [w for w, _ in points if w not in settled]


def ambition_history(
    points: Sequence[tuple[date, float | None]], *, period_start: date, period_end: date,
    as_of: datetime | date | None, matures: timedelta | None,
) -> list[float | None]:
    """The pre-period weeks the ambition check projects from, oldest first — the one
    reading of them that sync's stored check (`sowhat forecast`, the plan's lint inputs),
    lint's SW108/SW109 on the files and the plan page's draft check all fit.

    `points` are (week, value) of the weeks before the period (a week's value None when it
    rests on too few entities). Only *settled* weeks count: those whose window has ended
    and, for a cohort metric, whose every cohort has had its outcome window (`matures`) as
    of `as_of` (the data's end, never past the period's end) — `complete_weeks`' rule, so
    the weeks the charts draw "so far" are the ones left out. An unsettled week is a value
    so far (a 90-day retention's last weeks over the accounts matured yet) that moves every
    day; fitted as history it mixed partial values into the metric's variability and
    refitted the check on every sync. Unsettled weeks stay as None slots at the end, so the
    model's clock is right: it projects from the last settled week that many weeks further
    to the period's end. The last `AMBITION_WEEKS` weeks up to the last settled one are
    kept. So the history (and the check's result) changes only when a week settles. With no
    as-of (nothing synced) every week counts."""
    values = [v for _, v in points]
    if as_of is None:
        return values[-AMBITION_WEEKS:]
    cutoff = min(_instant(as_of), _midnight(period_end))
    start = _midnight(period_start)
    settled = 0  # how many weeks, from the first, up to the last settled one
    for i, (week, _) in enumerate(points):
        if _settled(week, clip=start, matures=matures, cutoff=cutoff):
            settled = i + 1
        else:
            values[i] = None
    return values[max(0, settled - AMBITION_WEEKS):]


def _first_complete(period_start: date, period_end: date, matures: timedelta | None) -> date:
    """The day the period's first week becomes complete (see `complete_weeks`)."""
    first_end = min(_midnight(week_start(period_start)) + timedelta(days=7),
                    _midnight(period_end))
    return (first_end + (matures or timedelta(0))).date()


def _midnight(day: date) -> datetime:
    return datetime.combine(day, datetime.min.time(), tzinfo=UTC)


def _instant(value: datetime | date) -> datetime:
    if not isinstance(value, datetime):
        return _midnight(value)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _history_values(points: Points) -> list[float | None]:
    """One slot per stored pre-period week, oldest first (None for a week not stored), so
    a yearly swing is fitted on the right clock."""
    if not points:
        return []
    first = week_start(points[0][0])
    slots = {(week_start(w) - first).days // 7: v for w, v in points}
    return [slots.get(i) for i in range(max(slots) + 1)]


def _period_values(points: Points, span: Period) -> list[float | None]:
    """One slot per period week from the first to the latest stored one (None for gaps)."""
    first = week_start(span.start)
    slots: dict[int, float | None] = {}
    for week, value in points:
        slots[(week_start(week) - first).days // 7] = value
    if not slots:
        return []
    return [slots.get(i) for i in range(max(slots) + 1)]


def forecast_one(
    objective_id: str, k: KeyResultStatus, points: tuple[Points, Points], span: Period,
    catalog: MetricsFile | None, interval: float = DEFAULT_INTERVAL,
    parts: FittedParts | None = None, *, as_of: datetime | date | None = None,
) -> KRForecastView:
    """One KR's forecast from its status and its stored (history, period) weekly points —
    what `forecast_period` does per KR, for callers that already hold both. `as_of` is the
    instant the series was stored as of (the period's last sync): only the weeks complete
    by then are fitted (`complete_weeks`). With `parts`, the fits kept there under the same
    inputs are reused (and what was used is left there)."""
    return _forecast_one(objective_id, k, points, span, catalog, interval, parts, as_of=as_of)


def _forecast_one(
    objective_id: str, k: KeyResultStatus, points: tuple[Points, Points], span: Period,
    catalog: MetricsFile | None, interval: float, parts: FittedParts | None = None, *,
    as_of: datetime | date | None = None,
) -> KRForecastView:
    parts = FittedParts() if parts is None else parts
    defn = catalog.metrics.get(k.metric or "") if catalog else None
    basis = metric_basis(defn, catalog, k.measure)
    history, stored_weeks = points
    matures = maturity(defn, catalog)
    in_period = complete_weeks(stored_weeks, period_end=span.end, as_of=as_of,
                               matures=matures)
    values = _period_values(in_period, span)
    total_weeks = len(span.weeks())
    elapsed = len(values)
    remaining = max(0, total_weeks - elapsed)
    observed = [(w, v) for w, v in in_period if v is not None]
    last_week, last_value = observed[-1] if observed else (None, None)
    direction = _direction(k, last_value if last_value is not None else k.current)
    ambition = _ambition(ambition_history(history, period_start=span.start,
                                          period_end=span.end, as_of=as_of, matures=matures),
                         k, basis, direction, total_weeks, interval, defn, parts, catalog)
    empty = KRForecastView(
        kr_id=k.id, objective_id=objective_id, title=k.title, metric=k.metric,
        segment=k.segment, unit=k.unit, basis=basis, baseline=k.baseline, target=k.target,
        direction=direction, to_date=k.current, last_week=last_week, last_week_value=last_value,
        weeks_elapsed=elapsed, weeks_remaining=remaining, probability=None, projected=None,
        low=None, high=None, interval=interval, outlook=Outlook.UNKNOWN, path=(),
        ambition=ambition, note=None,
    )
    if k.target is None:
        return replace(empty, note="no target to forecast against")
    if basis is Basis.PERIOD_TOTAL:
        return _run_rate(empty, k, defn, span, stored_weeks, as_of)
    if (monthly := no_weekly_values(defn, catalog)) is not None:
        return replace(empty, note=f"{monthly}; no forecast (a `per: week` or `per: day` one "
                       f"gets one)")
    if not weekly_comparable(defn, catalog):
        return replace(empty, note="this level rests on a distinct count, whose weekly values "
                       "do not add up to its trailing-window value; no forecast (count active "
                       "entities with a `type: active` metric to get one)")
    stored = _history_values(history)
    context = stored[-CONTEXT_WEEKS:]
    if last_value is None:
        return replace(empty, note=_too_early(defn, span, stored_weeks, in_period, matures))
    assert direction is not None
    bounds = _bounds(defn)
    series = context + values
    older = stored[:-CONTEXT_WEEKS] if len(stored) > CONTEXT_WEEKS else []
    ahead = max(0, remaining - level_offset(k, defn))
    target = k.target
    f = parts.result("forecast", [series, target, ahead, str(direction), interval,
                                  list(bounds), older],
                     lambda: _fit_forecast(series, target, ahead, direction, interval, bounds,
                                           older))
    if "error" in f:
        return replace(empty, note=f["error"])
    first = week_start(span.start)
    path = tuple(
        PathPoint(week=first + timedelta(weeks=week - len(context) - 1), median=median,
                  low=low, high=high, hit_probability=hit)
        for week, median, low, high, hit in f["path"]
    )
    note = f["note"].replace("data point", "weekly value") if f["note"] else None
    return replace(empty, probability=f["probability"], projected=f["projected"],
                   low=f["low"], high=f["high"], outlook=outlook(f["probability"]), path=path,
                   note=note)


def _too_early(defn: MetricDef | None, span: Period, stored: Points, complete: Points,
               matures: timedelta | None) -> str:  # fmt: skip
    """Why there is no forecast yet, when no complete week of the period has a value."""
    cohorts = matures is not None or isinstance(defn, DurationMetric)
    if not stored:
        return "no weekly values in the period yet: run `sowhat sync`"
    if not complete:
        ready = _first_complete(span.start, span.end, matures)
        which = (f"once the period's first week has ended and its cohorts have had their "
                 f"{window_days(matures)} outcome window" if matures else
                 "once the period's first week has ended")
        return (f"too early to tell: the forecast is fitted on complete weeks only (the week "
                f"in progress is a partial value), and the first is complete on "
                f"{ready:%d %b %Y}, {which}")
    return "no weekly values in the period yet: " + (
        "cohorts count once their outcome window has passed" if cohorts
        else "no complete week has enough entities to count")


def window_days(lag: timedelta | None) -> str:
    days = (lag or timedelta(0)) / timedelta(days=1)
    return f"{days:g}-day"


def _fit_forecast(series: list[float | None], target: float, weeks_remaining: int,
                  direction: Direction, interval: float,
                  bounds: tuple[float | None, float | None], history: list[float | None],
                  ) -> dict[str, Any]:  # fmt: skip
    """The trend model's forecast as a plain document (what `FittedParts` keeps)."""
    from sowhat.stats.small_blas import load_numpy_single_threaded

    load_numpy_single_threaded()  # before the model loads NumPy (half its import CPU)
    from sowhat.stats.forecast import forecast_kr  # NumPy: only when a fit is needed

    try:
        f = forecast_kr(series, target=target, weeks_remaining=weeks_remaining,
                        direction=direction, interval=interval, bounds=bounds, history=history)
    except UserError as exc:
        return {"error": exc.message}
    return {"probability": f.probability, "projected": f.projected, "low": f.low,
            "high": f.high, "note": f.note,
            "path": [[p.week, p.median, p.low, p.high, p.hit_probability] for p in f.path]}


def level_offset(k: KeyResultStatus, defn: MetricDef | None) -> int:
    """How many weeks before the period's last week the forecast aims, so it predicts the
    KR's level at the period's end rather than one week's value.

    A level is the metric over its trailing window (`over`, 28 days by default) — for
    cohort metrics, the cohorts anchored in the window that ends an outcome window before
    the as-of. The weekly series is indexed by week (by anchor week for cohorts), so the
    period-end level is the mean of the weeks from `outcome + over` to `outcome` before the
    end. Under the forecast model's local trend that mean is the value at those weeks'
    middle; a single week's spread is a little wider than the mean's, so the range errs
    on the side of caution.
    """
    return level_offset_weeks(k.over_days, defn)


def level_offset_weeks(over_days: int | None, defn: MetricDef | None) -> int:
    """`level_offset` from a KR's `over_days` alone (the file's KR, before it is applied)."""
    over_weeks = -(-(over_days or default_over_days(defn)) // 7)
    window = outcome_window(defn) if defn is not None else None
    outcome_weeks = window.total_seconds() / (7 * 86400) if window is not None else 0.0
    return int(outcome_weeks + (over_weeks - 1) / 2 + 0.5)


def outlook(probability: float | None) -> Outlook:
    if probability is None:
        return Outlook.UNKNOWN
    if probability >= ON_TRACK_FROM:
        return Outlook.ON_TRACK
    if probability < OFF_TRACK_BELOW:
        return Outlook.OFF_TRACK
    return Outlook.UNCERTAIN


def _direction(k: KeyResultStatus, level: float | None) -> Direction | None:
    if k.baseline is not None and k.target is not None and k.baseline != k.target:
        return Direction.INCREASE if k.target > k.baseline else Direction.DECREASE
    if level is not None and k.target is not None and level != k.target:
        # No usable baseline: the target says where the KR must go from where it is.
        return Direction.INCREASE if k.target > level else Direction.DECREASE
    return None


def _run_rate(
    empty: KRForecastView, k: KeyResultStatus, defn: MetricDef | None, span: Period,
    in_period: Points, as_of: datetime | date | None,
) -> KRForecastView:
    """Counts and sums add up over time: project the to-date value at the pace so far.

    The to-date value runs from the period's start to the as-of, so the pace divides by the
    days to the as-of — not to the end of the week in progress, which counted days not yet
    lived and dragged a mid-week projection down. Without an as-of, to the end of the
    latest stored week."""
    if not isinstance(defn, CountMetric | SumMetric) or k.current is None or not in_period:
        return replace(empty, note="the target is a period total; this metric does not add "
                       "up week by week, so no projection is made")
    start, end = _midnight(span.start), _midnight(span.end)
    if as_of is not None:
        covered_to = min(_instant(as_of), end)
    else:
        covered_to = min(_midnight(week_start(in_period[-1][0])) + timedelta(days=7), end)
    days = (covered_to - start) / timedelta(days=1)
    if days <= 0:
        return replace(empty, note="the target is a period total; too early to project")
    return replace(empty, projected=k.current * span.days / days,
                   note=f"the target is a period total: projected at the pace so far "
                        f"({days:.3g} of {span.days} days); no probability")


def _ambition(
    weeks: list[float | None], k: KeyResultStatus, basis: Basis, direction: Direction | None,
    period_weeks: int, interval: float, defn: MetricDef | None, parts: FittedParts,
    catalog: MetricsFile | None = None,
) -> AmbitionView | None:
    if basis is not Basis.WEEKLY_LEVEL or k.target is None or direction is None:
        return None
    if (monthly := no_weekly_values(defn, catalog)) is not None:
        # Its weekly series is empty by definition: "only 0 weeks of history" blamed the
        # data for what the metric's period is.
        return AmbitionView(verdict="unknown", probability=None, projected=None, low=None,
                            high=None, history_weeks=0, message=monthly)
    # Aim at the same quantity the forecast and the score use: the level at the period's end.
    aim = max(1, period_weeks - level_offset(k, defn))
    bounds = _bounds(defn)
    target = k.target
    check = parts.result("ambition", [weeks, aim, target, str(direction), interval,
                                      list(bounds)],
                         lambda: _fit_ambition(weeks, aim, target, direction, interval, bounds))
    message = check["message"]
    if check["probability"] is not None and check["projected"] is not None:
        median, low, high, shown_target = format_values(
            [check["projected"], check["low"], check["high"], target], k.unit)
        message = (f"with no change, expect {median} ({join_span(low, high, '–')}) at the "
                   f"period's end; the target {shown_target} is "
                   f"{format_chance(check['probability'])} likely")
    return AmbitionView(verdict=check["verdict"], probability=check["probability"],
                        projected=check["projected"], low=check["low"], high=check["high"],
                        history_weeks=check["history_weeks"], message=message)


def _fit_ambition(weeks: list[float | None], period_weeks: int, target: float,
                  direction: Direction, interval: float,
                  bounds: tuple[float | None, float | None]) -> dict[str, Any]:  # fmt: skip
    """The ambition check as a plain document (what `FittedParts` keeps)."""
    from sowhat.stats.small_blas import load_numpy_single_threaded

    load_numpy_single_threaded()  # as `_fit_forecast`
    from sowhat.stats.ambition import hit_probability_without_change  # NumPy: when fitted

    check = hit_probability_without_change(weeks, period_weeks=period_weeks, target=target,
                                           direction=direction, interval=interval,
                                           bounds=bounds)
    return {"verdict": str(check.verdict), "probability": check.probability,
            "projected": check.projected, "low": check.low, "high": check.high,
            "history_weeks": check.history_weeks, "message": check.message}
