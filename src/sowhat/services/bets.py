"""`sowhat bets`: the portfolio of bets, with verdicts for shipped ones and, for the others,
whether their expected change could even be detected before the period ends.

The essays' questions, per bet: what do we expect, did the work work, and — before building —
could we ever tell? Shipped bets get `services.impact.estimate` estimates; bets not yet shipped
get a detectability check on their KR's real traffic. Each team gets its feature-factory index (the
share of judged shipped bets that moved their KR). One bad bet never sinks the board: its
error is kept as a message next to it.

Detectability answers two questions with the metric's last 8 full weeks:
- A/B: `sowhat.stats.experiment_design.detectability` — the MDE of a 50/50 test run on the
  KR's weekly units (mature cohort entities, denominators, answers) until the period's end,
  less the time a cohort needs to mature; variance from the metric's sufficient statistics.
- Before/after: the MDE an interrupted time series (what `sowhat impact` will fit) would have
  if the bet shipped now: the weekly series' residual noise around its trend (AR(1)-inflated)
  with 26 weeks before and the weeks left after.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import numpy as np

from sowhat.domain.okr import BET_FLOW, BetStatus, Change, Plan
from sowhat.domain.period import next_monday
from sowhat.errors import SowhatError, UserError
from sowhat.metrics.source import EventSource
from sowhat.metrics.values import MetricValue
from sowhat.services.impact.estimate import (
    HISTORY_WEEKS,
    LEVEL,
    BetImpact,
    BetRef,
    all_bets,
    check_estimable,
    estimate_from_series,
    find_bet,
)
from sowhat.services.impact.series import (
    Clock,
    Key,
    WeekPoint,
    clock,
    control_segments,
    fetch_weekly,
    maturity,
    weekly_series,
)
from sowhat.spec.metric_defs import (
    ConversionMetric,
    DurationMetric,
    MetricDef,
    MetricsFile,
    RatioMetric,
    RetentionMetric,
    no_weekly_values,
)
from sowhat.stats.experiment_design import Detectability, detectability
from sowhat.stats.impact import FactoryIndex, ShippedBet, feature_factory_index, its_estimate

STATUS_ORDER: tuple[BetStatus, ...] = (*BET_FLOW, BetStatus.STOPPED)
RECENT_WEEKS = 8
"""Weeks of traffic a detectability check averages: recent, yet not one odd week."""
POWER = 0.80


@dataclass(frozen=True)
class KRDetectability:
    """Can a bet's expected change to its KR be detected before the period ends?"""

    key_result: str
    metric: str
    segment: str | None
    expected: Change
    weeks_remaining: float  # full weeks of measurable data left (after cohort maturity)
    baseline: float | None  # the metric over the recent weeks
    expected_effect: float | None  # the expectation in the metric's units
    design: str | None  # proportion | mean | None (weekly totals cannot be A/B-tested)
    units_per_week: float | None
    variance: float | None  # per unit, for mean designs
    ab: Detectability | None
    launch_mde: float | None  # before/after (ITS) MDE if shipped now, 90% level, 80% power
    launch_detectable: bool | None
    notes: tuple[str, ...] = field(default=())
    error: str | None = None

    @property
    def detectable(self) -> bool | None:
        """The A/B answer when there is one, else the before/after one."""
        if self.ab is not None:
            return self.ab.detectable
        return self.launch_detectable

    @property
    def unknown_because(self) -> str | None:
        """Why `detectable` is None, in words a plan page shows beside its "–"."""
        if self.detectable is not None:
            return None
        if self.error:
            return self.error
        if self.weeks_remaining <= 0:
            return "the period ends before a change made now could be measured"
        return "too few weeks of the metric to tell its week-to-week noise"


@dataclass(frozen=True)
class BetEntry:
    ref: BetRef
    impact: BetImpact | None = None
    impact_error: str | None = None
    detectability: KRDetectability | None = None
    detectability_error: str | None = None


