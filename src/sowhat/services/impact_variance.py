"""A floor under the launch-impact standard errors: a workaround, kept apart to be removable.

Why: `sowhat.stats.its` and `sowhat.stats.did` use Newey–West (HAC) errors. On weekly KR
series with few post-launch weeks — every fresh launch — the sandwich is far too small: the
launch dummy fits the post-launch points almost exactly, their residuals are near zero, and the
sandwich reads that as certainty. Seeded white noise with 26 weeks before and 3 after gives
90% intervals that cover the true zero effect only ~69% of the time (1 week after: ~42%); see
tests/unit/services/test_impact_variance.py, whose strict xfail turns into a failure the day
the stats module covers correctly, so this module can then go.

What: the classical OLS variance of the same coefficient, inflated for lag-1 autocorrelation
of the residuals by (1 + rho) / (1 - rho) (the AR(1) long-run variance factor; rho clipped to
[0, 0.9]), with t on n - k degrees of freedom. The reported standard error is the larger of
the two, so whichever is honest wins and nothing gets narrower. Point estimates are the stats
module's, untouched.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats

from sowhat.stats.impact import ImpactEstimate

INTERVAL_NOTE = (
    "Interval: the larger of the Newey–West (HAC) standard error and the OLS standard error "
    "inflated for lag-1 autocorrelation, t on n - k degrees of freedom (docs/bets.md)."
)
MAX_RHO = 0.9


@dataclass(frozen=True)
class TInference:
    low: float
    high: float
    p_value: float
    mde: float


def t_inference(estimate: float, se: float, df: float, level: float, power: float
                ) -> TInference:
    """t interval, two-sided p-value, and MDE = (t_{1-alpha/2} + t_power) x SE (Bloom 1995),
    the same conventions `sowhat.stats` states for its impact estimates."""
    crit = float(stats.t.ppf(1.0 - (1.0 - level) / 2.0, df))
    p = float(2.0 * stats.t.sf(abs(estimate) / se, df)) if se > 0 else float(estimate == 0)
    mde = (crit + float(stats.t.ppf(power, df))) * se
    return TInference(estimate - crit * se, estimate + crit * se, p, mde)


def residual_noise(y: Sequence[float] | np.ndarray, design: np.ndarray
                   ) -> tuple[float, float, float]:
    """(residual variance, lag-1 residual autocorrelation clipped to [0, 0.9], residual df)."""
    yy = np.asarray(y, dtype=float)
    n, k = design.shape
    df = n - k
    if df < 1:
        return math.inf, 0.0, 0.0
    beta, *_ = np.linalg.lstsq(design, yy, rcond=None)
    resid = yy - design @ beta
    rho = 0.0
    if n > 2 and float(np.std(resid[:-1])) > 0 and float(np.std(resid[1:])) > 0:
        rho = float(np.corrcoef(resid[:-1], resid[1:])[0, 1])
    return float(resid @ resid) / df, min(max(rho, 0.0), MAX_RHO), float(df)


def ar1_inflated_se(
    y: Sequence[float] | np.ndarray, design: np.ndarray, column: int
) -> tuple[float, float]:
    """(standard error of one OLS coefficient inflated for AR(1) residuals, residual df)."""
    s2, rho, df = residual_noise(y, design)
    if df < 1:
        return math.inf, 1.0
    cov = s2 * np.linalg.pinv(design.T @ design)
    inflation = (1.0 + rho) / (1.0 - rho)
    return math.sqrt(max(float(cov[column, column]), 0.0) * inflation), df


def projected_level_se(sigma2: float, rho: float, n_pre: int, n_post: int) -> float:
    """SE of a level change with `n_pre` trend-fitted points before and `n_post` after."""
    t = np.arange(-n_pre, n_post, dtype=float)
    design = np.column_stack([np.ones_like(t), t, (t >= 0).astype(float)])
    inverse = np.linalg.pinv(design.T @ design)
    return math.sqrt(sigma2 * (1.0 + rho) / (1.0 - rho) * max(float(inverse[2, 2]), 0.0))


def floor_its(estimate: ImpactEstimate, t: Sequence[float], y: Sequence[float]) -> ImpactEstimate:
    """Level-change ITS (const, trend, post) with the standard-error floor applied."""
    tt = np.asarray(t, dtype=float)
    design = np.column_stack([np.ones_like(tt), tt, (tt >= 0).astype(float)])
    se, df = ar1_inflated_se(y, design, 2)
    return _with_se(estimate, se, df)


def floor_did(estimate: ImpactEstimate, t: Sequence[float], treated: Sequence[float],
              control: Sequence[float]) -> ImpactEstimate:
    """DiD on treated - k x control (k as the stats module chose it) with the floor applied."""
    k = estimate.control_scale if estimate.control_scale is not None else 1.0
    diff = np.asarray(treated, dtype=float) - k * np.asarray(control, dtype=float)
    tt = np.asarray(t, dtype=float)
    design = np.column_stack([np.ones_like(tt), (tt >= 0).astype(float)])
    se, df = ar1_inflated_se(diff, design, 1)
    return _with_se(estimate, se, df)


def _with_se(estimate: ImpactEstimate, se: float, df: float) -> ImpactEstimate:
    if not estimate.ok or estimate.effect is None or estimate.std_error is None:
        return estimate
    if not math.isfinite(se) or se <= estimate.std_error:
        return dataclasses.replace(estimate, assumptions=(*estimate.assumptions, INTERVAL_NOTE))
    use_df = min(df, estimate.df) if estimate.df is not None else df
    inf = t_inference(estimate.effect, se, use_df, estimate.level, estimate.power)
    return dataclasses.replace(
        estimate,
        std_error=se,
        low=inf.low,
        high=inf.high,
        p_value=inf.p_value,
        mde=inf.mde,
        df=use_df,
        level_change_se=se if estimate.slope_change is None else (
            estimate.level_change_se),
        assumptions=(*estimate.assumptions, INTERVAL_NOTE),
    )
