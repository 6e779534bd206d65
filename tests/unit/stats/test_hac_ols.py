"""Our NumPy Newey–West OLS (`robust_regression.hac_ols`) against statsmodels, the estimator it
replaces on the forecast path: fixed cases, series from data-generating processes unlike
Sowhat's simulator (ARMA errors, heavy tails, volatility clusters, random walks, outliers,
rank-deficient and gappy designs), and the yearly swing fitted through both.

statsmodels is the reference here only; the product path must not import it (last test).
"""

from __future__ import annotations

import math
import subprocess
import sys
import zlib

import numpy as np
import pytest
import statsmodels.api as sm

from sowhat.stats import robust_regression as rr
from sowhat.stats import seasonal
from sowhat.stats.seasonal import PERIOD, yearly_swing


def _reference(y: np.ndarray, x: np.ndarray, lags: int) -> tuple[np.ndarray, np.ndarray, float]:
    res = sm.OLS(y, x).fit(cov_type="HAC", cov_kwds={"maxlags": lags, "use_correction": True},
                           use_t=True)
    return (np.asarray(res.params), np.asarray(res.cov_params()), float(res.df_resid))


def _assert_same(y: np.ndarray, x: np.ndarray, lags: int) -> None:
    params, cov, df = rr.hac_ols(y, x, lags)
    ref_params, ref_cov, ref_df = _reference(y, x, lags)
    scale = max(float(np.max(np.abs(ref_params))), 1e-300)
    assert np.max(np.abs(params - ref_params)) <= 1e-9 * scale
    np.testing.assert_allclose(cov, ref_cov, rtol=1e-8, atol=1e-12 * float(np.max(np.abs(ref_cov))))
    assert df == ref_df


def _arma(rng: np.random.Generator, n: int, phi: float, theta: float,
          innov: np.ndarray | None = None) -> np.ndarray:
    e = rng.standard_normal(n + 1) if innov is None else innov
    out = np.zeros(n)
    prev = 0.0
    for i in range(n):
        prev = phi * prev + e[i + 1] + theta * e[i]
        out[i] = prev
    return out


def _garch(rng: np.random.Generator, n: int) -> np.ndarray:
    """GARCH(1,1) innovations: quiet stretches and bursts of volatility."""
    out = np.zeros(n)
    var = 1.0
    for i in range(n):
        var = 0.1 + 0.15 * (out[i - 1] ** 2 if i else 0.0) + 0.8 * var
        out[i] = math.sqrt(var) * rng.standard_normal()
    return out


def _noise(rng: np.random.Generator, process: str, t: np.ndarray) -> np.ndarray:
    n = t.size
    if process == "white":
        return rng.standard_normal(n)
    if process == "arma":
        return _arma(rng, n, 0.7, 0.4)
    if process == "student_t":
        return rng.standard_t(2.5, n)
    if process == "garch":
        return _garch(rng, n)
    if process == "walk":
        return np.asarray(np.cumsum(rng.standard_normal(n)), dtype=float)
    if process == "outliers":
        return rng.standard_normal(n) + 40 * (rng.random(n) < 0.05)
    assert process == "trend_break"
    return rng.standard_normal(n) + 0.3 * np.maximum(t - 40, 0)


def _design(t: np.ndarray, extra: int = 2) -> np.ndarray:
    angle = 2 * np.pi * t / PERIOD
    cols = [np.ones_like(t), t - t.mean(), np.sin(angle), np.cos(angle)]
    return np.column_stack(cols[: 2 + extra])


def test_a_fixed_case_by_hand() -> None:
    """Four points, one lag: the sandwich worked through by hand (independent of both)."""
    x = np.array([[1.0, 0.0], [1.0, 1.0], [1.0, 2.0], [1.0, 3.0]])
    y = np.array([1.0, 3.0, 2.0, 5.0])
    params, cov, df = rr.hac_ols(y, x, 1)
    # OLS: slope 5.5 / 5 = 1.1, intercept 2.75 - 1.5 x 1.1 = 1.1; residuals below.
    assert params == pytest.approx([1.1, 1.1])
    e = np.array([-0.1, 0.8, -1.3, 0.6])
    s = x * e[:, None]
    meat = s.T @ s + 0.5 * (s[1:].T @ s[:-1] + s[:-1].T @ s[1:])
    bread = np.linalg.inv(x.T @ x)
    assert cov == pytest.approx(bread @ meat @ bread * 4 / 2)
    assert df == 2.0
    _assert_same(y, x, 1)


@pytest.mark.parametrize("lags", [0, 1, 3, 8])
@pytest.mark.parametrize("process", ["white", "arma", "student_t", "garch", "walk", "outliers",
                                     "trend_break"])
