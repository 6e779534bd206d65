"""Our experiment engine against GrowthBook's gbstats 0.8.0 on fixed cases.

The figures come from tests/reference/gbstats_cases.json, written by
tests/reference/make_gbstats_fixture.py in a separate venv (gbstats needs numpy<2).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from sowhat.stats.experiment_analysis import AnalysisOptions, NonInferiority, analyze
from sowhat.stats.experiment_results import ExperimentResult
from sowhat.stats.sufficient import ArmSummary

FIXTURE = Path(__file__).resolve().parents[2] / "reference" / "gbstats_cases.json"
DATA = json.loads(FIXTURE.read_text())
CASES = DATA["cases"]
RTOL, ATOL = 1e-6, 1e-9


def close(actual: Any, expected: Any) -> None:
    np.testing.assert_allclose(
        np.asarray(actual, dtype=float), np.asarray(expected, dtype=float), rtol=RTOL, atol=ATOL
    )


def arms_of(case: dict[str, Any]) -> list[ArmSummary]:
    return [ArmSummary(**arm, name=f"arm{i}") for i, arm in enumerate(case["arms"])]


def run(case: dict[str, Any], **options: Any) -> ExperimentResult:
    return analyze(
        arms_of(case),
        AnalysisOptions(
            metric_type=case["metric_type"],
            cuped=bool(case.get("cuped")),
            weights=tuple(case["weights"]) if case.get("weights") else None,
            **options,
        ),
    )


def ok_comparisons(case: dict[str, Any]) -> list[tuple[int, dict[str, Any]]]:
    return [
        (j + 1, c)
        for j, c in enumerate(case["gbstats"]["comparisons"])
        if c["absolute"]["error"] is None
    ]


def test_fixture_is_large_enough() -> None:
    assert DATA["gbstats_version"] == "0.8.0"
    assert len(CASES) >= 20
    assert sum(len(c["gbstats"]["comparisons"]) for c in CASES) >= 20


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_fixed_horizon_matches_gbstats(case: dict[str, Any]) -> None:
    result = run(case)
    close(result.srm_p_value, case["gbstats"]["srm_p_value"])
    for k, ref in ok_comparisons(case):
        arm = result.arms[k]
        assert arm.error is None
        close(arm.lift_abs, ref["absolute"]["expected"])
        close(arm.ci_abs, ref["absolute"]["ci"])
        close(arm.p_value, ref["absolute"]["p_value"])
        close(arm.dof, ref["absolute"]["dof"])
        close(arm.lift_rel, ref["relative"]["expected"])
        close(arm.ci_rel, ref["relative"]["ci"])
        close(arm.p_value_rel, ref["relative"]["p_value"])
        if "theta" in ref:
            close(arm.theta, ref["theta"])


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_sequential_matches_gbstats(case: dict[str, Any]) -> None:
    default = run(case, sequential=True)
    tuned = run(case, sequential=True, alpha=0.1, sequential_tuning=20000.0)
    for k, ref in ok_comparisons(case):
        for result, suffix in ((default, ""), (tuned, "_tuned")):
            arm = result.arms[k]
            close(arm.ci_abs, ref[f"sequential_absolute{suffix}"]["ci"])
            close(arm.p_value, ref[f"sequential_absolute{suffix}"]["p_value"])
            close(arm.ci_rel, ref[f"sequential_relative{suffix}"]["ci"])
            close(arm.p_value_rel, ref[f"sequential_relative{suffix}"]["p_value"])


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_non_inferiority_matches_gbstats_one_sided_tests(case: dict[str, Any]) -> None:
    for key, relative, higher in (
        ("ni_greater_absolute", False, True),
        ("ni_lesser_absolute", False, False),
        ("ni_greater_relative", True, True),
        ("ni_lesser_relative", True, False),
    ):
        for k, ref in ok_comparisons(case):
            margin = ref[key]["margin"]
            result = run(case, non_inferiority=NonInferiority(margin, relative, higher))
            ni = result.arms[k].non_inferiority
            assert ni is not None
            close(ni.p_value, ref[key]["p_value"])
            if higher:
                close(ni.bound, ref[key]["ci"][0])
            else:
                # gbstats 0.8.0 reports [-inf, estimate - width] for the "lesser" test, a sign
                # slip; the upper bound is estimate + width (documented in docs/experiments.md).
                estimate = ref[key]["expected"]
                close(ni.bound, estimate + (estimate - ref[key]["ci"][1]))
            assert ni.non_inferior == (ref[key]["p_value"] < 0.05)


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_bayesian_readout_matches_gbstats(case: dict[str, Any]) -> None:
    result = run(case)
    for k, ref in ok_comparisons(case):
        bayes = ref["bayesian_relative"]
        arm = result.arms[k]
        close(arm.chance_to_win, bayes["chance_to_win"])
        close(arm.risk, bayes["risk"])


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_gbstats_errors_are_errors_here(case: dict[str, Any]) -> None:
    result = run(case)
    for j, ref in enumerate(case["gbstats"]["comparisons"]):
        arm = result.arms[j + 1]
        if ref["absolute"]["error"] is None:
            assert arm.error is None
        else:
            assert arm.error in {"ZERO_VARIANCE", "ZERO_BASELINE"}
            assert arm.ci_rel is None
            assert arm.lift_rel is None
