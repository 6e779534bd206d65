"""The coach beside a person writing a KR: everything worth knowing before it is saved.

For a draft KR (title, metric, segment, baseline, target) in a period:
- the coach's findings on the title (`services.coach`, the same engine as `sowhat lint`);
- the metric's definition and unit, and the **measured baseline**: the KR's measure (level
  over its trailing `over:` window, or a period-long total; `services.sync.measures`) over
  the window just before the period starts — as `sowhat sync` measures it — moved back to
  end where the data ends when the period starts after it (planning ahead);
- the **ambition check**: the probability the target is hit with no change, projecting the
  pre-period weekly trend (`stats.ambition`, the KR forecast's model);
- the **detectability** of the change the target asks for (`services.bets.kr_detectability`,
  the check bets get): could a test or a before/after reading tell it from noise in time?

Nothing here writes. One bad piece (no events yet, a metric that cannot compute) becomes a
note next to the others instead of an error, so the form keeps coaching.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from sowhat.domain.measure import Measure, MeasureWindow, baseline_disagrees
from sowhat.domain.okr import Change, Direction
from sowhat.domain.period import Period
from sowhat.errors import SowhatError
from sowhat.metrics.engine import MetricRequest, compute_many
from sowhat.metrics.source import EventSource
from sowhat.metrics.watermark import event_time_range
from sowhat.services.bets import KRDetectability, kr_detectability
from sowhat.services.coach import Coaching, coach_text
from sowhat.services.events import open_events
from sowhat.services.forecasts import Basis, metric_basis
from sowhat.services.impact.estimate import HISTORY_WEEKS
from sowhat.services.impact.series import (
    Clock,
    clock,
    fetch_weekly,
    weekly_series,
)
from sowhat.services.sync.ambition import ambition_from_history, pre_period_history
from sowhat.services.sync.measures import KRMeasure, kr_measure
from sowhat.spec.metric_defs import MetricsFile, averaged_buckets, rate_trials
from sowhat.spec.workspace import Workspace
from sowhat.stats.ambition import UNREACHABLE_BELOW, AmbitionCheck

__all__ = [
    "DraftCheck",
    "MeasuredBaseline",
    "MetricInfo",
    "check_draft_kr",
    "check_in_workspace",
]



@dataclass(frozen=True)
class MetricInfo:
    name: str
    type: str
    description: str | None
    unit: str | None  # from the definition when it has one (durations)
    share: bool  # a 0..1 rate (conversion, retention, churn): shown as a percentage


@dataclass(frozen=True)
class MeasuredBaseline:
    value: float | None
    start: date  # window [start, end)
    end: date
    entities: int | None
    measure: str  # level | cumulative (sowhat.domain.measure.Measure)
    window: str  # "trailing 28 days", "period to date" (KRMeasure.describe)
    clipped: bool  # the window was moved back to end where the data ends
    trials: float | None = None  # a rate's cohort / customer-periods: its noise

    @property
    def basis(self) -> str:
        return self.measure

    def describe(self) -> str:
        span = f"{self.start:%d %b %Y} – {(self.end - timedelta(days=1)):%d %b %Y}"
        what = (f"the KR's measure ({self.window})" if self.measure == Measure.LEVEL
                else "a period-long total")  # fmt: skip
        tail = (", the latest data: it ends before the period starts" if self.clipped
                else ", just before the period starts")  # fmt: skip
        return f"{what} over {span}{tail}"


@dataclass(frozen=True)
class DraftCheck:
    coaching: Coaching
    metric: MetricInfo | None = None
    measured: MeasuredBaseline | None = None
    ambition: AmbitionCheck | None = None
    detectability: KRDetectability | None = None
    notes: tuple[str, ...] = field(default=())
    typed_baseline: float | None = None  # the baseline as written, to hold against `measured`
    bet_ambition: AmbitionCheck | None = None  # the same, moved by its bets' expected changes

    @property
    def out_of_reach(self) -> bool:
        """Unreachable with no change, and not brought within reach by the plan's bets."""
        if self.ambition is None or self.ambition.verdict != "unreachable":
            return False
        b = self.bet_ambition
        return b is None or b.probability is None or b.probability < UNREACHABLE_BELOW

    @property
    def baseline_disagrees(self) -> bool:
        """The typed baseline is not what the data measured (lint SW114's test)."""
        return self.measured is not None and baseline_disagrees(
            self.typed_baseline, self.measured.value,
            share=self.metric is not None and self.metric.share, trials=self.measured.trials)

    @property
    def reasons(self) -> tuple[str, ...]:
        """Why the verdict is not a plain "ok", in words for the planning table."""
        out = [f"{f.code} {f.message}" for f in self.coaching.findings if f.severity == "error"]
        if self.baseline_disagrees:
            out.append("the typed baseline is not what the data measured: progress would "
                       "count from a start that did not happen")
        if self.ambition is not None and self.ambition.verdict == "sandbagged":
            out.append("likely hit with no change: aim higher")
        if self.out_of_reach and self.bet_ambition is not None:
            p = self.bet_ambition.probability or 0.0
            out.append(f"very unlikely even with the changes its bets expect ({p:.0%}): a "
                       "nearer target, or bets that expect enough to close the gap")
        elif self.out_of_reach:
            out.append("very unlikely with no change: it needs a bet big enough to move it, "
                       "or a nearer target")
        if self.detectability is not None and self.detectability.detectable is False:
            out.append("the change is within the metric's noise before the period ends")
        return tuple(out)

    @property
    def verdict(self) -> str:
        """One word for the planning view: output | review | ok."""
        if self.coaching.kind == "output":
            return "output"
        errors = [f for f in self.coaching.findings if f.severity == "error"]
        off = self.out_of_reach or (self.ambition is not None
                                    and self.ambition.verdict == "sandbagged")
        hidden = self.detectability is not None and self.detectability.detectable is False
        if errors or off or hidden or self.baseline_disagrees:
            return "review"
        return "ok" if self.coaching.text else "empty"


