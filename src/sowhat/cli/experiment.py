"""`sowhat experiment design|analyze`: plan an A/B test and read one out from summary stats."""

from __future__ import annotations

import json
import math
from dataclasses import asdict
from enum import StrEnum
from pathlib import Path
from typing import Any

import typer
from rich.table import Table

from sowhat.cli.common import Format, console, print_json
from sowhat.errors import UserError
from sowhat.stats.experiment_analysis import analyze
from sowhat.stats.experiment_design import minimum_detectable_effect, sample_size
from sowhat.stats.experiment_results import ERROR_HELP, ExperimentResult
from sowhat.stats.experiment_spec import parse_experiment

experiment_app = typer.Typer(
    help="Plan experiments (sample size, MDE) and analyse their results.", no_args_is_help=True
)

MAX_FILE_BYTES = 5 * 1024 * 1024


class DesignMetric(StrEnum):
    PROPORTION = "proportion"
    MEAN = "mean"


def design(
    metric_type: DesignMetric = typer.Option(..., "--metric-type", help="proportion or mean."),
    baseline: float = typer.Option(..., help="Control's current value (a share for proportions)."),
    mde: float | None = typer.Option(
        None, help="Smallest effect worth detecting (absolute; relative with --relative)."
    ),
    relative: bool = typer.Option(
        False, "--relative", help="Read --mde, and print the MDE, relative to the baseline."
    ),
    std: float | None = typer.Option(None, help="Per-unit standard deviation (mean metrics)."),
    alpha: float = typer.Option(0.05, help="Family-wise false-positive rate."),
    power: float = typer.Option(0.8, help="Chance to detect an effect of size --mde."),
    arms: int | None = typer.Option(None, help="Number of arms incl. control (default 2)."),
    weights: str | None = typer.Option(None, help="Traffic shares, control first: 0.5,0.5."),
    weekly_traffic: float | None = typer.Option(
        None, "--weekly-traffic", help="Units entering the experiment per week (all arms)."
    ),
    weeks: float | None = typer.Option(
        None, help="Weeks available; without --mde prints the MDE this reaches."
    ),
    fmt: Format = typer.Option(Format.TABLE, "--format", help="table or json."),
) -> None:
    """Sample size per arm for an MDE, or the MDE reachable in --weeks of --weekly-traffic.

    Normal approximation, two-sided; alpha is Bonferroni-split over treatment arms.

    Example: sowhat experiment design --metric-type proportion --baseline 0.28 --mde 0.02
    --weekly-traffic 5000
    """
    shares = _weights(weights)
    n_arms = arms if arms is not None else (len(shares) if shares else 2)
    common: dict[str, Any] = {
        "metric_type": metric_type.value,
        "baseline": baseline,
        "std": std,
        "alpha": alpha,
        "power": power,
        "arms": n_arms,
        "weights": shares,
    }
    if weeks is not None and weekly_traffic is None:
        raise UserError(
            "--weeks needs --weekly-traffic", hint="e.g. --weeks 4 --weekly-traffic 5000"
        )
    if mde is None:
        if weeks is None or weekly_traffic is None:
            raise UserError(
                "give --mde for a sample size, or --weeks and --weekly-traffic for the MDE",
                hint="e.g. --mde 0.02, or --weeks 4 --weekly-traffic 5000",
            )
        mplan = minimum_detectable_effect(weekly_traffic=weekly_traffic, weeks=weeks, **common)
        out = asdict(mplan)
        out["mode"] = "mde"
        out["mde_absolute"] = mplan.mde
        out["mde"] = mplan.mde_relative if relative else mplan.mde
        out["relative"] = relative
        out["total_sample_size"] = _whole(mplan.total_sample_size)
        out["sample_size_per_arm"] = _whole(max(mplan.arm_sample_sizes))
        out["arm_sample_sizes"] = [_whole(x) for x in mplan.arm_sample_sizes]
    else:
        plan = sample_size(mde=mde, relative=relative, weekly_traffic=weekly_traffic, **common)
        out = asdict(plan)
        out["mode"] = "sample_size"
        out["mde_absolute"] = plan.mde
        out["mde"] = plan.mde_relative if relative else plan.mde
        out["relative"] = relative
        if weeks is not None and weekly_traffic is not None:
            reach = minimum_detectable_effect(weekly_traffic=weekly_traffic, weeks=weeks, **common)
            out["weeks"] = weeks
            out["reachable_mde"] = reach.mde_relative if relative else reach.mde
    out["weights"] = list(out["weights"])
    out["arm_sample_sizes"] = list(out["arm_sample_sizes"])
    if fmt is Format.JSON:
        print_json(out)
        return
    _render_design(out)


def analyze_command(
    file: Path = typer.Argument(..., help="Experiment summary: JSON or YAML file."),
    fmt: Format = typer.Option(Format.TABLE, "--format", help="table or json."),
) -> None:
    """Analyse an experiment from per-arm sums: lifts, intervals, p-values, SRM.

    The file lists each arm's n, sum and sum_squares (control first), plus options: alpha,
    sequential, correction (holm|bh), weights, cuped, non_inferiority_margin.

    Example: sowhat experiment analyze checkout-test.yaml --format json
    """
    data = _load(file)
    spec = parse_experiment(data, source=str(file))
    result = analyze(spec.arms, spec.options)
    if fmt is Format.JSON:
        print_json(result.to_dict())
        return
    _render_analysis(result, spec.name or file.name)