def test_matches_statsmodels_on_other_processes(process: str, lags: int) -> None:
    rng = np.random.default_rng(zlib.crc32(f"{process}/{lags}".encode()))
    n = 70
    t = np.arange(n, dtype=float)
    x = _design(t)
    noise = _noise(rng, process, t)
    y = 500 + 2 * t + 30 * np.sin(2 * np.pi * t / PERIOD + 0.7) + 10 * noise
    _assert_same(y, x, lags)
    # Also through the whole prewhitened fit, and on the week-to-week changes.
    fit = rr.robust_fit(y, x, t=t, launch_cols=[2, 3])
    ref = _reference(rr.ar1_whiten(y, t, fit.rho), rr.ar1_whiten(x, t, fit.rho), fit.lags)
    np.testing.assert_allclose(fit.params, ref[0], rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(fit.cov, ref[1], rtol=1e-8, atol=1e-14)
    assert fit.df == ref[2]


def test_matches_statsmodels_on_gappy_and_wide_designs() -> None:
    rng = np.random.default_rng(11)
    t = np.delete(np.arange(80, dtype=float), [5, 6, 30, 31, 32, 60])
    x = np.column_stack([_design(t), rng.normal(size=(t.size, 3)), (t > 50).astype(float)])
    y = x @ rng.normal(size=x.shape[1]) + _arma(rng, t.size, 0.5, -0.3)
    for lags in (0, 2, math.ceil(0.1 * t.size)):
        _assert_same(y, x, lags)


def test_rank_deficient_design_matches_statsmodels_pseudo_inverse() -> None:
    """A duplicated column: statsmodels' minimum-norm solution, its covariance and n - rank."""
    rng = np.random.default_rng(2)
    t = np.arange(40, dtype=float)
    x = _design(t)
    x = np.column_stack([x, 2 * x[:, 1]])
    y = 3 + 0.5 * t + rng.normal(size=t.size)
    params, _, df = rr.hac_ols(y, x, 3)
    assert df == 40 - 4
    _assert_same(y, x, 3)
    assert params[1] == pytest.approx(params[4] / 2)  # minimum norm: split 1:2


def test_a_perfect_fit_gives_zero_covariance_like_statsmodels() -> None:
    t = np.arange(20, dtype=float)
    x = _design(t, extra=0)
    y = 4.0 + 0.25 * t
    params, cov, _ = rr.hac_ols(y, x, 2)
    assert params == pytest.approx([4.0 + 0.25 * t.mean(), 0.25])
    assert np.max(np.abs(cov)) < 1e-20
    _assert_same(y, x, 2)


def _swing_with_statsmodels(t: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray,
                                                                   float]:
    """`yearly_swing`'s two fits with statsmodels doing the OLS/HAC step: (coef, cov, p)."""
    def fit(yy: np.ndarray, x: np.ndarray, tt: np.ndarray) -> tuple[np.ndarray, np.ndarray,
                                                                     float]:
        ours = rr.robust_fit(yy, x, t=tt, launch_cols=[])  # the same rho as the product's
        return _reference(rr.ar1_whiten(yy, tt, ours.rho), rr.ar1_whiten(x, tt, ours.rho),
                          rr.default_lags(yy.size))

    design = np.column_stack([np.ones_like(t), t - t.mean(), seasonal.YearlySwing.basis(t)])
    params, cov, df = fit(y, design, t)
    p_level = seasonal._f_test(params[2:4], cov[2:4, 2:4], df)
    change = np.column_stack([np.ones(t.size - 1), np.diff(seasonal.YearlySwing.basis(t), axis=0)])
    dparams, dcov, ddf = fit(np.diff(y), change, t[1:])
    p_change = seasonal._f_test(dparams[1:3], dcov[1:3, 1:3], ddf)
    return params[2:4], cov[2:4, 2:4], max(p_level, p_change)


@pytest.mark.parametrize("seed", range(6))
def test_yearly_swing_is_the_same_as_with_statsmodels(seed: int) -> None:
    rng = np.random.default_rng(100 + seed)
    n = 60 + 4 * seed
    t = np.arange(n, dtype=float) - 56
    amp = [0.0, 15.0, 40.0, 80.0, 25.0, 60.0][seed]
    noise = [_arma(rng, n, 0.6, 0.3), 8 * rng.standard_t(3, n), 6 * _garch(rng, n),
             np.cumsum(rng.normal(0, 4, n)), rng.normal(0, 10, n), _arma(rng, n, -0.3, 0.5)]
    y = 1000 + amp * np.cos(2 * np.pi * t / PERIOD - 0.4) + noise[seed]
    coef, cov, p = _swing_with_statsmodels(t, y)
    swing = yearly_swing(t, y)
    if p < seasonal.ALPHA:
        assert swing is not None
        np.testing.assert_allclose(swing.coef, coef, rtol=1e-9)
        np.testing.assert_allclose(swing.cov, cov, rtol=1e-8)
        assert swing.p_value == pytest.approx(p, rel=1e-7, abs=1e-300)
    else:
        assert swing is None


def test_the_forecast_path_imports_no_statsmodels_scipy_or_pandas() -> None:
    """A forecast with a year of weekly history (yearly swing fitted) in a fresh interpreter:
    none of the three heavy libraries is loaded."""
    code = (
        "import sys, numpy as np\n"
        "from sowhat.domain.okr import Direction\n"
        "from sowhat.stats.forecast import forecast_kr\n"
        "import sowhat.services.forecasts, sowhat.services.listing.forecasts\n"
        "t = np.arange(70.0)\n"
        "y = list(500 + 60 * np.sin(2 * np.pi * t / (365.25 / 7)) + 3 * np.cos(t * 7.3))\n"
        "f = forecast_kr(y[44:], target=600.0, weeks_remaining=6, direction=Direction.INCREASE,"
        " history=y[:44])\n"
        "assert f.note and 'yearly swing' in f.note, f.note\n"
        "heavy = sorted({m.split('.')[0] for m in sys.modules} & {'statsmodels', 'scipy', "
        "'pandas', 'patsy'})\n"
        "print(','.join(heavy))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == ""
