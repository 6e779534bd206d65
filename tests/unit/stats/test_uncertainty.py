"""Honest uncertainty: the wandering-trend model, the simulated nulls, the pre-launch check.

Independent references: statsmodels (HAC OLS on the Prais-Winsten data) for every simulated
draw's t-statistic, and dense Gaussian conditioning / SciPy's multivariate normal for the
Kalman filter of the local linear trend.
"""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pytest
from scipy import stats

from sowhat.domain.okr import Change
from sowhat.stats import trend_model as tm
from sowhat.stats.impact import (
    Verdict,
    choose_primary,
    did_estimate,
    impact_verdict,
    its_estimate,
)
from sowhat.stats.robust_regression import ar1_errors, fgls_t_statistics, robust_fit
from sowhat.stats.stability import stability_check


@pytest.mark.parametrize("gappy", [False, True])
def test_every_simulated_draw_goes_through_the_real_estimator(gappy: bool) -> None:
    """The null's t-statistics are what robust_fit (statsmodels HAC) gives on each draw."""
    t = np.arange(30, dtype=float) - 24.0
    if gappy:
        t = np.delete(t, [3, 4, 11])
    design = np.column_stack([np.ones(t.size), t, (t >= 0).astype(float)])
    errors = ar1_errors(np.random.default_rng(3), t, 0.5, 6)
    ours, rhos = fgls_t_statistics(design, np.array([0.0, 0.0, 1.0]), errors, t, 3, 3)
    for d in range(errors.shape[1]):
        fit = robust_fit(errors[:, d], design, t=t, launch_cols=[2], lags=3)
        assert rhos[d] == pytest.approx(fit.rho, abs=1e-10)
        assert ours[d] == pytest.approx(fit.params[2] / np.sqrt(fit.cov[2, 2]), rel=1e-8)


def _walk_cov(t: np.ndarray, s: float, q: float, tau: float) -> np.ndarray:
    """Covariance of the differences y_t - y_t0 under y_t = level0 + b (t - t0) + RW(q s^2)
    + N(0, s^2): the diffuse level0 cancels, so no huge prior variance is needed."""
    dt = t - t[0]
    cov = tau**2 * np.outer(dt, dt) + q * s**2 * np.minimum.outer(dt, dt) + s**2 * np.eye(t.size)
    # y_t - y_0 adds the first point's noise to every difference.
    return np.asarray(cov[1:, 1:] + s**2, dtype=float)


def test_walk_filter_matches_dense_gaussian_conditioning() -> None:
    t = np.array([0.0, 1.0, 2.0, 4.0, 5.0, 6.0])
    y = np.array([0.2, -0.1, 0.5, 0.9, 0.7, 1.4])
    s, q, tau = 0.8, 0.6, 0.3
    log_ml, mean, cov = tm.walk_filter(t, y, s=np.array([s]), q=np.array([q]),
                                       tau=np.array([tau]))
    # Evidence of a diffuse first point = the density of the differences (SciPy), up to the
    # 2 pi terms the filter drops.
    d = y[1:] - y[0]
    ref = stats.multivariate_normal(np.zeros(d.size), _walk_cov(t, s, q, tau)).logpdf(d)
    assert log_ml[0] == pytest.approx(ref + 0.5 * d.size * np.log(2 * np.pi), rel=1e-9)
    # Predictive of a future observation three weeks on, against dense conditioning.
    fit = tm.TrendFit(weights=np.zeros(0), coef_mean=np.zeros((0, 2)),
                      coef_cov=np.zeros((0, 2, 2)), s=np.zeros(0), rho=np.zeros(0),
                      last_time=6.0, last_value=1.4, center=0.0, scale=1.0, n=6,
                      walk=tm.WalkPosterior(weights=np.ones(1), mean=mean, cov=cov,
                                            s=np.array([s]), q=np.array([q]),
                                            r=np.zeros(1)))
    pred = tm.predict(fit, np.array([9.0]))
    joint = _walk_cov(np.append(t, 9.0), s, q, tau)
    gain = joint[-1, :-1] @ np.linalg.inv(joint[:-1, :-1])
    assert pred.mean[0, 0] == pytest.approx(y[0] + gain @ d, rel=1e-9)
    assert pred.sd[0, 0] ** 2 == pytest.approx(joint[-1, -1] - gain @ joint[:-1, -1], rel=1e-9)


