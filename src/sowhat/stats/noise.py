"""Is a weekly series moving, or only wobbling? Noise levels and trends for the reviews.

Two questions the dashboard and the reviews ask of a KR's weekly values, answered so that
a flat noisy series reads "no clear change" instead of "worsening":

- `noise_level`: how much one week's value wobbles around the series' local level, from
  week-over-week differences: for independent noise with sd s, a difference of two weeks has
  sd s·√2, and a slow trend only shifts the differences' mean, which the sample sd removes.
  So s = sd(diffs) / √2, with len(diffs) − 1 degrees of freedom. (The median absolute
  deviation is more robust but, with the 6–12 weeks a quarter has, so variable that a 2-sd
  rule raised 15% false alarms on pure noise; the sd with a t quantile keeps them near 5%.)
- `level_noise`: how much one week's value wobbles around the level of the weeks *before the
  period* — the sd of their residuals around a least-squares line (n − 2 degrees of freedom).
  This is the noise a week is judged against when compared with the KR's baseline: read from
  the weeks before the period, a step inside the period cannot widen it, and residuals around
  the level (unlike differences) keep the wander of an autocorrelated series.
- `beyond_noise`: a change between two weekly values is a movement when it lies outside the
  central `MOVE_LEVEL` (95%) prediction range of such a difference: |change| > t(df) · s · √2.
  Against a level measured over k weeks (a KR's baseline is a 28-day level, k = 4) the other
  side wobbles less: |change| > t(df) · s · √(1 + 1/k). Judging the baseline as one more
  noisy week, with the noise read from weeks that held the step, hid real moves: activation
  stepping from 40% to 49% for four weeks read "stayed within noise" beside a progress of
  154%. On pure noise (13 weeks before, 7 in the period, 3,000 series) `level_noise` with
  k = 4 alarms 4.7% (normal), 6.9% (t with 3 df), 8.3% / 11.1% (AR(1), φ = 0.3 / 0.5); it
  sees a 3-sd step 70% of the time, against 46% for differences with √2.
- `linear_trend`: the least-squares slope per week with its t interval (n − 2 degrees of
  freedom); a trend has a direction only when that interval excludes zero.
"""

from __future__ import annotations

import functools
import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

__all__ = ["LEVEL_WEEKS", "MOVE_LEVEL", "TREND_LEVEL", "Noise", "Trend", "beyond_noise",
           "count_dispersion", "level_noise", "linear_trend", "means_differ", "noise_level",
           "proportions_differ", "rates_differ"]

MOVE_LEVEL = 0.95  # a week-to-week move outside 95% of what noise does is worth attention
TREND_LEVEL = 0.90  # two-sided level of the slope's interval
MIN_DIFFS = 3
LEVEL_WEEKS = 13  # a quarter of weeks before what is judged: the span `level_noise` reads


@dataclass(frozen=True)
class Noise:
    sd: float  # of one week's value around its local level
    df: int  # degrees of freedom of that estimate


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


def noise_level(values: Sequence[float | None]) -> Noise | None:
    """The noise of one week's value; None with under 4 consecutive observed weeks.

    Only differences between consecutive observed weeks count (a gap breaks the chain)."""
    diffs = [b - a for a, b in itertools.pairwise(values)
             if a is not None and b is not None]  # fmt: skip
    if len(diffs) < MIN_DIFFS:
        return None
    sd = float(np.std(np.asarray(diffs, dtype=float), ddof=1)) / math.sqrt(2.0)
    return Noise(sd=sd, df=len(diffs) - 1)


def level_noise(values: Sequence[float | None]) -> Noise | None:
    """The sd of one week's value around the line through `values` (None with under 5
    observed weeks): the weeks before the period, when a week is compared with a baseline."""
    y = np.asarray([v for v in values if v is not None], dtype=float)
    n = len(y)
    if n < MIN_DIFFS + 2:
        return None
    _, resid, _ = _line(np.arange(n, dtype=float), y)
    return Noise(sd=math.sqrt(float(resid @ resid) / (n - 2)), df=n - 2)


