"""The forecast's normal CDF and mixture quantiles without SciPy: the same numbers as
`scipy.special.ndtr` and as the 60-step bisection the quantiles used to take."""

from __future__ import annotations

from decimal import Decimal, localcontext

import numpy as np
import pytest
from scipy import special

from sowhat.stats.trend_model import Predictive, fit_trend, ndtr, predict

EPS = float(np.finfo(np.float64).eps)


def test_ndtr_is_scipys_on_a_dense_grid() -> None:
    x = np.linspace(-38.0, 38.0, 400_001)
    ours, theirs = ndtr(x), special.ndtr(x)
    assert np.max(np.abs(ours - theirs)) < 3e-15
    # In the lower tail, relative: both round x/sqrt(2), an error exp(-x^2/2) magnifies by
    # x^2 (1e-13 at x = -36, for either).
    tail = theirs > 1e-300
    bound = 4.0 * EPS * (10.0 + x[tail] ** 2)
    assert np.all(np.abs(ours - theirs)[tail] / theirs[tail] < bound)


def _lower_tail(a: float) -> float:
    """Phi(a) for a <= -1 to 50 digits, independently of both: the continued fraction
    erfc(z) = exp(-z^2) / sqrt(pi) / (z + (1/2)/(z + 1/(z + (3/2)/(z + ...)))), z = -a/sqrt(2)."""
    with localcontext() as ctx:
        ctx.prec = 50
        z = Decimal(-a) / Decimal(2).sqrt()
        acc = z
        for n in range(3000, 0, -1):
            acc = z + (Decimal(n) / 2) / acc
        pi = Decimal("3.14159265358979323846264338327950288419716939937510")
        return float((-(z * z)).exp() / (pi.sqrt() * acc) / 2)


@pytest.mark.parametrize("a", [-1.0, -1.7, -2.5, -3.0, -4.2, -5.0, -7.5, -10.0, -15.3, -20.0,
                               -30.0, -37.0])
def test_ndtr_against_fifty_digits(a: float) -> None:
    exact = _lower_tail(a)
    assert abs(float(ndtr(np.array(a))) - exact) / exact < 4.0 * EPS * (10.0 + a * a)
    assert abs(float(ndtr(np.array(-a))) - (1.0 - exact)) < 2.0 * EPS


def test_ndtr_at_the_edges() -> None:
    x = np.array([-np.inf, -40.0, 0.0, 40.0, np.inf, np.nan])
    out = ndtr(x)
    assert out[0] == 0.0
    assert out[1] == pytest.approx(0.0, abs=1e-300)
    assert out[2] == pytest.approx(0.5, abs=3e-15)
    assert out[3] == 1.0
    assert out[4] == 1.0
    assert np.isnan(out[5])
    assert ndtr(np.array(1.5)).shape == ()


def _bisected(pred: Predictive, q: float) -> np.ndarray:
    """The quantile as it was computed before Newton's method: 60 bisection steps."""
    lo = np.min(pred.mean - 9.0 * pred.sd, axis=0)
    hi = np.max(pred.mean + 9.0 * pred.sd, axis=0)
    for _ in range(60):
        mid = 0.5 * (lo + hi)
        below = pred._mix(special.ndtr((mid - pred.mean) / pred.sd)) < q
        lo, hi = np.where(below, mid, lo), np.where(below, hi, mid)
    return np.asarray(0.5 * (lo + hi))


def _predictives() -> list[Predictive]:
    rng = np.random.default_rng(20261204)
    out = []
    for n, level, noise, drift in ((1, 50.0, 1.0, 0.0), (3, 0.3, 0.01, 0.0),
                                   (8, 40_000.0, 900.0, 150.0), (20, 50.0, 2.0, 0.0),
                                   (30, 0.8, 0.02, -0.003)):
        t = np.arange(n, dtype=float)
        y = level + drift * t + noise * np.cumsum(rng.normal(size=n)) * 0.5
        fit = fit_trend(t, y)
        out.append(predict(fit, np.arange(n, n + 13, dtype=float)))
    # Two far-apart components: the CDF is flat between them (Newton must bisect there),
    # and weights that change with the horizon (the (C, H) form).
    out.append(Predictive(times=np.array([1.0, 2.0]), weights=np.array([[0.45, 0.2], [0.55, 0.8]]),
                          mean=np.array([[0.0, 0.0], [100.0, 100.0]]),
                          sd=np.array([[1.0, 1.0], [2.0, 2.0]])))
    return out


@pytest.mark.parametrize("pred", _predictives())
def test_quantiles_are_the_bisections(pred: Predictive) -> None:
    levels = (0.5, 0.1, 0.9, 0.025, 0.5 + 1e-9)
    got = pred.quantiles(levels)
    spread = np.max(pred.sd, axis=0)
    for row, q in zip(got, levels, strict=True):
        assert np.all(np.abs(row - _bisected(pred, q)) <= 1e-12 * spread + 1e-13 * np.abs(row))
    assert np.array_equal(pred.quantile(0.9), got[2])
