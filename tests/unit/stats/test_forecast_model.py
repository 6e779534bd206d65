"""The trend model's algebra against independent references (SciPy Gaussian densities)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from sowhat.stats.trend_model import cell_posterior, fit_trend, predict


def _ar1_corr(t: np.ndarray, rho: float) -> np.ndarray:
    return rho ** np.abs(t[:, None] - t[None, :])


@pytest.mark.parametrize(("s", "rho", "tau"), [(1.0, 0.0, 0.5), (0.7, 0.6, 2.0), (2.0, 0.9, 0.1)])
def test_cell_evidence_and_posterior_match_dense_gaussian_algebra(
    s: float, rho: float, tau: float
) -> None:
    rng = np.random.default_rng(3)
    t = np.array([0.0, 1.0, 2.0, 4.0, 5.0, 8.0])  # gaps of 2 and 3 weeks
    y = 0.3 * t + rng.normal(0, 1, t.size)
    a_sd = 3.0
    cells = cell_posterior(
        t, y, s=np.array([s]), rho=np.array([rho]), tau=np.array([tau]), intercept_sd=a_sd
    )
    design = np.column_stack([np.ones(t.size), t])
    prior_cov = np.diag([a_sd**2, tau**2])
    noise_cov = s**2 * _ar1_corr(t, rho)
    marginal_cov = noise_cov + design @ prior_cov @ design.T
    ref_logml = stats.multivariate_normal(np.zeros(t.size), marginal_cov).logpdf(y)
    dropped = -t.size / 2 * np.log(2 * np.pi) - np.log(a_sd)
    assert cells.log_evidence[0] + dropped == pytest.approx(ref_logml, abs=1e-9)

    # Posterior of theta by dense GLS with the prior.
    inv_noise = np.linalg.inv(noise_cov)
    precision = np.linalg.inv(prior_cov) + design.T @ inv_noise @ design
    cov = np.linalg.inv(precision)
    mean = cov @ design.T @ inv_noise @ y
    np.testing.assert_allclose(cells.coef_mean[0], mean, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(cells.coef_cov[0], cov, rtol=1e-9, atol=1e-12)


def test_predictive_matches_gaussian_conditioning_in_a_single_cell(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """With the grid collapsed to one cell, the predictive is the conditional Gaussian."""
    import sowhat.stats.trend_model as tm

    monkeypatch.setattr(tm, "RHO_GRID", np.array([0.5]))
    monkeypatch.setattr(tm, "TAU_GRID", np.array([0.01]))
    monkeypatch.setattr(tm, "TAU_PRIOR", np.array([1.0]))
    monkeypatch.setattr(tm, "LOG_S_GRID", np.array([0.0]))
    monkeypatch.setattr(tm, "INTERCEPT_PRIOR_SD", 50.0)
    t = np.array([0.0, 1.0, 2.0, 3.0, 5.0])
    y = np.array([0.30, 0.31, 0.315, 0.33, 0.34])
    fit = tm.fit_trend(t, y)
    future = np.array([6.0, 9.0])
    pred = tm.predict(fit, future)

    # Reference in original units: theta ~ N((center, 0), diag((50 k)^2, (tau k)^2)),
    # noise AR(1) with sd k (the scale the model standardised by).
    k, c = fit.scale, fit.center
    slope_sd = 0.01 * max(float(np.mean(np.abs(y))), tm.TAU_NOISE_FLOOR * k)
    all_t = np.concatenate([t, future])
    design = np.column_stack([np.ones(all_t.size), all_t])
    prior_cov = np.diag([(50.0 * k) ** 2, slope_sd**2])
    joint = k**2 * _ar1_corr(all_t, 0.5) + design @ prior_cov @ design.T
    mu = design @ np.array([c, 0.0])
    n = t.size
    gain = joint[n:, :n] @ np.linalg.inv(joint[:n, :n])
    cond_mean = mu[n:] + gain @ (y - mu[:n])
    cond_cov = joint[n:, n:] - gain @ joint[:n, n:]
    np.testing.assert_allclose(pred.mean[0], cond_mean, rtol=1e-7)
    np.testing.assert_allclose(pred.sd[0], np.sqrt(np.diag(cond_cov)), rtol=1e-6)


def test_mixture_quantiles_invert_the_mixture_cdf() -> None:
    t = np.arange(6, dtype=float)
    y = np.array([10.0, 11.0, 10.5, 12.0, 12.5, 13.0])
    pred = predict(fit_trend(t, y), np.array([8.0, 12.0]))
    for q in (0.1, 0.5, 0.9):
        x = pred.quantile(q)
        cdf = pred.weights @ stats.norm.cdf((x - pred.mean) / pred.sd)
        np.testing.assert_allclose(cdf, q, atol=1e-9)


def test_fit_rejects_repeated_times() -> None:
    with pytest.raises(ValueError, match="distinct"):
        fit_trend(np.array([0.0, 1.0, 1.0]), np.array([1.0, 2.0, 3.0]))


def test_a_possible_level_shift_matches_simulating_it() -> None:
    """`with_level_shift` against a direct simulation of its model: week by week a shift of
    N(0, J^2) happens with probability `hazard` (at most once), on top of each component."""
    from sowhat.stats.trend_model import Predictive, with_level_shift

    times = np.array([11.0, 14.0, 20.0])  # horizons 1, 4 and 10 after week 10
    base = Predictive(times=times, weights=np.array([0.3, 0.7]),
                      mean=np.array([[1.0, 1.5, 2.0], [0.5, 0.4, 0.2]]),
                      sd=np.array([[0.2, 0.3, 0.5], [0.1, 0.2, 0.2]]))
    hazard, jump = 0.05, 1.2
    pred = with_level_shift(base, last_time=10.0, hazard=hazard, shift_sd=jump)

    rng = np.random.default_rng(5)
    draws = 400_000
    comp = rng.choice(2, size=draws, p=base.weights)
    for i, horizon in enumerate((1, 4, 10)):
        # at most one shift: it has happened by `horizon` unless every week said no
        moved = (rng.random((draws, horizon)) < hazard).any(axis=1)
        y = (rng.normal(base.mean[comp, i], base.sd[comp, i])
             + moved * rng.normal(0.0, jump, draws))
        for x in (-1.0, 0.3, 1.0, 2.5):
            assert pred.prob_at_least(x)[i] == pytest.approx(np.mean(y >= x), abs=0.004)
        assert pred.expected()[i] == pytest.approx(float(base.weights @ base.mean[:, i]))
        # its quantiles invert its own CDF, written with SciPy
        q10 = pred.quantile(0.1)[i]
        w = np.concatenate([base.weights * (1 - (1 - hazard) ** horizon),
                            base.weights * (1 - hazard) ** horizon])
        sd = np.concatenate([np.hypot(base.sd[:, i], jump), base.sd[:, i]])
        m = np.concatenate([base.mean[:, i], base.mean[:, i]])
        assert float(w @ stats.norm.cdf(q10, m, sd)) == pytest.approx(0.1, abs=1e-9)
    # no hazard: the predictive is left as it was
    assert with_level_shift(base, last_time=10.0, hazard=0.0, shift_sd=jump) is base


def test_a_shift_prior_widens_the_forecast_range_and_no_prior_changes_nothing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from sowhat.domain.okr import Direction
    from sowhat.stats import forecast

    values = [100.0 + d for d in (1.0, -2.0, 0.5, 1.5, -1.0, 0.0, 2.0, -0.5)]
    plain = forecast.forecast_kr(values, target=110.0, weeks_remaining=9,
                                 direction=Direction.INCREASE)
    monkeypatch.setattr(forecast, "SHIFT_HAZARD", 0.05)
    shifted = forecast.forecast_kr(values, target=110.0, weeks_remaining=9,
                                   direction=Direction.INCREASE)
    assert shifted.low < plain.low
    assert shifted.high > plain.high
    assert shifted.probability > plain.probability  # a 10% rise needs a shift
