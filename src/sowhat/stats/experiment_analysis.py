"""Experiment analysis on sufficient statistics, vectorised over metrics x arms.

One call analyses a (metrics, arms) block of per-arm sums (see `sufficient.py`): every
treatment arm against control (column 0). Nothing loops over metrics; a metric whose data
cannot support a test (too few units, zero variance, zero baseline) gets an error code in its
own cells and NaN results, and never disturbs the others.

Conventions mirror GrowthBook's gbstats 0.8.0 (frequentist/tests.py) so results can be
checked against it; formula references are to that code and the papers it cites.

- Absolute lift  d = mean_B - mean_A, variance V = var_A/n_A + var_B/n_B (Welch).
- Degrees of freedom: Welch-Satterthwaite on the per-arm variances,
      dof = V^2 / (var_B^2 / (n_B^2 (n_B - 1)) + var_A^2 / (n_A^2 (n_A - 1))),
  used for both the absolute and the relative interval, as gbstats does.
- `p_value` tests d = 0 (two-sided Welch t); `ci_abs` = d +- t(1 - alpha/2, dof) sqrt(V).
- Relative lift r = d / mean_A with the delta-method variance
      V_rel = var_B / (mean_A^2 n_B) + var_A mean_B^2 / (mean_A^4 n_A)
  (means unadjusted under CUPED); `ci_rel` = r +- t(1 - alpha/2, dof) sqrt(V_rel) and
  `p_value_rel` is gbstats' own (relative) p-value.
- CUPED (Deng et al. 2013): theta = cov(Y, X) / var(X) pooled over the two arms compared
  (gbstats compute_theta), adjusted mean = mean_Y - theta mean_X, adjusted variance
  var_Y + theta^2 var_X - 2 theta cov(Y, X); theta = 0 (no adjustment) when a pooled
  variance is zero. With several treatments each comparison pools control with that arm.
- Sequential: always-valid confidence sequence and p-value (see `sequential.py`).
- Guardrails: one-sided Welch t non-inferiority test against a margin (fixed horizon).
- Bayesian read-out on the relative lift (see `bayes.py`); multiple-arm correction of
  `p_value` with Holm or Benjamini-Hochberg (see `multiple.py`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy import stats as sps

from sowhat.errors import UserError
from sowhat.stats import sequential as seq
from sowhat.stats.bayes import gaussian_readout
from sowhat.stats.experiment_results import (
    ERROR_NAMES,
    INVALID_INPUT,
    OK,
    TOO_FEW_UNITS,
    ZERO_BASELINE,
    ZERO_DENOMINATOR,
    ZERO_VARIANCE,
    ExperimentResult,
    build_result,
)
from sowhat.stats.multiple import CORRECTIONS, Correction, adjust
from sowhat.stats.srm import normalized_weights, srm_p_values
from sowhat.stats.sufficient import (
    METRIC_TYPES,
    ArmSummary,
    FloatArray,
    MetricType,
    SummaryArrays,
    moments,
    sample_covariance,
    sample_variance,
)


@dataclass(frozen=True)
class NonInferiority:
    """A guardrail: the treatment may be worse than control by at most `margin` (> 0).

    `relative=True` reads the margin as a fraction of the control mean (0.02 = 2 %).
    `higher_is_better=False` for metrics like support tickets, where "worse" means "up".
    """

    margin: float
    relative: bool = False
    higher_is_better: bool = True


@dataclass(frozen=True)
class AnalysisOptions:
    metric_type: MetricType = "mean"
    alpha: float = 0.05
    sequential: bool = False
    sequential_tuning: float = seq.DEFAULT_TUNING
    correction: Correction | None = None
    weights: tuple[float, ...] | None = None
    cuped: bool = False
    non_inferiority: NonInferiority | None = None

    def __post_init__(self) -> None:
        if self.metric_type not in METRIC_TYPES:
            raise UserError(
                f"unknown metric_type '{self.metric_type}'", hint="use proportion, mean or ratio"
            )
        if not 0.0 < self.alpha < 1.0:
            raise UserError(f"alpha must be between 0 and 1, got {self.alpha}", hint="e.g. 0.05")
        if self.correction is not None and self.correction not in CORRECTIONS:
            raise UserError(f"unknown correction '{self.correction}'", hint="use holm, bh or null")
        if not self.sequential_tuning > 0:
            raise UserError(
                "sequential_tuning must be positive",
                hint="set it near the number of units you expect (default 5000)",
            )
        if self.cuped and self.metric_type == "ratio":
            raise UserError(
                "CUPED is supported for proportion and mean metrics, not ratio metrics",
                hint="drop 'cuped' or analyse the numerator as a mean metric",
            )
        ni = self.non_inferiority
        if ni is not None and not (np.isfinite(ni.margin) and ni.margin > 0):
            raise UserError(
                f"non-inferiority margin must be a positive number, got {ni.margin}",
                hint="give how much worse the treatment may be, e.g. 0.01 or '2%'",
            )


@dataclass(frozen=True)
class BatchResult:
    """Arrays of results: per arm (metrics, arms) and per comparison (metrics, arms - 1).

    Comparison j is arm j + 1 against control. `error` holds the codes above; cells with a
    code >= ZERO_VARIANCE are NaN (False for the boolean arrays).
    """

    options: AnalysisOptions
    n: FloatArray
    mean: FloatArray
    variance: FloatArray
    ci_mean_low: FloatArray
    ci_mean_high: FloatArray
    srm_p_value: FloatArray
    theta: FloatArray
    adjusted_mean_control: FloatArray
    adjusted_mean_treatment: FloatArray
    lift_abs: FloatArray
    lift_rel: FloatArray
    se_abs: FloatArray
    se_rel: FloatArray
    dof: FloatArray
    ci_abs_low: FloatArray
    ci_abs_high: FloatArray
    ci_rel_low: FloatArray
    ci_rel_high: FloatArray
    p_value: FloatArray
    p_value_rel: FloatArray
    adjusted_p_value: FloatArray
    significant: NDArray[np.bool_]
    chance_to_win: FloatArray
    risk_control: FloatArray
    risk_treatment: FloatArray
    ni_p_value: FloatArray
    ni_bound: FloatArray
    non_inferior: NDArray[np.bool_]
    error: NDArray[np.int8]

    def error_names(self) -> NDArray[np.object_]:
        """The codes as strings ("" for OK), same shape as `error`."""
        names = np.array([""] + [ERROR_NAMES[i] for i in range(1, len(ERROR_NAMES) + 1)])
        return np.asarray(names[self.error], dtype=np.object_)


def analyze(arms: Sequence[ArmSummary], options: AnalysisOptions | None = None) -> ExperimentResult:
    """Analyse one metric of one experiment: `arms[0]` is control, the rest treatments."""
    if len(arms) < 2:
        raise UserError(
            f"an experiment needs at least 2 arms, got {len(arms)}",
            hint="list the control first, then each treatment",
        )
    opts = options or AnalysisOptions()
    batch = analyze_batch(SummaryArrays.from_arms([arms]), opts)
    names = [arm.name or ("control" if i == 0 else f"variation {i}") for i, arm in enumerate(arms)]
    return build_result(batch, 0, names)


def analyze_batch(stats: SummaryArrays, options: AnalysisOptions | None = None) -> BatchResult:
    """Analyse many metrics at once; see the module docstring for every formula."""
    opts = options or AnalysisOptions()
    alpha = opts.alpha
    metric_rows, arms = stats.shape
    weights = opts.weights
    normalized_weights(weights, arms)  # validates the shape early
    mom = moments(stats, opts.metric_type)
    n = stats.n
    n_a, n_b = n[:, :1], n[:, 1:]
    mean_a_raw, mean_b_raw = mom.mean[:, :1], mom.mean[:, 1:]
    shape = (metric_rows, arms - 1)
    mean_a = np.broadcast_to(mean_a_raw, shape)
    mean_b = mean_b_raw
    var_a = np.broadcast_to(mom.variance[:, :1], shape)
    var_b = mom.variance[:, 1:]
    theta = np.zeros(shape)
    if opts.cuped:
        theta, mean_a, var_a, mean_b, var_b = _cuped(
            stats, opts.metric_type, mom.mean, mom.variance
        )

    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        se2 = var_a / n_a + var_b / n_b
        dof = se2**2 / (var_b**2 / (n_b**2 * (n_b - 1)) + var_a**2 / (n_a**2 * (n_a - 1)))
        diff = mean_b - mean_a
        lift_rel = diff / mean_a_raw
        se2_rel = var_b / (mean_a_raw**2 * n_b) + var_a * mean_b_raw**2 / (mean_a_raw**4 * n_a)
        se, se_rel = np.sqrt(se2), np.sqrt(se2_rel)
        if opts.sequential:
            total = n_a + n_b
            tune = opts.sequential_tuning
            half = seq.half_width(se2, total, alpha, tune)
            half_rel = seq.half_width(se2_rel, total, alpha, tune)
            p_abs = seq.p_value(diff, se2, total, alpha, tune)
            p_rel = seq.p_value(lift_rel, se2_rel, total, alpha, tune)
        else:
            tq = sps.t.ppf(1.0 - alpha / 2.0, dof)
            half, half_rel = tq * se, tq * se_rel
            p_abs = 2.0 * sps.t.sf(np.abs(diff / se), dof)
            p_rel = 2.0 * sps.t.sf(np.abs(lift_rel / se_rel), dof)

    error = _error_codes(stats, opts.metric_type, n_a, n_b, mean_a_raw, var_a, var_b, shape)
    bad = error >= ZERO_VARIANCE
    bad_rel = error >= ZERO_BASELINE

    def void(values: FloatArray, mask: NDArray[np.bool_] = bad) -> FloatArray:
        return np.where(mask, np.nan, np.asarray(values, dtype=np.float64))

    p_abs = void(p_abs)
    adjusted = adjust(p_abs, opts.correction)
    bayes = gaussian_readout(void(lift_rel, bad_rel), void(se_rel, bad_rel))
    ni_p, ni_bound, ni_ok = _non_inferiority(opts, diff, se, lift_rel, se_rel, dof, bad, bad_rel)
    ci_lo, ci_hi = _mean_intervals(n, mom.mean, mom.variance, opts.metric_type, alpha)
    with np.errstate(invalid="ignore"):  # inf - inf in cells that `void` blanks anyway
        ci_abs = (void(diff - half), void(diff + half))
        ci_rel = (void(lift_rel - half_rel, bad_rel), void(lift_rel + half_rel, bad_rel))
    return BatchResult(
        options=opts,
        n=n,
        mean=mom.mean,
        variance=mom.variance,
        ci_mean_low=ci_lo,
        ci_mean_high=ci_hi,
        srm_p_value=srm_p_values(n, weights),
        theta=void(theta),
        adjusted_mean_control=np.asarray(mean_a, dtype=np.float64).copy(),
        adjusted_mean_treatment=np.asarray(mean_b, dtype=np.float64).copy(),
        lift_abs=void(diff),
        lift_rel=void(lift_rel, bad_rel),
        se_abs=void(se),
        se_rel=void(se_rel, bad_rel),
        dof=void(dof),
        ci_abs_low=ci_abs[0],
        ci_abs_high=ci_abs[1],
        ci_rel_low=ci_rel[0],
        ci_rel_high=ci_rel[1],
        p_value=p_abs,
        p_value_rel=void(p_rel, bad_rel),
        adjusted_p_value=adjusted,
        significant=np.asarray(~bad & (adjusted < alpha)),
        chance_to_win=bayes.chance_to_win,
        risk_control=bayes.risk_control,
        risk_treatment=bayes.risk_treatment,
        ni_p_value=ni_p,
        ni_bound=ni_bound,
        non_inferior=ni_ok,
        error=error.astype(np.int8),
    )


def _cuped(
    stats: SummaryArrays, metric_type: MetricType, mean: FloatArray, variance: FloatArray
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray, FloatArray]:
    """Theta pooled over control + each treatment, and both arms' adjusted moments."""
    x, xx, xy = stats.covariate_sum, stats.covariate_sum_squares, stats.main_covariate_sum_product
    if x is None or xx is None or xy is None:
        raise UserError(
            "CUPED needs covariate_sum, covariate_sum_squares and main_covariate_sum_product",
            hint="add the pre-period sums to every arm, or turn cuped off",
        )
    n, y, yy = stats.n, stats.sum, stats.sum_squares

    def pair(a: FloatArray) -> FloatArray:
        return np.asarray(a[:, :1] + a[:, 1:], dtype=np.float64)

    nj, yj = pair(n), pair(y)
    with np.errstate(divide="ignore", invalid="ignore"):
        if metric_type == "proportion":
            pj = yj / nj
            var_post = pj * (1.0 - pj)
        else:
            var_post = sample_variance(nj, yj, pair(yy))
        var_pre = sample_variance(nj, pair(x), pair(xx))
        cov_joint = sample_covariance(nj, yj, pair(x), pair(xy))
        usable = (var_pre > 0) & (var_post > 0)
        theta = np.where(usable, cov_joint / np.where(usable, var_pre, 1.0), 0.0)
        x_mean = x / n
        x_var = sample_variance(n, x, xx)
        cov = sample_covariance(n, y, x, xy)

    def adjusted(cols: slice) -> tuple[FloatArray, FloatArray]:
        m = mean[:, cols] - theta * x_mean[:, cols]
        v = variance[:, cols] + theta**2 * x_var[:, cols] - 2.0 * theta * cov[:, cols]
        keep = theta == 0
        return (
            np.where(keep, mean[:, cols] + 0 * theta, m),
            np.where(keep, variance[:, cols] + 0 * theta, v),
        )

    mean_a, var_a = adjusted(slice(0, 1))
    mean_b, var_b = adjusted(slice(1, None))
    return theta, mean_a, var_a, mean_b, var_b


