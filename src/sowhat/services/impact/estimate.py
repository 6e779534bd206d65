"""`sowhat impact BET`: did a shipped bet move its key result, by how much, how sure are we?

The bet's KR metric (with the KR's segment) is computed as a weekly series from 26 weeks
before `shipped_on` to the as-of; an interrupted time series (level change against the
pre-launch trend) is always fitted, and a difference-in-differences against the unexposed
segments when the KR's segment has disjoint siblings on the same property (see
`impact_series.control_segments`). The verdict comes from the primary estimate
(`sowhat.stats.verdict.choose_primary`: DiD when it exists, else ITS; either one says "can't
tell" when its pre-launch checks find a break the launch cannot be separated from) — judged
against the bet's
`expects` with `sowhat.stats.verdict` rules; the bet's `change_mind_if` is handed back for
the team to judge. A bet that names an experiment gets the same estimates plus a pointer to
`sowhat experiment analyze`, which is the better evidence.

Everything returned is frozen and complete (series included) so the CLI, the API and the bets
board render the same answer. Errors a person can fix raise; `assess_bet` (used by the
portfolio) returns them as values instead.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sowhat.domain.okr import Bet, BetStatus, Direction, KeyResult, Objective, Plan
from sowhat.domain.period import next_monday
from sowhat.domain.units import format_change
from sowhat.domain.words import counted, plural
from sowhat.errors import NotFound, UserError
from sowhat.metrics.source import EventSource
from sowhat.metrics.values import MetricValue
from sowhat.services.impact.series import (
    Clock,
    Key,
    WeeklySeries,
    clock,
    control_segments,
    fetch_weekly,
    maturity,
    pool,
    weekly_series,
)
from sowhat.spec.metric_defs import MetricsFile
from sowhat.spec.metric_units import kr_scale
from sowhat.stats.impact import (
    ImpactEstimate,
    ImpactVerdict,
    Verdict,
    choose_primary,
    did_estimate,
    impact_verdict,
    its_estimate,
)

HISTORY_WEEKS = 26
"""Pre-launch weeks fitted: half a year, enough for a trend and its noise."""
SHORT_HISTORY_WEEKS = 13
"""Under a quarter of pre-launch weeks, the trend is fragile: say so next to the verdict."""
LEVEL = 0.90


@dataclass(frozen=True)
class BetRef:
    """A bet with the plan, objective and key result it belongs to."""

    plan: Plan
    objective: Objective
    bet: Bet
    key_result: KeyResult | None


@dataclass(frozen=True)
class MethodResult:
    """One estimator's answer and the verdict it alone would give."""

    method: str  # its | did
    estimate: ImpactEstimate
    verdict: ImpactVerdict
    control_segments: tuple[str, ...] = ()


@dataclass(frozen=True)
class BetImpact:
    ref: BetRef
    clock: Clock
    launch: date  # first full post-launch week (a Monday)
    window_start: date
    series: WeeklySeries
    control: WeeklySeries | None
    control_note: str
    estimates: tuple[MethodResult, ...]
    primary: MethodResult
    post_weeks: int  # complete weeks since the launch week
    post_weeks_usable: int
    pre_weeks_usable: int
    experiment_note: str | None = None
    notes: tuple[str, ...] = field(default=())

    @property
    def verdict(self) -> Verdict:
        return self.primary.verdict.verdict


# ------------------------------------------------------------------ finding a bet


def all_bets(plans: Sequence[Plan]) -> list[BetRef]:
    out = []
    for plan in plans:
        krs = {kr.id: kr for _, kr in plan.key_results()}
        for objective, bet in plan.bets():
            kr = krs.get(bet.expects.key_result) if bet.expects else None
            out.append(BetRef(plan, objective, bet, kr))
    return out


def find_bet(plans: Sequence[Plan], bet_id: str, *, period: str | None = None) -> BetRef:
    """The bet with this id (in `period`, else in the latest period that has it)."""
    refs = [r for r in all_bets(plans) if period is None or r.plan.period.label == period]
    matches = [r for r in refs if r.bet.id == bet_id]
    if not matches:
        known = sorted({r.bet.id for r in refs})
        close = difflib.get_close_matches(bet_id, known, n=1)
        where = f" in period {period}" if period else ""
        hint = f"did you mean {close[0]!r}?" if close else (
            "known bets: " + ", ".join(known) if known else "add bets under an objective")
        raise NotFound(f"no bet {bet_id!r}{where}", hint=hint)
    return max(matches, key=lambda r: r.plan.period.start)


