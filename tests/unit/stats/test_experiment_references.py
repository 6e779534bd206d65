"""Experiment analysis against SciPy and statsmodels on fixed cases (1e-6 tolerance)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.proportion import proportion_confint

from sowhat.stats.experiment_analysis import AnalysisOptions, analyze, analyze_batch
from sowhat.stats.multiple import benjamini_hochberg, holm
from sowhat.stats.srm import srm_p_values
from sowhat.stats.sufficient import ArmSummary, SummaryArrays, summarize_rows

RTOL = 1e-6


def seeded(seed: int) -> np.random.Generator:
    return np.random.default_rng(seed)


# 24 mean-metric cases: (seed, n_a, n_b, loc_b, scale_b, alpha)
MEAN_CASES = [
    (s, na, nb, loc, scale, alpha)
    for s, (na, nb, loc, scale, alpha) in enumerate(
        [
            (50, 50, 0.0, 1.0, 0.05),
            (200, 180, 0.3, 1.5, 0.05),
            (1000, 1000, 0.05, 1.0, 0.01),
            (30, 90, 1.0, 3.0, 0.1),
            (5000, 4900, -0.02, 1.0, 0.05),
            (12, 15, 0.5, 0.5, 0.05),
            (400, 400, 0.0, 2.0, 0.2),
            (75, 60, -0.4, 0.8, 0.05),
            (2500, 2600, 0.1, 1.2, 0.05),
            (3, 3, 1.0, 1.0, 0.05),
            (100, 1000, 0.2, 1.0, 0.05),
            (800, 820, 0.0, 5.0, 0.01),
            (20, 20, 2.0, 1.0, 0.05),
            (10000, 10000, 0.01, 1.0, 0.05),
            (64, 64, -1.0, 2.0, 0.1),
            (150, 140, 0.25, 0.3, 0.05),
            (333, 333, 0.0, 1.0, 0.05),
            (45, 300, 0.7, 4.0, 0.05),
            (1200, 1100, -0.05, 0.9, 0.05),
            (9, 40, 0.9, 1.7, 0.05),
            (600, 650, 0.15, 1.1, 0.02),
            (250, 240, 0.0, 0.1, 0.05),
            (7000, 7100, 0.03, 1.0, 0.05),
            (88, 99, 0.33, 2.2, 0.05),
        ]
    )
]


def mean_data(seed: int, n_a: int, n_b: int, loc_b: float, scale_b: float) -> tuple:
    rng = seeded(seed)
    a = rng.normal(10.0, 1.0, n_a)
    b = rng.normal(10.0 + loc_b, scale_b, n_b)
    return a, b


@pytest.mark.parametrize("case", MEAN_CASES)
def test_mean_metric_matches_scipy_welch(case: tuple) -> None:
    seed, n_a, n_b, loc_b, scale_b, alpha = case
    a, b = mean_data(seed, n_a, n_b, loc_b, scale_b)
    result = analyze(
        [ArmSummary.from_rows(a), ArmSummary.from_rows(b)],
        AnalysisOptions(metric_type="mean", alpha=alpha),
    )
    arm = result.arms[1]
    ref = stats.ttest_ind(b, a, equal_var=False)
    from_stats = stats.ttest_ind_from_stats(
        b.mean(), b.std(ddof=1), n_b, a.mean(), a.std(ddof=1), n_a, equal_var=False
    )
    assert arm.p_value == pytest.approx(ref.pvalue, rel=RTOL, abs=1e-12)
    assert arm.p_value == pytest.approx(from_stats.pvalue, rel=RTOL, abs=1e-12)
    assert arm.dof == pytest.approx(ref.df, rel=RTOL)
    ci = ref.confidence_interval(confidence_level=1 - alpha)
    assert arm.ci_abs == pytest.approx((ci.low, ci.high), rel=RTOL)
    assert arm.lift_abs == pytest.approx(b.mean() - a.mean(), rel=RTOL)
    # Relative lift: delta method written out independently.
    ma, mb = a.mean(), b.mean()
    va, vb = a.var(ddof=1), b.var(ddof=1)
    se_rel = math.sqrt(vb / (ma**2 * n_b) + va * mb**2 / (ma**4 * n_a))
    q = stats.t.ppf(1 - alpha / 2, ref.df)
    rel = mb / ma - 1
    assert arm.lift_rel == pytest.approx(rel, rel=RTOL)
    assert arm.ci_rel == pytest.approx((rel - q * se_rel, rel + q * se_rel), rel=RTOL)
    # Each arm's own interval: t with n - 1 degrees of freedom.
    lo, hi = stats.t.interval(1 - alpha, n_a - 1, loc=ma, scale=stats.sem(a))
    assert result.arms[0].ci_mean == pytest.approx((lo, hi), rel=RTOL)


# 22 proportion cases: (n_a, x_a, n_b, x_b, alpha)
PROPORTION_CASES = [
    (1000, 280, 1000, 310, 0.05),
    (5000, 250, 5100, 300, 0.05),
    (200, 100, 210, 90, 0.05),
    (80, 8, 75, 15, 0.1),
    (20000, 400, 19800, 460, 0.01),
    (30, 3, 30, 9, 0.05),
    (1500, 1350, 1480, 1360, 0.05),
    (700, 70, 2100, 240, 0.05),
    (100, 50, 100, 50, 0.05),
    (12345, 2345, 12400, 2290, 0.05),
    (60, 59, 60, 55, 0.05),
    (999, 1, 1001, 7, 0.05),
    (4000, 1200, 4000, 1280, 0.2),
    (350, 35, 360, 30, 0.05),
    (2500, 625, 2450, 690, 0.05),
    (40, 20, 45, 30, 0.05),
    (100000, 3000, 100200, 3150, 0.05),
    (500, 495, 510, 490, 0.05),
    (18, 5, 22, 12, 0.05),
    (7000, 3500, 7000, 3600, 0.02),
    (250, 40, 260, 52, 0.05),
    (1100, 330, 900, 300, 0.05),
]


@pytest.mark.parametrize("case", PROPORTION_CASES)
def test_proportion_matches_scipy_and_statsmodels(case: tuple) -> None:
    n_a, x_a, n_b, x_b, alpha = case
    result = analyze(
        [ArmSummary(n=n_a, sum=x_a, sum_squares=x_a), ArmSummary(n=n_b, sum=x_b, sum_squares=x_b)],
        AnalysisOptions(metric_type="proportion", alpha=alpha),
    )
    p_a, p_b = x_a / n_a, x_b / n_b
    # gbstats' proportion variance is p(1 - p), i.e. the standard deviation with ddof = 0.
    ref = stats.ttest_ind_from_stats(
        p_b,
        math.sqrt(p_b * (1 - p_b)),
        n_b,
        p_a,
        math.sqrt(p_a * (1 - p_a)),
        n_a,
        equal_var=False,
    )
    arm = result.arms[1]
    assert arm.p_value == pytest.approx(ref.pvalue, rel=RTOL, abs=1e-12)
    se = math.sqrt(p_a * (1 - p_a) / n_a + p_b * (1 - p_b) / n_b)
    assert arm.lift_abs / se == pytest.approx(ref.statistic, rel=RTOL)
    for k, (n, x) in enumerate([(n_a, x_a), (n_b, x_b)]):
        lo, hi = proportion_confint(x, n, alpha=alpha, method="normal")
        assert result.arms[k].ci_mean == pytest.approx((lo, hi), rel=RTOL, abs=1e-12)


def test_ratio_metric_matches_linearised_variance() -> None:
    rng = seeded(7)
    arms = []
    raw = []
    for lift in (0.0, 0.03):
        d = 1.0 + rng.poisson(4.0, 3000)
        y = rng.binomial(d.astype(int), 0.2 + lift).astype(float)
        arms.append(ArmSummary.from_rows(y, denominators=d))
        raw.append((y, d))
    result = analyze(arms, AnalysisOptions(metric_type="ratio"))
    # Var of sum(y)/sum(d) by linearisation: var(y - R d) / mean(d)^2 / n.
    variances, means = [], []
    for y, d in raw:
        r = y.sum() / d.sum()
        variances.append(np.var(y - r * d, ddof=1) / d.mean() ** 2)
        means.append(r)
    ref = stats.ttest_ind_from_stats(
        means[1],
        math.sqrt(variances[1]),
        3000,
        means[0],
        math.sqrt(variances[0]),
        3000,
        equal_var=False,
    )
    assert result.arms[1].lift_abs == pytest.approx(means[1] - means[0], rel=RTOL)
    assert result.arms[1].p_value == pytest.approx(ref.pvalue, rel=RTOL)


def p_value_rows() -> list[np.ndarray]:
    rng = seeded(11)
    rows = [rng.uniform(0, 1, size) for size in (2, 3, 5, 8, 13, 20)]
    rows += [rng.uniform(0, 0.1, size) for size in (2, 4, 6, 10, 15)]
    rows += [np.array([0.01, 0.01, 0.04, 0.04, 0.2]), np.array([0.05] * 4)]
    rows += [np.array([0.001, 0.5, 0.049, 0.02]), np.array([1.0, 0.0, 0.5])]
    rows += [rng.beta(0.3, 3, size) for size in (3, 7, 9, 12, 25)]
    rows += [np.array([0.03]), np.array([0.2, 0.011, 0.012, 0.013, 0.9, 0.04])]
    return rows


@pytest.mark.parametrize("row", p_value_rows(), ids=lambda r: f"m{len(r)}")
def test_corrections_match_statsmodels(row: np.ndarray) -> None:
    assert holm(row) == pytest.approx(multipletests(row, method="holm")[1], rel=1e-12)
    assert benjamini_hochberg(row) == pytest.approx(
        multipletests(row, method="fdr_bh")[1], rel=1e-12
    )


def test_corrections_are_vectorised_and_skip_nan() -> None:
    rows = [r for r in p_value_rows() if len(r) == 3]
    block = np.vstack(rows)
    assert holm(block) == pytest.approx(
        np.vstack([multipletests(r, method="holm")[1] for r in rows])
    )
    with_nan = np.array([[0.01, np.nan, 0.04, 0.03]])
    ref = multipletests([0.01, 0.04, 0.03], method="fdr_bh")[1]
    got = benjamini_hochberg(with_nan)[0]
    assert np.isnan(got[1])
    assert got[[0, 2, 3]] == pytest.approx(ref)


@pytest.mark.parametrize(
    ("counts", "weights"),
    [
        ([1000, 1000], None),
        ([1000, 1100], None),
        ([5000, 4800, 5100], None),
        ([300, 700], [0.3, 0.7]),
        ([310, 690], [3, 7]),
        ([2000, 1000, 1000], [0.5, 0.25, 0.25]),
        ([10, 30], None),
        ([123, 456, 789, 1011], None),
    ],
)
def test_srm_matches_scipy_chisquare(counts: list[int], weights: list[float] | None) -> None:
    w = np.asarray(weights if weights else [1.0] * len(counts), dtype=float)
    expected = w / w.sum() * sum(counts)
    ref = stats.chisquare(counts, expected).pvalue
    assert srm_p_values(counts, weights)[0] == pytest.approx(ref, rel=1e-9)


def test_from_rows_and_summarize_rows_agree_with_numpy() -> None:
    rng = seeded(3)
    y = rng.normal(size=(500, 3))
    d = rng.uniform(1, 2, size=(500, 3))
    x = rng.normal(size=(500, 3))
    arm = rng.integers(0, 2, 500)
    block = summarize_rows(y, arm, arms=2, denominators=d, covariates=x)
    for metric in range(3):
        for k in range(2):
            m = arm == k
            one = ArmSummary.from_rows(
                y[m, metric], denominators=d[m, metric], covariates=x[m, metric]
            )
            assert block.n[metric, k] == one.n
            assert block.sum[metric, k] == pytest.approx(one.sum)
            assert block.sum_squares[metric, k] == pytest.approx(np.sum(y[m, metric] ** 2))
            assert block.main_denominator_sum_product is not None
            assert block.main_denominator_sum_product[metric, k] == pytest.approx(
                one.main_denominator_sum_product
            )
            assert block.main_covariate_sum_product is not None
            assert block.main_covariate_sum_product[metric, k] == pytest.approx(
                np.sum(y[m, metric] * x[m, metric])
            )


def test_batch_equals_one_by_one_and_bad_metrics_stay_local() -> None:
    rng = seeded(5)
    experiments = []
    for i in range(40):
        arms = [
            ArmSummary.from_rows(rng.normal(5 + 0.1 * k, 1 + i % 3, 100 + 7 * i)) for k in range(3)
        ]
        experiments.append(arms)
    experiments[7][0] = ArmSummary(n=50, sum=100.0, sum_squares=200.0)  # zero variance
    experiments[13][2] = ArmSummary(n=1, sum=3.0, sum_squares=9.0)  # too few units
    options = AnalysisOptions(metric_type="mean", correction="holm")
    batch = analyze_batch(SummaryArrays.from_arms(experiments), options)
    names = batch.error_names()
    assert list(names[7]) == ["ZERO_VARIANCE", "ZERO_VARIANCE"]
    assert list(names[13]) == ["", "TOO_FEW_UNITS"]
    assert np.isnan(batch.p_value[13, 1])
    assert batch.adjusted_p_value[13, 0] == pytest.approx(batch.p_value[13, 0])  # m = 1
    for i in (0, 6, 8, 13, 39):
        one = analyze(experiments[i], options)
        for j in range(2):
            expected = one.arms[j + 1].p_value
            got = batch.p_value[i, j]
            assert (expected is None and np.isnan(got)) or got == pytest.approx(expected)
            if one.arms[j + 1].ci_rel is not None:
                assert batch.ci_rel_low[i, j] == pytest.approx(one.arms[j + 1].ci_rel[0])
    ok = np.ones(40, dtype=bool)
    ok[[7, 13]] = False
    assert np.all(np.isfinite(batch.p_value[ok]))


def test_zero_baseline_keeps_absolute_results() -> None:
    result = analyze(
        [
            ArmSummary(n=100, sum=0.0, sum_squares=50.0),
            ArmSummary(n=100, sum=10.0, sum_squares=60.0),
        ],
        AnalysisOptions(metric_type="mean"),
    )
    arm = result.arms[1]
    assert arm.error == "ZERO_BASELINE"
    assert arm.lift_rel is None
    assert arm.ci_rel is None
    assert arm.p_value is not None
    assert arm.ci_abs is not None
