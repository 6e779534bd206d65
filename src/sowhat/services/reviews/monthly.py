"""The monthly review: a deep dive on lagging metrics, the month's trend and its segments.

Lagging indicators (retention, NPS, revenue) move slowly and noisily, so a week says little;
a month, split by segment, says where a change comes from. For each KR (lagging ones first):
- the metric over the calendar month and the month before, each "as known at the as-of time"
  (cohorts that matured since the month ended are counted, as everywhere in Sowhat);
- the month's weekly values (the series `sowhat sync` stored; whole ISO weeks starting in the
  month, so a count over a four-day edge week does not fake a trend) and their slope; for a
  weekly-active metric, whose month is the mean of the weeks lying wholly inside it, exactly
  those weeks, named beside the value (`covers`): "359" next to four listed weeks whose mean
  is 378 read as an error;
  the trend is "improving"/"worsening" in the KR's direction only beyond noise: when the
  slope's 90% interval (`stats.noise.linear_trend`, which needs 3 weeks) excludes zero and
  the slope moves the level by more than `FLAT_SHARE` of its mean over the month; else
  "no clear change" — a flat noisy month is not a trend;
- whether the month differs from the month before beyond noise (`change_clear`): the noise
  of one week's value is read from the 13 whole weeks before the earlier month
  (`stats.noise.level_noise`, so neither month can widen it) and a month counts as a level
  over its weeks (days / 7, rounded): |change| > t · s · √(1/k₁ + 1/k₂). Said for level KRs only:
  a period total's months differ in length, so their counts are not comparable this way;
- the same metric over every segment of the catalog, both months, computed by the metric
  engine in one query per month (a KR's own segment is one of them).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy.orm import Session

from sowhat.domain.measure import CompleteBuckets, Measure, complete_buckets
from sowhat.domain.okr import Direction
from sowhat.domain.period import Period
from sowhat.errors import UserError
from sowhat.metrics.engine import MetricRequest, MetricResult, compute_many
from sowhat.metrics.source import EventSource
from sowhat.services.forecasts import (
    full_weeks,
    maturity,
    unsettled_weeks,
    weekly_series,
    window_days,
)
from sowhat.services.plans import status_rows
from sowhat.services.reviews.weekly import indicator_of
from sowhat.spec.metric_defs import ActiveMetric, ChurnMetric, MetricsFile, no_weekly_values
from sowhat.stats.noise import (
    LEVEL_WEEKS,
    beyond_noise,
    level_noise,
    linear_trend,
    proportions_differ,
)
from sowhat.store import repositories

__all__ = ["FLAT_SHARE", "NO_CLEAR_CHANGE", "MonthlyKR", "MonthlyReview", "SegmentValue",
           "WeekValue", "default_month", "monthly_review"]

FLAT_SHARE = 0.02
NO_CLEAR_CHANGE = "no clear change"


@dataclass(frozen=True)
class WeekValue:
    week: date
    value: float | None
    # its cohorts are still inside their outcome window: the value still moves ("so far"),
    # as the KR chart and the weekly review say (services.forecasts.unsettled_weeks)
    so_far: bool = False


@dataclass(frozen=True)
class SegmentValue:
    segment: str | None  # None: everyone
    value: float | None
    previous: float | None  # the month before
    change: float | None
    entities: int | None
    # Why the segment reads nothing rather than 0: it matches none of the metric's events
    # (a segment on `plan`, a property only the signup event carries, read on workflow runs
    # — sowhat.metrics.coverage). Its values are then left empty: "0 paid active teams" was
    # a number right by definition and wrong in meaning.
    matches_nothing: str | None = None
    # (hits, trials) of a share computed from counts, this month and the month before (a
    # churn rate: customers lost, customer-months): what its noise is read from when it has
    # no weekly values
    counts: tuple[float, float] | None = None
    previous_counts: tuple[float, float] | None = None


@dataclass(frozen=True)
class MonthlyKR:
    kr_id: str
    objective_id: str
    title: str
    metric: str
    segment: str | None
    unit: str | None
    indicator: str
    baseline: float | None
    target: float | None
    value: float | None  # the KR's metric (and segment) over the month
    previous: float | None  # ... over the month before
    change: float | None
    weeks: tuple[WeekValue, ...]  # the month's weekly values
    slope_per_week: float | None
    # improving | worsening | rising | falling | no clear change | unknown | none (monthly)
    trend: str
    segments: tuple[SegmentValue, ...]  # everyone first, then each catalog segment
    # the month against the month before: beyond noise (True), within it (False), or None
    # when it cannot be told (a period total, a month "so far", or under five whole weeks
    # before both months)
    change_clear: bool | None = None
    error: str | None = None
    # Why a cohort metric's month reads "—": its cohorts are still inside their outcome
    # window (a 90-day retention of October cannot be read in November).
    not_yet: str | None = None
    # A cohort metric's month (or the month before) whose later cohorts have not matured by
    # the as-of: its value covers only the cohorts that have, and moves as the rest mature.
    # Shown "(so far)" with `so_far_note` saying which cohorts are in it — a 30-day retention
    # of October read on 16 Nov is the first half of October's signups, not October's.
    value_so_far: bool = False
    previous_so_far: bool = False
    so_far_note: str | None = None
    # What a weekly-active metric's month is the mean of ("the mean of its 3 complete weeks,
    # Oct 05–Oct 25; last month of Sep 07–Sep 27"): a week that runs into the next month
    # counts in neither, and the weeks listed are these.
    covers: str | None = None

    @property
    def value_words(self) -> str:
        """What every text rendering puts after the month's value: " (so far)" or nothing."""
        return " (so far)" if self.value_so_far else ""

    @property
    def previous_words(self) -> str:
        """The same after the month before's value."""
        return " (so far)" if self.previous_so_far else ""

    @property
    def change_words(self) -> str:
        """What every rendering puts after the change: ", beyond noise", ", within noise"."""
        if self.change is None or self.change_clear is None:
            return ""
        return ", beyond noise" if self.change_clear else ", within noise"


