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

All arithmetic runs in standardised units (values centred on their mean, divided by a noise
scale estimated from the data) so that the grid means the same thing for a 0.3 rate and for
40,000 weekly events.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy import special

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


@dataclass(frozen=True)
class Predictive:
    """Per future time: the mixture components (original units)."""

    times: FloatArray  # (H,)
    weights: FloatArray  # (C,)
    mean: FloatArray  # (C, H)
    sd: FloatArray  # (C, H)

    def prob_at_least(self, threshold: float) -> FloatArray:
        """P(y >= threshold) per future time."""
        z = (threshold - self.mean) / self.sd
        return np.asarray(self.weights @ special.ndtr(-z), dtype=np.float64)

    def prob_at_most(self, threshold: float) -> FloatArray:
        z = (threshold - self.mean) / self.sd
        return np.asarray(self.weights @ special.ndtr(z), dtype=np.float64)

    def expected(self) -> FloatArray:
        return np.asarray(self.weights @ self.mean, dtype=np.float64)

    def quantile(self, q: float) -> FloatArray:
        """Mixture quantile per future time, by bisection (the mixture CDF has no inverse)."""
        lo = np.min(self.mean - 9.0 * self.sd, axis=0)
        hi = np.max(self.mean + 9.0 * self.sd, axis=0)
        for _ in range(60):
            mid = 0.5 * (lo + hi)
            cdf = self.weights @ special.ndtr((mid - self.mean) / self.sd)
            below = cdf < q
            lo = np.where(below, mid, lo)
            hi = np.where(below, hi, mid)
        return np.asarray(0.5 * (lo + hi), dtype=np.float64)


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
    log_s, rho, tau = (g.ravel() for g in np.meshgrid(LOG_S_GRID, RHO_GRID, TAU_GRID))
    tau = tau * slope_unit
    s = np.exp(log_s)
    tau_prior = np.broadcast_to(TAU_PRIOR, (RHO_GRID.size, LOG_S_GRID.size, TAU_GRID.size))
    # The grid is uniform in log s and in rho; tau has its own prior weights.
    log_prior = -0.5 * (log_s / LOG_S_PRIOR_SD) ** 2 + np.log(tau_prior.ravel())

    cells = cell_posterior(t, y, s=s, rho=rho, tau=tau, intercept_sd=INTERCEPT_PRIOR_SD)
    log_ml = cells.log_evidence
    log_post = log_ml + log_prior
    weights = np.exp(log_post - np.max(log_post))
    weights /= weights.sum()
    keep = weights > _MIN_WEIGHT
    weights = weights[keep] / weights[keep].sum()

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
    )


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
    r[:, 1:] = rho[:, None] ** gaps[None, :]
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
    return Predictive(
        times=future,
        weights=fit.weights,
        mean=fit.center + fit.scale * mean,
        sd=fit.scale * sd,
    )
