"""KR forecasts: how likely is the target by the period's end, given the weeks so far?

What is forecast: the KR metric's value in the period's LAST week (its level when the period
closes), not the period-to-date value. Targets are written as levels ("from 70% to 85%"), and
the last week's value is what "we got there" means; a period-to-date average lags the level
by half a period. See docs/forecast.md.

The week numbering: the baseline is week 0 (the week before the period, or whenever the
baseline was measured — it is treated as one more noisy observation of the same series),
`values[i]` is week i + 1 of the period, and the period ends with week
`weeks_elapsed + weeks_remaining`. The model is `sowhat.stats.trend_model`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from sowhat.domain.okr import Direction
from sowhat.domain.units import format_chance
from sowhat.errors import UserError
from sowhat.stats.forecast_terms import CONTEXT_WEEKS as CONTEXT_WEEKS
from sowhat.stats.forecast_terms import DEFAULT_INTERVAL as DEFAULT_INTERVAL
from sowhat.stats.forecast_terms import FORECAST_ASSUMPTIONS as FORECAST_ASSUMPTIONS
from sowhat.stats.seasonal import YearlySwing, yearly_swing
from sowhat.stats.trend_model import (
    TAU_NOISE_FLOOR,
    FloatArray,
    Predictive,
    fit_trend,
    predict,
    with_level_shift,
)

HISTORY_WEEKS = 56
"""Pre-period weeks `sowhat sync` stores: the CONTEXT_WEEKS the trend model fits, and before
them enough for a year and a month, so a yearly swing can be estimated
(`sowhat.stats.seasonal`; the older weeks go to `forecast_kr(history=...)`)."""
SHIFT_HAZARD = 0.0
"""Prior weekly chance of a level shift still to come (`trend_model.with_level_shift`). 0: a
shift still to come leaves no trace in the weeks seen, so a range wide enough to hold it is
as wide on every series that stays put; on the stress suite 0.02 moved level-shift coverage
at week 4 from 0.60 to 0.61 while flat series went from 0.89 to 0.94 (docs/forecast.md).
Kept settable so `benchmarks/stress.py --shift-hazard` can show that trade."""
SHIFT_REL_SD = 0.1
"""The sd of such a shift relative to the series' level (a rate: its distance to 0 or 1)."""


@dataclass(frozen=True)
class ForecastPoint:
    """The projection for one future week (for charts)."""

    week: int  # week number in the period (1 = the first week)
    median: float
    low: float
    high: float
    hit_probability: float  # P(value at or beyond the target in that week)


@dataclass(frozen=True)
class KRForecast:
    """Where a KR is heading, and how likely it reaches its target by the period's end."""

    probability: float  # P(final week's value at or beyond the target in `direction`)
    projected: float  # median of the final week's value
    expected: float  # mean of the final week's value
    low: float  # `interval` central predictive interval of the final week's value
    high: float
    interval: float
    target: float
    direction: Direction
    final_week: int
    observations: int  # data points used, counting the baseline
    path: tuple[ForecastPoint, ...]  # weeks after the last elapsed week, through final_week
    note: str | None = None

    def describe(self) -> str:
        return (
            f"expect {fmt(self.projected)} ({fmt(self.low)}–{fmt(self.high)}) by the period's "
            f"end; the target {fmt(self.target)} is {pct(self.probability)} likely"
        )


def fmt(x: float) -> str:
    """Numbers as people read them on a KR: 3 significant digits, thousands separated."""
    if not math.isfinite(x):
        return str(x)
    if abs(x) >= 1000:
        return f"{x:,.0f}"
    return f"{x:.3g}"


def pct(p: float) -> str:
    """Percent without claiming certainty: never "0%" or "100%" for a model's guess."""
    return format_chance(p)


def clean_series(values: Sequence[float | None], what: str) -> tuple[FloatArray, FloatArray]:
    """(times, values) of the observed weeks, 1-based; None and NaN are missing weeks."""
    times: list[float] = []
    ys: list[float] = []
    for i, v in enumerate(values):
        if v is None or (isinstance(v, float) and math.isnan(v)):
            continue
        x = float(v)
        if not math.isfinite(x):
            raise UserError(
                f"{what} week {i + 1} is {x}", hint="give finite numbers; use None for a gap"
            )
        times.append(float(i + 1))
        ys.append(x)
    return np.array(times), np.array(ys)


def resolve_direction(
    direction: Direction | None, baseline: float | None, target: float
) -> Direction:
    if direction is not None:
        return direction
    if baseline is None or baseline == target:
        raise UserError(
            "cannot tell whether the KR should go up or down",
            hint="pass direction= (increase or decrease) or a baseline different from the target",
        )
    return Direction.INCREASE if target > baseline else Direction.DECREASE


def summarise(
    pred: Predictive,
    *,
    target: float,
    direction: Direction,
    interval: float,
    bounds: tuple[float | None, float | None],
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray, FloatArray]:
    """(hit probability, median, low, high, mean) per predicted time."""
    if not 0.0 < interval < 1.0:
        raise UserError(f"interval {interval} is not a probability", hint="use e.g. 0.8")
    if direction is Direction.INCREASE:
        prob = pred.prob_at_least(target)
    else:
        prob = pred.prob_at_most(target)
    tail = (1.0 - interval) / 2.0
    lo_b = -np.inf if bounds[0] is None else bounds[0]
    hi_b = np.inf if bounds[1] is None else bounds[1]
    median, low, high = np.clip(pred.quantiles((0.5, tail, 1.0 - tail)), lo_b, hi_b)
    mean = np.clip(pred.expected(), lo_b, hi_b)
    return np.clip(prob, 0.0, 1.0), median, low, high, mean


