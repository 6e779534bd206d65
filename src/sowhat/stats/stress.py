"""Stress processes: weekly KR series the forecast and impact models were NOT built from.

Why in the library: `sowhat.stats.synthetic` simulates the world the models were tuned on;
these are the processes real product metrics also show — random walks, level shifts at an
unknown week, heavy tails, small binomial samples, rates pinned near 0 or 1, yearly
seasonality, holidays, trend bends before a launch. The stress benchmark
(benchmarks/stress.py) and its light version in the tests share this code, so the claim
"calibrated on series it was not tuned on" is checked by code under review.

Every generator returns values in the metric's own units (rates in [0, 1], counts >= 0).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sowhat.domain.okr import Direction
from sowhat.stats.trend_model import FloatArray

PERIOD_WEEKS = 13
HISTORY_WEEKS = 56  # what `sowhat sync` stores before a period (forecast.HISTORY_WEEKS)
LONG_HISTORY_WEEKS = 78  # for the seasonal processes: a year and a half of history

FORECAST_PROCESSES: tuple[str, ...] = (
    "random_walk",
    "level_shift",
    "heavy_tails",
    "binomial_small",
    "yearly_season",
    "flat",
    "ar1",
    "rate_extreme",
    "weekly_counts",
    "holidays",
    "rate_holiday",  # added after the models were tuned: a check, never tuned on
    # Added in the third round, never tuned on: a shift of another size distribution and a
    # launch whose effect builds up over weeks.
    "shift_sizes",
    "launch_ramp",
)
SHIFT_PROCESSES: tuple[str, ...] = ("level_shift", "shift_sizes", "launch_ramp")
"""Processes whose level moves at an unknown week; their series record that week
(`StressSeries.shift_week`) so coverage can be split by whether it was seen."""

IMPACT_CASES: tuple[str, ...] = (
    "null",
    "step",
    "bend_treated",
    "bend_both",
    "ar1",
    "bump_at_launch",
    "heavy_tails",
    "binomial_small",
    "rate_extreme",
    "holidays",
    "seasonal_holiday",  # added after the models were tuned: a check, never tuned on
)
IMPACT_PRE_WEEKS = 26
STEP_EFFECT = 0.05  # the planted relative effect in the "step" case


def _ar1(rng: np.random.Generator, n: int, rho: float, sd: float) -> FloatArray:
    out = np.empty(n)
    out[0] = rng.normal(0.0, sd)
    shocks = rng.normal(0.0, sd * np.sqrt(1.0 - rho**2), n)
    for i in range(1, n):
        out[i] = rho * out[i - 1] + shocks[i]
    return out


def _binomial_rate(rng: np.random.Generator, p: FloatArray, n: FloatArray) -> FloatArray:
    trials = np.maximum(n.astype(int), 1)
    return np.asarray(rng.binomial(trials, np.clip(p, 1e-4, 1 - 1e-4)) / trials, dtype=float)


@dataclass(frozen=True)
class StressSeries:
    """One weekly series: `history` weeks before the period, then the period's weeks."""

    process: str
    kind: str  # rate | count | value
    history: FloatArray
    period: FloatArray
    # For SHIFT_PROCESSES: the period week index (0 = week 1) at which the level starts to
    # move; negative when it moved before the period.
    shift_week: int | None = None

    @property
    def bounds(self) -> tuple[float | None, float | None]:
        if self.kind == "rate":
            return (0.0, 1.0)
        if self.kind == "count":
            return (0.0, None)
        return (None, None)


