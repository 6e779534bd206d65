"""Sample size, MDE and detectability against statsmodels' NormalIndPower.

statsmodels parametrises power by a standardised effect size es with
Var(difference) = sigma^2 (1/n1 + 1/n2). Our unpooled convention has different variances per
arm, so the matching effect size is es = delta / sqrt((vA/wA + vB/wB) / (1/wA + 1/wB)); with
it both solve the same equation and must agree to 1e-6 (relative).
"""

from __future__ import annotations

import math

import pytest
from statsmodels.stats.power import NormalIndPower

from sowhat.errors import UserError
from sowhat.stats.experiment_design import (
    design_settings,
    detectability,
    minimum_detectable_effect,
    power_of,
    sample_size,
)

POWER = NormalIndPower()

# (metric_type, baseline, std, mde, relative, alpha, power, weights)
CASES = [
    ("proportion", 0.28, None, 0.02, False, 0.05, 0.8, None),
    ("proportion", 0.28, None, -0.02, False, 0.05, 0.8, None),
    ("proportion", 0.05, None, 0.10, True, 0.05, 0.8, None),
    ("proportion", 0.5, None, 0.01, False, 0.01, 0.9, None),
    ("proportion", 0.9, None, 0.03, False, 0.1, 0.8, None),
    ("proportion", 0.01, None, 0.002, False, 0.05, 0.95, None),
    ("proportion", 0.3, None, 0.05, True, 0.05, 0.8, (0.3, 0.7)),
    ("proportion", 0.3, None, 0.05, True, 0.05, 0.8, (0.7, 0.3)),
    ("proportion", 0.2, None, 0.02, False, 0.05, 0.8, (1, 1, 1)),
    ("proportion", 0.2, None, 0.02, False, 0.05, 0.8, (2, 1, 1, 1)),
    ("proportion", 0.65, None, -0.04, False, 0.05, 0.85, (0.5, 0.25, 0.25)),
    ("proportion", 0.12, None, 0.25, True, 0.2, 0.6, None),
    ("mean", 10.0, 4.0, 0.5, False, 0.05, 0.8, None),
    ("mean", 10.0, 4.0, 0.05, True, 0.05, 0.8, None),
    ("mean", 100.0, 250.0, 5.0, False, 0.01, 0.9, None),
    ("mean", 3.2, 1.1, -0.1, False, 0.05, 0.8, (0.25, 0.75)),
    ("mean", 3.2, 1.1, 0.1, False, 0.05, 0.8, (1, 1, 1)),
    ("mean", 0.0, 1.0, 0.2, False, 0.05, 0.8, None),
    ("mean", 50.0, 20.0, 0.02, True, 0.1, 0.95, (0.6, 0.2, 0.2)),
    ("mean", 1.0, 0.1, 0.001, False, 0.05, 0.8, None),
    ("mean", 7.0, 3.0, 0.3, False, 0.001, 0.99, None),
    ("proportion", 0.4, None, 0.001, False, 0.05, 0.8, None),
]


def matching_effect_size(v_a: float, v_b: float, w_a: float, w_b: float, delta: float) -> float:
    return abs(delta) / math.sqrt((v_a / w_a + v_b / w_b) / (1 / w_a + 1 / w_b))


def variances(kind: str, p: float, std: float | None, delta: float) -> tuple[float, float]:
    if kind == "proportion":
        return p * (1 - p), (p + delta) * (1 - p - delta)
    assert std is not None
    return std**2, std**2


@pytest.mark.parametrize("case", CASES)
def test_sample_size_matches_statsmodels(case: tuple) -> None:
    kind, p, std, mde, relative, alpha, power, weights = case
    arms = len(weights) if weights else 2
    plan = sample_size(
        metric_type=kind,
        baseline=p,
        std=std,
        mde=mde,
        relative=relative,
        alpha=alpha,
        power=power,
        arms=arms,
        weights=weights,
    )
    w = [x / sum(weights) for x in weights] if weights else [1 / arms] * arms
    w_a, w_b = w[0], min(w[1:])
    delta = mde * p if relative else mde
    v_a, v_b = variances(kind, p, std, delta)
    es = matching_effect_size(v_a, v_b, w_a, w_b, delta)
    nobs1 = POWER.solve_power(
        effect_size=es, nobs1=None, alpha=alpha / (arms - 1), power=power, ratio=w_b / w_a
    )
    assert plan.exact_total * w_a == pytest.approx(nobs1, rel=1e-6)
    assert plan.arm_sample_sizes == tuple(math.ceil(x * plan.exact_total - 1e-9) for x in w)
    assert plan.total_sample_size == sum(plan.arm_sample_sizes)
    assert plan.sample_size_per_arm == max(plan.arm_sample_sizes)
    achieved = POWER.power(
        effect_size=es, nobs1=plan.exact_total * w_a, alpha=alpha / (arms - 1), ratio=w_b / w_a
    )
    assert achieved == pytest.approx(power, abs=1e-9)


