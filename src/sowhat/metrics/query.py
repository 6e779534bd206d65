"""The window a metric is asked for — kept free of Ibis so the warm path never imports it.

`Query` produces the time literals of a compiled metric. In template mode every literal is a
fixed sentinel instant, so compiled SQL can be cached and re-used for any window
(sowhat.metrics.sqlcache substitutes the real instants).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sowhat.spec.metric_defs import (
    AverageMetric,
    ConversionMetric,
    CountMetric,
    DurationMetric,
    MetricDef,
    NpsMetric,
    RetentionMetric,
    SegmentDef,
    SumMetric,
    UniqueMetric,
)

if TYPE_CHECKING:
    import ibis.expr.types as ir

RESULT_COLUMNS = ("bucket", "value", "entities", "excluded_immature", "n", "total",
                  "total_sq", "without_outcome")
"""Columns of every compiled metric, one row per bucket (see sowhat.metrics.compile)."""
ZERO_WHEN_EMPTY = (CountMetric, UniqueMetric, SumMetric)
"""Types whose value over a window with no matching events is 0 rather than undefined."""

LATEST_DAY = "latest_day"
"""A grain for distinct entities (unique, NPS) only, used by sync's per-day partials: one row
per UTC day holding the entities whose *latest* qualifying event in the window falls on it
(for NPS, their latest answer). Summed over the days from any instant s to the window's end,
the rows give the value over [s, end) as of the end, exactly — an entity has an event in
[s, end) iff its latest one before the end is at or after s — so a window that grows
backwards from a fixed end (a guardrail's pre-period) is answered without a query."""

def slottable(m: MetricDef, grain: str | None) -> bool:
    """Whether one query can answer metric `m` under several segments at once (compile's
    `slots`): the event metrics aggregate each segment side by side over one scan, a cohort
    is grouped and joined to its outcomes once, NPS answers (few, and ranked per entity
    anyway) are repeated once per segment they meet — latest-day rows too (at 10M events
    two segments' latest days over six weeks: 18 ms for one part against 27 for two).
    Active users (a distinct count per period) and a unique count's latest-day rows would
    repeat each event once per segment, which costs more than a part each
    (benchmarks/README.md, incremental.py)."""
    if isinstance(m, NpsMetric):
        return True
    if isinstance(m, UniqueMetric):
        return grain != LATEST_DAY
    return isinstance(m, CountMetric | SumMetric | AverageMetric | ConversionMetric
                      | RetentionMetric | DurationMetric)


SENTINEL_START = datetime(1903, 3, 3, 3, 3, 3, 111111)
SENTINEL_END = datetime(1903, 3, 3, 3, 3, 3, 222222)
SENTINEL_AS_OF = datetime(1903, 3, 3, 3, 3, 3, 333333)
SENTINEL_CUTOFF_BASE = datetime(1950, 1, 1)


def sentinel_cutoff(window: timedelta) -> datetime:
    return SENTINEL_CUTOFF_BASE + window


@dataclass(frozen=True)
class Query:
    """The window a metric is asked for, as naive UTC datetimes.

    With `template=True` every time literal is a fixed sentinel instead, so the compiled
    SQL can be cached and re-used for any window (sowhat.metrics.sqlcache).
    """

    start: datetime
    end: datetime
    as_of: datetime
    grain: str | None = None
    segment: SegmentDef | None = None
    template: bool = False

    def _lit(self, value: datetime, sentinel: datetime) -> Any:
        import ibis

        return ibis.literal(sentinel if self.template else value, type="timestamp")

    def start_lit(self) -> ir.TimestampScalar:
        return self._lit(self.start, SENTINEL_START)

    def end_lit(self) -> ir.TimestampScalar:
        return self._lit(self.end, SENTINEL_END)

    def as_of_lit(self) -> ir.TimestampScalar:
        return self._lit(self.as_of, SENTINEL_AS_OF)

    def cutoff_lit(self, window: timedelta) -> ir.TimestampScalar:
        """as_of - window: an anchor at or before it has a fully elapsed outcome window."""
        return self._lit(self.as_of - window, sentinel_cutoff(window))

    def bucket(self, ts: ir.TimestampValue) -> ir.TimestampValue:
        if self.grain == "week":
            return ts.truncate("W").cast("timestamp")
        if self.grain == "day":  # UTC days: sync's per-day partials (services.sync.partials)
            return ts.truncate("D").cast("timestamp")
        return self.start_lit()  # one bucket (LATEST_DAY: the days come after the latest)
