"""What one number on a key result means: its measure and the window it is computed over.

A KR's current value, progress, score, forecast, reviews and period close must all describe
the same quantity, or a team reads "53% progress, missed" next to a weekly rate that has sat
above target for a month. The quantity is declared once per KR (`measure:`):

- `level` — the metric over a trailing window (`over:`, default 28 days) ending at the
  as-of. Rates, cohorts, durations, NPS, averages and active users are levels: "activation
  is 45%" means *lately*, not pooled since the quarter began. Cohort metrics cannot be read
  until their outcome window has passed, so their trailing window ends at the last instant
  whose cohorts have matured (as-of minus the outcome window): always complete cohorts.
  A metric counted per day, ISO week or calendar month (`active`, `churn`, and ratios with
  such a part) is read over whole periods only, so its window is the latest `over` worth of
  *whole* periods: 28 days of a weekly-active count are always the 4 weeks before the last
  Monday. A window of 28 days ending wherever the as-of fell held 3 whole weeks on six days
  of the week and 4 on Mondays, and 62 days held 2 whole months on a month's 1st and 2nd and
  1 otherwise, so the same KR's "current" meant a different span from one day to the next,
  and its baseline (read on the period's 1st) a different span from its current.
- `cumulative` — from the period start to the as-of: totals such as "500 paid signups this
  quarter" (the default for counts, sums and distinct counts).

The measured baseline is the same measure just before the period: for a level, the window
ending at the period start; for a cumulative total, the whole previous period of equal length.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sowhat.domain.durations import parse_duration

DEFAULT_OVER_DAYS = 28


class Measure(StrEnum):
    LEVEL = "level"
    CUMULATIVE = "cumulative"


def over_days(text: str) -> int:
    """Days in an `over:` duration; only whole days make sense for a trailing window."""
    delta = parse_duration(text)
    if delta.total_seconds() % 86400:
        raise ValueError(f"{text!r} is not a whole number of days")
    return int(delta.total_seconds() // 86400)


def days_label(start: datetime, end: datetime) -> str:
    """The days [start, end) covers as people read them, "Oct 23–Nov 20" (end exclusive).

    A window anchored to the data's last event starts and ends mid-day: the 28 days up to
    Nov 25 23:51 hold 9 minutes of Oct 28. Named by the dates of its instants it read
    "Oct 28–Nov 25", 29 days to anyone counting; each end is named by its nearest midnight
    instead, so an N-day window always reads as N days ("Oct 29–Nov 25")."""
    half = timedelta(hours=12)
    first, last = (start + half).date(), (end - half).date()
    if last < first:  # under a day: name the day it starts on
        first = last = start.date()
    return f"{first:%b %d}–{last:%b %d}"


@dataclass(frozen=True)
class MeasureWindow:
    """[start, end) as known at `as_of` (all aware UTC): one query of the metric engine."""

    start: datetime
    end: datetime
    as_of: datetime

    def key(self) -> tuple[datetime, datetime, datetime]:
        return (self.start, self.end, self.as_of)


PERIOD_DAYS = {"day": 1.0, "week": 7.0, "month": 365.2425 / 12}
"""A period's length in days, a month's on average: how many periods an `over:` is."""


def whole_periods(over: timedelta, per: str) -> int:
    """The whole `per` periods a level over `over` reads: the nearest count, at least one
    (28 days: 4 weeks, 1 month; 62 days: 2 months; 90 days: 3 months)."""
    return max(1, round(over.total_seconds() / 86400 / PERIOD_DAYS[per]))


def measure_window(
    measure: Measure,
    *,
    as_of: datetime,
    period_start: datetime,
    over: timedelta = timedelta(days=DEFAULT_OVER_DAYS),
    outcome: timedelta | None = None,
    per: str | None = None,
) -> MeasureWindow:
    """The window a KR's value as of `as_of` is computed over (see the module docstring);
    `per` is the period of a metric read over whole periods only (`periodic_per`)."""
    if measure is Measure.CUMULATIVE:
        return MeasureWindow(period_start, max(as_of, period_start), as_of)
    end = as_of - outcome if outcome else as_of
    if per is None:
        return MeasureWindow(end - over, end, as_of)
    end = period_floor(end, per)
    start = end
    for _ in range(whole_periods(over, per)):
        start = _previous(start, per)
    return MeasureWindow(start, end, as_of)


def baseline_window(
    measure: Measure,
    *,
    period_start: datetime,
    period_end: datetime,
    over: timedelta = timedelta(days=DEFAULT_OVER_DAYS),
    outcome: timedelta | None = None,
    per: str | None = None,
) -> MeasureWindow:
    """The same measure just before the period, knowing only what was known at its start."""
    if measure is Measure.CUMULATIVE:
        length = period_end - period_start
        return MeasureWindow(period_start - length, period_start, period_start)
    return measure_window(measure, as_of=period_start, period_start=period_start, over=over,
                          outcome=outcome, per=per)


BASELINE_RELATIVE_TOLERANCE = 0.10
"""A typed baseline within 10% of the measured one is a rounding, not a different claim."""
BASELINE_SHARE_TOLERANCE = 0.02
"""For a 0–1 rate whose trials are unknown, also allow 2 percentage points — a stand-in for
its sampling noise: 38% typed for 39.4% measured is fine. With the trials known, the rate's
own 95% interval replaces it."""


BASELINE_Z = 1.959964
"""Two-sided 95%: a typed rate inside the measured rate's 95% interval is within its noise."""


