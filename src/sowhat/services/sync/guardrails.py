"""Guardrails: each one's value to date against the same-length window before the period,
or with `over:` its value over the trailing days against the same days before the period.

A guardrail that cannot be judged — no value to date, or a change bound whose comparison
window reads days before the first event (a count there would read 0, and any count since
would look like a flood: "support tickets rose from 0 to 83") — is stored with why, and no
baseline; readers show it as not measured, never as holding.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial

from sqlalchemy import select
from sqlalchemy.orm import Session

from sowhat.domain.measure import (
    Measure,
    MeasureWindow,
    baseline_window,
    complete_buckets,
    days_label,
    measure_window,
)
from sowhat.domain.period import Period
from sowhat.metrics.engine import MetricRequest, compute_many
from sowhat.metrics.source import EventSource
from sowhat.metrics.values import MetricValue, to_utc
from sowhat.services.sync.before_data import DataStart
from sowhat.services.sync.measures import WindowRequest, compute_windows
from sowhat.services.sync.partials import DayPartials
from sowhat.spec.metric_defs import (
    ChurnMetric,
    ConversionMetric,
    CountMetric,
    MetricsFile,
    NpsMetric,
    RatioMetric,
    RetentionMetric,
    UniqueMetric,
    outcome_window,
    periodic_per,
)
from sowhat.spec.metric_units import unit_text
from sowhat.store.mapping import to_guardrail
from sowhat.store.models import GuardrailRow, ObjectiveRow
from sowhat.store.sync_models import GuardrailCheckRow


@dataclass(frozen=True)
class GuardrailResult:
    objective_id: str
    metric: str
    segment: str | None
    baseline: float | None
    current: float | None
    breach: str | None
    not_judged: str | None = None  # why neither breached nor held (None once judged)
    within_noise: str | None = None  # past a change bound, but not beyond its noise: held


def _live(catalog: MetricsFile, objectives: Sequence[ObjectiveRow],
          guardrails: Sequence[GuardrailRow]) -> list[GuardrailRow]:
    live_objectives = {o.id for o in objectives if o.archived_at is None}
    return [g for g in guardrails if g.objective_id in live_objectives
            and g.metric in catalog.metrics
            and (g.segment is None or g.segment in catalog.segments)]


@dataclass(frozen=True)
class _Windows:
    now: MeasureWindow
    before: MeasureWindow
    now_text: str  # "the period to date (Oct 01–Dec 05)", "the 7 days Nov 29–Dec 05"
    before_text: str


def _windows(period: Period, cutoff: datetime, g: GuardrailRow,
             catalog: MetricsFile) -> _Windows:
    """The period to date and the same length just before the period (as of its start); or,
    with `over`, the trailing days and the same days before the period — for a cohort metric
    both end where their cohorts have had their outcome window, as a KR's level does."""
    start = to_utc(period.start)
    if g.over_days is None:
        before_start = start - (cutoff - start)
        return _Windows(MeasureWindow(start, cutoff, cutoff),
                        MeasureWindow(before_start, start, start),
                        f"the period to date ({days_label(start, cutoff)})",
                        f"the same days before the period ({days_label(before_start, start)})")
    over = timedelta(days=g.over_days)
    defn = catalog.metrics[g.metric]
    outcome, per = outcome_window(defn), periodic_per(defn, catalog)
    now = measure_window(Measure.LEVEL, as_of=cutoff, period_start=start, over=over,
                         outcome=outcome, per=per)
    before = baseline_window(Measure.LEVEL, period_start=start, period_end=start, over=over,
                             outcome=outcome, per=per)
    days = f"the {g.over_days} days" if g.over_days != 1 else "the day"
    return _Windows(now, before, f"{days} {days_label(now.start, now.end)}",
                    f"{days} {days_label(before.start, before.end)} before the period")


def guardrail_windows(
    *, catalog: MetricsFile, period: Period, objectives: Sequence[ObjectiveRow],
    guardrails: Sequence[GuardrailRow], cutoff: datetime,
) -> list[tuple[MetricRequest, MeasureWindow]]:
    """Every window `evaluate_guardrails` will compute, so sync can fetch their days with
    the KRs' in one query."""
    out = []
    for g in _live(catalog, objectives, guardrails):
        w = _windows(period, cutoff, g, catalog)
        out += [(MetricRequest(g.metric, g.segment), w.now),
                (MetricRequest(g.metric, g.segment), w.before)]
    return out


