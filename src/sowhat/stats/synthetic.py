"""Synthetic KR series with known outcomes, for calibration checks (tests and benchmarks).

Why in the library: the forecast's claim ("70% means 70%") is only as good as the series it
was checked on, so the generator is code under review like the model, shared by the fast
test and the big benchmark. It is deliberately NOT the forecast model: rates and counts with
binomial / Poisson sampling noise, AR(1) disturbances, occasional level shifts, rounded
baselines, missing weeks, and targets set the way teams set them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np

from sowhat.domain.okr import Direction

QUARTER_WEEKS = 13


@dataclass(frozen=True)
class SyntheticKR:
    """One simulated KR: what the forecaster sees, and what then happened."""

    kind: str  # "rate" | "count"
    values: tuple[float | None, ...]  # weeks 1..weeks_elapsed of the period
    history: tuple[float | None, ...]  # weeks before the period, oldest first, ending week 0
    baseline: float
    target: float
    direction: Direction
    weeks_elapsed: int
    weeks_remaining: int
    final_value: float  # the period's last week
    hit: bool


def _round_sig(x: float, digits: int) -> float:
    if x == 0:
        return 0.0
    return float(round(x, digits - 1 - int(np.floor(np.log10(abs(x))))))


def simulate_kr(
    rng: np.random.Generator,
    *,
    history_weeks: int = 0,
    weeks_elapsed: int | None = None,
    period_weeks: int = QUARTER_WEEKS,
) -> SyntheticKR:
    """One KR series: `history_weeks` before the baseline week 0, then `period_weeks` weeks.

    The forecast point is drawn from weeks 4-8 unless `weeks_elapsed` is given.
    """
    elapsed = int(rng.integers(4, 9)) if weeks_elapsed is None else weeks_elapsed
    total = history_weeks + 1 + period_weeks  # history, the baseline week (0), the period
    t = np.arange(total, dtype=float) - history_weeks  # week 0 = the week before the period
    kind = "rate" if rng.random() < 0.5 else "count"

    if kind == "rate":
        level0 = rng.uniform(0.03, 0.85)
        cohort = np.exp(rng.uniform(np.log(150), np.log(30_000)))
    else:
        level0 = np.exp(rng.uniform(np.log(40), np.log(60_000)))
        cohort = 0.0
    unit = level0
    # Trend: a third of KRs do not move at all; the rest drift by a relative amount per
    # quarter with heavy tails (a few KRs double).
    moves = rng.random() >= 0.35
    slope = unit * 0.12 * rng.standard_t(4) / QUARTER_WEEKS if moves else 0.0
    # Disturbances beyond sampling noise: AR(1), sometimes white.
    rho = 0.0 if rng.random() < 0.3 else rng.uniform(0.2, 0.85)
    extra_sd = unit * np.exp(rng.uniform(np.log(0.004), np.log(0.06)))
    shocks = rng.normal(0.0, extra_sd * np.sqrt(1 - rho**2), total)
    ar = np.empty(total)
    ar[0] = rng.normal(0.0, extra_sd)
    for i in range(1, total):
        ar[i] = rho * ar[i - 1] + shocks[i]
    mean = level0 + slope * t + ar
    # Occasional level shift (a pricing change, a tracking fix, a big customer).
    if rng.random() < 0.2:
        at = rng.integers(1, total)
        mean[at:] += unit * rng.normal(0.0, 0.05)

    if kind == "rate":
        p = np.clip(mean, 0.001, 0.999)
        y = rng.binomial(int(cohort), p) / int(cohort)
    else:
        lam = np.maximum(mean, 0.5)
        y = rng.poisson(lam).astype(float)

    hist = y[: history_weeks + 1] if history_weeks else y[:0]
    base_true = float(y[history_weeks])
    period = y[history_weeks + 1 :]
    baseline = _round_sig(base_true, int(rng.integers(2, 4))) if rng.random() < 0.5 else base_true

    direction = Direction.INCREASE if rng.random() < 0.75 else Direction.DECREASE
    # Targets: a relative change from the baseline, from timid to heroic.
    rel = abs(rng.normal(0.0, 0.12)) + rng.uniform(-0.02, 0.05)
    sign = 1.0 if direction is Direction.INCREASE else -1.0
    target = baseline * (1.0 + sign * rel)
    if kind == "rate":
        target = float(np.clip(target, 0.001, 0.999))
    if target == baseline:
        target = baseline + sign * 1e-6 * max(1.0, abs(baseline))

    observed: list[float | None] = [float(v) for v in period[:elapsed]]
    for i in range(len(observed)):
        if rng.random() < 0.05:
            observed[i] = None
    history: list[float | None] = [float(v) for v in hist]
    for i in range(len(history)):
        if rng.random() < 0.05:
            history[i] = None
    final = float(period[-1])
    hit = final >= target if direction is Direction.INCREASE else final <= target
    return SyntheticKR(
        kind=kind,
        values=tuple(observed),
        history=tuple(history),
        baseline=baseline,
        target=float(target),
        direction=direction,
        weeks_elapsed=elapsed,
        weeks_remaining=period_weeks - elapsed,
        final_value=final,
        hit=bool(hit),
    )


@dataclass(frozen=True)
class CalibrationBin:
    lower: float
    upper: float
    count: int
    mean_predicted: float
    observed_rate: float


@dataclass(frozen=True)
class Calibration:
    """Binned calibration error: weighted by bin count (the usual ECE) and unweighted."""

    bins: tuple[CalibrationBin, ...]
    weighted_error: float
    unweighted_error: float
    brier: float
    n: int


def calibration(predicted: np.ndarray, observed: np.ndarray, bins: int = 10) -> Calibration:
    """Mean over equal-width probability bins of |mean predicted - observed rate|."""
    p = np.asarray(predicted, dtype=float)
    o = np.asarray(observed, dtype=float)
    edges = np.linspace(0.0, 1.0, bins + 1)
    index = np.clip(np.digitize(p, edges[1:-1]), 0, bins - 1)
    out = []
    for b in range(bins):
        mask = index == b
        if mask.any():
            out.append(
                CalibrationBin(
                    lower=float(edges[b]),
                    upper=float(edges[b + 1]),
                    count=int(mask.sum()),
                    mean_predicted=float(p[mask].mean()),
                    observed_rate=float(o[mask].mean()),
                )
            )
    gaps = np.array([abs(b.mean_predicted - b.observed_rate) for b in out])
    counts = np.array([b.count for b in out], dtype=float)
    return Calibration(
        bins=tuple(out),
        weighted_error=float(np.sum(gaps * counts) / counts.sum()),
        unweighted_error=float(gaps.mean()),
        brier=float(np.mean((p - o) ** 2)),
        n=int(p.size),
    )


@dataclass(frozen=True)
class SyntheticLaunch:
    """A daily KR series (and an unexposed segment's) around a launch with a known effect."""

    kind: str  # "rate" | "count"
    dates: tuple[date, ...]
    treated: tuple[float | None, ...]
    control: tuple[float | None, ...]
    launch: date
    effect: float  # the planted level change, in the metric's units
    relative_effect: float


def _ar1(rng: np.random.Generator, n: int, rho: float, sd: float) -> np.ndarray:
    out = np.empty(n)
    out[0] = rng.normal(0.0, sd)
    shocks = rng.normal(0.0, sd * np.sqrt(1.0 - rho**2), n)
    for i in range(1, n):
        out[i] = rho * out[i - 1] + shocks[i]
    return out


def simulate_launch(
    rng: np.random.Generator,
    *,
    relative_effect: float,
    days_pre: int = 84,
    days_post: int = 42,
    start: date = date(2026, 1, 5),
    missing: float = 0.01,
) -> SyntheticLaunch:
    """Daily values for a treated and a control segment; the launch shifts the treated level.

    Rates are daily cohorts' conversion (binomial noise on weekday-dependent cohort sizes);
    counts are daily events (Poisson). Both segments share the weekday rhythm, the trend and
    a common AR(1) disturbance (the market, the season); each adds its own smaller AR(1)
    wobble and sampling noise. The effect is a level shift of `relative_effect` x the
    treated segment's pre-launch level, from the launch day on.
    """
    n = days_pre + days_post
    dates = tuple(start + timedelta(days=i) for i in range(n))
    weekday = np.array([d.weekday() for d in dates])
    t = np.arange(n, dtype=float)
    kind = "rate" if rng.random() < 0.5 else "count"
    if kind == "rate":
        level = rng.uniform(0.08, 0.6)
        rhythm = 1.0 + rng.normal(0.0, 0.04, 7)
    else:
        level = float(np.exp(rng.uniform(np.log(150), np.log(5000))))
        rhythm = np.array([1.05, 1.08, 1.06, 1.03, 0.95, 0.6, 0.55]) * rng.uniform(0.9, 1.1, 7)
    trend = level * rng.normal(0.0, 0.1) / 90.0  # up to ~±10% a quarter
    rho_common = rng.uniform(0.0, 0.7)
    common = _ar1(rng, n, rho_common, level * rng.uniform(0.005, 0.03))
    control_share = rng.uniform(0.5, 1.5)  # control segment's level relative to treated
    effect = relative_effect * level
    post = t >= days_pre

    def segment(base: float, planted: float, size_factor: float) -> np.ndarray:
        own = _ar1(rng, n, rng.uniform(0.0, 0.5), base * rng.uniform(0.002, 0.01))
        mean = (base + trend * t * base / level + common * base / level + own) * rhythm[weekday]
        mean = mean + planted * post * rhythm[weekday]
        if kind == "rate":
            cohort = np.maximum(
                (size_factor * rng.uniform(80, 800) * rhythm[weekday] ** 3).astype(int), 5
            )
            return np.asarray(rng.binomial(cohort, np.clip(mean, 0.001, 0.999)) / cohort)
        return np.asarray(rng.poisson(np.maximum(mean, 0.1)), dtype=float)

    treated = segment(level, effect, 1.0)
    control = segment(level * control_share if kind == "count" else level, 0.0, control_share)

    def with_gaps(values: np.ndarray) -> tuple[float | None, ...]:
        return tuple(None if rng.random() < missing else float(v) for v in values)

    return SyntheticLaunch(
        kind=kind,
        dates=dates,
        treated=with_gaps(treated),
        control=with_gaps(control),
        launch=dates[days_pre],
        effect=float(effect * rhythm.mean()),
        relative_effect=relative_effect,
    )