def register(app: typer.Typer) -> None:
    experiment_app.command("design")(design)
    experiment_app.command("analyze")(analyze_command)
    app.add_typer(experiment_app, name="experiment")


def _weights(raw: str | None) -> list[float] | None:
    if raw is None:
        return None
    try:
        return [float(x) for x in raw.split(",") if x.strip()]
    except ValueError:
        raise UserError(
            f"--weights: cannot read {raw!r}", hint="give comma-separated shares, e.g. 0.5,0.5"
        ) from None


def _whole(x: float) -> float | int:
    return int(x) if float(x).is_integer() else x


def _load(path: Path) -> Any:
    """Read JSON (by suffix) or YAML; every failure names the file."""
    if not path.is_file():
        raise UserError(f"{path}: file not found", hint="check the path to the summary file")
    if path.stat().st_size > MAX_FILE_BYTES:
        raise UserError(f"{path}: file is too large", hint="give per-arm sums, not unit rows")
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise UserError(f"{path}: not a UTF-8 text file", hint="save it as JSON or YAML") from None
    if path.suffix.lower() == ".json":
        try:
            return json.loads(text)
        except json.JSONDecodeError as exc:
            raise UserError(
                f"{path}:{exc.lineno}:{exc.colno}: invalid JSON: {exc.msg}",
                hint="fix the syntax, or use YAML",
            ) from None
    from ruamel.yaml import YAML
    from ruamel.yaml.error import MarkedYAMLError, YAMLError

    try:
        return YAML(typ="safe", pure=True).load(text)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark
        where = f"{path}:{mark.line + 1}:{mark.column + 1}" if mark else str(path)
        raise UserError(f"{where}: invalid YAML: {exc.problem}", hint="fix the syntax") from None
    except YAMLError as exc:
        raise UserError(f"{path}: invalid YAML: {exc}", hint="fix the syntax") from None


def _fmt(x: float | None, digits: int = 4) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "-"
    return f"{x:.{digits}g}"


def _pct(x: float | None) -> str:
    return "-" if x is None else f"{x:+.2%}"


def _render_design(out: dict[str, Any]) -> None:
    table = Table(title="Experiment design", show_header=False)
    table.add_column("field", style="bold")
    table.add_column("value")
    rel = out.get("mde_relative")
    label = "MDE reachable" if out["mode"] == "mde" else "MDE"
    mde_abs = out.get("mde_absolute")
    table.add_row(label, f"{_fmt(mde_abs)} absolute ({_pct(rel)} relative)")
    table.add_row("sample size per arm", str(out["sample_size_per_arm"]))
    table.add_row("arm sample sizes", ", ".join(str(x) for x in out["arm_sample_sizes"]))
    table.add_row("total sample size", str(out["total_sample_size"]))
    if out.get("weeks_needed") is not None:
        table.add_row("weeks needed", f"{out['weeks_needed']:.2f}")
    if out.get("reachable_mde") is not None:
        table.add_row(f"MDE in {out['weeks']:g} weeks", _fmt(out["reachable_mde"]))
    table.add_row("alpha / per comparison", f"{out['alpha']:g} / {out['alpha_per_comparison']:g}")
    table.add_row("power", f"{out['power']:g}")
    table.add_row("variance convention", out["convention"])
    table.add_row("several arms", out["multiple_arms"])
    console.print(table)


def _render_analysis(result: ExperimentResult, title: str) -> None:
    kind = "sequential (always valid)" if result.sequential else "fixed horizon"
    table = Table(title=f"{title}: {result.metric_type} metric, {kind}, alpha {result.alpha:g}")
    p_label = f"p ({result.correction})" if result.correction else "p"
    for col in ("variation", "n", "mean", "lift", "lift %", "CI (%)", p_label, "significant"):
        table.add_column(col, justify="left" if col == "variation" else "right")
    for arm in result.arms:
        ci = "-" if arm.ci_rel is None else f"[{arm.ci_rel[0]:+.2%}, {arm.ci_rel[1]:+.2%}]"
        p = arm.adjusted_p_value if arm.adjusted_p_value is not None else arm.p_value
        sig = "-" if arm.significant is None else ("yes" if arm.significant else "no")
        if arm.error:
            sig = f"[yellow]{arm.error}[/yellow]"
        table.add_row(
            arm.name,
            str(arm.n),
            _fmt(arm.mean),
            _fmt(arm.lift_abs),
            _pct(arm.lift_rel),
            ci,
            _fmt(p, 3),
            sig,
        )
    console.print(table)
    srm = f"SRM check p = {result.srm_p_value:.3g}"
    if result.srm_alarm:
        srm += " [red](sample-ratio mismatch: assignment looks broken; distrust the lifts)[/red]"
    console.print(srm)
    if result.correction:
        console.print(f"p-values adjusted with {result.correction} across treatment arms")
    for arm in result.treatments:
        if arm.error:
            console.print(f"{arm.name}: {arm.error}: {ERROR_HELP[arm.error]}")
        ni = arm.non_inferiority
        if ni is not None and ni.non_inferior is not None:
            verdict = "non-inferior" if ni.non_inferior else "NOT shown non-inferior"
            margin = f"{ni.margin:.2%}" if ni.relative else f"{ni.margin:g}"
            console.print(
                f"{arm.name}: guardrail {verdict} (margin {margin}, p = {ni.p_value:.3g})"
            )