def pre_period_windows(
    *, catalog: MetricsFile, period: Period, objectives: Sequence[ObjectiveRow],
    guardrails: Sequence[GuardrailRow], cutoff: datetime,
) -> list[tuple[MetricRequest, MeasureWindow]]:
    """The pre-period windows among `guardrail_windows` that end at the period start and
    start a day earlier each day (those of the period to date), so sync keeps what they read
    before the period (`DayPartials.prefetch`'s `backwards`). A trailing window's stays put."""
    return [(MetricRequest(g.metric, g.segment), _windows(period, cutoff, g, catalog).before)
            for g in _live(catalog, objectives, guardrails) if g.over_days is None]


def evaluate_guardrails(
    *, session: Session, catalog: MetricsFile, events: EventSource, period: Period,
    objectives: Sequence[ObjectiveRow], guardrails: Sequence[GuardrailRow], cutoff: datetime,
    evaluated_at: datetime, partials: DayPartials | None = None,
    data_start: DataStart | None = None,
) -> list[GuardrailResult]:
    """Each guardrail's value to date against the same-length window just before the period.

    Comparing like with like (same number of days, as of the same relative point) keeps a
    count metric from looking "breached" merely because the period is further along.
    """
    live_objectives = {o.id: o for o in objectives if o.archived_at is None}
    live = _live(catalog, objectives, guardrails)
    if not live:
        return []
    spans = [_windows(period, cutoff, g, catalog) for g in live]
    reqs = [MetricRequest(g.metric, g.segment) for g in live]
    if partials is not None:  # both windows grow a day a sync: merged from day rows
        both = partials.windows([(r, w.now) for r, w in zip(reqs, spans, strict=True)]
                                + [(r, w.before) for r, w in zip(reqs, spans, strict=True)])
        current, baseline = both[:len(reqs)], both[len(reqs):]
    else:
        both = compute_windows([WindowRequest(r, w.now) for r, w in zip(reqs, spans, strict=True)]
                               + [WindowRequest(r, w.before)
                                  for r, w in zip(reqs, spans, strict=True)],
                               catalog=catalog, events=events)
        current, baseline = both[:len(reqs)], both[len(reqs):]
    # Every check in one read (a query per guardrail was a round trip and an autoflush each).
    checks = {c.guardrail_id: c for c in session.scalars(
        select(GuardrailCheckRow).where(GuardrailCheckRow.guardrail_id.in_([g.id for g in live])))}
    out = []
    for g, w, cur, base in zip(live, spans, current, baseline, strict=True):
        base_start, base_end = w.before.start, w.before.end
        cur_v = cur.values[0].value if cur.values and not cur.error else None
        base_v = base.values[0].value if base.values and not base.error else None
        before_data = (data_start is not None and data_start.first_day is not None
                       and data_start.window_before(catalog.metrics.get(g.metric), base_start,
                                                    base_end))  # fmt: skip
        if before_data:
            base_v = None  # a 0 nobody measured (services.sync.before_data)
        rule = to_guardrail(g)
        breach = rule.breached(base_v, cur_v, unit_text(catalog, g.metric), span=w.now_text,
                               before=w.before_text)
        note = noisy = None
        bursts = _Bursts(partial(_dispersion, catalog, events, g, w))
        if breach is not None and not rule.limit_broken(cur_v) and within_noise(
                catalog, g.metric, cur.values[0], base.values[0], dispersion=bursts):
            # past its bound, but no further than the counts it rests on wobble: shown, not
            # counted (it would turn every KR of the objective "off track" on noise)
            noisy, breach = f"{breach}, but within noise (95%){bursts.words}: not a breach", None
        elif breach is not None and bursts.read is not None and bursts.read > 1.0:
            breach = f"{breach}, beyond noise (95%){bursts.words}"
        elif breach is None and not rule.judged(base_v, cur_v):
            note = _not_judged(g.metric, cur_v, base_start, base_end,
                               data_start if before_data else None)
        out.append(GuardrailResult(live_objectives[g.objective_id].key, g.metric, g.segment,
                                   base_v, cur_v, breach, note, noisy))
        check = checks.get(g.id)
        if check is None:
            check = checks[g.id] = GuardrailCheckRow(guardrail_id=g.id)
            session.add(check)
        check.baseline, check.current = base_v, cur_v
        check.breached, check.reason = breach is not None, breach or note or noisy
        check.evaluated_at, check.as_of = evaluated_at, cutoff
    session.flush()
    return out


