"""`sowhat experiment design|analyze`: the output contract, and errors that name file and field."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from scipy import stats
from typer.testing import CliRunner

from sowhat.cli.app import app
from sowhat.errors import UserError
from sowhat.stats.experiment_design import sample_size

runner = CliRunner()
SOWHAT = Path(sys.executable).parent / "sowhat"

YAML_FILE = """\
name: checkout-button
metric_type: proportion
correction: holm
weights: [0.34, 0.33, 0.33]
non_inferiority_margin: "2%"
variations:
  - {name: control, n: 1000, sum: 280, sum_squares: 280}
  - {name: green, n: 1010, sum: 330}
  - {name: blue, n: 990, sum: 270}
"""


def invoke_json(*args: str) -> dict:
    result = runner.invoke(app, [*args, "--format", "json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_design_proportion_json_contract() -> None:
    out = invoke_json(
        "experiment",
        "design",
        "--metric-type",
        "proportion",
        "--baseline",
        "0.28",
        "--mde",
        "0.02",
        "--weekly-traffic",
        "5000",
    )
    plan = sample_size(metric_type="proportion", baseline=0.28, mde=0.02)
    assert out["sample_size_per_arm"] == plan.sample_size_per_arm == 8077
    assert out["total_sample_size"] == 16154
    assert out["mde"] == pytest.approx(0.02)
    assert out["convention"].startswith("unpooled")
    assert out["weeks_needed"] == pytest.approx(16154 / 5000)


def test_design_relative_mean_and_arms() -> None:
    out = invoke_json(
        "experiment",
        "design",
        "--metric-type",
        "mean",
        "--baseline",
        "10",
        "--std",
        "4",
        "--mde",
        "0.05",
        "--relative",
        "--arms",
        "3",
    )
    assert out["mde"] == pytest.approx(0.05)
    assert out["mde_absolute"] == pytest.approx(0.5)
    assert out["alpha_per_comparison"] == pytest.approx(0.025)
    assert len(out["arm_sample_sizes"]) == 3
    assert out["total_sample_size"] == 3 * out["sample_size_per_arm"]


def test_design_weights_imply_arms() -> None:
    out = invoke_json(
        "experiment",
        "design",
        "--metric-type",
        "proportion",
        "--baseline",
        "0.3",
        "--mde",
        "0.03",
        "--weights",
        "0.2,0.8",
    )
    small, large = out["arm_sample_sizes"]
    assert large > small
    assert out["sample_size_per_arm"] == large


def test_design_reachable_mde() -> None:
    out = invoke_json(
        "experiment",
        "design",
        "--metric-type",
        "proportion",
        "--baseline",
        "0.28",
        "--weeks",
        "4",
        "--weekly-traffic",
        "5000",
    )
    assert out["mode"] == "mde"
    assert out["total_sample_size"] == 20000
    assert out["sample_size_per_arm"] == 10000
    check = sample_size(metric_type="proportion", baseline=0.28, mde=out["mde"])
    assert check.exact_total == pytest.approx(20000, rel=1e-9)


def test_design_table_and_errors() -> None:
    result = runner.invoke(
        app,
        [
            "experiment",
            "design",
            "--metric-type",
            "proportion",
            "--baseline",
            "0.28",
            "--mde",
            "0.02",
        ],
    )
    assert result.exit_code == 0
    assert "sample size per arm" in result.stdout
    assert "8077" in result.stdout
    result = runner.invoke(
        app, ["experiment", "design", "--metric-type", "mean", "--baseline", "3", "--mde", "1"]
    )
    assert isinstance(result.exception, UserError)
    assert "--std" in result.exception.render()
    result = runner.invoke(
        app, ["experiment", "design", "--metric-type", "proportion", "--baseline", "0.3"]
    )
    assert isinstance(result.exception, UserError)
    usage = runner.invoke(
        app, ["experiment", "design", "--metric-type", "nope", "--baseline", "0.3"]
    )
    assert usage.exit_code == 2


def test_analyze_yaml_json_contract(tmp_path: Path) -> None:
    path = tmp_path / "exp.yaml"
    path.write_text(YAML_FILE)
    out = invoke_json("experiment", "analyze", str(path))
    assert 0 <= out["srm_p_value"] <= 1
    control, green, blue = out["variations"]
    assert control["name"] == "control"
    for key in ("lift_abs", "lift_rel", "ci_abs", "ci_rel", "p_value"):
        assert control[key] is None
    for arm in (green, blue):
        for key in (
            "name",
            "mean",
            "lift_abs",
            "lift_rel",
            "ci_abs",
            "ci_rel",
            "p_value",
            "significant",
            "adjusted_p_value",
        ):
            assert key in arm
    ref = stats.ttest_ind_from_stats(
        330 / 1010,
        (330 / 1010 * 680 / 1010) ** 0.5,
        1010,
        0.28,
        (0.28 * 0.72) ** 0.5,
        1000,
        equal_var=False,
    )
    assert green["p_value"] == pytest.approx(ref.pvalue, rel=1e-9)
    assert green["adjusted_p_value"] >= green["p_value"]
    assert green["ci_abs"][0] < green["lift_abs"] < green["ci_abs"][1]
    assert green["non_inferiority"]["relative"] is True


def test_analyze_json_file_and_table(tmp_path: Path) -> None:
    path = tmp_path / "exp.json"
    path.write_text(
        json.dumps(
            {
                "metric_type": "mean",
                "sequential": True,
                "variations": [
                    {"name": "control", "n": 500, "sum": 1000, "sum_squares": 2600},
                    {"name": "new", "n": 510, "sum": 1100, "sum_squares": 2900},
                ],
            }
        )
    )
    out = invoke_json("experiment", "analyze", str(path))
    assert out["sequential"] is True
    assert out["variations"][1]["lift_abs"] == pytest.approx(1100 / 510 - 2)
    table = runner.invoke(app, ["experiment", "analyze", str(path)])
    assert table.exit_code == 0
    assert "SRM check" in table.stdout
    assert "sequential" in table.stdout


def test_analyze_bad_file_real_process(tmp_path: Path) -> None:
    good = tmp_path / "good.yaml"
    good.write_text(YAML_FILE)
    proc = subprocess.run(
        [str(SOWHAT), "experiment", "analyze", str(good), "--format", "json"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["variations"][1]["name"] == "green"

    bad = tmp_path / "bad.yaml"
    bad.write_text(YAML_FILE.replace("n: 1010", "n: -4"))
    proc = subprocess.run(
        [str(SOWHAT), "experiment", "analyze", str(bad)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 1
    assert "bad.yaml: variations[1].n" in proc.stderr

    broken = tmp_path / "broken.yaml"
    broken.write_text("metric_type: [proportion\n")
    proc = subprocess.run(
        [str(SOWHAT), "experiment", "analyze", str(broken)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 1
    assert "broken.yaml" in proc.stderr
    assert "invalid YAML" in proc.stderr

    proc = subprocess.run(
        [str(SOWHAT), "experiment", "analyze", str(tmp_path / "missing.json")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 1
    assert "missing.json: file not found" in proc.stderr


def test_analyze_reports_errors_per_arm(tmp_path: Path) -> None:
    path = tmp_path / "exp.yaml"
    path.write_text(
        "metric_type: mean\nvariations:\n"
        "  - {n: 100, sum: 300, sum_squares: 1000}\n"
        "  - {n: 1, sum: 3, sum_squares: 9}\n"
        "  - {n: 100, sum: 320, sum_squares: 1100}\n"
    )
    out = invoke_json("experiment", "analyze", str(path))
    assert out["variations"][1]["error"] == "TOO_FEW_UNITS"
    assert out["variations"][1]["p_value"] is None
    assert out["variations"][2]["error"] is None
    assert out["variations"][2]["p_value"] is not None