@dataclass(frozen=True)
class Portfolio:
    period: str
    clock: Clock
    bets: tuple[BetEntry, ...]
    factory: tuple[FactoryIndex, ...]

    def by_status(self) -> list[tuple[BetStatus, list[BetEntry]]]:
        return [(s, [b for b in self.bets if b.ref.bet.status is s]) for s in STATUS_ORDER]


# ------------------------------------------------------------------ the portfolio


def portfolio(
    *,
    plans: Sequence[Plan],
    catalog: MetricsFile,
    events: EventSource,
    period: str | None = None,
    as_of: date | datetime | None = None,
) -> Portfolio:
    """Every bet of one period with its verdict or detectability, and the factory index."""
    when = clock(events, as_of)
    plan = pick_plan(plans, period, when)
    refs = all_bets([plan])
    requests: dict[Key, date] = {}  # each series from the earliest week any bet needs

    def need(key: Key, start: date) -> None:
        requests[key] = min(start, requests.get(key, start))

    shipped: dict[str, tuple[date, date, tuple[str, ...]]] = {}
    problems: dict[str, str] = {}
    for ref in refs:
        kr = ref.key_result
        if ref.bet.status is BetStatus.SHIPPED:
            try:
                shipped_on, kr_ok, metric = check_estimable(ref, catalog)
            except UserError as exc:
                problems[ref.bet.id] = exc.render()
                continue
            launch = next_monday(shipped_on)
            start = when.window_start(launch - timedelta(weeks=HISTORY_WEEKS))
            controls = control_segments(catalog, kr_ok.segment)
            shipped[ref.bet.id] = (launch, start, controls)
            for seg in (kr_ok.segment, *controls):
                need((metric, seg), start)
        elif kr is not None and kr.metric in catalog.metrics and ref.bet.expects:
            need((kr.metric, kr.segment),
                 when.window_start(when.end - timedelta(weeks=HISTORY_WEEKS)))
    data = fetch_weekly(list(requests), catalog=catalog, events=events,
                        start=min(requests.values(), default=when.end), end=when.end)

    entries = []
    for ref in refs:
        bet = ref.bet
        if bet.id in problems:
            entries.append(BetEntry(ref, impact_error=problems[bet.id]))
        elif bet.id in shipped:
            launch, start, controls = shipped[bet.id]
            assert ref.key_result is not None
            try:
                impact = estimate_from_series(ref, kr=ref.key_result, catalog=catalog,
                                              when=when, launch=launch, start=start,
                                              values=data, controls=controls)
                entries.append(BetEntry(ref, impact=impact))
            except SowhatError as exc:
                entries.append(BetEntry(ref, impact_error=_message(exc)))
        elif bet.status is BetStatus.STOPPED:
            entries.append(BetEntry(ref))
        else:
            entries.append(_with_detectability(ref, plan, catalog, when, data))
    factory = feature_factory_index(
        ShippedBet(team=e.ref.objective.team or "(no team)", period=plan.period.label,
                   bet_id=e.ref.bet.id, verdict=e.impact.verdict if e.impact else None)
        for e in entries if e.ref.bet.status is BetStatus.SHIPPED
    )
    order = {s: i for i, s in enumerate(STATUS_ORDER)}
    ordered = sorted(entries, key=lambda e: order[e.ref.bet.status])  # stable: file order
    return Portfolio(plan.period.label, when, tuple(ordered), tuple(factory))


def pick_plan(plans: Sequence[Plan], period: str | None, when: Clock) -> Plan:
    if not plans:
        raise UserError("no OKR files found", hint="add okrs/<period>.yaml or run `sowhat init`")
    if period is not None:
        for plan in plans:
            if plan.period.label == period:
                return plan
        raise UserError(f"no OKR file for period {period!r}",
                        hint="known periods: " + ", ".join(p.period.label for p in plans))
    day = when.end - timedelta(days=1)
    covering = [p for p in plans if p.period.contains(day)]
    if covering:
        return min(covering, key=lambda p: (p.period.days, p.period.start))
    return max(plans, key=lambda p: p.period.start)