@pytest.mark.parametrize("case", CASES)
def test_mde_inverts_sample_size_and_matches_statsmodels_power(case: tuple) -> None:
    kind, p, std, mde, relative, alpha, power, weights = case
    arms = len(weights) if weights else 2
    common = {
        "metric_type": kind,
        "baseline": p,
        "std": std,
        "alpha": alpha,
        "power": power,
        "arms": arms,
        "weights": weights,
    }
    plan = sample_size(mde=mde, relative=relative, **common)
    direction = 1 if mde > 0 else -1
    reach = minimum_detectable_effect(
        total_sample_size=plan.exact_total, direction=direction, **common
    )
    assert reach.mde == pytest.approx(plan.mde, rel=1e-9)
    # Independently: statsmodels' power at our MDE equals the target.
    w = [x / sum(weights) for x in weights] if weights else [1 / arms] * arms
    assert reach.mde is not None
    v_a, v_b = variances(kind, p, std, reach.mde)
    es = matching_effect_size(v_a, v_b, w[0], min(w[1:]), reach.mde)
    got = POWER.power(
        es, nobs1=plan.exact_total * w[0], alpha=alpha / (arms - 1), ratio=min(w[1:]) / w[0]
    )
    assert got == pytest.approx(power, abs=1e-8)


def test_mean_mde_matches_statsmodels_solve_for_effect_size() -> None:
    for n, std in [(1000, 2.0), (250, 0.5), (40000, 13.0)]:
        reach = minimum_detectable_effect(
            metric_type="mean", baseline=5.0, std=std, total_sample_size=2 * n
        )
        assert reach.mde is not None
        # statsmodels' solve_power stops early (~1e-4 relative for effect sizes), so the
        # exact check is its power function at our MDE.
        es = POWER.solve_power(effect_size=None, nobs1=n, alpha=0.05, power=0.8, ratio=1.0)
        assert reach.mde == pytest.approx(es * std, rel=1e-3)
        assert POWER.power(reach.mde / std, nobs1=n, alpha=0.05) == pytest.approx(0.8, abs=1e-9)


def test_mde_from_weekly_traffic_and_weeks() -> None:
    by_weeks = minimum_detectable_effect(
        metric_type="proportion", baseline=0.28, weekly_traffic=5000, weeks=4
    )
    by_total = minimum_detectable_effect(
        metric_type="proportion", baseline=0.28, total_sample_size=20000
    )
    assert by_weeks.mde == by_total.mde
    assert by_weeks.mde is not None
    assert 0.017 < by_weeks.mde < 0.019


def test_unreachable_proportion_mde_is_none() -> None:
    reach = minimum_detectable_effect(metric_type="proportion", baseline=0.97, total_sample_size=4)
    assert reach.mde is None


def test_weeks_needed_uses_weekly_traffic() -> None:
    plan = sample_size(metric_type="proportion", baseline=0.28, mde=0.02, weekly_traffic=5000)
    assert plan.weeks_needed == pytest.approx(plan.total_sample_size / 5000)
    assert plan.convention.startswith("unpooled")


def test_detectability_verdicts() -> None:
    common = {"metric_type": "proportion", "baseline": 0.28, "units_per_week": 5000}
    plan = sample_size(metric_type="proportion", baseline=0.28, mde=0.02)
    weeks = plan.exact_total / 5000
    yes = detectability(expected_change=0.02, weeks_remaining=weeks * 1.01, **common)
    no = detectability(expected_change=0.02, weeks_remaining=weeks * 0.99, **common)
    assert yes.detectable
    assert not no.detectable
    assert yes.weeks_needed == pytest.approx(weeks)
    assert yes.power_at_expected > 0.8 > no.power_at_expected
    assert no.mde is not None
    assert no.mde > 0.02
    relative = detectability(
        expected_change=0.02 / 0.28, relative=True, weeks_remaining=weeks * 1.01, **common
    )
    assert relative.expected_change == pytest.approx(0.02)
    assert relative.detectable


def test_detectability_for_means_accepts_variance_or_std() -> None:
    a = detectability(
        metric_type="mean",
        baseline=10,
        variance=16.0,
        expected_change=-0.5,
        units_per_week=800,
        weeks_remaining=3,
    )
    b = detectability(
        metric_type="mean",
        baseline=10,
        std=4.0,
        expected_change=-0.5,
        units_per_week=800,
        weeks_remaining=3,
    )
    assert a == b
    assert a.mde is not None
    assert a.mde < 0
    settings = design_settings(metric_type="mean", baseline=10, std=4.0)
    assert a.power_at_expected == pytest.approx(power_of(settings, -0.5, 2400))


def test_detectability_with_no_time_left() -> None:
    d = detectability(
        metric_type="proportion",
        baseline=0.3,
        expected_change=0.05,
        units_per_week=1000,
        weeks_remaining=0,
    )
    assert d.mde is None
    assert not d.detectable
    assert d.weeks_needed is not None


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [
        ({"metric_type": "proportion", "baseline": 1.2, "mde": 0.1}, "between 0 and 1"),
        ({"metric_type": "proportion", "baseline": 0.95, "mde": 0.1}, "leaves the range"),
        ({"metric_type": "mean", "baseline": 3.0, "mde": 0.1}, "standard deviation"),
        ({"metric_type": "proportion", "baseline": 0.3, "mde": 0.0}, "non-zero"),
        (
            {
                "metric_type": "proportion",
                "baseline": 0.3,
                "mde": 0.1,
                "arms": 3,
                "weights": [1, 1],
            },
            "weights",
        ),
        ({"metric_type": "proportion", "baseline": 0.3, "mde": 0.1, "power": 0.01}, "power"),
        ({"metric_type": "ratio", "baseline": 0.3, "mde": 0.1}, "unknown metric type"),
    ],
)
def test_bad_design_inputs_are_user_errors(kwargs: dict, fragment: str) -> None:
    with pytest.raises(UserError, match=fragment):
        sample_size(**kwargs)
