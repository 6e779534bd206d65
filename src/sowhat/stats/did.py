"""Difference-in-differences: the launch's effect against a segment that did not get it.

With a treated series (the segment exposed to the bet) and a control series (an unexposed
segment) on the same dates, the classic 2x2 DiD estimate is

    (mean treated post - mean treated pre) - (mean control post - mean control pre).

It equals the post coefficient in the regression of the difference series
d_t = treated_t - k·control_t on a constant and post_t, which is how it is fitted here, so the
difference's autocorrelation is handled (prewhitening, Newey–West errors, fixed-b critical
values: `robust_regression`) instead of being ignored — the
usual failing of a naive two-way table on time series (Bertrand, Duflo & Mullainathan 2004,
"How much should we trust differences-in-differences estimates?"). Daily series add weekday
dummies to the difference (segments can differ in their weekly rhythm).

The scale k: with `control_scale="none"`, k = 1 — the textbook additive DiD. The default
"ratio" sets k = mean(treated, pre) / mean(control, pre), so the control is first put on the
treated segment's scale. Product metrics mostly move multiplicatively (a segment twice the
size gains twice the events from a good month), and with k = 1 segments of different sizes
then have non-parallel trends by construction. With k from the pre-period the estimate is
mean(T post) - mean(T pre) x mean(C post) / mean(C pre) (weekday-adjusted): the treated
pre-launch level grown as the control grew. Ignoring k's own sampling error is first-order
harmless (the delta-method variance equals the fixed-k one when the control's level barely
moves); benchmarks/impact.py measures the resulting coverage.

The assumption that matters is parallel trends; it is tested on the pre-launch difference
(its slope should be zero) and reported with the estimate. The test cannot prove parallel
trends — only fail to find evidence against them.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import numpy as np

from sowhat.errors import UserError
from sowhat.stats.impact_estimate import (
    DEFAULT_LEVEL,
    DEFAULT_POWER,
    ImpactError,
    ImpactEstimate,
    PreparedSeries,
    PreTrendTest,
    check_periods,
    failed,
    full_rank,
    is_constant,
    pre_launch_check,
    prepare,
    weekday_dummies,
    withhold_reason,
)
from sowhat.stats.rival import RivalBend, combine, rival_bend
from sowhat.stats.robust_regression import (
    ITERATIONS,
    Selection,
    contrast_inference,
    default_lags,
    fgls_t_statistics,
    robust_fit,
)

DID_ASSUMPTIONS: tuple[str, ...] = (
    "Parallel trends: without the launch the treated segment would have kept its course "
    "relative to the control (a steady gap, or a gap drifting in a straight line - that drift "
    "is then carried on). Wrong if the segments began to diverge for another reason; the "
    "checks answer \"can't tell\" when the gap jumped or bent before the launch, or when a "
    "divergence that began before it explains the weeks after as well as the launch does; "
    "a small divergence that began only a few weeks before can still slip past.",
    "The control segment was not exposed to the launch and not affected by it (no spill-over). "
    "Wrong if control users see the feature or react to it (shared accounts, word of mouth).",
    "Nothing else changed for only one of the two segments at the launch. Changes that hit "
    "both - a holiday, a season, a market shift - cancel out; that is what the control is for.",
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
    difference_trend: bool | None = None,
    control_scale: str = "ratio",
    prewhiten: bool = True,
    hac_lags: int | None = None,
) -> ImpactEstimate:
    """Estimate a launch's effect from a treated and a control series on the same dates.

    `difference_trend=True` also fits a linear trend in the difference (an ITS on the
    difference); the default (None) fits it exactly when the pre-trend test finds the
    segments diverging, and says so in `adjustments`. A bend or jump in the pre-launch
    difference (`stability`) withholds the verdict: no line describes it. `control_scale` is
    "ratio" (default) or "none", see the module docstring. Points where either series is
    missing are dropped.
    """
    if control_scale not in ("ratio", "none"):
        raise UserError(f"unknown control_scale {control_scale!r}", hint="use ratio or none")
    series = prepare(dates, [treated, control], launch=launch, grain=grain)
    season = series.grain == "day" if seasonality is None else seasonality
    y_t, y_c = series.columns
    n_pre, n_post = int((~series.post).sum()), int(series.post.sum())
    min_pre = 7 if season else 3
    problem = check_periods(series, min_pre=min_pre, min_post=1)
    if problem is not None:
        return failed("did", series.grain, level, n_pre, n_post, *problem, DID_ASSUMPTIONS)
    scale = 1.0
    if control_scale == "ratio":
        pre_t, pre_c = float(y_t[~series.post].mean()), float(y_c[~series.post].mean())
        if pre_c == 0.0 or pre_t * pre_c <= 0.0:
            return failed(
                "did", series.grain, level, n_pre, n_post, ImpactError.BAD_CONTROL,
                f"the segments' pre-launch means ({pre_t:g}, {pre_c:g}) cannot be put on one "
                "scale; pass control_scale='none' for an additive comparison",
                DID_ASSUMPTIONS,
            )
        scale = pre_t / pre_c
    diff = y_t - scale * y_c
    if is_constant(diff):
        return failed(
            "did", series.grain, level, n_pre, n_post, ImpactError.CONSTANT_SERIES,
            "treated minus control is the same at every point: check both are tracked",
            DID_ASSUMPTIONS,
        )
    dummies = weekday_dummies(series.dates) if season else np.empty((diff.size, 0))
    pre_trend = pre_trend_test(diff, series.t, series.post, dummies, level=level,
                               grain=series.grain, prewhiten=prewhiten)
    adjustments: tuple[str, ...] = ()
    select: Selection | None = None
    if difference_trend is None:
        difference_trend = pre_trend is not None and not pre_trend.parallel
        select = _same_pre_trend_choice(series, dummies, pre_trend, trend=difference_trend,
                                        prewhiten=prewhiten)
        if difference_trend:
            adjustments = (
                "the segments were drifting apart before the launch, so that drift is carried "
                "on as the no-launch baseline (a trend in the difference); the interval is "
                "wider for it",
            )
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
    fit = robust_fit(diff, design, t=series.t, launch_cols=[1], prewhiten=prewhiten,
                     lags=hac_lags)
    est = contrast_inference(fit, _unit(design.shape[1], 1), level=level, power=power,
                             select=select)
    check = pre_launch_check(diff, series, dummies)
    rival = combine(
        rival_bend(diff, series.t, series.post, rho=fit.rho, grain=series.grain,
                   extra=dummies),
        _treated_rival(y_t, series, dummies, prewhiten=prewhiten))
    withheld = withhold_reason(
        series, check=check, rival=rival, low=est.low, high=est.high,
        what="the gap between the treated and the control segment")
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
        hac_lags=fit.lags,
        ar1=fit.rho,
        critical_value=est.critical_value,
        control_scale=scale,
        pre_trend=pre_trend,
        assumptions=DID_ASSUMPTIONS,
        stability=check,
        withheld=withheld,
        rival=rival,
        adjustments=adjustments,
    )


def pre_trend_test(
    diff: np.ndarray,
    t: np.ndarray,
    post: np.ndarray,
    dummies: np.ndarray,
    *,
    level: float,
    grain: str,
    prewhiten: bool = True,
) -> PreTrendTest | None:
    """Slope of the pre-launch difference (HAC errors); None when too few points to fit one."""
    pre = ~post
    design = _pre_trend_design(t, post, dummies)
    if design is None:
        return None
    fit = robust_fit(diff[pre], design, t=t[pre], launch_cols=[], prewhiten=prewhiten)
    est = contrast_inference(fit, _unit(design.shape[1], 1), level=level, power=0.8)
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
        critical_value=est.critical_value,
    )


def _pre_trend_design(t: np.ndarray, post: np.ndarray, dummies: np.ndarray
                      ) -> np.ndarray | None:
    """Constant, slope and weekday columns on the pre-launch points; None when they cannot
    be fitted. Weekday columns absent from the pre-period would make it singular: dropped."""
    pre = ~post
    design = np.column_stack([np.ones(int(pre.sum())), t[pre], dummies[pre]])
    design = design[:, np.any(design != 0, axis=0)]
    if design.shape[0] - design.shape[1] < 2 or not full_rank(design):
        return None
    return design


def _same_pre_trend_choice(
    series: PreparedSeries,
    dummies: np.ndarray,
    pre_trend: PreTrendTest | None,
    *,
    trend: bool,
    prewhiten: bool,
) -> Selection | None:
    """The null draws whose pre-launch weeks the pre-trend test would have judged as it
    judged the observed ones (diverging: a trend carried on; parallel: none).

    Why: the trend in the difference is chosen from the same weeks it is then fitted on. On
    five pre-launch weeks of a persistent gap the test finds a "divergence" in one null
    launch in five; carried on, that slope overshoots the weeks after and 40% of those launches
    were claimed (the critical value had been simulated as if the trend were chosen blind).
    Each draw's pre-launch slope goes through the test's own steps (AR(1) estimate,
    prewhitening, HAC t) and is compared with the test's critical value; the draws have no
    true slope, the case where a chosen trend is most often a wobble.
    """
    if pre_trend is None or pre_trend.critical_value is None:
        return None
    design = _pre_trend_design(series.t, series.post, dummies)
    if design is None:
        return None
    pre = ~series.post
    t_pre = series.t[pre]
    slope = _unit(design.shape[1], 1)
    lags = default_lags(int(pre.sum()))
    iterations = ITERATIONS if prewhiten else 0
    crit = pre_trend.critical_value

    def keep(errors: np.ndarray) -> np.ndarray:
        stats = fgls_t_statistics(design, slope, errors[pre], t_pre, lags, iterations)[0]
        diverging = np.abs(stats) > crit
        return np.asarray(diverging if trend else ~diverging, dtype=bool)

    return keep


def _treated_rival(
    y: np.ndarray, series: PreparedSeries, dummies: np.ndarray, *, prewhiten: bool
) -> RivalBend | None:
    """The rival bend on the treated series alone (whitened with its own AR(1) estimate)."""
    design = np.column_stack([np.ones_like(y), series.t, series.post.astype(float), dummies])
    if design.shape[0] - design.shape[1] < 2 or not full_rank(design):
        return None
    rho = robust_fit(y, design, t=series.t, launch_cols=[2], prewhiten=prewhiten).rho
    return rival_bend(y, series.t, series.post, rho=rho, grain=series.grain, extra=dummies)


def _unit(size: int, index: int) -> np.ndarray:
    out = np.zeros(size)
    out[index] = 1.0
    return out