def beyond_noise(change: float | None, noise: Noise | None, level: float = MOVE_LEVEL, *,
                 weeks: int = 1, against_weeks: int = 1) -> bool | None:  # fmt: skip
    """Whether a level over `weeks` weeks minus one over `against_weeks` weeks (1 and 1: one
    week against another) is a movement (None: cannot tell). A level over k weeks wobbles
    by s/√k, so the difference's spread is s·√(1/weeks + 1/against_weeks)."""
    if change is None or noise is None:
        return None
    if noise.sd == 0.0:
        return change != 0.0
    spread = noise.sd * math.sqrt(1.0 / max(weeks, 1) + 1.0 / max(against_weeks, 1))
    return bool(abs(change) > _t_quantile(0.5 + level / 2.0, noise.df) * spread)


def proportions_differ(hits: float, n: float, hits_before: float, n_before: float,
                       level: float = MOVE_LEVEL) -> bool | None:
    """Whether two shares (hits / n, e.g. customers lost over customers at the months'
    starts) differ beyond binomial noise: the pooled two-proportion z-test, two-sided at
    `level` (statsmodels' `proportions_ztest`). None without trials on either side.

    For a metric with no weekly values to read a noise from (monthly churn), its own counts
    are the noise: 33 of 572 customers lost in October against 13 of 627 in November is a
    change; 3 of 60 against 2 of 55 is not."""
    if n <= 0 or n_before <= 0:
        return None
    pooled = (hits + hits_before) / (n + n_before)
    if pooled <= 0.0 or pooled >= 1.0:
        return False  # both all-or-nothing alike: no difference to see
    spread = math.sqrt(pooled * (1.0 - pooled) * (1.0 / n + 1.0 / n_before))
    z = abs(hits / n - hits_before / n_before) / spread
    return bool(z > _normal_quantile(0.5 + level / 2.0))


DISPERSION_MIN_DAYS = 7
"""Fewer whole days than this (both windows together, less one per window) cannot tell
bursty counts from Poisson ones: they are taken as Poisson."""


def count_dispersion(*days: Sequence[float], level: float = MOVE_LEVEL) -> float:
    """How many times the Poisson variance a daily count has: Pearson's chi-square of each
    window's daily counts around that window's own mean, over its degrees of freedom (the
    scale statsmodels' Poisson GLM reports with a window indicator), where the counts are
    beyond Poisson at `level`; 1.0 otherwise, or with under `DISPERSION_MIN_DAYS` days.

    Support tickets come in bursts — one incident, forty tickets that afternoon — so two
    windows' totals wobble far more than Poisson counts of the same size, and a test that
    takes them for Poisson calls a burst a rise. Each window is centred on its own mean, so
    the move being judged does not count as its own noise."""
    chi2, df = 0.0, 0
    for window in days:
        if len(window) < 2:
            continue
        mean = sum(window) / len(window)
        if mean <= 0.0:
            continue
        chi2 += sum((c - mean) ** 2 for c in window) / mean
        df += len(window) - 1
    if df < DISPERSION_MIN_DAYS or chi2 <= df:
        return 1.0
    from scipy import stats

    return chi2 / df if stats.chi2.sf(chi2, df) < 1.0 - level else 1.0


