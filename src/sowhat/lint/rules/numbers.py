"""Rules that check a KR's numbers against its metric and its own words: numbers outside the
metric's range or scale (SW115) and a title whose direction contradicts them (SW116).

Both read the scale the caller resolved from metrics.yaml (`MetricInfo.scale`, see
sowhat.spec.metric_units); a KR without a metric falls back to its own `unit:`.
"""

from __future__ import annotations

import re
from typing import ClassVar

from sowhat.domain.title_numbers import title_numbers
from sowhat.domain.units import Scale, Unit, format_values, parse_unit
from sowhat.lint.base import Finding, KRRule, KRSubject, Severity

__all__ = ["ContradictoryDirection", "OutOfScale", "title_direction", "title_numbers"]


def _scale(subject: KRSubject) -> tuple[Scale | None, str | None]:
    """(scale, metric name) of the KR: its metric's when known, else its own `unit:`."""
    kr = subject.kr
    if kr.metric:
        info = subject.context.metrics.get(kr.metric)
        if info is not None and info.scale is not None:
            return info.scale, kr.metric
    own = parse_unit(kr.unit)
    return (Scale(unit=own) if own is not None else None), None


def _g(x: float) -> str:
    return f"{x:.6g}"


class OutOfScale(KRRule):
    """Baseline or target outside the metric's possible range, or written in another scale.

    Impossible values (a rate of 32, NPS 120, a negative count) are errors — `sowhat
    validate` refuses them too; numbers that are possible but read oddly in the metric's unit
    (a percent metric at 800%, a per-1,000 ratio written 18, one number 100x the other, NPS
    written as a fraction) and a KR `unit:` that disagrees with its metric's are warnings.
    """

    code = "SW115"
    name = "number-out-of-scale"
    severity = Severity.WARNING
    summary = "Baseline or target outside the metric's possible range, or in another scale"

    def check(self, subject: KRSubject) -> list[Finding]:
        kr = subject.kr
        scale, metric = _scale(subject)
        if scale is None:
            return []
        out: list[Finding] = []
        what = f"{metric} is {scale.describe()}" if metric else f"this KR is {scale.describe()}"
        pairs = (("baseline", kr.baseline, kr.target), ("target", kr.target, kr.baseline))
        for name, value, other in pairs:
            if value is None:
                continue
            impossible = scale.impossible(value)
            if impossible is not None:
                slip = scale.slip(value)
                fix = f"did you mean {_g(slip[0])}?" if slip else "write a value it can take"
                out.append(self._at(subject, f"{name} {impossible}; {what}",
                                    f"{fix} A KR's numbers are in its metric's stored scale",
                                    name, Severity.ERROR))  # fmt: skip
                continue
            odd = _odd(value, scale)
            if odd is not None:
                out.append(self._at(subject, f"{name} {_g(value)} {odd[0]}; {what}",
                                    f"did you mean {_g(odd[1])}? A KR's numbers are in its "
                                    "metric's stored scale", name))  # fmt: skip
                continue
            if other is not None and scale.impossible(other) is None and _odd(other, scale) is None:
                slip = scale.slip(value, other, None)
                if slip is not None:
                    out.append(self._at(
                        subject,
                        f"{name} {_g(value)} looks like {slip[1]} next to the {_other(name)} "
                        f"{_g(other)}; {what}",
                        f"did you mean {_g(slip[0])}? Write both in the same, stored scale",
                        name))  # fmt: skip
        out.extend(self._unit_mismatch(subject, scale, metric))
        return out

    def _unit_mismatch(self, subject: KRSubject, scale: Scale,
                       metric: str | None) -> list[Finding]:  # fmt: skip
        own = parse_unit(subject.kr.unit)
        if metric is None or own is None or own is scale.unit:
            return []
        return [self._at(subject,
                         f"unit {subject.kr.unit!r} disagrees with {metric}, which is in "
                         f"{scale.unit.value}: the numbers are read in {scale.unit.value}",
                         "remove `unit:` (the metric's unit is used) or change the metric's "
                         "`unit:` in metrics.yaml", "unit")]  # fmt: skip

    def _at(self, subject: KRSubject, message: str, suggestion: str, field: str,
            severity: Severity | None = None) -> Finding:  # fmt: skip
        finding = self.at(subject, message, suggestion, field)
        if severity is None:
            return finding
        return self.finding(finding.message, finding.suggestion, location=finding.location,
                            objective_id=finding.objective_id, kr_id=finding.kr_id,
                            severity=severity)  # fmt: skip


