"""The weekly KR series behind launch-impact estimates and detectability checks.

Why a module of its own: `sowhat impact`, `sowhat bets` and the web app's bets board all need
the same answer to "what did this KR's metric look like, week by week, and which weeks can be
trusted?" — and they must agree on it. The rules kept here:

- Only full ISO weeks count. The as-of is clipped to the end of the events (a demo built
  last week must not read its empty current week as a collapse), and the series ends at the
  Monday on or before it, so a count metric never compares three days with seven.
- Cohort metrics (conversion, retention, duration) report each signup week's cohort; a week
  with no mature cohort is None and one with immature members is a biased sample (early-week
  signups only), so both are dropped and counted.
- A week that straddles the launch (shipped mid-week) is dropped: it is neither before nor
  after. So is a cohort week before the launch whose outcome window ran into it: day-7
  retention of the signups of the week before a streak reminder shipped was read on days the
  reminder was live, so it counted the effect as "before" and halved the jump.
- Control segments are pooled through their sufficient statistics (sum / n) where the
  metric's value is that ratio; totals (count, unique, sum) are added; a quantile cannot be
  pooled, so the largest control segment is used alone.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sowhat.domain.period import next_monday
from sowhat.errors import DataError
from sowhat.metrics.engine import MetricRequest, compute_many
from sowhat.metrics.source import EventSource
from sowhat.metrics.values import MetricValue
from sowhat.spec.metric_defs import (
    ActiveMetric,
    AverageMetric,
    ConversionMetric,
    CountMetric,
    DurationMetric,
    MetricDef,
    MetricsFile,
    RetentionMetric,
    SegmentDef,
    SumMetric,
    UniqueMetric,
    outcome_window,
)

Key = tuple[str, str | None]
"""(metric, segment): one weekly series."""

TOTAL_TYPES = (CountMetric, UniqueMetric, SumMetric, ActiveMetric)
"""Metrics whose weekly value is a total over the week, not a rate: pooled by adding (the
weekly active entities of disjoint segments add up too)."""


@dataclass(frozen=True)
class WeekPoint:
    """One week of a KR metric, and whether the estimate uses it (and why not)."""

    week: date  # Monday
    value: float | None
    entities: int | None = None
    excluded_immature: int | None = None
    n: float | None = None
    sum: float | None = None
    sum_squares: float | None = None
    phase: str = "pre"  # pre | launch | post
    used: bool = True
    note: str | None = None  # why the week is left out

    def to_json(self) -> dict[str, object]:
        return {
            "week": self.week.isoformat(),
            "value": self.value,
            "entities": self.entities,
            "excluded_immature": self.excluded_immature,
            "phase": self.phase,
            "used": self.used,
            "note": self.note,
        }


@dataclass(frozen=True)
class WeeklySeries:
    metric: str
    segments: tuple[str, ...]  # () for the whole population; several for a pooled control
    points: tuple[WeekPoint, ...]
    pooling: str | None = None  # how several segments were combined

    @property
    def label(self) -> str:
        return "+".join(self.segments) if self.segments else "all"

    def used(self, phase: str | None = None) -> list[WeekPoint]:
        return [p for p in self.points if p.used and (phase is None or p.phase == phase)]

    def to_json(self) -> dict[str, object]:
        return {
            "metric": self.metric,
            "segments": list(self.segments),
            "pooling": self.pooling,
            "points": [p.to_json() for p in self.points],
        }


@dataclass(frozen=True)
class Clock:
    """The moments every series of one request shares."""

    as_of: date  # what was asked (or today)
    data_end: date | None  # the day after the last event; None when there are no events
    end: date  # exclusive end of the last full week used (a Monday)
    data_start: date | None = None  # the first full week with events (a Monday)

    def window_start(self, wanted: date) -> date:
        """`wanted`, or the first full week of events when they start later: weeks before
        the data would read as zeros (counts) or gaps, not as history."""
        return max(wanted, self.data_start) if self.data_start is not None else wanted

    @property
    def clipped(self) -> bool:
        return self.data_end is not None and self.data_end < self.as_of


def monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _midnight(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def data_span(events: EventSource) -> tuple[date | None, date | None]:
    """(day of the first event, day after the last event); (None, None) without events."""
    table = events.events()
    try:
        row = table.aggregate(first=table.timestamp.min(), last=table.timestamp.max()
                              ).to_pyarrow().to_pylist()[0]
    except Exception as exc:  # backend failure: say what to check
        raise DataError(f"cannot read the events' time span: {exc}",
                        hint="check [events] in sowhat.toml") from exc
    first, last = (_day(row["first"]), _day(row["last"]))
    return first, (last + timedelta(days=1) if last is not None else None)


def _day(moment: object) -> date | None:
    if moment is None:
        return None
    if isinstance(moment, datetime):
        return moment.date()
    if isinstance(moment, date):
        return moment
    raise DataError(f"the events' timestamp column holds {type(moment).__name__} values",
                    hint="map a timestamp column in [events.columns]")


def clock(events: EventSource, as_of: date | datetime | None) -> Clock:
    """Clip the as-of to the events' end and stop at the last full ISO week before it."""
    asked = (as_of.date() if isinstance(as_of, datetime) else as_of) if as_of else (
        datetime.now(UTC).date())
    first, end_of_data = data_span(events)
    effective = min(asked, end_of_data) if end_of_data is not None else asked
    return Clock(as_of=asked, data_end=end_of_data, end=monday(effective),
                 data_start=next_monday(first) if first is not None else None)