def forecast_series(
    rng: np.random.Generator, process: str, *, history_weeks: int = HISTORY_WEEKS
) -> StressSeries:
    """A weekly series of `history_weeks` + PERIOD_WEEKS values from `process`."""
    if process == "yearly_season":
        history_weeks = max(history_weeks, LONG_HISTORY_WEEKS)
    n = history_weeks + PERIOD_WEEKS
    t = np.arange(n, dtype=float)
    level = float(np.exp(rng.uniform(np.log(200.0), np.log(20_000.0))))
    kind = "value"
    noise = rng.uniform(0.01, 0.04)
    at: int | None = None
    if process == "random_walk":
        drift = rng.normal(0.0, 0.004)
        steps = rng.normal(drift, rng.uniform(0.005, 0.02), n)
        mean = level * (1.0 + np.cumsum(steps))
        y = mean * (1.0 + rng.normal(0.0, noise / 2, n))
    elif process == "level_shift":
        at = int(rng.integers(history_weeks - 8, n - 1))
        shift = rng.choice([-1.0, 1.0]) * rng.uniform(0.05, 0.2)
        mean = level * (1.0 + shift * (t >= at))
        y = mean * (1.0 + rng.normal(0.0, noise, n))
    elif process == "heavy_tails":
        slope = rng.normal(0.0, 0.003)
        y = level * (1.0 + slope * (t - history_weeks) + noise * 0.6 * rng.standard_t(3, n))
    elif process == "binomial_small":
        kind = "rate"
        p = rng.uniform(0.05, 0.6) * (1.0 + rng.normal(0.0, 0.003) * (t - history_weeks))
        y = _binomial_rate(rng, p, rng.integers(30, 201, n).astype(float))
    elif process == "yearly_season":
        amp = rng.uniform(0.03, 0.08)
        phase = rng.uniform(0.0, 2 * np.pi)
        mean = level * (1.0 + amp * np.sin(2 * np.pi * t / 52.0 + phase))
        y = mean * (1.0 + rng.normal(0.0, rng.uniform(0.005, 0.02), n))
    elif process == "flat":
        y = level * (1.0 + rng.normal(0.0, noise, n))
    elif process == "ar1":
        slope = rng.normal(0.0, 0.003)
        y = level * (1.0 + slope * (t - history_weeks) + _ar1(rng, n, 0.6, noise))
    elif process == "rate_extreme":
        kind = "rate"
        p0 = rng.uniform(0.003, 0.03)
        p = p0 * (1.0 + rng.normal(0.0, 0.01) * (t - history_weeks)).clip(0.2, None)
        if rng.random() < 0.5:
            p = 1.0 - p
        y = _binomial_rate(rng, p, np.full(n, float(rng.integers(300, 3000))))
    elif process == "weekly_counts":
        kind = "count"
        lam = float(np.exp(rng.uniform(np.log(20.0), np.log(2_000.0))))
        rhythm = np.array([1.05, 1.08, 1.06, 1.03, 0.95, 0.6, 0.55]) * rng.uniform(0.9, 1.1, 7)
        slope = rng.normal(0.0, 0.003)
        daily = lam * rhythm[None, :] * (1.0 + slope * (t - history_weeks))[:, None]
        daily = daily * (1.0 + _ar1(rng, n, 0.3, 0.02))[:, None]
        y = rng.poisson(np.maximum(daily, 0.0)).sum(axis=1).astype(float)
    elif process == "holidays":
        kind = "count"
        lam = float(np.exp(rng.uniform(np.log(100.0), np.log(20_000.0))))
        mean = np.full(n, lam) * (1.0 + rng.normal(0.0, 0.002) * (t - history_weeks))
        for week in rng.choice(n, size=max(1, n // 20), replace=False):
            mean[week] *= 1.0 + rng.choice([-1.0, 1.0]) * rng.uniform(0.1, 0.3)
        y = rng.poisson(np.maximum(mean * (1.0 + rng.normal(0.0, 0.01, n)), 0.0)).astype(float)
    elif process == "rate_holiday":
        # A rate pinned near 0 or 1 (a retention, an error rate) that dips for a week or two
        # at the same time every year (a holiday), large weekly samples, a slight drift.
        kind = "rate"
        gap = rng.uniform(0.02, 0.1) * (1.0 + rng.normal(0.0, 0.004) * (t - history_weeks))
        dip_start = int(rng.integers(0, 52))
        dip = ((t.astype(int) - dip_start) % 52 < int(rng.integers(1, 3))).astype(float)
        gap = gap * (1.0 + rng.uniform(0.2, 0.5) * dip)
        p = gap if rng.random() < 0.5 else 1.0 - gap
        y = _binomial_rate(rng, p, rng.integers(500, 5001, n).astype(float))
    elif process == "shift_sizes":
        # Shift sizes from a heavy-tailed law (median 8%, 1 in 10 over 17%), AR(1) noise.
        at = int(rng.integers(history_weeks - 8, n - 1))
        size = min(float(np.exp(rng.normal(np.log(0.08), 0.6))), 0.5)
        mean = level * (1.0 + rng.choice([-1.0, 1.0]) * size * (t >= at))
        y = mean * (1.0 + _ar1(rng, n, 0.3, noise))
    elif process == "launch_ramp":
        # A launch whose effect (5-20%) builds up linearly over 3-8 weeks, on a slight drift.
        at = int(rng.integers(history_weeks - 8, n - 1))
        ramp = np.clip((t - at + 1) / int(rng.integers(3, 9)), 0.0, 1.0)
        effect = rng.choice([-1.0, 1.0]) * rng.uniform(0.05, 0.2)
        mean = level * (1.0 + rng.normal(0.0, 0.002) * (t - history_weeks) + effect * ramp)
        y = mean * (1.0 + rng.normal(0.0, noise, n))
    else:
        raise ValueError(f"unknown process {process!r}")
    return StressSeries(process=process, kind=kind, history=np.asarray(y[:history_weeks]),
                        period=np.asarray(y[history_weeks:]),
                        shift_week=None if at is None else at - history_weeks)


def target_for(rng: np.random.Generator, series: StressSeries) -> tuple[float, Direction]:
    """A target as teams set them: a relative change from the last pre-period week."""
    baseline = float(series.history[-1])
    direction = Direction.INCREASE if rng.random() < 0.75 else Direction.DECREASE
    rel = abs(rng.normal(0.0, 0.10)) + rng.uniform(-0.03, 0.04)
    sign = 1.0 if direction is Direction.INCREASE else -1.0
    target = baseline * (1.0 + sign * rel)
    if series.kind == "rate":
        target = float(np.clip(target, 1e-4, 1 - 1e-4))
    if target == baseline:
        target = baseline + sign * 1e-6 * max(1.0, abs(baseline))
    return float(target), direction


@dataclass(frozen=True)
class StressLaunch:
    """Weekly treated and control series around a launch, with the true average effect."""

    case: str
    treated: FloatArray
    control: FloatArray
    pre_weeks: int
    post_weeks: int
    effect: float  # true mean effect over the post weeks, metric units
    level: float  # treated pre-launch level, to size a relative expectation


def impact_launch(
    rng: np.random.Generator, case: str, *, post_weeks: int | None = None
) -> StressLaunch:
    """One launch: `IMPACT_PRE_WEEKS` weeks before, 1-6 after (or `post_weeks`)."""
    pre = IMPACT_PRE_WEEKS
    post = int(rng.integers(1, 7)) if post_weeks is None else post_weeks
    n = pre + post
    t = np.arange(n, dtype=float) - pre  # launch week = 0
    is_post = t >= 0
    kind = "rate" if case in ("binomial_small", "rate_extreme") else "count"
    trend = rng.normal(0.0, 0.002)
    rho = 0.6 if case == "ar1" else rng.uniform(0.0, 0.5)
    common = _ar1(rng, n, rho, rng.uniform(0.005, 0.02))
    shared = 1.0 + trend * t + common
    treated_extra = np.zeros(n)
    both_extra = np.zeros(n)
    if case in ("bend_treated", "bend_both"):
        begins = -int(rng.integers(3, 13))
        bend = rng.choice([-1.0, 1.0]) * rng.uniform(0.003, 0.008)
        hinge = bend * np.maximum(t - begins, 0.0)
        if case == "bend_treated":
            treated_extra += hinge
        else:
            both_extra += hinge
    if case == "bump_at_launch":
        weeks = int(rng.integers(1, 4))
        both_extra += rng.uniform(0.03, 0.06) * ((t >= 0) & (t < weeks))
    if case == "seasonal_holiday":
        # A yearly swing and a holiday week in both segments, the control's swing a bit
        # weaker or stronger; the holiday may fall after the launch.
        amp, phase = rng.uniform(0.03, 0.08), rng.uniform(0.0, 2 * np.pi)
        swing = amp * np.sin(2 * np.pi * (t + pre) / 52.0 + phase)
        both_extra += swing
        treated_extra += rng.uniform(-0.3, 0.3) * swing
        both_extra[int(rng.integers(pre - 8, n))] -= rng.uniform(0.1, 0.25)
    if case == "holidays":
        for week in rng.choice(n, size=2, replace=False):
            both_extra[week] += rng.choice([-1.0, 1.0]) * rng.uniform(0.05, 0.15)
    effect_rel = STEP_EFFECT if case == "step" else 0.0

    def own(size: int) -> FloatArray:
        sd = rng.uniform(0.004, 0.012)
        if case == "ar1":
            return _ar1(rng, size, 0.6, sd)
        if case == "heavy_tails":
            return sd * 0.6 * rng.standard_t(3, size)
        return rng.normal(0.0, sd, size)

    rel_t = shared + both_extra + treated_extra + own(n) + effect_rel * is_post
    rel_c = shared + both_extra + own(n)
    if kind == "rate":
        if case == "rate_extreme":
            p = rng.uniform(0.01, 0.04)
            trials = np.full(n, float(rng.integers(2_000, 10_000)))
        else:
            p = rng.uniform(0.1, 0.5)
            trials = rng.integers(30, 201, n).astype(float)
        treated = _binomial_rate(rng, p * rel_t, trials)
        control = _binomial_rate(rng, p * rel_c, rng.permutation(trials))
        level = p
    else:
        level = float(np.exp(rng.uniform(np.log(2_000.0), np.log(50_000.0))))
        share = rng.uniform(0.5, 1.5)
        treated = rng.poisson(np.maximum(level * rel_t, 0.0)).astype(float)
        control = rng.poisson(np.maximum(level * share * rel_c, 0.0)).astype(float)
    effect = float(level * effect_rel)
    return StressLaunch(case=case, treated=treated, control=control, pre_weeks=pre,
                        post_weeks=post, effect=effect, level=float(level))
