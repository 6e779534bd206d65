"""Interrupted time series: reference fits (statsmodels), planted effects, edge cases."""

from __future__ import annotations

import math
from datetime import date, timedelta

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
import statsmodels.formula.api as smf
from scipy import linalg

from sowhat.errors import UserError
from sowhat.stats.impact import ImpactError, its_estimate
from sowhat.stats.robust_regression import hac_t_statistics

START = date(2026, 3, 2)


def _daily(n: int = 112, launch_at: int = 70, effect: float = 0.02, rho: float = 0.4,
           seed: int = 0) -> tuple[list[date], np.ndarray]:
    rng = np.random.default_rng(seed)
    dates = [START + timedelta(days=i) for i in range(n)]
    weekday = np.array([d.weekday() for d in dates])
    pattern = np.array([0.01, 0.012, 0.011, 0.009, 0.004, -0.03, -0.035])
    noise = np.zeros(n)
    for i in range(1, n):
        noise[i] = rho * noise[i - 1] + rng.normal(0, 0.01)
    y = 0.30 + 0.0002 * np.arange(n) + pattern[weekday] + noise
    y += effect * (np.arange(n) >= launch_at)
    return dates, y


def _frame(dates: list[date], y: np.ndarray, launch: date) -> pd.DataFrame:
    return pd.DataFrame({
        "y": y,
        "t": [(d - launch).days for d in dates],
        "post": [int(d >= launch) for d in dates],
        "weekday": [d.weekday() for d in dates],
    })


def test_matches_statsmodels_ols_with_hac_on_the_same_design() -> None:
    dates, y = _daily()
    launch = dates[70]
    est = its_estimate(dates, list(y), launch=launch, prewhiten=False)
    lags = math.ceil(0.1 * len(y))
    ref = smf.ols("y ~ t + post + C(weekday)", _frame(dates, y, launch)).fit(
        cov_type="HAC", cov_kwds={"maxlags": lags, "use_correction": True}, use_t=True
    )
    assert est.ok
    assert est.hac_lags == lags
    assert est.effect == pytest.approx(ref.params["post"], abs=1e-10)
    assert est.level_change == pytest.approx(ref.params["post"], abs=1e-10)
    assert est.std_error == pytest.approx(ref.bse["post"], rel=1e-8)
    assert est.df == ref.df_resid
    assert est.critical_value is not None
    assert est.low == pytest.approx(est.effect - est.critical_value * ref.bse["post"], rel=1e-8)
    # Counterfactual: the fit with the launch term removed, averaged over post days.
    frame = _frame(dates, y, launch)
    post = frame[frame.post == 1].assign(post=0)
    assert est.counterfactual_mean == pytest.approx(float(ref.predict(post).mean()), rel=1e-10)
    assert est.observed_mean == pytest.approx(float(y[70:].mean()))


def test_slope_change_average_effect_is_the_statsmodels_contrast() -> None:
    dates, y = _daily(effect=0.0, seed=4)
    y = y + 0.001 * np.maximum(np.arange(len(y)) - 69, 0)  # a ramp after the launch
    launch = dates[70]
    est = its_estimate(dates, list(y), launch=launch, slope_change=True, prewhiten=False)
    frame = _frame(dates, y, launch)
    lags = math.ceil(0.1 * len(y))
    ref = smf.ols("y ~ t + post + t:post + C(weekday)", frame).fit(
        cov_type="HAC", cov_kwds={"maxlags": lags, "use_correction": True}, use_t=True
    )
    mean_t_post = frame.t[frame.post == 1].mean()
    contrast = np.zeros(len(ref.params))
    contrast[list(ref.params.index).index("post")] = 1.0
    contrast[list(ref.params.index).index("t:post")] = mean_t_post
    test = ref.t_test(contrast)
    assert est.effect == pytest.approx(float(np.squeeze(test.effect)), abs=1e-10)
    assert est.std_error == pytest.approx(float(np.squeeze(test.sd)), rel=1e-8)
    assert est.slope_change == pytest.approx(ref.params["t:post"], abs=1e-10)
    assert est.level_change == pytest.approx(ref.params["post"], abs=1e-10)
    assert est.slope_change == pytest.approx(0.001, abs=0.0004)


def test_prewhitened_estimate_is_gls_with_the_reported_ar1() -> None:
    dates, y = _daily(rho=0.7, seed=2)
    launch = dates[70]
    est = its_estimate(dates, list(y), launch=launch)
    assert est.ar1 is not None
    assert 0.3 < est.ar1 < 0.95
    frame = _frame(dates, y, launch)
    design = pd.get_dummies(frame.weekday, prefix="wd", drop_first=True, dtype=float)
    design.insert(0, "post", frame.post.astype(float))
    design.insert(0, "t", frame.t.astype(float))
    design = sm.add_constant(design)
    sigma = linalg.toeplitz(est.ar1 ** np.arange(len(y)))
    gls = sm.GLS(frame.y, design, sigma=sigma).fit()
    assert est.effect == pytest.approx(gls.params["post"], abs=1e-10)


