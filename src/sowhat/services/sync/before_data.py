"""Windows that reach back before the first event: no value, not a zero.

A count, a distinct count, a sum or a weekly-active count reads 0 over days with no events —
right where the product had no users, wrong where Sowhat simply has no events yet. A team
that starts with the events of the last five weeks saw "0 weekly active teams" for every
week before them, check-ins of 0 for October, and a level of 12.5 that averaged three of
those zeros with one real week: numbers right by definition and wrong in meaning, which the
forecast and the noise tests then read as history. So such a window, or weekly point, that
starts before the day of the first event has no value (the measured baseline already follows
this rule, services.sync.run._measured_baselines). Rates, means and cohorts need no rule:
with no events they read nothing already.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sowhat.domain.measure import complete_buckets
from sowhat.spec.metric_defs import (
    ActiveMetric,
    CountMetric,
    MetricDef,
    SumMetric,
    UniqueMetric,
)

__all__ = ["DataStart", "reads_zero_without_events"]


def reads_zero_without_events(defn: MetricDef | None) -> bool:
    """Whether the metric reads 0, not nothing, over days with no events."""
    return isinstance(defn, CountMetric | UniqueMetric | SumMetric | ActiveMetric)


@dataclass(frozen=True)
class DataStart:
    """Midnight (UTC) of the day of the first event; None when there are no events."""

    first_day: datetime | None

    @classmethod
    def of(cls, earliest: datetime | None) -> DataStart:
        if earliest is None:
            return cls(None)
        day = earliest.astimezone(UTC).date()
        return cls(datetime(day.year, day.month, day.day, tzinfo=UTC))

    def window_before(self, defn: MetricDef | None, start: datetime, end: datetime) -> bool:
        """Whether the KR window [start, end) reads days before the data: for a weekly- or
        monthly-active level, the whole weeks (months) it averages; otherwise its start.
        A day of its own is allowed to be partial: the first event's day counts."""
        if self.first_day is None or not reads_zero_without_events(defn):
            return False
        if isinstance(defn, ActiveMetric):
            covered = complete_buckets(start, end, defn.per)
            if covered is not None:
                start = covered.start
        return start < self.first_day

    def point_before(self, defn: MetricDef | None, start: datetime) -> bool:
        """Whether a weekly series point starting at `start` lies before the data."""
        return (self.first_day is not None and reads_zero_without_events(defn)
                and start < self.first_day)
