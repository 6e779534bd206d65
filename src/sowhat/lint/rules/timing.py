"""Rules that need time or history: sandbagged and unreachable targets (SW108, SW109), outcome
windows that cannot mature in the period (SW110), and output waivers (SW111)."""

from __future__ import annotations

from datetime import timedelta

from sowhat.domain.units import format_chance
from sowhat.lint.base import Finding, KRRule, KRSubject, Severity
from sowhat.lint.context import MetricInfo
from sowhat.lint.rewrite import best_metric, words

SANDBAG_ABOVE = 0.80
UNREACHABLE_BELOW = 0.05


def _probability(subject: KRSubject) -> float | None:
    probs = subject.context.hit_probabilities
    if probs is None:
        return None
    value = probs.get(subject.kr.id)
    return None if value is None else float(value)


class Sandbagged(KRRule):
    code = "SW108"
    name = "sandbagged-target"
    severity = Severity.WARNING
    summary = f"Target likely hit with no change at all (P > {SANDBAG_ABOVE:.0%})"

    def check(self, subject: KRSubject) -> list[Finding]:
        p = _probability(subject)
        if p is None or p <= SANDBAG_ABOVE:
            return []
        return [
            self.at(
                subject,
                f"sandbagged: the metric's own trend hits this target {format_chance(p)} of "
                "the time with "
                "no change from the team — a false sense of progress",
                "raise the target until hitting it needs the bets to work (roughly 30-70% "
                "without change)",
                "target",
            )
        ]


class Unreachable(KRRule):
    code = "SW109"
    name = "unreachable-target"
    severity = Severity.WARNING
    summary = f"Target very unlikely to be hit (P < {UNREACHABLE_BELOW:.0%} with no change)"

    def check(self, subject: KRSubject) -> list[Finding]:
        p = _probability(subject)
        if p is None or p >= UNREACHABLE_BELOW:
            return []
        if subject.kr.id in subject.context.bet_probabilities:
            # the plan already has bets on it: they either close the gap (no finding) or
            # fall short of it, which the team needs to hear rather than "add bets"
            with_bets = subject.context.bet_probabilities[subject.kr.id]
            if with_bets is None or with_bets >= UNREACHABLE_BELOW:
                return []
            return [
                self.at(
                    subject,
                    "likely unreachable: with no change the metric hits this target only "
                    f"{_rare(p)} of the time, and with the changes its bets expect "
                    f"{_rare(with_bets)}",
                    "a nearer target, or bets that expect enough to close the gap",
                    "target",
                )
            ]
        return [
            self.at(
                subject,
                "likely unreachable: with no change the metric hits this target only "
                f"{_rare(p)} of the time",
                "check the target's size against the history, lengthen the horizon, or add "
                "bets big enough to move it",
                "target",
            )
        ]


def _rare(p: float) -> str:
    """A small model probability to one decimal, never "0.0%": no projection is certain."""
    return "under 0.1%" if p < 0.0005 else f"{p:.1%}"


def _window(subject: KRSubject) -> tuple[timedelta, str] | None:
    kr = subject.kr
    if kr.metric:
        info = subject.context.metrics.get(kr.metric)
        if info is not None and info.window is not None:
            return info.window, kr.metric
    if subject.facts.window_days:
        return timedelta(days=subject.facts.window_days), "the outcome named in the title"
    return None


class HorizonMismatch(KRRule):
    code = "SW110"
    name = "horizon-mismatch"
    severity = Severity.WARNING
    summary = "Outcome window cannot mature within what remains of the period"

    def check(self, subject: KRSubject) -> list[Finding]:
        plan = subject.plan
        found = _window(subject)
        if plan is None or found is None:
            return []
        window, what = found
        as_of = subject.context.as_of
        period = plan.period
        if as_of >= period.end:
            return []  # the period is over: a retrospective, not a plan to coach
        start = max(as_of, period.start)
        remaining = period.end - start
        if window <= remaining:
            return []
        leading = _leading_alternative(subject, window)
        return [
            self.at(
                subject,
                f"{what} needs {window.days} days to mature but only {remaining.days} days of "
                f"{period} remain after {start.isoformat()}: no cohort that starts now can be "
                "measured before the period ends",
                f"steer on a leading indicator that matures in time, e.g. {leading}; keep "
                f"{what} as a lagging check next period",
                "metric" if subject.kr.metric else "title",
            )
        ]


def _leading_alternative(subject: KRSubject, window: timedelta) -> str:
    catalog = {
        name: info
        for name, info in subject.context.metrics.items()
        if name != subject.kr.metric and _short(info, window)
    }
    query = words(subject.kr.title) | words(subject.kr.metric)
    # Cohort metrics with a shorter window predict a long-window one best; then the rest.
    cohorts = {n: i for n, i in catalog.items() if i.window is not None}
    for pool in (cohorts, catalog):
        chosen = best_metric(query, pool, minimum=1) if pool else None
        if chosen is not None:
            return f"`{chosen.name}`"
    if cohorts:  # no shared words: any shorter cohort metric still beats a generic hint
        return f"`{min(cohorts)}`"
    return "activation within 7 days or weekly core-action usage"


def _short(info: MetricInfo, window: timedelta) -> bool:
    if info.indicator is not None:
        return info.indicator == "leading"
    return info.window is not None and info.window < window and info.window.days <= 14


class Waiver(KRRule):
    code = "SW111"
    name = "output-waiver"
    severity = Severity.WARNING
    summary = "Output waiver missing its reason or expiry, or expired"

    def check(self, subject: KRSubject) -> list[Finding]:
        waiver = subject.kr.output_waiver
        if waiver is None:
            return []
        problems = []
        if not waiver.reason:
            problems.append("has no reason")
        if waiver.expires is None:
            problems.append("has no expiry")
        elif waiver.expires <= subject.context.as_of:
            problems.append(f"expired on {waiver.expires.isoformat()}")
        if not problems:
            return []
        return [
            self.at(
                subject,
                f"output waiver {' and '.join(problems)}: it does not excuse this output KR",
                "a waiver is for a brand-new initiative with no data yet: write "
                '`output_waiver: {reason: "no baseline yet", expires: YYYY-MM-DD}` — or, '
                "once there is data, replace the KR with the outcome it was for",
                "output_waiver",
            )
        ]