def test_simulated_null_statistics_are_statsmodels_hac_t_values() -> None:
    rng = np.random.default_rng(5)
    design = sm.add_constant(np.column_stack([np.arange(40.0), np.arange(40) >= 25]))
    errors = rng.normal(size=(40, 3))
    contrast = np.array([0.0, 0.0, 1.0])
    ours = hac_t_statistics(design, contrast, errors, lags=4)
    for j in range(3):
        ref = sm.OLS(errors[:, j], design).fit(
            cov_type="HAC", cov_kwds={"maxlags": 4, "use_correction": True}
        )
        assert ours[j] == pytest.approx(ref.tvalues[2], rel=1e-9)


def test_without_lags_the_critical_values_are_nearly_normal() -> None:
    dates, y = _daily(n=400, launch_at=250, rho=0.0)
    est = its_estimate(dates, list(y), launch=dates[250], prewhiten=False, hac_lags=0)
    assert est.critical_value == pytest.approx(1.645, abs=0.06)
    assert est.mde is not None
    assert est.std_error is not None
    assert est.mde / est.std_error == pytest.approx(2.49, abs=0.1)


def test_planted_effect_is_recovered() -> None:
    dates, y = _daily(effect=0.03, seed=7)
    est = its_estimate(dates, list(y), launch=dates[70])
    assert est.low is not None
    assert est.high is not None
    assert est.low < 0.03 < est.high
    assert est.low > 0
    assert est.p_value is not None
    assert est.p_value < 0.01
    assert est.relative_effect == pytest.approx(0.03 / est.counterfactual_mean, rel=0.5)


def test_weekly_series_has_no_weekday_terms() -> None:
    dates = [START + timedelta(weeks=i) for i in range(20)]
    rng = np.random.default_rng(1)
    y = 100 + 2 * np.arange(20) + 15 * (np.arange(20) >= 12) + rng.normal(0, 2, 20)
    est = its_estimate(dates, list(y), launch=dates[12])
    assert est.grain == "week"
    assert est.effect == pytest.approx(15, abs=5)
    assert est.n_pre == 12
    assert est.n_post == 8


def test_missing_values_are_dropped() -> None:
    dates, y = _daily(seed=3)
    with_gaps: list[float | None] = list(y)
    with_gaps[5] = None
    with_gaps[80] = float("nan")
    est = its_estimate(dates, with_gaps, launch=dates[70], prewhiten=False)
    keep = [i for i in range(len(y)) if i not in (5, 80)]
    ref = its_estimate([dates[i] for i in keep], [y[i] for i in keep], launch=dates[70],
                       prewhiten=False)
    assert est.effect == pytest.approx(ref.effect, abs=1e-12)
    assert est.n_pre == 69
    assert est.n_post == 41


@pytest.mark.parametrize(
    ("launch_index", "error"),
    [(0, ImpactError.NO_PRE_PERIOD), (-30, ImpactError.NO_PRE_PERIOD),
     (200, ImpactError.NO_POST_PERIOD), (4, ImpactError.TOO_SHORT)],
)
def test_launch_at_the_edges_is_an_error_value(launch_index: int, error: ImpactError) -> None:
    dates, y = _daily()
    launch = START + timedelta(days=launch_index)
    est = its_estimate(dates, list(y), launch=launch)
    assert est.error is error
    assert not est.ok
    assert est.effect is None
    assert est.message
    assert est.assumptions


def test_launch_on_the_last_day_still_estimates() -> None:
    dates, y = _daily()
    est = its_estimate(dates, list(y), launch=dates[-1])
    assert est.ok
    assert est.n_post == 1


def test_constant_series_is_an_error_value() -> None:
    dates = [START + timedelta(days=i) for i in range(60)]
    est = its_estimate(dates, [0.25] * 60, launch=dates[30])
    assert est.error is ImpactError.CONSTANT_SERIES
    assert "0.25" in (est.message or "")


def test_bad_input_raises_user_errors() -> None:
    dates, y = _daily(n=30)
    with pytest.raises(UserError, match="30 dates but 29 values"):
        its_estimate(dates, list(y[:-1]), launch=dates[20])
    with pytest.raises(UserError, match="strictly increasing"):
        its_estimate(dates[::-1], list(y), launch=dates[20])
    with pytest.raises(UserError, match="between 0 and 1"):
        its_estimate(dates, list(y), launch=dates[20], level=90)


def test_assumptions_are_spelled_out() -> None:
    dates, y = _daily()
    est = its_estimate(dates, list(y), launch=dates[70])
    text = " ".join(est.assumptions).lower()
    assert "anticipation" in text
    assert "trend" in text
    assert "nothing else" in text
