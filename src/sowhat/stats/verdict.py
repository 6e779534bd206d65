"""Did the bet move its KR? A verdict from the estimate's interval and the bet's expectation.

The rules, with [low, high] the estimate's interval turned so that "good" is positive:

- moved:        low > 0 — the interval excludes zero in the expected direction;
- wrong_way:    high < 0 — the interval excludes zero the other way;
- no_effect:    high < |expected change| — not significant, AND the interval excludes an
                effect as large as the bet expected, so the data could have seen it and did not;
- inconclusive: otherwise — the interval is too wide to tell; the MDE says what it could see;
- cant_tell:    the design's own checks failed (the series broke before the launch, see
                `sowhat.stats.stability`): whatever the interval says, the launch cannot be
                separated from that change, and the reason is given instead of a verdict.

An equivalence-style reading (Lakens 2017, "Equivalence tests"): "no detectable effect" is a
claim about what the data rule out, not a shrug at a large p-value.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from sowhat.domain.okr import Change, Direction
from sowhat.stats.forecast import fmt
from sowhat.stats.impact_estimate import ImpactEstimate


class Verdict(StrEnum):
    MOVED = "moved"
    WRONG_WAY = "wrong_way"
    NO_EFFECT = "no_effect"
    INCONCLUSIVE = "inconclusive"
    CANT_TELL = "cant_tell"  # numbers exist, but the design cannot separate the launch
    UNAVAILABLE = "unavailable"  # the estimate could not be made (see its error)

    @property
    def label(self) -> str:
        return _LABELS[self]


_LABELS = {
    Verdict.MOVED: "moved its KR",
    Verdict.WRONG_WAY: "moved the wrong way",
    Verdict.NO_EFFECT: "no detectable effect",
    Verdict.INCONCLUSIVE: "inconclusive",
    Verdict.CANT_TELL: "can't tell",
    Verdict.UNAVAILABLE: "not estimable",
}


@dataclass(frozen=True)
class ImpactVerdict:
    """One bet's verdict with the numbers behind it, ready to show next to the bet."""

    verdict: Verdict
    summary: str
    effect: float | None
    low: float | None
    high: float | None
    level: float
    mde: float | None
    expected_change: Change | None
    expected_effect: float | None  # the expectation in the metric's units (signed)
    share_of_expected: float | None  # effect / expected_effect
    expected_in_interval: bool | None
    detectable: bool | None  # could the data detect the expected change? (mde <= |expected|)
    review: str  # the prompt to revisit the bet's change_mind_if
    bet_id: str | None = None


def expected_effect(change: Change, baseline: float | None) -> float | None:
    """The bet's expected change in the metric's units; relative changes need a baseline."""
    if change.kind == "relative":
        return None if baseline is None else baseline * change.amount
    return change.amount


