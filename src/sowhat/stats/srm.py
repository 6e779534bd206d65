"""Sample-ratio mismatch: did the arms get the traffic the design promised?

A chi-square goodness-of-fit test of the arm counts against the planned allocation. A tiny
p-value (the usual alarm is < 0.001) means assignment or logging is broken, and every lift in
the experiment is suspect. Mirrors gbstats.utils.check_srm: arms with weight <= 0 are skipped
in the statistic but the degrees of freedom stay arms - 1; no units at all gives p = 1.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import stats

from sowhat.errors import UserError

SRM_ALARM = 0.001


def normalized_weights(weights: Sequence[float] | None, arms: int) -> NDArray[np.float64]:
    """Planned allocation as fractions summing to 1 (equal split when not given)."""
    if weights is None:
        return np.full(arms, 1.0 / arms)
    w = np.asarray(weights, dtype=np.float64)
    if w.shape != (arms,):
        raise UserError(
            f"weights has {w.size} entries but there are {arms} arms",
            hint="give one planned traffic share per arm, control first",
        )
    if not np.all(np.isfinite(w)) or np.any(w < 0) or w.sum() <= 0:
        raise UserError(
            "weights must be non-negative numbers with a positive total",
            hint="for example 0.5,0.5",
        )
    return np.asarray(w / w.sum(), dtype=np.float64)


def srm_p_values(counts: ArrayLike, weights: Sequence[float] | None = None) -> NDArray[np.float64]:
    """Chi-square SRM p-value per row of a (metrics, arms) array of unit counts."""
    n = np.atleast_2d(np.asarray(counts, dtype=np.float64))
    arms = n.shape[1]
    w = normalized_weights(weights, arms)
    total = n.sum(axis=1, keepdims=True)
    expected = w[None, :] * total
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(w[None, :] > 0, (n - expected) ** 2 / expected, 0.0)
    x2 = terms.sum(axis=1)
    p = np.asarray(stats.chi2.sf(x2, arms - 1), dtype=np.float64)
    return np.where(total[:, 0] > 0, p, 1.0)