def _error_codes(
    stats: SummaryArrays,
    metric_type: MetricType,
    n_a: FloatArray,
    n_b: FloatArray,
    mean_a: FloatArray,
    var_a: FloatArray,
    var_b: FloatArray,
    shape: tuple[int, int],
) -> NDArray[np.int64]:
    arm_invalid = ~np.isfinite(stats.n) | (stats.n < 0)
    for arr in (stats.sum, stats.sum_squares):
        arm_invalid |= ~np.isfinite(arr)
    if metric_type == "proportion":
        arm_invalid |= (stats.sum < 0) | (stats.sum > stats.n)
    invalid = arm_invalid[:, :1] | arm_invalid[:, 1:]
    zero_den = np.zeros(shape, dtype=bool)
    if metric_type == "ratio" and stats.denominator_sum is not None:
        den0 = stats.denominator_sum == 0
        zero_den = den0[:, :1] | den0[:, 1:]
    few = (n_a < 2) | (n_b < 2)
    with np.errstate(invalid="ignore"):
        zero_var = ~(var_a > 0) | ~(var_b > 0)
    zero_base = ~(np.abs(mean_a) > 0)
    conditions = [invalid, zero_den, few, zero_var, zero_base]
    codes = [INVALID_INPUT, ZERO_DENOMINATOR, TOO_FEW_UNITS, ZERO_VARIANCE, ZERO_BASELINE]
    return np.asarray(np.select(conditions, codes, default=OK), dtype=np.int64)