def impact_verdict(
    estimate: ImpactEstimate,
    *,
    expected: Change | None = None,
    baseline: float | None = None,
    direction: Direction | None = None,
    change_mind_if: str | None = None,
    bet_id: str | None = None,
    show: Callable[[float], str] | None = None,
) -> ImpactVerdict:
    """Judge a bet from its impact estimate.

    `show` writes a change in the KR's unit (+8.9 pts, -23.2 h) for the summary sentence;
    without it changes are plain signed numbers (the statistics know no units).

    `baseline` converts a relative expectation (+10%) into the metric's units; it defaults to
    the estimate's counterfactual mean (the level the metric would have had). `direction` is
    the way the bet should move the KR; it defaults to the sign of `expected`, then to
    "increase".
    """
    base = baseline if baseline is not None else estimate.counterfactual_mean
    exp_eff = expected_effect(expected, base) if expected is not None else None
    if direction is None:
        direction = Direction.DECREASE if exp_eff is not None and exp_eff < 0 else (
            Direction.INCREASE
        )
    review = _review(change_mind_if)
    if (
        not estimate.ok
        or estimate.effect is None
        or estimate.low is None
        or estimate.high is None
    ):
        return ImpactVerdict(
            verdict=Verdict.UNAVAILABLE,
            summary=f"not estimable: {estimate.message or 'no estimate'}",
            effect=None,
            low=None,
            high=None,
            level=estimate.level,
            mde=None,
            expected_change=expected,
            expected_effect=exp_eff,
            share_of_expected=None,
            expected_in_interval=None,
            detectable=None,
            review=review,
            bet_id=bet_id,
        )

    sign = 1.0 if direction is Direction.INCREASE else -1.0
    say = show or _signed
    if estimate.withheld is not None:
        return ImpactVerdict(
            verdict=Verdict.CANT_TELL,
            summary=(f"can't tell: {estimate.withheld}. Taken at face value the estimate "
                     f"would be {say(estimate.effect)} "
                     f"({say(estimate.low)} to {say(estimate.high)})"),
            effect=estimate.effect,
            low=estimate.low,
            high=estimate.high,
            level=estimate.level,
            mde=estimate.mde,
            expected_change=expected,
            expected_effect=exp_eff,
            share_of_expected=None,
            expected_in_interval=None,
            detectable=None,
            review=review,
            bet_id=bet_id,
        )
    good_low, good_high = sorted((sign * estimate.low, sign * estimate.high))
    wanted = abs(exp_eff) if exp_eff is not None else None
    if good_low > 0:
        verdict = Verdict.MOVED
    elif good_high < 0:
        verdict = Verdict.WRONG_WAY
    elif wanted is not None and wanted > 0 and good_high < wanted:
        verdict = Verdict.NO_EFFECT
    else:
        verdict = Verdict.INCONCLUSIVE

    share = estimate.effect / exp_eff if exp_eff else None
    in_interval = estimate.low <= exp_eff <= estimate.high if exp_eff is not None else None
    detectable = estimate.mde <= abs(exp_eff) if (estimate.mde is not None and exp_eff) else None
    return ImpactVerdict(
        verdict=verdict,
        summary=_summary(
            estimate,
            verdict,
            expected,
            exp_eff,
            share,
            (estimate.effect, estimate.low, estimate.high),
            say,
        ),
        effect=estimate.effect,
        low=estimate.low,
        high=estimate.high,
        level=estimate.level,
        mde=estimate.mde,
        expected_change=expected,
        expected_effect=exp_eff,
        share_of_expected=share,
        expected_in_interval=in_interval,
        detectable=detectable,
        review=review,
        bet_id=bet_id,
    )


def _signed(x: float) -> str:
    return f"{'+' if x >= 0 else ''}{fmt(x)}"


def _review(change_mind_if: str | None) -> str:
    if change_mind_if:
        return f"Review the bet's change-your-mind condition: “{change_mind_if}”"
    return "This bet has no change_mind_if: write down what evidence would change your mind"


def _summary(
    est: ImpactEstimate,
    verdict: Verdict,
    expected: Change | None,
    exp_eff: float | None,
    share: float | None,
    interval: tuple[float, float, float],
    say: Callable[[float], str],
) -> str:
    effect, low, high = interval
    text = f"{verdict.label}: {say(effect)} ({say(low)} to {say(high)}, {est.level:.0%} interval"
    if est.p_value is not None:
        # Monte-Carlo p-values bottom out at 1/2001: say so rather than print the floor.
        text += ", p < 0.001" if est.p_value < 0.001 else f", p = {est.p_value:.2g}"
    text += ")"
    if expected is not None and exp_eff is not None:
        if expected.kind == "absolute":  # already in the metric's units: say it once
            text += f"; the bet expected {say(exp_eff)}"
        else:
            text += f"; the bet expected {expected} ({say(exp_eff)})"
        if share is not None and verdict in (Verdict.MOVED, Verdict.WRONG_WAY):
            text += f", {share:.0%} of that"
    elif expected is not None:
        text += f"; the bet expected {expected} (no baseline to size it)"
    if verdict is Verdict.INCONCLUSIVE and est.mde is not None:
        text += (
            f"; these data could only detect changes of about {say(est.mde).lstrip('+')} or more "
            f"({est.power:.0%} power)"
        )
    return text


def choose_primary(its: ImpactEstimate, did: ImpactEstimate | None) -> ImpactEstimate:
    """The estimate the verdict comes from: DiD when it could be fitted, else ITS.

    The control segment cancels what moved both segments (a season, a market change, a
    holiday at the launch), which ITS cannot see; a DiD whose segments already drifted apart
    in a straight line has that drift modelled (`did_estimate`). A DiD whose segments broke
    apart before the launch (bend or jump) stays the choice — and its verdict is "can't
    tell": falling back to ITS would trust the treated segment's own history exactly when
    the evidence says it changed on its own.
    """
    if did is not None and did.ok:
        return did
    return its
