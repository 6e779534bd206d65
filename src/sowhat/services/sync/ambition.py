"""The ambition check (lint SW108/SW109) for the KRs of the files on disk.

`sowhat forecast` and the old lint path read P(hit with no change) from what `sowhat sync`
stored: the *applied* KRs' targets. A pull request or the pre-commit hook changes a target
before anything is applied, so the coach must judge the file being linted: this reads each
KR's weekly history from the event source — the same weeks, the same entity floor and the
same model (`stats.ambition`) sync and the forecast use — and checks the file's own
baseline and target against it.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sowhat.domain.okr import Direction, KeyResult
from sowhat.errors import SowhatError, UserError
from sowhat.metrics.engine import MetricRequest, compute_many
from sowhat.metrics.values import MetricValue
from sowhat.services.forecasts import (
    AMBITION_WEEKS,
    MIN_WEEK_ENTITIES,
    Basis,
    level_offset_weeks,
    metric_basis,
    metric_bounds,
    weekly_comparable,
)
from sowhat.services.sync.file_events import FileEvents
from sowhat.services.sync.run import HISTORY_WEEKS
from sowhat.spec.metric_defs import MetricsFile
from sowhat.spec.workspace import Workspace
from sowhat.stats.ambition import hit_probability_without_change


def file_hit_probabilities(*, workspace: Workspace,
                           source: FileEvents) -> dict[str, float | None]:  # fmt: skip
    """kr id -> P(the file's target is hit with no change).

    A KR gets an entry when it has a metric, a target and a level measure (a period total
    has no weekly level to project); the value is None when the history is too short to
    say. Weeks past the end of the data (a plan for a period not started) do not count.
    """
    catalog, events = source.catalog, source.events
    out: dict[str, float | None] = {}
    bound = source.latest + timedelta(microseconds=1)  # reads every event through the last
    for loaded in workspace.plans:
        period = loaded.plan.period
        krs = [kr for o in loaded.plan.objectives for kr in o.key_results
               if _checkable(kr, catalog)]
        if not krs:
            continue
        start = _midnight(period.start)
        history_start = start - timedelta(weeks=HISTORY_WEEKS)
        until = min(start, bound)  # the weeks before the period that the data covers
        as_of = min(bound, _midnight(period.end))  # cohorts as mature as sync sees them
        if until <= history_start:
            continue
        requests = [MetricRequest(kr.metric or "", kr.segment) for kr in krs]
        try:
            results = compute_many(requests, catalog=catalog, events=events,
                                   start=history_start, end=start, grain="week",
                                   as_of=as_of)
        except SowhatError:
            continue
        weeks = len(period.weeks())
        for kr, result in zip(krs, results, strict=True):
            if result.error:
                continue
            # the last AMBITION_WEEKS of them, as the stored check reads (sowhat forecast):
            # a year of history would judge the same target against an older trend
            history = [_usable(v) for v in result.values if v.end <= until][-AMBITION_WEEKS:]
            out[kr.id] = _probability(kr, history, weeks, catalog)
    return out


def _checkable(kr: KeyResult, catalog: MetricsFile) -> bool:
    if not kr.metric or kr.target is None or kr.metric not in catalog.metrics:
        return False
    if kr.segment and kr.segment not in catalog.segments:
        return False
    defn = catalog.metrics[kr.metric]
    return (metric_basis(defn, catalog, kr.measure) is Basis.WEEKLY_LEVEL
            and weekly_comparable(defn, catalog))


def _usable(v: MetricValue) -> float | None:
    """A week resting on too few entities reads as missing, as in the stored series."""
    if v.entities is not None and v.entities < MIN_WEEK_ENTITIES:
        return None
    return v.value


def _probability(kr: KeyResult, history: list[float | None], period_weeks: int,
                 catalog: MetricsFile) -> float | None:
    assert kr.target is not None
    direction = kr.direction
    if direction is None:  # no baseline in the file: where the target lies from the level
        level = next((v for v in reversed(history) if v is not None), None)
        if level is None or level == kr.target:
            return None
        direction = Direction.INCREASE if kr.target > level else Direction.DECREASE
    defn = catalog.metrics[kr.metric or ""]
    try:
        # Aimed at the level at the period's end, as the forecast's ambition check is.
        check = hit_probability_without_change(
            history, period_weeks=max(1, period_weeks - level_offset_weeks(kr.over_days, defn)),
            target=kr.target, direction=direction, bounds=metric_bounds(defn),
        )
    except UserError:
        return None
    return check.probability


def _midnight(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC)
