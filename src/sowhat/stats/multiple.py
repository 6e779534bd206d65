"""Multiple-comparison corrections, vectorised along the last axis.

An experiment with several treatment arms makes several comparisons against control; testing
each at alpha inflates the chance of at least one false "win". Holm (1979) controls that
family-wise error rate and is uniformly more powerful than Bonferroni; Benjamini & Hochberg
(1995) controls the false discovery rate instead. Both are implemented on whole arrays (one
row per metric, one column per comparison) so thousands of metrics cost one sort.

NaN p-values (comparisons that could not be computed) are left NaN and do not count towards
the number of tests in their row. Results match statsmodels' `multipletests` (methods
"holm" and "fdr_bh") on rows without NaN.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray

from sowhat.errors import UserError

Correction = Literal["holm", "bh"]
CORRECTIONS: tuple[Correction, ...] = ("holm", "bh")


def _sorted(
    p: NDArray[np.float64],
) -> tuple[NDArray[np.intp], NDArray[np.float64], NDArray[np.float64]]:
    """Ascending order per row (NaN last), the sorted values and the valid count per row."""
    order = np.argsort(p, axis=-1, kind="stable")
    ps = np.take_along_axis(p, order, axis=-1)
    m = np.sum(~np.isnan(p), axis=-1, keepdims=True).astype(np.float64)
    return order, ps, m


def _unsort(values: NDArray[np.float64], order: NDArray[np.intp]) -> NDArray[np.float64]:
    out = np.empty_like(values)
    np.put_along_axis(out, order, values, axis=-1)
    return out


def holm(p_values: ArrayLike) -> NDArray[np.float64]:
    """Holm step-down adjusted p-values: max over j<=i of (m - j) p_(j), capped at 1."""
    p = np.asarray(p_values, dtype=np.float64)
    order, ps, m = _sorted(p)
    rank = np.arange(p.shape[-1], dtype=np.float64)
    scaled = (m - rank) * ps
    filled = np.where(np.isnan(scaled), -np.inf, scaled)
    adjusted = np.minimum(np.maximum.accumulate(filled, axis=-1), 1.0)
    adjusted = np.where(np.isnan(ps), np.nan, adjusted)
    return _unsort(adjusted, order)


def benjamini_hochberg(p_values: ArrayLike) -> NDArray[np.float64]:
    """BH step-up adjusted p-values: min over j>=i of m p_(j) / j, capped at 1."""
    p = np.asarray(p_values, dtype=np.float64)
    order, ps, m = _sorted(p)
    rank = np.arange(1, p.shape[-1] + 1, dtype=np.float64)
    scaled = m * ps / rank
    filled = np.where(np.isnan(scaled), np.inf, scaled)
    reversed_min = np.minimum.accumulate(filled[..., ::-1], axis=-1)[..., ::-1]
    adjusted = np.minimum(reversed_min, 1.0)
    adjusted = np.where(np.isnan(ps), np.nan, adjusted)
    return _unsort(adjusted, order)


def adjust(p_values: ArrayLike, method: Correction | None) -> NDArray[np.float64]:
    """Dispatch on the method name used in experiment files ("holm", "bh" or None)."""
    raw = np.asarray(p_values, dtype=np.float64)
    if method is None:
        return raw
    if method not in ("holm", "bh"):
        raise UserError(f"unknown correction '{method}'", hint="use holm, bh or null")
    adjusted = holm(raw) if method == "holm" else benjamini_hochberg(raw)
    # never below the raw p-value: BH's p·m/rank can round a last bit under it (0.4132585114
    # 4924314 from 0.4132585114492432 in a two-arm test), and an adjusted p-value smaller
    # than the raw one is a contradiction a reader can see
    return np.where(np.isnan(adjusted), adjusted, np.maximum(adjusted, raw))