def _with_detectability(ref: BetRef, plan: Plan, catalog: MetricsFile, when: Clock,
                        data: dict[Key, list[MetricValue]]) -> BetEntry:
    kr = ref.key_result
    if ref.bet.expects is None:
        return BetEntry(ref, detectability_error="the bet does not say which KR it expects "
                        "to move, or by how much")
    if kr is None or not kr.metric or kr.metric not in catalog.metrics:
        return BetEntry(ref, detectability_error="its key result has no metric to measure")
    values = data.get((kr.metric, kr.segment), [])
    series = weekly_series(kr.metric, kr.segment, values, launch=None)
    result = kr_detectability(
        key_result=kr.id, metric=kr.metric, segment=kr.segment,
        definition=catalog.metrics[kr.metric], points=series.used(),
        expected=ref.bet.expects.change, period_end=plan.period.end, when=when,
        catalog=catalog,
    )
    return BetEntry(ref, detectability=result)


def bet_detectability(
    *,
    plans: Sequence[Plan],
    catalog: MetricsFile,
    events: EventSource,
    bet_id: str,
    period: str | None = None,
    as_of: date | datetime | None = None,
) -> tuple[BetRef, KRDetectability]:
    """Could this bet's expected change be detected before its period ends? Any status."""
    ref = find_bet(plans, bet_id, period=period)
    kr = ref.key_result
    if ref.bet.expects is None:
        raise UserError(f"bet {bet_id!r} does not say what it expects",
                        hint="add `expects: {key_result: KR_ID, change: +10%}`")
    if kr is None or not kr.metric or kr.metric not in catalog.metrics:
        raise UserError(f"the key result bet {bet_id!r} expects to move has no metric",
                        hint="give the KR a `metric:` defined in metrics.yaml")
    when = clock(events, as_of)
    start = when.window_start(when.end - timedelta(weeks=HISTORY_WEEKS))
    data = fetch_weekly([(kr.metric, kr.segment)], catalog=catalog, events=events, start=start,
                        end=when.end)
    entry = _with_detectability(ref, ref.plan, catalog, when, data)
    assert entry.detectability is not None
    return ref, entry.detectability


def _message(exc: SowhatError) -> str:
    return exc.render() if isinstance(exc, UserError) else str(exc)


# ------------------------------------------------------------------ detectability


def kr_detectability(
    *,
    key_result: str,
    metric: str,
    segment: str | None,
    definition: MetricDef,
    points: Sequence[WeekPoint],
    expected: Change,
    period_end: date,
    when: Clock,
    alpha: float = 0.05,
    power: float = POWER,
    catalog: MetricsFile | None = None,
) -> KRDetectability:
    """Detectability of `expected` on a KR from its usable weekly points (oldest first).
    `catalog` lets a ratio with a monthly part (DAU/MAU) say why it has no weeks, instead
    of "no usable weeks of this metric in the events yet"."""
    measurable_until = period_end - maturity(definition)
    weeks_left = max(0.0, (measurable_until - when.end).days / 7.0)
    recent = list(points)[-RECENT_WEEKS:]
    notes: list[str] = []
    if maturity(definition) > timedelta(0):
        notes.append(f"cohorts need {maturity(definition).days} days to mature, so only "
                     f"signups before {measurable_until.isoformat()} count this period")
    if not recent:
        return KRDetectability(key_result, metric, segment, expected, weeks_left, None, None,
                               None, None, None, None, None, None, tuple(notes),
                               no_weekly_values(definition, catalog)
                               or "no usable weeks of this metric in the events yet")
    values = [float(p.value) for p in recent if p.value is not None]
    baseline = float(np.mean(values))
    effect = baseline * expected.amount if expected.kind == "relative" else expected.amount
    design, units, variance, design_note = _design(definition, recent, baseline)
    if design_note:
        notes.append(design_note)
    ab: Detectability | None = None
    error = None
    if design is not None and units and weeks_left > 0:
        try:
            ab = detectability(metric_type=design, baseline=baseline, expected_change=effect,
                               units_per_week=units, weeks_remaining=weeks_left,
                               variance=variance, alpha=alpha, power=power)
        except UserError as exc:
            error = exc.render()
    launch_mde = _launch_mde([p for p in points if p.value is not None], weeks_left)
    if weeks_left <= 0:
        notes.append("the period ends before a change made now could be measured")
    return KRDetectability(
        key_result=key_result,
        metric=metric,
        segment=segment,
        expected=expected,
        weeks_remaining=weeks_left,
        baseline=baseline,
        expected_effect=effect,
        design=design,
        units_per_week=units,
        variance=variance,
        ab=ab,
        launch_mde=launch_mde,
        launch_detectable=None if launch_mde is None else abs(effect) >= launch_mde,
        notes=tuple(notes),
        error=error,
    )


