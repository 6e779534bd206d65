"""Always-valid inference: confidence sequences and p-values that survive peeking.

A fixed-horizon t-test is only valid if you look once. Teams look every day, and stopping at
the first p < 0.05 inflates false positives several-fold. The asymptotic confidence sequence
of Waudby-Smith, Ramdas et al. (2023, "Time-uniform central limit theory and asymptotic
confidence sequences", arXiv:2103.06476v7) uses a normal-mixture boundary (the same family as
Howard et al. 2021 and the mixture SPRT of Johari et al. 2017): with N = n_A + n_B units,
s^2 = N * Var(estimate) and mixing parameter rho,

    half-width = s * sqrt(2 (N rho^2 + 1) / (N rho)^2 * log(sqrt(N rho^2 + 1) / alpha))  (eq. 9)
    rho = sqrt((-2 log alpha + log(-2 log alpha + 1)) / tuning)                          (eq. 161)

The tuning parameter is the sample size N at which the boundary is tightest; gbstats (and we)
default to 5,000. Set it near the number of units you expect to reach: too small or too large
only widens the interval, it never breaks validity. The matching always-valid p-value is the
reciprocal of the mixture e-value (eq. 155), capped at 1, so "p < alpha" and "the interval
excludes 0" agree. This mirrors gbstats 0.8.0 SequentialTwoSidedTTest exactly.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]

DEFAULT_TUNING = 5000.0


def mixture_rho(alpha: float, tuning: float = DEFAULT_TUNING) -> float:
    """Mixing parameter that makes the boundary tightest at N = tuning (eq. 161)."""
    la = -2.0 * np.log(alpha)
    return float(np.sqrt((la + np.log(la + 1.0)) / tuning))


def half_width(
    variance: FloatArray, total_n: FloatArray, alpha: float, tuning: float = DEFAULT_TUNING
) -> FloatArray:
    """Half-width of the (1 - alpha) confidence sequence for an estimate with this variance."""
    rho = mixture_rho(alpha, tuning)
    nr2 = total_n * rho**2
    s2 = variance * total_n
    with np.errstate(divide="ignore", invalid="ignore"):
        inner = 2.0 * (nr2 + 1.0) * np.log(np.sqrt(nr2 + 1.0) / alpha) / (total_n * rho) ** 2
        return np.asarray(np.sqrt(s2) * np.sqrt(inner), dtype=np.float64)


def p_value(
    estimate: FloatArray,
    variance: FloatArray,
    total_n: FloatArray,
    alpha: float,
    tuning: float = DEFAULT_TUNING,
    null: float | FloatArray = 0.0,
) -> FloatArray:
    """Always-valid p-value: min(1, 1 / e-value), computed in logs to avoid overflow."""
    rho = mixture_rho(alpha, tuning)
    with np.errstate(divide="ignore", invalid="ignore"):
        st2 = (estimate - null) ** 2 * total_n / variance
        tr2p1 = total_n * rho**2 + 1.0
        log_e = rho**2 * st2 / (2.0 * tr2p1) - 0.5 * np.log(tr2p1)
    return np.asarray(np.exp(-np.maximum(log_e, 0.0)), dtype=np.float64)