@dataclass(frozen=True)
class MonthlyReview:
    period: str
    month: str  # YYYY-MM
    start: date
    end: date  # exclusive; earlier than the month's end when the month is still running
    previous_month: str
    as_of: datetime
    key_results: tuple[MonthlyKR, ...]  # lagging indicators first

    @property
    def last_day(self) -> date:
        """The month's last day with data, as a range is read ("2026-10-01 to 2026-10-31");
        `end` is exclusive, and printing it made October end on 1 November."""
        return self.end - timedelta(days=1)


def default_month(as_of: datetime, period_start: date) -> Period:
    """The last calendar month that ended by `as_of`, or the running one if the period has
    no complete month yet."""
    this = Period.parse(f"{as_of.year}-{as_of.month:02d}")
    previous = Period.parse(_prev_label(this))
    if previous.end > period_start and previous.end <= as_of.date():
        return previous
    return this


def _prev_label(month: Period) -> str:
    before = month.start - timedelta(days=1)
    return f"{before.year}-{before.month:02d}"


def monthly_review(
    *, session: Session, catalog: MetricsFile, events: EventSource,
    as_of: datetime | None = None, period: str | None = None, month: str | None = None,
) -> MonthlyReview:
    """The monthly deep dive of a period's KRs for `month` (YYYY-MM; default: see
    `default_month`)."""
    as_of = _aware(as_of or datetime.now(UTC))
    status = status_rows(session=session, period=period, today=as_of.date(), catalog=catalog)
    row = repositories.periods_by_label(session, [status.period])[status.period]
    span = _month(month) if month else default_month(as_of, row.start)
    start = _midnight(span.start)
    if start >= as_of:
        raise UserError(f"month {span.label} has not started by {as_of.date().isoformat()}",
                        hint="pick an earlier --month, or a later --as-of")
    end = min(_midnight(span.end), as_of)
    prev = Period.parse(_prev_label(span))
    krs = [(o.id, k) for o in status.objectives for k in o.key_results
           if k.metric and k.metric in catalog.metrics]
    metrics = sorted({k.metric for _, k in krs if k.metric})
    segments: list[str | None] = [None, *catalog.segments]
    requests = [MetricRequest(m, s) for m in metrics for s in segments]
    now = compute_many(requests, catalog=catalog, events=events, start=start, end=end,
                       as_of=as_of)
    before = compute_many(requests, catalog=catalog, events=events,
                          start=_midnight(prev.start), end=_midnight(prev.end), as_of=as_of)
    # A segment that reads 0 or nothing while everyone reads something may match none of
    # the metric's events; only those are checked (the check builds an Ibis query, which a
    # review otherwise never imports: ≈1 s of CPU on every monthly review).
    overall = {r.metric: v for r, v in zip(requests, now, strict=True) if r.segment is None}
    suspects = [r for r, v in zip(requests, now, strict=True)
                if r.segment is not None and _reads_nothing(v) and r.metric in overall
                and not _reads_nothing(overall[r.metric])]
    empty: dict[tuple[str, str | None], str] = {}
    if suspects:
        from sowhat.metrics.coverage import empty_segments  # Ibis: only when needed

        empty = empty_segments(suspects, catalog=catalog, events=events, start=start,
                               end=end, as_of=as_of)
    table: dict[tuple[str, str | None], SegmentValue] = {}
    errors: dict[str, str] = {}
    for req, cur, old in zip(requests, now, before, strict=True):
        if cur.error or old.error:
            errors[req.metric] = cur.error or old.error or ""
        nothing = empty.get((req.metric, req.segment))
        value = cur.values[0].value if cur.values and not cur.error and not nothing else None
        previous = (old.values[0].value if old.values and not old.error and not nothing
                    else None)
        entities = (cur.values[0].entities if cur.values and not cur.error and not nothing
                    else None)
        table[(req.metric, req.segment)] = SegmentValue(
            segment=req.segment, value=value, previous=previous,
            change=None if value is None or previous is None else value - previous,
            entities=entities, matches_nothing=nothing,
            counts=_counts(cur) if value is not None else None,
            previous_counts=_counts(old) if previous is not None else None,
        )
    kr_rows = {k.key: k for k in repositories.period_contents(session, row).key_results
               if k.archived_at is None}
    series = weekly_series(session, [kr_rows[k.id].id for _, k in krs])
    out = []
    for objective_id, k in krs:
        metric = k.metric or ""
        own = table[(metric, k.segment)]
        history, in_period = series.get(kr_rows[k.id].id, ([], []))
        whole = full_weeks(history, in_period, period_start=row.start, period_end=row.end,
                           until=as_of.date())
        moving = set(unsettled_weeks(whole, period_end=row.end, as_of=as_of, metric=metric,
                                     catalog=catalog))
        monthly = no_weekly_values(catalog.metrics.get(metric), catalog)
        per = _weekly_active(catalog, metric)
        inside = complete_buckets(start, end, "week") if per else None
        before_inside = (complete_buckets(_midnight(prev.start), _midnight(prev.end), "week")
                         if per else None)
        weeks = () if monthly else tuple(
            WeekValue(w, v, w in moving) for w, v in whole
            if (_within(w, inside) if per else span.start <= w < span.end))
        slope = _slope([w.value for w in weeks])
        lag = maturity(catalog.metrics[metric], catalog)
        value_so_far = _moving(lag, own.value, span, as_of)
        previous_so_far = _moving(lag, own.previous, prev, as_of)
        # Not judged for a month that is "so far": the noise test counts its weeks as whole
        # weeks of cohorts, and it holds only some of them.
        partial = value_so_far or previous_so_far
        clear = None if k.measure == Measure.CUMULATIVE or partial else beyond_noise(
            own.change, level_noise([v for w, v in whole if w < prev.start][-LEVEL_WEEKS:]),
            weeks=inside.count if inside else max(1, round((end - start).days / 7)),
            against_weeks=(before_inside.count if before_inside
                           else max(1, round(prev.days / 7))))
        if clear is None and isinstance(catalog.metrics.get(metric), ChurnMetric) \
                and own.counts and own.previous_counts and not partial:
            # no weekly values to read a noise from (a monthly churn): its own counts are
            clear = proportions_differ(*own.counts, *own.previous_counts)
        direction = _direction(k.baseline, k.target)
        out.append(MonthlyKR(
            kr_id=k.id, objective_id=objective_id, title=k.title, metric=metric,
            segment=k.segment, unit=k.unit,
            indicator=indicator_of(k.indicator, k.metric, catalog), baseline=k.baseline,
            target=k.target, value=own.value, previous=own.previous, change=own.change,
            weeks=weeks, slope_per_week=slope,
            trend="none (a monthly metric has no weeks)" if monthly else _trend(
                slope, [w.value for w in weeks], direction),
            segments=tuple(table[(metric, s)] for s in segments), error=errors.get(metric),
            change_clear=clear,
            not_yet=_not_yet(lag, own, span, prev, as_of),
            value_so_far=value_so_far, previous_so_far=previous_so_far,
            so_far_note=_so_far_note(lag, own, span, prev, as_of),
            covers=_covers(inside, before_inside) if per else None,
        ))  # fmt: skip
    out.sort(key=lambda r: r.indicator != "lagging")
    return MonthlyReview(period=row.label, month=span.label, start=span.start,
                         end=end.date() if end < _midnight(span.end) else span.end,
                         previous_month=prev.label, as_of=as_of, key_results=tuple(out))