def check_draft_kr(
    *,
    title: str,
    metric: str | None,
    segment: str | None,
    baseline: float | None,
    target: float | None,
    period: Period,
    catalog: MetricsFile | None,
    events: EventSource | None,
    today: date | None = None,
    measure: str | None = None,
    over_days: int | None = None,
    bet_shift: float | None = None,
) -> DraftCheck:
    """Coach, measured baseline, ambition and detectability for one draft KR; with
    `bet_shift` (`Plan.expected_shift`) also the ambition check with its bets' changes."""
    today = today or datetime.now(UTC).date()
    coaching = coach_text(title, metrics=catalog, today=today)
    if not metric:
        return DraftCheck(coaching, notes=("no metric: the KR will be checked in by hand",))
    if catalog is None or metric not in catalog.metrics:
        return DraftCheck(coaching, notes=(f"metric {metric!r} is not in metrics.yaml",))
    definition = catalog.metrics[metric]
    kind = str(definition.type)
    info = MetricInfo(metric, kind, definition.description,
                      getattr(definition, "unit", None) if kind == "duration" else None,
                      kind in ("conversion", "retention", "churn"))  # fmt: skip
    if segment and segment not in catalog.segments:
        return DraftCheck(coaching, info, notes=(f"segment {segment!r} is not in metrics.yaml",))
    if events is None:
        return DraftCheck(coaching, info, notes=("no events yet: the baseline cannot be "
                                                 "measured",))  # fmt: skip
    notes: list[str] = []
    try:
        when = clock(events, min(period.start, today))
        m = kr_measure(metric=metric, catalog=catalog, measure=measure, over_days=over_days)
        measured = _measured(metric, segment, catalog, events, period, when, m)
    except SowhatError as exc:
        return DraftCheck(coaching, info, notes=(str(exc),))
    if measured.value is None:
        notes.append("no value in the window before the period (an empty cohort or no "
                     "matching events)")
    used_baseline = baseline if baseline is not None else measured.value
    ambition = detect = with_bets = None
    if target is not None and used_baseline is not None and target != used_baseline:
        try:
            ambition, detect, with_bets = _ambition_and_detectability(
                metric, segment, catalog, events, period, when, used_baseline, target,
                measure=measure, over_days=over_days, bet_shift=bet_shift)
        except SowhatError as exc:
            notes.append(str(exc))
    return DraftCheck(coaching, info, measured, ambition, detect, tuple(notes),
                      typed_baseline=baseline, bet_ambition=with_bets)