def _design(definition: MetricDef, recent: Sequence[WeekPoint], baseline: float
            ) -> tuple[str | None, float | None, float | None, str | None]:
    """(design type, units per week, per-unit variance, note) from sufficient statistics."""
    n = [p.n for p in recent if p.n]
    units = float(np.mean(n)) if n else None
    if isinstance(definition, ConversionMetric | RetentionMetric):
        return "proportion", units, None, "units: each week's mature cohort"
    if isinstance(definition, RatioMetric):
        total_n = sum(p.n or 0.0 for p in recent)
        total_s = sum(p.sum or 0.0 for p in recent)
        if all((p.sum or 0.0) <= (p.n or 0.0) for p in recent) and 0 < total_s < total_n:
            return "proportion", units, None, (
                "units: the ratio's denominator, each treated as an independent trial "
                "(optimistic when one user contributes many)")
        return "mean", units, max(baseline, 1e-12), (
            "units: the ratio's denominator; numerator per unit assumed Poisson "
            "(variance = mean)")
    if all(p.n and p.sum is not None and p.sum_squares is not None for p in recent):
        total_n = sum(p.n or 0.0 for p in recent)
        mean = sum(p.sum or 0.0 for p in recent) / total_n
        var = sum(p.sum_squares or 0.0 for p in recent) / total_n - mean * mean
        if var > 0 and units:
            note = "units: answers / events / entities per week; variance from sum of squares"
            if isinstance(definition, DurationMetric) and definition.quantile() is not None:
                note = (f"a {definition.statistic} is sized with the mean's variance (an "
                        "approximation; heavy tails make it conservative)")
            return "mean", units, var, note
    return None, None, None, (
        "a weekly total has no per-unit variance, so no A/B sizing; before/after only")


def _launch_mde(points: Sequence[WeekPoint], weeks_left: float, level: float = LEVEL,
                power: float = POWER) -> float | None:
    """The MDE `sowhat impact` would report if the bet shipped now and was judged when the
    period's measurable weeks run out.

    The interrupted time series is fitted on the last 26 weeks followed by `weeks_left`
    hypothetical weeks with no effect: the pre-launch trend carried on plus the pre-launch
    residuals replayed in order (so the noise level is the series' own, deterministically).
    Its MDE is the stats module's, with that module's inference.
    """
    history = [p for p in list(points)[-HISTORY_WEEKS:] if p.value is not None]
    post = math.floor(weeks_left)
    if len(history) < 4 or post < 1:
        return None
    launch = history[-1].week + timedelta(days=7)
    y = np.array([float(p.value or 0.0) for p in history])
    t = np.array([(p.week - launch).days / 7.0 for p in history])
    slope, intercept = np.polyfit(t, y, 1)
    resid = y - (intercept + slope * t)
    future_t = np.arange(post, dtype=float)
    future = intercept + slope * future_t + resid[np.arange(post) % resid.size]
    weeks = [p.week for p in history] + [launch + timedelta(weeks=i) for i in range(post)]
    est = its_estimate(weeks, [*y.tolist(), *future.tolist()], launch=launch, level=level,
                       power=power, grain="week")
    return est.mde if est.ok else None
