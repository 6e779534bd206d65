"""Seeded simulations: the guarantees the statistics promise, checked on many fake experiments.

Vectorised, so thousands of experiments cost a few array operations; marked slow all the same.
"""

from __future__ import annotations

import numpy as np
import pytest

from sowhat.stats.experiment_analysis import AnalysisOptions, analyze_batch
from sowhat.stats.experiment_design import sample_size
from sowhat.stats.sufficient import SummaryArrays, summarize_rows

pytestmark = pytest.mark.slow


def proportion_block(n: np.ndarray, x: np.ndarray) -> SummaryArrays:
    return SummaryArrays.build(n=n, sum=x, sum_squares=x)


def test_peeking_inflates_fixed_horizon_but_not_sequential() -> None:
    rng = np.random.default_rng(2024)
    sims, peeks, batch, p = 3000, 20, 250, 0.3  # A/A tests, 20 looks
    n = np.zeros((sims, 2))
    x = np.zeros((sims, 2))
    naive = np.zeros(sims, dtype=bool)
    always_valid = np.zeros(sims, dtype=bool)
    for _ in range(peeks):
        n += batch
        x += rng.binomial(batch, p, size=(sims, 2))
        block = proportion_block(n, x)
        fixed = analyze_batch(block, AnalysisOptions(metric_type="proportion"))
        seq = analyze_batch(block, AnalysisOptions(metric_type="proportion", sequential=True))
        naive |= fixed.significant[:, 0]
        always_valid |= seq.significant[:, 0]
    assert naive.mean() > 0.15  # peeking at a fixed-horizon test: false positives pile up
    assert always_valid.mean() <= 0.05  # the confidence sequence keeps its promise


def test_fixed_horizon_type_one_error_and_designed_power() -> None:
    rng = np.random.default_rng(7)
    sims = 6000
    plan = sample_size(metric_type="proportion", baseline=0.2, mde=0.02, power=0.8)
    n_arm = plan.sample_size_per_arm
    n = np.full((sims, 2), float(n_arm))
    null = np.column_stack([rng.binomial(n_arm, 0.2, sims), rng.binomial(n_arm, 0.2, sims)])
    alt = np.column_stack([rng.binomial(n_arm, 0.2, sims), rng.binomial(n_arm, 0.22, sims)])
    options = AnalysisOptions(metric_type="proportion")
    false_pos = analyze_batch(proportion_block(n, null.astype(float)), options).significant
    power = analyze_batch(proportion_block(n, alt.astype(float)), options).significant
    assert abs(false_pos.mean() - 0.05) < 0.012
    assert abs(power.mean() - 0.8) < 0.025


def test_cuped_keeps_coverage_and_narrows_intervals() -> None:
    rng = np.random.default_rng(11)
    units, sims, effect = 600, 400, 0.15
    arm = np.repeat([0, 1], units // 2)
    pre = rng.normal(10.0, 2.0, size=(units, sims))
    post = 0.8 * pre + rng.normal(0.0, 1.0, size=(units, sims)) + effect * arm[:, None]
    block = summarize_rows(post, arm, arms=2, covariates=pre)
    plain = analyze_batch(block, AnalysisOptions(metric_type="mean"))
    cuped = analyze_batch(block, AnalysisOptions(metric_type="mean", cuped=True))
    for result in (plain, cuped):
        covered = (result.ci_abs_low[:, 0] <= effect) & (effect <= result.ci_abs_high[:, 0])
        assert abs(covered.mean() - 0.95) < 0.035
    width_plain = plain.ci_abs_high - plain.ci_abs_low
    width_cuped = cuped.ci_abs_high - cuped.ci_abs_low
    assert np.median(width_cuped / width_plain) < 0.6  # corr(pre, post) ~ 0.85
    assert np.all(np.abs(cuped.theta - 0.8) < 0.25)