def check_estimable(ref: BetRef, catalog: MetricsFile) -> tuple[date, KeyResult, str]:
    """(shipped_on, KR, metric) of a bet that can be estimated; else why not, as a UserError."""
    bet = ref.bet
    if bet.status is not BetStatus.SHIPPED:
        raise UserError(f"bet {bet.id!r} is {bet.status.value}, not shipped",
                        hint="impact is estimated after launch: set `status: shipped` and "
                        "`shipped_on:` in the OKR file when it ships")
    if bet.shipped_on is None:
        raise UserError(f"bet {bet.id!r} is shipped but has no shipped_on date",
                        hint="add `shipped_on: YYYY-MM-DD` to the bet")
    if bet.expects is None:
        raise UserError(f"bet {bet.id!r} does not say which key result it expects to move",
                        hint="add `expects: {key_result: KR_ID, change: +10%}`")
    kr = ref.key_result
    if kr is None:
        raise UserError(f"bet {bet.id!r} expects unknown key result "
                        f"{bet.expects.key_result!r}", hint="name a KR id of the same period")
    if not kr.metric:
        raise UserError(f"key result {kr.id!r} has no metric, so no effect can be measured",
                        hint="give the KR a `metric:` from metrics.yaml")
    if kr.metric not in catalog.metrics:
        raise UserError(f"metric {kr.metric!r} of key result {kr.id!r} is not defined",
                        hint="define it in metrics.yaml")
    return bet.shipped_on, kr, kr.metric


# ------------------------------------------------------------------ the estimate


def bet_impact(
    *,
    plans: Sequence[Plan],
    catalog: MetricsFile,
    events: EventSource,
    bet_id: str,
    period: str | None = None,
    as_of: date | datetime | None = None,
    history_weeks: int = HISTORY_WEEKS,
    level: float = LEVEL,
) -> BetImpact:
    """Estimate one shipped bet's effect on its KR; raises UserError when it cannot."""
    ref = find_bet(plans, bet_id, period=period)
    shipped_on, kr, metric = check_estimable(ref, catalog)
    when = clock(events, as_of)
    launch = next_monday(shipped_on)
    start = when.window_start(launch - timedelta(weeks=history_weeks))
    controls = control_segments(catalog, kr.segment)
    keys = [(metric, kr.segment), *((metric, c) for c in controls)]
    data = fetch_weekly(keys, catalog=catalog, events=events, start=start,
                        end=max(when.end, start))
    return estimate_from_series(ref, kr=kr, catalog=catalog, when=when, launch=launch,
                                start=start, values=data, controls=controls, level=level)


def estimate_from_series(
    ref: BetRef,
    *,
    kr: KeyResult,
    catalog: MetricsFile,
    when: Clock,
    launch: date,
    start: date,
    values: dict[Key, list[MetricValue]],
    controls: tuple[str, ...],
    level: float = LEVEL,
) -> BetImpact:
    """The estimate from already computed weekly values (shared with the portfolio)."""
    metric = kr.metric or ""
    definition = catalog.metrics[metric]
    shipped_on = ref.bet.shipped_on or launch
    treated = weekly_series(metric, kr.segment, _window(values[(metric, kr.segment)], start,
                                                        when.end), launch=shipped_on,
                            outcome=maturity(definition))
    post = [p for p in treated.points if p.phase == "post"]
    usable_post = treated.used("post")
    if not post:
        first_end = launch + timedelta(days=7)
        raise UserError(
            f"bet {ref.bet.id!r} shipped on {shipped_on.isoformat()}: no full week of data "
            f"after the launch yet (data through {_through(when)})",
            hint=f"the first post-launch week ends {first_end.isoformat()}; run it again then")
    if not usable_post:
        ready = launch + timedelta(days=7) + maturity(definition)
        raise UserError(
            f"bet {ref.bet.id!r} shipped on {shipped_on.isoformat()}: none of the "
            f"{counted(len(post), 'post-launch week')} has a mature {metric} cohort yet",
            hint=f"the first post-launch cohort is complete on {ready.isoformat()}; "
            "run it again then")

    expected = ref.bet.expects.change if ref.bet.expects else None
    direction = _direction(expected.amount if expected else None, kr)

    unit = kr_scale(metric=metric, kr_unit=kr.unit, catalog=catalog).text

    def judge(estimate: ImpactEstimate) -> ImpactVerdict:
        return impact_verdict(estimate, expected=expected, direction=direction,
                              change_mind_if=ref.bet.change_mind_if, bet_id=ref.bet.id,
                              show=lambda x: format_change(x, unit))

    used = treated.used()
    y = [float(p.value) for p in used if p.value is not None]
    its = its_estimate([p.week for p in used], y, launch=launch, level=level, grain="week")
    results = [MethodResult("its", its, judge(its))]

    control: WeeklySeries | None = None
    if controls:
        parts = {c: _window(values[(metric, c)], start, when.end) for c in controls}
        control = pool(metric, definition, parts, launch=shipped_on)
        did = _did(treated, control, launch, level)
        results.append(MethodResult("did", did, judge(did), control.segments))
        control_note = (f"unexposed {plural(len(control.segments), 'segment')} on the same "
                        f"property: {control.label}"
                        + (f" ({control.pooling})" if control.pooling else ""))
    elif kr.segment:
        control_note = (f"no segment in metrics.yaml is disjoint from {kr.segment!r} on the same "
                        "property: interrupted time series only")
    else:
        control_note = ("the key result covers everyone, so no unexposed segment exists: "
                        "interrupted time series only")

    primary = _primary(results)
    notes = _notes(treated, when)
    experiment_note = None
    if ref.bet.experiment:
        experiment_note = (
            f"this bet ran experiment {ref.bet.experiment!r}: an A/B analysis applies and is "
            "stronger evidence than these before/after estimates; export the arms' n, sum and "
            "sum_squares and run `sowhat experiment analyze FILE`")
    return BetImpact(
        ref=ref, clock=when, launch=launch, window_start=start, series=treated, control=control,
        control_note=control_note, estimates=tuple(results), primary=primary,
        post_weeks=len(post), post_weeks_usable=len(usable_post),
        pre_weeks_usable=len(treated.used("pre")), experiment_note=experiment_note,
        notes=tuple(notes),
    )


