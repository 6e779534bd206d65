"""Is a weekly series moving, or only wobbling? Noise levels and trends for the reviews.

Two questions the dashboard and the reviews ask of a KR's weekly values, answered so that
a flat noisy series reads "no clear change" instead of "worsening":

- `noise_sd`: how much one week's value wobbles around the series' local level. Estimated
  from week-over-week differences, robustly: for independent noise e with sd s, a difference
  of two weeks has sd s·√2, and a slow trend only shifts the differences' centre, which the
  median absolute deviation ignores. So s = 1.4826 · MAD(diffs) / √2 (1.4826 makes the MAD a
  consistent estimate of a normal sd; Rousseeuw & Croux 1993).
- `beyond_noise`: a change between two weekly values (or a value and a measured baseline) is
  a movement when it exceeds `K_SIGMA` times the sd of such a difference, s·√2.
- `linear_trend`: the least-squares slope per week with its t interval (n − 2 degrees of
  freedom); a trend has a direction only when that interval excludes zero.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats

__all__ = ["K_SIGMA", "TREND_LEVEL", "Trend", "beyond_noise", "linear_trend", "noise_sd"]

K_SIGMA = 2.0  # a week-to-week move beyond 2 sd of noise is worth a person's attention
TREND_LEVEL = 0.90  # two-sided level of the slope's interval
MAD_TO_SD = 1.4826
MIN_DIFFS = 3


@dataclass(frozen=True)
class Trend:
    slope: float  # per week
    low: float  # the slope's interval at TREND_LEVEL
    high: float
    weeks: int

    @property
    def clear(self) -> bool:
        """The interval excludes zero: the series is rising or falling, not wobbling."""
        return self.low > 0 or self.high < 0


def noise_sd(values: Sequence[float | None]) -> float | None:
    """The sd of one week's value around its local level; None with under 4 usable weeks.

    Only differences between consecutive observed weeks count (a gap breaks the chain)."""
    diffs = [b - a for a, b in zip(values, values[1:], strict=False)
             if a is not None and b is not None]  # fmt: skip
    if len(diffs) < MIN_DIFFS:
        return None
    d = np.asarray(diffs, dtype=float)
    mad = float(np.median(np.abs(d - np.median(d))))
    if mad == 0.0:  # over half the differences identical: fall back to the plain sd
        mad = float(np.std(d, ddof=1)) / MAD_TO_SD
    return MAD_TO_SD * mad / math.sqrt(2.0)


def beyond_noise(change: float | None, sd: float | None, k: float = K_SIGMA) -> bool | None:
    """Whether a difference of two noisy weekly levels is a movement (None: cannot tell)."""
    if change is None or sd is None:
        return None
    if sd == 0.0:
        return change != 0.0
    return abs(change) > k * sd * math.sqrt(2.0)


def linear_trend(values: Sequence[float | None], level: float = TREND_LEVEL) -> Trend | None:
    """OLS slope per week of the observed values (week index as x) and its t interval.

    None with fewer than 3 observed weeks: two points always lie on a line, so they say
    nothing about noise."""
    pts = [(float(i), v) for i, v in enumerate(values) if v is not None]
    n = len(pts)
    if n < 3:
        return None
    x = np.array([p[0] for p in pts])
    y = np.array([p[1] for p in pts], dtype=float)
    xc = x - x.mean()
    sxx = float(xc @ xc)
    slope = float(xc @ (y - y.mean())) / sxx
    resid = y - y.mean() - slope * xc
    se = math.sqrt(float(resid @ resid) / (n - 2) / sxx)
    half = float(stats.t.ppf(0.5 + level / 2.0, n - 2)) * se
    return Trend(slope=slope, low=slope - half, high=slope + half, weeks=n)