def fetch_weekly(
    keys: Sequence[Key],
    *,
    catalog: MetricsFile,
    events: EventSource,
    start: date,
    end: date,
) -> dict[Key, list[MetricValue]]:
    """Every (metric, segment) as a weekly series over [start, end), in one query."""
    unique = list(dict.fromkeys(keys))
    if not unique or end <= start:
        return {k: [] for k in unique}
    results = compute_many([MetricRequest(m, s) for m, s in unique], catalog=catalog,
                           events=events, start=_midnight(start), end=_midnight(end),
                           grain="week", as_of=_midnight(end))
    out: dict[Key, list[MetricValue]] = {}
    for key, result in zip(unique, results, strict=True):
        if result.error:
            metric, segment = key
            where = f" in segment {segment!r}" if segment else ""
            raise DataError(f"cannot compute {metric}{where}: {result.error}",
                            hint="run `sowhat sync` or check the metric against the events")
        out[key] = list(result.values)
    return out


def to_points(values: Sequence[MetricValue], *, launch: date | None,
              outcome: timedelta = timedelta(0)) -> list[WeekPoint]:
    """Weekly values with their phase and, for weeks that cannot be used, the reason.

    `outcome` is a cohort metric's outcome window (`maturity`): a pre-launch week whose
    cohorts were still inside it at the launch measured their outcome partly with the bet
    live, so it is neither a clean "before" nor an "after" and is left out."""
    points = []
    for v in values:
        week = v.start.date()
        phase = "pre"
        if launch is not None:
            if week >= next_monday(launch):
                phase = "post"
            elif week + timedelta(days=7) > launch:
                phase = "launch"
        note = None
        if phase == "launch":
            note = "the launch fell inside this week"
        elif (phase == "pre" and launch is not None and outcome > timedelta(0)
              and week + timedelta(days=7) + outcome > launch):
            note = (f"its cohorts' outcome window ({_span(outcome)} after signing up) ran "
                    f"past the launch, so their outcome was partly read with the bet live")
        elif v.value is None and (v.excluded_immature or 0) > 0:
            note = "no mature cohort yet"
        elif v.value is None:
            note = "no value (empty cohort or zero denominator)"
        elif (v.excluded_immature or 0) > 0:
            note = f"cohort partly mature ({v.excluded_immature} still in their window)"
        points.append(WeekPoint(
            week=week, value=v.value, entities=v.entities, excluded_immature=v.excluded_immature,
            n=v.n, sum=v.sum, sum_squares=v.sum_squares, phase=phase, used=note is None,
            note=note,
        ))
    return points


def _span(outcome: timedelta) -> str:
    if outcome.total_seconds() % 86400 == 0:
        return f"{outcome.days} day" + ("" if outcome.days == 1 else "s")
    return f"{outcome.total_seconds() / 3600:g} hours"