def within_noise(catalog: MetricsFile, metric: str, current: MetricValue,
                 before: MetricValue, dispersion: Callable[[], float] | None = None) -> bool:
    """Whether a move between the two windows is inside the noise of what each value rests
    on (95%, two-sided), read from their sufficient statistics: a share's trials
    (conversion, retention, churn), a count's or a count-per-something's Poisson counts
    (support tickets, tickets per active user), an NPS's answers. False — the move stands —
    for any other metric (a median, a revenue sum, an active count), whose noise these
    statistics do not tell.

    A guardrail "must not rise more than 10%" read 32 tickets from 765 active learners
    before the period against 54 from 892 in it: +45%, breached — and the ticket rate per
    session had not moved (p = 0.10); every KR of the objective read "off track".

    `dispersion` reads how bursty the counts are (`_dispersion`), asked only of a count."""
    # imported here: sync's module imports stay free of NumPy and SciPy (a daily sync with
    # nothing past a bound never loads them)
    from sowhat.stats.noise import means_differ, proportions_differ, rates_differ

    defn = catalog.metrics.get(metric)
    verdict: bool | None = None
    if isinstance(defn, ConversionMetric | RetentionMetric | ChurnMetric):
        if None not in (current.n, current.sum, before.n, before.sum):
            verdict = proportions_differ(current.sum, current.n, before.sum,  # type: ignore[arg-type]
                                         before.n)  # type: ignore[arg-type]
    elif isinstance(defn, CountMetric | UniqueMetric):
        if current.value is not None and before.value is not None:
            verdict = rates_differ(current.value, 1.0, before.value, 1.0,  # equal windows
                                   dispersion=dispersion() if dispersion else 1.0)
    elif isinstance(defn, RatioMetric):
        top = catalog.metrics.get(defn.numerator)
        if isinstance(top, CountMetric | UniqueMetric) and None not in (
                current.n, current.sum, before.n, before.sum):
            verdict = rates_differ(current.sum, current.n, before.sum,  # type: ignore[arg-type]
                                   before.n,  # type: ignore[arg-type]
                                   dispersion=dispersion() if dispersion else 1.0)
    elif isinstance(defn, NpsMetric) and None not in (
            current.n, current.sum, current.sum_squares, before.n, before.sum,
            before.sum_squares):
        verdict = means_differ(current.n, current.sum, current.sum_squares,  # type: ignore[arg-type]
                               before.n, before.sum, before.sum_squares)  # type: ignore[arg-type]
    return verdict is False


class _Bursts:
    """A count's dispersion, read from the events when a test first asks for it, and said in
    the guardrail's message where it is beyond Poisson: "within noise" for 54 tickets
    against 32 is not believable without it."""

    def __init__(self, read: Callable[[], float]) -> None:
        self._read = read
        self.read: float | None = None

    def __call__(self) -> float:
        if self.read is None:
            self.read = self._read()
        return self.read

    @property
    def words(self) -> str:
        if self.read is None or self.read <= 1.0:
            return ""
        return (f" for counts whose days vary {self.read:.1f} times as much as steady ones "
                f"(bursts)")


def _dispersion(catalog: MetricsFile, events: EventSource, g: GuardrailRow,
                w: _Windows) -> float:
    """How bursty a count guardrail's counts are (`stats.noise.count_dispersion`), from its
    count's (a ratio's numerator's) whole days in both windows: a query a window, run only
    for a guardrail past a change bound."""
    from sowhat.stats.noise import count_dispersion

    defn = catalog.metrics.get(g.metric)
    count = defn.numerator if isinstance(defn, RatioMetric) else g.metric
    req = MetricRequest(count, g.segment)
    days: list[list[float]] = []
    for window in (w.before, w.now):
        whole = complete_buckets(window.start, window.end, "day")
        if whole is None:
            days.append([])
            continue
        (result,) = compute_many([req], catalog=catalog, events=events, start=whole.start,
                                 end=whole.end, grain="day", as_of=window.as_of)
        if result.error:
            return 1.0
        by_day = {v.start.date(): v.value or 0.0 for v in result.values}
        days.append([by_day.get((whole.start + timedelta(days=i)).date(), 0.0)
                     for i in range(whole.count)])
    return count_dispersion(*days)


def _not_judged(metric: str, current: float | None, base_start: datetime, base_end: datetime,
                data_start: DataStart | None) -> str:
    """Why a guardrail could not be judged, in the words the objective page shows."""
    window = days_label(base_start, base_end)
    if current is None:
        return f"{metric} has no value in the period to date yet"
    if data_start is not None and data_start.first_day is not None:
        return (f"{metric} cannot be compared yet: the same-length window before the period "
                f"({window}) starts before the first event ({data_start.first_day:%b %d}), "
                "where it would read 0 that nobody measured")
    return f"{metric} has no value before the period ({window}) to compare with"
