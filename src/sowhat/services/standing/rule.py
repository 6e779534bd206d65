"""The status word of a key result and of an objective: one rule, written down once.

A KR's word, first match wins:
1. **not measured** — it has no baseline or no target, so progress cannot be computed
   (a KR checked in by hand with neither, or an output with a waiver);
2. **no data yet** — it can be measured but has no value yet (no check-in, no sync), or
   its cohort measure still reads only cohorts from before the period (a 90-day retention
   in the period's first 90 days: that level is not progress);
3. otherwise the worse of two readings, then the guardrails:
   - pace: progress (baseline → target = 100%) against the share of the period elapsed —
     elapsed by the day the data ends, when that is over a day before today (values cannot
     have moved where there is no data; `PeriodStatus.pace_elapsed`):
     behind by more than `OFF_TRACK_GAP` (35 points) is off track, by more than
     `AT_RISK_GAP` (10 points) at risk, else on track. Early in a period, when little time
     has passed, pace alone cannot call a KR off track;
   - the forecast, where one exists: P(target by the period's end) under 30% is off track,
     under 70% at risk (services.forecasts' outlook);
   - a breached guardrail of its objective makes an on-track KR at risk: the gain may be
     bought with harm elsewhere.
An objective's word is the worst word among its measured KRs (guardrail breach: at least at
risk); "no data yet" when none of its KRs has a value, "not measured" when none can have one.
Objectives are sorted by risk: off track, at risk, no data yet, not measured, on track; a
lower score first within a word.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from sowhat.domain.units import format_chance
from sowhat.services.forecasts import Outlook
from sowhat.services.plans import KeyResultStatus, ObjectiveStatus

__all__ = ["AT_RISK_GAP", "OFF_TRACK_GAP", "KRStanding", "ObjectiveStanding", "Standing",
           "kr_standing", "objective_standing", "risk_order"]

AT_RISK_GAP = 0.10
OFF_TRACK_GAP = 0.35


class Standing(StrEnum):
    ON_TRACK = "on track"
    AT_RISK = "at risk"
    OFF_TRACK = "off track"
    NOT_MEASURED = "not measured"
    NO_DATA = "no data yet"

    @property
    def css(self) -> str:
        return self.value.replace(" ", "-")


_RISK = {Standing.OFF_TRACK: 0, Standing.AT_RISK: 1, Standing.NO_DATA: 2,
         Standing.NOT_MEASURED: 3, Standing.ON_TRACK: 4}
_SEVERITY = {Standing.ON_TRACK: 0, Standing.AT_RISK: 1, Standing.OFF_TRACK: 2}


@dataclass(frozen=True)
class KRStanding:
    kr_id: str
    word: Standing
    reason: str  # why, in one line: "progress 32% with 60% of the period gone"


@dataclass(frozen=True)
class ObjectiveStanding:
    objective_id: str
    word: Standing
    reason: str
    key_results: tuple[KRStanding, ...]


def _pace(progress: float, elapsed: float) -> Standing:
    gap = elapsed - progress
    if gap > OFF_TRACK_GAP:
        return Standing.OFF_TRACK
    if gap > AT_RISK_GAP:
        return Standing.AT_RISK
    return Standing.ON_TRACK


def _forecast(outlook: Outlook | None) -> Standing | None:
    return {Outlook.ON_TRACK: Standing.ON_TRACK, Outlook.UNCERTAIN: Standing.AT_RISK,
            Outlook.OFF_TRACK: Standing.OFF_TRACK}.get(outlook) if outlook else None


def kr_standing(kr: KeyResultStatus, *, elapsed: float, outlook: Outlook | None = None,
                probability: float | None = None, guardrail_breached: bool = False,
                through: date | None = None) -> KRStanding:  # fmt: skip
    """The word for one KR (see the module docstring for the rule). `through`: the day the
    data ends, when `elapsed` is measured there rather than today
    (`PeriodStatus.pace_elapsed`)."""
    if kr.baseline is None or kr.target is None or kr.baseline == kr.target:
        return KRStanding(kr.id, Standing.NOT_MEASURED, "no baseline and target to measure "
                          "progress against")  # fmt: skip
    if kr.not_readable_yet is not None:
        return KRStanding(kr.id, Standing.NO_DATA, kr.not_readable_yet)
    if kr.current is None or kr.progress is None:
        return KRStanding(kr.id, Standing.NO_DATA, _no_value_why(kr))
    elapsed = min(max(elapsed, 0.0), 1.0)
    word = _pace(kr.progress, elapsed)
    reasons = [_progress_words(kr, elapsed, through)]
    by_forecast = _forecast(outlook)
    if by_forecast is not None:
        if probability is not None:
            reasons.append(f"{format_chance(probability)} likely to reach the target")
        if _SEVERITY[by_forecast] > _SEVERITY[word]:
            word = by_forecast
    if guardrail_breached:
        reasons.append("a guardrail of its objective is breached")
        if word is Standing.ON_TRACK:
            word = Standing.AT_RISK
    return KRStanding(kr.id, word, "; ".join(reasons))


def _no_value_why(kr: KeyResultStatus) -> str:
    """Why a KR has no value, as far as the plan knows: "no check-in or sync" was said of
    KRs a sync had just read — and found nothing for (events that begin after the window
    starts, ids the metric counts missing: `sowhat sync` prints which)."""
    if kr.metric is None:
        return "no value yet: no check-in"
    if kr.measure is None:
        return "no value yet: not synced since it was added (`sowhat sync`)"
    if kr.window is not None:
        return (f"no value yet: the events give none over its window ({kr.window.days}); "
                "`sowhat sync` says why")
    return "no value yet: the events give none; `sowhat sync` says why"


def _progress_words(kr: KeyResultStatus, elapsed: float, through: date | None = None) -> str:
    """The progress the KR page and the QBR print, unclipped: a KR that fell below its
    baseline reads "below its baseline: progress -63%", not "progress 0%" beside a -63% bar."""
    signed = kr.signed_progress
    assert signed is not None  # callers checked progress, and signed follows it
    where = "below its baseline: " if signed < 0 else "past its target: " if signed > 1 else ""
    by = f" by {through:%d %b}, where the data ends" if through is not None else ""
    return f"{where}progress {signed:.0%} with {elapsed:.0%} of the period gone{by}"


def objective_standing(o: ObjectiveStatus, krs: Iterable[KRStanding], *,
                       guardrail_breached: bool = False) -> ObjectiveStanding:  # fmt: skip
    items = tuple(krs)
    measured = [k for k in items if k.word in _SEVERITY]
    if measured:
        worst = max(measured, key=lambda k: _SEVERITY[k.word])
        word, reason = worst.word, f"{worst.kr_id}: {worst.reason}"
        if guardrail_breached and word is Standing.ON_TRACK:
            word, reason = Standing.AT_RISK, "a guardrail is breached"
    elif any(k.word is Standing.NO_DATA for k in items):
        word, reason = Standing.NO_DATA, "no key result has a value yet"
    else:
        word, reason = Standing.NOT_MEASURED, "no key result can be measured"
    return ObjectiveStanding(o.id, word, reason, items)


def risk_order(standing: ObjectiveStanding, score: float | None) -> tuple[int, float]:
    """Sort key: the riskiest objective first, a lower score first within a word."""
    return (_RISK[standing.word], score if score is not None else -1.0)
