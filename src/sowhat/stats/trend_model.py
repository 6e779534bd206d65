"""The one forecasting model behind KR forecasts and the ambition check.

A weekly KR series is modelled as a straight line plus AR(1) noise:

    y_t = a + b·t + e_t,   e_t stationary AR(1) with lag-1 correlation rho and sd s.

Why this shape: product metrics drift (the line), sit above or below the line for a few weeks
at a time (the AR(1) noise; it also absorbs small level shifts), and a quarter has too few
weeks to learn anything richer. Three things are unknown and cannot be pinned down from 2-8
points — the noise scale `s`, its persistence `rho`, and how big slopes tend to be (the prior
scale `tau` of the slope) — so the model averages over a grid of them, each cell weighted by
its prior times its marginal likelihood (Bayesian model averaging). Given a cell the model is
conjugate Gaussian: the intercept has a flat-ish prior, the slope a N(0, tau^2) prior (centred
on "no change", which is what pulls short series towards no change), and the data enter
through the exact AR(1) transform (Prais–Winsten; gaps of several weeks use rho^gap), so the
cell's marginal likelihood and predictive are closed form. The predictive for a future week
is then a mixture of Gaussians — heavier-tailed than any single cell, like a Student-t.

A line with stationary noise always returns to the line, so its spread stops growing after a
few weeks. Metrics that wander — a random walk with drift, a level shift at an unknown week, a
slow seasonal swing the quarter cannot see whole — do not, and on those the stationary
model's 80% ranges covered 50-70% (benchmarks/stress.py). So the average also holds a second
model, a local linear trend (random walk plus drift, plus measurement noise):

    y_t = level_t + e_t,  level_t = level_{t-1} + b + w_t,  e ~ N(0, s^2), w ~ N(0, q s^2)

over a grid of s, the signal-to-noise ratio q and the drift prior tau, with prior mass
RW_PRIOR. Its marginal likelihood comes from a Kalman filter (exact, the first point
diffuse, matching the stationary cells' flat intercept so the two models' evidences are on
one scale), and its predictive variance grows linearly with the horizon. The data choose
between the models through the evidence; a series too short to choose gets both.

All arithmetic runs in standardised units (values centred on their mean, divided by a noise
scale estimated from the data) so that the grid means the same thing for a 0.3 rate and for
40,000 weekly events.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]

# Persistence of the noise: white noise to nearly a random walk (level shifts look like that).
RHO_GRID: FloatArray = np.array([0.0, 0.2, 0.4, 0.6, 0.8, 0.9])
# Slope prior sd per week, relative to the series' level: from "flat" to "steep" (0.65%,
# 4%, 16% and 52% of the level over a 13-week quarter). A scale mixture centred on zero: most
# mass says "little change", the tails let strong trends through.
TAU_GRID: FloatArray = np.array([0.0005, 0.003, 0.012, 0.04])
TAU_PRIOR: FloatArray = np.array([0.3, 0.3, 0.3, 0.1])
# For series whose level is near zero (NPS, differences), the slope scale is at least this
# many noise sds.
TAU_NOISE_FLOOR = 10.0
# Noise sd relative to the data-based scale, on a log grid; prior log-normal with this sd.
LOG_S_GRID: FloatArray = np.linspace(-4.0, 3.0, 29)
LOG_S_PRIOR_SD = 1.5
# The intercept's prior sd in standardised units: wide enough to be flat in practice.
INTERCEPT_PRIOR_SD = 1e4
# Floors for the noise scale relative to the series' level, for series too short or too
# flat to estimate one: a weekly KR rarely moves by less than this from noise alone.
REL_NOISE_FLOOR_SHORT = 0.03
REL_NOISE_FLOOR = 0.005
_MIN_WEIGHT = 1e-12
# The wandering (local linear trend) model: prior mass, and its random-walk sd relative to the
# measurement noise (sqrt(q) from 0.1 to 10), uniform prior.
RW_PRIOR = 0.5
RW_Q_GRID: FloatArray = np.array([0.06, 0.25, 1.0, 4.0, 16.0, 100.0])
# ...and how much the drift itself wanders per week (variance / s^2): a steady drift, or a
# trend that bends (a seasonal swing seen through a quarter's window, a ramp that tires).
RW_R_GRID: FloatArray = np.array([0.0, 0.003, 0.03])


@dataclass(frozen=True)
class TrendFit:
    """The posterior over the grid, ready to predict. Internal to the stats package."""

    weights: FloatArray  # (C,) posterior cell weights, sum to 1
    coef_mean: FloatArray  # (C, 2) posterior mean of (intercept, slope), standardised
    coef_cov: FloatArray  # (C, 2, 2) posterior covariance, standardised
    s: FloatArray  # (C,) stationary noise sd, standardised
    rho: FloatArray  # (C,)
    last_time: float
    last_value: float  # standardised
    center: float
    scale: float
    n: int
    walk: WalkPosterior | None = None  # the local linear trend cells (None: not in the model)


@dataclass(frozen=True)
class WalkPosterior:
    """Filtered state of the local linear trend cells at the last observation."""

    weights: FloatArray  # (W,) posterior weights, on the same scale as TrendFit.weights
    mean: FloatArray  # (W, 2) filtered (level, drift), standardised
    cov: FloatArray  # (W, 2, 2)
    s: FloatArray  # (W,) measurement noise sd
    q: FloatArray  # (W,) random-walk variance / s^2
    r: FloatArray  # (W,) weekly variance of the drift's own random walk / s^2


@dataclass(frozen=True)
class Predictive:
    """Per future time: the mixture components (original units).

    `weights` is (C,) when every time mixes the components alike, or (C, H) when the mix
    changes with the horizon (the chance of a level shift grows with it, `with_level_shift`).
    """

    times: FloatArray  # (H,)
    weights: FloatArray  # (C,) or (C, H)
    mean: FloatArray  # (C, H)
    sd: FloatArray  # (C, H)

    def _mix(self, per_component: FloatArray) -> FloatArray:
        """The weighted sum over components of a (C, H) array, per time."""
        w = self.weights if self.weights.ndim == 2 else self.weights[:, None]
        return np.asarray(np.sum(w * per_component, axis=0), dtype=np.float64)

    def prob_at_least(self, threshold: float) -> FloatArray:
        """P(y >= threshold) per future time."""
        z = (threshold - self.mean) / self.sd
        return self._mix(ndtr(-z))

    def prob_at_most(self, threshold: float) -> FloatArray:
        z = (threshold - self.mean) / self.sd
        return self._mix(ndtr(z))

    def expected(self) -> FloatArray:
        return self._mix(self.mean)

    def quantile(self, q: float) -> FloatArray:
        """Mixture quantile per future time (`quantiles` with one level)."""
        return np.asarray(self.quantiles((q,))[0], dtype=np.float64)

    def quantiles(self, levels: Sequence[float]) -> FloatArray:
        """Mixture quantiles, (len(levels), H): all levels and times solved at once.

        The mixture CDF has no inverse, so each quantile is a root of CDF(x) - q, found by
        Newton's method (the mixture density is the derivative) inside a bracket that every
        step narrows, with bisection whenever a Newton step would leave it. From the normal
        with the mixture's mean and sd it takes a handful of CDF evaluations where the
        bisection it replaced took 60 (to the same root: within 1e-12 of the spread, a test
        holds them together); the CDF over every component is what a forecast spends its
        time on.
        """
        qs = np.asarray(levels, dtype=np.float64)[:, None]  # (Q, 1)
        mean, sd = self.mean[:, None, :], self.sd[:, None, :]  # (C, 1, H)
        w = (self.weights if self.weights.ndim == 2 else self.weights[:, None])[:, None, :]
        w_pdf = w / sd / math.sqrt(2.0 * math.pi)
        lo = np.broadcast_to(np.min(self.mean - 9.0 * self.sd, axis=0), (qs.size, sd.shape[2]))
        hi = np.broadcast_to(np.max(self.mean + 9.0 * self.sd, axis=0), lo.shape)
        mix_mean = self.expected()
        mix_sd = np.sqrt(np.maximum(self._mix(self.sd**2 + self.mean**2) - mix_mean**2, 0.0))
        z_q = np.array([[_normal_quantile(q) if 0.0 < q < 1.0 else 0.0 for q in levels]]).T
        x = np.clip(mix_mean + mix_sd * z_q, lo, hi)
        eps = float(np.finfo(np.float64).eps)
        tol = 1e-9 * mix_sd + 4.0 * eps * np.abs(x)
        settled = np.zeros(x.shape, dtype=bool)  # none at first: the first pass sets the terms
        for _ in range(200):  # Newton converges in a few; the bound is for bisection steps
            if not settled.any():
                z = (x - mean) / sd  # (C, Q, H)
                cdf_terms, pdf_terms = ndtr(z), np.exp(-0.5 * z * z)
            else:
                # Only the quantiles still moving: a settled one keeps its x whatever its
                # CDF says, and the CDF over every component is most of the cost.
                q_i, h_i = np.nonzero(~settled)
                z = (x[q_i, h_i] - self.mean[:, h_i]) / self.sd[:, h_i]  # (C, moving)
                cdf_terms[:, q_i, h_i] = ndtr(z)
                pdf_terms[:, q_i, h_i] = np.exp(-0.5 * z * z)
            cdf = np.sum(w * cdf_terms, axis=0)
            pdf = np.sum(w_pdf * pdf_terms, axis=0)
            below = cdf < qs
            lo = np.where(below, x, lo)
            hi = np.where(below, hi, x)
            with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
                new = x - (cdf - qs) / pdf
            outside = ~np.isfinite(new) | (new < lo) | (new > hi)
            new = np.where(outside, 0.5 * (lo + hi), new)
            # A Newton step this small leaves an error of its square: done. A bracket this
            # narrow (after bisection steps) is done too.
            done = ((~outside & (np.abs(new - x) <= tol))
                    | (hi - lo <= 4.0 * eps * np.maximum(np.abs(lo), np.abs(hi))))
            # A settled quantile stays put, so each one is what it would be solved alone.
            x = np.where(settled, x, new)
            settled |= done
            if np.all(settled):
                break
        return np.asarray(x, dtype=np.float64)


def _erfcx_scaled_nodes(count: int, k: float) -> list[float]:
    """Chebyshev coefficients of g(x) = (1 + 2x) exp(x^2) erfc(x) on x in [0, inf), in the
    variable t = (x - k) / (x + k) (Schonfelder's form: g runs smoothly from 1 to 2/sqrt(pi),
    so a fixed number of terms holds a fixed relative accuracy over the whole half-line).

    The values at the nodes: below 2, from the C library's erfc (exp(x^2) is exact enough
    there); from 2 up, the continued fraction erfc(x) = exp(-x^2)/sqrt(pi) /
    (x + (1/2)/(x + 1/(x + (3/2)/(x + ...)))), evaluated backwards with more terms than
    it needs, which loses no precision where exp(x^2) erfc(x) would (exp(x^2) amplifies the
    rounding of x^2 by x^2)."""
    def g(x: float) -> float:
        if x < 2.0:
            return (1.0 + 2.0 * x) * math.exp(x * x) * math.erfc(x)
        acc = x
        for n in range(int(50 + 4000 / (x * x)), 0, -1):
            acc = x + (n / 2.0) / acc
        return (1.0 + 2.0 * x) / (math.sqrt(math.pi) * acc)

    theta = [math.pi * (j + 0.5) / count for j in range(count)]
    values = [g(k * (1.0 + math.cos(a)) / (1.0 - math.cos(a))) for a in theta]
    coef = [2.0 / count * sum(v * math.cos(i * a) for v, a in zip(values, theta, strict=True))
            for i in range(count)]
    coef[0] /= 2.0
    return coef


_CHEB_K = 3.0
# `_erfcx_scaled_nodes(30, _CHEB_K)`, written out: computing it cost every process that fits
# a forecast ≈1 ms at import (a test holds these to the function, bit for bit).
_CHEB = [
    1.1775625741965603,
    0.005353904539615758,
    -0.09377550342284229,
    0.0543665255574434,
    -0.018976596707845038,
    0.004453426061462573,
    -0.0006335531710552012,
    1.766171952341337e-05,
    1.2841532864086661e-05,
    -2.007228565603647e-06,
    -1.8075227971407295e-07,
    7.549828318076379e-08,
    1.8856697018658036e-09,
    -2.699518364401854e-09,
    -1.4601453379725628e-11,
    1.0361712969123952e-10,
    1.4752717566087387e-12,
    -4.277289633591863e-12,
    -2.078337502098293e-13,
    1.8129941992128806e-13,
    1.897001074742851e-14,
    -6.8907842395068045e-15,
    -2.1834386150961413e-15,
    5.921189464667501e-16,
    1.5765166949677222e-15,
    1.7319479184152442e-15,
    -1.1009711660866135e-15,
    -9.455399426390915e-16,
    2.2750320146277167e-15,
    -9.256484467812243e-16,
]

# Standard normal quantiles of the levels a forecast asks for (the median and the tails of
# 80%, 90% and 95% intervals, as `summarise` computes them), each exactly what
# `statistics.NormalDist().inv_cdf` returns (a test compares them): importing `statistics`
# costs a process ≈5 ms of CPU for three numbers. Other levels import it.
_NORMAL_QUANTILES = {
    0.5: 0.0,
    0.09999999999999998: -1.2815515655446008,
    0.9: 1.2815515655446008,
    0.04999999999999999: -1.6448536269514726,
    0.95: 1.6448536269514715,
    0.025000000000000022: -1.9599639845400536,
    0.975: 1.9599639845400536,
}


def _normal_quantile(p: float) -> float:
    """`statistics.NormalDist().inv_cdf(p)`, without importing `statistics` for the usual
    levels."""
    known = _NORMAL_QUANTILES.get(p)
    if known is not None:
        return known
    from statistics import NormalDist

    return NormalDist().inv_cdf(p)


def ndtr(a: FloatArray) -> FloatArray:
    """The standard normal CDF, elementwise, from a Chebyshev series of the scaled
    complementary error function (`_erfcx_scaled_nodes`): within 3e-15 of
    `scipy.special.ndtr` everywhere and 1e-14 relative in the tails (a test compares them
    on a dense grid), at about 1.6x its cost.

    Why not SciPy: importing `scipy.special` costs a process ≈0.6 s of CPU (it loads SciPy's
    array-API layer and with it most of NumPy's submodules), and `sowhat sync` fits every
    KR's forecast, so the forecasting code does without SciPy.
    """
    a = np.asarray(a, dtype=np.float64)
    x = np.minimum(np.abs(a) * math.sqrt(0.5), 40.0)  # erfc(40) underflows: inf is 40
    t = (x - _CHEB_K) / (x + _CHEB_K)
    t2 = t + t
    b1, b2, tmp = np.full_like(t, _CHEB[-1]), np.zeros_like(t), np.empty_like(t)
    for c in _CHEB[-2:0:-1]:  # Clenshaw's recurrence, in place
        np.multiply(t2, b1, out=tmp)
        tmp -= b2
        tmp += c
        b1, b2, tmp = tmp, b1, b2
    np.multiply(t, b1, out=tmp)
    tmp -= b2
    tmp += _CHEB[0]
    # exp(-x^2) as exp(-xh^2) exp(-(x - xh)(x + xh)), xh = x to 1/64: xh^2 is exact, so the
    # rounding of x^2 (relative error x^2 times eps once exponentiated) stays out of the tail.
    xh = np.round(x * 64.0) / 64.0
    with np.errstate(under="ignore"):
        tail = 0.5 * np.exp(-xh * xh) * np.exp(-(x - xh) * (x + xh)) * tmp / (1.0 + 2.0 * x)
    return np.asarray(np.where(a < 0.0, tail, 1.0 - tail), dtype=np.float64)


def with_level_shift(pred: Predictive, *, last_time: float, hazard: float,
                     shift_sd: float) -> Predictive:
    """The predictive if the level may still move once, by N(0, shift_sd^2), at an unknown
    week after `last_time`.

    Each week brings the shift with probability `hazard` (until it has happened), so by
    horizon h it has happened with probability 1 - (1 - hazard)^h; each component splits into
    "not yet" (unchanged) and "moved" (its variance plus shift_sd^2). The data cannot show a
    shift still to come, so `hazard` is a prior, and every series pays for it: what it buys
    and costs on the stress suite is in docs/forecast.md (the shipped forecast uses 0).
    """
    if hazard <= 0.0 or shift_sd <= 0.0:
        return pred
    h = np.maximum(pred.times - last_time, 0.0)[None, :]  # (1, H)
    moved = 1.0 - (1.0 - hazard) ** h
    w = pred.weights if pred.weights.ndim == 2 else pred.weights[:, None]
    w = np.broadcast_to(w, pred.mean.shape)
    return Predictive(
        times=pred.times,
        weights=np.concatenate([w * (1.0 - moved), w * moved]),
        mean=np.concatenate([pred.mean, pred.mean]),
        sd=np.concatenate([pred.sd, np.sqrt(pred.sd**2 + shift_sd**2)]),
    )


def noise_scale(times: FloatArray, values: FloatArray, level: float) -> float:
    """A rough noise sd to standardise by and to centre the noise prior on.

    Four or more points: the residual sd around a least-squares line. Two or three: the RMS
    of week-on-week differences over sqrt(2) (this also counts any trend as noise, which errs
    on the wide side). Always floored relative to the level, so a flat or tiny series does not
    produce a falsely certain forecast.
    """
    n = values.size
    estimate = 0.0
    if n >= 4:
        design = np.column_stack([np.ones(n), times])
        coef, *_ = np.linalg.lstsq(design, values, rcond=None)
        resid = values - design @ coef
        estimate = float(np.sqrt(np.sum(resid**2) / (n - 2)))
    elif n >= 2:
        gaps = np.diff(times)
        estimate = float(np.sqrt(np.mean(np.diff(values) ** 2 / gaps) / 2.0))
    floor_rel = REL_NOISE_FLOOR if n >= 4 else REL_NOISE_FLOOR_SHORT
    floor = floor_rel * abs(level)
    return max(estimate, floor, 1e-9 * max(1.0, abs(level)))


def fit_trend(times: FloatArray, values: FloatArray) -> TrendFit:
    """Posterior over the (s, rho, tau) grid for observations at strictly increasing times."""
    if values.size == 0:
        raise ValueError("fit_trend needs at least one observation")
    order = np.argsort(times)
    t = np.asarray(times, dtype=np.float64)[order]
    y_raw = np.asarray(values, dtype=np.float64)[order]
    if np.any(np.diff(t) <= 0):
        raise ValueError("fit_trend needs distinct observation times")
    level = float(np.mean(np.abs(y_raw)))
    center = float(np.mean(y_raw))
    scale = noise_scale(t, y_raw, level)
    y = (y_raw - center) / scale

    slope_unit = max(level, TAU_NOISE_FLOOR * scale) / scale
    grid = _grids()
    rho, s = grid.rho, grid.s
    tau = grid.tau * slope_unit

    cells = cell_posterior(t, y, s=s, rho=rho, tau=tau, intercept_sd=INTERCEPT_PRIOR_SD)
    log_post = cells.log_evidence + grid.log_prior + grid.log_share
    walk = None
    if RW_PRIOR > 0 and t.size >= 2:
        w_s, w_q, w_r = grid.w_s, grid.w_q, grid.w_r
        w_log_ml, w_mean, w_cov = walk_filter(t, y, s=w_s, q=w_q, tau=grid.w_tau * slope_unit,
                                              r=w_r)
        w_post = w_log_ml + grid.w_log_prior + grid.w_log_share
        top = max(float(np.max(log_post)), float(np.max(w_post)))
        total = float(np.sum(np.exp(log_post - top)) + np.sum(np.exp(w_post - top)))
        w_weights = np.exp(w_post - top) / total
        w_keep = w_weights > _MIN_WEIGHT
        walk = WalkPosterior(weights=w_weights[w_keep], mean=w_mean[w_keep],
                             cov=w_cov[w_keep], s=w_s[w_keep], q=w_q[w_keep], r=w_r[w_keep])
        weights = np.exp(log_post - top) / total
    else:
        weights = np.exp(log_post - np.max(log_post))
        weights /= weights.sum()
    keep = weights > _MIN_WEIGHT
    weights = weights[keep]

    return TrendFit(
        weights=weights,
        coef_mean=cells.coef_mean[keep],
        coef_cov=cells.coef_cov[keep],
        s=s[keep],
        rho=rho[keep],
        last_time=float(t[-1]),
        last_value=float(y[-1]),
        center=center,
        scale=scale,
        n=int(t.size),
        walk=walk,
    )


@dataclass(frozen=True)
class _Grid:
    """The two models' cells and their log priors: the same for every series (tau is in
    units of the series' slope scale, multiplied in by the fit)."""

    rho: FloatArray
    s: FloatArray
    tau: FloatArray
    log_prior: FloatArray  # normalised over the stationary cells
    log_share: float  # log(1 - RW_PRIOR): the stationary model's prior mass
    w_s: FloatArray
    w_q: FloatArray
    w_tau: FloatArray
    w_r: FloatArray
    w_log_prior: FloatArray  # normalised over the walk cells
    w_log_share: float  # log(RW_PRIOR)


_GRIDS: dict[tuple[object, ...], _Grid] = {}


def _grids() -> _Grid:
    """The grid for the module's current settings, built once per process (≈0.2 ms a fit,
    in meshgrids, exponentials and normalisations). Keyed by the settings' values, so a
    test that swaps a grid gets its own; the arrays are read-only, as they are shared."""
    settings = (LOG_S_GRID, RHO_GRID, TAU_GRID, TAU_PRIOR, RW_Q_GRID, RW_R_GRID)
    key = (*(a.tobytes() for a in settings), LOG_S_PRIOR_SD, RW_PRIOR)
    found = _GRIDS.get(key)
    if found is not None:
        return found
    log_s, rho, tau = (g.ravel() for g in np.meshgrid(LOG_S_GRID, RHO_GRID, TAU_GRID))
    tau_prior = np.broadcast_to(TAU_PRIOR, (RHO_GRID.size, LOG_S_GRID.size, TAU_GRID.size))
    # The grid is uniform in log s and in rho; tau has its own prior weights.
    log_prior = -0.5 * (log_s / LOG_S_PRIOR_SD) ** 2 + np.log(tau_prior.ravel())
    w_log_s, w_q, w_tau, w_r = (g.ravel() for g in np.meshgrid(
        LOG_S_GRID, RW_Q_GRID, TAU_GRID, RW_R_GRID, indexing="ij"))
    w_prior = -0.5 * (w_log_s / LOG_S_PRIOR_SD) ** 2 + np.log(np.broadcast_to(
        TAU_PRIOR[None, None, :, None],
        (LOG_S_GRID.size, RW_Q_GRID.size, TAU_GRID.size, RW_R_GRID.size)).ravel())
    with np.errstate(divide="ignore"):  # RW_PRIOR = 0: no walk cells are fitted
        w_log_share = np.log(RW_PRIOR)
    arrays = {"rho": rho, "s": np.exp(log_s), "tau": tau, "log_prior": _normalised(log_prior),
              "w_s": np.exp(w_log_s), "w_q": w_q, "w_tau": w_tau, "w_r": w_r,
              "w_log_prior": _normalised(w_prior)}
    for a in arrays.values():
        a.setflags(write=False)
    grid = _Grid(**arrays, log_share=np.log(max(1.0 - RW_PRIOR, 1e-300)),
                 w_log_share=w_log_share)
    _GRIDS[key] = grid
    return grid


def _normalised(log_prior: FloatArray) -> FloatArray:
    """Log prior weights summing to one over a model's cells."""
    top = float(np.max(log_prior))
    return np.asarray(log_prior - top - np.log(np.sum(np.exp(log_prior - top))), dtype=float)


def walk_filter(
    t: FloatArray, y: FloatArray, *, s: FloatArray, q: FloatArray, tau: FloatArray,
    r: FloatArray | None = None,
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Kalman filter of the local linear trend, every cell at once.

    Returns (log evidence, filtered mean (W, 2), filtered covariance (W, 2, 2)) at the last
    time. The first point is diffuse for the level (its evidence term is the constant the
    stationary cells drop too); the drift starts N(0, tau^2); a gap of g weeks adds g drifts
    and g random-walk steps; with `r`, the drift takes g steps of its own (variance r s^2
    each, integrated into the level: r s^2 [[g^3/3, g^2/2], [g^2/2, g]]).
    """
    cells = s.size
    r = np.zeros(cells) if r is None else r
    var_e = s**2
    r_var = r * var_e
    # The state as five 1-D arrays (level, drift and their covariance's three entries): the
    # same arithmetic as on (W, 2) and (W, 2, 2) arrays, without stacking them every step.
    m_l = np.full(cells, y[0], dtype=np.float64)
    m_b = np.zeros(cells)
    c_ll, c_lb, c_bb = var_e, np.zeros(cells), tau**2
    log_ml = np.zeros(cells)
    # What a gap of g weeks adds to the predicted covariance depends on g alone: worked out
    # once per distinct gap (most series have one, a week), not at every step. Each term is
    # computed in the order the step's formula writes it, so the sums are the same bits.
    added: dict[float, tuple[FloatArray, FloatArray, FloatArray, FloatArray]] = {}
    # Work arrays, written in place (the state's own arrays are fresh: var_e and tau**2
    # are not overwritten).
    p_ll, p_lb, p_bb, f, v, tmp, k_l, k_b = (np.empty(cells) for _ in range(8))
    c_next = (np.empty(cells), np.empty(cells), np.empty(cells))
    for k in range(1, t.size):
        g = float(t[k] - t[k - 1])
        if g not in added:
            added[g] = (g * q * var_e, r_var * g**3 / 3.0, r_var * g**2 / 2.0, r_var * g)
        a_walk, a_drift, a_lb, a_bb = added[g]
        # predict: level += g drift, plus g random-walk steps (at g = 1, a product by g
        # or g * g is the value itself, so it is skipped)
        if g == 1.0:
            m_l += m_b
            np.add(c_ll, np.multiply(2.0, c_lb, out=tmp), out=p_ll)
            p_ll += c_bb
            np.add(c_lb, c_bb, out=p_lb)
        else:
            m_l += np.multiply(g, m_b, out=tmp)
            np.add(c_ll, np.multiply(2 * g, c_lb, out=tmp), out=p_ll)
            p_ll += np.multiply(g * g, c_bb, out=tmp)
            np.add(c_lb, np.multiply(g, c_bb, out=tmp), out=p_lb)
        p_ll += a_walk  # (two additions, in the formula's order: the same rounding)
        p_ll += a_drift
        p_lb += a_lb
        np.add(c_bb, a_bb, out=p_bb)
        np.add(p_ll, var_e, out=f)
        np.subtract(y[k], m_l, out=v)
        # log_ml += -0.5 * (log(f) + v * v / f)
        np.multiply(v, v, out=tmp)
        tmp /= f
        tmp += np.log(f)
        tmp *= -0.5
        log_ml += tmp
        np.divide(p_ll, f, out=k_l)
        np.divide(p_lb, f, out=k_b)
        m_l += np.multiply(k_l, v, out=tmp)
        m_b += np.multiply(k_b, v, out=tmp)
        c_ll, c_lb, c_bb = c_next
        np.subtract(p_ll, np.multiply(k_l, p_ll, out=tmp), out=c_ll)
        np.subtract(p_lb, np.multiply(k_l, p_lb, out=tmp), out=c_lb)
        np.subtract(p_bb, np.multiply(k_b, p_lb, out=tmp), out=c_bb)
    mean = np.column_stack([m_l, m_b])
    cov = np.empty((cells, 2, 2))
    cov[:, 0, 0] = c_ll
    cov[:, 0, 1] = cov[:, 1, 0] = c_lb
    cov[:, 1, 1] = c_bb
    return log_ml, mean, cov


@dataclass(frozen=True)
class CellPosterior:
    """Per grid cell: Gaussian posterior of (intercept, slope) and the log evidence."""

    log_evidence: FloatArray  # (C,) log p(y | s, rho, tau), up to a constant shared by cells
    coef_mean: FloatArray  # (C, 2)
    coef_cov: FloatArray  # (C, 2, 2)


def cell_posterior(
    t: FloatArray,
    y: FloatArray,
    *,
    s: FloatArray,
    rho: FloatArray,
    tau: FloatArray,
    intercept_sd: float = INTERCEPT_PRIOR_SD,
) -> CellPosterior:
    """Conjugate update of theta = (intercept, slope) ~ N(0, diag(intercept_sd^2, tau^2)).

    The constant dropped from the log evidence is -n/2 log(2 pi) - log(intercept_sd).
    """
    # Prais–Winsten transform per cell: z_k = y_k - r_k y_{k-1}, with r_k = rho^gap_k;
    # z_k ~ N(x~_k' theta, s^2 (1 - r_k^2)) independently. Unit-triangular, so no Jacobian.
    gaps = np.diff(t)
    r = np.zeros((rho.size, t.size))
    # rho^gap per distinct rho (the grid repeats a few values over many cells): the power
    # is the costliest step here, and each cell gets the very same numbers.
    distinct, which = np.unique(rho, return_inverse=True)
    r[:, 1:] = (distinct[:, None] ** gaps[None, :])[which.reshape(-1)]
    y_prev = np.concatenate([[0.0], y[:-1]])
    t_prev = np.concatenate([[0.0], t[:-1]])
    z = y[None, :] - r * y_prev[None, :]
    x0 = 1.0 - r  # transformed intercept column
    x1 = t[None, :] - r * t_prev[None, :]  # transformed time column
    var = (s**2)[:, None] * (1.0 - r**2)
    var[:, 0] = s**2
    w = 1.0 / var

    # Posterior precision P = V0^-1 + X~' W X~ and b = X~' W z (prior mean is 0).
    p00 = 1.0 / intercept_sd**2 + np.sum(w * x0 * x0, axis=1)
    p01 = np.sum(w * x0 * x1, axis=1)
    p11 = 1.0 / tau**2 + np.sum(w * x1 * x1, axis=1)
    b0 = np.sum(w * x0 * z, axis=1)
    b1 = np.sum(w * x1 * z, axis=1)
    det = p00 * p11 - p01**2
    c00, c01, c11 = p11 / det, -p01 / det, p00 / det
    m0 = c00 * b0 + c01 * b1
    m1 = c01 * b0 + c11 * b1

    # log marginal likelihood, dropping terms equal in every cell.
    quad = np.sum(w * z * z, axis=1) - (m0 * b0 + m1 * b1)
    log_ml = -0.5 * (np.sum(np.log(var), axis=1) + np.log(tau**2) + np.log(det) + quad)
    return CellPosterior(
        log_evidence=log_ml,
        coef_mean=np.column_stack([m0, m1]),
        coef_cov=np.stack([np.column_stack([c00, c01]), np.column_stack([c01, c11])], axis=1),
    )


def predict(fit: TrendFit, times: FloatArray) -> Predictive:
    """Predictive mixture at future `times` (each > the last observed time).

    Per cell, y_T = rho^h y_n + d' theta + innovations with d = x_T - rho^h x_n and h the
    horizon: the last residual decays at rate rho while the line carries on.
    """
    future = np.asarray(times, dtype=np.float64)
    h = future[None, :] - fit.last_time  # (1, H)
    decay = fit.rho[:, None] ** h  # (C, H)
    d0 = 1.0 - decay
    d1 = future[None, :] - decay * fit.last_time
    mean = decay * fit.last_value + d0 * fit.coef_mean[:, 0:1] + d1 * fit.coef_mean[:, 1:2]
    cov = fit.coef_cov
    param_var = (
        d0 * d0 * cov[:, 0, 0:1] + 2.0 * d0 * d1 * cov[:, 0, 1:2] + d1 * d1 * cov[:, 1, 1:2]
    )
    noise_var = (fit.s**2)[:, None] * (1.0 - decay**2)
    sd = np.sqrt(np.maximum(param_var + noise_var, 1e-300))
    weights = fit.weights
    if fit.walk is not None and fit.walk.weights.size:
        w = fit.walk
        m_l, m_b = w.mean[:, 0:1], w.mean[:, 1:2]
        w_mean = m_l + h * m_b
        w_var = (w.cov[:, 0, 0:1] + 2.0 * h * w.cov[:, 0, 1:2] + h * h * w.cov[:, 1, 1:2]
                 + h * (w.q * w.s**2)[:, None] + (w.r * w.s**2)[:, None] * h**3 / 3.0
                 + (w.s**2)[:, None])
        mean = np.concatenate([mean, w_mean])
        sd = np.concatenate([sd, np.sqrt(np.maximum(w_var, 1e-300))])
        weights = np.concatenate([weights, w.weights])
    weights = weights / weights.sum()
    return Predictive(
        times=future,
        weights=weights,
        mean=fit.center + fit.scale * mean,
        sd=fit.scale * sd,
    )