def weekly_series(metric: str, segment: str | None, values: Sequence[MetricValue], *,
                  launch: date | None, outcome: timedelta = timedelta(0)) -> WeeklySeries:
    return WeeklySeries(metric, (segment,) if segment else (),
                        tuple(to_points(values, launch=launch, outcome=outcome)))


# ------------------------------------------------------------------ controls


def control_segments(catalog: MetricsFile, segment: str | None) -> tuple[str, ...]:
    """Segments on the KR segment's property whose values do not overlap it.

    Only `equals` / `in` segments take part (numeric ranges are not compared); when candidate
    controls overlap each other, the first by name wins so no entity counts twice.
    """
    if segment is None or segment not in catalog.segments:
        return ()
    treated = catalog.segments[segment]
    values = _values(treated)
    if values is None:
        return ()
    chosen: list[str] = []
    taken: set[object] = set(values)
    for name in sorted(catalog.segments):
        other = catalog.segments[name]
        if name == segment or (other.property, other.trait, other.entity) != (
                treated.property, treated.trait, treated.entity):
            continue
        other_values = _values(other)
        if other_values is None or taken & set(other_values):
            continue
        chosen.append(name)
        taken |= set(other_values)
    return tuple(chosen)


def _values(seg: SegmentDef) -> tuple[object, ...] | None:
    if seg.bounds():
        return None
    if seg.equals is not None:
        return (seg.equals,)
    if seg.in_ is not None:
        return tuple(seg.in_)
    return None


def pool(metric: str, definition: MetricDef, parts: dict[str, list[MetricValue]], *,
         launch: date | None) -> WeeklySeries:
    """One control series from several disjoint segments' weekly values."""
    names = tuple(parts)
    if len(names) == 1:
        only = names[0]
        return WeeklySeries(metric, names, tuple(to_points(parts[only], launch=launch,
                                                           outcome=maturity(definition))))
    if isinstance(definition, DurationMetric | AverageMetric) and (
            definition.quantile() is not None):
        largest = max(names, key=lambda s: sum(v.entities or 0 for v in parts[s]))
        return WeeklySeries(metric, (largest,),
                            tuple(to_points(parts[largest], launch=launch,
                                            outcome=maturity(definition))),
                            pooling=f"a {definition.statistic} cannot be pooled across "
                            f"segments: the largest control segment, {largest}, is used alone")
    total = isinstance(definition, TOTAL_TYPES)
    pooled: list[MetricValue] = []
    for week_values in zip(*(parts[s] for s in names), strict=True):
        pooled.append(_pool_week(week_values, total=total))
    how = "values added (weekly totals)" if total else "sum / n over the segments combined"
    return WeeklySeries(metric, names, tuple(to_points(pooled, launch=launch,
                                                       outcome=maturity(definition))),
                        pooling=how)


def _pool_week(values: Sequence[MetricValue], *, total: bool) -> MetricValue:
    first = values[0]

    def add(field: str) -> float | None:
        xs = [getattr(v, field) for v in values]
        return None if any(x is None for x in xs) else float(sum(xs))

    def add_int(field: str) -> int | None:
        xs = [getattr(v, field) for v in values]
        return None if all(x is None for x in xs) else int(sum(x or 0 for x in xs))

    immature = add_int("excluded_immature")
    if total:
        value = add("value")
    else:
        n, s = add("n"), add("sum")
        value = s / n if n and s is not None else None
        if any(v.value is None for v in values):
            value = None  # one segment without a value leaves the pool undefined that week
    return MetricValue(metric=first.metric, segment=None, start=first.start, end=first.end,
                       value=value, entities=add_int("entities"), excluded_immature=immature,
                       n=add("n"), sum=add("sum"), sum_squares=add("sum_squares"))


# ------------------------------------------------------------------ maturity


def maturity(definition: MetricDef) -> timedelta:
    """How long after a cohort's last signup its outcome is known (zero for window metrics)."""
    return outcome_window(definition) or timedelta(0)


def is_cohort(definition: MetricDef) -> bool:
    return isinstance(definition, ConversionMetric | RetentionMetric | DurationMetric)


def is_rate(definition: MetricDef) -> bool:
    """A per-unit value (share, mean, ratio) rather than a weekly total."""
    return not isinstance(definition, TOTAL_TYPES)