def _window(values: list[MetricValue], start: date, end: date) -> list[MetricValue]:
    return [v for v in values if start <= v.start.date() < end]


def _did(treated: WeeklySeries, control: WeeklySeries, launch: date, level: float
         ) -> ImpactEstimate:
    ctrl = {p.week: p for p in control.points if p.used}
    pairs = [(p, ctrl[p.week]) for p in treated.used() if p.week in ctrl]
    weeks = [p.week for p, _ in pairs]
    y_t = [float(p.value) for p, _ in pairs if p.value is not None]
    y_c = [float(c.value) for _, c in pairs if c.value is not None]
    return did_estimate(weeks, y_t, y_c, launch=launch, level=level, grain="week")


def _primary(results: list[MethodResult]) -> MethodResult:
    """The result whose estimate `choose_primary` picks (the one rule, shared with the
    stress benchmark)."""
    did = next((r for r in results if r.method == "did"), None)
    chosen = choose_primary(results[0].estimate, did.estimate if did else None)
    return did if did is not None and chosen is did.estimate else results[0]


def _direction(amount: float | None, kr: KeyResult) -> Direction:
    if amount:
        return Direction.INCREASE if amount > 0 else Direction.DECREASE
    return kr.direction or Direction.INCREASE


def _through(when: Clock) -> str:
    return (when.end - timedelta(days=1)).isoformat()


SEASONALITY_NOTE = (
    "seasonality: weekly values average the weekday pattern out; yearly seasonality is not "
    "modelled (it needs two years of history), so a launch at a seasonal turn needs the DiD "
    "or an experiment"
)


def _notes(series: WeeklySeries, when: Clock) -> list[str]:
    notes = [SEASONALITY_NOTE]
    pre = len(series.used("pre"))
    if pre < SHORT_HISTORY_WEEKS:
        notes.append(f"only {counted(pre, 'usable week')} before the launch: the ITS trend "
                     "is fitted on little history, and the end of a ramp-up can look like an "
                     "effect; prefer the DiD or an experiment")
    first = series.points[0].week if series.points else None
    if first is not None and when.data_start is not None and first == when.data_start:
        notes.append(f"the events start in the week of {first.isoformat()}: the history is "
                     "shorter than 26 weeks")
    if when.clipped and when.data_end is not None:
        notes.append(f"the events end on {(when.data_end - timedelta(days=1)).isoformat()}: "
                     f"measured as of {when.data_end.isoformat()}, not {when.as_of.isoformat()}")
    dropped = [p for p in series.points if not p.used]
    for phase in ("pre", "launch", "post"):
        weeks = [p for p in dropped if p.phase == phase]
        if weeks:
            reasons = sorted({p.note or "" for p in weeks})
            left = counted(len(weeks), f"{phase}-launch week")
            notes.append(f"{left} left out: {'; '.join(reasons)}")
    return notes


def bet_direction(ref: BetRef) -> Direction:
    """The way the bet should move its KR (its expected change's sign, else the KR's)."""
    amount = ref.bet.expects.change.amount if ref.bet.expects else None
    if ref.key_result is None:
        return Direction.INCREASE if (amount or 0) >= 0 else Direction.DECREASE
    return _direction(amount, ref.key_result)
