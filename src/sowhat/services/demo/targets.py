"""Baselines and targets for the demo's KRs, measured from the simulated history.

A demo whose baselines were typed in by hand drifts from its own data the first time the
simulator changes. Instead each KR's baseline is its measured baseline — the KR's own measure
just before the period, as known at the period start — and its target a fixed, plausible
change from there; titles are rewritten to say the same numbers.
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, date, datetime

from sowhat.domain.okr import Change, KeyResult, Objective, Plan
from sowhat.metrics.engine import MetricRequest
from sowhat.metrics.source import EventSource
from sowhat.services.sync.measures import WindowRequest, compute_windows, kr_measure
from sowhat.spec.metric_defs import MetricsFile

# kr id -> (change from baseline to target, how to write the number)
TARGETS: dict[str, tuple[Change, str]] = {
    "co-d7-retention": (Change(0.04, "points"), "pct"),
    "co-nps": (Change(8.0), "int"),
    "co-churn": (Change(-0.01, "points"), "pct"),
    "gr-activation": (Change(0.05, "points"), "pct"),
    "gr-activation-mid": (Change(0.06, "points"), "pct"),
    "gr-ttfv": (Change(-0.35, "relative"), "hours"),
    "gr-rec-ctr": (Change(0.02, "points"), "pct"),
    "pl-mid-retention": (Change(0.06, "points"), "pct"),
    "pl-mid-d7": (Change(0.05, "points"), "pct"),
    "pl-enterprise-ttfv": (Change(-0.30, "relative"), "hours"),
    "pl-enterprise-activation": (Change(0.05, "points"), "pct"),
    "su-tickets-per-session": (Change(-0.25, "relative"), "per1000"),
    "su-small-tickets": (Change(-0.25, "relative"), "per1000"),
    "su-nps": (Change(10.0), "int"),
}

_UNIT = r"(?: (?:hours|minutes))?"
_FROM_TO = re.compile(rf"from [0-9.,]+%?{_UNIT} to [0-9.,]+%?{_UNIT}")


def _round(value: float, style: str) -> float:
    if style == "pct":
        return round(value, 3)
    if style == "per1000":
        return round(value, 5)
    if style in ("int", "hours"):
        return float(round(value))
    return round(value, 2)


def _words(value: float, style: str) -> str:
    if style == "pct":
        return f"{value * 100:.3g}%"
    if style == "hours":
        return f"{value:.0f} hours"
    if style == "int":
        return f"{value:.0f}"
    if style == "per1000":
        return f"{value * 1000:.3g}"
    return f"{value:.2f}"


def measured_baselines(
    plan: Plan, *, catalog: MetricsFile, events: EventSource, before: date
) -> dict[str, float]:
    """Each target KR's measured baseline: its own measure (sowhat.domain.measure) just before
    `before` — the trailing window for a level, cohorts matured by then — as known at `before`.
    The same number `sowhat sync` stores as the KR's measured baseline and lint SW114 checks
    the typed one against."""
    krs = [kr for _, kr in plan.key_results() if kr.id in TARGETS and kr.metric]
    start = datetime(before.year, before.month, before.day, tzinfo=UTC)
    end = datetime(plan.period.end.year, plan.period.end.month, plan.period.end.day,
                   tzinfo=UTC)
    wanted = [
        WindowRequest(MetricRequest(kr.metric or "", kr.segment),
                      kr_measure(metric=kr.metric or "", catalog=catalog, measure=kr.measure,
                                 over_days=kr.over_days).baseline(period_start=start,
                                                                  period_end=end))
        for kr in krs
    ]
    out: dict[str, float] = {}
    for kr, result in zip(krs, compute_windows(wanted, catalog=catalog, events=events),
                          strict=True):
        if not result.error and result.values and result.values[0].value is not None:
            out[kr.id] = result.values[0].value
    return out


def with_measured_targets(plan: Plan, baselines: dict[str, float]) -> Plan:
    def kr_update(kr: KeyResult) -> KeyResult:
        if kr.id not in baselines:
            return kr
        change, style = TARGETS[kr.id]
        baseline = _round(baselines[kr.id], style)
        target = _round(change.apply(baseline), style)
        if style == "pct":
            target = min(max(target, 0.0), 1.0)  # a share stays a share
        if target == baseline:  # a tiny demo measured 0% or 100%: keep the file's numbers
            return kr
        title = _FROM_TO.sub(f"from {_words(baseline, style)} to {_words(target, style)}",
                             kr.title)
        return replace(kr, baseline=baseline, target=target, title=title)

    def objective_update(o: Objective) -> Objective:
        return replace(o, key_results=tuple(kr_update(kr) for kr in o.key_results))

    return replace(plan, objectives=tuple(objective_update(o) for o in plan.objectives))
