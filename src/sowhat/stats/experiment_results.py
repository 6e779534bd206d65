"""Frozen result values for one analysed experiment, and their JSON-ready form.

`experiment_analysis.analyze_batch` returns arrays; `analyze` turns one row of them into these
dataclasses, which every shell (CLI, API, web, reports) renders. `to_dict()` is the public
output contract: control first with its lift fields null, NaN turned into null.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sowhat.stats.experiment_analysis import BatchResult

# Error codes, most severe last. ZERO_BASELINE only voids the relative figures.
OK = 0
ZERO_BASELINE = 1
ZERO_VARIANCE = 2
TOO_FEW_UNITS = 3
ZERO_DENOMINATOR = 4
INVALID_INPUT = 5
ERROR_NAMES: dict[int, str] = {
    ZERO_BASELINE: "ZERO_BASELINE",
    ZERO_VARIANCE: "ZERO_VARIANCE",
    TOO_FEW_UNITS: "TOO_FEW_UNITS",
    ZERO_DENOMINATOR: "ZERO_DENOMINATOR",
    INVALID_INPUT: "INVALID_INPUT",
}
ERROR_HELP: dict[str, str] = {
    "ZERO_BASELINE": "control mean is 0, so relative lift is undefined (absolute is fine)",
    "ZERO_VARIANCE": "an arm has zero variance (every unit has the same value)",
    "TOO_FEW_UNITS": "an arm has fewer than 2 units",
    "ZERO_DENOMINATOR": "a ratio metric's denominator sums to 0 in an arm",
    "INVALID_INPUT": "negative or non-finite sums, or a proportion outside [0, n]",
}


@dataclass(frozen=True)
class NonInferiorityResult:
    margin: float
    relative: bool
    higher_is_better: bool
    p_value: float | None
    bound: float | None
    non_inferior: bool | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "margin": self.margin,
            "relative": self.relative,
            "higher_is_better": self.higher_is_better,
            "p_value": self.p_value,
            "bound": self.bound,
            "non_inferior": self.non_inferior,
        }


@dataclass(frozen=True)
class ArmResult:
    """One arm; comparison fields are None for control and for a comparison with an error."""

    name: str
    n: int
    mean: float | None
    ci_mean: tuple[float, float] | None
    adjusted_mean: float | None = None
    lift_abs: float | None = None
    lift_rel: float | None = None
    ci_abs: tuple[float, float] | None = None
    ci_rel: tuple[float, float] | None = None
    p_value: float | None = None
    p_value_rel: float | None = None
    adjusted_p_value: float | None = None
    significant: bool | None = None
    dof: float | None = None
    theta: float | None = None
    chance_to_win: float | None = None
    risk: tuple[float, float] | None = None
    non_inferiority: NonInferiorityResult | None = None
    error: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "n": self.n,
            "mean": self.mean,
            "ci_mean": _pair(self.ci_mean),
            "adjusted_mean": self.adjusted_mean,
            "lift_abs": self.lift_abs,
            "lift_rel": self.lift_rel,
            "ci_abs": _pair(self.ci_abs),
            "ci_rel": _pair(self.ci_rel),
            "p_value": self.p_value,
            "p_value_rel": self.p_value_rel,
            "adjusted_p_value": self.adjusted_p_value,
            "significant": self.significant,
            "dof": self.dof,
            "theta": self.theta,
            "chance_to_win": self.chance_to_win,
            "risk": _pair(self.risk),
            "non_inferiority": None
            if self.non_inferiority is None
            else self.non_inferiority.to_dict(),
            "error": self.error,
        }


@dataclass(frozen=True)
class ExperimentResult:
    metric_type: str
    alpha: float
    sequential: bool
    sequential_tuning: float | None
    correction: str | None
    cuped: bool
    weights: tuple[float, ...]
    srm_p_value: float
    arms: tuple[ArmResult, ...]

    @property
    def srm_alarm(self) -> bool:
        """The usual SRM alarm threshold: p < 0.001 means assignment is likely broken."""
        return self.srm_p_value < 0.001

    @property
    def control(self) -> ArmResult:
        return self.arms[0]

    @property
    def treatments(self) -> tuple[ArmResult, ...]:
        return self.arms[1:]

    def to_dict(self) -> dict[str, Any]:
        return {
            "metric_type": self.metric_type,
            "alpha": self.alpha,
            "sequential": self.sequential,
            "sequential_tuning": self.sequential_tuning,
            "correction": self.correction,
            "cuped": self.cuped,
            "weights": list(self.weights),
            "srm_p_value": self.srm_p_value,
            "srm_alarm": self.srm_alarm,
            "variations": [arm.to_dict() for arm in self.arms],
        }


def build_result(batch: BatchResult, row: int, names: list[str]) -> ExperimentResult:
    """Row `row` of a batch as frozen values (NaN -> None)."""
    opts = batch.options
    arms_count = batch.n.shape[1]
    weights = opts.weights or tuple(1.0 / arms_count for _ in range(arms_count))
    arms: list[ArmResult] = [
        ArmResult(
            name=names[0],
            n=int(batch.n[row, 0]),
            mean=_num(batch.mean[row, 0]),
            ci_mean=_interval(batch.ci_mean_low[row, 0], batch.ci_mean_high[row, 0]),
        )
    ]
    for j in range(arms_count - 1):
        k = j + 1
        code = int(batch.error[row, j])
        bad = code >= ZERO_VARIANCE
        ni = opts.non_inferiority
        arms.append(
            ArmResult(
                name=names[k],
                n=int(batch.n[row, k]),
                mean=_num(batch.mean[row, k]),
                ci_mean=_interval(batch.ci_mean_low[row, k], batch.ci_mean_high[row, k]),
                adjusted_mean=_num(batch.adjusted_mean_treatment[row, j]) if opts.cuped else None,
                lift_abs=_num(batch.lift_abs[row, j]),
                lift_rel=_num(batch.lift_rel[row, j]),
                ci_abs=_interval(batch.ci_abs_low[row, j], batch.ci_abs_high[row, j]),
                ci_rel=_interval(batch.ci_rel_low[row, j], batch.ci_rel_high[row, j]),
                p_value=_num(batch.p_value[row, j]),
                p_value_rel=_num(batch.p_value_rel[row, j]),
                adjusted_p_value=_num(batch.adjusted_p_value[row, j]) if opts.correction else None,
                significant=None if bad else bool(batch.significant[row, j]),
                dof=_num(batch.dof[row, j]),
                theta=_num(batch.theta[row, j]) if opts.cuped else None,
                chance_to_win=_num(batch.chance_to_win[row, j]),
                risk=_interval(batch.risk_control[row, j], batch.risk_treatment[row, j]),
                non_inferiority=None
                if ni is None
                else NonInferiorityResult(
                    margin=ni.margin,
                    relative=ni.relative,
                    higher_is_better=ni.higher_is_better,
                    p_value=_num(batch.ni_p_value[row, j]),
                    bound=_num(batch.ni_bound[row, j]),
                    non_inferior=None
                    if math.isnan(float(batch.ni_p_value[row, j]))
                    else bool(batch.non_inferior[row, j]),
                ),
                error=ERROR_NAMES.get(code),
            )
        )
    return ExperimentResult(
        metric_type=opts.metric_type,
        alpha=opts.alpha,
        sequential=opts.sequential,
        sequential_tuning=opts.sequential_tuning if opts.sequential else None,
        correction=opts.correction,
        cuped=opts.cuped,
        weights=tuple(float(w) for w in weights),
        srm_p_value=float(batch.srm_p_value[row]),
        arms=tuple(arms),
    )


def _num(value: Any) -> float | None:
    f = float(value)
    return None if math.isnan(f) else f


def _interval(low: Any, high: Any) -> tuple[float, float] | None:
    lo, hi = _num(low), _num(high)
    if lo is None or hi is None:
        return None
    return (lo, hi)


def _pair(value: tuple[float, float] | None) -> list[float] | None:
    return None if value is None else [value[0], value[1]]