def _not_yet(window: timedelta | None, own: SegmentValue, span: Period, prev: Period,
             as_of: datetime) -> str | None:
    """A sentence for a month (or the month before) that is empty only because its cohorts
    have not had their whole outcome window yet; None when that is not the reason. `window`
    is the metric's maturity (a ratio's longest part's outcome window)."""
    if window is None:
        return None
    out = []
    for label, month, value in ((span.label, span, own.value), (prev.label, prev, own.previous)):
        readable = _midnight(month.end) + window
        if value is None and readable > as_of:
            out.append(f"{label}'s cohorts are inside their {window_days(window)} outcome window "
                       f"until {readable:%Y-%m-%d}")
    if not out:
        return None
    return "not readable yet: " + "; ".join(out) + " (a cohort counts once it has matured)"


def _counts(result: MetricResult) -> tuple[float, float] | None:
    """(hits, trials) of a churn rate's month: customers lost, customer-periods."""
    if result.error or not result.values:
        return None
    v = result.values[0]
    return (v.sum, v.n) if v.sum is not None and v.n else None


def _moving(window: timedelta | None, value: float | None, month: Period,
            as_of: datetime) -> bool:
    """A month's cohort value that still moves: some of its cohorts are inside their outcome
    window at the as-of, so it counts only those that have matured (an entity counts once
    anchor + window <= as-of, `metrics.compile`)."""
    return window is not None and value is not None and _midnight(month.end) + window > as_of