def rates_differ(count: float, exposure: float, count_before: float, exposure_before: float,
                 level: float = MOVE_LEVEL, dispersion: float = 1.0) -> bool | None:
    """Whether two Poisson rates (count / exposure: support tickets per active user, or a
    count over two windows of equal length with exposures 1 and 1) differ beyond noise: the
    exact conditional test — given the total, the count in the first window is binomial with
    the first window's share of the exposure — two-sided at `level` (statsmodels'
    `test_poisson_2indep(method="exact-cond")`). None without exposure or non-integer counts
    (a revenue sum is no Poisson count).

    54 tickets from 892 active learners against 32 from 765 is a rise of 45% in the rate and
    within noise (p = 0.10); 540 against 320 is not.

    Counts `dispersion` times as variable as Poisson ones (`count_dispersion`) carry the
    information of counts that many times smaller: the same test on the counts divided by
    it (the design effect), which for large counts gives the p-value of a quasi-Poisson
    model's Wald test."""
    if exposure <= 0 or exposure_before <= 0 or count < 0 or count_before < 0:
        return None
    if not (float(count).is_integer() and float(count_before).is_integer()):
        return None
    if dispersion > 1.0:
        count, count_before = round(count / dispersion), round(count_before / dispersion)
    total = int(count) + int(count_before)
    if total == 0:
        return False
    from scipy import stats

    share = exposure / (exposure + exposure_before)
    p = stats.binomtest(int(count), total, share).pvalue
    return bool(p < 1.0 - level)


def means_differ(n: float, total: float, total_squares: float, n_before: float,
                 total_before: float, total_squares_before: float,
                 level: float = MOVE_LEVEL) -> bool | None:
    """Whether two means (of per-answer NPS scores, of durations) differ beyond noise, from
    their sufficient statistics: Welch's t-test, two-sided at `level` (SciPy's
    `ttest_ind_from_stats(equal_var=False)`). None with under two observations a side."""
    if n < 2 or n_before < 2:
        return None
    mean, mean_before = total / n, total_before / n_before
    var = max(total_squares - n * mean * mean, 0.0) / (n - 1)
    var_before = max(total_squares_before - n_before * mean_before * mean_before, 0.0) / (
        n_before - 1)
    a, b = var / n, var_before / n_before
    if a + b <= 0.0:
        return bool(mean != mean_before)
    df = (a + b) ** 2 / (a * a / (n - 1) + b * b / (n_before - 1))
    t = abs(mean - mean_before) / math.sqrt(a + b)
    from scipy import stats

    return bool(2.0 * stats.t.sf(t, df) < 1.0 - level)


@functools.lru_cache(maxsize=64)
def _normal_quantile(q: float) -> float:
    from scipy import stats

    return float(stats.norm.ppf(q))


@functools.lru_cache(maxsize=1024)
def _t_quantile(q: float, df: int) -> float:
    """Student's t quantile, remembered: a dashboard asks it for thousands of KRs with a
    handful of distinct (level, df) pairs, and one SciPy call costs about a millisecond.
    SciPy's stats module is imported here, not with this module: it takes about a second to
    import, and commands that only print status words (`sowhat status`) never need it."""
    from scipy import stats

    return float(stats.t.ppf(q, df))


def linear_trend(values: Sequence[float | None], level: float = TREND_LEVEL) -> Trend | None:
    """OLS slope per week of the observed values (week index as x) and its t interval.

    None with fewer than 3 observed weeks: two points always lie on a line, so they say
    nothing about noise."""
    pts = [(float(i), v) for i, v in enumerate(values) if v is not None]
    n = len(pts)
    if n < 3:
        return None
    slope, resid, sxx = _line(np.array([p[0] for p in pts]),
                              np.array([p[1] for p in pts], dtype=float))
    se = math.sqrt(float(resid @ resid) / (n - 2) / sxx)
    half = _t_quantile(0.5 + level / 2.0, n - 2) * se
    return Trend(slope=slope, low=slope - half, high=slope + half, weeks=n)


def _line(x: np.ndarray, y: np.ndarray) -> tuple[float, np.ndarray, float]:
    """Least squares of y on x: the slope, the residuals and Σ(x − x̄)² — the one fit behind
    both a trend's interval and the noise around a level."""
    xc = x - x.mean()
    sxx = float(xc @ xc)
    slope = float(xc @ (y - y.mean())) / sxx
    return slope, y - y.mean() - slope * xc, sxx
