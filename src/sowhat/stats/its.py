"""Interrupted time series: did the KR metric jump when the bet launched?

Segmented regression (Wagner et al. 2002, "Segmented regression analysis of interrupted time
series studies in medication use research"):

    y_t = b0 + b1·t + delta·post_t [+ gamma·t·post_t] + weekday effects + e_t

with t counted in days (or weeks) from the launch, post_t = 1 from the launch day on. `delta`
is the level change at launch; `gamma` (optional) the change in slope. The counterfactual is
the pre-launch line (plus weekday pattern) carried on; the average post-launch effect is the
mean gap between what happened and that counterfactual. Inference copes with the
autocorrelation daily metrics have: AR(1) prewhitening, Newey–West errors and fixed-b
critical values (see `robust_regression`).
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
    check_periods,
    failed,
    full_rank,
    is_constant,
    pre_launch_check,
    prepare,
    weekday_dummies,
    withhold_reason,
)
from sowhat.stats.rival import rival_bend
from sowhat.stats.robust_regression import contrast_inference, robust_fit

ITS_ASSUMPTIONS: tuple[str, ...] = (
    "Without the launch the metric would have kept to its pre-launch line (level, trend and "
    "weekday pattern). Wrong if the trend was already bending or the metric jumped earlier: "
    "the checks look for both - before the launch, and a bend that began before it and "
    "explains the weeks after as well as the launch does - and answer \"can't tell\" when "
    "they find one; a small bend that began only a few weeks before can still slip past.",
    "Nothing else that moves this metric changed at the launch: no other release, campaign, "
    "price change, holiday, seasonal peak or tracking fix in the same weeks. Wrong if one did "
    "- the before/after comparison cannot tell them apart; a control segment (DiD) or an "
    "experiment can.",
    "No anticipation: the metric did not react before the launch date.",
    "The metric's definition and the population it measures did not change at the launch.",
    "The week-to-week noise looks like what came before it (a wobble that may persist for a "
    "few weeks). The interval allows for that persistence being under-estimated on a short "
    "history, not for a shock bigger than any in the history.",
)


def its_design(
    t: np.ndarray,
    post: np.ndarray,
    dates: Sequence[date],
    *,
    slope_change: bool,
    seasonality: bool,
) -> tuple[np.ndarray, list[str]]:
    """The regression design and its column names, in the order the result reports them."""
    cols = [np.ones_like(t), t, post.astype(float)]
    names = ["const", "trend", "level_change"]
    if slope_change:
        cols.append(t * post)
        names.append("slope_change")
    if seasonality:
        dummies = weekday_dummies(dates)
        cols.extend(dummies.T)
        names.extend(f"weekday_{i}" for i in range(dummies.shape[1]))
    return np.column_stack(cols), names


def its_estimate(
    dates: Sequence[date],
    values: Sequence[float | None],
    *,
    launch: date,
    slope_change: bool = False,
    level: float = DEFAULT_LEVEL,
    power: float = DEFAULT_POWER,
    grain: str | None = None,
    seasonality: bool | None = None,
    prewhiten: bool = True,
    hac_lags: int | None = None,
) -> ImpactEstimate:
    """Estimate a launch's effect on a daily or weekly KR series without an experiment.

    `values` line up with `dates` (None or NaN for missing points; they are dropped). The
    launch date is the first post-launch point. `seasonality` (weekday dummies) defaults to on
    for daily series. `prewhiten=False` and `hac_lags` expose the inference's knobs (see
    `robust_regression`). Returns an estimate with `error` set when the data cannot support
    one.
    """
    series = prepare(dates, [values], launch=launch, grain=grain)
    season = series.grain == "day" if seasonality is None else seasonality
    y = series.columns[0]
    n_pre, n_post = int((~series.post).sum()), int(series.post.sum())
    # A week of days to see the weekday pattern before the launch; three points for a trend.
    min_pre = 7 if season else 3
    problem = check_periods(series, min_pre=min_pre, min_post=1 + int(slope_change))
    if problem is not None:
        return failed("its", series.grain, level, n_pre, n_post, *problem, ITS_ASSUMPTIONS)
    if is_constant(y):
        return failed(
            "its", series.grain, level, n_pre, n_post, ImpactError.CONSTANT_SERIES,
            f"the metric is {y[0]:g} at every point: check that it is tracked",
            ITS_ASSUMPTIONS,
        )
    design, names = its_design(
        series.t, series.post, series.dates, slope_change=slope_change, seasonality=season
    )
    if design.shape[0] - design.shape[1] < 2 or not full_rank(design):
        return failed(
            "its", series.grain, level, n_pre, n_post, ImpactError.SINGULAR_DESIGN,
            "the points cannot separate trend, weekday pattern and launch; add more days",
            ITS_ASSUMPTIONS,
        )
    launch_cols = [names.index("level_change")] + (
        [names.index("slope_change")] if slope_change else []
    )
    fit = robust_fit(
        y, design, t=series.t, launch_cols=launch_cols, prewhiten=prewhiten, lags=hac_lags
    )

    # Average effect over the post points = c' beta, with c the post-period mean of the launch
    # columns (1 for the level change, mean t for the slope change).
    weights = np.zeros(design.shape[1])
    weights[launch_cols] = design[series.post][:, launch_cols].mean(axis=0)
    overall = contrast_inference(fit, weights, level=level, power=power)
    effect = overall.estimate
    i_level = names.index("level_change")
    counterfactual = float(fit.fitted_without[series.post].mean())
    dummies = weekday_dummies(series.dates) if season else np.empty((y.size, 0))
    check = pre_launch_check(y, series, dummies)
    rival = rival_bend(y, series.t, series.post, rho=fit.rho, grain=series.grain,
                       extra=dummies)
    withheld = withhold_reason(series, check=check, rival=rival, low=overall.low,
                               high=overall.high, what="the metric")
    slope = slope_se = None
    if slope_change:
        i_slope = names.index("slope_change")
        slope = float(fit.params[i_slope])
        slope_se = float(np.sqrt(fit.cov[i_slope, i_slope]))
    return ImpactEstimate(
        method="its",
        grain=series.grain,
        level=level,
        n_pre=n_pre,
        n_post=n_post,
        effect=effect,
        std_error=overall.std_error,
        low=overall.low,
        high=overall.high,
        p_value=overall.p_value,
        mde=overall.mde,
        power=power,
        df=fit.df,
        level_change=float(fit.params[i_level]),
        level_change_se=float(np.sqrt(fit.cov[i_level, i_level])),
        slope_change=slope,
        slope_change_se=slope_se,
        counterfactual_mean=counterfactual,
        observed_mean=float(y[series.post].mean()),
        relative_effect=effect / counterfactual if counterfactual != 0 else None,
        hac_lags=fit.lags,
        ar1=fit.rho,
        critical_value=overall.critical_value,
        assumptions=ITS_ASSUMPTIONS,
        stability=check,
        withheld=withheld,
        rival=rival,
    )
