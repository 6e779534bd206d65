"""The ambition check (lint SW108/SW109) for the KRs of the files on disk.

`sowhat forecast` and the old lint path read P(hit with no change) from what `sowhat sync`
stored: the *applied* KRs' targets. A pull request or the pre-commit hook changes a target
before anything is applied, so the coach must judge the file being linted: this reads each
KR's weekly history from the event source — the same weeks (the settled ones,
`services.forecasts.ambition_history`), the same entity floor and the same model
(`stats.ambition`) sync and the forecast use — and checks the file's own baseline and
target against it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

from sowhat.domain.okr import Direction, KeyResult
from sowhat.domain.period import Period
from sowhat.domain.units import format_chance, format_values, join_span
from sowhat.errors import DataError, SowhatError, UserError
from sowhat.metrics.engine import MetricRequest, compute_many
from sowhat.metrics.source import EventSource
from sowhat.metrics.values import MetricValue
from sowhat.services.forecasts import (
    MIN_WEEK_ENTITIES,
    Basis,
    ambition_history,
    level_offset_weeks,
    maturity,
    metric_basis,
    metric_bounds,
    weekly_comparable,
)
from sowhat.services.sync.file_events import FileEvents
from sowhat.services.sync.run import HISTORY_WEEKS
from sowhat.spec.metric_defs import MetricDef, MetricsFile, no_weekly_values
from sowhat.spec.metric_units import metric_unit
from sowhat.spec.workspace import Workspace
from sowhat.stats.ambition import Ambition, AmbitionCheck, hit_probability_without_change


def file_hit_probabilities(*, workspace: Workspace, source: FileEvents,
                           with_bets: dict[str, float | None] | None = None,
                           ) -> dict[str, float | None]:  # fmt: skip
    """kr id -> P(the file's target is hit with no change).

    A KR gets an entry when it has a metric, a target and a level measure (a period total
    has no weekly level to project); the value is None when the history is too short to
    say. Weeks past the end of the data (a plan for a period not started) do not count.
    `with_bets`, when given, is filled for each KR that bets (not stopped) expect to move:
    P(hit) with the no-change projection moved by the changes they expect — what SW109
    weighs before telling a team with a plan to "add bets big enough to move it".
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
            # the last AMBITION_WEEKS settled ones, as the stored check reads (sowhat
            # forecast): a year of history would judge the same target against an older
            # trend, and a week whose cohorts are still maturing is a value so far
            history = _settled(result.values, until=until, period=period, as_of=as_of,
                               defn=catalog.metrics[kr.metric or ""], catalog=catalog)
            out[kr.id] = _probability(kr, history, weeks, catalog)
            shift = loaded.plan.expected_shift(kr)
            if with_bets is not None and shift is not None:
                with_bets[kr.id] = _probability(kr, history, weeks, catalog, shift=shift)
    return out


def _checkable(kr: KeyResult, catalog: MetricsFile) -> bool:
    if not kr.metric or kr.target is None or kr.metric not in catalog.metrics:
        return False
    if kr.segment and kr.segment not in catalog.segments:
        return False
    defn = catalog.metrics[kr.metric]
    return (metric_basis(defn, catalog, kr.measure) is Basis.WEEKLY_LEVEL
            and weekly_comparable(defn, catalog))


def _settled(values: Sequence[MetricValue], *, until: datetime, period: Period, as_of: datetime,
             defn: MetricDef, catalog: MetricsFile) -> list[float | None]:  # fmt: skip
    """The ambition check's weeks (`ambition_history`) from the computed weeks before
    `until`: the weeks sync stores for the KR, read the same way."""
    points = [(v.start.date(), _usable(v)) for v in values if v.end <= until]
    return ambition_history(points, period_start=period.start, period_end=period.end,
                            as_of=as_of, matures=maturity(defn, catalog))


def _usable(v: MetricValue) -> float | None:
    """A week resting on too few entities reads as missing, as in the stored series."""
    if v.entities is not None and v.entities < MIN_WEEK_ENTITIES:
        return None
    return v.value


def _probability(kr: KeyResult, history: list[float | None], period_weeks: int,
                 catalog: MetricsFile, shift: float = 0.0) -> float | None:
    """P(hit) with no change, or with the level moved by `shift` (`ambition_from_history`)."""
    assert kr.target is not None
    check = ambition_from_history(history, metric=catalog.metrics[kr.metric or ""],
                                  target=kr.target, direction=kr.direction,
                                  over_days=kr.over_days, period_weeks=period_weeks,
                                  shift=shift, catalog=catalog)
    return check.probability if check is not None else None


def ambition_from_history(history: list[float | None], *, metric: MetricDef, target: float,
                          direction: Direction | None, over_days: int | None,
                          period_weeks: int, shift: float = 0.0,
                          catalog: MetricsFile | None = None) -> AmbitionCheck | None:
    """The ambition check on `history` (the usable weeks before the period, oldest first),
    aimed at the level at the period's end as the forecast's is. None when the direction
    cannot be told (no baseline, and the target equals the last level).

    `shift` moves the no-change projection (`Plan.expected_shift`, the bets' expected
    changes): the metric plus the shift reaches the target exactly when the metric reaches
    the target less the shift."""
    if (monthly := no_weekly_values(metric, catalog)) is not None:
        return AmbitionCheck(verdict=Ambition.UNKNOWN, probability=None, projected=None,
                             low=None, high=None, interval=0.8, target=target,
                             direction=direction or Direction.DECREASE, history_weeks=0,
                             message=monthly)
    if direction is None:  # no baseline: where the target lies from the level
        level = next((v for v in reversed(history) if v is not None), None)
        if level is None or level == target:
            return None
        direction = Direction.INCREASE if target > level else Direction.DECREASE
    try:
        check = hit_probability_without_change(
            history, period_weeks=max(1, period_weeks - level_offset_weeks(over_days, metric)),
            target=target - shift, direction=direction, bounds=metric_bounds(metric),
        )
    except UserError:
        return None
    if check.probability is None or check.projected is None or shift:
        return check
    # The web's KR check prints the message: in the metric's unit ("0.734%"), not the stored
    # scale ("0.00734") that stats.ambition, which knows no units, writes.
    unit, currency = metric_unit(metric), metric.currency
    median, low, high, shown = format_values([check.projected, check.low, check.high, target],
                                             unit, currency=currency)
    return replace(check, message=f"with no change, expect {median} ({join_span(low, high, '–')})"
                                  f" by period end; the target {shown} is "
                                  f"{format_chance(check.probability)} likely")


def pre_period_history(*, metric: str, segment: str | None, period: Period,
                       catalog: MetricsFile, events: EventSource,
                       latest: datetime) -> list[float | None] | None:  # fmt: skip
    """One KR's usable weekly values before `period`, as the lint check and the stored check
    read them (`ambition_history`): the last AMBITION_WEEKS settled weeks the data covers
    (cohorts matured by `latest`, the last event), weeks on too few entities missing. None
    when the data starts after the period does."""
    bound = latest + timedelta(microseconds=1)
    start = _midnight(period.start)
    history_start = start - timedelta(weeks=HISTORY_WEEKS)
    until = min(start, bound)
    if until <= history_start:
        return None
    as_of = min(bound, _midnight(period.end))
    [result] = compute_many([MetricRequest(metric, segment)], catalog=catalog, events=events,
                            start=history_start, end=start, grain="week",
                            as_of=as_of)  # fmt: skip
    if result.error:
        raise DataError(f"cannot compute {metric}: {result.error}",
                        hint="check the metric against the events")
    return _settled(result.values, until=until, period=period, as_of=as_of,
                    defn=catalog.metrics[metric], catalog=catalog)


def _midnight(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC)