def forecast_kr(
    values: Sequence[float | None],
    *,
    target: float,
    weeks_remaining: int,
    baseline: float | None = None,
    direction: Direction | None = None,
    weeks_elapsed: int | None = None,
    interval: float = DEFAULT_INTERVAL,
    bounds: tuple[float | None, float | None] = (None, None),
    history: Sequence[float | None] = (),
) -> KRForecast:
    """Forecast a KR's final-week value and the probability it reaches `target`.

    `history` holds older weeks just before `values` (oldest first, None for gaps): they are
    used only to estimate a yearly swing (`sowhat.stats.seasonal`), which needs a year of
    data; the trend model is fitted on `values` alone.
    `values` are the period's weekly values so far (week 1 first; None for a missing week);
    `weeks_elapsed` defaults to len(values) (more when the latest weeks are missing).
    `bounds` clips the reported values (e.g. (0, 1) for a rate); probabilities are unaffected.
    """
    if weeks_remaining < 0:
        raise UserError(f"weeks_remaining is {weeks_remaining}", hint="pass 0 or more")
    elapsed = len(values) if weeks_elapsed is None else weeks_elapsed
    if elapsed < len(values):
        raise UserError(
            f"weeks_elapsed={elapsed} but {len(values)} weekly values were given",
            hint="pass one value per elapsed week (None for gaps)",
        )
    direction = resolve_direction(direction, baseline, target)
    times, ys = clean_series(values, "KR")
    if baseline is not None:
        if not math.isfinite(baseline):
            raise UserError(f"baseline is {baseline}", hint="give a finite baseline or None")
        times = np.concatenate([[0.0], times])
        ys = np.concatenate([[float(baseline)], ys])
    if ys.size == 0:
        raise UserError(
            "no data to forecast from: no baseline and no weekly values",
            hint="set the KR's baseline or wait for its first weekly value",
        )
    final_week = elapsed + weeks_remaining
    last_time = float(times[-1])
    if final_week <= last_time:
        # The final week is observed: nothing left to forecast.
        final = float(ys[-1])
        hit = final >= target if direction is Direction.INCREASE else final <= target
        return KRForecast(
            probability=1.0 if hit else 0.0,
            projected=final,
            expected=final,
            low=final,
            high=final,
            interval=interval,
            target=target,
            direction=direction,
            final_week=final_week,
            observations=int(ys.size),
            path=(),
            note="the period's final week is already measured",
        )

    swing = _swing(history, values)
    fit = fit_trend(times, ys if swing is None else ys - swing.at(times))
    # The weeks still to come; just the final week when it has passed but is missing.
    weeks = np.arange(elapsed + 1, final_week + 1, dtype=float)
    if weeks.size == 0:
        weeks = np.array([float(final_week)])
    pred = predict(fit, weeks)
    if swing is not None:
        pred = Predictive(
            times=pred.times, weights=pred.weights, mean=pred.mean + swing.at(weeks)[None, :],
            sd=np.sqrt(pred.sd**2 + swing.change_variance(last_time, weeks)[None, :]))
    pred = with_level_shift(pred, last_time=last_time, hazard=SHIFT_HAZARD,
                            shift_sd=SHIFT_REL_SD * _shift_unit(ys, fit.scale, bounds))
    prob, median, low, high, mean = summarise(
        pred, target=target, direction=direction, interval=interval, bounds=bounds
    )
    path = tuple(
        ForecastPoint(
            week=int(w),
            median=float(median[i]),
            low=float(low[i]),
            high=float(high[i]),
            hit_probability=float(prob[i]),
        )
        for i, w in enumerate(weeks)
    )
    note = None
    if swing is not None:
        note = (f"includes a yearly swing of about ±{fmt(swing.amplitude)} seen in the "
                "past year")
    if ys.size <= 3:
        note = (
            f"only {ys.size} data point{'s' if ys.size > 1 else ''} so far: a wide forecast "
            "that leans towards no change"
        )
    return KRForecast(
        probability=float(prob[-1]),
        projected=float(median[-1]),
        expected=float(mean[-1]),
        low=float(low[-1]),
        high=float(high[-1]),
        interval=interval,
        target=target,
        direction=direction,
        final_week=final_week,
        observations=int(ys.size),
        path=path,
        note=note,
    )


def _shift_unit(ys: FloatArray, scale: float, bounds: tuple[float | None, float | None]) -> float:
    """What a level shift is relative to: the series' level, or for a rate its distance
    to the nearer bound (a retention at 0.97 cannot rise by 10% of 0.97); at least a few
    noise sds for series whose level is near zero."""
    level = float(np.mean(np.abs(ys)))
    if bounds[0] is not None and bounds[1] is not None:
        mid = float(np.mean(ys))
        level = min(mid - bounds[0], bounds[1] - mid)
    return max(level, TAU_NOISE_FLOOR * scale)


def _swing(history: Sequence[float | None], values: Sequence[float | None]) -> YearlySwing | None:
    """The yearly swing of history + values on the forecast's clock (week 1 = values[0])."""
    if not history:
        return None
    times, ys = clean_series([*history, *values], "history")
    return yearly_swing(times - float(len(history)), ys)
