"""A yearly swing in a weekly KR series, when a year of history shows one.

Why: a period that runs into a seasonal peak or trough moves the metric for reasons the
trend model cannot see in half a year — it reads the swing's slope as a trend or a wander,
and early in the period its range was too narrow (stress suite, docs/forecast.md). With a
year or more of weekly history the swing can be estimated and carried forward.

The component is one yearly harmonic, c1 sin(2 pi t / P) + c2 cos(2 pi t / P) with P =
365.25 / 7 weeks, fitted with a line by `robust_fit` (AR(1) prewhitening, so a wandering
series is judged on its week-to-week changes rather than on a wander that happens to look
like half a sine) and kept only when F-tests of (c1, c2) = 0 reject at ALPHA both on the
levels and on the week-to-week changes (whose swing is the harmonic's differences): a
random walk's wander can look like half a sine in levels, never in its independent changes.
On the stress suite's random walks the levels test alone found a "swing" in 60% of series,
both together in 5%. A spurious swing carried forward does more harm than a real one left
out, which only widens the range.
Fewer than MIN_WEEKS observed weeks spanning a year: no component.

The forecast subtracts the swing, forecasts the rest with the trend model, adds the swing
back at the weeks ahead, and adds the variance of the swing's estimated change between the
last observed week and each week ahead (its coefficients' covariance): the uncertainty of
the seasonal estimate is in the range.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from sowhat.stats.robust_regression import robust_fit
from sowhat.stats.trend_model import FloatArray

PERIOD = 365.25 / 7.0  # weeks in a year
MIN_WEEKS = 56  # observed weeks, spanning at least a year and a month
ALPHA = 0.01


@dataclass(frozen=True)
class YearlySwing:
    """The fitted yearly harmonic, in the series' units, on the caller's week clock."""

    coef: FloatArray  # (2,) sin and cos coefficients
    cov: FloatArray  # (2, 2) their covariance (HAC, prewhitened)
    p_value: float  # F-test of no swing
    amplitude: float  # sqrt(c1^2 + c2^2)

    @staticmethod
    def basis(times: FloatArray) -> FloatArray:
        angle = 2.0 * math.pi * np.asarray(times, dtype=float) / PERIOD
        return np.column_stack([np.sin(angle), np.cos(angle)])

    def at(self, times: FloatArray) -> FloatArray:
        return np.asarray(self.basis(times) @ self.coef, dtype=float)

    def change_variance(self, start: float, times: FloatArray) -> FloatArray:
        """Var of the estimated swing's change from week `start` to each of `times`."""
        g = self.basis(times) - self.basis(np.array([start]))
        return np.asarray(np.einsum("hi,ij,hj->h", g, self.cov, g), dtype=float)


def yearly_swing(times: FloatArray, values: FloatArray) -> YearlySwing | None:
    """The yearly harmonic of `values` at weekly `times` (strictly increasing), or None
    when there is under a year of data or no evidence of a swing."""
    t = np.asarray(times, dtype=float)
    y = np.asarray(values, dtype=float)
    if y.size < MIN_WEEKS or float(t[-1] - t[0]) < PERIOD:
        return None
    design = np.column_stack([np.ones_like(t), t - t.mean(), YearlySwing.basis(t)])
    if np.linalg.matrix_rank(design) < design.shape[1] or float(np.ptp(y)) == 0.0:
        return None
    fit = robust_fit(y, design, t=t, launch_cols=[2, 3])
    coef = fit.params[2:4]
    cov = fit.cov[2:4, 2:4]
    p_level = _f_test(coef, cov, fit.df)
    # The same swing must show in the week-to-week changes: a random walk's wander can look
    # like half a sine in levels, never in its independent changes.
    change = np.column_stack([np.ones(t.size - 1), np.diff(YearlySwing.basis(t), axis=0)])
    dfit = robust_fit(np.diff(y), change, t=t[1:], launch_cols=[1, 2])
    p_change = _f_test(dfit.params[1:3], dfit.cov[1:3, 1:3], dfit.df)
    p_value = max(p_level, p_change)
    if not p_value < ALPHA:
        return None
    return YearlySwing(coef=np.asarray(coef, dtype=float), cov=np.asarray(cov, dtype=float),
                       p_value=p_value, amplitude=float(np.hypot(*coef)))


def _f_test(coef: FloatArray, cov: FloatArray, df: float) -> float:
    """p-value of coef = 0 (two coefficients) from their covariance: F(2, df)."""
    try:
        wald = float(coef @ np.linalg.solve(cov, coef))
    except np.linalg.LinAlgError:
        return 1.0
    # F(2, d)'s survival function has a closed form, (1 + 2x/d)^(-d/2) (a test holds it to
    # scipy.stats.f.sf): no SciPy import for `sowhat sync`, which fits every KR's forecast
    # (importing scipy.special alone costs a process ≈0.6 s of CPU).
    d, x = max(df, 1.0), max(wald / 2.0, 0.0)
    return math.exp(-0.5 * d * math.log1p(2.0 * x / d))
