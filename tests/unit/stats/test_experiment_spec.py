"""Experiment summary files: valid ones become typed inputs, bad ones name file and field."""

from __future__ import annotations

from typing import Any

import pytest

from sowhat.errors import UserError
from sowhat.stats.experiment_spec import parse_experiment


def base(**extra: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "metric_type": "proportion",
        "variations": [
            {"name": "control", "n": 1000, "sum": 280, "sum_squares": 280},
            {"name": "treatment", "n": 1000, "sum": 310},
        ],
    }
    data.update(extra)
    return data


def test_minimal_file() -> None:
    spec = parse_experiment(base(), source="exp.yaml")
    assert [a.name for a in spec.arms] == ["control", "treatment"]
    assert spec.arms[1].sum_squares == 310  # a proportion's sum of squares is its sum
    assert spec.options.metric_type == "proportion"
    assert spec.options.alpha == 0.05
    assert spec.options.non_inferiority is None


def test_all_options() -> None:
    spec = parse_experiment(
        base(
            alpha=0.1,
            sequential=True,
            sequential_tuning=20000,
            correction="bh",
            weights=[0.4, 0.6],
            non_inferiority_margin="2%",
            higher_is_better=False,
        ),
        source="exp.yaml",
    )
    o = spec.options
    assert (o.alpha, o.sequential, o.sequential_tuning, o.correction) == (0.1, True, 20000, "bh")
    assert o.weights == (0.4, 0.6)
    assert o.non_inferiority is not None
    assert o.non_inferiority.relative
    assert o.non_inferiority.margin == pytest.approx(0.02)
    assert not o.non_inferiority.higher_is_better


def test_cuped_and_ratio_fields() -> None:
    arm = {
        "n": 10,
        "sum": 5.0,
        "sum_squares": 9.0,
        "covariate_sum": 4.0,
        "covariate_sum_squares": 6.0,
        "main_covariate_sum_product": 5.0,
    }
    spec = parse_experiment(
        {"metric_type": "mean", "cuped": True, "variations": [arm, dict(arm)]}, source="f.json"
    )
    assert spec.options.cuped
    assert spec.arms[0].has_covariate
    assert spec.arms[1].name == "variation 1"
    ratio = {
        "n": 10,
        "sum": 5.0,
        "sum_squares": 9.0,
        "denominator_sum": 20.0,
        "denominator_sum_squares": 50.0,
        "main_denominator_sum_product": 12.0,
    }
    spec = parse_experiment({"metric_type": "ratio", "variations": [ratio, ratio]}, source="f")
    assert spec.arms[0].has_denominator


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ([1, 2], "exp.yaml: must be a mapping"),
        (base(metric_type="count"), "exp.yaml: metric_type"),
        (base(alpha=2), "exp.yaml: alpha"),
        (base(alpha="0.05"), "exp.yaml: alpha"),
        (base(correction="bonferroni"), "exp.yaml: correction"),
        (base(corection="holm"), "exp.yaml: corection: unknown field"),
        (base(weights=[1, 2, 3]), "exp.yaml: weights"),
        (base(weights=[1, "x"]), "exp.yaml: weights[1]"),
        (base(sequential="yes"), "exp.yaml: sequential"),
        (base(non_inferiority_margin="two"), "exp.yaml: non_inferiority_margin"),
        (base(non_inferiority_margin=0), "exp.yaml: non_inferiority_margin"),
        (base(variations=[{"n": 1, "sum": 0}]), "exp.yaml: variations"),
        (base(cuped=True), "exp.yaml: variations[0].covariate_sum: is missing"),
        (
            {"metric_type": "mean", "variations": [{"n": 5, "sum": 1}, {"n": 5, "sum": 1}]},
            "exp.yaml: variations[0].sum_squares: is missing",
        ),
        (
            {"metric_type": "ratio", "variations": [{"n": 5, "sum": 1, "sum_squares": 1}] * 2},
            "exp.yaml: variations[0].denominator_sum: is missing",
        ),
    ],
)
def test_bad_files_name_the_field(data: Any, field: str) -> None:
    with pytest.raises(UserError) as info:
        parse_experiment(data, source="exp.yaml")
    assert info.value.render().startswith(field)
    assert info.value.hint


@pytest.mark.parametrize(
    ("arm", "field"),
    [
        ({"n": -1, "sum": 0}, "variations[1].n"),
        ({"n": 2.5, "sum": 0}, "variations[1].n"),
        ({"n": True, "sum": 0}, "variations[1].n"),
        ({"n": 10, "sum": 11}, "variations[1].sum"),
        ({"n": 10, "sum": float("nan")}, "variations[1].sum"),
        ({"n": 10, "sum": 1, "colour": "red"}, "variations[1].colour"),
        ({"name": "control", "n": 10, "sum": 1}, "variations[1].name"),
        ("not a mapping", "variations[1]"),
    ],
)
def test_bad_arms_name_the_field(arm: Any, field: str) -> None:
    data = base()
    data["variations"][1] = arm
    with pytest.raises(UserError) as info:
        parse_experiment(data, source="exp.yaml")
    assert info.value.render().startswith(f"exp.yaml: {field}")
