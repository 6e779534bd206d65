"""The North Star's weekly series for the dashboard, computed from the workspace's events.

No KR needs to measure the North Star, so `sowhat sync` may store no series for it; this
computes one week per value (each ISO week its own window, as of the last full week) with
the metric engine. Results are cached per process and keyed by the event store's
modification time, so a dashboard reload costs nothing until new events arrive.

A dashboard must never fail because the events cannot answer (no events ingested yet, a
warehouse offline, a store locked by a running ingest): any failure is logged and the page
shows "no weekly values yet".
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, timedelta

from sowhat.domain.period import Period, week_start
from sowhat.metrics.engine import MetricRequest, compute_many
from sowhat.metrics.source import EventSource
from sowhat.metrics.versioning import definition_hash
from sowhat.metrics.watermark import watermark
from sowhat.services.series.source import SeriesCache
from sowhat.spec.event_source import EventSourceSpec
from sowhat.spec.workspace import Workspace

__all__ = ["WeeklyValue", "north_star_series"]

log = logging.getLogger("sowhat.services.series.north_star")
_cache: SeriesCache[WeeklyValue] = SeriesCache()


@dataclass(frozen=True)
class WeeklyValue:
    week: date  # Monday
    value: float | None


def north_star_series(
    *, workspace: Workspace, metric: str | None, period: Period, today: date
) -> tuple[WeeklyValue, ...]:
    """Weekly values of `metric` from the period start to the last full week before today."""
    catalog = workspace.metrics
    if metric is None or catalog is None or metric not in catalog.metrics:
        return ()
    end = min(week_start(today), period.end)
    if end <= period.start + timedelta(days=7):
        return ()

    def compute(spec: EventSourceSpec) -> tuple[WeeklyValue, ...]:
        with EventSource.open(spec, workspace.root) as events:
            # Stop at the last week the data fully covers — by the watermark every other
            # number uses ("data through …"), so a week ending exactly there counts: a week
            # past it would read as a collapse to zero rather than as "no data yet".
            bound = watermark(events, spec).bound
            last = end if bound is None else min(end, week_start(bound.date()))
            if bound is None or last <= period.start + timedelta(days=7):
                return ()
            # through the batch path: its SQL template is compiled once (and kept on disk)
            (result,) = compute_many([MetricRequest(metric)], catalog=catalog, events=events,
                                     start=period.start, end=last, grain="week")
            if result.error:
                raise RuntimeError(result.error)
        # Full weeks only: a period starting mid-week clips its first week, which would
        # show as a dip that is only a shorter window.
        return tuple(WeeklyValue(v.start.date(), v.value) for v in result.values
                     if v.end - v.start >= timedelta(days=7))  # fmt: skip

    try:
        # `end` from today (the data may end sooner); the definition, so an edited
        # metrics.yaml is not answered from the old one's weeks
        return _cache.get(workspace, (metric, period.label, end,
                                      definition_hash(catalog, metric)), compute)
    except Exception:  # the dashboard shows "no series" rather than an error page
        log.warning("north star series for %s could not be computed", metric, exc_info=True)
        return ()