def test_a_random_walk_gets_a_spread_that_grows_with_the_horizon() -> None:
    rng = np.random.default_rng(8)
    y = 100.0 + np.cumsum(rng.normal(0.0, 2.0, 30))
    pred = tm.predict(tm.fit_trend(np.arange(30.0), y), np.array([31.0, 35.0, 42.0]))
    width = pred.quantile(0.9) - pred.quantile(0.1)
    assert width[0] < width[1] < width[2]
    assert width[2] > 1.8 * width[0]


def _weekly(n: int) -> list[date]:
    return [date(2026, 1, 5) + timedelta(weeks=i) for i in range(n)]


def test_a_bend_before_the_launch_is_caught_and_the_verdict_withheld() -> None:
    rng = np.random.default_rng(4)
    t = np.arange(30, dtype=float) - 26.0
    y = 1000.0 + 8.0 * rng.standard_normal(30) + 6.0 * np.maximum(t + 9.0, 0.0)
    dates = _weekly(30)
    est = its_estimate(dates, list(y), launch=dates[26], grain="week")
    assert est.stability is not None
    assert not est.stability.stable
    assert est.stability.kind == "bend"
    assert -12.0 <= est.stability.at <= -6.0
    assert est.withheld is not None and "changed course" in est.withheld
    verdict = impact_verdict(est, expected=Change(0.05, "relative"))
    assert verdict.verdict is Verdict.CANT_TELL
    assert verdict.summary.startswith("can't tell")


def test_a_steady_series_passes_the_check() -> None:
    rng = np.random.default_rng(5)
    y = 500.0 + 0.5 * np.arange(30) + 5.0 * rng.standard_normal(30)
    dates = _weekly(30)
    est = its_estimate(dates, list(y), launch=dates[26], grain="week")
    assert est.stability is not None and est.stability.stable
    assert est.withheld is None


def test_did_carries_a_straight_divergence_on_and_says_so() -> None:
    rng = np.random.default_rng(6)
    n = 30
    control = 800.0 + 10.0 * rng.standard_normal(n)
    treated = 800.0 + 3.0 * np.arange(n) + 10.0 * rng.standard_normal(n)
    dates = _weekly(n)
    est = did_estimate(dates, list(treated), list(control), launch=dates[26], grain="week",
                       control_scale="none")
    assert est.pre_trend is not None and not est.pre_trend.parallel
    assert est.adjustments and "drifting apart" in est.adjustments[0]
    assert est.low is not None and est.high is not None
    assert est.low < 0.0 < est.high


def test_the_headline_prefers_the_control_and_keeps_its_doubt() -> None:
    dates = _weekly(30)
    rng = np.random.default_rng(9)
    base = 1000.0 + 10.0 * rng.standard_normal(30)
    its = its_estimate(dates, list(base), launch=dates[26], grain="week")
    did = did_estimate(dates, list(base), list(base * 0.5 + rng.standard_normal(30)),
                       launch=dates[26], grain="week")
    assert choose_primary(its, did) is did
    assert choose_primary(its, None) is its
    broken = did_estimate(dates[:3], [1.0, 2.0, 3.0], [1.0, 2.0, 3.0], launch=dates[2])
    assert not broken.ok
    assert choose_primary(its, broken) is its


@pytest.mark.slow
@pytest.mark.parametrize("rho", [0.0, 0.6])
def test_the_pre_launch_check_keeps_its_size(rho: float) -> None:
    """Under a steady line with AR(1) noise the check fires about 5% of the time: at most
    5% + 2.33 Monte-Carlo standard errors over 150 seeded series."""
    rng = np.random.default_rng(21)
    t = np.arange(26, dtype=float) - 26.0
    base = np.column_stack([np.ones(26), t])
    fired = [not check.stable for _ in range(150)
             if (check := stability_check(ar1_errors(rng, t, rho, 1)[:, 0], t, base))]
    bound = 0.05 + 2.33 * np.sqrt(0.05 * 0.95 / 150)
    assert np.mean(fired) <= bound
