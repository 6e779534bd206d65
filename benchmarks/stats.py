"""Benchmark: vectorised experiment analysis vs a plain Python loop over SciPy calls.

Analyses `--metrics` metrics x (`--arms` - 1) treatment arms (default 50,000 x 2 = 100,000
metric x arm comparisons) from sufficient statistics, two ways:

- engine: one `analyze_batch` call (Welch p-value, absolute and relative CIs, Bayesian
  read-out, SRM, error codes) over (metrics, arms) arrays;
- loop:   for every comparison, `scipy.stats.ttest_ind_from_stats(equal_var=False)` plus
  `scipy.stats.t.ppf` for the absolute and delta-method relative intervals.

Prints both times, the speed-up and the machine, and checks that both give the same figures.
Not run by pytest.   Usage: .venv/bin/python benchmarks/stats.py [--metrics 50000 --arms 3]
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import sys
import time

import numpy as np
import scipy
from scipy import stats as sps

from sowhat.stats.experiment_analysis import AnalysisOptions, analyze_batch
from sowhat.stats.sufficient import SummaryArrays


def make_block(metrics: int, arms: int, seed: int) -> SummaryArrays:
    """Plausible per-arm sums: n ~ 1-20k units, lognormal-ish means and variances."""
    rng = np.random.default_rng(seed)
    n = rng.integers(1000, 20000, size=(metrics, arms)).astype(float)
    mean = rng.lognormal(1.0, 0.5, size=(metrics, 1)) * (1 + rng.normal(0, 0.02, (metrics, arms)))
    var = (mean * rng.uniform(0.5, 2.0, size=(metrics, 1))) ** 2
    total = mean * n
    squares = var * (n - 1) + total**2 / n
    return SummaryArrays.build(n=n, sum=total, sum_squares=squares)


def run_loop(block: SummaryArrays, alpha: float, limit: int | None) -> tuple[np.ndarray, float]:
    metrics, arms = block.shape
    rows = metrics if limit is None else min(limit, metrics)
    out = np.empty((rows, arms - 1, 5))
    start = time.perf_counter()
    for i in range(rows):
        n_a = block.n[i, 0]
        m_a = block.sum[i, 0] / n_a
        v_a = (block.sum_squares[i, 0] - block.sum[i, 0] ** 2 / n_a) / (n_a - 1)
        for j in range(1, arms):
            n_b = block.n[i, j]
            m_b = block.sum[i, j] / n_b
            v_b = (block.sum_squares[i, j] - block.sum[i, j] ** 2 / n_b) / (n_b - 1)
            res = sps.ttest_ind_from_stats(
                m_b, math.sqrt(v_b), n_b, m_a, math.sqrt(v_a), n_a, equal_var=False
            )
            se2 = v_a / n_a + v_b / n_b
            dof = se2**2 / (v_b**2 / (n_b**2 * (n_b - 1)) + v_a**2 / (n_a**2 * (n_a - 1)))
            q = sps.t.ppf(1 - alpha / 2, dof)
            diff = m_b - m_a
            se_rel = math.sqrt(v_b / (m_a**2 * n_b) + v_a * m_b**2 / (m_a**4 * n_a))
            rel = diff / m_a
            out[i, j - 1] = (
                res.pvalue,
                diff - q * math.sqrt(se2),
                diff + q * math.sqrt(se2),
                rel - q * se_rel,
                rel + q * se_rel,
            )
    elapsed = time.perf_counter() - start
    return out, elapsed * metrics / rows


def main() -> None:
    parser = argparse.ArgumentParser(description="vectorised vs loop experiment analysis")
    parser.add_argument("--metrics", type=int, default=50_000)
    parser.add_argument("--arms", type=int, default=3, help="arms per metric incl. control")
    parser.add_argument("--repeat", type=int, default=3, help="best of N for the engine")
    parser.add_argument(
        "--loop-limit",
        type=int,
        default=None,
        help="time the loop on this many metrics and extrapolate (default: all)",
    )
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    block = make_block(args.metrics, args.arms, args.seed)
    pairs = args.metrics * (args.arms - 1)
    options = AnalysisOptions(metric_type="mean")
    engine_times = []
    for _ in range(args.repeat):
        start = time.perf_counter()
        result = analyze_batch(block, options)
        engine_times.append(time.perf_counter() - start)
    engine = min(engine_times)
    loop_out, loop = run_loop(block, options.alpha, args.loop_limit)

    rows = loop_out.shape[0]
    ours = np.stack(
        [
            result.p_value,
            result.ci_abs_low,
            result.ci_abs_high,
            result.ci_rel_low,
            result.ci_rel_high,
        ],
        axis=-1,
    )[:rows]
    max_diff = float(np.max(np.abs(ours - loop_out)))

    print(
        f"machine: {platform.platform()} | {platform.processor() or platform.machine()} | "
        f"{os.cpu_count()} CPUs | Python {sys.version.split()[0]} | numpy {np.__version__} | "
        f"scipy {scipy.__version__}"
    )
    print(
        f"comparisons (metric x treatment arm): {pairs:,} ({args.metrics:,} metrics x "
        f"{args.arms - 1} treatments)"
    )
    print(
        f"vectorised engine (best of {args.repeat}): {engine:.3f} s "
        f"({pairs / engine:,.0f} comparisons/s)"
    )
    note = "" if args.loop_limit is None else f" (timed on {rows:,} metrics, extrapolated)"
    print(f"python loop over scipy calls: {loop:.2f} s{note}")
    print(f"speed-up: {loop / engine:.0f}x (goal >= 20x)")
    print(f"max |difference| between the two (p, CIs): {max_diff:.2e}")


if __name__ == "__main__":
    main()