def share_interval(value: float, trials: float, z: float = BASELINE_Z) -> tuple[float, float]:
    """The Wilson score interval of a share measured on `trials` trials: where the rate
    behind 29 of 80 accounts (36.25%) may lie (26.6%-47.2%). Wilson rather than the normal
    approximation because it stays inside 0-1 and is not zero-width at 0% or 100%."""
    n = float(trials)
    centre = (value + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(value * (1 - value) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return max(0.0, centre - half), min(1.0, centre + half)


def nps_interval(value: float, answers: float, z: float = BASELINE_Z) -> tuple[float, float]:
    """Where an NPS measured on `answers` answers may lie (95%), at its widest: each answer
    scores +100, 0 or -100, so with promoter and detractor shares p and q the variance is
    100² (p + q - (p - q)²), at most 100² (1 - NPS²/100²) (no passives). Only the counts
    reach a typed-baseline check, so the widest interval is used: an NPS of 28.6 on 35
    answers lies somewhere in -3.1 to 60.3, and a typed 10 is not a different claim."""
    n = float(answers)
    v = max(-1.0, min(1.0, value / 100.0))
    half = z * 100.0 * math.sqrt(max(0.0, 1.0 - v * v) / n)
    return max(-100.0, value - half), min(100.0, value + half)


def baseline_disagrees(typed: float | None, measured: float | None, *, share: bool,
                       trials: float | None = None) -> bool:
    """Whether a typed baseline claims a different starting point than the data shows.

    Progress is counted from the typed baseline, so "120 → 140" against a measured 601 reads
    100% in week one. Lint (SW114), `sowhat status` and the web all ask this one question so
    they never disagree about which baselines to flag.

    Two tests, both needed: the gap is material (over 10% of the measured value) and it is
    beyond the measurement's noise. For a rate measured on known `trials` (a cohort,
    customer-periods) the noise is the measured rate's 95% interval: a B2B team's 30%
    activation against 29 of 80 new accounts measured (36.25%) was flagged, six points off,
    though 80 accounts measure a rate only to within 26.6%-47.2%; and monthly churn typed at
    4.5% against 2.85% over 911 customer-months (1.95%-4.14%) is a different claim that the
    old fixed allowance of 2 points let pass. Without trials a rate keeps that allowance as
    the stand-in for its noise: 38% typed for 39.4% measured is fine. An NPS comes with its
    answer count as `trials` (the only value that is not a share to have trials,
    `rate_trials`): a September NPS of 28.6 over 35 answers had SW114 say "write `baseline:
    28.57`" of a typed 10 — a noise spike in a metric that ran near -10 all year, and a
    suggestion that turned "from 10 to 20" into a decrease — so its noise is its interval
    (`nps_interval`).
    """
    if typed is None or measured is None:
        return False
    gap = abs(typed - measured)
    material = gap > BASELINE_RELATIVE_TOLERANCE * abs(measured) + 1e-12
    if share and trials and 0.0 <= measured <= 1.0:
        low, high = share_interval(measured, trials)
        return material and not low - 1e-12 <= typed <= high + 1e-12
    if not share and trials:
        low, high = nps_interval(measured, trials)
        return material and not low - 1e-12 <= typed <= high + 1e-12
    return material and not (share and gap <= BASELINE_SHARE_TOLERANCE + 1e-12)


@dataclass(frozen=True)
class CompleteBuckets:
    """The whole days, ISO weeks or calendar months inside a window: what an `active` metric
    averages. "28-day level, Nov 05–Dec 03" for a weekly-active count that really is the mean
    of the weeks of Nov 09, 16 and 23 names days that were never counted, so every screen
    names these instead."""

    start: datetime
    end: datetime
    count: int
    per: str  # day | week | month

    @property
    def label(self) -> str:
        return f"mean of {self.span}"

    @property
    def span(self) -> str:
        """"3 complete weeks": what a churn rate, pooled over the periods rather than a mean
        of them, is read over."""
        return complete_periods(self.count, self.per)


def complete_periods(count: int, per: str) -> str:
    """"4 complete weeks", "1 complete month": whole periods, in the words every screen uses."""
    return f"{count} complete {per if count == 1 else per + 's'}"


def period_floor(ts: datetime, per: str) -> datetime:
    """The start of the day, ISO week or calendar month `ts` falls in."""
    day = ts.replace(hour=0, minute=0, second=0, microsecond=0)
    if per == "week":
        return day - timedelta(days=day.weekday())
    if per == "month":
        return day.replace(day=1)
    return day


def _previous(ts: datetime, per: str) -> datetime:
    """The start of the period before the one starting at `ts`."""
    if per == "month":
        return (ts - timedelta(days=1)).replace(day=1)
    return ts - timedelta(days=7 if per == "week" else 1)


def _next(ts: datetime, per: str) -> datetime:
    if per == "week":
        return ts + timedelta(days=7)
    if per == "month":
        return (ts.replace(day=28) + timedelta(days=4)).replace(day=1)
    return ts + timedelta(days=1)


def complete_buckets(start: datetime, end: datetime, per: str) -> CompleteBuckets | None:
    """The `per` buckets lying wholly inside [start, end) — the same rule as the metric
    engine's `active` type (sowhat.metrics.compile) — or None when not one fits."""
    first = period_floor(start, per)
    if first < start:
        first = _next(first, per)
    last = period_floor(end, per)  # exclusive: the bucket starting here runs past `end`
    count, cursor = 0, first
    while cursor < last:
        count += 1
        cursor = _next(cursor, per)
    if count == 0:
        return None
    return CompleteBuckets(first, last, count, per)
