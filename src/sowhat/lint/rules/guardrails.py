"""Rules about an objective's guardrails: a change bound that asks the metric to move (SW118),
an absolute bound held against a total that grows all period (SW119).

A guardrail bounds how far a metric may get *worse* while the KRs improve: `max_change:
"+10%"` on tickets, `min_change: "-3"` on NPS. `max_change: "-10%"` on revenue — written to
mean "must not fall more than 10%" — asks revenue to *fall* at least 10%, and breaches the
day revenue grows. Nothing about it is invalid, so validation lets it through; the coach says
what it really asks.
"""

from __future__ import annotations

from sowhat.domain.units import format_value
from sowhat.lint.base import Finding, ObjectiveRule, ObjectiveSubject, Severity


class GuardrailDemandsAMove(ObjectiveRule):
    code = "SW118"
    name = "guardrail-demands-a-move"
    severity = Severity.WARNING
    summary = "Guardrail whose change bound asks its metric to move (max_change below zero...)"

    def check(self, subject: ObjectiveSubject) -> list[Finding]:
        out: list[Finding] = []
        for i, rule in enumerate(subject.objective.guardrails):
            key = rule.demands_a_move()
            if key is None:
                continue
            change = rule.max_change if key == "max_change" else rule.min_change
            assert change is not None
            other = "min_change" if key == "max_change" else "max_change"
            info = subject.context.metrics.get(rule.metric)
            unit = str(info.scale.unit) if info is not None and info.scale else None
            asks = rule.describe(unit)
            worse = "fall" if key == "max_change" else "rise"
            held = "holds or grows" if key == "max_change" else "holds or falls"
            out.append(self.finding(
                f"guardrail on {rule.metric}: `{key}: {change}` asks it to "
                f"{asks.removeprefix('must ')}, so it is breached whenever {rule.metric} "
                f"{held} — a target, not a bound on getting worse",
                f"to keep {rule.metric} from {worse}ing more than "
                f"{str(change).lstrip('+-')}, write `{other}: "
                f"\"{change}\"`; if {rule.metric} really must move, make it a key "
                "result",
                location=subject.where(("guardrails", i, key)),
                objective_id=subject.objective.id,
            ))
        return out


TOTALS = {"count", "sum", "unique"}
"""Metric types whose value over the period to date is a running total (their KRs default to
the cumulative measure, sowhat.spec.metric_defs.default_measure)."""


class GuardrailBoundsARunningTotal(ObjectiveRule):
    code = "SW119"
    name = "guardrail-bounds-a-running-total"
    severity = Severity.WARNING
    summary = "Absolute guardrail bound on a count, sum or distinct count with no `over:`"

    def check(self, subject: ObjectiveSubject) -> list[Finding]:
        out: list[Finding] = []
        for i, rule in enumerate(subject.objective.guardrails):
            info = subject.context.metrics.get(rule.metric)
            if rule.over_days is not None or info is None or info.type not in TOTALS:
                continue
            unit = str(info.scale.unit) if info.scale else None
            for key, bound in (("max", rule.max), ("min", rule.min)):
                if bound is None:
                    continue
                shown = format_value(bound, unit)
                what = ("the period's total so far, which only grows: it is breached for "
                        "good the day the total passes it"
                        if key == "max" else
                        "the period's total so far, which starts at 0: it is breached from "
                        "the first day until the total catches up")
                out.append(self.finding(
                    f"guardrail on {rule.metric}: `{key}: {shown}` is held against {what}",
                    f"for a limit per week write `over: 7d` beside it (the trailing 7 days "
                    f"against {shown}); keep it without `over:` only if {shown} is meant "
                    "for the whole period",
                    location=subject.where(("guardrails", i, key)),
                    objective_id=subject.objective.id,
                ))
        return out
