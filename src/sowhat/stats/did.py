"""Difference-in-differences: the launch's effect against a segment that did not get it.

With a treated series (the segment exposed to the bet) and a control series (an unexposed
segment) on the same dates, the classic 2x2 DiD estimate is

    (mean treated post - mean treated pre) - (mean control post - mean control pre).

It equals the post coefficient in the regression of the difference series
d_t = treated_t - control_t on a constant and post_t, which is how it is fitted here, so the
difference's autocorrelation is handled by Newey–West errors instead of being ignored — the
usual failing of a naive two-way table on time series (Bertrand, Duflo & Mullainathan 2004,
"How much should we trust differences-in-differences estimates?"). Daily series add weekday
dummies to the difference (segments can differ in their weekly rhythm).

The assumption that matters is parallel trends; it is tested on the pre-launch difference
(its slope should be zero) and reported with the estimate. The test cannot prove parallel
trends — only fail to find evidence against them.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import numpy as np

from sowhat.stats.impact_estimate import (
    DEFAULT_LEVEL,
    DEFAULT_POWER,
    ImpactError,
    ImpactEstimate,
    PreTrendTest,
    check_periods,
    default_lags,
    failed,
    full_rank,
    hac_ols,
    infer,
    prepare,
    weekday_dummies,
)

DID_ASSUMPTIONS: tuple[str, ...] = (
    "Parallel trends: without the launch, treated and control would have moved in parallel "
    "(see the pre-trend test).",
    "The control segment was not exposed to the launch and not affected by it (no spill-over).",
    "Nothing else changed for only one of the two segments at the launch.",
    "Segment membership did not change because of the launch.",
)


def did_estimate(
    dates: Sequence[date],
    treated: Sequence[float | None],
    control: Sequence[float | None],
    *,
    launch: date,
    level: float = DEFAULT_LEVEL,
    power: float = DEFAULT_POWER,
    grain: str | None = None,
    seasonality: bool | None = None,
    difference_trend: bool = False,
    hac_lags: int | None = None,
) -> ImpactEstimate:
    """Estimate a launch's effect from a treated and a control series on the same dates.

    `difference_trend=True` also fits a linear trend in the difference (use it only when the
    pre-trend test fails and you believe the divergence is linear; it makes this an ITS on the
    difference). Points where either series is missing are dropped.
    """
    series = prepare(dates, [treated, control], launch=launch, grain=grain)
    season = series.grain == "day" if seasonality is None else seasonality
    y_t, y_c = series.columns
    diff = y_t - y_c
    n_pre, n_post = int((~series.post).sum()), int(series.post.sum())
    min_pre = 7 if season else 3
    problem = check_periods(series, min_pre=min_pre, min_post=1)
    if problem is not None:
        return failed("did", series.grain, level, n_pre, n_post, *problem, DID_ASSUMPTIONS)
    if float(np.ptp(diff)) == 0.0:
        return failed(
            "did", series.grain, level, n_pre, n_post, ImpactError.CONSTANT_SERIES,
            "treated minus control is the same at every point: check both are tracked",
            DID_ASSUMPTIONS,
        )
    dummies = weekday_dummies(series.dates) if season else np.empty((diff.size, 0))
    cols = [np.ones_like(diff), series.post.astype(float)]
    if difference_trend:
        cols.append(series.t)
    design = np.column_stack([*cols, dummies])
    if design.shape[0] - design.shape[1] < 2 or not full_rank(design):
        return failed(
            "did", series.grain, level, n_pre, n_post, ImpactError.SINGULAR_DESIGN,
            "the points cannot separate the weekday pattern from the launch; add more days",
            DID_ASSUMPTIONS,
        )
    lags = hac_lags if hac_lags is not None else default_lags(diff.size, series.grain)
    fit = hac_ols(diff, design, lags=lags, launch_cols=[1])
    est = infer(float(fit.params[1]), float(np.sqrt(fit.cov[1, 1])), fit.df, level, power)
    observed = float(y_t[series.post].mean())
    counterfactual = observed - est.estimate
    return ImpactEstimate(
        method="did",
        grain=series.grain,
        level=level,
        n_pre=n_pre,
        n_post=n_post,
        effect=est.estimate,
        std_error=est.std_error,
        low=est.low,
        high=est.high,
        p_value=est.p_value,
        mde=est.mde,
        power=power,
        df=fit.df,
        level_change=est.estimate,
        level_change_se=est.std_error,
        counterfactual_mean=counterfactual,
        observed_mean=observed,
        relative_effect=est.estimate / counterfactual if counterfactual != 0 else None,
        hac_lags=lags,
        pre_trend=pre_trend_test(
            diff, series.t, series.post, dummies, level=level, grain=series.grain
        ),
        assumptions=DID_ASSUMPTIONS,
    )


def pre_trend_test(
    diff: np.ndarray,
    t: np.ndarray,
    post: np.ndarray,
    dummies: np.ndarray,
    *,
    level: float,
    grain: str,
) -> PreTrendTest | None:
    """Slope of the pre-launch difference (HAC errors); None when too few points to fit one."""
    pre = ~post
    design = np.column_stack([np.ones(int(pre.sum())), t[pre], dummies[pre]])
    # Weekday columns absent from the pre-period would make the design singular: drop them.
    design = design[:, np.any(design != 0, axis=0)]
    if design.shape[0] - design.shape[1] < 2 or not full_rank(design):
        return None
    lags = default_lags(design.shape[0], grain)
    fit = hac_ols(diff[pre], design, lags=lags, launch_cols=[])
    est = infer(float(fit.params[1]), float(np.sqrt(fit.cov[1, 1])), fit.df, level, 0.8)
    gap = float(t[post].mean() - t[pre].mean())
    drift = est.estimate * gap
    parallel = est.p_value >= 1.0 - level
    unit = "day" if grain == "day" else "week"
    if parallel:
        message = (
            f"pre-launch difference slope {est.estimate:+.4g} per {unit} "
            f"(p = {est.p_value:.2f}): no evidence against parallel trends"
        )
    else:
        message = (
            f"pre-launch difference slope {est.estimate:+.4g} per {unit} "
            f"(p = {est.p_value:.2g}): the segments were already diverging; carried on, that "
            f"alone would shift the estimate by {drift:+.4g}"
        )
    return PreTrendTest(
        slope=est.estimate,
        std_error=est.std_error,
        p_value=est.p_value,
        low=est.low,
        high=est.high,
        level=level,
        drift_over_gap=drift,
        parallel=parallel,
        message=message,
    )
