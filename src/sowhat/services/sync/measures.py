"""Each KR's measure (level or cumulative), resolved against its metric, and batched reads.

One KR, one quantity: whatever shows a KR's value — sync's weekly check-ins, status, the
forecast, reviews, period close — asks `kr_measure` which measure applies and computes it
through `compute_windows`, which groups requests sharing a window into one engine round trip.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sowhat.domain.measure import (
    Measure,
    MeasureWindow,
    baseline_window,
    complete_periods,
    measure_window,
    whole_periods,
)
from sowhat.metrics.engine import MetricRequest, MetricResult, compute_many
from sowhat.metrics.source import EventSource
from sowhat.spec.metric_defs import (
    MetricsFile,
    default_measure,
    default_over_days,
    metric_definition_hash,
    outcome_window,
    periodic_per,
)


@dataclass(frozen=True)
class KRMeasure:
    """What a KR's number is: the measure, its trailing window and its metric's maturity."""

    measure: Measure
    over: timedelta
    outcome: timedelta | None  # cohort metrics: how long after the anchor outcomes count
    declared: bool  # written in the file (else the metric type's default)
    per: str | None = None  # read over whole days, weeks or months (`periodic_per`)

    def window(self, *, as_of: datetime, period_start: datetime) -> MeasureWindow:
        return measure_window(self.measure, as_of=as_of, period_start=period_start,
                              over=self.over, outcome=self.outcome, per=self.per)

    def baseline(self, *, period_start: datetime, period_end: datetime) -> MeasureWindow:
        return baseline_window(self.measure, period_start=period_start, period_end=period_end,
                               over=self.over, outcome=self.outcome, per=self.per)

    @property
    def periods(self) -> int | None:
        """How many whole periods a level over whole periods reads (4 weeks, 1 month)."""
        if self.per is None or self.measure is not Measure.LEVEL:
            return None
        return whole_periods(self.over, self.per)

    @property
    def over_days(self) -> int | None:
        return self.over.days if self.measure is Measure.LEVEL else None

    def describe(self) -> str:
        if self.measure is Measure.CUMULATIVE:
            return "period to date"
        lag = f", cohorts matured ({_days(self.outcome)} outcome window)" if self.outcome else ""
        if self.per is not None and (k := self.periods) is not None:
            return f"latest {complete_periods(k, self.per)}{lag}"
        return f"trailing {_days(self.over)}{lag}"


def _days(delta: timedelta | None) -> str:
    if delta is None:
        return "0 days"
    if delta.total_seconds() % 86400 == 0:
        return f"{delta.days} days" if delta.days != 1 else "1 day"
    return f"{delta.total_seconds() / 3600:g} hours"


def kr_measure(
    *, metric: str, catalog: MetricsFile, measure: str | None, over_days: int | None
) -> KRMeasure:
    """The measure of a KR on `metric` (which must exist in the catalog)."""
    defn = catalog.metrics[metric]
    chosen = Measure(measure) if measure else default_measure(defn)
    return KRMeasure(
        measure=chosen,
        over=timedelta(days=over_days or default_over_days(defn, catalog)),
        outcome=outcome_window(defn),
        declared=measure is not None,
        per=periodic_per(defn, catalog),
    )


def measure_fingerprint(
    *, metric: str, segment: str | None, catalog: MetricsFile, m: KRMeasure
) -> str:
    """Changes whenever a stored weekly value would come out differently: the metric's
    definition (through ratio parts), the segment's definition, the measure and window."""
    defn = catalog.metrics[metric]
    seg = catalog.segments.get(segment) if segment else None
    seg_text = seg.model_dump_json() if seg is not None else "-"
    # A level over whole periods names its periods: stored values from before windows
    # snapped to whole periods ("28" then read 3 weeks on most days) are recomputed.
    over = f"{m.periods}{m.per}" if m.periods is not None else str(m.over_days)
    return "|".join([metric_definition_hash(defn, catalog=catalog), str(m.measure),
                     over, seg_text])


@dataclass(frozen=True)
class WindowRequest:
    request: MetricRequest
    window: MeasureWindow


def compute_windows(
    requests: Sequence[WindowRequest], *, catalog: MetricsFile, events: EventSource
) -> list[MetricResult]:
    """Each request over its own window, one engine batch per distinct window."""
    groups: dict[tuple[datetime, datetime, datetime], list[int]] = defaultdict(list)
    for i, r in enumerate(requests):
        groups[r.window.key()].append(i)
    out: list[MetricResult | None] = [None] * len(requests)
    for (start, end, as_of), idx in groups.items():
        if end <= start:
            for i in idx:
                out[i] = MetricResult(requests[i].request, error="empty window")
            continue
        results = compute_many([requests[i].request for i in idx], catalog=catalog,
                               events=events, start=start, end=end, as_of=as_of)
        for i, result in zip(idx, results, strict=True):
            out[i] = result
    return [r for r in out if r is not None]