def _measured(metric: str, segment: str | None, catalog: MetricsFile, events: EventSource,
              period: Period, when: Clock, m: KRMeasure) -> MeasuredBaseline:  # fmt: skip
    """The KR's measure over the window just before the period (as sync measures it); when
    the period starts after the data ends (planning ahead), the same window moved back to
    end where the data does."""
    window = m.baseline(period_start=_midnight(period.start), period_end=_midnight(period.end))
    clipped = False
    if when.data_end is not None and _midnight(when.data_end) < window.as_of:
        shift = window.as_of - _midnight(when.data_end)
        window = MeasureWindow(window.start - shift, window.end - shift, window.as_of - shift)
        clipped = True
    [result] = compute_many([MetricRequest(metric, segment)], catalog=catalog, events=events,
                            start=window.start, end=window.end, as_of=window.as_of)  # fmt: skip
    if result.error:
        raise _data_error(metric, result.error)
    value = result.values[0] if result.values else None
    start, end = window.start, window.end
    if (covered := averaged_buckets(catalog.metrics.get(metric), start, end)) is not None:
        start, end = covered.start, covered.end  # the whole weeks it averages, not the window
    return MeasuredBaseline(value.value if value else None, start.date(),
                            end.date(), value.entities if value else None,
                            str(m.measure), m.describe(), clipped,
                            rate_trials(catalog.metrics.get(metric),
                                        value.n if value else None))  # fmt: skip


def _midnight(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def _ambition_and_detectability(
    metric: str, segment: str | None, catalog: MetricsFile, events: EventSource,
    period: Period, when: Clock, baseline: float, target: float, *,
    measure: str | None = None, over_days: int | None = None, bet_shift: float | None = None,
) -> tuple[AmbitionCheck | None, KRDetectability | None, AmbitionCheck | None]:  # fmt: skip
    end = when.end
    start = when.window_start(end - timedelta(weeks=HISTORY_WEEKS))
    data = fetch_weekly([(metric, segment)], catalog=catalog, events=events, start=start,
                        end=end)  # fmt: skip
    values = data[(metric, segment)]
    series = weekly_series(metric, segment, values, launch=None)
    definition = catalog.metrics[metric]
    ambition = with_bets = None
    if metric_basis(definition, catalog, measure) is Basis.WEEKLY_LEVEL:
        # The same weeks, entity floor and model as `sowhat lint` (SW108/SW109) and the
        # check sync stores for `sowhat forecast`: the plan page said "only 2 weeks of
        # history" of a KR the forecast judged on 5 (cohorts that matured since).
        _, latest = event_time_range(events)
        history = None if latest is None else pre_period_history(
            metric=metric, segment=segment, period=period, catalog=catalog, events=events,
            latest=latest)
        if history is not None:
            direction = Direction.INCREASE if target > baseline else Direction.DECREASE
            ambition = ambition_from_history(
                history, metric=definition, target=target, direction=direction,
                over_days=over_days, period_weeks=len(period.weeks()),
                catalog=catalog)
            if bet_shift:  # bets that expect it to move (a shift of 0 is the check above)
                with_bets = ambition_from_history(
                    history, metric=definition, target=target, direction=direction,
                    over_days=over_days, period_weeks=len(period.weeks()), shift=bet_shift,
                    catalog=catalog)
    detect = kr_detectability(
        key_result="draft", metric=metric, segment=segment, definition=definition,
        points=series.used(), expected=Change(target - baseline), period_end=period.end,
        when=when, catalog=catalog)  # fmt: skip
    return ambition, detect, with_bets



def _data_error(metric: str, error: str) -> SowhatError:
    from sowhat.errors import DataError

    return DataError(f"cannot compute {metric}: {error}",
                     hint="check the metric against the events (`sowhat tracking check`)")


def check_in_workspace(
    *, workspace: Workspace, period: Period, title: str, metric: str | None,
    segment: str | None, baseline: float | None, target: float | None,
    today: date | None = None, measure: str | None = None, over_days: int | None = None,
) -> DraftCheck:  # fmt: skip
    """`check_draft_kr` with the workspace's metrics and events (none yet: a note, not an
    error)."""
    try:
        source = open_events(workspace) if metric else None
    except SowhatError:
        source = None
    if source is None:
        return check_draft_kr(title=title, metric=metric, segment=segment, baseline=baseline,
                              target=target, period=period, catalog=workspace.metrics,
                              events=None, today=today, measure=measure,
                              over_days=over_days)  # fmt: skip
    with source as events:
        return check_draft_kr(title=title, metric=metric, segment=segment, baseline=baseline,
                              target=target, period=period, catalog=workspace.metrics,
                              events=events, today=today, measure=measure,
                              over_days=over_days)  # fmt: skip
