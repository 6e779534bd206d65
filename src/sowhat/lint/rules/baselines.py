"""Rules that hold a KR's typed numbers against its data: a baseline nobody measured (SW114).

A baseline is a claim about the past, and the events can check it. "From 55% to 60%" when
the metric was already at 66% before the period shows 100% progress in week one and a
"stretch" score at the close; the team never had to change anything.
"""

from __future__ import annotations

from datetime import timedelta

from sowhat.domain.measure import baseline_disagrees, nps_interval, share_interval
from sowhat.domain.units import Unit, format_values
from sowhat.lint.base import Finding, KRRule, KRSubject, Severity
from sowhat.lint.context import MeasuredBaseline


def differs(typed: float, measured: MeasuredBaseline) -> bool:
    return baseline_disagrees(typed, measured.value, share=measured.share,
                              trials=measured.trials)


def _show(values: list[float], share: bool) -> list[str]:
    """As every screen shows them: a rate with the digits that keep its values apart
    ("2.85%", "0.506%": one decimal read 0.5% for both 0.506% and 0.45%)."""
    if share:
        return format_values(values, Unit.PERCENT)
    return [f"{v:,.4g}" for v in values]


def _day(m: MeasuredBaseline) -> str:
    last = m.end - timedelta(seconds=1)  # the end is exclusive
    return f"{m.start:%Y-%m-%d} to {last:%Y-%m-%d}"


class BaselineDiffersFromData(KRRule):
    code = "SW114"
    name = "baseline-differs-from-data"
    severity = Severity.WARNING
    summary = "Typed baseline differs from the KR's measure computed just before the period"

    def check(self, subject: KRSubject) -> list[Finding]:
        baselines = subject.context.measured_baselines
        kr = subject.kr
        if baselines is None or kr.baseline is None or not kr.metric:
            return []
        measured = baselines.get(kr.id)
        if measured is None or not differs(kr.baseline, measured):
            return []
        share = measured.share
        typed, value = _show([kr.baseline, measured.value], share)
        noise = ""
        if share and measured.trials:
            # the test was "outside the measurement's own noise": show that noise
            low, high = _show(list(share_interval(measured.value, measured.trials)), share)
            noise = (f"; measured on {measured.trials:,.0f} {measured.trials_noun}, the rate "
                     f"lies within {low}–{high} (95%)")
        elif measured.trials:  # an NPS and its answers (`rate_trials`)
            low, high = _show(list(nps_interval(measured.value, measured.trials)), share)
            noise = (f"; measured on {measured.trials:,.0f} {measured.trials_noun}, it lies "
                     f"within {low}–{high} (95%)")
        return [
            self.at(
                subject,
                f"the typed baseline {typed} differs from the measured {value} ({kr.metric} "
                f"over {_day(measured)}, the same measure just before the period{noise})",
                f"write `baseline: {measured.value:.4g}` — or, if the data is wrong, fix the "
                "metric's definition first; progress is counted from the baseline",
                "baseline",
            )
        ]