def _non_inferiority(
    opts: AnalysisOptions,
    diff: FloatArray,
    se: FloatArray,
    lift_rel: FloatArray,
    se_rel: FloatArray,
    dof: FloatArray,
    bad: NDArray[np.bool_],
    bad_rel: NDArray[np.bool_],
) -> tuple[FloatArray, FloatArray, NDArray[np.bool_]]:
    """One-sided Welch t: H0 "worse by at least the margin" (gbstats OneSided*TTest)."""
    nan = np.full(diff.shape, np.nan)
    ni = opts.non_inferiority
    if ni is None:
        return nan, nan, np.zeros(diff.shape, dtype=bool)
    est, err, mask = (lift_rel, se_rel, bad_rel) if ni.relative else (diff, se, bad)
    tq = sps.t.ppf(1.0 - opts.alpha, dof)
    with np.errstate(divide="ignore", invalid="ignore"):
        if ni.higher_is_better:
            null = -ni.margin
            p = sps.t.sf((est - null) / err, dof)
            bound = est - tq * err
            ok = bound > null
        else:
            null = ni.margin
            p = sps.t.cdf((est - null) / err, dof)
            bound = est + tq * err
            ok = bound < null
    p = np.where(mask, np.nan, p)
    return p, np.where(mask, np.nan, bound), np.asarray(~mask & ok)


def _mean_intervals(
    n: FloatArray, mean: FloatArray, variance: FloatArray, metric_type: MetricType, alpha: float
) -> tuple[FloatArray, FloatArray]:
    """Each arm's own interval: Wald (normal, clipped) for proportions, t(n - 1) otherwise."""
    with np.errstate(divide="ignore", invalid="ignore"):
        if metric_type == "proportion":
            q = sps.norm.ppf(1.0 - alpha / 2.0)
        else:
            q = sps.t.ppf(1.0 - alpha / 2.0, n - 1.0)
        half = q * np.sqrt(variance / n)
    ok = n >= 2
    low, high = mean - half, mean + half
    if metric_type == "proportion":  # as statsmodels' proportion_confint: clip to [0, 1]
        low, high = np.clip(low, 0.0, 1.0), np.clip(high, 0.0, 1.0)
    return np.where(ok, low, np.nan), np.where(ok, high, np.nan)
