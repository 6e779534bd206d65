"""The ambition check: would the target be hit if the team changed nothing?

A target the metric reaches on its own momentum is a sandbag (lint SW108); one the metric
cannot plausibly reach is a wish (SW109). "No change in what the team does" is made concrete
as: the pre-period trend and noise carry on. It is the KR forecast's model
(`sowhat.stats.trend_model`) fitted to the weeks BEFORE the period — one model, two uses.

Week numbering: the last history week is week 0; the period's weeks are 1..period_weeks and
the check is about the value in week `period_weeks` (the period's final week), the same
definition as the KR forecast.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

import numpy as np

from sowhat.domain.okr import Direction
from sowhat.errors import UserError
from sowhat.stats.forecast import clean_series, fmt, pct, resolve_direction, summarise
from sowhat.stats.trend_model import fit_trend, predict

SANDBAGGED_ABOVE = 0.80
UNREACHABLE_BELOW = 0.05
MIN_HISTORY_WEEKS = 6


class Ambition(StrEnum):
    SANDBAGGED = "sandbagged"  # P(hit with no change) > 0.80: SW108
    UNREACHABLE = "unreachable"  # P(hit with no change) < 0.05: SW109
    AMBITIOUS = "ambitious"  # in between: needs the team's work, and might get there
    UNKNOWN = "unknown"  # too little history to say


@dataclass(frozen=True)
class AmbitionCheck:
    """P(target hit with no change), and what "no change" projects for the final week."""

    verdict: Ambition
    probability: float | None
    projected: float | None  # median of the final week's value with no change
    low: float | None  # central `interval` range
    high: float | None
    interval: float
    target: float
    direction: Direction
    history_weeks: int  # non-missing weeks used
    message: str


def hit_probability_without_change(
    history: Sequence[float | None],
    *,
    period_weeks: int,
    target: float,
    baseline: float | None = None,
    direction: Direction | None = None,
    interval: float = 0.80,
    min_history: int = MIN_HISTORY_WEEKS,
    bounds: tuple[float | None, float | None] = (None, None),
) -> AmbitionCheck:
    """Project the pre-period series (oldest week first, None for gaps) to the period's end.

    `baseline` only tells the direction when `direction` is not given; the projection starts
    from the history itself. Fewer than `min_history` observed weeks gives verdict UNKNOWN.
    """
    if period_weeks < 1:
        raise UserError(f"period_weeks is {period_weeks}", hint="pass the period length in weeks")
    direction = resolve_direction(direction, baseline, target)
    times, ys = clean_series(history, "history")
    times = times - float(len(history))  # last history week = week 0
    if ys.size < min_history:
        return AmbitionCheck(
            verdict=Ambition.UNKNOWN,
            probability=None,
            projected=None,
            low=None,
            high=None,
            interval=interval,
            target=target,
            direction=direction,
            history_weeks=int(ys.size),
            message=(
                f"only {ys.size} week{'s' if ys.size != 1 else ''} of history before the "
                f"period; the ambition check needs {min_history}"
            ),
        )
    pred = predict(fit_trend(times, ys), np.array([float(period_weeks)]))
    prob_a, median, low, high, _ = summarise(
        pred, target=target, direction=direction, interval=interval, bounds=bounds
    )
    prob = float(prob_a[0])
    if prob > SANDBAGGED_ABOVE:
        verdict = Ambition.SANDBAGGED
    elif prob < UNREACHABLE_BELOW:
        verdict = Ambition.UNREACHABLE
    else:
        verdict = Ambition.AMBITIOUS
    message = (
        f"with no change, expect {fmt(float(median[0]))} ({fmt(float(low[0]))}–"
        f"{fmt(float(high[0]))}) by period end; the target {fmt(target)} is {pct(prob)} likely"
    )
    return AmbitionCheck(
        verdict=verdict,
        probability=prob,
        projected=float(median[0]),
        low=float(low[0]),
        high=float(high[0]),
        interval=interval,
        target=target,
        direction=direction,
        history_weeks=int(ys.size),
        message=message,
    )

