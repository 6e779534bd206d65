"""Regenerate tests/reference/gbstats_cases.json from GrowthBook's gbstats 0.8.0.

gbstats 0.8.0 needs numpy<2 and pandas<2, which cannot share Sowhat's environment, so this
script builds its own virtualenv (default /tmp/gbstats-venv), installs gbstats there and
re-runs itself inside it. Review the JSON diff like any golden file, then commit it.

    python3 tests/reference/make_gbstats_fixture.py [--venv /tmp/gbstats-venv]

The cases are fixed: per-unit data is simulated with a seeded RandomState and reduced to
sufficient statistics, which are stored next to gbstats' figures so the tests never need
gbstats or the simulation.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
OUT = HERE / "gbstats_cases.json"
REQUIREMENTS = ["gbstats==0.8.0", "numpy<2", "pandas<2", "scipy"]


def ensure_venv(venv: Path) -> Path:
    python = venv / "bin" / "python"
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    probe = subprocess.run(
        [str(python), "-c", "import gbstats, importlib.metadata as m; print(m.version('gbstats'))"],
        capture_output=True,
        text=True,
    )
    if probe.returncode != 0 or probe.stdout.strip() != "0.8.0":
        subprocess.run([str(python), "-m", "pip", "install", "-q", *REQUIREMENTS], check=True)
    return python


# ---------------------------------------------------------------------------------------------
# Everything below runs inside the gbstats venv.


def _sums(rng: Any, kind: str, n: int, param: dict[str, float]) -> dict[str, float]:
    import numpy as np

    if kind == "proportion":
        y = (rng.random_sample(n) < param["p"]).astype(float)
    elif kind == "mean":
        y = rng.lognormal(param["mu"], param["sigma"], n)
    else:  # ratio: numerator events over denominator sessions per user
        d = 1.0 + rng.poisson(param["sessions"], n)
        y = rng.binomial(d.astype(int), param["p"]).astype(float)
        out = _basic(y)
        out.update(
            denominator_sum=float(d.sum()),
            denominator_sum_squares=float(d @ d),
            main_denominator_sum_product=float(y @ d),
        )
        return out
    out = _basic(y)
    if param.get("covariate"):
        x = y * param["covariate"] + rng.normal(0, 1, n) * param.get("noise", 1.0)
        if kind == "mean":
            x = np.abs(x)
        out.update(
            covariate_sum=float(x.sum()),
            covariate_sum_squares=float(x @ x),
            main_covariate_sum_product=float(y @ x),
        )
    return out


def _basic(y: Any) -> dict[str, float]:
    return {"n": len(y), "sum": float(y.sum()), "sum_squares": float(y @ y)}


def build_cases() -> list[dict[str, Any]]:
    import numpy as np

    rng = np.random.RandomState(20240601)
    cases: list[dict[str, Any]] = []

    def add(
        case_id: str, kind: str, sizes: list[int], params: list[dict[str, float]], **extra: Any
    ) -> None:
        arms = [_sums(rng, kind, n, p) for n, p in zip(sizes, params, strict=True)]
        cases.append({"id": case_id, "metric_type": kind, "arms": arms, **extra})

    for i, (p, lift, n) in enumerate(
        [
            (0.28, 0.02, 4000),
            (0.05, 0.01, 20000),
            (0.5, -0.03, 1500),
            (0.12, 0.0, 8000),
            (0.9, 0.02, 900),
            (0.02, 0.004, 60000),
            (0.35, 0.05, 300),
        ]
    ):
        add(f"proportion-{i}", "proportion", [n, int(n * 1.03)], [{"p": p}, {"p": p + lift}])
    for i, (mu, sigma, lift, n) in enumerate(
        [
            (1.0, 0.8, 0.05, 3000),
            (3.0, 1.2, -0.1, 1200),
            (0.0, 0.5, 0.02, 10000),
            (2.0, 1.5, 0.2, 400),
            (1.5, 0.3, 0.0, 50),
        ]
    ):
        add(
            f"mean-{i}",
            "mean",
            [n, n + 17],
            [{"mu": mu, "sigma": sigma}, {"mu": mu + lift, "sigma": sigma}],
        )
    for i, (sessions, p, lift, n) in enumerate(
        [(3.0, 0.2, 0.02, 2000), (8.0, 0.05, 0.01, 5000), (1.0, 0.5, -0.05, 700)]
    ):
        add(
            f"ratio-{i}",
            "ratio",
            [n, n - 11],
            [{"sessions": sessions, "p": p}, {"sessions": sessions, "p": p + lift}],
        )
    for i, (mu, lift, n) in enumerate([(1.0, 0.05, 2500), (2.0, 0.1, 800)]):
        add(
            f"cuped-mean-{i}",
            "mean",
            [n, n + 5],
            [
                {"mu": mu, "sigma": 0.7, "covariate": 0.8},
                {"mu": mu + lift, "sigma": 0.7, "covariate": 0.8},
            ],
            cuped=True,
        )
    add(
        "cuped-proportion-0",
        "proportion",
        [5000, 5050],
        [{"p": 0.3, "covariate": 2.0, "noise": 0.5}, {"p": 0.32, "covariate": 2.0, "noise": 0.5}],
        cuped=True,
    )
    # Three arms (each treatment compared with control), unequal planned weights.
    add("proportion-3arm", "proportion", [3000, 3100, 2900], [{"p": 0.2}, {"p": 0.22}, {"p": 0.19}])
    add(
        "mean-4arm",
        "mean",
        [1000, 2000, 1000, 980],
        [
            {"mu": 1.0, "sigma": 1.0},
            {"mu": 1.1, "sigma": 1.0},
            {"mu": 0.95, "sigma": 1.0},
            {"mu": 1.0, "sigma": 1.0},
        ],
        weights=[0.2, 0.4, 0.2, 0.2],
    )
    # Error cases: a proportion with no conversions in control; a constant mean metric.
    cases.append(
        {
            "id": "zero-variance",
            "metric_type": "proportion",
            "arms": [
                {"n": 500, "sum": 0.0, "sum_squares": 0.0},
                {"n": 500, "sum": 12.0, "sum_squares": 12.0},
            ],
        }
    )
    cases.append(
        {
            "id": "constant-mean",
            "metric_type": "mean",
            "arms": [
                {"n": 100, "sum": 300.0, "sum_squares": 900.0},
                {"n": 100, "sum": 310.0, "sum_squares": 1010.0},
            ],
        }
    )
    return cases


def _statistic(kind: str, arm: dict[str, float], cuped: bool) -> Any:
    from gbstats.models.statistics import (
        ProportionStatistic,
        RatioStatistic,
        RegressionAdjustedStatistic,
        SampleMeanStatistic,
    )

    n = int(arm["n"])
    if kind == "proportion":
        post: Any = ProportionStatistic(n=n, sum=arm["sum"])
    else:
        post = SampleMeanStatistic(n=n, sum=arm["sum"], sum_squares=arm["sum_squares"])
    if kind == "ratio":
        return RatioStatistic(
            n=n,
            m_statistic=post,
            d_statistic=SampleMeanStatistic(
                n=n, sum=arm["denominator_sum"], sum_squares=arm["denominator_sum_squares"]
            ),
            m_d_sum_of_products=arm["main_denominator_sum_product"],
        )
    if cuped:
        return RegressionAdjustedStatistic(
            n=n,
            post_statistic=post,
            pre_statistic=SampleMeanStatistic(
                n=n, sum=arm["covariate_sum"], sum_squares=arm["covariate_sum_squares"]
            ),
            post_pre_sum_of_products=arm["main_covariate_sum_product"],
            theta=0,
        )
    return post


def _freq(result: Any) -> dict[str, Any]:
    return {
        "expected": float(result.expected),
        "ci": [float(c) for c in result.ci],
        "p_value": float(result.p_value),
        "stddev": float(result.uplift.stddev),
        "error": result.error_message,
    }


def run_gbstats(case: dict[str, Any]) -> dict[str, Any]:
    from gbstats.bayesian.tests import EffectBayesianABTest, EffectBayesianConfig
    from gbstats.frequentist.tests import (
        FrequentistConfig,
        OneSidedTreatmentGreaterTTest,
        OneSidedTreatmentLesserTTest,
        SequentialConfig,
        SequentialTwoSidedTTest,
        TwoSidedTTest,
    )
    from gbstats.utils import check_srm

    kind, cuped, arms = case["metric_type"], bool(case.get("cuped")), case["arms"]
    alpha = 0.05

    def stats(j: int) -> tuple[Any, Any]:
        return _statistic(kind, arms[0], cuped), _statistic(kind, arms[j], cuped)

    comparisons = []
    for j in range(1, len(arms)):
        out: dict[str, Any] = {}
        for diff in ("absolute", "relative"):
            a, b = stats(j)
            out[diff] = _freq(
                TwoSidedTTest(
                    a, b, FrequentistConfig(alpha=alpha, difference_type=diff)
                ).compute_result()
            )
            a, b = stats(j)
            test = TwoSidedTTest(a, b, FrequentistConfig(alpha=alpha, difference_type=diff))
            out[diff]["dof"] = None if out[diff]["error"] else float(test.dof)
            a, b = stats(j)
            out[f"sequential_{diff}"] = _freq(
                SequentialTwoSidedTTest(
                    a,
                    b,
                    SequentialConfig(
                        alpha=alpha, difference_type=diff, sequential_tuning_parameter=5000
                    ),
                ).compute_result()
            )
            a, b = stats(j)
            out[f"sequential_{diff}_tuned"] = _freq(
                SequentialTwoSidedTTest(
                    a,
                    b,
                    SequentialConfig(
                        alpha=0.1, difference_type=diff, sequential_tuning_parameter=20000
                    ),
                ).compute_result()
            )
        # Guardrail (non-inferiority): margin 1% of control mean absolute / 2% relative.
        a, b = stats(j)
        margin_abs = 0.01 * abs(float(a.unadjusted_mean))
        for name, cls, test_value, diff in (
            ("ni_greater_absolute", OneSidedTreatmentGreaterTTest, -margin_abs, "absolute"),
            ("ni_lesser_absolute", OneSidedTreatmentLesserTTest, margin_abs, "absolute"),
            ("ni_greater_relative", OneSidedTreatmentGreaterTTest, -0.02, "relative"),
            ("ni_lesser_relative", OneSidedTreatmentLesserTTest, 0.02, "relative"),
        ):
            a, b = stats(j)
            res = cls(
                a, b, FrequentistConfig(alpha=alpha, difference_type=diff, test_value=test_value)
            ).compute_result()
            out[name] = {**_freq(res), "margin": abs(test_value)}
        a, b = stats(j)
        bres = EffectBayesianABTest(
            a, b, EffectBayesianConfig(difference_type="relative")
        ).compute_result()
        out["bayesian_relative"] = {
            "chance_to_win": float(bres.chance_to_win),
            "expected": float(bres.expected),
            "ci": [float(c) for c in bres.ci],
            "risk": [float(r) for r in bres.risk],
            "error": bres.error_message,
        }
        if cuped:
            a, b = stats(j)
            test = TwoSidedTTest(a, b)  # pools theta over the two arms
            out["theta"] = float(getattr(test.stat_a, "theta", 0.0))
        comparisons.append(out)
    weights = case.get("weights") or [1.0 / len(arms)] * len(arms)
    return {
        "srm_p_value": float(check_srm([int(a["n"]) for a in arms], weights)),
        "comparisons": comparisons,
    }


def inner() -> None:
    import importlib.metadata

    cases = build_cases()
    for case in cases:
        case["gbstats"] = run_gbstats(case)
    payload = {
        "generator": "tests/reference/make_gbstats_fixture.py",
        "gbstats_version": importlib.metadata.version("gbstats"),
        "alpha": 0.05,
        "cases": cases,
    }
    OUT.write_text(json.dumps(payload, indent=1) + "\n")
    print(f"wrote {len(cases)} cases to {OUT}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--venv", type=Path, default=Path("/tmp/gbstats-venv"))
    parser.add_argument("--inner", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.inner:
        inner()
        return
    python = ensure_venv(args.venv)
    subprocess.run([str(python), str(Path(__file__).resolve()), "--inner"], check=True)


if __name__ == "__main__":
    main()