def _so_far_note(window: timedelta | None, own: SegmentValue, span: Period, prev: Period,
                 as_of: datetime) -> str | None:
    """Which cohorts a moving month's value holds and when the rest are in: the month's
    value is not the month's yet, and a comparison with a settled month says so."""
    if window is None:
        return None
    matured_until = as_of - window  # anchors at or before this have had their window
    out = []
    for month, value in ((span, own.value), (prev, own.previous)):
        if not _moving(window, value, month, as_of):
            continue
        settles = _midnight(month.end) + window
        out.append(f"{month.label} so far: only cohorts anchored by "
                   f"{matured_until:%Y-%m-%d %H:%M} UTC have had their "
                   f"{window_days(window)} outcome window; the rest count as they mature, "
                   f"all by {settles:%Y-%m-%d}")
    return "; ".join(out) or None


def _weekly_active(catalog: MetricsFile, metric: str) -> bool:
    defn = catalog.metrics.get(metric)
    return isinstance(defn, ActiveMetric) and defn.per == "week"


def _within(week: date, inside: CompleteBuckets | None) -> bool:
    return inside is not None and inside.start.date() <= week < inside.end.date()


def _span_words(b: CompleteBuckets) -> str:
    return f"{b.start:%b %d}–{b.end - timedelta(days=1):%b %d}"


def _covers(inside: CompleteBuckets | None, before: CompleteBuckets | None) -> str:
    """The weeks a weekly-active month averages, this month's and last month's, in words."""
    def one(b: CompleteBuckets | None) -> str:
        if b is None:
            return "no complete week"
        return f"the mean of its {b.count} complete week{'s' if b.count != 1 else ''}, " \
            f"{_span_words(b)}"

    return (f"the month is {one(inside)}; last month {one(before)} "
            "(a week that runs into the next month counts in neither)")


def _slope(values: list[float | None]) -> float | None:
    """Least-squares slope per week of the observed values (None with fewer than 2)."""
    pts = [(float(i), v) for i, v in enumerate(values) if v is not None]
    if len(pts) < 2:
        return None
    mx = sum(x for x, _ in pts) / len(pts)
    my = sum(y for _, y in pts) / len(pts)
    sxx = sum((x - mx) ** 2 for x, _ in pts)
    return sum((x - mx) * (y - my) for x, y in pts) / sxx


def _trend(slope: float | None, values: list[float | None], direction: Direction | None) -> str:
    seen = [v for v in values if v is not None]
    if slope is None or not seen:
        return "unknown"
    level = abs(sum(seen) / len(seen))
    moved = slope * (len(values) - 1)
    fit = linear_trend(values)
    if abs(moved) <= FLAT_SHARE * level or fit is None or not fit.clear:
        return NO_CLEAR_CHANGE
    if direction is None:
        return "rising" if moved > 0 else "falling"
    up = direction is Direction.INCREASE
    return "improving" if (moved > 0) == up else "worsening"


def _direction(baseline: float | None, target: float | None) -> Direction | None:
    if baseline is None or target is None or baseline == target:
        return None
    return Direction.INCREASE if target > baseline else Direction.DECREASE


def _month(label: str) -> Period:
    try:
        span = Period.parse(label)
    except ValueError:
        raise UserError(f"cannot read month {label!r}", hint="write it as 2026-10") from None
    if len(label.strip()) != 7:
        raise UserError(f"{label!r} is not a month", hint="write it as 2026-10")
    return span


def _midnight(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def _aware(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _reads_nothing(result: MetricResult) -> bool:
    """No value, a value of 0, or no entities behind it (an empty cohort)."""
    if result.error or not result.values:
        return not result.error
    v = result.values[0]
    return v.value is None or v.value == 0 or v.entities == 0
