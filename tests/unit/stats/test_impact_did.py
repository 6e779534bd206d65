"""Difference-in-differences: the 2x2 identity, statsmodels reference, pre-trend test."""

from __future__ import annotations

import math
from datetime import date, timedelta

import numpy as np
import pandas as pd
import pytest
import statsmodels.formula.api as smf

from sowhat.stats.impact import ImpactError, did_estimate

START = date(2026, 3, 2)


def _pair(n: int = 120, launch_at: int = 80, effect: float = 5.0, diverge: float = 0.0,
          seed: int = 0) -> tuple[list[date], np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    dates = [START + timedelta(days=i) for i in range(n)]
    weekday = np.array([d.weekday() for d in dates])
    rhythm = np.array([1.05, 1.08, 1.06, 1.03, 0.95, 0.6, 0.55])
    common = np.zeros(n)
    for i in range(1, n):
        common[i] = 0.6 * common[i - 1] + rng.normal(0, 4)
    t = np.arange(n)
    control = (200 + 0.2 * t + common) * rhythm[weekday] + rng.normal(0, 3, n)
    treated = (200 + 0.2 * t + diverge * t + common) * rhythm[weekday] + rng.normal(0, 3, n)
    treated += effect * (t >= launch_at)
    return dates, treated, control


def test_without_weekdays_or_scaling_it_is_the_two_by_two_table() -> None:
    dates, tr, co = _pair(seed=1)
    est = did_estimate(dates, list(tr), list(co), launch=dates[80], seasonality=False,
                       control_scale="none", prewhiten=False)
    table = (tr[80:].mean() - tr[:80].mean()) - (co[80:].mean() - co[:80].mean())
    assert est.effect == pytest.approx(table, abs=1e-9)
    assert est.control_scale == 1.0


def test_ratio_scaling_grows_the_treated_baseline_like_the_control() -> None:
    dates, tr, co = _pair(seed=2)
    co = 0.5 * co  # a control segment half the size
    est = did_estimate(dates, list(tr), list(co), launch=dates[80], seasonality=False,
                       prewhiten=False)
    expected = tr[80:].mean() - tr[:80].mean() * co[80:].mean() / co[:80].mean()
    assert est.effect == pytest.approx(expected, abs=1e-9)
    assert est.control_scale == pytest.approx(tr[:80].mean() / co[:80].mean())


def test_matches_statsmodels_on_the_difference_series() -> None:
    dates, tr, co = _pair(seed=3)
    launch = dates[80]
    est = did_estimate(dates, list(tr), list(co), launch=launch, control_scale="none",
                       prewhiten=False)
    frame = pd.DataFrame({
        "d": tr - co,
        "post": [int(d >= launch) for d in dates],
        "weekday": [d.weekday() for d in dates],
    })
    lags = math.ceil(0.1 * len(dates))
    ref = smf.ols("d ~ post + C(weekday)", frame).fit(
        cov_type="HAC", cov_kwds={"maxlags": lags, "use_correction": True}, use_t=True
    )
    assert est.effect == pytest.approx(ref.params["post"], abs=1e-9)
    assert est.std_error == pytest.approx(ref.bse["post"], rel=1e-8)
    assert est.counterfactual_mean == pytest.approx(tr[80:].mean() - ref.params["post"])


def test_planted_effect_is_recovered_with_parallel_trends() -> None:
    dates, tr, co = _pair(effect=12.0, seed=4)
    est = did_estimate(dates, list(tr), list(co), launch=dates[80])
    assert est.ok
    assert est.low is not None
    assert est.high is not None
    assert est.low > 0
    assert est.low < 12.0 < est.high
    assert est.pre_trend is not None
    assert est.pre_trend.parallel
    assert "no evidence against parallel trends" in est.pre_trend.message


def test_diverging_segments_fail_the_pre_trend_test() -> None:
    dates, tr, co = _pair(effect=0.0, diverge=0.4, seed=5)
    est = did_estimate(dates, list(tr), list(co), launch=dates[80], control_scale="none")
    assert est.pre_trend is not None
    assert not est.pre_trend.parallel
    assert est.pre_trend.slope > 0
    assert est.pre_trend.drift_over_gap > 0
    assert "already diverging" in est.pre_trend.message
    # Modelling the divergence as a trend in the difference removes the spurious effect.
    fixed = did_estimate(dates, list(tr), list(co), launch=dates[80], control_scale="none",
                         difference_trend=True)
    assert fixed.low is not None
    assert fixed.high is not None
    assert fixed.low < 0 < fixed.high


def test_points_missing_in_either_series_are_dropped() -> None:
    dates, tr, co = _pair(seed=6)
    t_list: list[float | None] = list(tr)
    c_list: list[float | None] = list(co)
    t_list[3] = None
    c_list[90] = None
    est = did_estimate(dates, t_list, c_list, launch=dates[80])
    assert est.n_pre == 79
    assert est.n_post == 39


def test_edge_cases_are_error_values() -> None:
    dates, tr, co = _pair()
    assert did_estimate(dates, list(tr), list(co), launch=dates[0]).error is (
        ImpactError.NO_PRE_PERIOD
    )
    late = dates[-1] + timedelta(days=1)
    assert did_estimate(dates, list(tr), list(co), launch=late).error is (
        ImpactError.NO_POST_PERIOD
    )
    same = did_estimate(dates, list(co + 1.0), list(co), launch=dates[80],
                        control_scale="none")
    assert same.error is ImpactError.CONSTANT_SERIES
    negative = did_estimate(dates, list(tr), list(-co), launch=dates[80])
    assert negative.error is ImpactError.BAD_CONTROL
    assert "control_scale='none'" in (negative.message or "")