def _other(name: str) -> str:
    return "target" if name == "baseline" else "baseline"


def _odd(value: float, scale: Scale) -> tuple[str, float] | None:
    """(why it reads oddly, the likely intended value) for a possible but unlikely number."""
    if scale.unit is Unit.PERCENT and 1.5 < abs(value) <= 100:
        shown = format_values([value], Unit.PERCENT)[0]
        return f"would read {shown}", value / 100
    if scale.unit is Unit.PER_1000 and 1 <= abs(value) <= 1000:
        shown = format_values([value], Unit.PER_1000)[0]
        return f"would read {shown}", value / 1000
    return None


# -- SW116 ----------------------------------------------------------------------------------

_UP = frozenset({
    "increase", "increases", "increasing", "raise", "raises", "raising", "grow", "grows",
    "growing", "lift", "lifts", "lifting", "boost", "boosts", "boosting", "double", "doubling",
    "triple", "tripling", "expand", "expanding", "maximise", "maximize", "maximising",
    "maximizing",
})  # fmt: skip
_DOWN = frozenset({
    "reduce", "reduces", "reducing", "cut", "cuts", "cutting", "lower", "lowering",
    "decrease", "decreases", "decreasing", "shrink", "shrinking", "shorten", "shortening",
    "halve", "halving", "minimise", "minimize", "minimising", "minimizing", "slash",
    "slashing", "trim", "trimming",
})  # fmt: skip
# "Improve", "speed up", "accelerate" say better, not up or down ("improve time-to-value from
# 5 days to 2" is consistent), so they carry no direction. Words after these end the clause
# that states the goal ("Grow revenue without raising churn").
_CLAUSE_END = frozenset({"while", "whilst", "without", "but", "keeping", "so", "and"})
_NEGATION = frozenset({"not", "don't", "dont", "never", "no"})
_WORD = re.compile(r"[a-z]+(?:'[a-z]+)?")


def title_direction(title: str) -> str | None:
    """"up", "down" or None: the direction the title's goal verb states, if it states one."""
    previous = ""
    for word in _WORD.findall(title.lower()):
        if word in _CLAUSE_END:
            return None
        if word in _UP or word in _DOWN:
            if previous in _NEGATION:
                return None
            return "up" if word in _UP else "down"
        previous = word
    return None


class ContradictoryDirection(KRRule):
    code = "SW116"
    name = "direction-contradicts-numbers"
    severity = Severity.WARNING
    summary = "The title says increase (or reduce) but the target lies the other way"
    applies_to_text: ClassVar[bool] = True

    def check(self, subject: KRSubject) -> list[Finding]:
        kr = subject.kr
        direction = title_direction(kr.title)
        if direction is None:
            return []
        if kr.baseline is not None and kr.target is not None:
            start, end, field = kr.baseline, kr.target, "target"
        else:
            written = title_numbers(kr.title)
            if written is None:
                return []
            start, end = written
            field = "title"
        if start == end or (end > start) == (direction == "up"):
            return []
        scale, _ = _scale(subject)
        shown = scale.formats([start, end]) if scale is not None and field == "target" \
            else [_g(start), _g(end)]
        verb = "increase" if direction == "up" else "decrease"
        goes = "down" if direction == "up" else "up"
        message = (f"the title says {verb} but the numbers go {goes}: from {shown[0]} to "
                   f"{shown[1]}")
        other = "Reduce/Cut" if direction == "up" else "Increase/Raise"
        suggestion = (f"if the goal is to go {goes}, say so ('{other} …'); otherwise fix the "
                      "baseline or target")
        return [self.at(subject, message, suggestion, field)]
