"""A monthly KR's values month by month, computed from the events when a page or report is
shown.

A `per: month` metric (MAU, monthly churn) has no weekly values: no ISO week holds a
calendar month. Its weekly check-ins therefore repeat one reading — the whole months inside
the KR's trailing window — until the next month completes, and a chart of them titled
"week by week" drew October's churn as the rate of four November weeks, and September and
October pooled as the week of 26 October's. Each calendar month as its own window is what
such a metric means; these are those values, for the months the data covers whole.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, date, datetime

from sowhat.domain.measure import complete_buckets
from sowhat.domain.period import add_months
from sowhat.metrics.engine import MetricRequest, compute_many
from sowhat.metrics.source import EventSource
from sowhat.metrics.versioning import definition_hash
from sowhat.metrics.watermark import watermark
from sowhat.services.series.source import SeriesCache
from sowhat.spec.event_source import EventSourceSpec
from sowhat.spec.metric_defs import MetricsFile, no_weekly_values
from sowhat.spec.workspace import Workspace

__all__ = ["MonthValue", "is_monthly", "monthly_values", "whole_months"]

log = logging.getLogger("sowhat.services.series.months")
_cache: SeriesCache[MonthValue] = SeriesCache()


@dataclass(frozen=True)
class MonthValue:
    month: date  # the 1st
    end: date  # the next month's 1st (exclusive)
    value: float | None
    entities: int | None = None
    n: float | None = None  # churn: customer-months; active: None
    total: float | None = None  # churn: customers lost


def is_monthly(catalog: MetricsFile | None, metric: str | None) -> bool:
    """Whether `metric` is read over calendar months (`per: month`, or a ratio with such a
    part: DAU/MAU), so it has months and no weeks to draw."""
    defn = catalog.metrics.get(metric) if catalog is not None and metric else None
    return defn is not None and no_weekly_values(defn, catalog) is not None


def whole_months(start: date, end: date, through: datetime) -> list[tuple[date, date]]:
    """The calendar months lying wholly inside [start, end) that end by `through` (the data's
    watermark): a month the data only half covers would read as a fall (an active count) or
    as no churn at all, not as "not known yet"."""
    last = min(datetime(end.year, end.month, end.day, tzinfo=UTC), through)
    buckets = complete_buckets(datetime(start.year, start.month, start.day, tzinfo=UTC),
                               last, "month")
    if buckets is None:
        return []
    first = buckets.start.date()
    return [(add_months(first, i), add_months(first, i + 1)) for i in range(buckets.count)]


def monthly_values(*, workspace: Workspace, metric: str, segment: str | None, start: date,
                   end: date, until: datetime | None = None) -> tuple[MonthValue, ...]:  # fmt: skip
    """`metric` (cut by `segment`) over each whole calendar month of [start, end) that the
    data covers (and that ends by `until`, a report's as-of), each month its own window;
    empty when the metric is not monthly, nothing is ingested, or the events cannot answer
    (logged)."""
    catalog = workspace.metrics
    if catalog is None or not is_monthly(catalog, metric):
        return ()
    if segment is not None and segment not in catalog.segments:
        return ()

    def compute(spec: EventSourceSpec) -> tuple[MonthValue, ...]:
        with EventSource.open(spec, workspace.root) as events:
            bound = watermark(events, spec).bound
            through = bound if until is None or bound is None else min(bound, until)
            months = whole_months(start, end, through) if through is not None else []
            out = []
            # compute_many, not compute: its SQL is compiled once as a template (and kept on
            # disk by sync's runs) and only each month's instants change — a compile per
            # month cost ~200 ms of a ~240 ms answer on the demo
            request = MetricRequest(metric, segment)
            for first, following in months:
                (result,) = compute_many([request], catalog=catalog, events=events,
                                         start=first, end=following)
                if result.error or not result.values:
                    raise RuntimeError(result.error or "no value")
                v = result.values[0]
                out.append(MonthValue(first, following, v.value, v.entities, v.n, v.sum))
        return tuple(out)

    try:
        return _cache.get(workspace, (metric, segment, start, end, until,
                                      definition_hash(catalog, metric, segment)), compute)
    except Exception:  # a page shows no months rather than an error
        log.warning("monthly values of %s could not be computed", metric, exc_info=True)
        return ()
